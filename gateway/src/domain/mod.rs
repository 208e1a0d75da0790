//! The gateway's service layer: what every operation does, independent of protocol.
//! REST handlers and gRPC services only convert requests and call into here, so the two
//! cannot drift. Documents come in and go out as canonical JSON (`serde_json::Value`),
//! validated by the one validator of `jiayang-schemas`.

pub mod catalog;
pub mod consents;
mod document;
mod idempotency;
pub mod native;
pub mod paging;
pub mod providers;
pub mod records;
pub mod references;
pub mod release;
pub mod resource;
pub mod rules;
pub mod seniors;
pub mod workers;

use jiayang_schemas::{Kind, Violation};
use serde_json::Value;

use crate::{crypto::Keys, error::ApiError, store::Store};

pub use idempotency::IdempotencyKey;
pub use paging::{Page, PageRequest};

/// Everything an operation needs: the database, the keys and the audit log's appender.
#[derive(Clone, Debug)]
pub struct Gateway {
    pub store: Store,
    pub keys: Keys,
    pub audit: crate::audit::Appender,
}

impl Gateway {
    /// A gateway on `store`, starting its audit appender on the current runtime.
    pub fn new(store: Store, keys: Keys) -> Self {
        let audit = crate::audit::Appender::start(store.clone());
        Self { store, keys, audit }
    }
}

/// Who is calling, as established by authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub participant: String,
    pub kind: crate::participants::ParticipantKind,
}

/// The result of a create: the resource, and whether it was made now (201) or is the
/// replay of an earlier request with the same idempotency key (200).
#[derive(Clone, Debug, PartialEq)]
pub struct Created {
    pub resource: Value,
    pub replayed: bool,
}

/// The outcome of one item of a batch.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemResult {
    Created { id: String },
    Invalid(Vec<Violation>),
    Failed(ApiError),
}

/// Runs the validator and turns violations into an error.
pub(crate) fn validated(kind: Kind, document: &Value) -> Result<(), ApiError> {
    let violations = jiayang_schemas::validate(kind, document);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(violations))
    }
}

impl PartialEq for ApiError {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}
