//! Reading Ogone returns (browser redirects to the ACCEPT/... URLs, and post-sale requests).

use polypay_core::{
    Amount, Currency, Error, Incoming, PaymentResponse, PaymentStatus, Result, ReturnContent,
};

use super::Ogone;
use super::config::{Encoding, Environment};
use super::signature;
use crate::common::read_fields::read_fields;
use crate::common::received::{Decoding, Names, Received};
use crate::common::text;

/// The status and English text of a `STATUS` (eopayment's table, plus the documented meanings
/// of 52, 92 and 93; 61 and 81 are deletion/refund states, not a payment waiting).
pub(crate) fn status_code(code: &str) -> (PaymentStatus, &'static str) {
    use PaymentStatus::*;
    match code {
        "1" => (Cancelled, "cancelled by the customer"),
        "2" => (Denied, "authorisation refused"),
        "5" => (Accepted, "authorised"),
        "9" => (Paid, "payment requested"),
        "95" => (Paid, "payment processed by merchant"),
        "93" => (Denied, "payment refused"),
        "52" => (Waiting, "authorisation not known"),
        "92" => (Waiting, "payment uncertain"),
        "61" | "81" => (Error, "deletion or refund pending (not a payment state)"),
        c if c.len() == 2 && c.ends_with('1') => (Waiting, "waiting"),
        _ => (Error, "unknown status"),
    }
}

read_fields! {
    /// The fields a return is read by (names as read: upper case), looked up together.
    Fields {
        order_id: "ORDERID",
        pay_id: "PAYID",
        status: "STATUS",
        nc_error: "NCERROR",
        sha_sign: "SHASIGN",
        com_plus: "COMPLUS",
        amount: "AMOUNT",
        currency: "CURRENCY",
    }
}

impl Ogone {
    /// Parses and verifies a return.
    pub(crate) fn parse_response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        let decoding = match self.config.encoding {
            Encoding::Latin1 => Decoding::Latin1,
            Encoding::Utf8 => Decoding::Utf8,
        };
        let received = Received::parse_with(incoming, decoding, Names::UpperCase)?;
        // Names are case-insensitive: read (and kept in `bank_data`) in upper case.
        let fields = Fields::of(received.data());
        let (Some(order), Some(payid), Some(status), Some(ncerror)) = (
            fields.order_id,
            fields.pay_id,
            fields.status,
            fields.nc_error,
        ) else {
            return Err(Error::malformed(
                "the Ogone return lacks ORDERID, PAYID, STATUS or NCERROR",
            ));
        };
        // D13: SHA-OUT is always checked, whether or not SHA-IN is configured.
        let verified = fields.sha_sign.is_some_and(|sig| {
            signature::verify_out(
                self.config.hash_algorithm,
                self.config.sha_out.expose(),
                received.iter(),
                sig,
            )
        });
        let (claimed, text) = status_code(status);
        let mut resp = PaymentResponse::with_verification(claimed, verified);
        resp.order_id = Some(
            fields
                .com_plus
                .filter(|c| !c.is_empty())
                .unwrap_or(order)
                .to_owned(),
        );
        resp.transaction_id = Some(payid.to_owned()).filter(|p| !p.is_empty());
        // AMOUNT is in major units (7.5), CURRENCY a code in any case.
        resp.amount = match (fields.amount, fields.currency) {
            (Some(a), Some(c)) => Currency::new(c)
                .ok()
                .and_then(|c| Amount::parse_in(a, c).ok()),
            _ => None,
        };
        resp.bank_status = Some(text::concat(&[
            "STATUS ",
            status,
            ": ",
            text,
            " (NCERROR ",
            ncerror,
            ")",
        ]));
        resp.test = self.config.environment == Environment::Test;
        // Names as read (upper case), values as decoded.
        resp.bank_data = received.into_bank_data();
        resp.return_content = Some(ReturnContent::text("OK"));
        Ok(resp)
    }

    /// Whether a return looks like an Ogone one, and its id.
    pub(crate) fn guess_id(incoming: &Incoming) -> Option<String> {
        let r = Received::parse_with(incoming, Decoding::Latin1, Names::UpperCase).ok()?;
        let f = Fields::of(r.data());
        (f.order_id.is_some() && f.pay_id.is_some() && f.status.is_some() && f.nc_error.is_some())
            .then(|| f.com_plus.or(f.order_id).map(str::to_owned))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        use PaymentStatus::*;
        for (code, status) in [
            ("1", Cancelled),
            ("2", Denied),
            ("5", Accepted),
            ("9", Paid),
            ("95", Paid),
            ("41", Waiting),
            ("51", Waiting),
            ("91", Waiting),
            ("0", Error),
            ("52", Waiting),
            ("92", Waiting),
            ("93", Denied),
            ("61", Error),
            ("81", Error),
            ("", Error),
        ] {
            assert_eq!(status_code(code).0, status, "{code}");
        }
    }
}
