//! Known answers and behaviour of the Sips 2.0 backend.

use polypay_core::{
    Action, Amount, Context, Exchange, HttpResponse, Incoming, PaymentStatus, Timestamp,
};
use serde_json::json;

use super::*;

fn backend(extra: serde_json::Value) -> Sips2 {
    let mut c = json!({ "normal_return_url": "https://shop.example/return" })
        .as_object()
        .cloned()
        .unwrap();
    c.extend(extra.as_object().cloned().unwrap());
    Sips2::build(&c).unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2020-01-01T12:00:00Z".parse::<Timestamp>().unwrap(),
        [5; 32],
    )
}

/// The published return (eopayment tests/test_sips2.py, spec §2.6), as posted.
const RETURN: &str = "Data=captureDay%3D0%7CcaptureMode%3DAUTHOR_CAPTURE%7CcurrencyCode%3D978%7CmerchantId%3D002001000000001%7CorderChannel%3DINTERNET%7CresponseCode%3D00%7CtransactionDateTime%3D2016-02-01T17%3A44%3A20%2B01%3A00%7CtransactionReference%3D668930%7CkeyVersion%3D1%7CacquirerResponseCode%3D00%7Camount%3D1200%7CauthorisationId%3D12345%7CcardCSCResultCode%3D4E%7CpanExpiryDate%3D201605%7CpaymentMeanBrand%3DMASTERCARD%7CpaymentMeanType%3DCARD%7CcustomerIpAddress%3D82.244.203.243%7CmaskedPan%3D5100%23%23%23%23%23%23%23%23%23%23%23%2300%7CorderId%3Dd4903de7027f4d56ac01634fd7ab9526%7CholderAuthentRelegation%3DN%7CholderAuthentStatus%3D3D_ERROR%7CtransactionOrigin%3DINTERNET%7CpaymentPattern%3DONE_SHOT&Seal=6ca3247765a19b45d25ad54ef4076483e7d55583166bd5ac9c64357aac097602&InterfaceVersion=HP_2.0&Encode=";
/// The same with `|transactionDateTime=2020-01-01 01:01:01` appended to Data after sealing.
const FORGED: &str = "Data=captureDay%3D0%7CcaptureMode%3DAUTHOR_CAPTURE%7CcurrencyCode%3D978%7CmerchantId%3D002001000000001%7CorderChannel%3DINTERNET%7CresponseCode%3D00%7CtransactionDateTime%3D2016-02-01T17%3A44%3A20%2B01%3A00%7CtransactionReference%3D668930%7CkeyVersion%3D1%7CacquirerResponseCode%3D00%7Camount%3D1200%7CauthorisationId%3D12345%7CcardCSCResultCode%3D4E%7CpanExpiryDate%3D201605%7CpaymentMeanBrand%3DMASTERCARD%7CpaymentMeanType%3DCARD%7CcustomerIpAddress%3D82.244.203.243%7CmaskedPan%3D5100%23%23%23%23%23%23%23%23%23%23%23%2300%7CorderId%3Dd4903de7027f4d56ac01634fd7ab9526%7CholderAuthentRelegation%3DN%7CholderAuthentStatus%3D3D_ERROR%7CtransactionOrigin%3DINTERNET%7CpaymentPattern%3DONE_SHOT%7CtransactionDateTime%3D2020-01-01%2001:01:01&Seal=6ca3247765a19b45d25ad54ef4076483e7d55583166bd5ac9c64357aac097602&InterfaceVersion=HP_2.0&Encode=";
const SEAL: &str = "6ca3247765a19b45d25ad54ef4076483e7d55583166bd5ac9c64357aac097602";

#[test]
fn published_response() {
    let b = backend(json!({}));
    let r = b.parse_response(&Incoming::post_form(RETURN)).unwrap();
    assert!(r.is_verified());
    assert_eq!(r.status(), PaymentStatus::Paid);
    assert_eq!(r.order_id.as_deref(), Some("668930"));
    assert_eq!(r.transaction_id.as_deref(), Some("12345"));
    assert_eq!(r.amount, Some(Amount::parse("EUR:12.00").unwrap()));
    assert!(r.test);
    // D8: ISO 8601 with its offset (eopayment gives none here).
    assert_eq!(
        r.transaction_date,
        Some("2016-02-01T16:44:20Z".parse().unwrap())
    );
    // Upper-case hex is the same seal (D3).
    let upper = RETURN.replace(SEAL, &SEAL.to_uppercase());
    assert!(
        b.parse_response(&Incoming::post_form(upper))
            .unwrap()
            .is_verified()
    );
    // Data changed after sealing: not verified, never paid.
    let r = b.parse_response(&Incoming::post_form(FORGED)).unwrap();
    assert!(!r.is_verified());
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid));
    // Missing fields are errors, not panics.
    assert!(b.parse_response(&Incoming::post_form("Data=x")).is_err());
    assert_eq!(
        b.guess(&Incoming::post_form(RETURN)).as_deref(),
        Some("668930")
    );
}

