//! The API's JSON objects (payment orders, pages, callbacks), typed. Reading is lenient:
//! unknown fields are ignored and optional ones may be absent or `null`, so a newer API
//! version still parses; what polypay relies on (uuid, amounts, state) is required.
//!
//! Amounts are exact: fiat amounts are decimal strings, bitcoin amounts integer satoshis.

use polypay_core::{Amount, Currency, Error, Result, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of `POST /payment-order`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOrderCreation {
    /// The fiat amount, as a decimal string (`"10.00"`).
    pub amount: String,
    /// Where Chainside sends callbacks (`https://` only, ≤ 300 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Where the browser goes after a successful payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_url: Option<String>,
    /// Where the browser goes after expiry or cancellation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    /// Free text shown to the payer (≤ 300 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The merchant's reference (≤ 300 characters): polypay's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Confirmations required before the order is paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_confirmations: Option<u32>,
}

/// The answer to `POST /payment-order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentOrderCreated {
    /// The order's id.
    pub uuid: String,
    /// The bitcoin address to pay.
    pub address: String,
    /// The BIP21 `bitcoin:` URI.
    pub uri: String,
    /// Chainside's payment page.
    pub redirect_url: String,
    /// The amount in satoshis.
    pub amount: u64,
    /// When the order expires (ISO 8601).
    #[serde(default)]
    pub expiration_time: Option<String>,
    /// Seconds until expiry.
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// The exchange rate used.
    #[serde(default)]
    pub rate: Value,
    /// When the order was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The merchant's reference.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Satoshi and fiat parts of a state's amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateAmount {
    /// Satoshis.
    pub crypto: u64,
    /// Fiat, as a decimal string.
    pub fiat: String,
}

/// `PaymentOrderState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    /// `pending`, `paid`, `cancelled`, `expired`, `network_dispute` or `chargeback`.
    pub status: String,
    /// The finer state on the blockchain (`partial`, `mempool_unconfirmed`, ...).
    #[serde(default)]
    pub blockchain_status: Option<String>,
    /// What was paid and confirmed.
    #[serde(default)]
    pub paid: Option<StateAmount>,
    /// What was paid but waits for confirmations.
    #[serde(default)]
    pub in_confirmation: Option<StateAmount>,
    /// What remains to pay.
    #[serde(default)]
    pub unpaid: Option<StateAmount>,
}

/// One output of a transaction to the order's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionOut {
    /// The output index.
    pub n: u32,
    /// Satoshis.
    pub amount: u64,
}

/// A bitcoin transaction paying an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTransaction {
    /// The transaction id (64 hex digits).
    pub txid: String,
    /// Satoshis of the outputs to the order's address.
    #[serde(default)]
    pub outs_sum: u64,
    /// When Chainside saw it.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The outputs to the order's address.
    #[serde(default)]
    pub outs: Vec<TransactionOut>,
    /// `mempool`, `unconfirmed`, `confirmed` or `reverted`.
    #[serde(default)]
    pub blockchain_status: Option<String>,
    /// `unconfirmed`, `confirmed` or `reverted`.
    #[serde(default)]
    pub status: Option<String>,
}

/// A payment order as `GET /payment-order/{uuid}` (`PaymentOrderRetrieval`) and the callbacks
/// (which add `cancel_url` and `continue_url`) give it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentOrder {
    /// The order's id.
    pub uuid: String,
    /// The bitcoin address to pay.
    #[serde(default)]
    pub address: Option<String>,
    /// The BIP21 `bitcoin:` URI.
    #[serde(default)]
    pub uri: Option<String>,
    /// Chainside's payment page.
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// The fiat amount, as a decimal string.
    pub amount: String,
    /// The amount in satoshis.
    #[serde(default)]
    pub btc_amount: Option<u64>,
    /// The fiat currency (`{type, uuid, name}`).
    #[serde(default)]
    pub currency: Value,
    /// The exchange rate used.
    #[serde(default)]
    pub rate: Value,
    /// Confirmations required.
    #[serde(default)]
    pub required_confirmations: Option<u32>,
    /// Seconds until expiry.
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// When the order expires.
    #[serde(default)]
    pub expiration_time: Option<String>,
    /// When the order was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When the order reached a final state.
    #[serde(default)]
    pub resolved_at: Option<String>,
    /// When a chargeback happened.
    #[serde(default)]
    pub chargeback_date: Option<String>,
    /// When a dispute started.
    #[serde(default)]
    pub dispute_start_date: Option<String>,
    /// Free text.
    #[serde(default)]
    pub details: Option<String>,
    /// The merchant's reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// The callback URL.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// The browser's cancel URL (callbacks only).
    #[serde(default)]
    pub cancel_url: Option<String>,
    /// The browser's continue URL (callbacks only).
    #[serde(default)]
    pub continue_url: Option<String>,
    /// The point of sale that created the order.
    #[serde(default)]
    pub created_by: Value,
    /// Where the order stands.
    pub state: OrderState,
    /// The transactions paying it.
    #[serde(default)]
    pub transactions: Vec<OrderTransaction>,
}

/// The status of a payment order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderStatus {
    /// Waiting for (enough, confirmed) payment.
    Pending,
    /// Paid and confirmed.
    Paid,
    /// Cancelled.
    Cancelled,
    /// Not paid in time.
    Expired,
    /// Paid, then disputed on the network (a re-org or a double spend): do not ship.
    NetworkDispute,
    /// The funds were reverted.
    Chargeback,
}

