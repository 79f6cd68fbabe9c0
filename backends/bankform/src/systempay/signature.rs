//! The vads signature (identical for requests and responses):
//!
//! ```text
//! S = values of the vads_* fields sorted by name, joined with "+", then "+" and the secret
//! sha1:        lowercase_hex(SHA1(S))
//! hmac_sha256: base64(HMAC_SHA256(key = secret, msg = S))   (the secret is also inside S)
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::config::SignatureAlgo;
use crate::common::sign;

/// The signing string of `fields` (only `vads_*` names count; empty values keep their slot).
fn signing_string<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>, secret: &str) -> String {
    let mut vads: Vec<(&str, &str)> = fields.filter(|(n, _)| n.starts_with("vads_")).collect();
    vads.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let len = vads.iter().map(|(_, v)| v.len() + 1).sum::<usize>() + secret.len();
    let mut s = String::with_capacity(len);
    for (_, value) in vads {
        s.push_str(value);
        s.push('+');
    }
    s.push_str(secret);
    s
}

/// The signature of `fields` with `secret`.
pub(crate) fn sign<'a>(
    algo: SignatureAlgo,
    secret: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
) -> String {
    let s = signing_string(fields, secret);
    match algo {
        SignatureAlgo::Sha1 => hex::encode(sign::sha1(s.as_bytes())),
        SignatureAlgo::HmacSha256 => {
            STANDARD.encode(sign::hmac_sha256(secret.as_bytes(), s.as_bytes()))
        }
    }
}

/// Whether `received` is the signature of `fields`, compared in constant time (hex in either
/// case for SHA-1; base64 exactly for HMAC).
pub(crate) fn verify<'a>(
    algo: SignatureAlgo,
    secret: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    received: &str,
) -> bool {
    let s = signing_string(fields, secret);
    match algo {
        SignatureAlgo::Sha1 => sign::ct_eq_hex(received, &sign::sha1(s.as_bytes())),
        SignatureAlgo::HmacSha256 => {
            let expected = STANDARD.encode(sign::hmac_sha256(secret.as_bytes(), s.as_bytes()));
            sign::ct_eq(received.as_bytes(), expected.as_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published example (eopayment's test suite, spec §1.8).
    const FIELDS: &[(&str, &str)] = &[
        ("vads_version", "V2"),
        ("vads_page_action", "PAYMENT"),
        ("vads_action_mode", "INTERACTIVE"),
        ("vads_payment_config", "SINGLE"),
        ("vads_site_id", "12345678"),
        ("vads_ctx_mode", "TEST"),
        ("vads_trans_id", "654321"),
        ("vads_trans_date", "20090501193530"),
        ("vads_amount", "1524"),
        ("vads_currency", "978"),
        ("vads_cust_first_name", "Jean Michél"),
        ("vads_cust_last_name", "Mihaï"),
        ("signature", "not signed"),
    ];

    #[test]
    fn published_example() {
        let it = || FIELDS.iter().map(|(n, v)| (*n, *v));
        assert_eq!(
            signing_string(it(), "1122334455667788"),
            "INTERACTIVE+1524+TEST+978+Jean Michél+Mihaï+PAYMENT+SINGLE+12345678+20090501193530+654321+V2+1122334455667788"
        );
        assert_eq!(
            sign(SignatureAlgo::Sha1, "1122334455667788", it()),
            "cf1ccac335590a33d6c243345c4f4531a0316b7f"
        );
        assert_eq!(
            sign(SignatureAlgo::HmacSha256, "1122334455667788", it()),
            "aHrJ7IzSGFa4pcYA8kh99+M/xBzoQ4Odnu3f4BUrpIA="
        );
        assert!(verify(
            SignatureAlgo::Sha1,
            "1122334455667788",
            it(),
            "CF1CCAC335590A33D6C243345C4F4531A0316B7F"
        ));
        assert!(!verify(
            SignatureAlgo::Sha1,
            "1122334455667789",
            it(),
            "cf1ccac335590a33d6c243345c4f4531a0316b7f"
        ));
        assert!(verify(
            SignatureAlgo::HmacSha256,
            "1122334455667788",
            it(),
            "aHrJ7IzSGFa4pcYA8kh99+M/xBzoQ4Odnu3f4BUrpIA="
        ));
        assert!(!verify(
            SignatureAlgo::HmacSha256,
            "1122334455667788",
            it(),
            "ahrJ7IzSGFa4pcYA8kh99+M/xBzoQ4Odnu3f4BUrpIA="
        ));
    }
}
