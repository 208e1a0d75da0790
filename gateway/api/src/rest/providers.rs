//! `/v1/providers` lists and a provider's workers (`/v1/providers/{id}/workers`), and the
//! service catalog. Listings carry no personal data. Provider creates, updates, gets and
//! lookups: `resource.rs`.

use axum::{Json, extract::State, http::StatusCode, response::Response};
use jiayang_domain::{
    Gateway, PageRequest, Providers, Workers, catalog, providers::ProviderFilter, resource,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    extract::{Calling, IdempotencyHeader, IfMatch, JsonBody, PageQuery, Path, Query},
    reply,
};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
    district: Option<String>,
    service_item: Option<String>,
    kind: Option<String>,
    in_provider_library: Option<bool>,
}

pub async fn list(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Query(q): Query<ProviderQuery>,
) -> Result<Json<reply::RawPage>> {
    let page = PageRequest::new(&call, q.page_size, q.page_token);
    let filter = ProviderFilter {
        district: q.district,
        service_item: q.service_item,
        kind: q.kind,
        in_provider_library: q.in_provider_library,
    };
    Ok(reply::raw_page(
        "providers",
        Providers::list(&gateway, &page, &filter).await?,
    ))
}

pub async fn create_worker(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(provider_id): Path<String>,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let created =
        resource::create::<Workers>(&gateway, &call, Some(&provider_id), body, key.as_deref())
            .await?;
    Ok(reply::created(created))
}

pub async fn list_workers(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(provider_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Value>> {
    let page = PageRequest::new(&call, q.page_size, q.page_token);
    Ok(reply::page(
        "workers",
        Workers::list(&gateway, &provider_id, &page).await?,
    ))
}

pub async fn get_worker(
    State(gateway): State<Gateway>,
    Path((provider_id, id)): Path<(String, String)>,
) -> Result<Response> {
    let found = resource::get::<Workers>(&gateway, Some(&provider_id), &id).await?;
    Ok(reply::with_etag(StatusCode::OK, found))
}

pub async fn update_worker(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path((provider_id, id)): Path<(String, String)>,
    IfMatch(version): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let updated =
        resource::update::<Workers>(&gateway, &call, Some(&provider_id), &id, body, version)
            .await?;
    Ok(reply::with_etag(StatusCode::OK, updated))
}

pub async fn service_items() -> Json<Value> {
    Json(json!({ "serviceItems": catalog::service_items() }))
}
