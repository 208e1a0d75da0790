//! Secrets at rest: AES-256-GCM for personal fields, a keyed hash (HMAC-SHA256) for
//! exact-match search over them, and SHA-256 for API tokens (only hashes are stored).
//!
//! One 32-byte master key, made into the data directory on first start (or given as
//! base64 in `JIAYANG_MASTER_KEY`); the encryption and index keys are derived from it with
//! distinct labels so that neither reveals the other.

use std::{fs, io, path::Path};

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::{
    Engine as _, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD,
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The environment variable that carries the master key (base64 of 32 bytes).
pub const MASTER_KEY_ENV: &str = "JIAYANG_MASTER_KEY";

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key must be base64 of exactly 32 bytes")]
    BadMasterKey,
    #[error("cannot read or write the key file: {0}")]
    Io(#[from] io::Error),
    #[error("a sealed value does not open with this key (wrong key or tampered data)")]
    Open,
}

/// The keys derived from the master key.
#[derive(Clone)]
pub struct Keys {
    cipher: Aes256Gcm,
    index_key: [u8; 32],
    page_tokens: PageTokenKey,
    checkpoint_seed: [u8; 32],
}

/// The key that authenticates page tokens: a token is taken back only as it was made.
#[derive(Clone, Copy)]
pub struct PageTokenKey([u8; 32]);

impl std::fmt::Debug for PageTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokenKey(..)")
    }
}

/// The length of a page token's tag.
pub const PAGE_TAG_LEN: usize = 16;

impl PageTokenKey {
    fn mac(&self, context: &str, last: &str) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(last.as_bytes());
        mac
    }

    /// The tag of a token that resumes after `last` in `context` (the query and its reader).
    pub fn tag(&self, context: &str, last: &str) -> [u8; PAGE_TAG_LEN] {
        let full = self.mac(context, last).finalize().into_bytes();
        let mut tag = [0; PAGE_TAG_LEN];
        tag.copy_from_slice(&full[..PAGE_TAG_LEN]);
        tag
    }

    /// Whether `tag` is [`PageTokenKey::tag`]'s, compared in constant time.
    pub fn matches(&self, context: &str, last: &str, tag: &[u8]) -> bool {
        tag.len() == PAGE_TAG_LEN && self.mac(context, last).verify_truncated_left(tag).is_ok()
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut mac =
                <Hmac<Sha256> as Mac>::new_from_slice(master).expect("HMAC takes any key length");
            mac.update(label);
            mac.finalize().into_bytes().into()
        };
        let encryption = derive(b"jiayang/v1/field-encryption");
        Self {
            cipher: Aes256Gcm::new_from_slice(&encryption).expect("32-byte AES key"),
            index_key: derive(b"jiayang/v1/search-index"),
            page_tokens: PageTokenKey(derive(b"jiayang/v1/page-token")),
            checkpoint_seed: derive(b"jiayang/v1/audit-checkpoint"),
        }
    }

    /// The Ed25519 key that signs audit checkpoints: derived from the master key, which
    /// is not in the database, so whoever can only write the database cannot sign one.
    pub fn checkpoint_signer(&self) -> ring::signature::Ed25519KeyPair {
        ring::signature::Ed25519KeyPair::from_seed_unchecked(&self.checkpoint_seed)
            .expect("32 bytes are an Ed25519 seed")
    }

    /// The key of page tokens.
    pub fn page_tokens(&self) -> PageTokenKey {
        self.page_tokens
    }

    /// The key from `JIAYANG_MASTER_KEY`, else `DIR/keys/master.key`, made there (0600)
    /// when absent.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, CryptoError> {
        if let Some(keys) = Self::load(data_dir)? {
            return Ok(keys);
        }
        let path = data_dir.join("keys").join("master.key");
        let mut master = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut master);
        crate::files::write_private(&path, STANDARD.encode(master).as_bytes())?;
        Ok(Self::from_master(&master))
    }

    /// The key from `JIAYANG_MASTER_KEY`, else `DIR/keys/master.key`; none when neither
    /// is there (a command that only checks must not make a key).
    pub fn load(data_dir: &Path) -> Result<Option<Self>, CryptoError> {
        if let Ok(encoded) = std::env::var(MASTER_KEY_ENV) {
            return Ok(Some(Self::from_master(&decode_master(&encoded)?)));
        }
        let path = data_dir.join("keys").join("master.key");
        if !path.exists() {
            return Ok(None);
        }
        let encoded = fs::read_to_string(&path)?;
        Ok(Some(Self::from_master(&decode_master(encoded.trim())?)))
    }

    /// Encrypts with a fresh random nonce; the nonce travels in front of the ciphertext.
    /// `context` (the row's id) is authenticated with it, so a sealed value cannot be
    /// moved to another row.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("AES-GCM encrypts any length");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: context,
        };
        self.cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| CryptoError::Open)
    }

    /// A keyed hash for exact-match lookups: equal inputs (in one domain) give equal
    /// hashes, and without the key the hash says nothing about the input.
    pub fn index_hash(&self, domain: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes any key length");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

fn decode_master(encoded: &str) -> Result<[u8; 32], CryptoError> {
    STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(CryptoError::BadMasterKey)
}

/// Whether `keys` is the master key the database was first used with. The database
/// remembers a check value of it (in `settings`); a start with another key (a lost key
/// file, a forgotten `JIAYANG_MASTER_KEY`) must stop instead of making sealed data
/// unreadable and identity search silently wrong. The first use records the value.
pub async fn check_master_key(store: &crate::Store, keys: &Keys) -> Result<bool, sea_orm::DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

    use crate::entity::setting;

    let check = keys.index_hash("key-check", "jiayang");
    match setting::Entity::find_by_id("master_key_check".to_owned())
        .one(&store.db)
        .await?
    {
        Some(stored) => Ok(stored.value == check),
        None => {
            setting::ActiveModel {
                name: Set("master_key_check".into()),
                value: Set(check),
            }
            .insert(&store.db)
            .await?;
            Ok(true)
        }
    }
}

/// A new API token: 32 random bytes, prefixed so that leaked tokens are easy to spot.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("jy_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database stores of a token: its SHA-256. Tokens are random 256-bit values,
/// so a fast hash is enough (no password stretching needed).
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_are_not_clear_text() {
        let keys = Keys::from_master(&[7; 32]);
        let sealed = keys.seal(b"sen_1", b"110105194403080027");
        assert!(!sealed.windows(18).any(|w| w == b"110105194403080027"));
        assert_eq!(keys.open(b"sen_1", &sealed).unwrap(), b"110105194403080027");
        assert!(Keys::from_master(&[8; 32]).open(b"sen_1", &sealed).is_err());
        assert!(
            keys.open(b"sen_2", &sealed).is_err(),
            "a sealed value is bound to its row"
        );
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(keys.open(b"sen_1", &tampered).is_err());
    }

    #[test]
    fn index_hashes_are_stable_per_key_and_domain() {
        let keys = Keys::from_master(&[7; 32]);
        assert_eq!(keys.index_hash("id", "x"), keys.index_hash("id", "x"));
        assert_ne!(keys.index_hash("id", "x"), keys.index_hash("phone", "x"));
        assert_ne!(
            keys.index_hash("id", "x"),
            Keys::from_master(&[8; 32]).index_hash("id", "x")
        );
    }
}
