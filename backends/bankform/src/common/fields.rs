//! Ordered form fields: some banks sign fields in the order they are sent, so a form is a list
//! of `(name, value)` pairs, never a map.

/// An ordered list of form fields, with in-place replacement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// An empty list with room for `n` fields.
    pub(crate) fn with_capacity(n: usize) -> Fields {
        Fields(Vec::with_capacity(n))
    }

    /// Appends a field (even if the name is already present).
    pub(crate) fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Replaces the value of `name` where it stands, or appends it.
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// The value of the first field called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The fields in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The pairs, for `Action::Form`.
    pub(crate) fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }

    /// Sorts the fields by name (byte order), keeping the first of equal names first. Forms
    /// are built nearly in order, so a (stable) insertion sort does a few comparisons per
    /// field.
    pub(crate) fn sort_by_name(&mut self) {
        for i in 1..self.0.len() {
            let mut j = i;
            while j > 0 && self.0[j - 1].0 > self.0[j].0 {
                self.0.swap(j - 1, j);
                j -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_in_place() {
        let mut f = Fields::with_capacity(3);
        f.push("a", "1");
        f.push("b", "2");
        f.set("a", "3");
        f.set("c", "4");
        let v: Vec<_> = f.iter().collect();
        assert_eq!(v, [("a", "3"), ("b", "2"), ("c", "4")]);
        assert_eq!(f.get("b"), Some("2"));
        assert_eq!(f.get("z"), None);
    }

    #[test]
    fn sorting_is_stable_and_complete() {
        let names = ["m", "b", "z", "b", "a", "m", "c", "a"];
        let mut f = Fields::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            f.push(*n, i.to_string());
        }
        let mut expected: Vec<(String, String)> = f.0.clone();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        f.sort_by_name();
        assert_eq!(f.into_vec(), expected);
    }
}
