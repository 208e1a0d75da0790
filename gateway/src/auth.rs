//! Authentication of every API request, REST and gRPC alike: a bearer API token, looked
//! up by its hash on every request so that a revoked token stops working at once.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sea_orm::EntityTrait;

use crate::{
    app::AppState,
    crypto::token_hash,
    domain::Caller,
    error::ApiError,
    http::{RequestLang, is_grpc},
    store::entity::{api_token, participant},
};

/// Puts the authenticated [`Caller`] into the request, or answers 401 / UNAUTHENTICATED.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let grpc = is_grpc(request.headers());
    if grpc && crate::grpc::is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    let outcome = match token {
        None => Err(ApiError::Unauthenticated),
        Some(token) => caller_for(&state, &token).await,
    };
    match outcome {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(error) if grpc => {
            let lang = request
                .extensions()
                .get::<RequestLang>()
                .copied()
                .unwrap_or_default()
                .0;
            error.to_status(lang).into_http()
        }
        Err(error) => error.into_response(),
    }
}

async fn caller_for(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let db = &state.gateway.store.db;
    let found = api_token::Entity::find_by_id(token_hash(token))
        .one(db)
        .await?;
    let Some(found) = found.filter(|t| t.revoked_at.is_none()) else {
        return Err(ApiError::Unauthenticated);
    };
    let active = participant::Entity::find_by_id(found.participant_id.clone())
        .one(db)
        .await?
        .is_some_and(|p| p.status == "ACTIVE");
    if !active {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Caller {
        participant: found.participant_id,
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)
    }
}
