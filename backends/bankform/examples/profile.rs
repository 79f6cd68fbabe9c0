//! Runs one operation of one backend a fixed number of times on the cases of
//! `testdata/compare_cases.json`, for a profiler (instruction counts do not depend on the
//! machine's load, unlike wall-clock benches):
//!
//! ```text
//! cargo build --release -p polypay-bankform --example profile
//! valgrind --tool=callgrind target/release/examples/profile systempayv2 response 10000
//! ```
//!
//! Arguments: kind (`all` for every case), `request` or `response` (or `both`), iterations.

use polypay_core::{Amount, Context, Incoming, PaymentRequest, Registry, Timestamp};

const CASES: &str = include_str!("../testdata/compare_cases.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let kind_arg = args.next().unwrap_or_else(|| "all".into());
    let op = args.next().unwrap_or_else(|| "both".into());
    let n: u64 = args.next().map_or(Ok(10_000), |s| s.parse())?;
    polypay_bankform::link();
    let registry = Registry::from_inventory()?;
    let cases: serde_json::Value = serde_json::from_str(CASES)?;
    let cx = Context::fixed("2024-05-01T10:00:00Z".parse::<Timestamp>()?, [7; 32]);
    for case in cases.as_array().ok_or("cases must be a list")? {
        let kind = case["kind"].as_str().ok_or("kind")?;
        if kind_arg != "all" && kind_arg != kind {
            continue;
        }
        let backend = registry.build(kind, case["config"].as_object().ok_or("config")?)?;
        let amount = format!("EUR:{}", case["amount"].as_str().ok_or("amount")?);
        let req = PaymentRequest::new(Amount::parse(&amount)?)
            .with_email("buyer@example.com")
            .with_order_id("order42")
            .with_transaction_id(case["transaction_id"].as_str().ok_or("transaction_id")?);
        let incoming = Incoming::get(case["return"].as_str().ok_or("return")?);
        for _ in 0..n {
            if op != "response" {
                let _ = std::hint::black_box(backend.request(std::hint::black_box(&req), cx));
            }
            if op != "request" {
                let _ = std::hint::black_box(backend.response(std::hint::black_box(&incoming), cx));
            }
        }
    }
    Ok(())
}
