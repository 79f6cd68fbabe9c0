//! `Taler::orders` (`GET private/orders`) and its filters, through `Payment::run_steps`.

// Helpers below are test code: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use polypay_core::{Adjustment, ErrorKind, Result, Timestamp};
use polypay_taler::simulator::Simulator;
use polypay_taler::{OrderFilter, OrderSummary};
use serde_json::json;

use crate::support::*;

async fn list(env: &TalerEnv, filter: OrderFilter) -> Result<Vec<OrderSummary>> {
    let taler = env.taler.clone();
    env.payment
        .run_steps("list orders", move |cx| taler.orders(&filter, cx))
        .await
}

async fn ids(env: &TalerEnv, filter: OrderFilter) -> Vec<String> {
    list(env, filter)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.order_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_pages() {
    let env = taler_env().await;
    for (i, id) in ["L1", "L2", "L3"].iter().enumerate() {
        let amount = format!("{}", i + 1);
        env.payment
            .request(&req(&amount, id).with_description(format!("Blue mug {id}")))
            .await
            .unwrap();
    }
    // Later orders: an hour on.
    let before_later = env.sim.now().as_second() + 1800;
    env.sim.advance(3600);
    env.payment.request(&req("4", "L4")).await.unwrap();
    env.payment
        .request(&req("5", "L5").with_extra("session_id", "sess-A"))
        .await
        .unwrap();
    env.sim.pay("admin", "L2", None).unwrap();
    env.sim.pay("admin", "L4", None).unwrap();
    env.payment
        .refund(&Adjustment::new("L4", eur("1")))
        .await
        .unwrap();
    env.sim.wire("admin", "L2").unwrap();

    // The backend's default page: the newest first.
    let all = list(&env, OrderFilter::new()).await.unwrap();
    let names: Vec<&str> = all.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(names, ["L5", "L4", "L3", "L2", "L1"]);
    let l4 = &all[1];
    assert_eq!((l4.amount, l4.paid, l4.refundable), (eur("4"), true, true));
    assert_eq!(l4.summary, "Order L4");
    assert!(all[3].paid && !all[3].refundable, "wired: no more refunds");
    assert!(all.windows(2).all(|w| w[0].row_id > w[1].row_id));
    assert!(all[0].created > all[4].created);

    assert_eq!(ids(&env, OrderFilter::new().paid(true)).await, ["L4", "L2"]);
    assert_eq!(
        ids(&env, OrderFilter::new().paid(false)).await,
        ["L5", "L3", "L1"]
    );
    assert_eq!(ids(&env, OrderFilter::new().refunded(true)).await, ["L4"]);
    assert_eq!(ids(&env, OrderFilter::new().wired(true)).await, ["L2"]);
    assert_eq!(
        ids(&env, OrderFilter::new().paid(true).wired(false)).await,
        ["L4"]
    );
    // Pages: positive delta = the oldest after `start`, negative = the newest before it.
    let row = |id: &str| all.iter().find(|o| o.order_id == id).unwrap().row_id;
    assert_eq!(ids(&env, OrderFilter::new().delta(2)).await, ["L1", "L2"]);
    assert_eq!(
        ids(&env, OrderFilter::new().start(row("L2")).delta(2)).await,
        ["L3", "L4"]
    );
    assert_eq!(
        ids(&env, OrderFilter::new().start(row("L4")).delta(-2)).await,
        ["L3", "L2"]
    );
    // Dates: created after / before.
    let t = Timestamp::from_second(before_later).unwrap();
    assert_eq!(
        ids(&env, OrderFilter::new().date(t).delta(20)).await,
        ["L4", "L5"]
    );
    assert_eq!(
        ids(&env, OrderFilter::new().date(t).delta(-20)).await,
        ["L3", "L2", "L1"]
    );
    // Session and fulfillment URL.
    assert_eq!(
        ids(&env, OrderFilter::new().session_id("sess-A")).await,
        ["L5"]
    );
    assert_eq!(
        ids(
            &env,
            OrderFilter::new().fulfillment_url("https://shop.example/thanks/L3")
        )
        .await,
        ["L3"]
    );
    assert!(
        ids(&env, OrderFilter::new().session_id("other"))
            .await
            .is_empty()
    );
    // `summary_filter` needs protocol v23; this backend speaks v20.
    let err = list(&env, OrderFilter::new().summary_filter("mug"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("v23"), "{err}");
    let err = list(&env, OrderFilter::new().delta(0)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_dependent_parameters() {
    // v24: `summary_filter` works.
    let env = taler_env_with(Simulator::builder().version("24:0:10"), json!({})).await;
    env.payment
        .request(&req("1", "S1").with_description("Blue MUG"))
        .await
        .unwrap();
    env.payment
        .request(&req("1", "S2").with_description("Red plate"))
        .await
        .unwrap();
    assert_eq!(
        ids(&env, OrderFilter::new().summary_filter("mug")).await,
        ["S1"]
    );
    // v11 knows only `delta` / `start` (it ignores `limit` / `offset`): polypay sends those.
    let env = taler_env_with(Simulator::builder().version("11:0:5"), json!({})).await;
    for id in ["O1", "O2", "O3"] {
        env.payment.request(&req("1", id)).await.unwrap();
    }
    assert_eq!(ids(&env, OrderFilter::new().delta(1)).await, ["O1"]);
    let first = list(&env, OrderFilter::new().delta(1)).await.unwrap()[0].row_id;
    assert_eq!(
        ids(&env, OrderFilter::new().start(first).delta(5)).await,
        ["O2", "O3"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_can_wait_for_new_orders() {
    let env = taler_env().await;
    env.payment.request(&req("1", "N1")).await.unwrap();
    let last = list(&env, OrderFilter::new()).await.unwrap()[0].row_id;
    let next = OrderFilter::new()
        .start(last)
        .delta(10)
        .timeout(Duration::from_secs(8));
    // Nothing new within the timeout: an empty page, after the wait.
    let started = Instant::now();
    let empty = list(&env, next.clone().timeout(Duration::from_millis(500)))
        .await
        .unwrap();
    assert!(empty.is_empty() && started.elapsed() >= Duration::from_millis(500));
    // A new order ends the wait.
    let waiting = {
        let taler = env.taler.clone();
        let payment = env.payment.clone();
        tokio::spawn(async move {
            payment
                .run_steps("list orders", move |cx| taler.orders(&next, cx))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the backend holds the request");
    env.payment.request(&req("2", "N2")).await.unwrap();
    let page = tokio::time::timeout(Duration::from_secs(4), waiting)
        .await
        .expect("the new order ends the wait")
        .unwrap()
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(
        (page[0].order_id.as_str(), page[0].amount),
        ("N2", eur("2"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_errors() {
    let env = taler_env().await;
    for (status, body, kind) in [
        (200, r#"{"rows": []}"#, ErrorKind::Malformed),
        (
            200,
            r#"{"orders": [{"order_id": "X", "row_id": 1, "timestamp": {"t_s": 1}, "amount": "EUR:0.001", "summary": "s", "refundable": false, "paid": false}]}"#,
            ErrorKind::Malformed,
        ),
        (
            200,
            r#"{"orders": [{"order_id": "X", "row_id": -1, "timestamp": {"t_s": 1}, "amount": "EUR:1", "summary": "s", "refundable": false, "paid": false}]}"#,
            ErrorKind::Malformed,
        ),
        (
            400,
            r#"{"code": 26, "hint": "paid"}"#,
            ErrorKind::InvalidInput,
        ),
        (401, r#"{"code": 41}"#, ErrorKind::Provider),
        (404, r#"{"code": 2000}"#, ErrorKind::NotFound),
    ] {
        env.sim.script("GET", "/private/orders", status, body);
        let err = list(&env, OrderFilter::new()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status} {body}: {err}");
    }
    // The simulator's own checks of the query.
    let url = env
        .sim
        .base_url()
        .join("private/orders?paid=maybe")
        .unwrap();
    let request = polypay_core::HttpRequest::new(polypay_core::Method::Get, url)
        .with_bearer(&env.sim.token());
    let answer =
        polypay_core::HttpExecutor::execute(env.payment.executor().as_ref(), request, &policy())
            .await
            .unwrap();
    assert_eq!(answer.status, 400);
    assert!(String::from_utf8_lossy(&answer.body).contains("\"code\":26"));
}
