//! `status`: every order state, long polling, sessions, integrity.

use std::time::{Duration, Instant};

use polypay_core::{Error, ErrorKind, PaymentStatus, StatusQuery};
use polypay_taler::simulator::Simulator;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaid_claimed_paid_wired() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("10", "S1")).await.unwrap();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert!(r.is_verified());
    assert_eq!(r.bank_status.as_deref(), Some("unpaid"));
    assert_eq!(r.amount, Some(eur("10")));
    assert_eq!(r.order_id.as_deref(), Some("S1"));
    assert_eq!(
        r.bank_data["taler_pay_uri"],
        intent.backend_data["taler_pay_uri"]
    );
    assert_eq!(
        r.bank_data["claim_token"],
        intent.backend_data["claim_token"]
    );

    let token = intent.backend_data["claim_token"].as_str().unwrap();
    sim.claim("admin", "S1", "NONCE", Some(token)).unwrap();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        (r.status(), r.bank_status.as_deref()),
        (PaymentStatus::Waiting, Some("claimed"))
    );
    assert_eq!(r.bank_data["contract_terms"]["nonce"], "NONCE");

    sim.pay("admin", "S1", None).unwrap();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert!(r.is_paid());
    assert_eq!(r.amount, Some(eur("10")));
    assert!(r.check(&eur("10.00"), "S1").is_ok());
    assert!(r.transaction_date.is_some());
    assert_eq!(r.bank_data["wired"], false);
    // The deposit total is net of fees and may be finer than cents: kept verbatim.
    assert_eq!(r.bank_data["deposit_total"], "EUR:9.999");
    assert_eq!(r.bank_data["contract_terms"]["order_id"], "S1");

    sim.wire("admin", "S1").unwrap();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        (r.status(), r.bank_status.as_deref()),
        (PaymentStatus::Paid, Some("paid (wired)"))
    );
    // The bank data a status gives is enough for the next status.
    let again = StatusQuery::new("S1").with_bank_data(r.bank_data.clone());
    assert!(payment.status(&again).await.unwrap().is_paid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_and_full_refunds_are_reported() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("10", "R1")).await.unwrap();
    sim.pay("admin", "R1", None).unwrap();
    let refunded = payment
        .refund(&polypay_core::Adjustment::new("R1", eur("2.50")))
        .await
        .unwrap();
    assert_eq!(refunded.refunded_amount, Some(eur("2.50")));
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Refunded);
    assert_eq!(r.refunded_amount, Some(eur("2.5")));
    assert_eq!(
        r.bank_status.as_deref(),
        Some("paid (partially refunded, refund pending)")
    );
    payment
        .refund(&polypay_core::Adjustment::new("R1", eur("7.50")))
        .await
        .unwrap();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.refunded_amount, Some(eur("10")));
    assert_eq!(
        r.bank_status.as_deref(),
        Some("paid (fully refunded, refund pending)")
    );
    assert_eq!(r.bank_data["refund_details"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_offers() {
    let env = env_with(Simulator::builder(), json!({ "pay_deadline_seconds": 60 })).await;
    let intent = env.payment.request(&req("1", "X1")).await.unwrap();
    let late = later(&env.payment, 120);
    let r = late.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Expired);
    // Without the intent's data polypay cannot know the deadline of an unclaimed order.
    let r = late.status(&StatusQuery::new("X1")).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    // A claimed order carries its deadline in the contract.
    let token = intent.backend_data["claim_token"].as_str().unwrap();
    env.sim.claim("admin", "X1", "N", Some(token)).unwrap();
    let r = late.status(&StatusQuery::new("X1")).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Expired);
    // The backend refuses the payment too.
    env.sim.advance(120);
    assert_eq!(env.sim.pay("admin", "X1", None).unwrap_err().code, 2161);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_poll_holds_until_payment() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("4", "LP")).await.unwrap();
    let waiting = {
        let payment = payment.clone();
        let q = query(&intent).with_long_poll(Duration::from_secs(8));
        // Timed from before the spawn: the task may start after the sleep below has begun,
        // and the poll must then still have lasted the whole 400 ms.
        let started = Instant::now();
        tokio::spawn(async move { (payment.status(&q).await, started.elapsed()) })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!waiting.is_finished(), "the backend holds the long poll");
    sim.pay("admin", "LP", None).unwrap();
    let (r, elapsed) = waiting.await.unwrap();
    assert!(r.unwrap().is_paid());
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    assert!(sim.log().iter().any(|l| l == "GET /private/orders/LP"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_poll_times_out_as_waiting() {
    let Env { sim: _sim, payment } = env().await;
    let intent = payment.request(&req("4", "LT")).await.unwrap();
    let started = Instant::now();
    let r = payment
        .status(&query(&intent).with_long_poll(Duration::from_millis(700)))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polls_beyond_the_policy_timeout_are_allowed() {
    let sim = Simulator::start().await.unwrap();
    let payment =
        payment(config(&sim, json!({}))).with_policy(policy().timeout(Duration::from_millis(500)));
    let intent = payment.request(&req("1", "LONG")).await.unwrap();
    let r = payment
        .status(&query(&intent).with_long_poll(Duration::from_millis(1200)))
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        PaymentStatus::Waiting,
        "the long poll extends the deadline"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_bind_payments() {
    let Env { sim, payment } = env().await;
    let intent = payment
        .request(&req("2", "SESS").with_extra("session_id", "browser-A"))
        .await
        .unwrap();
    sim.pay("admin", "SESS", Some("browser-A")).unwrap();
    // The intent's session is used by default.
    assert!(payment.status(&query(&intent)).await.unwrap().is_paid());
    // Another session has not proved payment.
    let mut other = query(&intent);
    other.session_id = Some("browser-B".into());
    let r = payment.status(&other).await.unwrap();
    assert_eq!(
        (r.status(), r.bank_status.as_deref()),
        (PaymentStatus::Waiting, Some("unpaid"))
    );
    assert!(sim.log().iter().any(|l| l == "GET /private/orders/SESS"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrity_and_precision_are_enforced() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("10", "I1")).await.unwrap();
    sim.pay("admin", "I1", None).unwrap();
    // The integrator's record says another amount: never reported paid.
    let mut q = query(&intent);
    q.bank_data
        .insert("requested_amount".into(), "EUR:11".into());
    assert!(matches!(
        payment.status(&q).await.unwrap_err(),
        Error::Integrity {
            field: "amount",
            ..
        }
    ));
    let paid = sim.order("admin", "I1").unwrap();
    let mut forged = paid.clone();
    forged["contract_terms"]["order_id"] = "OTHER".into();
    sim.script("GET", "/private/orders/I1", 200, &forged.to_string());
    assert!(matches!(
        payment.status(&query(&intent)).await.unwrap_err(),
        Error::Integrity {
            field: "transaction_id",
            ..
        }
    ));
    // A refund amount finer than cents cannot be represented in EUR: refused, not rounded.
    let mut fine = paid.clone();
    fine["refund_amount"] = "EUR:0.001".into();
    fine["refunded"] = true.into();
    sim.script("GET", "/private/orders/I1", 200, &fine.to_string());
    let err = payment.status(&query(&intent)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(err.to_string().contains("refund_amount") && err.to_string().contains("never rounds"));
    // Older backends' field names and unknown states are read leniently, never as paid.
    let mut old = paid.clone();
    let o = old.as_object_mut().unwrap();
    o.remove("exchange_code");
    o.insert("exchange_ec".into(), 0.into());
    sim.script("GET", "/private/orders/I1", 200, &old.to_string());
    assert!(payment.status(&query(&intent)).await.unwrap().is_paid());
    sim.script(
        "GET",
        "/private/orders/I1",
        200,
        r#"{"order_status": "mystery"}"#,
    );
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        (r.status(), r.bank_status.as_deref()),
        (PaymentStatus::Waiting, Some("mystery"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_orders_and_bad_ids() {
    let Env { sim: _sim, payment } = env().await;
    let err = payment.status(&StatusQuery::new("NOPE")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("TALER_EC 2005"), "{err}");
    let err = payment
        .status(&StatusQuery::new("no/pe"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_localhost_counts_as_loopback() {
    // (Plain HTTP to another host is never verified: see the unit tests of ops::status, which
    // need no network.)
    let sim = Simulator::start().await.unwrap();
    let cfg = config(&sim, json!({}));
    let mut remote = cfg.clone();
    remote.insert(
        "base_url".into(),
        format!("http://localhost:{}/", sim.addr().port()).into(),
    );
    let local = payment(remote);
    let intent = local.request(&req("1", "LH")).await.unwrap();
    sim.pay("admin", "LH", None).unwrap();
    assert!(local.status(&query(&intent)).await.unwrap().is_paid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_clock_and_expiry_helpers() {
    let Env { sim, payment } = env().await;
    payment.request(&req("1", "EXP")).await.unwrap();
    sim.expire("admin", "EXP").unwrap();
    let r = payment.status(&StatusQuery::new("EXP")).await.unwrap();
    assert_eq!(
        (r.status(), r.bank_status.as_deref()),
        (PaymentStatus::Expired, Some("claimed"))
    );
    assert_eq!(sim.pay("admin", "EXP", None).unwrap_err().code, 2161);
    let then: jiff::Timestamp = "2024-05-01T10:00:00Z".parse().unwrap();
    sim.set_now(then);
    assert!((sim.now().as_second() - then.as_second()).abs() <= 2);
    payment.request(&req("1", "PAST")).await.unwrap();
    let created = sim.order("admin", "PAST").unwrap()["creation_time"]["t_s"]
        .as_i64()
        .unwrap();
    assert!((created - then.as_second()).abs() <= 2);
    sim.pay("admin", "PAST", None).unwrap();
    assert_eq!(sim.expire("admin", "PAST").unwrap_err().code, 2160);
}
