//! Seeding through the gateway's own REST API, before anything is timed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{BoxError, fixtures, harness::Harness};

/// Providers per seeding batch.
const SEED_BATCH: usize = 500;

/// What service records refer to.
#[derive(Clone, Debug)]
pub struct World {
    /// The first senior (the raw inserts' rows name it).
    pub senior_id: String,
    pub provider_id: String,
    pub spread: fixtures::Spread,
}

async fn post(
    h: &Harness,
    client: &reqwest::Client,
    path: &str,
    body: &Value,
) -> Result<Value, BoxError> {
    let response = client
        .post(h.url(path))
        .header("authorization", h.bearer())
        .json(body)
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if !matches!(status, StatusCode::OK | StatusCode::CREATED) {
        return Err(format!("POST {path}: {status} {body}").into());
    }
    Ok(body)
}

/// `count` providers spread over the districts (`fixtures::provider`), in batches.
pub async fn providers(
    h: &Harness,
    client: &reqwest::Client,
    count: usize,
) -> Result<(), BoxError> {
    let districts = fixtures::districts();
    let mut n = 0;
    while n < count {
        let end = (n + SEED_BATCH).min(count);
        let batch: Vec<Value> = (n..end)
            .map(|i| fixtures::provider(i, &districts))
            .collect();
        let answer = post(
            h,
            client,
            "/v1/providers:batchCreate",
            &json!({ "providers": batch }),
        )
        .await?;
        let results = answer["results"].as_array().cloned().unwrap_or_default();
        if let Some(failed) = results.iter().find(|r| !r["id"].is_string()) {
            return Err(format!("seeding providers: {failed}").into());
        }
        n = end;
    }
    Ok(())
}

/// The seniors and the provider (numbered past the search providers) with its workers
/// that service records are spread over (`fixtures::Spread`).
pub async fn world(
    h: &Harness,
    client: &reqwest::Client,
    provider_number: usize,
) -> Result<World, BoxError> {
    let seniors: Vec<Value> = (0..fixtures::SENIORS)
        .map(fixtures::senior_numbered)
        .collect();
    let answer = post(
        h,
        client,
        "/v1/seniors:batchCreate",
        &json!({ "seniors": seniors }),
    )
    .await?;
    let senior_ids = answer["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["id"].as_str().map(str::to_owned))
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| format!("seeding seniors: {answer}"))?;
    let provider = post(
        h,
        client,
        "/v1/providers",
        &fixtures::provider(provider_number, &fixtures::districts()),
    )
    .await?;
    let provider_id = provider["id"].as_str().ok_or("provider id")?.to_owned();
    let workers = format!("/v1/providers/{provider_id}/workers");
    for n in 0..fixtures::WORKERS {
        post(h, client, &workers, &fixtures::worker_numbered(n)).await?;
    }
    let hour = 3_600_000_000;
    Ok(World {
        senior_id: senior_ids[0].clone(),
        spread: fixtures::Spread {
            seniors: senior_ids,
            provider_id: provider_id.clone(),
            base: jiayang_store::now_micros() - 70 * hour,
        },
        provider_id,
    })
}
