//! The polypay conformance suite (`polypay_core::testkit`) against the `taler` backend, with
//! the loopback merchant-backend simulator as the bank and a simulated wallet paying.
//!
//! What reaches `response` is the instance's webhook (a JSON body naming the order, with the
//! shared secret in its header): a hint the backend confirms with a status call.

use std::sync::Arc;

use polypay_core::testkit::{
    BankSimulator, Harness, SimOutcome, loopback_runtime, run_conformance,
};
use polypay_core::{Error, Incoming, PaymentIntent, Result, Timestamp};
use polypay_taler::TalerFactory;
use polypay_taler::simulator::{SimError, Simulator};

const SECRET: &str = "conformance-webhook-secret";
const HEADER: &str = "X-Polypay-Token";

/// The bank side: the simulator, with a wallet that pays or lets the deadline pass.
struct Wallet {
    sim: Simulator,
}

fn sim_error(e: SimError) -> Error {
    Error::Provider {
        status: Some(e.status),
        code: Some(e.code.to_string()),
        message: e.hint,
    }
}

/// The webhook the instance sends (its template: event type and order id).
fn webhook(event: &str, order_id: &str, secret: Option<&str>) -> Incoming {
    let body = serde_json::json!({ "event_type": event, "order_id": order_id });
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(s) = secret {
        headers.push((HEADER.to_owned(), s.to_owned()));
    }
    Incoming::new("POST", "", headers, body.to_string())
}

impl BankSimulator for Wallet {
    fn outcomes(&self) -> Vec<SimOutcome> {
        // What a merchant backend can tell: paid, still open, or past its deadline while a
        // wallet held it. (An unclaimed unpaid order has no visible deadline: it stays
        // waiting.)
        vec![SimOutcome::Paid, SimOutcome::Waiting, SimOutcome::Expired]
    }

    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        _now: Timestamp,
    ) -> Result<Incoming> {
        let id = &intent.transaction_id;
        let event = match outcome {
            SimOutcome::Paid => {
                self.sim.pay("admin", id, None).map_err(sim_error)?;
                "pay"
            }
            SimOutcome::Expired => {
                self.sim.expire("admin", id).map_err(sim_error)?;
                "order_created"
            }
            _ => "order_created",
        };
        Ok(webhook(event, id, Some(SECRET)))
    }

    fn tamper(&self, incoming: &Incoming) -> Incoming {
        // The secret is kept; the order named is changed.
        let mut out = incoming.clone();
        let mut body: serde_json::Value =
            serde_json::from_slice(&incoming.body).unwrap_or_default();
        let id = body["order_id"].as_str().unwrap_or_default().to_owned();
        body["order_id"] = format!("{id}-forged").into();
        out.body = body.to_string().into_bytes();
        out
    }

    fn strip_signature(&self, incoming: &Incoming) -> Incoming {
        let mut out = incoming.clone();
        out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(HEADER));
        out
    }
}

fn harness() -> (Harness, Arc<tokio::runtime::Runtime>) {
    let runtime = loopback_runtime().expect("runtime");
    let sim = runtime
        .block_on(Simulator::builder().default_refund_delay(86_400).start())
        .expect("simulator");
    let config = serde_json::json!({
        "base_url": sim.base_url().as_str(),
        "token": sim.token(),
        "allow_http": true,
        "fulfillment_url": "https://shop.example/thanks/${ORDER_ID}",
        "webhook_secret": SECRET,
    });
    // The simulator's clock agrees with the suite's fixed time.
    let now: Timestamp = "2024-05-01T10:00:00Z".parse().expect("time");
    sim.set_now(now);
    let harness = Harness::new(
        Arc::new(TalerFactory),
        config.as_object().cloned().unwrap_or_default(),
        Arc::new(Wallet { sim }),
    )
    .with_loopback_http(runtime.clone())
    .with_now(now);
    (harness, runtime)
}

#[test]
fn taler_passes_the_conformance_suite() {
    let (harness, _runtime) = harness();
    let report = run_conformance(&harness);
    println!("{report}");
    report.assert_passed(&[
        "description.sane",
        "build.empty_config_names_required",
        "request.reproducible",
        "request.caller_transaction_id",
        "response.paid_verified_and_checked",
        "response.outcome.waiting",
        "response.outcome.expired",
        "response.tampered_never_paid",
        "response.unsigned_never_paid",
        "response.same_input_same_response",
        "operations.refund.advertised_is_supported",
        "operations.validate.unadvertised_is_unsupported",
        "check.detects_mismatch",
    ]);
}
