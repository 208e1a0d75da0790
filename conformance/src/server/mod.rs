//! `server` mode: any implementation of the API, judged over the wire, REST and gRPC.
//!
//! The suite acts as the tester's participant (which must be a kind that registers
//! seniors and records consents: a portal, an institution or a station) and, for the
//! consent requirements, as a second participant the grants are made to. It makes its own
//! data, every record carrying an external id under the run's prefix, and withdraws the
//! grants it made; the API offers no way to delete a senior, so the seniors it registered
//! stay and are listed in the evidence of the tests that made them.

mod checks;
mod wire;

use std::{future::Future, pin::Pin};

pub use wire::{ConnectError, Credentials, source_chain};

use crate::{
    Mode, fixtures,
    outcome::{Outcome, TestCase, TestResult},
    report::{Input, Results, Run},
};
use wire::{Party, Probe};

/// What to judge and as whom.
#[derive(Debug, Clone)]
pub struct Options {
    /// `https://host:port` of the server.
    pub url: String,
    /// The CA the server's certificate is issued by, PEM.
    pub ca_pem: Vec<u8>,
    /// The file `ca_pem` came from, for the manifest.
    pub ca_path: Option<std::path::PathBuf>,
    /// The tester's participant id and credentials.
    pub participant: String,
    pub credentials: Credentials,
    /// A second participant the suite grants access to; without it the consent
    /// requirements are skipped.
    pub grantee: Option<(String, Credentials)>,
}

/// What a test run shares: the server, its parties and the run's prefix.
#[derive(Debug)]
pub struct Session {
    url: String,
    holder: Party,
    grantee: Option<Party>,
    anonymous: Party,
    prefix: String,
    /// Personal values of everything the run registered, for the requirements that no
    /// such value appears where it has no place.
    personal: std::sync::Mutex<Vec<String>>,
}

/// Why a server run could not judge anything (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("{url}/healthz answered {status}: this is not a Jiayang API server, or it is not up")]
    NotServing { url: String, status: u16 },
}

type Running<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;

/// A test of this mode and how to run it.
#[derive(Clone, Copy)]
pub struct Check {
    pub case: TestCase,
    pub run: for<'a, 's> fn(&'a mut Probe<'s>) -> Running<'a>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.case.fmt(f)
    }
}

macro_rules! check {
    ($name:literal, [$($requirement:literal),+], $test:path) => {
        Check {
            case: TestCase { name: $name, requirements: &[$($requirement),+] },
            run: |probe| Box::pin($test(probe)),
        }
    };
}

/// Every test of server mode, in the order they run (the operations endpoints and the
/// event feed last, so that they see everything the others made).
pub static CHECKS: &[Check] = &[
    check!(
        "server.auth.no_credentials",
        ["JY-SRV-AUTH-01"],
        checks::auth::no_credentials
    ),
    check!(
        "server.protocols.same_senior",
        ["JY-SRV-PROTO-01"],
        checks::protocols::same_senior
    ),
    check!(
        "server.idempotency.replay",
        ["JY-SRV-IDEMP-01"],
        checks::idempotency::replay
    ),
    check!(
        "server.idempotency.reused_key",
        ["JY-SRV-IDEMP-02"],
        checks::idempotency::reused_key
    ),
    check!(
        "server.versions.etag",
        ["JY-SRV-VER-01"],
        checks::versions::etag
    ),
    check!(
        "server.versions.stale",
        ["JY-SRV-VER-02"],
        checks::versions::stale
    ),
    check!(
        "server.versions.missing",
        ["JY-SRV-VER-03"],
        checks::versions::missing
    ),
    check!(
        "server.paging.rest",
        ["JY-SRV-PAGE-01"],
        checks::paging::rest
    ),
    check!(
        "server.paging.grpc",
        ["JY-SRV-PAGE-01"],
        checks::paging::grpc
    ),
    check!(
        "server.problems.violations",
        ["JY-SRV-PROB-01"],
        checks::problems::violations
    ),
    check!(
        "server.problems.languages",
        ["JY-SRV-PROB-02"],
        checks::problems::languages
    ),
    check!(
        "server.problems.grpc_details",
        ["JY-SRV-PROB-03"],
        checks::problems::grpc_details
    ),
    check!(
        "server.consent.purpose_required",
        ["JY-SRV-CONS-01"],
        checks::consent::purpose_required
    ),
    check!(
        "server.consent.no_grant",
        ["JY-SRV-CONS-02"],
        checks::consent::no_grant
    ),
    check!(
        "server.consent.minimised",
        ["JY-SRV-CONS-03"],
        checks::consent::minimised
    ),
    check!(
        "server.consent.withdrawn",
        ["JY-SRV-CONS-04"],
        checks::consent::withdrawn
    ),
    check!(
        "server.consent.history",
        ["JY-SRV-HIST-01"],
        checks::consent::history
    ),
    check!(
        "server.events.feed",
        ["JY-SRV-EVT-01"],
        checks::events::feed
    ),
    check!(
        "server.ops.no_personal_data",
        ["JY-SRV-OPS-01"],
        checks::ops::no_personal_data
    ),
];

/// Connects as every party, checks the server answers, runs every test.
pub async fn run(options: &Options, progress: bool) -> Result<Results, ServerError> {
    let url = options.url.trim_end_matches('/').to_owned();
    let holder = Party::connect(
        &options.participant,
        &url,
        &options.ca_pem,
        &options.credentials,
    )
    .await?;
    let grantee = match &options.grantee {
        Some((id, credentials)) => {
            Some(Party::connect(id, &url, &options.ca_pem, credentials).await?)
        }
        None => None,
    };
    let anonymous = Party::connect("", &url, &options.ca_pem, &Credentials::None).await?;
    let session = Session {
        url: url.clone(),
        holder,
        grantee,
        anonymous,
        prefix: fixtures::run_prefix(),
        personal: std::sync::Mutex::new(Vec::new()),
    };
    let mut preflight = Probe::new(&session);
    let health = preflight
        .rest(&session.anonymous, wire::Rest::get("/healthz"))
        .await;
    match health {
        Ok(answer) if answer.status == 200 => {}
        Ok(answer) => {
            return Err(ServerError::NotServing {
                url,
                status: answer.status,
            });
        }
        Err(_) => {
            return Err(ServerError::Connect(ConnectError::Unreachable {
                url,
                error: "GET /healthz failed".into(),
            }));
        }
    }
    let mut run = Run::start(
        Mode::Server,
        url,
        Some(options.participant.clone()),
        progress,
    );
    if let Some(path) = &options.ca_path {
        run.input(Input::of(path, &options.ca_pem));
    }
    for check in CHECKS {
        let mut probe = Probe::new(&session);
        let outcome = (check.run)(&mut probe).await;
        // Masking by field name misses what is not JSON (a gRPC message, a text body):
        // the run's own personal values are taken out of everything kept.
        let personal = session
            .personal
            .lock()
            .expect("no test panics holding it")
            .clone();
        probe.scrub(&personal);
        let evidence = std::mem::take(&mut probe.evidence);
        run.record(
            check.case,
            TestResult::new(check.case.name, outcome, evidence),
        );
    }
    Ok(run.finish())
}