#[test]
fn request_data_in_order() {
    let b = backend(
        json!({ "automatic_return_url": "https://shop.example/notify", "capture_day": "3", "payment_means": "CB,VISA" }),
    );
    let req = PaymentRequest::new(Amount::parse("EUR:0.5").unwrap())
        .with_transaction_id("abc123")
        .with_email("a@example.com")
        .with_capture_day(5);
    let intent = b.build_request(&req, &cx()).unwrap();
    assert_eq!(intent.transaction_id, "abc123");
    let Action::Form { fields, url, .. } = intent.action else {
        panic!()
    };
    let fields = fields.to_vec();
    assert_eq!(
        url.as_str(),
        "https://payment-webinit.simu.sips-services.com/paymentInit"
    );
    assert_eq!(
        fields[0].1,
        "merchantId=002001000000001|keyVersion=1|normalReturnUrl=https://shop.example/return|automaticResponseUrl=https://shop.example/notify|currencyCode=978|captureMode=AUTHOR_CAPTURE|captureDay=5|paymentMeanBrandList=CB,VISA|transactionReference=abc123|orderId=abc123|statementReference=abc123|amount=050|billingContact.email=a@example.com"
    );
    assert_eq!(
        fields[1].1,
        seal::paypage(SealAlgorithm::Sha256, &fields[0].1, SIMULATION_SECRET_KEY)
    );
    assert_eq!(fields[2], ("InterfaceVersion".into(), "HP_2.3".into()));
    assert_eq!(fields.len(), 3);
    // A per-request capture day with none configured comes last.
    let b = backend(json!({}));
    let intent = b
        .build_request(
            &PaymentRequest::new(Amount::parse("EUR:10").unwrap()).with_capture_day(2),
            &cx(),
        )
        .unwrap();
    let Action::Form { fields, .. } = intent.action else {
        panic!()
    };
    let fields = fields.to_vec();
    assert!(
        fields[0].1.ends_with("|amount=1000|captureDay=2"),
        "{}",
        fields[0].1
    );
    assert_eq!(intent.transaction_id.len(), 32);
    // Bad input.
    for req in [
        PaymentRequest::new(Amount::parse("EUR:1").unwrap()).with_order_id("a|b"),
        PaymentRequest::new(Amount::parse("EUR:1").unwrap()).with_transaction_id("not-alnum"),
        PaymentRequest::new(Amount::parse("USD:1").unwrap()),
        PaymentRequest::new(Amount::parse("EUR:1").unwrap()).with_extra("x", "y"),
    ] {
        assert!(b.build_request(&req, &cx()).is_err(), "{req:?}");
    }
}

#[test]
fn configuration() {
    let prod = json!({ "platform": "prod" }).as_object().cloned().unwrap();
    let err = Sips2::build(&prod).unwrap_err().to_string();
    assert!(
        err.contains("merchant_id") && err.contains("secret_key"),
        "{err}"
    );
    let d = Sips2Factory.description();
    let key = d.parameter("secret_key").unwrap();
    assert!(key.secret && key.default.is_none());
    assert!(key.help.as_deref().unwrap().contains(SIMULATION_SECRET_KEY));
    assert_eq!(d.parameter("capture_mode").unwrap().choices.len(), 3);
    let bad_tz = json!({ "timezone": "Mars/Olympus" })
        .as_object()
        .cloned()
        .unwrap();
    assert!(Sips2::build(&bad_tz).is_err());
    let b = backend(json!({ "secret_key": "very-secret-key" }));
    assert!(!format!("{b:?}").contains("very-secret-key"));
}

