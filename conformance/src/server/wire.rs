//! The suite's side of the wire: a connection per party (the tester's participant, its
//! grantee, and no one), and the probe each test speaks through, which keeps every
//! request and answer as evidence, masked.

use std::time::Duration;

use reqwest::{Method, header::HeaderMap};
use serde_json::{Value, json};
use tonic::{
    metadata::MetadataValue,
    transport::{Certificate, Channel, ClientTlsConfig, Identity},
};

use super::Session;
use crate::{
    mask,
    outcome::{Failure, fail},
};

/// How long one request may take before the test fails on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How a party proves who it is.
#[derive(Debug, Clone)]
pub enum Credentials {
    Token(String),
    /// A client certificate and its key, PEM.
    Certificate {
        cert: Vec<u8>,
        key: Vec<u8>,
    },
    /// No credentials at all (for the refusals).
    None,
}

/// A participant as the suite speaks for it: a REST client and a gRPC channel.
#[derive(Debug, Clone)]
pub struct Party {
    pub id: String,
    rest: reqwest::Client,
    channel: Channel,
    bearer: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Tls(String),
    #[error("cannot reach {url}: {error}")]
    Unreachable { url: String, error: String },
}

impl Party {
    pub async fn connect(
        id: &str,
        url: &str,
        ca_pem: &[u8],
        credentials: &Credentials,
    ) -> Result<Self, ConnectError> {
        let tls = |e: &dyn std::fmt::Display| ConnectError::Tls(e.to_string());
        let mut rest = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(ca_pem).map_err(|e| tls(&e))?)
            .timeout(REQUEST_TIMEOUT);
        let host = reqwest::Url::parse(url)
            .ok()
            .filter(|u| u.scheme() == "https")
            .and_then(|u| u.host_str().map(str::to_owned))
            .ok_or_else(|| ConnectError::Tls(format!("{url} is not an https:// URL")))?;
        let mut grpc_tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca_pem))
            .domain_name(host);
        let mut bearer = None;
        match credentials {
            Credentials::Token(token) => bearer = Some(format!("Bearer {token}")),
            Credentials::Certificate { cert, key } => {
                let pem = [cert.as_slice(), b"\n", key.as_slice()].concat();
                rest = rest.identity(reqwest::Identity::from_pem(&pem).map_err(|e| tls(&e))?);
                grpc_tls = grpc_tls.identity(Identity::from_pem(cert, key));
            }
            Credentials::None => {}
        }
        let channel = Channel::from_shared(url.to_owned())
            .map_err(|e| tls(&e))?
            .tls_config(grpc_tls)
            .map_err(|e| tls(&e))?
            .timeout(REQUEST_TIMEOUT)
            .connect()
            .await
            .map_err(|error| ConnectError::Unreachable {
                url: url.to_owned(),
                error: source_chain(&error),
            })?;
        Ok(Self {
            id: id.to_owned(),
            rest: rest.build().map_err(|e| tls(&e))?,
            channel,
            bearer,
        })
    }

    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }
}

/// An error with its causes, which is where transport errors say what went wrong.
pub fn source_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A value for a query string: everything but the unreserved characters escaped (page
/// tokens and cursors are opaque, and may hold `+`, `/` or `=`).
pub fn escape_query(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A REST request as a test writes it.
#[derive(Debug, Clone)]
pub struct Rest {
    method: Method,
    path: String,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

impl Rest {
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: impl Into<String>, body: &Value) -> Self {
        Self::new(Method::POST, path).body(body)
    }

    pub fn put(path: impl Into<String>, body: &Value) -> Self {
        Self::new(Method::PUT, path).body(body)
    }

    fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            headers: Vec::new(),
        }
    }

    fn body(mut self, body: &Value) -> Self {
        self.body = Some(body.clone());
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn purpose(self, purpose: &str) -> Self {
        self.header("x-jiayang-purpose", purpose)
    }

    pub fn key(self, key: &str) -> Self {
        self.header("idempotency-key", key)
    }
}

/// An answer: the status, the headers, and the body as JSON (a string when it is not).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_problem(&self) -> bool {
        self.header("content-type")
            .is_some_and(|t| t.starts_with("application/problem+json"))
    }

    /// The body's string at `pointer`.
    pub fn text(&self, pointer: &str) -> Option<&str> {
        self.body.pointer(pointer).and_then(Value::as_str)
    }
}

/// Answers the evidence keeps the headers of.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "etag",
    "location",
    "x-jiayang-withheld-categories",
    "retry-after",
];

/// Bytes of one body kept in evidence; a longer one (a metrics page, the API document)
/// is cut.
const BODY_BYTES: usize = 4096;

