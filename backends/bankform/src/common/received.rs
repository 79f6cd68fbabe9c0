//! What the bank sent, parsed strictly: a size limit, no duplicate names, UTF-8 (or latin-1
//! where the protocol says so), and the raw text kept for signatures computed over it.

use std::ops::Range;

use polypay_core::{BankData, Error, Incoming, Result};

use super::sign::hex_value;

/// Longest query string or body a bank return may have. Real returns are a few kilobytes;
/// anything far larger is refused before it is parsed.
pub(crate) const MAX_INPUT: usize = 64 * 1024;

/// The parameters of a bank return, in the order received, with the raw text they came from.
/// Borrows the [`Incoming`] it was parsed from.
///
/// The fields are read straight into the [`BankData`] the response will carry: one buffer
/// holding a copy of the raw text (where whatever needed no decoding, the common case, stays)
/// followed by whatever was decoded, each field a pair of ranges of it. The names are
/// fingerprinted and checked for duplicates once, lookups use those fingerprints, and the
/// response's `bank_data` is this, as it is.
#[derive(Debug, Clone)]
pub(crate) struct Received<'a> {
    /// The raw (still percent-encoded) text the fields came from: the query string, or the
    /// body when the query string is empty.
    pub(crate) raw: &'a str,
    /// The decoded fields.
    data: BankData,
}

/// How the names of a return are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// As received.
    AsReceived,
    /// Upper-cased (ASCII letters), for protocols whose names are case-insensitive.
    UpperCase,
}

impl<'a> Received<'a> {
    /// Parses the query string, or the form body when the query string holds nothing. Values
    /// are UTF-8; a name given twice is an error (a signature over "the first value" would
    /// otherwise let a second value slip through unsigned).
    pub(crate) fn parse(incoming: &'a Incoming) -> Result<Received<'a>> {
        Self::parse_with(incoming, Decoding::Utf8, Names::AsReceived)
    }

    /// Like [`Received::parse`], with the given character decoding and reading of names (two
    /// names equal once upper-cased are the same name given twice).
    pub(crate) fn parse_with(
        incoming: &'a Incoming,
        decoding: Decoding,
        names: Names,
    ) -> Result<Received<'a>> {
        let raw = raw_text(incoming)?;
        let bytes = raw.as_bytes();
        // Room for the decoded pieces after the copy of the raw text: decoded UTF-8 is never
        // longer than its encoding (latin-1 may be, and then grows the buffer).
        let mut text = String::with_capacity(2 * raw.len());
        text.push_str(raw);
        // Sized exactly: a return's fields then fit the allocator's fast small-block path.
        let mut ranges = Vec::with_capacity(memchr::memchr_iter(b'&', bytes).count() + 1);
        let mut scratch = Vec::new();
        // One vectorized pass finds the `&` separators and the bytes that need decoding
        // (`%`, `+`: rare, so each piece remembers only its first and last); `=` is looked for
        // in each piece. What needs no decoding stays where it is.
        let mut piece = |range: Range<usize>, coded: bool, name: bool| -> Result<Range<usize>> {
            let upper = name
                && names == Names::UpperCase
                && (bytes.get(range.clone()).unwrap_or_default())
                    .iter()
                    .any(u8::is_ascii_lowercase);
            if !coded && !upper {
                return Ok(range);
            }
            let start = text.len();
            let piece = bytes.get(range.clone()).unwrap_or_default();
            if coded && decoding == Decoding::Latin1 {
                // The raw return is text: what is not escaped is a character as it is.
                decode_latin1_text(raw.get(range).unwrap_or_default(), &mut text);
            } else if coded {
                decode_into(piece, decoding, &mut scratch, &mut text)?;
            } else {
                // Text that needs no decoding is kept as it is (as when it stays in place).
                text.push_str(raw.get(range).unwrap_or_default());
            }
            if let Some(name) = text.get_mut(start..)
                && upper
            {
                name.make_ascii_uppercase();
            }
            Ok(start..text.len())
        };
        // Each piece is found by one search for `&`, `%` or `+`: when it stops on a byte that
        // needs decoding, the rest of the piece is skipped to its `&` (a return such as Sips'
        // `Data` has a hundred escapes in one value) and only whether the other part of the
        // piece needs decoding too is asked.
        let mut start = 0;
        while start <= bytes.len() {
            let rest = bytes.get(start..).unwrap_or_default();
            let stop = memchr::memchr3(b'&', b'%', b'+', rest).map_or(bytes.len(), |i| start + i);
            let coded_at = (bytes.get(stop).is_some_and(|b| *b != b'&')).then_some(stop);
            let end = match coded_at {
                None => stop,
                Some(at) => {
                    let after = bytes.get(at..).unwrap_or_default();
                    memchr::memchr(b'&', after).map_or(bytes.len(), |i| at + i)
                }
            };
            if end > start {
                let whole = bytes.get(start..end).unwrap_or_default();
                // `&` and `=` are ASCII, so these indices are character boundaries.
                let eq = memchr::memchr(b'=', whole).map(|e| start + e);
                let coded_in = |range: Range<usize>| {
                    memchr::memchr2(b'%', b'+', bytes.get(range).unwrap_or_default()).is_some()
                };
                let field = match (eq, coded_at) {
                    (Some(e), None) => (
                        piece(start..e, false, true)?,
                        piece(e + 1..end, false, false)?,
                    ),
                    (Some(e), Some(at)) => {
                        // The first coded byte is in the name, or else in the value.
                        let (name_coded, value_coded) = if at < e {
                            (true, coded_in(e + 1..end))
                        } else {
                            (false, true)
                        };
                        (
                            piece(start..e, name_coded, true)?,
                            piece(e + 1..end, value_coded, false)?,
                        )
                    }
                    (None, coded) => (piece(start..end, coded.is_some(), true)?, end..end),
                };
                ranges.push(field);
            }
            start = end + 1;
        }
        // Fewer fields than pieces: some name came twice.
        match BankData::from_text_ranges(text, &ranges) {
            Some(data) if data.len() == ranges.len() => Ok(Received { raw, data }),
            _ => Err(Error::malformed(format!(
                "the parameter {:?} is given twice",
                shorten(&repeated_name(raw, decoding, names))
            ))),
        }
    }

