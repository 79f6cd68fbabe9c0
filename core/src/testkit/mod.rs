//! The conformance suite every backend must pass (feature `testkit`).
//!
//! A backend crate provides a [`BankSimulator`] (the bank's side of its protocol) and runs
//! [`run_conformance`] with a [`Harness`] holding its factory, a valid configuration and the
//! simulator. The suite needs no async runtime: it drives operations with
//! [`crate::drive_sync`] and, for backends that speak HTTP, an optional synchronous HTTP
//! function. It only uses the [`BackendFactory`] and [`Backend`](crate::Backend) traits, so it
//! works for static backends and for plugins loaded through the C ABI alike.
//!
//! Each check is named in the [`Report`]; a panic inside a check is caught and reported as a
//! failure.
//!
//! **Status-only backends.** A backend that learns outcomes by polling alone (self-custodial
//! Bitcoin: there is no bank to send a notification) advertises `status` but not `response`.
//! The suite then reads every outcome through `status` with the intent's `backend_data` (what
//! the simulator's [`BankSimulator::complete`] returns is not used), skips the forgery checks
//! (there is no message to forge), and checks that `response` answers `Unsupported`.
//!
//! ```
//! use polypay_core::testkit::{Report, Verdict};
//! let report = Report::default();
//! assert!(report.is_success());
//! assert_eq!(report.failures().count(), 0);
//! # let _ = Verdict::Pass;
//! ```

mod checks;
mod garbage;
mod helpers;
mod recorder;
mod report;

use std::fmt;
use std::sync::Arc;

use crate::{
    Amount, BackendFactory, Currency, Error, HttpRequest, HttpResponse, Incoming, PaymentIntent,
    PaymentRequest, PaymentStatus, Result, Timestamp,
};

pub use checks::run_conformance;
pub use helpers::*;
pub use recorder::{Recorder, ScriptedAnswer};
pub use report::{Check, Report, Verdict};

/// An outcome a bank simulator can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimOutcome {
    /// Paid (captured).
    Paid,
    /// Authorised, awaiting capture.
    Accepted,
    /// Refused.
    Denied,
    /// Cancelled by the payer.
    Cancelled,
    /// Still pending.
    Waiting,
    /// Not paid in time.
    Expired,
    /// An error at the bank.
    Error,
}

impl SimOutcome {
    /// Every outcome.
    pub const ALL: [SimOutcome; 7] = [
        SimOutcome::Paid,
        SimOutcome::Accepted,
        SimOutcome::Denied,
        SimOutcome::Cancelled,
        SimOutcome::Waiting,
        SimOutcome::Expired,
        SimOutcome::Error,
    ];

    /// The status a verified response with this outcome must report.
    pub fn expected_status(self) -> PaymentStatus {
        match self {
            SimOutcome::Paid => PaymentStatus::Paid,
            SimOutcome::Accepted => PaymentStatus::Accepted,
            SimOutcome::Denied => PaymentStatus::Denied,
            SimOutcome::Cancelled => PaymentStatus::Cancelled,
            SimOutcome::Waiting => PaymentStatus::Waiting,
            SimOutcome::Expired => PaymentStatus::Expired,
            SimOutcome::Error => PaymentStatus::Error,
        }
    }

    /// The lower-case name (`paid`).
    pub fn as_str(self) -> &'static str {
        self.expected_status().as_str()
    }
}

impl fmt::Display for SimOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The bank's side of a backend's protocol, as the conformance suite needs it.
pub trait BankSimulator: Send + Sync {
    /// The outcomes this simulator can produce (it must include [`SimOutcome::Paid`]).
    fn outcomes(&self) -> Vec<SimOutcome>;

    /// What the merchant receives once the payer went through `intent` and the bank decided
    /// `outcome` at `now`: a browser return or a notification, as the protocol authenticates.
    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        now: Timestamp,
    ) -> Result<Incoming>;

    /// A copy of a genuine message whose signed content was changed (the amount, the result)
    /// while the signature was kept.
    fn tamper(&self, incoming: &Incoming) -> Incoming;

    /// A copy of a genuine message without its signature.
    fn strip_signature(&self, incoming: &Incoming) -> Incoming;
}

/// A synchronous HTTP function, for backends whose operations need HTTP exchanges.
pub type SyncHttp = dyn Fn(&HttpRequest) -> Result<HttpResponse> + Send + Sync;

/// Makes the payment of the `n`-th request of a run (see [`Harness::with_request_fn`]).
pub type RequestFn = dyn Fn(u64) -> PaymentRequest + Send + Sync;

