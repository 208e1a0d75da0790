//! Webhooks (DESIGN §4.5): each participant may register one endpoint; every event of
//! the feed it may receive is delivered there, in feed order, signed as the Standard
//! Webhooks spec says (`signature.rs`), retried with backoff, and recorded as a delivery
//! it (and the operator) can list and redeliver (`deliveries.rs`). `target.rs` says
//! where deliveries may go; `dispatch.rs` sends them, one node per endpoint at a time
//! (a lease), through a [`Transport`] the server provides (this layer speaks no HTTP).
//!
//! A new endpoint receives the events from its registration on; earlier ones are on
//! the feed (`GET /v1/events`). Registering again (a new URL, or the same) issues a new
//! secret; the one it replaces keeps signing beside it for [`ROTATION_OVERLAP`], so a
//! receiver can switch without losing a delivery.

mod deliveries;
mod dispatch;
mod signature;
mod target;

use jiayang_store::{
    Store, audit,
    crypto::Keys,
    entity::{participant, webhook},
    events, now_micros,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};

use crate::{Error, participants::OPERATOR};

pub use deliveries::{DeliveryFilter, list_deliveries, redeliver};
pub use dispatch::{Attempt, Dispatch, Outgoing, Transport, start};
pub use target::{Policy, address_allowed, check_url};

/// How long a replaced secret keeps signing beside its successor, in microseconds.
pub const ROTATION_OVERLAP: i64 = 24 * 3600 * 1_000_000;

/// What the sealed secrets are bound to, beside the participant.
const SEAL_CONTEXT: &str = "webhook-secret";

/// A registered endpoint, with its secret: shown this once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub participant: String,
    pub url: String,
    pub secret: String,
}

fn context(participant: &str) -> Vec<u8> {
    format!("{SEAL_CONTEXT}:{participant}").into_bytes()
}

/// Registers (or replaces) `participant`'s endpoint at `url`, with a new secret. A
/// disabled endpoint registered again is enabled.
pub async fn register(
    store: &Store,
    keys: &Keys,
    policy: &Policy,
    participant: &str,
    url: &str,
) -> Result<Registered, Error> {
    check_url(url, policy)?;
    let write = store.write().await?;
    if participant::Entity::find_by_id(participant.to_owned())
        .one(&write.txn)
        .await?
        .is_none()
    {
        return Err(Error::NotFound("participant"));
    }
    let secret = signature::new_secret();
    let sealed = keys.seal(&context(participant), secret.as_bytes());
    let now = now_micros();
    match webhook::Entity::find_by_id(participant.to_owned())
        .one(&write.txn)
        .await?
    {
        Some(existing) => {
            let previous = existing.secret.clone();
            let mut row = existing.into_active_model();
            row.url = Set(url.to_owned());
            row.secret = Set(sealed);
            row.previous_secret = Set(Some(previous));
            row.previous_until = Set(Some(now + ROTATION_OVERLAP));
            row.status = Set(ACTIVE.into());
            row.disabled_reason = Set(None);
            row.due_at = Set(now);
            row.updated_at = Set(now);
            row.update(&write.txn).await?;
        }
        None => {
            webhook::ActiveModel {
                participant: Set(participant.to_owned()),
                url: Set(url.to_owned()),
                secret: Set(sealed),
                previous_secret: Set(None),
                previous_until: Set(None),
                status: Set(ACTIVE.into()),
                disabled_reason: Set(None),
                cursor: Set(events::head(&write.txn).await?),
                due_at: Set(now),
                lease_owner: Set(None),
                lease_until: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&write.txn)
            .await?;
        }
    }
    let entry = audit::Entry::change(OPERATOR, "participant.webhook", participant, None);
    audit::append(&write.txn, vec![entry]).await?;
    write.commit().await?;
    Ok(Registered {
        participant: participant.to_owned(),
        url: url.to_owned(),
        secret,
    })
}

const ACTIVE: &str = "ACTIVE";
const DISABLED: &str = "DISABLED";

/// The secrets that sign a delivery now: the current one, and the one it replaced while
/// that still overlaps.
fn signing_secrets(keys: &Keys, endpoint: &webhook::Model, now: i64) -> Result<Vec<String>, Error> {
    let open = |sealed: &[u8]| {
        keys.open(&context(&endpoint.participant), sealed)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| Error::Internal("a webhook secret does not open".into()))
    };
    let mut secrets = vec![open(&endpoint.secret)?];
    if let (Some(previous), Some(until)) = (&endpoint.previous_secret, endpoint.previous_until)
        && until > now
    {
        secrets.push(open(previous)?);
    }
    Ok(secrets)
}
