//! `/v1/consents`: a consent as its holder, its grantee or a regulator may see it, and
//! its withdrawal. Creates: `resource.rs` (a consent is a resource like any other).

use axum::{extract::State, http::StatusCode, response::Response};
use jiayang_domain::{Gateway, consents};

use super::{
    extract::{ActionBody, Calling, Path},
    reply,
};
use crate::error::ApiError;

type Result<T> = std::result::Result<T, ApiError>;

pub async fn get(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(id): Path<String>,
) -> Result<Response> {
    let found = consents::get(&gateway, &call, &id).await?;
    Ok(reply::with_etag(StatusCode::OK, found))
}

/// `POST /v1/consents/{id}:withdraw` (the path segment holds the id and the verb).
pub async fn action(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(segment): Path<String>,
    body: ActionBody,
) -> Result<Response> {
    let Some(id) = segment.strip_suffix(":withdraw") else {
        return Err(ApiError::UnknownRoute);
    };
    // The consent's withdrawalReason is a Text (at most 500 characters).
    let reason = body.text("reason", 500)?;
    let withdrawn = consents::withdraw(&gateway, &call, id, reason).await?;
    Ok(reply::with_etag(StatusCode::OK, withdrawn))
}