impl OrderStatus {
    /// Every status, in the API's order.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
        OrderStatus::NetworkDispute,
        OrderStatus::Chargeback,
    ];

    /// The API's name (`network_dispute`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Expired => "expired",
            OrderStatus::NetworkDispute => "network_dispute",
            OrderStatus::Chargeback => "chargeback",
        }
    }

    /// Parses an API name.
    pub fn parse(name: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The callback events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackEvent {
    /// `payment.completed`
    Completed,
    /// `payment.overpaid`
    Overpaid,
    /// `payment.cancelled`
    Cancelled,
    /// `payment.expired`
    Expired,
    /// `payment.dispute.start`
    DisputeStart,
    /// `payment.dispute.end`
    DisputeEnd,
    /// `payment.chargeback`
    Chargeback,
}

impl CallbackEvent {
    /// Every event.
    pub const ALL: [CallbackEvent; 7] = [
        CallbackEvent::Completed,
        CallbackEvent::Overpaid,
        CallbackEvent::Cancelled,
        CallbackEvent::Expired,
        CallbackEvent::DisputeStart,
        CallbackEvent::DisputeEnd,
        CallbackEvent::Chargeback,
    ];

    /// The event's name (`payment.dispute.start`).
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackEvent::Completed => "payment.completed",
            CallbackEvent::Overpaid => "payment.overpaid",
            CallbackEvent::Cancelled => "payment.cancelled",
            CallbackEvent::Expired => "payment.expired",
            CallbackEvent::DisputeStart => "payment.dispute.start",
            CallbackEvent::DisputeEnd => "payment.dispute.end",
            CallbackEvent::Chargeback => "payment.chargeback",
        }
    }

    /// Parses an event name; `completed` is accepted for `payment.completed`.
    ///
    /// ```
    /// use polypay_crypto::chainside::CallbackEvent;
    /// assert_eq!(CallbackEvent::parse("dispute.start"), Some(CallbackEvent::DisputeStart));
    /// assert_eq!(CallbackEvent::parse("payment.paid"), None);
    /// ```
    pub fn parse(name: &str) -> Option<CallbackEvent> {
        let full = if name.starts_with("payment.") {
            name.to_owned()
        } else {
            format!("payment.{name}")
        };
        CallbackEvent::ALL.into_iter().find(|e| e.as_str() == full)
    }
}

impl std::fmt::Display for CallbackEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A page of `GET /payment-order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentOrderPage {
    /// The orders of the page.
    pub paymentorders: Vec<PaymentOrder>,
    /// How many orders match.
    pub total_items: u64,
    /// How many pages there are.
    pub total_pages: u64,
}

/// The callback envelope Chainside POSTs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackEnvelope {
    /// The event (`payment.completed`).
    pub event: String,
    /// When the event happened.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The kind of object (`payment_order`).
    #[serde(default)]
    pub object_type: Option<String>,
    /// The order.
    pub object: PaymentOrder,
}

impl PaymentOrder {
    /// The order's status, `None` for a name polypay does not know.
    pub fn status(&self) -> Option<OrderStatus> {
        OrderStatus::parse(&self.state.status)
    }

    /// The fiat amount in `currency`, exactly (more fraction digits than the currency has is
    /// an error, never rounded).
    pub fn fiat_amount(&self, currency: Currency) -> Result<Amount> {
        Amount::parse_in(self.amount.trim(), currency).map_err(|e| {
            Error::malformed(format!(
                "payment order {}: amount {:?}: {e}",
                self.uuid, self.amount
            ))
        })
    }

    /// Satoshis paid and confirmed, and satoshis waiting for confirmations.
    pub fn paid_sat(&self) -> (u64, u64) {
        let s = &self.state;
        (
            s.paid.as_ref().map_or(0, |a| a.crypto),
            s.in_confirmation.as_ref().map_or(0, |a| a.crypto),
        )
    }
}

/// An API time: RFC 3339, or a date-time without offset (read as UTC).
pub fn parse_time(text: &str) -> Option<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let civil: jiff::civil::DateTime = text.parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// Whether `s` is a UUID (`8-4-4-4-12` hex digits).
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_retrieval_parses_leniently() {
        let order: PaymentOrder = serde_json::from_value(serde_json::json!({
            "uuid": "3f1c1a9e-0000-4000-8000-000000000001",
            "amount": "10.00", "btc_amount": 25000, "unknown": [1],
            "state": {"status": "paid", "blockchain_status": "paid",
                      "paid": {"crypto": 25000, "fiat": "10.00"}, "unpaid": null},
            "transactions": [{"txid": "ab", "outs_sum": 25000, "outs": [{"n": 0, "amount": 25000}]}],
        }))
        .unwrap();
        assert_eq!(order.status(), Some(OrderStatus::Paid));
        assert_eq!(order.paid_sat(), (25000, 0));
        assert_eq!(
            order.fiat_amount(Currency::EUR).unwrap().to_string(),
            "10.00 EUR"
        );
        let mut odd = order.clone();
        odd.amount = "10.001".into();
        assert!(odd.fiat_amount(Currency::EUR).is_err());
    }

    #[test]
    fn names_times_and_ids() {
        for e in CallbackEvent::ALL {
            assert_eq!(CallbackEvent::parse(e.as_str()), Some(e));
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            parse_time("2020-01-02T03:04:05Z").unwrap().as_second(),
            1_577_934_245
        );
        assert_eq!(
            parse_time("2020-01-02T03:04:05.123").unwrap().as_second(),
            1_577_934_245
        );
        assert!(parse_time("yesterday").is_none());
        assert!(is_uuid("3f1c1a9e-0000-4000-8000-00000000000a"));
        assert!(!is_uuid("3f1c1a9e-0000-4000-8000-00000000000"));
        assert!(!is_uuid("order-1"));
    }
}
