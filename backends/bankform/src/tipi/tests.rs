//! Known answers and behaviour of the TIPI backend.

use polypay_core::{Action, Amount, Context, Incoming, PaymentStatus, Timestamp};
use serde_json::json;

use super::*;

fn backend(extra: serde_json::Value) -> Tipi {
    let mut c = json!({ "numcli": "12345" }).as_object().cloned().unwrap();
    c.extend(extra.as_object().cloned().unwrap());
    Tipi::build(&c).unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2020-03-01T22:30:00Z".parse::<Timestamp>().unwrap(),
        [2; 32],
    )
}

fn url(intent: &PaymentIntent) -> String {
    match &intent.action {
        Action::Redirect { url } => url.to_string(),
        other => panic!("{other:?}"),
    }
}

fn req(amount: &str) -> PaymentRequest {
    PaymentRequest::new(Amount::parse(amount).unwrap())
        .with_email("info@entrouvert.com")
        .with_notification_url("http://example.com/tipi/test".parse().unwrap())
}

/// eopayment's test_tipi request, in eopayment's exact parameter order.
#[test]
fn published_request() {
    let b = backend(json!({}));
    let r = req("EUR:123.12")
        .with_extra("exer", "9999")
        .with_extra("refdet", "999900000000999999")
        .with_extra("objet", "tout a fait")
        .with_extra("saisie", "T");
    let intent = b.build_request(&r, &cx()).unwrap();
    assert_eq!(intent.transaction_id, "999900000000999999");
    assert_eq!(
        url(&intent),
        "https://www.payfip.gouv.fr/tpa/paiement.web?numcli=12345&refdet=999900000000999999&montant=12312&mel=info%40entrouvert.com&saisie=T&exer=9999&objet=tout+a+fait&urlcl=http%3A%2F%2Fexample.com%2Ftipi%2Ftest"
    );
}

#[test]
fn refdet_rules() {
    let b = backend(json!({ "saisie": "A" }));
    // A refdet-compatible order id is the refdet.
    let i = b
        .build_request(&req("EUR:123.12").with_order_id("F121212"), &cx())
        .unwrap();
    assert_eq!(i.transaction_id, "F121212");
    assert!(!url(&i).contains("objet"));
    // Otherwise a generated refdet (Paris time + 10 digits) and the order id in objet (D11).
    let i = b
        .build_request(&req("EUR:123.12").with_order_id("F12-12-12"), &cx())
        .unwrap();
    assert!(
        i.transaction_id.starts_with("20200301233000"),
        "{}",
        i.transaction_id
    );
    assert_eq!(i.transaction_id.len(), 24);
    assert!(url(&i).contains("&objet=F12-12-12&"), "{}", url(&i));
    let i = b
        .build_request(
            &req("EUR:123.12")
                .with_order_id("F12-12-12")
                .with_extra("objet", "coucou"),
            &cx(),
        )
        .unwrap();
    assert!(url(&i).contains("&objet=F12-12-12+coucou&"));
    // Limits are enforced as advertised (D4), the e-mail and urlcl are required.
    for bad in [
        req("EUR:0.99"),
        req("EUR:10000"),
        req("USD:10"),
        PaymentRequest::new(Amount::parse("EUR:10").unwrap())
            .with_notification_url("http://x.example/".parse().unwrap()),
        PaymentRequest::new(Amount::parse("EUR:10").unwrap()).with_email("a@example.com"),
        req("EUR:10").with_extra("refdet", "short"),
        req("EUR:10").with_extra("objet", "é"),
        req("EUR:10").with_extra("saisie", "Z"),
        req("EUR:10").with_extra("exer", "10000"),
        req("EUR:10").with_extra("nope", "1"),
    ] {
        assert!(b.build_request(&bad, &cx()).is_err(), "{bad:?}");
    }
    assert!(b.build_request(&req("EUR:9999.99"), &cx()).is_ok());
}

#[test]
fn returns_are_never_verified() {
    let q = "objet=tout+a+fait&montant=12312&saisie=T&mel=info%40entrouvert.com&numcli=12345&exer=9999&refdet=999900000000999999&resultrans=P&dattrans=01032020&heurtrans=2330";
    let r = backend(json!({}))
        .parse_response(&Incoming::get(q))
        .unwrap();
    // D2: eopayment says signed and PAID; polypay says unverified, waiting, claimed paid.
    assert!(!r.is_verified());
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid));
    assert_eq!(r.order_id.as_deref(), Some("999900000000999999"));
    assert_eq!(r.amount, Some(Amount::parse("EUR:123.12").unwrap()));
    assert!(r.test);
    assert_eq!(
        r.transaction_date,
        Some("2020-03-01T22:30:00Z".parse().unwrap())
    );
    let trusted = backend(json!({ "trust_unsigned_returns": true }))
        .parse_response(&Incoming::get(q))
        .unwrap();
    assert!(trusted.is_paid());
    for (code, status) in [
        ("R", PaymentStatus::Denied),
        ("A", PaymentStatus::Cancelled),
        ("V", PaymentStatus::Error),
    ] {
        let r = backend(json!({}))
            .parse_response(&Incoming::get(format!("refdet=X&resultrans={code}")))
            .unwrap();
        assert_eq!(r.claimed_status(), Some(status));
    }
    assert!(
        backend(json!({}))
            .parse_response(&Incoming::get("foo=bar"))
            .is_err()
    );
    assert_eq!(
        TipiFactory
            .warnings(
                &json!({"trust_unsigned_returns": true})
                    .as_object()
                    .cloned()
                    .unwrap()
            )
            .len(),
        2
    );
    assert!(!TipiFactory.description().capabilities.signed_responses);
    assert!(Tipi::build(&json!({"numcli": "000000"}).as_object().cloned().unwrap()).is_err());
}
