//! Amount and currency parsing (`Amount::parse`, `parse_in`, `Currency::new`, `FromStr`), with
//! the round trips every accepted amount must survive exactly: its display form, its Taler
//! form, its minor units, and its bare value in its own currency.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polypay_core::{Amount, Currency};

fn round_trips(a: &Amount) {
    let shown = a.to_string();
    assert_eq!(
        Amount::parse(&shown).as_ref(),
        Ok(a),
        "display form {shown:?}"
    );
    let taler = a.to_taler_string();
    assert_eq!(
        Amount::parse(&taler).as_ref(),
        Ok(a),
        "taler form {taler:?}"
    );
    let bare = a.value_string();
    assert_eq!(
        Amount::parse_in(&bare, a.currency()).as_ref(),
        Ok(a),
        "bare value {bare:?}"
    );
    // Minor units are exact by construction and only fail when they overflow a u64.
    if let Ok(units) = a.to_minor_units() {
        assert_eq!(
            Amount::from_minor_units(units, a.currency()).as_ref(),
            Ok(a)
        );
    }
    // Never a negative amount, never more digits than the currency has.
    assert!(!a.value().is_sign_negative() || a.value().is_zero());
    assert!(a.value().scale() <= u32::from(a.currency().exponent()));
    // Adding zero changes nothing; subtracting itself gives zero.
    let zero = Amount::zero(a.currency());
    assert_eq!(a.checked_add(&zero).as_ref(), Ok(a));
    assert_eq!(a.checked_sub(a), Ok(zero));
    // JSON shape round trip (amounts cross the plugin wire and the CLI as JSON).
    let json = serde_json::to_string(a).expect("an amount serialises");
    assert_eq!(serde_json::from_str::<Amount>(&json).ok().as_ref(), Some(a));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(a) = Amount::parse(text) {
        round_trips(&a);
        assert_eq!(text.parse::<Amount>().as_ref(), Ok(&a));
    }
    for default in [Currency::EUR, Currency::BTC, Currency::new("JPY").unwrap()] {
        if let Ok(a) = Amount::parse_in(text, default) {
            assert_eq!(a.currency().code(), default.code());
            round_trips(&a);
        }
    }
    if let Ok(c) = Currency::new(text) {
        assert!(!c.code().is_empty() && c.code().bytes().all(|b| b.is_ascii_uppercase()));
        assert_eq!(Currency::new(c.code()), Ok(c));
        if let Some(n) = c.numeric() {
            assert_eq!(
                Currency::from_numeric(n).map(|x| x.code().to_owned()),
                Some(c.code().to_owned())
            );
        }
    }
    // A protocol's own exponent: the value counted in its units converts back exactly.
    if let Some((&e, rest)) = data.split_first()
        && let Ok(text) = std::str::from_utf8(rest)
        && let Ok(a) = Amount::parse(text)
        && let Ok(units) = a.to_units_with_exponent(e % 20)
    {
        let back =
            rust_decimal::Decimal::from_i128_with_scale(i128::from(units), u32::from(e % 20));
        assert_eq!(back, a.value(), "{a} as {units} units of 10^-{}", e % 20);
    }
});
