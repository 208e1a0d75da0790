//! Bulk loads of service records: one gRPC client stream (`ImportServiceRecords`) and REST
//! `:batchCreate` requests. Every record has its own external id; the documents are built
//! before the clock starts.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use jiayang_proto::v1::{ServiceRecord, service_record_service_client::ServiceRecordServiceClient};
use reqwest::StatusCode;
use serde::Deserialize;

use super::{create::record_message, excerpt, window};
use crate::{
    BoxError,
    config::Config,
    driver::{Limits, closed_loop},
    fixtures,
    harness::Harness,
    report::{Label, Measurement, Rate, single},
    seed::World,
};

/// A bulk load gets this long at most.
const IMPORT_LIMIT: Duration = Duration::from_secs(600);

/// All `import_records` records in one `ImportServiceRecords` stream.
pub async fn grpc(h: &Harness, config: &Config, world: &World) -> Result<Measurement, BoxError> {
    let n = config.import_records;
    let records: Vec<ServiceRecord> = (0..n)
        .map(|i| record_message(&world.spread, window::IMPORT_GRPC, i, &format!("IMP-G{i}")))
        .collect::<Result<_, _>>()?;
    let mut client = ServiceRecordServiceClient::new(h.channel().await?)
        .max_decoding_message_size(256 * 1024 * 1024);
    let mut request = tonic::Request::new(tokio_stream::iter(records));
    request
        .metadata_mut()
        .insert("authorization", h.bearer().parse()?);
    let started = Instant::now();
    let answer = tokio::time::timeout(IMPORT_LIMIT, client.import_service_records(request)).await;
    let elapsed = started.elapsed();
    let (imported, error) = match answer {
        Err(_) => (0, Some("time-out".to_owned())),
        Ok(Err(status)) => (
            0,
            Some(format!("{:?}: {}", status.code(), status.message())),
        ),
        Ok(Ok(summary)) => {
            let summary = summary.into_inner();
            let error =
                (summary.imported as usize != n || !summary.rejected.is_empty()).then(|| {
                    format!(
                        "imported {} of {n}; first rejected: {:?}",
                        summary.imported,
                        summary.rejected.first()
                    )
                });
            (summary.imported as u64, error)
        }
    };
    Ok(Measurement::new(
        Label {
            scenario: "bulk-import",
            target: "gateway",
            transport: "grpc/tls",
            database: h.database,
            clients: 1,
            latency_of: format!("{n}-record stream"),
        },
        &single(elapsed, imported, error),
        Rate::Records,
    ))
}

#[derive(Deserialize)]
struct BatchAnswer {
    results: Vec<ItemResult>,
}

#[derive(Deserialize)]
struct ItemResult {
    id: Option<String>,
}

/// `import_records` records as `POST /v1/service-records:batchCreate` requests of
/// `batch_size`, `batch_clients` at a time.
pub async fn rest(h: &Harness, config: &Config, world: &World) -> Result<Measurement, BoxError> {
    let n = config.import_records;
    let size = config.batch_size.max(1);
    let batches: Vec<(usize, String)> = (0..n)
        .step_by(size)
        .map(|start| {
            let end = (start + size).min(n);
            let items: Vec<String> = (start..end)
                .map(|i| {
                    let template = world.spread.record(window::IMPORT_REST, i);
                    fixtures::record(&template, &format!("IMP-R{i}"))
                })
                .collect();
            (
                end - start,
                format!("{{\"serviceRecords\":[{}]}}", items.join(",")),
            )
        })
        .collect();
    let limits = Limits {
        duration: IMPORT_LIMIT,
        max_requests: batches.len() as u64,
    };
    let batches = Arc::new(batches);
    let clients = Arc::new(
        (0..config.batch_clients.max(1))
            .map(|_| h.rest_client())
            .collect::<Result<Vec<_>, _>>()?,
    );
    let url = Arc::new(h.url("/v1/service-records:batchCreate"));
    let bearer = Arc::new(h.bearer());
    let outcome = closed_loop(clients.len(), limits, move |client, sequence| {
        let (batches, clients, url, bearer) = (
            batches.clone(),
            clients.clone(),
            url.clone(),
            bearer.clone(),
        );
        async move {
            let (count, body) = &batches[sequence as usize];
            let response = clients[client]
                .post(url.as_str())
                .header("authorization", bearer.as_str())
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let answer = response.bytes().await.map_err(|e| e.to_string())?;
            if status != StatusCode::OK {
                return Err(format!("{status}: {}", excerpt(&answer)));
            }
            let answer: BatchAnswer = serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
            let created = answer.results.iter().filter(|r| r.id.is_some()).count();
            if created != *count {
                return Err(format!("{created} of {count} created"));
            }
            Ok(created as u64)
        }
    })
    .await;
    Ok(Measurement::new(
        Label {
            scenario: "bulk-import",
            target: "gateway",
            transport: "rest/h2/tls",
            database: h.database,
            clients: config.batch_clients.max(1),
            latency_of: format!("{size}-record batch"),
        },
        &outcome,
        Rate::Records,
    ))
}
