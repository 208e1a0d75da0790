//! `client` mode: a sandbox — a real gateway on a scratch data directory, seeded with
//! fixture seniors, providers and a consent — that a vendor's client is pointed at. The
//! client reaches it through a proxy that records every request and injects the faults a
//! client must handle (a 503, a 429, a 412); when the client is done (or the time is up)
//! the suite grades what it saw.
//!
//! The gateway itself is started by the caller (`jiayang conformance client`), which
//! hands over a [`Sandbox`]: this crate speaks to gateways only over the wire.

mod grade;
mod recorder;

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr, sync::Arc, time::Duration};

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::rustls;

pub use grade::{GRADERS, Grader};
pub use recorder::{RETRY_AFTER, Recorder, Seen};

use crate::{
    Mode, fixtures,
    outcome::TestResult,
    proxy::{Proxy, Upstream},
    report::{Results, Run},
};

/// The division and service item the scenario's provider search is about: 团结湖街道,
/// daily cleaning.
pub const DIVISION: &str = "110105013000";
pub const SERVICE_ITEM: &str = "CLEANING_DAILY";
pub const PURPOSE: &str = "SERVICE_DELIVERY";
/// Providers the sandbox lists there: several pages of the size the client is asked to
/// use.
const PROVIDERS: u32 = 25;
pub const PAGE_SIZE: u32 = 10;

/// What a client is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// A housekeeping visit: find a provider, read the senior, submit the visit, update it.
    Visit,
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "visit" => Ok(Scenario::Visit),
            _ => Err(format!("unknown scenario `{text}` (expected visit)")),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("visit")
    }
}

/// The client's credentials, as the caller issued them in the sandbox. A token only:
/// the recording proxy ends the client's TLS, so a client certificate could not reach
/// the gateway behind it.
#[derive(Debug, Clone)]
pub struct ClientParticipant {
    pub id: String,
    pub token: String,
}

/// A gateway the caller started for the sandbox.
#[derive(Clone)]
pub struct Sandbox {
    /// Where the gateway listens (loopback; the client never sees it).
    pub gateway: SocketAddr,
    /// The gateway's TLS settings, which the proxy presents to the client.
    pub tls: Arc<rustls::ServerConfig>,
    pub ca_pem: Vec<u8>,
    pub ca_path: PathBuf,
    /// The sandbox's own portal, which registers the fixture seniors and grants them.
    pub portal: (String, String),
    pub client: ClientParticipant,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

/// Everything the client needs, also given to a `--run` command as environment
/// variables (`JIAYANG_URL`, …; see [`Handoff::environment`]).
#[derive(Debug, Clone)]
pub struct Handoff {
    pub url: String,
    pub ca_path: PathBuf,
    pub client: ClientParticipant,
    /// The senior the client may read (granted BASIC, CONTACT, LOCATION).
    pub senior: String,
    /// The client's own provider listing and its unified social credit code.
    pub provider: String,
    pub provider_uscc: String,
    /// A worker of that provider.
    pub worker_certificate: String,
}

impl Handoff {
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("JIAYANG_URL", self.url.clone()),
            ("JIAYANG_CA", self.ca_path.display().to_string()),
            ("JIAYANG_PARTICIPANT", self.client.id.clone()),
            ("JIAYANG_TOKEN", self.client.token.clone()),
            ("JIAYANG_SENIOR", self.senior.clone()),
            ("JIAYANG_PROVIDER", self.provider.clone()),
            ("JIAYANG_PROVIDER_USCC", self.provider_uscc.clone()),
            (
                "JIAYANG_WORKER_CERTIFICATE",
                self.worker_certificate.clone(),
            ),
            ("JIAYANG_DIVISION", DIVISION.into()),
            ("JIAYANG_SERVICE_ITEM", SERVICE_ITEM.into()),
            ("JIAYANG_PURPOSE", PURPOSE.into()),
            ("JIAYANG_PAGE_SIZE", PAGE_SIZE.to_string()),
        ]
    }

    /// What the tester is told, step by step, in both languages.
    pub fn instructions(&self) -> Vec<(String, String)> {
        vec![
            (
                format!(
                    "列出服务 {DIVISION}（团结湖街道）且提供 {SERVICE_ITEM} 的服务商（pageSize={PAGE_SIZE}），读到最后一页"
                ),
                format!(
                    "List the providers serving {DIVISION} (团结湖街道) for {SERVICE_ITEM} (pageSize={PAGE_SIZE}), to the last page"
                ),
            ),
            (
                format!("以 {PURPOSE} 为目的读取老年人 {}", self.senior),
                format!("Read senior {} for {PURPOSE}", self.senior),
            ),
            (
                format!(
                    "以你的服务商（{}）和服务人员（{}）为该老年人提交一条已完成的 {SERVICE_ITEM} 服务记录",
                    self.provider_uscc, self.worker_certificate
                ),
                format!(
                    "Submit a completed {SERVICE_ITEM} visit for that senior by your provider ({}) and worker ({})",
                    self.provider_uscc, self.worker_certificate
                ),
            ),
            (
                "更新这条服务记录（例如补充评价）".into(),
                "Update that visit (add a rating, for example)".into(),
            ),
        ]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot listen on {addr}: {error}")]
    Listen {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("the sandbox could not be seeded: {0}")]
    Seed(String),
}

