//! Writing JSON text by hand on the hot path of a call, byte for byte what serde_json writes.
//!
//! serde_json escapes a string one byte at a time through its formatter, which made escaping
//! and the serializer's per-field machinery about a tenth of a response through the ABI. A
//! bank return's text (hex signatures, percent-encoded queries, identifiers) almost never
//! needs escaping, so [`write_str`] checks eight bytes at a time and copies clean runs whole.
//! The tests compare it with serde_json on every byte value.

/// Writes `s` as a JSON string (quotes included), escaped exactly as serde_json escapes it:
/// `\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, other control characters as `\u00xx`, and
/// nothing else.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            if !needs_escape_in(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        // A word with something to escape, or the last bytes: one at a time.
        let end = (i + 8).min(bytes.len());
        while i < end {
            let b = bytes.get(i).copied().unwrap_or_default();
            if needs_escape(b) {
                out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
                write_escape(out, b);
                start = i + 1;
            }
            i += 1;
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether some byte of `w` is zero (exact: no false positive or negative for the word).
fn has_zero(w: u64) -> bool {
    w.wrapping_sub(ONES) & !w & HIGHS != 0
}

/// Whether some byte of `w` needs escaping.
fn needs_escape_in(w: u64) -> bool {
    // A byte below 0x20 (exact for any bound up to 0x80), or equal to `"` or `\`.
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
    control || has_zero(w ^ (ONES * u64::from(b'"'))) || has_zero(w ^ (ONES * u64::from(b'\\')))
}

fn write_escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0a => b'n',
        0x0c => b'f',
        0x0d => b'r',
        _ => {
            let hex = |n: u8| HEX.get(usize::from(n)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b & 0xf)]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// Writes `"name":` (a name that needs no escaping).
pub(crate) fn write_key(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Writes an optional string, `null` when absent.
pub(crate) fn write_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Writes `value` through `Display` as a JSON string (for values whose text needs no
/// escaping: numbers, timestamps, enum names), with no intermediate `String`.
pub(crate) fn write_display(out: &mut Vec<u8>, value: impl std::fmt::Display) {
    use std::io::Write as _;
    out.push(b'"');
    // Writing to a `Vec` cannot fail.
    let _ = write!(out, "{value}");
    out.push(b'"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ours(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every byte value below 0x80 at every offset of a word, and characters beyond.
        for b in 0u8..0x80 {
            let c = char::from(b);
            for pad in 0..17 {
                let s: String = "a".repeat(pad) + &c.to_string() + &"b".repeat(17 - pad);
                assert_eq!(
                    ours(&s),
                    serde_json::to_string(&s).unwrap(),
                    "{b:#x} at {pad}"
                );
            }
        }
        for s in [
            "",
            "é",
            "\u{7f}\u{80}\u{ffff}😀",
            "\"\\\"\\",
            "abcdefgh\u{1}ijklmnop\"qrstuvw\\x",
            "transaction_id=0707&date=2026-01-01T10%3A00%3A00Z&sig=41c75a3fe7a3",
        ] {
            assert_eq!(ours(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn words_are_classified_exactly() {
        for b in 0u8..=255 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = b;
                assert_eq!(
                    needs_escape_in(u64::from_le_bytes(w)),
                    needs_escape(b),
                    "{b:#x} at {pos}"
                );
                // Next to bytes that could borrow into it.
                let mut w = [0xffu8; 8];
                w[pos] = b;
                assert_eq!(needs_escape_in(u64::from_le_bytes(w)), needs_escape(b));
                let mut w = [0x20u8; 8];
                w[pos] = b;
                assert_eq!(needs_escape_in(u64::from_le_bytes(w)), needs_escape(b));
            }
        }
    }
}
