//! Exact amounts of money.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::Currency;
use crate::error::AmountError;

/// Largest integer part of an amount: 2⁵², GNU Taler's limit, far above any real payment.
pub const MAX_INTEGER_PART: u64 = 1 << 52;

/// An exact, non-negative amount of money in one currency.
///
/// Invariants, checked by every constructor:
/// - the value is not negative;
/// - it has no more fraction digits than the currency's exponent (`10.001 EUR` is refused,
///   never rounded; `10.000 EUR` is accepted because no digit is lost);
/// - its integer part is at most 2⁵².
///
/// Accepted text forms: `10.00` (with a default currency), `10.00 EUR`, `EUR 10.00`,
/// `EUR:10.00` (GNU Taler). Signs, exponents, `NaN`, `inf`, empty sides of the dot (`1.`, `.5`)
/// and thousands separators are refused with a clear [`AmountError`].
///
/// ```
/// use polypay_core::{Amount, Currency};
/// let a: Amount = "EUR:10.50".parse()?;
/// assert_eq!(a.to_minor_units()?, 1050);
/// assert_eq!(a.to_string(), "10.50 EUR");
/// assert_eq!(a.to_taler_string(), "EUR:10.50");
/// assert_eq!(Amount::parse_in("10.5", Currency::EUR)?, a);
/// assert!(Amount::parse_in("10.505", Currency::EUR).is_err()); // never rounded
/// assert_eq!(Amount::from_minor_units(1050, Currency::EUR)?, a);
/// # Ok::<(), polypay_core::AmountError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    value: Decimal,
    currency: Currency,
}

impl Amount {
    /// Builds an amount from an exact decimal value, checking the invariants.
    pub fn new(value: Decimal, currency: Currency) -> Result<Amount, AmountError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(AmountError::Negative {
                text: value.to_string(),
            });
        }
        let mut value = value.normalize();
        if value.scale() > u32::from(currency.exponent()) {
            return Err(AmountError::TooPrecise {
                text: value.to_string(),
                currency: currency.code().to_owned(),
                allowed: currency.exponent(),
            });
        }
        if value.trunc() > Decimal::from(MAX_INTEGER_PART) {
            return Err(AmountError::Overflow {
                text: value.to_string(),
            });
        }
        // Store with the currency's scale so that equal amounts are equal field by field and
        // format with the right number of digits.
        value.rescale(u32::from(currency.exponent()));
        Ok(Amount { value, currency })
    }

    /// The zero amount of a currency.
    pub fn zero(currency: Currency) -> Amount {
        let mut value = Decimal::ZERO;
        value.rescale(u32::from(currency.exponent()));
        Amount { value, currency }
    }

    /// Parses text that must name its currency (`10.00 EUR`, `EUR 10.00`, `EUR:10.00`).
    pub fn parse(text: &str) -> Result<Amount, AmountError> {
        Self::parse_with_default(text, None)
    }

    /// Parses a bare value (`10.00`) in `currency`; text that names a currency must name this one.
    pub fn parse_in(text: &str, currency: Currency) -> Result<Amount, AmountError> {
        let amount = Self::parse_with_default(text, Some(currency))?;
        // A bare value was built in `currency` itself: nothing to redo.
        if amount.currency == currency {
            return Ok(amount);
        }
        if amount.currency.code() != currency.code() {
            return Err(AmountError::CurrencyMismatch {
                expected: currency.code().to_owned(),
                found: amount.currency.code().to_owned(),
            });
        }
        // A named currency parses to its default exponent; keep the caller's.
        Amount::new(amount.value, currency)
    }

    /// Parses any accepted form; a bare value takes `default`, or fails when it is `None`.
    pub fn parse_with_default(
        text: &str,
        default: Option<Currency>,
    ) -> Result<Amount, AmountError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(AmountError::Empty);
        }
        let (value_text, currency) = if let Some((cur, val)) = trimmed.split_once(':') {
            (val, Currency::new(cur)?)
        } else if let Some((left, right)) = trimmed.split_once(char::is_whitespace) {
            let (left, right) = (left.trim(), right.trim());
            if left.bytes().all(|b| b.is_ascii_alphabetic()) {
                (right, Currency::new(left)?)
            } else {
                (left, Currency::new(right)?)
            }
        } else {
            match default {
                Some(c) => (trimmed, c),
                None => {
                    return Err(AmountError::MissingCurrency {
                        text: text.to_owned(),
                    });
                }
            }
        };
        let value = parse_decimal(value_text)?;
        Amount::new(value, currency)
    }

    /// Builds an amount from integer minor units (`1050` cents → `10.50 EUR`).
    pub fn from_minor_units(units: u64, currency: Currency) -> Result<Amount, AmountError> {
        let exponent = u32::from(currency.exponent());
        let value = Decimal::from_i128_with_scale(i128::from(units), exponent);
        // Never negative and already at the currency's scale (what `Amount::new` would make
        // of it): only the size is left to check, in integers.
        let integer_part = 10u64.checked_pow(exponent).map_or(0, |p| units / p);
        if integer_part > MAX_INTEGER_PART {
            return Err(AmountError::Overflow {
                text: value.to_string(),
            });
        }
        Ok(Amount { value, currency })
    }

    /// The exact value.
    pub fn value(&self) -> Decimal {
        self.value
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.value.is_zero()
    }

    /// The amount in minor units of its currency (cents, satoshis). Exact by construction; fails
    /// only when the count does not fit a `u64`.
    pub fn to_minor_units(&self) -> Result<u64, AmountError> {
        self.to_units_with_exponent(self.currency.exponent())
    }

    /// The amount counted in units of 10^-`exponent`, for a protocol whose unit is not the
    /// currency's minor unit. Fails, instead of rounding, when digits would be lost.
    pub fn to_units_with_exponent(&self, exponent: u8) -> Result<u64, AmountError> {
        // On the decimal's integer mantissa and scale (value = mantissa · 10^-scale): a
        // multiplication or an exact division by a power of ten, no decimal arithmetic.
        let exponent = u32::from(exponent.min(19));
        let (mantissa, scale) = (self.value.mantissa(), self.value.scale());
        let overflow = || AmountError::Overflow {
            text: self.to_string(),
        };
        let units = if exponent >= scale {
            10i128
                .checked_pow(exponent - scale)
                .and_then(|p| mantissa.checked_mul(p))
                .ok_or_else(overflow)?
        } else {
            // The scale is at most 28: the power fits.
            let p = 10i128.checked_pow(scale - exponent).ok_or_else(overflow)?;
            if mantissa % p != 0 {
                return Err(AmountError::TooPrecise {
                    text: self.value.to_string(),
                    currency: self.currency.code().to_owned(),
                    allowed: exponent as u8,
                });
            }
            mantissa / p
        };
        u64::try_from(units).map_err(|_| overflow())
    }

    /// The value with exactly the currency's number of fraction digits (`10.50`), no currency.
    pub fn value_string(&self) -> String {
        self.value.to_string()
    }

    /// GNU Taler's `CUR:VAL` form (`EUR:10.50`).
    pub fn to_taler_string(&self) -> String {
        format!("{}:{}", self.currency, self.value)
    }

    /// Adds two amounts of the same currency.
    pub fn checked_add(&self, other: &Amount) -> Result<Amount, AmountError> {
        self.same_currency(other)?;
        let sum = self
            .value
            .checked_add(other.value)
            .ok_or_else(|| AmountError::Overflow {
                text: format!("{self} + {other}"),
            })?;
        Amount::new(sum, self.currency)
    }

    /// Subtracts an amount of the same currency; a negative result is an error.
    pub fn checked_sub(&self, other: &Amount) -> Result<Amount, AmountError> {
        self.same_currency(other)?;
        Amount::new(self.value - other.value, self.currency)
    }

    fn same_currency(&self, other: &Amount) -> Result<(), AmountError> {
        if self.currency.code() == other.currency.code() {
            Ok(())
        } else {
            Err(AmountError::CurrencyMismatch {
                expected: self.currency.code().to_owned(),
                found: other.currency.code().to_owned(),
            })
        }
    }
}

