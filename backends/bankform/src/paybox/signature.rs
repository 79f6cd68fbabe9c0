//! Paybox signatures.
//!
//! - Requests: `PBX_HMAC = UPPERCASE_hex(HMAC_SHA512(key = hex_decode(shared_secret),
//!   msg = "PBX_SITE=...&PBX_RANG=...&..."))`, fields in the order sent, values not encoded.
//! - Returns: RSA PKCS#1 v1.5 with SHA-1 by Paybox's key, base64 in the last variable
//!   (`signature`), over the text of the variables before it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
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

/// Reads a PEM public key (SubjectPublicKeyInfo, or PKCS#1 `RSA PUBLIC KEY`).
pub(crate) fn public_key(pem: &str) -> Option<RsaPublicKey> {
    let pem = pem.trim();
    RsaPublicKey::from_public_key_pem(pem)
        .ok()
        .or_else(|| RsaPublicKey::from_pkcs1_pem(pem).ok())
}

/// Whether `signature` (raw bytes) is Paybox's RSA-SHA1 signature of `message`.
pub(crate) fn verify_rsa(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let digest = sign::sha1(message);
    key.verify(Pkcs1v15Sign::new::<Sha1>(), &digest, signature)
        .is_ok()
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
        let key = public_key(pem).unwrap();
        assert!(verify_rsa(&key, b"coin\n", &sig));
        assert!(!verify_rsa(&key, b"coin", &sig));
        assert!(public_key(super::super::PAYBOX_PUBLIC_KEY).is_some());
        assert!(public_key("not a key").is_none());
        assert!(decode_signature("a").is_none());
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
