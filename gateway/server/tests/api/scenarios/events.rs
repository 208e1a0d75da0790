//! The change feed (DESIGN §4.5): each participant receives the events about what it may
//! read, judged when it reads (a withdrawal stops a grantee's events about that
//! senior); events carry ids and versions only; long-polls wake on a new event; the gRPC
//! stream sends events, heartbeats and cursors that resume; concurrent writers leave no
//! gap and no reorder for a reader following them.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{
    SubscribeRequest, SubscribeResponse, event_service_client::EventServiceClient,
    subscribe_response::Message,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::{call, grant_from, keys, listing_with_nurse, update_listing};
use crate::{
    both,
    common::{TestApp, authorized, fixture, held_senior, provider_of, send, senior},
};

/// One long-poll as `token`: the events and the cursor.
async fn poll(
    app: &TestApp,
    token: &str,
    after: Option<&str>,
    wait: u64,
    limit: u64,
) -> (Vec<Value>, String) {
    let mut path = format!("/v1/events?waitSeconds={wait}&limit={limit}");
    if let Some(after) = after {
        path.push_str(&format!("&after={after}"));
    }
    let (status, body) = call(app, token, Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(keys(&body), ["cursor", "events"]);
    let events = body["events"].as_array().unwrap().clone();
    (events, body["cursor"].as_str().unwrap().to_owned())
}

/// Reads `token`'s feed from `cursor` until an event matches `last`; everything read,
/// and the cursor after it.
async fn read_until(
    app: &TestApp,
    token: &str,
    mut cursor: Option<String>,
    last: impl Fn(&Value) -> bool,
) -> (Vec<Value>, String) {
    let mut seen = Vec::new();
    let started = Instant::now();
    loop {
        let (events, next) = poll(app, token, cursor.as_deref(), 5, 100).await;
        seen.extend(events);
        cursor = Some(next);
        if seen.iter().any(&last) {
            return (seen, cursor.unwrap());
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the awaited event never came; read {seen:?}"
        );
    }
}

/// `type resource-id vversion` of each event, for comparing feeds.
pub(super) fn summary(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!(
                "{} {} v{}",
                e["type"].as_str().unwrap(),
                e["resource"]["id"].as_str().unwrap(),
                e["resource"]["version"]
            )
        })
        .collect()
}

fn is(kind: &str, id: &str, version: i64) -> impl Fn(&Value) -> bool {
    let (kind, id) = (kind.to_owned(), id.to_owned());
    move |e: &Value| {
        e["type"] == kind && e["resource"]["id"] == id && e["resource"]["version"] == version
    }
}

