//! Messages of the dummy protocol: ordered `name=value` fields, how they are read from an
//! [`Incoming`] or from stored bank data, and what their values mean.

use std::collections::HashSet;

use polypay_core::{Amount, Currency, Error, Incoming, PaymentStatus, Result, Secret, Timestamp};

use crate::signature::{self, SIG};

/// Field names of the wire protocol.
pub(crate) mod names {
    pub const TRANSACTION_ID: &str = "transaction_id";
    pub const AMOUNT: &str = "amount";
    pub const CURRENCY: &str = "currency";
    pub const RESULT: &str = "result";
    pub const OK: &str = "ok";
    pub const WAITING: &str = "waiting";
    pub const REASON: &str = "reason";
    pub const SIGNED: &str = "signed";
    pub const TEST: &str = "test";
    pub const DATE: &str = "date";
    pub const CAPTURE_DEADLINE: &str = "capture_deadline";
    pub const REFUNDED_AMOUNT: &str = "refunded_amount";
}
use names::*;

/// The currency of eopayment's dummy, whose messages name none.
const DEFAULT_CURRENCY: Currency = Currency::EUR;

/// The fields of one message, in order, each name at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// Fields from decoded pairs; a name given twice is [`Error::Malformed`] (which of two
    /// values was signed, and which one a reader would use, must never be ambiguous).
    /// Linear in the number of fields: a huge hostile query must not cost quadratic time.
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Result<Fields> {
        let mut seen = HashSet::with_capacity(pairs.len());
        for (name, _) in &pairs {
            if !seen.insert(name.as_str()) {
                let shown: String = name.chars().take(40).collect();
                return Err(Error::malformed(format!(
                    "the parameter {shown:?} is given twice"
                )));
            }
        }
        Ok(Fields(pairs))
    }

    /// The raw query string's fields, then the form body's.
    pub(crate) fn from_incoming(incoming: &Incoming) -> Result<Fields> {
        let mut pairs = incoming.query_params()?;
        pairs.extend(incoming.body_params()?);
        Fields::from_pairs(pairs)
    }

    /// Fields from stored bank data, whose values must all be strings.
    pub(crate) fn from_bank_data(
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Fields> {
        let mut pairs = Vec::with_capacity(data.len());
        for (name, value) in data {
            let serde_json::Value::String(value) = value else {
                return Err(Error::invalid_input(format!(
                    "the dummy bank data field {name:?} is not a string"
                )));
            };
            pairs.push((name.clone(), value.clone()));
        }
        Fields::from_pairs(pairs)
    }

    /// Appends a field (callers never repeat a name).
    pub(crate) fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }

    /// The value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present (with any value, even empty).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// The pairs as borrowed strings.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// A copy without `name`.
    pub(crate) fn without(&self, name: &str) -> Fields {
        Fields(self.0.iter().filter(|(n, _)| n != name).cloned().collect())
    }

    /// Sets `name` (replacing its value in place, or appending it).
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// Appends the signature when there is a secret (any previous `sig` removed first).
    pub(crate) fn sealed(self, secret: Option<&Secret>) -> Fields {
        let mut fields = self.without(SIG);
        if let Some(secret) = secret {
            let sig = signature::sign(secret, fields.iter());
            fields.push(SIG, sig);
        }
        fields
    }

    /// The fields as a JSON map of strings (a response's `bank_data`).
    pub(crate) fn to_bank_data(&self) -> polypay_core::BankData {
        let bytes = self.0.iter().map(|(n, v)| n.len() + v.len()).sum();
        let mut data = polypay_core::BankData::with_capacity(self.0.len(), bytes);
        for (n, v) in &self.0 {
            data.insert_str(n, v);
        }
        data
    }

    /// The fields form-urlencoded, in order.
    pub(crate) fn to_query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.iter())
            .finish()
    }

    /// The transaction id, which every message must carry.
    pub(crate) fn transaction_id(&self) -> Result<&str> {
        match self.get(TRANSACTION_ID) {
            Some(id) if !id.is_empty() => Ok(id),
            _ => Err(Error::malformed("the dummy message has no transaction_id")),
        }
    }

    /// What the message says happened: `result` when present (an unknown value is `Waiting`,
    /// never paid), else eopayment's rule (`waiting` → waiting, `ok` → paid, else error).
    pub(crate) fn status(&self) -> PaymentStatus {
        if let Some(result) = self.get(RESULT) {
            return PaymentStatus::from_name(result).unwrap_or(PaymentStatus::Waiting);
        }
        if self.has(WAITING) {
            PaymentStatus::Waiting
        } else if self.has(OK) {
            PaymentStatus::Paid
        } else {
            PaymentStatus::Error
        }
    }

    /// The currency named by `currency`, else EUR (eopayment's dummy names none).
    pub(crate) fn currency(&self) -> Result<Currency> {
        match self.get(CURRENCY) {
            Some(code) => {
                Currency::new(code).map_err(|e| Error::malformed(format!("currency: {e}")))
            }
            None => Ok(DEFAULT_CURRENCY),
        }
    }

    /// An amount field (`amount`, `refunded_amount`) in the message's currency.
    pub(crate) fn amount_field(&self, name: &str) -> Result<Option<Amount>> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        let currency = self.currency()?;
        Amount::parse_in(text, currency)
            .map(Some)
            .map_err(|e| Error::malformed(format!("{name}: {e}")))
    }

    /// A date field (`date`, `capture_deadline`), RFC 3339.
    pub(crate) fn date_field(&self, name: &str) -> Result<Option<Timestamp>> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        text.parse::<Timestamp>()
            .map(Some)
            .map_err(|_| Error::malformed(format!("{name}: {text:?} is not an RFC 3339 date")))
    }

    /// The human-readable status: `reason`, else `result`.
    pub(crate) fn bank_status(&self) -> Option<String> {
        self.get(REASON)
            .or_else(|| self.get(RESULT))
            .map(str::to_owned)
    }
}

