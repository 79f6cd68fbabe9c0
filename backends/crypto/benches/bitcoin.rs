//! BIP84 receive-address derivation (the target: at least 20,000 addresses per second
//! on one core), the whole `request` of a fiat payment (derivation, exact conversion, BIP321
//! URI), and the BIP321 parser.
//!
//! Run with `cargo bench -p polypay-crypto --bench bitcoin`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polypay_core::{Amount, Backend, Context, PaymentRequest, Timestamp};
use polypay_crypto::bitcoin::{AccountKey, Bitcoin, BitcoinUri, Network};

const ZPUB: &str = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";

fn derivation(c: &mut Criterion) {
    let key = AccountKey::parse(ZPUB, Network::Mainnet).expect("key");
    let mut group = c.benchmark_group("bip84");
    group.throughput(Throughput::Elements(1));
    let mut index = 0u32;
    group.bench_function("address", |b| {
        b.iter(|| {
            index = (index + 1) % 1_000_000;
            black_box(key.address(black_box(index)).expect("address"))
        })
    });
    group.finish();
}

fn request(c: &mut Criterion) {
    let config = serde_json::json!({
        "xpub": ZPUB,
        "esplora_url": "https://esplora.example/api",
        "rates": { "EUR": "60000.00" },
        "label": "Example Shop",
    });
    let btc = Bitcoin::new(serde_json::from_value(config).expect("config")).expect("backend");
    let cx = Context::fixed(
        "2024-05-01T10:00:00Z".parse::<Timestamp>().expect("time"),
        [7; 32],
    );
    let amount = Amount::parse("EUR:42.50").expect("amount");
    let mut index = 0u32;
    let mut group = c.benchmark_group("bitcoin");
    group.throughput(Throughput::Elements(1));
    group.bench_function("request_eur", |b| {
        b.iter(|| {
            index = (index + 1) % 1_000_000;
            let req = PaymentRequest::new(amount)
                .with_description("Order 42")
                .with_extra_json("address_index", serde_json::json!(index));
            black_box(btc.request(&req, cx).expect("request"))
        })
    });
    let uri = "bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=0.00070834&label=Example%20Shop&message=Order%2042";
    group.bench_function("bip321_parse", |b| {
        b.iter(|| black_box(BitcoinUri::parse(black_box(uri)).expect("uri")))
    });
    group.finish();
}

criterion_group!(benches, derivation, request);
criterion_main!(benches);
