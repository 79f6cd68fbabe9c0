//! The hygiene tests' shared helpers: trace capture, transcripts, the traced `polypay`
//! command, a refusing loopback bank and the HTTP policy (also used by `hygiene_bitcoin` and
//! `hygiene_extra`, through `hygiene`).

use std::io::Write;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

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

    /// Sets a TRACE subscriber writing here as this thread's default (the tests run on a
    /// current-thread runtime, so every task of the test, simulators included, logs here).
    pub(crate) fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
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
