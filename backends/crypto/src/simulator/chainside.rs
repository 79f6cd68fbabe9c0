//! A Chainside WebPOS API on the loopback interface, for tests and benchmarks.
//!
//! It follows the API v1 as polypay's spec describes it: OAuth client credentials on
//! `POST /token` (HTTP Basic, `grant_type=client_credentials`, `scope=*`) issuing tokens that
//! expire after a configurable lifetime (then `1004 AccessTokenExpired`); `X-Api-Version: v1`,
//! `Accept` and `Content-Type` checks; `POST /payment-order` with the API's validation
//! (`0001`), `GET /payment-order` with filters, pagination (≤ 40) and sorting,
//! `GET`/`DELETE /payment-order/{uuid}`, `GET …/callbacks`, and the sandbox's
//! `PATCH …/test/` (`{callback}`: moves the order and sends that callback; `0013` for an
//! unknown one) and `PATCH …/test/reset`; every error as `{error_code, message, request_id,
//! debug_info}`.
//!
//! Orders advance: [`ChainsideSimulator::pay`] adds a payer's transaction, and
//! [`ChainsideSimulator::confirm`] mines blocks (partial → unconfirmed → paid, overpaid), an
//! unpaid order expires with time ([`ChainsideSimulator::advance`]). Each change of state
//! sends the signed callback (`chainside-signature`) to the order's callback URL; the
//! simulator has no TLS client, so it delivers to `http://` loopback URLs, which it accepts
//! only with [`ChainsideSimulatorBuilder::allow_http_callbacks`] (Chainside itself takes
//! `https://` callback URLs only).
//!
//! One assumption is the simulator's, not the spec's: a creation that repeats a pending
//! order's `reference` and fields exactly answers that order again (an idempotent retry).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use polypay_crypto::simulator::chainside::ChainsideSimulator;
//! let sim = ChainsideSimulator::builder().token_lifetime(60).start().await?;
//! assert!(sim.base_url().as_str().starts_with("http://127.0.0.1:"));
//! assert_eq!(sim.client_id(), "sim-client");
//! # Ok(()) }
//! ```

mod deliver;
mod http;
mod model;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use polypay_core::testkit::Recorder;
use serde_json::Value;
use tokio::sync::oneshot;
use url::Url;

pub use deliver::Delivery;
pub use model::SimError;

use model::Order;

/// Everything the simulator knows.
#[derive(Debug, Default)]
struct World {
    /// access token → expiry (seconds).
    tokens: HashMap<String, i64>,
    orders: Vec<Order>,
    clock_offset: i64,
    /// Every request, and the answers tests scripted.
    recorder: Recorder,
    deliveries: Vec<Delivery>,
}

/// Configuration shared by the handlers.
#[derive(Debug)]
struct Shared {
    world: Mutex<World>,
    client_id: String,
    secret: String,
    token_lifetime: i64,
    order_lifetime: i64,
    /// Price of one BTC in cents of the currency.
    rate_cents: u64,
    currency: String,
    allow_http_callbacks: bool,
    live: bool,
    root: Url,
    counter: AtomicU64,
    runtime: tokio::runtime::Handle,
}

impl World {
    /// The order `uuid`, or the API's `404 payment order not found`.
    fn order_mut(&mut self, uuid: &str) -> Result<&mut Order, SimError> {
        self.orders
            .iter_mut()
            .find(|o| o.uuid == uuid)
            .ok_or_else(SimError::not_found)
    }
}

impl Shared {
    /// Lets time pass for every order: unpaid ones past their expiry expire, and their
    /// `payment.expired` callback goes out.
    fn tick(self: &Arc<Self>) {
        let now = self.now();
        let mut sends = Vec::new();
        {
            let mut world = self.world();
            let mut records = Vec::new();
            for order in &mut world.orders {
                if let Some(event) = order.refresh(now) {
                    match deliver::callback(self, order, event, now) {
                        (cb, Ok(Some(url))) => sends.push((cb, url)),
                        (_, Ok(None)) => {}
                        (_, Err(record)) => records.push(record),
                    }
                }
            }
            world.deliveries.extend(records);
        }
        for (cb, url) in sends {
            let shared = self.clone();
            self.runtime
                .spawn(async move { deliver::send(&shared, url, cb).await });
        }
    }

