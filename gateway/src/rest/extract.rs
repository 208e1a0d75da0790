//! Request parts the handlers share: the JSON body (with our own error on bad JSON), the
//! idempotency key and the If-Match version.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, request::Parts},
};
use jiayang_schemas::{Violation, json_syntax};
use serde_json::Value;

use crate::{
    audit::Trail,
    domain::{Caller, release::Reader},
    error::ApiError,
};

/// A JSON body; anything that is not JSON is an `invalid-request` problem like any other.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::Invalid(vec![Violation::new(
                        "",
                        "body-unreadable",
                        "请求体无法读取",
                        "the body cannot be read",
                    )])
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::Invalid(vec![json_syntax(&e)]))
    }
}

/// The raw `Idempotency-Key` header, if any.
pub struct IdempotencyHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(header(&parts.headers, "idempotency-key")?))
    }
}

/// The version named by `If-Match` (`3` or `"3"`), if any.
pub struct IfMatch(pub Option<i32>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match header(&parts.headers, "if-match")? {
            None => Ok(Self(None)),
            Some(text) => parse_if_match(&text).map(|v| Self(Some(v))).ok_or_else(|| {
                ApiError::Invalid(vec![Violation::new(
                    "",
                    "if-match-format",
                    "If-Match 应为资源的版本号，如 \"3\"",
                    "If-Match must be the resource's version, e.g. \"3\"",
                )])
            }),
        }
    }
}

pub fn parse_if_match(text: &str) -> Option<i32> {
    let text = text.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    text.trim_matches('"').parse().ok().filter(|v: &i32| *v > 0)
}

/// The ETag of a resource version.
pub fn etag(resource: &Value) -> Option<String> {
    resource
        .get("version")
        .and_then(Value::as_i64)
        .map(|v| format!("\"{v}\""))
}

fn header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(|s| Some(s.to_owned())).map_err(|_| {
            ApiError::Invalid(vec![Violation::new(
                "",
                "header-format",
                format!("请求头 {name} 无效"),
                format!("the {name} header is not valid text"),
            )])
        }),
    }
}

/// Query parameters; a malformed one (`pageSize=abc`) is an `invalid-request` problem.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|rejection| {
                ApiError::Invalid(vec![Violation::new(
                    "",
                    "query-format",
                    format!("查询参数无效：{}", rejection.body_text()),
                    format!("invalid query parameters: {}", rejection.body_text()),
                )])
            })
    }
}

/// Path parameters, with rejections as problems.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| ApiError::NotFound("resource"))
    }
}

/// The caller, its declared purpose (`x-jiayang-purpose`) and the request's audit trail.
impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Reader {
            caller,
            purpose: parts
                .headers
                .get(crate::auth::PURPOSE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            trail: parts.extensions.get::<Trail>().cloned().unwrap_or_default(),
        })
    }
}
