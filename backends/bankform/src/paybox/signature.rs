//! Paybox signatures.
//!
//! - Requests: `PBX_HMAC = UPPERCASE_hex(HMAC_SHA512(key = hex_decode(shared_secret),
//!   msg = "PBX_SITE=...&PBX_RANG=...&..."))`, fields in the order sent, values not encoded.
//! - Returns: RSA PKCS#1 v1.5 with SHA-1 by Paybox's key, base64 in the last variable
//!   (`signature`), over the text of the variables before it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use ring::signature::{RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, RsaPublicKeyComponents};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha1::Sha1;

use crate::common::sign::{self, HmacSha512};

/// The HMAC input of the request fields.
pub(crate) fn hmac_input<'a>(fields: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> String {
    let len = fields.clone().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut s = String::with_capacity(len);
    for (i, (name, value)) in fields.enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(name);
        s.push('=');
        s.push_str(value);
    }
    s
}

/// `PBX_HMAC` of the request fields, with the binary key.
pub(crate) fn hmac<'a>(
    key: &HmacSha512,
    fields: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> String {
    sign::hex_upper(&key.mac(hmac_input(fields).as_bytes()))
}

/// Paybox's public key, checking return signatures.
///
/// Verification goes through `ring` (several times faster than the `rsa` crate) for the keys
/// `ring` supports, which include every real Paybox key; the `rsa` crate verifies the others
/// (moduli under 1024 bits, even exponents). Both implement the same strict PKCS#1 v1.5
/// check, so the answer does not depend on which one runs (tested).
#[derive(Debug, Clone)]
pub(crate) struct PublicKey {
    rsa: RsaPublicKey,
    /// The big-endian modulus and exponent, when `ring` supports the key.
    ring: Option<(Vec<u8>, Vec<u8>)>,
}

impl PublicKey {
    /// Reads a PEM public key (SubjectPublicKeyInfo, or PKCS#1 `RSA PUBLIC KEY`).
    pub(crate) fn from_pem(pem: &str) -> Option<PublicKey> {
        let pem = pem.trim();
        let rsa = RsaPublicKey::from_public_key_pem(pem)
            .ok()
            .or_else(|| RsaPublicKey::from_pkcs1_pem(pem).ok())?;
        let (n, e) = (rsa.n().to_bytes_be(), rsa.e().to_bytes_be());
        let ring = ring_supports(&n, &e).then_some((n, e));
        Some(PublicKey { rsa, ring })
    }

    /// Whether `signature` (raw bytes) is the RSA-SHA1 signature of `message` by this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.ring {
            Some((n, e)) => RsaPublicKeyComponents { n, e }
                .verify(
                    &RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                    message,
                    signature,
                )
                .is_ok(),
            None => self.verify_with_rsa(message, signature),
        }
    }

    /// The same check with the `rsa` crate.
    fn verify_with_rsa(&self, message: &[u8], signature: &[u8]) -> bool {
        let digest = sign::sha1(message);
        self.rsa
            .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, signature)
            .is_ok()
    }
}

/// Whether `ring` verifies with this modulus and exponent (big-endian, no leading zeros):
/// its documented limits are a modulus of 1024 to 8192 bits and an odd exponent from 3 to
/// 2^33 − 1 (RSA moduli are odd).
fn ring_supports(n: &[u8], e: &[u8]) -> bool {
    let exponent = e.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
    let modulus_bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    (128..=1024).contains(&n.len())
        && modulus_bits <= 8192
        && n.first().is_some_and(|b| *b != 0)
        && n.last().is_some_and(|b| b & 1 == 1)
        && e.len() <= 5
        && e.first().is_some_and(|b| *b != 0)
        && (3..=(1 << 33) - 1).contains(&exponent)
        && exponent & 1 == 1
}

/// The `signature` variable as bytes: base64, where a `+` that form decoding turned into a
/// space is restored and line breaks are ignored. `None` when it is not base64.
pub(crate) fn decode_signature(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    STANDARD.decode(cleaned).ok()
}

