//! `request` through the registry and `Payment`: configuration errors, the intent, the QR
//! code, and what the facade refuses before the backend is called.

#![allow(clippy::unwrap_used)]

use polypay_core::{Action, ErrorKind, Operation, Registry};
use polypay_crypto::bitcoin::{BitcoinUri, Network, intent_qr_svg};
use serde_json::json;

use crate::bitcoin_support::*;

#[tokio::test]
async fn the_intent_carries_uri_terms_and_qr() {
    let env = esplora_env(json!({})).await;
    let intent = env
        .payment
        .request(&req(eur("10.00"), 0).with_description("Order 42 — 2 × tea"))
        .await
        .unwrap();
    let Action::Uri { uri, url: None } = &intent.action else {
        panic!("{:?}", intent.action)
    };
    let parsed = BitcoinUri::parse(uri).unwrap();
    assert_eq!(
        parsed.address.as_deref(),
        Some(key().address(0).unwrap().as_str())
    );
    assert_eq!(parsed.amount_sat, Some(16_667));
    assert_eq!(parsed.label.as_deref(), Some("Test Shop"));
    assert_eq!(parsed.message.as_deref(), Some("Order 42 — 2 × tea"));
    assert!(parsed.checked_address(Network::Regtest).is_ok());
    assert_eq!(intent.backend_data["amount_btc"], "0.00016667");
    assert_eq!(intent.backend_data["rate"], "60000");
    assert_eq!(
        intent.expires_at,
        Some(
            t0().checked_add(jiff::SignedDuration::from_mins(15))
                .unwrap()
        )
    );
    let svg = intent_qr_svg(&intent).unwrap();
    assert!(svg.contains("<svg"));
    // The chain is not asked anything at request time.
    assert!(env.sim.log().is_empty());
}

#[tokio::test]
async fn the_facade_refuses_what_is_not_offered() {
    let env = esplora_env(json!({})).await;
    let e = env
        .payment
        .response(&polypay_core::Incoming::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let caps = env.payment.backend().capabilities();
    assert!(caps.supports(Operation::Status) && !caps.supports(Operation::Response));
    assert!(!caps.supports(Operation::Refund) && !caps.supports(Operation::Cancel));
    let e = env
        .payment
        .request(&polypay_core::PaymentRequest::new(eur("1.00")))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("address_index is required"), "{e}");
}

#[test]
fn configuration_errors_are_all_reported_and_secrets_hidden() {
    polypay_crypto::link();
    let registry = Registry::from_inventory().unwrap();
    let d = registry.describe("bitcoin").unwrap();
    assert!(d.parameter("bitcoind_password").unwrap().secret);
    assert!(d.parameter("address_index").unwrap().required);
    assert_eq!(
        d.parameter("required_confirmations").unwrap().default,
        Some(json!(1))
    );
    let bad = json!({
        "xpub": "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
        "network": "mainnet",
        "bitcoind_url": "http://node.example:8332/",
        "bitcoind_password": "hunter2",
        "required_confirmations": 0,
        "rates": { "EUR": 60000.5 },
    });
    let e = registry
        .build("bitcoin", bad.as_object().unwrap())
        .err()
        .unwrap();
    let text = e.to_string();
    for field in ["required_confirmations", "rates"] {
        assert!(text.contains(field), "{field}: {text}");
    }
    assert!(!text.contains("hunter2"), "{text}");
    // Past the schema: the key, the URL and the missing credentials, at once.
    let bad = json!({
        "xpub": "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
        "bitcoind_url": "http://node.example:8332/",
        "bitcoind_password": "hunter2",
    });
    let text = registry
        .build("bitcoin", bad.as_object().unwrap())
        .err()
        .unwrap()
        .to_string();
    for field in ["xpub", "bitcoind_url", "bitcoind_user", "bitcoind_wallet"] {
        assert!(text.contains(field), "{field}: {text}");
    }
    assert!(
        text.contains("private key") && !text.contains("hunter2"),
        "{text}"
    );
}
