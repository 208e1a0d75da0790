//! `/v1/participants`: the operator's registry over the API. Credentials are in the
//! answer that issues them and nowhere else.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use jiayang_domain::{
    Gateway,
    participants::{self, Credentials, Status},
};
use serde_json::{Value, json};

use super::extract::{JsonBody, Path};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

fn credentials_json(c: &Credentials) -> Value {
    json!({"token": c.token, "certificatePem": c.certificate_pem, "keyPem": c.key_pem})
}

pub async fn list(State(gateway): State<Gateway>) -> Result<Json<Value>> {
    let all = participants::list(&gateway.store).await?;
    Ok(Json(json!({ "participants": all })))
}

/// Registers a participant; its credentials are in this answer only.
pub async fn add(State(gateway): State<Gateway>, JsonBody(body): JsonBody) -> Result<Response> {
    let registered = participants::register(&gateway, body).await?;
    let answer = json!({
        "id": registered.id,
        "kind": registered.kind.as_str(),
        "credentials": credentials_json(&registered.credentials),
    });
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `POST /v1/participants/{id}:suspend | :resume | :rotate`.
pub async fn action(
    State(gateway): State<Gateway>,
    Path(segment): Path<String>,
) -> Result<Json<Value>> {
    let (id, verb) = segment.rsplit_once(':').ok_or(ApiError::UnknownRoute)?;
    let status = match verb {
        "suspend" => Status::Suspended,
        "resume" => Status::Active,
        "rotate" => {
            let credentials = participants::rotate(&gateway.store, &gateway.tls, id).await?;
            return Ok(Json(
                json!({"id": id, "credentials": credentials_json(&credentials)}),
            ));
        }
        _ => return Err(ApiError::UnknownRoute),
    };
    participants::set_status(&gateway.store, id, status).await?;
    Ok(Json(json!({"id": id, "status": status.as_str()})))
}