/// Everything [`run_conformance`] needs to test one backend.
#[derive(Clone)]
#[non_exhaustive]
pub struct Harness {
    /// The backend's factory.
    pub factory: Arc<dyn BackendFactory>,
    /// A valid configuration.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// The bank's side.
    pub simulator: Arc<dyn BankSimulator>,
    /// How to perform HTTP exchanges, for backends that need them.
    pub http: Option<Arc<SyncHttp>>,
    /// The payment every check requests (its amount is the one checked); by default
    /// EUR 10.00 with a payer e-mail.
    pub request: PaymentRequest,
    /// The time of every operation.
    pub now: Timestamp,
    /// When set, the payment of each request instead of `request` (for backends whose
    /// payments must differ, such as one fresh Bitcoin address per payment).
    pub request_fn: Option<Arc<RequestFn>>,
}

impl fmt::Debug for Harness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The configuration may hold secrets: only its parameter names are shown.
        f.debug_struct("Harness")
            .field("kind", &self.factory.kind())
            .field("config_keys", &self.config.keys().collect::<Vec<_>>())
            .field("http", &self.http.is_some())
            .field("amount", &self.request.amount)
            .field("request_fn", &self.request_fn.is_some())
            .field("now", &self.now)
            .finish()
    }
}

impl Harness {
    /// A harness without HTTP, requesting EUR 10.00 at a fixed time (2024-05-01T10:00:00Z).
    pub fn new(
        factory: Arc<dyn BackendFactory>,
        config: serde_json::Map<String, serde_json::Value>,
        simulator: Arc<dyn BankSimulator>,
    ) -> Harness {
        // 1000 cents always make a valid amount; the fallback only keeps this panic-free.
        let ten =
            Amount::from_minor_units(1000, Currency::EUR).unwrap_or(Amount::zero(Currency::EUR));
        Harness {
            factory,
            config,
            simulator,
            http: None,
            request: PaymentRequest::new(ten).with_email("payer@example.com"),
            now: Timestamp::from_second(1_714_557_600).unwrap_or(Timestamp::UNIX_EPOCH),
            request_fn: None,
        }
    }

    /// Makes each request's payment with `f(n)`, `n` counting the requests of the run from 1
    /// (the two requests of the reproducibility check share one `n`). For backends whose
    /// payments must differ: a self-custodial Bitcoin backend derives one address per payment
    /// from a per-transaction index, so two payments given the same index would see each
    /// other's funds. Every payment should have the amount of [`Harness::request`], which the
    /// checks compare against.
    pub fn with_request_fn(
        mut self,
        f: impl Fn(u64) -> PaymentRequest + Send + Sync + 'static,
    ) -> Harness {
        self.request_fn = Some(Arc::new(f));
        self
    }

    /// The payment of the `n`-th request: `request_fn(n)`, or [`Harness::request`].
    pub fn request_for(&self, n: u64) -> PaymentRequest {
        match &self.request_fn {
            Some(f) => f(n),
            None => self.request.clone(),
        }
    }

    /// Sets the payment every check requests (for backends that need another currency or
    /// more fields).
    pub fn with_request(mut self, request: PaymentRequest) -> Harness {
        self.request = request;
        self
    }

    /// Sets the HTTP function.
    pub fn with_http(
        mut self,
        http: impl Fn(&HttpRequest) -> Result<HttpResponse> + Send + Sync + 'static,
    ) -> Harness {
        self.http = Some(Arc::new(http));
        self
    }

    /// Sets the time of every operation.
    pub fn with_now(mut self, now: Timestamp) -> Harness {
        self.now = now;
        self
    }

    /// Sets the HTTP function to real exchanges with a [`crate::ReqwestExecutor`], for a
    /// backend tested against a loopback simulator: plain HTTP allowed, no retries, each
    /// exchange driven to completion on `runtime` (feature `client`). The runtime must be a
    /// multi-threaded one that also serves the simulator.
    #[cfg(feature = "client")]
    pub fn with_loopback_http(self, runtime: Arc<tokio::runtime::Runtime>) -> Harness {
        use crate::HttpExecutor as _;
        let executor = crate::ReqwestExecutor::new();
        let policy = crate::Policy::default().allow_http(true).retries(0);
        self.with_http(move |request| runtime.block_on(executor.execute(request.clone(), &policy)))
    }

    /// Performs one HTTP exchange with the harness's function, or fails when there is none.
    pub(crate) fn http(&self, request: &HttpRequest) -> Result<HttpResponse> {
        match &self.http {
            Some(http) => http(request),
            None => Err(Error::Transport {
                message: format!(
                    "the conformance harness has no HTTP function ({} {} requested)",
                    request.method, request.url
                ),
                retryable: false,
            }),
        }
    }
}

#[cfg(test)]
mod status_only_tests;
#[cfg(test)]
mod tests;
