//! What a request decided about seniors' data, collected while it is answered and written
//! to the audit log before the answer leaves ("no entry, no access"). Operations record a
//! decision per senior they release or refuse; where the answer becomes an error, the
//! protocol records that error here, so that a refusal is logged as a denial and nothing
//! released before a failed answer is logged as released.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiayang_store::audit::{Decision, Entry};

use crate::Error;

/// One decision on one senior's data (a list decides once per senior it shows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub senior: String,
    /// The resource read (the profile itself, or a service record).
    pub resource: String,
    pub decision: Decision,
    pub reason: Option<String>,
    /// The data categories released, comma-separated.
    pub categories: Option<String>,
}

/// Where a request's decisions are left; cloned handles share one record.
#[derive(Clone, Debug, Default)]
pub struct Trail(Arc<Mutex<Recorded>>);

#[derive(Debug, Default)]
struct Recorded {
    accesses: Vec<Access>,
    /// Set when the answer is an error: the refusal's reason, or none for another failure.
    failed: Option<Option<String>>,
}

impl Trail {
    fn lock(&self) -> MutexGuard<'_, Recorded> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn push(&self, access: Access) {
        self.lock().accesses.push(access);
    }

    /// The request is answered with an error: `refusal` when it is a refusal (a decision
    /// against the caller), `None` for any other failure.
    pub fn failed(&self, refusal: Option<&Error>) {
        self.lock().failed = Some(refusal.map(ToString::to_string));
    }

    /// The audit entries of the request `request` describes (its participant, action,
    /// purpose and request id): one per recorded decision, each a denial if the answer
    /// failed; with none recorded, one for the request itself, a denial if it was refused.
    pub fn entries(&self, request: Entry) -> Vec<Entry> {
        let recorded = std::mem::take(&mut *self.lock());
        if recorded.accesses.is_empty() {
            let mut entry = request;
            if let Some(Some(reason)) = recorded.failed {
                entry.decision = Decision::Deny;
                entry.reason = Some(reason);
            }
            return vec![entry];
        }
        recorded
            .accesses
            .into_iter()
            .map(|access| {
                let mut entry = Entry {
                    resource: Some(access.resource),
                    senior: Some(access.senior),
                    decision: access.decision,
                    reason: access.reason,
                    categories: access.categories,
                    ..request.clone()
                };
                if recorded.failed.is_some() && entry.decision == Decision::Allow {
                    entry.decision = Decision::Deny;
                    entry.reason = Some("the answer failed: nothing was released".into());
                    entry.categories = None;
                }
                entry
            })
            .collect()
    }
}
