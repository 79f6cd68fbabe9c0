//! The instance's webhooks, as data: what [`Taler::add_webhook`](crate::Taler::add_webhook)
//! registers and [`Taler::webhook`](crate::Taler::webhook) reads back.
//!
//! GNU Taler does not sign webhooks: the backend sends whatever its templates say. So the
//! webhook polypay registers ([`Taler::polypay_webhook`](crate::Taler::polypay_webhook))
//! carries the configured `webhook_secret` in the `webhook_header` header, and `response`
//! refuses notifications without it — and even then treats them as hints, confirmed with the
//! backend.

use polypay_core::{Error, Result, Secret};
use serde_json::{Map, Value, json};
use url::Url;

use crate::config::valid_order_id;

/// What a webhook fires on (`event_type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// An order was created (`order_created`).
    OrderCreated,
    /// An order was paid (`pay`).
    Pay,
    /// A refund was granted (`refund`).
    Refund,
    /// The exchange wired an order's money (`order_settled`).
    OrderSettled,
    /// Another event (inventory and category changes, newer events), by its name.
    Other(String),
}

impl WebhookEvent {
    /// The protocol's name of the event.
    pub fn as_str(&self) -> &str {
        match self {
            WebhookEvent::OrderCreated => "order_created",
            WebhookEvent::Pay => "pay",
            WebhookEvent::Refund => "refund",
            WebhookEvent::OrderSettled => "order_settled",
            WebhookEvent::Other(name) => name,
        }
    }

    /// The event of a protocol name.
    pub fn parse(name: &str) -> WebhookEvent {
        match name {
            "order_created" => WebhookEvent::OrderCreated,
            "pay" => WebhookEvent::Pay,
            "refund" => WebhookEvent::Refund,
            "order_settled" => WebhookEvent::OrderSettled,
            other => WebhookEvent::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A webhook of the instance (`WebhookAddDetails`).
///
/// Templates are expanded by the backend (Mustach: `{{order_id}}`, `{{contract_terms}}`,
/// `{{refund_amount}}`, ... depending on the event). The header template may carry a shared
/// secret, so it is a [`Secret`]: redacted in `Debug`.
///
/// ```
/// use polypay_taler::{Webhook, WebhookEvent};
/// let hook = Webhook::new("shop-pay", WebhookEvent::Pay, "https://shop.example/taler/hook".parse().unwrap())
///     .with_header_template("X-Shop-Token: 9f2c1d7a0b3e4f5a")
///     .with_body_template(r#"{"order_id":"{{order_id}}"}"#);
/// assert!(!format!("{hook:?}").contains("9f2c1d7a"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook's id (letters, digits and `. : _ -`).
    pub webhook_id: String,
    /// What it fires on.
    pub event_type: WebhookEvent,
    /// Where the backend sends it.
    pub url: Url,
    /// The HTTP method (`POST` unless set).
    pub http_method: String,
    /// Header lines, `Name: value` separated by line breaks.
    pub header_template: Option<Secret>,
    /// The body.
    pub body_template: Option<String>,
}

/// An entry of the instance's webhook list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookSummary {
    /// The webhook's id.
    pub webhook_id: String,
    /// What it fires on.
    pub event_type: WebhookEvent,
}

impl Webhook {
    /// A `POST` webhook without templates.
    pub fn new(webhook_id: impl Into<String>, event_type: WebhookEvent, url: Url) -> Webhook {
        Webhook {
            webhook_id: webhook_id.into(),
            event_type,
            url,
            http_method: "POST".into(),
            header_template: None,
            body_template: None,
        }
    }

    /// Sets the HTTP method.
    pub fn with_method(mut self, method: impl Into<String>) -> Webhook {
        self.http_method = method.into();
        self
    }

    /// Sets the header template (`Name: value` lines).
    pub fn with_header_template(mut self, template: impl Into<Secret>) -> Webhook {
        self.header_template = Some(template.into());
        self
    }

    /// Sets the body template.
    pub fn with_body_template(mut self, template: impl Into<String>) -> Webhook {
        self.body_template = Some(template.into());
        self
    }

