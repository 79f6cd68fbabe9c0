//! `status` against the Bitcoin Core JSON-RPC simulator, through `Payment`.

#![allow(clippy::unwrap_used)]

use polypay_core::{ErrorKind, PaymentStatus};
use serde_json::json;

use crate::bitcoin_support::*;

#[tokio::test]
async fn states_through_the_watch_only_wallet() {
    let env = node_env(json!({"required_confirmations": 2})).await;
    let intent = env.payment.request(&req(eur("30.00"), 0)).await.unwrap();
    let (address, sats) = due(&intent);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!((r.status(), state(&r)), (PaymentStatus::Waiting, "unpaid"));

    env.chain.pay(&address, 10_000);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!(state(&r), "partial");
    env.chain.pay(&address, sats - 10_000);
    env.chain.mine(1);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!(state(&r), "in_confirmation");
    env.chain.mine(1);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert!(r.is_paid(), "{:?}", r.bank_status);
    assert!(r.check(&eur("30.00"), &intent.transaction_id).is_ok());
    // Two batched exchanges per status: the address, then its transactions.
    let log = env.node.log();
    assert!(
        log.contains(&"getaddressinfo".to_owned()) && log.contains(&"gettransaction".to_owned())
    );
}

#[tokio::test]
async fn amounts_are_exact_and_overpayment_flagged() {
    let env = node_env(json!({})).await;
    // 0.1 + 0.2 BTC: 0.30000000000000004 as floats.
    let intent = env
        .payment
        .request(&req(polypay_core::Amount::parse("BTC:0.3").unwrap(), 1))
        .await
        .unwrap();
    let (address, _) = due(&intent);
    env.chain.pay(&address, 10_000_000);
    env.chain.pay(&address, 20_000_000);
    env.chain.mine(1);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        (state(&r), r.bank_data["confirmed_sat"].as_u64()),
        ("paid", Some(30_000_000))
    );
    assert!(
        r.check(
            &polypay_core::Amount::parse("BTC:0.3").unwrap(),
            &intent.transaction_id
        )
        .is_ok()
    );
    env.chain.pay(&address, 1);
    env.chain.mine(1);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        (state(&r), r.bank_data["overpaid_sat"].as_u64()),
        ("overpaid", Some(1))
    );
}

#[tokio::test]
async fn the_wallet_receive_time_decides_in_time() {
    let env = node_env(json!({})).await;
    let intent = env.payment.request(&req(eur("30.00"), 2)).await.unwrap();
    let (address, sats) = due(&intent);
    env.clock.at(10);
    env.chain.pay(&address, sats);
    env.clock.at(30);
    env.chain.mine(1);
    // polypay first looks after the window, but the node saw the payment at minute 10.
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert!(r.is_paid(), "{:?}", r.bank_status);
    // Paid at minute 20: late, for the operator.
    let intent = env.payment.request(&req(eur("30.00"), 3)).await.unwrap();
    let (address, sats) = due(&intent);
    env.clock.at(50);
    env.chain.pay(&address, sats);
    env.chain.mine(1);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!(
        (r.status(), state(&r)),
        (PaymentStatus::Waiting, "paid_late")
    );
}

#[tokio::test]
async fn a_double_spend_by_reorg_is_a_dispute() {
    let env = node_env(json!({})).await;
    let (r, _) = paid_then_reorganised(&env.chain, &env.payment, 4).await;
    assert!(!r.is_paid());
    assert!(r.bank_status.as_deref().unwrap().contains("dispute"));
}

#[tokio::test]
async fn node_errors_are_never_unpaid() {
    let env = node_env(json!({})).await;
    // Index 150 is beyond the range the wallet imported.
    let far = env.payment.request(&req(eur("30.00"), 150)).await.unwrap();
    let e = env.payment.status(&query(&far)).await.unwrap_err();
    assert!(
        e.to_string().contains("index 150") && e.to_string().contains("wpkh("),
        "{e}"
    );

    let intent = env.payment.request(&req(eur("30.00"), 5)).await.unwrap();
    env.node
        .script_error("listreceivedbyaddress", -28, "Loading wallet…");
    let e = env.payment.status(&query(&intent)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.to_string().contains("-28")),
        (ErrorKind::Provider, true),
        "{e}"
    );

    let wrong = payment(
        node_config(&env.node, json!({"bitcoind_password": "nope"})),
        &env.clock,
    );
    let e = wrong.status(&query(&intent)).await.unwrap_err();
    assert!(
        e.to_string().contains("credentials") && !e.to_string().contains("nope"),
        "{e}"
    );

    let wrong = payment(
        node_config(&env.node, json!({"bitcoind_wallet": "other"})),
        &env.clock,
    );
    let e = wrong.status(&query(&intent)).await.unwrap_err();
    assert!(e.to_string().contains("-18"), "{e}");
}
