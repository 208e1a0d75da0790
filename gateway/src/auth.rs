//! Authentication of every API request, REST and gRPC alike: a bearer API token or a
//! client certificate from the gateway's CA, looked up (with its participant, in one
//! query) on every request, so that a revoked credential or a suspended participant
//! stops working at once, on connections already open too.

use axum::{
    extract::{FromRequestParts, MatchedPath, Request, State},
    http::{StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    access,
    app::AppState,
    audit,
    crypto::token_hash,
    domain::Caller,
    error::ApiError,
    http::{RequestId, RequestLang, is_grpc},
    participants::Status,
    store::entity::{api_token, client_certificate, participant},
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
    let certificate = request.extensions().get::<PeerCertificate>().cloned();
    let lang = RequestLang::of(request.extensions());
    let refuse = |error: ApiError| {
        if grpc {
            error.to_status(lang).into_http()
        } else {
            error.into_response()
        }
    };
    let caller = match caller_for(&state, token.as_deref(), certificate.as_ref()).await {
        Ok(caller) => caller,
        Err(error) => return refuse(error),
    };
    let path = request.uri().path();
    if let Err(denied) = access::check(&caller, request.method(), path) {
        let entry = decision_entry(&request, &caller, Some(&denied));
        return match record(&state, vec![entry]).await {
            Ok(()) => refuse(denied),
            Err(error) => refuse(error),
        };
    }
    // Every request reaching seniors' data is audited once the handler has decided (it
    // may still refuse), before its answer leaves: no entry, no answer. Handlers that
    // release seniors' data leave one decision per senior in the trail; any other
    // request gets one entry of its own.
    let audited =
        access::touches_senior_data(path).then(|| decision_entry(&request, &caller, None));
    let trail = audit::Trail::default();
    request.extensions_mut().insert(trail.clone());
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    let Some(mut entry) = audited else {
        return response;
    };
    let accesses = trail.take();
    let entries = if accesses.is_empty() {
        let grpc_denied = response
            .headers()
            .get("grpc-status")
            .is_some_and(|code| code == "7");
        if response.status() == StatusCode::FORBIDDEN || grpc_denied {
            entry.decision = audit::Decision::Deny;
            entry.reason = response
                .extensions()
                .get::<ApiError>()
                .map(ToString::to_string)
                .or_else(|| Some("permission denied".into()));
        }
        vec![entry]
    } else {
        // An answer that failed after the decision released nothing.
        let failed = response.status().is_client_error()
            || response.status().is_server_error()
            || response
                .headers()
                .get("grpc-status")
                .is_some_and(|code| code != "0");
        accesses
            .into_iter()
            .map(|access| {
                let mut entry = access.entry(&entry);
                if failed && entry.decision == audit::Decision::Allow {
                    entry.decision = audit::Decision::Deny;
                    entry.reason = Some("the answer failed: nothing was released".into());
                    entry.categories = None;
                }
                entry
            })
            .collect()
    };
    match record(&state, entries).await {
        Ok(()) => response,
        Err(error) => refuse(error),
    }
}

/// Writes an audit entry (grouped with concurrent ones); no entry, no access.
async fn record(state: &AppState, entries: Vec<audit::Entry>) -> Result<(), ApiError> {
    Ok(state.gateway.audit.record(entries).await?)
}

fn decision_entry(request: &Request, caller: &Caller, denied: Option<&ApiError>) -> audit::Entry {
    let path = request.uri().path();
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(path, MatchedPath::as_str);
    // A concrete id in the path (never personal data: identity numbers go in bodies).
    let resource = template
        .ends_with('}')
        .then(|| path.rsplit('/').next())
        .flatten()
        .map(str::to_owned);
    let senior = template
        .starts_with("/v1/seniors/{id}")
        .then(|| path.split('/').nth(3))
        .flatten()
        .map(str::to_owned);
    audit::Entry {
        participant: caller.participant.clone(),
        action: format!("{} {template}", request.method()),
        resource,
        senior,
        purpose: request
            .headers()
            .get(PURPOSE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        decision: if denied.is_some() {
            audit::Decision::Deny
        } else {
            audit::Decision::Allow
        },
        reason: denied.map(ToString::to_string),
        categories: None,
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone()),
    }
}

/// The header (and gRPC metadata key) declaring a request's purpose.
pub const PURPOSE: &str = "x-jiayang-purpose";

/// The fingerprint of the client certificate a connection presented (verified against
/// the gateway's CA during the handshake); put into every request of that connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCertificate(pub String);

/// A token names its participant; so does a certificate. Both given must agree.
async fn caller_for(
    state: &AppState,
    token: Option<&str>,
    certificate: Option<&PeerCertificate>,
) -> Result<Caller, ApiError> {
    let db = &state.gateway.store.db;
    let by_token = match token {
        Some(token) => {
            let found = api_token::Entity::find_by_id(token_hash(token))
                .filter(api_token::Column::RevokedAt.is_null())
                .find_also_related(participant::Entity)
                .one(db)
                .await?;
            Some(active(found.and_then(|(_, p)| p))?)
        }
        None => None,
    };
    let by_certificate = match certificate {
        Some(PeerCertificate(fingerprint)) => {
            let found = client_certificate::Entity::find_by_id(fingerprint.clone())
                .filter(client_certificate::Column::RevokedAt.is_null())
                .find_also_related(participant::Entity)
                .one(db)
                .await?;
            Some(active(found.and_then(|(_, p)| p))?)
        }
        None => None,
    };
    match (by_token, by_certificate) {
        (Some(a), Some(b)) if a != b => Err(ApiError::Unauthenticated),
        (Some(caller), _) | (None, Some(caller)) => Ok(caller),
        (None, None) => Err(ApiError::Unauthenticated),
    }
}

fn active(found: Option<participant::Model>) -> Result<Caller, ApiError> {
    let participant = found
        .filter(|p| p.status == Status::Active.as_str())
        .ok_or(ApiError::Unauthenticated)?;
    let kind = participant
        .kind
        .parse()
        .map_err(|e: String| ApiError::Internal(e))?;
    Ok(Caller {
        participant: participant.id,
        kind,
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
