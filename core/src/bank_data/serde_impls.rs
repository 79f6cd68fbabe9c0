//! `BankData` on the wire: a plain JSON object, fields in insertion order, text values read
//! straight into the compact form.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::*;

impl Serialize for BankData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        let mut error = None;
        self.all(|k, v| {
            let done = match v {
                ValueRef::Text(t) => m.serialize_entry(k, t),
                ValueRef::Json(j) => m.serialize_entry(k, j),
            };
            match done {
                Ok(()) => true,
                Err(e) => {
                    error = Some(e);
                    false
                }
            }
        });
        match error {
            Some(e) => Err(e),
            None => m.end(),
        }
    }
}

impl<'de> Deserialize<'de> for BankData {
    /// From a JSON object: a name given twice keeps its first place and its last value, as
    /// `serde_json::Map` does.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BankData, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = BankData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<BankData, A::Error> {
                let mut data = BankData::with_capacity(access.size_hint().unwrap_or(8), 256);
                while let Some(name) = access.next_key::<Name<'de>>()? {
                    let value: Value = access.next_value()?;
                    data.insert_json(name.as_str(), value);
                }
                Ok(data)
            }
        }
        d.deserialize_map(Fields)
    }
}

/// A name read from the input: borrowed when the input allows it.
enum Name<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Name<'_> {
    fn as_str(&self) -> &str {
        match self {
            Name::Borrowed(s) => s,
            Name::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name<'de>, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Name<'de>, E> {
                Ok(Name::Borrowed(s))
            }
            fn visit_str<E>(self, s: &str) -> Result<Name<'de>, E> {
                Ok(Name::Owned(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Name<'de>, E> {
                Ok(Name::Owned(s))
            }
        }
        d.deserialize_str(Text)
    }
}
