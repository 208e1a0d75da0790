//! Faulty servers: the gateway behind a proxy that breaks exactly one requirement each,
//! the way a real implementation would get it wrong. The suite must fail on each, on
//! that requirement and no other.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
};

use http::{HeaderValue, Method, Request, StatusCode};
use hyper::body::Bytes;
use jiayang_conformance::proxy::{Forwarded, Mutant, ProxyError, Reply, Upstream};
use serde_json::{Value, json};

/// One fault, named for what the server gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers requests without credentials as if the holder had sent them.
    NoAuthentication,
    /// REST and gRPC disagree: the REST read of a senior alters the name.
    ProtocolsDiffer,
    /// A replay under a known key creates again.
    ReplayCreatesAgain,
    /// A known key with another body creates.
    KeyIgnoresBody,
    /// No ETag on answers.
    NoEtag,
    /// A stale If-Match is overridden: the write wins.
    LastWriteWins,
    /// An update without If-Match goes through.
    UnconditionalUpdate,
    /// The next page starts with the previous page's last item.
    PagesOverlap,
    /// A problem document leaves out its last violation.
    ViolationLeftOut,
    /// Accept-Language is ignored.
    LanguageIgnored,
    /// gRPC errors carry no google.rpc details.
    NoGrpcDetails,
    /// A read without a purpose is given one.
    PurposeAssumed,
    /// A senior never granted is read for anyone who asks.
    NoGrantNeeded,
    /// A withheld field is released all the same.
    WithheldLeaked,
    /// A withdrawal is acknowledged and ignored.
    WithdrawalIgnored,
    /// The access history leaves out allowed reads.
    HistoryHidesReads,
    /// The metrics page quotes the last phone number registered.
    MetricsLeakNames,
    /// senior.created events never reach the feed.
    EventsDropped,
}

impl Fault {
    pub const ALL: [Fault; 18] = [
        Fault::NoAuthentication,
        Fault::ProtocolsDiffer,
        Fault::ReplayCreatesAgain,
        Fault::KeyIgnoresBody,
        Fault::NoEtag,
        Fault::LastWriteWins,
        Fault::UnconditionalUpdate,
        Fault::PagesOverlap,
        Fault::ViolationLeftOut,
        Fault::LanguageIgnored,
        Fault::NoGrpcDetails,
        Fault::PurposeAssumed,
        Fault::NoGrantNeeded,
        Fault::WithheldLeaked,
        Fault::WithdrawalIgnored,
        Fault::HistoryHidesReads,
        Fault::MetricsLeakNames,
        Fault::EventsDropped,
    ];

    /// The requirement the fault breaks.
    pub fn breaks(self) -> &'static str {
        match self {
            Fault::NoAuthentication => "JY-SRV-AUTH-01",
            Fault::ProtocolsDiffer => "JY-SRV-PROTO-01",
            Fault::ReplayCreatesAgain => "JY-SRV-IDEMP-01",
            Fault::KeyIgnoresBody => "JY-SRV-IDEMP-02",
            Fault::NoEtag => "JY-SRV-VER-01",
            Fault::LastWriteWins => "JY-SRV-VER-02",
            Fault::UnconditionalUpdate => "JY-SRV-VER-03",
            Fault::PagesOverlap => "JY-SRV-PAGE-01",
            Fault::ViolationLeftOut => "JY-SRV-PROB-01",
            Fault::LanguageIgnored => "JY-SRV-PROB-02",
            Fault::NoGrpcDetails => "JY-SRV-PROB-03",
            Fault::PurposeAssumed => "JY-SRV-CONS-01",
            Fault::NoGrantNeeded => "JY-SRV-CONS-02",
            Fault::WithheldLeaked => "JY-SRV-CONS-03",
            Fault::WithdrawalIgnored => "JY-SRV-CONS-04",
            Fault::HistoryHidesReads => "JY-SRV-HIST-01",
            Fault::MetricsLeakNames => "JY-SRV-OPS-01",
            Fault::EventsDropped => "JY-SRV-EVT-01",
        }
    }
}

#[derive(Debug, Default)]
struct Memory {
    /// Idempotency keys seen, with the body first sent under each.
    keys: BTreeMap<String, Bytes>,
    /// The last item of the last page of seniors.
    last_item: Option<Value>,
    /// Seniors a consent was recorded for.
    granted: BTreeSet<String>,
    /// The last phone number registered.
    last_phone: Option<String>,
    fresh: u64,
}

