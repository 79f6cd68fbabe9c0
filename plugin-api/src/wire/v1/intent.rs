//! The host's reading of a `request` result ([`PaymentIntent`] in its documented JSON shape),
//! faster than polypay-core's derived `Deserialize` and giving the same value.
//!
//! Two costs dominate reading an intent through serde's derive: the internally tagged
//! `Action` (serde buffers the whole object before it knows the variant) and parsing its
//! payment URL again (about a sixth of a dummy request through the ABI). Here the action's
//! fields are read straight into one struct, and a URL whose part before the query is the one
//! seen last on this thread is rebuilt from that parsed base with only its query parsed; it is
//! kept only when it serializes to exactly the plugin's text (`Url` is defined by its
//! serialization), else the URL is parsed from scratch.

use std::borrow::Cow;
use std::cell::RefCell;

use polypay_core::{Action, FormFields, FormMethod, PaymentIntent, Timestamp};
use serde::Deserialize;
use serde::de::Error as _;
use serde_json::{Map, Value};
use url::Url;

/// An `Action` object's fields, whatever its `type`.
#[derive(Deserialize)]
struct ActionFields<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    url: Option<Cow<'a, str>>,
    #[serde(default)]
    method: Option<FormMethod>,
    #[serde(default)]
    fields: Option<FormFields>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    uri: Option<String>,
}

/// A [`PaymentIntent`] read from a plugin's reply (see the module documentation).
#[derive(Deserialize)]
pub struct IntentOf<'a> {
    transaction_id: String,
    #[serde(borrow)]
    action: ActionFields<'a>,
    #[serde(default)]
    expires_at: Option<Timestamp>,
    #[serde(default)]
    backend_data: Map<String, Value>,
}

fn missing(field: &str, kind: &str) -> serde_json::Error {
    serde_json::Error::custom(format_args!("missing field `{field}` of a {kind} action"))
}

impl IntentOf<'_> {
    /// The intent, as polypay-core's `Deserialize` would have built it.
    pub fn into_intent(self) -> Result<PaymentIntent, serde_json::Error> {
        let a = self.action;
        let kind = a.kind.as_ref();
        let url = |u: Option<Cow<'_, str>>| -> Result<Url, serde_json::Error> {
            let text = u.ok_or_else(|| missing("url", kind))?;
            parse_url(&text).map_err(|e| serde_json::Error::custom(format_args!("{e}")))
        };
        let action = match kind {
            "redirect" => Action::Redirect { url: url(a.url)? },
            "form" => Action::Form {
                url: url(a.url)?,
                method: a.method.ok_or_else(|| missing("method", kind))?,
                fields: a.fields.ok_or_else(|| missing("fields", kind))?,
            },
            "html" => Action::Html {
                html: a.html.ok_or_else(|| missing("html", kind))?,
            },
            "uri" => Action::Uri {
                uri: a.uri.ok_or_else(|| missing("uri", kind))?,
                url: a.url.map(|u| url(Some(u))).transpose()?,
            },
            other => {
                return Err(serde_json::Error::custom(format_args!(
                    "unknown action type `{other}`"
                )));
            }
        };
        let mut intent = PaymentIntent::new(self.transaction_id, action);
        intent.expires_at = self.expires_at;
        intent.backend_data = self.backend_data;
        Ok(intent)
    }
}

thread_local! {
    /// The last URL base (the text before `?`) parsed on this thread, and its parse.
    static BASE: RefCell<Option<(String, Url)>> = const { RefCell::new(None) };
}

