//! What the bank said: [`PaymentResponse`], built so that it fails closed.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{Amount, BankData, Currency, Error, PaymentStatus, Result, Timestamp};

/// The body the bank expects back from a server-to-server notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnContent {
    /// HTTP status to answer with.
    pub status: u16,
    /// Its content type.
    pub content_type: String,
    /// Its body.
    pub body: String,
}

impl ReturnContent {
    /// A `200 OK` plain-text body.
    pub fn text(body: impl Into<String>) -> ReturnContent {
        ReturnContent {
            status: 200,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.into(),
        }
    }
}

/// The outcome of `response`, `status`, `cancel`, `validate` or `refund`.
///
/// **Fail closed.** `status` and `verified` are private and set together by
/// [`PaymentResponse::verified`] or [`PaymentResponse::unverified`]: an unverified response is
/// always [`PaymentStatus::Waiting`] — it can never say paid or accepted — and what the message
/// claimed is kept in [`PaymentResponse::claimed_status`] for logging. The integrator then
/// confirms through `status`, or waits for the signed server-to-server notification. This one
/// rule holds for every backend, for plugins and for the CLI.
///
/// ```
/// use polypay_core::{PaymentResponse, PaymentStatus};
/// let forged = PaymentResponse::unverified(PaymentStatus::Paid);
/// assert_eq!(forged.status(), PaymentStatus::Waiting);
/// assert_eq!(forged.claimed_status(), Some(PaymentStatus::Paid));
/// assert!(!forged.is_verified());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PaymentResponse {
    status: PaymentStatus,
    verified: bool,
    claimed_status: Option<PaymentStatus>,
    /// The bank's id of the payment, where it has one.
    pub transaction_id: Option<String>,
    /// The id `request` returned (`PaymentIntent::transaction_id`), which always round-trips.
    pub order_id: Option<String>,
    /// The amount the bank reports.
    pub amount: Option<Amount>,
    /// How much was refunded, when the bank reports it.
    pub refunded_amount: Option<Amount>,
    /// The bank's raw result code and text.
    pub bank_status: Option<String>,
    /// Every field the bank sent (keep it: later operations need it). It reads like a
    /// `serde_json::Map` and serializes as a JSON object; see [`BankData`].
    pub bank_data: BankData,
    /// What to answer the bank's server, if it expects something.
    pub return_content: Option<ReturnContent>,
    /// Whether this is a test-mode payment.
    pub test: bool,
    /// When the bank says the transaction happened.
    pub transaction_date: Option<Timestamp>,
}

impl PaymentResponse {
    /// A response whose authenticity was established (a valid signature, or an answer over an
    /// authenticated channel).
    pub fn verified(status: PaymentStatus) -> PaymentResponse {
        Self::base(status, true, None)
    }

    /// A response that could not be authenticated: its status is `Waiting` whatever it claims.
    pub fn unverified(claimed: PaymentStatus) -> PaymentResponse {
        Self::base(PaymentStatus::Waiting, false, Some(claimed))
    }

    /// [`PaymentResponse::verified`] or [`PaymentResponse::unverified`] depending on `verified`.
    pub fn with_verification(status: PaymentStatus, verified: bool) -> PaymentResponse {
        if verified {
            Self::verified(status)
        } else {
            Self::unverified(status)
        }
    }

    fn base(status: PaymentStatus, verified: bool, claimed: Option<PaymentStatus>) -> Self {
        PaymentResponse {
            status,
            verified,
            claimed_status: claimed,
            transaction_id: None,
            order_id: None,
            amount: None,
            refunded_amount: None,
            bank_status: None,
            bank_data: BankData::new(),
            return_content: None,
            test: false,
            transaction_date: None,
        }
    }

    /// The status, which is never `Paid` or `Accepted` unless verified.
    pub fn status(&self) -> PaymentStatus {
        self.status
    }

    /// Whether the response's authenticity was established.
    pub fn is_verified(&self) -> bool {
        self.verified
    }

    /// For an unverified response, what the message claimed (unverified: for logs only).
    pub fn claimed_status(&self) -> Option<PaymentStatus> {
        self.claimed_status
    }

    /// Whether the payment is verified and paid.
    pub fn is_paid(&self) -> bool {
        self.verified && self.status == PaymentStatus::Paid
    }

    /// A key identifying this notification, for de-duplication: the same notification
    /// delivered twice gives the same key.
    pub fn dedup_key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.order_id.as_deref().unwrap_or(""),
            self.transaction_id.as_deref().unwrap_or(""),
            self.status,
            self.verified
        )
    }

    /// Checks the response against what was requested: verified, same currency, same amount,
    /// same reference (the id `request` returned). Any difference is an
    /// [`Error::Integrity`]; an unverified response is an [`Error::InvalidSignature`].
    ///
    /// ```
    /// use polypay_core::{Amount, PaymentResponse, PaymentStatus};
    /// let mut r = PaymentResponse::verified(PaymentStatus::Paid);
    /// r.order_id = Some("T1".into());
    /// r.amount = Some(Amount::parse("EUR:10.00")?);
    /// assert!(r.check(&Amount::parse("EUR:10.00")?, "T1").is_ok());
    /// assert!(r.check(&Amount::parse("EUR:9.99")?, "T1").is_err());
    /// assert!(r.check(&Amount::parse("EUR:10.00")?, "T2").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, amount: &Amount, reference: &str) -> Result<()> {
        if !self.verified {
            return Err(Error::InvalidSignature {
                backend: "response".into(),
                reference: self.order_id.clone(),
            });
        }
        let got_ref = self.order_id.as_deref().unwrap_or("");
        if got_ref != reference {
            return Err(Error::Integrity {
                field: "transaction_id",
                expected: reference.to_owned(),
                found: got_ref.to_owned(),
            });
        }
        let Some(got) = &self.amount else {
            return Err(Error::Integrity {
                field: "amount",
                expected: amount.to_string(),
                found: "nothing reported".into(),
            });
        };
        if got.currency().code() != amount.currency().code() {
            return Err(Error::Integrity {
                field: "currency",
                expected: amount.currency().to_string(),
                found: got.currency().to_string(),
            });
        }
        if got.value() != amount.value() {
            return Err(Error::Integrity {
                field: "amount",
                expected: amount.to_string(),
                found: got.to_string(),
            });
        }
        Ok(())
    }
}

