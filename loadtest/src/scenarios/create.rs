//! Single service-record creates, each with a unique external id, over REST and gRPC,
//! spread over seniors, workers and times (`fixtures::Spread`).

use std::sync::Arc;

use jiayang_proto::v1::{ServiceRecord, service_record_service_client::ServiceRecordServiceClient};
use reqwest::StatusCode;
use tonic::metadata::{Ascii, MetadataValue};

use super::{excerpt, timed, window};
use crate::{
    BoxError,
    config::Config,
    fixtures::{self, Spread},
    harness::Harness,
    report::{Label, Measurement, Rate},
    seed::World,
};

pub(crate) fn label(
    target: &'static str,
    transport: &'static str,
    h: &Harness,
    config: &Config,
) -> Label {
    Label {
        scenario: "record-create",
        target,
        transport,
        database: h.database,
        clients: config.clients,
        latency_of: "request (1 record)".into(),
    }
}

/// `POST /v1/service-records` with an idempotency key, as a careful client sends it,
/// expecting 201.
pub async fn rest(h: &Harness, config: &Config, world: &World) -> Result<Measurement, BoxError> {
    let clients = (0..config.clients)
        .map(|_| h.rest_client())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rest_to(
        config,
        world,
        clients,
        h.url("/v1/service-records"),
        Some(h.bearer()),
        window::CREATE_REST,
        label("gateway", "rest/h2/tls", h, config),
    )
    .await)
}

/// The REST creates of [`rest`], to `url` (the gateway, or a baseline).
pub(crate) async fn rest_to(
    config: &Config,
    world: &World,
    clients: Vec<reqwest::Client>,
    url: String,
    bearer: Option<String>,
    window: usize,
    label: Label,
) -> Measurement {
    let spread = Arc::new(world.spread.clone());
    let clients = Arc::new(clients);
    let (url, bearer) = (Arc::new(url), Arc::new(bearer));
    let outcome = timed(config, config.clients, move |client, sequence| {
        let (spread, clients, url, bearer) =
            (spread.clone(), clients.clone(), url.clone(), bearer.clone());
        async move {
            let template = spread.record(window, sequence as usize);
            let external = format!("REST-{window}-{sequence}");
            let body = fixtures::record(&template, &external);
            let mut request = clients[client]
                .post(url.as_str())
                .header("content-type", "application/json")
                .header("idempotency-key", external);
            if let Some(bearer) = bearer.as_deref() {
                request = request.header("authorization", bearer);
            }
            let response = request.body(body).send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let answer = response.bytes().await.map_err(|e| e.to_string())?;
            if status != StatusCode::CREATED {
                return Err(format!("{status}: {}", excerpt(&answer)));
            }
            Ok(1)
        }
    })
    .await;
    Measurement::new(label, &outcome, Rate::Requests)
}

/// `CreateServiceRecord`, one channel (connection) per client.
pub async fn grpc(h: &Harness, config: &Config, world: &World) -> Result<Measurement, BoxError> {
    let spread = Arc::new(world.spread.clone());
    let mut clients = Vec::with_capacity(config.clients);
    for _ in 0..config.clients {
        clients.push(ServiceRecordServiceClient::new(h.channel().await?));
    }
    let clients = Arc::new(clients);
    let bearer: MetadataValue<Ascii> = h.bearer().parse()?;
    let outcome = timed(config, config.clients, move |client, sequence| {
        let (spread, clients, bearer) = (spread.clone(), clients.clone(), bearer.clone());
        async move {
            let record = record_message(
                &spread,
                window::CREATE_GRPC,
                sequence as usize,
                &format!("GRPC-{sequence}"),
            )
            .map_err(|e| e.to_string())?;
            let mut request = tonic::Request::new(record);
            request.metadata_mut().insert("authorization", bearer);
            let key = format!("GRPC-{sequence}").parse().map_err(|_| "key")?;
            request.metadata_mut().insert("idempotency-key", key);
            clients[client]
                .clone()
                .create_service_record(request)
                .await
                .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?;
            Ok(1)
        }
    })
    .await;
    Ok(Measurement::new(
        label("gateway", "grpc/tls", h, config),
        &outcome,
        Rate::Requests,
    ))
}

/// Record `i` of `window` as a proto message, with external id `external_id`.
pub(crate) fn record_message(
    spread: &Spread,
    window: usize,
    i: usize,
    external_id: &str,
) -> Result<ServiceRecord, BoxError> {
    let template = spread.record(window, i);
    Ok(serde_json::from_str(&fixtures::record(
        &template,
        external_id,
    ))?)
}
