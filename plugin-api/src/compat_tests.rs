//! Minor versions meeting: this (1.1) host with a 1.1 plugin (configuration warnings, bodies as
//! text) and with a 1.0 plugin, which gets only what 1.0 defines.
#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use polypay_core::{
    Amount, BackendFactory, Context, FieldError, Incoming, PaymentRequest, Registry, Secret,
};
use polypay_dummy::{DummyFactory, Outcome, Simulator};
use serde_json::{Map, Value, json};

use crate::host::{PluginLibrary, register};
use crate::sdk::Plugin;

/// The dummy, warning when it has no secret (its returns are then unsigned).
struct Warning;

impl BackendFactory for Warning {
    fn kind(&self) -> &str {
        "dummy"
    }
    fn description(&self) -> polypay_core::Description {
        DummyFactory.description()
    }
    fn build(
        &self,
        config: &Map<String, Value>,
    ) -> polypay_core::Result<Arc<dyn polypay_core::Backend>> {
        DummyFactory.build(config)
    }
    fn warnings(&self, config: &Map<String, Value>) -> Vec<FieldError> {
        if config.contains_key("secret") {
            Vec::new()
        } else {
            vec![FieldError::new("secret", "not set: returns are unsigned")]
        }
    }
}

static WARNING: LazyLock<Plugin> =
    LazyLock::new(|| Plugin::new("warning", "0.0.0", vec![&Warning]));

thread_local! {
    /// The requests the plugin received on this thread (a call runs on its caller's thread).
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The plugin's dispatch, keeping a copy of every request.
unsafe extern "C" fn recording_dispatch(
    req_ptr: *const u8,
    req_len: usize,
    ctx: *mut std::ffi::c_void,
    reply: crate::ReplyCallback,
) {
    // SAFETY: the host's contract: `req_len` readable bytes at `req_ptr` during this call.
    let bytes = unsafe { std::slice::from_raw_parts(req_ptr, req_len) };
    SEEN.with(|s| {
        s.borrow_mut()
            .push(String::from_utf8_lossy(bytes).into_owned())
    });
    // SAFETY: forwarded unchanged from the host, whose contract is the same.
    unsafe { crate::sdk::dispatch(&WARNING, req_ptr, req_len, ctx, reply) }
}

extern "C" fn version_1_0() -> u32 {
    1 << 16
}

extern "C" fn version_1_1() -> u32 {
    (1 << 16) | 1
}

extern "C" fn version_2_0() -> u32 {
    2 << 16
}

fn config(secret: bool) -> Map<String, Value> {
    let mut c = json!({"normal_return_url": "https://shop.example/return"});
    if secret {
        c["secret"] = json!("s3");
    }
    c.as_object().cloned().unwrap_or_default()
}

fn registry(version: crate::VersionFn) -> Registry {
    let lib = PluginLibrary::from_symbols("warning.so", version, recording_dispatch).unwrap();
    let mut registry = Registry::new();
    register(&mut registry, lib).unwrap();
    registry
}

fn seen() -> Vec<String> {
    SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

/// A signed dummy return posted as a form (a body, not a query).
fn posted_return(backend: &dyn polypay_core::Backend) -> Incoming {
    let cx = Context::fixed("2026-01-01T00:00:00Z".parse().unwrap(), [3; 32]);
    let req = PaymentRequest::new(Amount::parse("EUR:4.20").unwrap());
    let intent = backend.request(&req, cx).unwrap().done().unwrap();
    let back = Simulator::new(Some(Secret::new("s3")))
        .complete(&intent, Outcome::Paid, cx.now)
        .unwrap();
    Incoming::post_form(back.query)
}

#[test]
fn a_1_1_plugin_reports_configuration_warnings_like_a_static_factory() {
    let registry = registry(version_1_1);
    let factory = registry.factory("dummy").unwrap();
    assert_eq!(
        factory.warnings(&config(false)),
        Warning.warnings(&config(false))
    );
    assert_eq!(factory.warnings(&config(false)).len(), 1);
    assert!(factory.warnings(&config(true)).is_empty());
    assert!(
        seen()
            .iter()
            .any(|r| r.starts_with(r#"{"message":"warnings""#))
    );
}

#[test]
fn a_1_1_plugin_gets_bodies_as_text_and_verifies_them_like_the_static_backend() {
    let registry = registry(version_1_1);
    let backend = registry.build("dummy", &config(true)).unwrap();
    let direct = DummyFactory.build(&config(true)).unwrap();
    let incoming = posted_return(&*direct);
    let cx = Context::fixed("2026-01-01T00:00:01Z".parse().unwrap(), [4; 32]);
    seen();
    let through = backend.response(&incoming, cx).unwrap().done().unwrap();
    assert!(through.is_paid());
    assert_eq!(
        through,
        direct.response(&incoming, cx).unwrap().done().unwrap()
    );
    let text = std::str::from_utf8(&incoming.body).unwrap();
    let sent = seen();
    assert!(
        sent[0].contains(&serde_json::to_string(&json!({ "body": text })).unwrap()[1..]),
        "{sent:?}"
    );
    assert!(sent[0].contains(r#""now_unix":[1767225601,0]"#), "{sent:?}");
}

#[test]
fn a_1_0_plugin_is_never_sent_what_1_0_does_not_define() {
    let registry = registry(version_1_0);
    assert_eq!(
        PluginLibrary::from_symbols("old.so", version_1_0, recording_dispatch)
            .unwrap()
            .abi_minor(),
        0
    );
    let factory = registry.factory("dummy").unwrap();
    // A 1.0 plugin has no way to report warnings: none, and nothing asked.
    seen();
    assert!(factory.warnings(&config(false)).is_empty());
    assert!(seen().is_empty());
    // Bodies go as 1.0's byte arrays, and the plugin still verifies them.
    let backend = registry.build("dummy", &config(true)).unwrap();
    let incoming = posted_return(&*backend);
    let cx = Context::fixed("2026-01-01T00:00:01Z".parse().unwrap(), [4; 32]);
    seen();
    assert!(
        backend
            .response(&incoming, cx)
            .unwrap()
            .done()
            .unwrap()
            .is_paid()
    );
    let first = incoming.body[0];
    let sent = seen();
    assert!(
        sent[0].contains(&format!(r#""body":[{first},"#)),
        "{sent:?}"
    );
    // The clock as 1.0's text, not 1.1's integer pair.
    assert!(
        sent[0].contains(r#""now":"2026-01-01T00:00:01Z""#),
        "{sent:?}"
    );
    assert!(!sent[0].contains("now_unix"), "{sent:?}");
}

#[test]
fn in_process_symbols_are_version_checked_like_a_library() {
    let err = PluginLibrary::from_symbols("new.so", version_2_0, recording_dispatch).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin new.so: ABI version 2.0 is not supported (this host speaks 1.x)"
    );
}
