//! The cost of the plugin ABI: the same dummy request (and the same response verification)
//! through the static backend and through the example plugin built as a real `cdylib` (with
//! `reexport-dummy`) and loaded with the host loader. The instance is opened once and reused for
//! every call, as an application does; `open` is measured apart. The target: a call
//! through the ABI costs at most 2x the static call.
//!
//! Run with `cargo bench -p polypay-plugin-api --bench abi`. Figures in the crate documentation.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use polypay_core::{
    Amount, Backend, BackendFactory, Context, Incoming, PaymentRequest, Registry, Secret, Timestamp,
};
use polypay_dummy::{DummyFactory, Outcome, Simulator};
use polypay_plugin_api::host::load_plugin;

#[allow(dead_code)]
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

fn bench(c: &mut Criterion) {
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

criterion_group!(benches, bench);
criterion_main!(benches);
