//! A GNU Taler merchant backend on the loopback interface, for tests and benchmarks (feature
//! `simulator`).
//!
//! It follows the merchant API as polypay's spec describes it: `GET /config` with a
//! configurable protocol version; bearer authentication (`secret-token:` + the instance
//! password, or login tokens from `POST private/token` with HTTP Basic, which expire);
//! `POST private/orders` with the backend's checks (idempotent for the same proposal, 409 for a
//! different one under the same id); `GET private/orders/$ID` with `session_id` and long
//! polling that really holds the request (`timeout_ms`) until payment or timeout, `ETag`s,
//! `If-None-Match` (`304 Not Modified`) and `lp_not_etag` (wait for any change); refunds with
//! total semantics; deletion rules; `PATCH private/orders/$ID/forget` (fields marked
//! `_forgettable`); the order list with its filters and long polling; webhooks (registration,
//! listing, reading, update, deletion, and delivery of `order_created`, `pay`, `refund` and
//! `order_settled` events with Mustach-expanded templates, retried on failure); the public
//! claim endpoint; `/instances/$ID/` prefixes; and every error as `{code, hint}` with its
//! `TALER_EC` number. It speaks HTTP/1.1 and HTTP/2 (h2c with prior knowledge) on one port,
//! with a limit of streams per HTTP/2 connection like real servers.
//!
//! A wallet is played by [`Simulator::pay`], [`Simulator::claim`] and [`Simulator::wire`] (also
//! reachable over HTTP under `/__simulator/`), and time by [`Simulator::advance`]. Its tokens
//! and nonces are predictable: it is a test double, never a server to expose.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use polypay_taler::simulator::Simulator;
//! let sim = Simulator::builder().password("pw").start().await?;
//! assert!(sim.base_url().as_str().starts_with("http://127.0.0.1:"));
//! assert_eq!(sim.token(), "secret-token:pw");
//! # Ok(()) }
//! ```

mod forget;
mod http;
mod listing;
mod model;
mod webhooks;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use polypay_core::testkit::Recorder;
use serde_json::Value;
use tokio::sync::oneshot;
use url::Url;

use model::Order;
pub use model::SimError;
pub use webhooks::Delivery;
use webhooks::StoredWebhook;

/// A login token the simulator issued.
#[derive(Debug, Clone)]
struct Issued {
    instance: String,
    scope: String,
    expires: i64,
}

/// Everything the simulator knows.
#[derive(Debug, Default)]
struct World {
    version: String,
    /// (instance, order id) → order.
    orders: HashMap<(String, String), Order>,
    tokens: HashMap<String, Issued>,
    clock_offset: i64,
    /// Every request, and the answers tests scripted.
    recorder: Recorder,
    /// How many requests came over HTTP/2.
    http2_requests: usize,
    /// How many `304 Not Modified` answers were given.
    not_modified: usize,
    /// (instance, webhook id) → webhook.
    webhooks: HashMap<(String, String), StoredWebhook>,
    /// Webhooks sent, in the order they finished.
    deliveries: Vec<Delivery>,
    /// The last order row number given.
    last_row: u64,
    /// Bumped when an order is created or changes: order-list long polls wait on it.
    orders_changed: tokio::sync::watch::Sender<u64>,
}

/// Configuration shared by the handlers.
#[derive(Debug)]
struct Shared {
    world: Mutex<World>,
    password: String,
    currencies: Vec<String>,
    instances: Vec<String>,
    default_pay_delay: i64,
    default_refund_delay: i64,
    root: Url,
    counter: AtomicU64,
    /// Where webhooks are sent from.
    runtime: tokio::runtime::Handle,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second() + self.world().clock_offset
    }

    /// `current` of the announced protocol version.
    fn version_current(&self) -> u32 {
        self.world()
            .version
            .split(':')
            .next()
            .and_then(|c| c.parse::<u32>().ok())
            .unwrap_or(0)
    }

    /// Wakes the order-list long polls.
    fn orders_changed(&self) {
        self.world().orders_changed.send_modify(|n| *n += 1);
    }

    /// A fresh, unpredictable-enough id for a test double (Crockford base32 alphabet).
    fn fresh_id(&self, len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let nanos = jiff::Timestamp::now().as_nanosecond() as u64;
        // xorshift over the counter and the clock: distinct ids, no security intended.
        let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ nanos ^ 0xD1B5_4A32_D192_ED03;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ALPHABET[(x % 32) as usize] as char
            })
            .collect()
    }

    /// The base URL of an instance (`admin` is the root).
    fn instance_base(&self, instance: &str) -> Url {
        if instance == "admin" {
            return self.root.clone();
        }
        self.root
            .join(&format!("instances/{instance}/"))
            .unwrap_or_else(|_| self.root.clone())
    }
}

