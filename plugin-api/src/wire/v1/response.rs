//! A [`PaymentResponse`] (the result of `response`, `status`, `cancel`, `validate` and
//! `refund`) on the wire: written by the plugin and read by the host in polypay-core's JSON
//! shape, byte for byte, without core's intermediate copies.
//!
//! Core's own `Serialize` formats each amount into a `String` and copies the currency code;
//! its `Deserialize` copies every text field and reads each `bank_data` value as a
//! `serde_json::Value` (one allocation per field, freed as soon as the text is copied into
//! [`BankData`]). Reading the reply was over a quarter of a dummy response through the ABI.
//! Here [`ResponseRef::write_to`] writes the JSON by hand (the plugin's reply: amounts
//! straight into the output, text escaped eight bytes at a time), and [`ResponseOf`] reads
//! amounts, the currency and every `bank_data` name and text value borrowed from the reply
//! (copied only when they hold JSON escapes) into the [`BankData`], whose text goes to one
//! buffer. The JSON and the value are those of core's implementations (the tests compare
//! them): an implementation choice of each side, not a new wire. The host first tries
//! [`ResponseOf::from_done_reply`], which reads the writer's exact shape without serde (a
//! third of the cost) and gives up on anything else, which serde then reads.

use std::borrow::Cow;
use std::fmt;

use polypay_core::{
    Amount, BankData, Currency, PaymentResponse, PaymentStatus, ReturnContent, Timestamp,
};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::cursor::Cursor;

/// A [`PaymentResponse`] serialized as core serializes it, with no intermediate `String`.
#[derive(Debug, Clone, Copy)]
pub struct ResponseRef<'a>(pub &'a PaymentResponse);

/// An amount's value (`10.50`) written through `Display`, straight into the output.
struct ValueText(Amount);

impl Serialize for ValueText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.value())
    }
}

impl Serialize for ResponseRef<'_> {
    /// Field for field what core's `Serialize` writes (same names, order and omissions).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let claimed = r.claimed_status();
        let mut w = s.serialize_struct("Wire", 13)?;
        w.serialize_field("status", &r.status())?;
        w.serialize_field("verified", &r.is_verified())?;
        if claimed.is_some() {
            w.serialize_field("claimed_status", &claimed)?;
        } else {
            w.skip_field("claimed_status")?;
        }
        w.serialize_field("transaction_id", &r.transaction_id)?;
        w.serialize_field("order_id", &r.order_id)?;
        w.serialize_field("amount", &r.amount.map(ValueText))?;
        w.serialize_field(
            "currency",
            &r.amount
                .or(r.refunded_amount)
                .map(|a| a.currency())
                .as_ref()
                .map(Currency::code),
        )?;
        if r.refunded_amount.is_some() {
            w.serialize_field("refunded_amount", &r.refunded_amount.map(ValueText))?;
        } else {
            w.skip_field("refunded_amount")?;
        }
        w.serialize_field("bank_status", &r.bank_status)?;
        w.serialize_field("bank_data", &r.bank_data)?;
        w.serialize_field("return_content", &r.return_content)?;
        w.serialize_field("test", &r.test)?;
        w.serialize_field("transaction_date", &r.transaction_date)?;
        w.end()
    }
}

