//! The REST handlers: convert, delegate to `crate::domain`, convert back.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{IdempotencyHeader, IfMatch, JsonBody, Path, Query, etag};
use crate::domain::references::invalid_lookup;
use crate::domain::release::Reader;
use crate::{
    app::AppState,
    domain::{
        Caller, IdempotencyKey, ItemResult, Page, PageRequest, catalog, consents,
        providers::{ProviderFilter, Providers},
        records::RecordFilter,
        release,
        resource::{self, Resource},
        workers::Workers,
    },
    error::ApiError,
    http::RequestLang,
    participants,
};

type Result<T> = std::result::Result<T, ApiError>;

fn with_etag(status: StatusCode, resource: Value) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(tag) = etag(&resource).and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    (status, headers, Json(resource)).into_response()
}

fn key_for(
    header: IdempotencyHeader,
    operation: &str,
    body: &Value,
) -> Result<Option<IdempotencyKey>> {
    header
        .0
        .map(|key| IdempotencyKey::new(&key, operation, body))
        .transpose()
}

pub async fn create<R: Resource>(
    State(state): State<AppState>,
    caller: Caller,
    idempotency: IdempotencyHeader,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let key = key_for(idempotency, R::PREFIX, &body)?;
    let created = resource::create::<R>(&state.gateway, &caller, None, body, key).await?;
    let status = if created.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(with_etag(status, created.resource))
}

pub async fn fetch<R: Resource>(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    Ok(with_etag(
        StatusCode::OK,
        resource::get::<R>(&state.gateway, None, &id).await?,
    ))
}

/// The response header naming the data categories a minimised profile leaves out.
pub const WITHHELD: &str = "x-jiayang-withheld-categories";

/// A released resource, with the categories left out of it in a header.
fn released(resource: release::Released) -> Response {
    let mut response = with_etag(StatusCode::OK, resource.resource);
    if let Ok(value) = HeaderValue::from_str(&resource.withheld.join(",")) {
        response.headers_mut().insert(WITHHELD, value);
    }
    response
}

