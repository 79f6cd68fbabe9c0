//! Small helpers for backends' own tests, next to the conformance suite: configurations,
//! amounts, status queries, and (feature `client`) a runtime and clocks for tests against
//! loopback simulators.

use crate::{Amount, ConfigErrors, PaymentIntent, StatusQuery};
#[cfg(feature = "client")]
use std::sync::Arc;

/// For configuration tests: `base` (a JSON object) with each key of `patch` (a JSON object)
/// set to its value, or removed where the value is `null`.
///
/// ```
/// use polypay_core::testkit::patched;
/// use serde_json::json;
/// let base = json!({"token": "t", "instance": "shop"});
/// assert_eq!(
///     patched(&base, &json!({"token": null, "allow_http": true})),
///     json!({"instance": "shop", "allow_http": true})
/// );
/// ```
pub fn patched(base: &serde_json::Value, patch: &serde_json::Value) -> serde_json::Value {
    let mut out = base.clone();
    if let (Some(o), Some(p)) = (out.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            if v.is_null() {
                o.remove(k);
            } else {
                o.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// For configuration tests: the fields `errors` name, in order.
pub fn error_fields(errors: ConfigErrors) -> Vec<String> {
    errors.0.into_iter().map(|e| e.field).collect()
}

/// A multi-threaded tokio runtime (two workers, I/O and time enabled) for a conformance test
/// against a loopback simulator: the simulator runs on its workers while the suite, on the
/// test's thread, waits for each exchange (see [`Harness::with_loopback_http`](super::Harness::with_loopback_http); feature
/// `client`).
#[cfg(feature = "client")]
pub fn loopback_runtime() -> std::io::Result<Arc<tokio::runtime::Runtime>> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map(Arc::new)
}

/// An amount in euros, for tests (`eur("10.00")`).
///
/// # Panics
///
/// When `value` is not a valid euro amount.
#[track_caller]
pub fn eur(value: &str) -> Amount {
    match Amount::parse(&format!("EUR:{value}")) {
        Ok(amount) => amount,
        Err(e) => panic!("not a euro amount {value:?}: {e}"),
    }
}

/// The status query an integrator makes from an intent: its transaction id and the data it
/// handed over (`backend_data`).
pub fn status_query(intent: &PaymentIntent) -> StatusQuery {
    StatusQuery::new(intent.transaction_id.clone()).with_bank_data(intent.backend_data.clone())
}

/// The same payment with a clock running `seconds` ahead of the real one (feature `client`).
#[cfg(feature = "client")]
pub fn later(payment: &crate::Payment, seconds: i64) -> crate::Payment {
    payment.clone().with_clock(move || {
        let now = crate::Timestamp::now();
        now.checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap_or(now)
    })
}
