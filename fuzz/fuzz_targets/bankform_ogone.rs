//! Ogone / Ingenico returns (parameters, SHA-OUT signature, latin-1 and UTF-8 decoding)
//! through `Backend::response`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_fuzz::{FormTarget, backend};
use serde_json::json;

fn config(sha_out: &str, extra: serde_json::Value) -> serde_json::Value {
    // The configuration of the eopayment vectors.
    let mut c = json!({
        "environment": "TEST", "pspid": "polypay", "sha_in": "s\u{e9}cret-in",
        "sha_out": sha_out, "normal_return_url": "https://shop.example/return",
    });
    c.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    c
}

static TARGET: LazyLock<FormTarget> = LazyLock::new(|| {
    let known = "s\u{e9}cret-out";
    let blind = "fuzz-never-seen-key";
    FormTarget {
        known: vec![
            backend("ogone", config(known, json!({}))),
            backend(
                "ogone",
                config(
                    known,
                    json!({"encoding": "utf-8", "hash_algorithm": "sha512"}),
                ),
            ),
        ],
        blind: vec![
            backend("ogone", config(blind, json!({}))),
            backend(
                "ogone",
                config(
                    blind,
                    json!({"encoding": "utf-8", "hash_algorithm": "sha256"}),
                ),
            ),
        ],
    }
});

fuzz_target!(|data: &[u8]| TARGET.run(data));
