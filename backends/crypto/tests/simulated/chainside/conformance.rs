//! The polypay conformance suite (`polypay_core::testkit`) against the `chainside` backend,
//! with the loopback Chainside simulator as the bank: it moves the order as the outcome says
//! (its sandbox trigger) and signs the callback it sends.

use std::sync::Arc;

use polypay_core::testkit::{
    BankSimulator, Harness, SimOutcome, loopback_runtime, run_conformance,
};
use polypay_core::{Error, Incoming, PaymentIntent, Result, Timestamp};
use polypay_crypto::chainside::{ChainsideFactory, SIGNATURE_HEADER};
use polypay_crypto::simulator::chainside::{ChainsideSimulator, SimError};

/// The bank side: the simulator's sandbox trigger, whose signed callback reaches `response`.
struct Bank {
    sim: ChainsideSimulator,
}

fn sim_error(e: SimError) -> Error {
    Error::Provider {
        status: Some(e.status),
        code: Some(e.code.to_owned()),
        message: e.message,
    }
}

impl BankSimulator for Bank {
    fn outcomes(&self) -> Vec<SimOutcome> {
        vec![
            SimOutcome::Paid,
            SimOutcome::Cancelled,
            SimOutcome::Expired,
            // A dispute: the order waits (flagged).
            SimOutcome::Waiting,
            // A chargeback.
            SimOutcome::Error,
        ]
    }

    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        _now: Timestamp,
    ) -> Result<Incoming> {
        let uuid = intent.backend_data["uuid"]
            .as_str()
            .ok_or_else(|| Error::invalid_input("the intent has no uuid"))?;
        let event = match outcome {
            SimOutcome::Paid => "payment.completed",
            SimOutcome::Cancelled => "payment.cancelled",
            SimOutcome::Expired => "payment.expired",
            SimOutcome::Waiting => "payment.dispute.start",
            _ => "payment.chargeback",
        };
        let cb = self.sim.trigger(uuid, event).map_err(sim_error)?;
        Ok(Incoming::new(
            "POST",
            "",
            vec![
                ("Content-Type".into(), "application/json".into()),
                (SIGNATURE_HEADER.into(), cb.signature),
            ],
            cb.body,
        ))
    }

    fn tamper(&self, incoming: &Incoming) -> Incoming {
        // The signature is kept; the amount is changed.
        let mut out = incoming.clone();
        let text = String::from_utf8_lossy(&incoming.body).replace("\"10.00\"", "\"1000.00\"");
        out.body = text.into_bytes();
        out
    }

    fn strip_signature(&self, incoming: &Incoming) -> Incoming {
        let mut out = incoming.clone();
        out.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(SIGNATURE_HEADER));
        out
    }
}

fn harness() -> (Harness, Arc<tokio::runtime::Runtime>) {
    let runtime = loopback_runtime().expect("runtime");
    let sim = runtime
        .block_on(ChainsideSimulator::builder().start())
        .expect("simulator");
    let config = serde_json::json!({
        "client_id": sim.client_id(),
        "secret": sim.secret(),
        "base_url": sim.base_url().as_str(),
    });
    // The simulator's clock agrees with the suite's fixed time.
    let now: Timestamp = "2024-05-01T10:00:00Z".parse().expect("time");
    sim.set_now(now);
    let harness = Harness::new(
        Arc::new(ChainsideFactory),
        config.as_object().cloned().unwrap_or_default(),
        Arc::new(Bank { sim }),
    )
    .with_loopback_http(runtime.clone())
    .with_now(now);
    (harness, runtime)
}

#[test]
fn chainside_passes_the_conformance_suite() {
    let (harness, _runtime) = harness();
    let report = run_conformance(&harness);
    println!("{report}");
    report.assert_passed(&[
        "description.sane",
        "build.empty_config_names_required",
        "request.reproducible",
        "request.caller_transaction_id",
        "response.paid_verified_and_checked",
        "response.outcome.cancelled",
        "response.outcome.expired",
        "response.outcome.waiting",
        "response.outcome.error",
        "response.tampered_never_paid",
        "response.unsigned_never_paid",
        "response.same_input_same_response",
        "operations.cancel.advertised_is_supported",
        "operations.status.advertised_is_supported",
        "operations.refund.unadvertised_is_unsupported",
        "check.detects_mismatch",
    ]);
}
