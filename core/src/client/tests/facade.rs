//! What `Payment` enforces around the backend: step bound, capabilities, amounts, e-mail,
//! clock, sharing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::any;

use super::support::{Hits, LoopBackend, eur, get, local_policy, pay, payment, serve, url};
use crate::{
    Adjustment, AmountLimit, Capabilities, Error, ErrorKind, Incoming, Operation, PaymentRequest,
    StatusQuery, Timestamp,
};

fn counting(hits: &Hits) -> Router {
    let hits = hits.clone();
    Router::new().route(
        "/x",
        any(move || async move {
            hits.hit();
            "ok"
        }),
    )
}

#[tokio::test]
async fn a_backend_that_never_finishes_stops_after_max_steps() {
    let hits = Hits::default();
    let addr = serve(counting(&hits)).await;
    let backend = LoopBackend::new(get(&url(addr, "/x")))
        .exchanges(usize::MAX)
        .arc();
    let err = pay(&payment(&backend, local_policy().max_steps(3)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Provider, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("loopback") && text.contains("within 3 HTTP exchanges"),
        "{text}"
    );
    assert_eq!(hits.count(), 3, "exactly max_steps exchanges");
    assert_eq!(backend.calls(), 4, "the fourth request was never sent");
}

#[tokio::test]
async fn unsupported_operations_never_reach_the_backend() {
    let backend = LoopBackend::offline()
        .caps(Capabilities::new(&[Operation::Request]))
        .arc();
    let payment = payment(&backend, local_policy());
    let adj = Adjustment::new("tx-1", eur("5.00"));
    let results = [
        (
            Operation::Response,
            payment.response(&Incoming::get("a=b")).await.map(drop),
        ),
        (Operation::Cancel, payment.cancel(&adj).await.map(drop)),
        (Operation::Validate, payment.validate(&adj).await.map(drop)),
        (Operation::Refund, payment.refund(&adj).await.map(drop)),
        (
            Operation::Status,
            payment.status(&StatusQuery::new("tx-1")).await.map(drop),
        ),
    ];
    for (op, result) in results {
        match result {
            Err(Error::Unsupported { backend, operation }) => {
                assert_eq!((backend.as_str(), operation), ("loopback", op));
            }
            other => panic!("{op}: expected Unsupported, got {other:?}"),
        }
    }
    assert_eq!(backend.other_calls(), 0);
    let err = payment.refund(&adj).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the loopback backend does not support refund"
    );
}

#[tokio::test]
async fn amount_limits_are_enforced_before_the_backend() {
    let mut caps = Capabilities::new(&[Operation::Request]);
    caps.currencies = vec![crate::Currency::EUR];
    caps.amount_limits = vec![AmountLimit {
        min: Some(eur("1.00")),
        max: Some(eur("100.00")),
    }];
    let backend = LoopBackend::offline().caps(caps).arc();
    let payment = payment(&backend, local_policy());
    for bad in ["EUR:0.99", "EUR:100.01", "EUR:0", "USD:10.00"] {
        let req = PaymentRequest::new(crate::Amount::parse(bad).unwrap());
        let err = payment.request(&req).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
    }
    assert_eq!(backend.calls(), 0);
    for good in ["1.00", "100.00", "42.42"] {
        payment
            .request(&PaymentRequest::new(eur(good)))
            .await
            .unwrap();
    }
    assert_eq!(backend.calls(), 3);
}

#[tokio::test]
async fn a_required_email_is_enforced_before_the_backend() {
    let mut caps = Capabilities::new(&[Operation::Request]);
    caps.email_required = true;
    let backend = LoopBackend::offline().caps(caps).arc();
    let payment = payment(&backend, local_policy());
    let base = PaymentRequest::new(eur("10.00"));
    for missing in [
        base.clone(),
        base.clone().with_email(""),
        base.clone().with_email("  "),
    ] {
        let err = payment.request(&missing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(
            err.to_string()
                .contains("loopback backend requires the customer's e-mail")
        );
    }
    assert_eq!(backend.calls(), 0);
    payment
        .request(&base.with_email("buyer@example.com"))
        .await
        .unwrap();
    assert_eq!(backend.calls(), 1);
}

#[tokio::test]
async fn the_injected_clock_reaches_every_step() {
    let hits = Hits::default();
    let addr = serve(counting(&hits)).await;
    let backend = LoopBackend::new(get(&url(addr, "/x"))).exchanges(2).arc();
    let fixed: Timestamp = "2030-01-02T03:04:05Z".parse().unwrap();
    let payment = payment(&backend, local_policy()).with_clock(move || fixed);
    pay(&payment).await.unwrap();
    assert_eq!(backend.seen_now(), vec![fixed; 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_payment_serves_50_concurrent_tasks() {
    let hits = Hits::default();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (h, now, top) = (hits.clone(), in_flight.clone(), peak.clone());
    let router = Router::new().route(
        "/x",
        any(move || {
            let (h, now, top) = (h.clone(), now.clone(), top.clone());
            async move {
                h.hit();
                let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                top.fetch_max(current, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let addr = serve(router).await;
    let backend = LoopBackend::new(get(&url(addr, "/x"))).arc();
    let payment = Arc::new(payment(&backend, local_policy()));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let payment = Arc::clone(&payment);
            tokio::spawn(async move { pay(&payment).await })
        })
        .collect();
    for task in tasks {
        let intent = task.await.unwrap().unwrap();
        assert_eq!(intent.transaction_id, "tx-1");
    }
    assert_eq!(hits.count(), 50);
    assert_eq!(backend.responses().len(), 50);
    assert!(peak.load(Ordering::SeqCst) > 1, "requests were serialised");
}
