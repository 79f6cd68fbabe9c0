//! Plugin wire v1, plugin → host: the host loader decodes whatever a plugin writes back —
//! `describe` (kinds and JSON schemas), `open`, and each `call`'s step or error — through the
//! real ABI path (`PluginLibrary::from_dispatch` over a dispatch function that answers the
//! fuzz bytes). A broken plugin gives errors, never a panic of the host, and a response it
//! reports fails closed. The host's fast reader of a response (the writer's exact shape) gives
//! what serde's reading gives whenever it takes a reply.
//!
//! Input: the first byte picks which message gets the fuzz bytes as its reply (`9`: the
//! `warnings` of ABI 1.1); the messages before it get a valid reply.
#![no_main]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_core::{
    Adjustment, Amount, BackendFactory, Incoming, PaymentRequest, StatusQuery, Step,
};
use polypay_fuzz::{check_step, cx};
use polypay_plugin_api::ReplyCallback;
use polypay_plugin_api::host::{PluginFactory, PluginLibrary};
use polypay_plugin_api::sdk::Plugin;
use polypay_plugin_api::wire::v1::call::{ReplyOf, StepOf};
use polypay_plugin_api::wire::v1::response::ResponseOf;
use serde_json::json;

thread_local! {
    /// The replies the fake plugin writes, in order; `{"ok":null}` once they run out.
    static REPLIES: RefCell<VecDeque<Vec<u8>>> = const { RefCell::new(VecDeque::new()) };
}

/// A plugin's dispatch entry point that answers the queued bytes whatever it is asked.
unsafe extern "C" fn fake_dispatch(
    _req_ptr: *const u8,
    _req_len: usize,
    ctx: *mut c_void,
    reply: ReplyCallback,
) {
    let out = REPLIES
        .with(|q| q.borrow_mut().pop_front())
        .unwrap_or_else(|| br#"{"ok":null}"#.to_vec());
    reply(ctx, out.as_ptr(), out.len());
}

/// Valid `describe` and `open` replies, from a real plugin exporting the dummy backend.
static VALID: LazyLock<(Vec<u8>, Vec<u8>)> = LazyLock::new(|| {
    let plugin = Plugin::new("fuzz", "0", vec![&polypay_dummy::DummyFactory]);
    let describe = plugin.handle(br#"{"message":"describe"}"#);
    let open = plugin.handle(
        json!({"message": "open", "kind": "dummy",
            "config": {"normal_return_url": "https://shop.example/r"}})
        .to_string()
        .as_bytes(),
    );
    (describe, open)
});

/// The host's fast reader of a finished response (the plugin writer's exact shape) gives what
/// serde's reading gives, whenever it takes a reply at all.
fn check_fast_reader(reply: &[u8]) {
    let Ok(text) = std::str::from_utf8(reply) else {
        return;
    };
    let Some(fast) = ResponseOf::from_done_reply(text) else {
        return;
    };
    let slow = match serde_json::from_str::<ReplyOf<StepOf<ResponseOf>>>(text) {
        Ok(ReplyOf::Ok(StepOf::Done(r))) => r.0,
        other => panic!("the fast reader took a reply serde reads as {other:?}: {text}"),
    };
    assert_eq!(fast, slow, "{text}");
    assert_eq!(
        serde_json::to_string(&fast).unwrap(),
        serde_json::to_string(&slow).unwrap()
    );
    polypay_fuzz::check_response(&fast);
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, reply)) = data.split_first() else {
        return;
    };
    check_fast_reader(reply);
    let stage = first.wrapping_sub(b'0') % 10;
    let (describe, open) = &*VALID;
    REPLIES.with(|q| {
        let mut q = q.borrow_mut();
        q.clear();
        if stage > 0 {
            q.push_back(describe.clone());
        }
        if stage > 1 {
            q.push_back(open.clone());
        }
        q.push_back(reply.to_vec());
    });
    let lib = PluginLibrary::from_dispatch("fuzz-plugin", fake_dispatch);
    let Ok(factories) = PluginFactory::all(lib) else {
        return;
    };
    for factory in factories {
        let _ = factory.description();
        let Ok(backend) = factory.build(&serde_json::Map::new()) else {
            continue;
        };
        let _ = backend.capabilities();
        let eur = Amount::parse("EUR:10.00").unwrap();
        let adj = Adjustment::new("t1", eur);
        match stage {
            2 => check_step(&backend.response(&Incoming::get("transaction_id=t1"), cx())),
            3 => check_step(&backend.status(&StatusQuery::new("t1"), cx())),
            4 => check_step(&backend.refund(&adj, cx())),
            5 => check_step(&backend.cancel(&adj, cx())),
            6 => check_step(&backend.validate(&adj, cx())),
            7 => {
                if let Ok(Step::Done(intent)) = backend.request(&PaymentRequest::new(eur), cx()) {
                    serde_json::to_value(intent).expect("an intent serialises");
                }
            }
            9 => {
                let _ = factory.warnings(&serde_json::Map::new());
            }
            _ => {
                let _ = backend.guess(&Incoming::get("transaction_id=t1"));
            }
        }
    }
    REPLIES.with(|q| q.borrow_mut().clear());
});
