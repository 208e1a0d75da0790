//! Around every API route: authentication (a bearer API token, or the client
//! certificate the connection presented), the access rule of the request's operation,
//! and, once the request is answered, its audit entries — before the answer leaves
//! ("no entry, no access").

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::Response,
};
use jiayang_api::{
    error::ApiError,
    grpc, operations,
    request::{RequestId, RequestLang},
    wire,
};
use jiayang_domain::{Call, Error, Gateway, access, participants, rules};
use jiayang_schemas::Violation;
use jiayang_store::audit::{Decision, Entry};

/// The fingerprint of the client certificate a connection presented (verified against
/// the gateway's CA during the handshake); put into every request of that connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCertificate(pub String);

/// Authenticates, checks the operation's access rule, puts the [`Call`] into the request
/// and writes what the request decided to the audit log.
pub async fn guard(State(gateway): State<Gateway>, mut request: Request, next: Next) -> Response {
    let grpc = wire::is_grpc(request.headers());
    let path = request.uri().path().to_owned();
    if grpc && grpc::is_public(&path) {
        return next.run(request).await;
    }
    let lang = RequestLang::of(request.extensions());
    let request_id = RequestId::of(request.extensions()).to_owned();
    let refuse = |error: ApiError| {
        if grpc {
            error.status(lang, &request_id).into_http()
        } else {
            error.render(lang, &request_id)
        }
    };
    // A gRPC method is its path; a REST route its template (`/v1/seniors/{id}`).
    let template = match request.extensions().get::<MatchedPath>() {
        Some(matched) if !grpc => matched.as_str().to_owned(),
        _ => path.clone(),
    };
    let operation = if grpc {
        operations::of_grpc(&path)
    } else {
        operations::of_rest(request.method(), &template, &path)
    };
    // The route is settled before the caller: a method the route does not take is 405
    // with the methods it does (`{id}:verb` routes share a served path, so the router's
    // own `Allow` would be wrong).
    let Some(operation) = operation else {
        return refuse(
            operations::allowed_methods(&template, &path)
                .filter(|_| !grpc)
                .map_or(ApiError::UnknownRoute, ApiError::MethodNotAllowed),
        );
    };
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    let certificate = request.extensions().get::<PeerCertificate>().cloned();
    let fingerprint = certificate.as_ref().map(|c| c.0.as_str());
    let caller = match participants::authenticate(&gateway, token.as_deref(), fingerprint).await {
        Ok(caller) => caller,
        Err(error) => return refuse(error.into()),
    };
    // No id holds a control character, and no filter value may: answered here, the same
    // on every database (PostgreSQL could not even look one up).
    if encodes_control(&path) {
        return refuse(Error::NotFound("resource").into());
    }
    if request.uri().query().is_some_and(encodes_control) {
        return refuse(
            Error::invalid(Violation::new(
                "",
                rules::QUERY_FORMAT,
                "查询参数含有控制字符",
                "a query parameter holds a control character",
            ))
            .into(),
        );
    }
    let purpose = request
        .headers()
        .get(wire::PURPOSE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let call = Call::new(caller, purpose);
    if let Err(denied) = access::check(call.kind(), operation) {
        let refused = Entry {
            decision: Decision::Deny,
            reason: Some(denied.to_string()),
            ..entry(&call, &request, &template, &path, &request_id)
        };
        return match gateway.audit.record(vec![refused]).await {
            Ok(()) => refuse(denied.into()),
            Err(error) => refuse(Error::from(error).into()),
        };
    }
    // Provider and catalog reads (the hot path) hold no personal data: not audited.
    let audited = operation
        .touches_senior_data()
        .then(|| entry(&call, &request, &template, &path, &request_id));
    let trail = call.trail.clone();
    request.extensions_mut().insert(call);
    let response = next.run(request).await;
    let Some(entry) = audited else {
        return response;
    };
    // The database is unavailable: the answer releases nothing, so it need not wait
    // for its entries, which are handed over all the same. (Waiting would double the
    // time an outage takes to answer; under load they are written once a connection
    // frees up.)
    if super::breaker::unavailable(&response) {
        let (audit, entries) = (gateway.audit.clone(), trail.entries(entry));
        tokio::spawn(async move {
            if let Err(error) = audit.record(entries).await {
                tracing::warn!(%error, "the entries of a request answered 503 were not written");
            }
        });
        return response;
    }
    match gateway.audit.record(trail.entries(entry)).await {
        Ok(()) => response,
        Err(error) => refuse(Error::from(error).into()),
    }
}

/// The request's own audit entry: who, which route or method, the id it names, the
/// declared purpose, and its id. Decisions the call recorded refine it.
fn entry(call: &Call, request: &Request, template: &str, path: &str, request_id: &str) -> Entry {
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
    Entry {
        participant: call.me().to_owned(),
        action: format!("{} {template}", request.method()),
        resource,
        senior,
        purpose: call.purpose.clone(),
        decision: Decision::Allow,
        reason: None,
        categories: None,
        request_id: Some(request_id.to_owned()),
    }
}

/// Whether a path or query (as sent, percent-encoded) encodes a control character:
/// `%00`–`%1F` or `%7F` (a raw one cannot reach here: it is not a valid URI).
fn encodes_control(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && matches!(
                (w[1].to_ascii_uppercase(), w[2].to_ascii_uppercase()),
                (b'0' | b'1', b'0'..=b'9' | b'A'..=b'F') | (b'7', b'F')
            )
    })
}

#[cfg(test)]
mod tests {
    use super::encodes_control;

    #[test]
    fn control_characters_are_found_however_they_are_encoded() {
        for bad in ["/v1/seniors/sen_%00x", "senior=%1b", "a=%7f", "x=%0A"] {
            assert!(encodes_control(bad), "{bad}");
        }
        for good in [
            "/v1/seniors/sen_01",
            "district=110105%20",
            "q=%E4%B8%AD",
            "a=%2F",
        ] {
            assert!(!encodes_control(good), "{good}");
        }
    }
}
