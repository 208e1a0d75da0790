//! The audit chain's signed checkpoints, published to every participant. The file beside
//! the data (`jiayang_store::checkpoints`) anchors the chain for the gateway's own
//! operators; a copy in every participant's hands anchors it against them too. Each
//! checkpoint the gateway signs is kept in `audit_checkpoints` and announced in the feed
//! (`audit_checkpoint.signed`, visible to all); a participant reads it at
//! `GET /v1/audit/checkpoints/{seq}`, checks the signature and keeps it, and
//! `jiayang audit verify --checkpoints FILE` later checks the chain against what it kept.
//! A database administrator can delete the table's rows, but not the copies participants
//! hold, and cannot sign new ones (the key is derived from the master key).

use base64::{Engine as _, engine::general_purpose::STANDARD};
use jiayang_store::{
    Store,
    checkpoints::{self, Checkpoint},
    crypto::Keys,
    entity::audit_checkpoint,
    micros_to_rfc3339,
};
use sea_orm::{ActiveValue::Set, EntityTrait, TryInsertResult};
use serde_json::{Value, json};

use crate::{
    Error,
    events::{self, Change},
};

/// The kind of resource a checkpoint is in the feed.
const KIND: &str = "audit_checkpoint";

/// Keeps a checkpoint and announces it, once per sequence number (nodes signing the same
/// head publish the first one). Whether it was new.
pub async fn publish(store: &Store, checkpoint: &Checkpoint) -> Result<bool, Error> {
    let write = store.write().await?;
    let inserted = audit_checkpoint::Entity::insert(audit_checkpoint::ActiveModel {
        seq: Set(checkpoint.seq),
        hash: Set(checkpoint.hash.clone()),
        signed_at: Set(checkpoint.at),
        signature: Set(checkpoint.signature.clone()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&write.txn)
    .await?;
    if !matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
        return Ok(false);
    }
    let change = Change::new("jiayang", KIND, "signed", &checkpoint.seq.to_string(), 1);
    events::announce(&write.txn, vec![change]).await?;
    write.commit().await?;
    Ok(true)
}

/// The checkpoint of entry `seq`, with what checks it: the signed message, the algorithm
/// and the public key. Anyone may read it (it names no one).
pub async fn get(store: &Store, keys: &Keys, seq: &str) -> Result<Value, Error> {
    let seq: i64 = seq
        .parse()
        .ok()
        .filter(|_| seq.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(Error::NotFound("audit checkpoint"))?;
    let row = audit_checkpoint::Entity::find_by_id(seq)
        .one(&store.db)
        .await?
        .ok_or(Error::NotFound("audit checkpoint"))?;
    let checkpoint = Checkpoint {
        seq: row.seq,
        hash: row.hash,
        at: row.signed_at,
        signature: row.signature,
    };
    Ok(json!({
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "at": checkpoint.at,
        "signedAt": micros_to_rfc3339(checkpoint.at),
        "signature": checkpoint.signature,
        "message": checkpoint.message(),
        "algorithm": "Ed25519",
        "publicKey": STANDARD.encode(checkpoints::public_key(keys)),
    }))
}
