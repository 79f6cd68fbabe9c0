//! The hygiene tests' shared helpers: trace capture, transcripts, the traced `polypay`
//! command, a refusing loopback bank and the HTTP policy (also used by `hygiene_bitcoin` and
//! `hygiene_extra`, through `hygiene`).

use std::cell::RefCell;
use std::io::Write;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};

use polypay::prelude::*;
use serde_json::{Map, Value};
use url::Url;

use crate::support::{stderr, stdout};

/// Panics naming the needle and the context when `text` holds one of `needles`.
pub(crate) fn assert_none_shows(
    what: &str,
    text: &str,
    needles: impl IntoIterator<Item = impl AsRef<str>>,
) {
    for needle in needles {
        let needle = needle.as_ref();
        assert!(
            !text.contains(needle),
            "{what} shows a secret ({needle}):\n{text}"
        );
    }
}

/// A `MakeWriter` appending every trace line to a shared buffer.
#[derive(Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Sends this thread's TRACE events here until the guard is dropped (the tests run on a
    /// current-thread runtime, so every task of the test, simulators included, logs here).
    pub(crate) fn install(&self) -> CaptureGuard {
        init_tracing();
        CAPTURE.with(|c| *c.borrow_mut() = Some(self.clone()));
        CaptureGuard(())
    }
}

thread_local! {
    static CAPTURE: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

/// Stops this thread's capture when dropped.
pub(crate) struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|c| *c.borrow_mut() = None);
    }
}

/// Installs, once, a process-wide TRACE subscriber writing to the calling thread's
/// [`Capture`] if it has one, and nowhere otherwise.
///
/// Why global: tracing caches per call site, for the whole process, whether anyone listens.
/// A subscriber set for the test's thread only (`set_default`) raced with the other test
/// threads of this binary registering the same call sites with no subscriber: a site cached
/// as disabled was silent for the capturing thread too, and a capture came back empty (seen
/// once in CI, for `chainside_keeps_its_secret`). Setting a global subscriber re-evaluates
/// every call site already registered, and every later one finds it listening.
fn init_tracing() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadWriter(CAPTURE.with(|c| c.borrow().clone())))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the integration tests");
    });
}

/// Where a trace line goes: the writing thread's capture, if any.
struct ThreadWriter(Option<Capture>);

impl Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(capture) = &mut self.0 {
            capture.write_all(buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything the test saw, in `Debug` and `Display` form, to be checked at the end.
#[derive(Default)]
pub(crate) struct Transcript(pub(crate) String);

impl Transcript {
    pub(crate) fn add<T: std::fmt::Debug>(&mut self, label: &str, value: &Result<T, Error>) {
        match value {
            Ok(v) => self.0.push_str(&format!("{label}: ok {v:?}\n")),
            Err(e) => self.0.push_str(&format!(
                "{label}: err kind={:?} display={e} debug={e:?}\n",
                e.kind()
            )),
        }
    }
    pub(crate) fn add_debug<T: std::fmt::Debug>(&mut self, label: &str, value: &T) {
        self.0.push_str(&format!("{label}: {value:?}\n"));
    }
}

/// A built backend is not `Debug`: its kind stands for it.
pub(crate) fn built(r: polypay::Result<Arc<dyn Backend>>) -> polypay::Result<String> {
    r.map(|b| b.kind().to_owned())
}

pub(crate) fn params(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// A loopback bank that refuses (401) or answers nonsense (200), by path.
pub(crate) async fn refusing_bank() -> Url {
    use axum::routing::any;
    let app = axum::Router::new().fallback(any(|uri: axum::http::Uri| async move {
        if uri.path().contains("nonsense") {
            (axum::http::StatusCode::OK, "<html>not an answer</html>")
        } else {
            (axum::http::StatusCode::UNAUTHORIZED, "unauthorized")
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/").parse().unwrap()
}

pub(crate) fn policy() -> Policy {
    Policy::default()
        .allow_http(true)
        .retries(1)
        .retry_backoff(std::time::Duration::from_millis(10))
        .timeout(std::time::Duration::from_secs(5))
}

/// Runs `polypay` with tracing at TRACE on stderr.
pub(crate) async fn run_traced(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_polypay"))
            .args(&args)
            .arg("-vvv")
            .env("POLYPAY_LOG", "trace")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// Everything the `polypay` commands of a test printed (exit code, stdout, stderr), to check
/// all of it for secrets at once.
#[derive(Default)]
pub(crate) struct CliLog(pub(crate) String);

impl CliLog {
    /// Runs `polypay ARGS` with [`run_traced`] and keeps what it printed under `label`.
    pub(crate) async fn run_as(&mut self, label: &[&str], args: &[&str]) -> Output {
        let out = run_traced(args).await;
        self.0.push_str(&format!(
            "$ polypay {label:?} -> {:?}\n{}\n{}\n",
            out.status.code(),
            stdout(&out),
            stderr(&out)
        ));
        out
    }

    /// [`CliLog::run_as`] under the arguments themselves.
    pub(crate) async fn run(&mut self, args: &[&str]) -> Output {
        self.run_as(args, args).await
    }
}
