//! `webhook` mode: signed events sent to a vendor's receiver as the gateway sends them
//! (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`), with the
//! faults a receiver must handle — a duplicate, events out of order, a stale timestamp,
//! a bad or missing signature, a rotated secret — and the time it takes to answer.
//!
//! The signature is computed here from the specification, not with the gateway's code,
//! so that the suite checks the scheme rather than repeating whatever the gateway does.

use std::{
    future::Future,
    pin::Pin,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use ulid::Ulid;

use crate::{
    Mode, mask,
    outcome::{Failure, Outcome, TestCase, TestResult, ensure, fail},
    report::{Input, Results, Run},
};

/// The longest a receiver may take to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(15);
/// How long the suite waits, so that a slow answer is measured rather than cut off.
const WAIT_AT_MOST: Duration = Duration::from_secs(25);
/// How far in the past a stale delivery is dated (the limit is 300 s).
const STALE_BY: i64 = 600;

#[derive(Debug, Clone)]
pub struct Options {
    /// The receiver's URL (https, or http on a development machine).
    pub url: String,
    /// The receiver's signing secret, `whsec_` + base64.
    pub secret: String,
    /// A CA to trust besides the system's, PEM, and the file it came from.
    pub ca_pem: Option<Vec<u8>>,
    pub ca_path: Option<std::path::PathBuf>,
    pub participant: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the secret is not whsec_ followed by base64")]
    Secret,
    #[error("{0} is not an http(s) URL")]
    Url(String),
    #[error("the CA: {0}")]
    Tls(String),
    #[error("cannot reach {url}: {error}")]
    Unreachable { url: String, error: String },
}

type Running<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;

/// A test of this mode and how to run it.
#[derive(Clone, Copy)]
pub struct Check {
    pub case: TestCase,
    pub run: fn(&mut Sender) -> Running<'_>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.case.fmt(f)
    }
}

macro_rules! check {
    ($name:literal, $requirement:literal, $test:path) => {
        Check {
            case: TestCase {
                name: $name,
                requirements: &[$requirement],
            },
            run: |sender| Box::pin($test(sender)),
        }
    };
}

/// Every test of webhook mode; the answer time last, as it judges every delivery.
pub static CHECKS: &[Check] = &[
    check!("hook.valid", "JY-HOOK-ACCEPT-01", valid),
    check!("hook.duplicate", "JY-HOOK-DUP-01", duplicate),
    check!("hook.out_of_order", "JY-HOOK-ORDER-01", out_of_order),
    check!("hook.stale_timestamp", "JY-HOOK-STALE-01", stale_timestamp),
    check!("hook.bad_signature", "JY-HOOK-SIG-01", bad_signature),
    check!("hook.rotated_secret", "JY-HOOK-ROTATE-01", rotated_secret),
    check!("hook.answer_time", "JY-HOOK-TIME-01", answer_time),
];

/// One delivery as it goes on the wire.
#[derive(Debug, Clone)]
struct Delivery {
    id: String,
    timestamp: i64,
    body: String,
    /// `None`: no `webhook-signature` header at all.
    signature: Option<String>,
}

/// What the receiver answered, and how long it took.
#[derive(Debug, Clone, Copy)]
struct Answered {
    status: u16,
    took: Duration,
}

impl Answered {
    fn accepted(self) -> bool {
        (200..300).contains(&self.status)
    }

    fn refused(self) -> bool {
        (400..500).contains(&self.status)
    }
}

/// The suite's side: the client, the secret's key, and what every test saw.
#[derive(Debug)]
pub struct Sender {
    client: reqwest::Client,
    url: String,
    key: Vec<u8>,
    evidence: Vec<Value>,
    slowest: Duration,
}

