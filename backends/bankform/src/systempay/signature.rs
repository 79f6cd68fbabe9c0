//! The vads signature (identical for requests and responses):
//!
//! ```text
//! S = values of the vads_* fields sorted by name, joined with "+", then "+" and the secret
//! sha1:        lowercase_hex(SHA1(S))
//! hmac_sha256: base64(HMAC_SHA256(key = secret, msg = S))   (the secret is also inside S)
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use polypay_core::BankData;

use super::config::SignatureAlgo;
use crate::common::sign::{self, HmacSha256};

/// A shop secret with its HMAC key prepared once.
#[derive(Debug, Clone)]
pub(crate) struct Key<'a> {
    /// The secret (it is also the last part of the signed string).
    pub(crate) secret: &'a str,
    /// HMAC-SHA-256 keyed with the secret.
    pub(crate) hmac: &'a HmacSha256,
}

/// A sort key of a `vads_*` name: the 8 bytes after `vads_`, zero-padded, big-endian. Names
/// with different keys are ordered as their keys; equal keys are ordered by the full names.
fn sort_key(name: &str) -> u64 {
    let after = name.as_bytes().get(5..).unwrap_or_default();
    match after.first_chunk::<8>() {
        Some(word) => u64::from_be_bytes(*word),
        // Shorter: its bytes zero-padded (little-endian), turned big-endian.
        None => BankData::name_words(after).0.swap_bytes(),
    }
}

/// The signing string of `fields` (only `vads_*` names count; empty values keep their slot).
fn signing_string<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>, secret: &str) -> String {
    // One allocation, sized by the caller's count: cheaper than clearing a large array on
    // the stack for every return.
    let mut vads: Vec<(u64, &str, &str)> = Vec::with_capacity(fields.size_hint().0);
    vads.extend(
        fields
            .filter(|(n, _)| n.starts_with("vads_"))
            .map(|(name, value)| (sort_key(name), name, value)),
    );
    vads.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    sorted_signing_string(vads.iter().map(|(_, n, v)| (*n, *v)), secret)
}

/// The signing string of `vads_*` fields already in name order (a form built by polypay).
fn sorted_signing_string<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    secret: &str,
) -> String {
    // One pass: values are short, so a generous first guess rarely reallocates.
    let mut s = String::with_capacity(fields.size_hint().0 * 32 + secret.len());
    for (_, value) in fields.filter(|(n, _)| n.starts_with("vads_")) {
        s.push_str(value);
        s.push('+');
    }
    s.push_str(secret);
    s
}

/// The signature of a signing string.
fn signature_of(algo: SignatureAlgo, key: &Key<'_>, s: &str) -> String {
    match algo {
        SignatureAlgo::Sha1 => sign::hex_lower(&sign::sha1(s.as_bytes())),
        SignatureAlgo::HmacSha256 => STANDARD.encode(key.hmac.mac(s.as_bytes())),
    }
}

/// The signature of `fields` with `key`.
#[cfg(test)]
pub(crate) fn sign<'a>(
    algo: SignatureAlgo,
    key: &Key<'_>,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
) -> String {
    signature_of(algo, key, &signing_string(fields, key.secret))
}

/// The signature of a form whose fields are sorted by name.
pub(crate) fn sign_sorted<'a>(
    algo: SignatureAlgo,
    key: &Key<'_>,
    fields: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> String {
    signature_of(algo, key, &sorted_signing_string(fields, key.secret))
}

/// Whether `received` is the signature of `fields`, compared in constant time (hex in either
/// case for SHA-1; base64 exactly for HMAC).
pub(crate) fn verify<'a>(
    algo: SignatureAlgo,
    key: &Key<'_>,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    received: &str,
) -> bool {
    let s = signing_string(fields, key.secret);
    match algo {
        SignatureAlgo::Sha1 => sign::ct_eq_hex(received, &sign::sha1(s.as_bytes())),
        SignatureAlgo::HmacSha256 => {
            let mut expected = [0u8; 44];
            match STANDARD.encode_slice(key.hmac.mac(s.as_bytes()), &mut expected) {
                Ok(len) => sign::ct_eq(received.as_bytes(), &expected[..len]),
                Err(_) => false,
            }
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
        let good = HmacSha256::new(b"1122334455667788");
        let bad = HmacSha256::new(b"1122334455667789");
        let key = Key {
            secret: "1122334455667788",
            hmac: &good,
        };
        let wrong = Key {
            secret: "1122334455667789",
            hmac: &bad,
        };
        assert_eq!(
            signing_string(it(), "1122334455667788"),
            "INTERACTIVE+1524+TEST+978+Jean Michél+Mihaï+PAYMENT+SINGLE+12345678+20090501193530+654321+V2+1122334455667788"
        );
        assert_eq!(
            sign(SignatureAlgo::Sha1, &key, it()),
            "cf1ccac335590a33d6c243345c4f4531a0316b7f"
        );
        assert_eq!(
            sign(SignatureAlgo::HmacSha256, &key, it()),
            "aHrJ7IzSGFa4pcYA8kh99+M/xBzoQ4Odnu3f4BUrpIA="
        );
        assert!(verify(
            SignatureAlgo::Sha1,
            &key,
            it(),
            "CF1CCAC335590A33D6C243345C4F4531A0316B7F"
        ));
        assert!(!verify(
            SignatureAlgo::Sha1,
            &wrong,
            it(),
            "cf1ccac335590a33d6c243345c4f4531a0316b7f"
        ));
        assert!(verify(
            SignatureAlgo::HmacSha256,
            &key,
            it(),
            "aHrJ7IzSGFa4pcYA8kh99+M/xBzoQ4Odnu3f4BUrpIA="
        ));
        assert!(!verify(
            SignatureAlgo::HmacSha256,
            &key,
            it(),
            "ahrJ7IzSGFa4pcYA8kh99+M/xBzoQ4Odnu3f4BUrpIA="
        ));
        // A form sorted by name signs the same through the sorted path.
        let mut sorted: Vec<_> = it().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for algo in [SignatureAlgo::Sha1, SignatureAlgo::HmacSha256] {
            assert_eq!(
                sign_sorted(algo, &key, sorted.iter().copied()),
                sign(algo, &key, it())
            );
        }
        // Names sharing their first bytes, and names with NUL bytes, sort as strings do.
        let tricky = [
            ("vads_abcdefgh2", "2"),
            ("vads_abcdefgh", "1"),
            ("vads_abcdefgh1", "3"),
            ("vads_a\0", "5"),
            ("vads_a", "4"),
            ("vads_", "0"),
        ];
        let mut by_name = tricky;
        by_name.sort_by(|a, b| a.0.cmp(b.0));
        let expected: String = by_name.iter().map(|(_, v)| format!("{v}+")).collect();
        assert_eq!(expected, "0+4+5+1+3+2+");
        assert_eq!(signing_string(tricky.iter().copied(), "k"), expected + "k");
        // More fields than fit on the stack.
        let many: Vec<(String, String)> = (0..100)
            .map(|i| (format!("vads_f{i:03}"), format!("{i}")))
            .collect();
        let many_it = || many.iter().rev().map(|(n, v)| (n.as_str(), v.as_str()));
        let expected: String = (0..100).map(|i| format!("{i}+")).collect::<String>() + "k";
        assert_eq!(signing_string(many_it(), "k"), expected);
    }
}