/// Builds a [`Simulator`].
#[derive(Debug, Clone)]
pub struct SimulatorBuilder {
    version: String,
    password: String,
    currencies: Vec<String>,
    instances: Vec<String>,
    default_pay_delay: i64,
    default_refund_delay: i64,
    max_concurrent_streams: u32,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            version: "20:0:8".into(),
            password: "sandbox".into(),
            currencies: vec!["EUR".into(), "KUDOS".into()],
            instances: vec!["admin".into()],
            default_pay_delay: 3600,
            default_refund_delay: 0,
            max_concurrent_streams: 100,
        }
    }
}

impl SimulatorBuilder {
    /// The protocol version `GET /config` announces (default `20:0:8`).
    pub fn version(mut self, version: &str) -> Self {
        self.version = version.into();
        self
    }
    /// The password of every instance (default `sandbox`).
    pub fn password(mut self, password: &str) -> Self {
        self.password = password.into();
        self
    }
    /// The accepted currencies (default EUR and KUDOS; the first is the default currency).
    pub fn currencies(mut self, currencies: &[&str]) -> Self {
        self.currencies = currencies.iter().map(|c| c.to_ascii_uppercase()).collect();
        self
    }
    /// Adds an instance besides `admin`, reached under `/instances/ID/`.
    pub fn instance(mut self, id: &str) -> Self {
        self.instances.push(id.into());
        self
    }
    /// The instance default payment deadline, in seconds (default 3600).
    pub fn default_pay_delay(mut self, seconds: i64) -> Self {
        self.default_pay_delay = seconds;
        self
    }
    /// The instance default refund delay, in seconds (default 0: no refunds).
    pub fn default_refund_delay(mut self, seconds: i64) -> Self {
        self.default_refund_delay = seconds;
        self
    }

    /// How many requests one HTTP/2 connection may carry at once
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`; default 100, as in common servers).
    pub fn max_concurrent_streams(mut self, streams: u32) -> Self {
        self.max_concurrent_streams = streams;
        self
    }

    /// Starts the simulator on `127.0.0.1` (a free port), on the current tokio runtime. It
    /// speaks HTTP/1.1 and HTTP/2 (h2c, with prior knowledge) on the same port.
    pub async fn start(self) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let root: Url = format!("http://{addr}/")
            .parse()
            .map_err(|e| std::io::Error::other(format!("bad address {addr}: {e}")))?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World {
                version: self.version,
                ..World::default()
            }),
            password: self.password,
            currencies: self.currencies,
            instances: self.instances,
            default_pay_delay: self.default_pay_delay,
            default_refund_delay: self.default_refund_delay,
            root,
            counter: AtomicU64::new(1),
            runtime: tokio::runtime::Handle::current(),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let app = http::router(shared.clone());
        tokio::spawn(serve(listener, app, self.max_concurrent_streams, stopped));
        Ok(Simulator {
            shared,
            addr,
            _stop: stop,
        })
    }
}

/// A wallet pays an order (see [`Simulator::pay`]).
fn pay(
    sim: &Arc<Shared>,
    instance: &str,
    order_id: &str,
    session_id: Option<&str>,
) -> Result<(), SimError> {
    let now = sim.now();
    let contract = {
        let mut world = sim.world();
        let order = world
            .orders
            .get_mut(&(instance.to_owned(), order_id.to_owned()))
            .ok_or_else(|| SimError::new(404, 2005, "unknown order"))?;
        order.pay(session_id, now)?;
        order.contract.clone()
    };
    sim.orders_changed();
    let vars = webhooks::vars(order_id, &contract, Value::Null);
    webhooks::fire(sim, instance, "pay", vars);
    Ok(())
}

/// The exchange wires an order's money (see [`Simulator::wire`]).
fn wire(sim: &Arc<Shared>, instance: &str, order_id: &str) -> Result<(), SimError> {
    {
        let mut world = sim.world();
        let order = world
            .orders
            .get_mut(&(instance.to_owned(), order_id.to_owned()))
            .ok_or_else(|| SimError::new(404, 2005, "unknown order"))?;
        if !order.paid {
            return Err(SimError::new(409, 2531, "the order is not paid"));
        }
        order.wired = true;
        order.touch();
    }
    sim.orders_changed();
    let mut vars = serde_json::Map::new();
    vars.insert("order_id".into(), order_id.into());
    vars.insert("wtid".into(), "SIMULATED-WTID".into());
    webhooks::fire(sim, instance, "order_settled", vars);
    Ok(())
}

/// Accepts connections until `stopped`, then lets the open ones finish. axum's own `serve`
/// cannot set HTTP/2's stream limit, hence this loop.
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    max_concurrent_streams: u32,
    stopped: oneshot::Receiver<()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http2()
        .max_concurrent_streams(max_concurrent_streams);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(app.clone());
                    let connection = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .into_owned();
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
                // Out of file descriptors, most likely: let connections close, then go on.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            },
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A running merchant-backend simulator; stops when dropped.
#[derive(Debug)]
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl Simulator {
    /// A builder with the defaults: protocol `20:0:8`, password `sandbox`, EUR and KUDOS.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// Starts a simulator with the defaults.
    pub async fn start() -> std::io::Result<Simulator> {
        SimulatorBuilder::default().start().await
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The backend's root URL (`http://127.0.0.1:PORT/`), the `admin` instance.
    pub fn base_url(&self) -> Url {
        self.shared.root.clone()
    }

