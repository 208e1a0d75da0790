//! Measurements: one JSON line each on stdout, a readable table and the ratios on stderr.

use std::{fmt::Write as _, time::Duration};

use serde::Serialize;

use crate::driver::Outcome;

/// One measured scenario.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Measurement {
    /// `provider-search`, `record-create`, `bulk-import`, `raw-insert`.
    pub scenario: &'static str,
    /// What served it: `gateway`, `bare-axum`, `database`.
    pub target: &'static str,
    /// How it was reached, e.g. `rest/h2/tls`, `grpc/tls`, `sql`.
    pub transport: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    pub clients: usize,
    /// Successful operations (requests, streams or INSERT statements).
    pub operations: u64,
    /// Records those operations carried (search: results returned).
    pub records: u64,
    pub errors: u64,
    pub seconds: f64,
    /// `operations` or `records` per second, as `unit` says.
    pub rate: f64,
    pub unit: &'static str,
    /// What one latency sample is, e.g. `request`, `5000-record batch`.
    pub latency_of: String,
    pub p50_ms: f64,
    pub p99_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// The fields a scenario names; the figures come from an [`Outcome`].
#[derive(Clone, Debug)]
pub struct Label {
    pub scenario: &'static str,
    pub target: &'static str,
    pub transport: &'static str,
    pub database: &'static str,
    pub clients: usize,
    pub latency_of: String,
}

/// Whether a rate counts operations or the records they carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    Requests,
    Records,
}

impl Measurement {
    pub fn new(label: Label, outcome: &Outcome, rate: Rate) -> Self {
        let mut sorted = outcome.latencies_us.clone();
        sorted.sort_unstable();
        let operations = outcome.ok();
        let seconds = outcome.elapsed.as_secs_f64();
        let records = outcome.records;
        let (counted, unit) = match rate {
            Rate::Requests => (operations, "requests/s"),
            Rate::Records => (records, "records/s"),
        };
        Self {
            scenario: label.scenario,
            target: label.target,
            transport: label.transport,
            database: label.database,
            clients: label.clients,
            operations,
            records,
            errors: outcome.errors,
            seconds: round(seconds, 3),
            rate: round(counted as f64 / seconds.max(1e-9), 1),
            unit,
            latency_of: label.latency_of,
            p50_ms: percentile_ms(&sorted, 50.0),
            p99_ms: percentile_ms(&sorted, 99.0),
            first_error: outcome.first_error.clone(),
        }
    }

    pub fn json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Nearest-rank percentile of sorted microsecond samples, in milliseconds.
fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted_us.len()) - 1;
    round(sorted_us[index] as f64 / 1000.0, 3)
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// A gateway figure over its baseline, with the aim when there is one.
#[derive(Clone, Debug)]
pub struct Ratio {
    pub name: &'static str,
    pub value: f64,
    pub aim: Option<f64>,
}

fn find<'a>(
    all: &'a [Measurement],
    scenario: &str,
    target: &str,
    transport: &str,
) -> Option<&'a Measurement> {
    all.iter()
        .find(|m| m.scenario == scenario && m.target == target && m.transport == transport)
}