    /// Runs `f` on order `uuid` at the current time. For the event it returns: the signed
    /// callback (recorded on the order) and where to send it, once the world is unlocked;
    /// `None` when the order has no callback URL or the URL is refused (then the failed
    /// delivery is recorded).
    fn change_order(
        &self,
        uuid: &str,
        f: impl FnOnce(&mut Order, i64) -> Result<Option<String>, SimError>,
    ) -> Result<Option<(SimCallback, Option<Url>)>, SimError> {
        let now = self.now();
        let mut world = self.world();
        let order = world.order_mut(uuid)?;
        let Some(event) = f(order, now)? else {
            return Ok(None);
        };
        let (cb, target) = deliver::callback(self, order, &event, now);
        let target = target.unwrap_or_else(|record| {
            world.deliveries.push(record);
            None
        });
        Ok(Some((cb, target)))
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second() + self.world().clock_offset
    }

    /// A fresh number (ids, request ids).
    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh UUID-shaped id (predictable: a test double).
    fn uuid(&self) -> String {
        let n = self.next();
        let t = jiff::Timestamp::now().as_nanosecond() as u64;
        let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ t;
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (x >> 32) as u32,
            (x >> 16) as u16,
            (n & 0xfff) as u16,
            (x & 0xfff) as u16,
            n
        )
    }

    fn hex(&self, len: usize) -> String {
        let mut x = self.next().wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xD1B5_4A32_D192_ED03;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b"0123456789abcdef"[(x % 16) as usize])
            })
            .collect()
    }
}

/// Builds a [`ChainsideSimulator`].
#[derive(Debug, Clone)]
pub struct ChainsideSimulatorBuilder {
    client_id: String,
    secret: String,
    token_lifetime: i64,
    order_lifetime: i64,
    rate_cents: u64,
    currency: String,
    allow_http_callbacks: bool,
    live: bool,
}

impl Default for ChainsideSimulatorBuilder {
    fn default() -> Self {
        ChainsideSimulatorBuilder {
            client_id: "sim-client".into(),
            secret: "sim-secret".into(),
            token_lifetime: 3600,
            order_lifetime: 900,
            rate_cents: 4_000_000,
            currency: "EUR".into(),
            allow_http_callbacks: false,
            live: false,
        }
    }
}

impl ChainsideSimulatorBuilder {
    /// The client credentials it accepts (default `sim-client` / `sim-secret`); the secret
    /// also signs the callbacks.
    pub fn credentials(mut self, client_id: &str, secret: &str) -> Self {
        self.client_id = client_id.into();
        self.secret = secret.into();
        self
    }
    /// The lifetime of access tokens, in seconds (default 3600).
    pub fn token_lifetime(mut self, seconds: i64) -> Self {
        self.token_lifetime = seconds;
        self
    }
    /// How long an order waits for payment, in seconds (default 900).
    pub fn order_lifetime(mut self, seconds: i64) -> Self {
        self.order_lifetime = seconds;
        self
    }
    /// The price of one bitcoin in the WebPOS's currency, in cents (default 40 000.00).
    pub fn rate_cents(mut self, cents: u64) -> Self {
        self.rate_cents = cents.max(1);
        self
    }
    /// The WebPOS's fiat currency (default EUR).
    pub fn currency(mut self, code: &str) -> Self {
        self.currency = code.into();
        self
    }
    /// Accept `http://` loopback callback URLs (and deliver to them).
    pub fn allow_http_callbacks(mut self, allow: bool) -> Self {
        self.allow_http_callbacks = allow;
        self
    }
    /// Behave as the live API: the sandbox's test endpoints answer `1012 Forbidden`.
    pub fn live(mut self, live: bool) -> Self {
        self.live = live;
        self
    }

    /// Starts the simulator on `127.0.0.1` (a free port), on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<ChainsideSimulator> {
        let (listener, addr, root) = super::loopback::bind("").await?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World::default()),
            client_id: self.client_id,
            secret: self.secret,
            token_lifetime: self.token_lifetime,
            order_lifetime: self.order_lifetime,
            rate_cents: self.rate_cents,
            currency: self.currency,
            allow_http_callbacks: self.allow_http_callbacks,
            live: self.live,
            root,
            counter: AtomicU64::new(1),
            runtime: tokio::runtime::Handle::current(),
        });
        let app = http::router(shared.clone());
        let stop = super::loopback::serve(listener, app);
        Ok(ChainsideSimulator {
            shared,
            addr,
            _stop: stop,
        })
    }
}

/// A signed callback, as the simulator sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCallback {
    /// The raw JSON body.
    pub body: Vec<u8>,
    /// The `chainside-signature` header's value.
    pub signature: String,
}

