//! Ordered form fields while a form is built: some banks sign fields in the order they are
//! sent, so a form is a list of `(name, value)` pairs, never a map.
//!
//! The form is built in place in the compact [`FormFields`] of the public `Action::Form`
//! (one text buffer), so that handing it over copies nothing. Next to it, the builder
//! remembers which fields hold values that are valid by construction (constants, values
//! checked when the backend was built), so that a backend checks only the others.

use polypay_core::FormFields;

/// Fields past this index are never taken as valid by construction.
const TRUSTED_MAX: usize = 64;

/// An ordered list of form fields, with in-place replacement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    form: FormFields,
    /// Bit `i`: field `i` holds a value valid by construction.
    trusted: u64,
    /// A filter of the names present: bit [`name_bit`] of each. A name whose bit is clear is
    /// absent, so that [`Fields::set`] appends it without looking for it (most optional
    /// fields are absent).
    names: u64,
}

/// A name's bit in [`Fields::names`], from its length and last byte (a few instructions per
/// field pushed: names sharing a prefix, such as `vads_`, differ there).
fn name_bit(name: &str) -> u64 {
    let last = name.as_bytes().last().copied().unwrap_or(0);
    1 << ((usize::from(last) * 5 + name.len()) % 64)
}

impl Fields {
    /// An empty list with room for `n` fields of about 40 bytes.
    pub(crate) fn with_capacity(n: usize) -> Fields {
        Fields {
            form: FormFields::with_capacity(n, n * 40),
            trusted: 0,
            names: 0,
        }
    }

    /// Appends a field (even if the name is already present).
    pub(crate) fn push(&mut self, name: &str, value: impl AsRef<str>) {
        self.form.push(name, value.as_ref());
        self.names |= name_bit(name);
    }

    /// Appends a field whose value is valid by construction: [`Fields::needs_check`] skips
    /// it until [`Fields::set`] replaces its value.
    pub(crate) fn push_valid(&mut self, name: &str, value: &str) {
        let index = self.form.len();
        self.form.push(name, value);
        self.names |= name_bit(name);
        if index < TRUSTED_MAX {
            self.trusted |= 1 << index;
        }
    }

    /// Replaces the value of `name` where it stands, or appends it; either way the value is
    /// one to check.
    pub(crate) fn set(&mut self, name: &str, value: impl AsRef<str>) {
        let bit = name_bit(name);
        let index = if self.names & bit == 0 {
            self.form.push(name, value.as_ref());
            self.form.len() - 1
        } else {
            self.form.set(name, value.as_ref())
        };
        self.names |= bit;
        if index < TRUSTED_MAX {
            self.trusted &= !(1 << index);
        }
    }

    /// Whether the field at `index` holds a value that is not valid by construction.
    pub(crate) fn needs_check(&self, index: usize) -> bool {
        index >= TRUSTED_MAX || self.trusted & (1 << index) == 0
    }

    /// The value of the first field called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.form.get(name)
    }

    /// The fields in order.
    pub(crate) fn iter(&self) -> polypay_core::FormFieldsIter<'_> {
        self.form.iter()
    }

    /// The fields, for `Action::Form`.
    pub(crate) fn into_form(self) -> FormFields {
        self.form
    }

    /// Sorts the fields by name (byte order), keeping the first of equal names first (what
    /// is valid by construction is forgotten: check before sorting).
    pub(crate) fn sort_by_name(&mut self) {
        self.form.sort_by_name();
        self.trusted = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_in_place_and_forgets_validity() {
        let mut f = Fields::with_capacity(3);
        f.push_valid("a", "1");
        f.push("b", "2");
        f.push_valid("d", "5");
        assert!(!f.needs_check(0) && f.needs_check(1) && !f.needs_check(2));
        f.set("a", "3");
        f.set("c", "4");
        assert!(f.needs_check(0) && f.needs_check(3) && !f.needs_check(2));
        let expected = [("a", "3"), ("b", "2"), ("d", "5"), ("c", "4")];
        assert_eq!(f.iter().collect::<Vec<_>>(), expected);
        assert_eq!(f.get("b"), Some("2"));
        assert_eq!(f.get("z"), None);
        assert!(f.needs_check(TRUSTED_MAX + 1));
        let form = f.into_form();
        assert_eq!(form.iter().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn set_finds_every_present_name() {
        let mut f = Fields::with_capacity(80);
        let names: Vec<String> = (0..60).map(|i| format!("vads_field_{i}")).collect();
        for n in &names {
            f.push(n, "old");
        }
        for n in &names {
            f.set(n, "new");
        }
        assert_eq!(f.iter().count(), names.len());
        assert!(f.iter().all(|(_, v)| v == "new"));
        f.set("vads_other", "x");
        assert_eq!(f.iter().count(), names.len() + 1);
        assert_eq!(f.get("vads_other"), Some("x"));
    }

    #[test]
    fn sorting_is_stable_and_complete() {
        let names = ["m", "b", "z", "b", "a", "m", "c", "a"];
        let mut f = Fields::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            f.push_valid(n, &i.to_string());
        }
        let mut expected = f.clone().into_form().to_vec();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        f.sort_by_name();
        assert!((0..names.len()).all(|i| f.needs_check(i)));
        assert_eq!(f.into_form().to_vec(), expected);
    }
}