/// A sandbox open for a client: the proxy listening, the recorder watching.
#[derive(Debug)]
pub struct Opened {
    pub handoff: Handoff,
    recorder: Arc<Recorder>,
    proxy: Proxy,
    scenario: Scenario,
}

/// Seeds the sandbox's gateway and opens the proxy on `listen` for the client.
pub async fn open(
    sandbox: &Sandbox,
    listen: SocketAddr,
    scenario: Scenario,
) -> Result<Opened, ClientError> {
    let seeded = seed(sandbox).await.map_err(ClientError::Seed)?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|error| ClientError::Listen {
            addr: listen,
            error,
        })?;
    let port = listener
        .local_addr()
        .map_err(|error| ClientError::Listen {
            addr: listen,
            error,
        })?
        .port();
    let upstream = Upstream::new(sandbox.gateway, "localhost", &sandbox.ca_pem)
        .map_err(|e| ClientError::Seed(e.to_string()))?;
    let recorder = Arc::new(Recorder::default());
    let proxy = Proxy::start(listener, sandbox.tls.clone(), upstream, recorder.clone()).map_err(
        |error| ClientError::Listen {
            addr: listen,
            error,
        },
    )?;
    Ok(Opened {
        handoff: Handoff {
            url: format!("https://localhost:{port}"),
            ca_path: sandbox.ca_path.clone(),
            client: sandbox.client.clone(),
            senior: seeded.senior,
            provider: seeded.provider,
            provider_uscc: seeded.provider_uscc,
            worker_certificate: seeded.worker_certificate,
        },
        recorder,
        proxy,
        scenario,
    })
}

impl Opened {
    /// Waits until `client` is done (a `--run` command exits) or, without one, until every
    /// task is done or `timeout` passes; then grades what was seen.
    pub async fn finish<F: std::future::Future<Output = ()>>(
        self,
        client: Option<F>,
        timeout: Duration,
        progress: bool,
    ) -> Results {
        let watch = async {
            match client {
                Some(client) => client.await,
                None => loop {
                    let woken = self.recorder.changed.notified();
                    let seen = self.recorder.exchanges();
                    if grade::tasks(&seen, &self.handoff.senior).0.is_ok() {
                        break;
                    }
                    woken.await;
                },
            }
        };
        let _ = tokio::time::timeout(timeout, watch).await;
        self.proxy.stop().await;
        let seen = self.recorder.exchanges();
        let mut run = Run::start(
            Mode::Client,
            format!("sandbox, scenario {}", self.scenario),
            Some(self.handoff.client.id.clone()),
            progress,
        );
        for grader in GRADERS {
            let (outcome, evidence) = (grader.grade)(&seen, &self.handoff.senior);
            let case = grader.case;
            run.record(case, TestResult::new(case.name, outcome, evidence));
        }
        run.finish()
    }
}

/// What the sandbox seeded that the client is told of.
struct Seeded {
    senior: String,
    provider: String,
    provider_uscc: String,
    worker_certificate: String,
}

/// The sandbox's data, made through the gateway's API as its participants would:
/// seniors registered and one of them granted to the client by the sandbox's portal,
/// providers serving the scenario's street, and the client's own provider and worker.
async fn seed(sandbox: &Sandbox) -> Result<Seeded, String> {
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(&sandbox.ca_pem).map_err(|e| e.to_string())?,
        )
        .resolve("localhost", sandbox.gateway)
        .build()
        .map_err(|e| e.to_string())?;
    let base = format!("https://localhost:{}", sandbox.gateway.port());
    let (portal, portal_token) = &sandbox.portal;
    let post = |path: &str, token: &str, body: Value| {
        let request = http
            .post(format!("{base}{path}"))
            .bearer_auth(token)
            .header("x-jiayang-purpose", PURPOSE)
            .header("idempotency-key", format!("sandbox-{}", ulid::Ulid::new()))
            .json(&body);
        async move {
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let body: Value = response.json().await.map_err(|e| e.to_string())?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(format!("{status}: {body}"))
            }
        }
    };
    let id_of = |body: &Value| body["id"].as_str().unwrap_or_default().to_owned();

    let senior = id_of(
        &post(
            "/v1/seniors",
            portal_token,
            fixtures::senior(portal, "SANDBOX-1"),
        )
        .await?,
    );
    // A senior the client has no grant for: reading it is a request for withheld data.
    post(
        "/v1/seniors",
        portal_token,
        fixtures::senior(portal, "SANDBOX-2"),
    )
    .await?;
    post(
        "/v1/consents",
        portal_token,
        fixtures::grant(&senior, &sandbox.client.id),
    )
    .await?;

    let providers: Vec<Value> = (1..=PROVIDERS)
        .map(|n| fixtures::provider(portal, n))
        .collect();
    post(
        "/v1/providers:batchCreate",
        portal_token,
        json!({"providers": providers}),
    )
    .await?;
    let own = fixtures::provider(&sandbox.client.id, PROVIDERS + 1);
    let provider = id_of(&post("/v1/providers", &sandbox.client.token, own.clone()).await?);
    let worker = fixtures::worker(&sandbox.client.id);
    post(
        &format!("/v1/providers/{provider}/workers"),
        &sandbox.client.token,
        worker.clone(),
    )
    .await?;
    Ok(Seeded {
        senior,
        provider,
        provider_uscc: own["uscc"].as_str().unwrap_or_default().to_owned(),
        worker_certificate: worker["certificateNo"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    })
}
