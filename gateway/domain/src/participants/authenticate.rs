//! Who is calling: a bearer API token (by its hash) or the fingerprint of the client
//! certificate the connection presented, each looked up with its participant in one
//! query on every request, so that a revoked credential or a suspended participant stops
//! working at once, on connections already open too.

use jiayang_store::{
    crypto::token_hash,
    entity::{api_token, client_certificate, participant},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Status;
use crate::{Caller, Error, Gateway};

/// The caller a token and a certificate fingerprint name; both given must agree.
pub async fn authenticate(
    gateway: &Gateway,
    token: Option<&str>,
    fingerprint: Option<&str>,
) -> Result<Caller, Error> {
    let db = &gateway.store.db;
    let by_token = match token {
        Some(token) => {
            let found = api_token::Entity::find_by_id(token_hash(token))
                .filter(api_token::Column::RevokedAt.is_null())
                .find_also_related(participant::Entity)
                .one(db)
                .await?;
            Some(active(found.and_then(|(_, p)| p))?)
        }
        None => None,
    };
    let by_certificate = match fingerprint {
        Some(fingerprint) => {
            let found = client_certificate::Entity::find_by_id(fingerprint.to_owned())
                .filter(client_certificate::Column::RevokedAt.is_null())
                .find_also_related(participant::Entity)
                .one(db)
                .await?;
            Some(active(found.and_then(|(_, p)| p))?)
        }
        None => None,
    };
    match (by_token, by_certificate) {
        (Some(a), Some(b)) if a != b => Err(Error::Unauthenticated),
        (Some(caller), _) | (None, Some(caller)) => Ok(caller),
        (None, None) => Err(Error::Unauthenticated),
    }
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
