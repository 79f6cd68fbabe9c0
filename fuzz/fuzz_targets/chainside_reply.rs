//! Chainside WebPOS API replies fed as the `prior` exchange of each operation's steps: the
//! OAuth login (`POST /token`), the order creation (`POST /payment-order`), the order
//! (`GET /payment-order/{uuid}`, for status and to confirm a callback), the cancellation
//! (`DELETE /payment-order/{uuid}`), and error bodies (with the token renewal on 1004/1007).
//!
//! Input: the first byte picks the operation (low three bits) and whether the backend is
//! already logged in (bit 3); the rest is up to four replies separated by a line `--`, each
//! an optional status line then the body. Beyond not panicking: paid only when the order
//! read says `paid` (of the amount asked, with the reference asked), cancelled only after a
//! successful DELETE, an intent only from a created order with a uuid; every call stays on
//! the API; no step state, request or error shows a credential.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polypay_core::{
    Action, Adjustment, Amount, Context, Currency, Incoming, Method, PaymentRequest,
    PaymentResponse, PaymentStatus, Result, StatusQuery, Step,
};
use polypay_crypto::chainside::{SIGNATURE_HEADER, is_uuid, sign_callback};
use polypay_fuzz::chainside::{
    BASIC, SECRET, TOKEN, U, check_request, check_state, fresh, logged_in, now,
};
use polypay_fuzz::check_response;
use polypay_fuzz::crypto::{Call, Driven, check_error, drive, input_spells, replies};
use serde_json::{Map, Value, json};

fn eur(v: &str) -> Amount {
    Amount::parse(&format!("EUR:{v}")).unwrap()
}

fn map(pairs: Value) -> Map<String, Value> {
    pairs.as_object().cloned().unwrap()
}

/// A callback Chainside signed, about order `U` of reference `order-42`.
fn callback(event: &str) -> Incoming {
    let body = json!({
        "event": event, "created_at": "2023-11-14T22:20:00Z", "object_type": "payment_order",
        "object": {"uuid": U, "amount": "10.00", "reference": "order-42",
                   "state": {"status": "paid"}},
    })
    .to_string();
    let signature = sign_callback(SECRET, body.as_bytes());
    Incoming::new(
        "POST",
        "",
        vec![("Content-Type".into(), "application/json".into())],
        body.into_bytes(),
    )
    .with_header(SIGNATURE_HEADER, signature)
}

/// The last answered call to `method` on the order, if any.
fn last_on_order(calls: &[Call], method: Method) -> Option<&Call> {
    calls
        .iter()
        .rev()
        .find(|(req, _)| req.method == method && req.url.path() != "/token")
}

