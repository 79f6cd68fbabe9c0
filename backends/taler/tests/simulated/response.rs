//! `response`: webhooks and fulfillment hits are hints confirmed with the backend.

use polypay_core::{ErrorKind, Incoming, PaymentStatus};
use polypay_taler::simulator::Simulator;
use serde_json::json;

use crate::support::*;

const SECRET: &str = "0123456789abcdef-webhook";

fn webhook(order: &str, secret: Option<&str>) -> Incoming {
    let body = json!({ "event_type": "pay", "order_id": order, "contract_terms": {} });
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(s) = secret {
        headers.push(("X-Polypay-Token".to_owned(), s.to_owned()));
    }
    Incoming::new("POST", "", headers, body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_confirmed_with_the_backend() {
    let env = env_with(Simulator::builder(), json!({ "webhook_secret": SECRET })).await;
    env.payment.request(&req("8", "WH")).await.unwrap();
    // A forged "pay" notification for an unpaid order stays waiting.
    let r = env
        .payment
        .response(&webhook("WH", Some(SECRET)))
        .await
        .unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(r.bank_data["notified_event"], "pay");
    assert_eq!(r.return_content.as_ref().map(|c| c.status), Some(200));
    env.sim.pay("admin", "WH", None).unwrap();
    let r = env
        .payment
        .response(&webhook("WH", Some(SECRET)))
        .await
        .unwrap();
    assert!(r.is_paid());
    assert_eq!(r.amount, Some(eur("8")));
    assert_eq!(env.sim.hits("GET /private/orders/WH"), 2);
    assert_eq!(
        env.payment.backend().guess(&webhook("WH", None)).as_deref(),
        Some("WH")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_without_the_secret_is_refused_before_any_call() {
    let env = env_with(Simulator::builder(), json!({ "webhook_secret": SECRET })).await;
    env.payment.request(&req("8", "WS")).await.unwrap();
    let before = env.sim.hits("GET /private/orders/WS");
    for secret in [None, Some("wrong"), Some("0123456789abcdef-webhooK")] {
        let r = env.payment.response(&webhook("WS", secret)).await.unwrap();
        assert!(!r.is_verified());
        assert_eq!(r.status(), PaymentStatus::Waiting);
        assert_eq!(r.order_id.as_deref(), Some("WS"));
        assert_eq!(r.return_content.as_ref().map(|c| c.status), Some(403));
    }
    // Even once paid, a webhook without the secret never reports paid.
    env.sim.pay("admin", "WS", None).unwrap();
    let r = env
        .payment
        .response(&webhook("WS", Some("wrong")))
        .await
        .unwrap();
    assert!(!r.is_paid());
    assert_eq!(env.sim.hits("GET /private/orders/WS"), before);
    // The secret never shows in the response.
    assert!(!format!("{r:?}").contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fulfillment_return_is_a_hint_too() {
    let env = env_with(Simulator::builder(), json!({ "webhook_secret": SECRET })).await;
    env.payment.request(&req("8", "FF")).await.unwrap();
    env.sim.pay("admin", "FF", None).unwrap();
    // The wallet sends the browser to the fulfillment URL with the order id: no secret there.
    let r = env
        .payment
        .response(&Incoming::get("order_id=FF"))
        .await
        .unwrap();
    assert!(r.is_paid());
    assert!(r.return_content.is_none());
    // A form post works the same (with the secret).
    let form = Incoming::post_form("order_id=FF").with_header("x-polypay-token", SECRET);
    assert!(env.payment.response(&form).await.unwrap().is_paid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hints_without_an_order_or_for_unknown_orders() {
    let Env { sim: _sim, payment } = env().await;
    let err = payment.response(&Incoming::get("x=1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = payment
        .response(&Incoming::get("order_id=a%2Fb"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = payment
        .response(&Incoming::get("order_id=UNKNOWN"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    // Without a configured secret, notifications are accepted as hints.
    let r = payment
        .response(&webhook("UNKNOWN", None))
        .await
        .unwrap_err();
    assert_eq!(r.kind(), ErrorKind::NotFound);
}
