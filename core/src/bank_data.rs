//! [`BankData`]: every field the bank sent, compact to build and to carry.
//!
//! A bank return has a dozen to a few dozen text fields. Held as a
//! `serde_json::Map<String, Value>` each of them costs two allocations and a hash, which
//! made building the map several times dearer than verifying the return's signature.
//! `BankData` keeps text fields in one backing `String` (names and values as offset ranges
//! into it, with a short fingerprint of each name for lookups), so that building it costs
//! two allocations whatever the number of fields. Non-text JSON values (numbers, objects,
//! arrays, from the Taler and crypto backends) are held as they are.
//!
//! Readers that want a `serde_json::Map` still get one: `BankData` dereferences to a map
//! built on first use (and kept), and mutable access turns it into that map for good.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// Past this many fields, `BankData` holds an ordinary map: the compact form finds a name by
/// scanning its fingerprints, which is only cheap for the sizes of real bank returns.
const COMPACT_MAX: usize = 64;

/// The fields of a bank's answer (`PaymentResponse::bank_data`): an ordered JSON object whose
/// text values live in one buffer.
///
/// It reads like the `serde_json::Map<String, Value>` it replaces — it dereferences to one,
/// built on first use — and has cheap accessors of its own that never build that map:
/// [`BankData::get_str`], [`BankData::len`], [`BankData::contains_key`]. It serializes as a
/// plain JSON object, fields in insertion order, and compares like a map (the order of the
/// fields does not matter, as for `serde_json::Map`).
///
/// Inserting a name that is already present replaces its value where it stands, as
/// `serde_json::Map::insert` does: a name appears at most once.
///
/// ```
/// use polypay_core::BankData;
/// use serde_json::json;
///
/// let mut data = BankData::new();
/// data.insert_str("vads_result", "00");
/// data.insert_str("vads_amount", "1042");
/// data.insert_json("confirmations", json!(3));
/// assert_eq!(data.get_str("vads_amount"), Some("1042"));
/// assert_eq!(data.len(), 3);
///
/// // Map-style reading still works (through a map built once, on first use).
/// assert_eq!(data["vads_result"], "00");
/// assert_eq!(data.get("confirmations"), Some(&json!(3)));
///
/// // Plain JSON object on the wire, in insertion order.
/// let text = serde_json::to_string(&data)?;
/// assert_eq!(text, r#"{"vads_result":"00","vads_amount":"1042","confirmations":3}"#);
/// let back: BankData = serde_json::from_str(&text)?;
/// assert_eq!(back, data);
///
/// // Mutable map access turns it into an ordinary map.
/// data.remove("confirmations");
/// assert_eq!(data.len(), 2);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct BankData {
    /// Names and text values of `entries`, back to back.
    text: String,
    /// The fields in order (stale once `map` is set).
    entries: Vec<Entry>,
    /// The fields as a map: built on first map-style access; once set, it is the truth.
    map: OnceLock<Map<String, Value>>,
}

/// One field of the compact form.
#[derive(Clone)]
struct Entry {
    /// [`fingerprint`] of the name.
    print: u64,
    /// The name: `text[name.0..name.1]`.
    name: (usize, usize),
    /// The value.
    value: Slot,
}

/// Where a value is.
#[derive(Clone)]
enum Slot {
    /// `text[start..end]`.
    Text(usize, usize),
    /// Anything but a string (boxed: rare, and it keeps entries small).
    Json(Box<Value>),
}

/// A value of either form, for comparisons and `Debug`.
#[derive(Clone, Copy)]
enum ValueRef<'a> {
    Text(&'a str),
    Json(&'a Value),
}

impl PartialEq for ValueRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (*self, *other) {
            (ValueRef::Text(a), ValueRef::Text(b)) => a == b,
            (ValueRef::Json(a), ValueRef::Json(b)) => a == b,
            (ValueRef::Text(a), ValueRef::Json(b)) | (ValueRef::Json(b), ValueRef::Text(a)) => {
                b.as_str() == Some(a)
            }
        }
    }
}

impl fmt::Debug for ValueRef<'_> {
    /// As `serde_json::Value` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Text(s) => write!(f, "String({s:?})"),
            ValueRef::Json(v) => v.fmt(f),
        }
    }
}

