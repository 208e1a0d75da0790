//! Property tests: canonical → native → canonical gives back every field the format
//! carries. Records are generated valid (the validator checks them on both sides) and
//! hold only what the format carries; coordinates through BD-09 may move by nanometres.

#[path = "../common/mod.rs"]
mod common;
mod strategies;

use jiayang_adapters::{
    Format, RecordKind, accept,
    coords::{Point, bd09_to_gcj02, distance_m, gcj02_to_bd09},
    export, import,
    money::{fen_to_yuan, yuan_to_fen},
};
use proptest::{prelude::*, test_runner::FileFailurePersistence};
use serde_json::Value;
use strategies::{consent, districts, provider, senior, service_record, streets};

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
