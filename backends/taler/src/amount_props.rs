//! Taler amounts as properties (issue 8): any amount polypay sends (`CUR:VAL` in the order)
//! is read back by the backend's own status path as the same `Amount`; a reported amount with
//! more fraction digits than the currency has is refused, never rounded; arbitrary text never
//! panics.

use polypay_core::{
    Amount, Backend, Currency, HttpRequest, HttpResponse, PaymentRequest, StatusQuery, drive_sync,
};
use proptest::prelude::*;
use serde_json::json;

use crate::amount::{from_taler, is_taler_amount, to_taler};
use crate::{Taler, TalerConfig};

fn taler() -> Taler {
    let c = json!({
        "base_url": "https://backend.example.com/",
        "token": "secret-token:t",
        "fulfillment_url": "https://shop.example/ok/${ORDER_ID}",
    });
    Taler::new(serde_json::from_value::<TalerConfig>(c).unwrap()).unwrap()
}

fn cx() -> polypay_core::Context<'static> {
    polypay_core::Context::fixed(
        polypay_core::Timestamp::from_second(1_800_000_000).unwrap(),
        [7; 32],
    )
}

fn config_body(currency: &str) -> HttpResponse {
    HttpResponse::new(
        200,
        json!({"version": "20:0:8", "name": "taler-merchant", "currency": currency}).to_string(),
    )
}

fn paid_body(id: &str, amount: &str, currency: &str) -> HttpResponse {
    HttpResponse::new(
        200,
        json!({
            "order_status": "paid", "refunded": false, "refund_pending": false, "wired": false,
            "deposit_total": amount, "exchange_code": 0, "exchange_http_status": 0,
            "refund_amount": format!("{currency}:0"), "last_payment": {"t_s": 1_800_000_000},
            "contract_terms": {"order_id": id, "amount": amount, "summary": "x"},
            "wire_details": [], "wire_reports": [], "refund_details": [],
            "order_status_url": "https://backend.example.com/orders/O"
        })
        .to_string(),
    )
}

/// A currency and an amount in it: ISO codes of every exponent and Taler's own currencies.
fn amounts() -> impl Strategy<Value = Amount> {
    (
        prop::sample::select(vec!["EUR", "JPY", "KWD", "CHF", "KUDOS", "TESTKUDOS"]),
        prop_oneof![1u64..1_000_000, 1u64..=polypay_core::MAX_INTEGER_PART],
    )
        .prop_filter_map("fits an Amount", |(code, units)| {
            Amount::from_minor_units(units, Currency::new(code).ok()?).ok()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn order_amounts_round_trip_through_status(amount in amounts()) {
        let code = amount.currency().code().to_owned();
        let t = taler();
        let mut sent = None;
        let req = PaymentRequest::new(amount).with_transaction_id("prop-1");
        drive_sync(
            |cx| t.request(&req, cx),
            cx(),
            |r: &HttpRequest| {
                Ok(if r.url.path() == "/config" {
                    config_body(&code)
                } else {
                    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                    sent = body["order"]["amount"].as_str().map(str::to_owned);
                    HttpResponse::new(200, json!({"order_id": "prop-1"}).to_string())
                })
            },
            8,
        )
        .unwrap();
        let text = sent.unwrap();
        prop_assert!(is_taler_amount(&text), "{}", text);
        prop_assert_eq!(&text, &to_taler(&amount).unwrap());
        prop_assert_eq!(from_taler(&text, "amount").unwrap(), amount);
        let q = StatusQuery::new("prop-1");
        let r = drive_sync(
            |cx| t.status(&q, cx),
            cx(),
            |r| Ok(if r.url.path() == "/config" { config_body(&code) } else { paid_body("prop-1", &text, &code) }),
            8,
        )
        .unwrap();
        prop_assert!(r.is_paid());
        prop_assert_eq!(r.amount, Some(amount));
    }

    /// Trailing zeros up to Taler's 8 digits are the same amount; one more significant digit
    /// than the currency has is an error.
    #[test]
    fn reported_precision_is_exact(units in 0u64..100_000_000_000,
            zeros in 0usize..=6, extra in 1u8..=9, at in 1usize..=6) {
        let eur = Amount::from_minor_units(units, Currency::EUR).unwrap();
        let padded = format!("EUR:{}{}", eur.value_string(), "0".repeat(zeros));
        prop_assert_eq!(from_taler(&padded, "amount").unwrap(), eur);
        // A nonzero digit beyond the cents, within Taler's 8 digits.
        let finer = format!("{}{}{}", padded.split_at(padded.len() - zeros).0, "0".repeat(at - 1), extra);
        prop_assert!(from_taler(&finer, "amount").is_err(), "{} was accepted", finer);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[A-Za-z]{0,12}:?[0-9.]{0,30}") {
        if let Ok(a) = from_taler(&text, "amount") {
            prop_assert!(is_taler_amount(&text));
            prop_assert_eq!(from_taler(&to_taler(&a).unwrap(), "amount").unwrap(), a);
        }
    }
}
