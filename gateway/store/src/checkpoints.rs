//! Signed checkpoints of the audit chain, kept outside the database. The chain alone
//! proves nothing to whoever can write the database: they can delete a tail and move the
//! head back, or edit an entry and recompute every hash after it. A checkpoint — the
//! head's sequence number and hash, signed with an Ed25519 key derived from the master
//! key (which is not in the database) — is appended to a file beside the data, so that
//! `jiayang audit verify` finds any rewrite of what a checkpoint covered. Anyone holding
//! the public key can check a checkpoint.

use std::{
    io::{self, BufRead, Write},
    path::{Path, PathBuf},
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use ring::signature::{ED25519, KeyPair, UnparsedPublicKey};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};

use crate::{
    Store,
    audit::Verified,
    crypto::Keys,
    entity::{audit_entry, audit_head},
    files, now_micros,
};

/// Where checkpoints are kept in a data directory.
pub fn file_in(data_dir: &Path) -> PathBuf {
    data_dir.join("audit").join("checkpoints.jsonl")
}

/// The chain's head at one moment, signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// When it was signed, in microseconds since the epoch.
    pub at: i64,
    /// Ed25519 over [`Checkpoint::message`], base64.
    pub signature: String,
}

impl Checkpoint {
    /// What is signed: a participant checking a checkpoint builds the same text.
    pub fn message(&self) -> String {
        format!(
            "jiayang audit checkpoint v1\n{}\n{}\n{}",
            self.seq, self.hash, self.at
        )
    }

    fn sign(keys: &Keys, seq: i64, hash: String, at: i64) -> Self {
        let mut checkpoint = Self {
            seq,
            hash,
            at,
            signature: String::new(),
        };
        let signature = keys
            .checkpoint_signer()
            .sign(checkpoint.message().as_bytes());
        checkpoint.signature = STANDARD.encode(signature.as_ref());
        checkpoint
    }

    /// Whether `public_key` signed it as it reads.
    pub fn is_signed_by(&self, public_key: &[u8]) -> bool {
        let Ok(signature) = STANDARD.decode(&self.signature) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(self.message().as_bytes(), &signature)
            .is_ok()
    }
}

/// The public key that checks this gateway's checkpoints.
pub fn public_key(keys: &Keys) -> Vec<u8> {
    keys.checkpoint_signer().public_key().as_ref().to_vec()
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot read the audit head: {0}")]
    Database(#[from] DbErr),
    #[error("{}: {error}", path.display())]
    File { path: PathBuf, error: io::Error },
    #[error("{}, line {line}: not a checkpoint", path.display())]
    Malformed { path: PathBuf, line: usize },
}

/// The checkpoints in `path`, oldest first; none when there is no file yet.
pub fn read(path: &Path) -> Result<Vec<Checkpoint>, CheckpointError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(CheckpointError::File {
                path: path.into(),
                error: e,
            });
        }
    };
    let mut checkpoints = Vec::new();
    for (n, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| CheckpointError::File {
            path: path.into(),
            error: e,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let checkpoint = serde_json::from_str(&line).map_err(|_| CheckpointError::Malformed {
            path: path.into(),
            line: n + 1,
        })?;
        checkpoints.push(checkpoint);
    }
    Ok(checkpoints)
}

/// Signs the chain's head and appends it to `path` (made 0600 in a 0700 directory),
/// unless the last checkpoint already names it: `last`, the sequence number of the last
/// one when the caller knows it (the file, which only grows, is read otherwise). The
/// checkpoint written, if any.
pub async fn write(
    store: &Store,
    keys: &Keys,
    path: &Path,
    last: Option<i64>,
) -> Result<Option<Checkpoint>, CheckpointError> {
    let head = audit_head::Entity::find_by_id(1)
        .one(&store.db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the audit head".into()))?;
    let last = match last {
        Some(seq) => Some(seq),
        None => read(path)?.last().map(|c| c.seq),
    };
    if head.seq == 0 || last == Some(head.seq) {
        return Ok(None);
    }
    let checkpoint = Checkpoint::sign(keys, head.seq, head.hash, now_micros());
    let line = serde_json::to_string(&checkpoint).expect("a checkpoint serialises") + "\n";
    let appended = (|| {
        if let Some(dir) = path.parent() {
            files::create_private_dir(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        file.write_all(line.as_bytes())?;
        file.sync_data()
    })();
    appended.map_err(|e| CheckpointError::File {
        path: path.into(),
        error: e,
    })?;
    Ok(Some(checkpoint))
}

/// Checks the chain against `checkpoints`: each must be signed by `public_key`, and the
/// entry at its sequence number must still have its hash (an entry removed or the chain
/// recomputed after an edit shows here even when the chain itself is consistent).
pub async fn check(
    conn: &impl ConnectionTrait,
    checkpoints: &[Checkpoint],
    public_key: &[u8],
) -> Result<Verified, DbErr> {
    for checkpoint in checkpoints {
        if !checkpoint.is_signed_by(public_key) {
            return Ok(Verified::Broken {
                seq: checkpoint.seq,
                reason: "a checkpoint's signature does not hold (the checkpoint file was edited)"
                    .into(),
            });
        }
        let entry = audit_entry::Entity::find_by_id(checkpoint.seq)
            .one(conn)
            .await?;
        match entry {
            Some(entry) if entry.hash == checkpoint.hash => {}
            found => {
                return Ok(Verified::Broken {
                    seq: checkpoint.seq,
                    reason: format!(
                        "the checkpoint signed at {} µs names entry {} with another hash: {}",
                        checkpoint.at,
                        checkpoint.seq,
                        match found {
                            Some(_) => "the chain up to it was rewritten",
                            None => "the entry is gone (entries removed from the end)",
                        }
                    ),
                });
            }
        }
    }
    Ok(Verified::Intact {
        entries: checkpoints.last().map_or(0, |c| c.seq),
    })
}
