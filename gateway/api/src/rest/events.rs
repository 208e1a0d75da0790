//! `GET /v1/events`: the change feed as a long-poll. Answers at once when events wait,
//! else when the first arrives or `waitSeconds` pass; `{"events": [...], "cursor": "…"}`,
//! the cursor to send as `after` next.

use std::time::Duration;

use axum::{Json, extract::State};
use jiayang_domain::{Gateway, events};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Calling, Query};
use crate::error::ApiError;

/// Events one answer holds unless the caller asks for another number.
const DEFAULT_LIMIT: u64 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventQuery {
    after: Option<String>,
    wait_seconds: Option<u64>,
    limit: Option<u64>,
}

pub async fn list(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Query(q): Query<EventQuery>,
) -> Result<Json<Value>, ApiError> {
    let wait = Duration::from_secs(q.wait_seconds.unwrap_or(0));
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    let batch = events::poll(&gateway, &call, q.after.as_deref(), wait, limit).await?;
    let events: Vec<Value> = batch.events.into_iter().map(|d| d.event).collect();
    Ok(Json(json!({"events": events, "cursor": batch.cursor})))
}
