//! The REST API (axum). Handlers only convert: path, query, headers and JSON in; the
//! domain call; JSON out. Errors are returned as `ApiError` and rendered once, in the
//! caller's language, by `crate::http::problems`.

mod extract;
mod handlers;
mod native;

use axum::{
    Router,
    routing::{get, post},
};

use crate::{
    app::AppState,
    domain::{providers::Providers, records::ServiceRecords, seniors::Seniors},
};

pub use extract::{etag, parse_if_match};
pub use handlers::WITHHELD as WITHHELD_CATEGORIES;

/// Every REST route of the API (operations endpoints live in `crate::ops`).
pub fn routes() -> Router<AppState> {
    use handlers::*;
    Router::new()
        .route("/v1/seniors", post(create::<Seniors>).get(list_seniors))
        .route("/v1/seniors:batchCreate", post(batch_create::<Seniors>))
        .route("/v1/seniors:lookup", post(lookup_senior))
        .route("/v1/seniors/{id}", get(fetch_senior).put(update::<Seniors>))
        .route("/v1/seniors/{id}/access-history", get(access_history))
        .route("/v1/seniors/{id}/consents", get(senior_consents))
        .route("/v1/consents", post(create_consent))
        .route(
            "/v1/participants",
            get(list_participants).post(add_participant),
        )
        .route("/v1/participants/{id}", post(participant_action))
        .route("/v1/consents/{id}", get(fetch_consent).post(consent_action))
        .route(
            "/v1/service-records",
            post(create::<ServiceRecords>).get(list_service_records),
        )
        .route(
            "/v1/service-records:batchCreate",
            post(batch_create::<ServiceRecords>),
        )
        .route("/v1/service-records:lookup", post(lookup_record))
        .route(
            "/v1/service-records/{id}",
            get(fetch_record).put(update::<ServiceRecords>),
        )
        .route(
            "/v1/providers",
            post(create::<Providers>).get(list_providers),
        )
        .route("/v1/providers:batchCreate", post(batch_create::<Providers>))
        .route("/v1/providers:lookup", post(lookup::<Providers>))
        .route(
            "/v1/providers/{id}",
            get(fetch::<Providers>).put(update::<Providers>),
        )
        .route(
            "/v1/providers/{id}/workers",
            post(create_worker).get(list_workers),
        )
        .route(
            "/v1/providers/{id}/workers/{worker_id}",
            get(fetch_worker).put(update_worker),
        )
        .route("/v1/catalog/service-items", get(service_items))
        .route(
            "/v1/native/{format}/{kind}",
            post(native::import).get(native::export),
        )
        .route_layer(axum::middleware::from_fn(crate::http::mark_route))
}

/// Every REST route as (method, path template), for the OpenAPI completeness test.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/seniors"),
    ("get", "/v1/seniors"),
    ("post", "/v1/seniors:batchCreate"),
    ("post", "/v1/seniors:lookup"),
    ("get", "/v1/seniors/{id}"),
    ("put", "/v1/seniors/{id}"),
    ("get", "/v1/seniors/{id}/access-history"),
    ("get", "/v1/seniors/{id}/consents"),
    ("post", "/v1/consents"),
    ("get", "/v1/consents/{id}"),
    ("post", "/v1/consents/{id}:withdraw"),
    ("get", "/v1/participants"),
    ("post", "/v1/participants"),
    ("post", "/v1/participants/{id}:suspend"),
    ("post", "/v1/participants/{id}:resume"),
    ("post", "/v1/participants/{id}:rotate"),
    ("post", "/v1/service-records"),
    ("get", "/v1/service-records"),
    ("post", "/v1/service-records:batchCreate"),
    ("post", "/v1/service-records:lookup"),
    ("get", "/v1/service-records/{id}"),
    ("put", "/v1/service-records/{id}"),
    ("post", "/v1/providers"),
    ("get", "/v1/providers"),
    ("post", "/v1/providers:batchCreate"),
    ("post", "/v1/providers:lookup"),
    ("get", "/v1/providers/{id}"),
    ("put", "/v1/providers/{id}"),
    ("post", "/v1/providers/{id}/workers"),
    ("get", "/v1/providers/{id}/workers"),
    ("get", "/v1/providers/{id}/workers/{worker_id}"),
    ("put", "/v1/providers/{id}/workers/{worker_id}"),
    ("get", "/v1/catalog/service-items"),
    ("post", "/v1/native/{format}/{kind}"),
    ("get", "/v1/native/{format}/{kind}"),
];