async fn events_reach_whom_they_concern(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let station = app
        .participant("cy-station", ParticipantKind::CommunityStation)
        .await;
    let regulator = app.participant("bj-mca", ParticipantKind::Regulator).await;
    let portal = app.token.clone();
    let senior_id = held_senior(app, 1).await;
    let provider_id = listing_with_nurse(app, &hk).await;
    let consent_id = grant_from(
        app,
        &portal,
        &senior_id,
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC"],
    )
    .await;
    let mut record = fixture("service-record", "design-example.json");
    record["senior"] = json!({ "seniorId": senior_id });
    record["provider"] = json!({ "providerId": provider_id });
    let (status, stored) = call(
        app,
        &hk,
        Method::POST,
        "/v1/service-records",
        None,
        Some(&record),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let record_id = stored["id"].as_str().unwrap().to_owned();
    let (status, updated) = app
        .put(
            &format!("/v1/seniors/{senior_id}"),
            1,
            &senior(1, "110105013000"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    update_listing(app, &hk, &provider_id, 1, 1).await;
    let marker = is("provider.updated", &provider_id, 2);

    // The portal: its senior, the listing, its consent, the record written under its
    // grant, the update, the marker.
    let (seen, _) = read_until(app, &portal, None, &marker).await;
    let portal_saw = summary(&seen);
    for expected in [
        format!("senior.created {senior_id} v1"),
        format!("provider.created {provider_id} v1"),
        format!("consent.created {consent_id} v1"),
        format!("service_record.created {record_id} v1"),
        format!("senior.updated {senior_id} v2"),
    ] {
        assert!(
            portal_saw.contains(&expected),
            "{expected} in {portal_saw:?}"
        );
    }
    assert!(portal_saw.iter().any(|e| e.starts_with("worker.created")));
    let senior_event = seen.iter().find(|e| e["type"] == "senior.created").unwrap();
    assert_eq!(
        keys(senior_event),
        ["id", "occurredAt", "resource", "senior", "type"]
    );
    assert_eq!(
        senior_event["resource"],
        json!({"kind": "senior", "id": senior_id, "version": 1})
    );
    assert_eq!(senior_event["senior"], json!(senior_id));
    let worker_event = seen.iter().find(|e| e["type"] == "worker.created").unwrap();
    assert_eq!(keys(worker_event), ["id", "occurredAt", "resource", "type"]);
    assert_eq!(worker_event["resource"]["provider"], json!(provider_id));
    // In order, per resource and overall: the senior's versions as they were made.
    let senior_versions: Vec<&Value> = seen
        .iter()
        .filter(|e| e["resource"]["id"] == senior_id)
        .map(|e| &e["resource"]["version"])
        .collect();
    assert_eq!(senior_versions, [&json!(1), &json!(2)]);

    // The platform, under its grant: the senior's events too, its own record.
    let (seen, hk_cursor) = read_until(app, &hk, None, &marker).await;
    let hk_saw = summary(&seen);
    for expected in [
        format!("senior.created {senior_id} v1"),
        format!("consent.created {consent_id} v1"),
        format!("service_record.created {record_id} v1"),
        format!("senior.updated {senior_id} v2"),
    ] {
        assert!(hk_saw.contains(&expected), "{expected} in {hk_saw:?}");
    }

    // The station holds nothing and has no grant: listings only.
    let (seen, station_cursor) = read_until(app, &station, None, &marker).await;
    let kinds: HashSet<&str> = seen
        .iter()
        .map(|e| e["resource"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, HashSet::from(["provider", "worker"]), "{seen:?}");

    // Regulators and the operator: every event, the same feed.
    let (everything, _) = read_until(app, &regulator, None, &marker).await;
    let (operator_saw, _) = read_until(app, &app.operator_token, None, &marker).await;
    let everything = summary(&everything);
    assert_eq!(everything, summary(&operator_saw));
    for event in portal_saw.iter().chain(&hk_saw).chain(&summary(&seen)) {
        assert!(everything.contains(event), "{event} for the regulator too");
    }

    // After the withdrawal the platform hears of it, and of nothing more about the senior.
    let (status, withdrawn) = call(
        app,
        &portal,
        Method::POST,
        &format!("/v1/consents/{consent_id}:withdraw"),
        None,
        Some(&json!({"reason": "家属要求"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    let (status, _) = app
        .put(
            &format!("/v1/seniors/{senior_id}"),
            2,
            &senior(1, "110105013000"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    update_listing(app, &hk, &provider_id, 1, 2).await;
    let marker = is("provider.updated", &provider_id, 3);
    let (seen, _) = read_until(app, &hk, Some(hk_cursor), &marker).await;
    let hk_saw = summary(&seen);
    assert!(
        hk_saw.contains(&format!("consent.withdrawn {consent_id} v2")),
        "{hk_saw:?}"
    );
    assert!(!hk_saw.iter().any(|e| e.contains(&senior_id)), "{hk_saw:?}");
    let (seen, _) = read_until(app, &portal, None, &marker).await;
    assert!(summary(&seen).contains(&format!("senior.updated {senior_id} v3")));
    let (seen, _) = read_until(app, &station, Some(station_cursor), &marker).await;
    assert_eq!(
        summary(&seen),
        [format!("provider.updated {provider_id} v3")]
    );
}
both!(events, events_reach_whom_they_concern);

async fn a_long_poll_wakes_on_the_next_event(app: &TestApp) {
    let (_, cursor) = poll(app, &app.token, None, 0, 100).await;
    // Nothing new: the wait ends empty, where it began.
    let (events, same) = poll(app, &app.token, Some(&cursor), 1, 100).await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(same, cursor);
    let waiting = {
        let (client, url, token) = (
            app.client.clone(),
            app.url(&format!("/v1/events?after={cursor}&waitSeconds=30")),
            app.token.clone(),
        );
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = send(client.get(url).bearer_auth(token)).await;
            (answer, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let senior_id = held_senior(app, 2).await;
    let ((status, body), waited) = waiting.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        summary(body["events"].as_array().unwrap()),
        [format!("senior.created {senior_id} v1")]
    );
    assert!(
        waited < Duration::from_secs(20),
        "woken, not timed out: {waited:?}"
    );
    assert_ne!(body["cursor"], json!(cursor));

    // Cursors the feed never gave are refused, naming the parameter.
    for bad in ["abc", "-1", "999999999"] {
        let (status, problem) = call(
            app,
            &app.token,
            Method::GET,
            &format!("/v1/events?after={bad}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {problem}");
        assert_eq!(problem["violations"][0]["path"], "/after", "{problem}");
    }
}
both!(long_poll, a_long_poll_wakes_on_the_next_event);

async fn next_message(stream: &mut tonic::Streaming<SubscribeResponse>) -> SubscribeResponse {
    tokio::time::timeout(Duration::from_secs(30), stream.message())
        .await
        .expect("a message within the heartbeat interval")
        .expect("the stream stays open")
        .expect("a message")
}

async fn a_stream_sends_events_heartbeats_and_resumes(app: &TestApp) {
    let first = held_senior(app, 3).await;
    let mut client = EventServiceClient::new(app.channel().await);
    let mut stream = client
        .subscribe(authorized(&app.token, SubscribeRequest::default()))
        .await
        .unwrap()
        .into_inner();
    // The feed may be sequencing the first event still: a heartbeat may come first.
    let mut message = next_message(&mut stream).await;
    while matches!(message.message, Some(Message::Heartbeat(_))) {
        message = next_message(&mut stream).await;
    }
    let Some(Message::Event(event)) = message.message else {
        panic!("an event: {message:?}");
    };
    assert_eq!(
        (
            event.r#type.as_str(),
            event.resource.as_ref().unwrap().id.as_str(),
            event.senior.as_str()
        ),
        ("senior.created", first.as_str(), first.as_str())
    );
    let after_first = message.cursor.clone();
    let heartbeat = next_message(&mut stream).await;
    assert!(
        matches!(heartbeat.message, Some(Message::Heartbeat(_))),
        "nothing more waits: {heartbeat:?}"
    );
    let second = held_senior(app, 4).await;
    let message = next_message(&mut stream).await;
    let Some(Message::Event(event)) = message.message else {
        panic!("the new event: {message:?}");
    };
    assert_eq!(event.resource.unwrap().id, second);
    drop(stream);

    // Resuming from the first event's cursor gives the second, and only it.
    let mut resumed = client
        .subscribe(authorized(
            &app.token,
            SubscribeRequest {
                cursor: after_first,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let message = next_message(&mut resumed).await;
    let Some(Message::Event(event)) = message.message else {
        panic!("the second event: {message:?}");
    };
    assert_eq!(event.resource.unwrap().id, second);
    drop(resumed);

    let refused = client
        .subscribe(authorized(
            &app.token,
            SubscribeRequest {
                cursor: "not-a-cursor".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
}
both!(stream, a_stream_sends_events_heartbeats_and_resumes);

/// A participant suspended while subscribed receives nothing more: the next event ends
/// its stream with UNAUTHENTICATED instead of reaching it.
async fn a_suspension_ends_the_stream(app: &TestApp) {
    let station = app
        .participant("cy-station", ParticipantKind::CommunityStation)
        .await;
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let mut client = EventServiceClient::new(app.channel().await);
    let mut stream = client
        .subscribe(authorized(&station, SubscribeRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let first = next_message(&mut stream).await;
    assert!(
        matches!(first.message, Some(Message::Heartbeat(_))),
        "{first:?}"
    );
    let (status, body) = call(
        app,
        &app.operator_token,
        Method::POST,
        "/v1/participants/cy-station:suspend",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    listing_with_nurse(app, &hk).await;
    let ended = tokio::time::timeout(Duration::from_secs(30), stream.message())
        .await
        .expect("an answer within the heartbeat interval");
    let status = ended.expect_err("no event after the suspension");
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
}
both!(suspension, a_suspension_ends_the_stream);

/// Writers in parallel (on PostgreSQL, commits landing out of the order their events
/// were inserted) while a reader follows the feed in small steps: the reader receives
/// exactly the feed, each event once, and each resource's versions in order.
async fn concurrent_writers_leave_no_gap(app: &TestApp) {
    const WRITERS: u32 = 6;
    const UPDATES: i64 = 4;
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (client, base, token) = (app.client.clone(), app.url(""), hk.clone());
            tokio::spawn(async move {
                let n = 100 + w;
                let listing = provider_of("hk-daojia", n, &["110105000000"]);
                let (status, created) = send(
                    client
                        .post(format!("{base}/v1/providers"))
                        .bearer_auth(&token)
                        .json(&listing),
                )
                .await;
                assert_eq!(status, StatusCode::CREATED, "{created}");
                let id = created["id"].as_str().unwrap().to_owned();
                for version in 1..=UPDATES {
                    let mut listing = listing.clone();
                    listing["name"] = format!("家政 {n} 第 {version} 版").into();
                    let (status, body) = send(
                        client
                            .put(format!("{base}/v1/providers/{id}"))
                            .bearer_auth(&token)
                            .header("if-match", format!("\"{version}\""))
                            .json(&listing),
                    )
                    .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                }
            })
        })
        .collect();
    let expected = (WRITERS as usize) * (1 + UPDATES as usize);
    let mut followed: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let started = Instant::now();
    while followed.len() < expected {
        let (events, next) = poll(app, &app.operator_token, cursor.as_deref(), 1, 3).await;
        followed.extend(events);
        cursor = Some(next);
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "followed {} of {expected}",
            followed.len()
        );
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let (whole, _) = poll(app, &app.operator_token, None, 0, 1000).await;
    assert_eq!(
        summary(&followed),
        summary(&whole),
        "the follower saw the feed"
    );
    let ids: HashSet<&str> = whole.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), expected, "each event once");
    let mut versions: HashMap<&str, Vec<i64>> = HashMap::new();
    for event in &whole {
        versions
            .entry(event["resource"]["id"].as_str().unwrap())
            .or_default()
            .push(event["resource"]["version"].as_i64().unwrap());
    }
    for (id, seen) in versions {
        assert_eq!(seen, (1..=1 + UPDATES).collect::<Vec<_>>(), "{id}");
    }
}
both!(concurrent_writers, concurrent_writers_leave_no_gap);

/// A shutdown answers the long-polls waiting on it at once (empty) instead of holding
/// the drain open for their whole wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_ends_waiting_long_polls() {
    let app = TestApp::sqlite().await;
    let (_, cursor) = poll(&app, &app.token, None, 0, 100).await;
    let waiting = {
        let request = app
            .client
            .get(app.url(&format!("/v1/events?after={cursor}&waitSeconds=45")))
            .bearer_auth(&app.token);
        tokio::spawn(send(request))
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    app.stop().await;
    let (status, body) = waiting.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"], json!([]));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the drain did not wait out the poll: {:?}",
        started.elapsed()
    );
}
