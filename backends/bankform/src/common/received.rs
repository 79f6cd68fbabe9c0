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
        // One vectorized pass finds the `&` separators and the bytes that need decoding
        // (`%`, `+`: rare, so each piece remembers only its first and last); `=` is looked for
        // in each piece. What needs no decoding is borrowed.
        let text = |part: Option<&'a str>, coded: bool| {
            let part = part.unwrap_or_default();
            if coded {
                decode_bytes(part.as_bytes(), decoding).map(Cow::Owned)
            } else {
                Ok(Cow::Borrowed(part))
            }
        };
        let mut start = 0;
        let mut coded: Option<(usize, usize)> = None;
        let ends = memchr::memchr3_iter(b'&', b'%', b'+', bytes).chain([bytes.len()]);
        for i in ends {
            if bytes.get(i).is_some_and(|b| *b != b'&') {
                coded = Some(coded.map_or((i, i), |(first, _)| (first, i)));
                continue;
            }
            if i > start {
                // `&` and `=` are ASCII, so these indices are character boundaries.
                let eq = memchr::memchr(b'=', bytes.get(start..i).unwrap_or_default())
                    .map(|e| start + e);
                let (name, value, name_coded, value_coded) = match eq {
                    Some(e) => (
                        raw.get(start..e),
                        raw.get(e + 1..i),
                        coded.is_some_and(|(first, _)| first < e),
                        coded.is_some_and(|(_, last)| last > e),
                    ),
                    None => (raw.get(start..i), raw.get(i..i), coded.is_some(), false),
                };
                pairs.push((text(name, name_coded)?, text(value, value_coded)?));
            }
            start = i + 1;
            coded = None;
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

    /// Upper-cases the (ASCII letters of the) names, for protocols whose names are
    /// case-insensitive; two names that become equal are refused.
    pub(crate) fn upper_case_names(&mut self) -> Result<()> {
        let mut renamed = false;
        for ((name, _), print) in self.pairs.iter_mut().zip(self.prints.iter_mut()) {
            if name.bytes().any(|b| b.is_ascii_lowercase()) {
                *name = Cow::Owned(name.to_ascii_uppercase());
                *print = BankData::name_fingerprint(name);
                renamed = true;
            }
        }
        let (pairs, prints) = (&self.pairs, &self.prints);
        match renamed
            .then(|| first_duplicate(pairs.len(), |i| pairs[i].0.as_ref(), |i| prints[i]))
            .flatten()
        {
            Some(name) => Err(Error::malformed(format!(
                "the parameter {:?} is given twice",
                shorten(name)
            ))),
            None => Ok(()),
        }
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

    /// The pairs as `bank_data`, in the order received: the raw text copied whole into one
    /// buffer, the values that were decoded appended to it, and each field a range of it.
    pub(crate) fn into_bank_data(self) -> BankData {
        let decoded: usize = self
            .pairs
            .iter()
            .flat_map(|(n, v)| [n, v])
            .filter(|t| matches!(t, Cow::Owned(_)))
            .map(|t| t.len())
            .sum();
        let mut text = String::with_capacity(self.raw.len() + decoded);
        text.push_str(self.raw);
        let base = self.raw.as_ptr() as usize;
        let mut range = |t: &Text<'_>| match t {
            // Borrowed text is a piece of `raw`: its place there is its range.
            Cow::Borrowed(piece) => {
                let start = (piece.as_ptr() as usize).wrapping_sub(base);
                start..start + piece.len()
            }
            Cow::Owned(decoded) => {
                let start = text.len();
                text.push_str(decoded);
                start..text.len()
            }
        };
        let ranges: Vec<_> = self
            .pairs
            .iter()
            .map(|(n, v)| (range(n), range(v)))
            .collect();
        // The ranges are pieces of `text` by construction; were one not, the pairs are copied.
        BankData::from_text_ranges(text, &ranges).unwrap_or_else(|| pairs_to_bank_data(&self.pairs))
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
        let mut prints = [0u64; SMALL];
        for (i, slot) in prints.iter_mut().enumerate().take(n) {
            *slot = print(i);
        }
        for i in 1..n {
            let (earlier, pi) = (prints.get(..i).unwrap_or_default(), print(i));
            // A tight scan of the fingerprints; names are compared only on a match.
            if earlier.contains(&pi) && (0..i).any(|j| prints[j] == pi && name(j) == name(i)) {
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
    match decoding {
        Decoding::Utf8 => String::from_utf8(decode_percent(raw, Vec::with_capacity(raw.len())))
            .map_err(|_| Error::malformed("a parameter is not valid UTF-8 once decoded")),
        Decoding::Latin1 => {
            // Every byte is the character of the same value: written straight into the text.
            let mut text = String::with_capacity(raw.len() + raw.len() / 2);
            let mut rest = raw;
            while let Some((&byte, tail)) = rest.split_first() {
                let (decoded, tail) = decode_one(byte, tail);
                text.push(char::from(decoded));
                rest = tail;
            }
            Ok(text)
        }
    }
}

/// Appends the bytes `raw` decodes to (see [`decode_bytes`]) to `out`.
fn decode_percent(raw: &[u8], mut out: Vec<u8>) -> Vec<u8> {
    let mut rest = raw;
    // Copy the runs between `%` and `+` whole; decode those two one by one.
    while let Some(at) = memchr::memchr2(b'%', b'+', rest) {
        out.extend_from_slice(&rest[..at]);
        let (decoded, tail) = decode_one(rest[at], &rest[at + 1..]);
        out.push(decoded);
        rest = tail;
    }
    out.extend_from_slice(rest);
    out
}

/// The byte `first` stands for, followed by what of `rest` it used up: `+` is a space, `%`
/// and two hex digits the byte they spell; anything else (a lone `%` too) is itself.
fn decode_one(first: u8, rest: &[u8]) -> (u8, &[u8]) {
    match (first, rest) {
        (b'+', _) => (b' ', rest),
        (b'%', [high, low, tail @ ..]) => match (hex_digit(*high), hex_digit(*low)) {
            (Some(high), Some(low)) => (high << 4 | low, tail),
            _ => (b'%', rest),
        },
        _ => (first, rest),
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

    proptest::proptest! {
        /// The parser reads what `url`'s form parser reads (which skips empty pieces too),
        /// and refuses exactly the inputs with a repeated name or invalid UTF-8 once decoded.
        #[test]
        fn reads_as_form_urlencoded(raw in "[a=&%+2Fcé]{0,24}") {
            let incoming = Incoming::get(raw.clone());
            let reference: Vec<(String, String)> =
                url::form_urlencoded::parse(raw.trim_start_matches('?').as_bytes())
                    .into_owned()
                    .collect();
            let lossless = url::form_urlencoded::parse(raw.trim_start_matches('?').as_bytes())
                .all(|(n, v)| !n.contains('\u{fffd}') && !v.contains('\u{fffd}'));
            let mut names: Vec<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
            names.sort_unstable();
            let distinct = names.windows(2).all(|w| w[0] != w[1]);
            match Received::parse(&incoming) {
                Ok(r) => {
                    let ours: Vec<(String, String)> =
                        r.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
                    proptest::prop_assert_eq!(&ours, &reference);
                    for (n, v) in r.iter() {
                        proptest::prop_assert_eq!(r.get(n), Some(v));
                    }
                    // The bank data built over the raw text holds the same fields.
                    let data = r.into_bank_data();
                    proptest::prop_assert_eq!(&data, &BankData::from_text_pairs(&ours));
                    let text = serde_json::to_string(&data).unwrap();
                    let expected = serde_json::to_string(&BankData::from_text_pairs(&ours)).unwrap();
                    proptest::prop_assert_eq!(text, expected);
                }
                Err(_) => proptest::prop_assert!(!(lossless && distinct) || raw.trim().is_empty()),
            }
        }
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
