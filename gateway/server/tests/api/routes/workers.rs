//! /v1/providers/{id}/workers: workers live under their provider, unique by certificate
//! within it, and are found only there.

use reqwest::StatusCode;

use crate::{
    both,
    common::{PORTAL, TestApp, assert_versioned_update, fixture_of, provider},
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

    let updated = assert_versioned_update(app, &path, &made, &left).await;
    assert_eq!(updated["status"], "LEFT");
}
both!(worker_versions, worker_updates_need_the_current_version);
