//! /v1/service-records: references resolved on write (or violations naming their path),
//! filters, batches, updates at a version, and idempotent retries. Who sees which
//! record: `scenarios/service_record_visibility.rs`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    both,
    common::{PORTAL, TestApp, assert_versioned_update, fixture_of, provider, senior},
};

/// A senior, a provider with one worker; returns (senior id, senior, provider id, provider).
async fn world(app: &TestApp) -> (String, Value, String, Value) {
    let senior_body = senior(1, "110105013000");
    let (_, s) = app.post("/v1/seniors", &senior_body).await;
    let provider_body = provider(1, &["110105000000"]);
    let (_, p) = app.post("/v1/providers", &provider_body).await;
    let provider_id = p["id"].as_str().unwrap().to_owned();
    let (status, w) = app
        .post(
            &format!("/v1/providers/{provider_id}/workers"),
            &fixture_of("worker", "nurse.json", PORTAL),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    (
        s["id"].as_str().unwrap().to_owned(),
        senior_body,
        provider_id,
        provider_body,
    )
}

fn record(senior: Value, provider: Value) -> Value {
    let mut record = fixture_of("service-record", "design-example.json", PORTAL);
    record["senior"] = senior;
    record["provider"] = provider;
    record
}

async fn references_resolve_to_ids_however_they_are_given(app: &TestApp) {
    let (senior_id, senior_body, provider_id, provider_body) = world(app).await;
    let forms = [
        (
            json!({"seniorId": senior_id}),
            json!({"providerId": provider_id}),
        ),
        (
            json!({"identityNumber": senior_body["identityDocument"]["number"]}),
            json!({"uscc": provider_body["uscc"]}),
        ),
        (
            json!({"externalId": {"participant": "bj-elder-portal", "id": "LNR-000001"}}),
            json!({"externalId": {"participant": PORTAL, "id": "S1"}}),
        ),
    ];
    for (i, (senior_ref, provider_ref)) in forms.into_iter().enumerate() {
        let mut body = record(senior_ref, provider_ref);
        body["externalIds"] = json!([{"participant": PORTAL, "id": format!("HK-{i}")}]);
        let (status, created) = app.post("/v1/service-records", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(
            created["senior"],
            json!({"seniorId": senior_id}),
            "stored as an id, never an ID number"
        );
        assert_eq!(created["provider"], json!({"providerId": provider_id}));
        assert_eq!(created["submittedBy"], "bj-elder-portal");
        let (_, fetched) = app
            .get(&format!(
                "/v1/service-records/{}",
                created["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(fetched, created);
    }
}
both!(references, references_resolve_to_ids_however_they_are_given);

async fn unresolved_references_are_violations_naming_their_path(app: &TestApp) {
    let (_, _, provider_id, _) = world(app).await;
    let mut body = record(
        json!({"identityNumber": "11010519491231002X"}),
        json!({"providerId": provider_id}),
    );
    // An unknown worker certificate is no refusal: verification raises WORKER_UNCERTIFIED
    // on the stored record (`scenarios/verification.rs`).
    body["worker"]["certificateNo"] = "BJSM-2026-999999".into();
    let (status, problem) = app.post("/v1/service-records", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let found: Vec<(&str, &str)> = problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["path"].as_str().unwrap(), v["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        vec![("/senior/identityNumber", "reference-unresolved")]
    );
    let body = record(
        json!({"seniorId": "sen_01JC8W9Q4M5V3X2K7T6N1R0B9A"}),
        json!({"uscc": "91110105MA01ABCD13"}),
    );
    let (_, problem) = app.post("/v1/service-records", &body).await;
    let paths: Vec<&str> = problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/senior/seniorId", "/provider/uscc"]);
}
both!(
    unresolved,
    unresolved_references_are_violations_naming_their_path
);

/// A batch's references are resolved together before its items are validated: one the
/// database cannot hold (PostgreSQL stores no NUL) still fails only its own item.
async fn a_reference_no_database_holds_fails_only_its_item(app: &TestApp) {
    let (senior_id, _, provider_id, _) = world(app).await;
    let bad = record(
        json!({"seniorId": "sen_\u{0}"}),
        json!({"providerId": provider_id}),
    );
    let mut foreign = record(
        json!({"externalId": {"participant": "hk-\u{0}", "id": "L\u{0}"}}),
        json!({"providerId": provider_id}),
    );
    foreign["externalIds"] = json!([{"participant": PORTAL, "id": "R-NUL-2"}]);
    let good = record(
        json!({"seniorId": senior_id}),
        json!({"providerId": provider_id}),
    );
    let (status, body) = app
        .post(
            "/v1/service-records:batchCreate",
            &json!({"serviceRecords": [bad, foreign, good]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for refused in &body["results"].as_array().unwrap()[..2] {
        let rules: Vec<&Value> = refused["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| &v["rule"])
            .collect();
        assert!(rules.contains(&&json!("control-character")), "{body}");
    }
    assert!(body["results"][2]["id"].is_string(), "{body}");
}
both!(
    nul_reference,
    a_reference_no_database_holds_fails_only_its_item
);

async fn records_filter_by_senior_provider_time_and_status(app: &TestApp) {
    let (senior_id, _, provider_id, _) = world(app).await;
    let (_, other) = app.post("/v1/seniors", &senior(2, "110105013000")).await;
    let other_id = other["id"].as_str().unwrap();
    let mut bodies = Vec::new();
    for (i, (who, day, status)) in [
        (&senior_id, "03", "COMPLETED"),
        (&senior_id, "04", "COMPLETED"),
        (&other_id.to_owned(), "05", "CANCELLED"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = record(json!({"seniorId": who}), json!({"providerId": provider_id}));
        body["externalIds"] = json!([{"participant": PORTAL, "id": format!("R{i}")}]);
        body["scheduled"] = json!({"start": format!("2026-11-{day}T01:00:00Z"), "end": format!("2026-11-{day}T03:00:00Z")});
        body["checkIn"]["at"] = format!("2026-11-{day}T01:02:10Z").into();
        body["checkOut"]["at"] = format!("2026-11-{day}T03:01:40Z").into();
        if status == "CANCELLED" {
            body["status"] = status.into();
            body.as_object_mut().unwrap().remove("checkIn");
            body.as_object_mut().unwrap().remove("checkOut");
        }
        bodies.push(body);
    }
    let (status, results) = app
        .post(
            "/v1/service-records:batchCreate",
            &json!({"serviceRecords": bodies}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        results["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"].is_string()),
        "{results}"
    );
    // Which records, by the external ids given above: a count alone would take the wrong
    // record for the right one.
    let found = |query: String| async move {
        let (status, page) = app.get(&format!("/v1/service-records?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let mut found: Vec<String> = page["serviceRecords"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["externalIds"][0]["id"].as_str().unwrap().to_owned())
            .collect();
        found.sort();
        found
    };
    assert_eq!(found(format!("senior={senior_id}")).await, ["R0", "R1"]);
    assert_eq!(found(format!("senior={other_id}")).await, ["R2"]);
    assert_eq!(
        found(format!("provider={provider_id}")).await,
        ["R0", "R1", "R2"]
    );
    assert_eq!(found("status=CANCELLED".into()).await, ["R2"]);
    assert_eq!(found("status=COMPLETED".into()).await, ["R0", "R1"]);
    assert_eq!(
        found("from=2026-11-04T00:00:00Z".into()).await,
        ["R1", "R2"]
    );
    // from ≤ start < to, at R1's very start.
    assert_eq!(
        found("from=2026-11-04T01:00:00Z".into()).await,
        ["R1", "R2"]
    );
    assert_eq!(found("to=2026-11-04T01:00:00Z".into()).await, ["R0"]);
    assert_eq!(
        found("from=2026-11-04T00:00:00Z&to=2026-11-05T00:00:00Z".into()).await,
        ["R1"]
    );
    assert_eq!(
        found("from=2026-11-04T08:00:00%2B08:00&to=2026-11-05T08:00:00%2B08:00".into()).await,
        ["R1"]
    );
    assert_eq!(
        found(format!("senior={senior_id}&from=2026-11-04T00:00:00Z")).await,
        ["R1"]
    );
    let (status, problem) = app.get("/v1/service-records?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["violations"][0]["path"], "/from");
    let (status, found) = app
        .post(
            "/v1/service-records:lookup",
            &json!({"externalId": {"participant": PORTAL, "id": "R1"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["checkIn"]["at"], "2026-11-04T01:02:10Z");
}
both!(
    record_filters,
    records_filter_by_senior_provider_time_and_status
);

async fn records_update_with_if_match(app: &TestApp) {
    let (senior_id, _, provider_id, _) = world(app).await;
    let body = record(
        json!({"seniorId": senior_id}),
        json!({"providerId": provider_id}),
    );
    let (_, created) = app.post("/v1/service-records", &body).await;
    let path = format!("/v1/service-records/{}", created["id"].as_str().unwrap());
    let mut changed = body.clone();
    changed["rating"] = json!({"stars": 4});
    let (status, updated) = app.put(&path, 1, &changed).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["rating"]["stars"], 4);
    assert_eq!(updated["version"], 2);
}
both!(record_update, records_update_with_if_match);

async fn record_updates_need_the_current_version(app: &TestApp) {
    let (senior_id, _, provider_id, _) = world(app).await;
    let body = record(
        json!({"seniorId": senior_id}),
        json!({"providerId": provider_id}),
    );
    let (status, created) = app.post("/v1/service-records", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/v1/service-records/{}", created["id"].as_str().unwrap());
    let mut changed = body.clone();
    changed["rating"] = json!({"stars": 4});

    let updated = assert_versioned_update(app, &path, &created, &changed).await;
    assert_eq!(updated["rating"]["stars"], 4);
}
both!(record_versions, record_updates_need_the_current_version);

/// Records often carry no external id: then only the idempotency key stops a retry from
/// storing the record twice, even when the retries race.
async fn racing_retries_of_a_record_without_external_ids_store_it_once(app: &TestApp) {
    let (senior_id, _, provider_id, _) = world(app).await;
    let mut body = record(
        json!({"seniorId": senior_id}),
        json!({"providerId": provider_id}),
    );
    body.as_object_mut().unwrap().remove("externalIds");
    let answers = futures::future::join_all((0..8).map(|_| {
        crate::common::send(
            app.request(reqwest::Method::POST, "/v1/service-records")
                .header("idempotency-key", "retry-1")
                .json(&body),
        )
    }))
    .await;
    let ids: std::collections::BTreeSet<&str> = answers
        .iter()
        .map(|(_, b)| b["id"].as_str().unwrap_or_else(|| panic!("{b}")))
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    let (_, page) = app
        .get(&format!("/v1/service-records?senior={senior_id}"))
        .await;
    assert_eq!(page["serviceRecords"].as_array().unwrap().len(), 1);
}
both!(
    racing_retries,
    racing_retries_of_a_record_without_external_ids_store_it_once
);
