//! Webhooks: the operator registers a participant's endpoint and its secret is shown
//! once; deliveries come in feed order, signed (Standard Webhooks), retried through
//! failures with the same `webhook-id`, `Retry-After` honoured; a redirect is a failure
//! and is not followed; 410 disables the endpoint; failed deliveries are listed and sent
//! again; a rotated secret signs beside the new one; a withdrawal stops the grantee's
//! events about that senior.

use std::time::Duration;

use jiayang_domain::ParticipantKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    events::summary,
    reading::{call, grant_from, ids, keys, update_listing},
};
use crate::{
    both_with,
    common::{TestApp, held_senior, provider_of, senior},
    receiver::{Answer, Received, Receiver, signed_by},
};

/// Development settings: loopback http targets, and retries a second apart.
const QUICK_RETRIES: &str = "[webhooks]\nallow_insecure = true\n\
    retry_schedule_seconds = [0, 1, 1, 1]\ntimeout_seconds = 2\nlease_seconds = 10\n";

/// As [`QUICK_RETRIES`], with one attempt only: a failure is final at once.
const ONE_ATTEMPT: &str = "[webhooks]\nallow_insecure = true\n\
    retry_schedule_seconds = [0]\ntimeout_seconds = 2\nlease_seconds = 10\n";

const WAIT: Duration = Duration::from_secs(30);

