//! Shared helpers: a simulator, a configuration for it, a `Payment` over it.

// Test helpers: a panic here is a failed test, not a crash on outside input.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

pub use polypay_core::testkit::{eur, later, status_query as query};
use polypay_core::{Payment, PaymentRequest, Policy};
use polypay_taler::simulator::{Simulator, SimulatorBuilder};
use polypay_taler::{Taler, TalerConfig};
use serde_json::{Map, Value, json};

pub struct Env {
    pub sim: Simulator,
    pub payment: Payment,
}

/// The configuration of the simulator's `admin` instance, with `patch` applied (a `null`
/// removes a key).
pub fn config(sim: &Simulator, patch: Value) -> Map<String, Value> {
    let mut c = json!({
        "base_url": sim.base_url().as_str(),
        "token": sim.token(),
        "allow_http": true,
        "fulfillment_url": "https://shop.example/thanks/${ORDER_ID}",
        "refund_delay_seconds": 86400,
    })
    .as_object()
    .cloned()
    .unwrap();
    for (k, v) in patch.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            c.remove(&k);
        } else {
            c.insert(k, v);
        }
    }
    c
}

pub fn backend(config: Map<String, Value>) -> Arc<Taler> {
    let config: TalerConfig = serde_json::from_value(Value::Object(config)).unwrap();
    Arc::new(Taler::new(config).unwrap())
}

pub fn policy() -> Policy {
    Policy::default()
        .allow_http(true)
        .retries(0)
        .timeout(Duration::from_secs(10))
}

pub fn payment(config: Map<String, Value>) -> Payment {
    Payment::new(backend(config)).with_policy(policy())
}

pub async fn env_with(builder: SimulatorBuilder, patch: Value) -> Env {
    let sim = builder.start().await.unwrap();
    let payment = payment(config(&sim, patch));
    Env { sim, payment }
}

pub async fn env() -> Env {
    env_with(Simulator::builder(), json!({})).await
}

pub fn req(amount: &str, id: &str) -> PaymentRequest {
    PaymentRequest::new(eur(amount)).with_transaction_id(id)
}

/// A simulator, the backend itself (for GNU Taler's own operations) and a `Payment` over it.
pub struct TalerEnv {
    pub sim: Simulator,
    pub taler: Arc<Taler>,
    pub payment: Payment,
}

pub async fn taler_env_with(builder: SimulatorBuilder, patch: Value) -> TalerEnv {
    let sim = builder.start().await.unwrap();
    let taler = backend(config(&sim, patch));
    let payment = Payment::new(taler.clone()).with_policy(policy());
    TalerEnv {
        sim,
        taler,
        payment,
    }
}

pub async fn taler_env() -> TalerEnv {
    taler_env_with(Simulator::builder(), json!({})).await
}
