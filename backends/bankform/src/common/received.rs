//! What the bank sent, parsed strictly: a size limit, no duplicate names, UTF-8 (or latin-1
//! where the protocol says so), and the raw text kept for signatures computed over it.

use polypay_core::{Error, Incoming, Result};

/// Longest query string or body a bank return may have. Real returns are a few kilobytes;
/// anything far larger is refused before it is parsed.
pub(crate) const MAX_INPUT: usize = 64 * 1024;

/// The parameters of a bank return, in the order received, with the raw text they came from.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// Decoded `(name, value)` pairs.
    pub(crate) pairs: Vec<(String, String)>,
    /// The raw (still percent-encoded) text the pairs came from: the query string, or the
    /// body when the query string is empty.
    pub(crate) raw: String,
}

impl Received {
    /// Parses the query string, or the form body when the query string holds nothing. Values
    /// are UTF-8; a name given twice is an error (a signature over "the first value" would
    /// otherwise let a second value slip through unsigned).
    pub(crate) fn parse(incoming: &Incoming) -> Result<Received> {
        Self::parse_with(incoming, Decoding::Utf8)
    }

    /// Like [`Received::parse`], with the given character decoding.
    pub(crate) fn parse_with(incoming: &Incoming, decoding: Decoding) -> Result<Received> {
        let raw = raw_text(incoming)?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        for piece in raw.split('&') {
            if piece.is_empty() {
                continue;
            }
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name = decode(name, decoding)?;
            let value = decode(value, decoding)?;
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(Error::malformed(format!(
                    "the parameter {:?} is given twice",
                    shorten(&name)
                )));
            }
            pairs.push((name, value));
        }
        Ok(Received { pairs, raw })
    }

    /// The value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
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

    /// The pairs as a JSON object (for `bank_data`), in the order received.
    pub(crate) fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        pairs_to_map(&self.pairs)
    }
}

/// `(name, value)` pairs as a JSON object of strings.
pub(crate) fn pairs_to_map(
    pairs: &[(String, String)],
) -> serde_json::Map<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
        .collect()
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
fn raw_text(incoming: &Incoming) -> Result<String> {
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
    Ok(text
        .trim_start_matches('?')
        .trim_end_matches(['\r', '\n'])
        .to_owned())
}

/// Decodes one form-urlencoded component (`+` is a space).
pub(crate) fn decode(raw: &str, decoding: Decoding) -> Result<String> {
    // Most names and values need no decoding at all: skip the copies.
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(raw.to_owned());
    }
    decode_bytes(raw.as_bytes(), decoding)
}

/// Decodes one form-urlencoded component given as bytes (`+` is a space).
pub(crate) fn decode_bytes(raw: &[u8], decoding: Decoding) -> Result<String> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    match decoding {
        Decoding::Utf8 => String::from_utf8(bytes)
            .map_err(|_| Error::malformed("a parameter is not valid UTF-8 once decoded")),
        Decoding::Latin1 => Ok(bytes.into_iter().map(char::from).collect()),
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
        let r = Received::parse(&Incoming::get("a=1&b=x+y%21&c")).unwrap();
        assert_eq!(r.get("b"), Some("x y!"));
        assert_eq!(r.get("c"), Some(""));
        assert_eq!(r.raw, "a=1&b=x+y%21&c");
        assert!(Received::parse(&Incoming::get("a=1&a=1")).is_err());
        assert!(Received::parse(&Incoming::get("a=%ff")).is_err());
        let l = Received::parse_with(&Incoming::get("a=%ef"), Decoding::Latin1).unwrap();
        assert_eq!(l.get("a"), Some("ï"));
        let body = Received::parse(&Incoming::post_form("x=1")).unwrap();
        assert_eq!(body.get("x"), Some("1"));
        let huge = "a=".to_owned() + &"b".repeat(MAX_INPUT);
        assert!(Received::parse(&Incoming::get(huge)).is_err());
        let bin = Incoming::post_form(vec![b'a', b'=', 0xff]);
        assert!(Received::parse(&bin).is_err());
        assert!(r.require("zz", "test").is_err());
    }
}
