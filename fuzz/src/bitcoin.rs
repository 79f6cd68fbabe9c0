//! The `bitcoin` targets' backends, payments and the checks of a `status` answer: a payment
//! requested once (request is pure), then polled with fuzzed chain-source replies.

use polypay_core::{
    Amount, Backend, Context, PaymentIntent, PaymentRequest, PaymentResponse, PaymentStatus,
    StatusQuery, Step, Timestamp,
};
use polypay_crypto::bitcoin::{Bitcoin, BitcoinConfig};
use serde_json::{Map, Value, json};

use crate::check_response;

/// The BIP84 account of the backend's own unit tests (BIP84's test vector, mainnet).
pub const ZPUB: &str = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
/// Its receive addresses 0 and 1 (what the seeds pay).
pub const A0: &str = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";
pub const A1: &str = "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g";
/// Confirmations every fuzzed backend requires.
pub const REQUIRED: u64 = 2;

/// Builds a `bitcoin` backend (ZPUB on mainnet, EUR at 60000) with `source` merged in.
pub fn backend(source: Value) -> Bitcoin {
    let mut c = json!({
        "xpub": ZPUB,
        "rates": {"EUR": "60000"},
        "label": "Shop",
        "required_confirmations": REQUIRED,
    });
    for (k, v) in source.as_object().cloned().unwrap_or_default() {
        c[k] = v;
    }
    let config: BitcoinConfig = serde_json::from_value(c).expect("a bitcoin configuration");
    Bitcoin::new(config).expect("the fuzz target's bitcoin backend builds")
}

/// When every payment was requested: its window is 10:00–10:15.
pub fn requested_at() -> Timestamp {
    "2024-05-01T10:00:00Z".parse().unwrap()
}

/// The two payments of every backend: EUR 10.00 (16667 sat) at index 0, BTC 0.0015 at
/// index 1.
pub fn intents(btc: &Bitcoin) -> [PaymentIntent; 2] {
    let cx = Context::fixed(requested_at(), [7; 32]);
    let make = |amount: &str, index: u32, id: &str| {
        let req = PaymentRequest::new(Amount::parse(amount).unwrap())
            .with_extra_json("address_index", json!(index))
            .with_transaction_id(id);
        match btc.request(&req, cx) {
            Ok(Step::Done(intent)) => intent,
            other => panic!("the fuzz target's payment cannot be requested: {other:?}"),
        }
    };
    [
        make("EUR:10.00", 0, "order-1"),
        make("BTC:0.0015", 1, "order-2"),
    ]
}

/// The poll a scenario byte describes: which payment, when, and whether an earlier poll
/// already saw transactions `01…` and `02…` (at 10:02, within the window).
pub struct Poll {
    pub query: StatusQuery,
    pub now: Timestamp,
    pub address: String,
    pub amount_sat: u64,
    pub requested: Amount,
}

impl Poll {
    pub fn new(intents: &[PaymentIntent; 2], scenario: u8) -> Poll {
        let intent = &intents[usize::from(scenario & 1)];
        let minutes = [1, 14, 40, 24 * 60][usize::from((scenario >> 1) & 3)];
        let now = Timestamp::from_second(requested_at().as_second() + minutes * 60).unwrap();
        let mut data: Map<String, Value> = intent.backend_data.clone();
        if scenario & 8 != 0 {
            let seen = |n: &str| {
                json!({"txid": n.repeat(32), "value_sat": 1, "confirmations": 0,
                       "block_height": null, "first_seen": "2024-05-01T10:02:00Z", "in_time": true})
            };
            data.insert("transactions".into(), json!([seen("01"), seen("02")]));
        }
        Poll {
            query: StatusQuery::new(intent.transaction_id.clone()).with_bank_data(data),
            now,
            address: intent.backend_data["address"].as_str().unwrap().to_owned(),
            amount_sat: intent.backend_data["amount_sat"].as_u64().unwrap(),
            requested: Amount::parse(intent.backend_data["requested_amount"].as_str().unwrap())
                .unwrap(),
        }
    }
}

/// The checks of any `status` answer: fail closed, and a paid answer is about this payment
/// and reports at least the amount due as confirmed; `confirmed_by_input` is the most the
/// replies could have shown confirmed on the address (an upper bound computed by the target
/// from the raw replies, independently of the backend's parser).
pub fn check_status(poll: &Poll, r: &PaymentResponse, confirmed_by_input: u128) {
    check_response(r);
    let state = r.bank_data.get("state").and_then(Value::as_str);
    let confirmed = r.bank_data.get("confirmed_sat").and_then(Value::as_u64);
    assert_eq!(r.amount, Some(poll.requested), "the answer's amount");
    assert_eq!(
        r.bank_data.get("address").and_then(Value::as_str),
        Some(poll.address.as_str()),
        "the answer is about another address"
    );
    if r.status() == PaymentStatus::Paid {
        assert!(
            matches!(state, Some("paid" | "overpaid")),
            "paid in state {state:?}"
        );
        let confirmed = confirmed.expect("a paid answer says what is confirmed");
        assert!(
            confirmed >= poll.amount_sat,
            "paid with {confirmed} of {} sat confirmed",
            poll.amount_sat
        );
        assert!(
            u128::from(confirmed) <= confirmed_by_input,
            "paid with {confirmed} sat confirmed, but the replies show at most \
             {confirmed_by_input} sat confirmed {REQUIRED} times on {}",
            poll.address
        );
        if r.is_verified() {
            r.check(&poll.requested, &poll.query.transaction_id)
                .unwrap_or_else(|e| panic!("a paid answer fails its own check: {e}"));
        }
    }
    if let Some(c) = confirmed {
        assert!(
            u128::from(c) <= confirmed_by_input,
            "{c} sat reported confirmed, the replies show at most {confirmed_by_input}"
        );
    }
}
