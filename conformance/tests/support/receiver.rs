//! A vendor's webhook receiver as the README tells vendors to write one (signature
//! checked, stale timestamps refused, duplicates acknowledged, older versions accepted,
//! a quick answer), over plain HTTP on loopback, with the faults that break it one
//! requirement at a time.

use std::{
    collections::{BTreeMap, BTreeSet},
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use sha2::Sha256;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    None,
    AcceptsBadSignature,
    AcceptsStale,
    FirstSignatureOnly,
    RejectsDuplicates,
    RejectsOlderVersions,
    SlowOnAlerts,
    /// Answers 422 to the kinds of events it has no use for, instead of acknowledging.
    RefusesRecordEvents,
}

impl Flaw {
    pub const ALL: [Flaw; 7] = [
        Flaw::RefusesRecordEvents,
        Flaw::AcceptsBadSignature,
        Flaw::AcceptsStale,
        Flaw::FirstSignatureOnly,
        Flaw::RejectsDuplicates,
        Flaw::RejectsOlderVersions,
        Flaw::SlowOnAlerts,
    ];

    pub fn breaks(self) -> &'static str {
        match self {
            Flaw::None => "",
            Flaw::AcceptsBadSignature => "JY-HOOK-SIG-01",
            Flaw::AcceptsStale => "JY-HOOK-STALE-01",
            Flaw::FirstSignatureOnly => "JY-HOOK-ROTATE-01",
            Flaw::RejectsDuplicates => "JY-HOOK-DUP-01",
            Flaw::RejectsOlderVersions => "JY-HOOK-ORDER-01",
            Flaw::SlowOnAlerts => "JY-HOOK-TIME-01",
            Flaw::RefusesRecordEvents => "JY-HOOK-ACCEPT-01",
        }
    }
}

#[derive(Debug, Default)]
struct Seen {
    ids: BTreeSet<String>,
    versions: BTreeMap<String, i64>,
    /// Events handled (each id once).
    handled: usize,
}

#[derive(Debug)]
struct Receiver {
    flaw: Flaw,
    key: Vec<u8>,
    seen: Mutex<Seen>,
}

impl Receiver {
    fn verified(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<(), u16> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(id), Some(timestamp)) = (header("webhook-id"), header("webhook-timestamp"))
        else {
            return Err(400);
        };
        let timestamp: i64 = timestamp.parse().map_err(|_| 400u16)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if self.flaw != Flaw::AcceptsStale && (now - timestamp).abs() > 300 {
            return Err(401);
        }
        if self.flaw == Flaw::AcceptsBadSignature {
            return Ok(());
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).unwrap();
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        let signatures: Vec<&str> = header("webhook-signature")
            .unwrap_or_default()
            .split(' ')
            .collect();
        let considered = if self.flaw == Flaw::FirstSignatureOnly {
            &signatures[..1]
        } else {
            &signatures[..]
        };
        if considered.contains(&expected.as_str()) {
            Ok(())
        } else {
            Err(401)
        }
    }

    async fn answer(&self, request: http::Request<Incoming>) -> u16 {
        let (head, body) = request.into_parts();
        let Ok(body) = body.collect().await else {
            return 400;
        };
        let body = body.to_bytes();
        if let Err(status) = self.verified(&head.headers, &body) {
            return status;
        }
        let event: Value = serde_json::from_slice(&body).unwrap_or_default();
        if self.flaw == Flaw::SlowOnAlerts && event["type"] == "alert.raised" {
            tokio::time::sleep(Duration::from_secs(16)).await;
        }
        if self.flaw == Flaw::RefusesRecordEvents && event["resource"]["kind"] == "service_record" {
            return 422;
        }
        let id = event["id"].as_str().unwrap_or_default().to_owned();
        let resource = event["resource"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let version = event["resource"]["version"].as_i64().unwrap_or_default();
        let mut seen = self.seen.lock().unwrap();
        if !seen.ids.insert(id) {
            return if self.flaw == Flaw::RejectsDuplicates {
                409
            } else {
                200
            };
        }
        let newest = seen.versions.entry(resource).or_insert(version);
        if version < *newest && self.flaw == Flaw::RejectsOlderVersions {
            return 409;
        }
        *newest = (*newest).max(version);
        seen.handled += 1;
        204
    }
}

/// A receiver on 127.0.0.1 with `flaw`; its URL. It runs until the test ends.
pub async fn start(flaw: Flaw) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let receiver = Arc::new(Receiver {
        flaw,
        key: STANDARD
            .decode(SECRET.trim_start_matches("whsec_"))
            .unwrap(),
        seen: Mutex::new(Seen::default()),
    });
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let receiver = receiver.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let receiver = receiver.clone();
                    async move {
                        let status = receiver.answer(request).await;
                        let mut response = http::Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    format!("http://{addr}/jiayang")
}
