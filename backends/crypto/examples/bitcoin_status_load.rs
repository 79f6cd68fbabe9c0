//! The status of N pending bitcoin payments (default 1,000) read through one `Payment`
//! against the loopback Esplora simulator, at most C at a time (default 32). A third of the
//! payments are confirmed, a third in the mempool, a third unpaid; every answer is checked.
//! (The simulator runs in the same process and shares its two worker threads.)
//! Prints the wall time, the throughput and the latency percentiles of one `status` (each
//! one two HTTP exchanges: the address's transactions, then the tip).
//!
//! ```text
//! cargo run --release -p polypay-crypto --features simulator --example bitcoin_status_load -- 1000 32 [latency_ms]
//! ```
//!
//! `latency_ms` delays every simulator answer, like a distant Esplora server: bounded
//! concurrency then shows in the wall time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use polypay_core::{Amount, Payment, PaymentRequest, PaymentStatus, Policy, StatusQuery};
use polypay_crypto::bitcoin::{Bitcoin, BitcoinConfig};
use polypay_crypto::simulator::chain::Chain;
use polypay_crypto::simulator::esplora::EsploraSimulator;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

type Failure = Box<dyn std::error::Error + Send + Sync>;

const VPUB: &str = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc";

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: u64| -> Result<u64, Failure> {
        Ok(match args.get(i) {
            Some(a) => a.parse()?,
            None => default,
        })
    };
    let n = usize::try_from(arg(1, 1000)?)?;
    let concurrency = usize::try_from(arg(2, 32)?)?.max(1);
    let latency = Duration::from_millis(arg(3, 0)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(n, concurrency, latency))
}

async fn run(n: usize, concurrency: usize, latency: Duration) -> Result<(), Failure> {
    let chain = Chain::new(polypay_crypto::bitcoin::Network::Regtest, 200);
    let sim = EsploraSimulator::start(chain.clone()).await?;
    let config: BitcoinConfig = serde_json::from_value(serde_json::json!({
        "xpub": VPUB,
        "network": "regtest",
        "esplora_url": sim.base_url().as_str(),
        "rates": { "EUR": "60000" },
    }))?;
    let payment = Payment::new(Arc::new(Bitcoin::new(config)?)).with_policy(
        Policy::default()
            .allow_http(true)
            .retries(0)
            .timeout(Duration::from_secs(30)),
    );

    // N intents (no HTTP), then the chain: a third paid and mined (over several blocks), a
    // third paid but still in the mempool, a third unpaid.
    let mut intents = Vec::with_capacity(n);
    for i in 0..n {
        let req = PaymentRequest::new(Amount::parse("EUR:25.00")?)
            .with_extra_json("address_index", serde_json::json!(i));
        intents.push(payment.request(&req).await?);
    }
    for round in [1, 2] {
        for (i, intent) in intents.iter().enumerate().filter(|(i, _)| i % 3 == round) {
            let address = intent.backend_data["address"]
                .as_str()
                .ok_or("no address")?;
            let sats = intent.backend_data["amount_sat"]
                .as_u64()
                .ok_or("no amount")?;
            chain.pay(address, sats);
            if round == 1 && i % 100 == 1 {
                chain.mine(1);
            }
        }
        if round == 1 {
            chain.mine(1);
        }
    }
    sim.set_latency((!latency.is_zero()).then_some(latency));

    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for (i, intent) in intents.into_iter().enumerate() {
        let payment = payment.clone();
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let query = StatusQuery::new(intent.transaction_id.clone())
                .with_bank_data(intent.backend_data.clone());
            let t = Instant::now();
            let r = payment.status(&query).await?;
            Ok::<_, Failure>((i, r.status(), t.elapsed()))
        });
    }
    let mut latencies = Vec::with_capacity(n);
    let (mut paid, mut waiting) = (0usize, 0usize);
    while let Some(joined) = tasks.join_next().await {
        let (i, status, took) = joined??;
        let expected = if i % 3 == 1 {
            PaymentStatus::Paid
        } else {
            PaymentStatus::Waiting
        };
        if status != expected {
            return Err(format!("payment {i}: {status}, expected {expected}").into());
        }
        match status {
            PaymentStatus::Paid => paid += 1,
            _ => waiting += 1,
        }
        latencies.push(took);
    }
    let wall = started.elapsed();
    latencies.sort();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    println!(
        "{n} statuses, concurrency {concurrency}, simulator latency {latency:?}: {wall:.2?} \
         wall, {:.0} statuses/s; per status p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}; \
         {paid} paid, {waiting} waiting",
        n as f64 / wall.as_secs_f64(),
        pct(50),
        pct(90),
        pct(99),
        latencies[latencies.len() - 1],
    );
    Ok(())
}