fn shortened(body: Value) -> Value {
    let text = match &body {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.len() <= BODY_BYTES {
        return body;
    }
    let mut end = BODY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Value::String(format!("{}… ({} bytes in all)", &text[..end], text.len()))
}

/// A gRPC result as evidence and as a test reads it.
pub type Grpc<T> = Result<tonic::Response<T>, tonic::Status>;

/// What one test speaks through: the session's parties, and the evidence of every
/// exchange.
#[derive(Debug)]
pub struct Probe<'s> {
    pub s: &'s Session,
    pub evidence: Vec<Value>,
}

impl<'s> Probe<'s> {
    pub fn new(s: &'s Session) -> Self {
        Self {
            s,
            evidence: Vec::new(),
        }
    }

    /// Sends `request` as `party` and keeps the exchange.
    pub async fn rest(&mut self, party: &Party, request: Rest) -> Result<Answer, Failure> {
        let url = format!("{}{}", self.s.url, request.path);
        let mut builder = party.rest.request(request.method.clone(), &url);
        if let Some(bearer) = &party.bearer {
            builder = builder.header("authorization", bearer);
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let line = format!("{} {}", request.method, request.path);
        let mut exchange = json!({
            "protocol": "REST",
            "as": party.id,
            "request": line,
        });
        if !request.headers.is_empty() {
            exchange["requestHeaders"] = request
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), json!(mask::header(n, v))))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        if let Some(body) = &request.body {
            exchange["requestBody"] = shortened(mask::value(body));
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(error) => {
                let why = source_chain(&error);
                exchange["error"] = json!(why);
                self.evidence.push(exchange);
                return Err(fail(
                    format!("{line} 请求失败：{why}"),
                    format!("{line} failed: {why}"),
                ));
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        exchange["status"] = json!(status);
        let kept: serde_json::Map<String, Value> = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                headers
                    .get(*name)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| (name.to_string(), json!(v)))
            })
            .collect();
        if !kept.is_empty() {
            exchange["responseHeaders"] = kept.into();
        }
        if !body.is_null() {
            exchange["responseBody"] = shortened(mask::value(&body));
        }
        self.evidence.push(exchange);
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Replaces each of `values` wherever it appears in the evidence kept so far.
    pub fn scrub(&mut self, values: &[String]) {
        fn walk(value: &mut Value, values: &[String]) {
            match value {
                Value::String(text) => {
                    for v in values.iter().filter(|v| !v.is_empty()) {
                        if text.contains(v.as_str()) {
                            *text = text.replace(v.as_str(), "***");
                        }
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(|i| walk(i, values)),
                Value::Object(map) => map.values_mut().for_each(|v| walk(v, values)),
                _ => {}
            }
        }
        for exchange in &mut self.evidence {
            walk(exchange, values);
        }
    }

    /// A gRPC request as `party`, with a purpose and an idempotency key when given.
    pub fn grpc<T>(
        &self,
        party: &Party,
        message: T,
        purpose: Option<&str>,
        key: Option<&str>,
    ) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let metadata = request.metadata_mut();
        let pairs = [
            ("authorization", party.bearer.as_deref()),
            ("x-jiayang-purpose", purpose),
            ("idempotency-key", key),
        ];
        for (name, value) in pairs {
            if let Some(value) = value.and_then(|v| MetadataValue::try_from(v).ok()) {
                metadata.insert(name, value);
            }
        }
        request
    }

    /// Keeps a gRPC exchange as evidence; the answer as JSON, or the status.
    pub fn keep_grpc<T: serde::Serialize>(
        &mut self,
        party: &Party,
        method: &str,
        sent: &impl serde::Serialize,
        result: &Grpc<T>,
    ) {
        let mut exchange = json!({
            "protocol": "gRPC",
            "as": party.id,
            "request": method,
            "requestBody": mask::value(&serde_json::to_value(sent).unwrap_or_default()),
        });
        match result {
            Ok(response) => {
                exchange["status"] = json!("OK");
                if let Some(withheld) = response
                    .metadata()
                    .get("x-jiayang-withheld-categories")
                    .and_then(|v| v.to_str().ok())
                {
                    exchange["responseMetadata"] =
                        json!({"x-jiayang-withheld-categories": withheld});
                }
                exchange["responseBody"] =
                    mask::value(&serde_json::to_value(response.get_ref()).unwrap_or_default());
            }
            Err(status) => {
                exchange["status"] = json!(format!("{:?}", status.code()));
                exchange["message"] = json!(status.message());
            }
        }
        self.evidence.push(exchange);
    }
}