/// The ratios the issue asks for, for whichever pairs were measured.
pub fn ratios(all: &[Measurement]) -> Vec<Ratio> {
    let pairs = [
        (
            "search: gateway / bare axum (both TLS)",
            ("provider-search", "gateway", "rest/h2/tls"),
            ("provider-search", "bare-axum", "rest/h2/tls"),
            Some(0.8),
        ),
        (
            "search: gateway / bare axum (plain h2c)",
            ("provider-search", "gateway", "rest/h2/tls"),
            ("provider-search", "bare-axum", "rest/h2c"),
            None,
        ),
        (
            "search, own processes, h2load: gateway / bare sqlx",
            ("provider-search", "gateway", "h2load/h2/tls"),
            ("provider-search", "bare-sqlx", "h2load/h2/tls"),
            Some(0.8),
        ),
        (
            "search, own processes, h2load: bare sea-orm / bare sqlx",
            ("provider-search", "bare-sea-orm", "h2load/h2/tls"),
            ("provider-search", "bare-sqlx", "h2load/h2/tls"),
            None,
        ),
        (
            "create, REST: gateway / bare axum writing the same rows",
            ("record-create", "gateway", "rest/h2/tls"),
            ("record-create", "bare-axum", "rest/h2/tls"),
            Some(0.7),
        ),
        (
            "create, gRPC: gateway / bare axum (REST) writing the same rows",
            ("record-create", "gateway", "grpc/tls"),
            ("record-create", "bare-axum", "rest/h2/tls"),
            Some(0.7),
        ),
        (
            "create: gRPC / REST",
            ("record-create", "gateway", "grpc/tls"),
            ("record-create", "gateway", "rest/h2/tls"),
            None,
        ),
        (
            "import: gRPC stream / raw multi-row insert",
            ("bulk-import", "gateway", "grpc/tls"),
            ("raw-insert", "database", "sql multi-row"),
            None,
        ),
        (
            "import: REST batches / raw multi-row insert",
            ("bulk-import", "gateway", "rest/h2/tls"),
            ("raw-insert", "database", "sql multi-row"),
            None,
        ),
        (
            "import: gRPC stream / raw row-at-a-time insert",
            ("bulk-import", "gateway", "grpc/tls"),
            ("raw-insert", "database", "sql row-at-a-time"),
            None,
        ),
        (
            "senior read: with consent check + audit / without",
            ("senior-read", "consent+audit", "rest/h2/tls"),
            ("senior-read", "read only", "rest/h2/tls"),
            Some(0.75),
        ),
    ];
    pairs
        .into_iter()
        .filter_map(|(name, (s1, t1, p1), (s2, t2, p2), aim)| {
            let top = find(all, s1, t1, p1)?;
            let bottom = find(all, s2, t2, p2)?;
            (bottom.rate > 0.0).then(|| Ratio {
                name,
                value: round(top.rate / bottom.rate, 3),
                aim,
            })
        })
        .collect()
}

/// The measurements and ratios as a fixed-width table.
pub fn table(all: &[Measurement]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:<12} {:<18} {:>3} {:>8} {:>6} {:>12} {:<11} {:>9} {:>9}  latency of",
        "scenario", "target", "transport", "c", "ops", "errors", "rate", "unit", "p50 ms", "p99 ms"
    );
    for m in all {
        let _ = writeln!(
            out,
            "{:<16} {:<12} {:<18} {:>3} {:>8} {:>6} {:>12.1} {:<11} {:>9.3} {:>9.3}  {}",
            m.scenario,
            m.target,
            m.transport,
            m.clients,
            m.operations,
            m.errors,
            m.rate,
            m.unit,
            m.p50_ms,
            m.p99_ms,
            m.latency_of
        );
    }
    let ratios = ratios(all);
    if !ratios.is_empty() {
        let _ = writeln!(out);
    }
    for ratio in ratios {
        let verdict = match ratio.aim {
            Some(aim) if ratio.value >= aim => format!("  (aim ≥ {aim}: met)"),
            Some(aim) => format!("  (aim ≥ {aim}: NOT met)"),
            None => String::new(),
        };
        let _ = writeln!(out, "{:<48} {:>6.3}{verdict}", ratio.name, ratio.value);
    }
    if let Some(import) = find(all, "bulk-import", "gateway", "grpc/tls")
        && import.database == "sqlite"
    {
        let met = if import.rate >= 20_000.0 {
            "met"
        } else {
            "NOT met"
        };
        let _ = writeln!(
            out,
            "{:<48} {:>6.0}  (aim ≥ 20000 records/s on SQLite: {met})",
            "import: gRPC stream records/s", import.rate
        );
    }
    out
}

/// The outcome of one timed operation (a whole stream) that carried `records`.
pub fn single(elapsed: Duration, records: u64, error: Option<String>) -> Outcome {
    Outcome {
        latencies_us: if error.is_none() {
            vec![elapsed.as_micros() as u64]
        } else {
            Vec::new()
        },
        records,
        errors: u64::from(error.is_some()),
        first_error: error,
        elapsed,
    }
}
