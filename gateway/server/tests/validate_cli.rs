//! `jiayang validate` as a user runs it: files written by hand, the report on stdout,
//! and the exit code.

mod support;

use std::process::Output;

use serde_json::Value;

fn jiayang(args: &[&str], stdin: Option<&str>) -> Output {
    support::process::jiayang(args, stdin.map(str::as_bytes))
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is no JSON report ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

const GOOD_CONSENT: &str = r#"{"senior": {"seniorId": "sen_01JC8W9Q4M5V3X2K7T6N1R0B9A"}, "grantee": "hk-daojia",
  "purposes": ["SERVICE_DELIVERY"], "categories": ["BASIC"], "basis": "CONSENT",
  "grantedBy": {"kind": "SELF"}, "evidence": {"method": "IN_PERSON", "capturedAt": "2026-11-01T10:00:00+08:00"},
  "validFrom": "2026-11-01", "status": "ACTIVE"}"#;

#[test]
fn a_valid_file_reports_valid_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.json");
    std::fs::write(&path, GOOD_CONSENT).unwrap();
    let output = jiayang(
        &["validate", "--kind", "consent", path.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let report = report(&output);
    assert_eq!(report["valid"], true);
    assert_eq!(report["records"], 1);
    assert_eq!(report["violations"], serde_json::json!([]));
}

#[test]
fn an_array_reports_each_bad_record_by_index_with_chinese_messages() {
    let bad = GOOD_CONSENT.replace(
        r#""categories": ["BASIC"]"#,
        r#""categories": ["BASIC", "HEALTH"]"#,
    );
    let input = format!("[{GOOD_CONSENT}, {bad}, {GOOD_CONSENT}]");
    let output = jiayang(&["validate", "--kind", "consent", "-"], Some(&input));
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(report["valid"], false);
    assert_eq!(report["records"], 3);
    let violations = report["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0]["record"], 1);
    assert_eq!(violations[0]["path"], "/categories/1");
    assert_eq!(violations[0]["rule"], "basis-not-allowed");
    assert!(violations[0]["message"].as_str().unwrap().contains("依据"));
}

#[test]
fn ndjson_with_english_messages_reports_every_violation_at_once() {
    let input = concat!(
        r#"{"name": "李秀兰", "gender": "MALE", "birthDate": "1940-02-30", "identityDocument": {"type": "RESIDENT_ID_CARD", "number": "110105194403080028"}, "address": {"divisionCode": "110105999000"}, "status": "ACTIVE"}"#,
        "\n",
        r#"{"name": "王秀英", "gender": "FEMALE", "birthDate": "1944-03-08", "identityDocument": {"type": "RESIDENT_ID_CARD", "number": "110105194403080027"}, "address": {"divisionCode": "110105013000"}, "status": "ACTIVE"}"#,
        "\n"
    );
    let output = jiayang(
        &["validate", "--kind", "senior", "--lang", "en", "-"],
        Some(input),
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(report["records"], 2);
    let found: Vec<(u64, &str, &str)> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["record"].as_u64().unwrap(),
                v["path"].as_str().unwrap(),
                v["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (0, "/birthDate", "date-format"),
            (0, "/identityDocument/number", "id-card-check-digit"),
            (0, "/address/divisionCode", "division-code-unknown"),
        ]
    );
    assert!(
        report["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a date")
    );
}

#[test]
fn input_that_is_not_json_exits_two_with_nothing_on_stdout() {
    let output = jiayang(
        &["validate", "--kind", "senior", "-"],
        Some("姓名,性别\n王秀英,女\n"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(!output.stderr.is_empty());
}

#[test]
fn a_missing_file_exits_two() {
    let output = jiayang(
        &["validate", "--kind", "senior", "/nonexistent/seniors.json"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn an_unknown_kind_is_refused_by_the_command_line() {
    let output = jiayang(&["validate", "--kind", "elder", "-"], Some("{}"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown kind"));
}
