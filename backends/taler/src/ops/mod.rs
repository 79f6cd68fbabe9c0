//! The operations, one module each, and what they share: the order id check, the data an
//! intent hands to later operations, and the order page URL.

pub(crate) mod cancel;
pub(crate) mod forget;
pub(crate) mod orders;
pub(crate) mod refund;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod status;
pub(crate) mod webhooks;

use polypay_core::{Error, Result, Timestamp};
use serde_json::{Map, Value};
use url::Url;

use crate::config::valid_order_id;

/// Keys polypay adds to `backend_data` / `bank_data`, next to what the backend sent.
pub(crate) mod key {
    /// The order id.
    pub(crate) const ORDER_ID: &str = "order_id";
    /// The claim token of the order (`?c=` in the pay URI).
    pub(crate) const CLAIM_TOKEN: &str = "claim_token";
    /// The `taler://pay/` URI.
    pub(crate) const PAY_URI: &str = "taler_pay_uri";
    /// The backend's public order page.
    pub(crate) const STATUS_URL: &str = "order_status_url";
    /// The session the order is bound to.
    pub(crate) const SESSION_ID: &str = "session_id";
    /// The payment deadline polypay set (seconds since the epoch).
    pub(crate) const PAY_DEADLINE: &str = "pay_deadline";
    /// The amount polypay asked for, as `CUR:VAL`.
    pub(crate) const REQUESTED_AMOUNT: &str = "requested_amount";
    /// The reason sent with a refund (input of `refund`).
    pub(crate) const REFUND_REASON: &str = "refund_reason";
    /// `true` to delete a claimed order anyway (input of `cancel`).
    pub(crate) const FORCE_DELETE: &str = "force_delete";
    /// The `ETag` of the order view `bank_data` holds.
    pub(crate) const ETAG: &str = "etag";
}

/// Checks an order id given by the caller (`A-Za-z0-9.:_-`).
pub(crate) fn order_id(id: &str) -> Result<&str> {
    if valid_order_id(id) {
        Ok(id)
    } else {
        Err(Error::invalid_input(format!(
            "{id:?} is not a GNU Taler order id: use 1 to 128 letters, digits and . : _ -"
        )))
    }
}

/// What `request` hands to later operations through `backend_data`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Carried {
    pub claim_token: Option<String>,
    pub session_id: Option<String>,
    pub pay_deadline: Option<Timestamp>,
    pub requested_amount: Option<String>,
}

impl Carried {
    /// Reads the keys from a payment's data; absent or mistyped keys are simply unknown.
    pub(crate) fn read(data: &Map<String, Value>) -> Carried {
        let text = |k: &str| {
            data.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Carried {
            claim_token: text(key::CLAIM_TOKEN),
            session_id: text(key::SESSION_ID),
            pay_deadline: data
                .get(key::PAY_DEADLINE)
                .and_then(Value::as_i64)
                .and_then(|s| Timestamp::from_second(s).ok()),
            requested_amount: text(key::REQUESTED_AMOUNT),
        }
    }

    /// Writes the known keys into `data`.
    pub(crate) fn write(&self, data: &mut Map<String, Value>) {
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                data.insert(k.to_owned(), v);
            }
        };
        put(key::CLAIM_TOKEN, self.claim_token.clone().map(Value::from));
        put(key::SESSION_ID, self.session_id.clone().map(Value::from));
        put(
            key::PAY_DEADLINE,
            self.pay_deadline.map(|t| Value::from(t.as_second())),
        );
        put(
            key::REQUESTED_AMOUNT,
            self.requested_amount.clone().map(Value::from),
        );
    }
}

/// The backend's public page of an order, where a browser pays or is redirected:
/// `{base}orders/{id}?token=...&session_id=...` (parameters omitted when absent).
pub(crate) fn order_page(
    base: &Url,
    order_id: &str,
    claim_token: Option<&str>,
    session_id: Option<&str>,
) -> Result<Url> {
    let mut url = base
        .join(&format!("orders/{order_id}"))
        .map_err(|e| Error::invalid_input(format!("cannot form the order page URL: {e}")))?;
    {
        let mut query = url.query_pairs_mut();
        if let Some(t) = claim_token {
            query.append_pair("token", t);
        }
        if let Some(s) = session_id {
            query.append_pair("session_id", s);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(url)
}

/// `{"t_s": N}` of a time.
pub(crate) fn t_s(t: Timestamp) -> Value {
    serde_json::json!({ "t_s": t.as_second() })
}

/// The time of a Taler `Timestamp` (`{"t_s": N}`); `None` for `"never"` or anything else.
pub(crate) fn read_t_s(value: &Value) -> Option<Timestamp> {
    value
        .get("t_s")
        .and_then(Value::as_i64)
        .and_then(|s| Timestamp::from_second(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_round_trip() {
        let c = Carried {
            claim_token: Some("TOK".into()),
            session_id: None,
            pay_deadline: Some(Timestamp::from_second(1_800_000_000).unwrap()),
            requested_amount: Some("EUR:1.00".into()),
        };
        let mut data = Map::new();
        c.write(&mut data);
        assert_eq!(Carried::read(&data), c);
        assert_eq!(data[key::PAY_DEADLINE], 1_800_000_000);
        let odd = serde_json::json!({"claim_token": 5, "pay_deadline": "x", "session_id": ""});
        assert_eq!(Carried::read(odd.as_object().unwrap()), Carried::default());
    }

    #[test]
    fn order_pages() {
        let base: Url = "https://b.example/instances/x/".parse().unwrap();
        assert_eq!(
            order_page(&base, "O1", Some("T"), Some("s 1"))
                .unwrap()
                .as_str(),
            "https://b.example/instances/x/orders/O1?token=T&session_id=s+1"
        );
        assert_eq!(
            order_page(&base, "O1", None, None).unwrap().as_str(),
            "https://b.example/instances/x/orders/O1"
        );
        assert!(order_id("a/b").is_err());
        assert_eq!(read_t_s(&serde_json::json!({"t_s": "never"})), None);
        assert_eq!(
            read_t_s(&t_s(Timestamp::UNIX_EPOCH)),
            Some(Timestamp::UNIX_EPOCH)
        );
    }
}
