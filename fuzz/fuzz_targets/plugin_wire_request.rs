//! Plugin wire v1, host → plugin: the plugin side decodes and answers any bytes
//! (`sdk::Plugin::handle`, what `polypay_plugin_dispatch` runs). Whatever comes in, the
//! plugin answers one well-formed `Reply`, and a response it reports fails closed. The
//! plugin's fast reader of a call (the host's exact shape) reads what serde reads whenever it
//! takes a request.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_core::{BackendFactory, PaymentResponse};
use polypay_plugin_api::sdk::Plugin;
use polypay_plugin_api::wire::v1::call::ParsedRequest;
use polypay_plugin_api::wire::v1::{CallOperation, Reply, Request, WireStep};
use serde_json::json;

fn factories() -> Vec<&'static dyn BackendFactory> {
    vec![
        &polypay_dummy::DummyFactory,
        &polypay_bankform::systempay::SystemPayFactory,
        &polypay_bankform::sips2::Sips2Factory,
    ]
}

/// A plugin with three open instances: 1 dummy, 2 systempayv2, 3 sips2 (with office steps).
/// Calls only read them (these backends keep no state), so it is shared by every run.
static OPENED: LazyLock<Plugin> = LazyLock::new(|| {
    let plugin = Plugin::new("fuzz", "0", factories());
    for (kind, config) in [
        (
            "dummy",
            json!({"normal_return_url": "https://shop.example/r", "secret": "fuzz-dummy-secret"}),
        ),
        (
            "systempayv2",
            json!({"secret_test": "1122334455667788", "vads_site_id": "12345678",
            "normal_return_url": "https://shop.example/return"}),
        ),
        (
            "sips2",
            json!({"normal_return_url": "https://shop.example/return"}),
        ),
    ] {
        let open = json!({"message": "open", "kind": kind, "config": config});
        let reply: Reply =
            serde_json::from_slice(&plugin.handle(open.to_string().as_bytes())).unwrap();
        assert!(matches!(reply, Reply::Ok(_)), "{kind}: {reply:?}");
    }
    plugin
});

fuzz_target!(|data: &[u8]| {
    // The plugin's fast reader of a bank return's call (the host's exact shape) gives what
    // serde's reading gives, whenever it takes a request at all.
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(fast) = ParsedRequest::from_call_fast(text)
    {
        assert_eq!(
            Some(fast),
            serde_json::from_str::<ParsedRequest>(text).ok(),
            "{text}"
        );
    }
    let parsed = serde_json::from_slice::<Request>(data).ok();
    // Open and close change the instance table: they run on a plugin of their own.
    let fresh;
    let plugin = match parsed {
        Some(Request::Call { .. }) | None => &*OPENED,
        Some(_) => {
            fresh = Plugin::new("fuzz", "0", factories());
            &fresh
        }
    };
    let out = plugin.handle(data);
    let reply: Reply = serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("the plugin wrote a malformed reply: {e}"));
    if let (Some(Request::Call { operation, .. }), Reply::Ok(v)) = (parsed, reply)
        && matches!(
            operation,
            CallOperation::Response
                | CallOperation::Status
                | CallOperation::Cancel
                | CallOperation::Validate
                | CallOperation::Refund
        )
    {
        let step: WireStep = serde_json::from_value(v).expect("a call replies a step");
        if let WireStep::Done(r) = step {
            let r: PaymentResponse = serde_json::from_value(r).expect("a response");
            polypay_fuzz::check_response(&r);
        }
    }
});
