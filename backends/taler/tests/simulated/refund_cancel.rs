//! `refund` (total semantics, every refusal) and `cancel` (deletion rules).

use polypay_core::{Adjustment, Amount, Error, ErrorKind, PaymentStatus};
use polypay_taler::TalerUri;
use polypay_taler::simulator::Simulator;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_adds_to_the_total_and_returns_the_refund_uri() {
    let Env { sim, payment } = crate::support::env().await;
    let intent = payment.request(&req("10", "RF")).await.unwrap();
    sim.pay("admin", "RF", None).unwrap();
    let mut adj = Adjustment::new("RF", eur("3")).with_bank_data(intent.backend_data.clone());
    adj.bank_data
        .insert("refund_reason".into(), "broken mug".into());
    let r = payment.refund(&adj).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Refunded);
    assert!(r.is_verified());
    assert_eq!(
        (r.amount, r.refunded_amount),
        (Some(eur("10")), Some(eur("3")))
    );
    assert_eq!(r.bank_status.as_deref(), Some("partially refunded"));
    let uri = r.bank_data["taler_refund_uri"].as_str().unwrap();
    assert_eq!(uri, format!("taler+http://refund/{}/RF/", sim.addr()));
    assert!(matches!(
        TalerUri::parse(uri).unwrap(),
        TalerUri::Refund { .. }
    ));
    let order = sim.order("admin", "RF").unwrap();
    assert_eq!(order["refund_amount"], "EUR:3");
    assert_eq!(order["refund_details"][0]["reason"], "broken mug");
    // Another 2 EUR: the total sent is 5.
    let r = payment
        .refund(&Adjustment::new("RF", eur("2")))
        .await
        .unwrap();
    assert_eq!(r.refunded_amount, Some(eur("5")));
    assert_eq!(sim.order("admin", "RF").unwrap()["refund_amount"], "EUR:5");
    assert_eq!(sim.hits("POST /private/orders/RF/refund"), 2);
    // More than what is left: refused locally, nothing sent.
    let err = payment
        .refund(&Adjustment::new("RF", eur("5.01")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("already refunded: 5.00 EUR"),
        "{err}"
    );
    let r = payment
        .refund(&Adjustment::new("RF", eur("5")))
        .await
        .unwrap();
    assert_eq!(r.bank_status.as_deref(), Some("fully refunded"));
    assert_eq!(sim.hits("POST /private/orders/RF/refund"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_refusals() {
    let Env { sim, payment } = crate::support::env().await;
    payment.request(&req("10", "UNPAID")).await.unwrap();
    let err = payment
        .refund(&Adjustment::new("UNPAID", eur("1")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("not paid"), "{err}");
    let err = payment
        .refund(&Adjustment::new("GONE", eur("1")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let zero = payment
        .refund(&Adjustment::new("UNPAID", eur("0")))
        .await
        .unwrap_err();
    assert_eq!(zero.kind(), ErrorKind::InvalidInput);
    payment.request(&req("10", "PAID")).await.unwrap();
    sim.pay("admin", "PAID", None).unwrap();
    let usd = Adjustment::new("PAID", Amount::parse("USD:1").unwrap());
    assert_eq!(
        payment.refund(&usd).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // The backend's own refusals, raced between the read and the refund.
    for (status, body, kind) in [
        (409, r#"{"code": 2530}"#, ErrorKind::Conflict),
        (409, r#"{"code": 2531}"#, ErrorKind::Conflict),
        (410, r#"{"code": 0, "hint": "wired"}"#, ErrorKind::Expired),
        (451, r#"{"code": 9999}"#, ErrorKind::Provider),
    ] {
        sim.script("POST", "/private/orders/PAID/refund", status, body);
        let err = payment
            .refund(&Adjustment::new("PAID", eur("1")))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
    }
    sim.script(
        "POST",
        "/private/orders/PAID/refund",
        200,
        r#"{"taler_refund_uri": "taler://refund/evil.example/OTHER/"}"#,
    );
    let err = payment
        .refund(&Adjustment::new("PAID", eur("1")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_need_a_refund_deadline_and_come_before_the_wire() {
    let env = env_with(Simulator::builder(), json!({ "refund_delay_seconds": 0 })).await;
    env.payment.request(&req("10", "NR")).await.unwrap();
    env.sim.pay("admin", "NR", None).unwrap();
    match env
        .payment
        .refund(&Adjustment::new("NR", eur("1")))
        .await
        .unwrap_err()
    {
        Error::Conflict(m) => assert!(m.contains("allows no refund") && m.contains("2532"), "{m}"),
        other => panic!("{other:?}"),
    }
    let Env { sim, payment } = crate::support::env().await;
    payment.request(&req("10", "WIRED")).await.unwrap();
    sim.pay("admin", "WIRED", None).unwrap();
    sim.wire("admin", "WIRED").unwrap();
    let err = payment
        .refund(&Adjustment::new("WIRED", eur("1")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Expired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_follows_the_deletion_rules() {
    let Env { sim, payment } = crate::support::env().await;
    let intent = payment.request(&req("1", "DEL")).await.unwrap();
    let r = payment
        .cancel(&Adjustment::new("DEL", eur("1")))
        .await
        .unwrap();
    assert_eq!(
        (r.status(), r.is_verified()),
        (PaymentStatus::Cancelled, true)
    );
    assert!(sim.order("admin", "DEL").is_none());
    assert_eq!(
        payment
            .cancel(&Adjustment::new("DEL", eur("1")))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let _ = intent;

    let intent = payment.request(&req("1", "CLAIMED")).await.unwrap();
    let token = intent.backend_data["claim_token"].as_str().unwrap();
    sim.claim("admin", "CLAIMED", "N", Some(token)).unwrap();
    let err = payment
        .cancel(&Adjustment::new("CLAIMED", eur("1")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(
        err.to_string().contains("claimed") && err.to_string().contains("2520"),
        "{err}"
    );
    let mut forced = Adjustment::new("CLAIMED", eur("1"));
    forced.bank_data.insert("force_delete".into(), true.into());
    payment.cancel(&forced).await.unwrap();
    assert!(sim.order("admin", "CLAIMED").is_none());

    payment.request(&req("1", "PAIDDEL")).await.unwrap();
    sim.pay("admin", "PAIDDEL", None).unwrap();
    let mut forced = Adjustment::new("PAIDDEL", eur("1"));
    forced.bank_data.insert("force_delete".into(), true.into());
    let err = payment.cancel(&forced).await.unwrap_err();
    assert!(
        err.to_string().contains("refund it instead") && err.to_string().contains("2521"),
        "{err}"
    );
    assert!(sim.order("admin", "PAIDDEL").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_post_is_resent_safely_after_a_server_failure() {
    let Env { sim, payment } = crate::support::env().await;
    let payment = payment.with_policy(
        policy()
            .retries(1)
            .retry_backoff(std::time::Duration::from_millis(10)),
    );
    payment.request(&req("10", "RR")).await.unwrap();
    sim.pay("admin", "RR", None).unwrap();
    // The first POST fails on the server's side; the same total is sent again.
    sim.script("POST", "/private/orders/RR/refund", 503, "busy");
    let r = payment
        .refund(&Adjustment::new("RR", eur("4")))
        .await
        .unwrap();
    assert_eq!(r.refunded_amount, Some(eur("4")));
    assert_eq!(sim.hits("POST /private/orders/RR/refund"), 2);
    assert_eq!(sim.order("admin", "RR").unwrap()["refund_amount"], "EUR:4");
    // Failing for good: the error says the refund's fate is unknown.
    sim.script("POST", "/private/orders/RR/refund", 500, r#"{"code": 52}"#);
    sim.script("POST", "/private/orders/RR/refund", 500, r#"{"code": 52}"#);
    let err = payment
        .refund(&Adjustment::new("RR", eur("1")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read the order's status"), "{err}");
    assert_eq!(sim.order("admin", "RR").unwrap()["refund_amount"], "EUR:4");
}
