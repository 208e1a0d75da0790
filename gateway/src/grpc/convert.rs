//! Between proto messages and canonical JSON, and from request metadata to the caller,
//! the language and the idempotency key.

use jiayang_schemas::Lang;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use tonic::{Request, Response, Status};

use crate::{
    audit::Trail,
    domain::{
        Caller, Gateway, IdempotencyKey, ItemResult,
        release::{Reader, Released, ReleasedPage},
        resource::{self, Resource},
    },
    error::ApiError,
    http::RequestLang,
};
use jiayang_proto::v1::{BatchCreateResponse, BatchItemResult, FieldViolation, Withheld};

pub fn lang<T>(request: &Request<T>) -> Lang {
    request
        .extensions()
        .get::<RequestLang>()
        .copied()
        .unwrap_or_default()
        .0
}

pub fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| ApiError::Unauthenticated.to_status(lang(request)))
}

/// The caller, its declared purpose (`x-jiayang-purpose` metadata) and the request's
/// audit trail.
pub fn reader<T>(request: &Request<T>) -> Result<Reader, Status> {
    Ok(Reader {
        caller: caller(request)?,
        purpose: request
            .metadata()
            .get(crate::auth::PURPOSE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        trail: request
            .extensions()
            .get::<Trail>()
            .cloned()
            .unwrap_or_default(),
    })
}

/// A released resource as the message `M`, with the categories left out of it in the
/// response metadata.
pub fn released<M: DeserializeOwned>(
    released: Released,
    lang: Lang,
) -> Result<Response<M>, Status> {
    let mut response = Response::new(from_json(released.resource, lang)?);
    if let Ok(value) = released.withheld.join(",").parse() {
        response
            .metadata_mut()
            .insert(crate::rest::WITHHELD_CATEGORIES, value);
    }
    Ok(response)
}

/// A released page's items as messages `M`, and what was withheld from which.
pub fn released_items<M: DeserializeOwned>(
    page: &mut ReleasedPage,
    lang: Lang,
) -> Result<(Vec<M>, Vec<Withheld>), Status> {
    let items = std::mem::take(&mut page.items)
        .into_iter()
        .map(|v| from_json(v, lang))
        .collect::<Result<_, _>>()?;
    let withheld = std::mem::take(&mut page.withheld)
        .into_iter()
        .map(|(id, categories)| Withheld {
            id,
            categories: categories.into_iter().map(str::to_owned).collect(),
        })
        .collect();
    Ok((items, withheld))
}

/// A proto message as canonical JSON.
pub fn to_json<T: Serialize>(message: &T) -> Value {
    serde_json::to_value(message).unwrap_or(Value::Null)
}

/// Canonical JSON as a proto message. Stored documents always convert; a failure is ours.
pub fn from_json<T: DeserializeOwned>(value: Value, lang: Lang) -> Result<T, Status> {
    serde_json::from_value(value).map_err(|e| ApiError::Internal(e.to_string()).to_status(lang))
}

pub fn idempotency_key<T>(
    request: &Request<T>,
    operation: &str,
    body: &Value,
) -> Result<Option<IdempotencyKey>, Status> {
    let lang = lang(request);
    match request.metadata().get("idempotency-key") {
        None => Ok(None),
        Some(value) => {
            let key = value
                .to_str()
                .map_err(|_| ApiError::Invalid(vec![]).to_status(lang))?;
            IdempotencyKey::new(key, operation, body)
                .map(Some)
                .map_err(|e| e.to_status(lang))
        }
    }
}

pub fn status(lang: Lang) -> impl Fn(ApiError) -> Status {
    move |error| error.to_status(lang)
}

/// An empty string is "not given" in proto3.
pub fn given(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

pub fn expected_version(version: i32) -> Option<i32> {
    (version > 0).then_some(version)
}

pub fn page_size(size: i32) -> Option<i64> {
    (size != 0).then_some(i64::from(size))
}

pub fn batch_response(results: &[ItemResult], lang: Lang) -> BatchCreateResponse {
    BatchCreateResponse {
        results: results
            .iter()
            .enumerate()
            .map(|(i, r)| item_result(i, r, lang))
            .collect(),
    }
}

pub fn item_result(index: usize, result: &ItemResult, lang: Lang) -> BatchItemResult {
    let mut item = BatchItemResult {
        index: index as i32,
        ..Default::default()
    };
    match result {
        ItemResult::Created { id } => item.id = id.clone(),
        ItemResult::Invalid(violations) => {
            item.violations = violations
                .iter()
                .map(|v| {
                    let local = v.localized(lang);
                    FieldViolation {
                        path: local.path.to_owned(),
                        rule: local.rule.to_owned(),
                        message: local.message.to_owned(),
                    }
                })
                .collect();
        }
        ItemResult::Failed(error) => {
            item.error = format!("{}: {}", error.code().slug, error.title(lang))
        }
    }
    item
}

/// `Create…`: `body` created (idempotently, with the `idempotency-key` metadata under
/// `operation`) and answered as the message `M`.
pub async fn create<R: Resource, M: DeserializeOwned, T>(
    gateway: &Gateway,
    request: &Request<T>,
    parent: Option<&str>,
    operation: &str,
    body: Value,
) -> Result<Response<M>, Status> {
    let (lang, caller) = (lang(request), caller(request)?);
    let key = idempotency_key(request, operation, &body)?;
    let created = resource::create::<R>(gateway, &caller, parent, body, key)
        .await
        .map_err(status(lang))?;
    Ok(Response::new(from_json(created.resource, lang)?))
}

/// `Get…`: one resource as the message `M`.
pub async fn get<R: Resource, M: DeserializeOwned, T>(
    gateway: &Gateway,
    request: &Request<T>,
    parent: Option<&str>,
    id: &str,
) -> Result<Response<M>, Status> {
    let lang = lang(request);
    caller(request)?;
    let found = resource::get::<R>(gateway, parent, id)
        .await
        .map_err(status(lang))?;
    Ok(Response::new(from_json(found, lang)?))
}

/// `Update…`: `resource` replaces the one at `expected_version` (0: not given).
pub async fn update<R: Resource, M: Serialize + DeserializeOwned + Default, T>(
    gateway: &Gateway,
    request: &Request<T>,
    parent: Option<&str>,
    id: &str,
    resource: Option<&M>,
    expected: i32,
) -> Result<Response<M>, Status> {
    let (lang, caller) = (lang(request), caller(request)?);
    let body = resource.map_or_else(|| to_json(&M::default()), to_json);
    let updated = resource::update::<R>(
        gateway,
        &caller,
        parent,
        id,
        body,
        expected_version(expected),
    )
    .await
    .map_err(status(lang))?;
    Ok(Response::new(from_json(updated, lang)?))
}
