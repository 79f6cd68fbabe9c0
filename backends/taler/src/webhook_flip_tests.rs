//! Webhook secret flips (issue 8): GNU Taler does not sign webhooks, the configured shared
//! secret in the configured header is what tells them from forgeries. Any change to it, its
//! absence, or the wrong header gives an unverified response (403) without asking the
//! backend about the order.

#![allow(clippy::unwrap_used)]

use polypay_core::{
    Backend, Context, HttpResponse, Incoming, PaymentResponse, PaymentStatus, Timestamp, drive_sync,
};
use serde_json::json;

use crate::{Taler, TalerConfig};

const SECRET: &str = "flip-webhook-secret-0123456789";

fn taler(header: Option<&str>) -> Taler {
    let mut c = json!({
        "base_url": "https://backend.example.com/",
        "token": "secret-token:t",
        "fulfillment_url": "https://shop.example/ok/${ORDER_ID}",
        "webhook_secret": SECRET,
    });
    if let Some(h) = header {
        c["webhook_header"] = h.into();
    }
    Taler::new(serde_json::from_value::<TalerConfig>(c).unwrap()).unwrap()
}

fn hook(headers: Vec<(String, String)>) -> Incoming {
    let body = json!({"event_type": "pay", "order_id": "FLIP-1"}).to_string();
    let mut all = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    all.extend(headers);
    Incoming::new("POST", "", all, body)
}

fn cx() -> Context<'static> {
    Context::fixed(Timestamp::from_second(1_800_000_000).unwrap(), [3; 32])
}

/// Runs `response`, answering the public `/config` (which the flow may read first) and
/// recording every other call, answered with a paid order.
fn drive(
    taler: &Taler,
    incoming: &Incoming,
) -> (polypay_core::Result<PaymentResponse>, Vec<String>) {
    let mut asked = Vec::new();
    let r = drive_sync(
        |cx| taler.response(incoming, cx),
        cx(),
        |req| {
            if req.url.path() == "/config" {
                return Ok(HttpResponse::new(
                    200,
                    json!({"version": "20:0:8", "name": "taler-merchant", "currency": "EUR"})
                        .to_string(),
                ));
            }
            asked.push(req.url.path().to_owned());
            Ok(HttpResponse::new(
                200,
                json!({
                    "order_status": "paid", "refunded": false, "refund_pending": false,
                    "wired": false, "deposit_total": "EUR:5", "exchange_code": 0,
                    "exchange_http_status": 0, "refund_amount": "EUR:0",
                    "last_payment": {"t_s": 1_800_000_000},
                    "contract_terms": {"order_id": "FLIP-1", "amount": "EUR:5", "summary": "x"},
                    "wire_details": [], "wire_reports": [], "refund_details": [],
                    "order_status_url": "https://backend.example.com/orders/FLIP-1"
                })
                .to_string(),
            ))
        },
        8,
    );
    (r, asked)
}

fn assert_refused(taler: &Taler, incoming: &Incoming, what: &str) {
    let (r, asked) = drive(taler, incoming);
    let r = r.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(asked.is_empty(), "{what}: the backend was asked {asked:?}");
    assert!(!r.is_verified() && !r.is_paid(), "{what}");
    assert_eq!(r.status(), PaymentStatus::Waiting, "{what}");
    assert_eq!(r.order_id.as_deref(), Some("FLIP-1"), "{what}");
    assert_eq!(r.return_content.map(|c| c.status), Some(403), "{what}");
}

#[test]
fn every_flipped_byte_of_the_secret_is_refused() {
    for header in [None, Some("X-Shop-Hook")] {
        let taler = taler(header);
        let name = header.unwrap_or("X-Polypay-Token").to_owned();
        let with = |value: String| hook(vec![(name.clone(), value)]);
        // The genuine secret goes on to ask the backend, and is paid.
        let (r, asked) = drive(&taler, &with(SECRET.into()));
        assert!(r.unwrap().is_paid());
        assert_eq!(asked, ["/private/orders/FLIP-1"]);
        let bytes = SECRET.as_bytes();
        for i in 0..bytes.len() {
            for bit in [0x01u8, 0x20, 0x80] {
                let mut flipped = bytes.to_vec();
                flipped[i] ^= bit;
                // A header value is text: skip flips that make invalid UTF-8.
                let Ok(value) = String::from_utf8(flipped) else {
                    continue;
                };
                if value.trim() == SECRET {
                    continue;
                }
                assert_refused(&taler, &with(value), &format!("byte {i} bit {bit:#x}"));
            }
        }
        for (what, value) in [
            ("cut", SECRET[..SECRET.len() - 1].to_owned()),
            ("extended", format!("{SECRET}x")),
            ("prefixed", format!("x{SECRET}")),
            ("empty", String::new()),
            ("doubled", format!("{SECRET}{SECRET}")),
        ] {
            assert_refused(&taler, &with(value), what);
        }
        assert_refused(&taler, &hook(vec![]), "missing");
        assert_refused(
            &taler,
            &hook(vec![("X-Other".into(), SECRET.into())]),
            "wrong header",
        );
    }
}
