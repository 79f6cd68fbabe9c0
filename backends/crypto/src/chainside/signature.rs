//! The signature of Chainside's callbacks, as both SDKs compute it:
//!
//! ```text
//! key       = SHA-256(utf8(secret))                       32 raw bytes
//! signature = base64(HMAC-SHA512(key, raw request body))  standard alphabet, padded
//! header    chainside-signature: <signature>
//! ```
//!
//! It is checked over the raw body before anything in it is read, in constant time.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use polypay_core::Secret;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "chainside-signature";

fn mac(secret: &str, body: &[u8]) -> Vec<u8> {
    let key = Sha256::digest(secret.as_bytes());
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = match Hmac::<Sha512>::new_from_slice(&key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The `chainside-signature` of `body` under the client secret (what Chainside sends; the
/// simulator and tests sign with it).
///
/// ```
/// use polypay_crypto::chainside::sign_callback;
/// let body = br#"{"event":"payment.completed","object":{"uuid":"x"}}"#;
/// assert_eq!(
///     sign_callback("chainside-secret", body),
///     "G2h/NlyDguYTWABZxrxuRvwQNpWrnBlOQ2ablly6et5dWpEUy/O5k7cY2/1a4cEbUYGcsgmXnsHGMIti+QjmfA=="
/// );
/// ```
pub fn sign_callback(secret: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(secret, body))
}

/// Whether `signature` (the header's value) is the signature of `body` under `secret`. The
/// comparison is constant-time; a value that is not base64 is simply wrong.
pub fn verify_callback(secret: &Secret, body: &[u8], signature: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let expected = mac(secret.expose(), body);
    // Lengths are public (64 bytes); `ct_eq` compares the contents in constant time.
    !expected.is_empty() && bool::from(expected.ct_eq(&given))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // Computed independently (Python's hmac and hashlib).
        assert_eq!(
            sign_callback("sécret", b""),
            "Yq7f0/274flNRAPKlzSCexbm/U+efx3UlvCDG4asEPDLJu4EuneVgRuhpNIXu4kifqWEzvLDGYYb1lhS/8wRBA=="
        );
        let secret = Secret::new("chainside-secret");
        let body = br#"{"event":"payment.completed","object":{"uuid":"x"}}"#;
        let good = sign_callback("chainside-secret", body);
        assert!(verify_callback(&secret, body, &good));
        assert!(verify_callback(&secret, body, &format!(" {good}\n")));
        assert!(!verify_callback(&secret, &body[1..], &good));
        assert!(!verify_callback(&Secret::new("other"), body, &good));
        assert!(!verify_callback(&secret, body, ""));
        assert!(!verify_callback(&secret, body, "not base64!"));
        assert!(!verify_callback(&secret, body, &good[..good.len() - 4]));
    }
}
