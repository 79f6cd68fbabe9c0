//! Inputs of the follow-up operations: [`Adjustment`] and [`StatusQuery`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Amount;

/// Input of `cancel`, `validate` (capture) and `refund`: how much, and which payment.
///
/// ```
/// use polypay_core::{Adjustment, Amount};
/// let adj = Adjustment::new("T1", Amount::parse("EUR:5.00")?);
/// assert_eq!(adj.transaction_id, "T1");
/// # Ok::<(), polypay_core::AmountError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Adjustment {
    /// The id `request` returned.
    pub transaction_id: String,
    /// The amount to capture, release or give back.
    pub amount: Amount,
    /// The payment's `bank_data`, as the last response gave it.
    #[serde(default)]
    pub bank_data: serde_json::Map<String, serde_json::Value>,
}

impl Adjustment {
    /// An adjustment with no bank data.
    pub fn new(transaction_id: impl Into<String>, amount: Amount) -> Adjustment {
        Adjustment {
            transaction_id: transaction_id.into(),
            amount,
            bank_data: serde_json::Map::new(),
        }
    }

    /// Sets the bank data (a map, or a response's [`crate::BankData`]).
    pub fn with_bank_data(
        mut self,
        data: impl Into<serde_json::Map<String, serde_json::Value>>,
    ) -> Self {
        self.bank_data = data.into();
        self
    }
}

/// Input of `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusQuery {
    /// The id `request` returned.
    pub transaction_id: String,
    /// The payment's `bank_data`, as the last response or the intent gave it.
    #[serde(default)]
    pub bank_data: serde_json::Map<String, serde_json::Value>,
    /// A session the payment is bound to (GNU Taler).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Wait up to this long for a change (long polling), where the backend can.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "duration_ms")]
    pub long_poll: Option<Duration>,
}

impl StatusQuery {
    /// A status query with nothing but the id.
    pub fn new(transaction_id: impl Into<String>) -> StatusQuery {
        StatusQuery {
            transaction_id: transaction_id.into(),
            bank_data: serde_json::Map::new(),
            session_id: None,
            long_poll: None,
        }
    }

    /// Sets the bank data (a map, or a response's [`crate::BankData`]).
    pub fn with_bank_data(
        mut self,
        data: impl Into<serde_json::Map<String, serde_json::Value>>,
    ) -> Self {
        self.bank_data = data.into();
        self
    }

    /// Asks the backend to wait up to `wait` for a change.
    pub fn with_long_poll(mut self, wait: Duration) -> Self {
        self.long_poll = Some(wait);
        self
    }
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}
