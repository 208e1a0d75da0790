//! `/v1/alerts`: the alerts a caller may read, and a regulator's acknowledging and
//! resolving them (`{id}:acknowledge`, `{id}:resolve`, with `If-Match`).

use axum::{Json, extract::State, http::StatusCode, response::Response};
use jiayang_domain::{
    Gateway, PageRequest,
    alerts::{self, AlertFilter, Handling},
};
use serde::Deserialize;
use serde_json::Value;

use super::{
    extract::{ActionBody, Calling, IfMatch, Path, Query},
    reply,
};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

pub async fn get(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(id): Path<String>,
) -> Result<Response> {
    let found = alerts::get(&gateway, &call, &id).await?;
    Ok(reply::with_etag(StatusCode::OK, found))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
    rule: Option<String>,
    status: Option<String>,
    provider: Option<String>,
    district: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub async fn list(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Query(q): Query<AlertQuery>,
) -> Result<Json<Value>> {
    let page = PageRequest::new(&call, q.page_size, q.page_token);
    let filter = AlertFilter {
        rule: q.rule,
        status: q.status,
        provider_id: q.provider,
        district: q.district,
        from: q.from,
        to: q.to,
    };
    let found = alerts::list(&gateway, &call, &page, &filter).await?;
    Ok(reply::page("alerts", found))
}

/// `POST /v1/alerts/{id}:acknowledge` and `:resolve` (the path segment holds the id and
/// the verb).
pub async fn action(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(segment): Path<String>,
    IfMatch(version): IfMatch,
    body: ActionBody,
) -> Result<Response> {
    let (id, verb) = segment.rsplit_once(':').ok_or(ApiError::UnknownRoute)?;
    let handling = match verb {
        "acknowledge" => Handling::Acknowledge,
        "resolve" => Handling::Resolve,
        _ => return Err(ApiError::UnknownRoute),
    };
    let note = body.text("note", alerts::MAX_NOTE)?;
    let handled = alerts::handle(&gateway, &call, id, handling, note, version).await?;
    Ok(reply::with_etag(StatusCode::OK, handled))
}
