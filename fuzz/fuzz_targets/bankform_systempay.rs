//! SystemPay / PayZen (Lyra "vads" form) returns: `Backend::response` of `systempayv2` and
//! `payzen`, SHA-1 and HMAC-SHA-256 signatures.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_fuzz::{FormTarget, backend};
use serde_json::json;

fn config(algo: &str, test: &str, production: &str) -> serde_json::Value {
    // The configuration of the eopayment vectors (testdata/eopayment_vectors.json).
    json!({
        "secret_test": test, "secret_production": production, "vads_site_id": "12345678",
        "normal_return_url": "https://shop.example/return",
        "automatic_return_url": "https://shop.example/notify",
        "signature_algo": algo,
    })
}

static TARGET: LazyLock<FormTarget> = LazyLock::new(|| {
    let (t, p) = ("1122334455667788", "AABBCCDDEEFF0011");
    let (bt, bp) = ("FuzzNeverSeenTestKey", "FuzzNeverSeenProductionKey");
    FormTarget {
        known: vec![
            backend("systempayv2", config("sha1", t, p)),
            backend("systempayv2", config("hmac_sha256", t, p)),
            backend("payzen", config("hmac_sha256", t, p)),
        ],
        blind: vec![
            backend("systempayv2", config("sha1", bt, bp)),
            backend("payzen", config("hmac_sha256", bt, bp)),
        ],
    }
});

fuzz_target!(|data: &[u8]| TARGET.run(data));
