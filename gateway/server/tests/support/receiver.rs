//! A webhook receiver for the tests: plain HTTP on loopback (a gateway allows it in
//! development), answering each request as its script says, recording what came and
//! checking signatures with its own HMAC (not the gateway's code).

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::any,
    serve::ListenerExt,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What the receiver answers with, as receivers do: the gateway ignores it, and keeps the
/// connection for the next delivery all the same.
const BODY: &str = "{\"received\": true}";

/// How the receiver answers one request.
#[derive(Clone, Debug)]
pub enum Answer {
    Status(u16),
    /// A status with `Retry-After: seconds`.
    RetryAfter(u16, u64),
    /// 302 to the receiver's `/elsewhere` (a follower would show up there).
    Redirect,
    /// Waits before answering 200 (a gateway killed meanwhile never hears it).
    Slow(Duration),
}

/// One request as it came.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
    /// The status it was answered with (0: not answered yet).
    pub answered: u16,
}

impl Received {
    pub fn id(&self) -> &str {
        &self.headers["webhook-id"]
    }

    pub fn event(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Answer>,
    received: Vec<Received>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    connections: Arc<AtomicUsize>,
}

impl Receiver {
    /// Starts a receiver answering 200 to whatever its script does not cover.
    pub async fn start() -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let listener = listener.tap_io({
            let connections = connections.clone();
            move |_| {
                connections.fetch_add(1, Ordering::SeqCst);
            }
        });
        let app = Router::new()
            .route("/{*path}", any(receive))
            .with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            shared,
            connections,
        }
    }

    /// How many connections the gateway opened to the receiver.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The answers to the next requests, in order; 200 after them.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.lock().unwrap().script.extend(answers);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// The requests answered 2xx, in the order they came.
    pub fn delivered(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| (200..300).contains(&r.answered))
            .collect()
    }

    /// Waits (up to `within`) until `done` holds for what has come.
    pub async fn wait_until(&self, within: Duration, done: impl Fn(&[Received]) -> bool) {
        let started = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return;
            }
            assert!(
                started.elapsed() < within,
                "the receiver waited {within:?}; it has {:#?}",
                received
                    .iter()
                    .map(|r| (r.id().to_owned(), r.answered))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    State(shared): State<Arc<Mutex<Shared>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = shared.lock().unwrap().script.pop_front();
    let index = {
        let mut shared = shared.lock().unwrap();
        shared.received.push(Received {
            path: uri.path().to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
            answered: 0,
        });
        shared.received.len() - 1
    };
    let response = match answer {
        None => (StatusCode::OK, BODY).into_response(),
        Some(Answer::Status(status)) => {
            (StatusCode::from_u16(status).unwrap(), BODY).into_response()
        }
        Some(Answer::RetryAfter(status, seconds)) => (
            StatusCode::from_u16(status).unwrap(),
            [("retry-after", seconds.to_string())],
        )
            .into_response(),
        Some(Answer::Redirect) => (StatusCode::FOUND, [("location", "/elsewhere")]).into_response(),
        Some(Answer::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            (StatusCode::OK, BODY).into_response()
        }
    };
    shared.lock().unwrap().received[index].answered = response.status().as_u16();
    response
}

/// Whether `received` carries a valid Standard Webhooks signature under `secret`
/// (`whsec_…`) among the ones it carries.
pub fn signed_by(received: &Received, secret: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{}",
            received.headers["webhook-id"], received.headers["webhook-timestamp"], received.body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received.headers["webhook-signature"]
        .split(' ')
        .any(|signature| signature == expected)
}
