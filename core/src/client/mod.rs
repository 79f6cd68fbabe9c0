//! The application-side facade: [`Payment`] runs a backend's sans-IO steps with an HTTP
//! executor (reqwest over rustls by default) under a transport [`Policy`].
//!
//! Who does what: the facade checks capabilities and inputs before the backend is called,
//! bounds the number of exchanges per operation and retries idempotent requests
//! (`retry.rs`); the executor performs one exchange under the policy's scheme, timeout and
//! size rules (`executor.rs`); traces never show a secret (`redact.rs`).

mod executor;
mod lanes;
mod policy;
mod redact;
mod retry;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tracing::Instrument;

use crate::{
    Adjustment, Backend, Context, Error, Exchange, HttpRequest, HttpResponse, Incoming, Operation,
    PaymentIntent, PaymentRequest, PaymentResponse, Result, StatusQuery, Step, Timestamp,
};

pub use executor::ReqwestExecutor;
pub use policy::Policy;

/// A boxed future, as [`HttpExecutor`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Performs the HTTP requests backends ask for: one exchange per call.
///
/// An implementation applies the [`Policy`]'s scheme, timeout and size rules and follows no
/// redirect; it does not retry ([`Payment`] does, for idempotent requests only).
/// [`ReqwestExecutor`] is the production one; tests may plug in their own.
pub trait HttpExecutor: Send + Sync {
    /// Sends `request` under `policy` and returns the answer, whatever its status (a 3xx, a
    /// 4xx or a 5xx goes back to the backend), or an error: [`Error::Transport`] when the
    /// network failed, [`Error::Malformed`] when the answer is too large or cut short.
    fn execute<'a>(
        &'a self,
        request: HttpRequest,
        policy: &'a Policy,
    ) -> BoxFuture<'a, Result<HttpResponse>>;
}

type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// A configured backend with its HTTP executor: what an application holds.
///
/// ```
/// # async fn demo(backend: std::sync::Arc<dyn polypay_core::Backend>) -> polypay_core::Result<()> {
/// use polypay_core::{Amount, Payment, PaymentRequest};
/// let payment = Payment::new(backend);
/// let intent = payment.request(&PaymentRequest::new(Amount::parse("EUR:10.00")?)).await?;
/// println!("send the payer to {:?}", intent.action);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Payment {
    backend: Arc<dyn Backend>,
    executor: Arc<dyn HttpExecutor>,
    policy: Policy,
    clock: Clock,
}

