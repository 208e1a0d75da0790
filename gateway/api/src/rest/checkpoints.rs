//! `GET /v1/audit/checkpoints/{seq}`: a signed checkpoint of the audit chain, with what
//! checks it, for a participant to keep (the feed announces each one).

use axum::{Json, extract::State};
use jiayang_domain::{Gateway, checkpoints};
use serde_json::Value;

use super::extract::Path;
use crate::error::ApiError;

pub async fn get(
    State(gateway): State<Gateway>,
    Path(seq): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let found = checkpoints::get(&gateway.store, &gateway.keys, &seq).await?;
    Ok(Json(found))
}
