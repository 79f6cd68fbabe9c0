//! GNU Taler amounts (`CUR:VAL`) to and from polypay's exact [`Amount`].
//!
//! **Precision policy.** A Taler amount has up to 8 fraction digits whatever its currency; a
//! polypay amount has exactly its currency's minor-unit exponent (ISO 4217: 2 for `EUR`; 8 for
//! non-ISO Taler currencies such as `KUDOS`). Going out, every polypay amount fits. Coming back,
//! an amount is parsed exactly: trailing zeros are dropped (`EUR:10.50000000` is 10.50 EUR),
//! but a value with more significant digits than the currency's exponent (`EUR:0.001`, which a
//! refund made in the back office may carry) is refused with [`Error::Malformed`] naming the
//! field — never rounded. Amounts polypay does not type (deposit totals net of fees, wire
//! details) stay verbatim as text in `bank_data`.

use polypay_core::{Amount, AmountError, Error, MAX_INTEGER_PART, Result};

/// Fraction digits of a Taler amount.
pub(crate) const TALER_FRACTION_DIGITS: u32 = 8;

/// `amount` as Taler's `CUR:VAL` (`EUR:10.50`, `KUDOS:5.00000000`).
///
/// Fails only for a currency built with more than 8 fraction digits whose value uses them.
pub(crate) fn to_taler(amount: &Amount) -> Result<String> {
    if u32::from(amount.currency().exponent()) <= TALER_FRACTION_DIGITS {
        return Ok(amount.to_taler_string());
    }
    let value = amount.value().normalize();
    if value.scale() > TALER_FRACTION_DIGITS {
        return Err(Error::InvalidAmount(AmountError::TooPrecise {
            text: value.to_string(),
            currency: amount.currency().code().to_owned(),
            allowed: 8,
        }));
    }
    Ok(format!("{}:{value}", amount.currency()))
}

/// Whether `text` follows Taler's amount grammar: 1 to 11 letters, `:`, digits with at most 8
/// fraction digits and no empty side of the dot, an integer part of at most 2⁵².
pub(crate) fn is_taler_amount(text: &str) -> bool {
    let Some((currency, value)) = text.split_once(':') else {
        return false;
    };
    let letters =
        |s: &str| !s.is_empty() && s.len() <= 11 && s.bytes().all(|b| b.is_ascii_alphabetic());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = match value.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (value, None),
    };
    letters(currency)
        && digits(int)
        && frac.is_none_or(|f| digits(f) && f.len() <= TALER_FRACTION_DIGITS as usize)
        && int
            .trim_start_matches('0')
            .parse::<u64>()
            .map_or(int.trim_start_matches('0').is_empty(), |n| {
                n <= MAX_INTEGER_PART
            })
}

/// Parses an amount the backend reported in `field`, exactly (see the module's policy).
pub(crate) fn from_taler(text: &str, field: &str) -> Result<Amount> {
    if !is_taler_amount(text) {
        return Err(Error::malformed(format!(
            "the merchant backend reported {field} = {text:?}, which is not a Taler amount"
        )));
    }
    Amount::parse(text).map_err(|e| match e {
        AmountError::TooPrecise {
            currency, allowed, ..
        } => Error::malformed(format!(
            "the merchant backend reported {field} = {text}, which has more fraction digits \
             than {currency} has ({allowed}); polypay never rounds, see bank_data for the raw value"
        )),
        other => Error::malformed(format!(
            "the merchant backend reported {field} = {text:?}: {other}"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::Currency;

    #[test]
    fn out_is_exact() {
        let eur = Amount::parse("EUR:10.5").unwrap();
        assert_eq!(to_taler(&eur).unwrap(), "EUR:10.50");
        let kudos = Amount::parse("KUDOS:5").unwrap();
        assert_eq!(to_taler(&kudos).unwrap(), "KUDOS:5.00000000");
        let wide = Currency::with_exponent("EUR", 12).unwrap();
        let ok = Amount::parse_in("1.5", wide).unwrap();
        assert_eq!(to_taler(&ok).unwrap(), "EUR:1.5");
        let too_fine = Amount::parse_in("1.000000001", wide).unwrap();
        assert!(to_taler(&too_fine).is_err());
    }

    #[test]
    fn grammar() {
        for ok in [
            "EUR:1.50",
            "EUR:10",
            "KUDOS:0.00000001",
            "EUR:4503599627370496",
            "eur:1",
        ] {
            assert!(is_taler_amount(ok), "{ok}");
        }
        for bad in [
            "EUR:1.",
            "EUR:.1",
            "A:B:1.5",
            "EUR:4503599627370501.0",
            "EUR",
            ":1",
            "EUR:1.123456789",
            "TOOLONGCURRENCY:1",
            "EUR:-1",
            "EUR:1e3",
            "EUR: 1",
            "E1:1",
        ] {
            assert!(!is_taler_amount(bad), "{bad}");
        }
    }

    #[test]
    fn in_is_exact_or_refused() {
        assert_eq!(
            from_taler("EUR:10.50000000", "amount").unwrap(),
            Amount::parse("EUR:10.50").unwrap()
        );
        assert_eq!(
            from_taler("KUDOS:5", "amount").unwrap().to_taler_string(),
            "KUDOS:5.00000000"
        );
        let err = from_taler("EUR:0.001", "refund_amount").unwrap_err();
        assert!(matches!(err, Error::Malformed(_)));
        assert!(
            err.to_string().contains("refund_amount") && err.to_string().contains("never rounds")
        );
        assert!(from_taler("EUR:1.", "amount").is_err());
    }
}
