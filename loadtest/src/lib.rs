//! `jiayang-load`: starts a Jiayang gateway in this process on 127.0.0.1:0 (SQLite in a
//! temporary data directory, or a scratch database on a local PostgreSQL server), seeds
//! it through its own API, and measures it over TLS with real REST (reqwest) and gRPC
//! (tonic) clients, next to baselines: a bare axum handler doing the same query, and
//! sea-orm inserting the same rows straight into the database.
//!
//! Every loop is bounded by a duration and a request count, and every address is a
//! loopback one. Client and server share this machine's cores.

pub mod config;
pub mod driver;
pub mod fixtures;
pub mod harness;
pub mod report;
pub mod scenarios;
pub mod seed;

pub use config::{Bare, Config, Logs, Scenario};
pub use report::Measurement;

/// Errors of a run: setup failures (a scenario's request errors are counted, not raised).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the configured scenarios against a fresh gateway and stops it (dropping a
/// PostgreSQL scratch database) whatever happens. `emit` sees each measurement as soon
/// as it is made.
pub async fn run(
    config: &Config,
    emit: &mut dyn FnMut(&Measurement),
) -> Result<Vec<Measurement>, BoxError> {
    if let Some(problem) = config.order_problem() {
        return Err(problem.into());
    }
    if config.gateway_logs == Logs::Json {
        install_gateway_logs();
    }
    let harness =
        harness::Harness::start(config.database_url.as_deref(), config.data_dir.as_deref()).await?;
    let result = scenarios::run_all(&harness, config, emit).await;
    harness.stop().await;
    result
}

/// The subscriber `jiayang serve` installs (JSON, `info`), writing into a sink: the
/// gateway formats its per-request log line as it would in production.
fn install_gateway_logs() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_current_span(false)
        .with_writer(std::io::sink)
        .try_init();
}
