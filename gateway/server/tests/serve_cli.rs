//! `jiayang serve` as an operator runs it: a fresh data directory, the files it makes,
//! a restart that reuses them, JSON logs without personal data, and SIGTERM.

mod support;

use std::process::Command;

use support::{
    process::{add_participant, client_for, launch, serve_command_via, start, wait_ready},
    tls,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_gateway_makes_its_data_directory_serves_and_logs_no_personal_data() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let umask_022 = ["sh", "-c", "umask 022 && exec \"$0\" \"$@\""];
    let child = launch(serve_command_via(&umask_022, &data));
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
    // Private at rest under the usual umask 022 (the test runs the gateway under it):
    // the directory 0700, the database and its journal files 0600.
    for (path, mode) in [
        (data.clone(), 0o700),
        (data.join("jiayang.db"), 0o600),
        (data.join("jiayang.db-wal"), 0o600),
        (data.join("jiayang.db-shm"), 0o600),
        (data.join("keys"), 0o700),
    ] {
        let found = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(found, mode, "{}: {found:o}", path.display());
    }
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

    // Errors are counted under their route, in this process's own registry: the same
    // registration again (409) and a read without credentials (401), once each.
    let again = client
        .post(format!("https://localhost:{port}/v1/seniors"))
        .bearer_auth(&portal)
        .json(&senior)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let path = format!("/v1/seniors/{}", created["id"].as_str().unwrap());
    let anonymous = client
        .get(format!("https://localhost:{port}{path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let metrics = client
        .get(format!("https://localhost:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |route: &str, status: &str| -> Vec<String> {
        metrics
            .lines()
            .filter(|l| l.starts_with("jiayang_requests_total{"))
            .filter(|l| {
                l.contains(&format!("route=\"{route}\""))
                    && l.contains(&format!("status=\"{status}\""))
            })
            .map(|l| l.rsplit(' ').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(count("/v1/seniors", "201"), ["1"], "{metrics}");
    assert_eq!(count("/v1/seniors", "409"), ["1"], "{metrics}");
    assert_eq!(count("/v1/seniors/{id}", "401"), ["1"], "{metrics}");
    assert!(!metrics.contains("unmatched"), "{metrics}");
    assert!(!metrics.contains(&path), "metrics never name a resource");
    let (out, err) = child.stop();
    assert!(
        !out.contains("made private"),
        "a fresh start has nothing to fix: {out}"
    );
    assert!(
        err.contains("curl --cacert") && err.contains("grpcurl"),
        "the start tells how to connect: {err}"
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON log lines"))
        .collect();
    for (route, status) in [
        ("/v1/seniors:lookup", 200),
        ("/v1/seniors", 409),
        ("/v1/seniors/{id}", 401),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["route"] == route && l["fields"]["status"] == status),
            "no log line for {route} {status}"
        );
    }
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

    // A restart reuses the CA and keys and issues no second operator token. It finds
    // the files readable by others (as an older gateway left them) and makes them
    // private, saying so.
    for (path, mode) in [(data.clone(), 0o755), (data.join("jiayang.db"), 0o644)] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let child = launch(serve_command_via(&umask_022, &data));
    let port = child.port;
    wait_ready(&client, port).await;
    for (path, mode) in [(data.clone(), 0o700), (data.join("jiayang.db"), 0o600)] {
        let found = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(found, mode, "{}: {found:o}", path.display());
    }
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
    let (logs, _) = child.stop();
    assert!(logs.contains("made private"), "{logs}");

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

/// SIGTERM while a request is in flight: the gateway stops accepting, lets the request
/// finish (its body still arriving) and answers it, then exits cleanly; what it answered
/// is stored.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = start(&data);
    let port = served.port;
    wait_ready(&client_for(&data), port).await;
    let token = add_participant(
        &data,
        "bj-elder-portal",
        "ELDER_CARE_PORTAL",
        "北京养老服务网",
    );
    let body = include_bytes!("../../../schemas/fixtures/senior/valid/design-example.json");
    let head = format!(
        "POST /v1/seniors HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        token,
        body.len()
    );
    let connector = tls::connector(&data, b"http/1.1");
    let mut stream = tls::connect(port, &connector).await;
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    served.terminate();
    // Draining: no new connection is taken…
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "a draining gateway accepts no new connection"
    );
    // …and the one in flight gets its answer once its body is in.
    stream.write_all(rest).await.unwrap();
    stream.flush().await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the answer arrives during the drain");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let (logs, _) = served.exited();
    assert!(logs.contains("draining connections"), "{logs}");

    // Stored: a restarted gateway has the senior the drained request created.
    let created: serde_json::Value =
        serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let served = start(&data);
    let client = client_for(&data);
    wait_ready(&client, served.port).await;
    let got = client
        .get(served.url(&format!("/v1/seniors/{}", created["id"].as_str().unwrap())))
        .bearer_auth(&token)
        .header("x-jiayang-purpose", "SERVICE_DELIVERY")
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    served.stop();
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
