//! GNU Taler webhooks and fulfillment hits through `Backend::response`: the order id hint
//! (query, form or JSON body), the webhook secret header, then the confirmation call.
//! Nothing may be verified before the backend confirmed it, and no hint may steer the
//! confirmation call outside the instance's orders.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use polypay_core::{Backend, HttpResponse, Step};
use polypay_fuzz::taler::{CHECKED, check_request_url, checked};
use polypay_fuzz::{check_response, cx, incomings};
use serde_json::json;

const SECRET: &str = "fuzz-hook-secret";

static WITH_SECRET: LazyLock<Arc<dyn Backend>> =
    LazyLock::new(|| checked(json!({"webhook_secret": SECRET})));

fn paid(id: &str) -> HttpResponse {
    HttpResponse::new(
        200,
        json!({
            "order_status": "paid", "refunded": false, "refund_pending": false, "wired": false,
            "deposit_total": "EUR:4.99", "exchange_code": 0, "exchange_http_status": 0,
            "refund_amount": "EUR:0", "last_payment": {"t_s": 1_800_000_000},
            "contract_terms": {"order_id": id, "amount": "EUR:5", "summary": "x"},
            "wire_details": [], "wire_reports": [], "refund_details": [],
            "order_status_url": "https://backend.example.com/orders/O"
        })
        .to_string(),
    )
}

fuzz_target!(|data: &[u8]| {
    let mut inputs = incomings(data);
    let signed: Vec<_> = inputs
        .iter()
        .map(|i| i.clone().with_header("X-Polypay-Token", SECRET))
        .collect();
    inputs.extend(signed);
    for incoming in &inputs {
        for b in [&*CHECKED, &*WITH_SECRET] {
            let id = b.guess(incoming);
            match b.response(incoming, cx()) {
                Ok(Step::Done(r)) => {
                    check_response(&r);
                    assert!(!r.is_verified(), "a webhook verified without a call: {r:?}");
                }
                Ok(Step::Http { request, state }) => {
                    check_request_url(&request.url);
                    // The confirmation asks about exactly the order the hint named.
                    let claimed = id.as_deref().unwrap_or_default();
                    assert_eq!(
                        request.url.path(),
                        format!("/instances/shop/private/orders/{claimed}"),
                        "the confirmation call is not about the claimed order"
                    );
                    let exchange = polypay_core::Exchange {
                        state,
                        response: paid(id.as_deref().unwrap_or("O1")),
                    };
                    if let Ok(Step::Done(r)) = b.response(incoming, cx().with_prior(&exchange)) {
                        check_response(&r);
                    }
                }
                Err(_) => {}
            }
        }
    }
});
