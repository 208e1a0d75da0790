//! `/v1/native/{format}/{kind}`: a participant's own format in and out (see
//! `jiayang_domain::native`).

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use jiayang_domain::{Gateway, PageRequest, native};
use serde::Deserialize;

use super::extract::{Batching, Calling, PageQuery, Path, Query};
use crate::{error::ApiError, request::RequestLang, wire};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportQuery {
    district: Option<String>,
    provider_uscc: Option<String>,
}

pub async fn import(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    _batching: Batching,
    RequestLang(lang): RequestLang,
    Path((format, kind)): Path<(String, String)>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let options = native::Options {
        district: q.district,
        provider_uscc: q.provider_uscc,
    };
    let which = native::format_and_kind(&format, &kind)?;
    let imported = native::import(&gateway, &call, which, &options, &body).await?;
    Ok(Json(imported.to_json(lang)).into_response())
}

pub async fn export(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path((format, kind)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::new(&call, q.page_size, q.page_token);
    let which = native::format_and_kind(&format, &kind)?;
    let exported = native::export(&gateway, &call, which, &page).await?;
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
        headers.insert(wire::NEXT_PAGE_TOKEN, token);
    }
    headers.insert(wire::OMITTED, HeaderValue::from(exported.omitted));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
