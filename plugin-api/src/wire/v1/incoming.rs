//! An [`Incoming`] (the input of `response` and `guess`) on the wire.
//!
//! Wire 1.0 carries it in polypay-core's JSON shape, whose `body` is an array of byte values:
//! about four characters and one JSON number to parse per byte of a bank's POST. Since 1.1 the
//! `body` may also be a string (the body is that UTF-8 text) or `{"base64": "..."}` (any other
//! bytes, standard base64 with padding), like an HTTP exchange's [`Body`](super::Body); an
//! empty body may be left out. A 1.1 plugin reads all three forms; a host writes the new ones
//! ([`IncomingRef`]) only to plugins of minor version 1 or later.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use polypay_core::Incoming;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An [`Incoming`] serialized the 1.1 way: the body as text, or base64 when it is not UTF-8,
/// and left out when empty.
#[derive(Debug, Clone, Copy)]
pub struct IncomingRef<'a>(pub &'a Incoming);

/// `{"base64": "..."}`, borrowing what it encodes.
struct Base64Body<'a>(&'a [u8]);

impl Serialize for Base64Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("base64", &BASE64.encode(self.0))?;
        map.end()
    }
}

impl Serialize for IncomingRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let i = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("method", &i.method)?;
        map.serialize_entry("query", &i.query)?;
        map.serialize_entry("headers", &i.headers)?;
        if !i.body.is_empty() {
            match std::str::from_utf8(&i.body) {
                Ok(text) => map.serialize_entry("body", text)?,
                Err(_) => map.serialize_entry("body", &Base64Body(&i.body))?,
            }
        }
        map.end()
    }
}

impl IncomingRef<'_> {
    /// Appends the JSON that `Serialize` writes, by hand (the wire's `json` module).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        use super::json::{write_key, write_str};
        let i = self.0;
        out.push(b'{');
        write_key(out, "method");
        write_str(out, &i.method);
        out.push(b',');
        write_key(out, "query");
        write_str(out, &i.query);
        out.push(b',');
        write_key(out, "headers");
        out.push(b'[');
        for (n, (name, value)) in i.headers.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.push(b'[');
            write_str(out, name);
            out.push(b',');
            write_str(out, value);
            out.push(b']');
        }
        out.push(b']');
        if !i.body.is_empty() {
            out.push(b',');
            write_key(out, "body");
            match std::str::from_utf8(&i.body) {
                Ok(text) => write_str(out, text),
                Err(_) => {
                    out.extend_from_slice(br#"{"base64":""#);
                    out.extend_from_slice(BASE64.encode(&i.body).as_bytes());
                    out.extend_from_slice(br#""}"#);
                }
            }
        }
        out.push(b'}');
    }
}

/// An [`Incoming`] read from either wire form (1.0's byte array, 1.1's text or base64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireIncoming(pub Incoming);

/// A body in any of its three forms.
struct AnyBody(Vec<u8>);

impl<'de> Deserialize<'de> for AnyBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AnyBody, D::Error> {
        struct BodyVisitor;
        impl<'de> Visitor<'de> for BodyVisitor {
            type Value = AnyBody;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a body: text, {\"base64\": ...} or an array of bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyBody, E> {
                Ok(AnyBody(v.as_bytes().to_vec()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<AnyBody, E> {
                Ok(AnyBody(v.into_bytes()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyBody, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(AnyBody(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyBody, A::Error> {
                let mut body = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "base64" {
                        let text: std::borrow::Cow<'de, str> = map.next_value()?;
                        body = Some(BASE64.decode(text.as_bytes()).map_err(|e| {
                            de::Error::custom(format_args!("bad base64 body: {e}"))
                        })?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                body.map(AnyBody)
                    .ok_or_else(|| de::Error::missing_field("base64"))
            }
        }
        d.deserialize_any(BodyVisitor)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Method,
    Query,
    Headers,
    Body,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for WireIncoming {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WireIncoming, D::Error> {
        struct IncomingVisitor;
        impl<'de> Visitor<'de> for IncomingVisitor {
            type Value = WireIncoming;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an incoming request (an object with a method)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireIncoming, A::Error> {
                // Built field by field as core's own `Deserialize` does (no normalisation: the
                // host's bytes are what a signature covers).
                let mut incoming = Incoming::default();
                let mut method = false;
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::Method => {
                            incoming.method = map.next_value()?;
                            method = true;
                        }
                        Field::Query => incoming.query = map.next_value()?,
                        Field::Headers => incoming.headers = map.next_value()?,
                        Field::Body => incoming.body = map.next_value::<AnyBody>()?.0,
                        Field::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if !method {
                    return Err(de::Error::missing_field("method"));
                }
                Ok(WireIncoming(incoming))
            }
        }
        d.deserialize_map(IncomingVisitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read(text: &str) -> Incoming {
        serde_json::from_str::<WireIncoming>(text).unwrap().0
    }

    #[test]
    fn every_body_form_reads_the_same_bytes() {
        let form = Incoming::post_form("a=1&b=%C3%A9")
            .with_header("X", "y")
            .with_header("Q\"", "\u{1}é");
        let binary = Incoming::new("POST", "q=1", vec![], vec![0xff, 0, b'a']);
        let empty = Incoming::get("a=1");
        for i in [form, binary, empty] {
            let v1_0 = serde_json::to_string(&i).unwrap();
            let v1_1 = serde_json::to_string(&IncomingRef(&i)).unwrap();
            let mut by_hand = Vec::new();
            IncomingRef(&i).write_to(&mut by_hand);
            assert_eq!(String::from_utf8(by_hand).unwrap(), v1_1);
            assert_eq!(read(&v1_0), i, "{v1_0}");
            assert_eq!(read(&v1_1), i, "{v1_1}");
            // Core's own reading agrees with 1.0's form.
            assert_eq!(serde_json::from_str::<Incoming>(&v1_0).unwrap(), i);
        }
    }

    #[test]
    fn text_stays_text_and_only_other_bytes_are_base64() {
        let i = Incoming::post_form("a=1");
        let text = serde_json::to_string(&IncomingRef(&i)).unwrap();
        assert!(text.ends_with(r#""body":"a=1"}"#), "{text}");
        let i = Incoming::new("POST", "", vec![], vec![0xff, 0]);
        let text = serde_json::to_string(&IncomingRef(&i)).unwrap();
        assert!(text.ends_with(r#""body":{"base64":"/wA="}}"#), "{text}");
        let i = Incoming::get("a=1");
        assert_eq!(
            serde_json::to_string(&IncomingRef(&i)).unwrap(),
            r#"{"method":"GET","query":"a=1","headers":[]}"#
        );
    }

    #[test]
    fn bad_bodies_and_missing_methods_are_errors() {
        for bad in [
            r#"{"query":"a=1"}"#,
            r#"{"method":"POST","body":{"base64":"!!"}}"#,
            r#"{"method":"POST","body":{"text":"a"}}"#,
            r#"{"method":"POST","body":[256]}"#,
            r#"{"method":"POST","body":3}"#,
        ] {
            assert!(serde_json::from_str::<WireIncoming>(bad).is_err(), "{bad}");
        }
        // Fields a later version adds are ignored.
        assert_eq!(
            read(r#"{"method":"GET","query":"a","added":{"x":[1]}}"#),
            Incoming::get("a")
        );
    }
}
