//! What the scenarios share: requests as a given participant (declaring a purpose or
//! not), over REST and gRPC; the ids and keys of what comes back; the portal's grants.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, authorized, consent, fixture, provider_of, send};

/// A request as `token`, declaring `purpose` when given.
pub fn request(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    purpose: Option<&str>,
) -> reqwest::RequestBuilder {
    let request = app.request_as(token, method, path);
    match purpose {
        Some(purpose) => request.header("x-jiayang-purpose", purpose),
        None => request,
    }
}

/// A request as `token`, declaring `purpose` and sending `body` when given; the answer.
pub async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    purpose: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = request(app, method, path, token, purpose);
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

/// A gRPC request as `token`, declaring `purpose`.
pub fn bearer<T>(token: &str, purpose: &str, message: T) -> tonic::Request<T> {
    let mut request = authorized(token, message);
    request
        .metadata_mut()
        .insert("x-jiayang-purpose", purpose.parse().unwrap());
    request
}

/// The ids of a page's items (`plural`: `seniors`, `serviceRecords`), in order.
pub fn ids(page: &Value, plural: &str) -> Vec<String> {
    page[plural]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A document's top-level names, sorted; none for anything but an object.
pub fn keys(document: &Value) -> Vec<String> {
    let mut keys: Vec<String> = document
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// The portal grants `grantee` `categories` of `senior` for `purposes`.
pub async fn grant(
    app: &TestApp,
    senior: &str,
    grantee: &str,
    purposes: &[&str],
    categories: &[&str],
) {
    grant_from(app, &app.token, senior, grantee, purposes, categories).await;
}

/// [`grant`] recorded by the holder whose token is `holder`, for its registration; the
/// consent's id.
pub async fn grant_from(
    app: &TestApp,
    holder: &str,
    senior: &str,
    grantee: &str,
    purposes: &[&str],
    categories: &[&str],
) -> String {
    let mut consent = consent(senior);
    consent["grantee"] = grantee.into();
    consent["purposes"] = json!(purposes);
    consent["categories"] = json!(categories);
    consent["validFrom"] = "2026-01-01".into();
    consent["validUntil"] = "2099-12-31".into();
    let (status, body) = send(
        app.request_as(holder, Method::POST, "/v1/consents")
            .json(&consent),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// A provider listing (see `common::provider`) by the participant whose token is `token`,
/// with the worker of the record fixture's certificate; the listing's id.
pub async fn listing_with_nurse(app: &TestApp, token: &str) -> String {
    let (status, listing) = call(
        app,
        token,
        Method::POST,
        "/v1/providers",
        None,
        Some(&provider_of("hk-daojia", 1, &["110105000000"])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{listing}");
    let id = listing["id"].as_str().unwrap().to_owned();
    let (status, body) = call(
        app,
        token,
        Method::POST,
        &format!("/v1/providers/{id}/workers"),
        None,
        Some(&fixture("worker", "nurse.json")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    id
}

/// Updates the listing `id` (credit code from `n`, see `common::provider`) by `token`
/// from `version`: an event every participant receives.
pub async fn update_listing(app: &TestApp, token: &str, id: &str, n: u32, version: i64) {
    let mut listing = provider_of("hk-daojia", n, &["110105000000"]);
    listing["name"] = format!("家政 {n} 第 {version} 版").into();
    let (status, body) = send(
        app.request_as(token, Method::PUT, &format!("/v1/providers/{id}"))
            .header("if-match", format!("\"{version}\""))
            .json(&listing),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