impl ResponseRef<'_> {
    /// Appends the JSON that `Serialize` writes, by hand (the wire's `json` module): no serializer
    /// machinery, and text escaped eight bytes at a time.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        use super::json::{write_display, write_int, write_key, write_opt_str, write_str};
        let r = self.0;
        out.push(b'{');
        write_key(out, "status");
        write_name(out, r.status().as_str());
        out.extend_from_slice(if r.is_verified() {
            b",\"verified\":true"
        } else {
            b",\"verified\":false"
        });
        if let Some(claimed) = r.claimed_status() {
            out.push(b',');
            write_key(out, "claimed_status");
            write_name(out, claimed.as_str());
        }
        out.push(b',');
        write_key(out, "transaction_id");
        write_opt_str(out, r.transaction_id.as_deref());
        out.push(b',');
        write_key(out, "order_id");
        write_opt_str(out, r.order_id.as_deref());
        out.push(b',');
        write_key(out, "amount");
        match r.amount {
            Some(a) => write_display(out, a.value()),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        write_key(out, "currency");
        write_opt_str(
            out,
            r.amount
                .or(r.refunded_amount)
                .map(|a| a.currency())
                .as_ref()
                .map(Currency::code),
        );
        if let Some(refunded) = r.refunded_amount {
            out.push(b',');
            write_key(out, "refunded_amount");
            write_display(out, refunded.value());
        }
        out.push(b',');
        write_key(out, "bank_status");
        write_opt_str(out, r.bank_status.as_deref());
        out.push(b',');
        write_key(out, "bank_data");
        // Text values by hand; anything else through `BankData`'s own `Serialize`.
        let mark = out.len();
        out.push(b'{');
        let mut first = true;
        let all_text = r.bank_data.each_text(|name, text| {
            let Some(text) = text else { return false };
            if !first {
                out.push(b',');
            }
            first = false;
            write_str(out, name);
            out.push(b':');
            write_str(out, text);
            true
        });
        if all_text {
            out.push(b'}');
        } else {
            out.truncate(mark);
            serde_json::to_writer(&mut *out, &r.bank_data)?;
        }
        out.push(b',');
        write_key(out, "return_content");
        match &r.return_content {
            Some(c) => {
                out.push(b'{');
                write_key(out, "status");
                write_int(out, c.status);
                out.push(b',');
                write_key(out, "content_type");
                write_str(out, &c.content_type);
                out.push(b',');
                write_key(out, "body");
                write_str(out, &c.body);
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(if r.test {
            b",\"test\":true,"
        } else {
            b",\"test\":false,"
        });
        write_key(out, "transaction_date");
        match r.transaction_date {
            Some(t) => write_display(out, t),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
        Ok(())
    }
}

/// Writes a name that needs no escaping (a status) as a JSON string.
fn write_name(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// A [`PaymentResponse`] read from its JSON shape: the value core's `Deserialize` gives,
/// through the same fail-closed constructor (an unverified response is `Waiting`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseOf(pub PaymentResponse);

/// The fields of a response as they are in the reply.
#[derive(Deserialize)]
struct Fields<'a> {
    status: PaymentStatus,
    verified: bool,
    #[serde(default)]
    claimed_status: Option<PaymentStatus>,
    transaction_id: Option<String>,
    order_id: Option<String>,
    #[serde(borrow)]
    amount: Option<Cow<'a, str>>,
    #[serde(borrow)]
    currency: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    refunded_amount: Option<Cow<'a, str>>,
    bank_status: Option<String>,
    #[serde(default)]
    bank_data: BankDataOf,
    return_content: Option<ReturnContent>,
    #[serde(default)]
    test: bool,
    transaction_date: Option<Timestamp>,
}

impl<'de> Deserialize<'de> for ResponseOf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ResponseOf, D::Error> {
        Fields::deserialize(d)?
            .into_response()
            .map(ResponseOf)
            .map_err(de::Error::custom)
    }
}

impl Fields<'_> {
    /// The response these fields describe: what both readers (serde's and the fast path) build.
    fn into_response(self) -> Result<PaymentResponse, String> {
        let w = self;
        let currency = w
            .currency
            .as_deref()
            .map(Currency::new)
            .transpose()
            .map_err(|e| e.to_string())?;
        let amount_of = |v: Option<Cow<'_, str>>| -> Result<Option<Amount>, String> {
            match (v, currency) {
                (None, _) => Ok(None),
                (Some(v), Some(c)) => Amount::parse_in(&v, c).map(Some).map_err(|e| e.to_string()),
                (Some(_), None) => Err("an amount needs a currency".to_owned()),
            }
        };
        // What the message claimed counts only once verified (as in core).
        let claimed = if w.verified {
            w.status
        } else {
            w.claimed_status.unwrap_or(w.status)
        };
        let mut r = PaymentResponse::with_verification(claimed, w.verified);
        r.transaction_id = w.transaction_id;
        r.order_id = w.order_id;
        r.amount = amount_of(w.amount)?;
        r.refunded_amount = amount_of(w.refunded_amount)?;
        r.bank_status = w.bank_status;
        r.bank_data = w.bank_data.0;
        r.return_content = w.return_content;
        r.test = w.test;
        r.transaction_date = w.transaction_date;
        Ok(r)
    }
}

