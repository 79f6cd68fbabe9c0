//! Sans-IO tests: the backend driven with recorded answers, no network.

use polypay_core::{
    Backend, Context, Exchange, HttpRequest, HttpResponse, Method, PaymentRequest, PaymentResponse,
    PaymentStatus, StatusQuery, Step, Timestamp, drive_sync,
};
use serde_json::json;

use crate::{Taler, TalerConfig};

fn taler(patch: serde_json::Value) -> Taler {
    let mut c = json!({
        "base_url": "https://backend.example.com/",
        "token": "secret-token:s3cr3t",
        "fulfillment_url": "https://shop.example/ok/${ORDER_ID}",
    });
    for (k, v) in patch.as_object().cloned().unwrap_or_default() {
        c[k] = v;
    }
    Taler::new(serde_json::from_value::<TalerConfig>(c).unwrap()).unwrap()
}

fn config_body() -> HttpResponse {
    HttpResponse::new(
        200,
        json!({"version": "20:0:8", "name": "taler-merchant", "currency": "EUR"}).to_string(),
    )
}

fn paid_body(id: &str) -> HttpResponse {
    HttpResponse::new(
        200,
        json!({
            "order_status": "paid", "refunded": false, "refund_pending": false, "wired": false,
            "deposit_total": "EUR:4.99", "exchange_code": 0, "exchange_http_status": 0,
            "refund_amount": "EUR:0", "last_payment": {"t_s": 1_800_000_000},
            "contract_terms": {"order_id": id, "amount": "EUR:5", "summary": "x"},
            "wire_details": [], "wire_reports": [], "refund_details": [],
            "order_status_url": "https://backend.example.com/orders/O"
        })
        .to_string(),
    )
}

fn now() -> Context<'static> {
    Context::fixed(Timestamp::from_second(1_800_000_000).unwrap(), [7; 32])
}

#[test]
fn request_steps_are_exact() {
    let t = taler(json!({}));
    let req = PaymentRequest::new(polypay_core::Amount::parse("EUR:5").unwrap());
    let mut seen: Vec<HttpRequest> = Vec::new();
    let intent = drive_sync(
        |cx| t.request(&req, cx),
        now(),
        |r| {
            seen.push(r.clone());
            Ok(match r.url.path() {
                "/config" => config_body(),
                _ => {
                    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                    let id = body["order"]["order_id"].as_str().unwrap().to_owned();
                    HttpResponse::new(200, json!({"order_id": id, "token": "TOK"}).to_string())
                }
            })
        },
        8,
    )
    .unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].method, seen[0].url.as_str()),
        (Method::Get, "https://backend.example.com/config")
    );
    assert!(seen[0].headers.is_empty(), "/config is public");
    let post = &seen[1];
    assert_eq!(
        post.url.as_str(),
        "https://backend.example.com/private/orders"
    );
    assert!(post.idempotent, "the order id makes a retry safe");
    let auth = post
        .headers
        .iter()
        .find(|h| h.name == "Authorization")
        .unwrap();
    assert!(auth.sensitive && auth.value == "Bearer secret-token:s3cr3t");
    assert!(!format!("{post:?}").contains("s3cr3t"));
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    // Entropy [7; 32] gives a reproducible order id.
    assert_eq!(body["order"]["order_id"], "pp-070707070707070707070707");
    assert_eq!(body["order"]["amount"], "EUR:5.00");
    assert_eq!(body["create_token"], true);
    assert_eq!(
        intent.action,
        polypay_core::Action::Uri {
            uri: "taler://pay/backend.example.com/pp-070707070707070707070707/?c=TOK".into(),
            url: Some(
                "https://backend.example.com/orders/pp-070707070707070707070707?token=TOK"
                    .parse()
                    .unwrap()
            ),
        }
    );
}

/// What `status` makes of a backend answering that order `O` is paid.
fn status_of_paid_order(t: &Taler, q: &StatusQuery) -> PaymentResponse {
    drive_sync(
        |cx| t.status(q, cx),
        now(),
        |r| {
            Ok(if r.url.path() == "/config" {
                config_body()
            } else {
                paid_body("O")
            })
        },
        8,
    )
    .unwrap()
}

#[test]
fn plain_http_to_another_host_is_never_verified() {
    let t = taler(json!({"base_url": "http://merchant.lan:9966/", "allow_http": true}));
    let q = StatusQuery::new("O");
    let r = status_of_paid_order(&t, &q);
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid));
    assert!(!r.is_paid());
    assert!(r.bank_status.unwrap().contains("unverified"));
    // The same answer over HTTPS is verified.
    let t = taler(json!({}));
    let r = status_of_paid_order(&t, &q);
    assert!(r.is_paid());
}

