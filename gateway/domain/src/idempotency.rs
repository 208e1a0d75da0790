//! Idempotent creates (`Idempotency-Key` / gRPC `idempotency-key`): the same key with the
//! same body gives the same result; the same key with another body is a conflict. Keys
//! are per caller. A key remembers the id of what it created (never the response body,
//! which may hold personal numbers), written in the transaction that creates the
//! resource, so a crash cannot leave one without the other.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;
use sha2::{Digest, Sha256};

use jiayang_schemas::Violation;
use jiayang_store::{entity::idempotency_key, now_micros};

use crate::{Error, rules};

/// A caller's idempotency key, bound to the request it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdempotencyKey {
    key: String,
    request_hash: String,
}

impl IdempotencyKey {
    /// Binds `key` to the operation (the resource's scope: `sen`, `wkr:prv_…`) and body.
    /// `serde_json` keeps object keys sorted, so the same JSON written with another key
    /// order hashes the same.
    pub(crate) fn new(key: &str, operation: &str, body: &Value) -> Result<Self, Error> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid(Violation::new(
                "",
                rules::IDEMPOTENCY_KEY_FORMAT,
                "Idempotency-Key 应为 1–255 个可见 ASCII 字符",
                "Idempotency-Key must be 1–255 visible ASCII characters",
            )));
        }
        let mut hasher = Sha256::new();
        hasher.update(operation.as_bytes());
        hasher.update([0]);
        hasher.update(body.to_string().as_bytes());
        Ok(Self {
            key: key.to_owned(),
            request_hash: URL_SAFE_NO_PAD.encode(hasher.finalize()),
        })
    }
}

/// The id created under a key, when the key was used before with the same body.
pub(crate) async fn replay(
    conn: &impl ConnectionTrait,
    participant: &str,
    key: &IdempotencyKey,
) -> Result<Option<String>, Error> {
    let found = idempotency_key::Entity::find_by_id((participant.to_owned(), key.key.clone()))
        .one(conn)
        .await?;
    match found {
        None => Ok(None),
        Some(row) if row.request_hash == key.request_hash => Ok(Some(row.resource_id)),
        Some(_) => Err(Error::IdempotencyConflict),
    }
}

pub(crate) async fn remember(
    conn: &impl ConnectionTrait,
    participant: &str,
    key: &IdempotencyKey,
    resource_id: &str,
) -> Result<(), DbErr> {
    idempotency_key::ActiveModel {
        participant: Set(participant.to_owned()),
        key: Set(key.key.clone()),
        request_hash: Set(key.request_hash.clone()),
        resource_id: Set(resource_id.to_owned()),
        created_at: Set(now_micros()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}
