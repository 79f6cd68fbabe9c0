//! The cost of the plugin ABI: the same dummy request (and the same response verification)
//! through the static backend and through the example plugin built as a real `cdylib` (with
//! `reexport-dummy`) and loaded with the host loader. The instance is opened once and reused for
//! every call, as an application does; `open` is measured apart. The target: a call
//! through the ABI costs at most 2x the static call.
//!
//! On 64-bit Linux the measure is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`;
//! the plugin runs on the calling thread), so figures taken on a busy shared machine are not
//! inflated by waiting for a core; elsewhere it is wall time.
//!
//! Run with `cargo bench -p polypay-plugin-api --bench abi`. Figures in the crate documentation.

use std::hint::black_box;
use std::sync::Arc;

use criterion::measurement::Measurement;
use criterion::{Criterion, criterion_group, criterion_main};
use polypay_core::{
    Amount, Backend, BackendFactory, Context, Incoming, PaymentRequest, Registry, Secret, Timestamp,
};
use polypay_dummy::{DummyFactory, Outcome, Simulator};
use polypay_plugin_api::host::load_plugin;

#[path = "../tests/support/build.rs"]
mod build;

const SECRET: &str = "bench-secret";

fn config() -> serde_json::Map<String, serde_json::Value> {
    let config = serde_json::json!({
        "normal_return_url": "https://shop.example/return",
        "automatic_return_url": "https://shop.example/notify",
        "secret": SECRET,
    });
    config.as_object().cloned().unwrap_or_default()
}

fn now() -> Timestamp {
    "2026-01-01T10:00:00Z".parse().expect("time")
}

fn cx() -> Context<'static> {
    Context::fixed(now(), [7; 32])
}

fn request() -> PaymentRequest {
    PaymentRequest::new(Amount::parse("EUR:15.24").expect("amount"))
        .with_order_id("order42")
        .with_email("buyer@example.com")
}

/// The dummy through the plugin ABI: the registry holding the plugin's factories.
fn plugin_registry() -> Registry {
    let path = build::example_plugin(&["reexport-dummy"]);
    let mut registry = Registry::new();
    load_plugin(&mut registry, &path, None).expect("load the example plugin");
    registry
}

/// A paid bank return for a request of `backend`.
fn paid_return(backend: &dyn Backend) -> Incoming {
    let intent = backend
        .request(&request(), cx())
        .expect("request")
        .done()
        .expect("no HTTP");
    Simulator::new(Some(Secret::new(SECRET)))
        .complete(&intent, Outcome::Paid, now())
        .expect("bank return")
}

