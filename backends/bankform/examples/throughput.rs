//! Measures polypay's throughput on the same requests and returns as
//! `testdata/compare_eopayment.py` gives eopayment, and prints one JSON object
//! `{"<kind>/<operation>": operations per second, ...}`.
//!
//! `cargo run --release -p polypay-bankform --example throughput [SECONDS] [KIND]`
//!
//! `SECONDS` is the measuring time per operation (1 by default); `KIND` limits the run to one
//! backend.

use std::time::{Duration, Instant};

use polypay_core::{Amount, Context, Incoming, PaymentRequest, Registry, Timestamp};

/// The configurations and returns shared with the comparison script.
const CASES: &str = include_str!("../testdata/compare_cases.json");

/// Operations per second of `f`, from the fastest of many short batches: on a shared machine
/// a batch that was preempted is slower, never faster, so the fastest batches measure the
/// code rather than the neighbours (the comparison script times eopayment the same way).
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    // Warm up, and size batches to about 200 µs.
    let start = Instant::now();
    let mut n = 0u32;
    while n < 100 || start.elapsed() < Duration::from_millis(20) {
        f();
        n += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / f64::from(n);
    let batch = (200e-6 / per_call).clamp(1.0, 10_000.0) as u32;
    let mut best = f64::INFINITY;
    let start = Instant::now();
    while start.elapsed() < budget {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / f64::from(batch));
    }
    1.0 / best
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args().nth(1).map_or(Ok(1.0), |s| s.parse())?;
    let only = std::env::args().nth(2);
    let budget = Duration::from_secs_f64(seconds);
    polypay_bankform::link();
    let registry = Registry::from_inventory()?;
    let cases: serde_json::Value = serde_json::from_str(CASES)?;
    let cx = Context::fixed("2024-05-01T10:00:00Z".parse::<Timestamp>()?, [7; 32]);
    let mut out = serde_json::Map::new();
    for case in cases.as_array().ok_or("cases must be a list")? {
        let kind = case["kind"].as_str().ok_or("kind")?;
        if only.as_deref().is_some_and(|k| k != kind) {
            continue;
        }
        let config = case["config"].as_object().ok_or("config")?;
        let backend = registry.build(kind, config)?;
        let req = PaymentRequest::new(Amount::parse(&format!(
            "EUR:{}",
            case["amount"].as_str().ok_or("amount")?
        ))?)
        .with_email("buyer@example.com")
        .with_order_id("order42")
        .with_transaction_id(case["transaction_id"].as_str().ok_or("transaction_id")?);
        let incoming = Incoming::get(case["return"].as_str().ok_or("return")?);
        backend.request(&req, cx)?;
        backend.response(&incoming, cx)?;
        out.insert(
            format!("{kind}/request"),
            rate(budget, || {
                let _ = std::hint::black_box(backend.request(&req, cx));
            })
            .into(),
        );
        out.insert(
            format!("{kind}/response"),
            rate(budget, || {
                let _ = std::hint::black_box(backend.response(&incoming, cx));
            })
            .into(),
        );
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
