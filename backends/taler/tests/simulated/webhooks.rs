//! Webhooks: registration, listing, reading and deletion through `Payment::run_steps`, and
//! the simulator's deliveries fed to `response`, which confirms them with the backend.

// Helpers below are test code: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use polypay_core::{Adjustment, ErrorKind, Incoming, PaymentStatus};
use polypay_taler::simulator::Simulator;
use polypay_taler::{Webhook, WebhookEvent};
use serde_json::json;
use tokio::sync::mpsc;

use crate::support::*;

const SECRET: &str = "4f1c9a7e2b8d6053-hook-secret";

/// What the integrator's webhook handler received.
struct Received {
    method: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn incoming(&self) -> Incoming {
        Incoming::new(&self.method, "", self.headers.clone(), self.body.clone())
    }
}

/// A webhook receiver on loopback answering `status`; what it receives goes to the channel.
async fn receiver(status: StatusCode) -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().fallback(move |method: Method, headers: HeaderMap, body: Bytes| {
        let tx = tx.clone();
        async move {
            let headers = headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect();
            let _ = tx.send(Received {
                method: method.to_string(),
                headers,
                body: body.to_vec(),
            });
            status
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a webhook arrives")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registered_webhooks_reach_response_and_are_confirmed() {
    let env = taler_env_with(Simulator::builder(), json!({ "webhook_secret": SECRET })).await;
    let (addr, mut rx) = receiver(StatusCode::OK).await;
    let url: url::Url = format!("http://{addr}/taler/notify").parse().unwrap();
    let taler = env.taler.clone();
    for (id, event) in [
        ("shop-pay", WebhookEvent::Pay),
        ("shop-refund", WebhookEvent::Refund),
    ] {
        let hook = taler.polypay_webhook(id, event, url.clone()).unwrap();
        assert!(
            !format!("{hook:?}").contains(SECRET),
            "the secret is redacted"
        );
        env.payment
            .run_steps("add webhook", |cx| taler.add_webhook(&hook, cx))
            .await
            .unwrap();
    }
    let listed = env
        .payment
        .run_steps("list webhooks", |cx| taler.webhooks(cx))
        .await
        .unwrap();
    let listed: Vec<(&str, &WebhookEvent)> = listed
        .iter()
        .map(|w| (w.webhook_id.as_str(), &w.event_type))
        .collect();
    assert_eq!(
        listed,
        [
            ("shop-pay", &WebhookEvent::Pay),
            ("shop-refund", &WebhookEvent::Refund)
        ]
    );
    let read = env
        .payment
        .run_steps("read webhook", |cx| taler.webhook("shop-pay", cx))
        .await
        .unwrap();
    assert_eq!(
        (read.url.clone(), read.http_method.as_str()),
        (url.clone(), "POST")
    );
    assert!(
        read.header_template
            .as_ref()
            .unwrap()
            .expose()
            .contains(&format!("X-Polypay-Token: {SECRET}"))
    );

    // The wallet pays: the backend sends the pay webhook, the handler hands it to polypay.
    let intent = env.payment.request(&req("15", "W1")).await.unwrap();
    env.sim.pay("admin", "W1", None).unwrap();
    let got = next(&mut rx).await;
    assert_eq!(got.method, "POST");
    let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body, json!({ "event_type": "pay", "order_id": "W1" }));
    let r = env.payment.response(&got.incoming()).await.unwrap();
    assert!(r.is_paid() && r.is_verified());
    assert!(r.check(&eur("15"), "W1").is_ok());
    assert_eq!(r.bank_data["notified_event"], "pay");
    assert_eq!(r.return_content.as_ref().map(|c| c.status), Some(200));
    assert_eq!(
        env.sim.hits("GET /private/orders/W1"),
        1,
        "confirmed with the backend"
    );

    // A refund: the refund webhook.
    let adj = Adjustment::new("W1", eur("5")).with_bank_data(intent.backend_data.clone());
    env.payment.refund(&adj).await.unwrap();
    let got = next(&mut rx).await;
    let r = env.payment.response(&got.incoming()).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Refunded);
    assert_eq!(r.refunded_amount, Some(eur("5")));
    assert_eq!(r.bank_data["notified_event"], "refund");

    // The simulator recorded both deliveries, each answered at once.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let deliveries = env.sim.webhook_deliveries();
    let seen: Vec<(&str, &str, Option<u16>, u32)> = deliveries
        .iter()
        .map(|d| {
            (
                d.webhook_id.as_str(),
                d.event_type.as_str(),
                d.status,
                d.attempts,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("shop-pay", "pay", Some(200), 1),
            ("shop-refund", "refund", Some(200), 1)
        ]
    );

    // Deleted: no more deliveries for new payments.
    env.payment
        .run_steps("delete webhook", |cx| taler.delete_webhook("shop-pay", cx))
        .await
        .unwrap();
    env.payment.request(&req("1", "W2")).await.unwrap();
    env.sim.pay("admin", "W2", None).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.try_recv().is_err());
    let left = env
        .payment
        .run_steps("list webhooks", |cx| taler.webhooks(cx))
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_retried_and_templates_expanded() {
    let env = taler_env().await;
    let (addr, mut rx) = receiver(StatusCode::SERVICE_UNAVAILABLE).await;
    let hook = Webhook::new(
        "raw",
        WebhookEvent::Refund,
        format!("http://{addr}/hook").parse().unwrap(),
    )
    .with_method("PUT")
    .with_header_template("X-Shop: {{order_id}}")
    .with_body_template(
        r#"{"o":"{{order_id}}","r":"{{refund_amount}}","why":"{{reason}}","c":{{contract_terms}}}"#,
    );
    let taler = env.taler.clone();
    env.payment
        .run_steps("add webhook", |cx| taler.add_webhook(&hook, cx))
        .await
        .unwrap();
    env.payment.request(&req("10", "W3")).await.unwrap();
    env.sim.pay("admin", "W3", None).unwrap();
    let mut adj = Adjustment::new("W3", eur("2.5"));
    adj.bank_data.insert("refund_reason".into(), "late".into());
    env.payment.refund(&adj).await.unwrap();
    let first = next(&mut rx).await;
    assert_eq!(first.method, "PUT");
    assert!(
        first
            .headers
            .iter()
            .any(|(n, v)| n == "x-shop" && v == "W3")
    );
    let body: serde_json::Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(
        (&body["o"], &body["r"], &body["why"]),
        (&json!("W3"), &json!("EUR:2.50"), &json!("late"))
    );
    assert_eq!(body["c"]["order_id"], "W3");
    // 503: sent again, three times in all.
    next(&mut rx).await;
    next(&mut rx).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let d = env.sim.webhook_deliveries();
    assert_eq!((d[0].status, d[0].attempts), (Some(503), 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_refusals() {
    let env = taler_env().await;
    let taler = env.taler.clone();
    let url: url::Url = "https://shop.example/hook".parse().unwrap();
    // No secret configured: polypay will not make a webhook anybody could forge.
    let err = taler
        .polypay_webhook("p", WebhookEvent::Pay, url.clone())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("webhook_secret"), "{err}");

    let add = |hook: Webhook| {
        let taler = taler.clone();
        let payment = env.payment.clone();
        async move {
            payment
                .run_steps("add webhook", move |cx| taler.add_webhook(&hook, cx))
                .await
        }
    };
    // Refused before any request.
    for bad in [
        Webhook::new("a b", WebhookEvent::Pay, url.clone()),
        Webhook::new(
            "h",
            WebhookEvent::Pay,
            "mailto:x@y.example".parse().unwrap(),
        ),
        Webhook::new("h", WebhookEvent::Pay, url.clone()).with_method(""),
    ] {
        assert_eq!(add(bad).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(env.sim.hits("POST /private/webhooks"), 0);

    // The same webhook twice is fine; other details under its id conflict (code 2900).
    let hook = Webhook::new("h1", WebhookEvent::Pay, url.clone());
    add(hook.clone()).await.unwrap();
    add(hook.clone()).await.unwrap();
    let err = add(hook.clone().with_body_template("{}"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(
        err.to_string()
            .contains("MERCHANT_PRIVATE_POST_WEBHOOKS_CONFLICT_WEBHOOK_EXISTS"),
        "{err}"
    );
    // The backend refuses what polypay lets through (an event it does not know): 400.
    let err = add(Webhook::new(
        "h2",
        WebhookEvent::Other("paid".into()),
        url.clone(),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("GENERIC_PARAMETER_MALFORMED"),
        "{err}"
    );

    // Unknown webhooks: 404, code 2019.
    let err = env
        .payment
        .run_steps("read webhook", |cx| taler.webhook("ghost", cx))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string().contains("MERCHANT_GENERIC_WEBHOOK_UNKNOWN"),
        "{err}"
    );
    let err = env
        .payment
        .run_steps("delete webhook", |cx| taler.delete_webhook("ghost", cx))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = env
        .payment
        .run_steps("read webhook", |cx| taler.webhook("bad/id", cx))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    // A list that is not one.
    env.sim
        .script("GET", "/private/webhooks", 200, r#"{"hooks": []}"#);
    let err = env
        .payment
        .run_steps("list webhooks", |cx| taler.webhooks(cx))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    // A token without the permission: 403.
    env.sim.script(
        "GET",
        "/private/webhooks",
        403,
        r#"{"code": 16, "hint": "webhooks-read missing"}"#,
    );
    let err = env
        .payment
        .run_steps("list webhooks", |cx| taler.webhooks(cx))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert!(err.to_string().contains("permission"), "{err}");
}