impl BankData {
    /// A cheap fingerprint of a field name, for duplicate checks over bank input: its length
    /// and its first and last eight bytes, in constant time. Equal names have equal
    /// fingerprints; names that differ only in their middle are told apart by the full
    /// comparison that must follow a match. (Hashing every byte cost more than the rest of a
    /// duplicate check.)
    ///
    /// ```
    /// use polypay_core::BankData;
    /// assert_eq!(BankData::name_fingerprint("vads_amount"), BankData::name_fingerprint("vads_amount"));
    /// assert_ne!(BankData::name_fingerprint("vads_amount"), BankData::name_fingerprint("vads_amounts"));
    /// ```
    #[inline]
    pub const fn name_fingerprint(name: &str) -> u64 {
        let (head, tail) = BankData::name_words(name.as_bytes());
        (head ^ tail.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (name.len() as u64)
    }

    /// The two words [`BankData::name_fingerprint`] is computed from: the first and the last
    /// eight bytes of the name (little-endian), or for a shorter name its bytes zero-padded,
    /// twice. With the length, they are the whole of a name of up to 16 bytes, so that an
    /// index of names can compare them instead of the bytes. Read with at most two loads
    /// whatever the length (short names were a byte loop, and most bank field names are
    /// short); usable in constants, so that such an index can be built at compile time.
    ///
    /// ```
    /// use polypay_core::BankData;
    /// assert_eq!(BankData::name_words(b"PM"), (0x4d50, 0x4d50));
    /// const ED: (u64, u64) = BankData::name_words(b"ED");
    /// assert_eq!(ED.0, u64::from_le_bytes(*b"ED\0\0\0\0\0\0"));
    /// assert_eq!(BankData::name_words(b"vads_amount").1, u64::from_le_bytes(*b"s_amount"));
    /// ```
    #[inline]
    pub const fn name_words(name: &[u8]) -> (u64, u64) {
        let b = name;
        let n = b.len();
        if let (Some(head), Some(tail)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
            return (u64::from_le_bytes(*head), u64::from_le_bytes(*tail));
        }
        // Four to seven bytes: two overlapping four-byte loads (the overlap holds the same
        // bytes in both); one to three: the first, middle and last bytes cover them all.
        let short = if let (Some(lo), Some(hi)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            u32::from_le_bytes(*lo) as u64 | (u32::from_le_bytes(*hi) as u64) << (8 * (n - 4))
        } else if n > 0 {
            b[0] as u64 | (b[n / 2] as u64) << (8 * (n / 2)) | (b[n - 1] as u64) << (8 * (n - 1))
        } else {
            0
        };
        (short, short)
    }

    /// No fields.
    pub fn new() -> BankData {
        BankData::default()
    }

    /// No fields, with room for `fields` text fields totalling `bytes` bytes of names and
    /// values (so that building a known set allocates twice).
    ///
    /// ```
    /// let mut data = polypay_core::BankData::with_capacity(2, 16);
    /// data.insert_str("a", "1");
    /// data.insert_str("b", "2");
    /// assert_eq!(data.get_str("b"), Some("2"));
    /// ```
    pub fn with_capacity(fields: usize, bytes: usize) -> BankData {
        BankData {
            text: String::with_capacity(bytes),
            entries: Vec::with_capacity(fields.min(COMPACT_MAX)),
            map: OnceLock::new(),
        }
    }

    /// The map, when it is the truth.
    fn map_mut(&mut self) -> Option<&mut Map<String, Value>> {
        self.map.get_mut()
    }

    /// The index of the entry called `name` (compact form).
    fn find(&self, name: &str) -> Option<usize> {
        let print = BankData::name_fingerprint(name);
        self.entries
            .iter()
            .position(|e| e.print == print && self.slice(e.name) == name)
    }

    fn slice(&self, (start, end): (usize, usize)) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// The text of a value (`None` for a value that is not a string).
    fn text_of<'a>(&'a self, slot: &'a Slot) -> Option<&'a str> {
        match slot {
            Slot::Text(start, end) => Some(self.slice((*start, *end))),
            Slot::Json(v) => v.as_str(),
        }
    }

    fn value_of<'a>(&'a self, slot: &'a Slot) -> ValueRef<'a> {
        match slot {
            Slot::Text(start, end) => ValueRef::Text(self.slice((*start, *end))),
            Slot::Json(v) => ValueRef::Json(v),
        }
    }

    /// The value of `name`, either form.
    fn lookup(&self, name: &str) -> Option<ValueRef<'_>> {
        match self.map.get() {
            Some(map) => map.get(name).map(ValueRef::Json),
            None => self
                .find(name)
                .and_then(|i| self.entries.get(i))
                .map(|e| self.value_of(&e.value)),
        }
    }

