//! Worldline Sips 2.0 returns (the `Data` field, its seal, `InterfaceVersion`, `Encode`) through
//! `Backend::response`, and the office server's JSON answers to status/validate/cancel/refund.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_fuzz::{FormTarget, backend, drive_with_reply, http_reply};
use serde_json::json;

static TARGET: LazyLock<FormTarget> = LazyLock::new(|| {
    let base = json!({
        "normal_return_url": "https://shop.example/return",
        "automatic_return_url": "https://shop.example/notify",
    });
    let with = |extra: serde_json::Value| {
        let mut c = base.clone();
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        c
    };
    FormTarget {
        // The simulation merchant's published key (the seeds are sealed with it).
        known: vec![
            backend("sips2", base.clone()),
            backend("sips2", with(json!({"seal_algorithm": "HMAC-SHA-256"}))),
        ],
        blind: vec![
            backend("sips2", with(json!({"secret_key": "fuzz-never-seen-key"}))),
            backend(
                "sips2",
                with(
                    json!({"secret_key": "fuzz-never-seen-key", "seal_algorithm": "HMAC-SHA-256"}),
                ),
            ),
        ],
    }
});

fuzz_target!(|data: &[u8]| {
    TARGET.run(data);
    drive_with_reply(&*TARGET.known[0], &http_reply(data));
});
