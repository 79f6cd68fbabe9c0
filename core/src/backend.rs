//! The sans-IO [`Backend`] trait.
//!
//! Backends never perform I/O. Each operation returns a [`Step`]: either the result, or an HTTP
//! request for the host to perform plus opaque state. The host performs it and calls the same
//! operation again with the [`Exchange`] in [`Context::prior`]. The clock and the randomness are
//! injected through the [`Context`], so a backend's output is reproducible in tests.
//!
//! Why sans-IO: the same trait crosses the plugin boundary unchanged (JSON in, JSON out, no
//! async runtime inside a plugin), backends are unit-tested by feeding recorded responses, and a
//! long poll costs the host one pending future, not a thread.

use crate::{
    Adjustment, Capabilities, Error, HttpRequest, HttpResponse, Incoming, Operation, PaymentIntent,
    PaymentRequest, PaymentResponse, Result, StatusQuery, Timestamp,
};

/// One step of an operation.
// `Http` is larger than most `Done` values, but a step is built once per exchange and moved
// straight to the host: boxing the request would cost every backend an allocation for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    /// The operation finished.
    Done(T),
    /// The host must perform `request`, then call the operation again with an [`Exchange`]
    /// holding `state` and the response.
    Http {
        /// What to send.
        request: HttpRequest,
        /// Opaque state the backend gets back.
        state: serde_json::Value,
    },
}

impl<T> Step<T> {
    /// The result, when the step is `Done`.
    pub fn done(self) -> Option<T> {
        match self {
            Step::Done(t) => Some(t),
            Step::Http { .. } => None,
        }
    }
}

/// A request the host performed for a backend, and its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// The state the backend returned with the request.
    pub state: serde_json::Value,
    /// What the server answered.
    pub response: HttpResponse,
}

/// What the host gives every call: the time, fresh randomness and the prior exchange.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Context<'a> {
    /// The current time (injected: tests fix it).
    pub now: Timestamp,
    /// 32 bytes from a CSPRNG (injected: tests fix them). Backends derive ids and nonces from
    /// them instead of reaching for a global random generator.
    pub entropy: [u8; 32],
    /// The previous HTTP exchange of this operation, if any.
    pub prior: Option<&'a Exchange>,
}

impl<'a> Context<'a> {
    /// A context at `now` with fresh entropy from the operating system's CSPRNG.
    pub fn new(now: Timestamp) -> Context<'static> {
        let mut entropy = [0u8; 32];
        // The OS generator only fails on broken systems; fall back to a time-derived value
        // rather than panic (ids stay unique, merely predictable).
        if getrandom::fill(&mut entropy).is_err() {
            let nanos = now.as_nanosecond().to_le_bytes();
            entropy[..16].copy_from_slice(&nanos);
        }
        Context {
            now,
            entropy,
            prior: None,
        }
    }

    /// A context at the current system time.
    pub fn now() -> Context<'static> {
        Context::new(Timestamp::now())
    }

    /// A reproducible context: fixed time and entropy.
    pub fn fixed(now: Timestamp, entropy: [u8; 32]) -> Context<'static> {
        Context {
            now,
            entropy,
            prior: None,
        }
    }

    /// The same context carrying `prior`.
    pub fn with_prior<'b>(&self, prior: &'b Exchange) -> Context<'b> {
        Context {
            now: self.now,
            entropy: self.entropy,
            prior: Some(prior),
        }
    }

    /// The first `n` bytes of entropy (at most 32) as lower-case hex.
    pub fn random_hex(&self, n: usize) -> String {
        hex::encode(&self.entropy[..n.min(32)])
    }
}

/// A configured payment backend. See the module documentation for the sans-IO model.
///
/// Only `kind`, `capabilities`, `request` and `response` are required; the other operations
/// default to [`Error::Unsupported`]. Implementations must never panic on outside input.
pub trait Backend: Send + Sync + 'static {
    /// The backend kind (`dummy`, `systempayv2`, `taler`, ...).
    fn kind(&self) -> &str;

    /// What this backend supports; the facade checks it before every call.
    fn capabilities(&self) -> Capabilities;

    /// Starts a payment.
    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>>;

    /// Handles a return or a notification. Verifies authenticity over the raw input first.
    fn response(&self, incoming: &Incoming, cx: Context<'_>) -> Result<Step<PaymentResponse>>;

    /// Cancels an authorisation or an unpaid payment.
    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let _ = (op, cx);
        Err(Error::unsupported(self.kind(), Operation::Cancel))
    }

    /// Captures an authorisation.
    fn validate(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let _ = (op, cx);
        Err(Error::unsupported(self.kind(), Operation::Validate))
    }

    /// Gives money back.
    fn refund(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let _ = (op, cx);
        Err(Error::unsupported(self.kind(), Operation::Refund))
    }

    /// Asks where a payment stands.
    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let _ = (query, cx);
        Err(Error::unsupported(self.kind(), Operation::Status))
    }

    /// Whether an incoming request looks like one of this backend's returns, and if so the
    /// id `request` returned (eopayment's `guess`). Only a hint for routing: nothing is
    /// verified here.
    fn guess(&self, incoming: &Incoming) -> Option<String> {
        let _ = incoming;
        None
    }
}