pub async fn run(options: &Options, progress: bool) -> Result<Results, WebhookError> {
    let key = STANDARD
        .decode(
            options
                .secret
                .strip_prefix("whsec_")
                .unwrap_or(&options.secret),
        )
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or(WebhookError::Secret)?;
    let url = reqwest::Url::parse(&options.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| WebhookError::Url(options.url.clone()))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    if let Err(error) = tokio::net::TcpStream::connect((host.as_str(), port)).await {
        return Err(WebhookError::Unreachable {
            url: options.url.clone(),
            error: error.to_string(),
        });
    }
    let mut client = reqwest::Client::builder()
        .timeout(WAIT_AT_MOST)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(ca) = &options.ca_pem {
        client = client.add_root_certificate(
            reqwest::Certificate::from_pem(ca).map_err(|e| WebhookError::Tls(e.to_string()))?,
        );
    }
    let mut sender = Sender {
        client: client
            .build()
            .map_err(|e| WebhookError::Tls(e.to_string()))?,
        url: options.url.clone(),
        key,
        evidence: Vec::new(),
        slowest: Duration::ZERO,
    };
    let mut run = Run::start(
        Mode::Webhook,
        options.url.clone(),
        options.participant.clone(),
        progress,
    );
    if let (Some(path), Some(ca)) = (&options.ca_path, &options.ca_pem) {
        run.input(Input::of(path, ca));
    }
    for check in CHECKS {
        let outcome = (check.run)(&mut sender).await;
        let evidence = std::mem::take(&mut sender.evidence);
        run.record(
            check.case,
            TestResult::new(check.case.name, outcome, evidence),
        );
    }
    Ok(run.finish())
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// An event as the gateway writes it: ids and versions, never data.
fn event(kind: &str, what: &str, resource: &str, version: u32) -> (String, String) {
    let id = format!("evt_{}", Ulid::new());
    let occurred = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let body = json!({
        "id": id,
        "type": format!("{kind}.{what}"),
        "resource": {"kind": kind, "id": resource, "version": version},
        "occurredAt": occurred,
    });
    (id, body.to_string())
}

fn resource_id(prefix: &str) -> String {
    format!("{prefix}_{}", Ulid::new())
}

/// `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under `key`.
fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A key the receiver does not know.
fn stranger_key() -> Vec<u8> {
    Ulid::new().random().to_be_bytes().to_vec()
}

impl Sender {
    fn signed(&self, id: String, timestamp: i64, body: String) -> Delivery {
        let signature = Some(signature(&self.key, &id, timestamp, &body));
        Delivery {
            id,
            timestamp,
            body,
            signature,
        }
    }

    /// A fresh event, signed now.
    fn fresh(&self, kind: &str, what: &str) -> Delivery {
        let (id, body) = event(kind, what, &resource_id(&kind[..3]), 1);
        self.signed(id, now(), body)
    }

    async fn deliver(&mut self, delivery: &Delivery, why: &str) -> Result<Answered, Failure> {
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.id)
            .header("webhook-timestamp", delivery.timestamp.to_string())
            .body(delivery.body.clone());
        if let Some(signature) = &delivery.signature {
            request = request.header("webhook-signature", signature);
        }
        let mut exchange = json!({
            "case": why,
            "request": format!("POST {}", self.url),
            "requestHeaders": {
                "webhook-id": delivery.id,
                "webhook-timestamp": delivery.timestamp.to_string(),
                "webhook-signature": delivery.signature,
            },
            "requestBody": serde_json::from_str::<Value>(&delivery.body).map(|v| mask::value(&v)).unwrap_or_default(),
        });
        let started = Instant::now();
        let answer = request.send().await;
        let took = started.elapsed();
        exchange["elapsedMs"] = json!(took.as_millis() as u64);
        match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                exchange["status"] = json!(status);
                self.evidence.push(exchange);
                self.slowest = self.slowest.max(took);
                Ok(Answered { status, took })
            }
            Err(error) => {
                let why = crate::server::source_chain(&error);
                exchange["error"] = json!(why);
                self.evidence.push(exchange);
                self.slowest = self.slowest.max(took);
                Err(fail(
                    format!("接收端没有应答：{why}"),
                    format!("the receiver did not answer: {why}"),
                ))
            }
        }
    }
}

fn accepted(answered: Answered, what_zh: &str, what_en: &str) -> Outcome {
    ensure(
        answered.accepted(),
        format!("{what_zh}：返回 {}，预期 2xx", answered.status),
        format!("{what_en}: answered {}, expected 2xx", answered.status),
    )
}

fn refused(answered: Answered, what_zh: &str, what_en: &str) -> Outcome {
    ensure(
        answered.refused(),
        format!("{what_zh}：返回 {}，预期 4xx", answered.status),
        format!("{what_en}: answered {}, expected 4xx", answered.status),
    )
}

