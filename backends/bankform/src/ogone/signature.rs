//! SHA-IN / SHA-OUT:
//!
//! ```text
//! P = (UPPER(name), value) for the listed names with a non-empty value, sorted by name
//! S = concat(name + "=" + value + KEY for (name, value) in P)
//! SHASIGN = UPPERCASE_hex(HASH(latin-1 bytes of S if S is latin-1, else its UTF-8 bytes))
//! ```

use std::borrow::Cow;

use super::config::HashAlgorithm;
use super::params::List;
use crate::common::sign;

/// `name` in upper case, borrowed when it already is.
fn upper(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(name.to_ascii_uppercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// The string to hash.
pub(crate) fn signing_string<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    list: &List,
    key: &str,
) -> String {
    // Each name with its first eight bytes as an integer (zero-padded, big-endian), compared
    // first: names with different keys are ordered as their keys.
    let sort_key = |name: &str| {
        let b = name.as_bytes();
        match b.get(..8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            Some(word) => u64::from_be_bytes(word),
            None if b.is_empty() => 0,
            // One to seven bytes: shifted by 8 to 56 bits.
            None => {
                b.iter()
                    .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
                    << (8 * (8 - b.len()))
            }
        }
    };
    let mut p: Vec<(u64, Cow<'a, str>, &str)> = Vec::with_capacity(fields.size_hint().0);
    p.extend(
        fields
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| (upper(n), v))
            .filter(|(n, _)| super::params::listed(list, n))
            .map(|(n, v)| (sort_key(&n), n, v)),
    );
    p.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut s = String::with_capacity(
        p.iter()
            .map(|(_, n, v)| n.len() + v.len() + key.len() + 1)
            .sum(),
    );
    for (_, name, value) in p {
        s.push_str(&name);
        s.push('=');
        s.push_str(value);
        s.push_str(key);
    }
    s
}

/// The ISO-8859-1 bytes of `s`, if every character has one.
pub(crate) fn latin1(s: &str) -> Option<Vec<u8>> {
    // In UTF-8, U+0080..U+00FF are the two-byte sequences led by 0xC2 or 0xC3; any other
    // lead byte is a character latin-1 does not have. ASCII runs are copied whole.
    let mut rest = s.as_bytes();
    let mut bytes = Vec::with_capacity(rest.len());
    loop {
        let run = rest.iter().position(|b| *b >= 0x80).unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(run);
        bytes.extend_from_slice(ascii);
        rest = match tail {
            [] => return Some(bytes),
            [lead @ (0xc2 | 0xc3), next, tail @ ..] => {
                bytes.push(((lead & 0x03) << 6) | (next & 0x3f));
                tail
            }
            _ => return None,
        };
    }
}

/// A digest of at most 64 bytes, on the stack.
pub(crate) struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    /// The digest's bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The digest of `bytes`.
pub(crate) fn digest(algo: HashAlgorithm, bytes: &[u8]) -> Digest {
    let mut out = Digest {
        bytes: [0; 64],
        len: 0,
    };
    let mut put = |d: &[u8]| {
        out.bytes[..d.len()].copy_from_slice(d);
        out.len = d.len();
    };
    match algo {
        HashAlgorithm::Sha1 => put(&sign::sha1(bytes)),
        HashAlgorithm::Sha256 => put(&sign::sha256(bytes)),
        HashAlgorithm::Sha512 => put(&sign::sha512(bytes)),
    }
    out
}

/// The SHASIGN of a request: latin-1 bytes when possible, else UTF-8.
pub(crate) fn sign_in<'a>(
    algo: HashAlgorithm,
    key: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
) -> String {
    let s = signing_string(fields, &super::params::SHA_IN_LIST, key);
    // ASCII text is its own latin-1 encoding.
    let d = if s.is_ascii() {
        digest(algo, s.as_bytes())
    } else {
        match latin1(&s) {
            Some(bytes) => digest(algo, &bytes),
            None => digest(algo, s.as_bytes()),
        }
    };
    sign::hex_upper(d.as_bytes())
}

/// Whether `received` is the SHASIGN of a return, over its latin-1 bytes or its UTF-8 bytes
/// (Ingenico's setting decides which; both are accepted, as eopayment does), in constant time.
pub(crate) fn verify_out<'a>(
    algo: HashAlgorithm,
    key: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    received: &str,
) -> bool {
    let s = signing_string(fields, &super::params::SHA_OUT_LIST, key);
    let utf8 = sign::ct_eq_hex(received, digest(algo, s.as_bytes()).as_bytes());
    // For ASCII text both encodings are the same bytes: one digest answers for both.
    let latin = !s.is_ascii()
        && latin1(&s).is_some_and(|b| sign::ct_eq_hex(received, digest(algo, &b).as_bytes()));
    utf8 | latin
}