    /// The value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.data.get_str(name)
    }

    /// The fields, as the response's `bank_data` will hold them (for reading several at once,
    /// see [`read_fields`](crate::common::read_fields::read_fields)).
    pub(crate) fn data(&self) -> &BankData {
        &self.data
    }

    /// The value of `name`, or a [`Error::Malformed`] naming it.
    pub(crate) fn require(&self, name: &str, backend: &str) -> Result<&str> {
        self.get(name).ok_or_else(|| missing(name, backend))
    }

    /// Whether every one of `names` is present.
    pub(crate) fn has_all(&self, names: &[&str]) -> bool {
        names.iter().all(|n| self.get(n).is_some())
    }

    /// The fields as `(&str, &str)`, in the order received.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        // Every value was read as text.
        self.data
            .text_fields()
            .map(|(name, value)| (name, value.unwrap_or_default()))
    }

    /// The name of the last field.
    pub(crate) fn last_name(&self) -> Option<&str> {
        self.iter().last().map(|(name, _)| name)
    }

    /// The fields as `bank_data`, in the order received.
    pub(crate) fn into_bank_data(self) -> BankData {
        self.data
    }
}

/// The [`Error::Malformed`] of a `backend` return that lacks `name`.
pub(crate) fn missing(name: &str, backend: &str) -> Error {
    Error::malformed(format!("the {backend} return has no {name} parameter"))
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

/// The first name given twice in `raw` (in order of its second occurrence), found the slow
/// way: only a refused return needs it, to say which name.
fn repeated_name(raw: &str, decoding: Decoding, names: Names) -> String {
    let seen: Vec<String> = raw
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let name = piece.split('=').next().unwrap_or_default();
            let name = decode_bytes(name.as_bytes(), decoding).unwrap_or_default();
            match names {
                Names::AsReceived => name,
                Names::UpperCase => name.to_ascii_uppercase(),
            }
        })
        .collect();
    let print = |i: usize| BankData::name_fingerprint(&seen[i]);
    first_duplicate(seen.len(), |i| seen[i].as_str(), print)
        .unwrap_or_default()
        .to_owned()
}

/// Why a return whose percent-decoded bytes are not UTF-8 is refused.
const NOT_UTF8: &str = "a parameter is not valid UTF-8 once decoded";

/// Decodes one form-urlencoded component given as bytes (`+` is a space; a `%` not followed
/// by two hex digits stays as it is, as in `percent_encoding`), in one pass.
pub(crate) fn decode_bytes(raw: &[u8], decoding: Decoding) -> Result<String> {
    let mut text = String::with_capacity(raw.len() + raw.len() / 2);
    decode_into(raw, decoding, &mut Vec::new(), &mut text)?;
    Ok(text)
}

/// Decodes `raw` as [`decode_bytes`] does, appending the text to `out`; `scratch` holds the
/// decoded bytes of UTF-8 text on the way, to be checked (reused from piece to piece).
fn decode_into(
    raw: &[u8],
    decoding: Decoding,
    scratch: &mut Vec<u8>,
    out: &mut String,
) -> Result<()> {
    match decoding {
        Decoding::Utf8 => {
            scratch.clear();
            scratch.reserve(raw.len());
            decode_percent(raw, scratch);
            out.push_str(std::str::from_utf8(scratch).map_err(|_| Error::malformed(NOT_UTF8))?);
        }
        Decoding::Latin1 => {
            // Every byte is the character of the same value: written straight into the text.
            let mut rest = raw;
            while let Some((&byte, tail)) = rest.split_first() {
                let (decoded, tail) = decode_one(byte, tail);
                out.push(char::from(decoded));
                rest = tail;
            }
        }
    }
    Ok(())
}

