//! Chainside callbacks through `Backend::response`: the raw body and its
//! `chainside-signature` header (base64 HMAC-SHA512 under SHA-256 of the client secret).
//!
//! Input: the body. The harness signs it correctly too, so the parser behind the signature
//! check is reached; it also sends it with a wrong signature, without one, to a backend of
//! another secret, as a browser GET, and with the first line of the input as the header
//! (the rest as the body). Invariants: nothing is verified without the right signature;
//! a signed callback never reads paid by itself (completed, overpaid and dispute end are
//! confirmed with `GET /payment-order/{uuid}` of exactly the claimed order first), and the
//! confirmation decides: paid only if the order read says paid, about that order.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use polypay_core::{Backend, Exchange, HttpResponse, Incoming, Method, PaymentStatus, Step};
use polypay_crypto::chainside::{SANDBOX_URL, SIGNATURE_HEADER, is_uuid, sign_callback};
use polypay_fuzz::chainside::{SECRET, U, check_request, check_state, logged_in};
use polypay_fuzz::{check_blind, check_response, cx};
use serde_json::{Value, json};

const OTHER: &str = "not-the-chainside-secret";

/// Logged in once: a callback's confirmation goes out at once. Only successful reads answer
/// them here, so the cached token never changes and runs stay reproducible.
static KNOWN: LazyLock<Arc<dyn Backend>> = LazyLock::new(|| logged_in(SECRET));
static BLIND: LazyLock<Arc<dyn Backend>> = LazyLock::new(|| logged_in(OTHER));

fn json_post(body: &[u8]) -> Incoming {
    Incoming::new(
        "POST",
        "",
        vec![("Content-Type".into(), "application/json".into())],
        body.to_vec(),
    )
}

/// The order the confirmation reads: `status`, about `uuid`, echoing the claimed reference.
fn order(uuid: &str, status: &str, reference: &Value) -> HttpResponse {
    let mut o = json!({
        "uuid": uuid, "address": "tb1qxyz", "uri": "bitcoin:tb1qxyz?amount=0.00025000",
        "amount": "10.00", "btc_amount": 25000, "currency": {"type": "fiat", "name": "EUR"},
        "created_at": "2023-11-14T22:13:20Z", "resolved_at": "2023-11-14T22:20:00Z",
        "state": {"status": status, "blockchain_status": status,
                  "paid": {"crypto": 25000, "fiat": "10.00"}},
        "transactions": [],
    });
    if reference.is_string() {
        o["reference"] = reference.clone();
    }
    HttpResponse::new(200, o.to_string())
}

/// A callback that must never be verified, whatever its body.
fn never_verified(b: &dyn Backend, incoming: &Incoming) {
    let _ = b.guess(incoming);
    let step = b.response(incoming, cx());
    check_blind("chainside", &step);
    assert!(
        !matches!(step, Ok(Step::Http { .. })),
        "an unverified callback makes a call"
    );
}

/// A correctly signed callback: at most one call, about the claimed order; the answer
/// follows the order read.
fn signed(incoming: &Incoming) {
    let b = &**KNOWN;
    let _ = b.guess(incoming);
    let claimed: Option<Value> = serde_json::from_slice(&incoming.body).ok();
    let claimed_uuid = claimed
        .as_ref()
        .and_then(|c| c["object"]["uuid"].as_str().map(str::to_owned));
    let reference = claimed
        .as_ref()
        .map(|c| c["object"]["reference"].clone())
        .unwrap_or(Value::Null);
    let first = b.response(incoming, cx());
    polypay_fuzz::crypto::trace("signed callback", &first);
    match first {
        Ok(Step::Done(r)) => {
            check_response(&r);
            assert_ne!(
                r.status(),
                PaymentStatus::Paid,
                "a callback paid without reading the order: {r:?}"
            );
            if r.is_verified() {
                let uuid = claimed_uuid.as_deref().unwrap_or_default();
                assert!(is_uuid(uuid), "verified a callback about {uuid:?}");
                assert_eq!(r.transaction_id.as_deref(), Some(uuid));
            }
        }
        Ok(Step::Http { request, state }) => {
            check_request(&request);
            check_state(&state, &incoming.body);
            let uuid = claimed_uuid.expect("a confirmation about no claimed order");
            assert!(is_uuid(&uuid));
            assert_eq!(request.method, Method::Get);
            assert_eq!(
                request.url.as_str(),
                format!("{SANDBOX_URL}payment-order/{uuid}"),
                "the confirmation is not about the claimed order"
            );
            let answers = [
                (order(&uuid, "paid", &reference), Some(true)),
                (order(&uuid, "pending", &reference), Some(false)),
                (order(U, "paid", &reference), None),
                (
                    HttpResponse::new(404, r#"{"error_code":"3001","request_id":"r1"}"#),
                    None,
                ),
            ];
            for (reply, paid) in answers {
                let other_order = paid.is_none() && uuid != U && reply.status == 200;
                let exchange = Exchange {
                    state: state.clone(),
                    response: reply,
                };
                let answer = b.response(incoming, cx().with_prior(&exchange));
                polypay_fuzz::crypto::trace("confirmed callback", &answer);
                match answer {
                    Ok(Step::Done(r)) => {
                        check_response(&r);
                        assert!(!other_order, "confirmed by another order: {r:?}");
                        match paid {
                            Some(true) => {
                                assert!(r.is_verified() && r.status() == PaymentStatus::Paid);
                                assert_eq!(r.transaction_id.as_deref(), Some(uuid.as_str()));
                            }
                            Some(false) => assert_ne!(r.status(), PaymentStatus::Paid),
                            None => {}
                        }
                        if paid.is_none() && reply_is_error(&exchange) {
                            panic!("a failed confirmation gave an answer: {r:?}");
                        }
                    }
                    Ok(Step::Http { .. }) => panic!("a callback makes a second call"),
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

fn reply_is_error(exchange: &Exchange) -> bool {
    !exchange.response.is_success()
}

fuzz_target!(|data: &[u8]| {
    let good = sign_callback(SECRET, data);
    let post = json_post(data);
    signed(&post.clone().with_header(SIGNATURE_HEADER, good.clone()));
    signed(
        &post
            .clone()
            .with_header(SIGNATURE_HEADER, format!(" {good}\n")),
    );
    never_verified(
        &**KNOWN,
        &post
            .clone()
            .with_header(SIGNATURE_HEADER, sign_callback(OTHER, data)),
    );
    never_verified(&**KNOWN, &post);
    never_verified(&**BLIND, &post.clone().with_header(SIGNATURE_HEADER, good));
    never_verified(
        &**KNOWN,
        &Incoming::get(String::from_utf8_lossy(data).into_owned()),
    );
    // The first line as the header, the rest as the body: verified only with exactly the
    // right signature.
    if let Some(i) = data.iter().position(|b| *b == b'\n') {
        let header = String::from_utf8_lossy(&data[..i]).into_owned();
        let body = &data[i + 1..];
        let incoming = json_post(body).with_header(SIGNATURE_HEADER, header.clone());
        if header.trim() == sign_callback(SECRET, body) {
            signed(&incoming);
        } else {
            never_verified(&**KNOWN, &incoming);
        }
    }
});