#[test]
fn foreign_or_broken_state_is_refused() {
    let t = taler(json!({}));
    let q = StatusQuery::new("O");
    let prior = Exchange {
        state: json!({"phase": "elsewhere"}),
        response: HttpResponse::new(200, "{}"),
    };
    assert!(t.status(&q, now().with_prior(&prior)).is_err());
    // Long polls ask the host for extra time.
    let q = q.with_long_poll(std::time::Duration::from_secs(30));
    let prior = Exchange {
        state: json!({"phase": "config"}),
        response: config_body(),
    };
    let Step::Http { request, .. } = t.status(&q, now().with_prior(&prior)).unwrap() else {
        panic!("expected the status call")
    };
    assert_eq!(request.url.query(), Some("timeout_ms=30000"));
    assert_eq!(
        request.extra_timeout,
        Some(std::time::Duration::from_secs(30))
    );
}

/// Regression (fuzz target `taler_webhook`): an order id of dots passed the id check, and the
/// URL join resolved it away — `..` aimed a status at `private/` and a cancel `DELETE` at the
/// whole instance. Such ids are refused before any call, whoever supplies them.
#[test]
fn dot_segment_order_ids_never_leave_the_order() {
    let t = taler(json!({}));
    let config = Exchange {
        state: json!({"phase": "config"}),
        response: config_body(),
    };
    for id in [".", "..", "..."] {
        let q = StatusQuery::new(id);
        assert!(t.status(&q, now().with_prior(&config)).is_err(), "{id}");
        let adj = polypay_core::Adjustment::new(id, polypay_core::Amount::parse("EUR:1").unwrap());
        assert!(t.cancel(&adj, now().with_prior(&config)).is_err(), "{id}");
        assert!(t.refund(&adj, now().with_prior(&config)).is_err(), "{id}");
        let hint = polypay_core::Incoming::post_form(format!("order_id={id}"));
        assert!(
            t.response(&hint, now().with_prior(&config)).is_err(),
            "{id}"
        );
    }
    // A dot inside an id is fine and stays one path segment.
    let q = StatusQuery::new("2026.01-x..y");
    let Step::Http { request, .. } = t.status(&q, now().with_prior(&config)).unwrap() else {
        panic!("expected the status call")
    };
    assert_eq!(
        request.url.as_str(),
        "https://backend.example.com/private/orders/2026.01-x..y"
    );
}

#[test]
fn description_marks_secrets_and_defaults() {
    use polypay_core::{BackendFactory, ParamKind, Scope};
    let d = crate::TalerFactory.description();
    for secret in ["token", "password", "webhook_secret"] {
        let p = d.parameter(secret).unwrap();
        assert!(p.secret && !p.required, "{secret}: {p:?}");
    }
    let base = d.parameter("base_url").unwrap();
    assert!(base.required && base.kind == ParamKind::Url, "{base:?}");
    assert_eq!(
        d.parameter("instance").unwrap().default,
        Some(json!("admin"))
    );
    assert_eq!(
        d.parameter("create_token").unwrap().default,
        Some(json!(true))
    );
    let products = d
        .transaction_parameters()
        .find(|p| p.name == "products")
        .unwrap();
    assert_eq!(
        (products.kind, products.scope),
        (ParamKind::Text, Scope::Transaction)
    );
    assert!(d.caption.contains("Taler"));
    assert!(
        d.help
            .as_deref()
            .unwrap_or_default()
            .contains("taler://pay/")
    );
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let t = taler(json!({"webhook_secret": "a-webhook-secret-of-some-length"}));
    let text = format!("{t:?}");
    assert!(
        !text.contains("s3cr3t") && !text.contains("webhook-secret"),
        "{text}"
    );
    let config: TalerConfig = serde_json::from_value(json!({
        "base_url": "https://b.example/", "password": "hunter2-password",
        "fulfillment_url": "https://shop.example/"
    }))
    .unwrap();
    assert!(!format!("{config:?}").contains("hunter2"));
    // Serializing a configuration (to show its defaults) leaves secrets out.
    assert!(!serde_json::to_string(&config).unwrap().contains("hunter2"));
    let factory = crate::TalerFactory;
    let bad = json!({"base_url": "ftp://b.example/", "token": "hunter2-token"});
    let Err(err) = polypay_core::BackendFactory::build(&factory, bad.as_object().unwrap()) else {
        panic!("an ftp:// base URL is refused")
    };
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
}