/// A running Chainside API simulator; stops when dropped.
#[derive(Debug)]
pub struct ChainsideSimulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl ChainsideSimulator {
    /// A builder with the defaults.
    pub fn builder() -> ChainsideSimulatorBuilder {
        ChainsideSimulatorBuilder::default()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API root (`http://127.0.0.1:PORT/`), for the backend's `base_url`.
    pub fn base_url(&self) -> Url {
        self.shared.root.clone()
    }

    /// The client id it accepts.
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The client secret it accepts and signs callbacks with.
    pub fn secret(&self) -> &str {
        &self.shared.secret
    }

    /// The order's retrieval view (`GET /payment-order/{uuid}`), if it exists.
    pub fn order(&self, uuid: &str) -> Option<Value> {
        self.shared.tick();
        let now = self.shared.now();
        let world = self.shared.world();
        let order = world.orders.iter().find(|o| o.uuid == uuid)?;
        Some(order.view(now))
    }

    /// Runs `f` on an order, then sends the callback of the event it returns.
    fn change(
        &self,
        uuid: &str,
        f: impl FnOnce(&mut Order, i64) -> Result<Option<String>, SimError>,
    ) -> Result<Option<SimCallback>, SimError> {
        self.shared.tick();
        let (callback, target) = match self.shared.change_order(uuid, f)? {
            Some((cb, target)) => (Some(cb), target),
            None => (None, None),
        };
        if let (Some(cb), Some(target)) = (&callback, target) {
            let shared = self.shared.clone();
            let cb = cb.clone();
            self.shared
                .runtime
                .spawn(async move { deliver::send(&shared, target, cb).await });
        }
        Ok(callback)
    }

    /// A payer sends `sat` satoshis to the order's address, seen with `confirmations`.
    /// Returns the callback sent when this changes the order's state.
    pub fn pay(
        &self,
        uuid: &str,
        sat: u64,
        confirmations: u32,
    ) -> Result<Option<SimCallback>, SimError> {
        let txid = self.shared.hex(64);
        self.change(uuid, |o, now| {
            o.pay(txid, sat, confirmations, now)
                .map(|e| e.map(str::to_owned))
        })
    }

    /// `blocks` more blocks confirm the order's transactions.
    pub fn confirm(&self, uuid: &str, blocks: u32) -> Result<Option<SimCallback>, SimError> {
        self.change(uuid, |o, now| Ok(o.confirm(blocks, now).map(str::to_owned)))
    }

    /// What `PATCH /payment-order/{uuid}/test/` does: moves the order as the event says and
    /// sends its callback (which is returned).
    pub fn trigger(&self, uuid: &str, event: &str) -> Result<SimCallback, SimError> {
        let txid = self.shared.hex(64);
        let event = event.to_owned();
        self.change(uuid, |o, now| {
            o.apply(&event, txid, now)?;
            Ok(Some(event.clone()))
        })?
        .ok_or_else(|| SimError::new(500, "4000", "no callback"))
    }

    /// Moves the simulator's clock forward (token and order expiry).
    pub fn advance(&self, seconds: i64) {
        self.shared.world().clock_offset += seconds;
    }

    /// Sets the simulator's clock to `now` (it then runs on from there).
    pub fn set_now(&self, now: jiff::Timestamp) {
        let offset = now.as_second() - jiff::Timestamp::now().as_second();
        self.shared.world().clock_offset = offset;
    }

    /// Expires every access token issued so far (the next call gets `1004`).
    pub fn expire_tokens(&self) {
        let now = self.shared.now();
        for expiry in self.shared.world().tokens.values_mut() {
            *expiry = (*expiry).min(now - 1);
        }
    }

    /// Forgets every access token (the next call gets `1007 InvalidAccessToken`).
    pub fn revoke_tokens(&self) {
        self.shared.world().tokens.clear();
    }

    /// Answers the next `method` request whose path ends with `path_suffix` with `status` and
    /// `body` instead of the real answer.
    pub fn script(&self, method: &str, path_suffix: &str, status: u16, body: &str) {
        self.shared
            .world()
            .recorder
            .script(method, path_suffix, status, body);
    }

    /// `METHOD /path` of every request received so far.
    pub fn log(&self) -> Vec<String> {
        self.shared.world().recorder.log().to_vec()
    }

    /// How many requests `METHOD /path` (exactly) received.
    pub fn hits(&self, request: &str) -> usize {
        self.shared.world().recorder.hits(request)
    }

    /// Every callback delivery attempted so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.world().deliveries.clone()
    }
}
