//! Sans-IO tests of the `chainside` backend: each operation fed with recorded answers.

#![allow(clippy::unwrap_used)]

use std::cell::RefCell;

use polypay_core::{
    Action, Adjustment, Amount, Backend, Context, Error, ErrorKind, Exchange, HttpRequest,
    HttpResponse, Incoming, PaymentRequest, PaymentStatus, StatusQuery, Step, Timestamp,
    drive_sync,
};
use serde_json::{Value, json};

use super::*;

const U: &str = "3f1c1a9e-0000-4000-8000-000000000001";
const SECRET: &str = "client-secret-xyz";

fn backend(extra: Value) -> Chainside {
    let mut config = json!({ "client_id": "cid", "secret": SECRET, "required_confirmations": 2 });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        config[k] = v;
    }
    ChainsideFactory
        .build_chainside(config.as_object().unwrap())
        .map(|a| Arc::try_unwrap(a).unwrap())
        .unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(Timestamp::from_second(1_700_000_000).unwrap(), [7; 32])
}

fn login_ok(token: &str) -> HttpResponse {
    HttpResponse::new(
        200,
        json!({"access_token": token, "id_token": "a.b.c", "expires_in": 3600,
               "token_type": "Bearer", "scope": "*"})
        .to_string(),
    )
}

fn order(status: &str, reference: &str) -> Value {
    json!({
        "uuid": U, "address": "tb1qxyz", "uri": "bitcoin:tb1qxyz?amount=0.00025000",
        "amount": "10.00", "btc_amount": 25000, "reference": reference,
        "created_at": "2023-11-14T22:13:20Z", "resolved_at": "2023-11-14T22:20:00Z",
        "state": {"status": status, "blockchain_status": status,
                  "paid": {"crypto": 25000, "fiat": "10.00"}},
        "transactions": [],
    })
}

/// How the fake API answers the `n`th request.
type Answer = Box<dyn Fn(&HttpRequest, usize) -> HttpResponse>;

/// A fake API: answers by `METHOD path`, logging every request.
struct Fake {
    log: RefCell<Vec<HttpRequest>>,
    answer: Answer,
}

impl Fake {
    fn new(answer: impl Fn(&HttpRequest, usize) -> HttpResponse + 'static) -> Fake {
        Fake {
            log: RefCell::new(Vec::new()),
            answer: Box::new(answer),
        }
    }

    fn http(&self, req: &HttpRequest) -> polypay_core::Result<HttpResponse> {
        let n = self.log.borrow().len();
        self.log.borrow_mut().push(req.clone());
        Ok((self.answer)(req, n))
    }

    fn calls(&self) -> Vec<String> {
        self.log
            .borrow()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

#[test]
fn login_then_create_with_the_token() {
    let cs = backend(json!({}));
    let req = PaymentRequest::new(Amount::parse("EUR:10.00").unwrap())
        .with_transaction_id("order-42")
        .with_description("Tea")
        .with_return_url("https://shop.example/back".parse().unwrap())
        .with_notification_url("https://shop.example/cb".parse().unwrap());
    let Step::Http { request, state } = cs.request(&req, cx()).unwrap() else {
        panic!("a login first")
    };
    assert_eq!(request.url.as_str(), format!("{SANDBOX_URL}token"));
    assert_eq!(header(&request, "X-Api-Version"), Some("v1"));
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        "grant_type=client_credentials&scope=*"
    );
    let basic = header(&request, "Authorization").unwrap();
    assert!(basic.starts_with("Basic "));
    assert!(!format!("{request:?} {state}").contains(SECRET));
    let exchange = Exchange {
        state,
        response: login_ok("AT-1"),
    };
    let Step::Http { request, state } = cs.request(&req, cx().with_prior(&exchange)).unwrap()
    else {
        panic!("then the creation")
    };
    assert_eq!(request.url.path(), "/payment-order");
    assert_eq!(header(&request, "Authorization"), Some("Bearer AT-1"));
    assert!(!state.to_string().contains("AT-1"), "{state}");
    assert!(!format!("{request:?}").contains("AT-1"));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({"amount": "10.00", "callback_url": "https://shop.example/cb",
               "continue_url": "https://shop.example/back", "cancel_url": "https://shop.example/back",
               "details": "Tea", "reference": "order-42", "required_confirmations": 2})
    );
    let created = json!({"uuid": U, "address": "tb1qxyz", "uri": "bitcoin:tb1qxyz?amount=0.00025",
        "redirect_url": "https://pay.example/p/1", "amount": 25000,
        "expiration_time": "2023-11-14T22:28:20Z", "expires_in": 900, "rate": {"value": "40000.00"},
        "reference": "order-42"});
    let exchange = Exchange {
        state,
        response: HttpResponse::new(201, created.to_string()),
    };
    let intent = cs
        .request(&req, cx().with_prior(&exchange))
        .unwrap()
        .done()
        .unwrap();
    assert_eq!(intent.transaction_id, "order-42");
    assert!(
        matches!(&intent.action, Action::Redirect { url } if url.as_str() == "https://pay.example/p/1")
    );
    assert_eq!(intent.backend_data[key::UUID], U);
    assert_eq!(intent.backend_data[key::BTC_AMOUNT], 25000);
    assert_eq!(intent.backend_data[key::REQUESTED_AMOUNT], "EUR:10.00");
    assert_eq!(intent.expires_at.unwrap().as_second(), 1_700_000_000 + 900);
    // The token is cached: the next operation goes straight to its call.
    let Step::Http { request, .. } = cs.status(&StatusQuery::new(U), cx()).unwrap() else {
        panic!()
    };
    assert_eq!(request.url.path(), format!("/payment-order/{U}"));
}

