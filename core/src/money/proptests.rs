//! Property tests: formatting and parsing round-trip, minor units round-trip, nothing is lost.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{Amount, Currency, MAX_INTEGER_PART};

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::EUR),
        Just(Currency::new("JPY").unwrap()),
        Just(Currency::new("KWD").unwrap()),
        Just(Currency::new("CLF").unwrap()),
        Just(Currency::BTC),
        Just(Currency::new("KUDOS").unwrap()),
    ]
}

fn amount() -> impl Strategy<Value = Amount> {
    (currency(), 0u64..=MAX_INTEGER_PART).prop_flat_map(|(c, int)| {
        let max_frac = 10u64.pow(u32::from(c.exponent()));
        (Just(c), Just(int), 0..max_frac).prop_map(move |(c, int, frac)| {
            let units = i128::from(int) * i128::from(max_frac) + i128::from(frac);
            let value = Decimal::from_i128_with_scale(units, u32::from(c.exponent()));
            Amount::new(value, c).unwrap()
        })
    })
}

proptest! {
    #[test]
    fn display_parse_round_trip(a in amount()) {
        prop_assert_eq!(a.to_string().parse::<Amount>().unwrap(), a);
        prop_assert_eq!(Amount::parse(&a.to_taler_string()).unwrap(), a);
        prop_assert_eq!(Amount::parse_in(&a.value_string(), a.currency()).unwrap(), a);
    }

    #[test]
    fn minor_units_round_trip(c in currency(), units in 0u64..=u64::MAX / 1000) {
        match Amount::from_minor_units(units, c) {
            Ok(a) => prop_assert_eq!(a.to_minor_units().unwrap(), units),
            // Only refused when the integer part exceeds 2^52.
            Err(_) => prop_assert!(units / 10u64.pow(u32::from(c.exponent())) > MAX_INTEGER_PART),
        }
    }

    #[test]
    fn no_precision_is_lost(c in currency(), int in 0u64..1_000_000, frac in "[0-9]{1,12}") {
        let text = format!("{int}.{frac}");
        let significant = frac.trim_end_matches('0').len();
        match Amount::parse_in(&text, c) {
            Ok(a) => {
                prop_assert!(significant <= usize::from(c.exponent()));
                // The parsed value is exactly the text's value.
                prop_assert_eq!(a.value(), text.parse::<Decimal>().unwrap());
            }
            Err(_) => prop_assert!(significant > usize::from(c.exponent())),
        }
    }

    #[test]
    fn parsing_garbage_never_panics(s in "\\PC{0,40}") {
        let _ = Amount::parse(&s);
        let _ = Amount::parse_in(&s, Currency::EUR);
    }
}

proptest! {
    /// Units in any exponent, computed on the mantissa, are what decimal arithmetic gives:
    /// the same units, or the same kind of error.
    #[test]
    fn units_as_decimal_arithmetic(a in amount(), exponent in 0u8..=22) {
        let reference = {
            let scaled = a.value().checked_mul(Decimal::from(10u64.pow(u32::from(exponent.min(19)))));
            match scaled {
                None => Err("overflow"),
                Some(s) if !s.fract().is_zero() => Err("too precise"),
                Some(s) => u64::try_from(s.trunc()).map_err(|_| "overflow"),
            }
        };
        let ours = a.to_units_with_exponent(exponent).map_err(|e| match e {
            crate::AmountError::TooPrecise { .. } => "too precise",
            _ => "overflow",
        });
        prop_assert_eq!(ours, reference);
    }
}

proptest! {
    /// Built from minor units directly, an amount is what `Amount::new` makes of the same
    /// decimal: the same value, scale and currency, or an error for both.
    #[test]
    fn minor_units_as_new(
        c in currency(),
        units in prop_oneof![0u64..1_000_000_000_000, proptest::num::u64::ANY],
    ) {
        let direct = Amount::from_minor_units(units, c);
        let value = Decimal::from_i128_with_scale(i128::from(units), u32::from(c.exponent()));
        let checked = Amount::new(value, c);
        prop_assert_eq!(direct.is_ok(), checked.is_ok());
        if let (Ok(d), Ok(n)) = (direct, checked) {
            prop_assert_eq!(d, n);
            prop_assert_eq!(d.value().scale(), n.value().scale());
            prop_assert_eq!(d.to_string(), n.to_string());
        }
    }
}
