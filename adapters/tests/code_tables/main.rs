//! Every code-table entry of the three platform specs, restated here from the specs (not
//! read from the adapters' own tables) and converted through the public API, validation
//! included: native code → canonical value, and canonical value → the code written out.

mod app;
#[path = "../common/mod.rs"]
mod common;
mod portal;
mod station;

use jiayang_adapters::{Format, RecordKind, accept, export};
use serde_json::Value;

/// Writes one canonical record out and returns the native record.
pub fn out(format: Format, kind: RecordKind, document: Value) -> Value {
    let ctx = common::context(format);
    let batch = accept(kind, [(0, document)], &ctx);
    assert!(
        batch.report.violations.is_empty(),
        "{:#?}",
        batch.report.violations
    );
    let exported = export(format, kind, &batch, &ctx).unwrap();
    assert!(
        exported.report.violations.is_empty(),
        "{:#?}",
        exported.report.violations
    );
    match format {
        Format::ElderPortal => exported.documents[0]["JLS"][0].clone(),
        _ => exported.documents[0]["items"][0].clone(),
    }
}

pub fn with(mut base: Value, key: &str, value: &str) -> Value {
    base[key] = Value::from(value);
    base
}
