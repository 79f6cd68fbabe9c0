//! Signature primitives over bytes, and constant-time comparisons.
//!
//! Every comparison of a received signature with the expected one goes through
//! [`ct_eq`] / [`ct_eq_hex`] (`subtle`), so the time taken does not reveal how many leading
//! bytes matched.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

/// SHA-1 of `data`.
pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-512 of `data`.
pub(crate) fn sha512(data: &[u8]) -> [u8; 64] {
    Sha512::digest(data).into()
}

/// HMAC-SHA-256 of `data` under `key` (HMAC accepts keys of any length).
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_key_length());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA-512 of `data` under `key`.
#[cfg(test)]
pub(crate) fn hmac_sha512(key: &[u8], data: &[u8]) -> [u8; 64] {
    let mut mac =
        <Hmac<Sha512> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_key_length());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// An HMAC-SHA-256 key whose padded blocks are hashed once, when the backend is built, and
/// not again for every message. Its `Debug` is redacted.
#[derive(Clone)]
pub(crate) struct HmacSha256(Hmac<Sha256>);

impl HmacSha256 {
    /// Prepares `key` (any length).
    pub(crate) fn new(key: &[u8]) -> HmacSha256 {
        HmacSha256(
            <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_key_length()),
        )
    }

    /// The MAC of `data`.
    pub(crate) fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for HmacSha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacSha256(<redacted>)")
    }
}

/// An HMAC-SHA-512 key prepared once (see [`HmacSha256`]). Its `Debug` is redacted.
#[derive(Clone)]
pub(crate) struct HmacSha512(Hmac<Sha512>);

impl HmacSha512 {
    /// Prepares `key` (any length).
    pub(crate) fn new(key: &[u8]) -> HmacSha512 {
        HmacSha512(
            <Hmac<Sha512> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_key_length()),
        )
    }

    /// The MAC of `data`.
    pub(crate) fn mac(&self, data: &[u8]) -> [u8; 64] {
        let mut mac = self.0.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for HmacSha512 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacSha512(<redacted>)")
    }
}

/// HMAC is defined for keys of every length, so `new_from_slice` cannot fail; this keeps the
/// code free of `unwrap` while documenting why.
#[cold]
fn unreachable_key_length() -> ! {
    unreachable!("HMAC accepts keys of any length")
}

/// `bytes` in hexadecimal, lower case (`hex::encode`), written into a string sized once.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    hex_with(bytes, b"0123456789abcdef")
}

/// `bytes` in hexadecimal, upper case (`hex::encode_upper`).
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    hex_with(bytes, b"0123456789ABCDEF")
}

fn hex_with(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.extend_from_slice(&[digits[usize::from(b >> 4)], digits[usize::from(b & 15)]]);
    }
    // Hex digits are ASCII: always text.
    String::from_utf8(out).unwrap_or_default()
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Whether `received` is the hex encoding of `expected`, in either case. The received text
/// is decoded first (it is the sender's, not a secret); the decoded bytes are compared with
/// the expected ones in constant time. Digests up to 64 bytes are decoded on the stack.
pub(crate) fn ct_eq_hex(received: &str, expected: &[u8]) -> bool {
    if expected.len() > HexDigest::MAX {
        return received.len() == expected.len() * 2
            && hex::decode(received).is_ok_and(|got| ct_eq(&got, expected));
    }
    HexDigest::parse(received, expected.len()).is_some_and(|got| got.ct_eq(expected))
}

/// A received digest of at most 64 bytes decoded from hex (either case), on the stack, to be
/// compared with one or more expected digests.
pub(crate) struct HexDigest {
    bytes: [u8; HexDigest::MAX],
    len: usize,
}

impl HexDigest {
    /// The longest digest (SHA-512's).
    const MAX: usize = 64;

