//! The gateway's decisions, independent of protocol: who the caller is and what its kind
//! may call, what each operation does, and what of seniors' data leaves (consent,
//! release, minimisation). Documents come in and go out as canonical JSON
//! (`serde_json::Value`), validated by the one validator of `jiayang-schemas`; storage is
//! `jiayang-store`, the layer below. Nothing here knows HTTP, gRPC, TLS or the server:
//! `jiayang-api` converts requests into calls of this crate and answers back.
//!
//! The public surface, by idea:
//! - [`Gateway`] (database, keys, audit appender, CA), [`Call`] (caller, declared purpose,
//!   audit [`Trail`]), [`Error`], [`rules`] (the gateway's rule ids).
//! - [`Operation`] and [`access`]: every operation and who may call it.
//! - [`participants`]: kinds, the registry, authentication.
//! - [`resource`]: create (idempotent), get, update, batch create for every
//!   [`resource::Resource`]: [`Seniors`], [`Providers`], [`Workers`], [`ServiceRecords`],
//!   [`Consents`]; lists and lookups in their modules.
//! - [`release`]: what a call gets of seniors and service records (one, searched, listed).
//! - [`events`]: every change's audit entry and event (the outbox), and the feed read
//!   from a cursor.
//! - [`consents`], [`history`], [`native`], [`import`], [`catalog`].

pub mod access;
pub mod alerts;
pub mod catalog;
pub mod checkpoints;
pub mod consents;
pub mod events;
pub mod history;
pub mod import;
pub mod native;
pub mod participants;
pub mod providers;
pub mod records;
pub mod release;
pub mod resource;
pub mod rules;
pub mod verification;
pub mod webhooks;

mod call;
mod document;
mod error;
mod grants;
mod idempotency;
mod operation;
mod paging;
mod references;
mod seniors;
pub mod slots;
mod trail;
mod workers;

use std::sync::Arc;

use jiayang_schemas::{Kind, Violation};
use jiayang_store::{Store, audit::Appender, crypto::Keys, pki::TlsFiles};
use serde_json::Value;

pub use call::{Call, Caller};
pub use consents::Consents;
pub use error::Error;
pub use operation::Operation;
pub use paging::{Page, PageRequest};
pub use participants::ParticipantKind;
pub use providers::Providers;
pub use records::ServiceRecords;
pub use seniors::Seniors;
pub use slots::{Slot, Slots};
pub use trail::{Access, Trail};
pub use workers::Workers;

/// Everything an operation needs: the database, the keys, the audit log's appender, the
/// CA that issues participants' certificates, and the verification's thresholds.
#[derive(Clone, Debug)]
pub struct Gateway {
    pub store: Store,
    pub keys: Keys,
    pub audit: Appender,
    pub tls: TlsFiles,
    pub thresholds: verification::Thresholds,
    pub feed: events::Feed,
    /// Where webhooks registered over the API may point.
    pub webhook_policy: webhooks::Policy,
    /// The imports open on this node.
    pub imports: Slots,
    /// The batches being written on this node (REST, gRPC and native).
    pub batches: Slots,
    /// Credentials found active, until the store reports a change.
    pub callers: Arc<participants::Callers>,
}

impl Gateway {
    /// A gateway on `store`, starting its audit appender and event sequencer on the
    /// current runtime, with DESIGN's verification thresholds.
    pub fn new(store: Store, keys: Keys, tls: TlsFiles) -> Self {
        let audit = Appender::start(store.clone());
        let feed = events::Feed::start(store.clone());
        store.credentials.listen(&store.db);
        Self {
            feed,
            webhook_policy: webhooks::Policy::default(),
            store,
            keys,
            audit,
            tls,
            thresholds: verification::Thresholds::default(),
            imports: import::slots(),
            batches: resource::batch_slots(),
            callers: Arc::default(),
        }
    }
}

/// The result of a create: the resource, and whether it was made now or is the replay
/// of an earlier request with the same idempotency key.
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
    Failed(Error),
}

/// Runs the validator and turns violations into an error.
fn validated(kind: Kind, document: &Value) -> Result<(), Error> {
    let violations = jiayang_schemas::validate(kind, document);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(violations))
    }
}
