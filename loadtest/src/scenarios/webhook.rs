//! Webhook deliveries per second to one receiver on loopback (plain HTTP, answering 200
//! at once): the portal's endpoint is registered, `webhook_events` listings are created
//! in batches (every participant receives listings' events), and the clock runs from the
//! first batch's answer to the last delivery's arrival. One endpoint is delivered to in
//! order, one delivery at a time, so this is the rate of one endpoint.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, http::StatusCode, routing::post, serve::ListenerExt};
use serde_json::{Value, json};

use crate::{
    BoxError,
    config::Config,
    driver::Outcome,
    fixtures,
    harness::{Harness, PORTAL},
    report::{Label, Measurement, Rate},
};

/// Listings per seeding batch.
const BATCH: usize = 5000;

/// Numbers the scenario's listings past every other scenario's.
const FIRST: usize = 5_000_000;

/// Longest the deliveries may take.
const LIMIT: Duration = Duration::from_secs(600);

pub async fn deliveries(h: &Harness, config: &Config) -> Result<Measurement, BoxError> {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    // Answers go out at once, as a tuned receiver's would (no Nagle delay).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = Router::new().route(
        "/hook",
        post({
            let arrivals = arrivals.clone();
            move || async move {
                arrivals.lock().unwrap().push(Instant::now());
                StatusCode::NO_CONTENT
            }
        }),
    );
    let receiver = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = h.rest_client()?;
    let registered = client
        .put(h.url(&format!("/v1/participants/{PORTAL}/webhook")))
        .header("authorization", format!("Bearer {}", h.operator_token))
        .json(&json!({ "url": url }))
        .send()
        .await?;
    if !registered.status().is_success() {
        return Err(format!("registering the webhook: {}", registered.text().await?).into());
    }
    let districts = fixtures::districts();
    let n = config.webhook_events;
    let mut started = None;
    for start in (0..n).step_by(BATCH) {
        let batch: Vec<Value> = (start..(start + BATCH).min(n))
            .map(|i| fixtures::provider(FIRST + i, &districts))
            .collect();
        let answer = client
            .post(h.url("/v1/providers:batchCreate"))
            .header("authorization", h.bearer())
            .json(&json!({ "providers": batch }))
            .send()
            .await?;
        if !answer.status().is_success() {
            return Err(format!("creating listings: {}", answer.text().await?).into());
        }
        started.get_or_insert_with(Instant::now);
    }
    let started = started.unwrap_or_else(Instant::now);
    let count = || arrivals.lock().unwrap().len() as u64;
    while count() < n as u64 && started.elapsed() < LIMIT {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    receiver.abort();
    let delivered = count();
    // The samples: the time between one delivery's arrival and the next's.
    let latencies_us = arrivals
        .lock()
        .unwrap()
        .windows(2)
        .map(|pair| pair[1].duration_since(pair[0]).as_micros() as u64)
        .collect();
    let outcome = Outcome {
        latencies_us,
        records: delivered,
        errors: (n as u64).saturating_sub(delivered),
        first_error: (delivered < n as u64).then(|| format!("{delivered} of {n} delivered")),
        elapsed,
    };
    Ok(Measurement::new(
        Label {
            scenario: "webhook-deliveries",
            target: "gateway",
            transport: "https→http loopback",
            database: h.database,
            clients: 1,
            latency_of: "interval between deliveries".into(),
        },
        &outcome,
        Rate::Records,
    ))
}
