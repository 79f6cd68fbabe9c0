//! Looking up several names of a [`BankData`] in one pass.

use super::BankData;

/// Names read together from a [`BankData`] by [`BankData::get_strs`], with what a lookup
/// needs of them (fingerprints, and a filter of 64 bits) computed once: at compile time when
/// the set is a constant.
///
/// A backend reads a dozen fields of each return; looked up one by one, each lookup scans
/// the fields, and a name that is absent scans them all. Read as a set, the fields are
/// scanned once and most are passed over by one test of the filter.
///
/// ```
/// use polypay_core::{BankData, NameSet};
///
/// const READ: NameSet<3> = NameSet::new(["vads_result", "vads_amount", "vads_trans_uuid"]);
/// let data = BankData::from_text_pairs(&[("vads_amount", "1042"), ("vads_result", "00")]);
/// let [result, amount, uuid] = data.get_strs(&READ);
/// assert_eq!((result, amount, uuid), (Some("00"), Some("1042"), None));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NameSet<const N: usize> {
    names: [&'static str; N],
    prints: [u64; N],
    /// Bit [`filter_bit`] of each name's fingerprint.
    filter: u64,
}

/// The bit of a name's fingerprint in a [`NameSet`]'s filter: its top six bits (the best
/// mixed ones) say which.
const fn filter_bit(print: u64) -> u64 {
    1 << (print >> 58)
}

impl<const N: usize> NameSet<N> {
    /// The set of `names` (at most 64), read back in this order by [`BankData::get_strs`].
    ///
    /// ```
    /// const SET: polypay_core::NameSet<2> = polypay_core::NameSet::new(["STATUS", "PAYID"]);
    /// assert_eq!(SET.names(), &["STATUS", "PAYID"]);
    /// ```
    pub const fn new(names: [&'static str; N]) -> NameSet<N> {
        assert!(N <= 64, "a NameSet has at most 64 names");
        let mut prints = [0; N];
        let mut filter = 0;
        let mut i = 0;
        while i < N {
            prints[i] = BankData::name_fingerprint(names[i]);
            filter |= filter_bit(prints[i]);
            i += 1;
        }
        NameSet {
            names,
            prints,
            filter,
        }
    }

    /// The names, in order.
    pub const fn names(&self) -> &[&'static str; N] {
        &self.names
    }
}

impl BankData {
    /// The text values of the names of `set`, in the set's order: what [`BankData::get_str`]
    /// returns for each, found in one pass over the fields.
    ///
    /// ```
    /// use polypay_core::{BankData, NameSet};
    ///
    /// let mut data = BankData::from_text_pairs(&[("STATUS", "9"), ("PAYID", "3011228911")]);
    /// data.insert_json("n", serde_json::json!(3));
    /// let [status, n, payid] = data.get_strs(&NameSet::new(["STATUS", "n", "PAYID"]));
    /// assert_eq!((status, n, payid), (Some("9"), None, Some("3011228911")));
    /// ```
    pub fn get_strs<const N: usize>(&self, set: &NameSet<N>) -> [Option<&str>; N] {
        let mut found = [None; N];
        if let Some(map) = self.map.get() {
            for (slot, name) in found.iter_mut().zip(set.names) {
                *slot = map.get(name).and_then(|v| v.as_str());
            }
            return found;
        }
        for entry in &self.entries {
            if set.filter & filter_bit(entry.print) == 0 {
                continue;
            }
            // The places of the set with this fingerprint, as bits (a branch-free loop over
            // the fingerprints); then the names, compared at those places only.
            let mut hits = 0u64;
            for (i, print) in set.prints.iter().enumerate() {
                hits |= u64::from(*print == entry.print) << i;
            }
            if hits == 0 {
                continue;
            }
            let name = self.slice(entry.name);
            let value = self.text_of(&entry.value);
            // Every place that wants it (a set may name a field twice).
            while hits != 0 {
                let i = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                if set.names.get(i) == Some(&name)
                    && let Some(slot) = found.get_mut(i)
                {
                    *slot = value;
                }
            }
        }
        found
    }
}
