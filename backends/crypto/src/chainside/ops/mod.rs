//! The operations of the `Backend` trait, one module each, and what they share: the keys of
//! `backend_data` / `bank_data`, finding an order's uuid, and reading an order into a
//! [`PaymentResponse`].
//!
//! | `state.status` | polypay |
//! |---|---|
//! | `pending` | `Waiting` (with what is paid, in confirmation and unpaid) |
//! | `paid` | `Paid` (`overpaid_sat` in `bank_data` when more arrived) |
//! | `cancelled` | `Cancelled` |
//! | `expired` | `Expired` |
//! | `network_dispute` | `Waiting`, flagged `disputed: true`: do not ship |
//! | `chargeback` | `Error`: the funds were reverted, handle it by hand |
//! | anything else | `Waiting` (never paid) |

pub(crate) mod callback;
pub(crate) mod cancel;
pub(crate) mod request;
pub(crate) mod status;

use polypay_core::{Amount, Error, PaymentResponse, PaymentStatus, Result};
use serde_json::{Map, Value};

use super::Chainside;
use super::config::Mode;
use super::wire::{OrderStatus, PaymentOrder, is_uuid, parse_time};

/// Keys polypay adds to `backend_data` / `bank_data`, next to what Chainside sent.
pub mod key {
    /// The payment order's uuid (the id of every later call).
    pub const UUID: &str = "uuid";
    /// The merchant reference (polypay's transaction id).
    pub const REFERENCE: &str = "reference";
    /// The bitcoin address to pay.
    pub const ADDRESS: &str = "address";
    /// The BIP21 `bitcoin:` URI.
    pub const BITCOIN_URI: &str = "bitcoin_uri";
    /// The amount in satoshis.
    pub const BTC_AMOUNT: &str = "btc_amount";
    /// Chainside's payment page.
    pub const REDIRECT_URL: &str = "redirect_url";
    /// The amount requested, as `CUR:VALUE`.
    pub const REQUESTED_AMOUNT: &str = "requested_amount";
    /// `true` while the order is disputed on the network: do not ship.
    pub const DISPUTED: &str = "disputed";
    /// Satoshis paid beyond the amount (refund them by hand).
    pub const OVERPAID_SAT: &str = "overpaid_sat";
    /// The callback event that led to this response.
    pub const CALLBACK_EVENT: &str = "callback_event";
}

/// The order's uuid: from the payment's data, or the transaction id when it is a uuid.
pub(crate) fn uuid_of(transaction_id: &str, data: &Map<String, Value>) -> Result<String> {
    if let Some(u) = data.get(key::UUID).and_then(Value::as_str) {
        if is_uuid(u) {
            return Ok(u.to_owned());
        }
        return Err(Error::invalid_input(format!(
            "bank_data.uuid {u:?} is not a payment order uuid"
        )));
    }
    if is_uuid(transaction_id) {
        return Ok(transaction_id.to_owned());
    }
    Err(Error::invalid_input(format!(
        "{transaction_id:?} names no Chainside payment order: pass the payment's data \
         (backend_data of the intent, key `uuid`) or the order's uuid as transaction id"
    )))
}

/// The reference a caller expects for `transaction_id` (none when it gave the uuid itself).
pub(crate) fn expected_reference(transaction_id: &str) -> Option<&str> {
    (!transaction_id.is_empty() && !is_uuid(transaction_id)).then_some(transaction_id)
}

/// What the caller knows about the payment (from `request`'s data).
#[derive(Debug, Default)]
pub(crate) struct Expected<'a> {
    pub reference: Option<&'a str>,
    pub amount: Option<Amount>,
}

impl<'a> Expected<'a> {
    pub(crate) fn read(transaction_id: &'a str, data: &Map<String, Value>) -> Result<Self> {
        let amount = match data.get(key::REQUESTED_AMOUNT).and_then(Value::as_str) {
            Some(text) => Some(Amount::parse(text).map_err(|e| {
                Error::invalid_input(format!("bank_data.requested_amount {text:?}: {e}"))
            })?),
            None => None,
        };
        Ok(Expected {
            reference: expected_reference(transaction_id),
            amount,
        })
    }
}

