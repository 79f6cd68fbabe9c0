//! The polypay conformance suite, run against the dummy and its simulated bank.

use std::sync::Arc;

use polypay_core::Secret;
use polypay_core::testkit::{Harness, Verdict, run_conformance};

use crate::{DummyFactory, Simulator};

fn harness() -> Harness {
    let config = serde_json::json!({
        "normal_return_url": "https://shop.example/return",
        "automatic_return_url": "https://shop.example/notify",
        "secret": "conformance-secret"
    });
    Harness::new(
        Arc::new(DummyFactory),
        config.as_object().cloned().unwrap_or_default(),
        Arc::new(Simulator::new(Some(Secret::new("conformance-secret")))),
    )
}

#[test]
fn dummy_passes_the_conformance_suite() {
    let report = run_conformance(&harness());
    println!("{report}");
    // Every family of checks ran.
    report.assert_passed(&[
        "description.sane",
        "build.empty_config_names_required",
        "request.10.00_EUR",
        "request.reproducible",
        "request.caller_transaction_id",
        "response.paid_verified_and_checked",
        "response.outcome.accepted",
        "response.outcome.expired",
        "response.tampered_never_paid",
        "response.unsigned_never_paid",
        "response.garbage.huge_query",
        "response.garbage.duplicate_keys",
        "response.same_input_same_response",
        "operations.refund.advertised_is_supported",
        "check.detects_mismatch",
    ]);
    assert_eq!(report.failures().count(), 0);
}

#[test]
fn the_suite_catches_a_bank_with_another_key() {
    // A misconfigured simulator: every message fails verification, so the paid flow fails
    // and is reported, without any panic.
    let mut h = harness();
    h.simulator = Arc::new(Simulator::new(Some(Secret::new("wrong"))));
    let report = run_conformance(&h);
    assert!(!report.is_success());
    assert!(
        matches!(
            report.verdict("response.paid_verified_and_checked"),
            Some(Verdict::Fail(_))
        ),
        "{report}"
    );
}

#[test]
fn the_suite_catches_a_trusting_backend() {
    // Compatibility mode trusts a bare `signed` key: forged messages pass, and the suite says so.
    let mut h = harness();
    h.config.remove("secret");
    h.simulator = Arc::new(Simulator::new(None));
    let report = run_conformance(&h);
    assert!(
        matches!(
            report.verdict("response.tampered_never_paid"),
            Some(Verdict::Fail(_))
        ),
        "{report}"
    );
}
