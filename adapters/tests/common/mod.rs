//! Shared by the adapter tests: a fixed clock and context per format, and JSON comparison
//! that allows for floating-point noise in coordinates.
#![allow(dead_code)]

use jiayang_adapters::{Batch, Context, Format, Lang, RecordKind};
use serde_json::Value;
use time::{OffsetDateTime, macros::datetime};

pub const NOW: OffsetDateTime = datetime!(2026-11-04 00:00 UTC);
pub const STATION_USCC: &str = "91110105MA01ABCD13";

/// The context a test of this format runs with.
pub fn context(format: Format) -> Context<'static> {
    let mut ctx = Context::new(NOW);
    match format {
        Format::ElderPortal => ctx.participant = Some("bj-elder-portal"),
        Format::HousekeepingApp => ctx.participant = Some("hk-daojia"),
        Format::StationCsv => {
            ctx.participant = Some("cy-tjh-station");
            ctx.district = Some("110105000000");
            ctx.provider_uscc = Some(STATION_USCC);
            ctx.file_date = Some(time::macros::date!(2026 - 11 - 01));
        }
        Format::Canonical => {}
    }
    ctx
}

pub fn documents(batch: &Batch) -> Value {
    Value::Array(batch.documents().cloned().collect())
}

/// Equal JSON, numbers within `1e-9` (coordinates pass through trigonometry).
pub fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-9,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

pub fn report(batch_report: &jiayang_adapters::Report) -> Value {
    batch_report.to_json(Lang::En)
}

pub fn kind_dir(kind: RecordKind) -> &'static str {
    kind.as_str()
}

/// Property tests keep the cases they found failing beside their source (the macro names
/// the file), and replay them first.
pub fn proptest_config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}
