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
        let name = |i: usize| pairs.get(i).map_or("", |(n, _)| n.as_ref());
        let Some(prints) = distinct_prints(pairs.len(), name) else {
            for (n, v) in pairs {
                data.insert_str(n.as_ref(), v.as_ref());
            }
            return data;
        };
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
        let Some(prints) = distinct_prints(fields.len(), name) else {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (piece(n).unwrap_or_default(), piece(v).unwrap_or_default()))
                .collect();
            return Some(BankData::from_text_pairs(&pairs));
        };
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

/// The fingerprints of `n` names (`name(i)` for `i < n`), or `None` when some name comes twice
/// or there are more than [`COMPACT_MAX`]. Repeats are found in one pass through an
/// open-addressing table on the stack (a quadratic scan of the fingerprints cost more than
/// the rest of building a return's data); names are compared only when fingerprints match.
fn distinct_prints<'a>(n: usize, name: impl Fn(usize) -> &'a str) -> Option<[u64; COMPACT_MAX]> {
    /// Twice as many slots as names: probe sequences stay short.
    const SLOTS: usize = 2 * COMPACT_MAX;
    const _: () = assert!(SLOTS.is_power_of_two() && COMPACT_MAX < u8::MAX as usize);
    if n > COMPACT_MAX {
        return None;
    }
    let mut prints = [0u64; COMPACT_MAX];
    // Each slot holds 1 + the index of a name, or 0 when empty.
    let mut table = [0u8; SLOTS];
    for i in 0..n {
        let print = BankData::name_fingerprint(name(i));
        *prints.get_mut(i)? = print;
        // The top bits of a fingerprint are its best mixed.
        let mut slot = (print >> (64 - SLOTS.trailing_zeros())) as usize;
        loop {
            let entry = table.get_mut(slot)?;
            if *entry == 0 {
                *entry = i as u8 + 1;
                break;
            }
            let j = usize::from(*entry - 1);
            if prints.get(j) == Some(&print) && name(j) == name(i) {
                return None;
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
    }
    Some(prints)
}
