//! Signature flips (issue 8): a Chainside callback with any byte of its body or of its
//! signature changed is unverified, never paid, and answered before any HTTP call.

#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use polypay_core::{Backend, Context, Incoming, PaymentStatus, Secret, Timestamp};
use serde_json::json;

use super::*;

const SECRET: &str = "flip-client-secret";

fn backend() -> Chainside {
    let config = json!({ "client_id": "cid", "secret": SECRET });
    ChainsideFactory
        .build_chainside(config.as_object().unwrap())
        .map(|a| Arc::try_unwrap(a).unwrap())
        .unwrap()
}

fn body() -> Vec<u8> {
    json!({"event": "payment.completed", "created_at": "2023-11-14T22:20:00Z",
           "object_type": "payment_order",
           "object": {"uuid": "3f1c1a9e-0000-4000-8000-000000000001", "address": "tb1qxyz",
                      "uri": "bitcoin:tb1qxyz?amount=0.00025000", "amount": "10.00",
                      "btc_amount": 25000, "reference": "ref-1",
                      "created_at": "2023-11-14T22:13:20Z", "resolved_at": "2023-11-14T22:20:00Z",
                      "state": {"status": "paid", "blockchain_status": "paid",
                                "paid": {"crypto": 25000, "fiat": "10.00"}},
                      "transactions": []}})
    .to_string()
    .into_bytes()
}

fn incoming(body: Vec<u8>, signature: &str) -> Incoming {
    Incoming::new(
        "POST",
        "",
        vec![
            ("Content-Type".into(), "application/json".into()),
            ("Chainside-Signature".into(), signature.to_owned()),
        ],
        body,
    )
}

/// The backend's verdict, which must come without an HTTP step.
fn verdict(cs: &Chainside, incoming: &Incoming) -> polypay_core::PaymentResponse {
    let cx = Context::fixed(Timestamp::from_second(1_700_000_000).unwrap(), [7; 32]);
    match cs.response(incoming, cx) {
        Ok(step) => step.done().expect("refused before any call"),
        Err(e) => panic!("a forged callback is a response, not an error: {e}"),
    }
}

#[test]
fn every_flipped_body_bit_is_refused() {
    let cs = backend();
    let body = body();
    let sig = sign_callback(SECRET, &body);
    assert!(verify_callback(&Secret::new(SECRET), &body, &sig));
    for i in 0..body.len() {
        for bit in [0x01u8, 0x80] {
            let mut flipped = body.clone();
            flipped[i] ^= bit;
            assert!(
                !verify_callback(&Secret::new(SECRET), &flipped, &sig),
                "byte {i} bit {bit:#x}"
            );
            let r = verdict(&cs, &incoming(flipped, &sig));
            assert!(!r.is_verified() && !r.is_paid(), "byte {i} bit {bit:#x}");
            assert_ne!(r.status(), PaymentStatus::Paid);
        }
    }
    // Cut or extended by one byte.
    for changed in [body[..body.len() - 1].to_vec(), [&body[..], b" "].concat()] {
        assert!(!verdict(&cs, &incoming(changed, &sig)).is_verified());
    }
}

#[test]
fn every_flipped_signature_byte_is_refused() {
    let cs = backend();
    let body = body();
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64.decode(sign_callback(SECRET, &body)).unwrap();
    for i in 0..raw.len() {
        for bit in [0x01u8, 0x80] {
            let mut flipped = raw.clone();
            flipped[i] ^= bit;
            let sig = b64.encode(&flipped);
            let r = verdict(&cs, &incoming(body.clone(), &sig));
            assert!(!r.is_verified() && !r.is_paid(), "byte {i} bit {bit:#x}");
        }
    }
    // Every character of the header's text replaced by another, and the value cut.
    let text = sign_callback(SECRET, &body);
    for (i, c) in text.char_indices() {
        let other = if c == 'A' { 'B' } else { 'A' };
        let mut sig = text.clone();
        sig.replace_range(i..i + 1, &other.to_string());
        let r = verdict(&cs, &incoming(body.clone(), &sig));
        assert!(!r.is_verified() && !r.is_paid(), "char {i}");
    }
    for cut in [&text[..text.len() - 4], &text[4..], ""] {
        assert!(!verdict(&cs, &incoming(body.clone(), cut)).is_verified());
    }
    // The genuine pair is accepted, so the refusals above are the flips' doing.
    let genuine = incoming(body.clone(), &text);
    let cx = Context::fixed(Timestamp::from_second(1_700_000_000).unwrap(), [7; 32]);
    match cs.response(&genuine, cx) {
        Ok(polypay_core::Step::Http { .. }) => {}
        Ok(polypay_core::Step::Done(r)) => assert!(r.is_verified(), "{r:?}"),
        Err(e) => panic!("the genuine callback: {e}"),
    }
}
