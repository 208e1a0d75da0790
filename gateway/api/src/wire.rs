//! Names both protocols put on the wire beside the body: HTTP headers, which gRPC carries
//! as metadata under the same names.

use http::{HeaderMap, header};

/// The purpose a request declares for reading seniors' data.
pub const PURPOSE: &str = "x-jiayang-purpose";
/// The data categories a minimised resource leaves out, comma-separated.
pub const WITHHELD_CATEGORIES: &str = "x-jiayang-withheld-categories";
/// The key that makes a create idempotent.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The request id: the caller's when it sends a sane one, answered on every response.
pub const REQUEST_ID: &str = "x-request-id";
/// REST native lists: the next page's token (a native document has no place for it).
pub const NEXT_PAGE_TOKEN: &str = "x-jiayang-next-page-token";
/// REST native lists: records of the page left out (not representable as released to this reader).
pub const OMITTED: &str = "x-jiayang-omitted";

/// Whether a request is gRPC (`application/grpc…`).
pub fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}
