//! `jiayang serve` as an operator runs it: a fresh data directory, the files it makes,
//! a restart that reuses them, JSON logs without personal data, and SIGTERM.

use std::{
    io::Read,
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args([
            "serve",
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env_remove("JIAYANG_DATABASE_URL")
        .env_remove("JIAYANG_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

async fn wait_ready(client: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client
            .get(format!("https://localhost:{port}/readyz"))
            .send()
            .await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the gateway did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stop(mut child: Child) -> (String, String) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "SIGTERM did not stop the gateway"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "the gateway exits cleanly on SIGTERM: {status:?}"
    );
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (out, err)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_gateway_makes_its_data_directory_serves_and_logs_no_personal_data() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let child = start(&data, port);
    // The CA appears before the port opens; wait for it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !data.join("tls/ca.pem").exists() {
        assert!(Instant::now() < deadline, "no CA was made");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ca = std::fs::read(data.join("tls/ca.pem")).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    wait_ready(&client, port).await;

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

    let senior: serde_json::Value = serde_json::from_str(include_str!(
        "../../schemas/fixtures/senior/valid/design-example.json"
    ))
    .unwrap();
    let created = client
        .post(format!("https://localhost:{port}/v1/seniors"))
        .bearer_auth(&token)
        .json(&senior)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let found = client
        .post(format!("https://localhost:{port}/v1/seniors:lookup"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"identityNumber": "110105194403080027"}))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 200);
    let (out, err) = stop(child);
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
    ] {
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{secret} appears in the logs"
        );
    }

    // A restart reuses the CA and keys and issues no second operator token.
    let port = free_port();
    let child = start(&data, port);
    wait_ready(&client, port).await;
    let again = client
        .get(format!(
            "https://localhost:{port}/v1/seniors/{}",
            created["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
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
    stop(child);

    // Another master key would make sealed data unreadable: the gateway refuses to start.
    let output = Command::new(env!("CARGO_BIN_EXE_jiayang"))
        .args([
            "serve",
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
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
