//! The suite run against a toy backend, sound or with one flaw at a time: each flaw must be
//! reported by the check made for it, and nothing may abort the run.

use std::sync::Arc;

use super::*;
use crate::{
    Action, Adjustment, Backend, Capabilities, Context, Description, NoTransactionFields,
    Operation, PaymentResponse, Step, parse_config,
};

/// Toy bank configuration.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ToyConfig {
    /// Signing key
    ///
    /// Shared with the toy bank.
    key: crate::Secret,
}

#[derive(Clone, Copy, Default)]
struct Flaws {
    /// Verifies nothing, and reads the first of duplicate parameters.
    trust_everything: bool,
    panic_on_garbage: bool,
    advertise_refund_without_it: bool,
    hide_cancel: bool,
    random_ids: bool,
}

struct ToyFactory(Flaws);
struct Toy {
    key: String,
    flaws: Flaws,
}

impl BackendFactory for ToyFactory {
    fn kind(&self) -> &str {
        "toy"
    }
    fn description(&self) -> Description {
        Description::from_types::<ToyConfig, NoTransactionFields>(
            "toy",
            "Toy bank",
            toy_caps(self.0),
        )
    }
    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn crate::Backend>> {
        let c: ToyConfig = parse_config(&self.description(), config)?;
        Ok(Arc::new(Toy {
            key: c.key.expose().to_owned(),
            flaws: self.0,
        }))
    }
}

fn toy_caps(flaws: Flaws) -> Capabilities {
    let mut ops = vec![Operation::Request, Operation::Response, Operation::Status];
    if flaws.advertise_refund_without_it {
        ops.push(Operation::Refund);
    }
    let mut caps = Capabilities::new(&ops);
    caps.caller_transaction_id = true;
    caps
}

