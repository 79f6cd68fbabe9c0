//! BIP84 receive addresses derived per second on one thread, measured both in wall time and
//! in the thread's own on-CPU time (from `/proc/thread-self/schedstat`, Linux), so that the
//! figure stays meaningful on a machine busy with other work. The issue's target is 20,000
//! addresses per second on one core.
//!
//! ```text
//! cargo run --release -p polypay-crypto --example bitcoin_derivation_rate -- 100000
//! ```

use std::hint::black_box;
use std::time::Instant;

use polypay_crypto::bitcoin::{AccountKey, Network};

const ZPUB: &str = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";

/// The calling thread's on-CPU time in nanoseconds, when the kernel tells it.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 100_000,
    };
    let key = AccountKey::parse(ZPUB, Network::Mainnet)?;
    // Warm up (the verification context is built on first use).
    black_box(key.address(0)?);
    let cpu0 = cpu_ns();
    let t0 = Instant::now();
    for i in 0..n {
        black_box(key.address(black_box(i))?);
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu0.zip(cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
    print!(
        "{n} addresses: {wall:.3} s wall = {:.0} addresses/s",
        f64::from(n) / wall
    );
    match cpu {
        Some(c) if c > 0.0 => println!(
            "; {c:.3} s on CPU = {:.0} addresses/s per core ({:.1} µs each)",
            f64::from(n) / c,
            c * 1e6 / f64::from(n)
        ),
        _ => println!(),
    }
    Ok(())
}
