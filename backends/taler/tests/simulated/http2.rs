//! HTTP/2 to the simulator (h2c with prior knowledge) and the executor's bound on requests
//! per connection, which keeps a crowd of long polls from holding other requests back.

// Helpers below are test code: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use polypay_core::{Payment, PaymentStatus, StatusQuery};
use polypay_taler::simulator::Simulator;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prior_knowledge_speaks_http2_to_plain_http() {
    let sim = Simulator::start().await.unwrap();
    let h1 = payment(config(&sim, json!({})));
    h1.request(&req("1", "P1")).await.unwrap();
    assert_eq!(sim.http2_requests(), 0, "HTTP/1.1 unless asked");
    let h2 = Payment::new(backend(config(&sim, json!({}))))
        .with_policy(policy().http2_prior_knowledge(true));
    let intent = h2.request(&req("1", "P2")).await.unwrap();
    sim.pay("admin", "P2", None).unwrap();
    assert!(h2.status(&query(&intent)).await.unwrap().is_paid());
    // /config, the order, its status.
    assert_eq!(sim.http2_requests(), 3);
}

/// `n` orders, each long-polled by its own task; the tasks end when their order is paid.
async fn long_polls(
    payment: &Payment,
    prefix: &str,
    n: usize,
) -> Vec<tokio::task::JoinHandle<PaymentStatus>> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let id = format!("{prefix}{i}");
        let intent = payment.request(&req("1", &id)).await.unwrap();
        let payment = payment.clone();
        tasks.push(tokio::spawn(async move {
            let q = query(&intent).with_long_poll(Duration::from_secs(20));
            payment.status(&q).await.unwrap().status()
        }));
    }
    // Let every long poll reach the backend.
    tokio::time::sleep(Duration::from_millis(400)).await;
    tasks
}

/// A backend allowing 4 streams per connection, and a `Payment` speaking HTTP/2 (prior
/// knowledge) to it with at most `streams_per_connection` streams on one connection.
async fn four_streams_server(streams_per_connection: usize) -> (Simulator, Payment) {
    let sim = Simulator::builder()
        .max_concurrent_streams(4)
        .start()
        .await
        .unwrap();
    let payment = Payment::new(backend(config(&sim, json!({})))).with_policy(
        policy()
            .http2_prior_knowledge(true)
            .streams_per_connection(streams_per_connection)
            .timeout(Duration::from_secs(30)),
    );
    (sim, payment)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polls_beyond_the_server_stream_limit_hold_nothing_back() {
    // A backend allowing 4 streams per connection, 10 pending long polls.
    let (sim, payment) = four_streams_server(4).await;
    let polls = long_polls(&payment, "LP", 10).await;
    assert!(polls.iter().all(|t| !t.is_finished()));
    // Other requests go through at once: the executor opened more connections.
    let intent = tokio::time::timeout(Duration::from_secs(3), payment.request(&req("2", "NEXT")))
        .await
        .expect("not held back by the long polls")
        .unwrap();
    let r = tokio::time::timeout(Duration::from_secs(3), payment.status(&query(&intent)))
        .await
        .expect("not held back by the long polls")
        .unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    for i in 0..10 {
        sim.pay("admin", &format!("LP{i}"), None).unwrap();
    }
    for t in polls {
        assert_eq!(t.await.unwrap(), PaymentStatus::Paid);
    }
    assert!(sim.http2_requests() > 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_bound_the_server_limit_queues_requests() {
    // The control experiment: one connection for everything, 4 streams, 4 long polls.
    let (sim, payment) = four_streams_server(1000).await;
    let polls = long_polls(&payment, "Q", 4).await;
    let queued = tokio::time::timeout(
        Duration::from_secs(1),
        payment.status(&StatusQuery::new("Q0")),
    )
    .await;
    assert!(queued.is_err(), "the fifth stream waits for a free one");
    for i in 0..4 {
        sim.pay("admin", &format!("Q{i}"), None).unwrap();
    }
    for t in polls {
        assert_eq!(t.await.unwrap(), PaymentStatus::Paid);
    }
    assert!(
        payment
            .status(&StatusQuery::new("Q0"))
            .await
            .unwrap()
            .is_paid()
    );
}
