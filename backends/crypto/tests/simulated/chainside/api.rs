//! The calls beyond the `Backend` trait: list (filters, pages, sorting), get, the sandbox's
//! reset and callback list, through `ChainsideClient` and through `drive`.

use polypay_core::{Context, ErrorKind, PaymentStatus};
use polypay_crypto::chainside::{CallbackEvent, ListQuery, OrderStatus, SortBy, SortOrder, drive};
use polypay_crypto::simulator::chainside::ChainsideSimulator;
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_pages_and_sorts() {
    let Env {
        sim: _sim,
        payment,
        client,
        ..
    } = env().await;
    let mut uuids = Vec::new();
    for (i, amount) in ["5.00", "1.00", "3.00", "4.00", "2.00"].iter().enumerate() {
        let intent = payment
            .request(&req(amount, &format!("list-{i}")))
            .await
            .unwrap();
        uuids.push(uuid(&intent));
    }
    for u in &uuids[..2] {
        client.trigger(u, CallbackEvent::Completed).await.unwrap();
    }
    let all = client.list(&ListQuery::default()).await.unwrap();
    assert_eq!((all.total_items, all.total_pages), (5, 1));
    let paid = client
        .list(&ListQuery::default().status(OrderStatus::Paid))
        .await
        .unwrap();
    assert_eq!(paid.total_items, 2);
    assert!(
        paid.paymentorders
            .iter()
            .all(|o| o.status() == Some(OrderStatus::Paid))
    );
    let by_amount = ListQuery::default()
        .sort_by(SortBy::Amount)
        .sort_order(SortOrder::Asc)
        .page_size(2);
    let mut seen = Vec::new();
    for page in 0..3 {
        let p = client.list(&by_amount.clone().page(page)).await.unwrap();
        assert_eq!(p.total_pages, 3);
        seen.extend(p.paymentorders.into_iter().map(|o| o.amount));
    }
    assert_eq!(seen, ["1.00", "2.00", "3.00", "4.00", "5.00"]);
    let empty = client.list(&by_amount.clone().page(9)).await.unwrap();
    assert!(empty.paymentorders.is_empty());
    // Newest first by default.
    assert_eq!(all.paymentorders[0].reference.as_deref(), Some("list-4"));
    let e = client
        .list(&ListQuery::default().page_size(41))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_reset_and_callbacks() {
    let Env {
        sim,
        payment,
        client,
        cs,
    } = env().await;
    let intent = payment.request(&req("10.00", "reset-1")).await.unwrap();
    let u = uuid(&intent);
    sim.pay(&u, 25_000, 1).unwrap();
    let order = client.get(&u).await.unwrap();
    assert_eq!(order.status(), Some(OrderStatus::Paid));
    assert_eq!(order.transactions.len(), 1);
    assert_eq!(order.btc_amount, Some(25_000));
    assert_eq!(client.callbacks(&u).await.unwrap(), ["payment.completed"]);
    let reset = client.reset(&u).await.unwrap();
    assert_eq!(reset.status(), Some(OrderStatus::Pending));
    assert!(reset.transactions.is_empty());
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    // The same calls with `drive` and the sans-IO operations.
    let page = drive(&payment, Context::now(), |cx| {
        cs.list_payment_orders(&ListQuery::default(), cx)
    })
    .await
    .unwrap();
    assert_eq!(page.total_items, 1);
    let e = client
        .get("00000000-0000-4000-8000-00000000000f")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // A reset order can be paid again; the callbacks list keeps its history.
    client.trigger(&u, CallbackEvent::Completed).await.unwrap();
    assert_eq!(
        client.callbacks(&u).await.unwrap(),
        ["payment.completed", "payment.completed"]
    );
    let e = client.trigger(&u, CallbackEvent::Completed).await;
    assert!(e.is_ok(), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_features_are_refused_live() {
    let env = env_with(ChainsideSimulator::builder().live(true), json!({})).await;
    let intent = env.payment.request(&req("1.00", "live-1")).await.unwrap();
    let e = env.client.reset(&uuid(&intent)).await.unwrap_err();
    assert!(e.to_string().contains("1012 Forbidden"), "{e}");
    // A live configuration does not even ask.
    let live = env_for(
        ChainsideSimulator::builder().start().await.unwrap(),
        json!({ "mode": "live" }),
    );
    let before = live.sim.log().len();
    let e = live
        .client
        .trigger(
            "00000000-0000-4000-8000-000000000001",
            CallbackEvent::Completed,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("sandbox"), "{e}");
    assert_eq!(live.sim.log().len(), before);
    let r = live.payment.request(&req("1.00", "live-2")).await.unwrap();
    assert!(!live.payment.status(&query(&r)).await.unwrap().test);
}
