//! Measures polypay's throughput on the same requests and returns as
//! `testdata/compare_eopayment.py` gives eopayment, and prints one JSON object
//! `{"<kind>/<operation>": operations per second, ...}`.
//!
//! `cargo run --release -p polypay-bankform --example throughput [SECONDS]`

use std::time::{Duration, Instant};

use polypay_core::{Amount, Context, Incoming, PaymentRequest, Registry, Timestamp};

/// The configurations and returns shared with the comparison script.
const CASES: &str = include_str!("../testdata/compare_cases.json");

fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    // Warm up, then count runs in the budget.
    for _ in 0..100 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args().nth(1).map_or(Ok(1.0), |s| s.parse())?;
    let budget = Duration::from_secs_f64(seconds);
    polypay_bankform::link();
    let registry = Registry::from_inventory()?;
    let cases: serde_json::Value = serde_json::from_str(CASES)?;
    let cx = Context::fixed("2024-05-01T10:00:00Z".parse::<Timestamp>()?, [7; 32]);
    let mut out = serde_json::Map::new();
    for case in cases.as_array().ok_or("cases must be a list")? {
        let kind = case["kind"].as_str().ok_or("kind")?;
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