/// Registers `participant`'s endpoint as the operator; the secret.
async fn register(app: &TestApp, participant: &str, url: &str) -> String {
    let (status, body) = call(
        app,
        &app.operator_token,
        Method::PUT,
        &format!("/v1/participants/{participant}/webhook"),
        None,
        Some(&json!({ "url": url })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(keys(&body), ["participant", "secret", "url"]);
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    secret
}

/// A listing by `token` (credit code from `n`); its id.
async fn listing(app: &TestApp, token: &str, n: u32) -> String {
    let (status, body) = call(
        app,
        token,
        Method::POST,
        "/v1/providers",
        None,
        Some(&provider_of("hk-daojia", n, &["110105000000"])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// The events the receiver took (answered 2xx), as `events::summary` writes them.
fn delivered_summary(receiver: &Receiver) -> Vec<String> {
    let events: Vec<Value> = receiver.delivered().iter().map(Received::event).collect();
    summary(&events)
}

fn distinct_delivered(received: &[Received]) -> usize {
    let mut ids: Vec<&str> = received
        .iter()
        .filter(|r| r.answered == 200)
        .map(Received::id)
        .collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

async fn deliveries(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    call(
        app,
        token,
        Method::GET,
        &format!("/v1/webhook-deliveries{query}"),
        None,
        None,
    )
    .await
}

async fn in_order_signed_through_failures(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let receiver = Receiver::start().await;
    // The first event fails three times (once asking to wait a second), then passes.
    receiver.script([
        Answer::Status(500),
        Answer::RetryAfter(503, 1),
        Answer::Status(502),
    ]);
    let secret = register(app, "hk-daojia", &receiver.url).await;
    let id = listing(app, &hk, 1).await;
    update_listing(app, &hk, &id, 1, 1).await;
    update_listing(app, &hk, &id, 1, 2).await;
    let second = listing(app, &hk, 2).await;
    receiver
        .wait_until(WAIT, |r| distinct_delivered(r) == 4)
        .await;

    let received = receiver.received();
    for request in &received {
        assert!(signed_by(request, &secret), "{request:?}");
        assert_eq!(request.event()["id"].as_str(), Some(request.id()));
        assert_eq!(request.headers["content-type"], "application/json");
        let at: i64 = request.headers["webhook-timestamp"].parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((now - at).abs() < 300, "a fresh timestamp: {at}");
    }
    // Retries carry the first attempt's id; nothing later came before it was through.
    let answered: Vec<(String, u16)> = received
        .iter()
        .map(|r| (r.id().to_owned(), r.answered))
        .collect();
    assert_eq!(
        answered[..4].iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        [500, 503, 502, 200]
    );
    assert!(answered[..4].iter().all(|(id, _)| *id == answered[0].0));
    let order = delivered_summary(&receiver);
    assert_eq!(
        order,
        [
            format!("provider.created {id} v1"),
            format!("provider.updated {id} v2"),
            format!("provider.updated {id} v3"),
            format!("provider.created {second} v1"),
        ]
    );
    assert_eq!(
        keys(&receiver.delivered()[0].event()),
        ["id", "occurredAt", "resource", "type"]
    );
    // Seven requests, answered with a body each, over one kept connection.
    assert_eq!(receiver.connections(), 1);

    // The participant sees its deliveries; another participant sees none of them.
    let (status, page) = deliveries(app, &hk, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let listed = page["deliveries"].as_array().unwrap();
    assert_eq!(listed.len(), 4, "{page}");
    assert!(listed.iter().all(|d| d["status"] == "DELIVERED"), "{page}");
    assert_eq!(
        (&listed[0]["attempts"], &listed[0]["lastStatus"]),
        (&json!(4), &json!(200))
    );
    let (_, failed) = deliveries(app, &hk, "?status=failed").await;
    assert_eq!(ids(&failed, "deliveries"), Vec::<String>::new());
    let (status, none) = deliveries(app, &app.token, "").await;
    assert_eq!((status, ids(&none, "deliveries")), (StatusCode::OK, vec![]));
    let (status, _) = deliveries(app, &app.token, "?participant=hk-daojia").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, all) = deliveries(app, &app.operator_token, "?participant=hk-daojia").await;
    assert_eq!((status, ids(&all, "deliveries").len()), (StatusCode::OK, 4));

    // Only the operator registers endpoints.
    let (status, _) = call(
        app,
        &hk,
        Method::PUT,
        "/v1/participants/hk-daojia/webhook",
        None,
        Some(&json!({"url": receiver.url})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
both_with!(in_order, in_order_signed_through_failures, QUICK_RETRIES);

async fn failures_redirects_gone_and_rotation(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let receiver = Receiver::start().await;
    receiver.script([Answer::Redirect]);
    let first_secret = register(app, "hk-daojia", &receiver.url).await;
    let id = listing(app, &hk, 1).await;
    update_listing(app, &hk, &id, 1, 1).await;
    // The redirected one fails at once (one attempt); the next goes on.
    receiver
        .wait_until(WAIT, |r| distinct_delivered(r) == 1 && r.len() == 2)
        .await;
    assert!(
        receiver.received().iter().all(|r| r.path == "/hook"),
        "the redirect was not followed"
    );
    let (_, failed) = deliveries(app, &hk, "?status=failed").await;
    let failed = failed["deliveries"].as_array().unwrap().clone();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["lastStatus"], 302);
    assert!(
        failed[0]["lastError"]
            .as_str()
            .unwrap()
            .contains("redirect"),
        "{failed:?}"
    );
    assert_eq!(failed[0]["event"]["resource"]["version"], 1);

    // Sent again, it arrives.
    let (status, again) = call(
        app,
        &hk,
        Method::POST,
        &format!(
            "/v1/webhook-deliveries/{}:redeliver",
            failed[0]["id"].as_str().unwrap()
        ),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, &again["status"]),
        (StatusCode::OK, &json!("PENDING"))
    );
    receiver
        .wait_until(WAIT, |r| distinct_delivered(r) == 2)
        .await;
    let (_, failed) = deliveries(app, &hk, "?status=failed").await;
    assert_eq!(ids(&failed, "deliveries"), Vec::<String>::new());

    // 410: the endpoint is disabled, and later events wait for it.
    receiver.script([Answer::Status(410)]);
    update_listing(app, &hk, &id, 1, 2).await;
    receiver.wait_until(WAIT, |r| r.len() == 4).await;
    update_listing(app, &hk, &id, 1, 3).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 4, "nothing after 410");
    let (_, failed) = deliveries(app, &hk, "?status=failed").await;
    assert_eq!(failed["deliveries"][0]["lastStatus"], 410, "{failed}");

    // Registered again: enabled, with a new secret; the old one still signs beside it.
    let second_secret = register(app, "hk-daojia", &receiver.url).await;
    assert_ne!(first_secret, second_secret);
    // What came while it was disabled comes now, and what follows.
    update_listing(app, &hk, &id, 1, 4).await;
    receiver.wait_until(WAIT, |r| r.len() == 6).await;
    let latest = receiver.received().pop().unwrap();
    assert!(signed_by(&latest, &second_secret) && signed_by(&latest, &first_secret));
    assert_eq!(latest.headers["webhook-signature"].split(' ').count(), 2);
    assert_eq!(latest.event()["resource"]["version"], 5);
}
both_with!(failures, failures_redirects_gone_and_rotation, ONE_ATTEMPT);

async fn a_withdrawal_stops_the_grantees_webhooks(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let receiver = Receiver::start().await;
    register(app, "hk-daojia", &receiver.url).await;
    let senior_id = held_senior(app, 1).await;
    let consent = grant_from(
        app,
        &app.token,
        &senior_id,
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC"],
    )
    .await;
    let (status, _) = app
        .put(
            &format!("/v1/seniors/{senior_id}"),
            1,
            &senior(1, "110105013000"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let is = |kind: &'static str, version: i64| {
        move |r: &[Received]| {
            r.iter()
                .any(|r| r.event()["type"] == kind && r.event()["resource"]["version"] == version)
        }
    };
    receiver.wait_until(WAIT, is("senior.updated", 2)).await;
    let (status, _) = call(
        app,
        &app.token,
        Method::POST,
        &format!("/v1/consents/{consent}:withdraw"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .put(
            &format!("/v1/seniors/{senior_id}"),
            2,
            &senior(1, "110105013000"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    listing(app, &hk, 9).await;
    receiver.wait_until(WAIT, is("provider.created", 1)).await;
    let delivered = delivered_summary(&receiver);
    assert!(
        delivered.contains(&format!("consent.withdrawn {consent} v2")),
        "{delivered:?}"
    );
    assert!(
        !delivered.contains(&format!("senior.updated {senior_id} v3")),
        "{delivered:?}"
    );
}
both_with!(
    withdrawal,
    a_withdrawal_stops_the_grantees_webhooks,
    QUICK_RETRIES
);
