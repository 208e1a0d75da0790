//! /v1/consents: a consent is created like every other resource, so a retry with the
//! same `Idempotency-Key` (gRPC: `idempotency-key`) answers what the first one recorded,
//! and the same key with another body is refused. Grants, withdrawal and expiry as the
//! participants live them: `scenarios/consent_lifecycle.rs`.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{Consent, consent_service_client::ConsentServiceClient};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tonic_types::StatusExt;

use crate::{
    both,
    common::{TestApp, authed, consent, held_senior, send, typed},
};

async fn consents_are_created_once_per_idempotency_key(app: &TestApp) {
    let body = consent(&held_senior(app, 1).await);
    assert_eq!(body["grantee"], "hk-daojia", "the grantee registered here");
    app.participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let senior_id = body["senior"]["seniorId"].as_str().unwrap();
    let create = |body: &Value, key: &str| {
        send(
            app.request(Method::POST, "/v1/consents")
                .header("idempotency-key", key)
                .json(body),
        )
    };

    let (status, first) = create(&body, "k1").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let id = first["id"].as_str().unwrap();
    assert!(id.starts_with("cns_"), "{first}");
    let (status, again) = create(&body, "k1").await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], id);
    assert_eq!(again, first);
    let mut other = body.clone();
    other["evidence"]["reference"] = "SQ-2026-0043".into();
    let (status, problem) = create(&other, "k1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/idempotency-key-reused"),
        "{problem}"
    );
    let consents = format!("/v1/seniors/{senior_id}/consents");
    let (status, listed) = app.get(&consents).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed: Vec<&str> = listed["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [id], "one consent for the key");

    // The same over gRPC, with a key of its own.
    let mut client = ConsentServiceClient::new(app.channel().await);
    let keyed = |message: &Consent, key: &str| {
        let mut request = authed(app, message.clone());
        request
            .metadata_mut()
            .insert("idempotency-key", key.parse().unwrap());
        request
    };
    let message: Consent = typed(body.clone());
    let created = client
        .create_consent(keyed(&message, "g1"))
        .await
        .unwrap()
        .into_inner();
    assert!(
        created.id.starts_with("cns_") && created.id != id,
        "{created:?}"
    );
    let replayed = client
        .create_consent(keyed(&message, "g1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replayed.id, created.id);
    let refused = client
        .create_consent(keyed(&typed(other), "g1"))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    assert_eq!(
        refused
            .get_error_details()
            .error_info()
            .map(|i| i.reason.as_str()),
        Some("idempotency-key-reused")
    );
    let (_, listed) = app.get(&consents).await;
    assert_eq!(listed["consents"].as_array().unwrap().len(), 2, "{listed}");
}
both!(idempotency, consents_are_created_once_per_idempotency_key);
