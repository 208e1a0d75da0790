//! Seeding through the gateway's own REST API, before anything is timed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{BoxError, fixtures, harness::Harness};

/// Providers per seeding batch.
const SEED_BATCH: usize = 500;

/// What service records refer to.
#[derive(Clone, Debug)]
pub struct World {
    pub senior_id: String,
    pub provider_id: String,
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

/// One senior, one provider (numbered past the search providers) and its worker.
pub async fn world(
    h: &Harness,
    client: &reqwest::Client,
    provider_number: usize,
) -> Result<World, BoxError> {
    let senior = post(h, client, "/v1/seniors", &fixtures::senior()).await?;
    let provider = post(
        h,
        client,
        "/v1/providers",
        &fixtures::provider(provider_number, &fixtures::districts()),
    )
    .await?;
    let provider_id = provider["id"].as_str().ok_or("provider id")?.to_owned();
    post(
        h,
        client,
        &format!("/v1/providers/{provider_id}/workers"),
        &fixtures::worker(),
    )
    .await?;
    Ok(World {
        senior_id: senior["id"].as_str().ok_or("senior id")?.to_owned(),
        provider_id,
    })
}
