//! `jiayang conformance` as a vendor runs it: the catalog listed, a data run's reports
//! and exit codes, and a server that cannot be reached.

use std::{path::Path, process::Command};

fn jiayang(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args(args)
        .output()
        .expect("jiayang runs")
}

fn golden(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../adapters/tests/golden")
        .join(path)
        .display()
        .to_string()
}

#[test]
fn requirements_are_listed_as_text_and_as_json() {
    let text = jiayang(&["conformance", "requirements", "--mode", "server"]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("JY-SRV-IDEMP-01"), "{text}");
    assert!(!text.contains("JY-DATA-"), "{text}");

    let json = jiayang(&["conformance", "requirements", "--json"]);
    assert!(json.status.success());
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let data = listed
        .iter()
        .find(|r| r["id"] == "JY-DATA-REC-01")
        .expect("the data requirements are listed");
    assert_eq!(data["level"], "MUST");
    assert!(data["title"]["zh"].is_string() && data["title"]["en"].is_string());
    assert!(data["clause"].as_str().unwrap().contains("DESIGN"));
    assert_eq!(data["tests"][0], "data.records");
}

#[test]
fn a_data_run_writes_three_reports_and_exits_by_its_musts() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    let out = jiayang(&[
        "conformance",
        "data",
        "--format",
        "elder-portal",
        "--kind",
        "senior",
        "--participant",
        "bj-elder-portal",
        "--quiet",
        "--report-dir",
        good.to_str().unwrap(),
        &golden("elder-portal/senior/design/native.json"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for file in ["results.json", "junit.xml", "report.html"] {
        assert!(good.join(file).exists(), "{file}");
    }

    let broken = jiayang(&[
        "conformance",
        "data",
        "--format",
        "elder-portal",
        "--kind",
        "senior",
        "--participant",
        "bj-elder-portal",
        &golden("elder-portal/senior/broken/native.json"),
    ]);
    assert_eq!(broken.status.code(), Some(1));
    // Without --report-dir the manifest is on stdout, and progress on stderr.
    let results: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(results["passed"], false);
    assert_eq!(results["requirements"][0]["id"], "JY-DATA-REC-01");
    let progress = String::from_utf8(broken.stderr).unwrap();
    assert!(progress.contains("FAIL  data.records"), "{progress}");

    let wrong = jiayang(&[
        "conformance",
        "data",
        "--format",
        "station-csv",
        "--kind",
        "provider",
        &golden("elder-portal/senior/design/native.json"),
    ]);
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
}

#[test]
fn a_server_that_cannot_be_reached_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(
        &ca,
        include_bytes!("../../../conformance/tests/support/ca.pem"),
    )
    .unwrap();
    let out = jiayang(&[
        "conformance",
        "server",
        "--url",
        "https://localhost:9",
        "--ca",
        ca.to_str().unwrap(),
        "--participant",
        "bj-elder-portal",
        "--token",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(said.contains("cannot reach"), "{said}");
    // Missing credentials are a wrong invocation too.
    let out = jiayang(&[
        "conformance",
        "server",
        "--url",
        "https://localhost:9",
        "--ca",
        ca.to_str().unwrap(),
        "--participant",
        "bj-elder-portal",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn a_webhook_receiver_that_is_not_there_or_a_bad_secret_exits_2() {
    for (url, secret) in [
        (
            "http://127.0.0.1:9/hook",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ),
        ("http://127.0.0.1:9/hook", "plain words"),
        (
            "ftp://127.0.0.1/hook",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ),
    ] {
        let out = jiayang(&["conformance", "webhook", "--url", url, "--secret", secret]);
        assert_eq!(out.status.code(), Some(2), "{url} {secret}: {out:?}");
    }
}

#[test]
fn the_client_sandbox_hands_the_client_its_settings_and_grades_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("env.txt");
    let report = dir.path().join("report");
    // A client that looks at its settings and does nothing: every task is missing.
    let command = format!(
        "test -s \"$JIAYANG_CA\" && test -n \"$JIAYANG_TOKEN\" && env | grep ^JIAYANG_ > {}",
        seen.display()
    );
    let out = jiayang(&[
        "conformance",
        "client",
        "--listen",
        "127.0.0.1:0",
        "--kind",
        "HOUSEKEEPING_PLATFORM",
        "--run",
        &command,
        "--quiet",
        "--report-dir",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let env = std::fs::read_to_string(&seen).unwrap();
    for name in [
        "JIAYANG_URL=https://localhost:",
        "JIAYANG_SENIOR=sen_",
        "JIAYANG_PURPOSE=SERVICE_DELIVERY",
    ] {
        assert!(env.contains(name), "{name} in {env}");
    }
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["mode"], "client");
    assert_eq!(results["participant"], "sandbox-client");
    let tasks = results["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "JY-CLI-TASKS-01")
        .unwrap();
    assert_eq!(tasks["verdict"], "FAIL");

    let regulator = jiayang(&[
        "conformance",
        "client",
        "--listen",
        "127.0.0.1:0",
        "--kind",
        "REGULATOR",
        "--run",
        "true",
    ]);
    assert_eq!(regulator.status.code(), Some(2));
}

/// A client that never finishes is stopped at the time-out — with everything it started —
/// and the sandbox still grades.
#[test]
fn a_client_that_hangs_is_stopped_at_the_time_out() {
    let dir = tempfile::tempdir().unwrap();
    let survived = dir.path().join("survived");
    let report = dir.path().join("report");
    // Something the client started, which would leave a mark if it outlived the sandbox.
    let command = format!("(sleep 5; touch {}) & sleep 600", survived.display());
    let started = std::time::Instant::now();
    // No pipes: a process left running would hold them open and hang this test.
    let status = Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args([
            "conformance",
            "client",
            "--listen",
            "127.0.0.1:0",
            "--kind",
            "COMMUNITY_STATION",
            "--run",
            &command,
            "--timeout",
            "2",
            "--quiet",
            "--report-dir",
            report.to_str().unwrap(),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert!(report.join("results.json").exists());
    std::thread::sleep(std::time::Duration::from_secs(6));
    assert!(
        !survived.exists(),
        "the client's own child outlived the sandbox"
    );
}
