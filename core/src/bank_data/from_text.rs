//! Building a [`BankData`] from text fields at once: from pairs, or from ranges of a buffer
//! (how bank returns are read).

use std::ops::Range;
use std::sync::OnceLock;

use super::{BankData, COMPACT_MAX, Entry, Slot};

impl BankData {
    /// Text fields from `(name, value)` pairs, in order, with one allocation for all the text
    /// (a name given twice keeps its first place and its last value, as with
    /// [`BankData::insert_str`]). The quickest way to build a bank return's data.
    ///
    /// ```
    /// let data = polypay_core::BankData::from_text_pairs(&[("a", "1"), ("b", "2"), ("a", "3")]);
    /// assert_eq!(serde_json::to_string(&data)?, r#"{"a":"3","b":"2"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_text_pairs<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> BankData {
        let bytes = pairs
            .iter()
            .map(|(n, v)| n.as_ref().len() + v.as_ref().len())
            .sum();
        let mut data = BankData::with_capacity(pairs.len(), bytes);
        // Fingerprints side by side: the duplicate check is a tight loop over them.
        let mut prints = [0u64; COMPACT_MAX];
        let distinct = pairs.len() <= COMPACT_MAX
            && pairs.iter().enumerate().all(|(i, (name, _))| {
                let print = BankData::name_fingerprint(name.as_ref());
                let earlier = prints.get(..i).unwrap_or_default();
                // A tight scan of the fingerprints; names are compared only on a match.
                let clash = earlier.contains(&print)
                    && earlier.iter().enumerate().any(|(j, p)| {
                        *p == print
                            && pairs
                                .get(j)
                                .is_some_and(|(n, _)| n.as_ref() == name.as_ref())
                    });
                if let Some(slot) = prints.get_mut(i) {
                    *slot = print;
                }
                !clash
            });
        if !distinct {
            for (n, v) in pairs {
                data.insert_str(n.as_ref(), v.as_ref());
            }
            return data;
        }
        for ((n, v), print) in pairs.iter().zip(prints) {
            let text = &mut data.text;
            let start = text.len();
            text.push_str(n.as_ref());
            let middle = text.len();
            text.push_str(v.as_ref());
            data.entries.push(Entry {
                print,
                name: (start, middle),
                value: Slot::Text(middle, text.len()),
            });
        }
        data
    }

    /// Text fields whose names and values are ranges of `text`, in order: a bank's raw return
    /// can be the buffer as it is (with any decoded values appended), so that building the
    /// data copies it once instead of field by field. The text between the ranges stays in
    /// the buffer, unused. `None` when a range is not a piece of `text` (out of bounds, or
    /// not on character boundaries). A name given twice keeps its first place and its last
    /// value, as with [`BankData::from_text_pairs`].
    ///
    /// ```
    /// let raw = String::from("a=1&b=2");
    /// let data = polypay_core::BankData::from_text_ranges(raw, &[(0..1, 2..3), (4..5, 6..7)]).unwrap();
    /// assert_eq!(serde_json::to_string(&data)?, r#"{"a":"1","b":"2"}"#);
    /// assert!(polypay_core::BankData::from_text_ranges("é".into(), &[(0..1, 1..2)]).is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_text_ranges(
        text: String,
        fields: &[(Range<usize>, Range<usize>)],
    ) -> Option<BankData> {
        let piece = |r: &Range<usize>| text.get(r.clone());
        if !fields
            .iter()
            .all(|(n, v)| piece(n).is_some() && piece(v).is_some())
        {
            return None;
        }
        let name = |i: usize| {
            fields
                .get(i)
                .and_then(|(n, _)| piece(n))
                .unwrap_or_default()
        };
        let mut prints = [0u64; COMPACT_MAX];
        let distinct = fields.len() <= COMPACT_MAX
            && (0..fields.len()).all(|i| {
                let print = BankData::name_fingerprint(name(i));
                let earlier = prints.get(..i).unwrap_or_default();
                // A tight scan of the fingerprints; names are compared only on a match.
                let clash = earlier.contains(&print)
                    && (0..i).any(|j| earlier.get(j) == Some(&print) && name(j) == name(i));
                if let Some(slot) = prints.get_mut(i) {
                    *slot = print;
                }
                !clash
            });
        if !distinct {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (piece(n).unwrap_or_default(), piece(v).unwrap_or_default()))
                .collect();
            return Some(BankData::from_text_pairs(&pairs));
        }
        let entries = fields
            .iter()
            .zip(prints)
            .map(|((n, v), print)| Entry {
                print,
                name: (n.start, n.end),
                value: Slot::Text(v.start, v.end),
            })
            .collect();
        Some(BankData {
            text,
            entries,
            map: OnceLock::new(),
        })
    }
}
