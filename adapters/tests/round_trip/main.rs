//! Property tests: canonical → native → canonical gives back every field the format
//! carries. Records are generated valid (the validator checks them on both sides) and
//! hold only what the format carries; coordinates through BD-09 may move by nanometres.
//!
//! The paths that go one way only are checked against the spec instead of a way back:
//! station spreadsheets and housekeeping orders in, customers out. Their generators
//! (`station.rs`, `app.rs`) write valid native documents and, from the spec's tables, the
//! records they must become.

mod app;
#[path = "../common/mod.rs"]
mod common;
mod station;
mod strategies;

use jiayang_adapters::{
    Context, Format, Location, RecordKind, accept,
    coords::{Point, bd09_to_gcj02, distance_m, gcj02_to_bd09},
    export, import,
    money::{fen_to_yuan, yuan_to_fen},
};
use proptest::{prelude::*, test_runner::FileFailurePersistence};
use serde_json::Value;
use strategies::{consent, districts, provider, senior, service_record, streets};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// canonical → `format` → canonical.
fn round_trip(format: Format, kind: RecordKind, record: &Value) -> Value {
    let ctx = common::context(format);
    let batch = accept(kind, [(0, record.clone())], &ctx);
    assert!(
        batch.report.violations.is_empty(),
        "generated an invalid record: {record:#}\n{:#?}",
        batch.report
    );
    let exported = export(format, kind, &batch, &ctx).unwrap();
    assert!(
        exported.report.violations.is_empty(),
        "{record:#}\n{:#?}",
        exported.report
    );
    // The one value these records hold that a format cannot carry: the portal has no
    // severity, and reads every finding back as MEDIUM.
    for not_carried in &exported.report.not_carried {
        let jiayang_adapters::Location::Record { path, .. } = &not_carried.location else {
            panic!("{not_carried:?}");
        };
        assert!(
            path.starts_with("/observations/") && path.ends_with("/severity"),
            "{path}"
        );
    }
    let native = serde_json::to_vec(&exported.documents[0]).unwrap();
    let back = import(format, kind, &native, &ctx).unwrap();
    assert!(back.report.is_empty(), "{:#?}", back.report);
    back.records[0].document.clone()
}

/// Equal JSON but for what a one-way conversion may write its own way: numbers that are
/// not both integers (coordinates) agree within 1e-6 degrees, and an instant agrees with
/// any RFC 3339 spelling of the same moment in UTC.
fn agree(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => match (a.as_i64(), e.as_i64()) {
            (Some(a), Some(e)) => a == e,
            _ => (a.as_f64().unwrap() - e.as_f64().unwrap()).abs() <= 1e-6,
        },
        (Value::String(a), Value::String(e)) => a == e || same_instant(a, e),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(a, e)| agree(a, e))
        }
        (Value::Object(a), Value::Object(e)) => {
            a.len() == e.len() && e.iter().all(|(k, e)| a.get(k).is_some_and(|a| agree(a, e)))
        }
        _ => actual == expected,
    }
}

fn same_instant(actual: &str, expected: &str) -> bool {
    let parse = |text: &str| OffsetDateTime::parse(text, &Rfc3339).ok();
    actual.ends_with('Z')
        && matches!((parse(actual), parse(expected)), (Some(a), Some(e)) if a == e)
}