/// The wire value of `result` for a status.
pub(crate) fn result_name(status: PaymentStatus) -> &'static str {
    status.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(q: &str) -> Result<Fields> {
        Fields::from_incoming(&Incoming::get(q))
    }

    #[test]
    fn duplicates_are_malformed_across_query_and_body() {
        assert!(matches!(fields("a=1&a=2"), Err(Error::Malformed(_))));
        let mut inc = Incoming::post_form("a=2");
        inc.query = "a=1".into();
        assert!(matches!(
            Fields::from_incoming(&inc),
            Err(Error::Malformed(_))
        ));
        inc.body = b"b=2".to_vec();
        assert_eq!(Fields::from_incoming(&inc).unwrap().get("b"), Some("2"));
    }

    #[test]
    fn status_rules() {
        let st = |q: &str| fields(q).unwrap().status();
        assert_eq!(st("result=paid"), PaymentStatus::Paid);
        assert_eq!(st("result=accepted"), PaymentStatus::Accepted);
        assert_eq!(st("result=canceled"), PaymentStatus::Cancelled);
        assert_eq!(
            st("result=PAID"),
            PaymentStatus::Waiting,
            "unknown is never paid"
        );
        assert_eq!(
            st("result=bogus&ok=1"),
            PaymentStatus::Waiting,
            "result wins over ok"
        );
        assert_eq!(st("ok=1"), PaymentStatus::Paid);
        assert_eq!(st("ok=1&waiting=1"), PaymentStatus::Waiting);
        assert_eq!(st("transaction_id=x"), PaymentStatus::Error);
    }

    #[test]
    fn amounts_and_dates() {
        let f = fields("amount=10.5&currency=usd&date=2024-05-01T10:00:00Z").unwrap();
        assert_eq!(
            f.amount_field(AMOUNT).unwrap(),
            Some(Amount::parse("USD:10.50").unwrap())
        );
        assert_eq!(
            f.date_field(DATE).unwrap().unwrap().to_string(),
            "2024-05-01T10:00:00Z"
        );
        let eur = fields("amount=3").unwrap();
        assert_eq!(
            eur.amount_field(AMOUNT).unwrap(),
            Some(Amount::parse("EUR:3").unwrap())
        );
        assert!(
            fields("amount=1.001")
                .unwrap()
                .amount_field(AMOUNT)
                .is_err()
        );
        assert!(fields("amount=-1").unwrap().amount_field(AMOUNT).is_err());
        assert!(
            fields("amount=1&currency=E1")
                .unwrap()
                .amount_field(AMOUNT)
                .is_err()
        );
        assert!(fields("date=yesterday").unwrap().date_field(DATE).is_err());
        assert!(fields("transaction_id=").unwrap().transaction_id().is_err());
    }

    #[test]
    fn bank_data_round_trip_and_sealing() {
        let secret = Secret::new("s");
        let mut f = Fields::default();
        f.push(TRANSACTION_ID, "t");
        f.push(RESULT, "paid");
        let sealed = f.clone().sealed(Some(&secret));
        assert!(signature::verify(&secret, sealed.iter()));
        let back = Fields::from_bank_data(&sealed.to_bank_data()).unwrap();
        assert_eq!(back, sealed);
        assert_eq!(f.clone().sealed(None), f);
        let mut data = sealed.to_bank_data();
        data.insert("n".into(), serde_json::json!(1));
        assert!(Fields::from_bank_data(&data).is_err());
        let q = sealed.to_query();
        assert_eq!(fields(&q).unwrap(), sealed);
    }
}