impl ResponseOf {
    /// Reads a reply `{"ok":{"done":<response>}}` in the exact shape the wire's writer
    /// ([`ResponseRef::write_to`], serde_json's bytes) produces, without serde: the same
    /// [`PaymentResponse`] serde's reading gives, through the same fail-closed constructor.
    /// `None` for any other reply (an error, an HTTP step, whitespace, escaped text, another
    /// field order, a value serde would refuse): read that one through serde, which gives its
    /// value or its error as it always did (see `wire::v1::cursor`).
    pub fn from_done_reply(reply: &str) -> Option<PaymentResponse> {
        let mut c = Cursor::new(reply);
        c.lit(br#"{"ok":{"done":"#)?;
        let fields = Fields::read(&mut c)?;
        c.lit(b"}}")?;
        if !c.at_end() {
            return None;
        }
        fields.into_response().ok()
    }
}

/// What serde reads from a JSON string `s` into `T` (an enum name, a timestamp).
fn from_text<'a, T: Deserialize<'a>>(s: &'a str) -> Option<T> {
    T::deserialize(de::value::BorrowedStrDeserializer::<de::value::Error>::new(
        s,
    ))
    .ok()
}

impl<'a> Fields<'a> {
    /// The fields in the writer's order, every text borrowed (see [`ResponseOf::from_done_reply`]).
    fn read(c: &mut Cursor<'a>) -> Option<Fields<'a>> {
        c.lit(br#"{"status":"#)?;
        let status = from_text(c.str()?)?;
        c.lit(br#","verified":"#)?;
        let verified = c.bool()?;
        let claimed_status = match c.eat(br#","claimed_status":"#) {
            true => Some(from_text(c.str()?)?),
            false => None,
        };
        c.lit(br#","transaction_id":"#)?;
        let transaction_id = c.opt_str()?.map(str::to_owned);
        c.lit(br#","order_id":"#)?;
        let order_id = c.opt_str()?.map(str::to_owned);
        c.lit(br#","amount":"#)?;
        let amount = c.opt_str()?.map(Cow::Borrowed);
        c.lit(br#","currency":"#)?;
        let currency = c.opt_str()?.map(Cow::Borrowed);
        let refunded_amount = match c.eat(br#","refunded_amount":"#) {
            true => Some(Cow::Borrowed(c.str()?)),
            false => None,
        };
        c.lit(br#","bank_status":"#)?;
        let bank_status = c.opt_str()?.map(str::to_owned);
        c.lit(br#","bank_data":{"#)?;
        // As `BankDataOf` reads it: text values only here.
        let mut bank_data = BankData::with_capacity(16, 512);
        if !c.eat(b"}") {
            loop {
                let name = c.str()?;
                c.lit(b":")?;
                bank_data.insert_str(name, c.str()?);
                if c.eat(b"}") {
                    break;
                }
                c.lit(b",")?;
            }
        }
        c.lit(br#","return_content":"#)?;
        let return_content = if c.eat(b"null") {
            None
        } else {
            c.lit(br#"{"status":"#)?;
            let status = u16::try_from(c.u64()?).ok()?;
            c.lit(br#","content_type":"#)?;
            let content_type = c.str()?.to_owned();
            c.lit(br#","body":"#)?;
            let body = c.str()?.to_owned();
            c.lit(b"}")?;
            Some(ReturnContent {
                status,
                content_type,
                body,
            })
        };
        c.lit(br#","test":"#)?;
        let test = c.bool()?;
        c.lit(br#","transaction_date":"#)?;
        let transaction_date = match c.opt_str()? {
            Some(t) => Some(from_text(t)?),
            None => None,
        };
        c.lit(b"}")?;
        Some(Fields {
            status,
            verified,
            claimed_status,
            transaction_id,
            order_id,
            amount,
            currency,
            refunded_amount,
            bank_status,
            bank_data: BankDataOf(bank_data),
            return_content,
            test,
            transaction_date,
        })
    }
}

/// `bank_data` read with its names and text values borrowed from the reply.
#[derive(Default)]
struct BankDataOf(BankData);

/// A JSON string borrowed when it has no escapes, or any other JSON value.
enum Field<'de> {
    Text(Cow<'de, str>),
    Json(Value),
}

impl Field<'_> {
    /// Sets `name` to this value, as core's `BankData` does when it reads it.
    fn insert_into(self, data: &mut BankData, name: &str) {
        match self {
            Field::Text(text) => data.insert_str(name, &text),
            Field::Json(json) => data.insert_json(name, json),
        }
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field<'de>, D::Error> {
        d.deserialize_any(FieldVisitor)
    }
}

/// Strings as text; everything else as the `Value` serde_json would have built.
struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Field<'de>, E> {
        Ok(Field::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field<'de>, E> {
        Ok(Field::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Field<'de>, E> {
        Ok(Field::Text(Cow::Owned(v)))
    }
    // The rest as `Value`'s own visitor reads them.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Field<'de>, E> {
        Ok(Field::Json(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field<'de>, E> {
        Ok(Field::Json(Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field<'de>, E> {
        Ok(Field::Json(Value::from(v)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Field<'de>, E> {
        Value::deserialize(de::value::I128Deserializer::<E>::new(v)).map(Field::Json)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Field<'de>, E> {
        Value::deserialize(de::value::U128Deserializer::<E>::new(v)).map(Field::Json)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Field<'de>, E> {
        Value::deserialize(de::value::F64Deserializer::<E>::new(v)).map(Field::Json)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
        Ok(Field::Json(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Field<'de>, E> {
        Ok(Field::Json(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Field<'de>, D::Error> {
        Value::deserialize(d).map(Field::Json)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<'de>, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Field::Json)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'de>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Field::Json)
    }
}

/// A field name, borrowed when it has no escapes.
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name<'de>, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v)))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

impl<'de> Deserialize<'de> for BankDataOf {
    /// As core's `BankData` reads a JSON object (a name given twice keeps its first place and
    /// its last value), each text value inserted from the reply's bytes.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BankDataOf, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = BankDataOf;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BankDataOf, A::Error> {
                // Room for a typical bank return: a dozen or two fields.
                let mut data = BankData::with_capacity(16, 512);
                while let Some(Name(name)) = map.next_key::<Name<'de>>()? {
                    map.next_value::<Field<'de>>()?
                        .insert_into(&mut data, &name);
                }
                Ok(BankDataOf(data))
            }
        }
        d.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