/// A senior's profile as the reader may see it for the purpose it declares.
pub async fn fetch_senior(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Response> {
    Ok(released(
        release::senior(&state.gateway, &reader, &id).await?,
    ))
}

/// A service record, if the reader may see it.
pub async fn fetch_record(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Response> {
    Ok(released(
        release::record(&state.gateway, &reader, &id).await?,
    ))
}

pub async fn update<R: Resource>(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let updated = resource::update::<R>(&state.gateway, &caller, None, &id, body, version).await?;
    Ok(with_etag(StatusCode::OK, updated))
}

/// `{"<plural>": [...], "nextPageToken": "..."}`; no token on the last page.
fn page_body(plural: &str, page: Page) -> Json<Value> {
    let mut body = json!({ plural: page.items });
    if let Some(token) = page.next_page_token {
        body["nextPageToken"] = token.into();
    }
    Json(body)
}

/// A released page: `page_body`'s shape, and `withheld: [{id, categories}]` for the
/// items minimised.
fn released_page(plural: &str, page: release::ReleasedPage) -> Json<Value> {
    let mut body = json!({ plural: page.items });
    if !page.withheld.is_empty() {
        body["withheld"] = page
            .withheld
            .into_iter()
            .map(|(id, categories)| json!({"id": id, "categories": categories}))
            .collect();
    }
    if let Some(token) = page.next_page_token {
        body["nextPageToken"] = token.into();
    }
    Json(body)
}

/// The body of a batch create: the plural name of the resource holding the items.
fn batch_items(body: Value) -> Result<Vec<Value>> {
    let items = match body {
        Value::Object(mut object) if object.len() == 1 => {
            object.values_mut().next().map(Value::take)
        }
        _ => None,
    };
    match items {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(ApiError::Invalid(vec![jiayang_schemas::Violation::new(
            "",
            "batch-format",
            "批量请求体应为 {\"<复数资源名>\": [...]}",
            "a batch body is {\"<plural>\": [...]}",
        )])),
    }
}

pub async fn batch_create<R: Resource>(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let results =
        resource::batch_create::<R>(&state.gateway, &caller, None, batch_items(body)?).await?;
    Ok(Json(json!({ "results": batch_results(&results, lang) })).into_response())
}

pub fn batch_results(results: &[ItemResult], lang: jiayang_schemas::Lang) -> Vec<Value> {
    results
        .iter()
        .enumerate()
        .map(|(index, result)| match result {
            ItemResult::Created { id } => json!({"index": index, "id": id}),
            ItemResult::Invalid(violations) => {
                json!({"index": index, "violations": violations.iter().map(|v| v.localized(lang)).collect::<Vec<_>>()})
            }
            ItemResult::Failed(error) => json!({"index": index, "error": error.problem(lang, None)}),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LookupBody {
    external_id: Option<ExternalIdBody>,
    identity_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIdBody {
    participant: String,
    id: String,
}

fn lookup_body(body: Value) -> Result<LookupBody> {
    serde_json::from_value(body).map_err(|_| invalid_lookup())
}

pub async fn lookup<R: Resource>(
    State(state): State<AppState>,
    _caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let found = match lookup_body(body)? {
        LookupBody {
            external_id: Some(external),
            identity_number: None,
        } => R::lookup_external(&state.gateway, &external.participant, &external.id).await?,
        _ => return Err(invalid_lookup()),
    };
    Ok(with_etag(
        StatusCode::OK,
        found.ok_or(ApiError::NotFound(R::LABEL))?,
    ))
}

/// Seniors are found by external id or by resident ID number, which travels in the body.
pub async fn lookup_senior(
    State(state): State<AppState>,
    reader: Reader,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let key = match lookup_body(body)? {
        LookupBody {
            external_id: Some(external),
            identity_number: None,
        } => release::SeniorKey::External {
            participant: external.participant,
            id: external.id,
        },
        LookupBody {
            external_id: None,
            identity_number: Some(number),
        } => release::SeniorKey::IdentityNumber(number),
        _ => return Err(invalid_lookup()),
    };
    Ok(released(
        release::lookup_senior(&state.gateway, &reader, &key).await?,
    ))
}

/// Service records are found by external id.
pub async fn lookup_record(
    State(state): State<AppState>,
    reader: Reader,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let LookupBody {
        external_id: Some(external),
        identity_number: None,
    } = lookup_body(body)?
    else {
        return Err(invalid_lookup());
    };
    Ok(released(
        release::lookup_record(&state.gateway, &reader, &external.participant, &external.id)
            .await?,
    ))
}

/// Paging parameters. Each list's query struct repeats them rather than using
/// `#[serde(flatten)]`, which loses the types of query-string values.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
}

fn page_of(page_size: Option<i64>, page_token: &Option<String>) -> PageRequest {
    PageRequest {
        page_size,
        page_token: page_token.clone(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeniorQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
    division: Option<String>,
    status: Option<String>,
}

pub async fn list_seniors(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<SeniorQuery>,
) -> Result<Json<Value>> {
    let page = release::seniors(
        &state.gateway,
        &reader,
        &page_of(q.page_size, &q.page_token),
        q.division.as_deref(),
        q.status.as_deref(),
    )
    .await?;
    Ok(released_page("seniors", page))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
    senior: Option<String>,
    provider: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub async fn list_service_records(
    State(state): State<AppState>,
    reader: Reader,
    Query(q): Query<RecordQuery>,
) -> Result<Json<Value>> {
    let filter = RecordFilter {
        senior_id: q.senior,
        provider_id: q.provider,
        status: q.status,
        from: q.from,
        to: q.to,
    };
    Ok(released_page(
        "serviceRecords",
        release::service_records(
            &state.gateway,
            &reader,
            &page_of(q.page_size, &q.page_token),
            &filter,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
    district: Option<String>,
    service_item: Option<String>,
    kind: Option<String>,
    in_provider_library: Option<bool>,
}

pub async fn list_providers(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<ProviderQuery>,
) -> Result<Json<Value>> {
    let filter = ProviderFilter {
        district: q.district,
        service_item: q.service_item,
        kind: q.kind,
        in_provider_library: q.in_provider_library,
    };
    Ok(page_body(
        "providers",
        Providers::list(
            &state.gateway,
            &page_of(q.page_size, &q.page_token),
            &filter,
        )
        .await?,
    ))
}

pub async fn create_worker(
    State(state): State<AppState>,
    caller: Caller,
    Path(provider_id): Path<String>,
    idempotency: IdempotencyHeader,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let key = key_for(idempotency, &format!("wkr:{provider_id}"), &body)?;
    let created =
        resource::create::<Workers>(&state.gateway, &caller, Some(&provider_id), body, key).await?;
    let status = if created.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(with_etag(status, created.resource))
}

pub async fn list_workers(
    State(state): State<AppState>,
    _caller: Caller,
    Path(provider_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Value>> {
    Ok(page_body(
        "workers",
        Workers::list(
            &state.gateway,
            &provider_id,
            &page_of(q.page_size, &q.page_token),
        )
        .await?,
    ))
}

pub async fn fetch_worker(
    State(state): State<AppState>,
    _caller: Caller,
    Path((provider_id, id)): Path<(String, String)>,
) -> Result<Response> {
    Ok(with_etag(
        StatusCode::OK,
        resource::get::<Workers>(&state.gateway, Some(&provider_id), &id).await?,
    ))
}

pub async fn update_worker(
    State(state): State<AppState>,
    caller: Caller,
    Path((provider_id, id)): Path<(String, String)>,
    IfMatch(version): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let updated = resource::update::<Workers>(
        &state.gateway,
        &caller,
        Some(&provider_id),
        &id,
        body,
        version,
    )
    .await?;
    Ok(with_etag(StatusCode::OK, updated))
}

pub async fn service_items(_caller: Caller) -> Json<Value> {
    Json(json!({ "serviceItems": catalog::service_items() }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    page_size: Option<u64>,
}

/// Who accessed one senior's data, when, how and for what purpose; newest first, at
/// most `pageSize` (default 20, up to 200) entries of the audit log.
pub async fn access_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Value>> {
    let db = &state.gateway.store.db;
    consents::require_holder(&state.gateway, &caller, &id).await?;
    let limit = q.page_size.unwrap_or(20).clamp(1, 200);
    let entries = crate::audit::history(db, &id, limit).await?;
    let accesses: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            json!({
                "at": crate::store::micros_to_rfc3339(e.at),
                "participant": e.participant,
                "action": e.action,
                "purpose": e.purpose,
                "decision": e.decision,
                "reason": e.reason,
                "categories": e.categories,
                "requestId": e.request_id,
            })
        })
        .collect();
    Ok(Json(json!({ "accesses": accesses })))
}

pub async fn create_consent(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let created = consents::create(&state.gateway, &caller, body).await?;
    Ok(with_etag(StatusCode::CREATED, created))
}

pub async fn fetch_consent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    Ok(with_etag(
        StatusCode::OK,
        consents::get(&state.gateway, &caller, &id).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct WithdrawBody {
    reason: Option<String>,
}

/// `POST /v1/consents/{id}:withdraw` (the path segment holds the id and the verb).
pub async fn consent_action(
    State(state): State<AppState>,
    caller: Caller,
    Path(segment): Path<String>,
    body: Option<axum::Json<WithdrawBody>>,
) -> Result<Response> {
    let Some(id) = segment.strip_suffix(":withdraw") else {
        return Err(ApiError::UnknownRoute);
    };
    let reason = body.and_then(|b| b.0.reason);
    Ok(with_etag(
        StatusCode::OK,
        consents::withdraw(&state.gateway, &caller, id, reason).await?,
    ))
}

pub async fn senior_consents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let found = consents::list_for_senior(&state.gateway, &caller, &id).await?;
    Ok(Json(json!({ "consents": found })))
}

fn participant_json(p: &crate::store::entity::participant::Model) -> Value {
    json!({
        "id": p.id,
        "kind": p.kind,
        "name": p.name,
        "status": p.status,
        "uscc": p.uscc,
        "nativeFormat": p.native_format,
        "createdAt": crate::store::micros_to_rfc3339(p.created_at),
    })
}

fn credentials_json(c: &participants::Credentials) -> Value {
    json!({"token": c.token, "certificatePem": c.certificate_pem, "keyPem": c.key_pem})
}

fn registry_error(error: participants::RegistryError) -> ApiError {
    use participants::RegistryError::*;
    match error {
        NotFound(_) => ApiError::NotFound("participant"),
        Exists(id) => ApiError::AlreadyExists(format!("participant {id}")),
        InvalidId(_) | SecondOperator => ApiError::Invalid(vec![jiayang_schemas::Violation::new(
            "/id",
            "participant-id",
            error.to_string(),
            error.to_string(),
        )]),
        Db(e) => e.into(),
        Tls(e) => ApiError::Internal(e.to_string()),
    }
}

pub async fn list_participants(State(state): State<AppState>) -> Result<Json<Value>> {
    let all = participants::list(&state.gateway.store)
        .await
        .map_err(registry_error)?;
    Ok(Json(
        json!({"participants": all.iter().map(participant_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewParticipantBody {
    id: String,
    kind: String,
    name: String,
    uscc: Option<String>,
    native_format: Option<String>,
}

/// Registers a participant; its credentials are in this answer and nowhere else.
pub async fn add_participant(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let body: NewParticipantBody = serde_json::from_value(body).map_err(|e| {
        ApiError::Invalid(vec![jiayang_schemas::Violation::new(
            "",
            "participant-format",
            format!("接入方格式错误：{e}"),
            format!("not a participant: {e}"),
        )])
    })?;
    let kind = body.kind.parse().map_err(|message: String| {
        ApiError::Invalid(vec![jiayang_schemas::Violation::new(
            "/kind",
            "participant-kind",
            message.clone(),
            message,
        )])
    })?;
    let new = participants::NewParticipant {
        id: body.id.clone(),
        kind,
        name: body.name,
        uscc: body.uscc,
        native_format: body.native_format,
    };
    let credentials = participants::add(&state.gateway.store, &state.tls, &new)
        .await
        .map_err(registry_error)?;
    let mut answer = json!({"id": body.id, "credentials": credentials_json(&credentials)});
    answer["kind"] = kind.as_str().into();
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `POST /v1/participants/{id}:suspend | :resume | :rotate`.
pub async fn participant_action(
    State(state): State<AppState>,
    Path(segment): Path<String>,
) -> Result<Json<Value>> {
    let store = &state.gateway.store;
    let (id, verb) = segment.rsplit_once(':').ok_or(ApiError::UnknownRoute)?;
    match verb {
        "suspend" | "resume" => {
            let status = if verb == "suspend" {
                participants::Status::Suspended
            } else {
                participants::Status::Active
            };
            participants::set_status(store, id, status)
                .await
                .map_err(registry_error)?;
            Ok(Json(json!({"id": id, "status": status.as_str()})))
        }
        "rotate" => {
            let credentials = participants::rotate(store, &state.tls, id)
                .await
                .map_err(registry_error)?;
            Ok(Json(
                json!({"id": id, "credentials": credentials_json(&credentials)}),
            ))
        }
        _ => Err(ApiError::UnknownRoute),
    }
}
