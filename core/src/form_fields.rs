//! [`FormFields`]: the ordered fields of a form to the bank, compact to build and to carry.
//!
//! A bank form has a dozen to a few dozen fields. Held as `Vec<(String, String)>` each of
//! them costs two allocations, which made building the owned form dearer than signing it
//! (three times the SHA-1 of a SystemPay form). `FormFields` keeps every name and value in one
//! backing `String`, with the offsets of each field in a second buffer, so that a form costs
//! two allocations whatever the number of fields, and reading it costs no more than a slice.
//! A backend builds its form in place: replacing a value or sorting the fields moves offsets,
//! never text.

use std::fmt;

use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where one field is in the text buffer: its name is `text[start..name_end]`, its value
/// `text[value_start..value_end]` (right after the name, unless the value was replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    name_end: usize,
    value_start: usize,
    value_end: usize,
}

/// The fields of a form (`Action::Form::fields`): ordered `(name, value)` pairs, kept in the
/// order they were pushed, because some banks sign the fields in the order they are sent.
/// A name may appear more than once (HTML forms allow it); [`FormFields::get`] finds the first.
///
/// It serializes as a JSON array of `[name, value]` pairs — the same JSON as the
/// `Vec<(String, String)>` it replaces — and compares field by field, order included.
///
/// ```
/// use polypay_core::FormFields;
///
/// let mut fields = FormFields::new();
/// fields.push("vads_amount", "1524");
/// fields.push("vads_currency", "978");
/// assert_eq!(fields.get("vads_amount"), Some("1524"));
/// assert_eq!(fields.len(), 2);
/// let pairs: Vec<(&str, &str)> = fields.iter().collect();
/// assert_eq!(pairs, [("vads_amount", "1524"), ("vads_currency", "978")]);
///
/// // The JSON of a list of pairs, both ways.
/// let text = serde_json::to_string(&fields)?;
/// assert_eq!(text, r#"[["vads_amount","1524"],["vads_currency","978"]]"#);
/// assert_eq!(serde_json::from_str::<FormFields>(&text)?, fields);
///
/// // Built from pairs of anything that reads as text.
/// let same: FormFields = [("vads_amount", "1524"), ("vads_currency", "978")].into_iter().collect();
/// assert_eq!(same, fields);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct FormFields {
    /// Names and values, back to back (plus the old text of replaced values, unused).
    text: String,
    /// The fields in order.
    spans: Vec<Span>,
}

impl FormFields {
    /// No fields.
    pub fn new() -> FormFields {
        FormFields::default()
    }

    /// No fields yet, with room for `fields` fields whose names and values total `bytes`
    /// bytes, so that pushing them does not reallocate.
    ///
    /// ```
    /// let mut f = polypay_core::FormFields::with_capacity(1, 6);
    /// f.push("ref", "A1B");
    /// assert_eq!(f.get("ref"), Some("A1B"));
    /// ```
    pub fn with_capacity(fields: usize, bytes: usize) -> FormFields {
        FormFields {
            text: String::with_capacity(bytes),
            spans: Vec::with_capacity(fields),
        }
    }

    /// Appends a field (even if the name is already present).
    ///
    /// ```
    /// let mut f = polypay_core::FormFields::new();
    /// f.push("a", "1");
    /// f.push("a", "2");
    /// assert_eq!(f.len(), 2);
    /// assert_eq!(f.get("a"), Some("1"));
    /// ```
    #[inline]
    pub fn push(&mut self, name: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(name);
        let name_end = self.text.len();
        self.text.push_str(value);
        self.spans.push(Span {
            start,
            name_end,
            value_start: name_end,
            value_end: self.text.len(),
        });
    }

    /// Sets the value of the field at `index`; whether there is one.
    ///
    /// ```
    /// let mut f: polypay_core::FormFields = [("a", "1")].into_iter().collect();
    /// assert!(f.set_value(0, "2"));
    /// assert!(!f.set_value(1, "3"));
    /// assert_eq!(f.get("a"), Some("2"));
    /// ```
    pub fn set_value(&mut self, index: usize, value: &str) -> bool {
        let value_start = self.text.len();
        let Some(span) = self.spans.get_mut(index) else {
            return false;
        };
        // The new value goes at the end of the buffer; the old one stays there, unused.
        self.text.push_str(value);
        span.value_start = value_start;
        span.value_end = self.text.len();
        true
    }