#[test]
fn an_expired_token_is_renewed_once() {
    let cs = backend(json!({}));
    let expired = r#"{"error_code":"1004","request_id":"r1"}"#;
    let fake = Fake::new(move |req, _| match req.url.path() {
        "/token" => login_ok("AT"),
        _ => HttpResponse::new(401, expired),
    });
    let err = drive_sync(
        |cx| cs.status(&StatusQuery::new(U), cx),
        cx(),
        |r| fake.http(r),
        8,
    )
    .unwrap_err();
    assert_eq!(
        fake.calls(),
        [
            "POST /token".to_owned(),
            format!("GET /payment-order/{U}"),
            "POST /token".to_owned(),
            format!("GET /payment-order/{U}"),
        ]
    );
    match err {
        Error::Provider {
            status,
            code,
            message,
        } => {
            assert_eq!((status, code.as_deref()), (Some(401), Some("1004")));
            assert!(
                message.contains("AccessTokenExpired") && message.contains("r1"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Once is enough when the new token works.
    let cs = backend(json!({}));
    let fake = Fake::new(move |req, n| match (req.url.path(), n) {
        ("/token", _) => login_ok(&format!("AT-{n}")),
        (_, 1) => HttpResponse::new(401, expired),
        _ => HttpResponse::new(200, order("pending", "ref-1").to_string()),
    });
    let r = drive_sync(
        |cx| cs.status(&StatusQuery::new(U), cx),
        cx(),
        |r| fake.http(r),
        8,
    )
    .unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(
        header(&fake.log.borrow()[3], "Authorization"),
        Some("Bearer AT-2")
    );
}

#[test]
fn login_failures_are_named() {
    let cs = backend(json!({}));
    let fake = Fake::new(|_, _| HttpResponse::new(401, r#"{"error_code":"1001"}"#));
    let err = drive_sync(
        |cx| cs.status(&StatusQuery::new(U), cx),
        cx(),
        |r| fake.http(r),
        8,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("UnauthorizedClient") && text.contains("client_id"),
        "{text}"
    );
    assert!(!format!("{err:?}").contains(SECRET));
}

fn callback(event: &str, status: &str, secret: &str) -> Incoming {
    let body = json!({"event": event, "created_at": "2023-11-14T22:20:00Z",
                      "object_type": "payment_order", "object": order(status, "ref-1")})
    .to_string();
    let sig = sign_callback(secret, body.as_bytes());
    Incoming::new(
        "POST",
        "",
        vec![
            ("Content-Type".into(), "application/json".into()),
            ("Chainside-Signature".into(), sig),
        ],
        body,
    )
}

fn respond(
    cs: &Chainside,
    incoming: &Incoming,
    order_state: &'static str,
) -> polypay_core::Result<polypay_core::PaymentResponse> {
    let fake = Fake::new(move |req, _| match req.url.path() {
        "/token" => login_ok("AT"),
        _ => HttpResponse::new(200, order(order_state, "ref-1").to_string()),
    });
    drive_sync(|cx| cs.response(incoming, cx), cx(), |r| fake.http(r), 8)
}

#[test]
fn callbacks_map_their_events_and_confirm_paid() {
    let cs = backend(json!({}));
    for (event, claimed, fetched, expected) in [
        ("payment.completed", "paid", "paid", PaymentStatus::Paid),
        ("payment.overpaid", "paid", "paid", PaymentStatus::Paid),
        // Claimed paid, but the order says otherwise: not paid.
        (
            "payment.completed",
            "paid",
            "pending",
            PaymentStatus::Waiting,
        ),
        (
            "payment.cancelled",
            "cancelled",
            "-",
            PaymentStatus::Cancelled,
        ),
        ("payment.expired", "expired", "-", PaymentStatus::Expired),
        (
            "payment.dispute.start",
            "network_dispute",
            "-",
            PaymentStatus::Waiting,
        ),
        ("payment.dispute.end", "paid", "paid", PaymentStatus::Paid),
        (
            "payment.chargeback",
            "chargeback",
            "-",
            PaymentStatus::Error,
        ),
        ("payment.unknown", "paid", "-", PaymentStatus::Waiting),
    ] {
        let r = respond(&cs, &callback(event, claimed, SECRET), fetched).unwrap();
        assert!(r.is_verified(), "{event}");
        assert_eq!(r.status(), expected, "{event} / {fetched}");
        assert_eq!(r.order_id.as_deref(), Some("ref-1"));
        assert_eq!(r.transaction_id.as_deref(), Some(U));
        assert_eq!(r.bank_data[key::CALLBACK_EVENT], event);
        assert_eq!(r.return_content.as_ref().unwrap().status, 200);
        assert!(r.test);
        if event == "payment.dispute.start" {
            assert_eq!(r.bank_data[key::DISPUTED], true);
        }
    }
}

#[test]
fn forged_callbacks_are_never_paid() {
    let cs = backend(json!({}));
    let genuine = callback("payment.completed", "paid", SECRET);
    let forged = callback("payment.completed", "paid", "someone-else");
    let mut tampered = genuine.clone();
    tampered.body = String::from_utf8(genuine.body.clone())
        .unwrap()
        .replace("10.00", "0.01")
        .into_bytes();
    let mut unsigned = genuine.clone();
    unsigned
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("chainside-signature"));
    for (name, incoming) in [
        ("forged", forged),
        ("tampered", tampered),
        ("unsigned", unsigned),
    ] {
        // No HTTP: refused before anything is read or fetched.
        let step = cs.response(&incoming, cx()).unwrap();
        let r = step.done().unwrap();
        assert!(!r.is_verified() && !r.is_paid(), "{name}");
        assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid), "{name}");
        assert_eq!(r.return_content.as_ref().unwrap().status, 401, "{name}");
    }
    let r = cs
        .response(&Incoming::get(""), cx())
        .unwrap()
        .done()
        .unwrap();
    assert!(!r.is_verified());
    assert_eq!(cs.guess(&genuine).as_deref(), Some("ref-1"));
}

#[test]
fn status_checks_the_reference_and_amount() {
    let cs = backend(json!({}));
    let mut data = serde_json::Map::new();
    data.insert(key::UUID.into(), U.into());
    data.insert(key::REQUESTED_AMOUNT.into(), "EUR:10.00".into());
    let run = |id: &str, data: &serde_json::Map<String, Value>, body: Value| {
        let fake = Fake::new(move |req, _| match req.url.path() {
            "/token" => login_ok("AT"),
            _ => HttpResponse::new(200, body.to_string()),
        });
        let q = StatusQuery::new(id).with_bank_data(data.clone());
        drive_sync(|cx| cs.status(&q, cx), cx(), |r| fake.http(r), 8)
    };
    let r = run("ref-1", &data, order("paid", "ref-1")).unwrap();
    assert!(r.is_paid());
    assert_eq!(r.amount.unwrap().to_string(), "10.00 EUR");
    assert_eq!(r.bank_data[key::REQUESTED_AMOUNT], "EUR:10.00");
    let e = run("ref-2", &data, order("paid", "ref-1")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity);
    let mut cheap = order("paid", "ref-1");
    cheap["amount"] = "9.99".into();
    assert_eq!(
        run("ref-1", &data, cheap).unwrap_err().kind(),
        ErrorKind::Integrity
    );
    let mut over = order("paid", "ref-1");
    over["state"]["paid"]["crypto"] = 26000.into();
    let r = run("ref-1", &data, over).unwrap();
    assert_eq!(r.bank_data[key::OVERPAID_SAT], 1000);
    let mut usd = order("paid", "ref-1");
    usd["currency"] = json!({"type": "fiat", "name": "USD"});
    assert_eq!(
        run("ref-1", &data, usd).unwrap_err().kind(),
        ErrorKind::Integrity
    );
    // Found by fuzz/chainside_reply: a paid order of another uuid made the status of this
    // one paid.
    let mut other = order("paid", "ref-1");
    other["uuid"] = "3f1c1a9e-0000-4000-8000-000000000002".into();
    let e = run("ref-1", &data, other.clone()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert_eq!(
        run(U, &serde_json::Map::new(), other).unwrap_err().kind(),
        ErrorKind::Integrity
    );
    let r = run(U, &serde_json::Map::new(), order("chargeback", "ref-1")).unwrap();
    assert_eq!(r.status(), PaymentStatus::Error);
    assert_eq!(r.order_id.as_deref(), Some("ref-1"));
    // Without the uuid, nothing to ask.
    let e = cs.status(&StatusQuery::new("ref-1"), cx()).unwrap_err();
    assert!(e.to_string().contains("uuid"), "{e}");
}

#[test]
fn bad_requests_fail_before_any_call() {
    let cs = backend(json!({}));
    let usd = PaymentRequest::new(Amount::parse("USD:1.00").unwrap());
    assert!(
        cs.request(&usd, cx())
            .unwrap_err()
            .to_string()
            .contains("EUR")
    );
    let eur = || PaymentRequest::new(Amount::parse("EUR:1.00").unwrap());
    assert!(cs.request(&eur().with_transaction_id(U), cx()).is_err());
    assert!(
        cs.request(&eur().with_manual_validation(true), cx())
            .is_err()
    );
    assert!(
        cs.request(&eur().with_description("x".repeat(301)), cx())
            .is_err()
    );
    assert!(cs.request(&eur().with_extra("nope", "1"), cx()).is_err());
    assert!(
        cs.request(&eur().with_extra("required_confirmations", "x"), cx())
            .is_err()
    );
    let adj = Adjustment::new("ref-1", Amount::parse("EUR:1.00").unwrap());
    assert_eq!(
        cs.cancel(&adj, cx()).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(
        cs.list_payment_orders(&ListQuery::default().page_size(0), cx())
            .is_err()
    );
    assert!(cs.get_payment_order("../token", cx()).is_err());
    let live = backend(json!({"mode": "live"}));
    assert!(live.reset_payment_order(U, cx()).is_err());
    assert!(
        live.trigger_callback(U, CallbackEvent::Completed, cx())
            .is_err()
    );
}

#[test]
fn debug_output_hides_secrets() {
    let cs =
        backend(json!({"cache": {"driver": "memory", "options": {"password": "redis-pw-77"}}}));
    let text = format!("{cs:?}");
    assert!(
        !text.contains(SECRET) && !text.contains("redis-pw-77"),
        "{text}"
    );
    let e = ChainsideFactory
        .build_chainside(
            json!({"client_id": "c", "secret": 12345678})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
    assert!(!e.to_string().contains("12345678"), "{e}");
    // Schema problems first (all of them), then the checks beyond the schema (all of them).
    let e = ChainsideFactory
        .build_chainside(json!({"secret": 5, "mode": "test"}).as_object().unwrap())
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("client_id") && text.contains("secret") && text.contains("mode"),
        "{text}"
    );
    let e = ChainsideFactory
        .build_chainside(
            json!({"client_id": "c", "secret": "s", "base_url": "http://10.1.1.1/",
                   "http": {"verify_ssl": false}, "currency": "ABC"})
            .as_object()
            .unwrap(),
        )
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("base_url") && text.contains("verify_ssl") && text.contains("currency"),
        "{text}"
    );
}

/// Found by fuzz/bitcoin_esplora for Esplora, the same here: bytes that are not UTF-8 in a
/// field polypay skips make an answer no JSON, never an order created or cancelled.
#[test]
fn answers_that_are_not_json_text_are_refused() {
    let cs = backend(json!({}));
    let req = PaymentRequest::new(Amount::parse("EUR:10.00").unwrap()).with_transaction_id("o-1");
    let Step::Http { state, .. } = cs.request(&req, cx()).unwrap() else {
        panic!("a login first")
    };
    let exchange = Exchange {
        state,
        response: login_ok("AT-1"),
    };
    let Step::Http { state, .. } = cs.request(&req, cx().with_prior(&exchange)).unwrap() else {
        panic!("then the creation")
    };
    let mut created = json!({"uuid": U, "address": "tb1qxyz", "uri": "bitcoin:tb1qxyz",
        "redirect_url": "https://pay.example/p/1", "amount": 25000, "skipped": "ok"})
    .to_string()
    .into_bytes();
    let at = created.windows(4).position(|w| w == b"\"ok\"").unwrap();
    created[at + 1] = 0xff;
    let exchange = Exchange {
        state,
        response: HttpResponse::new(201, created),
    };
    let e = cs
        .request(&req, cx().with_prior(&exchange))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not UTF-8"), "{e}");
    let adj = Adjustment::new(U, Amount::parse("EUR:10.00").unwrap());
    let Step::Http { state, .. } = cs.cancel(&adj, cx()).unwrap() else {
        panic!("the token is cached: the DELETE")
    };
    let exchange = Exchange {
        state,
        response: HttpResponse::new(200, b"{\"cancel_url\": \"\xff\"}".to_vec()),
    };
    assert!(cs.cancel(&adj, cx().with_prior(&exchange)).is_err());
}
