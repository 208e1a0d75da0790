//! Webhooks: the operator registers a participant's endpoint
//! (`PUT /v1/participants/{id}/webhook`, the secret in this answer only); a participant
//! lists its deliveries and has one sent again (`/v1/webhook-deliveries`).

use axum::{Json, extract::State};
use jiayang_domain::{
    Gateway, PageRequest,
    webhooks::{self, DeliveryFilter},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    extract::{Calling, JsonBody, Path, Query},
    reply,
};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

pub async fn set(
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let url = body["url"].as_str().unwrap_or_default();
    let registered = webhooks::register(
        &gateway.store,
        &gateway.keys,
        &gateway.webhook_policy,
        &id,
        url,
    )
    .await?;
    Ok(Json(json!({
        "participant": registered.participant,
        "url": registered.url,
        "secret": registered.secret,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
    status: Option<String>,
    participant: Option<String>,
}

pub async fn list(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Query(q): Query<DeliveryQuery>,
) -> Result<Json<Value>> {
    let page = PageRequest::new(&call, q.page_size, q.page_token);
    let filter = DeliveryFilter {
        status: q.status,
        participant: q.participant,
    };
    let found = webhooks::list_deliveries(&gateway, &call, &page, &filter).await?;
    Ok(reply::page("deliveries", found))
}

/// `POST /v1/webhook-deliveries/{id}:redeliver`.
pub async fn redeliver(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(segment): Path<String>,
) -> Result<Json<Value>> {
    let (id, verb) = segment.rsplit_once(':').ok_or(ApiError::UnknownRoute)?;
    if verb != "redeliver" {
        return Err(ApiError::UnknownRoute);
    }
    Ok(Json(webhooks::redeliver(&gateway, &call, id).await?))
}
