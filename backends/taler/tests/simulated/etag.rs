//! `status` with ETags: `If-None-Match` and `304 Not Modified`, `lp_not_etag` long polls, and
//! the rule that a caller's copy of a paid view is never reused.

// Helpers below are test code: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use polypay_core::{ErrorKind, PaymentStatus, StatusQuery};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_order_costs_a_304_and_keeps_its_status() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("6", "E1")).await.unwrap();
    let first = payment.status(&query(&intent)).await.unwrap();
    let etag = first.bank_data["etag"].as_str().unwrap().to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    assert_eq!(sim.not_modified(), 0, "the first query had no ETag to send");

    let again = StatusQuery::new("E1").with_bank_data(first.bank_data.clone());
    let second = payment.status(&again).await.unwrap();
    assert_eq!(sim.not_modified(), 1, "the backend answered 304");
    assert_eq!(second.status(), PaymentStatus::Waiting);
    assert!(second.is_verified());
    assert_eq!(
        (second.amount, second.bank_status.as_deref()),
        (Some(eur("6")), Some("unpaid"))
    );
    assert_eq!(second.bank_data["etag"], etag.as_str());
    assert_eq!(
        second.bank_data["taler_pay_uri"],
        intent.backend_data["taler_pay_uri"]
    );

    // A change gives a new view and a new ETag.
    let token = intent.backend_data["claim_token"].as_str().unwrap();
    sim.claim("admin", "E1", "NONCE", Some(token)).unwrap();
    let third = payment
        .status(&StatusQuery::new("E1").with_bank_data(second.bank_data.clone()))
        .await
        .unwrap();
    assert_eq!(sim.not_modified(), 1);
    assert_eq!(third.bank_status.as_deref(), Some("claimed"));
    assert_ne!(third.bank_data["etag"], etag.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_with_an_etag_waits_for_any_change() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("3", "E2")).await.unwrap();
    let seen = payment.status(&query(&intent)).await.unwrap();
    // Nothing happens: the long poll ends in a 304 and the same status.
    let started = Instant::now();
    let q = StatusQuery::new("E2")
        .with_bank_data(seen.bank_data.clone())
        .with_long_poll(Duration::from_millis(600));
    let r = payment.status(&q).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(
        (r.status(), sim.not_modified()),
        (PaymentStatus::Waiting, 1)
    );
    assert!(
        sim.log()
            .iter()
            .filter(|l| *l == "GET /private/orders/E2")
            .count()
            >= 2
    );

    // A claim (not a payment) ends it: without the ETag the backend would wait for payment.
    let waiting = {
        let payment = payment.clone();
        let q = q.clone().with_long_poll(Duration::from_secs(8));
        tokio::spawn(async move { payment.status(&q).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished());
    let token = intent.backend_data["claim_token"].as_str().unwrap();
    sim.claim("admin", "E2", "N", Some(token)).unwrap();
    let r = tokio::time::timeout(Duration::from_secs(4), waiting)
        .await
        .expect("the claim ends the long poll")
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.status(), r.bank_status.as_deref()),
        (PaymentStatus::Waiting, Some("claimed"))
    );

    // With the claimed view's ETag, the payment ends the next long poll.
    let q = StatusQuery::new("E2")
        .with_bank_data(r.bank_data.clone())
        .with_long_poll(Duration::from_secs(8));
    let waiting = {
        let payment = payment.clone();
        tokio::spawn(async move { payment.status(&q).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.pay("admin", "E2", None).unwrap();
    let r = waiting.await.unwrap().unwrap();
    assert!(r.is_paid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_view_held_by_the_caller_is_never_reused() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("9", "E3")).await.unwrap();
    let unpaid = payment.status(&query(&intent)).await.unwrap();

    // The caller's copy is edited to claim a payment: it is not reused, the backend's own
    // view decides (and it is unpaid).
    let mut forged = unpaid.bank_data.clone();
    forged.insert("order_status".into(), "paid".into());
    let r = payment
        .status(&StatusQuery::new("E3").with_bank_data(forged))
        .await
        .unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(sim.not_modified(), 0, "no If-None-Match for a paid copy");

    // A genuinely paid view is read afresh every time.
    sim.pay("admin", "E3", None).unwrap();
    let paid = payment.status(&query(&intent)).await.unwrap();
    assert!(paid.is_paid());
    let again = payment
        .status(&StatusQuery::new("E3").with_bank_data(paid.bank_data.clone()))
        .await
        .unwrap();
    assert!(again.is_paid());
    assert_eq!(sim.not_modified(), 0);

    // Another order's view is no view of this one.
    payment.request(&req("1", "E4")).await.unwrap();
    let other = payment
        .status(&StatusQuery::new("E4").with_bank_data(unpaid.bank_data.clone()))
        .await
        .unwrap();
    assert_eq!(
        (other.order_id.as_deref(), other.amount),
        (Some("E4"), Some(eur("1")))
    );
    assert_eq!(sim.not_modified(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_304s_and_etags() {
    let Env { sim, payment } = env().await;
    let intent = payment.request(&req("2", "E5")).await.unwrap();
    // A 304 to a request that was not conditional is not an answer.
    sim.script("GET", "/private/orders/E5", 304, "");
    let err = payment.status(&query(&intent)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(err.to_string().contains("304"), "{err}");
    // An ETag that cannot travel in a header is dropped, not sent back.
    let seen = payment.status(&query(&intent)).await.unwrap();
    let mut odd = seen.bank_data.clone();
    odd.insert("etag".into(), "\"bad\r\nX-Injected: 1\"".into());
    let r = payment
        .status(&StatusQuery::new("E5").with_bank_data(odd))
        .await
        .unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(sim.not_modified(), 0);
    assert_eq!(r.bank_data["etag"], seen.bank_data["etag"]);
}
