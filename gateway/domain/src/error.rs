//! What went wrong, as the domain knows it. Each error has a stable name (its `slug`, the
//! problem type callers key on) and a message in both languages; it knows no status code.
//! The protocols turn it into an HTTP status and problem document, or a gRPC code and
//! details, once each (`jiayang-api`).
//!
//! Messages never carry personal data beyond what the caller sent: violations name paths
//! and rules, and `Internal` holds only texts made here or by the database, never a
//! parser's message (which can quote the value it failed on).

use jiayang_schemas::{Message, Violation};

#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    #[error("the request is invalid: {}", summary(.0))]
    Invalid(Vec<Violation>),
    #[error("missing or unknown credentials")]
    Unauthenticated,
    /// Why, in both languages.
    #[error("permission denied: {}", .0.en)]
    PermissionDenied(Message),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("already exists: {0}")]
    AlreadyExists(String),
    #[error("the idempotency key was used with another request body")]
    IdempotencyConflict,
    #[error("the resource is at version {current}, not the one given")]
    VersionMismatch { current: i32 },
    #[error("an update needs the version being replaced")]
    PreconditionRequired,
    #[error("the page token does not belong to this query")]
    BadPageToken,
    #[error("the database is unavailable")]
    Unavailable,
    /// A bound the gateway keeps per participant or per request was reached; what it
    /// was and what to do, in both languages.
    #[error("a limit was reached: {}", .0.en)]
    Exhausted(Message),
    /// For operators only; callers are told no more than "internal error".
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A refusal, with its reason in both languages.
    pub fn denied(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Error::PermissionDenied(Message::new(zh, en))
    }
}

fn summary(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("{} ({}): {}", v.path, v.rule, v.message.en))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// One violation as an error.
    pub fn invalid(violation: Violation) -> Self {
        Error::Invalid(vec![violation])
    }

    /// The stable name of what went wrong: the problem type and the gRPC `ErrorInfo`
    /// reason.
    pub fn slug(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid-request",
            Error::BadPageToken => "invalid-page-token",
            Error::Unauthenticated => "unauthenticated",
            Error::PermissionDenied(_) => "permission-denied",
            Error::NotFound(_) => "not-found",
            Error::AlreadyExists(_) => "already-exists",
            Error::IdempotencyConflict => "idempotency-key-reused",
            Error::VersionMismatch { .. } => "version-mismatch",
            Error::PreconditionRequired => "precondition-required",
            Error::Unavailable => "unavailable",
            Error::Exhausted(_) => "resource-exhausted",
            Error::Internal(_) => "internal",
        }
    }

    /// A one-line description for the caller, in both languages.
    pub fn message(&self) -> Message {
        match self {
            Error::Invalid(v) => Message::new(
                format!("请求无效：{} 处违反规则", v.len()),
                format!("the request breaks {} rule(s)", v.len()),
            ),
            Error::BadPageToken => Message::new(
                "分页令牌与本次查询不符",
                "the page token does not belong to this query",
            ),
            Error::Unauthenticated => {
                Message::new("缺少或无效的凭证", "missing or unknown credentials")
            }
            Error::PermissionDenied(reason) => Message::new(
                format!("无权访问：{}", reason.zh),
                format!("permission denied: {}", reason.en),
            ),
            Error::NotFound(what) => {
                Message::new(format!("未找到{what}"), format!("{what} not found"))
            }
            Error::AlreadyExists(what) => {
                Message::new(format!("已存在：{what}"), format!("already exists: {what}"))
            }
            Error::IdempotencyConflict => Message::new(
                "该幂等键已用于另一个请求体",
                "the idempotency key was already used with another request body",
            ),
            Error::VersionMismatch { current } => Message::new(
                format!("版本不符：当前版本为 {current}"),
                format!("version mismatch: the current version is {current}"),
            ),
            Error::PreconditionRequired => Message::new(
                "更新须在 If-Match 中给出当前版本",
                "an update needs If-Match with the current version",
            ),
            Error::Unavailable => Message::new("数据库暂不可用", "the database is unavailable"),
            Error::Exhausted(what) => Message::new(
                format!("超出限制：{}", what.zh),
                format!("a limit was reached: {}", what.en),
            ),
            Error::Internal(_) => Message::new("内部错误", "internal error"),
        }
    }

    /// This error if it is a refusal: a decision against the caller, audited as a denial.
    pub fn refusal(&self) -> Option<&Error> {
        matches!(self, Error::PermissionDenied(_)).then_some(self)
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(error: sea_orm::DbErr) -> Self {
        match error {
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => Error::Unavailable,
            // The validator refuses control characters in documents; this catches the
            // rest (an id or a lookup key with a NUL), which the database would not hold.
            other if jiayang_store::is_unstorable_text(&other) => Error::invalid(Violation::new(
                "",
                jiayang_schemas::rule::CONTROL_CHARACTER,
                "请求中的文本含有控制字符",
                "a text in the request holds a control character",
            )),
            other => Error::Internal(other.to_string()),
        }
    }
}

/// Errors compare by what went wrong, not by their texts.
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.slug() == other.slug()
    }
}
