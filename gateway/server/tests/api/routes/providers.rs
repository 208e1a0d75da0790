//! /v1/providers: created, found by district, service item, kind and library, updated,
//! looked up, and kept unique by credit code. Their workers: `workers.rs`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both,
    common::{PORTAL, TestApp, assert_stale, problem_type, provider, send},
};

fn ids(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = page["providers"]
        .as_array()
        .unwrap_or_else(|| panic!("not a provider page: {page}"))
        .iter()
        .map(|p| p["externalIds"][0]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn providers_are_found_by_district_item_kind_and_library(app: &TestApp) {
    // S1 serves all of Chaoyang; S2 one Chaoyang street; S3 Dongcheng; S4 all of Beijing.
    let mut s2 = provider(2, &["110105013000"]);
    s2["kind"] = "COMMUNITY_STATION".into();
    s2["offerings"] = json!([{"serviceItem": "MEAL_DELIVERY", "name": "送餐", "priceFen": 1500, "unit": "PER_MEAL"}]);
    s2["packages"] = json!([]);
    let mut s3 = provider(3, &["110101000000"]);
    s3["inProviderLibrary"] = false.into();
    let s4 = provider(4, &["110000000000"]);
    for body in [provider(1, &["110105000000"]), s2, s3, s4] {
        let (status, created) = app.post("/v1/providers", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let list =
        |query: &'static str| async move { app.get(&format!("/v1/providers?{query}")).await.1 };
    assert_eq!(
        ids(&list("district=110105000000").await),
        ["S1", "S2", "S4"],
        "the district, a street in it, the city"
    );
    assert_eq!(
        ids(&list("district=110105013000").await),
        ["S1", "S2", "S4"],
        "a street: its district and itself"
    );
    assert_eq!(
        ids(&list("district=110105014000").await),
        ["S1", "S4"],
        "another street of the district"
    );
    assert_eq!(ids(&list("district=110101001000").await), ["S3", "S4"]);
    assert_eq!(
        ids(&list("serviceItem=MEAL_DELIVERY").await),
        ["S1", "S2", "S3", "S4"],
        "offerings and packages"
    );
    assert_eq!(
        ids(&list("serviceItem=CLEANING_DAILY").await),
        ["S1", "S3", "S4"]
    );
    assert_eq!(ids(&list("kind=COMMUNITY_STATION").await), ["S2"]);
    assert_eq!(ids(&list("inProviderLibrary=false").await), ["S3"]);
    assert_eq!(
        ids(&list("district=110105000000&serviceItem=CLEANING_DAILY&inProviderLibrary=true").await),
        ["S1", "S4"]
    );
}
both!(
    provider_filters,
    providers_are_found_by_district_item_kind_and_library
);

async fn providers_update_look_up_and_keep_credit_codes_unique(app: &TestApp) {
    let body = provider(5, &["110105000000"]);
    let (_, created) = app.post("/v1/providers", &body).await;
    let path = format!("/v1/providers/{}", created["id"].as_str().unwrap());
    let mut changed = body.clone();
    changed["serviceArea"] = json!(["110101000000"]);
    let (status, updated) = app.put(&path, 1, &changed).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["version"], 2);
    // The area index follows the update.
    assert_eq!(
        ids(&app.get("/v1/providers?district=110105000000").await.1),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&app.get("/v1/providers?district=110101000000").await.1),
        ["S5"]
    );
    let (status, found) = app
        .post(
            "/v1/providers:lookup",
            &json!({"externalId": {"participant": PORTAL, "id": "S5"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["id"], created["id"]);
    let mut same_code = provider(6, &["110105000000"]);
    same_code["uscc"] = body["uscc"].clone();
    let (status, problem) = app.post("/v1/providers", &same_code).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, results) = app
        .post(
            "/v1/providers:batchCreate",
            &json!({"providers": [provider(7, &["110105000000"]), same_code]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(results["results"][0]["id"].is_string());
    assert_eq!(results["results"][1]["error"]["status"], 409);
}
both!(
    provider_crud,
    providers_update_look_up_and_keep_credit_codes_unique
);

async fn updates_need_the_current_version_and_pages_their_own_token(app: &TestApp) {
    let body = provider(8, &["110105000000"]);
    let (_, created) = app.post("/v1/providers", &body).await;
    let path = format!("/v1/providers/{}", created["id"].as_str().unwrap());
    // No If-Match: 428; a version that is not the current one: 412 naming the current.
    let (status, problem) = send(app.request(Method::PUT, &path).json(&body)).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{problem}");
    assert_eq!(problem_type(&problem), "precondition-required");
    let (status, updated) = app.put(&path, 1, &body).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_stale(app, &path, &body, 1, 2).await;

    // A page token is good for the query that made it only.
    for n in 9..12 {
        app.post("/v1/providers", &provider(n, &["110105000000"]))
            .await;
    }
    let (status, page) = app
        .get("/v1/providers?pageSize=2&district=110105000000")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = page["nextPageToken"].as_str().expect("a second page");
    for bad in [
        format!("/v1/providers?pageSize=2&pageToken={token}"),
        "/v1/providers?pageToken=not-a-token".to_owned(),
    ] {
        let (status, problem) = app.get(&bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {problem}");
        assert_eq!(problem_type(&problem), "invalid-page-token", "{bad}");
    }
    // Nor for another reader: another participant, or the same with another purpose;
    // the reader it was made for carries on with it.
    let next = format!("/v1/providers?pageSize=2&district=110105000000&pageToken={token}");
    let hk = app
        .participant(
            "hk-daojia",
            jiayang_domain::ParticipantKind::HousekeepingPlatform,
        )
        .await;
    let (status, problem) = send(app.request_as(&hk, Method::GET, &next)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem_type(&problem), "invalid-page-token");
    let (status, problem) = send(
        app.request(Method::GET, &next)
            .header("x-jiayang-purpose", "EMERGENCY"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem_type(&problem), "invalid-page-token");
    let (status, page) = app.get(&next).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["providers"].as_array().unwrap().len(), 2);
}
both!(
    versions_and_page_tokens,
    updates_need_the_current_version_and_pages_their_own_token
);
