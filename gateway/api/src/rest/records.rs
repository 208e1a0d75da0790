//! `/v1/service-records`: what a caller may see of service records (one, by external id,
//! a page). Creates and updates: `resource.rs`.

use axum::{Json, extract::State, response::Response};
use jiayang_domain::{Gateway, PageRequest, records::RecordFilter, release};
use serde::Deserialize;
use serde_json::Value;

use super::{
    extract::{Calling, JsonBody, Path, Query, lookup_key},
    reply,
};
use crate::{error::ApiError, lookup::external_only};

type Result<T> = std::result::Result<T, ApiError>;

/// A service record, if the caller may see it.
pub async fn get(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Path(id): Path<String>,
) -> Result<Response> {
    Ok(reply::released(
        release::record(&gateway, &call, &id).await?,
    ))
}

/// Service records are found by external id.
pub async fn lookup(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let (participant, id) = external_only(lookup_key(body)?)?;
    let found = release::lookup_record(&gateway, &call, &participant, &id).await?;
    Ok(reply::released(found))
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

pub async fn list(
    State(gateway): State<Gateway>,
    Calling(call): Calling,
    Query(q): Query<RecordQuery>,
) -> Result<Json<Value>> {
    let page = PageRequest::new(&call, q.page_size, q.page_token);
    let filter = RecordFilter {
        senior_id: q.senior,
        provider_id: q.provider,
        status: q.status,
        from: q.from,
        to: q.to,
    };
    let released = release::service_records(&gateway, &call, &page, &filter).await?;
    Ok(reply::released_page("serviceRecords", released))
}