/// The JSON shape of a response (what `polypay response --json` prints and what crosses the
/// plugin boundary): `amount` is the bare value and `currency` the code. Serializing borrows the
/// response's text and bank data (no copy); deserializing owns them.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    status: PaymentStatus,
    verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claimed_status: Option<PaymentStatus>,
    transaction_id: Option<Cow<'a, str>>,
    order_id: Option<Cow<'a, str>>,
    amount: Option<String>,
    currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refunded_amount: Option<String>,
    bank_status: Option<Cow<'a, str>>,
    #[serde(default)]
    bank_data: Cow<'a, BankData>,
    return_content: Option<Cow<'a, ReturnContent>>,
    #[serde(default)]
    test: bool,
    transaction_date: Option<Timestamp>,
}

impl Serialize for PaymentResponse {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Wire {
            status: self.status,
            verified: self.verified,
            claimed_status: self.claimed_status,
            transaction_id: self.transaction_id.as_deref().map(Cow::Borrowed),
            order_id: self.order_id.as_deref().map(Cow::Borrowed),
            amount: self.amount.map(|a| a.value_string()),
            currency: self
                .amount
                .or(self.refunded_amount)
                .map(|a| a.currency().code().to_owned()),
            refunded_amount: self.refunded_amount.map(|a| a.value_string()),
            bank_status: self.bank_status.as_deref().map(Cow::Borrowed),
            bank_data: Cow::Borrowed(&self.bank_data),
            return_content: self.return_content.as_ref().map(Cow::Borrowed),
            test: self.test,
            transaction_date: self.transaction_date,
        }
        .serialize(s)
    }
}

/// Deserializing goes through the same fail-closed constructor: `{"status": "paid",
/// "verified": false}` becomes `Waiting`.
impl<'de> Deserialize<'de> for PaymentResponse {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let w = Wire::deserialize(d)?;
        let currency = w
            .currency
            .as_deref()
            .map(Currency::new)
            .transpose()
            .map_err(D::Error::custom)?;
        let amount_of = |v: Option<String>| -> std::result::Result<Option<Amount>, D::Error> {
            match (v, currency) {
                (None, _) => Ok(None),
                (Some(v), Some(c)) => Amount::parse_in(&v, c).map(Some).map_err(D::Error::custom),
                (Some(_), None) => Err(D::Error::custom("an amount needs a currency")),
            }
        };
        let claimed = if w.verified {
            w.status
        } else {
            w.claimed_status.unwrap_or(w.status)
        };
        let mut r = PaymentResponse::with_verification(claimed, w.verified);
        r.transaction_id = w.transaction_id.map(Cow::into_owned);
        r.order_id = w.order_id.map(Cow::into_owned);
        r.amount = amount_of(w.amount)?;
        r.refunded_amount = amount_of(w.refunded_amount)?;
        r.bank_status = w.bank_status.map(Cow::into_owned);
        r.bank_data = w.bank_data.into_owned();
        r.return_content = w.return_content.map(Cow::into_owned);
        r.test = w.test;
        r.transaction_date = w.transaction_date;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_never_paid_or_accepted() {
        for s in PaymentStatus::ALL {
            let r = PaymentResponse::unverified(s);
            assert_eq!(r.status(), PaymentStatus::Waiting);
            assert!(!r.is_paid());
        }
    }

    #[test]
    fn wire_round_trip_and_forgery() {
        let mut r = PaymentResponse::verified(PaymentStatus::Paid);
        r.amount = Some(Amount::parse("EUR:10.00").unwrap());
        r.order_id = Some("x".into());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["amount"], "10.00");
        assert_eq!(json["currency"], "EUR");
        assert_eq!(serde_json::from_value::<PaymentResponse>(json).unwrap(), r);

        let forged = serde_json::json!({"status": "paid", "verified": false, "transaction_id": null,
            "order_id": null, "amount": null, "currency": null, "bank_status": null,
            "return_content": null, "transaction_date": null});
        let r: PaymentResponse = serde_json::from_value(forged).unwrap();
        assert_eq!(r.status(), PaymentStatus::Waiting);
        assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid));
    }

    #[test]
    fn check_reports_each_field() {
        let mut r = PaymentResponse::verified(PaymentStatus::Paid);
        r.order_id = Some("T".into());
        let ten = Amount::parse("EUR:10").unwrap();
        assert!(matches!(
            r.check(&ten, "T"),
            Err(Error::Integrity {
                field: "amount",
                ..
            })
        ));
        r.amount = Some(Amount::parse("USD:10").unwrap());
        assert!(matches!(
            r.check(&ten, "T"),
            Err(Error::Integrity {
                field: "currency",
                ..
            })
        ));
        let u = PaymentResponse::unverified(PaymentStatus::Paid);
        assert!(matches!(
            u.check(&ten, "T"),
            Err(Error::InvalidSignature { .. })
        ));
    }
}
