//! The demo shop under concurrent duplicate notifications (issue 8): 200 deliveries of the same
//! signed "paid" notification, for one order and spread over several orders at once, change
//! each order exactly once (one `paid` event in its history; every other delivery counted as a
//! duplicate).

use serde_json::Value;

use crate::demo::{Demo, demo_with_dummies, signed_reports};

const SECRET: &str = "concurrency-secret";

/// Buys the first product on the dummy instance; returns the bank page URL.
async fn buy(demo: &Demo) -> String {
    let r = demo
        .http
        .post(demo.url("orders"))
        .form(&[
            ("product", "0"),
            ("instance", "dummy"),
            ("email", "buyer@example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap();
    demo.base.join(location).unwrap().to_string()
}

async fn status_json(demo: &Demo, id: u64) -> Value {
    let text = demo.page(&format!("orders/{id}/status.json")).await;
    serde_json::from_str(&text).unwrap()
}

/// Sends `copies` deliveries of each order's notification, all at once, interleaved.
async fn deliver_all(demo: &Demo, banks: &[String], copies: usize) {
    let reports: Vec<_> = banks
        .iter()
        .map(|bank| {
            let (notification, target, _) = signed_reports(bank, SECRET);
            (target, notification.body)
        })
        .collect();
    let mut tasks = Vec::new();
    for _ in 0..copies {
        for (target, body) in &reports {
            let http = demo.http.clone();
            let (target, body) = (target.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                http.post(target)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }));
        }
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
}

/// Created, started, paid: the events of an order paid once.
const EVENTS_OF_ONE_PAYMENT: u64 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_duplicate_notifications_change_the_order_once() {
    let files = crate::support::Files::new();
    let demo = demo_with_dummies(&files, &[("dummy", SECRET)]);
    let bank = buy(&demo).await;
    let before = status_json(&demo, 1).await;
    assert_eq!(before["status"], "waiting", "{before}");
    assert_eq!(before["events"], EVENTS_OF_ONE_PAYMENT - 1, "{before}");

    deliver_all(&demo, &[bank], 200).await;

    let after = status_json(&demo, 1).await;
    assert_eq!(after["status"], "paid", "{after}");
    assert_eq!(after["verified"], true, "{after}");
    assert_eq!(after["events"], EVENTS_OF_ONE_PAYMENT, "{after}");
    assert_eq!(after["duplicates"], 199, "{after}");
    let html = demo.page("orders/1").await;
    assert!(html.contains("199 report(s) received again"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_notifications_for_several_orders_change_each_once() {
    let files = crate::support::Files::new();
    let demo = demo_with_dummies(&files, &[("dummy", SECRET)]);
    let mut banks = Vec::new();
    for _ in 0..4 {
        banks.push(buy(&demo).await);
    }
    // 4 orders × 50 copies: 200 deliveries at once.
    deliver_all(&demo, &banks, 50).await;
    for id in 1..=4 {
        let json = status_json(&demo, id).await;
        assert_eq!(json["status"], "paid", "order {id}: {json}");
        assert_eq!(json["events"], EVENTS_OF_ONE_PAYMENT, "order {id}: {json}");
        assert_eq!(json["duplicates"], 49, "order {id}: {json}");
    }
}
