//! Two `jiayang serve` processes on one PostgreSQL database: each event is delivered
//! once while both run; a node killed (SIGKILL) in the middle of a delivery loses
//! nothing — another node takes the endpoint over when the lease ends and sends the
//! delivery again, under the same `webhook-id`, before anything later.

#[path = "../../store/tests/support/scratch.rs"]
mod scratch;
mod support;

use std::{path::Path, time::Duration};

use reqwest::StatusCode;
use scratch::on_scratch_postgres;
use support::{
    process::{Served, client_for, jiayang, launch, serve_command, wait_ready},
    receiver::{Answer, Received, Receiver, signed_by},
};

/// No periodic audit checkpoint: only the one a node signs as it stops is delivered
/// beside the listings.
const SETTINGS: &str = "[webhooks]\nallow_insecure = true\ntimeout_seconds = 2\n\
    lease_seconds = 7\nretry_schedule_seconds = [0, 1, 1, 1, 1, 1]\n\
    [audit]\ncheckpoint_every_seconds = 86400\n";

/// The deliveries about listings, in the order they came.
fn listings(received: &[Received]) -> Vec<&Received> {
    received
        .iter()
        .filter(|r| r.event()["resource"]["kind"] == "provider")
        .collect()
}

fn is_checkpoint(received: &Received) -> bool {
    received.event()["type"] == "audit_checkpoint.signed"
}

fn node(data: &Path, database_url: &str) -> Served {
    let mut command = serve_command(data);
    command
        .args(["--database-url", database_url])
        .args(["--config", data.join("jiayang.toml").to_str().unwrap()]);
    launch(command)
}

/// Creates a listing through the node on `port`; its id.
async fn listing(client: &reqwest::Client, port: u16, token: &str, n: u32) -> String {
    let first17 = format!("91110105MA{n:07}");
    let check = jiayang_schemas::uscc_check_character(first17.as_bytes()).unwrap();
    let mut body: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../schemas/fixtures/provider/valid/design-example.json"),
        )
        .unwrap(),
    )
    .unwrap();
    body["uscc"] = format!("{first17}{}", char::from(check)).into();
    body["externalIds"] = serde_json::json!([]);
    let response = client
        .post(format!("https://localhost:{port}/v1/providers"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: serde_json::Value = response.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn two_nodes(database_url: String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("jiayang.toml"), SETTINGS).unwrap();
    let a = node(&data, &database_url);
    let client = client_for(&data);
    let (port_a, b) = (a.port, node(&data, &database_url));
    let port_b = b.port;
    wait_ready(&client, port_a).await;
    wait_ready(&client, port_b).await;

    let dir_arg = data.to_str().unwrap();
    let added = jiayang(
        &[
            "participant",
            "add",
            "--id",
            "hk-daojia",
            "--kind",
            "HOUSEKEEPING_PLATFORM",
            "--name",
            "到家",
            "--data-dir",
            dir_arg,
            "--database-url",
            &database_url,
        ],
        None,
    );
    assert!(added.status.success(), "{added:?}");
    let token = std::fs::read_to_string(data.join("participants/hk-daojia/token")).unwrap();
    let token = token.trim();
    let receiver = Receiver::start().await;
    let registered = jiayang(
        &[
            "participant",
            "webhook",
            "--id",
            "hk-daojia",
            "--url",
            &receiver.url,
            "--allow-insecure-webhooks",
            "--data-dir",
            dir_arg,
            "--database-url",
            &database_url,
        ],
        None,
    );
    assert!(registered.status.success(), "{registered:?}");
    let printed = String::from_utf8(registered.stdout).unwrap();
    let secret = printed
        .split_whitespace()
        .find(|word| word.starts_with("whsec_"))
        .unwrap_or_else(|| panic!("the secret is printed: {printed}"))
        .to_owned();

    // Both nodes dispatching: each event once.
    for n in 0..10 {
        let port = if n % 2 == 0 { port_a } else { port_b };
        listing(&client, port, token, n).await;
    }
    let within = Duration::from_secs(40);
    receiver.wait_until(within, |r| r.len() >= 10).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = receiver.received();
    let mut ids: Vec<&str> = received.iter().map(|r| r.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (10, 10), "each event once");
    assert!(
        received
            .iter()
            .all(|r| r.answered == 200 && signed_by(r, &secret))
    );

    // Node A alone, killed while its delivery waits for an answer. B signed the chain's
    // head as it stopped, and that checkpoint is delivered first.
    terminate(b).await;
    receiver
        .wait_until(within, |r| {
            r.iter().any(|r| is_checkpoint(r) && r.answered == 200)
        })
        .await;
    receiver.script([Answer::Slow(Duration::from_secs(30))]);
    let in_flight = listing(&client, port_a, token, 10).await;
    receiver
        .wait_until(within, |r| listings(r).len() == 11)
        .await;
    a.kill();
    let c = node(&data, &database_url);
    let port_c = c.port;
    wait_ready(&client, port_c).await;
    let later = listing(&client, port_c, token, 11).await;
    receiver
        .wait_until(within, |r| {
            r.iter()
                .filter(|r| r.answered == 200)
                .any(|r| r.event()["resource"]["id"] == later.as_str())
        })
        .await;
    let delivered: Vec<String> = listings(&receiver.delivered())
        .iter()
        .map(|r| r.event()["resource"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(delivered.len(), 12, "nothing lost: {delivered:?}");
    assert_eq!(&delivered[10..], [in_flight.clone(), later], "in order");
    let sent_twice = receiver
        .received()
        .iter()
        .filter(|r| r.event()["resource"]["id"] == in_flight.as_str())
        .count();
    assert_eq!(sent_twice, 2, "the in-flight delivery is sent again");
    terminate(c).await;
}

/// SIGTERM, and a clean exit (waited for off the runtime's threads, which must keep
/// serving this test's client connections while the node drains them).
async fn terminate(node: Served) {
    tokio::task::spawn_blocking(move || node.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_deliver_once_and_a_killed_one_loses_nothing() {
    on_scratch_postgres("jiayang_nodes", two_nodes).await;
}
