//! Iterating over the fields of a [`BankData`] where they are.

use std::slice;

use super::{BankData, Entry};

/// The fields of a [`BankData`] in order, each name with its value's text (`None` for a value
/// that is not a string): see [`BankData::text_fields`].
#[derive(Clone)]
pub struct TextFields<'a> {
    inner: Inner<'a>,
}

impl std::fmt::Debug for TextFields<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

#[derive(Clone)]
enum Inner<'a> {
    Compact(&'a BankData, slice::Iter<'a, Entry>),
    Map(serde_json::map::Iter<'a>),
}

impl BankData {
    /// The fields in order, each name with its value's text (`None` for a number, an object,
    /// ...), read where they are without building a map: what a signature check over received
    /// fields iterates.
    ///
    /// ```
    /// let mut data = polypay_core::BankData::from_text_pairs(&[("a", "1"), ("b", "2")]);
    /// data.insert_json("n", serde_json::json!(3));
    /// let fields: Vec<_> = data.text_fields().collect();
    /// assert_eq!(fields, [("a", Some("1")), ("b", Some("2")), ("n", None)]);
    /// ```
    pub fn text_fields(&self) -> TextFields<'_> {
        let inner = match self.map.get() {
            Some(map) => Inner::Map(map.iter()),
            None => Inner::Compact(self, self.entries.iter()),
        };
        TextFields { inner }
    }
}

impl<'a> Iterator for TextFields<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Compact(data, entries) => entries
                .next()
                .map(|e| (data.slice(e.name), data.text_of(&e.value))),
            Inner::Map(map) => map.next().map(|(k, v)| (k.as_str(), v.as_str())),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            Inner::Compact(_, entries) => entries.size_hint(),
            Inner::Map(map) => map.size_hint(),
        }
    }
}

impl ExactSizeIterator for TextFields<'_> {}