async fn valid(s: &mut Sender) -> Outcome {
    let delivery = s.fresh("service_record", "created");
    let answered = s.deliver(&delivery, "signed").await?;
    accepted(answered, "正确签名的事件", "a correctly signed event")
}

async fn duplicate(s: &mut Sender) -> Outcome {
    let first = s.fresh("senior", "updated");
    let answered = s.deliver(&first, "first").await?;
    accepted(answered, "首次投递", "the first delivery")?;
    // A retry: the same message id and body, a new timestamp and signature.
    let again = s.signed(first.id.clone(), now(), first.body.clone());
    let answered = s.deliver(&again, "again").await?;
    accepted(
        answered,
        "同一 webhook-id 的重复投递",
        "the same webhook-id again",
    )
}

async fn out_of_order(s: &mut Sender) -> Outcome {
    let provider = resource_id("prv");
    let (newer_id, newer) = event("provider", "updated", &provider, 3);
    let (older_id, older) = event("provider", "updated", &provider, 2);
    let newer = s.signed(newer_id, now(), newer);
    let older = s.signed(older_id, now(), older);
    let answered = s.deliver(&newer, "version 3").await?;
    accepted(answered, "版本 3", "version 3")?;
    let answered = s.deliver(&older, "then version 2").await?;
    accepted(answered, "随后到达的版本 2", "version 2 arriving after it")
}

async fn stale_timestamp(s: &mut Sender) -> Outcome {
    let (id, body) = event("consent", "withdrawn", &resource_id("cns"), 2);
    let stale = s.signed(id, now() - STALE_BY, body);
    let answered = s
        .deliver(&stale, "10 minutes old, correctly signed")
        .await?;
    refused(
        answered,
        "时间戳为 10 分钟前的投递",
        "a delivery timestamped 10 minutes ago",
    )
}

async fn bad_signature(s: &mut Sender) -> Outcome {
    let (id, body) = event("service_record", "updated", &resource_id("rec"), 2);
    let timestamp = now();
    let forged = Delivery {
        signature: Some(signature(&stranger_key(), &id, timestamp, &body)),
        id,
        timestamp,
        body,
    };
    let answered = s.deliver(&forged, "signed with another key").await?;
    refused(answered, "用其他密钥签名", "signed with another key")?;

    // A message of its own, so that a receiver that remembers the forged one's id does
    // not refuse this one for that reason.
    let (id, body) = event("service_record", "updated", &resource_id("rec"), 2);
    let mut changed = s.signed(id, timestamp, body);
    changed.body = changed.body.replace("\"version\":2", "\"version\":9");
    let answered = s.deliver(&changed, "body changed after signing").await?;
    refused(
        answered,
        "签名后正文被修改",
        "the body changed after signing",
    )?;

    let mut unsigned = s.fresh("alert", "acknowledged");
    unsigned.signature = None;
    let answered = s.deliver(&unsigned, "no signature").await?;
    refused(answered, "没有签名", "no signature")
}

async fn rotated_secret(s: &mut Sender) -> Outcome {
    let (id, body) = event("senior", "created", &resource_id("sen"), 1);
    let timestamp = now();
    let old = signature(&stranger_key(), &id, timestamp, &body);
    let current = signature(&s.key, &id, timestamp, &body);
    let delivery = Delivery {
        signature: Some(format!("{old} {current}")),
        id,
        timestamp,
        body,
    };
    let answered = s
        .deliver(&delivery, "two signatures, the second yours")
        .await?;
    accepted(
        answered,
        "含两个签名（第二个是你的）",
        "two signatures, the second yours",
    )
}

async fn answer_time(s: &mut Sender) -> Outcome {
    let delivery = s.fresh("alert", "raised");
    let answered = s.deliver(&delivery, "timed").await?;
    accepted(answered, "计时投递", "the timed delivery")?;
    let slowest = s.slowest.max(answered.took);
    ensure(
        slowest <= ANSWER_WITHIN,
        format!(
            "最慢的一次应答用了 {:.1} 秒，超过 15 秒",
            slowest.as_secs_f64()
        ),
        format!(
            "the slowest answer took {:.1} s, over 15 s",
            slowest.as_secs_f64()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the Standard Webhooks specification and libraries publish.
    #[test]
    fn signs_as_the_specification_does() {
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            signature(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
