//! `jiayang import` against a real `jiayang serve`: a station's GBK ledger with broken
//! rows goes in, the good rows are stored, and the summary names every refused row by
//! its spreadsheet row and column, including refusals only the gateway can make.

mod support;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;
use support::process::{client_for, start, wait_ready};

fn golden(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../adapters/tests/golden")
        .join(path)
}

fn import(data: &Path, port: u16, extra: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args([
            "import",
            "--format",
            "station-csv",
            "--data-dir",
            data.to_str().unwrap(),
            "--url",
            &format!("https://localhost:{port}"),
            "--participant",
            "cy-tjh-station",
        ])
        .args(extra)
        .arg(file)
        .env_remove("JIAYANG_TOKEN")
        .output()
        .unwrap()
}

/// `(row, column, rule)` of each violation.
fn cells(report: &Value) -> Vec<(u64, String, String)> {
    let mut out: Vec<_> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["row"].as_u64().expect("located by row"),
                v["column"].as_str().unwrap_or_default().to_owned(),
                v["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_ledger_imports_its_good_rows_and_names_the_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let child = start(&data);
    let port = child.port;
    let client = client_for(&data);
    wait_ready(&client, port).await;

    // The station imports as itself (the operator holds no personal data).
    let added = Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args([
            "participant",
            "add",
            "--id",
            "cy-tjh-station",
            "--kind",
            "COMMUNITY_STATION",
        ])
        .args(["--name", "团结湖驿站", "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");

    let ledger = golden("station-csv/senior/gbk-ledger/native.csv");
    let expected: Value = serde_json::from_slice(
        &std::fs::read(golden("station-csv/senior/gbk-ledger/report.json")).unwrap(),
    )
    .unwrap();
    let good: Value = serde_json::from_slice(
        &std::fs::read(golden("station-csv/senior/gbk-ledger/canonical.json")).unwrap(),
    )
    .unwrap();
    let good = good.as_array().unwrap().len();
    let args = ["--kind", "senior", "--district", "110105000000", "--json"];

    let first = import(&data, port, &args, &ledger);
    assert_eq!(first.status.code(), Some(1), "some rows are refused");
    let report: Value = serde_json::from_slice(&first.stdout).unwrap();
    // Row 8 converts but repeats row 2's ID number: the gateway refuses it.
    assert_eq!(report["imported"], good - 1, "{report}");
    let mut refused = cells(&expected);
    refused.push((8, String::new(), "already-exists".into()));
    refused.sort();
    assert_eq!(cells(&report), refused, "{report}");
    assert_eq!(
        report["records"].as_u64().unwrap(),
        report["imported"].as_u64().unwrap() + report["rejected"].as_u64().unwrap(),
        "every record is imported or rejected, once"
    );
    assert!(
        first.stderr.is_empty(),
        "no progress bar when stderr is not a terminal"
    );

    // A rerun stores nothing twice: every good row is now a duplicate the gateway refuses,
    // reported at the row it came from.
    let again = import(&data, port, &args, &ledger);
    let rerun: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(rerun["imported"], 0, "{rerun}");
    let duplicates: Vec<_> = rerun["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == "already-exists")
        .collect();
    assert_eq!(duplicates.len(), good, "{rerun}");
    assert!(duplicates.iter().all(|v| v["row"].as_u64().unwrap() >= 2));

    // The text summary, in English.
    let text = import(
        &data,
        port,
        &[
            "--kind",
            "senior",
            "--district",
            "110105000000",
            "--lang",
            "en",
        ],
        &ledger,
    );
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with(&format!("{} records: 0 imported", report["records"])),
        "{text}"
    );
    assert!(text.contains("row 5"), "{text}");

    // An unusable invocation says why and exits 2, before anything is sent.
    let unusable = import(&data, port, &["--kind", "consent"], &ledger);
    assert_eq!(unusable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unusable.stderr).contains("consent"));

    // The operator counts them (it sees ids only).
    let token = std::fs::read_to_string(data.join("operator.token")).unwrap();
    let listed: Value = client
        .get(format!("https://localhost:{port}/v1/seniors?pageSize=200"))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["seniors"].as_array().unwrap().len(), good - 1);

    // A visit log: its senior names are checked against the ones on record.
    // Without the fixture's external ids: they are hk-daojia's, which does not exist here.
    let mut provider: Value = serde_json::from_str(include_str!(
        "../../../schemas/fixtures/provider/valid/design-example.json"
    ))
    .unwrap();
    provider.as_object_mut().unwrap().remove("externalIds");
    let created = client
        .post(format!("https://localhost:{port}/v1/providers"))
        .bearer_auth(token.trim())
        .json(&provider)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let visits = dir.path().join("visits.csv");
    std::fs::write(
        &visits,
        "服务日期,开始时间,结束时间,老人姓名,身份证号,服务项目\n\
         2026-11-03,9:05,9:20,王秀英,110105194403080027,电话问候\n\
         2026-11-03,10:05,10:20,王秀兰,110105194403080027,电话问候\n",
    )
    .unwrap();
    let output = import(
        &data,
        port,
        &[
            "--kind",
            "service-record",
            "--provider-uscc",
            "91110105MA01ABCD13",
            "--json",
        ],
        &visits,
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(
        cells(&report),
        vec![(3, "老人姓名".to_owned(), "senior-name-mismatch".to_owned())]
    );
    child.stop();
}
