//! The cost of consent enforcement on a read: one senior's profile, held by a portal
//! and granted to a housekeeping platform, read through two bare handlers on the same
//! gateway state and TLS set-up. One reads it as the gateway reads any profile
//! (decrypting the sealed fields); the other releases it to the grantee as
//! `GET /v1/seniors/{id}` does: grants looked up, the profile minimised, the decision
//! written to the audit log. The ratio of the two is what the check and the audit cost.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use jiayang_domain::{
    Call, Caller, Gateway, ParticipantKind, Seniors,
    participants::{self, NewParticipant},
    release, resource,
};
use jiayang_store::{
    Store,
    audit::{Decision, Entry},
    crypto::Keys,
    pki::TlsFiles,
};
use serde_json::Value;

use super::{bare::Server, excerpt, timed};
use crate::{
    BoxError,
    config::Config,
    harness::{Harness, tls_client},
    report::{Label, Measurement, Rate},
};

const SENIOR: &str = include_str!("../../../schemas/fixtures/senior/valid/design-example.json");
const CONSENT: &str = include_str!("../../../schemas/fixtures/consent/valid/design-example.json");

fn label(target: &'static str, h: &Harness, config: &Config) -> Label {
    Label {
        scenario: "senior-read",
        target,
        transport: "rest/h2/tls",
        database: h.database,
        clients: config.clients,
        latency_of: "request (1 profile)".into(),
    }
}

/// Both reads, plain first.
pub async fn measure(h: &Harness, config: &Config) -> Result<Vec<Measurement>, BoxError> {
    let gateway = Gateway::new(
        Store::open(&h.database_url).await?,
        Keys::load_or_create(&h.data_dir)?,
        TlsFiles::in_dir(&h.data_dir),
    );
    let senior_id = seed(h, &gateway).await?;
    let app = Router::new()
        .route("/plain/{id}", get(plain))
        .route("/consented/{id}", get(consented))
        .with_state(Arc::new(gateway));
    let server = Server::start(app, Some(h.tls.clone())).await?;
    let mut measurements = Vec::new();
    for (route, target) in [("plain", "read only"), ("consented", "consent+audit")] {
        let clients = Arc::new(
            (0..config.clients)
                .map(|_| tls_client(&h.ca_pem, server.addr))
                .collect::<Result<Vec<_>, _>>()?,
        );
        let url = Arc::new(format!(
            "https://localhost:{}/{route}/{senior_id}",
            server.addr.port()
        ));
        let outcome = timed(config, config.clients, move |client, _| {
            let (clients, url) = (clients.clone(), url.clone());
            async move {
                let response = clients[client]
                    .get(url.as_str())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                let body = response.bytes().await.map_err(|e| e.to_string())?;
                if status != StatusCode::OK {
                    return Err(format!("{status}: {}", excerpt(&body)));
                }
                Ok(1)
            }
        })
        .await;
        measurements.push(Measurement::new(
            label(target, h, config),
            &outcome,
            Rate::Requests,
        ));
    }
    server.stop();
    Ok(measurements)
}

/// A housekeeping platform beside the harness's portal; the portal registers a senior
/// through the gateway and grants the platform BASIC, CONTACT and LOCATION for SERVICE_DELIVERY.
async fn seed(h: &Harness, gateway: &Gateway) -> Result<String, BoxError> {
    let ca = TlsFiles::in_dir(&h.data_dir);
    let new = |id: &str, kind| NewParticipant {
        id: id.into(),
        kind,
        name: id.into(),
        uscc: None,
        native_format: None,
    };
    participants::add(
        &gateway.store,
        &ca,
        &new("hk-daojia", ParticipantKind::HousekeepingPlatform),
    )
    .await?;
    let client = h.rest_client()?;
    let post = |path: &str, body: String| {
        client
            .post(h.url(path))
            .bearer_auth(&h.token)
            .header("content-type", "application/json")
            .body(body)
    };
    // Another person than the seeded world's senior (identity numbers are unique).
    let first17 = "11010519440308004";
    let check = jiayang_schemas::id_card_check_digit(first17.as_bytes()).ok_or("a check digit")?;
    let mut profile: Value = serde_json::from_str(SENIOR)?;
    profile["identityDocument"]["number"] = format!("{first17}{}", char::from(check)).into();
    profile["externalIds"] =
        serde_json::json!([{"participant": "bj-elder-portal", "id": "LNR-LOAD"}]);
    let senior: Value = post("/v1/seniors", profile.to_string())
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = senior["id"]
        .as_str()
        .ok_or("the senior has an id")?
        .to_owned();
    let consent = CONSENT.replace("sen_01JC8W9Q4M5V3X2K7T6N1R0B9A", &id);
    post("/v1/consents", consent)
        .send()
        .await?
        .error_for_status()?;
    Ok(id)
}

async fn plain(State(gateway): State<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    match resource::get::<Seniors>(&gateway, None, &id).await {
        Ok(profile) => Json(profile).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// What the gateway's middleware and `GET /v1/seniors/{id}` do together: the release
/// decided, its audit entry committed, then the answer.
async fn consented(State(gateway): State<Arc<Gateway>>, Path(id): Path<String>) -> Response {
    let call = Call::new(
        Caller {
            participant: "hk-daojia".into(),
            kind: ParticipantKind::HousekeepingPlatform,
        },
        Some("SERVICE_DELIVERY".into()),
    );
    let request = Entry {
        participant: call.me().to_owned(),
        action: "GET /v1/seniors/{id}".into(),
        resource: None,
        senior: None,
        purpose: call.purpose.clone(),
        decision: Decision::Allow,
        reason: None,
        categories: None,
        request_id: None,
    };
    let released = release::senior(&gateway, &call, &id).await;
    let entries = call.trail.entries(request);
    match (released, gateway.audit.record(entries).await) {
        (Ok(released), Ok(())) => Json(released.resource).into_response(),
        (Err(error), _) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
        (_, Err(error)) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}
