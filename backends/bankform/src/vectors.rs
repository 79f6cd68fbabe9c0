//! Known answers produced by running eopayment 3.15 as a black box
//! (`testdata/eopayment_vectors.py`, output in `testdata/eopayment_vectors.json`).
//!
//! Requests must match byte for byte (SystemPay's fields are compared as a set: polypay sends
//! them sorted by name, eopayment in another order; the bank reads them by name and signs them
//! sorted). Responses must agree on authenticity, reference and status, except where polypay
//! deliberately differs from eopayment (spec §7), which [`deliberate`] lists with the reason.

use polypay_core::{
    Action, Amount, Context, Customer, Incoming, PaymentRequest, PaymentStatus, Registry, Timestamp,
};
use serde_json::Value;

const VECTORS: &str = include_str!("../testdata/eopayment_vectors.json");

fn registry() -> Registry {
    crate::link();
    Registry::from_inventory().unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2024-05-01T10:00:00Z".parse::<Timestamp>().unwrap(),
        [1; 32],
    )
}

/// eopayment's keyword arguments as a polypay request.
fn to_request(
    kind: &str,
    args: &serde_json::Map<String, Value>,
    extra: &serde_json::Map<String, Value>,
) -> PaymentRequest {
    let text = |k: &str| {
        args.get(k)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    };
    // Every vector is in euros, eopayment's only currency for these banks.
    let mut req =
        PaymentRequest::new(Amount::parse(&format!("EUR:{}", text("amount").unwrap())).unwrap());
    let mut customer = Customer::default();
    customer.email = text("email");
    customer.first_name = text("first_name").or(text("name"));
    customer.last_name = text("last_name");
    customer.address = text("address1");
    req = req.with_customer(customer);
    req.order_id = text("orderid");
    req.transaction_id = text("transaction_id");
    req.description = text("info1");
    req.capture_day = text("capture_day").map(|d| d.parse().unwrap());
    req.manual_validation = args
        .get("manual_validation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if kind == "tipi" {
        for k in ["refdet", "exer", "objet", "saisie"] {
            if let Some(v) = text(k) {
                req = req.with_extra(k, v);
            }
        }
    }
    for (k, v) in extra {
        req = req.with_extra_json(k, v.clone());
    }
    req
}

#[test]
fn requests_match_eopayment() {
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    let registry = registry();
    let requests = vectors["requests"].as_array().unwrap();
    assert!(requests.len() >= 14);
    for v in requests {
        let name = v["name"].as_str().unwrap();
        let kind = v["kind"].as_str().unwrap();
        let backend = registry
            .build(kind, v["config"].as_object().unwrap())
            .unwrap();
        let req = to_request(
            kind,
            v["request"].as_object().unwrap(),
            v["polypay_extra"].as_object().unwrap(),
        );
        let intent = backend.request(&req, cx()).unwrap().done().unwrap();
        let eop = &v["eopayment"];
        assert_eq!(
            intent.transaction_id,
            eop["id"].as_str().unwrap(),
            "{name}: id"
        );
        match (&intent.action, eop["type"].as_str().unwrap()) {
            (Action::Redirect { url }, "redirect") => {
                assert_eq!(url.as_str(), eop["url"].as_str().unwrap(), "{name}");
            }
            (Action::Form { url, fields, .. }, "form") => {
                assert_eq!(url.as_str(), eop["url"].as_str().unwrap(), "{name}");
                let mut theirs: Vec<(String, String)> =
                    serde_json::from_value(eop["fields"].clone()).unwrap();
                let mut ours = fields.to_vec();
                if kind == "systempayv2" || kind == "payzen" {
                    theirs.sort();
                    ours.sort();
                }
                assert_eq!(ours, theirs, "{name}");
            }
            (ours, theirs) => panic!("{name}: {ours:?} vs {theirs}"),
        }
    }
}

/// Where polypay's status deliberately differs from eopayment's, and why.
fn deliberate(name: &str) -> Option<(PaymentStatus, &'static str)> {
    use PaymentStatus::*;
    let table: &[(&str, PaymentStatus, &str)] = &[
        (
            "authorised to validate",
            Accepted,
            "D7: vads_trans_status AUTHORISED_TO_VALIDATE is accepted, not paid",
        ),
        ("sips2 05", Denied, "D8: Sips 05 is a refusal"),
        ("sips2 60", Waiting, "D8: Sips 60 is pending"),
        ("sips2 97", Expired, "D8: Sips 97 is a time-out"),
        ("ogone 93", Denied, "§4.4: Ogone 93 is a refused payment"),
        ("forged", Waiting, "D1: an unverified return is never paid"),
        (
            "tipi",
            Waiting,
            "D2: TIPI returns are unsigned, so never verified",
        ),
    ];
    table
        .iter()
        .find(|(n, _, _)| name.contains(n))
        .map(|(_, s, why)| (*s, *why))
}

fn eopayment_status(code: u64) -> PaymentStatus {
    use PaymentStatus::*;
    match code {
        1 => Received,
        2 => Accepted,
        3 => Paid,
        4 => Denied,
        5 => Cancelled,
        6 => Waiting,
        7 => Expired,
        _ => Error,
    }
}

#[test]
fn responses_match_eopayment_except_deliberate_differences() {
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    let registry = registry();
    let responses = vectors["responses"].as_array().unwrap();
    assert!(responses.len() >= 29);
    for v in responses {
        let name = v["name"].as_str().unwrap();
        let kind = v["kind"].as_str().unwrap();
        let backend = registry
            .build(kind, v["config"].as_object().unwrap())
            .unwrap();
        let r = backend
            .response(&Incoming::get(v["query"].as_str().unwrap()), cx())
            .unwrap()
            .done()
            .unwrap();
        let eop = &v["eopayment"];
        let signed = eop["signed"].as_bool().unwrap();
        if kind == "tipi" {
            assert!(signed && !r.is_verified(), "{name}: D2");
        } else {
            assert_eq!(r.is_verified(), signed, "{name}: authenticity");
        }
        assert_eq!(
            r.order_id.as_deref(),
            eop["order_id"].as_str(),
            "{name}: reference"
        );
        let theirs = eopayment_status(eop["result"].as_u64().unwrap());
        match deliberate(name) {
            Some((ours, why)) => {
                assert_eq!(r.status(), ours, "{name}: {why}");
                assert_ne!(ours, theirs, "{name}: listed as a difference but equal");
            }
            None => assert_eq!(r.status(), theirs, "{name}"),
        }
        if kind == "systempayv2" && signed {
            assert_eq!(
                r.transaction_date.map(|t| t.to_string()),
                eop["transaction_date"]
                    .as_str()
                    .map(|d| d.parse::<Timestamp>().unwrap().to_string()),
                "{name}: date"
            );
        }
    }
}
