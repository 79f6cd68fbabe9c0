//! What the merchant asks for: [`PaymentRequest`].

use serde::{Deserialize, Serialize};
use url::Url;

use crate::Amount;

/// Who pays. Every field is optional; a backend that needs one says so in its capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Postal address, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A payment to start.
///
/// ```
/// use polypay_core::{Amount, PaymentRequest};
/// let req = PaymentRequest::new(Amount::parse("EUR:10.00")?)
///     .with_order_id("order-42")
///     .with_email("buyer@example.com")
///     .with_extra("vads_contrib", "polypay");
/// assert_eq!(req.customer.email.as_deref(), Some("buyer@example.com"));
/// # Ok::<(), polypay_core::AmountError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentRequest {
    /// How much, exactly.
    pub amount: Amount,
    /// A transaction id chosen by the caller (honoured where the backend allows it, see
    /// [`crate::Capabilities::caller_transaction_id`]); otherwise the backend makes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The merchant's order reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Who pays.
    #[serde(default)]
    pub customer: Customer,
    /// What is paid for, shown to the payer where the backend can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the payer's browser returns (overrides the configured URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<Url>,
    /// Where the bank notifies the merchant's server (overrides the configured URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<Url>,
    /// Days between authorisation and capture (eopayment's `capture_day`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_day: Option<u32>,
    /// Two-phase payment: authorise now, capture later with `validate`.
    #[serde(default)]
    pub manual_validation: bool,
    /// Preferred language of the payment page (`fr`, `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Backend-specific per-transaction fields, described by the backend's transaction
    /// parameters (scope = transaction). Values are strings or JSON.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl PaymentRequest {
    /// A request for `amount`, with nothing else set.
    pub fn new(amount: Amount) -> PaymentRequest {
        PaymentRequest {
            amount,
            transaction_id: None,
            order_id: None,
            customer: Customer::default(),
            description: None,
            return_url: None,
            notification_url: None,
            capture_day: None,
            manual_validation: false,
            locale: None,
            extra: serde_json::Map::new(),
        }
    }

    /// Sets the caller-chosen transaction id.
    pub fn with_transaction_id(mut self, id: impl Into<String>) -> Self {
        self.transaction_id = Some(id.into());
        self
    }
    /// Sets the order reference.
    pub fn with_order_id(mut self, id: impl Into<String>) -> Self {
        self.order_id = Some(id.into());
        self
    }
    /// Sets the customer's e-mail.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.customer.email = Some(email.into());
        self
    }
    /// Sets the customer.
    pub fn with_customer(mut self, customer: Customer) -> Self {
        self.customer = customer;
        self
    }
    /// Sets the description.
    pub fn with_description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
    /// Sets the return URL.
    pub fn with_return_url(mut self, url: Url) -> Self {
        self.return_url = Some(url);
        self
    }
    /// Sets the notification URL.
    pub fn with_notification_url(mut self, url: Url) -> Self {
        self.notification_url = Some(url);
        self
    }
    /// Asks for a two-phase payment (authorise, then `validate`).
    pub fn with_manual_validation(mut self, manual: bool) -> Self {
        self.manual_validation = manual;
        self
    }
    /// Sets the capture delay in days.
    pub fn with_capture_day(mut self, days: u32) -> Self {
        self.capture_day = Some(days);
        self
    }
    /// Sets the locale.
    pub fn with_locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }
    /// Sets a backend-specific field (a string).
    pub fn with_extra(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra
            .insert(name.into(), serde_json::Value::String(value.into()));
        self
    }
    /// Sets a backend-specific field (any JSON value).
    pub fn with_extra_json(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    /// A backend-specific field as text (a JSON string as is; numbers and booleans formatted).
    pub fn extra_str(&self, name: &str) -> Option<String> {
        match self.extra.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}