    /// Sets the value of the first field called `name` where it stands, or appends the field;
    /// returns the field's index.
    ///
    /// ```
    /// let mut f: polypay_core::FormFields = [("a", "1"), ("b", "2")].into_iter().collect();
    /// assert_eq!(f.set("a", "3"), 0);
    /// assert_eq!(f.set("c", "4"), 2);
    /// assert_eq!(f.iter().collect::<Vec<_>>(), [("a", "3"), ("b", "2"), ("c", "4")]);
    /// ```
    pub fn set(&mut self, name: &str, value: &str) -> usize {
        // Form names often share a prefix (`vads_`): their last eight bytes, compared as a
        // word, tell most apart before the bytes are compared.
        let bytes = name.as_bytes();
        let tail = |n: &[u8]| n.last_chunk::<8>().map(|w| u64::from_ne_bytes(*w));
        let wanted = tail(bytes);
        let position = self.spans.iter().position(|s| {
            let candidate = self.name_bytes(s);
            candidate.len() == bytes.len() && tail(candidate) == wanted && candidate == bytes
        });
        let Some(index) = position else {
            self.push(name, value);
            return self.len() - 1;
        };
        self.set_value(index, value);
        index
    }

    /// Sorts the fields by name (byte order), keeping fields of the same name in their order.
    /// Some banks sign the fields sorted by name.
    ///
    /// ```
    /// let mut f: polypay_core::FormFields = [("b", "1"), ("a", "2"), ("b", "3")].into_iter().collect();
    /// f.sort_by_name();
    /// assert_eq!(f.iter().collect::<Vec<_>>(), [("a", "2"), ("b", "1"), ("b", "3")]);
    /// ```
    pub fn sort_by_name(&mut self) {
        /// Forms this long or shorter are sorted with their keys on the stack.
        const ON_STACK: usize = 48;
        let text = self.text.as_bytes();
        let name = |s: &Span| text.get(s.start..s.name_end).unwrap_or_default();
        let key = |s: &Span| sort_key(name(s));
        let before = |a: &(u128, Span), b: &(u128, Span)| match a.0.cmp(&b.0) {
            std::cmp::Ordering::Equal => name(&a.1) < name(&b.1),
            o => o.is_lt(),
        };
        let n = self.spans.len();
        if n > ON_STACK {
            let mut keyed: Vec<(u128, Span)> = self.spans.iter().map(|s| (key(s), *s)).collect();
            keyed.sort_by(|a, b| match (before(a, b), before(b, a)) {
                (true, _) => std::cmp::Ordering::Less,
                (_, true) => std::cmp::Ordering::Greater,
                _ => std::cmp::Ordering::Equal,
            });
            self.spans = keyed.into_iter().map(|(_, s)| s).collect();
            return;
        }
        // Keys side by side, moved with their spans. Forms are built nearly in order (a run
        // of fields in order, then a few optional ones): a field already in place costs one
        // comparison; one that is not is put in place by a binary search of the sorted fields
        // before it and one rotation (stable: after the fields that sort equal to it).
        let mut keys = [0u128; ON_STACK];
        for (k, span) in keys.iter_mut().zip(&self.spans) {
            *k = key(span);
        }
        let (Some(keys), spans) = (keys.get_mut(..n), &mut self.spans[..]) else {
            return;
        };
        let sorts_before = |ka: u128, a: &Span, kb: u128, b: &Span| match ka.cmp(&kb) {
            std::cmp::Ordering::Equal => name(a) < name(b),
            o => o.is_lt(),
        };
        for i in 1..n {
            let (k, span) = (keys[i], spans[i]);
            if !sorts_before(k, &span, keys[i - 1], &spans[i - 1]) {
                continue;
            }
            let mut lo = 0;
            let mut hi = i - 1;
            // The first place whose field sorts after this one (in `lo..=hi`, since the
            // field just before it does).
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if sorts_before(k, &span, keys[mid], &spans[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            keys[lo..=i].rotate_right(1);
            spans[lo..=i].rotate_right(1);
        }
    }

    /// The number of fields.
    ///
    /// ```
    /// assert_eq!(polypay_core::FormFields::new().len(), 0);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there is no field.
    ///
    /// ```
    /// assert!(polypay_core::FormFields::new().is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The value of the first field called `name`.
    ///
    /// ```
    /// let f: polypay_core::FormFields = [("Data", "amount=1200"), ("Seal", "6ca3")].into_iter().collect();
    /// assert_eq!(f.get("Seal"), Some("6ca3"));
    /// assert_eq!(f.get("seal"), None);
    /// ```
    #[inline]
    pub fn get(&self, name: &str) -> Option<&str> {
        let span = self
            .spans
            .iter()
            .find(|s| self.name_bytes(s) == name.as_bytes())?;
        Some(self.field(*span).1)
    }

    /// The bytes of a field's name (no character-boundary checks: for comparisons).
    #[inline]
    fn name_bytes(&self, span: &Span) -> &[u8] {
        self.text
            .as_bytes()
            .get(span.start..span.name_end)
            .unwrap_or_default()
    }

    /// The field at `index`, in order.
    ///
    /// ```
    /// let f: polypay_core::FormFields = [("a", "1"), ("b", "2")].into_iter().collect();
    /// assert_eq!(f.at(1), Some(("b", "2")));
    /// assert_eq!(f.at(2), None);
    /// ```
    #[inline]
    pub fn at(&self, index: usize) -> Option<(&str, &str)> {
        self.spans.get(index).map(|span| self.field(*span))
    }

    /// The fields in order, as `(name, value)`.
    ///
    /// ```
    /// let f: polypay_core::FormFields = [("a", "1"), ("b", "2")].into_iter().collect();
    /// let names: Vec<&str> = f.iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    #[inline]
    pub fn iter(&self) -> FormFieldsIter<'_> {
        FormFieldsIter {
            fields: self,
            spans: self.spans.iter(),
        }
    }

    /// The fields as owned pairs (what `Action::Form::fields` used to be).
    ///
    /// ```
    /// let f: polypay_core::FormFields = [("a", "1")].into_iter().collect();
    /// assert_eq!(f.to_vec(), vec![("a".to_string(), "1".to_string())]);
    /// ```
    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    #[inline]
    fn field(&self, span: Span) -> (&str, &str) {
        // The offsets were taken from `text` as the fields were pushed, at boundaries of the
        // pushed `&str`s, so both ranges are in bounds and on character boundaries; `get`
        // keeps even an impossible mismatch from panicking.
        (
            self.text.get(span.start..span.name_end).unwrap_or_default(),
            self.text
                .get(span.value_start..span.value_end)
                .unwrap_or_default(),
        )
    }
}

/// A name's leading 16 bytes as one integer (zero-padded, big-endian): names with different
/// keys are ordered as their keys; names with equal keys must be compared in full. Read with
/// word loads, not a copy into a buffer (a short copy followed by a wide read stalls).
fn sort_key(name: &[u8]) -> u128 {
    let word = |bytes: Option<&[u8]>| {
        u64::from_be_bytes(
            bytes
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .unwrap_or_default(),
        )
    };
    let len = name.len();
    let (high, low) = if len >= 16 {
        (word(name.get(..8)), word(name.get(8..16)))
    } else if len > 8 {
        // The last eight bytes, shifted so that bytes 8.. come first.
        let tail = word(name.get(len - 8..));
        (word(name.get(..8)), tail << ((16 - len) * 8))
    } else if len == 8 {
        (word(name.get(..8)), 0)
    } else if len > 0 {
        let short = name.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        (short << ((8 - len) * 8), 0)
    } else {
        (0, 0)
    };
    (u128::from(high) << 64) | u128::from(low)
}

/// The fields of a [`FormFields`] in order (see [`FormFields::iter`]).
#[derive(Clone)]
pub struct FormFieldsIter<'a> {
    fields: &'a FormFields,
    spans: std::slice::Iter<'a, Span>,
}