/// Reads an order (as received: `raw` is its JSON object) into a verified response: the
/// answer came from the API over HTTPS (or the loopback test server) with polypay's token.
pub(crate) fn read_order(
    cs: &Chainside,
    order: &PaymentOrder,
    raw: Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<PaymentResponse> {
    let currency = cs.settings.currency;
    // The order's currency, when it is named by its ISO code, must be the WebPOS's.
    if let Some(name) = order.currency.get("name").and_then(Value::as_str)
        && name.len() == 3
        && name.bytes().all(|b| b.is_ascii_uppercase())
        && name != currency.code()
    {
        return Err(Error::Integrity {
            field: "currency",
            expected: currency.code().to_owned(),
            found: name.to_owned(),
        });
    }
    let amount = order.fiat_amount(currency)?;
    if let (Some(want), Some(got)) = (expected.reference, order.reference.as_deref())
        && want != got
    {
        return Err(Error::Integrity {
            field: "transaction_id",
            expected: want.to_owned(),
            found: got.to_owned(),
        });
    }
    let order_status = order.status();
    let mut notes = Vec::new();
    let mut data = raw;
    let status = match order_status {
        Some(OrderStatus::Pending) => PaymentStatus::Waiting,
        Some(OrderStatus::Paid) => {
            if let Some(want) = &expected.amount
                && (want.currency().code() != amount.currency().code()
                    || want.value() != amount.value())
            {
                return Err(Error::Integrity {
                    field: "amount",
                    expected: want.to_string(),
                    found: amount.to_string(),
                });
            }
            let (paid, pending) = order.paid_sat();
            let seen = paid.saturating_add(pending);
            if let Some(due) = order.btc_amount
                && seen > due
            {
                let over = seen - due;
                data.insert(key::OVERPAID_SAT.into(), over.into());
                notes.push(format!("overpaid by {over} sat"));
            }
            PaymentStatus::Paid
        }
        Some(OrderStatus::Cancelled) => PaymentStatus::Cancelled,
        Some(OrderStatus::Expired) => PaymentStatus::Expired,
        Some(OrderStatus::NetworkDispute) => {
            data.insert(key::DISPUTED.into(), true.into());
            notes.push("disputed on the network: do not ship".into());
            PaymentStatus::Waiting
        }
        Some(OrderStatus::Chargeback) => {
            notes.push("charged back: the funds were reverted".into());
            PaymentStatus::Error
        }
        // An unknown state is never paid.
        None => PaymentStatus::Waiting,
    };
    let mut bank_status = order.state.status.clone();
    if let Some(b) = order
        .state
        .blockchain_status
        .as_deref()
        .filter(|b| *b != order.state.status)
    {
        bank_status.push_str(&format!(" (blockchain: {b})"));
    }
    if !notes.is_empty() {
        bank_status.push_str(&format!(": {}", notes.join(", ")));
    }
    let mut r = PaymentResponse::verified(status);
    r.transaction_id = Some(order.uuid.clone());
    r.order_id = order
        .reference
        .clone()
        .or_else(|| expected.reference.map(str::to_owned));
    r.amount = Some(amount);
    r.bank_status = Some(bank_status);
    r.test = cs.settings.mode == Mode::Sandbox;
    r.transaction_date = order
        .resolved_at
        .as_deref()
        .or(order.created_at.as_deref())
        .and_then(parse_time);
    data.insert(key::UUID.into(), order.uuid.clone().into());
    if let Some(uri) = &order.uri {
        data.insert(key::BITCOIN_URI.into(), uri.clone().into());
    }
    if let Some(want) = &expected.amount {
        data.insert(key::REQUESTED_AMOUNT.into(), want.to_taler_string().into());
    }
    r.bank_data = data.into();
    Ok(r)
}

/// Parses an order answer: the typed order and its raw object.
pub(crate) fn parse_order(body: &[u8], what: &str) -> Result<(PaymentOrder, Map<String, Value>)> {
    let raw: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|e| Error::malformed(format!("{what}: the answer is not a JSON object: {e}")))?;
    let order: PaymentOrder = serde_json::from_value(Value::Object(raw.clone()))
        .map_err(|e| Error::malformed(format!("{what}: not a payment order: {e}")))?;
    Ok((order, raw))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const U: &str = "3f1c1a9e-0000-4000-8000-000000000001";

    #[test]
    fn uuids_from_data_or_id() {
        let mut data = Map::new();
        assert_eq!(uuid_of(U, &data).unwrap(), U);
        assert!(uuid_of("order-1", &data).is_err());
        data.insert(key::UUID.into(), U.into());
        assert_eq!(uuid_of("order-1", &data).unwrap(), U);
        data.insert(key::UUID.into(), "../x".into());
        assert!(uuid_of("order-1", &data).is_err());
        assert_eq!(expected_reference(U), None);
        assert_eq!(expected_reference("order-1"), Some("order-1"));
    }
}
