//! The call path of v1 without intermediate [`Value`]s: what the host and the sdk use for
//! `call` (and for every reply), so that a call costs one serialization and one parse each way.
//!
//! The host serializes a call from borrowed parts ([`CallRef`]); the plugin parses any request
//! straight into typed parts ([`ParsedRequest`], a call's input into its operation's type) and
//! serializes its reply from borrowed data ([`ReplyRef`], [`StepRef`]); the host parses the
//! reply straight into the result type ([`ReplyOf`], [`StepOf`]). The JSON is exactly that of
//! [`Request`](super::Request), [`Reply`](super::Reply) and [`WireStep`](super::WireStep) (the
//! tests compare them): an implementation choice of each side, not a new wire. Turning the
//! input into a `Value` and the `Value` into the input cost more than the backend's own work.

use std::borrow::Cow;
use std::fmt;

use polypay_core::{Adjustment, Error, Incoming, PaymentRequest, StatusQuery, Step, Timestamp};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::incoming::WireIncoming;
use super::{CallOperation, WireError, WireExchange, WireHttpRequest};

/// [`Request::Call`](super::Request::Call) serialized from borrowed parts.
#[derive(Debug, Serialize)]
pub struct CallRef<'a, I: Serialize> {
    message: &'static str,
    instance: u64,
    operation: CallOperation,
    input: &'a I,
    #[serde(skip_serializing_if = "Option::is_none")]
    now: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    now_unix: Option<(i64, i32)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entropy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prior: Option<&'a WireExchange>,
}

impl<'a, I: Serialize> CallRef<'a, I> {
    /// A call of `operation` on `instance` (fields as in [`Request::Call`](super::Request::Call)).
    pub fn new(
        instance: u64,
        operation: CallOperation,
        input: &'a I,
        now: Option<&'a str>,
        entropy: Option<&'a str>,
        prior: Option<&'a WireExchange>,
    ) -> Self {
        CallRef {
            message: "call",
            instance,
            operation,
            input,
            now,
            now_unix: None,
            entropy,
            prior,
        }
    }

    /// The clock as 1.1's `now_unix` (`[seconds, nanoseconds]`) in place of `now`: only for
    /// plugins of minor version 1 or later.
    pub fn with_now_unix(mut self, now: Timestamp) -> Self {
        self.now = None;
        self.now_unix = Some((now.as_second(), now.subsec_nanosecond()));
        self
    }
}

impl<I: Serialize> CallRef<'_, I> {
    /// Appends the JSON that `Serialize` writes: the envelope by hand (the wire's `json`
    /// module), the input by `input` (given the input, it writes its JSON shape).
    pub fn write_to(
        &self,
        out: &mut Vec<u8>,
        input: impl FnOnce(&I, &mut Vec<u8>) -> serde_json::Result<()>,
    ) -> serde_json::Result<()> {
        use super::json::{write_int, write_key, write_str};
        out.extend_from_slice(br#"{"message":"call","instance":"#);
        write_int(out, self.instance);
        out.extend_from_slice(br#","operation":""#);
        out.extend_from_slice(self.operation.name().as_bytes());
        out.extend_from_slice(b"\",");
        write_key(out, "input");
        input(self.input, out)?;
        if let Some(now) = self.now {
            out.push(b',');
            write_key(out, "now");
            write_str(out, now);
        }
        if let Some((seconds, nanos)) = self.now_unix {
            out.extend_from_slice(br#","now_unix":["#);
            write_int(out, seconds);
            out.push(b',');
            write_int(out, nanos);
            out.push(b']');
        }
        if let Some(entropy) = self.entropy {
            out.push(b',');
            write_key(out, "entropy");
            write_str(out, entropy);
        }
        if let Some(prior) = self.prior {
            out.push(b',');
            write_key(out, "prior");
            serde_json::to_writer(&mut *out, prior)?;
        }
        out.push(b'}');
        Ok(())
    }
}

/// A request as a plugin reads it: [`Request`](super::Request) with a call's input typed.
#[derive(Debug, Clone, PartialEq)]
// Built once per request on the stack and consumed at once: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum ParsedRequest {
    /// `describe`.
    Describe,
    /// `open`.
    Open {
        /// Backend kind.
        kind: String,
        /// Configuration.
        config: Map<String, Value>,
    },
    /// `call`.
    Call(ParsedCall),
    /// `close`.
    Close {
        /// The handle `open` returned.
        instance: u64,
    },
    /// `warnings` (since 1.1).
    Warnings {
        /// Backend kind.
        kind: String,
        /// Configuration.
        config: Map<String, Value>,
    },
}

/// A `call` as a plugin reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedCall {
    /// The handle `open` returned.
    pub instance: u64,
    /// The operation and its input.
    pub input: CallInput,
    /// The clock (sent as RFC 3339), absent for `guess`.
    pub now: Option<Timestamp>,
    /// 32 bytes of entropy (sent as hex), absent for `guess`.
    pub entropy: Option<[u8; 32]>,
    /// The HTTP exchange this call continues, if any.
    pub prior: Option<WireExchange>,
}

