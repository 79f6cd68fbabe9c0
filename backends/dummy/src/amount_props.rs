//! Dummy amounts as properties (issue 8): any amount in any currency the request accepts
//! travels as `amount` (exact decimal text) and `currency` and comes back, signed by the
//! simulated bank, as the same `Amount`; an `amount` with more fraction digits than its
//! currency has is refused, never rounded; arbitrary text never panics.

use polypay_core::{
    Amount, Backend, Context, Currency, Incoming, PaymentRequest, Secret, Timestamp,
};
use proptest::prelude::*;

use crate::{DummyBackend, DummyConfig, Outcome, Simulator};

fn shop() -> (DummyBackend, Simulator) {
    let mut config = DummyConfig::new("https://shop.example/return".parse().unwrap());
    config.secret = Some(Secret::new("props-secret"));
    (
        DummyBackend::new(config.clone()).unwrap(),
        Simulator::for_config(&config),
    )
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2024-05-01T10:00:00Z".parse::<Timestamp>().unwrap(),
        [9; 32],
    )
}

proptest! {
    #[test]
    fn amounts_round_trip_in_every_currency(units in 1u64..=polypay_core::MAX_INTEGER_PART,
            code in prop::sample::select(vec!["EUR", "JPY", "KWD", "USD", "BTC", "KUDOS"])) {
        let amount = Amount::from_minor_units(units, Currency::new(code).unwrap()).unwrap();
        let (backend, bank) = shop();
        let intent = backend.request(&PaymentRequest::new(amount), cx()).unwrap().done().unwrap();
        let paid = bank.complete(&intent, Outcome::Paid, cx().now).unwrap();
        let r = backend.response(&paid, cx()).unwrap().done().unwrap();
        prop_assert!(r.is_verified() && r.is_paid());
        prop_assert_eq!(r.amount, Some(amount));
        prop_assert!(r.check(&amount, &intent.transaction_id).is_ok());
    }

    /// An answer claiming a finer amount (unsigned, so it is also unverified) is an error,
    /// and any text in `amount` never panics nor becomes a rounded amount.
    #[test]
    fn finer_or_odd_amount_text_is_never_rounded(text in "[0-9]{1,6}(\\.[0-9]{0,6})?|\\PC{0,12}",
            code in prop::sample::select(vec!["EUR", "JPY", "KWD"])) {
        let (backend, _) = shop();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("transaction_id", "T1")
            .append_pair("result", "paid")
            .append_pair("amount", &text)
            .append_pair("currency", code)
            .finish();
        if let Ok(step) = backend.response(&Incoming::get(query), cx()) {
            let r = step.done().unwrap();
            prop_assert!(!r.is_paid());
            let exact = text.trim().parse::<rust_decimal::Decimal>();
            if let (Some(a), Ok(exact)) = (r.amount, exact) {
                prop_assert_eq!(a.value(), exact, "{:?} became {}", text, a);
            }
        }
    }
}
