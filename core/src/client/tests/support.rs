//! Test backends and loopback servers.

use std::cell::RefCell;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use crate::{
    Action, Adjustment, Amount, Backend, Capabilities, Context, Error, HttpRequest, HttpResponse,
    Incoming, Method, Operation, Payment, PaymentIntent, PaymentRequest, PaymentResponse, Policy,
    ReqwestExecutor, Result, StatusQuery, Step, Timestamp,
};

/// A backend whose `request` sends `request` to a test server `exchanges` times, then
/// finishes. It records what it saw; its other operations only count calls.
pub(super) struct LoopBackend {
    caps: Capabilities,
    request: HttpRequest,
    exchanges: usize,
    parse_json: bool,
    calls: AtomicUsize,
    other_calls: AtomicUsize,
    responses: Mutex<Vec<HttpResponse>>,
    seen_now: Mutex<Vec<Timestamp>>,
}

impl LoopBackend {
    /// One exchange with `request`; capabilities: request and response.
    pub(super) fn new(request: HttpRequest) -> LoopBackend {
        LoopBackend {
            caps: Capabilities::new(&[Operation::Request, Operation::Response]),
            request,
            exchanges: 1,
            parse_json: false,
            calls: AtomicUsize::new(0),
            other_calls: AtomicUsize::new(0),
            responses: Mutex::new(Vec::new()),
            seen_now: Mutex::new(Vec::new()),
        }
    }

    /// A backend that finishes without any HTTP.
    pub(super) fn offline() -> LoopBackend {
        LoopBackend::new(get(&"https://unused.invalid/".parse().unwrap())).exchanges(0)
    }

    /// Finishes after `n` exchanges (`usize::MAX`: never).
    pub(super) fn exchanges(mut self, n: usize) -> LoopBackend {
        self.exchanges = n;
        self
    }

    /// Parses every answer with [`HttpResponse::json`], failing like a real backend would.
    pub(super) fn parse_json(mut self) -> LoopBackend {
        self.parse_json = true;
        self
    }

    pub(super) fn caps(mut self, caps: Capabilities) -> LoopBackend {
        self.caps = caps;
        self
    }

    pub(super) fn arc(self) -> Arc<LoopBackend> {
        Arc::new(self)
    }

    /// Calls of `request`.
    pub(super) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Calls of every other operation.
    pub(super) fn other_calls(&self) -> usize {
        self.other_calls.load(Ordering::SeqCst)
    }

    pub(super) fn responses(&self) -> Vec<HttpResponse> {
        self.responses.lock().unwrap().clone()
    }

    pub(super) fn last_response(&self) -> HttpResponse {
        self.responses().pop().expect("the backend got an answer")
    }

    pub(super) fn seen_now(&self) -> Vec<Timestamp> {
        self.seen_now.lock().unwrap().clone()
    }

    fn other(&self) -> Result<Step<PaymentResponse>> {
        self.other_calls.fetch_add(1, Ordering::SeqCst);
        Err(Error::invalid_input(
            "the facade should not have called this",
        ))
    }
}

impl Backend for LoopBackend {
    fn kind(&self) -> &str {
        "loopback"
    }

    fn capabilities(&self) -> Capabilities {
        self.caps.clone()
    }

    fn request(&self, _req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen_now.lock().unwrap().push(cx.now);
        let done = match cx.prior {
            None => 0,
            Some(exchange) => {
                self.responses
                    .lock()
                    .unwrap()
                    .push(exchange.response.clone());
                if self.parse_json {
                    exchange.response.json::<serde_json::Value>()?;
                }
                exchange.state.as_u64().unwrap() + 1
            }
        };
        if usize::try_from(done).unwrap() >= self.exchanges {
            let intent = PaymentIntent::new(
                format!("tx-{done}"),
                Action::Html {
                    html: String::new(),
                },
            );
            Ok(Step::Done(intent))
        } else {
            Ok(Step::Http {
                request: self.request.clone(),
                state: serde_json::json!(done),
            })
        }
    }

    fn response(&self, _incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.other()
    }
    fn cancel(&self, _op: &Adjustment, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.other()
    }
    fn validate(&self, _op: &Adjustment, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.other()
    }
    fn refund(&self, _op: &Adjustment, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.other()
    }
    fn status(&self, _query: &StatusQuery, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.other()
    }
}

