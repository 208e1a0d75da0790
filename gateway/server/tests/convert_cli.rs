//! `jiayang convert` as a user runs it: the converted document on stdout, one JSON report
//! on stderr only when there is something to report, and the exit code (0 all converted,
//! 1 some records refused, 2 the input unusable).

mod support;

use std::{path::PathBuf, process::Output};

use serde_json::Value;
use support::process::jiayang;

/// A file of the adapters' golden cases.
fn golden(path: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "../../adapters/tests/golden",
        path,
    ]
    .iter()
    .collect();
    path.to_str().unwrap().to_owned()
}

fn stdout(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is no JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr(output: &Output) -> Value {
    serde_json::from_slice(&output.stderr).unwrap_or_else(|e| {
        panic!(
            "stderr is no JSON report ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn rules(report: &Value) -> Vec<&str> {
    report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect()
}

#[test]
fn a_clean_conversion_exits_zero_with_nothing_on_stderr() {
    let input = golden("elder-portal/senior/design/native.json");
    let output = jiayang(
        &[
            "convert",
            "--from",
            "elder-portal",
            "--to",
            "canonical",
            "--kind",
            "senior",
            &input,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = stdout(&output);
    assert_eq!(records.as_array().unwrap().len(), 2);
    assert_eq!(
        records[0]["externalIds"][0]["participant"],
        "bj-elder-portal"
    );
    assert_eq!(records[0]["gender"], "FEMALE");
}

#[test]
fn values_not_carried_are_reported_but_do_not_fail() {
    let input = golden("housekeeping-app/service-record/spec-example/native.json");
    let output = jiayang(
        &[
            "convert",
            "--from",
            "housekeeping-app",
            "--to",
            "canonical",
            "--kind",
            "service-record",
            "--participant",
            "hk-daojia",
            &input,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output)[0]["orderRef"], "HK202611030001");
    let report = stderr(&output);
    assert_eq!(report["violations"], serde_json::json!([]));
    let paths: Vec<&str> = report["notCarried"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/updatedAt"), "{paths:?}");
}

#[test]
fn bad_records_are_reported_by_record_and_pointer_and_the_good_ones_still_written() {
    let input = golden("elder-portal/senior/broken/native.json");
    let output = jiayang(
        &[
            "convert",
            "--from",
            "elder-portal",
            "--to",
            "canonical",
            "--kind",
            "senior",
            "--lang",
            "en",
            &input,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let records = stdout(&output);
    assert_eq!(records.as_array().unwrap().len(), 1);
    assert_eq!(records[0]["name"], "周秀兰");
    let report = stderr(&output);
    let first = &report["violations"][0];
    assert_eq!(first["record"], 0);
    assert_eq!(first["path"], "/XBDM");
    assert_eq!(first["rule"], "code-unknown");
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .starts_with("gender code")
    );
    assert!(rules(&report).contains(&"capability-level-mismatch"));
}

#[test]
fn a_gbk_spreadsheet_reports_rows_and_columns_in_chinese() {
    let input = golden("station-csv/senior/gbk-ledger/native.csv");
    let output = jiayang(
        &[
            "convert",
            "--from",
            "station-csv",
            "--to",
            "canonical",
            "--kind",
            "senior",
            "--district",
            "110105000000",
            &input,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(stdout(&output).as_array().unwrap().len(), 3);
    let report = stderr(&output);
    let mangled = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == "id-number-as-number")
        .unwrap();
    assert_eq!(mangled["row"], 3);
    assert_eq!(mangled["column"], "身份证号");
    assert!(mangled["message"].as_str().unwrap().contains("科学计数法"));
    assert!(mangled.get("path").is_none());
}

#[test]
fn canonical_from_stdin_goes_out_in_the_portal_envelope() {
    let input = std::fs::read(golden("elder-portal/consent/design/canonical.json")).unwrap();
    let output = jiayang(
        &[
            "convert",
            "--from",
            "canonical",
            "--to",
            "elder-portal",
            "--kind",
            "consent",
            "-",
        ],
        Some(&input),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let envelope = stdout(&output);
    assert_eq!(envelope["BBH"], "1.0");
    assert_eq!(envelope["SJLX"], "SQTY");
    // No --participant: the gateway sends, and the ids are the portal's own.
    assert_eq!(envelope["FSDW"], "jiayang");
    assert_eq!(envelope["JLS"][0]["SQBH"], "SQ-2026-0042");
    assert_eq!(envelope["JLS"][0]["SQFS"], "03");
    assert_eq!(envelope["JLS"].as_array().unwrap().len(), 2);
}

#[test]
fn a_canonical_line_that_is_not_json_is_one_bad_record() {
    let lines = b"{\"name\": \"x\"}\n{not json\n";
    let output = jiayang(
        &[
            "convert",
            "--from",
            "canonical",
            "--to",
            "elder-portal",
            "--kind",
            "senior",
            "-",
        ],
        Some(lines),
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = stderr(&output);
    let syntax = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == "json-syntax")
        .unwrap();
    assert_eq!(syntax["record"], 1);
}

#[test]
fn unusable_inputs_exit_two_with_the_reason_on_stderr() {
    let cases: [(&[&str], &[u8], &str); 5] = [
        (
            &["--from", "elder-portal", "--to", "canonical", "--kind", "senior"],
            br#"{"BBH": "2.0", "SJLX": "LNRXX", "FSDW": "X", "FSSJ": "20261103110500", "JLS": [{}]}"#,
            "envelope-version",
        ),
        (
            &["--from", "elder-portal", "--to", "canonical", "--kind", "senior"],
            b"XM,XBDM\n",
            "input-not-json",
        ),
        (
            &["--from", "station-csv", "--to", "canonical", "--kind", "senior", "--district", "110105000000"],
            "姓名,性别\n王,女\n".as_bytes(),
            "column-missing",
        ),
        (
            &["--from", "housekeeping-app", "--to", "canonical", "--kind", "senior"],
            b"{}",
            "conversion-unsupported",
        ),
        (
            &["--from", "station-csv", "--to", "canonical", "--kind", "senior"],
            "姓名\n".as_bytes(),
            "option-required",
        ),
    ];
    for (args, input, rule) in cases {
        let mut argv = vec!["convert"];
        argv.extend_from_slice(args);
        argv.push("-");
        let output = jiayang(&argv, Some(input));
        assert_eq!(output.status.code(), Some(2), "{argv:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{argv:?}");
        assert_eq!(rules(&stderr(&output)), vec![rule], "{argv:?}");
    }
}

#[test]
fn an_unknown_format_or_kind_is_reported_in_the_json_report() {
    for (from, kind) in [("excel", "senior"), ("elder-portal", "elder")] {
        let output = jiayang(
            &[
                "convert",
                "--from",
                from,
                "--to",
                "canonical",
                "--kind",
                kind,
                "-",
            ],
            Some(b""),
        );
        assert_eq!(output.status.code(), Some(2));
        assert!(output.stdout.is_empty());
        assert_eq!(
            rules(&stderr(&output)),
            vec!["option-invalid"],
            "{output:?}"
        );
    }
}
