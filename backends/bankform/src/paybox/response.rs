//! Reading the Paybox return (browser) and notification (IPN to PBX_REPONDRE_A).

use polypay_core::{
    Error, Incoming, PaymentResponse, PaymentStatus, Result, ReturnContent, Timestamp,
};

use super::Paybox;
use super::signature;
use crate::common::money;
use crate::common::received::Received;
use crate::common::text;
use crate::common::time;

/// The status and English text of an `erreur` code (spec §3.4, polypay column).
pub(crate) fn error_code(code: &str) -> (PaymentStatus, String) {
    use PaymentStatus::*;
    if let Some(cb) = code.strip_prefix("001")
        && cb.len() == 2
    {
        let status = match cb {
            "00" => Paid,
            "05" => Denied,
            "17" => Cancelled,
            _ => Error,
        };
        return (
            status,
            format!("payment refused by the authorisation centre (CB code {cb})"),
        );
    }
    let (status, text) = match code {
        "00000" => (Paid, "payment done"),
        "00001" => (Cancelled, "request cancelled by the user"),
        "00003" => (Error, "Paybox error: retry on the backup site"),
        "00004" => (Error, "invalid card number or security code"),
        "00006" => (Error, "access refused or wrong site, rank or identifier"),
        "00008" => (Error, "wrong expiry date"),
        "00009" => (Error, "subscription creation error"),
        "00010" => (Error, "unknown currency"),
        "00011" => (Error, "wrong amount"),
        "00015" => (Error, "payment already done"),
        "00016" => (Error, "subscriber already exists"),
        "00021" => (Denied, "card not authorised"),
        "00029" => (Error, "card not compliant"),
        "00030" => (
            Expired,
            "the buyer waited more than 15 minutes on the payment page",
        ),
        "00031" | "00032" => (Error, "reserved"),
        "00033" => (
            Denied,
            "the country of the buyer's IP address is not authorised",
        ),
        "00040" => (Denied, "no 3-D Secure authentication, blocked by a filter"),
        "99999" => (Waiting, "pending validation by the card issuer"),
        _ => (Error, "unknown error code"),
    };
    (status, text.to_owned())
}

impl Paybox {
    /// Whether the return's signature is Paybox's: over the raw text before `&signature=`
    /// first, then over eopayment's re-encoding of the values (D14).
    fn verify(&self, r: &Received<'_>) -> bool {
        let Some(sig) = r.get("signature").and_then(signature::decode_signature) else {
            return false;
        };
        let raw = r.raw.find("&signature=").and_then(|pos| r.raw.get(..pos));
        if let Some(raw) = raw
            && self.public_key.verify(raw.as_bytes(), &sig)
        {
            return true;
        }
        let reencoded = signature::reencoded(r.iter().take_while(|(n, _)| *n != "signature"));
        // The same text again would give the same answer: skip the second RSA operation.
        raw != Some(reencoded.as_str()) && self.public_key.verify(reencoded.as_bytes(), &sig)
    }

    /// `date_transaction` + `heure_transaction`: `YYYYMMDD` when that is a valid date, else the
    /// manual's `DDMMYYYY`; in the configured zone.
    fn date(&self, r: &Received<'_>) -> Option<Timestamp> {
        let (d, t) = (r.get("date_transaction")?, r.get("heure_transaction")?);
        let text = format!("{d} {t}");
        time::parse_civil(&text, "%Y%m%d %H:%M:%S", &self.timezone)
            .or_else(|| time::parse_civil(&text, "%d%m%Y %H:%M:%S", &self.timezone))
    }

    /// Parses and verifies a return.
    pub(crate) fn parse_response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        let r = Received::parse(incoming)?;
        let code = r.require("erreur", "paybox")?;
        let reference = r.require("reference", "paybox")?;
        if r.get("signature").is_some() && r.last_name() != Some("signature") {
            return Err(Error::malformed(
                "the Paybox signature must be the last variable",
            ));
        }
        let verified = self.verify(&r);
        let (status, text) = error_code(code);
        let mut resp = PaymentResponse::with_verification(status, verified);
        resp.order_id = Some(reference.to_owned());
        resp.transaction_id = r
            .get("numero_transaction")
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        resp.amount = money::reported(r.get("montant"), Some(&self.config.devise));
        resp.bank_status = Some(text::concat(&[code, ": ", &text]));
        resp.test = self.config.platform != super::Platform::Prod;
        resp.transaction_date = self.date(&r);
        resp.bank_data = r.into_bank_data();
        // The IPN needs an HTTP 200; an empty body is fine.
        resp.return_content = Some(ReturnContent::text(""));
        Ok(resp)
    }

    /// Whether a return looks like a Paybox one, and its id.
    pub(crate) fn guess_id(incoming: &Incoming) -> Option<String> {
        let r = Received::parse(incoming).ok()?;
        r.has_all(&["erreur", "reference"])
            .then(|| r.get("reference").map(str::to_owned))
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(error_code("00000").0, PaymentStatus::Paid);
        assert_eq!(error_code("00105").0, PaymentStatus::Denied);
        assert_eq!(error_code("00117").0, PaymentStatus::Cancelled);
        assert_eq!(error_code("00100").0, PaymentStatus::Paid);
        assert_eq!(error_code("00151").0, PaymentStatus::Error);
        assert_eq!(error_code("00021").0, PaymentStatus::Denied);
        assert_eq!(error_code("00030").0, PaymentStatus::Expired);
        assert_eq!(error_code("99999").0, PaymentStatus::Waiting);
        assert_eq!(error_code("12345").0, PaymentStatus::Error);
        assert_eq!(error_code("001").0, PaymentStatus::Error);
    }
}
