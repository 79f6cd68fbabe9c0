//! What the bank sent, parsed strictly: a size limit, no duplicate names, UTF-8 (or latin-1
//! where the protocol says so), and the raw text kept for signatures computed over it.

use std::borrow::Cow;

use polypay_core::{BankData, Error, Incoming, Result};

/// Longest query string or body a bank return may have. Real returns are a few kilobytes;
/// anything far larger is refused before it is parsed.
pub(crate) const MAX_INPUT: usize = 64 * 1024;

/// A decoded name or value: borrowed from the received text when it needed no decoding (the
/// common case), so that parsing allocates only for what was percent-encoded.
pub(crate) type Text<'a> = Cow<'a, str>;

/// The parameters of a bank return, in the order received, with the raw text they came from.
/// Borrows the [`Incoming`] it was parsed from.
#[derive(Debug, Clone)]
pub(crate) struct Received<'a> {
    /// Decoded `(name, value)` pairs.
    pub(crate) pairs: Vec<(Text<'a>, Text<'a>)>,
    /// The raw (still percent-encoded) text the pairs came from: the query string, or the
    /// body when the query string is empty.
    pub(crate) raw: &'a str,
    /// `BankData::name_fingerprint` of each name, for quick lookups.
    prints: Vec<u64>,
}

impl<'a> Received<'a> {
    /// Parses the query string, or the form body when the query string holds nothing. Values
    /// are UTF-8; a name given twice is an error (a signature over "the first value" would
    /// otherwise let a second value slip through unsigned).
    pub(crate) fn parse(incoming: &'a Incoming) -> Result<Received<'a>> {
        Self::parse_with(incoming, Decoding::Utf8)
    }

    /// Like [`Received::parse`], with the given character decoding.
    pub(crate) fn parse_with(incoming: &'a Incoming, decoding: Decoding) -> Result<Received<'a>> {
        let raw = raw_text(incoming)?;
        let bytes = raw.as_bytes();
        // Sized exactly: a return's pairs then fit the allocator's fast small-block path.
        let mut pairs = Vec::with_capacity(memchr::memchr_iter(b'&', bytes).count() + 1);
        // One pass: where the piece starts, where its first `=` is, and whether its name or
        // value holds `%` or `+` (only those need decoding; the rest is borrowed).
        let (mut start, mut eq) = (0, None);
        let (mut name_coded, mut value_coded) = (false, false);
        let mut i = 0;
        while i <= bytes.len() {
            // Skip ordinary bytes quickly: only `&`, `=`, `%` and `+` matter here.
            while bytes.get(i).is_some_and(|b| !SPECIAL[usize::from(*b)]) {
                i += 1;
            }
            match bytes.get(i).copied().unwrap_or(b'&') {
                b'&' => {
                    if i > start {
                        // `&` and `=` are ASCII, so these indices are character boundaries.
                        let (name, value) = match eq {
                            Some(e) => (raw.get(start..e), raw.get(e + 1..i)),
                            None => (raw.get(start..i), Some("")),
                        };
                        let text = |part: Option<&'a str>, coded: bool| {
                            let part = part.unwrap_or_default();
                            if coded {
                                decode_bytes(part.as_bytes(), decoding).map(Cow::Owned)
                            } else {
                                Ok(Cow::Borrowed(part))
                            }
                        };
                        pairs.push((text(name, name_coded)?, text(value, value_coded)?));
                    }
                    (start, eq) = (i + 1, None);
                    (name_coded, value_coded) = (false, false);
                }
                b'=' if eq.is_none() => eq = Some(i),
                b'%' | b'+' if eq.is_none() => name_coded = true,
                // The rest of a value that needs decoding is the decoder's work.
                b'%' | b'+' => {
                    value_coded = true;
                    i = memchr::memchr(b'&', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        let prints: Vec<u64> = pairs
            .iter()
            .map(|(n, _)| BankData::name_fingerprint(n))
            .collect();
        if let Some(name) = first_duplicate(pairs.len(), |i| pairs[i].0.as_ref(), |i| prints[i]) {
            return Err(Error::malformed(format!(
                "the parameter {:?} is given twice",
                shorten(name)
            )));
        }
        Ok(Received { pairs, raw, prints })
    }

    /// The value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        let print = BankData::name_fingerprint(name);
        self.prints
            .iter()
            .zip(&self.pairs)
            .find(|(p, (n, _))| **p == print && n == name)
            .map(|(_, (_, v))| v.as_ref())
    }

    /// The value of `name`, or a [`Error::Malformed`] naming it.
    pub(crate) fn require(&self, name: &str, backend: &str) -> Result<&str> {
        self.get(name).ok_or_else(|| {
            Error::malformed(format!("the {backend} return has no {name} parameter"))
        })
    }

    /// Whether every one of `names` is present.
    pub(crate) fn has_all(&self, names: &[&str]) -> bool {
        names.iter().all(|n| self.get(n).is_some())
    }

    /// The pairs as `(&str, &str)`, in the order received.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// The pairs as `bank_data`, in the order received: names and values copied into one
    /// buffer (two allocations in all).
    pub(crate) fn into_bank_data(self) -> BankData {
        pairs_to_bank_data(&self.pairs)
    }
}

/// `(name, value)` pairs as `bank_data`: the names and values copied back to back into one
/// buffer.
pub(crate) fn pairs_to_bank_data<N, V>(pairs: &[(N, V)]) -> BankData
where
    N: AsRef<str>,
    V: AsRef<str>,
{
    BankData::from_text_pairs(pairs)
}

/// The first name (in order of its second occurrence) that appears twice among the `n` names
/// given by `name`. Small sets compare cheap fingerprints pairwise; large (hostile) ones are
/// sorted, so that the check stays O(n log n).
/// `print(i)` is the `BankData::name_fingerprint` of `name(i)`.
pub(crate) fn first_duplicate<'n>(
    n: usize,
    name: impl Fn(usize) -> &'n str,
    print: impl Fn(usize) -> u64,
) -> Option<&'n str> {
    const SMALL: usize = 64;
    if n <= SMALL {
        for i in 1..n {
            let pi = print(i);
            if (0..i).any(|j| print(j) == pi && name(j) == name(i)) {
                return Some(name(i));
            }
        }
        return None;
    }
    let mut order: Vec<(&str, usize)> = (0..n).map(|i| (name(i), i)).collect();
    order.sort_unstable();
    order
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| w[1])
        .min_by_key(|(_, i)| *i)
        .map(|(n, _)| n)
}

/// The bytes the form parser stops at.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'&' as usize] = true;
    t[b'=' as usize] = true;
    t[b'%' as usize] = true;
    t[b'+' as usize] = true;
    t
};