pub(super) fn get(url: &Url) -> HttpRequest {
    HttpRequest::new(Method::Get, url.clone())
}

pub(super) fn post(url: &Url) -> HttpRequest {
    HttpRequest::new(Method::Post, url.clone()).with_json(&serde_json::json!({"amount": "10.00"}))
}

pub(super) fn eur(value: &str) -> Amount {
    Amount::parse(&format!("EUR:{value}")).unwrap()
}

/// Plain HTTP allowed, short timeouts, quick retries: a loopback server.
pub(super) fn local_policy() -> Policy {
    Policy::default()
        .allow_http(true)
        .timeout(Duration::from_secs(5))
        .retry_backoff(Duration::from_millis(1))
}

pub(super) fn payment(backend: &Arc<LoopBackend>, policy: Policy) -> Payment {
    init_tracing();
    Payment::new(backend.clone()).with_policy(policy)
}

pub(super) fn executor() -> ReqwestExecutor {
    init_tracing();
    ReqwestExecutor::new()
}

/// Runs the backend's `request` operation for EUR 10.00.
pub(super) async fn pay(payment: &Payment) -> Result<PaymentIntent> {
    payment.request(&PaymentRequest::new(eur("10.00"))).await
}

/// A request counter shared with a handler.
#[derive(Clone, Default)]
pub(super) struct Hits(Arc<AtomicUsize>);

impl Hits {
    /// Counts one hit and returns how many came before it.
    pub(super) fn hit(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
    pub(super) fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Serves `router` on a fresh loopback port for the rest of the test.
pub(super) async fn serve(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

pub(super) fn url(addr: SocketAddr, path_and_query: &str) -> Url {
    format!("http://{addr}{path_and_query}").parse().unwrap()
}

/// A loopback port with nothing listening.
pub(super) fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// What a raw server answers: bytes axum would never send.
#[derive(Clone, Copy)]
pub(super) enum Raw {
    /// These bytes, then the connection is closed.
    ThenClose(&'static [u8]),
    /// A chunked answer that never ends (1 KiB chunks until the client hangs up).
    EndlessChunks,
}

/// Serves `reply` to every connection on a fresh loopback port.
pub(super) async fn raw_server(reply: Raw) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer_raw(socket, reply));
        }
    });
    addr
}

async fn answer_raw(mut socket: TcpStream, reply: Raw) {
    // Read the request head; the requests sent here have no body.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    match reply {
        Raw::ThenClose(bytes) => {
            let _ = socket.write_all(bytes).await;
            let _ = socket.shutdown().await;
        }
        Raw::EndlessChunks => {
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            if socket.write_all(head).await.is_err() {
                return;
            }
            let mut chunk = b"400\r\n".to_vec();
            chunk.extend_from_slice(&[b'x'; 1024]);
            chunk.extend_from_slice(b"\r\n");
            while socket.write_all(&chunk).await.is_ok() {}
        }
    }
}

/// Installs, once, a process-wide TRACE subscriber that writes to the calling thread's
/// [`Capture`] if it has one, and nowhere otherwise.
///
/// Why global and installed by every test that sends a request: tracing caches per call site
/// whether anyone listens. A subscriber set for one test thread (`set_default`) races with
/// other test threads registering the same call sites and can find them cached as disabled.
/// With one global subscriber in place before any request, no call site is ever cached so.
pub(super) fn init_tracing() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadWriter(CAPTURE.with(|c| c.borrow().clone())))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the unit tests");
    });
}

thread_local! {
    static CAPTURE: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

/// Everything traced on this thread while it lives (a current-thread tokio test runs its
/// servers and its client on the test thread).
#[derive(Clone, Default)]
pub(super) struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Starts capturing this thread's traces.
    pub(super) fn start() -> CaptureGuard {
        init_tracing();
        let capture = Capture::default();
        CAPTURE.with(|c| *c.borrow_mut() = Some(capture.clone()));
        CaptureGuard(capture)
    }
}

/// Stops the capture when dropped.
pub(super) struct CaptureGuard(Capture);

impl CaptureGuard {
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&(self.0).0.lock().unwrap()).into_owned()
    }
}

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|c| *c.borrow_mut() = None);
    }
}

struct ThreadWriter(Option<Capture>);

impl Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(capture) = &self.0 {
            capture.0.lock().unwrap().extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