#[test]
fn office_server_steps() {
    let b = backend(json!({}));
    let adj = polypay_core::Adjustment::new("668930", Amount::parse("EUR:12").unwrap());
    let step = b.validate(&adj, cx()).unwrap();
    let Step::Http { request, state } = step else {
        panic!()
    };
    assert_eq!(
        request.url.as_str(),
        "https://office-server.test.sips-services.com/rs-services/v2/cashManagement/validate"
    );
    assert!(!request.idempotent);
    let body: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["operationAmount"], "1200");
    assert_eq!(body["interfaceVersion"], "CR_WS_2.3");
    assert_eq!(
        body["seal"].as_str().unwrap(),
        seal::office(&body, SIMULATION_SECRET_KEY)
    );
    let mut answer =
        json!({ "responseCode": "00", "operationDateTime": "2020-01-01T12:00:00+01:00" });
    let s = seal::office(answer.as_object().unwrap(), SIMULATION_SECRET_KEY);
    answer["seal"] = s.into();
    let exchange = Exchange {
        state: state.clone(),
        response: HttpResponse::new(200, answer.to_string()),
    };
    let done = b
        .validate(&adj, cx().with_prior(&exchange))
        .unwrap()
        .done()
        .unwrap();
    assert_eq!(done.status(), PaymentStatus::Paid);
    assert!(done.is_verified());
    // A bad seal is refused; a refusal is a provider error with its code.
    answer["seal"] = "00".into();
    let exchange = Exchange {
        state: state.clone(),
        response: HttpResponse::new(200, answer.to_string()),
    };
    assert!(b.validate(&adj, cx().with_prior(&exchange)).is_err());
    let refused = Exchange {
        state,
        response: HttpResponse::new(200, json!({"responseCode": "24"}).to_string()),
    };
    let err = b.validate(&adj, cx().with_prior(&refused)).unwrap_err();
    assert!(err.to_string().contains("24"), "{err}");
    // Status through the diagnostic service.
    let q = polypay_core::StatusQuery::new("668930");
    let Step::Http { request, state } = b.status(&q, cx()).unwrap() else {
        panic!()
    };
    assert!(request.url.path().ends_with("getTransactionData") && request.idempotent);
    let answer = json!({"responseCode": "00", "transactionStatus": "TO_VALIDATE", "amount": 1200, "currencyCode": "978"});
    let exchange = Exchange {
        state,
        response: HttpResponse::new(200, answer.to_string()),
    };
    let r = b
        .status(&q, cx().with_prior(&exchange))
        .unwrap()
        .done()
        .unwrap();
    assert_eq!(r.status(), PaymentStatus::Accepted);
    assert_eq!(r.amount, Some(Amount::parse("EUR:12").unwrap()));
    // Another operation's exchange is refused.
    assert!(b.cancel(&adj, cx().with_prior(&exchange)).is_err());
}

#[test]
fn hmac_seal_option() {
    let b = backend(json!({ "seal_algorithm": "HMAC-SHA-256" }));
    let intent = b
        .build_request(&PaymentRequest::new(Amount::parse("EUR:1").unwrap()), &cx())
        .unwrap();
    let Action::Form { fields, .. } = intent.action else {
        panic!()
    };
    let fields = fields.to_vec();
    assert_eq!(fields[3], ("SealAlgorithm".into(), "HMAC-SHA-256".into()));
    assert_eq!(
        fields[1].1,
        hex::encode(crate::common::sign::hmac_sha256(
            SIMULATION_SECRET_KEY.as_bytes(),
            fields[0].1.as_bytes()
        ))
    );
    // A return sealed with HMAC and saying so verifies on a default (SHA-256) backend too.
    let data = "transactionReference=abc|responseCode=00|amount=100|currencyCode=978";
    let seal = seal::paypage(SealAlgorithm::HmacSha256, data, SIMULATION_SECRET_KEY);
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("Data", data)
        .append_pair("Seal", &seal)
        .append_pair("InterfaceVersion", "HP_2.3")
        .append_pair("SealAlgorithm", "HMAC-SHA-256")
        .finish();
    assert!(
        backend(json!({}))
            .parse_response(&Incoming::post_form(q.clone()))
            .unwrap()
            .is_verified()
    );
    assert!(
        b.parse_response(&Incoming::post_form(q.replace("HMAC-SHA-256", "MD5")))
            .is_err()
    );
    // Without the field, the configured algorithm decides.
    let bare: String = q
        .split('&')
        .filter(|p| !p.starts_with("SealAlgorithm"))
        .collect::<Vec<_>>()
        .join("&");
    assert!(
        b.parse_response(&Incoming::post_form(bare.clone()))
            .unwrap()
            .is_verified()
    );
    assert!(
        !backend(json!({}))
            .parse_response(&Incoming::post_form(bare))
            .unwrap()
            .is_verified()
    );
    assert_eq!(
        Sips2Factory
            .warnings(&json!({}).as_object().cloned().unwrap())
            .len(),
        2
    );
    assert!(
        Sips2Factory
            .description()
            .toml_template("s")
            .contains("\nseal_algorithm = \"HMAC-SHA-256\"\n")
    );
}