/// A call's operation with its input.
#[derive(Debug, Clone, PartialEq)]
// Built once per call and consumed at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum CallInput {
    /// `request`.
    Request(PaymentRequest),
    /// `response`.
    Response(Incoming),
    /// `cancel`.
    Cancel(Adjustment),
    /// `validate`.
    Validate(Adjustment),
    /// `refund`.
    Refund(Adjustment),
    /// `status`.
    Status(StatusQuery),
    /// `guess`.
    Guess(Incoming),
}

/// Deserializes an input of `operation`'s type from any deserializer.
struct InputSeed(CallOperation);

impl<'de> DeserializeSeed<'de> for InputSeed {
    type Value = CallInput;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<CallInput, D::Error> {
        Ok(match self.0 {
            CallOperation::Request => CallInput::Request(PaymentRequest::deserialize(d)?),
            CallOperation::Response => CallInput::Response(WireIncoming::deserialize(d)?.0),
            CallOperation::Cancel => CallInput::Cancel(Adjustment::deserialize(d)?),
            CallOperation::Validate => CallInput::Validate(Adjustment::deserialize(d)?),
            CallOperation::Refund => CallInput::Refund(Adjustment::deserialize(d)?),
            CallOperation::Status => CallInput::Status(StatusQuery::deserialize(d)?),
            CallOperation::Guess => CallInput::Guess(WireIncoming::deserialize(d)?.0),
        })
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Message,
    Kind,
    Config,
    Instance,
    Operation,
    Input,
    Now,
    NowUnix,
    Entropy,
    Prior,
    /// A field a later minor version added: ignored.
    #[serde(other)]
    Other,
}

struct RequestVisitor;

const MESSAGES: &[&str] = &["describe", "open", "call", "close", "warnings"];

impl<'de> Visitor<'de> for RequestVisitor {
    type Value = ParsedRequest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a polypay plugin request (an object with a message)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParsedRequest, A::Error> {
        let mut message: Option<Text<'de>> = None;
        let mut kind: Option<String> = None;
        let mut config: Option<Map<String, Value>> = None;
        let mut instance: Option<u64> = None;
        let mut operation: Option<CallOperation> = None;
        let mut input: Option<CallInput> = None;
        // The input of a host that wrote it before the operation.
        let mut early: Option<Value> = None;
        let mut now: Option<Timestamp> = None;
        let mut entropy: Option<[u8; 32]> = None;
        let mut prior: Option<WireExchange> = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Message => message = Some(map.next_value()?),
                Field::Kind => kind = Some(map.next_value()?),
                Field::Config => config = Some(map.next_value()?),
                Field::Instance => instance = Some(map.next_value()?),
                Field::Operation => operation = Some(map.next_value()?),
                Field::Input => match operation {
                    Some(op) => input = Some(map.next_value_seed(InputSeed(op))?),
                    None => early = Some(map.next_value()?),
                },
                // Read in place, without a copy of the text.
                Field::Now => {
                    now = map
                        .next_value::<Option<Text<'de>>>()?
                        .map(|t| t.0.parse::<Timestamp>())
                        .transpose()
                        .map_err(|e| de::Error::custom(format_args!("bad now: {e}")))?;
                }
                Field::NowUnix => {
                    now = map
                        .next_value::<Option<(i64, i32)>>()?
                        .map(|(s, n)| Timestamp::new(s, n))
                        .transpose()
                        .map_err(|e| de::Error::custom(format_args!("bad now_unix: {e}")))?;
                }
                Field::Entropy => {
                    entropy = match map.next_value::<Option<Text<'de>>>()? {
                        None => None,
                        Some(t) => {
                            let mut seed = [0u8; 32];
                            hex::decode_to_slice(t.0.as_bytes(), &mut seed).map_err(|e| {
                                de::Error::custom(format_args!("bad entropy (32 bytes, hex): {e}"))
                            })?;
                            Some(seed)
                        }
                    };
                }
                Field::Prior => prior = map.next_value()?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let message = message.ok_or_else(|| de::Error::missing_field("message"))?;
        Ok(match message.0.as_ref() {
            "describe" => ParsedRequest::Describe,
            "open" => ParsedRequest::Open {
                kind: kind.ok_or_else(|| de::Error::missing_field("kind"))?,
                config: config.ok_or_else(|| de::Error::missing_field("config"))?,
            },
            "warnings" => ParsedRequest::Warnings {
                kind: kind.ok_or_else(|| de::Error::missing_field("kind"))?,
                config: config.ok_or_else(|| de::Error::missing_field("config"))?,
            },
            "close" => ParsedRequest::Close {
                instance: instance.ok_or_else(|| de::Error::missing_field("instance"))?,
            },
            "call" => {
                let op = operation.ok_or_else(|| de::Error::missing_field("operation"))?;
                let input = match (input, early) {
                    (Some(input), _) => input,
                    (None, Some(v)) => InputSeed(op).deserialize(v).map_err(de::Error::custom)?,
                    (None, None) => return Err(de::Error::missing_field("input")),
                };
                ParsedRequest::Call(ParsedCall {
                    instance: instance.ok_or_else(|| de::Error::missing_field("instance"))?,
                    input,
                    now,
                    entropy,
                    prior,
                })
            }
            other => return Err(de::Error::unknown_variant(other, MESSAGES)),
        })
    }
}

