//! The handlers every resource shares: create (idempotent), batch create, update (at the
//! If-Match version). Each makes one domain call.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use jiayang_domain::{
    Error, Gateway,
    resource::{self, Resource},
    rules,
};
use jiayang_schemas::Violation;
use serde_json::Value;

use super::{
    extract::{Batching, Calling, IdempotencyHeader, IfMatch, JsonBody, Path},
    reply,
};
use crate::{error::ApiError, request::RequestLang};

type Result<T> = std::result::Result<T, ApiError>;

pub async fn create<R: Resource>(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    IdempotencyHeader(key): IdempotencyHeader,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let created = resource::create::<R>(&gateway, &call, None, body, key.as_deref()).await?;
    Ok(reply::created(created))
}

pub async fn update<R: Resource>(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let updated = resource::update::<R>(&gateway, &call, None, &id, body, version).await?;
    Ok(reply::with_etag(StatusCode::OK, updated))
}

/// The body of a batch create: the plural name of the resource holding the items.
fn batch_items(body: Value) -> std::result::Result<Vec<Value>, Error> {
    let items = match body {
        Value::Object(mut object) if object.len() == 1 => {
            object.values_mut().next().map(Value::take)
        }
        _ => None,
    };
    match items {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(Error::invalid(Violation::new(
            "",
            rules::BATCH_FORMAT,
            "批量请求体应为 {\"<复数资源名>\": [...]}",
            "a batch body is {\"<plural>\": [...]}",
        ))),
    }
}

pub async fn batch_create<R: Resource>(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    _batching: Batching,
    RequestLang(lang): RequestLang,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let results = resource::batch_create::<R>(&gateway, &call, None, batch_items(body)?).await?;
    Ok(reply::batch_results(&results, lang))
}

/// A resource without personal data, by id.
pub async fn fetch<R: Resource>(
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Response> {
    let found = resource::get::<R>(&gateway, None, &id).await?;
    Ok(reply::with_etag(StatusCode::OK, found))
}

/// A resource without personal data, by a participant's external id.
pub async fn lookup<R: Resource>(
    State(gateway): State<Gateway>,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let (participant, id) = crate::lookup::external_only(super::extract::lookup_key(body)?)?;
    let found = resource::lookup_external::<R>(&gateway, &participant, &id).await?;
    Ok(reply::with_etag(StatusCode::OK, found).into_response())
}
