//! Payment statuses and operations.

use std::fmt;

/// Where a payment stands.
///
/// Unknown bank codes map to a non-final state ([`PaymentStatus::Waiting`] or
/// [`PaymentStatus::Error`]), never to [`PaymentStatus::Paid`]. The numeric values of
/// [`PaymentStatus::eopayment_code`] are eopayment's, for interoperability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Started; nothing known yet.
    Received,
    /// Pending: the outcome is not known yet (or the message could not be authenticated).
    Waiting,
    /// Authorised but not captured: call `validate` (capture) or `cancel`.
    Accepted,
    /// Captured / paid.
    Paid,
    /// Refused by the bank.
    Denied,
    /// Cancelled by the payer or the merchant.
    Cancelled,
    /// Expired (not paid in time, or an authorisation not captured in time).
    Expired,
    /// Refunded, wholly or partly (see `refunded_amount`).
    Refunded,
    /// An error, or a code polypay does not know.
    Error,
}

impl PaymentStatus {
    /// Every status, in eopayment's order.
    pub const ALL: [PaymentStatus; 9] = [
        PaymentStatus::Received,
        PaymentStatus::Accepted,
        PaymentStatus::Paid,
        PaymentStatus::Denied,
        PaymentStatus::Cancelled,
        PaymentStatus::Waiting,
        PaymentStatus::Expired,
        PaymentStatus::Refunded,
        PaymentStatus::Error,
    ];

    /// Whether the payment can no longer change by itself (paid, denied, cancelled, expired,
    /// refunded, error). `Received`, `Waiting` and `Accepted` are not final.
    ///
    /// ```
    /// use polypay_core::PaymentStatus;
    /// assert!(PaymentStatus::Paid.is_final());
    /// assert!(!PaymentStatus::Accepted.is_final());
    /// ```
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            PaymentStatus::Received | PaymentStatus::Waiting | PaymentStatus::Accepted
        )
    }

    /// Whether the money is secured (paid, or authorised and awaiting capture).
    pub fn is_success(self) -> bool {
        matches!(self, PaymentStatus::Paid | PaymentStatus::Accepted)
    }

    /// eopayment's numeric value (RECEIVED 1 … EXPIRED 7, ERROR 99; refunded has none there
    /// and is given 8).
    pub fn eopayment_code(self) -> u8 {
        match self {
            PaymentStatus::Received => 1,
            PaymentStatus::Accepted => 2,
            PaymentStatus::Paid => 3,
            PaymentStatus::Denied => 4,
            PaymentStatus::Cancelled => 5,
            PaymentStatus::Waiting => 6,
            PaymentStatus::Expired => 7,
            PaymentStatus::Refunded => 8,
            PaymentStatus::Error => 99,
        }
    }

    /// The lower-case name (`paid`), as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Received => "received",
            PaymentStatus::Waiting => "waiting",
            PaymentStatus::Accepted => "accepted",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Denied => "denied",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Error => "error",
        }
    }

    /// Parses the lower-case name (`cancelled` and `canceled` both accepted).
    pub fn from_name(name: &str) -> Option<PaymentStatus> {
        if name == "canceled" {
            return Some(PaymentStatus::Cancelled);
        }
        PaymentStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The operations a backend may offer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// Start a payment.
    Request,
    /// Handle the bank's return or notification.
    Response,
    /// Cancel an authorisation or an unpaid payment.
    Cancel,
    /// Capture an authorisation.
    Validate,
    /// Give money back.
    Refund,
    /// Ask the provider where a payment stands.
    Status,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 6] = [
        Operation::Request,
        Operation::Response,
        Operation::Cancel,
        Operation::Validate,
        Operation::Refund,
        Operation::Status,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Request => "request",
            Operation::Response => "response",
            Operation::Cancel => "cancel",
            Operation::Validate => "validate",
            Operation::Refund => "refund",
            Operation::Status => "status",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::from_name(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(
            PaymentStatus::from_name("canceled"),
            Some(PaymentStatus::Cancelled)
        );
        assert_eq!(PaymentStatus::from_name("nope"), None);
    }

    #[test]
    fn finality() {
        let finals: Vec<_> = PaymentStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals.len(), 6);
    }
}
