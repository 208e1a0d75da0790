//! Client mode: a sandbox on this gateway, and scripted clients in this process — one that
//! does everything right passes every MUST; each careless one fails, by name, the
//! requirements its carelessness breaks.

mod support;

use std::time::Duration;

use jiayang_conformance::{
    catalog::Level,
    client::{self, ClientParticipant, Handoff, Sandbox, Scenario},
    outcome::Verdict,
    report::Results,
};
use serde_json::{Value, json};
use support::{GRANTEE, Gateway, HOLDER};

/// What a scripted client gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Careless {
    Nothing,
    NoPurposeNoKey,
    RetriesAtOnce,
    BlindAfter412,
}

struct Script {
    http: reqwest::Client,
    handoff: Handoff,
    careless: Careless,
}

impl Script {
    /// Sends what `build` makes, again after a 503 or 429 (as Retry-After says, unless
    /// careless); the status, ETag and body.
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> (u16, Option<String>, Value) {
        for _ in 0..5 {
            let mut request = build().bearer_auth(&self.handoff.client.token);
            if self.careless != Careless::NoPurposeNoKey {
                request = request.header("x-jiayang-purpose", client::PURPOSE);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            if status == 503 || status == 429 {
                let wait: u64 = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(1);
                if self.careless != Careless::RetriesAtOnce {
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                }
                continue;
            }
            let etag = response
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_owned());
            return (status, etag, response.json().await.unwrap_or(Value::Null));
        }
        panic!("still refused after five tries");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handoff.url)
    }

    async fn run(self) {
        // The providers serving the street, every page.
        let mut token: Option<String> = None;
        loop {
            let mut path = format!(
                "/v1/providers?district={}&serviceItem={}&pageSize={}",
                client::DIVISION,
                client::SERVICE_ITEM,
                client::PAGE_SIZE
            );
            if let Some(token) = &token {
                path.push_str(&format!("&pageToken={token}"));
            }
            let (status, _, page) = self.send(|| self.http.get(self.url(&path))).await;
            assert_eq!(status, 200, "{page}");
            token = page["nextPageToken"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        // The senior.
        let senior = format!("/v1/seniors/{}", self.handoff.senior);
        self.send(|| self.http.get(self.url(&senior))).await;
        // The visit, under one key however often it is sent.
        let mut visit: Value = serde_json::from_str(include_str!(
            "../../schemas/fixtures/service-record/valid/design-example.json"
        ))
        .unwrap();
        visit["senior"] = json!({"seniorId": self.handoff.senior});
        visit["provider"] = json!({"uscc": self.handoff.provider_uscc});
        visit["worker"]["certificateNo"] = self.handoff.worker_certificate.clone().into();
        visit["externalIds"] = json!([{"participant": self.handoff.client.id, "id": "VISIT-1"}]);
        let key = "visit-1";
        let (status, _, created) = self
            .send(|| {
                let request = self.http.post(self.url("/v1/service-records")).json(&visit);
                if self.careless == Careless::NoPurposeNoKey {
                    request
                } else {
                    request.header("idempotency-key", key)
                }
            })
            .await;
        if status != 201 {
            eprintln!("the visit was refused: {status} {created}");
            return;
        }
        let record = format!("/v1/service-records/{}", created["id"].as_str().unwrap());
        // The update: read, change, write with If-Match; on a 412 read again and write again.
        let (_, mut etag, _) = self.send(|| self.http.get(self.url(&record))).await;
        visit["rating"]["comment"] = "准时、细心".into();
        for _ in 0..3 {
            let tag = etag.clone().unwrap_or_default();
            let (status, _, _) = self
                .send(|| {
                    self.http
                        .put(self.url(&record))
                        .header("if-match", &tag)
                        .json(&visit)
                })
                .await;
            if status != 412 {
                break;
            }
            if self.careless != Careless::BlindAfter412 {
                etag = self.send(|| self.http.get(self.url(&record))).await.1;
            } else {
                let current: u32 = tag.trim_matches('"').parse().unwrap_or(1);
                etag = Some(format!("\"{}\"", current + 1));
            }
        }
    }
}

fn must_failures(results: &Results) -> Vec<&str> {
    results
        .requirements
        .iter()
        .filter(|r| r.level == Level::Must && r.verdict != Verdict::Pass)
        .map(|r| r.id.as_str())
        .collect()
}

async fn sandboxed(gateway: &Gateway, careless: Careless) -> Results {
    let sandbox = Sandbox {
        gateway: gateway.addr,
        tls: gateway.tls.clone(),
        ca_pem: gateway.ca_pem.clone(),
        ca_path: gateway.ca_path.clone(),
        portal: (HOLDER.into(), gateway.holder_token.clone()),
        client: ClientParticipant {
            id: GRANTEE.into(),
            token: gateway.grantee_token.clone(),
        },
    };
    let opened = client::open(&sandbox, "127.0.0.1:0".parse().unwrap(), Scenario::Visit)
        .await
        .unwrap();
    let script = Script {
        http: reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&gateway.ca_pem).unwrap())
            .build()
            .unwrap(),
        handoff: opened.handoff.clone(),
        careless,
    };
    opened
        .finish(Some(script.run()), Duration::from_secs(60), false)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_everything_right_passes_and_careless_ones_fail_by_name() {
    let gateway = Gateway::start().await;
    let results = sandboxed(&gateway, Careless::Nothing).await;
    assert_eq!(must_failures(&results), Vec::<&str>::new(), "{results:#?}");
    assert!(results.passed);

    let expectations = [
        (
            Careless::NoPurposeNoKey,
            &["JY-CLI-PURPOSE-01", "JY-CLI-IDEMP-01"][..],
        ),
        (Careless::RetriesAtOnce, &["JY-CLI-RETRY-01"][..]),
        (Careless::BlindAfter412, &["JY-CLI-STALE-01"][..]),
    ];
    for (careless, breaks) in expectations {
        let gateway = Gateway::start().await;
        let results = sandboxed(&gateway, careless).await;
        let failed = must_failures(&results);
        for id in breaks {
            assert!(
                failed.contains(id),
                "{careless:?}: {id} passed; failed {failed:?}"
            );
        }
        if careless != Careless::NoPurposeNoKey {
            assert_eq!(failed, breaks, "{careless:?} fails only what it breaks");
        }
        gateway.stop().await;
    }
    gateway.stop().await;
}
