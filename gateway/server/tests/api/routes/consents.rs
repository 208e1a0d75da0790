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

async fn an_action_body_that_is_not_an_object_of_texts_is_a_problem_naming_it(app: &TestApp) {
    let withdraw = |body: &'static [u8]| {
        send(
            app.request(Method::POST, "/v1/consents/cns_x:withdraw")
                .header("content-type", "application/json")
                .body(body),
        )
    };
    for (body, rule, path) in [
        (&b"true"[..], "type", ""),
        (b"\0", "json-syntax", ""),
        (b"{\"reason\": 5}", "type", "/reason"),
    ] {
        let (status, problem) = withdraw(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["violations"][0]["rule"], rule, "{problem}");
        assert_eq!(problem["violations"][0]["path"], path, "{problem}");
    }
    // No body, or a reason: the consent is looked up (and there is none).
    let (status, problem) = withdraw(b"").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (status, problem) = withdraw(b"{\"reason\": \"moved away\"}").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
}
both!(
    action_bodies,
    an_action_body_that_is_not_an_object_of_texts_is_a_problem_naming_it
);

async fn a_method_a_route_does_not_take_is_405_with_the_methods_it_does(app: &TestApp) {
    for (method, path, allow) in [
        (Method::PUT, "/v1/consents/cns_x", "GET"),
        (Method::DELETE, "/v1/consents/cns_x", "GET"),
        (Method::GET, "/v1/consents/cns_x:withdraw", "POST"),
        (Method::PUT, "/v1/seniors", "GET, POST"),
        (Method::DELETE, "/v1/seniors/sen_x", "GET, PUT"),
        (Method::HEAD, "/v1/seniors/sen_x", "GET, PUT"),
    ] {
        let response = app.request(method.clone(), path).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        if method != Method::HEAD {
            let problem: Value = response.json().await.unwrap();
            assert!(
                problem["type"]
                    .as_str()
                    .unwrap()
                    .ends_with("/method-not-allowed"),
                "{problem}"
            );
        }
    }
    // The same without credentials: the route is settled first, and its `Allow` holds.
    let anonymous = app
        .client
        .put(app.url("/v1/consents/cns_x:withdraw"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(anonymous.headers()["allow"], "POST");
    // An unknown verb is no route at all.
    let (status, _) = send(app.request(Method::POST, "/v1/consents/cns_x:erase")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
both!(
    methods,
    a_method_a_route_does_not_take_is_405_with_the_methods_it_does
);
