//! Request id, language, time-out, and the one log line and metrics of every request.
//! A log line carries request id, method, route template, status and duration: never a
//! path, a query or a body.

use std::time::{Duration, Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::{IntoResponse, Response},
};
use jiayang_api::{
    error::ApiError,
    grpc, operations,
    request::{RequestId, RequestLang},
    wire,
};
use jiayang_domain::Operation;

use crate::ops::metrics;

/// Longest a request may run before it is answered with a time-out.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Request id, language, time-out, metrics and the one log line of a request.
pub async fn observe(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(wire::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| ulid::Ulid::new().to_string());
    let lang = RequestLang::from_headers(request.headers());
    let grpc = wire::is_grpc(request.headers());
    // Only methods the API defines become labels: a caller must not be able to mint
    // metric series or log fields with made-up paths.
    let grpc_method = grpc
        .then(|| request.uri().path())
        .filter(|path| grpc::is_method(path))
        .map(str::to_owned);
    let method = request.method().as_str().to_owned();
    request.extensions_mut().insert(RequestId(id.clone()));
    request.extensions_mut().insert(lang);
    // A streaming bulk import, and a subscription to the feed, run as long as their
    // streams do; everything else is bounded.
    let streaming = matches!(
        grpc_method.as_deref().and_then(operations::of_grpc),
        Some(Operation::ImportServiceRecords | Operation::SubscribeEvents)
    );
    let mut response = if streaming {
        next.run(request).await
    } else {
        match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
            Ok(response) => response,
            Err(_) if grpc => ApiError::Timeout.status(lang.0, &id).into_http(),
            Err(_) => ApiError::Timeout.render(lang.0, &id),
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(wire::REQUEST_ID, value);
    }
    // The route template, never the concrete path: paths carry ids, and logs must not
    // be a way to correlate people.
    // A gRPC method names itself; its route is only the service's wildcard.
    let route = match (grpc_method, response.extensions().get::<RouteName>()) {
        (Some(method), _) => method,
        (None, Some(route)) => route.0.clone(),
        (None, None) => "unmatched".to_owned(),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    metrics::record(&method, &route, status, elapsed);
    tracing::info!(
        request_id = %id,
        method = %method,
        route = %route,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// The matched route template, carried out on the response for [`observe`].
#[derive(Clone, Debug)]
struct RouteName(String);

/// Marks responses with the route that matched (a `route_layer`, so routing has run).
pub async fn mark_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteName(route));
    }
    response
}

/// What answers a path no route serves: a 404 problem, or UNIMPLEMENTED for gRPC.
pub async fn unknown_route(request: Request) -> Response {
    let lang = RequestLang::of(request.extensions());
    let id = RequestId::of(request.extensions());
    if wire::is_grpc(request.headers()) {
        return ApiError::UnknownRoute.status(lang, id).into_http();
    }
    ApiError::UnknownRoute.render(lang, id).into_response()
}
