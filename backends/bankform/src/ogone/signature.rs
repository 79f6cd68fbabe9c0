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

/// The string to hash (tests compare it with known strings).
#[cfg(test)]
pub(crate) fn signing_string<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    list: &List,
    key: &str,
) -> String {
    signing_text(fields, list, key).utf8
}

/// The string to hash, as UTF-8 and as ISO-8859-1 bytes.
pub(crate) struct SigningText {
    /// The string.
    pub(crate) utf8: String,
    /// Its ISO-8859-1 bytes when they differ from the UTF-8 ones (some character is not
    /// ASCII) and exist (every character is in latin-1).
    pub(crate) latin1: Option<Vec<u8>>,
}

impl SigningText {
    /// The bytes Ogone hashes by default: latin-1 when possible, else UTF-8.
    pub(crate) fn preferred(&self) -> &[u8] {
        self.latin1.as_deref().unwrap_or(self.utf8.as_bytes())
    }
}

/// The string to hash in both encodings, built field by field: the names are ASCII (they are
/// listed), so only the key and the values that are not ASCII need converting.
pub(crate) fn signing_text<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    list: &List,
    key: &str,
) -> SigningText {
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
    let len = p
        .iter()
        .map(|(_, n, v)| n.len() + v.len() + key.len() + 1)
        .sum();
    let mut utf8 = String::with_capacity(len);
    for (_, name, value) in &p {
        utf8.push_str(name);
        utf8.push('=');
        utf8.push_str(value);
        utf8.push_str(key);
    }
    let latin1 = if utf8.is_ascii() {
        None
    } else {
        let mut bytes = Vec::with_capacity(utf8.len());
        latin1_into(&utf8, &mut bytes).then_some(bytes)
    };
    SigningText { utf8, latin1 }
}

/// The SHA-OUT string in both encodings, from fields whose names are in upper case (as
/// [`Received`](crate::common::received::Received) reads Ogone's: a name in another case is
/// not signed, and a signature over it fails); `None` when a signed name comes twice (a
/// return never has it: `Received` refuses repeated names).
///
/// Same string as [`signing_text`] over the SHA-OUT list (tested), built without sorting: a
/// signed name's place in that sorted list is its place in the string, so that the values
/// are put in their places and read back in the order of a 64-bit mask of places.
pub(crate) fn signing_text_out<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    key: &str,
) -> Option<SigningText> {
    use super::params::{SHA_OUT, sha_out_place};
    let mut values = [""; 64];
    let (mut present, mut len) = (0u64, 0);
    for (name, value) in fields {
        if value.is_empty() {
            continue;
        }
        let Some(place) = sha_out_place(name) else {
            continue;
        };
        let bit = 1u64 << place;
        if present & bit != 0 {
            return None;
        }
        present |= bit;
        values[place as usize] = value;
        len += name.len() + value.len() + key.len() + 1;
    }
    let mut utf8 = String::with_capacity(len);
    let mut rest = present;
    while rest != 0 {
        let place = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        utf8.push_str(SHA_OUT.get(place).copied().unwrap_or_default());
        utf8.push('=');
        utf8.push_str(values[place]);
        utf8.push_str(key);
    }
    let latin1 = if utf8.is_ascii() {
        None
    } else {
        let mut bytes = Vec::with_capacity(utf8.len());
        latin1_into(&utf8, &mut bytes).then_some(bytes)
    };
    Some(SigningText { utf8, latin1 })
}

/// The ISO-8859-1 bytes of `s`, if every character has one.
#[cfg(test)]
pub(crate) fn latin1(s: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(s.len());
    latin1_into(s, &mut bytes).then_some(bytes)
}

