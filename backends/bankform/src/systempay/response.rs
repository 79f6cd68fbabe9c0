//! Reading the return / notification (IPN): signature first, then the status.

use jiff::tz::TimeZone;
use polypay_core::{Error, Incoming, PaymentResponse, PaymentStatus, Result, ReturnContent};

use super::SystemPay;
use super::signature;
use crate::common::money;
use crate::common::read_fields::read_fields;
use crate::common::received::{Received, missing};
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

read_fields! {
    /// The fields a return is read by, looked up together (one pass over the return).
    Fields {
        ctx_mode: "vads_ctx_mode",
        signature: "signature",
        eopayment_trans_id: "vads_ext_info_eopayment_trans_id",
        trans_date: "vads_trans_date",
        trans_id: "vads_trans_id",
        result: "vads_result",
        trans_status: "vads_trans_status",
        auth_result: "vads_auth_result",
        trans_uuid: "vads_trans_uuid",
        auth_number: "vads_auth_number",
        amount: "vads_amount",
        currency: "vads_currency",
        effective_creation_date: "vads_effective_creation_date",
    }
}

/// The status of a return, and the bank's words for it.
pub(crate) fn status(r: &Fields<'_>) -> (PaymentStatus, String) {
    let result = r.result;
    let text = match result {
        None => "no vads_result field".to_owned(),
        Some(code) => text::concat(&[code, ": ", result_code(code).1]),
    };
    if let Some(trans) = r.trans_status
        && let Some(status) = trans_status(trans)
    {
        return (status, text::concat(&[trans, " (", &text, ")"]));
    }
    let mut status = result.map_or(PaymentStatus::Error, |c| result_code(c).0);
    if status == PaymentStatus::Error
        && let Some(auth) = r.auth_result
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
pub(crate) fn reference(r: &Fields<'_>) -> Option<String> {
    if let Some(id) = r.eopayment_trans_id {
        return Some(id.to_owned());
    }
    Some(text::concat(&[r.trans_date?, "_", r.trans_id?]))
}

impl SystemPay {
    /// Parses and verifies a return.
    pub(crate) fn parse_response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        let received = Received::parse(incoming)?;
        let r = Fields::of(received.data());
        let ctx = (r.ctx_mode).ok_or_else(|| missing("vads_ctx_mode", self.flavor.kind()))?;
        let id = reference(&r).ok_or_else(|| {
            Error::malformed("the SystemPay return has neither vads_ext_info_eopayment_trans_id nor vads_trans_date and vads_trans_id")
        })?;
        let verified = match (r.signature, self.key_for(ctx)) {
            (Some(sig), Some(key)) => {
                signature::verify(self.config.signature_algo, &key, received.iter(), sig)
            }
            _ => false,
        };
        let (status, text) = status(&r);
        let mut resp = PaymentResponse::with_verification(status, verified);
        resp.order_id = Some(id);
        resp.transaction_id = r
            .trans_uuid
            .or(r.auth_number)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        resp.amount = money::reported(r.amount, r.currency);
        resp.bank_status = Some(text);
        resp.test = ctx == "TEST";
        resp.transaction_date = r
            .effective_creation_date
            .and_then(|d| time::parse_compact(d, &TimeZone::UTC));
        resp.bank_data = received.into_bank_data();
        // The notification (IPN) only needs an HTTP 200; the body shows in the back office.
        resp.return_content = Some(ReturnContent::text("OK"));
        Ok(resp)
    }

    /// Whether a return looks like one of this backend's, and its id.
    pub(crate) fn guess_id(incoming: &Incoming) -> Option<String> {
        let received = Received::parse(incoming).ok()?;
        let r = Fields::of(received.data());
        (r.signature.is_some() && r.ctx_mode.is_some() && r.auth_result.is_some())
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
        let s = |q: &str| status(&Fields::of(parsed(q).data())).0;
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
        let refer = |q: &str| reference(&Fields::of(parsed(q).data()));
        assert_eq!(
            refer("vads_trans_date=20200101000000&vads_trans_id=ABC123").as_deref(),
            Some("20200101000000_ABC123")
        );
        assert_eq!(
            refer("vads_ext_info_eopayment_trans_id=mine&vads_trans_id=x").as_deref(),
            Some("mine")
        );
        assert_eq!(refer("vads_trans_id=x"), None);
    }
}