/// A string borrowed from the request when it has no escapes, else a copy.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text<'de>, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

impl<'de> Deserialize<'de> for ParsedRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ParsedRequest, D::Error> {
        d.deserialize_map(RequestVisitor)
    }
}

/// [`Reply`](super::Reply) serialized from borrowed data.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyRef<'a, T: Serialize> {
    /// Success.
    Ok(&'a T),
    /// Failure.
    Error(&'a WireError),
}

/// [`WireStep`](super::WireStep) serialized from a borrowed core step.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepRef<'a, T: Serialize> {
    /// The operation's result.
    Done(&'a T),
    /// An HTTP request to perform.
    Http {
        /// The request.
        request: WireHttpRequest,
        /// State to hand back.
        state: &'a Value,
    },
}

impl<'a, T: Serialize> From<&'a Step<T>> for StepRef<'a, T> {
    fn from(step: &'a Step<T>) -> Self {
        match step {
            Step::Done(t) => StepRef::Done(t),
            Step::Http { request, state } => StepRef::Http {
                request: request.into(),
                state,
            },
        }
    }
}

/// [`Reply`](super::Reply) parsed straight into its result type.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyOf<T> {
    /// Success.
    Ok(T),
    /// Failure.
    Error(WireError),
}

/// [`WireStep`](super::WireStep) parsed straight into its result type.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOf<T> {
    /// The operation's result.
    Done(T),
    /// An HTTP request to perform.
    Http {
        /// The request.
        request: WireHttpRequest,
        /// State to hand back.
        state: Value,
    },
}

