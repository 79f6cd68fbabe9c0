//! Reading the return / notification (IPN): signature first, then the status.

use jiff::tz::TimeZone;
use polypay_core::{Error, Incoming, PaymentResponse, PaymentStatus, Result, ReturnContent};

use super::SystemPay;
use super::signature;
use crate::common::money;
use crate::common::received::Received;
use crate::common::text;
use crate::common::time;

/// The status of a `vads_trans_status` (spec D7: it is used first when present).
fn trans_status(value: &str) -> Option<PaymentStatus> {
    use PaymentStatus::*;
    Some(match value {
        "" => return None,
        "AUTHORISED" | "CAPTURED" => Paid,
        "AUTHORISED_TO_VALIDATE" | "WAITING_AUTHORISATION_TO_VALIDATE" => Accepted,
        "WAITING_AUTHORISATION" | "UNDER_VERIFICATION" | "INITIAL" => Waiting,
        "REFUSED" => Denied,
        "ABANDONED" | "CANCELLED" | "NOT_CREATED" => Cancelled,
        "EXPIRED" => Expired,
        _ => Error,
    })
}

/// The status and text of a `vads_result` code (eopayment's table).
fn result_code(value: &str) -> (PaymentStatus, &'static str) {
    use PaymentStatus::*;
    match value {
        "00" => (Paid, "payment successful"),
        "05" => (Denied, "payment refused"),
        "17" => (Cancelled, "payment cancelled by the customer"),
        "02" => (Error, "the merchant must contact the cardholder's bank"),
        "30" => (Error, "request format error"),
        "96" => (Error, "technical error"),
        _ => (Error, "unknown vads_result value"),
    }
}

/// The status of a CB authorisation code (`vads_auth_result`).
fn auth_code(value: &str) -> PaymentStatus {
    match value {
        "00" => PaymentStatus::Paid,
        "05" => PaymentStatus::Denied,
        "17" => PaymentStatus::Cancelled,
        _ => PaymentStatus::Error,
    }
}

/// The status of a return, and the bank's words for it.
pub(crate) fn status(r: &Received<'_>) -> (PaymentStatus, String) {
    let result = r.get("vads_result");
    let text = match result {
        None => "no vads_result field".to_owned(),
        Some(code) => text::concat(&[code, ": ", result_code(code).1]),
    };
    if let Some(trans) = r.get("vads_trans_status")
        && let Some(status) = trans_status(trans)
    {
        return (status, text::concat(&[trans, " (", &text, ")"]));
    }
    let mut status = result.map_or(PaymentStatus::Error, |c| result_code(c).0);
    if status == PaymentStatus::Error
        && let Some(auth) = r.get("vads_auth_result")
        && matches!(
            auth_code(auth),
            PaymentStatus::Denied | PaymentStatus::Cancelled
        )
    {
        status = auth_code(auth);
    }
    (status, text)
}

/// The id `request` returned: the caller's id echoed back, else `date_transid`.
pub(crate) fn reference(r: &Received<'_>) -> Option<String> {
    if let Some(id) = r.get("vads_ext_info_eopayment_trans_id") {
        return Some(id.to_owned());
    }
    Some(text::concat(&[
        r.get("vads_trans_date")?,
        "_",
        r.get("vads_trans_id")?,
    ]))
}

impl SystemPay {
    /// Parses and verifies a return.
    pub(crate) fn parse_response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        let r = Received::parse(incoming)?;
        let ctx = r.require("vads_ctx_mode", self.flavor.kind())?;
        let id = reference(&r).ok_or_else(|| {
            Error::malformed("the SystemPay return has neither vads_ext_info_eopayment_trans_id nor vads_trans_date and vads_trans_id")
        })?;
        let verified = match (r.get("signature"), self.key_for(ctx)) {
            (Some(sig), Some(key)) => {
                signature::verify(self.config.signature_algo, &key, r.iter(), sig)
            }
            _ => false,
        };
        let (status, text) = status(&r);
        let mut resp = PaymentResponse::with_verification(status, verified);
        resp.order_id = Some(id);
        resp.transaction_id = r
            .get("vads_trans_uuid")
            .or(r.get("vads_auth_number"))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        resp.amount = money::reported(r.get("vads_amount"), r.get("vads_currency"));
        resp.bank_status = Some(text);
        resp.test = ctx == "TEST";
        resp.transaction_date = r
            .get("vads_effective_creation_date")
            .and_then(|d| time::parse_compact(d, &TimeZone::UTC));
        resp.bank_data = r.into_bank_data();
        // The notification (IPN) only needs an HTTP 200; the body shows in the back office.
        resp.return_content = Some(ReturnContent::text("OK"));
        Ok(resp)
    }

    /// Whether a return looks like one of this backend's, and its id.
    pub(crate) fn guess_id(incoming: &Incoming) -> Option<String> {
        let r = Received::parse(incoming).ok()?;
        r.has_all(&["signature", "vads_ctx_mode", "vads_auth_result"])
            .then(|| reference(&r))
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(q: &str) -> Received<'static> {
        let incoming: &'static Incoming = Box::leak(Box::new(Incoming::get(q)));
        Received::parse(incoming).unwrap()
    }

    #[test]
    fn status_mapping() {
        let s = |q: &str| status(&parsed(q)).0;
        use PaymentStatus::*;
        assert_eq!(s("vads_result=00"), Paid);
        assert_eq!(s("vads_result=05"), Denied);
        assert_eq!(s("vads_result=17"), Cancelled);
        assert_eq!(s("vads_result=96"), Error);
        assert_eq!(s("vads_result=02&vads_auth_result=05"), Denied);
        assert_eq!(s("vads_result=30&vads_auth_result=17"), Cancelled);
        assert_eq!(s("vads_result=30&vads_auth_result=00"), Error);
        assert_eq!(s(""), Error);
        assert_eq!(s("vads_result=42"), Error);
        // D7: eopayment says PAID for these; the transaction status says otherwise.
        assert_eq!(
            s("vads_result=00&vads_trans_status=AUTHORISED_TO_VALIDATE"),
            Accepted
        );
        assert_eq!(
            s("vads_result=00&vads_trans_status=WAITING_AUTHORISATION"),
            Waiting
        );
        assert_eq!(
            s("vads_result=00&vads_trans_status=UNDER_VERIFICATION"),
            Waiting
        );
        assert_eq!(s("vads_result=05&vads_trans_status=REFUSED"), Denied);
        assert_eq!(s("vads_result=17&vads_trans_status=ABANDONED"), Cancelled);
        assert_eq!(s("vads_trans_status=EXPIRED"), Expired);
        assert_eq!(s("vads_result=00&vads_trans_status=CAPTURE_FAILED"), Error);
        assert_eq!(s("vads_result=00&vads_trans_status=CAPTURED"), Paid);
        assert_eq!(s("vads_result=00&vads_trans_status="), Paid);
    }

    #[test]
    fn references() {
        assert_eq!(
            reference(&parsed(
                "vads_trans_date=20200101000000&vads_trans_id=ABC123"
            ))
            .as_deref(),
            Some("20200101000000_ABC123")
        );
        assert_eq!(
            reference(&parsed(
                "vads_ext_info_eopayment_trans_id=mine&vads_trans_id=x"
            ))
            .as_deref(),
            Some("mine")
        );
        assert_eq!(reference(&parsed("vads_trans_id=x")), None);
    }
}
