//! Reading the Paypage return (browser POST) and the automatic response (server POST).

use std::ops::Range;

use polypay_core::{
    BankData, Error, Incoming, PaymentResponse, PaymentStatus, Result, ReturnContent, Timestamp,
};

use super::Sips2;
use super::config::{SIMULATION_MERCHANT_ID, SealAlgorithm};
use super::seal;
use crate::common::money;
use crate::common::read_fields::read_fields;
use crate::common::received::Received;
use crate::common::text;
use crate::common::time;

/// The status and English text of a `responseCode` (spec §2.4, polypay column: 05 is denied
/// and 60 waiting, where eopayment says error — D8).
pub(crate) fn response_code(code: &str) -> (PaymentStatus, &'static str) {
    use PaymentStatus::*;
    match code {
        "00" => (Paid, "authorisation accepted"),
        "02" => (
            Denied,
            "authorisation request to be performed via telephone with the issuer (card limit exceeded)",
        ),
        "03" => (Error, "invalid merchant contract"),
        "05" => (Denied, "authorisation refused"),
        "11" => (Denied, "used for differed check (PAN blocked)"),
        "12" => (Error, "invalid transaction"),
        "14" => (Denied, "invalid PAN number or payment means data"),
        "17" => (Cancelled, "buyer cancellation"),
        "24" => (Error, "operation not authorised for the transaction status"),
        "25" => (Error, "transaction unknown"),
        "30" => (Error, "format error"),
        "34" => (Denied, "fraud suspicion"),
        "40" => (Error, "function not supported"),
        "51" => (Denied, "amount too high"),
        "54" => (Denied, "card expired"),
        "60" => (Waiting, "transaction pending"),
        "63" => (Denied, "security rules not observed, transaction stopped"),
        "75" => (
            Denied,
            "number of attempts at entering the card number exceeded",
        ),
        "90" => (Error, "service temporarily unavailable"),
        "94" => (
            Error,
            "duplicated transaction (transactionReference reused)",
        ),
        "97" => (Expired, "time frame exceeded, transaction refused"),
        "99" => (Error, "temporary problem on the Sips server"),
        _ => (Error, "unknown response code"),
    }
}

/// `Data` split on `|`, each piece on its first `=`: the ranges of `data` holding each name
/// and value, in order (empty pieces skipped).
pub(crate) fn split_data(data: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let bytes = data.as_bytes();
    let mut fields = Vec::with_capacity(memchr::memchr_iter(b'|', bytes).count() + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'|', bytes).chain([bytes.len()]) {
        if end > start {
            let piece = bytes.get(start..end).unwrap_or_default();
            fields.push(match memchr::memchr(b'=', piece) {
                Some(e) => (start..start + e, start + e + 1..end),
                None => (start..end, end..end),
            });
        }
        start = end + 1;
    }
    fields
}

/// The fields of `Data` as bank data (one copy of the text, the fields ranges of it). `Data`
/// is sealed as a whole, so a name given twice is not refused here: the seal decides (a field
/// appended to a sealed `Data` breaks it); the last value is the one read, as in `bank_data`.
pub(crate) fn data_fields(data: &str) -> Result<BankData> {
    // `|` and `=` are ASCII: every range is on character boundaries.
    BankData::from_text_ranges(data.to_owned(), &split_data(data))
        .ok_or_else(|| Error::malformed("the Sips Data could not be split"))
}

read_fields! {
    /// The fields of `Data` a return is read by, looked up together.
    Fields {
        reference: "transactionReference",
        response_code: "responseCode",
        capture_mode: "captureMode",
        authorisation_id: "authorisationId",
        amount: "amount",
        currency_code: "currencyCode",
        merchant_id: "merchantId",
        date_time: "transactionDateTime",
    }
}

impl Sips2 {
    /// The status of the `Data` fields.
    fn status(fields: &Fields<'_>) -> (PaymentStatus, String) {
        match fields.response_code {
            None => (PaymentStatus::Error, "no responseCode".into()),
            Some(code) => {
                let (mut status, text) = response_code(code);
                // Authorised, to be captured by `validate`.
                if status == PaymentStatus::Paid && fields.capture_mode == Some("VALIDATION") {
                    status = PaymentStatus::Accepted;
                }
                (status, text::concat(&[code, ": ", text]))
            }
        }
    }

    /// `transactionDateTime`: ISO 8601 with an offset (what Sips sends), else eopayment's
    /// `YYYY-MM-DD HH:MM:SS` in the configured zone.
    fn date(&self, text: &str) -> Option<Timestamp> {
        text.parse::<Timestamp>()
            .ok()
            .or_else(|| time::parse_civil(text, "%Y-%m-%d %H:%M:%S", &self.timezone))
    }

    /// Parses and verifies a return.
    pub(crate) fn parse_response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        let r = Received::parse(incoming)?;
        let data = r.require("Data", "sips2")?;
        let seal = r.require("Seal", "sips2")?;
        r.require("InterfaceVersion", "sips2")?;
        // The return names its algorithm when it is not the default one.
        let algo = match r.get("SealAlgorithm") {
            None | Some("") => self.config.seal_algorithm,
            Some(name) if name.eq_ignore_ascii_case("HMAC-SHA-256") => SealAlgorithm::HmacSha256,
            Some(name) if name.eq_ignore_ascii_case("SHA-256") => SealAlgorithm::Sha256,
            Some(_) => {
                return Err(Error::malformed(
                    "the Sips return names an unknown SealAlgorithm",
                ));
            }
        };
        let verified = seal::verify_paypage(algo, data, self.seal_key(), seal);
        let data = data_fields(data)?;
        let fields = Fields::of(&data);
        let reference = (fields.reference)
            .ok_or_else(|| Error::malformed("the Sips Data has no transactionReference"))?;
        let (status, text) = Self::status(&fields);
        let mut resp = PaymentResponse::with_verification(status, verified);
        resp.order_id = Some(reference.to_owned());
        resp.transaction_id = (fields.authorisation_id)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        resp.amount = money::reported(fields.amount, fields.currency_code);
        resp.bank_status = Some(text);
        resp.test = fields.merchant_id == Some(SIMULATION_MERCHANT_ID)
            || self.config.platform == super::Platform::Test;
        resp.transaction_date = fields.date_time.and_then(|d| self.date(d));
        resp.bank_data = data;
        resp.return_content = Some(ReturnContent::text("OK"));
        Ok(resp)
    }

    /// Whether a return looks like a Sips one, and its id.
    pub(crate) fn guess_id(incoming: &Incoming) -> Option<String> {
        let r = Received::parse(incoming).ok()?;
        if !r.has_all(&["Data", "Seal", "InterfaceVersion"]) {
            return None;
        }
        let data = data_fields(r.get("Data")?).ok()?;
        data.get_str("transactionReference").map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(response_code("05").0, PaymentStatus::Denied);
        assert_eq!(response_code("60").0, PaymentStatus::Waiting);
        assert_eq!(response_code("97").0, PaymentStatus::Expired);
        assert_eq!(response_code("17").0, PaymentStatus::Cancelled);
        assert_eq!(response_code("ZZ").0, PaymentStatus::Error);
        let f = data_fields("a=1|b=x=y||c").unwrap();
        let f: Vec<_> = f.text_fields().collect();
        assert_eq!(f, [("a", Some("1")), ("b", Some("x=y")), ("c", Some(""))]);
        let twice = data_fields("a=1|b=2|a=3").unwrap();
        assert_eq!(twice.get_str("a"), Some("3"));
        assert_eq!(twice.len(), 2);
    }
}