    /// The base URL of an instance (`http://127.0.0.1:PORT/instances/ID/`; `admin` is the
    /// root).
    pub fn instance_url(&self, instance: &str) -> Url {
        self.shared.instance_base(instance)
    }

    /// The legacy bearer token of every instance: `secret-token:` + the password.
    pub fn token(&self) -> String {
        format!("secret-token:{}", self.shared.password)
    }

    /// The order's private view (`GET private/orders/$ID` without session), if it exists.
    pub fn order(&self, instance: &str, order_id: &str) -> Option<Value> {
        let base = self.shared.instance_base(instance);
        let world = self.shared.world();
        world
            .orders
            .get(&(instance.to_owned(), order_id.to_owned()))
            .map(|o| o.private_view(&base, None))
    }

    fn with_order<T>(
        &self,
        instance: &str,
        order_id: &str,
        f: impl FnOnce(&mut Order, i64) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        let now = self.shared.now();
        let mut world = self.shared.world();
        let order = world
            .orders
            .get_mut(&(instance.to_owned(), order_id.to_owned()))
            .ok_or_else(|| SimError::new(404, 2005, "unknown order"))?;
        f(order, now)
    }

    /// A wallet claims the order (with the claim token the pay URI carries).
    pub fn claim(
        &self,
        instance: &str,
        order_id: &str,
        nonce: &str,
        token: Option<&str>,
    ) -> Result<Value, SimError> {
        self.with_order(instance, order_id, |o, _| o.claim(nonce, token))
            .map_err(|e| {
                if e.code == 2005 {
                    SimError::new(404, 2300, e.hint)
                } else {
                    e
                }
            })
    }

    /// A wallet pays the order, proving payment in `session_id` (or the order's own session).
    /// The instance's `pay` webhooks are sent.
    pub fn pay(
        &self,
        instance: &str,
        order_id: &str,
        session_id: Option<&str>,
    ) -> Result<(), SimError> {
        pay(&self.shared, instance, order_id, session_id)
    }

    /// The exchange wires the money of a paid order. The instance's `order_settled` webhooks
    /// are sent.
    pub fn wire(&self, instance: &str, order_id: &str) -> Result<(), SimError> {
        wire(&self.shared, instance, order_id)
    }

    /// The webhooks sent so far (each after its last attempt).
    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.shared.world().deliveries.clone()
    }

    /// Moves the simulator's clock forward (deadlines, token expiry).
    pub fn advance(&self, seconds: i64) {
        self.shared.world().clock_offset += seconds;
    }

    /// Sets the simulator's clock to `now` (it then runs on from there), so that it agrees
    /// with a client whose clock is fixed.
    pub fn set_now(&self, now: jiff::Timestamp) {
        let offset = now.as_second() - jiff::Timestamp::now().as_second();
        self.shared.world().clock_offset = offset;
    }

    /// The simulator's current time.
    pub fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.shared.now()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// The order's payment deadline passes without payment: a wallet holds it (it is claimed
    /// when nobody had claimed it) and its deadline moves an hour into the past.
    pub fn expire(&self, instance: &str, order_id: &str) -> Result<(), SimError> {
        self.with_order(instance, order_id, |o, now| o.expire(now))
    }

    /// Makes every issued login token unknown (as after a restart of the backend).
    pub fn revoke_tokens(&self) {
        self.shared.world().tokens.clear();
    }

    /// Changes the protocol version `GET /config` announces.
    pub fn set_version(&self, version: &str) {
        self.shared.world().version = version.into();
    }

    /// Answers the next `method` request whose path ends with `path_suffix` with `status` and
    /// `body` instead of the real answer (a failure, an old backend's field names, ...).
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

    /// How many requests came over HTTP/2 (the rest came over HTTP/1.1).
    pub fn http2_requests(&self) -> usize {
        self.shared.world().http2_requests
    }

    /// How many `304 Not Modified` answers the order status endpoint gave.
    pub fn not_modified(&self) -> usize {
        self.shared.world().not_modified
    }

    /// How many requests `METHOD /path` (exactly) received.
    pub fn hits(&self, request: &str) -> usize {
        self.shared.world().recorder.hits(request)
    }
}
