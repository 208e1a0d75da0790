//! `jiayang serve` as an operator runs it: a fresh data directory, the files it makes,
//! a restart that reuses them, JSON logs without personal data, and SIGTERM.

mod support;

use std::process::Command;

use support::process::{client_for, start, wait_ready};

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_gateway_makes_its_data_directory_serves_and_logs_no_personal_data() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let child = start(&data);
    let port = child.port;
    let client = client_for(&data);
    wait_ready(&client, port).await;
    let ca = std::fs::read(data.join("tls/ca.pem")).unwrap();

    let token_file = data.join("operator.token");
    assert_eq!(
        std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(data.join("keys/master.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert!(data.join("jiayang.db").exists());
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    // The operator onboards the portal, which registers seniors (the operator holds no
    // personal data).
    let added = Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args([
            "participant",
            "add",
            "--id",
            "bj-elder-portal",
            "--kind",
            "ELDER_CARE_PORTAL",
        ])
        .args([
            "--name",
            "北京养老服务网",
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let portal = std::fs::read_to_string(data.join("participants/bj-elder-portal/token"))
        .unwrap()
        .trim()
        .to_owned();

    let senior: serde_json::Value = serde_json::from_str(include_str!(
        "../../../schemas/fixtures/senior/valid/design-example.json"
    ))
    .unwrap();
    let created = client
        .post(format!("https://localhost:{port}/v1/seniors"))
        .bearer_auth(&portal)
        .json(&senior)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let found = client
        .post(format!("https://localhost:{port}/v1/seniors:lookup"))
        .bearer_auth(&portal)
        .json(&serde_json::json!({"identityNumber": "110105194403080027"}))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 200);
    let (out, err) = child.stop();
    assert!(
        err.contains("curl --cacert") && err.contains("grpcurl"),
        "the start tells how to connect: {err}"
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON log lines"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["route"] == "/v1/seniors:lookup" && l["fields"]["status"] == 200)
    );
    for secret in [
        "110105194403080027",
        "13800138000",
        "王秀英",
        created["id"].as_str().unwrap(),
        token.as_str(),
        portal.as_str(),
    ] {
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{secret} appears in the logs"
        );
    }

    // A restart reuses the CA and keys and issues no second operator token.
    let child = start(&data);
    let port = child.port;
    wait_ready(&client, port).await;
    let again = client
        .get(format!(
            "https://localhost:{port}/v1/seniors/{}",
            created["id"].as_str().unwrap()
        ))
        .bearer_auth(&portal)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        200,
        "the same token and the same sealed data work after a restart"
    );
    let fetched: serde_json::Value = again.json().await.unwrap();
    assert_eq!(fetched["identityDocument"]["number"], "110105194403080027");
    assert_eq!(std::fs::read(data.join("tls/ca.pem")).unwrap(), ca);
    assert_eq!(std::fs::read_to_string(&token_file).unwrap().trim(), token);
    child.stop();

    // Another master key would make sealed data unreadable: the gateway refuses to start.
    let output = Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args([
            "serve",
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env(
            "JIAYANG_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .env_remove("JIAYANG_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("master key"),
        "{output:?}"
    );
}

#[test]
fn an_unusable_configuration_file_stops_serve_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let serve = |extra: &[&str]| {
        let mut args = vec![
            "serve".to_owned(),
            "--data-dir".into(),
            data.to_str().unwrap().into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Command::new(env!("CARGO_BIN_EXE_jiayang"))
            .args(args)
            .env_remove("JIAYANG_DATABASE_URL")
            .output()
            .unwrap()
    };
    // In the data directory, read without being named.
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("jiayang.toml"),
        "[verification]\nlate_submission_hours = 0\n",
    )
    .unwrap();
    let output = serve(&[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("jiayang.toml") && stderr.contains("verification.late_submission_hours"),
        "{stderr}"
    );
    // Named with --config: it must exist, and an unknown key is named.
    let named = dir.path().join("gateway.toml");
    std::fs::write(&named, "[verification]\ngeo_max_metres = 500\n").unwrap();
    let output = serve(&["--config", named.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("geo_max_metres"),
        "{output:?}"
    );
    let output = serve(&["--config", dir.path().join("absent.toml").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("absent.toml"),
        "{output:?}"
    );
}