/// Parses `text`, reusing the parse of its base when it is the last one seen on this thread.
pub fn parse_url(text: &str) -> Result<Url, url::ParseError> {
    let Some((base, query)) = text.split_once('?').filter(|_| !text.contains('#')) else {
        return Url::parse(text);
    };
    let cached = BASE.with(|b| {
        b.borrow()
            .as_ref()
            .filter(|(seen, _)| seen == base)
            .map(|(_, url)| url.clone())
    });
    let mut url = match cached {
        Some(url) => url,
        None => {
            let Ok(parsed) = Url::parse(base) else {
                return Url::parse(text);
            };
            // Only a base that a query can follow as is: no query of its own, same text.
            if parsed.query().is_some() || parsed.as_str() != base {
                return Url::parse(text);
            }
            BASE.with(|b| *b.borrow_mut() = Some((base.to_owned(), parsed.clone())));
            parsed
        }
    };
    url.set_query(Some(query));
    if url.as_str() == text {
        Ok(url)
    } else {
        Url::parse(text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read(intent: &PaymentIntent) -> PaymentIntent {
        let text = serde_json::to_string(intent).unwrap();
        serde_json::from_str::<IntentOf<'_>>(&text)
            .unwrap()
            .into_intent()
            .unwrap()
    }

    #[test]
    fn every_action_reads_back_as_core_reads_it() {
        let url: Url = "https://bank.example/pay?a=1&b=%C3%A9&c=x+y"
            .parse()
            .unwrap();
        let mut with_data = PaymentIntent::new("T2", Action::Redirect { url: url.clone() });
        with_data.expires_at = Some("2026-01-01T00:00:00Z".parse().unwrap());
        with_data
            .backend_data
            .insert("k".into(), serde_json::json!([1, "x"]));
        for intent in [
            PaymentIntent::new("T1", Action::Redirect { url: url.clone() }),
            with_data,
            PaymentIntent::new(
                "T3",
                Action::Form {
                    url: "https://bank.example/form".parse().unwrap(),
                    method: FormMethod::Post,
                    fields: [("a", "\"é\"")].into(),
                },
            ),
            PaymentIntent::new(
                "T4",
                Action::Html {
                    html: "<p>\\</p>".into(),
                },
            ),
            PaymentIntent::new(
                "T5",
                Action::Uri {
                    uri: "taler://pay/x".into(),
                    url: Some(url.clone()),
                },
            ),
            PaymentIntent::new(
                "T6",
                Action::Uri {
                    uri: "bitcoin:x".into(),
                    url: None,
                },
            ),
        ] {
            let text = serde_json::to_string(&intent).unwrap();
            assert_eq!(read(&intent), intent, "{text}");
            assert_eq!(
                serde_json::from_str::<PaymentIntent>(&text).unwrap(),
                intent
            );
        }
    }

    #[test]
    fn a_reused_base_gives_the_url_a_full_parse_gives() {
        for text in [
            "https://bank.example/pay?a=1",
            "https://bank.example/pay?b=2&sig=abc%2F",
            "https://bank.example/pay?",
            "https://bank.example/pay?x=<space here>",
            "https://bank.example/pay?q=1#frag",
            "https://BANK.example/pay?a=1",
            "https://bank.example/other?a=1",
            "https://bank.example:443/pay?a=1",
            "not a url?a=1",
            "https://bank.example/pay?a=%zz",
        ] {
            for _ in 0..2 {
                let fast = parse_url(text);
                let full = Url::parse(text);
                assert_eq!(fast, full, "{text}");
                if let Ok(u) = fast {
                    assert_eq!(u.query(), full.as_ref().unwrap().query(), "{text}");
                    assert_eq!(u.host_str(), full.as_ref().unwrap().host_str(), "{text}");
                    assert_eq!(u.path(), full.as_ref().unwrap().path(), "{text}");
                }
            }
        }
    }

    #[test]
    fn incomplete_or_unknown_actions_are_errors() {
        for bad in [
            r#"{"transaction_id":"t","action":{"type":"redirect"}}"#,
            r#"{"transaction_id":"t","action":{"type":"form","url":"https://b.example/"}}"#,
            r#"{"transaction_id":"t","action":{"type":"teleport"}}"#,
            r#"{"transaction_id":"t","action":{"type":"redirect","url":"nope"}}"#,
            r#"{"action":{"type":"html","html":""}}"#,
        ] {
            let parsed = serde_json::from_str::<IntentOf<'_>>(bad).and_then(IntentOf::into_intent);
            assert!(parsed.is_err(), "{bad}");
            assert!(serde_json::from_str::<PaymentIntent>(bad).is_err(), "{bad}");
        }
    }
}
