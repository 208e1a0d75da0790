//! What a request can fail with — the domain's errors and the transport's own — and
//! their two renderings, made here and nowhere else: an HTTP status with an RFC 9457
//! `application/problem+json` document, and a gRPC code with google.rpc details.
//!
//! Internal errors are logged once, where they become an answer ([`ApiError::render`]
//! for REST, [`ApiError::status`] for gRPC), with the request id; their detail never
//! reaches the caller.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use jiayang_domain::Error;
use jiayang_schemas::{Lang, Message};
use serde_json::{Value, json};

/// Where problem types live; `type` is `{PROBLEM_BASE}{slug}`.
pub const PROBLEM_BASE: &str = "https://schemas.jiayang.local/problems/";

#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] Error),
    #[error("no such route")]
    UnknownRoute,
    /// A served route called with another method; the methods it takes (`Allow`).
    #[error("the route does not take this method")]
    MethodNotAllowed(&'static str),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("the request took too long")]
    Timeout,
}

impl ApiError {
    /// The problem type's name and the gRPC `ErrorInfo` reason.
    pub fn slug(&self) -> &'static str {
        match self {
            ApiError::Domain(error) => error.slug(),
            ApiError::UnknownRoute => "unknown-route",
            ApiError::MethodNotAllowed(_) => "method-not-allowed",
            ApiError::PayloadTooLarge => "payload-too-large",
            ApiError::Timeout => "timeout",
        }
    }

    /// The HTTP status and gRPC code of each outcome: the one table of both.
    pub fn codes(&self) -> (StatusCode, tonic::Code) {
        use tonic::Code;
        let domain = match self {
            ApiError::Domain(error) => error,
            ApiError::UnknownRoute => return (StatusCode::NOT_FOUND, Code::Unimplemented),
            ApiError::MethodNotAllowed(_) => {
                return (StatusCode::METHOD_NOT_ALLOWED, Code::Unimplemented);
            }
            ApiError::PayloadTooLarge => {
                return (StatusCode::PAYLOAD_TOO_LARGE, Code::ResourceExhausted);
            }
            ApiError::Timeout => return (StatusCode::GATEWAY_TIMEOUT, Code::DeadlineExceeded),
        };
        match domain {
            Error::Invalid(_) | Error::BadPageToken => {
                (StatusCode::BAD_REQUEST, Code::InvalidArgument)
            }
            Error::Unauthenticated => (StatusCode::UNAUTHORIZED, Code::Unauthenticated),
            Error::PermissionDenied(_) => (StatusCode::FORBIDDEN, Code::PermissionDenied),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, Code::NotFound),
            Error::AlreadyExists(_) => (StatusCode::CONFLICT, Code::AlreadyExists),
            Error::IdempotencyConflict => {
                (StatusCode::UNPROCESSABLE_ENTITY, Code::FailedPrecondition)
            }
            Error::VersionMismatch { .. } => (StatusCode::PRECONDITION_FAILED, Code::Aborted),
            Error::PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, Code::FailedPrecondition)
            }
            Error::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, Code::Unavailable),
            Error::Exhausted(_) => (StatusCode::TOO_MANY_REQUESTS, Code::ResourceExhausted),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, Code::Internal),
        }
    }

    /// A one-line description in the caller's language.
    pub fn title(&self, lang: Lang) -> String {
        let message = match self {
            ApiError::Domain(error) => error.message(),
            ApiError::UnknownRoute => Message::new("没有这个接口", "no such route"),
            ApiError::MethodNotAllowed(_) => {
                Message::new("该接口不支持此方法", "the route does not take this method")
            }
            ApiError::PayloadTooLarge => {
                Message::new("请求体过大", "the request body is too large")
            }
            ApiError::Timeout => Message::new("请求超时", "the request took too long"),
        };
        message.get(lang).to_owned()
    }

    /// The RFC 9457 problem document.
    pub fn problem(&self, lang: Lang, request_id: Option<&str>) -> Value {
        let mut problem = json!({
            "type": format!("{PROBLEM_BASE}{}", self.slug()),
            "title": self.title(lang),
            "status": self.codes().0.as_u16(),
        });
        match self {
            ApiError::Domain(Error::Invalid(violations)) => {
                problem["violations"] = violations
                    .iter()
                    .map(|v| json!(v.localized(lang)))
                    .collect();
            }
            ApiError::Domain(Error::VersionMismatch { current }) => {
                problem["currentVersion"] = json!(current);
            }
            _ => {}
        }
        if let Some(id) = request_id {
            problem["requestId"] = json!(id);
        }
        problem
    }

    /// The REST answer: the problem document with its status (and the current version's
    /// ETag on a version mismatch).
    pub fn render(&self, lang: Lang, request_id: &str) -> Response {
        self.log(request_id);
        let body = self.problem(lang, Some(request_id)).to_string();
        let mut response = (self.codes().0, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match self {
            ApiError::Domain(Error::VersionMismatch { current }) => {
                if let Ok(value) = HeaderValue::from_str(&format!("\"{current}\"")) {
                    headers.insert(header::ETAG, value);
                }
            }
            ApiError::MethodNotAllowed(allow) => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            _ => {}
        }
        response
    }

    /// The gRPC answer: the code, BadRequest field violations for invalid requests, and
    /// ErrorInfo always.
    pub fn status(&self, lang: Lang, request_id: &str) -> tonic::Status {
        use tonic_types::{ErrorDetails, StatusExt};
        self.log(request_id);
        let mut details = ErrorDetails::new();
        let mut metadata = std::collections::HashMap::new();
        match self {
            ApiError::Domain(Error::Invalid(violations)) => {
                for violation in violations {
                    let local = violation.localized(lang);
                    details.add_bad_request_violation(
                        local.path,
                        format!("{}: {}", local.rule, local.message),
                    );
                }
            }
            ApiError::Domain(Error::VersionMismatch { current }) => {
                metadata.insert("currentVersion".to_owned(), current.to_string());
            }
            _ => {}
        }
        details.set_error_info(self.slug(), "jiayang.v1", metadata);
        tonic::Status::with_error_details(self.codes().1, self.title(lang), details)
    }

    /// This error if it is a refusal (a decision against the caller, audited as a denial).
    pub fn refusal(&self) -> Option<&Error> {
        match self {
            ApiError::Domain(error) => error.refusal(),
            _ => None,
        }
    }

    /// The one log line of an internal error: its detail is for operators only.
    fn log(&self, request_id: &str) {
        if let ApiError::Domain(Error::Internal(detail)) = self {
            tracing::error!(request_id = %request_id, error = %detail, "internal error");
        }
    }
}

/// A REST handler's error rides along on the response as an extension; the REST
/// router's `problems` layer renders it with the request's language and id.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.codes().0.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
