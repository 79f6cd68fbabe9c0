//! Exact conversions between satoshis, BTC text and fiat amounts. No floating point anywhere.
//!
//! **Fiat to satoshis.** `sats = ⌈ amount × 10⁸ / rate ⌉`, computed on integers: the amount
//! and the rate are read as exact decimals and the quotient is rounded **up** to the next
//! satoshi, so that the merchant is never paid less than the fiat amount at the locked rate
//! (the customer pays at most one satoshi more). This is the only rounding polypay does, and
//! it is forced: a fiat amount is rarely a whole number of satoshis.

use polypay_core::{Amount, Currency};
use rust_decimal::Decimal;

/// Satoshis in one bitcoin.
pub const SAT_PER_BTC: u64 = 100_000_000;

/// The most satoshis there will ever be (21 million BTC): anything above is nonsense.
pub const MAX_SAT: u64 = 21_000_000 * SAT_PER_BTC;

/// The smallest output a node relays to a P2WPKH address (its dust limit at the default
/// dust relay fee): a payment asking for less could not be sent.
pub const DUST_LIMIT_SAT: u64 = 294;

/// Reads a rate (price of one BTC): digits with an optional fraction, greater than zero.
pub(crate) fn parse_rate(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (t.contains('.') && !digits(frac)) {
        return Err(format!(
            "{t:?} is not a rate: write the price of one bitcoin as digits with an optional \
             decimal point, such as \"60000.00\" (text, never a float)"
        ));
    }
    let rate: Decimal = t
        .parse()
        .map_err(|_| format!("the rate {t:?} has too many digits"))?;
    if rate.is_zero() {
        return Err("the rate must be greater than zero".into());
    }
    Ok(rate)
}

/// `10^n` as a `u128`, when it fits.
fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

/// Satoshis worth `amount` (a fiat amount) at `rate` (price of one BTC in the same
/// currency), rounded up to the next satoshi.
///
/// ```
/// use polypay_core::Amount;
/// use polypay_crypto::bitcoin::fiat_to_sat;
/// let ten = Amount::parse("EUR:10.00")?;
/// // 10 / 60000 BTC = 16666.666… sat → 16667 (never less than 10 EUR's worth).
/// assert_eq!(fiat_to_sat(&ten, "60000".parse().unwrap())?, 16_667);
/// assert_eq!(fiat_to_sat(&ten, "50000".parse().unwrap())?, 20_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fiat_to_sat(amount: &Amount, rate: Decimal) -> Result<u64, String> {
    if rate <= Decimal::ZERO {
        return Err("the rate must be greater than zero".into());
    }
    let value = amount.value();
    if value.is_sign_negative() {
        return Err("the amount is negative".into());
    }
    let a_m = u128::try_from(value.mantissa()).map_err(|_| "the amount is negative")?;
    let r_m = u128::try_from(rate.mantissa()).map_err(|_| "the rate is negative")?;
    // sats = a_m·10^(8 + r_s) / (r_m·10^a_s): move the powers of ten to one side.
    let up = 8 + rate.scale();
    let down = value.scale();
    let overflow = || format!("{amount} at a rate of {rate} is out of range");
    let (num, den) = if up >= down {
        let p = pow10(up - down).ok_or_else(overflow)?;
        (a_m.checked_mul(p).ok_or_else(overflow)?, r_m)
    } else {
        let p = pow10(down - up).ok_or_else(overflow)?;
        (a_m, r_m.checked_mul(p).ok_or_else(overflow)?)
    };
    let sats = num.div_ceil(den);
    u64::try_from(sats)
        .ok()
        .filter(|s| *s <= MAX_SAT)
        .ok_or_else(|| format!("{amount} at a rate of {rate} is more than 21 million BTC"))
}

/// Satoshis of an amount in BTC (exact: BTC amounts have at most 8 fraction digits).
pub(crate) fn btc_amount_to_sat(amount: &Amount) -> Result<u64, String> {
    if amount.currency().code() != Currency::BTC.code() {
        return Err(format!("{amount} is not in BTC"));
    }
    let sats = amount
        .to_units_with_exponent(8)
        .map_err(|e| format!("{amount}: {e}"))?;
    if sats > MAX_SAT {
        return Err(format!("{amount} is more than 21 million BTC"));
    }
    Ok(sats)
}

