//! What the fuzz targets share: building backends through the registry, turning fuzz bytes
//! into the inputs a backend receives from outside, and the invariants every answer must keep.
//!
//! Every check here panics on purpose: a panic is what libFuzzer reports as a finding.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::{Arc, LazyLock};

use polypay_core::{
    Adjustment, Amount, Backend, Context, Exchange, HttpResponse, Incoming, PaymentResponse,
    PaymentStatus, Registry, Result, StatusQuery, Step, Timestamp,
};
use serde_json::{Map, Value};

pub mod bitcoin;
pub mod chainside;
pub mod crypto;
pub mod taler;

/// Every backend compiled into the fuzz build (what `polypay::Registry::builtin()` gives,
/// without the facade and its HTTP stack).
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    polypay_dummy::link();
    polypay_bankform::link();
    polypay_taler::link();
    polypay_crypto::link();
    Registry::from_inventory().expect("the built-in registry")
});

/// Builds a backend of `kind` from a JSON object; a configuration the target relies on must
/// build, so a failure is a bug of the target and panics at once.
pub fn backend(kind: &str, config: Value) -> Arc<dyn Backend> {
    let Value::Object(map) = config else {
        panic!("a configuration is a JSON object")
    };
    match REGISTRY.build(kind, &map) {
        Ok(b) => b,
        Err(e) => panic!("cannot build the {kind} backend of the fuzz target: {e}"),
    }
}

/// The fixed clock and entropy of every call (reproducible crashes).
pub fn cx() -> Context<'static> {
    Context::fixed(
        "2024-05-01T10:00:00Z".parse::<Timestamp>().unwrap(),
        [7; 32],
    )
}

/// The ways fuzz bytes reach a backend as a browser return or a notification: as a GET query
/// string (lossy UTF-8: a query string is text), as a form POST body, as a POST without a
/// content type, as a JSON POST, and split at the first newline into query + form body.
pub fn incomings(data: &[u8]) -> Vec<Incoming> {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut out = vec![
        Incoming::get(text.clone()),
        Incoming::post_form(data.to_vec()),
        Incoming::new("POST", "", Vec::new(), data.to_vec()),
        Incoming::new(
            "POST",
            "",
            vec![("Content-Type".into(), "application/json".into())],
            data.to_vec(),
        ),
    ];
    if let Some(i) = data.iter().position(|b| *b == b'\n') {
        let query = String::from_utf8_lossy(&data[..i]).into_owned();
        out.push(Incoming::new(
            "POST",
            query,
            vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            data[i + 1..].to_vec(),
        ));
    }
    out
}

/// Fail closed: a response that is not verified is never paid nor accepted, and what it
/// reports must be coherent.
pub fn check_response(r: &PaymentResponse) {
    if !r.is_verified() {
        assert!(
            !matches!(r.status(), PaymentStatus::Paid | PaymentStatus::Accepted),
            "unverified response reads {:?}",
            r.status()
        );
        assert!(!r.is_paid(), "unverified response is paid");
    }
    if r.is_paid() {
        assert!(r.is_verified());
    }
    // The response crosses the plugin wire and the CLI as JSON: it must serialise and read
    // back unchanged.
    let json = serde_json::to_value(r).expect("a response serialises");
    let back: PaymentResponse = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("a response does not read back: {e}\n{json}"));
    assert_eq!(&back, r, "JSON round trip of a response\n{json}");
}

/// A `response` answer of a backend that holds the right key: any result is fine as long as
/// it fails closed.
pub fn check_step(step: &Result<Step<PaymentResponse>>) {
    if let Ok(Step::Done(r)) = step {
        check_response(r);
    }
}

/// A `response` answer of a backend whose key the input cannot know: never verified.
pub fn check_blind(kind: &str, step: &Result<Step<PaymentResponse>>) {
    check_step(step);
    if let Ok(Step::Done(r)) = step {
        assert!(
            !r.is_verified(),
            "{kind}: a response verified without the key: {r:?}"
        );
    }
}

/// The operations of a backend that talk to a server (Sips office server, Paybox Direct):
/// each first step's request is answered with `reply`, and the answer must fail closed.
pub fn drive_with_reply(backend: &dyn Backend, reply: &HttpResponse) {
    let amount = Amount::parse("EUR:10.00").unwrap();
    let mut data = Map::new();
    data.insert("numero_transaction".into(), Value::from("13957441"));
    data.insert("numero_appel".into(), Value::from(vec!["30310733"]));
    data.insert("reference".into(), Value::from("830657461681"));
    let adj = Adjustment::new("830657461681", amount).with_bank_data(data);
    let query = StatusQuery::new("830657461681");
    type Op<'a> = Box<dyn Fn(Context<'_>) -> Result<Step<PaymentResponse>> + 'a>;
    let ops: [Op<'_>; 4] = [
        Box::new(|c| backend.status(&query, c)),
        Box::new(|c| backend.validate(&adj, c)),
        Box::new(|c| backend.cancel(&adj, c)),
        Box::new(|c| backend.refund(&adj, c)),
    ];
    for op in ops {
        let Ok(Step::Http { state, .. }) = op(cx()) else {
            continue;
        };
        let exchange = Exchange {
            state,
            response: reply.clone(),
        };
        let answer = op(cx().with_prior(&exchange));
        check_step(&answer);
    }
}

/// An HTTP answer read from fuzz bytes: the first line is the status code (200 when it is
/// not a number), the rest the body.
pub fn http_reply(data: &[u8]) -> HttpResponse {
    match data.iter().position(|b| *b == b'\n') {
        Some(i) => {
            let status = std::str::from_utf8(&data[..i])
                .ok()
                .and_then(|s| s.trim().parse::<u16>().ok())
                .unwrap_or(200);
            HttpResponse::new(status, data[i + 1..].to_vec())
        }
        None => HttpResponse::new(200, data.to_vec()),
    }
}

/// A bank-form target: backends holding the key the seeds were signed with (the verified
/// paths get covered; answers must fail closed) and backends with a key the input cannot
/// know (never verified). Every way of receiving the bytes is tried on each.
pub struct FormTarget {
    pub known: Vec<Arc<dyn Backend>>,
    pub blind: Vec<Arc<dyn Backend>>,
}

impl FormTarget {
    pub fn run(&self, data: &[u8]) {
        for incoming in incomings(data) {
            for b in &self.known {
                check_step(&b.response(&incoming, cx()));
                let _ = b.guess(&incoming);
            }
            for b in &self.blind {
                check_blind(b.kind(), &b.response(&incoming, cx()));
            }
        }
    }
}
