//! The testkit conformance suite (`polypay_core::testkit`) for every kind, with the bank-side
//! simulator of [`crate::simulator`] signing the answers like each bank does.

use std::sync::Arc;

use polypay_core::testkit::{BankSimulator, Harness, SimOutcome, run_conformance};
use polypay_core::{Incoming, PaymentIntent, PaymentStatus, Registry, Result, Timestamp};

use crate::simulator::{KINDS, answer, config, incoming};

/// One kind's bank.
struct Bank {
    kind: &'static str,
}

impl Bank {
    fn status(outcome: SimOutcome) -> PaymentStatus {
        outcome.expected_status()
    }
}

impl BankSimulator for Bank {
    fn outcomes(&self) -> Vec<SimOutcome> {
        use SimOutcome::*;
        match self.kind {
            "systempayv2" | "payzen" | "sips2" => {
                vec![Paid, Accepted, Denied, Cancelled, Waiting, Expired, Error]
            }
            "paybox" => vec![Paid, Denied, Cancelled, Waiting, Expired, Error],
            "ogone" => vec![Paid, Accepted, Denied, Cancelled, Waiting, Error],
            _ => vec![Paid, Denied, Cancelled, Error],
        }
    }

    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        _now: Timestamp,
    ) -> Result<Incoming> {
        let amount = polypay_core::Amount::parse("EUR:10.00")?;
        let (query, _) = answer(self.kind, intent, &amount, Self::status(outcome));
        Ok(incoming(self.kind, query))
    }

    fn tamper(&self, genuine: &Incoming) -> Incoming {
        // Change the amount the bank reports, keep the signature.
        let raw = if genuine.query.is_empty() {
            String::from_utf8_lossy(&genuine.body).into_owned()
        } else {
            genuine.query.clone()
        };
        let forged = raw
            .replace("vads_amount=1000", "vads_amount=1")
            .replace("amount%3D1000", "amount%3D1")
            .replace("montant=1000", "montant=1")
            .replace("AMOUNT=10", "AMOUNT=1")
            .replace("resultrans=", "resultrans=P&x=");
        incoming(self.kind, forged)
    }

    fn strip_signature(&self, genuine: &Incoming) -> Incoming {
        let raw = if genuine.query.is_empty() {
            String::from_utf8_lossy(&genuine.body).into_owned()
        } else {
            genuine.query.clone()
        };
        let mut kept: Vec<&str> = raw
            .split('&')
            .filter(|p| {
                !["signature=", "Seal=", "SHASIGN="]
                    .iter()
                    .any(|s| p.starts_with(s))
            })
            .collect();
        if self.kind == "tipi" {
            // TIPI sends no signature: the closest thing is a return missing a field.
            kept.pop();
        }
        incoming(self.kind, kept.join("&"))
    }
}

#[test]
fn every_signed_kind_passes_the_conformance_suite() {
    crate::link();
    let registry = Registry::from_inventory().unwrap();
    for kind in KINDS.into_iter().filter(|k| *k != "tipi") {
        let factory = registry.factory(kind).unwrap().clone();
        let harness = Harness::new(factory, config(kind), Arc::new(Bank { kind }));
        let report = run_conformance(&harness);
        assert!(report.is_success(), "{kind}:\n{report:?}");
    }
}

/// TIPI returns carry no signature (D2). By default nothing verifies, so the suite's checks
/// that expect a verified answer fail, and only those, while every forgery check passes. With
/// the explicit `trust_unsigned_returns` opt-in it is the other way round: the verified checks
/// pass and the forgery checks fail, as they must when nothing can be authenticated.
#[test]
fn tipi_fails_exactly_the_checks_that_need_a_signature() {
    crate::link();
    let registry = Registry::from_inventory().unwrap();
    let factory = registry.factory("tipi").unwrap().clone();
    let run = |cfg| {
        run_conformance(&Harness::new(
            factory.clone(),
            cfg,
            Arc::new(Bank { kind: "tipi" }),
        ))
    };
    let failed = |report: &polypay_core::testkit::Report| -> Vec<String> {
        report.failures().map(|c| c.name.clone()).collect()
    };

    let report = run(config("tipi"));
    let needs_verification = [
        "response.paid_verified_and_checked",
        "response.outcome.paid",
        "response.outcome.denied",
        "response.outcome.cancelled",
        "response.outcome.error",
        // `check` refuses an unverified response before comparing amounts.
        "check.detects_mismatch",
    ];
    assert_eq!(failed(&report), needs_verification, "{report:?}");

    let mut trusting = config("tipi");
    trusting.insert("trust_unsigned_returns".into(), true.into());
    let report = run(trusting);
    assert_eq!(
        failed(&report),
        [
            "response.tampered_never_paid",
            "response.unsigned_never_paid"
        ],
        "{report:?}"
    );
}
