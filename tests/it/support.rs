//! Shared helpers: temporary configuration files and running the `polypay` binary.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary directory holding test files; removed on drop.
pub struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    pub fn new() -> Files {
        Files {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write test file");
        path
    }
}

/// The configuration of a dummy instance used across tests.
pub const DUMMY_SECRET: &str = "integration-test-secret-7f3a";

pub fn dummy_config() -> String {
    format!(
        "[backends.shop]\nkind = \"dummy\"\nnormal_return_url = \"https://shop.example/return\"\n\
         automatic_return_url = \"https://shop.example/notify\"\nsecret = \"{DUMMY_SECRET}\"\n"
    )
}

/// Runs `polypay ARGS` and returns its output.
pub fn polypay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polypay"))
        .args(args)
        .env_remove("POLYPAY_LOG")
        .output()
        .expect("run polypay")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `polypay ARGS --json`, asserts success, parses stdout.
pub fn polypay_json(args: &[&str]) -> serde_json::Value {
    let mut all: Vec<&str> = args.to_vec();
    all.push("--json");
    success_json(args, &polypay(&all))
}

/// Asserts that `polypay ARGS` succeeded and parses what it printed as JSON.
fn success_json(args: &[&str], out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "polypay {args:?} failed: {}",
        stderr(out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// [`polypay`] from async tests: runs on a blocking thread, so a loopback simulator on the
/// test's runtime keeps answering while the command runs.
pub async fn polypay_async(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        polypay(&refs)
    })
    .await
    .expect("polypay ran")
}

/// [`polypay_json`] from async tests (see [`polypay_async`]).
pub async fn polypay_json_async(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    success_json(args, &polypay_async(&all).await)
}

/// A loopback address nobody listens on: bound, then released.
pub fn closed_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}