/// A paid answer rests on the last order read: a success saying `paid`, about `U`, with the
/// reference asked (when the caller gave one), and reports the order's own amount; when the
/// caller's data says what was asked (`status` with `requested_amount`), it is that amount.
/// A callback's confirmation cannot know the amount asked: the answer's amount is what the
/// integrator checks (`PaymentResponse::check`), so a different one must fail that check.
fn check_paid(calls: &[Call], r: &PaymentResponse, reference: Option<&str>, amount_known: bool) {
    if r.status() != PaymentStatus::Paid {
        return;
    }
    let (req, reply) = last_on_order(calls, Method::Get).expect("paid without reading the order");
    assert!(reply.is_success(), "paid from a failed read of {}", req.url);
    let order: Value =
        serde_json::from_slice(&reply.body).expect("paid from an order that is not JSON");
    assert_eq!(order["state"]["status"], "paid", "paid from {order}");
    assert_eq!(order["uuid"], U, "paid from another order: {order}");
    assert_eq!(r.transaction_id.as_deref(), Some(U));
    let text = order["amount"].as_str().unwrap_or_default().trim();
    let amount = Amount::parse_in(text, Currency::EUR).ok();
    assert_eq!(
        r.amount, amount,
        "paid reports another amount than the order's: {order}"
    );
    let asked = eur("10.00");
    if amount_known {
        assert_eq!(amount, Some(asked), "paid an amount not asked: {order}");
    }
    if let Some(reference) = reference {
        if let Some(got) = order["reference"].as_str() {
            assert_eq!(got, reference, "paid with another reference: {order}");
        }
        if amount != Some(asked) {
            assert!(
                r.check(&asked, reference).is_err(),
                "the check passes a paid answer of {amount:?} for {asked}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let which = first.wrapping_sub(b'0');
    let b = if which & 8 != 0 {
        logged_in(SECRET)
    } else {
        fresh(SECRET)
    };
    let replies = replies(rest, 4);
    let run = |op: &dyn Fn(Context<'_>) -> Result<Step<PaymentResponse>>| {
        drive(now(), op, &replies, check_request)
    };
    let (responses, states) = match which & 7 {
        op @ (0 | 1) => {
            let req = if op == 0 {
                PaymentRequest::new(eur("10.00"))
                    .with_transaction_id("order-42")
                    .with_description("Tea")
                    .with_return_url("https://shop.example/back".parse().unwrap())
                    .with_notification_url("https://shop.example/cb".parse().unwrap())
            } else {
                PaymentRequest::new(eur("0.50"))
            };
            let driven = drive(now(), |cx| b.request(&req, cx), &replies, check_request);
            polypay_fuzz::crypto::trace("chainside request", &driven.last);
            if let Ok(Step::Done(intent)) = &driven.last {
                let (req, reply) = last_on_order(&driven.calls, Method::Post)
                    .expect("an intent without creating the order");
                assert_eq!(req.url.path(), "/payment-order");
                assert!(reply.is_success(), "an intent from a failed creation");
                let uuid = intent.backend_data["uuid"].as_str().unwrap_or_default();
                assert!(
                    is_uuid(uuid),
                    "an intent without the order's uuid: {intent:?}"
                );
                let created: Value = serde_json::from_slice(&reply.body).unwrap();
                assert_eq!(created["uuid"], uuid);
                let Action::Redirect { url } = &intent.action else {
                    panic!("a chainside intent redirects: {intent:?}")
                };
                assert!(matches!(url.scheme(), "https" | "http"), "{url}");
                if op == 0 {
                    assert_eq!(intent.transaction_id, "order-42");
                }
                serde_json::to_value(intent).expect("an intent serialises");
                assert!(!format!("{intent:?}").contains(SECRET));
            }
            if let Err(e) = &driven.last {
                check_error(e, &[SECRET, BASIC, TOKEN], data);
            }
            (Vec::new(), driven.states)
        }
        op @ (2 | 3) => {
            let q = if op == 2 {
                StatusQuery::new(U)
            } else {
                StatusQuery::new("order-42").with_bank_data(map(json!({
                    "uuid": U, "reference": "order-42", "requested_amount": "EUR:10.00",
                })))
            };
            let driven = run(&|cx| b.status(&q, cx));
            if let Ok(Step::Done(r)) = &driven.last {
                check_paid(&driven.calls, r, (op == 3).then_some("order-42"), op == 3);
            }
            split(driven, data)
        }
        op @ (4 | 5) => {
            let adj = if op == 4 {
                Adjustment::new("order-42", eur("10.00"))
                    .with_bank_data(map(json!({"uuid": U, "reference": "order-42"})))
            } else {
                Adjustment::new(U, eur("10.00"))
            };
            let driven = run(&|cx| b.cancel(&adj, cx));
            if let Ok(Step::Done(r)) = &driven.last {
                assert_ne!(r.status(), PaymentStatus::Paid, "a cancel reads paid");
                let (_, reply) = last_on_order(&driven.calls, Method::Delete)
                    .expect("cancelled without the DELETE");
                assert!(reply.is_success(), "cancelled after a failed DELETE");
            }
            split(driven, data)
        }
        op => {
            let incoming = callback(if op == 6 {
                "payment.completed"
            } else {
                "payment.dispute.end"
            });
            let driven = run(&|cx| b.response(&incoming, cx));
            if let Ok(Step::Done(r)) = &driven.last {
                check_paid(&driven.calls, r, Some("order-42"), false);
            }
            split(driven, data)
        }
    };
    for state in &states {
        check_state(state, data);
    }
    for r in &responses {
        check_response(r);
        let shown = format!("{r:?}");
        for secret in [SECRET, TOKEN, BASIC] {
            assert!(
                !shown.contains(secret) || input_spells(data, secret),
                "a response shows a credential: {shown}"
            );
        }
    }
});

/// The response (if any) and step states of a driven operation; its error checked.
fn split(driven: Driven<PaymentResponse>, input: &[u8]) -> (Vec<PaymentResponse>, Vec<Value>) {
    polypay_fuzz::crypto::trace("chainside", &driven.last);
    match driven.last {
        Ok(Step::Done(r)) => (vec![r], driven.states),
        Ok(Step::Http { .. }) => (Vec::new(), driven.states),
        Err(e) => {
            check_error(&e, &[SECRET, BASIC, TOKEN], input);
            (Vec::new(), driven.states)
        }
    }
}
