//! The "Taler concurrency run": N orders (default 10,000) created and long-polled
//! concurrently through one `Payment` against the loopback merchant-backend simulator, then
//! paid by a simulated wallet; every long poll must resolve to a verified payment of the right
//! order and amount. Prints the throughput and the peak memory (VmHWM) of both processes.
//!
//! ```text
//! cargo run --release -p polypay-taler --example taler_concurrency -- 10000
//! cargo run --release -p polypay-taler --example taler_concurrency -- 10000 http1
//! cargo run --release -p polypay-taler --example taler_concurrency -- 10000 http2 100
//! ```
//!
//! Arguments: the number of orders (10,000), the protocol (`http2` or `http1`), and
//! `Policy::streams_per_connection` (100).
//!
//! By default the executor speaks HTTP/2 to the simulator (h2c with prior knowledge, as
//! `[http] http2_prior_knowledge = true` configures): the long polls share a connection per
//! 100 of them (`Policy::streams_per_connection`; the simulator allows that many streams per
//! connection, and at least 100 like common servers). With `http1`, each pending long poll
//! holds its own HTTP/1.1 connection, for comparison.
//!
//! The simulator runs in a child process (this program with the argument `serve`), so the
//! memory figures of the two sides are measured apart.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use polypay_core::{
    Amount, HttpExecutor, HttpRequest, Method, Payment, PaymentRequest, PaymentStatus, Policy,
    ReqwestExecutor, StatusQuery,
};
use polypay_taler::simulator::Simulator;
use polypay_taler::{Taler, TalerConfig};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if args.get(1).map(String::as_str) == Some("serve") {
        let streams = args.get(2).map_or(Ok(100), |a| a.parse())?;
        return runtime.block_on(serve(streams));
    }
    let n: usize = match args.get(1) {
        Some(a) => a.parse()?,
        None => 10_000,
    };
    let http2 = match args.get(2).map(String::as_str) {
        None | Some("http2") => true,
        Some("http1") => false,
        Some(other) => return Err(format!("unknown protocol {other:?}: http1 or http2").into()),
    };
    let per_connection = match args.get(3) {
        Some(a) => a.parse()?,
        None => Policy::default().streams_per_connection,
    };
    runtime.block_on(run(n, http2, per_connection))
}

/// The child: a simulator until standard input closes.
async fn serve(max_concurrent_streams: u32) -> Result<(), Failure> {
    let sim = Simulator::builder()
        .max_concurrent_streams(max_concurrent_streams)
        .default_refund_delay(86_400)
        .start()
        .await?;
    println!("{}", sim.base_url());
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    Ok(())
}

/// A memory figure of a process (`VmHWM:` peak, `VmRSS:` current) from `/proc/PID/status`
/// (Linux), in MiB.
fn rss_mib(pid: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn run(n: usize, http2: bool, per_connection: usize) -> Result<(), Failure> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("serve")
        // The backend allows at least 100 streams per HTTP/2 connection, as common servers do.
        .arg(
            u32::try_from(per_connection.max(100))
                .unwrap_or(u32::MAX)
                .to_string(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no child stdout")?).read_line(&mut line)?;
    let base = line.trim().to_owned();
    let child_pid = child.id().to_string();

    let config: TalerConfig = serde_json::from_value(serde_json::json!({
        "base_url": base, "token": "secret-token:sandbox", "allow_http": true,
        "fulfillment_url": "https://shop.example/thanks/${ORDER_ID}",
    }))?;
    let policy = Policy::default()
        .allow_http(true)
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(30))
        .http2_prior_knowledge(http2)
        .streams_per_connection(per_connection);
    let executor = Arc::new(ReqwestExecutor::new());
    let payment = Payment::new(Arc::new(Taler::new(config)?))
        .with_executor(executor.clone())
        .with_policy(policy.clone());
    // The version check happens once, before the crowd.
    payment
        .request(&PaymentRequest::new(Amount::parse("EUR:1")?).with_transaction_id("warm-up"))
        .await?;

    let created = Arc::new(AtomicUsize::new(0));
    let creating = Arc::new(tokio::sync::Semaphore::new(256));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let payment = payment.clone();
        let created = created.clone();
        let creating = creating.clone();
        tasks.push(tokio::spawn(async move {
            let amount = Amount::parse(&format!("EUR:{}.{:02}", 1 + i / 100, i % 100))?;
            let id = format!("bench-{i}");
            let intent = {
                let _permit = creating.acquire().await?;
                payment
                    .request(&PaymentRequest::new(amount).with_transaction_id(&id))
                    .await?
            };
            created.fetch_add(1, Ordering::Relaxed);
            let query = StatusQuery::new(id.clone())
                .with_bank_data(intent.backend_data)
                .with_long_poll(Duration::from_secs(120));
            loop {
                let r = payment.status(&query).await?;
                if r.status() != PaymentStatus::Waiting {
                    r.check(&amount, &id)?;
                    return Ok::<_, Failure>(r.status());
                }
            }
        }));
    }
    while created.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let creation = started.elapsed();
    // Let the last long polls reach the backend.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let polling_rss = rss_mib("self", "VmRSS:").unwrap_or(f64::NAN);

    let paying = Instant::now();
    // The wallet: 64 workers paying the orders one after the other (the wallet's own memory
    // stays small, so that the figures are polypay's).
    let next = Arc::new(AtomicUsize::new(0));
    let mut wallets = Vec::with_capacity(64);
    for _ in 0..64 {
        let (executor, policy, next, base) =
            (executor.clone(), policy.clone(), next.clone(), base.clone());
        wallets.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), Failure>(());
                }
                let url = format!("{base}__simulator/orders/bench-{i}/pay").parse()?;
                let answer = executor
                    .execute(HttpRequest::new(Method::Post, url), &policy)
                    .await?;
                if answer.status != 204 {
                    return Err(format!("paying bench-{i}: HTTP {}", answer.status).into());
                }
            }
        }));
    }
    for w in wallets {
        w.await??;
    }
    let mut paid = 0;
    for t in tasks {
        if t.await?? == PaymentStatus::Paid {
            paid += 1;
        }
    }
    let resolution = paying.elapsed();
    let total = started.elapsed();
    let client_rss = rss_mib("self", "VmHWM:").unwrap_or(f64::NAN);
    let server_rss = rss_mib(&child_pid, "VmHWM:").unwrap_or(f64::NAN);
    drop(child.stdin.take());
    let _ = child.wait();

    if http2 {
        println!("protocol: HTTP/2 (h2c), at most {per_connection} streams per connection");
    } else {
        println!("protocol: HTTP/1.1, one connection per request in flight");
    }
    println!("orders: {n}, verified paid with the right amount: {paid}");
    println!(
        "created and long-polling: {:.2} s ({:.0} orders/s)",
        creation.as_secs_f64(),
        n as f64 / creation.as_secs_f64()
    );
    println!(
        "paid by the wallet and resolved: {:.2} s ({:.0} resolutions/s)",
        resolution.as_secs_f64(),
        n as f64 / resolution.as_secs_f64()
    );
    println!("total: {:.2} s", total.as_secs_f64());
    println!(
        "RSS of the polypay side: {polling_rss:.1} MiB with every long poll pending, \
         {client_rss:.1} MiB peak; simulator peak {server_rss:.1} MiB"
    );
    if paid != n {
        return Err(format!("only {paid} of {n} orders resolved as paid").into());
    }
    Ok(())
}