impl<T> StepOf<T> {
    /// The core step.
    pub fn into_step(self) -> Result<Step<T>, Error> {
        Ok(match self {
            StepOf::Done(t) => Step::Done(t),
            StepOf::Http { request, state } => Step::Http {
                request: request.try_into()?,
                state,
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{Reply, Request, WireStep};
    use super::*;
    use polypay_core::{Amount, HttpRequest, Method, PaymentIntent};

    fn payment_request() -> PaymentRequest {
        PaymentRequest::new(Amount::parse("EUR:1.50").unwrap()).with_order_id("o\"1")
    }

    #[test]
    fn a_borrowed_call_is_the_documented_call() {
        let req = payment_request();
        let input = serde_json::to_value(&req).unwrap();
        let prior = WireExchange {
            state: serde_json::json!({"n": 1}),
            response: (&polypay_core::HttpResponse::new(200, "ok")).into(),
        };
        let owned = Request::Call {
            instance: 3,
            operation: CallOperation::Request,
            input,
            now: Some("2026-01-01T00:00:00Z".into()),
            now_unix: None,
            entropy: Some("07".repeat(32)),
            prior: Some(prior.clone()),
        };
        let entropy = "07".repeat(32);
        let borrowed = CallRef::new(
            3,
            CallOperation::Request,
            &req,
            Some("2026-01-01T00:00:00Z"),
            Some(&entropy),
            Some(&prior),
        );
        let text = serde_json::to_string(&borrowed).unwrap();
        assert_eq!(text, serde_json::to_string(&owned).unwrap());
        let by_hand = |call: &CallRef<'_, PaymentRequest>| {
            let mut out = Vec::new();
            call.write_to(&mut out, |i, o| serde_json::to_writer(o, i))
                .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(by_hand(&borrowed), text);
        let bare = CallRef::new(9, CallOperation::Guess, &req, None, None, None);
        assert_eq!(by_hand(&bare), serde_json::to_string(&bare).unwrap());
        let at: Timestamp = "2026-01-01T00:00:00.5Z".parse().unwrap();
        let unix = CallRef::new(1, CallOperation::Refund, &req, None, Some("a\"b"), None)
            .with_now_unix(at);
        assert_eq!(by_hand(&unix), serde_json::to_string(&unix).unwrap());

        let ParsedRequest::Call(call) = serde_json::from_str(&text).unwrap() else {
            panic!("{text}")
        };
        assert_eq!(call.input, CallInput::Request(req.clone()));
        assert_eq!(call.prior.as_ref(), Some(&prior));
        assert_eq!(call.instance, 3);
        assert_eq!(call.now, Some("2026-01-01T00:00:00Z".parse().unwrap()));
        assert_eq!(call.entropy, Some([7; 32]));

        // 1.1's integer clock reads as the same instant, to the nanosecond.
        let at: Timestamp = "2026-01-01T00:00:00.123456789Z".parse().unwrap();
        let text = serde_json::to_string(&borrowed.with_now_unix(at)).unwrap();
        assert!(
            text.contains(r#""now_unix":[1767225600,123456789]"#),
            "{text}"
        );
        assert!(!text.contains(r#""now":"#), "{text}");
        let ParsedRequest::Call(call) = serde_json::from_str(&text).unwrap() else {
            panic!("{text}")
        };
        assert_eq!(call.now, Some(at));
    }

    #[test]
    fn requests_parse_in_any_field_order_and_ignore_later_additions() {
        let text = r#"{"input":{"transaction_id":"T1"},"added_in_1_1":[1],"instance":2,
            "operation":"status","message":"call","now":"2026-01-01T00:00:00Z"}"#;
        let ParsedRequest::Call(call) = serde_json::from_str(text).unwrap() else {
            panic!()
        };
        assert_eq!(call.input, CallInput::Status(StatusQuery::new("T1")));
        for (owned, parsed) in [
            (Request::Describe, ParsedRequest::Describe),
            (
                Request::Close { instance: 9 },
                ParsedRequest::Close { instance: 9 },
            ),
            (
                Request::Open {
                    kind: "k".into(),
                    config: Map::new(),
                },
                ParsedRequest::Open {
                    kind: "k".into(),
                    config: Map::new(),
                },
            ),
            (
                Request::Warnings {
                    kind: "k".into(),
                    config: Map::new(),
                },
                ParsedRequest::Warnings {
                    kind: "k".into(),
                    config: Map::new(),
                },
            ),
        ] {
            let text = serde_json::to_string(&owned).unwrap();
            assert_eq!(
                serde_json::from_str::<ParsedRequest>(&text).unwrap(),
                parsed
            );
        }
        for bad in [
            r#"{"message":"dance"}"#,
            r#"{"message":"call","instance":1,"operation":"request"}"#,
            r#"{"message":"call","instance":1,"operation":"request","input":{"amount":1}}"#,
            r#"{"message":"open","kind":"k"}"#,
            r#"{"message":"warnings","config":{}}"#,
            r#"{"message":"call","instance":1,"operation":"status","input":{"transaction_id":"T"},"now":"later"}"#,
            r#"{"message":"call","instance":1,"operation":"status","input":{"transaction_id":"T"},"entropy":"07"}"#,
            r#"{"message":"call","instance":1,"operation":"status","input":{"transaction_id":"T"},"now_unix":[1,2000000000]}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<ParsedRequest>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn borrowed_replies_are_the_documented_replies_and_parse_back() {
        let intent = PaymentIntent::new(
            "T1",
            polypay_core::Action::Html {
                html: "<p>é</p>".into(),
            },
        );
        let done: Step<PaymentIntent> = Step::Done(intent.clone());
        let http: Step<PaymentIntent> = Step::Http {
            request: HttpRequest::new(Method::Get, "https://b.example/s?r=1".parse().unwrap())
                .with_bearer("t"),
            state: serde_json::json!([1, "two"]),
        };
        for step in [done, http] {
            let borrowed = serde_json::to_string(&ReplyRef::Ok(&StepRef::from(&step))).unwrap();
            let owned = Reply::Ok(
                serde_json::to_value(WireStep::from_step(step.clone()).unwrap()).unwrap(),
            );
            assert_eq!(borrowed, serde_json::to_string(&owned).unwrap());
            let ReplyOf::Ok(back) =
                serde_json::from_str::<ReplyOf<StepOf<PaymentIntent>>>(&borrowed).unwrap()
            else {
                panic!("{borrowed}")
            };
            assert_eq!(back.into_step().unwrap(), step);
        }
        let err = WireError {
            kind: "not_found".into(),
            message: "gone".into(),
            details: Map::new(),
        };
        let text = serde_json::to_string(&ReplyRef::<()>::Error(&err)).unwrap();
        assert_eq!(
            text,
            serde_json::to_string(&Reply::Error(err.clone())).unwrap()
        );
        let ReplyOf::Error(back) = serde_json::from_str::<ReplyOf<()>>(&text).unwrap() else {
            panic!("{text}")
        };
        assert_eq!(back, err);
    }
}
