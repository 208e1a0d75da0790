//! Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under
//! the secret's key (the base64 after `whsec_`), one per secret, space-separated.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and 32 random bytes in base64.
pub(crate) fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` header for `body` sent as message `id` at `timestamp`
/// (seconds), signed with each of `secrets`.
pub(crate) fn sign(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|secret| {
            let key = STANDARD
                .decode(secret.strip_prefix(PREFIX).unwrap_or(secret))
                .unwrap_or_default();
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key");
            mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks libraries' own example.
    #[test]
    fn signs_as_the_standard_webhooks_libraries_do() {
        let signature = sign(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotated_secret_signs_beside_the_new_one() {
        let (new, old) = (new_secret(), new_secret());
        let both = sign(&[&new, &old], "evt_1", 1, "{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(
            parts,
            [
                sign(&[&new], "evt_1", 1, "{}"),
                sign(&[&old], "evt_1", 1, "{}")
            ]
        );
        assert_ne!(parts[0], parts[1]);
    }
}
