//! What `request` returns: a [`PaymentIntent`] and the [`Action`] that sends the payer on.

use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{FormFields, Timestamp};

/// HTTP method of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FormMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl FormMethod {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            FormMethod::Get => "GET",
            FormMethod::Post => "POST",
        }
    }
}

/// How the payer is sent to the payment.
///
/// Serialized with a `type` tag: `{"type": "redirect", "url": ...}`, `{"type": "form", "url":
/// ..., "method": "POST", "fields": [[name, value], ...]}`, `{"type": "html", "html": ...}`,
/// `{"type": "uri", "uri": ..., "url": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Redirect the browser (HTTP 303) to `url`.
    Redirect {
        /// Where to.
        url: Url,
    },
    /// Submit a form to the bank. Field order is kept: some banks sign fields in order.
    Form {
        /// The form's action.
        url: Url,
        /// The form's method.
        method: FormMethod,
        /// The ordered `(name, value)` pairs.
        fields: FormFields,
    },
    /// Show this HTML to the payer.
    Html {
        /// The markup, ready to embed.
        html: String,
    },
    /// A payment URI (`taler://pay/...`, `bitcoin:...`) for a wallet, usually shown as a link
    /// and a QR code, with an optional web page for the same payment.
    Uri {
        /// The URI.
        uri: String,
        /// A browser URL for the same payment, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<Url>,
    },
}

impl Action {
    /// Renders a `Form` as an HTML `<form>` with every name, value and the action URL escaped,
    /// plus a submit button (for browsers without JavaScript). Other actions render as a link
    /// (`Redirect`, `Uri`) or as their markup (`Html`).
    ///
    /// ```
    /// use polypay_core::{Action, FormMethod};
    /// let form = Action::Form {
    ///     url: "https://bank.example/pay".parse().unwrap(),
    ///     method: FormMethod::Post,
    ///     fields: [("name", "\"><script>")].into(),
    /// };
    /// let html = form.to_html();
    /// assert!(html.contains("value=\"&quot;&gt;&lt;script&gt;\""));
    /// ```
    pub fn to_html(&self) -> String {
        self.markup().into_string()
    }

    fn markup(&self) -> Markup {
        match self {
            Action::Form {
                url,
                method,
                fields,
            } => html! {
                form id="polypay-form" method=(method.as_str()) action=(url.as_str()) {
                    @for (name, value) in fields {
                        input type="hidden" name=(name) value=(value);
                    }
                    input type="submit" name="Submit" value="Submit";
                }
            },
            Action::Redirect { url } => html! { a href=(url.as_str()) { "Continue to payment" } },
            Action::Uri { uri, url } => html! {
                a href=(uri) { (uri) }
                @if let Some(url) = url {
                    " " a href=(url.as_str()) { "Pay in the browser" }
                }
            },
            Action::Html { html } => maud::PreEscaped(html.clone()),
        }
    }

    /// A complete HTML page that performs the action by itself: a form submitted on load (with
    /// a button for browsers without JavaScript), a redirect link with a `refresh`, or the
    /// markup.
    pub fn to_auto_submit_page(&self) -> String {
        let refresh = match self {
            Action::Redirect { url } => Some(format!("0; url={}", url.as_str())),
            _ => None,
        };
        let auto_submit = matches!(self, Action::Form { .. });
        html! {
            (DOCTYPE)
            html {
                head {
                    meta charset="utf-8";
                    @if let Some(r) = &refresh { meta http-equiv="refresh" content=(r); }
                    title { "Redirecting to payment" }
                }
                body {
                    (self.markup())
                    @if auto_submit {
                        script { (maud::PreEscaped("document.getElementById('polypay-form').submit();")) }
                    }
                }
            }
        }
        .into_string()
    }
}

/// What `request` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentIntent {
    /// The id to store with the order: it comes back in the response (`order_id` there).
    pub transaction_id: String,
    /// Where the payer goes next.
    pub action: Action,
    /// When the payment offer lapses, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Data the integrator must keep with the order and hand back in later operations
    /// (`Adjustment::bank_data`, `StatusQuery::bank_data`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub backend_data: serde_json::Map<String, serde_json::Value>,
}

impl PaymentIntent {
    /// An intent with no expiry and no backend data.
    pub fn new(transaction_id: impl Into<String>, action: Action) -> PaymentIntent {
        PaymentIntent {
            transaction_id: transaction_id.into(),
            action,
            expires_at: None,
            backend_data: serde_json::Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile_form() -> Action {
        Action::Form {
            url: "https://bank.example/pay?a=1&b=\"x\"".parse().unwrap(),
            method: FormMethod::Post,
            fields: [
                ("vads_x\"><script>alert(1)</script>", "a&b<c>'d\"e"),
                ("plain", "</form><img src=x onerror=alert(1)>"),
            ]
            .into(),
        }
    }

    #[test]
    fn form_escapes_every_value() {
        let html = hostile_form().to_auto_submit_page();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("name=\"vads_x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
        assert!(html.contains("value=\"a&amp;b&lt;c&gt;'d&quot;e\""));
        assert!(html.contains("action=\"https://bank.example/pay?a=1&amp;b=%22x%22\""));
        // Exactly one script: the auto-submit.
        assert_eq!(html.matches("<script>").count(), 1);
        assert!(html.contains("type=\"submit\""));
    }

    #[test]
    fn field_order_is_kept() {
        let html = hostile_form().to_html();
        let a = html.find("vads_x").unwrap();
        let b = html.find("plain").unwrap();
        assert!(a < b);
    }

    #[test]
    fn json_shape() {
        let json = serde_json::to_value(hostile_form()).unwrap();
        assert_eq!(json["type"], "form");
        assert_eq!(json["method"], "POST");
        assert_eq!(json["fields"][1][0], "plain");
        let uri = Action::Uri {
            uri: "taler://pay/x/y/".into(),
            url: None,
        };
        assert_eq!(
            serde_json::to_string(&uri).unwrap(),
            r#"{"type":"uri","uri":"taler://pay/x/y/"}"#
        );
    }
}