/// Appends the latin-1 decoding of the text `raw` to `out`: an escape is the character of
/// its byte, `+` a space, and any other character itself (a raw return is text, so a
/// character that was not escaped is not a latin-1 byte).
fn decode_latin1_text(raw: &str, out: &mut String) {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte.is_ascii() {
            let (decoded, rest) = decode_one(byte, bytes.get(i + 1..).unwrap_or_default());
            out.push(char::from(decoded));
            i = bytes.len() - rest.len();
        } else {
            // A character of two to four bytes, copied whole.
            let len = match byte {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            out.push_str(raw.get(i..i + len).unwrap_or_default());
            i += len;
        }
    }
}

/// Appends the bytes `raw` decodes to (see [`decode_bytes`]) to `out`.
fn decode_percent(raw: &[u8], out: &mut Vec<u8>) {
    let mut rest = raw;
    // Copy the runs between `%` and `+` whole; decode those two one by one.
    while let Some(at) = memchr::memchr2(b'%', b'+', rest) {
        out.extend_from_slice(&rest[..at]);
        let (decoded, tail) = decode_one(rest[at], &rest[at + 1..]);
        out.push(decoded);
        rest = tail;
    }
    out.extend_from_slice(rest);
}

/// The byte `first` stands for, followed by what of `rest` it used up: `+` is a space, `%`
/// and two hex digits the byte they spell; anything else (a lone `%` too) is itself.
fn decode_one(first: u8, rest: &[u8]) -> (u8, &[u8]) {
    match (first, rest) {
        (b'+', _) => (b' ', rest),
        (b'%', [high, low, tail @ ..]) => match (hex_value(*high), hex_value(*low)) {
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
        let l = Received::parse_with(&latin, Decoding::Latin1, Names::AsReceived).unwrap();
        assert_eq!(l.get("a"), Some("ï"));
        let form = Incoming::post_form("x=1");
        let body = Received::parse(&form).unwrap();
        assert_eq!(body.get("x"), Some("1"));
        let huge = "a=".to_owned() + &"b".repeat(MAX_INPUT);
        assert!(Received::parse(&Incoming::get(huge)).is_err());
        let bin = Incoming::post_form(vec![b'a', b'=', 0xff]);
        assert!(Received::parse(&bin).is_err());
        assert!(r.require("zz", "test").is_err());
        assert_eq!(r.last_name(), Some("c"));
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

        /// Read as latin-1 with names upper-cased (Ogone), a return is what decoding each
        /// piece by hand gives: `+` a space, `%` and two hex digits the latin-1 character of
        /// that byte, anything else itself; and names equal once upper-cased are refused.
        #[test]
        fn reads_latin1_upper_case(raw in "[a=&%+2FcEé9]{0,24}") {
            let decode = |piece: &str| -> String {
                let b = piece.as_bytes();
                let mut out = String::new();
                let mut i = 0;
                while let Some(&c) = b.get(i) {
                    let hex = |k: usize| b.get(k).and_then(|d| char::from(*d).to_digit(16));
                    match (c, hex(i + 1), hex(i + 2)) {
                        (b'+', _, _) => { out.push(' '); i += 1; }
                        (b'%', Some(h), Some(l)) => { out.push(char::from((h * 16 + l) as u8)); i += 3; }
                        _ => {
                            let ch = piece[i..].chars().next().unwrap_or_default();
                            out.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out
            };
            let reference: Vec<(String, String)> = raw
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (n, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(n).to_ascii_uppercase(), decode(v))
                })
                .collect();
            let mut names: Vec<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
            names.sort_unstable();
            let distinct = names.windows(2).all(|w| w[0] != w[1]);
            let incoming = Incoming::get(raw.clone());
            match Received::parse_with(&incoming, Decoding::Latin1, Names::UpperCase) {
                Ok(r) => {
                    let ours: Vec<(String, String)> =
                        r.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
                    proptest::prop_assert_eq!(&ours, &reference);
                }
                Err(_) => proptest::prop_assert!(!distinct || raw.trim().is_empty()),
            }
        }
    }

    /// The error names the repeated name as decoded (and upper-cased where names are), in
    /// small returns and in large ones.
    #[test]
    fn duplicates_are_named() {
        let error = |query: &str, names| {
            let incoming = Incoming::get(query);
            Received::parse_with(&incoming, Decoding::Latin1, names)
                .unwrap_err()
                .to_string()
        };
        assert!(error("x=0&a%62=1&ab=2", Names::AsReceived).contains(r#""ab""#));
        assert!(error("x=0&Ab=1&aB=2", Names::UpperCase).contains(r#""AB""#));
        let incoming = Incoming::get("x=0&Ab=1&aB=2");
        assert!(Received::parse_with(&incoming, Decoding::Latin1, Names::AsReceived).is_ok());
        let many: String = (0..100).map(|i| format!("n{i}=1&")).collect();
        assert!(error(&(many + "N7=2"), Names::UpperCase).contains(r#""N7""#));
        // Upper-cased names are what the fields are called.
        let incoming = Incoming::get("orderId=1&PM=x%2By");
        let r = Received::parse_with(&incoming, Decoding::Latin1, Names::UpperCase).unwrap();
        assert_eq!(
            r.iter().collect::<Vec<_>>(),
            [("ORDERID", "1"), ("PM", "x+y")]
        );
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
