//! TIPI / PayFiP returns through `Backend::response`. They carry no signature: unless
//! `trust_unsigned_returns` is set, no input may ever be verified.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_fuzz::{FormTarget, backend};
use serde_json::json;

static TARGET: LazyLock<FormTarget> = LazyLock::new(|| {
    let base = json!({
        "numcli": "123456", "saisie": "T",
        "automatic_return_url": "https://town.example/notify",
    });
    let mut trusting = base.clone();
    trusting["trust_unsigned_returns"] = json!(true);
    FormTarget {
        known: vec![backend("tipi", trusting)],
        blind: vec![backend("tipi", base)],
    }
});

fuzz_target!(|data: &[u8]| TARGET.run(data));
