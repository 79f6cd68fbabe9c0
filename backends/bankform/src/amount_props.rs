//! Amount encodings as properties (issue 8): for every kind, any amount the request accepts is
//! written in the bank's format (minor units; Sips, Paybox and TIPI padded to three digits),
//! the bank's echo of exactly that field parses back to the same `Amount` through the
//! backend's own `response`, amounts that do not fit a field are errors (SystemPay's 12
//! digits, TIPI's 1.00–9 999.99), and nothing panics. Excess precision cannot reach a backend:
//! `Amount` refuses it.

use polypay_core::{
    Action, Amount, Backend, Context, Currency, PaymentIntent, PaymentRequest, PaymentStatus,
    Registry, Timestamp,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::common::money;
use crate::simulator::{KINDS, answer, config, incoming};

fn backend(kind: &str, patch: &[(&str, &str)]) -> std::sync::Arc<dyn Backend> {
    crate::link();
    let mut c = config(kind);
    for (k, v) in patch {
        c.insert((*k).into(), (*v).into());
    }
    Registry::from_inventory().unwrap().build(kind, &c).unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2024-05-01T10:00:00Z".parse::<Timestamp>().unwrap(),
        [8; 32],
    )
}

/// The field carrying the amount and the one naming the currency, as the bank reads them.
fn encoded(kind: &str, intent: &PaymentIntent) -> (String, String) {
    let pairs: Vec<(String, String)> = match &intent.action {
        Action::Form { fields, .. } => fields.to_vec(),
        Action::Redirect { url } => url.query_pairs().into_owned().collect(),
        other => panic!("{kind}: unexpected action {other:?}"),
    };
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{kind}: no {name} in {pairs:?}"))
    };
    match kind {
        "systempayv2" | "payzen" => (get("vads_amount"), get("vads_currency")),
        "sips2" => {
            let data = get("Data");
            let part = |name: &str| {
                data.split('|')
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    .unwrap_or_else(|| panic!("no {name} in {data}"))
                    .to_owned()
            };
            (part("amount"), part("currencyCode"))
        }
        "paybox" => (get("PBX_TOTAL"), get("PBX_DEVISE")),
        "ogone" => (get("AMOUNT"), get("CURRENCY")),
        "tipi" => (get("montant"), "978".into()),
        other => panic!("unknown kind {other}"),
    }
}

/// The text each bank wants for `units` minor units.
fn expected_text(kind: &str, units: u64) -> String {
    match kind {
        "sips2" | "paybox" | "tipi" => format!("{units:03}"),
        _ => units.to_string(),
    }
}

/// Whether the kind must refuse `units` euro cents (a field too small, or the bank's limits).
fn refused(kind: &str, units: u64) -> bool {
    match kind {
        "systempayv2" | "payzen" => units > 999_999_999_999,
        "tipi" => !(100..=999_999).contains(&units),
        _ => false,
    }
}

