//! Running the Chainside calls beyond the `Backend` trait with a [`Payment`]'s HTTP executor
//! and policy (feature `client`): [`drive`] for any sans-IO operation of [`Chainside`], and
//! [`ChainsideClient`] with one method per call.
//!
//! ```no_run
//! # async fn demo() -> polypay_core::Result<()> {
//! use std::sync::Arc;
//! use polypay_crypto::chainside::{Chainside, ChainsideClient, ChainsideConfig, ListQuery, OrderStatus};
//!
//! let config: ChainsideConfig = serde_json::from_value(serde_json::json!({
//!     "client_id": "my-client-id", "secret": { "env": "CHAINSIDE_SECRET" },
//! })).map_err(|e| polypay_core::Error::invalid_input(e.to_string()))?;
//! let client = ChainsideClient::new(Arc::new(Chainside::new(config)?));
//! let page = client.list(&ListQuery::default().status(OrderStatus::Paid)).await?;
//! println!("{} paid orders", page.total_items);
//! // The same backend takes payments through the usual facade:
//! let _payment = client.payment();
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use polypay_core::{
    Context, Error, Exchange, HttpRequest, HttpResponse, Payment, Policy, Result, Step, Timestamp,
};

use super::Chainside;
use super::api::ListQuery;
use super::wire::{CallbackEvent, PaymentOrder, PaymentOrderPage};

/// The longest pause between two attempts of a request.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Sends one request with `payment`'s executor, retrying an idempotent one after a
/// retryable failure as the policy allows (the same rules as `Payment`'s operations).
async fn send(payment: &Payment, request: HttpRequest) -> Result<HttpResponse> {
    let policy: &Policy = payment.policy();
    let executor = payment.executor();
    let mut pause = policy.retry_backoff.min(MAX_BACKOFF);
    let mut attempt = 0;
    loop {
        let result = executor.execute(request.clone(), policy).await;
        let again = match &result {
            Err(e) => e.is_retryable(),
            Ok(r) => retryable_status(r.status),
        };
        if !again || !request.idempotent || attempt >= policy.retries {
            return result;
        }
        attempt += 1;
        tokio::time::sleep(pause).await;
        pause = pause.saturating_mul(2).min(MAX_BACKOFF);
    }
}

/// Runs a sans-IO operation to its end with `payment`'s executor and policy (at most
/// `policy.max_steps` exchanges), at the time `cx` gives.
///
/// ```no_run
/// # async fn demo(chainside: &polypay_crypto::chainside::Chainside, payment: &polypay_core::Payment) -> polypay_core::Result<()> {
/// use polypay_core::Context;
/// use polypay_crypto::chainside::{ListQuery, drive};
/// let page = drive(payment, Context::now(), |cx| chainside.list_payment_orders(&ListQuery::default(), cx)).await?;
/// # Ok(()) }
/// ```
pub async fn drive<T>(
    payment: &Payment,
    cx: Context<'_>,
    op: impl Fn(Context<'_>) -> Result<Step<T>>,
) -> Result<T> {
    let max = payment.policy().max_steps;
    let mut first = cx;
    first.prior = None;
    let mut exchange: Option<Exchange> = None;
    for _ in 0..=max {
        let step = match &exchange {
            None => op(first)?,
            Some(ex) => op(cx.with_prior(ex))?,
        };
        match step {
            Step::Done(t) => return Ok(t),
            Step::Http { request, state } => {
                let response = send(payment, request).await?;
                exchange = Some(Exchange { state, response });
            }
        }
    }
    Err(Error::Provider {
        status: None,
        code: None,
        message: format!("the chainside call did not finish within {max} HTTP exchanges"),
    })
}

type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// A `chainside` backend with the [`Payment`] that runs its calls: the trait's operations
/// through [`ChainsideClient::payment`], the others through its methods. Both share the
/// backend, hence its token.
#[derive(Clone)]
pub struct ChainsideClient {
    chainside: Arc<Chainside>,
    payment: Payment,
    clock: Clock,
}

impl std::fmt::Debug for ChainsideClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainsideClient")
            .field("chainside", &self.chainside)
            .field("payment", &self.payment)
            .finish_non_exhaustive()
    }
}

impl ChainsideClient {
    /// A client with a new `Payment` whose timeout is the configuration's `http.timeout`.
    pub fn new(chainside: Arc<Chainside>) -> ChainsideClient {
        let policy = Policy::default().timeout(chainside.timeout());
        let payment = Payment::new(chainside.clone()).with_policy(policy);
        ChainsideClient::with_payment(chainside, payment)
    }

    /// A client running its calls with `payment`'s executor and policy; `payment` should be
    /// built over the same `chainside`.
    pub fn with_payment(chainside: Arc<Chainside>, payment: Payment) -> ChainsideClient {
        ChainsideClient {
            chainside,
            payment,
            clock: Arc::new(Timestamp::now),
        }
    }

    /// Replaces the clock of the calls (and of the payment's operations).
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        let clock: Clock = Arc::new(clock);
        let shared = clock.clone();
        self.payment = self.payment.with_clock(move || shared());
        self.clock = clock;
        self
    }

    /// The backend.
    pub fn chainside(&self) -> &Arc<Chainside> {
        &self.chainside
    }

    /// The facade for `request`, `response`, `status` and `cancel`.
    pub fn payment(&self) -> &Payment {
        &self.payment
    }

    fn cx(&self) -> Context<'static> {
        Context::new((self.clock)())
    }

    /// A page of payment orders.
    pub async fn list(&self, query: &ListQuery) -> Result<PaymentOrderPage> {
        drive(&self.payment, self.cx(), |cx| {
            self.chainside.list_payment_orders(query, cx)
        })
        .await
    }

    /// One payment order.
    pub async fn get(&self, uuid: &str) -> Result<PaymentOrder> {
        drive(&self.payment, self.cx(), |cx| {
            self.chainside.get_payment_order(uuid, cx)
        })
        .await
    }

    /// Resets a sandbox payment order to pending.
    pub async fn reset(&self, uuid: &str) -> Result<PaymentOrder> {
        drive(&self.payment, self.cx(), |cx| {
            self.chainside.reset_payment_order(uuid, cx)
        })
        .await
    }

    /// Triggers a sandbox callback.
    pub async fn trigger(&self, uuid: &str, event: CallbackEvent) -> Result<()> {
        drive(&self.payment, self.cx(), |cx| {
            self.chainside.trigger_callback(uuid, event, cx)
        })
        .await
    }

    /// The names of the callbacks sent for an order.
    pub async fn callbacks(&self, uuid: &str) -> Result<Vec<String>> {
        drive(&self.payment, self.cx(), |cx| {
            self.chainside.payment_order_callbacks(uuid, cx)
        })
        .await
    }
}
