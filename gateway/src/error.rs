//! The gateway's one error enum and its two renderings, made here and nowhere else:
//! a gRPC status with google.rpc details, and an RFC 9457 `application/problem+json`.
//!
//! Messages never carry personal data beyond what the caller sent: violations name paths
//! and rules, not the values of other people's records.

use jiayang_schemas::{Lang, Violation};
use serde_json::{Value, json};

/// Where problem types live; `type` is `{PROBLEM_BASE}{slug}`.
pub const PROBLEM_BASE: &str = "https://schemas.jiayang.local/problems/";

#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request is invalid")]
    Invalid(Vec<Violation>),
    #[error("missing or unknown credentials")]
    Unauthenticated,
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no such route")]
    UnknownRoute,
    #[error("{0}")]
    AlreadyExists(String),
    #[error("the idempotency key was used with another request body")]
    IdempotencyConflict,
    #[error("the resource is at version {current}, not the one given in If-Match")]
    VersionMismatch { current: i32 },
    #[error("updates need If-Match with the version being replaced")]
    PreconditionRequired,
    #[error("the page token does not belong to this query")]
    BadPageToken,
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("the request took too long")]
    Timeout,
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

/// The closed set of outcomes a caller can key on, with both protocol codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub slug: &'static str,
    pub http: u16,
    pub grpc: tonic::Code,
}

impl ApiError {
    pub fn code(&self) -> Code {
        let (slug, http, grpc) = match self {
            ApiError::Invalid(_) => ("invalid-request", 400, tonic::Code::InvalidArgument),
            ApiError::BadPageToken => ("invalid-page-token", 400, tonic::Code::InvalidArgument),
            ApiError::Unauthenticated => ("unauthenticated", 401, tonic::Code::Unauthenticated),
            ApiError::PermissionDenied(_) => {
                ("permission-denied", 403, tonic::Code::PermissionDenied)
            }
            ApiError::NotFound(_) => ("not-found", 404, tonic::Code::NotFound),
            ApiError::UnknownRoute => ("unknown-route", 404, tonic::Code::Unimplemented),
            ApiError::AlreadyExists(_) => ("already-exists", 409, tonic::Code::AlreadyExists),
            ApiError::IdempotencyConflict => (
                "idempotency-key-reused",
                422,
                tonic::Code::FailedPrecondition,
            ),
            ApiError::VersionMismatch { .. } => ("version-mismatch", 412, tonic::Code::Aborted),
            ApiError::PreconditionRequired => (
                "precondition-required",
                428,
                tonic::Code::FailedPrecondition,
            ),
            ApiError::PayloadTooLarge => ("payload-too-large", 413, tonic::Code::ResourceExhausted),
            ApiError::Timeout => ("timeout", 504, tonic::Code::DeadlineExceeded),
            ApiError::Unavailable => ("unavailable", 503, tonic::Code::Unavailable),
            ApiError::Internal(_) => ("internal", 500, tonic::Code::Internal),
        };
        Code { slug, http, grpc }
    }

    /// A one-line description in the caller's language.
    pub fn title(&self, lang: Lang) -> String {
        let (zh, en): (String, String) = match self {
            ApiError::Invalid(v) => (
                format!("请求无效：{} 处违反规则", v.len()),
                format!("the request breaks {} rule(s)", v.len()),
            ),
            ApiError::BadPageToken => (
                "分页令牌与本次查询不符".into(),
                "the page token does not belong to this query".into(),
            ),
            ApiError::Unauthenticated => (
                "缺少或无效的凭证".into(),
                "missing or unknown credentials".into(),
            ),
            ApiError::PermissionDenied(reason) => (
                format!("无权访问：{reason}"),
                format!("permission denied: {reason}"),
            ),
            ApiError::NotFound(what) => (format!("未找到{what}"), format!("{what} not found")),
            ApiError::UnknownRoute => ("没有这个接口".into(), "no such route".into()),
            ApiError::AlreadyExists(what) => {
                (format!("已存在：{what}"), format!("already exists: {what}"))
            }
            ApiError::IdempotencyConflict => (
                "该幂等键已用于另一个请求体".into(),
                "the idempotency key was already used with another request body".into(),
            ),
            ApiError::VersionMismatch { current } => (
                format!("版本不符：当前版本为 {current}"),
                format!("version mismatch: the current version is {current}"),
            ),
            ApiError::PreconditionRequired => (
                "更新须在 If-Match 中给出当前版本".into(),
                "an update needs If-Match with the current version".into(),
            ),
            ApiError::PayloadTooLarge => {
                ("请求体过大".into(), "the request body is too large".into())
            }
            ApiError::Timeout => ("请求超时".into(), "the request took too long".into()),
            ApiError::Unavailable => (
                "数据库暂不可用".into(),
                "the database is unavailable".into(),
            ),
            ApiError::Internal(_) => ("内部错误".into(), "internal error".into()),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The RFC 9457 problem document.
    pub fn problem(&self, lang: Lang, request_id: Option<&str>) -> Value {
        let code = self.code();
        let mut problem = json!({
            "type": format!("{PROBLEM_BASE}{}", code.slug),
            "title": self.title(lang),
            "status": code.http,
        });
        if let ApiError::Invalid(violations) = self {
            problem["violations"] = violations
                .iter()
                .map(|v| json!(v.localized(lang)))
                .collect();
        }
        if let ApiError::VersionMismatch { current } = self {
            problem["currentVersion"] = json!(current);
        }
        if let Some(id) = request_id {
            problem["requestId"] = json!(id);
        }
        problem
    }

    /// The gRPC status: BadRequest field violations for invalid requests, ErrorInfo always.
    pub fn to_status(&self, lang: Lang) -> tonic::Status {
        use tonic_types::{ErrorDetails, StatusExt};
        let code = self.code();
        let mut details = ErrorDetails::new();
        if let ApiError::Invalid(violations) = self {
            for violation in violations {
                let local = violation.localized(lang);
                details.add_bad_request_violation(
                    local.path,
                    format!("{}: {}", local.rule, local.message),
                );
            }
        }
        let mut metadata = std::collections::HashMap::new();
        if let ApiError::VersionMismatch { current } = self {
            metadata.insert("currentVersion".to_owned(), current.to_string());
        }
        if let ApiError::Internal(detail) = self {
            // The detail is for operators; callers get only the code.
            tracing::error!(error = %detail, "internal error");
        }
        details.set_error_info(code.slug, "jiayang.v1", metadata);
        tonic::Status::with_error_details(code.grpc, self.title(lang), details)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        match error {
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}