/// Nanoseconds of the measure criterion uses (thread CPU time on 64-bit Linux).
fn clock_ns() -> u64 {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    return cpu::now();
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let start = *START.get_or_init(std::time::Instant::now);
        u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The plugin/static ratio of one operation, measured interleaved: each round runs a batch
/// through the static backend then a batch through the plugin, so both see the same machine
/// (on a shared machine the load drifts faster than criterion's groups run). Prints medians.
fn interleaved(name: &str, mut direct: impl FnMut(), mut through: impl FnMut()) {
    const ROUNDS: usize = 51;
    const BATCH: u32 = 400;
    let per_call = |f: &mut dyn FnMut()| {
        let start = clock_ns();
        for _ in 0..BATCH {
            f();
        }
        (clock_ns() - start) as f64 / f64::from(BATCH)
    };
    let (mut d, mut t, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let a = per_call(&mut direct);
        let b = per_call(&mut through);
        d.push(a);
        t.push(b);
        ratio.push(b / a);
    }
    println!(
        "{name}: plugin / static = {:.2} (static {:.2} µs, plugin {:.2} µs per call; medians of \
         {ROUNDS} interleaved rounds of {BATCH} calls)",
        median(ratio),
        median(d) / 1000.0,
        median(t) / 1000.0,
    );
}

fn bench<M: Measurement>(c: &mut Criterion<M>) {
    let registry = plugin_registry();
    let through: Arc<dyn Backend> = registry.build("dummy", &config()).expect("open");
    let direct: Arc<dyn Backend> = DummyFactory.build(&config()).expect("build");
    let req = request();
    let ret = paid_return(&*direct);
    // The same results both ways, so both measure the same work.
    assert_eq!(
        direct
            .request(&req, cx())
            .expect("static")
            .done()
            .expect("done"),
        through
            .request(&req, cx())
            .expect("plugin")
            .done()
            .expect("done")
    );
    let paid = through
        .response(&ret, cx())
        .expect("plugin")
        .done()
        .expect("done");
    assert!(paid.is_paid());

    // For profilers (`perf record`, `valgrind`): `POLYPAY_ABI_LOOP=<what>[:<calls>]` runs only
    // `<calls>` calls of one path, with none of criterion's machinery, then exits. `<what>` is
    // `static-request`, `plugin-request`, `static-response` or `plugin-response`.
    if let Ok(spec) = std::env::var("POLYPAY_ABI_LOOP") {
        let (what, calls) = spec.split_once(':').unwrap_or((spec.as_str(), "100000"));
        let calls: u32 = calls.parse().expect("POLYPAY_ABI_LOOP=<what>:<calls>");
        for _ in 0..calls {
            match what {
                "static-request" => drop(black_box(direct.request(black_box(&req), cx()))),
                "plugin-request" => drop(black_box(through.request(black_box(&req), cx()))),
                "static-response" => drop(black_box(direct.response(black_box(&ret), cx()))),
                "plugin-response" => drop(black_box(through.response(black_box(&ret), cx()))),
                "dump" => {
                    println!("incoming: {ret:?}");
                    println!("response: {paid:?}");
                    return;
                }
                other => panic!("unknown POLYPAY_ABI_LOOP path {other:?}"),
            }
        }
        std::process::exit(0);
    }

    interleaved(
        "dummy/request",
        || {
            black_box(direct.request(black_box(&req), cx()).expect("request"));
        },
        || {
            black_box(through.request(black_box(&req), cx()).expect("request"));
        },
    );
    interleaved(
        "dummy/response",
        || {
            black_box(direct.response(black_box(&ret), cx()).expect("response"));
        },
        || {
            black_box(through.response(black_box(&ret), cx()).expect("response"));
        },
    );

    let mut group = c.benchmark_group("dummy/request");
    group.bench_function("static", |b| {
        b.iter(|| black_box(direct.request(black_box(&req), cx()).expect("request")))
    });
    group.bench_function("plugin", |b| {
        b.iter(|| black_box(through.request(black_box(&req), cx()).expect("request")))
    });
    group.finish();

    let mut group = c.benchmark_group("dummy/response");
    group.bench_function("static", |b| {
        b.iter(|| black_box(direct.response(black_box(&ret), cx()).expect("response")))
    });
    group.bench_function("plugin", |b| {
        b.iter(|| black_box(through.response(black_box(&ret), cx()).expect("response")))
    });
    group.finish();

    // What reusing the instance saves: open + request + close on every call.
    let factory = registry.factory("dummy").expect("dummy").clone();
    let mut group = c.benchmark_group("dummy/open");
    group.bench_function("static build", |b| {
        b.iter(|| black_box(DummyFactory.build(black_box(&config())).expect("build")))
    });
    group.bench_function("plugin open+close", |b| {
        b.iter(|| black_box(factory.build(black_box(&config())).expect("open")))
    });
    group.bench_function("plugin open+request+close", |b| {
        b.iter(|| {
            let backend = factory.build(black_box(&config())).expect("open");
            black_box(backend.request(black_box(&req), cx()).expect("request"))
        })
    });
    group.finish();
}

/// The calling thread's CPU time, in nanoseconds.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod cpu {
    use criterion::measurement::{Measurement, ValueFormatter, WallTime};

    /// `struct timespec` on 64-bit Linux.
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }

    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }

    pub fn now() -> u64 {
        let mut ts = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable `struct timespec` for the duration of the call.
        let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        let secs = u64::try_from(ts.tv_sec).expect("non-negative");
        let nanos = u64::try_from(ts.tv_nsec).expect("non-negative");
        secs * 1_000_000_000 + nanos
    }

    /// Thread CPU time, shown like wall time (nanoseconds).
    pub struct ThreadCpuTime;

    static NANOSECONDS: WallTime = WallTime;

    impl Measurement for ThreadCpuTime {
        type Intermediate = u64;
        type Value = u64;
        fn start(&self) -> u64 {
            now()
        }
        fn end(&self, start: u64) -> u64 {
            now().saturating_sub(start)
        }
        fn add(&self, a: &u64, b: &u64) -> u64 {
            a + b
        }
        fn zero(&self) -> u64 {
            0
        }
        fn to_f64(&self, value: &u64) -> f64 {
            *value as f64
        }
        fn formatter(&self) -> &dyn ValueFormatter {
            NANOSECONDS.formatter()
        }
    }
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(cpu::ThreadCpuTime);
    targets = bench
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
criterion_group!(benches, bench);

criterion_main!(benches);