/// How percent-decoded bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decoding {
    /// UTF-8, strictly (invalid sequences are an error).
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value.
    Latin1,
}

/// The query string, or the body when the query string is empty; ASCII text only (a raw
/// form is percent-encoded, so anything else is garbage).
fn raw_text(incoming: &Incoming) -> Result<&str> {
    let bytes: &[u8] = if incoming.query.trim().is_empty() {
        if !incoming.body.is_empty() && !incoming.body_is_form() {
            return Err(Error::malformed("the body is not a form"));
        }
        &incoming.body
    } else {
        incoming.query.as_bytes()
    };
    if bytes.len() > MAX_INPUT {
        return Err(Error::malformed(format!(
            "the return is {} bytes long, more than the {MAX_INPUT} accepted",
            bytes.len()
        )));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| Error::malformed("the return is not text"))?;
    Ok(text.trim_start_matches('?').trim_end_matches(['\r', '\n']))
}

/// The value of an ASCII hex digit.
fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one form-urlencoded component given as bytes (`+` is a space; a `%` not followed
/// by two hex digits stays as it is, as in `percent_encoding`), in one pass.
pub(crate) fn decode_bytes(raw: &[u8], decoding: Decoding) -> Result<String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw;
    // Copy the runs between `%` and `+` whole; decode those two one by one.
    while let Some(at) = memchr::memchr2(b'%', b'+', rest) {
        bytes.extend_from_slice(&rest[..at]);
        let escape = (rest.get(at + 1).copied().and_then(hex_digit))
            .zip(rest.get(at + 2).copied().and_then(hex_digit));
        rest = match (rest[at], escape) {
            (b'+', _) => {
                bytes.push(b' ');
                &rest[at + 1..]
            }
            (_, Some((high, low))) => {
                bytes.push(high << 4 | low);
                &rest[at + 3..]
            }
            _ => {
                bytes.push(b'%');
                &rest[at + 1..]
            }
        };
    }
    bytes.extend_from_slice(rest);
    match decoding {
        Decoding::Utf8 => String::from_utf8(bytes)
            .map_err(|_| Error::malformed("a parameter is not valid UTF-8 once decoded")),
        Decoding::Latin1 => {
            let mut text = String::with_capacity(bytes.len() * 2);
            text.extend(bytes.into_iter().map(char::from));
            Ok(text)
        }
    }
}

