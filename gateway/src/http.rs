//! Cross-cutting HTTP layers for every request, REST and gRPC alike: request ids, the
//! caller's language, one log line and metrics per request, time-outs, and the rendering
//! of `ApiError` into `application/problem+json`.

use std::time::Instant;

use axum::{
    extract::{FromRequestParts, MatchedPath, Request},
    http::{HeaderValue, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use jiayang_schemas::Lang;

use crate::{app::REQUEST_TIMEOUT, error::ApiError};

/// The request id: the caller's `x-request-id` when it is sane, else a new one.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The caller's language, from `Accept-Language` (Chinese unless English is asked for).
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestLang(pub Lang);

impl RequestLang {
    /// The language `observe` put into a request (Chinese when it has not run).
    pub fn of(extensions: &axum::http::Extensions) -> Lang {
        extensions
            .get::<RequestLang>()
            .copied()
            .unwrap_or_default()
            .0
    }
}

pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The first listed language decides; quality values are rare among our callers.
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if first.starts_with("en") {
        Lang::En
    } else {
        Lang::Zh
    }
}

pub fn is_grpc(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

impl IntoResponse for ApiError {
    /// The error rides along as an extension; [`problems`] renders it with the request's
    /// language and id, so every error is rendered in one place.
    fn into_response(self) -> Response {
        let status = axum::http::StatusCode::from_u16(self.code().http)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(RequestLang::of(&parts.extensions)))
    }
}

/// Request id, language, time-out, metrics and the one log line of a request.
pub async fn observe(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| ulid::Ulid::new().to_string());
    let lang = lang_of(request.headers());
    let grpc = is_grpc(request.headers());
    // Only methods the API defines become labels: a caller must not be able to mint
    // metric series or log fields with made-up paths.
    let grpc_method = grpc
        .then(|| request.uri().path())
        .filter(|path| crate::grpc::is_method(path))
        .map(str::to_owned);
    let method = request.method().as_str().to_owned();
    request.extensions_mut().insert(RequestId(id.clone()));
    request.extensions_mut().insert(RequestLang(lang));
    // A streaming bulk import runs as long as its stream does; everything else is bounded.
    let bounded = grpc_method.as_deref() != Some(crate::grpc::IMPORT_METHOD);
    let mut response = if bounded {
        match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
            Ok(response) => response,
            Err(_) if grpc => ApiError::Timeout.to_status(lang).into_http(),
            Err(_) => render(ApiError::Timeout, lang, &id),
        }
    } else {
        next.run(request).await
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    // The route template, never the concrete path: paths carry ids, and logs must not
    // be a way to correlate people.
    let route = match (response.extensions().get::<RouteName>(), grpc_method) {
        (Some(route), _) => route.0.clone(),
        (None, Some(method)) => method,
        (None, None) => "unmatched".to_owned(),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    crate::ops::metrics::record(&method, &route, status, elapsed);
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
    if is_grpc(request.headers()) {
        let lang = RequestLang::of(request.extensions());
        return ApiError::UnknownRoute.to_status(lang).into_http();
    }
    ApiError::UnknownRoute.into_response()
}

/// Renders an `ApiError` left in a response into an RFC 9457 problem document.
pub async fn problems(request: Request, next: Next) -> Response {
    let lang = RequestLang::of(request.extensions());
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let mut response = next.run(request).await;
    match response.extensions_mut().remove::<ApiError>() {
        Some(error) => render(error, lang, &id),
        None => response,
    }
}

fn render(error: ApiError, lang: Lang, request_id: &str) -> Response {
    if let ApiError::Internal(detail) = &error {
        // The detail is for operators; callers get only the problem type and request id.
        tracing::error!(request_id = %request_id, error = %detail, "internal error");
    }
    let status = axum::http::StatusCode::from_u16(error.code().http)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    let body = error.problem(lang, Some(request_id)).to_string();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let ApiError::VersionMismatch { current } = &error
        && let Ok(value) = HeaderValue::from_str(&format!("\"{current}\""))
    {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
