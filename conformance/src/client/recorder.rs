//! The sandbox's view of a client: every request it sends through the proxy, as seen,
//! and the faults the sandbox injects on the way — a 503 on its first create of a
//! service record, a 429 on its first request for a further page of providers, and a
//! change behind its back just before its first update, so that the update meets a 412.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use http::{Method, Request, StatusCode};
use hyper::body::Bytes;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::proxy::{Forwarded, Mutant, ProxyError, Reply, Upstream};

/// How long an injected 503 or 429 asks the client to wait.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// One request as the sandbox saw it, and what it was answered.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Since the sandbox opened.
    pub at: Duration,
    pub method: String,
    pub path: String,
    pub query: String,
    pub purpose: Option<String>,
    pub key: Option<String>,
    pub if_match: Option<String>,
    pub status: u16,
    /// Answered by the sandbox itself (503 / 429), not the gateway.
    pub injected: bool,
    /// The answer's `nextPageToken`, for lists.
    pub next_page_token: Option<String>,
}

impl Seen {
    pub fn is_create(&self) -> bool {
        self.method == "POST"
            && (matches!(
                self.path.as_str(),
                "/v1/seniors" | "/v1/service-records" | "/v1/providers" | "/v1/consents"
            ) || self.path.ends_with(":batchCreate")
                || self.path.ends_with("/workers"))
    }

    /// About seniors' data: what must declare a purpose.
    pub fn touches_a_senior(&self) -> bool {
        ["/v1/seniors", "/v1/service-records", "/v1/consents"]
            .iter()
            .any(|p| self.path.starts_with(p))
    }

    /// The request as the evidence keeps it: no credentials, no bodies.
    pub fn evidence(&self) -> Value {
        let mut line = self.path.clone();
        if !self.query.is_empty() {
            line = format!("{line}?{}", self.query);
        }
        json!({
            "atMs": self.at.as_millis() as u64,
            "request": format!("{} {line}", self.method),
            "x-jiayang-purpose": self.purpose,
            "idempotency-key": self.key,
            "if-match": self.if_match,
            "status": self.status,
            "injectedBySandbox": self.injected,
        })
    }
}

#[derive(Debug, Default)]
struct Injected {
    unavailable: bool,
    throttled: bool,
    changed_behind: bool,
}

/// Records every exchange and injects the scenario's faults.
#[derive(Debug)]
pub struct Recorder {
    opened: Instant,
    seen: Mutex<Vec<Seen>>,
    injected: Mutex<Injected>,
    /// Woken on every exchange, for whoever waits for the scenario to be done.
    pub changed: Notify,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            opened: Instant::now(),
            seen: Mutex::new(Vec::new()),
            injected: Mutex::new(Injected::default()),
            changed: Notify::new(),
        }
    }
}

fn header(request: &Request<Bytes>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn refusal(status: StatusCode, title: &str) -> Reply {
    let body = json!({"type": "about:blank", "title": title, "status": status.as_u16()});
    let (head, ()) = http::Response::builder()
        .status(status)
        .header("content-type", "application/problem+json")
        .header("retry-after", RETRY_AFTER.as_secs().to_string())
        .body(())
        .expect("a valid response")
        .into_parts();
    Reply {
        head,
        body: Bytes::from(body.to_string()),
        trailers: None,
    }
}

impl Recorder {
    pub fn exchanges(&self) -> Vec<Seen> {
        self.seen.lock().expect("never poisoned").clone()
    }

    /// Claims a one-off fault: true the first time only.
    fn first(&self, which: impl FnOnce(&mut Injected) -> &mut bool) -> bool {
        let mut injected = self.injected.lock().expect("never poisoned");
        let flag = which(&mut injected);
        !std::mem::replace(flag, true)
    }

    /// Updates the record the client is about to update, as the client itself, so that
    /// the client's version is stale when its request arrives.
    async fn change_behind(
        &self,
        request: &Request<Bytes>,
        up: &Upstream,
    ) -> Result<(), ProxyError> {
        let mut read = Request::builder()
            .method(Method::GET)
            .uri(request.uri().clone())
            .body(Bytes::new())
            .expect("a valid request");
        *read.headers_mut() = request.headers().clone();
        for name in ["if-match", "content-type", "content-length"] {
            read.headers_mut().remove(name);
        }
        let current = up.send(read).await?;
        let Some(etag) = current.head.headers.get("etag").cloned() else {
            return Ok(());
        };
        let mut write = Request::builder()
            .method(Method::PUT)
            .uri(request.uri().clone())
            .body(request.body().clone())
            .expect("a valid request");
        *write.headers_mut() = request.headers().clone();
        write.headers_mut().insert("if-match", etag);
        up.send(write).await?;
        Ok(())
    }

    async fn exchange_inner(
        &self,
        request: Request<Bytes>,
        up: &Upstream,
    ) -> Result<Reply, ProxyError> {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let query = request.uri().query().unwrap_or_default().to_owned();
        let mut seen = Seen {
            at: self.opened.elapsed(),
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            purpose: header(&request, "x-jiayang-purpose"),
            key: header(&request, "idempotency-key"),
            if_match: header(&request, "if-match"),
            status: 0,
            injected: false,
            next_page_token: None,
        };
        let injected = if method == Method::POST
            && path == "/v1/service-records"
            && self.first(|i| &mut i.unavailable)
        {
            Some(refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "sandbox: unavailable, try again",
            ))
        } else if method == Method::GET
            && path == "/v1/providers"
            && query.contains("pageToken=")
            && self.first(|i| &mut i.throttled)
        {
            Some(refusal(
                StatusCode::TOO_MANY_REQUESTS,
                "sandbox: too many requests",
            ))
        } else {
            None
        };
        let reply = match injected {
            Some(reply) => {
                seen.injected = true;
                Ok(reply)
            }
            None => {
                let changed = if method == Method::PUT
                    && path.starts_with("/v1/service-records/")
                    && self.first(|i| &mut i.changed_behind)
                {
                    self.change_behind(&request, up).await
                } else {
                    Ok(())
                };
                match changed {
                    Ok(()) => up.send(request).await,
                    Err(error) => Err(error),
                }
            }
        };
        // What could not be forwarded is seen as the client saw it: a 502.
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) => {
                seen.status = 502;
                self.seen.lock().expect("never poisoned").push(seen);
                self.changed.notify_waiters();
                return Err(error);
            }
        };
        seen.status = reply.head.status.as_u16();
        if method == Method::GET {
            seen.next_page_token = serde_json::from_slice::<Value>(&reply.body)
                .ok()
                .and_then(|b| {
                    b.get("nextPageToken")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .filter(|t| !t.is_empty());
        }
        self.seen.lock().expect("never poisoned").push(seen);
        self.changed.notify_waiters();
        Ok(reply)
    }
}

impl Mutant for Recorder {
    fn exchange<'a>(&'a self, request: Request<Bytes>, upstream: &'a Upstream) -> Forwarded<'a> {
        Box::pin(self.exchange_inner(request, upstream))
    }
}