/// A station file imported: one record per data row, in order, from that row, with no
/// violation; extra columns and remarks reported as not carried.
fn station_file_imports(kind: RecordKind, sheet: &station::Sheet) -> Result<(), TestCaseError> {
    let ctx = common::context(Format::StationCsv);
    let batch = import(Format::StationCsv, kind, &sheet.bytes, &ctx)
        .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    prop_assert!(
        batch.report.violations.is_empty(),
        "{:#?}",
        batch.report.violations
    );
    prop_assert_eq!(batch.records.len(), sheet.rows.len());
    // Both come from the ID number column; reports name its header trimmed.
    let from_id_column = match kind {
        RecordKind::Senior => "/identityDocument",
        _ => "/senior",
    };
    for (record, (row, expected)) in batch.records.iter().zip(&sheet.rows) {
        let mut document = record.document.clone();
        // A set: the order it is written in says nothing.
        if let Some(Value::Array(situations)) = document.get_mut("livingSituation") {
            situations.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
        prop_assert!(
            agree(&document, expected),
            "row {}:\n{:#}\n!=\n{:#}",
            row,
            record.document,
            expected
        );
        prop_assert_eq!(
            record.trace.locate(from_id_column),
            Location::Cell {
                row: *row,
                column: Some("身份证号".to_owned())
            }
        );
    }
    for location in &sheet.not_carried {
        prop_assert!(
            batch
                .report
                .not_carried
                .iter()
                .any(|n| &n.location == location),
            "{location:?} not reported in {:#?}",
            batch.report.not_carried
        );
    }
    Ok(())
}

/// The case `main.proptest-regressions` keeps: a scheduled record with an external id of
/// one character, a finding and a worker, but no visit yet.
#[test]
fn a_scheduled_record_with_a_finding_and_no_visit_round_trips() {
    let record = serde_json::json!({
        "externalIds": [{"id": "-", "participant": "bj-elder-portal"}],
        "observations": [{"code": "MEDICATION_ISSUE", "severity": "MEDIUM"}],
        "provider": {"uscc": "91110105MA01ABCD13"},
        "senior": {"externalId": {"id": "0", "participant": "bj-elder-portal"}},
        "serviceItem": "MEAL_DELIVERY",
        "status": "SCHEDULED",
        "worker": {"certificateNo": "BJSM-0000-000000"}
    });
    assert_eq!(
        round_trip(Format::ElderPortal, RecordKind::ServiceRecord, &record),
        record
    );
}

proptest! {
    // Failures are kept in `main.proptest-regressions` beside this file and replayed first.
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn portal_seniors_round_trip(record in senior()) {
        prop_assert_eq!(round_trip(Format::ElderPortal, RecordKind::Senior, &record), record);
    }

    #[test]
    fn portal_service_records_round_trip(record in service_record()) {
        prop_assert_eq!(round_trip(Format::ElderPortal, RecordKind::ServiceRecord, &record), record);
    }

    #[test]
    fn portal_providers_round_trip(record in provider("bj-elder-portal", "北京养老服务网", [streets(), districts()].concat(), false)) {
        prop_assert_eq!(round_trip(Format::ElderPortal, RecordKind::Provider, &record), record);
    }

    #[test]
    fn portal_consents_round_trip(record in consent()) {
        prop_assert_eq!(round_trip(Format::ElderPortal, RecordKind::Consent, &record), record);
    }

    #[test]
    fn app_stores_round_trip(record in provider("hk-daojia", "housekeeping-app", districts(), true)) {
        let back = round_trip(Format::HousekeepingApp, RecordKind::Provider, &record);
        prop_assert!(common::close(&back, &record), "{:#}\n!=\n{:#}", back, record);
    }

    #[test]
    fn station_ledgers_import_row_by_row(sheet in station::ledger()) {
        station_file_imports(RecordKind::Senior, &sheet)?;
    }

    #[test]
    fn station_visit_logs_import_row_by_row(sheet in station::visit_log()) {
        station_file_imports(RecordKind::ServiceRecord, &sheet)?;
    }

    #[test]
    fn app_orders_import_as_the_spec_maps_them(orders in app::orders()) {
        let ctx = common::context(Format::HousekeepingApp);
        let message = serde_json::to_vec(&orders.message).unwrap();
        let batch = import(Format::HousekeepingApp, RecordKind::ServiceRecord, &message, &ctx).unwrap();
        prop_assert!(batch.report.violations.is_empty(), "{:#?}", batch.report.violations);
        prop_assert_eq!(batch.records.len(), orders.expected.len());
        for (record, expected) in batch.records.iter().zip(&orders.expected) {
            prop_assert!(agree(&record.document, expected), "{:#}\n!=\n{:#}", record.document, expected);
        }
    }

    #[test]
    fn customers_export_as_the_spec_maps_seniors(customers in app::customers()) {
        let ctx = Context { withheld: &customers.withheld, ..common::context(Format::HousekeepingApp) };
        let seniors = customers.seniors.iter().cloned().enumerate();
        let batch = accept(RecordKind::Customer, seniors, &ctx);
        prop_assert!(batch.report.violations.is_empty(), "generated an invalid senior: {:#?}", batch.report);
        let exported = export(Format::HousekeepingApp, RecordKind::Customer, &batch, &ctx).unwrap();
        prop_assert!(exported.report.violations.is_empty(), "{:#?}", exported.report);
        prop_assert_eq!(exported.documents.len(), 1);
        let message = &exported.documents[0];
        prop_assert_eq!(&message["type"], "customers");
        let items = message["items"].as_array().unwrap();
        prop_assert_eq!(items.len(), customers.seniors.len());
        for (customer, senior) in items.iter().zip(&customers.seniors) {
            let expected = app::customer_of(senior, &customers.withheld);
            let customer = app::comparable(customer);
            prop_assert!(agree(&customer, &expected), "{:#}\n!=\n{:#}\nfrom {:#}", customer, expected, senior);
        }
    }

    #[test]
    fn gcj02_to_bd09_and_back_stays_within_a_micrometre(lat in 39.4f64..41.1, lng in 115.4f64..117.6) {
        let gcj = Point { lng, lat };
        let back = bd09_to_gcj02(gcj02_to_bd09(gcj));
        prop_assert!(distance_m(gcj, back) < 1e-6);
    }

    #[test]
    fn fen_to_yuan_and_back_is_exact(fen in 0i64..=i64::from(i32::MAX)) {
        prop_assert_eq!(yuan_to_fen(&fen_to_yuan(fen)), Ok(fen));
    }
}
