//! `status` against the Esplora simulator, through `Payment`, for every state of the
//! payment state machine, and the errors that must never read as "unpaid".

#![allow(clippy::unwrap_used)]

use polypay_core::{ErrorKind, PaymentStatus};
use serde_json::json;

use crate::bitcoin_support::*;

#[tokio::test]
async fn unpaid_partial_in_confirmation_paid_in_two_transactions() {
    let env = esplora_env(json!({})).await;
    let intent = env.payment.request(&req(eur("30.00"), 0)).await.unwrap();
    let (address, sats) = due(&intent);
    assert_eq!(sats, 50_000);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!((r.status(), state(&r)), (PaymentStatus::Waiting, "unpaid"));
    assert_eq!(r.bank_data["due_sat"], 50_000);

    env.clock.at(2);
    env.chain.pay(&address, 20_000);
    let r = env.payment.status(&follow(&intent, &r)).await.unwrap();
    assert_eq!((r.status(), state(&r)), (PaymentStatus::Waiting, "partial"));
    assert_eq!(
        (
            r.bank_data["received_sat"].as_u64(),
            r.bank_data["due_sat"].as_u64()
        ),
        (Some(20_000), Some(30_000))
    );
    assert!(
        r.bank_status.as_deref().unwrap().contains("0.0003 BTC due"),
        "{:?}",
        r.bank_status
    );

    env.clock.at(5);
    env.chain.pay(&address, 30_000);
    let r = env.payment.status(&follow(&intent, &r)).await.unwrap();
    assert_eq!(
        (r.status(), state(&r)),
        (PaymentStatus::Waiting, "in_confirmation")
    );
    assert_eq!(r.bank_data["transactions"].as_array().unwrap().len(), 2);

    // Confirmed after the window closed: both were first seen in time.
    env.clock.at(20);
    env.chain.mine(1);
    let r = env.payment.status(&follow(&intent, &r)).await.unwrap();
    assert!(r.is_paid(), "{:?}", r.bank_status);
    assert_eq!(state(&r), "paid");
    assert!(r.check(&eur("30.00"), &intent.transaction_id).is_ok());
    assert_eq!(r.bank_data["confirmed_sat"], 50_000);
    assert_eq!(r.bank_data["tip_height"], 201);
    assert!(r.transaction_date.is_some());
    assert!(r.test, "regtest payments are test payments");
}

