//! Who is calling: a bearer API token (by its hash) or the fingerprint of the client
//! certificate the connection presented, each looked up with its participant.
//!
//! A credential found active is remembered (by its hash or fingerprint), so that the
//! hot path costs no query. What is remembered is forgotten, all of it, whenever the
//! store reports a credential change (`jiayang_store::changes`: a suspension or
//! rotation by this process, by the command line, or by another node), and after
//! [`REMEMBERED_FOR`] in any case. When the store cannot vouch that it would hear of a
//! change (PostgreSQL's listener not connected), nothing is remembered: every request
//! is looked up, as before. A refusal is never remembered.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use jiayang_store::{
    Store,
    changes::Stamp,
    crypto::token_hash,
    entity::{api_token, client_certificate, participant},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Status;
use crate::{Caller, Error, Gateway};

/// The longest a credential is trusted without being read again: a bound on a change
/// whose word was lost (a process that crashed between committing and signalling).
pub const REMEMBERED_FOR: Duration = Duration::from_secs(10);

/// More credentials than any exchange has participants: past it, all are forgotten.
const MOST_REMEMBERED: usize = 10_000;

/// Credentials found active, since the stamp they were read under.
#[derive(Debug, Default)]
pub struct Callers {
    state: Mutex<Remembered>,
}

#[derive(Debug, Default)]
struct Remembered {
    stamp: Option<Stamp>,
    found: HashMap<Credential, (Caller, Instant)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Credential {
    TokenHash(String),
    Certificate(String),
}

impl Callers {
    /// The caller `credential` was found to be, if that is still known at `stamp`.
    fn get(&self, stamp: Stamp, credential: &Credential) -> Option<Caller> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.stamp != Some(stamp) {
            state.found.clear();
            state.stamp = Some(stamp);
            return None;
        }
        match state.found.get(credential) {
            Some((caller, at)) if at.elapsed() < REMEMBERED_FOR => Some(caller.clone()),
            _ => None,
        }
    }

    /// Remembers what was read under `read_at`, unless a change has been reported
    /// since (`now`): what was read may already be out of date.
    fn put(&self, read_at: Stamp, now: Option<Stamp>, credential: Credential, caller: &Caller) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if now != Some(read_at) || state.stamp != Some(read_at) {
            return;
        }
        if state.found.len() >= MOST_REMEMBERED {
            state.found.clear();
        }
        state
            .found
            .insert(credential, (caller.clone(), Instant::now()));
    }
}

/// The caller a token and a certificate fingerprint name; both given must agree.
pub async fn authenticate(
    gateway: &Gateway,
    token: Option<&str>,
    fingerprint: Option<&str>,
) -> Result<Caller, Error> {
    let by_token = match token {
        Some(token) => Some(caller(gateway, Credential::TokenHash(token_hash(token))).await?),
        None => None,
    };
    let by_certificate = match fingerprint {
        Some(fingerprint) => {
            Some(caller(gateway, Credential::Certificate(fingerprint.to_owned())).await?)
        }
        None => None,
    };
    match (by_token, by_certificate) {
        (Some(a), Some(b)) if a != b => Err(Error::Unauthenticated),
        (Some(caller), _) | (None, Some(caller)) => Ok(caller),
        (None, None) => Err(Error::Unauthenticated),
    }
}

/// The active caller `credential` belongs to: remembered, or read and remembered.
async fn caller(gateway: &Gateway, credential: Credential) -> Result<Caller, Error> {
    let changes = &gateway.store.credentials;
    let stamp = changes.stamp();
    if let Some(stamp) = stamp
        && let Some(caller) = gateway.callers.get(stamp, &credential)
    {
        return Ok(caller);
    }
    let caller = read(&gateway.store, &credential).await?;
    if let Some(stamp) = stamp {
        gateway
            .callers
            .put(stamp, changes.stamp(), credential, &caller);
    }
    Ok(caller)
}

/// The active caller `credential` belongs to, from the database.
async fn read(store: &Store, credential: &Credential) -> Result<Caller, Error> {
    let db = &store.db;
    let found = match credential {
        Credential::TokenHash(hash) => api_token::Entity::find_by_id(hash.clone())
            .filter(api_token::Column::RevokedAt.is_null())
            .find_also_related(participant::Entity)
            .one(db)
            .await?
            .and_then(|(_, p)| p),
        Credential::Certificate(fingerprint) => {
            client_certificate::Entity::find_by_id(fingerprint.clone())
                .filter(client_certificate::Column::RevokedAt.is_null())
                .find_also_related(participant::Entity)
                .one(db)
                .await?
                .and_then(|(_, p)| p)
        }
    };
    active(found)
}

fn active(found: Option<participant::Model>) -> Result<Caller, Error> {
    let participant = found
        .filter(|p| p.status == Status::Active.as_str())
        .ok_or(Error::Unauthenticated)?;
    let kind = participant
        .kind
        .parse()
        .map_err(|_| Error::Internal("a participant of an unknown kind is registered".into()))?;
    Ok(Caller {
        participant: participant.id,
        kind,
    })
}
