//! Data mode on the platforms' own sample files (the adapters' golden cases): a good file
//! passes every MUST, and each kind of fault fails the requirement it breaks.

use std::path::{Path, PathBuf};

use jiayang_adapters::{Format, RecordKind};
use jiayang_conformance::{
    data::{self, DataError, Options},
    outcome::Verdict,
    report::Results,
};

fn golden(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../adapters/tests/golden")
        .join(path)
}

fn options(format: Format, kind: RecordKind, files: Vec<PathBuf>) -> Options {
    Options {
        format,
        kind,
        files,
        participant: Some("hk-daojia".into()),
        district: Some("110105000000".into()),
        provider_uscc: Some("91110105MA01ABCD13".into()),
    }
}

fn verdict(results: &Results, id: &str) -> Verdict {
    results
        .requirements
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} is in the report"))
        .verdict
}

#[test]
fn a_good_native_file_passes_every_must_and_names_what_is_not_carried() {
    let results = data::run(
        &options(
            Format::HousekeepingApp,
            RecordKind::ServiceRecord,
            vec![golden(
                "housekeeping-app/service-record/spec-example/native.json",
            )],
        ),
        false,
    )
    .unwrap();
    assert!(results.passed, "{results:#?}");
    assert_eq!(results.summary.must.pass, 4);
    // The app's own ids have no place in the canonical model: a SHOULD, with each path.
    assert_eq!(verdict(&results, "JY-DATA-CARRY-01"), Verdict::Fail);
    let carried = &results.requirements.last().unwrap().tests[0].evidence;
    assert!(
        carried.iter().any(|e| e["path"] == "/aunt/auntId"),
        "{carried:?}"
    );
    assert_eq!(results.inputs.len(), 1);
    assert_eq!(results.inputs[0].sha256.len(), 64);
}

/// The ledger is GB18030, which stations may send; one of its rows holds bytes that are
/// neither, and only that row is named.
#[test]
fn a_gb18030_station_ledger_is_read_and_its_undecodable_row_named() {
    let results = data::run(
        &options(
            Format::StationCsv,
            RecordKind::Senior,
            vec![golden("station-csv/senior/gbk-ledger/native.csv")],
        ),
        false,
    )
    .unwrap();
    assert_eq!(verdict(&results, "JY-DATA-ENV-01"), Verdict::Pass);
    assert_eq!(verdict(&results, "JY-DATA-ENC-01"), Verdict::Fail);
    let encoding = results
        .requirements
        .iter()
        .find(|r| r.id == "JY-DATA-ENC-01")
        .unwrap();
    let rows: Vec<&serde_json::Value> = encoding.tests[0]
        .evidence
        .iter()
        .map(|e| &e["row"])
        .collect();
    assert_eq!(rows, [5], "{:?}", encoding.tests[0].evidence);
}

#[test]
fn broken_records_fail_with_each_violation_located_and_masked() {
    let good = golden("elder-portal/senior/design/native.json");
    let broken = golden("elder-portal/senior/broken/native.json");
    let results = data::run(
        &options(Format::ElderPortal, RecordKind::Senior, vec![good, broken]),
        false,
    )
    .unwrap();
    assert!(!results.passed);
    assert_eq!(verdict(&results, "JY-DATA-REC-01"), Verdict::Fail);
    assert_eq!(verdict(&results, "JY-DATA-ENC-01"), Verdict::Pass);
    // MUST failures come first.
    assert_eq!(results.requirements[0].id, "JY-DATA-REC-01");
    let test = &results.requirements[0].tests[0];
    assert!(
        test.detail
            .as_ref()
            .unwrap()
            .en
            .contains("broken/native.json"),
        "{test:?}"
    );
    assert!(
        test.evidence
            .iter()
            .any(|e| e["path"] == "/XBDM" && e["rule"] == "code-unknown"),
        "{:?}",
        test.evidence
    );
    assert!(test.evidence.iter().all(|e| e["file"].is_string()));
}

#[test]
fn an_unreadable_file_fails_encoding_and_leaves_the_rest_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.json");
    std::fs::write(&file, r#"{"name": "王秀"#).unwrap();
    let results = data::run(
        &options(Format::Canonical, RecordKind::Senior, vec![file]),
        false,
    )
    .unwrap();
    assert_eq!(verdict(&results, "JY-DATA-ENC-01"), Verdict::Fail);
    for id in ["JY-DATA-ENV-01", "JY-DATA-REC-01", "JY-DATA-REF-01"] {
        assert_eq!(verdict(&results, id), Verdict::Skip, "{id}");
    }
    assert!(!results.passed);
}

#[test]
fn a_broken_envelope_fails_the_envelope_requirement() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("envelope.json");
    std::fs::write(&file, br#"{"BBH": "1.0", "SJLX": "LNRXX"}"#).unwrap();
    let results = data::run(
        &options(Format::ElderPortal, RecordKind::Senior, vec![file]),
        false,
    )
    .unwrap();
    assert_eq!(verdict(&results, "JY-DATA-ENC-01"), Verdict::Pass);
    assert_eq!(verdict(&results, "JY-DATA-ENV-01"), Verdict::Fail);
}

#[test]
fn a_reference_given_two_ways_fails_the_reference_requirement() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("record.json");
    let mut record: serde_json::Value = serde_json::from_str(include_str!(
        "../../schemas/fixtures/service-record/valid/design-example.json"
    ))
    .unwrap();
    record["senior"]["identityNumber"] = "110105194403080027".into();
    std::fs::write(&file, record.to_string()).unwrap();
    let results = data::run(
        &options(Format::Canonical, RecordKind::ServiceRecord, vec![file]),
        false,
    )
    .unwrap();
    assert_eq!(verdict(&results, "JY-DATA-REF-01"), Verdict::Fail);
    assert_eq!(verdict(&results, "JY-DATA-REC-01"), Verdict::Fail);
}

#[test]
fn a_kind_the_format_does_not_carry_is_a_wrong_argument_not_a_finding() {
    let error = data::run(
        &options(
            Format::StationCsv,
            RecordKind::Provider,
            vec![golden("station-csv/senior/gbk-ledger/native.csv")],
        ),
        false,
    )
    .unwrap_err();
    assert!(matches!(error, DataError::Arguments(_)), "{error}");
}