    /// Checks what the backend would refuse, without quoting the header template (it may
    /// hold a secret).
    pub(crate) fn check(&self) -> Result<()> {
        check_webhook_id(&self.webhook_id)?;
        if !matches!(self.url.scheme(), "http" | "https") || !self.url.has_host() {
            return Err(Error::invalid_input(format!(
                "the webhook URL {} must be an http:// or https:// URL",
                self.url
            )));
        }
        let method_ok = !self.http_method.is_empty()
            && self.http_method.bytes().all(|b| b.is_ascii_alphabetic());
        if !method_ok {
            return Err(Error::invalid_input(format!(
                "{:?} is not an HTTP method",
                self.http_method
            )));
        }
        if let WebhookEvent::Other(name) = &self.event_type
            && (name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            return Err(Error::invalid_input(format!(
                "{name:?} is not a webhook event type"
            )));
        }
        if let Some(template) = &self.header_template {
            for line in template.expose().lines().filter(|l| !l.trim().is_empty()) {
                let well_formed = line.split_once(':').is_some_and(|(name, value)| {
                    !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
                        && value
                            .bytes()
                            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
                });
                if !well_formed {
                    return Err(Error::invalid_input(
                        "the webhook's header template must be `Name: value` lines of \
                         printable ASCII",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The `WebhookAddDetails` body.
    pub(crate) fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("webhook_id".into(), self.webhook_id.clone().into());
        body.insert("event_type".into(), self.event_type.as_str().into());
        body.insert("url".into(), self.url.as_str().into());
        body.insert("http_method".into(), self.http_method.clone().into());
        if let Some(h) = &self.header_template {
            body.insert("header_template".into(), h.expose().into());
        }
        if let Some(b) = &self.body_template {
            body.insert("body_template".into(), b.clone().into());
        }
        Value::Object(body)
    }

    /// Reads the answer of `GET private/webhooks/$ID` (which does not repeat the id).
    pub(crate) fn from_json(webhook_id: &str, body: &Value) -> Result<Webhook> {
        let text = |k: &str| body.get(k).and_then(Value::as_str);
        let missing = |k: &str| Error::malformed(format!("the webhook {webhook_id} has no {k}"));
        let url = text("url").ok_or_else(|| missing("url"))?;
        let url = Url::parse(url).map_err(|e| {
            Error::malformed(format!("the webhook {webhook_id} has a bad URL: {e}"))
        })?;
        Ok(Webhook {
            webhook_id: webhook_id.to_owned(),
            event_type: WebhookEvent::parse(
                text("event_type").ok_or_else(|| missing("event_type"))?,
            ),
            url,
            http_method: text("http_method")
                .ok_or_else(|| missing("http_method"))?
                .to_owned(),
            header_template: text("header_template").map(Secret::new),
            body_template: text("body_template").map(str::to_owned),
        })
    }
}

/// Checks a webhook id given by the caller (it goes into a URL path).
pub(crate) fn check_webhook_id(id: &str) -> Result<&str> {
    if valid_order_id(id) {
        Ok(id)
    } else {
        Err(Error::invalid_input(format!(
            "{id:?} is not a webhook id: use 1 to 128 letters, digits and . : _ -"
        )))
    }
}

/// The body polypay's webhooks send: the event and the order, nothing else (the order is
/// then read from the backend).
pub(crate) fn polypay_body_template(event: &WebhookEvent) -> String {
    // `{{order_id}}` expands to the order id, whose characters need no JSON escaping.
    json!({ "event_type": event.as_str(), "order_id": "{{order_id}}" }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        "https://shop.example/hook".parse().unwrap()
    }

    #[test]
    fn checks_and_round_trip() {
        let hook = Webhook::new("h1", WebhookEvent::Refund, url())
            .with_header_template("Content-Type: application/json\nX-Token: s3cr3t-s3cr3t-s3")
            .with_body_template("{}");
        hook.check().unwrap();
        let json = hook.to_json();
        assert_eq!(json["event_type"], "refund");
        assert_eq!(Webhook::from_json("h1", &json).unwrap(), hook);
        for bad in [
            Webhook::new("a/b", WebhookEvent::Pay, url()),
            Webhook::new("h", WebhookEvent::Pay, "ftp://x.example/".parse().unwrap()),
            Webhook::new("h", WebhookEvent::Pay, url()).with_method("PO ST"),
            Webhook::new("h", WebhookEvent::Other("Bad Event".into()), url()),
            Webhook::new("h", WebhookEvent::Pay, url()).with_header_template("no colon s3cr3t"),
            Webhook::new("h", WebhookEvent::Pay, url()).with_header_template("X: a\u{7}s3cr3t"),
        ] {
            let e = bad.check().unwrap_err().to_string();
            assert!(!e.contains("s3cr3t"), "{e}");
        }
        assert!(Webhook::from_json("h", &json!({"event_type": "pay"})).is_err());
        assert_eq!(
            WebhookEvent::parse("inventory_added"),
            WebhookEvent::Other("inventory_added".into())
        );
        for e in [
            "order_created",
            "pay",
            "refund",
            "order_settled",
            "category_added",
        ] {
            assert_eq!(WebhookEvent::parse(e).as_str(), e);
        }
        let body: Value = serde_json::from_str(&polypay_body_template(&WebhookEvent::Pay)).unwrap();
        assert_eq!(
            body,
            json!({"event_type": "pay", "order_id": "{{order_id}}"})
        );
    }
}
