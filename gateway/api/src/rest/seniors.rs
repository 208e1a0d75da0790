//! `/v1/seniors`: what a caller may see of profiles (one, searched for, a page), and a
//! senior's access history and consents. Creates and updates: `resource.rs`.

use axum::{Json, extract::State, response::Response};
use jiayang_domain::{Gateway, PageRequest, consents, history, release};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    extract::{Calling, JsonBody, Path, Query, lookup_key},
    reply,
};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

/// A senior's profile as the caller may see it for the purpose it declares.
pub async fn get(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(id): Path<String>,
) -> Result<Response> {
    Ok(reply::released(
        release::senior(&gateway, &call, &id).await?,
    ))
}

/// Seniors are found by external id or by resident ID number, which travels in the body.
pub async fn lookup(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let found = release::lookup_senior(&gateway, &call, &lookup_key(body)?).await?;
    Ok(reply::released(found))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeniorQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
    division: Option<String>,
    status: Option<String>,
}

pub async fn list(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Query(q): Query<SeniorQuery>,
) -> Result<Json<Value>> {
    let page = PageRequest::new(&call, q.page_size, q.page_token);
    let released = release::seniors(
        &gateway,
        &call,
        &page,
        q.division.as_deref(),
        q.status.as_deref(),
    )
    .await?;
    Ok(reply::released_page("seniors", released))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    page_size: Option<u64>,
}

/// Who accessed one senior's data, when, how and for what purpose; newest first, at
/// most `pageSize` (default 20, up to 200) entries of the audit log.
pub async fn access_history(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Value>> {
    let accesses = history::access_history(&gateway, &call, &id, q.page_size).await?;
    Ok(Json(json!({ "accesses": accesses })))
}

/// A senior's consents (all of them to its holder; a grantee sees its own).
pub async fn consents(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let found = consents::list_for_senior(&gateway, &call, &id).await?;
    Ok(Json(json!({ "consents": found })))
}
