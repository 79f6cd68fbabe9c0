//! Currencies: an upper-case code and the number of fraction digits an amount may carry.

use std::fmt;
use std::str::FromStr;

use super::iso4217;
use crate::error::AmountError;

/// Longest currency code accepted (GNU Taler's limit).
pub const MAX_CODE_LEN: usize = 11;

/// Fraction digits of a currency that is neither in ISO 4217 nor `BTC`: GNU Taler amounts have
/// a fraction base of 10⁸.
pub const TALER_EXPONENT: u8 = 8;

/// Largest exponent a currency may have: 16 integer digits plus 12 fraction digits fit the
/// 28 significant digits of [`rust_decimal::Decimal`].
pub const MAX_EXPONENT: u8 = 12;

/// A currency: its code and its minor-unit exponent.
///
/// Three families exist:
/// - ISO 4217 currencies (`EUR`: 2 fraction digits, `JPY`: 0, `KWD`: 3), with their numeric code;
/// - `BTC`, with 8 fraction digits (satoshis);
/// - any other code of 1 to 11 letters, as GNU Taler uses (`KUDOS`, `TESTKUDOS`), with 8 fraction
///   digits.
///
/// The value is `Copy`: the code is stored inline.
///
/// ```
/// use polypay_core::Currency;
/// let eur: Currency = "eur".parse()?;
/// assert_eq!(eur.code(), "EUR");
/// assert_eq!(eur.exponent(), 2);
/// assert_eq!(eur.numeric(), Some(978));
/// assert_eq!(Currency::new("KUDOS")?.exponent(), 8);
/// # Ok::<(), polypay_core::AmountError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; MAX_CODE_LEN],
    len: u8,
    exponent: u8,
    numeric: u16,
}

impl Currency {
    /// The euro.
    pub const EUR: Currency = Currency::from_static(b"EUR", 2, 978);
    /// The US dollar.
    pub const USD: Currency = Currency::from_static(b"USD", 2, 840);
    /// Bitcoin, counted in satoshis (8 fraction digits).
    pub const BTC: Currency = Currency::from_static(b"BTC", 8, 0);

    const fn from_static(code: &[u8], exponent: u8, numeric: u16) -> Currency {
        let mut buf = [0u8; MAX_CODE_LEN];
        let mut i = 0;
        while i < code.len() {
            buf[i] = code[i];
            i += 1;
        }
        Currency {
            code: buf,
            len: code.len() as u8,
            exponent,
            numeric,
        }
    }

    /// Looks a code up (case-insensitively): ISO 4217, then `BTC`, then any other code of 1 to
    /// 11 ASCII letters (GNU Taler style, 8 fraction digits).
    pub fn new(code: &str) -> Result<Currency, AmountError> {
        let trimmed = code.trim().as_bytes();
        if trimmed.is_empty() {
            return Err(AmountError::InvalidCurrency {
                code: code.to_owned(),
                reason: "the currency code is empty",
            });
        }
        let letters = |reason| AmountError::InvalidCurrency {
            code: code.to_owned(),
            reason,
        };
        if trimmed.len() > MAX_CODE_LEN || !trimmed.iter().all(u8::is_ascii_alphabetic) {
            return Err(letters("a currency code is 1 to 11 letters A-Z"));
        }
        // Upper-cased on the stack: amounts are parsed on every bank message and plugin reply.
        let mut buf = [0u8; MAX_CODE_LEN];
        for (slot, b) in buf.iter_mut().zip(trimmed) {
            *slot = b.to_ascii_uppercase();
        }
        let upper = buf.get(..trimmed.len()).unwrap_or_default();
        let text = std::str::from_utf8(upper)
            .map_err(|_| letters("a currency code is 1 to 11 letters A-Z"))?;
        if let Some((numeric, exponent)) = iso4217::lookup(text) {
            return Ok(Currency::from_static(upper, exponent, numeric));
        }
        if upper == b"BTC" {
            return Ok(Currency::BTC);
        }
        Ok(Currency::from_static(upper, TALER_EXPONENT, 0))
    }

    /// Creates a currency with an explicit exponent (for a protocol whose unit differs from
    /// the ISO one). The code must still be 1 to 11 letters; the exponent at most 12 (so that every amount fits a 28-digit decimal).
    pub fn with_exponent(code: &str, exponent: u8) -> Result<Currency, AmountError> {
        if exponent > MAX_EXPONENT {
            return Err(AmountError::InvalidCurrency {
                code: code.to_owned(),
                reason: "a currency has at most 12 fraction digits",
            });
        }
        let base = Currency::new(code)?;
        Ok(Currency { exponent, ..base })
    }

    /// The upper-case code (`EUR`, `BTC`, `KUDOS`).
    pub fn code(&self) -> &str {
        // The constructor only stores ASCII letters.
        std::str::from_utf8(&self.code[..self.len as usize]).unwrap_or("???")
    }

    /// Number of fraction digits of the minor unit (2 for cents, 8 for satoshis).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// The ISO 4217 numeric code (`978` for `EUR`), when the currency has one.
    pub fn numeric(&self) -> Option<u16> {
        (self.numeric != 0).then_some(self.numeric)
    }

    /// Whether the code is in the ISO 4217 table.
    pub fn is_iso(&self) -> bool {
        self.numeric != 0
    }

    /// Finds an ISO 4217 currency by its numeric code (`978` → `EUR`).
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        iso4217::TABLE
            .iter()
            .find(|(_, n, _)| *n == numeric)
            .map(|(code, n, e)| Currency::from_static(code.as_bytes(), *e, *n))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(e{})", self.code(), self.exponent)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Za-z]{1,11}$",
            "description": "ISO 4217 code (EUR), BTC, or a GNU Taler currency (KUDOS)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(Currency::new("eur").unwrap(), Currency::EUR);
        assert_eq!(Currency::new("BTC").unwrap().exponent(), 8);
        assert!(!Currency::BTC.is_iso());
        let kudos = Currency::new("TESTKUDOS").unwrap();
        assert_eq!(
            (kudos.code(), kudos.exponent(), kudos.numeric()),
            ("TESTKUDOS", 8, None)
        );
        assert_eq!(Currency::from_numeric(978), Some(Currency::EUR));
        assert_eq!(Currency::from_numeric(1), None);
    }

    #[test]
    fn rejects_bad_codes() {
        for bad in ["", "EU1", "TOOLONGCODEXX", "E-R", "€"] {
            assert!(Currency::new(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Currency::with_exponent("EUR", 19).is_err());
        assert_eq!(Currency::with_exponent("EUR", 3).unwrap().exponent(), 3);
    }
}