/// The gateway with one fault.
#[derive(Debug)]
pub struct Faulty {
    fault: Fault,
    holder_bearer: String,
    memory: Mutex<Memory>,
}

impl Faulty {
    pub fn new(fault: Fault, holder_token: &str) -> Self {
        Self {
            fault,
            holder_bearer: format!("Bearer {holder_token}"),
            memory: Mutex::new(Memory::default()),
        }
    }

    fn fresh_key(&self, key: &str) -> HeaderValue {
        let mut memory = self.memory.lock().unwrap();
        memory.fresh += 1;
        HeaderValue::try_from(format!("{key}-mutant-{}", memory.fresh)).unwrap()
    }

    /// The same request as the holder: a copy with its headers and body.
    fn as_holder(&self, request: &Request<Bytes>, method: Method) -> Request<Bytes> {
        let mut copy = Request::builder()
            .method(method)
            .uri(request.uri().clone())
            .body(if request.method() == Method::GET {
                Bytes::new()
            } else {
                request.body().clone()
            })
            .unwrap();
        *copy.headers_mut() = request.headers().clone();
        copy.headers_mut().insert(
            "authorization",
            HeaderValue::try_from(self.holder_bearer.clone()).unwrap(),
        );
        copy
    }

    async fn run(&self, mut request: Request<Bytes>, up: &Upstream) -> Result<Reply, ProxyError> {
        let path = request.uri().path().to_owned();
        let query = request.uri().query().unwrap_or_default().to_owned();
        let method = request.method().clone();
        let is_senior_read = method == Method::GET
            && path.starts_with("/v1/seniors/")
            && path["/v1/seniors/".len()..].chars().all(|c| c != '/');
        match self.fault {
            Fault::NoAuthentication if !request.headers().contains_key("authorization") => {
                let bearer = HeaderValue::try_from(self.holder_bearer.clone()).unwrap();
                request.headers_mut().insert("authorization", bearer);
            }
            Fault::ReplayCreatesAgain | Fault::KeyIgnoresBody => {
                if let Some(key) = request
                    .headers()
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
                {
                    let seen = self.memory.lock().unwrap().keys.get(&key).cloned();
                    match seen {
                        Some(first)
                            if (first == *request.body())
                                == (self.fault == Fault::ReplayCreatesAgain) =>
                        {
                            let fresh = self.fresh_key(&key);
                            request.headers_mut().insert("idempotency-key", fresh);
                        }
                        Some(_) => {}
                        None => {
                            let body = request.body().clone();
                            self.memory.lock().unwrap().keys.insert(key, body);
                        }
                    }
                }
            }
            Fault::LanguageIgnored => {
                request.headers_mut().remove("accept-language");
            }
            Fault::PurposeAssumed if !request.headers().contains_key("x-jiayang-purpose") => {
                let purpose = HeaderValue::from_static("SERVICE_DELIVERY");
                request.headers_mut().insert("x-jiayang-purpose", purpose);
            }
            Fault::UnconditionalUpdate
                if method == Method::PUT && !request.headers().contains_key("if-match") =>
            {
                let current = up.send(self.as_holder(&request, Method::GET)).await?;
                if let Some(etag) = current.head.headers.get("etag").cloned() {
                    request.headers_mut().insert("if-match", etag);
                }
            }
            Fault::WithdrawalIgnored if path.ends_with(":withdraw") => {
                let id = path
                    .trim_start_matches("/v1/consents/")
                    .trim_end_matches(":withdraw");
                return Ok(synthetic(
                    StatusCode::OK,
                    &json!({"id": id, "status": "WITHDRAWN"}),
                ));
            }
            Fault::NoGrantNeeded if method == Method::POST && path == "/v1/consents" => {
                let consent: Value = serde_json::from_slice(request.body()).unwrap_or_default();
                if let Some(senior) = consent["senior"]["seniorId"].as_str() {
                    let mut memory = self.memory.lock().unwrap();
                    memory.granted.insert(senior.to_owned());
                }
            }
            Fault::MetricsLeakNames if method == Method::POST && path == "/v1/seniors" => {
                let senior: Value = serde_json::from_slice(request.body()).unwrap_or_default();
                if let Some(phone) = senior["phone"].as_str() {
                    self.memory.lock().unwrap().last_phone = Some(phone.to_owned());
                }
            }
            _ => {}
        }
        let copy = self.as_holder(&request, method.clone());
        let reply = up.send(request).await?;
        let status = reply.head.status;
        Ok(match self.fault {
            Fault::ProtocolsDiffer if is_senior_read && status == StatusCode::OK => {
                edit_json(reply, |body| {
                    if let Some(name) = body["name"].as_str() {
                        body["name"] = format!("{name}·").into();
                    }
                })
            }
            Fault::NoEtag => {
                let mut reply = reply;
                reply.head.headers.remove("etag");
                reply
            }
            Fault::LastWriteWins
                if method == Method::PUT && status == StatusCode::PRECONDITION_FAILED =>
            {
                let current = up.send(self.as_holder(&copy, Method::GET)).await?;
                let mut retry = copy;
                if let Some(etag) = current.head.headers.get("etag").cloned() {
                    retry.headers_mut().insert("if-match", etag);
                }
                up.send(retry).await?
            }
            Fault::PagesOverlap if method == Method::GET && path == "/v1/seniors" => {
                let previous = self.memory.lock().unwrap().last_item.take();
                let continuing = query.contains("pageToken=");
                edit_json(reply, |body| {
                    let Some(items) = body["seniors"].as_array_mut() else {
                        return;
                    };
                    let last = items.last().cloned();
                    if let (true, Some(previous)) = (continuing, previous) {
                        items.insert(0, previous);
                    }
                    self.memory.lock().unwrap().last_item = last;
                })
            }
            Fault::ViolationLeftOut
                if reply
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/problem+json")) =>
            {
                edit_json(reply, |body| {
                    if let Some(violations) = body["violations"].as_array_mut()
                        && violations.len() > 1
                    {
                        violations.pop();
                    }
                })
            }
            Fault::NoGrpcDetails => {
                let mut reply = reply;
                reply.head.headers.remove("grpc-status-details-bin");
                if let Some(trailers) = reply.trailers.as_mut() {
                    trailers.remove("grpc-status-details-bin");
                }
                reply
            }
            Fault::NoGrantNeeded if is_senior_read && status == StatusCode::FORBIDDEN => {
                let id = path.trim_start_matches("/v1/seniors/");
                let granted = self.memory.lock().unwrap().granted.contains(id);
                if granted { reply } else { up.send(copy).await? }
            }
            Fault::WithheldLeaked
                if is_senior_read
                    && status == StatusCode::OK
                    && reply
                        .header("x-jiayang-withheld-categories")
                        .is_some_and(|w| w.contains("IDENTITY")) =>
            {
                let full = up.send(copy).await?;
                let full: Value = serde_json::from_slice(&full.body).unwrap_or_default();
                edit_json(reply, |body| {
                    body["identityDocument"] = full["identityDocument"].clone();
                })
            }
            Fault::HistoryHidesReads if path.ends_with("/access-history") => {
                edit_json(reply, |body| {
                    if let Some(accesses) = body["accesses"].as_array_mut() {
                        accesses.retain(|a| a["decision"] != "ALLOW");
                    }
                })
            }
            Fault::MetricsLeakNames if path == "/metrics" => {
                let phone = self
                    .memory
                    .lock()
                    .unwrap()
                    .last_phone
                    .clone()
                    .unwrap_or_default();
                let mut text = reply.body.to_vec();
                text.extend_from_slice(format!("# last registered: {phone}\n").as_bytes());
                reply.with_body(text)
            }
            Fault::EventsDropped if path == "/v1/events" => edit_json(reply, |body| {
                if let Some(events) = body["events"].as_array_mut() {
                    events.retain(|e| e["type"] != "senior.created");
                }
            }),
            _ => reply,
        })
    }
}

impl Mutant for Faulty {
    fn exchange<'a>(&'a self, request: Request<Bytes>, upstream: &'a Upstream) -> Forwarded<'a> {
        Box::pin(self.run(request, upstream))
    }
}

fn edit_json(reply: Reply, edit: impl FnOnce(&mut Value)) -> Reply {
    let Ok(mut body) = serde_json::from_slice::<Value>(&reply.body) else {
        return reply;
    };
    edit(&mut body);
    let bytes = serde_json::to_vec(&body).unwrap();
    reply.with_body(bytes)
}

fn synthetic(status: StatusCode, body: &Value) -> Reply {
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(())
        .unwrap();
    let (head, ()) = response.into_parts();
    Reply {
        head,
        body: Bytes::from(serde_json::to_vec(body).unwrap()),
        trailers: None,
    }
}