impl<'a> Iterator for FormFieldsIter<'a> {
    type Item = (&'a str, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        self.spans.next().map(|span| self.fields.field(*span))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for FormFieldsIter<'_> {}

impl DoubleEndedIterator for FormFieldsIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.spans.next_back().map(|span| self.fields.field(*span))
    }
}

/// Field by field, in order (the unused text of replaced values does not count).
impl PartialEq for FormFields {
    fn eq(&self, other: &FormFields) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for FormFields {}

impl<'a> IntoIterator for &'a FormFields {
    type Item = (&'a str, &'a str);
    type IntoIter = FormFieldsIter<'a>;

    fn into_iter(self) -> FormFieldsIter<'a> {
        self.iter()
    }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for FormFields {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> FormFields {
        let mut fields = FormFields::new();
        fields.extend(iter);
        fields
    }
}

impl<N: AsRef<str>, V: AsRef<str>> Extend<(N, V)> for FormFields {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.spans.reserve(iter.size_hint().0);
        for (name, value) in iter {
            self.push(name.as_ref(), value.as_ref());
        }
    }
}

impl From<Vec<(String, String)>> for FormFields {
    fn from(pairs: Vec<(String, String)>) -> FormFields {
        pairs.into_iter().collect()
    }
}

impl<const N: usize> From<[(&str, &str); N]> for FormFields {
    fn from(pairs: [(&str, &str); N]) -> FormFields {
        pairs.into_iter().collect()
    }
}

/// Shown as the list of pairs it stands for.
impl fmt::Debug for FormFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for FormFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for field in self {
            seq.serialize_element(&field)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for FormFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Pairs;

        impl<'de> Visitor<'de> for Pairs {
            type Value = FormFields;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of [name, value] pairs")
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<FormFields, A::Error> {
                // The size hint comes from the input: bounded, so that a hostile length does
                // not reserve memory up front.
                let mut fields =
                    FormFields::with_capacity(seq.size_hint().unwrap_or(0).min(256), 0);
                // Borrowed text where the format allows it, owned where it had to unescape.
                while let Some((name, value)) =
                    seq.next_element::<(std::borrow::Cow<'de, str>, std::borrow::Cow<'de, str>)>()?
                {
                    fields.push(&name, &value);
                }
                Ok(fields)
            }
        }

        deserializer.deserialize_seq(Pairs)
    }
}

#[cfg(test)]
mod tests;
