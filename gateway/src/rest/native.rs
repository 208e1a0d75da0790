//! `/v1/native/{format}/{kind}`: a participant's own format in and out (see
//! `crate::domain::native`).

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use jiayang_adapters::{Format, RecordKind};
use jiayang_schemas::Violation;
use serde::Deserialize;

use super::extract::{Path, Query};
use crate::{
    app::AppState,
    domain::{Caller, PageRequest, native},
    error::ApiError,
    http::RequestLang,
};

/// The response header holding the next page's token (a native document has no place
/// for it).
pub const NEXT_PAGE_TOKEN: &str = "x-jiayang-next-page-token";
/// The response header counting records of the page the format cannot represent.
pub const OMITTED: &str = "x-jiayang-omitted";

fn parse<T: std::str::FromStr<Err = String>>(text: &str, path: &str) -> Result<T, ApiError> {
    text.parse().map_err(|message: String| {
        ApiError::Invalid(vec![Violation::new(
            path,
            jiayang_adapters::rule::CONVERSION_UNSUPPORTED,
            message.clone(),
            message,
        )])
    })
}

fn format_and_kind((format, kind): (String, String)) -> Result<(Format, RecordKind), ApiError> {
    Ok((parse(&format, "/format")?, parse(&kind, "/kind")?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportQuery {
    district: Option<String>,
    provider_uscc: Option<String>,
}

pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    RequestLang(lang): RequestLang,
    Path(names): Path<(String, String)>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (format, kind) = format_and_kind(names)?;
    let options = native::Options {
        district: q.district,
        provider_uscc: q.provider_uscc,
    };
    let imported = native::import(&state.gateway, &caller, format, kind, &options, &body).await?;
    Ok(Json(imported.to_json(lang)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
}

pub async fn export(
    State(state): State<AppState>,
    reader: crate::domain::release::Reader,
    Path(names): Path<(String, String)>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let (format, kind) = format_and_kind(names)?;
    let page = PageRequest {
        page_size: q.page_size,
        page_token: q.page_token,
    };
    let exported = native::export(&state.gateway, &reader, format, kind, &page).await?;
    let mut response = match exported.document {
        Some(document) => Json(document).into_response(),
        // The formats hold one record at least: an empty page has no document.
        None => StatusCode::NO_CONTENT.into_response(),
    };
    let headers = response.headers_mut();
    if let Some(token) = exported
        .next_page_token
        .and_then(|t| HeaderValue::from_str(&t).ok())
    {
        headers.insert(NEXT_PAGE_TOKEN, token);
    }
    headers.insert(OMITTED, HeaderValue::from(exported.omitted));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
