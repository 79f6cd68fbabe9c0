//! A payment's life: request, payments arriving in several transactions, confirmations,
//! the callback, status, expiry and cancellation.

use polypay_core::{Action, Adjustment, ErrorKind, Incoming, PaymentStatus, StatusQuery};
use polypay_crypto::chainside::key;
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_pay_in_parts_confirm_and_get_the_signed_callback() {
    let Env { sim, payment, .. } = env().await;
    let receiver = Receiver::start().await;
    let request = req("10.00", "order-1")
        .with_description("Two teas")
        .with_return_url("https://shop.example/back/order-1".parse().unwrap())
        .with_notification_url(receiver.url.clone())
        .with_extra("required_confirmations", "2");
    let intent = payment.request(&request).await.unwrap();
    assert_eq!(intent.transaction_id, "order-1");
    let Action::Redirect { url } = &intent.action else {
        panic!("{:?}", intent.action)
    };
    let uuid = uuid(&intent);
    assert_eq!(url.as_str(), format!("{}pay/{uuid}", sim.base_url()));
    assert_eq!(intent.backend_data[key::BTC_AMOUNT], 25_000);
    let address = intent.backend_data[key::ADDRESS].as_str().unwrap();
    assert_eq!(
        intent.backend_data[key::BITCOIN_URI],
        format!("bitcoin:{address}?amount=0.00025000")
    );
    assert!(intent.expires_at.is_some());
    let order = sim.order(&uuid).unwrap();
    assert_eq!(order["details"], "Two teas");
    assert_eq!(order["required_confirmations"], 2);
    assert_eq!(order["callback_url"], receiver.url.as_str());

    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert!(r.is_verified() && r.test);
    assert_eq!(r.bank_status.as_deref(), Some("pending"));

    // A first transaction pays part of it.
    assert!(sim.pay(&uuid, 10_000, 0).unwrap().is_none());
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(
        r.bank_status.as_deref(),
        Some("pending (blockchain: partial)")
    );
    assert_eq!(r.bank_data["state"]["unpaid"]["crypto"], 15_000);
    // The rest arrives, unconfirmed.
    sim.pay(&uuid, 15_000, 0).unwrap();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        r.bank_status.as_deref(),
        Some("pending (blockchain: mempool_unconfirmed)")
    );
    sim.confirm(&uuid, 1).unwrap();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        r.bank_status.as_deref(),
        Some("pending (blockchain: unconfirmed)")
    );
    assert!(receiver.received().is_empty());
    // The second confirmation makes it paid, and Chainside calls back.
    assert!(sim.confirm(&uuid, 1).unwrap().is_some());
    let callback = receiver.last().await;
    assert!(callback.header("chainside-signature").is_some());
    let r = payment.response(&callback).await.unwrap();
    assert!(r.is_paid());
    r.check(&eur("10.00"), &intent.transaction_id).unwrap();
    assert_eq!(r.bank_data[key::CALLBACK_EVENT], "payment.completed");
    assert_eq!(r.return_content.as_ref().unwrap().body, "OK");
    let r = payment.status(&query(&intent)).await.unwrap();
    assert!(r.is_paid());
    assert_eq!(r.transaction_id.as_deref(), Some(uuid.as_str()));
    assert_eq!(r.bank_data["transactions"].as_array().unwrap().len(), 2);
    // Cancelling a paid order is refused by Chainside.
    let adj = Adjustment::new("order-1", eur("10.00")).with_bank_data(r.bank_data.clone());
    let e = payment.cancel(&adj).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Provider);
    assert!(e.to_string().contains("0001 ValidationError"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overpaid_orders_are_paid_and_flagged() {
    let Env { sim, payment, .. } = env().await;
    let receiver = Receiver::start().await;
    let intent = receiver.request(&payment, "10.00", "order-2").await;
    sim.pay(&uuid(&intent), 30_000, 1).unwrap();
    let callback = receiver.last().await;
    let r = payment.response(&callback).await.unwrap();
    assert!(r.is_paid());
    assert_eq!(r.bank_data[key::CALLBACK_EVENT], "payment.overpaid");
    assert_eq!(r.bank_data[key::OVERPAID_SAT], 5_000);
    assert!(r.bank_status.unwrap().contains("overpaid by 5000 sat"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaid_orders_expire_and_pending_ones_can_be_cancelled() {
    let Env { sim, payment, .. } = env().await;
    let receiver = Receiver::start().await;
    let a = receiver.request(&payment, "3.50", "order-3").await;
    let b = payment.request(&req("4.00", "order-4")).await.unwrap();
    sim.advance(901);
    let r = payment.status(&query(&a)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Expired);
    assert_eq!(r.amount.unwrap(), eur("3.50"));
    let expired = receiver.last().await;
    let r = payment.response(&expired).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Expired);
    assert_eq!(r.order_id.as_deref(), Some("order-3"));
    let fresh = payment
        .request(&req("5.00", "order-5").with_return_url("https://shop.example/x".parse().unwrap()))
        .await
        .unwrap();
    let adj = Adjustment::new("order-5", eur("5.00")).with_bank_data(fresh.backend_data.clone());
    let r = payment.cancel(&adj).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Cancelled);
    assert_eq!(r.order_id.as_deref(), Some("order-5"));
    assert_eq!(r.bank_data["cancel_url"], "https://shop.example/x");
    let r = payment.status(&query(&fresh)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Cancelled);
    // The expired order cannot be cancelled; an unknown uuid is not found.
    let e = payment
        .cancel(&Adjustment::new("order-4", eur("4.00")).with_bank_data(b.backend_data.clone()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
    let e = payment
        .status(&StatusQuery::new("00000000-0000-4000-8000-000000000000"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("3001 NotFound"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_by_uuid_and_browser_returns() {
    let Env {
        sim: _sim, payment, ..
    } = env().await;
    let intent = payment.request(&req("1.00", "order-6")).await.unwrap();
    // The uuid alone is enough to ask.
    let r = payment
        .status(&StatusQuery::new(uuid(&intent)))
        .await
        .unwrap();
    assert_eq!(r.order_id.as_deref(), Some("order-6"));
    // The reference alone is not.
    let e = payment
        .status(&StatusQuery::new("order-6"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // Another order's data under this reference is an integrity error.
    let other = payment.request(&req("1.00", "order-7")).await.unwrap();
    let q = StatusQuery::new("order-6").with_bank_data(other.backend_data.clone());
    assert_eq!(
        payment.status(&q).await.unwrap_err().kind(),
        ErrorKind::Integrity
    );
    // The payer's browser coming back proves nothing.
    let r = payment.response(&Incoming::get("")).await.unwrap();
    assert!(!r.is_verified());
    assert_eq!(r.status(), PaymentStatus::Waiting);
    // A repeated identical creation (a retry) is the same order; another reference is not.
    let again = payment.request(&req("1.00", "order-6")).await.unwrap();
    assert_eq!(uuid(&again), uuid(&intent));
    let json = json!(again.backend_data);
    assert_eq!(json[key::REFERENCE], "order-6");
}
