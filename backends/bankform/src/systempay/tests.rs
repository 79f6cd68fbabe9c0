//! Known answers and behaviour of the SystemPay / PayZen backend.

use polypay_core::{Action, Amount, Context, Incoming, PaymentRequest, PaymentStatus, Timestamp};
use serde_json::json;

use super::*;

fn config() -> Object {
    json!({
        "secret_test": "1122334455667788",
        "vads_site_id": "12345678",
        "normal_return_url": "https://site.example.net/return/",
        "automatic_return_url": "https://site.example.net/callback/",
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn backend(extra: serde_json::Value) -> SystemPay {
    let mut c = config();
    c.extend(extra.as_object().cloned().unwrap());
    SystemPay::build(Flavor::SystemPay, &c).unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2009-05-01T19:35:30Z".parse::<Timestamp>().unwrap(),
        [3; 32],
    )
}

fn form(intent: &PaymentIntent) -> Vec<(String, String)> {
    match &intent.action {
        Action::Form { fields, .. } => fields.to_vec(),
        other => panic!("{other:?}"),
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// eopayment's upstream `test_systempayv2` request (spec §1.8): trans_id forced to 123456.
#[test]
fn published_request_signature() {
    let b = backend(json!({}));
    let req = PaymentRequest::new(Amount::parse("EUR:15.24").unwrap())
        .with_order_id("654321")
        .with_customer({
            let mut c = polypay_core::Customer::default();
            c.first_name = Some("Jean Michél".into());
            c.last_name = Some("Mihaï".into());
            c
        })
        .with_extra("vads_trans_id", "123456")
        .with_extra("vads_trans_date", "20090501193530");
    let intent = b.build_request(&req, &cx()).unwrap();
    let f = form(&intent);
    assert_eq!(
        field(&f, "signature"),
        Some("247b1adfccb56cbde4c1f3e397e83340da32ab07")
    );
    assert_eq!(intent.transaction_id, "20090501193530_123456");
    assert_eq!(f.last().unwrap().0, "signature");
}

#[test]
fn generated_fields() {
    let b = backend(json!({ "signature_algo": "hmac_sha256", "capture_day": "3" }));
    let req = PaymentRequest::new(Amount::parse("EUR:10.5").unwrap()).with_transaction_id("my-id");
    let intent = b.build_request(&req, &cx()).unwrap();
    let f = form(&intent);
    assert_eq!(intent.transaction_id, "my-id");
    assert_eq!(field(&f, "vads_amount"), Some("1050"));
    assert_eq!(field(&f, "vads_trans_date"), Some("20090501193530"));
    assert_eq!(field(&f, "vads_capture_delay"), Some("3"));
    assert_eq!(field(&f, "vads_ext_info_eopayment_trans_id"), Some("my-id"));
    assert_eq!(
        field(&f, "vads_url_check"),
        Some("https://site.example.net/callback/")
    );
    assert_eq!(field(&f, "vads_trans_id").unwrap().len(), 6);
    assert!(field(&f, "signature").unwrap().ends_with('='));
    let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names[..names.len() - 1].to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, names[..names.len() - 1]);
}

/// Configuration values that fail the field checks are reported by every request, all at
/// once, whether they stand in the base form, replace a constant or are presets; valid ones
/// are checked once, when the backend is built.
#[test]
fn bad_configuration_values_are_reported_by_requests() {
    let good = backend(json!({ "vads_language": "en", "vads_order_info2": "ok" }));
    assert!(good.config_values_valid);
    let f = form(
        &good
            .build_request(&PaymentRequest::new(Amount::parse("EUR:1").unwrap()), &cx())
            .unwrap(),
    );
    assert_eq!(field(&f, "vads_language"), Some("en"));
    assert_eq!(field(&f, "vads_order_info2"), Some("ok"));
    // The schema already refuses most bad values (patterns of vads_site_id, URLs, cards);
    // presets are checked by the field rules only.
    let bad = backend(json!({
        "vads_language": "english",
        "vads_order_info2": "line\u{1}break",
        "vads_cust_country": "F1",
    }));
    assert!(!bad.config_values_valid);
    let err = bad
        .build_request(&PaymentRequest::new(Amount::parse("EUR:1").unwrap()), &cx())
        .unwrap_err()
        .to_string();
    for expected in [
        "vads_language must be exactly 2",
        "vads_order_info2 must contain only printable",
        "vads_cust_country must contain only letters",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

#[test]
fn bad_per_transaction_fields_are_all_reported() {
    let b = backend(json!({}));
    let req = PaymentRequest::new(Amount::parse("EUR:1").unwrap())
        .with_extra("vads_trans_id", "12345")
        .with_extra("vads_order_id", "a b")
        .with_extra("color", "red");
    let err = b.build_request(&req, &cx()).unwrap_err().to_string();
    assert!(err.contains("vads_trans_id must be exactly 6"), "{err}");
    assert!(err.contains("vads_order_id"), "{err}");
    assert!(err.contains("color"), "{err}");
    let nine =
        PaymentRequest::new(Amount::parse("EUR:1").unwrap()).with_extra("vads_trans_id", "912345");
    assert!(b.build_request(&nine, &cx()).is_err());
    // Zero is refused.
    assert!(
        b.build_request(&PaymentRequest::new(Amount::parse("EUR:0").unwrap()), &cx())
            .is_err()
    );
}

/// The published response (eopayment tests/test_systempayv2.py, spec §1.8).
const RESPONSE: &str = "vads_amount=1042&vads_auth_mode=FULL&vads_auth_number=3feadf&vads_auth_result=00&vads_capture_delay=0&vads_card_brand=CB&vads_result=00&vads_card_number=497010XXXXXX0000&vads_payment_certificate=582ba2b725057618706d7a06e9e59acdbf69ff53&vads_ctx_mode=TEST&vads_currency=978&vads_effective_amount=1042&vads_site_id=70168983&vads_trans_date=20161013101355&vads_trans_id=226787&vads_trans_uuid=4b5053b3b1fe4b02a07753e7a&vads_effective_creation_date=20200330162530";

#[test]
fn published_response() {
    for (algo, sig) in [
        ("sha1", "c17fab393f94dc027dc029510c85d5fc46c4710f"),
        (
            "hmac_sha256",
            "Wbz3bP6R6wDvAwb2HnSiH9%2FiUUoRVCxK7mdLtCMz8Xw%3D",
        ),
    ] {
        let b = backend(json!({ "signature_algo": algo }));
        let q = format!("{RESPONSE}&signature={sig}");
        let r = b.parse_response(&Incoming::get(q)).unwrap();
        assert!(r.is_verified(), "{algo}");
        assert_eq!(r.status(), PaymentStatus::Paid);
        assert_eq!(r.order_id.as_deref(), Some("20161013101355_226787"));
        assert_eq!(r.amount, Some(Amount::parse("EUR:10.42").unwrap()));
        assert!(r.test);
        assert_eq!(
            r.transaction_date,
            Some("2020-03-30T16:25:30Z".parse().unwrap())
        );
        // Any signed field changed: not verified, never paid.
        let tampered = format!(
            "{}&signature={sig}",
            RESPONSE.replace("vads_amount=1042", "vads_amount=1")
        );
        let r = b.parse_response(&Incoming::get(tampered)).unwrap();
        assert!(!r.is_verified());
        assert_eq!(r.status(), PaymentStatus::Waiting);
        assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid));
    }
    let unsigned = backend(json!({}))
        .parse_response(&Incoming::get(RESPONSE))
        .unwrap();
    assert!(!unsigned.is_verified() && !unsigned.is_paid());
}

#[test]
fn configuration() {
    let d = SystemPayFactory.description();
    let p = d.parameter("service_url").unwrap();
    assert_eq!(
        p.default,
        Some(json!("https://paiement.systempay.fr/vads-payment/"))
    );
    assert_eq!(
        PayZenFactory
            .description()
            .parameter("service_url")
            .unwrap()
            .default,
        Some(json!("https://secure.payzen.eu/vads-payment/"))
    );
    assert!(d.parameter("secret_test").unwrap().secret);
    assert_eq!(
        d.parameter("vads_ctx_mode").unwrap().default,
        Some(json!("TEST"))
    );
    // The template gives new shops the strong algorithm.
    let t = d.toml_template("cards");
    assert!(t.contains("\nsignature_algo = \"hmac_sha256\"\n"), "{t}");
    // Every error at once.
    let err = SystemPay::build(
        Flavor::SystemPay,
        &json!({"vads_site_id": "12", "vads_ctx_mode": "PRODUCTION", "foo": 1})
            .as_object()
            .cloned()
            .unwrap(),
    )
    .unwrap_err();
    let text = err.to_string();
    for needle in ["vads_site_id", "secret_test", "secret_production", "foo"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // eopayment's empty optional values and vads_ presets load.
    let b = backend(json!({ "secret_production": "", "vads_language": "en", "capture_day": "" }));
    let intent = b
        .build_request(&PaymentRequest::new(Amount::parse("EUR:1").unwrap()), &cx())
        .unwrap();
    assert_eq!(field(&form(&intent), "vads_language"), Some("en"));
    // Secrets never show.
    assert!(!format!("{b:?}").contains("1122334455667788"));
    assert_eq!(SystemPayFactory.warnings(&config()).len(), 1);
    let mut strong = config();
    strong.insert("signature_algo".into(), json!("hmac_sha256"));
    assert!(SystemPayFactory.warnings(&strong).is_empty());
}
