//! Amounts on the wire: exact minor units, formatted the way each bank wants.

use polypay_core::{Amount, Currency, Error, Result};

/// The amount in minor units of its currency, refusing zero (a bank form cannot pay nothing).
/// Never rounds: `Amount` cannot hold more fraction digits than its currency allows.
pub(crate) fn minor_units(amount: &Amount) -> Result<u64> {
    if amount.is_zero() {
        return Err(Error::invalid_input("the amount must be greater than zero"));
    }
    Ok(amount.to_minor_units()?)
}

/// Minor units with at least three digits, zero-padded (`0.50` → `050`), as Sips, Paybox and
/// TIPI want them.
pub(crate) fn padded3(units: u64) -> String {
    super::text::padded(units, 3)
}

/// The ISO 4217 numeric code of the amount's currency (`978` for EUR).
pub(crate) fn numeric_code(amount: &Amount) -> Result<u16> {
    amount.currency().numeric().ok_or_else(|| {
        Error::invalid_input(format!(
            "the currency {} has no ISO 4217 numeric code, which this bank needs",
            amount.currency()
        ))
    })
}

/// Checks that the amount is in `expected` (the configured currency of the shop).
pub(crate) fn expect_currency(amount: &Amount, expected: Currency) -> Result<()> {
    if amount.currency().code() == expected.code() {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "this shop is configured for {expected}, not {}",
            amount.currency()
        )))
    }
}

/// The amount a bank reports as minor units and a numeric currency code, if both parse.
///
/// Only ASCII digits are read (surrounding spaces aside): Rust's integer parser would also take
/// a leading `+`, which no bank sends, and a reported amount that is not what the bank writes
/// is not an amount.
pub(crate) fn reported(units: Option<&str>, numeric: Option<&str>) -> Option<Amount> {
    let units: u64 = digits(units?)?.parse().ok()?;
    let currency = Currency::from_numeric(digits(numeric?)?.parse().ok()?)?;
    Amount::from_minor_units(units, currency).ok()
}

/// `text` without surrounding spaces, if what remains is one or more ASCII digits.
fn digits(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let a = Amount::parse("EUR:0.25").unwrap();
        assert_eq!(padded3(minor_units(&a).unwrap()), "025");
        assert_eq!(padded3(1999), "1999");
        assert!(minor_units(&Amount::parse("EUR:0").unwrap()).is_err());
        assert_eq!(numeric_code(&a).unwrap(), 978);
        assert!(expect_currency(&a, Currency::EUR).is_ok());
        assert!(expect_currency(&Amount::parse("USD:1").unwrap(), Currency::EUR).is_err());
        assert_eq!(
            reported(Some("1042"), Some("978")),
            Some(Amount::parse("EUR:10.42").unwrap())
        );
        assert_eq!(reported(Some("x"), Some("978")), None);
        assert_eq!(reported(Some("+1042"), Some("978")), None);
        assert_eq!(reported(Some("1042"), Some("+978")), None);
        assert_eq!(reported(Some(""), Some("978")), None);
    }
}