/// Parses `digits[.digits]` exactly. No sign, no exponent, no empty side of the dot.
fn parse_decimal(text: &str) -> Result<Decimal, AmountError> {
    let owned = || text.to_owned();
    if text.starts_with('-') {
        return Err(AmountError::Negative { text: owned() });
    }
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(int) || frac.is_some_and(|f| !digits_only(f)) {
        return Err(AmountError::NotANumber { text: owned() });
    }
    let int = int.trim_start_matches('0');
    let frac = frac.unwrap_or("").trim_end_matches('0');
    if int.len() > 16 {
        return Err(AmountError::Overflow { text: owned() });
    }
    if frac.len() > usize::from(super::currency::MAX_EXPONENT) {
        return Err(AmountError::TooPrecise {
            text: owned(),
            currency: String::new(),
            allowed: super::currency::MAX_EXPONENT,
        });
    }
    // At most 16 + 12 digits (checked above): the mantissa fits an i128 with room to spare.
    let mut mantissa: i128 = 0;
    for digit in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(digit - b'0')))
            .ok_or_else(|| AmountError::Overflow { text: owned() })?;
    }
    Decimal::try_from_i128_with_scale(mantissa, frac.len() as u32)
        .map_err(|_| AmountError::Overflow { text: owned() })
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({} {})", self.value, self.currency)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.currency)
    }
}

impl FromStr for Amount {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Amount::parse(s)
    }
}

