//! Bitcoin amounts as properties (issue 8): fiat → satoshis rounds up by less than one
//! satoshi and never down, BTC amounts convert exactly, satoshis ↔ BTC text round-trip, the
//! BIP321 URI carries exactly the satoshis asked, too much precision or more than 21 million
//! BTC is an error, and nothing panics.

#![allow(clippy::unwrap_used)]

use polypay_core::{Action, Amount, Backend, Context, Currency, PaymentRequest, Timestamp};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;

use super::convert::{MAX_SAT, btc_amount_to_sat, btc_to_sat, fiat_to_sat, sat_to_btc};
use super::{Bitcoin, BitcoinConfig, BitcoinUri};

const VPUB: &str = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc";

fn backend() -> Bitcoin {
    let c = json!({"xpub": VPUB, "network": "regtest", "esplora_url": "http://127.0.0.1:1/",
        "rates": {"EUR": "60000", "JPY": "9000000"}});
    Bitcoin::new(serde_json::from_value::<BitcoinConfig>(c).unwrap()).unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(Timestamp::from_second(1_714_557_600).unwrap(), [5; 32])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// sats = ⌈amount·10⁸ / rate⌉: sats·rate ≥ amount·10⁸ > (sats − 1)·rate, computed on
    /// integers scaled to a common exponent.
    #[test]
    fn fiat_rounds_up_by_less_than_a_satoshi(cents in 1u64..=100_000_000_000,
            rate_m in 1i64..=1_000_000_000_000, rate_s in 0u32..=6) {
        let amount = Amount::from_minor_units(cents, Currency::EUR).unwrap();
        let rate = Decimal::new(rate_m, rate_s);
        // sats = ⌈cents·10^(6 + rate_s) / rate_m⌉, on integers.
        let want = u128::from(cents) * 10u128.pow(6 + rate_s);
        let rate_m = u128::try_from(rate_m).unwrap();
        match fiat_to_sat(&amount, rate) {
            Ok(sats) => {
                prop_assert!(sats <= MAX_SAT);
                prop_assert!(u128::from(sats) * rate_m >= want, "{} at {}: {} sat, too few", amount, rate, sats);
                prop_assert!(u128::from(sats - 1) * rate_m < want, "{} at {}: {} sat, too many", amount, rate, sats);
            }
            Err(e) => {
                // Only when the payment would exceed every bitcoin there is.
                prop_assert!(want > u128::from(MAX_SAT) * rate_m, "{} at {}: {}", amount, rate, e);
            }
        }
    }

    #[test]
    fn satoshis_and_btc_text_round_trip(sats in 0u64..=MAX_SAT) {
        let text = sat_to_btc(sats);
        prop_assert_eq!(btc_to_sat(&text), Ok(i64::try_from(sats).unwrap()));
        let amount = Amount::from_minor_units(sats, Currency::BTC).unwrap();
        prop_assert_eq!(btc_amount_to_sat(&amount), Ok(sats));
        prop_assert_eq!(Amount::parse(&format!("BTC:{text}")).unwrap(), amount);
        // Written by a node with its 8 digits, the same.
        let padded = format!("{}.{:08}", sats / 100_000_000, sats % 100_000_000);
        prop_assert_eq!(btc_to_sat(&padded), Ok(i64::try_from(sats).unwrap()));
        let mut uri = BitcoinUri::new("bcrt1qexample");
        uri.amount_sat = Some(sats);
        prop_assert_eq!(BitcoinUri::parse(&uri.to_string()).unwrap().amount_sat, Some(sats));
    }

    #[test]
    fn too_precise_or_too_large_btc_is_refused(sats in 0u64..=MAX_SAT, digit in 1u8..=9,
            over in 1u64..=1_000_000_000) {
        let finer = format!("{}.{:08}{digit}", sats / 100_000_000, sats % 100_000_000);
        prop_assert!(btc_to_sat(&finer).is_err(), "{}", finer);
        prop_assert!(btc_to_sat(&sat_to_btc(MAX_SAT + over)).is_err());
        let big = Amount::from_minor_units(MAX_SAT + over, Currency::BTC).unwrap();
        prop_assert!(btc_amount_to_sat(&big).is_err());
        let b = backend();
        let req = PaymentRequest::new(big).with_extra_json("address_index", json!(0));
        prop_assert!(b.request(&req, cx()).is_err());
    }

    #[test]
    fn btc_text_never_panics(text in "-?[0-9]{0,20}(\\.[0-9]{0,12})?[e.,+ ]?[0-9]{0,3}") {
        if let Ok(sats) = btc_to_sat(&text) {
            prop_assert!(sats.unsigned_abs() <= MAX_SAT);
            let digits = text.trim_start_matches('-');
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit() || b == b'.'), "{}", text);
        }
    }

    /// The intent's URI asks exactly the satoshis the intent records, the BTC amount of a BTC
    /// request exactly, a fiat amount rounded up.
    #[test]
    fn the_uri_carries_the_requested_satoshis(units in 1u64..=2_000_000_000_000,
            code in prop::sample::select(vec!["EUR", "JPY", "BTC"]), index in 0u32..1000) {
        let currency = Currency::new(code).unwrap();
        let amount = Amount::from_minor_units(units, currency).unwrap();
        let b = backend();
        let req = PaymentRequest::new(amount).with_extra_json("address_index", json!(index));
        let Ok(step) = b.request(&req, cx()) else {
            // Below the dust limit, or more than 21 million BTC: refused, never rounded.
            let sats = match code {
                "BTC" => units,
                "EUR" => fiat_to_sat(&amount, Decimal::from(60_000)).unwrap_or(u64::MAX),
                _ => fiat_to_sat(&amount, Decimal::from(9_000_000)).unwrap_or(u64::MAX),
            };
            prop_assert!(!(294..=MAX_SAT).contains(&sats), "{} refused", amount);
            return Ok(());
        };
        let intent = step.done().unwrap();
        let Action::Uri { uri, .. } = &intent.action else { panic!("{:?}", intent.action) };
        let parsed = BitcoinUri::parse(uri).unwrap();
        let sats = intent.backend_data["amount_sat"].as_u64().unwrap();
        prop_assert_eq!(parsed.amount_sat, Some(sats));
        if code == "BTC" {
            prop_assert_eq!(sats, units);
        } else {
            let rate = Decimal::from(if code == "EUR" { 60_000 } else { 9_000_000 });
            prop_assert_eq!(Ok(sats), fiat_to_sat(&amount, rate));
        }
    }
}