/// Appends the ISO-8859-1 bytes of `s` to `bytes`; `false` (with `bytes` partly written)
/// when some character has none.
fn latin1_into(s: &str, bytes: &mut Vec<u8>) -> bool {
    // In UTF-8, U+0080..U+00FF are the two-byte sequences led by 0xC2 or 0xC3; any other
    // lead byte is a character latin-1 does not have. The text is read eight bytes at a
    // time: a word of ASCII is written as it is, a word holding one such character (the
    // common case: a key or a name with an accent) is converted in registers and written as
    // seven bytes; anything else is written up to its first character that is not ASCII,
    // which is converted on its own. The output is never longer than the input, so it is
    // sized once, with a word of room for whole-word writes, and cut to length at the end.
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let src = s.as_bytes();
    let start = bytes.len();
    bytes.resize(start + src.len() + 8, 0);
    let (mut r, mut w) = (0, start);
    let put = |bytes: &mut Vec<u8>, at: usize, word: u64| {
        if let Some(out) = bytes.get_mut(at..at + 8) {
            out.copy_from_slice(&word.to_le_bytes());
        }
    };
    let ok = loop {
        let Some(&chunk) = src.get(r..).and_then(<[u8]>::first_chunk::<8>) else {
            break latin1_tail(src.get(r..).unwrap_or_default(), bytes, &mut w);
        };
        let word = u64::from_le_bytes(chunk);
        let high = word & HIGH;
        if high == 0 {
            put(bytes, w, word);
            (r, w) = (r + 8, w + 8);
            continue;
        }
        // The first byte that is not ASCII, and whether it leads a latin-1 character whose
        // continuation byte is the only other one of the word that is not ASCII.
        let p = (high.trailing_zeros() / 8) as usize;
        let lead = (word >> (8 * p)) as u8;
        let after = high.checked_shr(8 * (p as u32 + 2)).unwrap_or(0);
        if p < 7 && matches!(lead, 0xc2 | 0xc3) && after == 0 {
            let next = (word >> (8 * (p + 1))) as u8;
            let latin = u64::from(((lead & 0x03) << 6) | (next & 0x3f));
            let below = word & ((1u64 << (8 * p)) - 1);
            let above = word.checked_shr(8 * (p as u32 + 2)).unwrap_or(0) << (8 * (p + 1));
            put(bytes, w, below | latin << (8 * p) | above);
            (r, w) = (r + 8, w + 7);
            continue;
        }
        // The ASCII bytes before it, then it on its own.
        put(bytes, w, word);
        (r, w) = (r + p, w + p);
        match src.get(r..r + 2) {
            Some(&[lead @ (0xc2 | 0xc3), next]) => {
                if let Some(b) = bytes.get_mut(w) {
                    *b = ((lead & 0x03) << 6) | (next & 0x3f);
                }
                (r, w) = (r + 2, w + 1);
            }
            _ => break false,
        }
    };
    bytes.truncate(w);
    ok
}

/// Converts the last bytes (fewer than eight) of [`latin1_into`]'s text one by one, writing
/// at `*w`.
fn latin1_tail(mut rest: &[u8], bytes: &mut [u8], w: &mut usize) -> bool {
    loop {
        let (byte, tail) = match rest {
            [] => return true,
            [b, tail @ ..] if b.is_ascii() => (*b, tail),
            [lead @ (0xc2 | 0xc3), next, tail @ ..] => (((lead & 0x03) << 6) | (next & 0x3f), tail),
            _ => return false,
        };
        if let Some(b) = bytes.get_mut(*w) {
            *b = byte;
        }
        *w += 1;
        rest = tail;
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
    let text = signing_text(fields, &super::params::SHA_IN_LIST, key);
    sign::hex_upper(digest(algo, text.preferred()).as_bytes())
}

/// Whether `received` is the SHASIGN of a return, over its latin-1 bytes or its UTF-8 bytes
/// (Ingenico's setting decides which; both are accepted, as eopayment does), in constant time.
pub(crate) fn verify_out<'a>(
    algo: HashAlgorithm,
    key: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    received: &str,
) -> bool {
    let Some(text) = signing_text_out(fields, key) else {
        return false;
    };
    let utf8 = digest(algo, text.utf8.as_bytes());
    // The received signature is decoded once, for both comparisons.
    let Some(got) = sign::HexDigest::parse(received, utf8.as_bytes().len()) else {
        return false;
    };
    // For ASCII text both encodings are the same bytes: one digest answers for both.
    let latin = (text.latin1.as_deref()).is_some_and(|b| got.ct_eq(digest(algo, b).as_bytes()));
    got.ct_eq(utf8.as_bytes()) | latin
}
