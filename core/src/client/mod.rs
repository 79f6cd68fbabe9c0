//! The application-side facade: [`Payment`] runs a backend's sans-IO steps with an HTTP
//! executor (reqwest over rustls by default) under a transport [`Policy`].

mod executor;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::{
    Adjustment, Backend, Context, Error, Exchange, HttpRequest, HttpResponse, Incoming,
    Operation, PaymentIntent, PaymentRequest, PaymentResponse, Result, StatusQuery, Step,
    Timestamp,
};

pub use executor::ReqwestExecutor;

/// A boxed future, as [`HttpExecutor`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Performs the HTTP requests backends ask for.
pub trait HttpExecutor: Send + Sync {
    /// Sends `request` under `policy` and returns the answer (any status), or a transport error.
    fn execute<'a>(
        &'a self,
        request: HttpRequest,
        policy: &'a Policy,
    ) -> BoxFuture<'a, Result<HttpResponse>>;
}

/// Transport rules applied to every request a backend asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Allow plain `http://` URLs (local test servers only). Off by default: HTTPS only.
    pub allow_http: bool,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for the whole exchange (a long poll adds its own `extra_timeout`).
    pub timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Most HTTP exchanges one operation may need.
    pub max_steps: usize,
    /// Retries of idempotent requests after a retryable failure (non-idempotent: never).
    pub retries: u32,
    /// Pause before the first retry (doubled each time).
    pub retry_backoff: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_http: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 1 << 20,
            max_steps: crate::driver::DEFAULT_MAX_STEPS,
            retries: 2,
            retry_backoff: Duration::from_millis(200),
        }
    }
}

impl Policy {
    /// Allows plain HTTP (for local test servers).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }
    /// Sets the total timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Sets the response size limit.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
    /// Sets the number of retries of idempotent requests.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }
    /// Sets the bound on exchanges per operation.
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.max_steps = steps;
        self
    }
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
    /// A facade over `backend` with the default policy and the reqwest executor.
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

    /// Replaces the clock (tests fix the time).
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

    fn check(&self, op: Operation) -> Result<()> {
        if self.backend.capabilities().supports(op) {
            Ok(())
        } else {
            Err(Error::unsupported(self.backend.kind(), op))
        }
    }

    /// Starts a payment. The amount is checked against the backend's advertised limits first.
    pub async fn request(&self, req: &PaymentRequest) -> Result<PaymentIntent> {
        self.check(Operation::Request)?;
        let caps = self.backend.capabilities();
        caps.check_amount(&req.amount)?;
        if caps.email_required && req.customer.email.as_deref().is_none_or(str::is_empty) {
            return Err(Error::invalid_input(format!(
                "the {} backend requires the customer's e-mail",
                self.backend.kind()
            )));
        }
        self.drive(|b, cx| b.request(req, cx)).await
    }

    /// Handles a return or a notification.
    pub async fn response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        self.check(Operation::Response)?;
        self.drive(|b, cx| b.response(incoming, cx)).await
    }

    /// Cancels an authorisation or an unpaid payment.
    pub async fn cancel(&self, op: &Adjustment) -> Result<PaymentResponse> {
        self.check(Operation::Cancel)?;
        self.drive(|b, cx| b.cancel(op, cx)).await
    }

    /// Captures an authorisation.
    pub async fn validate(&self, op: &Adjustment) -> Result<PaymentResponse> {
        self.check(Operation::Validate)?;
        self.drive(|b, cx| b.validate(op, cx)).await
    }

    /// Gives money back.
    pub async fn refund(&self, op: &Adjustment) -> Result<PaymentResponse> {
        self.check(Operation::Refund)?;
        self.drive(|b, cx| b.refund(op, cx)).await
    }

    /// Asks where a payment stands.
    pub async fn status(&self, query: &StatusQuery) -> Result<PaymentResponse> {
        self.check(Operation::Status)?;
        self.drive(|b, cx| b.status(query, cx)).await
    }

    async fn drive<T>(
        &self,
        op: impl Fn(&dyn Backend, Context<'_>) -> Result<Step<T>>,
    ) -> Result<T> {
        let cx = Context::new((self.clock)());
        let mut exchange: Option<Exchange> = None;
        for _ in 0..=self.policy.max_steps {
            let step = match &exchange {
                None => op(self.backend.as_ref(), cx)?,
                Some(ex) => op(self.backend.as_ref(), cx.with_prior(ex))?,
            };
            match step {
                Step::Done(t) => return Ok(t),
                Step::Http { request, state } => {
                    let response = self.execute(request).await?;
                    exchange = Some(Exchange { state, response });
                }
            }
        }
        Err(Error::Provider {
            status: None,
            code: None,
            message: format!(
                "the {} backend did not finish within {} HTTP exchanges",
                self.backend.kind(),
                self.policy.max_steps
            ),
        })
    }

    /// Sends one request, retrying idempotent ones after retryable failures.
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse> {
        let mut attempt = 0u32;
        let mut backoff = self.policy.retry_backoff;
        loop {
            let result = self.executor.execute(request.clone(), &self.policy).await;
            let retry = match &result {
                Err(e) => e.is_retryable(),
                Ok(resp) => resp.status >= 500 || resp.status == 429,
            };
            if !retry || !request.idempotent || attempt >= self.policy.retries {
                return result;
            }
            attempt += 1;
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}
