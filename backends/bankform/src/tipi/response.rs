//! Reading TIPI returns: never verified (no signature exists), unless trusted by choice.

use polypay_core::{Currency, Incoming, PaymentResponse, PaymentStatus, Result};

use super::Tipi;
use crate::common::received::Received;
use crate::common::text;
use crate::common::time;

/// The status and text of `resultrans`.
pub(crate) fn result(code: &str) -> (PaymentStatus, String) {
    match code {
        "P" => (PaymentStatus::Paid, "paid".into()),
        "R" => (PaymentStatus::Denied, "refused".into()),
        "A" => (PaymentStatus::Cancelled, "canceled".into()),
        other => (PaymentStatus::Error, format!("wrong return: {other:?}")),
    }
}

impl Tipi {
    /// Parses a return.
    pub(crate) fn parse_response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        let r = Received::parse(incoming)?;
        let refdet = r.require("refdet", "tipi")?;
        let code = r.require("resultrans", "tipi")?;
        let (status, text) = result(code);
        let mut resp =
            PaymentResponse::with_verification(status, self.config.trust_unsigned_returns);
        resp.order_id = Some(refdet.to_owned());
        resp.transaction_id = r
            .get("numauto")
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        resp.amount = r
            .get("montant")
            .and_then(|m| m.parse::<u64>().ok())
            .and_then(|m| polypay_core::Amount::from_minor_units(m, Currency::EUR).ok());
        resp.bank_status = Some(if self.config.trust_unsigned_returns {
            text
        } else {
            text::concat(&[&text, " (unsigned return: confirm the payment with PayFiP)"])
        });
        resp.test = r.get("saisie") == Some("T");
        resp.transaction_date = match (r.get("dattrans"), r.get("heurtrans")) {
            (Some(d), Some(h)) => {
                time::parse_civil(&text::concat(&[d, " ", h]), "%d%m%Y %H%M", &self.paris)
            }
            _ => None,
        };
        resp.bank_data = r.into_bank_data();
        Ok(resp)
    }

    /// Whether a return looks like a TIPI one, and its id.
    pub(crate) fn guess_id(incoming: &Incoming) -> Option<String> {
        let r = Received::parse(incoming).ok()?;
        r.has_all(&["refdet", "resultrans"])
            .then(|| r.get("refdet").map(str::to_owned))
            .flatten()
    }
}