/// The toy's "signature": good enough to tell genuine from altered in a test.
fn mac(key: &str, id: &str, status: &str, amount: &str) -> String {
    format!("{key}:{id}:{status}:{amount}")
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

impl Backend for Toy {
    fn kind(&self) -> &str {
        "toy"
    }
    fn capabilities(&self) -> Capabilities {
        toy_caps(self.flaws)
    }
    fn request(&self, req: &crate::PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        let id = match &req.transaction_id {
            Some(id) => id.clone(),
            None if self.flaws.random_ids => Context::now().random_hex(8),
            None => cx.random_hex(8),
        };
        let url = format!(
            "https://toy.example/pay?id={id}&amount={}",
            req.amount.value_string()
        );
        let url = url.parse().map_err(|_| Error::invalid_input("bad url"))?;
        Ok(Step::Done(PaymentIntent::new(id, Action::Redirect { url })))
    }
    fn response(&self, incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let params = match incoming.params() {
            Ok(p) => p,
            Err(_) if self.flaws.panic_on_garbage => panic!("cannot read the input"),
            Err(e) => return Err(e),
        };
        let mut seen = std::collections::HashSet::new();
        if !self.flaws.trust_everything && !params.iter().all(|(n, _)| seen.insert(n.as_str())) {
            return Err(Error::malformed("a parameter is given twice"));
        }
        let get = |n| param(&params, n);
        let id = get("id").ok_or_else(|| Error::malformed("no id"))?;
        let status = get("status").unwrap_or("");
        let amount = get("amount").unwrap_or("");
        let verified =
            self.flaws.trust_everything || get("mac") == Some(&mac(&self.key, id, status, amount));
        let claimed = PaymentStatus::from_name(status).unwrap_or(PaymentStatus::Error);
        let mut r = PaymentResponse::with_verification(claimed, verified);
        r.order_id = Some(id.to_owned());
        r.amount = Amount::parse_in(amount, Currency::EUR).ok();
        Ok(Step::Done(r))
    }
    fn cancel(&self, _op: &Adjustment, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        if self.flaws.hide_cancel {
            return Ok(Step::Done(PaymentResponse::verified(
                PaymentStatus::Cancelled,
            )));
        }
        Err(Error::unsupported("toy", Operation::Cancel))
    }
    fn status(&self, q: &crate::StatusQuery, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let mut r = PaymentResponse::verified(PaymentStatus::Received);
        r.order_id = Some(q.transaction_id.clone());
        Ok(Step::Done(r))
    }
}

struct ToySim(&'static str);

impl BankSimulator for ToySim {
    fn outcomes(&self) -> Vec<SimOutcome> {
        vec![SimOutcome::Paid, SimOutcome::Denied, SimOutcome::Cancelled]
    }
    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        _now: Timestamp,
    ) -> Result<Incoming> {
        let Action::Redirect { url } = &intent.action else {
            return Err(Error::invalid_input("not a redirect"));
        };
        let params = Incoming::get(url.query().unwrap_or("")).params()?;
        let id = param(&params, "id").unwrap_or("");
        let amount = param(&params, "amount").unwrap_or("");
        let status = outcome.as_str();
        Ok(Incoming::get(format!(
            "id={id}&amount={amount}&status={status}&mac={}",
            mac(self.0, id, status, amount)
        )))
    }
    fn tamper(&self, incoming: &Incoming) -> Incoming {
        let mut out = incoming.clone();
        out.query = out.query.replace("amount=", "amount=9");
        out
    }
    fn strip_signature(&self, incoming: &Incoming) -> Incoming {
        let mut out = incoming.clone();
        out.query = out
            .query
            .split('&')
            .filter(|p| !p.starts_with("mac="))
            .collect::<Vec<_>>()
            .join("&");
        out
    }
}

fn run(flaws: Flaws) -> Report {
    let config = serde_json::json!({"key": "toy-key"});
    let h = Harness::new(
        Arc::new(ToyFactory(flaws)),
        config.as_object().cloned().unwrap_or_default(),
        Arc::new(ToySim("toy-key")),
    );
    run_conformance(&h)
}

fn failed(report: &Report, name: &str) -> bool {
    matches!(report.verdict(name), Some(Verdict::Fail(_)))
}

#[test]
fn a_sound_backend_passes() {
    let report = run(Flaws::default());
    assert!(report.is_success(), "{report}");
    assert_eq!(
        report.verdict("operations.refund.unadvertised_is_unsupported"),
        Some(&Verdict::Pass)
    );
    assert_eq!(
        report.verdict("operations.status.advertised_is_supported"),
        Some(&Verdict::Pass)
    );
    assert_eq!(
        report.verdict("response.outcome.denied"),
        Some(&Verdict::Pass)
    );
    assert_eq!(
        report.verdict("build.empty_config_names_required"),
        Some(&Verdict::Pass)
    );
}

#[test]
fn trusting_everything_is_caught() {
    let report = run(Flaws {
        trust_everything: true,
        ..Flaws::default()
    });
    assert!(failed(&report, "response.tampered_never_paid"), "{report}");
    assert!(failed(&report, "response.unsigned_never_paid"), "{report}");
    assert!(
        failed(&report, "response.garbage.duplicate_keys"),
        "{report}"
    );
}

#[test]
fn a_panic_is_reported_not_propagated() {
    let report = run(Flaws {
        panic_on_garbage: true,
        ..Flaws::default()
    });
    let Some(Verdict::Fail(why)) = report.verdict("response.garbage.invalid_utf8_query") else {
        panic!("{report}");
    };
    assert!(why.contains("panicked: cannot read the input"), "{why}");
    // The run went on after the panic.
    assert!(
        report
            .verdict("operations.status.advertised_is_supported")
            .is_some()
    );
}

#[test]
fn capability_lies_are_caught() {
    let report = run(Flaws {
        advertise_refund_without_it: true,
        hide_cancel: true,
        ..Flaws::default()
    });
    assert!(
        failed(&report, "operations.refund.advertised_is_supported"),
        "{report}"
    );
    assert!(
        failed(&report, "operations.cancel.unadvertised_is_unsupported"),
        "{report}"
    );
}

#[test]
fn unreproducible_requests_are_caught() {
    let report = run(Flaws {
        random_ids: true,
        ..Flaws::default()
    });
    assert!(failed(&report, "request.reproducible"), "{report}");
}

#[test]
fn a_refused_configuration_stops_the_run() {
    let h = Harness::new(
        Arc::new(ToyFactory(Flaws::default())),
        serde_json::Map::new(),
        Arc::new(ToySim("k")),
    );
    let report = run_conformance(&h);
    assert!(failed(&report, "build.valid_config"), "{report}");
    assert_eq!(
        report.checks.last().map(|c| c.name.as_str()),
        Some("build.valid_config")
    );
    // The harness's Debug shows no configuration value.
    let h = Harness::new(
        Arc::new(ToyFactory(Flaws::default())),
        serde_json::json!({"key": "hunter2"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        Arc::new(ToySim("k")),
    );
    let debug = format!("{h:?}");
    assert!(
        debug.contains("key") && !debug.contains("hunter2"),
        "{debug}"
    );
}

#[test]
fn outcome_names_and_statuses() {
    for o in SimOutcome::ALL {
        assert_eq!(o.to_string(), o.expected_status().as_str());
    }
}
