//! Paybox System returns (the signed string and its RSA-SHA1 `signature`) through
//! `Backend::response`, and Paybox Direct's answers to validate/cancel/refund.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_fuzz::{FormTarget, backend, drive_with_reply, http_reply};
use serde_json::json;

/// The key pair of the bankform tests: the seeds are signed with its private half.
const TEST_PUBKEY: &str = include_str!("../../backends/bankform/testdata/paybox_test_pubkey.pem");
/// A key pair made for the fuzz target only, whose private half was thrown away.
const BLIND_PUBKEY: &str = include_str!("../keys/blind_pubkey.pem");

fn config(public_key: Option<&str>) -> serde_json::Value {
    let mut c = json!({
        "site": "1999888", "rang": "32", "identifiant": "107904482",
        "shared_secret": "0123456789ABCDEF".repeat(8), "cle": "1999888I",
        "normal_return_url": "https://shop.example/return",
    });
    if let Some(k) = public_key {
        c["public_key"] = json!(k);
    }
    c
}

static TARGET: LazyLock<FormTarget> = LazyLock::new(|| FormTarget {
    known: vec![backend("paybox", config(Some(TEST_PUBKEY)))],
    // Paybox's published key (the default) and a key nobody holds.
    blind: vec![
        backend("paybox", config(None)),
        backend("paybox", config(Some(BLIND_PUBKEY))),
    ],
});

fuzz_target!(|data: &[u8]| {
    TARGET.run(data);
    drive_with_reply(&*TARGET.known[0], &http_reply(data));
});
