//! Request parts the handlers share, each refusal an `invalid-request` problem naming
//! what is wrong: the JSON body, the idempotency key, the If-Match version, query and
//! path parameters, lookup bodies, and the authenticated call.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, StatusCode, request::Parts},
};
use jiayang_domain::{Call, Error, Gateway, Slot, release::SeniorKey, rules};
use jiayang_schemas::{Violation, json_syntax};
use serde::Deserialize;
use serde_json::Value;

use crate::{
    error::ApiError,
    lookup::invalid_lookup,
    request::{RequestLang, call_of},
    wire,
};

/// The authenticated call (caller, declared purpose, audit trail).
pub struct Calling(pub Call);

impl<S: Send + Sync> FromRequestParts<S> for Calling {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        call_of(&parts.extensions)
            .cloned()
            .map(Calling)
            .ok_or(ApiError::Domain(Error::Unauthenticated))
    }
}

/// One of the caller's batch slots ([`Gateway::batches`]), taken before the body is
/// read: a participant over its cap is refused without the gateway reading its 32 MiB.
pub struct Batching {
    _slot: Slot,
}

impl FromRequestParts<Gateway> for Batching {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        gateway: &Gateway,
    ) -> Result<Self, Self::Rejection> {
        let call = call_of(&parts.extensions).ok_or(ApiError::Domain(Error::Unauthenticated))?;
        Ok(Batching {
            _slot: gateway.batches.take(call.me())?,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(RequestLang::of(&parts.extensions)))
    }
}

/// A JSON body; anything that is not JSON is an `invalid-request` problem like any other.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(request, state).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| Error::invalid(json_syntax(&e)).into())
    }
}

async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                Error::invalid(Violation::new(
                    "",
                    rules::BODY_UNREADABLE,
                    "请求体无法读取",
                    "the body cannot be read",
                ))
                .into()
            }
        })
}

/// The optional body of an action (`:withdraw`, `:acknowledge`, `:resolve`): nothing,
/// or a JSON object whose text fields are read by name.
pub struct ActionBody(Option<serde_json::Map<String, Value>>);

impl<S: Send + Sync> FromRequest<S> for ActionBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(fields)) => Ok(Self(Some(fields))),
            Ok(_) => Err(Error::invalid(Violation::new(
                "",
                jiayang_schemas::rule::TYPE,
                "请求体应为 JSON 对象",
                "the body must be a JSON object",
            ))
            .into()),
            Err(e) => Err(Error::invalid(json_syntax(&e)).into()),
        }
    }
}

impl ActionBody {
    /// The text field `name`, if the body has one: text as people write it, not empty,
    /// at most `max` characters.
    pub fn text(&self, name: &str, max: usize) -> Result<Option<String>, ApiError> {
        let pointer = format!("/{name}");
        let refused = |rule, zh: String, en: String| {
            Err(Error::invalid(Violation::new(pointer.clone(), rule, zh, en)).into())
        };
        use jiayang_schemas::rule;
        match self.0.as_ref().and_then(|fields| fields.get(name)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => refused(
                rule::EMPTY,
                format!("{name} 不能为空"),
                format!("{name} must not be empty"),
            ),
            Some(Value::String(text)) if text.chars().count() > max => refused(
                rule::MAX_LENGTH,
                format!("{name} 最多 {max} 字"),
                format!("{name} holds at most {max} characters"),
            ),
            Some(Value::String(text)) => match jiayang_schemas::control_character(&pointer, text) {
                Some(violation) => Err(Error::invalid(violation).into()),
                None => Ok(Some(text.clone())),
            },
            Some(_) => refused(
                rule::TYPE,
                format!("{name} 应为文本"),
                format!("{name} must be text"),
            ),
        }
    }
}

/// The raw `Idempotency-Key` header, if any.
pub struct IdempotencyHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(header(&parts.headers, wire::IDEMPOTENCY_KEY)?))
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
                Error::invalid(Violation::new(
                    "",
                    rules::IF_MATCH_FORMAT,
                    "If-Match 应为资源的版本号，如 \"3\"",
                    "If-Match must be the resource's version, e.g. \"3\"",
                ))
                .into()
            }),
        }
    }
}

fn parse_if_match(text: &str) -> Option<i32> {
    let text = text.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    text.trim_matches('"').parse().ok().filter(|v: &i32| *v > 0)
}

fn header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(|s| Some(s.to_owned())).map_err(|_| {
            Error::invalid(Violation::new(
                "",
                rules::HEADER_FORMAT,
                format!("请求头 {name} 无效"),
                format!("the {name} header is not valid text"),
            ))
            .into()
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
                Error::invalid(Violation::new(
                    "",
                    rules::QUERY_FORMAT,
                    format!("查询参数无效：{}", rejection.body_text()),
                    format!("invalid query parameters: {}", rejection.body_text()),
                ))
                .into()
            })
    }
}

/// Path parameters; one that does not parse names no resource.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| Error::NotFound("resource").into())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LookupBody {
    external_id: Option<ExternalIdBody>,
    identity_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalIdBody {
    participant: String,
    id: String,
}

/// A `:lookup` body: `{"externalId": {participant, id}}` or `{"identityNumber": …}`.
pub fn lookup_key(body: Value) -> Result<SeniorKey, Error> {
    match serde_json::from_value(body).map_err(|_| invalid_lookup())? {
        LookupBody {
            external_id: Some(external),
            identity_number: None,
        } => Ok(SeniorKey::External {
            participant: external.participant,
            id: external.id,
        }),
        LookupBody {
            external_id: None,
            identity_number: Some(number),
        } => Ok(SeniorKey::IdentityNumber(number)),
        _ => Err(invalid_lookup()),
    }
}

/// Paging parameters. Each list's query struct repeats them rather than using
/// `#[serde(flatten)]`, which loses the types of query-string values.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    pub page_size: Option<i64>,
    pub page_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_takes_a_version_quoted_or_weak() {
        assert_eq!(parse_if_match("\"3\""), Some(3));
        assert_eq!(parse_if_match("W/\"3\""), Some(3));
        assert_eq!(parse_if_match("3"), Some(3));
        assert_eq!(parse_if_match("\"0\""), None);
        assert_eq!(parse_if_match("abc"), None);
    }

    /// A body that breaks off before its end (the connection dropped) is unreadable;
    /// the sender never sees the answer, but nothing of it is stored.
    #[tokio::test]
    async fn a_body_that_breaks_off_is_unreadable() {
        let broken = futures_broken_body();
        let request = Request::builder()
            .method("POST")
            .uri("/v1/seniors")
            .body(broken)
            .unwrap();
        let Err(ApiError::Domain(Error::Invalid(violations))) =
            JsonBody::from_request(request, &()).await
        else {
            panic!("a broken body is refused");
        };
        assert_eq!(violations[0].rule, rules::BODY_UNREADABLE);
    }

    fn futures_broken_body() -> axum::body::Body {
        let chunks: Vec<Result<&'static [u8], std::io::Error>> = vec![
            Ok(b"{\"name\": "),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset",
            )),
        ];
        axum::body::Body::from_stream(tokio_stream::iter(chunks))
    }
}
