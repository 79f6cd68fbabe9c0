//! A strict reader of the compact JSON the wire's own writers produce, for the fast paths of
//! the call's hot messages (see [`super::response`] and [`super::call`]).
//!
//! serde_json reads any JSON; most of its cost on a call is the generality (whitespace, field
//! dispatch through visitors, escapes, numbers of every kind). The writers of both sides
//! produce one exact shape: no whitespace, fields in a fixed order. A [`Cursor`] reads only
//! that shape: a literal, a string without escapes or control characters, `null`, a boolean,
//! a plain integer. Any other input makes a read return `None`, and the caller then reads the
//! whole message again through serde, which gives the value (or the error) it always gave. So
//! a fast path accepts a subset of what serde accepts, and must give the same value for it
//! (the tests and the fuzz targets compare the two).

use super::json::find_special;

/// A position in a message, reading forward.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or_default()
    }

    /// Whether the whole text has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.pos == self.text.len()
    }

    /// Consumes `lit` if the text continues with it.
    pub(crate) fn eat(&mut self, lit: &[u8]) -> bool {
        if self.rest().starts_with(lit) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    /// Consumes `lit`, or `None`.
    pub(crate) fn lit(&mut self, lit: &[u8]) -> Option<()> {
        self.eat(lit).then_some(())
    }

    /// The next byte, not consumed.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    /// A string without escapes (borrowed), or `None` (not a string, an escape, a control
    /// character, or no closing quote).
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        let body = self.rest().strip_prefix(b"\"")?;
        // The first byte that ends the string or would need an escape must be its end: a
        // backslash or a raw control character is serde's business.
        let len = find_special(body)?;
        if body.get(len) != Some(&b'"') {
            return None;
        }
        // Both ends are ASCII quotes, so this is a whole `str` (the text is valid UTF-8).
        let s = self.text.get(self.pos + 1..self.pos + 1 + len)?;
        self.pos += len + 2;
        Some(s)
    }

    /// A string or `null`.
    pub(crate) fn opt_str(&mut self) -> Option<Option<&'a str>> {
        if self.eat(b"null") {
            Some(None)
        } else {
            self.str().map(Some)
        }
    }

    /// `true` or `false`.
    pub(crate) fn bool(&mut self) -> Option<bool> {
        if self.eat(b"true") {
            Some(true)
        } else if self.eat(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// A non-negative integer as JSON writes it (`0`, or digits without a leading zero), not
    /// followed by a fraction or an exponent, that fits a `u64`.
    pub(crate) fn u64(&mut self) -> Option<u64> {
        let rest = self.rest();
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let tail = rest.get(digits).copied();
        if digits == 0
            || (digits > 1 && rest.first() == Some(&b'0'))
            || matches!(tail, Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let mut n: u64 = 0;
        for &b in rest.get(..digits)? {
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        self.pos += digits;
        Some(n)
    }

    /// An integer that fits an `i64` (a leading `-`, but not `-0`).
    pub(crate) fn i64(&mut self) -> Option<i64> {
        if self.peek() == Some(b'-') {
            let mut ahead = self.clone();
            ahead.pos += 1;
            let n = ahead.u64()?;
            if n == 0 {
                return None;
            }
            let v = 0i64.checked_sub_unsigned(n)?;
            *self = ahead;
            Some(v)
        } else {
            let mut ahead = self.clone();
            let n = i64::try_from(ahead.u64()?).ok()?;
            *self = ahead;
            Some(n)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed_and_everything_else_is_refused() {
        for s in [
            "",
            "a",
            "abcdefgh",
            "abcdefghi",
            "é😀 and more than eight",
            "%3A+/=?&",
        ] {
            let text = serde_json::to_string(s).unwrap() + ",";
            let mut c = Cursor::new(&text);
            assert_eq!(c.str(), Some(s));
            assert!(c.eat(b","));
            assert!(c.at_end());
        }
        for text in [
            r#""a\"b""#,
            r#""abcdefgh\n""#,
            "\"a\u{1}\"",
            "\"abcdefgh\u{1f}ijk\"",
            r#""unterminated"#,
            r#""unterminated and longer"#,
            "a",
            "",
        ] {
            assert_eq!(Cursor::new(text).str(), None, "{text:?}");
        }
    }

    #[test]
    fn integers_are_read_as_json_writes_them() {
        let u = |t: &str| Cursor::new(t).u64();
        assert_eq!(u("0"), Some(0));
        assert_eq!(u("18446744073709551615,"), Some(u64::MAX));
        for bad in ["", "-1", "01", "1.5", "1e3", "18446744073709551616", "x"] {
            assert_eq!(u(bad), None, "{bad}");
        }
        let i = |t: &str| Cursor::new(t).i64();
        assert_eq!(i("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(i("9223372036854775807]"), Some(i64::MAX));
        for bad in [
            "-0",
            "-",
            "9223372036854775808",
            "-9223372036854775809",
            "--1",
        ] {
            assert_eq!(i(bad), None, "{bad}");
        }
        // What was refused is not consumed.
        let mut c = Cursor::new("-0");
        assert_eq!(c.i64(), None);
        assert!(c.eat(b"-0") && c.at_end());
    }
}
