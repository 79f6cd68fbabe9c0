//! Reading JSON answers strictly.
//!
//! serde_json's byte parser checks the UTF-8 of the strings it reads, but not of those it
//! skips (the fields polypay does not use), so a body that is not JSON text (RFC 8259 §8.1:
//! JSON exchanged between systems is UTF-8) could still be read into the fields that matter.
//! Every answer is checked as a whole first: what is not JSON is never believed in part.

use serde::Deserialize;

/// Parses `body` as JSON text.
pub(crate) fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8: {e}"))?;
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[derive(Deserialize)]
    struct Used {
        used: u64,
    }

    #[test]
    fn skipped_fields_are_checked_too() {
        let body = b"{\"used\": 7, \"skipped\": {\"k\xff\": [\"\xfe\"]}}";
        // What serde_json's byte parser alone would accept (the bytes are in skipped fields).
        assert_eq!(serde_json::from_slice::<Used>(body).unwrap().used, 7);
        assert!(serde_json::from_slice::<Value>(body).is_err());
        let e = parse::<Used>(body).err().unwrap();
        assert!(e.contains("not UTF-8"), "{e}");
        assert_eq!(
            parse::<Used>(br#"{"used": 7, "skipped": "x"}"#)
                .unwrap()
                .used,
            7
        );
        assert!(parse::<Used>(b"{\"used\": 7,}").is_err());
    }
}
