//! Chainside amounts as properties (issue 8): the fiat amount polypay sends (a decimal string
//! in the WebPOS's currency) reads back through the backend's own parser as the same
//! `Amount`; an answer with more fraction digits than the currency has is an error, never
//! rounded; arbitrary text never panics.

#![allow(clippy::unwrap_used)]

use polypay_core::{Amount, Currency};
use proptest::prelude::*;
use serde_json::json;

use super::wire::PaymentOrder;

fn order(amount: &str) -> PaymentOrder {
    serde_json::from_value(json!({
        "uuid": "3f1c1a9e-0000-4000-8000-000000000001", "amount": amount, "btc_amount": 1,
        "state": {"status": "pending"}
    }))
    .unwrap()
}

proptest! {
    #[test]
    fn fiat_strings_round_trip(units in 1u64..=polypay_core::MAX_INTEGER_PART,
            code in prop::sample::select(vec!["EUR", "USD", "JPY", "KWD", "GBP"])) {
        let currency = Currency::new(code).unwrap();
        let amount = Amount::from_minor_units(units, currency).unwrap();
        // What `request` puts in the order's `amount` field.
        let sent = amount.value_string();
        prop_assert_eq!(order(&sent).fiat_amount(currency).unwrap(), amount);
        // A server writing more trailing zeros means the same amount.
        let wider = if sent.contains('.') { format!("{sent}000") } else { format!("{sent}.000") };
        prop_assert_eq!(order(&wider).fiat_amount(currency).unwrap(), amount);
    }

    #[test]
    fn finer_answers_are_refused(units in 0u64..=1_000_000_000_000, digit in 1u8..=9,
            code in prop::sample::select(vec!["EUR", "JPY", "KWD"])) {
        let currency = Currency::new(code).unwrap();
        let amount = Amount::from_minor_units(units, currency).unwrap();
        let sent = amount.value_string();
        let finer = if sent.contains('.') { format!("{sent}{digit}") } else { format!("{sent}.{digit}") };
        prop_assert!(order(&finer).fiat_amount(currency).is_err(), "{}", finer);
    }

    #[test]
    fn arbitrary_amount_text_never_panics(text in "\\PC{0,30}") {
        if let Ok(a) = order(&text).fiat_amount(Currency::EUR) {
            prop_assert_eq!(order(&a.value_string()).fiat_amount(Currency::EUR).unwrap(), a);
        }
    }
}