/// RFC 3986 encoding keeping only the unreserved characters and `/` (eopayment's re-encoding
/// of the received values).
const REENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// The signed text as eopayment rebuilds it: `name=pct(value)` joined with `&`.
pub(crate) fn reencoded<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = String::with_capacity(256);
    for (i, (n, v)) in pairs.enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(n);
        s.push('=');
        s.extend(utf8_percent_encode(v, REENCODE));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_hmac() {
        // eopayment's test_sign (spec §3.7).
        let key = HmacSha512::new(&hex::decode("0123456789ABCDEF".repeat(8)).unwrap());
        let fields = [
            ("PBX_SITE", "12345678"),
            ("PBX_RANG", "32"),
            ("PBX_IDENTIFIANT", "12345678"),
            ("PBX_TOTAL", "999"),
            ("PBX_DEVISE", "978"),
            ("PBX_CMD", "appel à Paybox"),
            ("PBX_PORTEUR", "test@paybox.com"),
            ("PBX_RETOUR", "Mt:M;Ref:R;Auto:A;Erreur:E"),
            ("PBX_HASH", "SHA512"),
            ("PBX_TIME", "2015-06-08T16:21:16+02:00"),
        ];
        assert_eq!(
            hmac(&key, fields.iter().copied()),
            "7E74D8E9A0DBB65AAE51C5C50C2668FD98FC99AEDF18244BB1935F602B6C2E953B61FD84364F34FDB88B049901C0A07F6040AF446BBF5589113F48A733D551D4"
        );
    }

    #[test]
    fn published_rsa_signature() {
        // eopayment's test_rsa_signature_validation.
        let pem = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDUgYufHuheMztK1LhQSG6xsOzb
UX4D2A/QcMvkEcRVXFx5tQqcE9/JnMqE41TF/ebn7jC/MBxxtPFkUN7+EZoeMN7x
OWzAMDm/xsCWRvvel4GGixgm3aQRUPyTrlm4Ksy32Ya0rNnEDMAvB3dxOn7cp8GR
ZdzrudBlevZXpr6iYwIDAQAB
-----END PUBLIC KEY-----";
        let sig = decode_signature(
            "VCt3sgT0ecacmDEWWNVXJ+jGmIPBMApK42tBJV0FlDjpllOGPy8MsAmLW4/QjTtx
z0Dkz0NjxvU+5WzQZh9Uuxr/egRCwV4NMRWqu0zaVVioeBvl4/5CWm4f4/1L9+0m
FBFKOZhgBJnkC+l6+XhT4aYWKaQ4ocmOMV92yjeXTE4=",
        )
        .unwrap();
        let key = PublicKey::from_pem(pem).unwrap();
        assert!(key.ring.is_some());
        assert!(key.verify(b"coin\n", &sig));
        assert!(!key.verify(b"coin", &sig));
        assert!(
            PublicKey::from_pem(super::super::PAYBOX_PUBLIC_KEY).is_some_and(|k| k.ring.is_some())
        );
        assert!(PublicKey::from_pem("not a key").is_none());
        assert!(decode_signature("a").is_none());
    }

    /// `ring` and the `rsa` crate give the same answer on valid, altered, truncated,
    /// lengthened and out-of-range signatures.
    #[test]
    fn both_implementations_agree() {
        let key =
            PublicKey::from_pem(include_str!("../../testdata/paybox_test_pubkey.pem")).unwrap();
        assert!(key.ring.is_some());
        let private = include_str!("../../testdata/paybox_test_key.pem");
        let private =
            <rsa::RsaPrivateKey as rsa::pkcs1::DecodeRsaPrivateKey>::from_pkcs1_pem(private)
                .unwrap();
        let message = b"montant=1524&reference=x";
        let good = private
            .sign(Pkcs1v15Sign::new::<Sha1>(), &sign::sha1(message))
            .unwrap();
        let n = key.rsa.n().to_bytes_be();
        let mut cases: Vec<Vec<u8>> =
            vec![good.clone(), Vec::new(), vec![0; good.len()], n.clone()];
        for i in [0, 1, 64, good.len() - 1] {
            let mut flipped = good.clone();
            flipped[i] ^= 1;
            cases.push(flipped);
        }
        cases.push(good[1..].to_vec());
        cases.push([&[0u8][..], &good].concat());
        cases.push([&good[..], &[0u8][..]].concat());
        cases.push(vec![0xff; good.len()]);
        for (i, sig) in cases.iter().enumerate() {
            for m in [&message[..], b"other"] {
                assert_eq!(key.verify(m, sig), key.verify_with_rsa(m, sig), "case {i}");
            }
        }
        assert!(key.verify(message, &good));
    }

    /// A key `ring` does not take (512 bits) is checked by the `rsa` crate.
    #[test]
    fn small_keys_fall_back() {
        // openssl genrsa 512; openssl dgst -sha1 -sign of "coin\n".
        let pem = "-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALQgOlTHqrueDNd4iSbmNl/Hxi29uSlR
m8vTLYWYLYHpYeRJ2wT9GFkiFhMi3f0JS8W4pTIYEOf9weRoPCtsC+UCAwEAAQ==
-----END PUBLIC KEY-----";
        let sig = decode_signature(
            "CI3lJJ794mYSP3xHM2U5UogRdHMB7xFhquwEXHzsuMFrcGYZtXimPiBw08mO7TTKarr8l0O9umzwRqtnr0+RAA==",
        )
        .unwrap();
        let key = PublicKey::from_pem(pem).unwrap();
        assert!(key.ring.is_none());
        assert!(key.verify(b"coin\n", &sig));
        assert!(!key.verify(b"coin", &sig));
        assert!(ring_supports(&[0xc1; 128], &[1, 0, 1]));
        assert!(!ring_supports(&[0xc1; 127], &[1, 0, 1]));
        assert!(!ring_supports(&[0xc0; 128], &[1, 0, 1]));
        assert!(!ring_supports(&[0xc1; 128], &[2]));
        assert!(!ring_supports(&[0xc1; 128], &[1]));
        assert!(!ring_supports(&[0xc1; 1025], &[3]));
    }

    #[test]
    fn reencoding() {
        let pairs = [("reference", "1234!x y/é"), ("b", "")];
        assert_eq!(
            reencoded(pairs.into_iter()),
            "reference=1234%21x%20y/%C3%A9&b="
        );
    }
}