/// Amounts of the same currency are ordered; amounts of different currencies are not comparable.
impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        (self.currency.code() == other.currency.code()).then(|| self.value.cmp(&other.value))
    }
}

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_taler_string())
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Amount::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Amount {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Amount".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An exact amount with its currency: EUR:10.00 or 10.00 EUR",
            "examples": ["EUR:10.00"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(s: &str) -> Result<Amount, AmountError> {
        Amount::parse_in(s, Currency::EUR)
    }

    #[test]
    fn accepted_forms() {
        let ten = eur("10.00").unwrap();
        for text in [
            "10",
            "10.0",
            "10.00",
            "10.000",
            " 10.00 ",
            "010.00",
            "10.00 EUR",
            "EUR 10",
            "eur:10.00",
        ] {
            assert_eq!(eur(text).unwrap(), ten, "{text:?}");
        }
        assert_eq!(
            Amount::parse("EUR:10.5").unwrap(),
            Amount::parse("10.50 EUR").unwrap()
        );
        assert_eq!(
            Amount::parse("JPY:100").unwrap().to_minor_units().unwrap(),
            100
        );
        assert_eq!(
            Amount::parse("KWD:1.234")
                .unwrap()
                .to_minor_units()
                .unwrap(),
            1234
        );
        assert_eq!(
            Amount::parse("BTC:0.00000001")
                .unwrap()
                .to_minor_units()
                .unwrap(),
            1
        );
        assert_eq!(
            Amount::parse("KUDOS:5").unwrap().to_taler_string(),
            "KUDOS:5.00000000"
        );
    }

    #[test]
    #[allow(clippy::type_complexity)] // a table of (input, predicate) pairs reads best inline
    fn rejected_forms_with_clear_errors() {
        let cases: &[(&str, fn(&AmountError) -> bool)] = &[
            ("-1", |e| matches!(e, AmountError::Negative { .. })),
            ("EUR:-1.00", |e| matches!(e, AmountError::Negative { .. })),
            ("NaN", |e| matches!(e, AmountError::NotANumber { .. })),
            ("inf", |e| matches!(e, AmountError::NotANumber { .. })),
            ("1e3", |e| matches!(e, AmountError::NotANumber { .. })),
            ("1.", |e| matches!(e, AmountError::NotANumber { .. })),
            (".5", |e| matches!(e, AmountError::NotANumber { .. })),
            ("1,000.00", |e| matches!(e, AmountError::NotANumber { .. })),
            ("+1", |e| matches!(e, AmountError::NotANumber { .. })),
            ("", |e| matches!(e, AmountError::Empty)),
            ("10.001", |e| matches!(e, AmountError::TooPrecise { .. })),
            ("0.285", |e| matches!(e, AmountError::TooPrecise { .. })),
            ("4503599627370497", |e| {
                matches!(e, AmountError::Overflow { .. })
            }),
            ("99999999999999999999999999999999", |e| {
                matches!(e, AmountError::Overflow { .. })
            }),
            ("10.00 USD", |e| {
                matches!(e, AmountError::CurrencyMismatch { .. })
            }),
            ("A:B:1.5", |e| {
                matches!(
                    e,
                    AmountError::InvalidCurrency { .. } | AmountError::NotANumber { .. }
                )
            }),
        ];
        for (text, check) in cases {
            let err = eur(text).expect_err(text);
            assert!(check(&err), "{text:?} gave {err:?}");
            assert!(!err.to_string().is_empty());
        }
        assert!(matches!(
            Amount::parse("10.00"),
            Err(AmountError::MissingCurrency { .. })
        ));
        assert!(matches!(
            Amount::parse("JPY:1.5"),
            Err(AmountError::TooPrecise { .. })
        ));
    }

    #[test]
    fn taler_limits() {
        assert!(Amount::parse("EUR:4503599627370496").is_ok());
        assert!(Amount::parse("EUR:4503599627370501.0").is_err());
    }

    #[test]
    fn arithmetic_and_ordering() {
        let a = eur("10.00").unwrap();
        let b = eur("2.50").unwrap();
        assert_eq!(a.checked_sub(&b).unwrap(), eur("7.5").unwrap());
        assert_eq!(a.checked_add(&b).unwrap(), eur("12.50").unwrap());
        assert!(b.checked_sub(&a).is_err());
        assert!(a > b);
        let usd = Amount::parse("USD:1").unwrap();
        assert_eq!(a.partial_cmp(&usd), None);
        assert!(a.checked_add(&usd).is_err());
    }

    #[test]
    fn protocol_units_never_round() {
        let a = eur("19.99").unwrap();
        assert_eq!(a.to_units_with_exponent(2).unwrap(), 1999);
        assert_eq!(a.to_units_with_exponent(3).unwrap(), 19990);
        assert!(a.to_units_with_exponent(1).is_err());
        assert!(a.to_units_with_exponent(0).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let a = eur("10.5").unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"EUR:10.50\"");
        assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), a);
        assert!(serde_json::from_str::<Amount>("\"-1 EUR\"").is_err());
    }
}
