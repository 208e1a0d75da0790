//! A senior's access history: who accessed their data, when, how and for what purpose
//! (DESIGN §4.4), from the audit log, newest first. Only the senior's holder (and the
//! operator) reads it.

use jiayang_store::{audit, micros_to_rfc3339};
use serde::Serialize;

use crate::{Call, Error, Gateway, consents::require_holder};

/// Entries one answer holds by default, and at most.
const DEFAULT_ENTRIES: u64 = 20;
const MAX_ENTRIES: u64 = 200;

/// One access to a senior's data.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessRecord {
    /// RFC 3339.
    pub at: String,
    pub participant: String,
    /// The route or gRPC method.
    pub action: String,
    pub purpose: Option<String>,
    /// `ALLOW` or `DENY`.
    pub decision: String,
    pub reason: Option<String>,
    /// The data categories released, comma-separated.
    pub categories: Option<String>,
    pub request_id: Option<String>,
}

/// The newest `entries` (default 20, 1 to 200) accesses to the senior `id`.
pub async fn access_history(
    gateway: &Gateway,
    call: &Call,
    id: &str,
    entries: Option<u64>,
) -> Result<Vec<AccessRecord>, Error> {
    require_holder(gateway, call, id).await?;
    let limit = entries.unwrap_or(DEFAULT_ENTRIES).clamp(1, MAX_ENTRIES);
    Ok(audit::history(&gateway.store.db, id, limit)
        .await?
        .into_iter()
        .map(|e| AccessRecord {
            at: micros_to_rfc3339(e.at),
            participant: e.participant,
            action: e.action,
            purpose: e.purpose,
            decision: e.decision,
            reason: e.reason,
            categories: e.categories,
            request_id: e.request_id,
        })
        .collect())
}
