//! Callbacks sent by the simulator (sandbox trigger) to the merchant's handler, verified and
//! mapped by `response`; forged ones never paid.

use polypay_core::{Incoming, PaymentStatus};
use polypay_crypto::chainside::{CallbackEvent, key};

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_maps_to_its_status() {
    let Env {
        sim,
        payment,
        client,
        ..
    } = env().await;
    let receiver = Receiver::start().await;
    let cases = [
        (CallbackEvent::Completed, PaymentStatus::Paid, false),
        (CallbackEvent::Overpaid, PaymentStatus::Paid, false),
        (CallbackEvent::Cancelled, PaymentStatus::Cancelled, false),
        (CallbackEvent::Expired, PaymentStatus::Expired, false),
        (CallbackEvent::DisputeStart, PaymentStatus::Waiting, true),
        (CallbackEvent::DisputeEnd, PaymentStatus::Paid, false),
        (CallbackEvent::Chargeback, PaymentStatus::Error, false),
    ];
    for (i, (event, status, disputed)) in cases.into_iter().enumerate() {
        let id = format!("cb-{i}");
        let intent = receiver.request(&payment, "10.00", &id).await;
        client.trigger(&uuid(&intent), event).await.unwrap();
        let got = receiver.wait_for(i + 1).await;
        let callback = &got[i];
        let r = payment.response(callback).await.unwrap();
        assert!(r.is_verified(), "{event}");
        assert_eq!(r.status(), status, "{event}");
        assert_eq!(r.order_id.as_deref(), Some(id.as_str()), "{event}");
        assert_eq!(r.bank_data[key::CALLBACK_EVENT], event.as_str());
        assert_eq!(
            r.bank_data.get(key::DISPUTED).is_some(),
            disputed,
            "{event}"
        );
        if status == PaymentStatus::Paid {
            r.check(&eur("10.00"), &id).unwrap();
        }
        assert_eq!(
            client.callbacks(&uuid(&intent)).await.unwrap(),
            [event.as_str()]
        );
    }
    // Every delivery reached the handler, which answered 200.
    let deliveries = sim.deliveries();
    assert_eq!(deliveries.len(), 7);
    assert!(
        deliveries.iter().all(|d| d.status == Some(200)),
        "{deliveries:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_ends_with_the_orders_state() {
    let Env {
        sim: _sim,
        payment,
        client,
        ..
    } = env().await;
    let receiver = Receiver::start().await;
    let intent = receiver.request(&payment, "10.00", "dispute-1").await;
    let u = uuid(&intent);
    client.trigger(&u, CallbackEvent::Completed).await.unwrap();
    client
        .trigger(&u, CallbackEvent::DisputeStart)
        .await
        .unwrap();
    let got = receiver.wait_for(2).await;
    let r = payment.response(&got[1]).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.bank_data[key::DISPUTED], true);
    assert!(r.bank_status.unwrap().contains("do not ship"));
    // The first (completed) callback replayed during the dispute: confirmed with the order,
    // which is disputed, so not paid.
    let r = payment.response(&got[0]).await.unwrap();
    assert!(!r.is_paid());
    assert_eq!(r.status(), PaymentStatus::Waiting);
    client.trigger(&u, CallbackEvent::DisputeEnd).await.unwrap();
    let got = receiver.wait_for(3).await;
    assert!(payment.response(&got[2]).await.unwrap().is_paid());
    assert_eq!(
        client.callbacks(&u).await.unwrap(),
        [
            "payment.completed",
            "payment.dispute.start",
            "payment.dispute.end"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_callbacks_are_refused_without_a_call() {
    let Env {
        sim,
        payment,
        client,
        ..
    } = env().await;
    let receiver = Receiver::start().await;
    let intent = receiver.request(&payment, "10.00", "forge-1").await;
    client
        .trigger(&uuid(&intent), CallbackEvent::Cancelled)
        .await
        .unwrap();
    let genuine = receiver.last().await;
    let text = String::from_utf8(genuine.body.clone()).unwrap();
    let mut paid = genuine.clone();
    paid.body = text
        .replace("payment.cancelled", "payment.completed")
        .replace("\"cancelled\"", "\"paid\"")
        .into_bytes();
    let mut unsigned = genuine.clone();
    unsigned
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("chainside-signature"));
    let mut bad = genuine.clone();
    for (n, v) in &mut bad.headers {
        if n.eq_ignore_ascii_case("chainside-signature") {
            *v = "not-base64!".into();
        }
    }
    let before = sim.log().len();
    for (name, forged) in [("tampered", paid), ("unsigned", unsigned), ("garbled", bad)] {
        let r = payment.response(&forged).await.unwrap();
        assert!(!r.is_verified() && !r.is_paid(), "{name}");
        assert_eq!(r.return_content.unwrap().status, 401, "{name}");
    }
    assert_eq!(sim.log().len(), before, "nothing was asked of the API");
    // Garbage never panics and is never paid.
    for body in [&b""[..], b"{", b"\xff\xfe", b"{\"event\":1}"] {
        let incoming = Incoming::new(
            "POST",
            "",
            vec![("chainside-signature".into(), "AAAA".into())],
            body.to_vec(),
        );
        let r = payment.response(&incoming).await.unwrap();
        assert!(!r.is_paid());
    }
}
