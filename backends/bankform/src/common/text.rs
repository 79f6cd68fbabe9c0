//! Small text builders for the hot paths: decimal numbers without the formatting machinery,
//! and concatenations sized once.

/// Appends `n` in decimal, zero-padded to at least `width` digits (`format!("{n:0width$}")`).
pub(crate) fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut rest = n;
    loop {
        i -= 1;
        // A digit: `rest % 10` is below 10.
        buf[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in buf.len() - i..width {
        out.push('0');
    }
    // Digits are ASCII: always text.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// `n` in decimal, zero-padded to at least `width` digits.
pub(crate) fn padded(n: u64, width: usize) -> String {
    let mut s = String::with_capacity(width.max(4));
    push_padded(&mut s, n, width);
    s
}

/// `n` in decimal.
pub(crate) fn decimal(n: u64) -> String {
    padded(n, 0)
}

/// The concatenation of `parts`, allocated once.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Whether `value` holds a control character (`char::is_control`): one pass over the bytes
/// for ASCII text (whose control characters are the bytes below 0x20 and 0x7f), characters
/// only from the first non-ASCII byte on.
pub(crate) fn has_control(value: &str) -> bool {
    match value.bytes().position(|b| !(0x20..0x7f).contains(&b)) {
        None => false,
        Some(i) => match value.as_bytes()[i] {
            b if b < 0x80 => true,
            _ => value
                .get(i..)
                .is_some_and(|rest| rest.chars().any(char::is_control)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_format() {
        for n in [0u64, 7, 42, 999, 1000, 123_456_789, u64::MAX] {
            for width in [0usize, 1, 3, 10, 25] {
                assert_eq!(padded(n, width), format!("{n:0width$}"));
            }
            assert_eq!(decimal(n), n.to_string());
        }
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        for c in (0u32..0x200).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            assert_eq!(has_control(&s), s.chars().any(char::is_control), "{c:?}");
        }
    }
}
