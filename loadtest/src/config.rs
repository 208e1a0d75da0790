//! Command-line settings. The defaults run every scenario against SQLite in about a
//! minute and a half on a 2-core machine.

use std::time::Duration;

use clap::{Parser, ValueEnum};

/// One group of measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// `GET /v1/providers?district=<street>` through the gateway.
    Search,
    /// The same query through a bare axum + sea-orm handler (TLS, then plain h2c).
    Bare,
    /// Single service-record creates over REST and over gRPC (with idempotency keys), and
    /// through a bare axum handler writing the same rows in one transaction.
    Create,
    /// Bulk loads: gRPC client-streaming `ImportServiceRecords` and REST `:batchCreate`.
    Import,
    /// The same rows inserted straight into the database with sea-orm.
    RawDb,
    /// One senior's profile read plainly, and released to a grantee (consent check,
    /// minimisation, audit entry): the cost of enforcement.
    Consent,
    /// Service records created at `--feed-rate` while a gRPC subscriber follows the
    /// event feed: the lag from a create's answer to its event's receipt.
    Feed,
    /// Events delivered as webhooks to one loopback receiver: deliveries per second.
    Webhook,
    /// Provider search the way users compare servers: each server in a process of its
    /// own under `h2load` (16 connections, TLS, HTTP/2): `jiayang serve` on the seeded
    /// data, and two bare axum handlers (`--serve-bare`), one querying with sea-orm, one
    /// with sqlx and the stored documents spliced in as they are. The gateway in this
    /// process stops first, so this scenario comes last.
    External,
}

/// The bare baselines a `--serve-bare` process serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Bare {
    /// The gateway's sea-orm statement, the document parsed and rendered.
    SeaOrm,
    /// The same query in SQL through sqlx, the stored document spliced in as raw JSON.
    Sqlx,
}

/// What the gateway's request logs cost is part of what `jiayang serve` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Logs {
    /// Format the JSON request logs as `jiayang serve` does, into a sink.
    Json,
    /// No log subscriber at all.
    Off,
}

#[derive(Clone, Debug, Parser)]
#[command(
    name = "jiayang-load",
    about = "Starts a Jiayang gateway in-process on 127.0.0.1 and measures it over TLS with real \
             REST and gRPC clients. JSON lines on stdout (one per measurement), a table on stderr."
)]
pub struct Config {
    /// A PostgreSQL server on this machine (postgres://user@127.0.0.1:5432/db); the tool
    /// creates a fresh database on it and drops it at the end. SQLite in a temporary data
    /// directory when absent.
    #[arg(long)]
    pub database_url: Option<String>,
    /// The gateway's data directory (kept after the run, for inspection); a temporary
    /// one when absent. It must not hold a gateway already.
    #[arg(long)]
    pub data_dir: Option<std::path::PathBuf>,
    /// Scenarios to run, comma-separated, in this order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "search,bare,create,import,raw-db,consent"
    )]
    pub scenarios: Vec<Scenario>,
    /// Concurrent clients (each with its own connection) in the timed scenarios.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// How long each timed scenario runs, in seconds.
    #[arg(long, default_value = "10", value_parser = seconds)]
    pub duration: Duration,
    /// Unmeasured warm-up before each timed scenario, in seconds.
    #[arg(long, default_value = "1", value_parser = seconds)]
    pub warmup: Duration,
    /// Most requests one timed scenario sends, whatever the duration.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_requests: u64,
    /// Providers seeded for the search (spread over Beijing's 16 districts).
    #[arg(long, default_value_t = 2000)]
    pub providers: usize,
    /// `pageSize` of the search; every query must return exactly this many providers.
    #[arg(long, default_value_t = 20)]
    pub page_size: usize,
    /// Service records per bulk load (gRPC stream, REST batches, raw inserts).
    #[arg(long, default_value_t = 50_000)]
    pub import_records: usize,
    /// Records per REST `:batchCreate` request (the gateway takes at most 5000).
    #[arg(long, default_value_t = 5000)]
    pub batch_size: usize,
    /// Concurrent REST `:batchCreate` requests.
    #[arg(long, default_value_t = 1)]
    pub batch_clients: usize,
    /// Creates per second in the feed scenario (open loop).
    #[arg(long, default_value_t = 500)]
    pub feed_rate: u32,
    /// Events the webhook scenario delivers.
    #[arg(long, default_value_t = 5000)]
    pub webhook_events: usize,
    /// Rows per multi-row INSERT in the raw database scenario.
    #[arg(long, default_value_t = 500)]
    pub rows_per_insert: usize,
    /// The gateway's request logs.
    #[arg(long, value_enum, default_value = "json")]
    pub gateway_logs: Logs,
    /// Tokio worker threads, shared by the clients and the gateway (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The `jiayang` binary the external scenario runs (default: beside this one).
    #[arg(long)]
    pub gateway_bin: Option<std::path::PathBuf>,
    /// Serve only a bare baseline on `--listen` (with `--data-dir`'s TLS files and
    /// `--database-url`, or the data directory's SQLite database) until killed: the
    /// external scenario starts this in a process of its own.
    #[arg(long, value_enum, requires = "data_dir")]
    pub serve_bare: Option<Bare>,
    /// Where `--serve-bare` listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
}

impl Config {
    pub fn runs(&self, scenario: Scenario) -> bool {
        self.scenarios.contains(&scenario)
    }

    /// Why the scenarios cannot run in this order, if they cannot.
    pub fn order_problem(&self) -> Option<&'static str> {
        let external = self
            .scenarios
            .iter()
            .position(|s| *s == Scenario::External)?;
        (external + 1 != self.scenarios.len())
            .then_some("the external scenario stops the in-process gateway: name it last")
    }
}

fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text} is not a number of seconds"))?;
    if !(0.0..=600.0).contains(&value) {
        return Err("between 0 and 600 seconds".into());
    }
    Ok(Duration::from_secs_f64(value))
}
