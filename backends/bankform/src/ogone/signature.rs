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
    String::from_utf8(signing_text(fields, list, key).utf8().to_vec()).unwrap_or_default()
}

/// The string to hash, as UTF-8 and as ISO-8859-1 bytes, in one buffer: the UTF-8 bytes
/// followed by the latin-1 ones, if any.
pub(crate) struct SigningText {
    bytes: Vec<u8>,
    utf8_len: usize,
}

impl SigningText {
    /// Room for a string of `len` bytes in both encodings (and the word of room
    /// [`latin1_into`] writes past its output).
    fn with_capacity(len: usize) -> Vec<u8> {
        Vec::with_capacity(2 * len + 8)
    }

    /// The string whose UTF-8 bytes are `bytes`, with its latin-1 bytes appended when they
    /// differ (some character is not ASCII) and exist (every character is in latin-1).
    fn new(mut bytes: Vec<u8>) -> SigningText {
        let utf8_len = bytes.len();
        if !bytes.is_ascii() {
            bytes.resize(2 * utf8_len + 8, 0);
            let (utf8, out) = bytes.split_at_mut(utf8_len);
            let latin1_len = latin1_into(utf8, out).unwrap_or(0);
            bytes.truncate(utf8_len + latin1_len);
        }
        SigningText { bytes, utf8_len }
    }

    /// The UTF-8 bytes.
    pub(crate) fn utf8(&self) -> &[u8] {
        self.bytes.get(..self.utf8_len).unwrap_or_default()
    }

    /// The ISO-8859-1 bytes when they differ from the UTF-8 ones and exist.
    pub(crate) fn latin1(&self) -> Option<&[u8]> {
        self.bytes.get(self.utf8_len..).filter(|b| !b.is_empty())
    }

    /// The bytes Ogone hashes by default: latin-1 when possible, else UTF-8.
    pub(crate) fn preferred(&self) -> &[u8] {
        self.latin1().unwrap_or(self.utf8())
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
    let mut utf8 = SigningText::with_capacity(len);
    for (_, name, value) in &p {
        utf8.extend_from_slice(name.as_bytes());
        utf8.push(b'=');
        utf8.extend_from_slice(value.as_bytes());
        utf8.extend_from_slice(key.as_bytes());
    }
    SigningText::new(utf8)
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
    let mut utf8 = SigningText::with_capacity(len);
    let mut rest = present;
    while rest != 0 {
        let place = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        let name = SHA_OUT.get(place).copied().unwrap_or_default();
        utf8.extend_from_slice(name.as_bytes());
        utf8.push(b'=');
        utf8.extend_from_slice(values[place].as_bytes());
        utf8.extend_from_slice(key.as_bytes());
    }
    Some(SigningText::new(utf8))
}

/// The ISO-8859-1 bytes of `s`, if every character has one.
#[cfg(test)]
pub(crate) fn latin1(s: &str) -> Option<Vec<u8>> {
    let mut bytes = vec![0; s.len() + 8];
    let len = latin1_into(s.as_bytes(), &mut bytes)?;
    bytes.truncate(len);
    Some(bytes)
}

/// Writes the ISO-8859-1 bytes of the UTF-8 text `src` to the start of `out` (at least a
/// word longer than `src`) and says how many there are; `None` when some character has none.
fn latin1_into(src: &[u8], out: &mut [u8]) -> Option<usize> {
    // In UTF-8, U+0080..U+00FF are the two-byte sequences led by 0xC2 or 0xC3; any other
    // lead byte is a character latin-1 does not have. The text is read eight bytes at a
    // time: a word of ASCII is written as it is, a word holding one such character (the
    // common case: a key or a name with an accent) is converted in registers and written as
    // seven bytes; anything else is written up to its first character that is not ASCII,
    // which is converted on its own. The output is never longer than the input, so whole
    // words can be written (the word of room past it takes the last one).
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let (mut r, mut w) = (0, 0);
    let mut put = |at: usize, word: u64| {
        if let Some(out) = out.get_mut(at..at + 8) {
            out.copy_from_slice(&word.to_le_bytes());
        }
    };
    loop {
        let Some(&chunk) = src.get(r..).and_then(<[u8]>::first_chunk::<8>) else {
            let tail = out.get_mut(w..).unwrap_or_default();
            return latin1_tail(src.get(r..).unwrap_or_default(), tail).map(|n| w + n);
        };
        let word = u64::from_le_bytes(chunk);
        let high = word & HIGH;
        if high == 0 {
            put(w, word);
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
            put(w, below | latin << (8 * p) | above);
            (r, w) = (r + 8, w + 7);
            continue;
        }
        // The ASCII bytes before it, then it on its own.
        put(w, word);
        (r, w) = (r + p, w + p);
        match src.get(r..r + 2) {
            Some(&[lead @ (0xc2 | 0xc3), next]) => {
                put(w, u64::from(((lead & 0x03) << 6) | (next & 0x3f)));
                (r, w) = (r + 2, w + 1);
            }
            _ => return None,
        }
    }
}

/// Converts the last bytes (fewer than eight) of [`latin1_into`]'s text one by one into
/// `out`, saying how many were written.
fn latin1_tail(mut rest: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut w = 0;
    loop {
        let (byte, tail) = match rest {
            [] => return Some(w),
            [b, tail @ ..] if b.is_ascii() => (*b, tail),
            [lead @ (0xc2 | 0xc3), next, tail @ ..] => (((lead & 0x03) << 6) | (next & 0x3f), tail),
            _ => return None,
        };
        *out.get_mut(w)? = byte;
        w += 1;
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
    let utf8 = digest(algo, text.utf8());
    // The received signature is decoded once, for both comparisons.
    let Some(got) = sign::HexDigest::parse(received, utf8.as_bytes().len()) else {
        return false;
    };
    // For ASCII text both encodings are the same bytes: one digest answers for both.
    let latin = text
        .latin1()
        .is_some_and(|b| got.ct_eq(digest(algo, b).as_bytes()));
    got.ct_eq(utf8.as_bytes()) | latin
}
