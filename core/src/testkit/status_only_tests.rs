//! The suite against a status-only toy backend (no `response`: outcomes are polled), sound or
//! answering `response` although it does not advertise it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::*;
use crate::{
    Action, Backend, Capabilities, Context, Description, Operation, PaymentResponse, StatusQuery,
    Step,
};

/// What the toy bank decided, by payment slot: shared by the backend and its simulator.
type Ledger = Arc<Mutex<HashMap<String, SimOutcome>>>;

/// Toy poller configuration.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PollConfig {}

/// Per-transaction fields of the toy poller (only its schema is used).
#[allow(dead_code)]
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct PollTransaction {
    /// Slot
    slot: String,
}

struct PollFactory {
    ledger: Ledger,
    answers_response: bool,
}

struct Poller {
    ledger: Ledger,
    answers_response: bool,
}

impl BackendFactory for PollFactory {
    fn kind(&self) -> &str {
        "poller"
    }
    fn description(&self) -> Description {
        Description::from_types::<PollConfig, PollTransaction>("poller", "Toy poller", caps())
    }
    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn crate::Backend>> {
        let _: PollConfig = crate::parse_config(&self.description(), config)?;
        Ok(Arc::new(Poller {
            ledger: self.ledger.clone(),
            answers_response: self.answers_response,
        }))
    }
}

fn caps() -> Capabilities {
    Capabilities::new(&[Operation::Request, Operation::Status])
}

impl Backend for Poller {
    fn kind(&self) -> &str {
        "poller"
    }
    fn capabilities(&self) -> Capabilities {
        caps()
    }
    fn request(
        &self,
        req: &crate::PaymentRequest,
        _cx: Context<'_>,
    ) -> Result<Step<PaymentIntent>> {
        let slot = req
            .extra_str("slot")
            .ok_or_else(|| Error::invalid_input("slot is required"))?;
        let mut intent = PaymentIntent::new(
            slot.clone(),
            Action::Uri {
                uri: format!("toy:{slot}"),
                url: None,
            },
        );
        intent.backend_data.insert("slot".into(), slot.into());
        intent
            .backend_data
            .insert("amount".into(), req.amount.to_taler_string().into());
        Ok(Step::Done(intent))
    }
    fn response(&self, _incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        if self.answers_response {
            return Ok(Step::Done(PaymentResponse::verified(PaymentStatus::Paid)));
        }
        Err(Error::unsupported("poller", Operation::Response))
    }
    fn status(&self, q: &StatusQuery, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let slot = q
            .bank_data
            .get("slot")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let outcome = self
            .ledger
            .lock()
            .map_err(|_| Error::malformed("poisoned"))?
            .get(slot)
            .copied()
            .unwrap_or(SimOutcome::Waiting);
        let mut r = PaymentResponse::verified(outcome.expected_status());
        r.order_id = Some(q.transaction_id.clone());
        r.amount = q
            .bank_data
            .get("amount")
            .and_then(|v| v.as_str())
            .and_then(|a| Amount::parse(a).ok());
        r.bank_data = q.bank_data.clone().into();
        Ok(Step::Done(r))
    }
}

struct PollSim(Ledger);

impl BankSimulator for PollSim {
    fn outcomes(&self) -> Vec<SimOutcome> {
        vec![SimOutcome::Paid, SimOutcome::Waiting, SimOutcome::Denied]
    }
    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        _now: Timestamp,
    ) -> Result<Incoming> {
        let slot = intent.transaction_id.clone();
        let mut ledger = self.0.lock().map_err(|_| Error::malformed("poisoned"))?;
        if ledger.insert(slot.clone(), outcome).is_some() {
            return Err(Error::invalid_input(format!("slot {slot} was used twice")));
        }
        Ok(Incoming::default())
    }
    fn tamper(&self, incoming: &Incoming) -> Incoming {
        incoming.clone()
    }
    fn strip_signature(&self, incoming: &Incoming) -> Incoming {
        incoming.clone()
    }
}

fn run(answers_response: bool) -> Report {
    let ledger = Ledger::default();
    let amount = Amount::parse("EUR:10.00").unwrap_or(Amount::zero(crate::Currency::EUR));
    let h = Harness::new(
        Arc::new(PollFactory {
            ledger: ledger.clone(),
            answers_response,
        }),
        serde_json::Map::new(),
        Arc::new(PollSim(ledger)),
    )
    .with_request_fn(move |n| {
        crate::PaymentRequest::new(amount).with_extra("slot", format!("slot{n}"))
    });
    run_conformance(&h)
}

#[test]
fn a_status_only_backend_is_checked_through_status() {
    let report = run(false);
    report.assert_passed(&[
        "capabilities.request_and_response",
        "response.paid_verified_and_checked",
        "response.outcome.waiting",
        "response.outcome.denied",
        "response.same_input_same_response",
        "operations.response.unadvertised_is_unsupported",
        "check.detects_mismatch",
    ]);
    assert!(matches!(
        report.verdict("response.tampered_never_paid"),
        Some(Verdict::Skip(_))
    ));
}

#[test]
fn a_status_only_backend_answering_response_is_caught() {
    let report = run(true);
    assert!(
        matches!(
            report.verdict("operations.response.unadvertised_is_unsupported"),
            Some(Verdict::Fail(_))
        ),
        "{report}"
    );
    assert!(
        matches!(
            report.verdict("response.garbage.empty_get"),
            Some(Verdict::Fail(_))
        ),
        "{report}"
    );
}
