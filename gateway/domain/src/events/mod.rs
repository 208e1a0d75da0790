//! The change feed (DESIGN §4.5). Every change — a resource created or updated, a
//! consent withdrawn, an alert raised or handled — is recorded once, by [`record`], in
//! the change's own transaction: its audit entry and its event (the outbox). An event
//! names the resource (kind, id, version) and its senior, never data; the receiver reads
//! the resource and gets what its grants allow.
//!
//! Events get their place in the feed after they commit ([`jiayang_store::events`]); a
//! cursor is such a place. Who receives an event is judged when it is read, not when it
//! was written: after a withdrawal the grantee receives nothing more about that
//! registration. `feed.rs` runs the sequencer and tells waiting readers of new
//! positions; `read.rs` answers a reader from a cursor.

mod feed;
mod read;

use jiayang_schemas::Kind;
use jiayang_store::{audit, entity::event, events, now_micros};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, NotSet};

use crate::{Error, document::new_id};

pub use feed::Feed;
pub use read::{Batch, Delivered, MAX_LIMIT, MAX_WAIT, poll, still_active};
pub(crate) use read::{delivered, next, visible};

/// The name a resource kind has in events and change entries (`service_record`).
pub(crate) fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Senior => "senior",
        Kind::ServiceRecord => "service_record",
        Kind::Provider => "provider",
        Kind::Worker => "worker",
        Kind::Consent => "consent",
    }
}

/// A change to one resource, as the audit log and the feed record it.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    /// The participant that made it (`jiayang` for what the gateway does itself).
    pub by: String,
    /// `senior`, `service_record`, `consent`, `alert`, `provider`, `worker`,
    /// `audit_checkpoint`.
    pub kind: &'static str,
    /// `created`, `updated`, `withdrawn`, `raised`, `acknowledged`, `resolved`, `signed`.
    pub what: &'static str,
    pub id: String,
    /// The resource's version after the change.
    pub version: i32,
    /// A worker's provider: a receiver needs it to read the worker.
    pub parent: Option<String>,
    pub senior: Option<String>,
    /// For a senior, whose registration changed: only it and those it granted to hear
    /// of it (another holder learning of the change would learn of the registration).
    pub holder: Option<String>,
}

impl Change {
    pub(crate) fn new(
        by: &str,
        kind: &'static str,
        what: &'static str,
        id: &str,
        version: i32,
    ) -> Self {
        Self {
            by: by.to_owned(),
            kind,
            what,
            id: id.to_owned(),
            version,
            parent: None,
            senior: None,
            holder: None,
        }
    }

    pub(crate) fn about(mut self, senior: Option<&str>) -> Self {
        self.senior = senior.map(str::to_owned);
        self
    }

    fn action(&self) -> String {
        format!("{}.{}", self.kind, self.what)
    }
}

/// Writes the changes' events and audit entries, inside the changing transaction. The
/// audit entries go last: appending locks the chain's head until the commit and every
/// writer on the database queues for it, so a change that records its events as its
/// last write holds it for the append and the commit alone.
pub(crate) async fn record(txn: &DatabaseTransaction, changes: Vec<Change>) -> Result<(), Error> {
    if changes.is_empty() {
        return Ok(());
    }
    let entries = changes
        .iter()
        .map(|c| audit::Entry::change(&c.by, &c.action(), &c.id, c.senior.as_deref()))
        .collect();
    announce(txn, changes).await?;
    audit::append(txn, entries).await?;
    Ok(())
}

/// Writes the changes' events alone: for what is not a change to audit (a checkpoint of
/// the audit chain, whose own entry would grow the chain it signs).
pub(crate) async fn announce(txn: &DatabaseTransaction, changes: Vec<Change>) -> Result<(), Error> {
    let now = now_micros();
    let after = events::placed(txn).await?;
    let rows: Vec<event::ActiveModel> = changes
        .into_iter()
        .zip(1..)
        .map(|(change, n)| event::ActiveModel {
            seq: NotSet,
            position: Set(after.map(|last| last + n)),
            id: Set(new_id("evt")),
            event_type: Set(change.action()),
            resource_kind: Set(change.kind.to_owned()),
            resource_id: Set(change.id),
            version: Set(change.version),
            parent_id: Set(change.parent),
            senior_id: Set(change.senior),
            holder: Set(change.holder),
            occurred_at: Set(now),
        })
        .collect();
    jiayang_store::rows::insert_all(txn, rows).await?;
    Ok(())
}