/// At most 40 characters of a name, for error messages about hostile input.
fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing() {
        let inc = Incoming::get("a=1&b=x+y%21&c");
        let r = Received::parse(&inc).unwrap();
        assert_eq!(r.get("b"), Some("x y!"));
        assert_eq!(r.get("c"), Some(""));
        assert_eq!(r.raw, "a=1&b=x+y%21&c");
        assert!(Received::parse(&Incoming::get("a=1&a=1")).is_err());
        assert!(Received::parse(&Incoming::get("a=%ff")).is_err());
        let latin = Incoming::get("a=%ef");
        let l = Received::parse_with(&latin, Decoding::Latin1).unwrap();
        assert_eq!(l.get("a"), Some("ï"));
        let form = Incoming::post_form("x=1");
        let body = Received::parse(&form).unwrap();
        assert_eq!(body.get("x"), Some("1"));
        let huge = "a=".to_owned() + &"b".repeat(MAX_INPUT);
        assert!(Received::parse(&Incoming::get(huge)).is_err());
        let bin = Incoming::post_form(vec![b'a', b'=', 0xff]);
        assert!(Received::parse(&bin).is_err());
        assert!(r.require("zz", "test").is_err());
        assert!(matches!(r.pairs[0].1, Cow::Borrowed("1")));
        let map = r.into_bank_data();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(map.get_str("b"), Some("x y!"));
    }

    /// The one-pass decoder agrees with `percent_encoding` (after `+` → space) on every
    /// string of up to five characters over an alphabet of tricky bytes.
    #[test]
    fn decoder_matches_percent_encoding() {
        const ALPHABET: &[u8] = b"%+4aFg\xc3\xa9";
        fn reference(raw: &[u8]) -> Vec<u8> {
            let spaced: Vec<u8> = raw
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            percent_encoding::percent_decode(&spaced).collect()
        }
        let mut word = Vec::new();
        fn walk(word: &mut Vec<u8>, depth: usize) {
            let latin: String = reference(word).into_iter().map(char::from).collect();
            assert_eq!(
                decode_bytes(word, Decoding::Latin1).unwrap(),
                latin,
                "{word:?}"
            );
            let utf8 = String::from_utf8(reference(word)).ok();
            assert_eq!(decode_bytes(word, Decoding::Utf8).ok(), utf8, "{word:?}");
            if depth < 5 {
                for b in ALPHABET {
                    word.push(*b);
                    walk(word, depth + 1);
                    word.pop();
                }
            }
        }
        walk(&mut word, 0);
    }

    #[test]
    fn duplicates_small_and_large() {
        let names = ["a", "b", "c", "b", "a"];
        let print = |i: usize| BankData::name_fingerprint(names[i]);
        assert_eq!(first_duplicate(names.len(), |i| names[i], print), Some("b"));
        assert_eq!(first_duplicate(3, |i| names[i], print), None);
        // Past the pairwise limit the sort path reports the same name: the one whose second
        // occurrence comes first.
        let many: Vec<String> = (0..500).map(|i| format!("n{i}")).collect();
        let mut with_dups = many.clone();
        with_dups.push("n400".into());
        with_dups.push("n7".into());
        let print = |v: &[String], i: usize| BankData::name_fingerprint(&v[i]);
        assert_eq!(
            first_duplicate(many.len(), |i| many[i].as_str(), |i| print(&many, i)),
            None
        );
        assert_eq!(
            first_duplicate(
                with_dups.len(),
                |i| with_dups[i].as_str(),
                |i| print(&with_dups, i)
            ),
            Some("n400")
        );
        let query: String = many.iter().map(|n| format!("{n}=1&")).collect();
        assert!(Received::parse(&Incoming::get(query.clone())).is_ok());
        assert!(Received::parse(&Incoming::get(query + "n3=2")).is_err());
    }
}
