//! Writing JSON text by hand on the hot path of a call, byte for byte what serde_json writes.
//!
//! serde_json escapes a string one byte at a time through its formatter, which made escaping
//! and the serializer's per-field machinery about a tenth of a response through the ABI. A
//! bank return's text (hex signatures, percent-encoded queries, identifiers) almost never
//! needs escaping, so [`write_str`] finds the next byte to escape eight bytes at a time
//! ([`find_special`], which the fast readers use too) and copies clean runs whole.
//! The tests compare it with serde_json on every byte value.

/// Writes `s` as a JSON string (quotes included), escaped exactly as serde_json escapes it:
/// `\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, other control characters as `\u00xx`, and
/// nothing else.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    // Clean runs copied whole, up to each byte to escape.
    while let Some((clean, tail)) = find_special(rest).and_then(|at| rest.split_at_checked(at)) {
        out.extend_from_slice(clean);
        let Some((&b, after)) = tail.split_first() else {
            break;
        };
        write_escape(out, b);
        rest = after;
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// The bytes of `w` (little endian) that need escaping, each flagged by its high bit. The
/// lowest flag is exact (a flag above it may be a borrow's artefact), so the first such byte
/// is at `mask.trailing_zeros() / 8`.
fn special_mask(w: u64) -> u64 {
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    (control | (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash))
        & HIGHS
}

/// The index of the first byte of `bytes` that needs escaping in a JSON string (`"`, `\\` or a
/// control character), eight bytes at a time.
pub(crate) fn find_special(bytes: &[u8]) -> Option<usize> {
    let word_at = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(bytes.get(at..at + 8).unwrap_or(&[0; 8]));
        u64::from_le_bytes(w)
    };
    let first = |mask: u64, base: usize| base + (mask.trailing_zeros() / 8) as usize;
    let len = bytes.len();
    if len < 8 {
        return bytes
            .iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\');
    }
    let mut base = 0;
    while base + 8 <= len {
        let mask = special_mask(word_at(base));
        if mask != 0 {
            return Some(first(mask, base));
        }
        base += 8;
    }
    if base == len {
        return None;
    }
    // The last bytes, as the last word: the bytes it shares with the word before are clean,
    // so its first flag is still exact.
    let mask = special_mask(word_at(len - 8));
    (mask != 0).then(|| first(mask, len - 8))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

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

/// Writes an integer as JSON writes it, with no formatting machinery.
pub(crate) fn write_int(out: &mut Vec<u8>, value: impl Into<i128>) {
    let value: i128 = value.into();
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    let mut n = value.unsigned_abs();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            // `n % 10` is below 10.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
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

    fn needs_escape(b: u8) -> bool {
        b < 0x20 || b == b'"' || b == b'\\'
    }

    /// The first byte to escape, one byte at a time.
    fn slow_find(bytes: &[u8]) -> Option<usize> {
        bytes.iter().position(|&b| needs_escape(b))
    }

    #[test]
    fn integers_are_written_as_serde_json_writes_them() {
        let ours = |n: i128| {
            let mut out = Vec::new();
            write_int(&mut out, n);
            String::from_utf8(out).unwrap()
        };
        for n in [
            0i128,
            1,
            -1,
            9,
            10,
            -10,
            200,
            65535,
            1_767_225_600,
            -999_999_999,
        ] {
            assert_eq!(ours(n), serde_json::to_string(&n).unwrap());
        }
        for n in [i64::MIN, i64::MAX] {
            assert_eq!(ours(n.into()), serde_json::to_string(&n).unwrap());
        }
        assert_eq!(
            ours(u64::MAX.into()),
            serde_json::to_string(&u64::MAX).unwrap()
        );
    }

    #[test]
    fn the_first_byte_to_escape_is_found_exactly() {
        // Every byte value at every offset of the first two words and the tail, among bytes
        // that could borrow into it (or flag falsely above it), before or after a second one.
        for fill in [b'a', 0xff, 0x20, 0x21, 0x80, 0x00, b'"'] {
            for b in 0u8..=255 {
                for len in [1, 5, 8, 13, 16, 21] {
                    for pos in 0..len {
                        let mut bytes = vec![fill; len];
                        bytes[pos] = b;
                        assert_eq!(
                            find_special(&bytes),
                            slow_find(&bytes),
                            "{b:#x} at {pos} of {len} in {fill:#x}"
                        );
                    }
                }
            }
        }
        assert_eq!(find_special(b""), None);
    }
}
