//! The event feed's lag: service records created at a fixed rate (open loop, REST) while
//! one gRPC subscriber (the portal, which holds every senior) follows the feed. The lag
//! of a record is from its event's `occurredAt` (stamped in the writing transaction,
//! just before its commit) to the event's arrival at the subscriber, both read from this
//! machine's clock; the samples are these lags.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use jiayang_proto::v1::{
    SubscribeRequest, event_service_client::EventServiceClient, subscribe_response::Message,
};
use reqwest::StatusCode;
use serde_json::Value;

use super::{excerpt, window};
use crate::{
    BoxError,
    config::Config,
    driver::Outcome,
    fixtures,
    harness::Harness,
    report::{Label, Measurement, Rate},
    seed::World,
};

/// How long events may still come after the last create.
const DRAIN: Duration = Duration::from_secs(15);

/// The cursor at the feed's head now, read through the long-poll.
async fn head(h: &Harness, client: &reqwest::Client) -> Result<String, BoxError> {
    let mut cursor = String::new();
    loop {
        let url = h.url(&format!("/v1/events?limit=1000&after={cursor}"));
        let url = if cursor.is_empty() {
            h.url("/v1/events?limit=1000")
        } else {
            url
        };
        let page: Value = client
            .get(url)
            .header("authorization", h.bearer())
            .send()
            .await?
            .json()
            .await?;
        let next = page["cursor"].as_str().ok_or("a cursor")?.to_owned();
        let empty = page["events"].as_array().is_none_or(Vec::is_empty);
        if empty && next == cursor {
            return Ok(cursor);
        }
        cursor = next;
    }
}

pub async fn lag(h: &Harness, config: &Config, world: &World) -> Result<Measurement, BoxError> {
    let client = h.rest_client()?;
    let cursor = head(h, &client).await?;
    // Each record's lag, in microseconds.
    let received: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let mut events = EventServiceClient::new(h.channel().await?);
    let mut request = tonic::Request::new(SubscribeRequest { cursor });
    request
        .metadata_mut()
        .insert("authorization", h.bearer().parse()?);
    let mut stream = events.subscribe(request).await?.into_inner();
    let follower = {
        let received = received.clone();
        tokio::spawn(async move {
            while let Ok(Some(message)) = stream.message().await {
                if let Some(Message::Event(event)) = message.message
                    && event.r#type == "service_record.created"
                    && let (Some(resource), Some(occurred)) = (event.resource, event.occurred_at)
                {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_micros() as i64;
                    let occurred = occurred.seconds * 1_000_000 + i64::from(occurred.nanos / 1_000);
                    received
                        .lock()
                        .unwrap()
                        .insert(resource.id, (now - occurred).max(0) as u64);
                }
            }
        })
    };

    let created: Arc<Mutex<Vec<String>>> = Arc::default();
    let errors: Arc<Mutex<(u64, Option<String>)>> = Arc::default();
    let period = Duration::from_secs_f64(1.0 / f64::from(config.feed_rate.max(1)));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let url = Arc::new(h.url("/v1/service-records"));
    let bearer = Arc::new(h.bearer());
    let mut sent = Vec::new();
    let mut i = 0usize;
    while started.elapsed() < config.duration {
        ticks.tick().await;
        let body = fixtures::record(&world.spread.record(window::FEED, i), &format!("FEED-{i}"));
        let (client, url, bearer, created, errors) = (
            client.clone(),
            url.clone(),
            bearer.clone(),
            created.clone(),
            errors.clone(),
        );
        sent.push(tokio::spawn(async move {
            let answer = client
                .post(url.as_str())
                .header("authorization", bearer.as_str())
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            let failure = match answer {
                Ok(response) if response.status() == StatusCode::CREATED => {
                    match response.json::<Value>().await {
                        Ok(record) => {
                            let id = record["id"].as_str().unwrap_or_default().to_owned();
                            created.lock().unwrap().push(id);
                            return;
                        }
                        Err(error) => error.to_string(),
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    let body = response.bytes().await.unwrap_or_default();
                    format!("{status}: {}", excerpt(&body))
                }
                Err(error) => error.to_string(),
            };
            let mut errors = errors.lock().unwrap();
            errors.0 += 1;
            errors.1.get_or_insert(failure);
        }));
        i += 1;
    }
    for task in sent {
        let _ = task.await;
    }
    let elapsed = started.elapsed();
    let deadline = Instant::now() + DRAIN;
    loop {
        let all_in = {
            let created = created.lock().unwrap();
            let received = received.lock().unwrap();
            created.iter().all(|id| received.contains_key(id))
        };
        if all_in || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    follower.abort();
    let created = created.lock().unwrap();
    let received = received.lock().unwrap();
    let mut outcome = Outcome {
        elapsed,
        ..Outcome::default()
    };
    for id in created.iter() {
        match received.get(id) {
            Some(lag) => {
                outcome.latencies_us.push(*lag);
                outcome.records += 1;
            }
            None => {
                outcome.errors += 1;
                outcome
                    .first_error
                    .get_or_insert_with(|| "an event never arrived".into());
            }
        }
    }
    let (failed, first) = errors.lock().unwrap().clone();
    outcome.errors += failed;
    if first.is_some() {
        outcome.first_error = first;
    }
    Ok(Measurement::new(
        Label {
            scenario: "feed-lag",
            target: "gateway",
            transport: "rest create, grpc stream",
            database: h.database,
            clients: 1,
            latency_of: format!(
                "commit → event received, {} creates/s offered",
                config.feed_rate
            ),
        },
        &outcome,
        Rate::Records,
    ))
}