/// Euro cents: small values, values near the limits, and anything up to `Amount`'s maximum.
fn cents() -> impl Strategy<Value = u64> {
    prop_oneof![
        1u64..1_000,
        99_000u64..1_001_000,
        999_999_999_000u64..1_000_000_001_000,
        1u64..=(polypay_core::MAX_INTEGER_PART * 100),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn euro_amounts_round_trip_or_are_refused(units in cents()) {
        let amount = Amount::from_minor_units(units, Currency::EUR).unwrap();
        for kind in KINDS {
            let b = backend(kind, &[]);
            let req = PaymentRequest::new(amount)
                .with_order_id("order42")
                .with_email("buyer@example.com");
            let step = b.request(&req, cx());
            if refused(kind, units) {
                prop_assert!(step.is_err(), "{} accepted {}", kind, amount);
                continue;
            }
            let intent = step.unwrap().done().unwrap();
            let (text, currency) = encoded(kind, &intent);
            prop_assert_eq!(&text, &expected_text(kind, units), "{}", kind);
            let code = if kind == "ogone" { "EUR" } else { "978" };
            prop_assert_eq!(currency.as_str(), code, "{}", kind);
            // The bank echoes exactly the units it was sent.
            let echoed = Amount::from_minor_units(text.parse().unwrap(), Currency::EUR).unwrap();
            let (q, _) = answer(kind, &intent, &echoed, PaymentStatus::Paid);
            let r = b.response(&incoming(kind, q), cx()).unwrap().done().unwrap();
            prop_assert_eq!(r.amount, Some(amount), "{}", kind);
        }
    }

    /// SystemPay takes any ISO currency: minor units of that currency's exponent (0 for JPY,
    /// 3 for KWD), read back through the same path the response takes.
    #[test]
    fn systempay_uses_each_currency_exponent(units in 1u64..=999_999_999_999,
            code in prop::sample::select(vec!["EUR", "JPY", "KWD", "USD", "XOF", "TND", "CHF"])) {
        let currency = Currency::new(code).unwrap();
        let amount = Amount::from_minor_units(units, currency).unwrap();
        let b = backend("systempayv2", &[]);
        let intent = b.request(&PaymentRequest::new(amount), cx()).unwrap().done().unwrap();
        let (text, numeric) = encoded("systempayv2", &intent);
        prop_assert_eq!(text.clone(), units.to_string());
        prop_assert_eq!(numeric.clone(), format!("{:03}", currency.numeric().unwrap()));
        prop_assert_eq!(money::reported(Some(&text), Some(&numeric)), Some(amount));
    }

    /// Sips, Paybox, Ogone and TIPI shops are configured in euros (their schemas allow only
    /// 978 / EUR): an amount in another currency is refused, never converted or re-scaled.
    #[test]
    fn euro_only_kinds_refuse_other_currencies(units in 100u64..=999_999,
            code in prop::sample::select(vec!["JPY", "KWD", "USD", "CHF", "XOF"])) {
        let amount = Amount::from_minor_units(units, Currency::new(code).unwrap()).unwrap();
        for kind in ["sips2", "paybox", "ogone", "tipi"] {
            let req = PaymentRequest::new(amount).with_email("buyer@example.com");
            prop_assert!(backend(kind, &[]).request(&req, cx()).is_err(), "{} took {}", kind, amount);
        }
    }

    /// Follow-ups (Paybox Direct, Sips Office) carry the adjustment's amount in minor units:
    /// in the shop's currency they are exact; in another currency they are refused, never
    /// sent as if they were euros (JPY 1000 is not EUR 10.00).
    #[test]
    fn follow_up_amounts_are_exact_and_in_the_shop_currency(units in 1u64..=999_999_999,
            code in prop::sample::select(vec!["EUR", "JPY", "KWD", "USD"])) {
        use polypay_core::{Adjustment, Step};
        let amount = Amount::from_minor_units(units, Currency::new(code).unwrap()).unwrap();
        let mut data = serde_json::Map::new();
        data.insert("numero_transaction".into(), "0001".into());
        data.insert("numero_appel".into(), "0002".into());
        let adj = Adjustment::new("T1", amount).with_bank_data(data);
        for kind in ["paybox", "sips2"] {
            let b = backend(kind, &[]);
            for (op, step) in [("validate", b.validate(&adj, cx())), ("refund", b.refund(&adj, cx()))] {
                match step {
                    Ok(Step::Http { request, .. }) => {
                        prop_assert_eq!(code, "EUR", "{} {} sent {}", kind, op, amount);
                        let body = String::from_utf8(request.body.clone()).unwrap();
                        let want = if kind == "paybox" {
                            format!("MONTANT={units}&")
                        } else {
                            format!("\"operationAmount\":\"{units:03}\"")
                        };
                        prop_assert!(body.contains(&want), "{} {}: {}", kind, op, body);
                    }
                    Ok(Step::Done(_)) => prop_assert!(false, "{} {} answered without the bank", kind, op),
                    Err(e) => prop_assert!(
                        code != "EUR" || e.kind() == polypay_core::ErrorKind::Unsupported,
                        "{} {}: {}", kind, op, e
                    ),
                }
            }
        }
    }

    /// Ogone reports `AMOUNT` in major units: any decimal text the bank may write for the
    /// amount (trailing zeros or not) is the same amount.
    #[test]
    fn ogone_major_unit_echoes_parse_exactly(units in 1u64..=10_000_000_000) {
        let amount = Amount::from_minor_units(units, Currency::EUR).unwrap();
        let b = backend("ogone", &[]);
        let intent = b.request(&PaymentRequest::new(amount), cx()).unwrap().done().unwrap();
        let (q, _) = answer("ogone", &intent, &amount, PaymentStatus::Paid);
        let r = b.response(&incoming("ogone", q), cx()).unwrap().done().unwrap();
        prop_assert_eq!(r.amount, Some(amount));
    }

    /// More fraction digits than the currency allows is an error, never a rounding, for every
    /// exponent.
    #[test]
    fn excess_precision_is_refused(mantissa in 1i64..i64::MAX, scale in 0u32..=12,
            code in prop::sample::select(vec!["EUR", "JPY", "KWD", "BTC", "USD"])) {
        let currency = Currency::new(code).unwrap();
        let value = Decimal::new(mantissa, scale).normalize();
        let r = Amount::new(value, currency);
        if value.scale() > u32::from(currency.exponent()) {
            prop_assert!(r.is_err(), "{} {} was accepted", value, code);
        } else if let Ok(a) = r {
            prop_assert_eq!(a.value(), value);
            // Minor units are exact, or an overflow error when the count passes a u64
            // (a BTC amount past 184 billion).
            match a.to_minor_units() {
                Ok(units) => prop_assert_eq!(Amount::from_minor_units(units, currency).unwrap(), a),
                Err(e) => prop_assert!(matches!(e, polypay_core::AmountError::Overflow { .. }), "{}", e),
            }
        }
    }

    /// A bank's amount field that is not a plain count of minor units never becomes an amount
    /// (and never panics).
    #[test]
    fn reported_amounts_are_plain_digits(text in "[0-9 .,+-]{0,24}", numeric in "[0-9]{0,4}") {
        if let Some(a) = money::reported(Some(&text), Some(&numeric)) {
            let digits = text.trim();
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit() || b == b'+'), "{text:?}");
            let units: u64 = digits.parse().unwrap();
            prop_assert_eq!(a.to_minor_units().unwrap(), units);
        }
    }
}

/// Regression (found by `follow_up_amounts_are_exact_and_in_the_shop_currency`): Paybox
/// Direct sent an adjustment of JPY 1000 as `MONTANT=1000&DEVISE=978`, a refund of EUR 10.00;
/// Sips Office sent a currency the shop is not configured for.
#[test]
fn follow_ups_in_a_foreign_currency_are_refused() {
    use polypay_core::Adjustment;
    let yen = Amount::parse("JPY:1000").unwrap();
    let mut data = serde_json::Map::new();
    data.insert("numero_transaction".into(), "0001".into());
    data.insert("numero_appel".into(), "0002".into());
    let adj = Adjustment::new("T1", yen).with_bank_data(data);
    for kind in ["paybox", "sips2"] {
        let b = backend(kind, &[]);
        // The test Sips shop has no refunds (Office operations it offers: validate, cancel).
        let mut steps = vec![b.validate(&adj, cx())];
        if kind == "paybox" {
            steps.push(b.refund(&adj, cx()));
        }
        for step in steps {
            let err = step.err().unwrap();
            assert!(
                err.to_string().contains("configured for currency"),
                "{kind}: {err}"
            );
        }
    }
}