    /// Calls `f` on every field in order until it returns `false`; whether it never did.
    fn all(&self, mut f: impl FnMut(&str, ValueRef<'_>) -> bool) -> bool {
        match self.map.get() {
            Some(map) => map.iter().all(|(k, v)| f(k, ValueRef::Json(v))),
            None => self
                .entries
                .iter()
                .all(|e| f(self.slice(e.name), self.value_of(&e.value))),
        }
    }

    /// Moves everything into the map form (too many fields for the compact one).
    fn make_map_form(&mut self) -> &mut Map<String, Value> {
        let map = match self.map.take() {
            Some(map) => map,
            None => self.build_map(),
        };
        self.text = String::new();
        self.entries = Vec::new();
        self.map = OnceLock::from(map);
        match self.map.get_mut() {
            Some(map) => map,
            // Set on the line above.
            None => unreachable!("the map was just set"),
        }
    }

    /// The compact fields as a map.
    fn build_map(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.entries.len());
        for e in &self.entries {
            let value = match &e.value {
                Slot::Text(start, end) => Value::String(self.slice((*start, *end)).to_owned()),
                Slot::Json(v) => (**v).clone(),
            };
            map.insert(self.slice(e.name).to_owned(), value);
        }
        map
    }

    /// Appends `name` to the backing text, and makes room for a value.
    fn put(&mut self, name: &str, value: Slot) {
        let print = BankData::name_fingerprint(name);
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.print == print && self.text.get(e.name.0..e.name.1) == Some(name))
        {
            // Replaced where it stands (the old text stays in the buffer, unused).
            e.value = value;
            return;
        }
        let start = self.text.len();
        self.text.push_str(name);
        self.entries.push(Entry {
            print,
            name: (start, self.text.len()),
            value,
        });
    }

    /// Sets the text field `name` to `value`, replacing it where it stands if present.
    pub fn insert_str(&mut self, name: &str, value: &str) {
        if let Some(map) = self.map_mut() {
            map.insert(name.to_owned(), Value::String(value.to_owned()));
            self.entries.clear();
            return;
        }
        if self.entries.len() >= COMPACT_MAX && self.find(name).is_none() {
            self.make_map_form()
                .insert(name.to_owned(), Value::String(value.to_owned()));
            return;
        }
        // The value first, then the name (`put` appends it): both land in the buffer.
        let start = self.text.len();
        self.text.push_str(value);
        let slot = Slot::Text(start, self.text.len());
        self.put(name, slot);
    }

    /// Sets `name` to any JSON value (strings are kept as text), replacing it where it stands
    /// if present.
    ///
    /// ```
    /// let mut data = polypay_core::BankData::new();
    /// data.insert_json("sat", serde_json::json!(15000));
    /// data.insert_json("state", "paid".into());
    /// assert_eq!(data.get_str("state"), Some("paid"));
    /// assert_eq!(data["sat"], 15000);
    /// ```
    pub fn insert_json(&mut self, name: &str, value: Value) {
        if let Value::String(s) = &value {
            return self.insert_str(name, s);
        }
        if let Some(map) = self.map_mut() {
            map.insert(name.to_owned(), value);
            self.entries.clear();
            return;
        }
        if self.entries.len() >= COMPACT_MAX && self.find(name).is_none() {
            self.make_map_form().insert(name.to_owned(), value);
            return;
        }
        self.put(name, Slot::Json(Box::new(value)));
    }

    /// The text value of `name` (`None` when absent or not text), without building a map.
    ///
    /// ```
    /// let mut data = polypay_core::BankData::new();
    /// data.insert_str("Seal", "6ca3");
    /// assert_eq!(data.get_str("Seal"), Some("6ca3"));
    /// assert_eq!(data.get_str("seal"), None);
    /// ```
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.lookup(name)? {
            ValueRef::Text(s) => Some(s),
            ValueRef::Json(v) => v.as_str(),
        }
    }

    /// Calls `f` on every field in order with its name and, when its value is text, that text
    /// (`None` for a number, an object, ...), until `f` returns `false`; whether it never did.
    /// Reads the fields where they are, without building a map (for writers of the JSON shape
    /// by hand, such as the plugin wire).
    ///
    /// ```
    /// let mut data = polypay_core::BankData::from_text_pairs(&[("a", "1"), ("b", "2")]);
    /// let mut seen = Vec::new();
    /// assert!(data.each_text(|name, text| {
    ///     seen.push((name.to_owned(), text.map(str::to_owned)));
    ///     true
    /// }));
    /// assert_eq!(seen, [("a".into(), Some("1".into())), ("b".into(), Some("2".into()))]);
    /// data.insert_json("n", serde_json::json!(3));
    /// assert!(!data.each_text(|_, text| text.is_some()));
    /// ```
    pub fn each_text(&self, mut f: impl FnMut(&str, Option<&str>) -> bool) -> bool {
        self.all(|name, value| {
            let text = match value {
                ValueRef::Text(t) => Some(t),
                ValueRef::Json(v) => v.as_str(),
            };
            f(name, text)
        })
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        match self.map.get() {
            Some(map) => map.len(),
            None => self.entries.len(),
        }
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether there is a field called `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }

    /// The fields as an ordinary map.
    pub fn into_map(mut self) -> Map<String, Value> {
        match self.map.take() {
            Some(map) => map,
            None => self.build_map(),
        }
    }
}

impl Deref for BankData {
    type Target = Map<String, Value>;

    /// The fields as a map, built on first use and kept.
    fn deref(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| self.build_map())
    }
}

impl DerefMut for BankData {
    /// The fields as a map, which they stay from then on.
    fn deref_mut(&mut self) -> &mut Map<String, Value> {
        self.make_map_form()
    }
}

impl From<Map<String, Value>> for BankData {
    fn from(map: Map<String, Value>) -> BankData {
        if map.len() > COMPACT_MAX {
            return BankData {
                text: String::new(),
                entries: Vec::new(),
                map: OnceLock::from(map),
            };
        }
        let bytes = map
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        let mut data = BankData::with_capacity(map.len(), bytes);
        for (k, v) in map {
            data.insert_json(&k, v);
        }
        data
    }
}

impl From<BankData> for Map<String, Value> {
    fn from(data: BankData) -> Map<String, Value> {
        data.into_map()
    }
}

impl From<BankData> for Value {
    fn from(data: BankData) -> Value {
        Value::Object(data.into_map())
    }
}

impl FromIterator<(String, Value)> for BankData {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> BankData {
        let mut data = BankData::new();
        for (k, v) in iter {
            data.insert_json(&k, v);
        }
        data
    }
}

impl PartialEq for BankData {
    /// Same names with equal values, in any order (as `serde_json::Map` compares).
    fn eq(&self, other: &BankData) -> bool {
        self.len() == other.len() && self.all(|k, v| other.lookup(k) == Some(v))
    }
}

impl PartialEq<Map<String, Value>> for BankData {
    fn eq(&self, other: &Map<String, Value>) -> bool {
        self.len() == other.len()
            && other
                .iter()
                .all(|(k, v)| self.lookup(k) == Some(ValueRef::Json(v)))
    }
}

impl PartialEq<BankData> for Map<String, Value> {
    fn eq(&self, other: &BankData) -> bool {
        other == self
    }
}

impl fmt::Debug for BankData {
    /// As the equivalent `serde_json::Map` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        self.all(|k, v| {
            m.entry(&k, &v);
            true
        });
        m.finish()
    }
}

mod from_text;
mod name_set;
mod serde_impls;
mod text_fields;

pub use name_set::NameSet;
pub use text_fields::TextFields;

#[cfg(test)]
mod tests;
