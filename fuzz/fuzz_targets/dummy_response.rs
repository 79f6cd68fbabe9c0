//! The dummy backend's returns (HMAC-SHA-256 `sig`) through `Backend::response`.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_fuzz::{FormTarget, backend};
use serde_json::json;

static TARGET: LazyLock<FormTarget> = LazyLock::new(|| {
    let config = |secret: &str| json!({"normal_return_url": "https://shop.example/return", "secret": secret});
    FormTarget {
        // The seeds are signed with "fuzz-dummy-secret" (fuzz/make_seeds.py).
        known: vec![
            backend("dummy", config("fuzz-dummy-secret")),
            backend(
                "dummy",
                json!({"normal_return_url": "https://shop.example/return"}),
            ),
        ],
        blind: vec![backend("dummy", config("fuzz-never-seen-key"))],
    }
});

fuzz_target!(|data: &[u8]| TARGET.run(data));