/// The BTC amount of `sats` as decimal text with trailing fraction zeros removed:
/// `2030000000` → `20.3`, `100000000` → `1`, `1` → `0.00000001` (BIP321's `amount`).
///
/// ```
/// use polypay_crypto::bitcoin::sat_to_btc;
/// assert_eq!(sat_to_btc(2_030_000_000), "20.3");
/// assert_eq!(sat_to_btc(100_000_000), "1");
/// assert_eq!(sat_to_btc(1), "0.00000001");
/// assert_eq!(sat_to_btc(0), "0");
/// ```
pub fn sat_to_btc(sats: u64) -> String {
    let whole = sats / SAT_PER_BTC;
    let frac = sats % SAT_PER_BTC;
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:08}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Satoshis of a BTC decimal text (`20.3`, `0.00150000`, `-0.5`; at most 8 fraction digits,
/// no exponent, no grouping), signed. The text of a JSON number or of a URI's `amount`.
///
/// ```
/// use polypay_crypto::bitcoin::btc_to_sat;
/// assert_eq!(btc_to_sat("0.00150000"), Ok(150_000));
/// assert_eq!(btc_to_sat("-1.5"), Ok(-150_000_000));
/// assert!(btc_to_sat("0.000000001").is_err());
/// assert!(btc_to_sat("1e-5").is_err());
/// ```
pub fn btc_to_sat(text: &str) -> Result<i64, String> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (unsigned.ends_with('.')) {
        return Err(format!(
            "{text:?} is not a BTC amount (digits with an optional point)"
        ));
    }
    if frac.len() > 8 {
        return Err(format!(
            "{text:?} has more than 8 fraction digits (a satoshi is 0.00000001 BTC)"
        ));
    }
    let int = int.trim_start_matches('0');
    if int.len() > 8 {
        return Err(format!("{text:?} is more than 21 million BTC"));
    }
    let whole: u64 = if int.is_empty() {
        0
    } else {
        int.parse()
            .map_err(|_| format!("{text:?} is not a BTC amount"))?
    };
    let frac_sat: u64 = format!("{frac:0<8}")
        .parse()
        .map_err(|_| format!("{text:?} is not a BTC amount"))?;
    let sats = whole * SAT_PER_BTC + frac_sat;
    if sats > MAX_SAT {
        return Err(format!("{text:?} is more than 21 million BTC"));
    }
    // At most 2.1·10¹⁵: fits an i64.
    let sats = i64::try_from(sats).map_err(|_| format!("{text:?} is out of range"))?;
    Ok(if negative { -sats } else { sats })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> Decimal {
        parse_rate(s).unwrap()
    }

    #[test]
    fn fiat_conversion_rounds_up_exactly() {
        let eur = |v: &str| Amount::parse(&format!("EUR:{v}")).unwrap();
        assert_eq!(fiat_to_sat(&eur("10.00"), rate("60000")), Ok(16_667));
        assert_eq!(fiat_to_sat(&eur("60000"), rate("60000")), Ok(SAT_PER_BTC));
        assert_eq!(fiat_to_sat(&eur("0.01"), rate("60000.00")), Ok(17));
        // 30 / 45678.91 BTC = 65675.8807… sat.
        assert_eq!(fiat_to_sat(&eur("30.00"), rate("45678.91")), Ok(65_676));
        // An exact quotient is not rounded.
        assert_eq!(
            fiat_to_sat(&eur("1.00"), rate("0.001")),
            Ok(100_000_000_000)
        );
        let yen = Amount::parse("JPY:1000").unwrap();
        assert_eq!(fiat_to_sat(&yen, rate("9000000")), Ok(11_112));
        assert!(fiat_to_sat(&eur("1000000000"), rate("0.0000001")).is_err());
        assert!(fiat_to_sat(&eur("1"), Decimal::ZERO).is_err());
    }

    #[test]
    fn rates_are_plain_decimals() {
        for bad in [
            "", "0", "0.00", "-1", "1e5", "1,5", "1.", ".5", "NaN", " 1 2",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad:?}");
        }
        assert_eq!(rate(" 60000.50 ").to_string(), "60000.50");
    }

    #[test]
    fn btc_text_round_trips() {
        for sats in [0, 1, 10, 29_400, 2_030_000_000, 100_000_000, MAX_SAT] {
            assert_eq!(btc_to_sat(&sat_to_btc(sats)), Ok(sats as i64));
        }
        assert_eq!(btc_to_sat("50"), Ok(5_000_000_000));
        assert_eq!(btc_to_sat("50.00"), Ok(5_000_000_000));
        assert_eq!(btc_to_sat("00.1"), Ok(10_000_000));
        for bad in [
            "",
            ".",
            "1.",
            ".1",
            "50,000.00",
            "1e8",
            "+1",
            "--1",
            "21000000.00000001",
            "1 ",
        ] {
            assert!(btc_to_sat(bad).is_err(), "{bad:?}");
        }
        let btc = Amount::parse("BTC:0.0015").unwrap();
        assert_eq!(btc_amount_to_sat(&btc), Ok(150_000));
        assert!(btc_amount_to_sat(&Amount::parse("EUR:1").unwrap()).is_err());
    }
}