impl std::fmt::Debug for Payment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payment")
            .field("kind", &self.backend.kind())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Payment {
    /// A facade over `backend` with the default policy (HTTPS only) and a new
    /// [`ReqwestExecutor`]. Applications with several backends share one executor (one
    /// connection pool) through [`Payment::with_executor`].
    pub fn new(backend: Arc<dyn Backend>) -> Payment {
        Payment {
            backend,
            executor: Arc::new(ReqwestExecutor::new()),
            policy: Policy::default(),
            clock: Arc::new(Timestamp::now),
        }
    }

    /// Replaces the transport policy.
    pub fn with_policy(mut self, policy: Policy) -> Payment {
        self.policy = policy;
        self
    }

    /// Replaces the HTTP executor.
    pub fn with_executor(mut self, executor: Arc<dyn HttpExecutor>) -> Payment {
        self.executor = executor;
        self
    }

    /// Replaces the clock that gives backends [`Context::now`] (tests fix the time).
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> Payment {
        self.clock = Arc::new(clock);
        self
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The HTTP executor.
    pub fn executor(&self) -> &Arc<dyn HttpExecutor> {
        &self.executor
    }

    /// Fails with [`Error::Unsupported`] unless the backend advertises `op`, so an
    /// unsupported operation never reaches the backend.
    fn check(&self, op: Operation) -> Result<()> {
        if self.backend.capabilities().supports(op) {
            Ok(())
        } else {
            Err(Error::unsupported(self.backend.kind(), op))
        }
    }

    /// Starts a payment. The amount is checked against the backend's advertised currencies
    /// and limits, and the customer's e-mail is required when the backend says so, before the
    /// backend is called.
    pub async fn request(&self, req: &PaymentRequest) -> Result<PaymentIntent> {
        self.check(Operation::Request)?;
        let caps = self.backend.capabilities();
        caps.check_amount(&req.amount)?;
        if caps.email_required
            && req
                .customer
                .email
                .as_deref()
                .is_none_or(|e| e.trim().is_empty())
        {
            return Err(Error::invalid_input(format!(
                "the {} backend requires the customer's e-mail",
                self.backend.kind()
            )));
        }
        self.drive(Operation::Request.as_str(), |cx| {
            self.backend.request(req, cx)
        })
        .await
    }

    /// Handles a return or a notification.
    pub async fn response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        self.check(Operation::Response)?;
        self.drive(Operation::Response.as_str(), |cx| {
            self.backend.response(incoming, cx)
        })
        .await
    }

    /// Cancels an authorisation or an unpaid payment.
    pub async fn cancel(&self, op: &Adjustment) -> Result<PaymentResponse> {
        self.check(Operation::Cancel)?;
        self.drive(Operation::Cancel.as_str(), |cx| self.backend.cancel(op, cx))
            .await
    }

    /// Captures an authorisation.
    pub async fn validate(&self, op: &Adjustment) -> Result<PaymentResponse> {
        self.check(Operation::Validate)?;
        self.drive(Operation::Validate.as_str(), |cx| {
            self.backend.validate(op, cx)
        })
        .await
    }

    /// Gives money back.
    pub async fn refund(&self, op: &Adjustment) -> Result<PaymentResponse> {
        self.check(Operation::Refund)?;
        self.drive(Operation::Refund.as_str(), |cx| self.backend.refund(op, cx))
            .await
    }

    /// Asks where a payment stands.
    pub async fn status(&self, query: &StatusQuery) -> Result<PaymentResponse> {
        self.check(Operation::Status)?;
        self.drive(Operation::Status.as_str(), |cx| {
            self.backend.status(query, cx)
        })
        .await
    }

    /// Runs a backend's own operation (one the [`Backend`] trait does not name, such as GNU
    /// Taler's webhook registration) with this facade's executor, policy, retries and clock:
    /// `op` is called with a [`Context`] until it returns [`Step::Done`], each
    /// [`Step::Http`] being performed in between. `operation` names it in traces and errors.
    ///
    /// ```
    /// # async fn demo(payment: polypay_core::Payment) -> polypay_core::Result<()> {
    /// use polypay_core::Step;
    /// // A sans-IO operation that needs no exchange finishes at once.
    /// let n = payment.run_steps("answer", |_cx| Ok(Step::Done(42))).await?;
    /// assert_eq!(n, 42);
    /// # Ok(()) }
    /// ```
    pub async fn run_steps<T>(
        &self,
        operation: &str,
        op: impl Fn(Context<'_>) -> Result<Step<T>>,
    ) -> Result<T> {
        self.drive(operation, op).await
    }

    /// Runs `op` step by step: at most `policy.max_steps` exchanges, each sent with retries.
    async fn drive<T>(
        &self,
        operation: &str,
        op: impl Fn(Context<'_>) -> Result<Step<T>>,
    ) -> Result<T> {
        let span = tracing::debug_span!(
            "polypay",
            backend = self.backend.kind(),
            operation = operation
        );
        async {
            // One context per operation: the same time and entropy at every step.
            let cx = Context::new((self.clock)());
            let mut exchange: Option<Exchange> = None;
            let mut exchanges = 0usize;
            loop {
                // The prior exchange (its whole answer) is dropped once read, not kept
                // through the next one, which may be a long poll.
                let step = match exchange.take() {
                    None => op(cx)?,
                    Some(ex) => op(cx.with_prior(&ex))?,
                };
                let (request, state) = match step {
                    Step::Done(t) => return Ok(t),
                    Step::Http { request, state } => (request, state),
                };
                if exchanges >= self.policy.max_steps {
                    return Err(Error::Provider {
                        status: None,
                        code: None,
                        message: format!(
                            "the {} backend did not finish {operation} within {} HTTP \
                             exchanges (Policy::max_steps)",
                            self.backend.kind(),
                            self.policy.max_steps
                        ),
                    });
                }
                exchanges += 1;
                let response = retry::send(self.executor.as_ref(), request, &self.policy).await?;
                exchange = Some(Exchange { state, response });
            }
        }
        .instrument(span)
        .await
    }
}
