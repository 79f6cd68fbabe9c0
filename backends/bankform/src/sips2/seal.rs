//! Sips seals.
//!
//! - Paypage (eopayment's, and the bank's default): `lowercase_hex(SHA256(Data + secret))`.
//! - Office server: `lowercase_hex(HMAC_SHA256(secret, values of the sorted keys, concatenated))`,
//!   `keyVersion`, `sealAlgorithm` and `seal` excluded.

use serde_json::{Map, Value};

use sha2::{Digest, Sha256};

use super::config::SealAlgorithm;
use crate::common::sign::{self, HmacSha256};

/// The shop's secret key, with its HMAC key prepared once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key<'a> {
    /// The secret key.
    pub(crate) secret: &'a str,
    /// HMAC-SHA-256 keyed with it.
    pub(crate) hmac: &'a HmacSha256,
}

/// The Paypage seal of `data` with a secret given as text (tests, simulators).
#[cfg(test)]
pub(crate) fn paypage(algo: SealAlgorithm, data: &str, secret: &str) -> String {
    let hmac = HmacSha256::new(secret.as_bytes());
    hex::encode(paypage_raw(
        algo,
        data,
        Key {
            secret,
            hmac: &hmac,
        },
    ))
}

/// The Paypage seal as bytes.
pub(crate) fn paypage_raw(algo: SealAlgorithm, data: &str, key: Key<'_>) -> [u8; 32] {
    match algo {
        // SHA256(Data + secret), hashed in two parts rather than concatenated.
        SealAlgorithm::Sha256 => Sha256::new()
            .chain_update(data.as_bytes())
            .chain_update(key.secret.as_bytes())
            .finalize()
            .into(),
        SealAlgorithm::HmacSha256 => key.hmac.mac(data.as_bytes()),
    }
}

/// Whether `received` is the Paypage seal of `data` (constant time, hex in either case).
pub(crate) fn verify_paypage(
    algo: SealAlgorithm,
    data: &str,
    key: Key<'_>,
    received: &str,
) -> bool {
    sign::ct_eq_hex(received, &paypage_raw(algo, data, key))
}

/// A JSON value as the office server writes it into the sealed string.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The office-server seal of a JSON object.
pub(crate) fn office_raw(body: &Map<String, Value>, secret: &str) -> [u8; 32] {
    let mut keys: Vec<&String> = body
        .keys()
        .filter(|k| !matches!(k.as_str(), "keyVersion" | "sealAlgorithm" | "seal"))
        .collect();
    keys.sort_unstable();
    let s: String = keys.iter().map(|k| text(&body[k.as_str()])).collect();
    sign::hmac_sha256(secret.as_bytes(), s.as_bytes())
}

/// The office-server seal as lower-case hex.
pub(crate) fn office(body: &Map<String, Value>, secret: &str) -> String {
    hex::encode(office_raw(body, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_seal_ignores_its_own_fields() {
        let a = serde_json::json!({"b": "2", "a": "1", "keyVersion": "1", "seal": "x"});
        let b = serde_json::json!({"a": "1", "b": "2"});
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        assert_eq!(office(a, "k"), office(b, "k"));
        assert_eq!(office(b, "k"), hex::encode(sign::hmac_sha256(b"k", b"12")));
        let hmac = HmacSha256::new(b"k");
        let key = Key {
            secret: "k",
            hmac: &hmac,
        };
        for algo in [SealAlgorithm::Sha256, SealAlgorithm::HmacSha256] {
            let upper = paypage(algo, "x=1", "k").to_uppercase();
            assert!(verify_paypage(algo, "x=1", key, &upper));
        }
        assert_eq!(
            paypage(SealAlgorithm::Sha256, "x=1", "k"),
            hex::encode(sign::sha256(b"x=1k"))
        );
        assert_eq!(
            paypage(SealAlgorithm::HmacSha256, "x=1", "k"),
            hex::encode(sign::hmac_sha256(b"k", b"x=1"))
        );
    }
}