#[tokio::test]
async fn several_outputs_of_one_transaction_and_other_addresses() {
    let env = esplora_env(json!({})).await;
    let intent = env.payment.request(&req(eur("30.00"), 1)).await.unwrap();
    let (address, _) = due(&intent);
    let other = key().address(2).unwrap();
    // Two outputs to the address in one transaction, and the full amount to another one
    // (never attributed by amount).
    env.chain.pay_outputs(
        &[(&address, 25_000), (&address, 25_000), (&other, 50_000)],
        false,
    );
    env.chain.pay(&other, 50_000);
    env.chain.mine(1);
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert!(r.is_paid());
    assert_eq!(r.bank_data["transactions"][0]["value_sat"], 50_000);
    assert_eq!(r.bank_data["transactions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn overpaid_underpaid_expired_and_late() {
    let env = esplora_env(json!({})).await;
    let over = env.payment.request(&req(eur("30.00"), 10)).await.unwrap();
    let under = env.payment.request(&req(eur("30.00"), 11)).await.unwrap();
    let nothing = env.payment.request(&req(eur("30.00"), 12)).await.unwrap();
    let late = env.payment.request(&req(eur("30.00"), 13)).await.unwrap();
    env.chain.pay(&due(&over).0, 60_000);
    env.chain.pay(&due(&under).0, 10_000);
    let seen_over = env.payment.status(&query(&over)).await.unwrap();
    let seen_under = env.payment.status(&query(&under)).await.unwrap();
    env.chain.mine(1);

    env.clock.at(16);
    env.chain.pay(&due(&late).0, 50_000);
    env.chain.mine(1);
    let r = env
        .payment
        .status(&follow(&over, &seen_over))
        .await
        .unwrap();
    assert!(r.is_paid());
    assert_eq!(
        (state(&r), r.bank_data["overpaid_sat"].as_u64()),
        ("overpaid", Some(10_000))
    );
    assert!(r.check(&eur("30.00"), &over.transaction_id).is_ok());

    let r = env
        .payment
        .status(&follow(&under, &seen_under))
        .await
        .unwrap();
    assert_eq!(
        (r.status(), state(&r)),
        (PaymentStatus::Expired, "underpaid")
    );
    assert_eq!(r.bank_data["received_sat"], 10_000);
    assert!(!r.is_paid());

    let r = env.payment.status(&query(&nothing)).await.unwrap();
    assert_eq!((r.status(), state(&r)), (PaymentStatus::Expired, "expired"));

    let r = env.payment.status(&query(&late)).await.unwrap();
    assert_eq!(
        (r.status(), state(&r)),
        (PaymentStatus::Waiting, "paid_late")
    );
    assert_eq!(r.bank_data["late_sat"], 50_000);
    assert!(r.bank_status.as_deref().unwrap().contains("operator"));
}

#[tokio::test]
async fn confirmations_advance_block_by_block() {
    let env = esplora_env(json!({"required_confirmations": 3})).await;
    let intent = env.payment.request(&req(eur("30.00"), 3)).await.unwrap();
    assert_eq!(intent.backend_data["required_confirmations"], 3);
    let (address, sats) = due(&intent);
    env.chain.pay(&address, sats);
    let mut last = env.payment.status(&query(&intent)).await.unwrap();
    for (blocks, paid) in [(1, false), (1, false), (1, true)] {
        env.chain.mine(blocks);
        last = env.payment.status(&follow(&intent, &last)).await.unwrap();
        assert_eq!(last.is_paid(), paid, "{:?}", last.bank_status);
    }
    assert_eq!(last.bank_data["transactions"][0]["confirmations"], 3);
}

#[tokio::test]
async fn a_reorg_or_a_dropped_transaction_takes_the_payment_back() {
    let env = esplora_env(json!({})).await;
    let (r, txid) = paid_then_reorganised(&env.chain, &env.payment, 4).await;
    assert!(!r.is_paid());
    assert_eq!(state(&r), "unpaid");
    assert!(
        r.bank_status.as_deref().unwrap().contains("dispute"),
        "{:?}",
        r.bank_status
    );
    assert_eq!(r.bank_data["vanished_txids"][0], txid.as_str());

    // A re-org that keeps the transaction only moves it to another block.
    let intent = env.payment.request(&req(eur("30.00"), 5)).await.unwrap();
    let (address, sats) = due(&intent);
    env.chain.pay(&address, sats);
    env.chain.mine(1);
    env.chain.reorg(1, &[]);
    assert!(env.payment.status(&query(&intent)).await.unwrap().is_paid());

    // Seen in the mempool, then evicted.
    let intent = env.payment.request(&req(eur("30.00"), 6)).await.unwrap();
    let (address, sats) = due(&intent);
    let txid = env.chain.pay(&address, sats);
    let seen = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!(state(&seen), "in_confirmation");
    assert!(env.chain.drop_tx(&txid));
    let r = env.payment.status(&follow(&intent, &seen)).await.unwrap();
    assert_eq!(state(&r), "unpaid");
    assert!(r.bank_status.as_deref().unwrap().contains("dispute"));
}

#[tokio::test]
async fn many_transactions_are_read_page_by_page() {
    let env = esplora_env(json!({})).await;
    let intent = env.payment.request(&req(eur("30.00"), 7)).await.unwrap();
    let (address, _) = due(&intent);
    for _ in 0..60 {
        env.chain.pay(&address, 1_000);
        env.chain.mine(1);
    }
    let r = env.payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.bank_data["transactions"].as_array().unwrap().len(), 60);
    assert_eq!(
        (state(&r), r.bank_data["overpaid_sat"].as_u64()),
        ("overpaid", Some(10_000))
    );
    let pages = env
        .sim
        .log()
        .iter()
        .filter(|l| l.contains("/txs/chain/"))
        .count();
    assert_eq!(pages, 2);
}

#[tokio::test]
async fn errors_and_inconsistent_answers_are_never_unpaid() {
    let env = esplora_env(json!({})).await;
    let intent = env.payment.request(&req(eur("30.00"), 8)).await.unwrap();
    let (address, sats) = due(&intent);
    env.sim.script("/txs", 503, "backend unavailable");
    let e = env.payment.status(&query(&intent)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Provider);
    assert!(
        e.is_retryable() && e.to_string().contains("backend unavailable"),
        "{e}"
    );
    env.sim.script("/blocks/tip/height", 200, "not-a-number");
    assert_eq!(
        env.payment
            .status(&query(&intent))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Malformed
    );
    env.sim.script("/txs", 200, "{\"not\": \"a list\"}");
    assert_eq!(
        env.payment
            .status(&query(&intent))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Malformed
    );
    // A server whose tip lags behind the blocks it reports.
    env.chain.pay(&address, sats);
    env.chain.mine(1);
    env.sim.set_tip_lag(1);
    let e = env.payment.status(&query(&intent)).await.unwrap_err();
    assert!(e.to_string().contains("above the tip"), "{e}");
    env.sim.set_tip_lag(0);
    assert!(env.payment.status(&query(&intent)).await.unwrap().is_paid());
    // Data handed back that does not match the configured account.
    let mut data = intent.backend_data.clone();
    data.insert("address_index".into(), json!(9));
    let q = polypay_core::StatusQuery::new(intent.transaction_id.clone()).with_bank_data(data);
    assert_eq!(
        env.payment.status(&q).await.unwrap_err().kind(),
        ErrorKind::Integrity
    );
}

#[tokio::test]
async fn plain_http_to_another_host_is_never_paid() {
    // The simulator on 127.0.0.1 reached as "localhost.", which is not loopback by name.
    let env = esplora_env(json!({})).await;
    let url = env
        .sim
        .base_url()
        .as_str()
        .replace("127.0.0.1", "localhost.");
    let cfg = esplora_config(&env.sim, json!({"esplora_url": url, "allow_http": true}));
    let payment = payment(cfg, &env.clock);
    let intent = payment.request(&req(eur("30.00"), 9)).await.unwrap();
    let (address, sats) = due(&intent);
    env.chain.pay(&address, sats);
    env.chain.mine(1);
    match payment.status(&query(&intent)).await {
        Ok(r) => {
            assert!(!r.is_verified() && !r.is_paid());
            assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid));
        }
        // A resolver that does not know "localhost." is fine too: never paid.
        Err(e) => assert_eq!(e.kind(), ErrorKind::Transport, "{e}"),
    }
}
