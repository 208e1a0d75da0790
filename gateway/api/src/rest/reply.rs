//! How REST answers: a resource with its ETag, a released one with the categories it
//! leaves out, pages, and batch results.

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use jiayang_domain::{
    Created, ItemResult, Page,
    release::{Released, ReleasedPage},
};
use jiayang_schemas::Lang;
use serde::{Serialize, Serializer, ser::SerializeMap};
use serde_json::{Value, json, value::RawValue};

use crate::{error::ApiError, wire};

/// A resource with its version as the ETag.
pub fn with_etag(status: StatusCode, resource: Value) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(version) = resource.get("version").and_then(Value::as_i64)
        && let Ok(tag) = HeaderValue::from_str(&format!("\"{version}\""))
    {
        headers.insert(header::ETAG, tag);
    }
    (status, headers, Json(resource)).into_response()
}

/// 201 for a new resource, 200 for the replay of an idempotent create.
pub fn created(created: Created) -> Response {
    let status = if created.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    with_etag(status, created.resource)
}

/// A released resource, with the categories left out of it in a header.
pub fn released(resource: Released) -> Response {
    let mut response = with_etag(StatusCode::OK, resource.resource);
    if let Ok(value) = HeaderValue::from_str(&resource.withheld.join(",")) {
        response
            .headers_mut()
            .insert(wire::WITHHELD_CATEGORIES, value);
    }
    response
}

/// `{"<plural>": [...], "nextPageToken": "..."}`; no token on the last page.
pub fn page(plural: &str, page: Page) -> Json<Value> {
    released_page(plural, page.into())
}

/// [`page`] for items already rendered to JSON text, written out as they are.
pub fn raw_page(plural: &'static str, page: Page<Box<RawValue>>) -> Json<RawPage> {
    Json(RawPage { plural, page })
}

/// The body [`raw_page`] answers.
pub struct RawPage {
    plural: &'static str,
    page: Page<Box<RawValue>>,
}

impl Serialize for RawPage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(self.plural, &self.page.items)?;
        if let Some(token) = &self.page.next_page_token {
            map.serialize_entry("nextPageToken", token)?;
        }
        map.end()
    }
}

/// A released page: `page`'s shape, and `withheld: [{id, categories}]` for the items
/// minimised.
pub fn released_page(plural: &str, page: ReleasedPage) -> Json<Value> {
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

/// `{"results": [{index, id} | {index, violations} | {index, error}]}`.
pub fn batch_results(results: &[ItemResult], lang: Lang) -> Json<Value> {
    let results: Vec<Value> = results
        .iter()
        .enumerate()
        .map(|(index, result)| match result {
            ItemResult::Created { id } => json!({"index": index, "id": id}),
            ItemResult::Invalid(violations) => json!({
                "index": index,
                "violations": violations.iter().map(|v| v.localized(lang)).collect::<Vec<_>>(),
            }),
            ItemResult::Failed(error) => json!({
                "index": index,
                "error": ApiError::Domain(error.clone()).problem(lang, None),
            }),
        })
        .collect();
    Json(json!({ "results": results }))
}
