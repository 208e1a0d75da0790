//! /v1/providers/{id}/workers: workers live under their provider, unique by certificate
//! within it, and are found only there.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{
    both,
    common::{PORTAL, TestApp, fixture_of, problem_type, provider, send},
};

async fn workers_live_under_their_provider(app: &TestApp) {
    let (_, created) = app
        .post("/v1/providers", &provider(8, &["110105000000"]))
        .await;
    let provider_id = created["id"].as_str().unwrap();
    let workers = format!("/v1/providers/{provider_id}/workers");
    let worker = fixture_of("worker", "nurse.json", PORTAL);
    let (status, made) = app.post(&workers, &worker).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["providerId"], provider_id);
    let (status, again) = app.post(&workers, &worker).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a certificate is unique within its provider: {again}"
    );
    let path = format!("{workers}/{}", made["id"].as_str().unwrap());
    let (status, fetched) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, made);
    let mut left = worker.clone();
    left["status"] = "LEFT".into();
    let (status, updated) = app.put(&path, 1, &left).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["status"], "LEFT");
    let (status, page) = app.get(&workers).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["workers"].as_array().unwrap().len(), 1);
    let (status, _) = app
        .post(
            "/v1/providers/prv_01JC8W9Q4M5V3X2K7T6N1R0B9A/workers",
            &worker,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(&format!(
            "/v1/providers/prv_01JC8W9Q4M5V3X2K7T6N1R0B9A/workers/{}",
            made["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a worker is only found under its own provider"
    );
}
both!(workers, workers_live_under_their_provider);

async fn worker_updates_need_the_current_version(app: &TestApp) {
    let (_, created) = app
        .post("/v1/providers", &provider(8, &["110105000000"]))
        .await;
    let workers = format!("/v1/providers/{}/workers", created["id"].as_str().unwrap());
    let worker = fixture_of("worker", "nurse.json", PORTAL);
    let (status, made) = app.post(&workers, &worker).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let path = format!("{workers}/{}", made["id"].as_str().unwrap());
    let mut left = worker.clone();
    left["status"] = "LEFT".into();

    // No If-Match: 428; a version that is not the current one: 412 naming the current.
    let (status, problem) = send(app.request(Method::PUT, &path).json(&left)).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{problem}");
    assert_eq!(problem_type(&problem), "precondition-required");
    let stale = app
        .request(Method::PUT, &path)
        .header("if-match", "\"7\"")
        .json(&left)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.headers()["etag"], "\"1\"");
    let problem: Value = stale.json().await.unwrap();
    assert_eq!(problem_type(&problem), "version-mismatch");
    assert_eq!(problem["currentVersion"], 1);
    let (_, fetched) = app.get(&path).await;
    assert_eq!(fetched, made, "neither refusal changed the worker");

    // The current version: 200, the next version, and it is the current one now.
    let response = app
        .request(Method::PUT, &path)
        .header("if-match", "\"1\"")
        .json(&left)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (&updated["version"], &updated["status"]),
        (&2.into(), &"LEFT".into())
    );
    let stale = app
        .request(Method::PUT, &path)
        .header("if-match", "\"1\"")
        .json(&worker)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.headers()["etag"], "\"2\"");
    let problem: Value = stale.json().await.unwrap();
    assert_eq!(problem_type(&problem), "version-mismatch");
    assert_eq!(problem["currentVersion"], 2);
}
both!(worker_versions, worker_updates_need_the_current_version);
