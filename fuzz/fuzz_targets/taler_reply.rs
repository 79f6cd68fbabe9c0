//! GNU Taler merchant-backend JSON replies, fed as the `prior` exchange of each operation's
//! steps: `/config` (version check), `private/token` (login), `private/orders` (create),
//! `private/orders/$ID` (status, webhook confirmation, refund's read), refunds and deletes.
//!
//! Input: the first byte picks the operation; the rest is up to four replies separated by a
//! line `--`, each an optional status line (`404`) then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polypay_core::{
    Adjustment, Amount, Backend, HttpResponse, Incoming, PaymentRequest, StatusQuery,
};
use polypay_fuzz::taler::{CHECKED, checked, drive, replies};
use polypay_fuzz::{backend, check_response};
use serde_json::{Map, Value, json};

fn carried() -> Map<String, Value> {
    // What `request` hands to later operations (backend_data).
    json!({
        "order_id": "O1", "claim_token": "TOK", "session_id": "S1",
        "pay_deadline": 1_800_000_000, "requested_amount": "EUR:5",
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn run(b: &dyn Backend, which: u8, replies: &[HttpResponse]) {
    let eur = |s: &str| Amount::parse(s).unwrap();
    match which {
        0 | 7 => {
            let q = StatusQuery::new("O1").with_bank_data(carried());
            drive(|c| b.status(&q, c), replies, check_response);
        }
        1 => {
            let q = StatusQuery::new("O1");
            drive(|c| b.status(&q, c), replies, check_response);
        }
        2 => {
            let req = PaymentRequest::new(eur("EUR:5")).with_transaction_id("O1");
            drive(
                |c| b.request(&req, c),
                replies,
                |intent| {
                    serde_json::to_value(intent).expect("an intent serialises");
                },
            );
        }
        3 => {
            let req = PaymentRequest::new(eur("EUR:5"));
            drive(|c| b.request(&req, c), replies, |_| {});
        }
        4 => {
            let adj = Adjustment::new("O1", eur("EUR:1")).with_bank_data(carried());
            drive(|c| b.refund(&adj, c), replies, check_response);
        }
        5 => {
            let adj = Adjustment::new("O1", eur("EUR:5"));
            drive(|c| b.cancel(&adj, c), replies, check_response);
        }
        _ => {
            let inc = Incoming::get("order_id=O1");
            drive(|c| b.response(&inc, c), replies, check_response);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let which = first.wrapping_sub(b'0');
    let replies = replies(rest);
    match which % 10 {
        // The version check itself, on a fresh backend (then the status call's reply).
        8 => {
            let fresh = backend("taler", polypay_fuzz::taler::config(json!({})));
            run(&*fresh, 0, &replies);
        }
        // Password authentication: a fresh backend (it caches its login token), whose
        // version check passes; the replies answer the token request, then the call.
        9 => {
            let fresh = checked(json!({"token": null, "password": "fuzz-password"}));
            run(&*fresh, 0, &replies);
        }
        w => run(&**CHECKED, w, &replies),
    }
});