    /// The `len` bytes `received` encodes; `None` if it is not `2 * len` hex digits.
    pub(crate) fn parse(received: &str, len: usize) -> Option<HexDigest> {
        if len > Self::MAX || received.len() != 2 * len {
            return None;
        }
        let mut bytes = [0u8; Self::MAX];
        for (byte, pair) in bytes.iter_mut().zip(received.as_bytes().chunks_exact(2)) {
            *byte = hex_value(pair[0])? << 4 | hex_value(pair[1])?;
        }
        Some(HexDigest { bytes, len })
    }

    /// Whether the digest is `expected`, in constant time.
    pub(crate) fn ct_eq(&self, expected: &[u8]) -> bool {
        if expected.len() != self.len {
            return false;
        }
        let mut want = [0u8; Self::MAX];
        want[..expected.len()].copy_from_slice(expected);
        // Compared as words (both zero-padded alike): an eighth of the constant-time steps.
        let words = |bytes: &[u8; Self::MAX]| -> [u64; Self::MAX / 8] {
            std::array::from_fn(|i| {
                let mut word = [0u8; 8];
                word.copy_from_slice(&bytes[8 * i..8 * i + 8]);
                u64::from_ne_bytes(word)
            })
        };
        let n = self.len.div_ceil(8);
        bool::from(words(&self.bytes)[..n].ct_eq(&words(&want)[..n]))
    }
}

/// The value of an ASCII hex digit, in either case.
pub(crate) fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            hex::encode(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(
            hex::encode(hmac_sha512(b"Jefe", b"what do ya want for nothing?"))
                .starts_with("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554")
        );
        assert_eq!(sha512(b"").len(), 64);
    }

    #[test]
    fn comparisons() {
        let d = sha1(b"x");
        assert!(ct_eq_hex(&hex::encode(d).to_uppercase(), &d));
        assert!(!ct_eq_hex(&hex::encode(sha1(b"y")), &d));
        assert!(!ct_eq_hex("", &d));
        assert!(!ct_eq(b"ab", b"abc"));
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_lower(&all), hex::encode(&all));
        assert_eq!(hex_upper(&all), hex::encode_upper(&all));
        assert!(!ct_eq_hex(&hex::encode(d)[..38], &d));
        assert!(!ct_eq_hex("é", &[0xe9]));
        let long = [7u8; 100];
        assert!(ct_eq_hex(&hex::encode_upper(long), &long));
    }

    /// The decoding comparison agrees with comparing the texts case-insensitively, for every
    /// digest length, a flip of any one hex digit, and every byte in any one place.
    #[test]
    fn hex_comparison_is_text_comparison() {
        for len in [0, 1, 7, 8, 9, 20, 32, 64, 65] {
            let expected: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let lower = hex::encode(&expected);
            assert!(ct_eq_hex(&lower, &expected), "{len}");
            assert!(ct_eq_hex(&lower.to_uppercase(), &expected), "{len}");
            for at in 0..lower.len() {
                for byte in 0..=255u8 {
                    let mut text = lower.clone().into_bytes();
                    text[at] = byte;
                    let Ok(text) = String::from_utf8(text) else {
                        continue;
                    };
                    assert_eq!(
                        ct_eq_hex(&text, &expected),
                        text.eq_ignore_ascii_case(&lower),
                        "{len} {text}"
                    );
                }
            }
        }
    }

    #[test]
    fn prepared_keys_are_the_same_macs_and_redacted() {
        for key in [&b"Jefe"[..], &[0x0b; 200][..], b""] {
            let data = b"what do ya want for nothing?";
            assert_eq!(HmacSha256::new(key).mac(data), hmac_sha256(key, data));
            assert_eq!(HmacSha512::new(key).mac(data), hmac_sha512(key, data));
        }
        let k = HmacSha512::new(b"0123456789");
        assert_eq!(format!("{k:?}"), "HmacSha512(<redacted>)");
        assert_eq!(
            format!("{:?}", HmacSha256::new(b"x")),
            "HmacSha256(<redacted>)"
        );
    }
}
