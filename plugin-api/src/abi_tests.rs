//! The dummy backend exported with `export_plugin!` inside this test binary and driven through
//! the very same ABI path (JSON, dispatch, callback) a loaded library takes.

use std::sync::Arc;

use polypay_core::testkit::{Harness, Verdict, run_conformance};
use polypay_core::{Registry, Secret};
use polypay_dummy::{DummyFactory, Simulator};

use crate::host::{PluginLibrary, register};
use crate::wire::v1::Request;

crate::export_plugin!(DummyFactory);

fn in_process() -> PluginLibrary {
    PluginLibrary::from_dispatch("in-process", polypay_plugin_dispatch)
}

fn harness(factory: Arc<dyn polypay_core::BackendFactory>) -> Harness {
    let config = serde_json::json!({
        "normal_return_url": "https://shop.example/return",
        "automatic_return_url": "https://shop.example/notify",
        "secret": "conformance-secret"
    });
    Harness::new(
        factory,
        config.as_object().cloned().unwrap_or_default(),
        Arc::new(Simulator::new(Some(Secret::new("conformance-secret")))),
    )
}

#[test]
fn version_symbol_reports_this_abi() {
    assert_eq!(polypay_plugin_abi_version(), crate::ABI_VERSION);
    assert_eq!(crate::ABI_VERSION, (1 << 16) | 1);
}

#[test]
fn dummy_through_the_abi_matches_the_static_dummy() {
    let mut registry = Registry::new();
    let kinds = register(&mut registry, in_process()).unwrap();
    assert_eq!(kinds, ["dummy"]);
    let through = run_conformance(&harness(registry.factory("dummy").unwrap().clone()));
    let direct = run_conformance(&harness(Arc::new(DummyFactory)));
    assert!(through.is_success(), "{through}");
    assert_eq!(through.failures().count(), 0);
    assert_eq!(through.to_string(), direct.to_string());
    assert_eq!(
        through.verdict("response.tampered_never_paid"),
        Some(&Verdict::Pass)
    );
    assert_eq!(
        registry.describe("dummy").unwrap(),
        polypay_core::BackendFactory::description(&DummyFactory)
    );
}

#[test]
fn configuration_errors_come_back_like_a_static_backends() {
    let mut registry = Registry::new();
    register(&mut registry, in_process()).unwrap();
    let Err(through) = registry.build("dummy", &serde_json::Map::new()) else {
        panic!("an empty configuration was accepted through the plugin");
    };
    let Err(direct) = polypay_core::BackendFactory::build(&DummyFactory, &serde_json::Map::new())
    else {
        panic!("an empty configuration was accepted");
    };
    assert_eq!(through.to_string(), direct.to_string());
    assert_eq!(through.kind(), direct.kind());
}

#[test]
fn garbage_requests_and_unknown_handles_get_error_replies() {
    let lib = in_process();
    let err = lib
        .send(&Request::Close { instance: 0 })
        .map(|_| ())
        .and_then(|_| {
            lib.send(&Request::Open {
                kind: "nope".into(),
                config: Default::default(),
            })
        })
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let reply = __POLYPAY_PLUGIN.handle(b"\xff not json");
    let text = String::from_utf8(reply).unwrap();
    assert!(text.starts_with(r#"{"error":"#), "{text}");
}

/// A factory that panics in everything it does.
struct Panicky;

impl polypay_core::BackendFactory for Panicky {
    fn kind(&self) -> &str {
        panic!("kind exploded")
    }
    fn description(&self) -> polypay_core::Description {
        panic!("description exploded")
    }
    fn build(
        &self,
        _: &serde_json::Map<String, serde_json::Value>,
    ) -> polypay_core::Result<Arc<dyn polypay_core::Backend>> {
        panic!("build exploded")
    }
}

static PANICKY: std::sync::LazyLock<crate::sdk::Plugin> =
    std::sync::LazyLock::new(|| crate::sdk::Plugin::new("panicky", "0.0.0", vec![&Panicky]));

unsafe extern "C" fn panicky_dispatch(
    req_ptr: *const u8,
    req_len: usize,
    ctx: *mut std::ffi::c_void,
    reply: crate::ReplyCallback,
) {
    // SAFETY: forwarded unchanged from the host, whose contract is the same.
    unsafe { crate::sdk::dispatch(&PANICKY, req_ptr, req_len, ctx, reply) }
}

unsafe extern "C" fn garbage_dispatch(
    _req_ptr: *const u8,
    _req_len: usize,
    ctx: *mut std::ffi::c_void,
    reply: crate::ReplyCallback,
) {
    let junk = b"\x00\xffnot a reply";
    reply(ctx, junk.as_ptr(), junk.len());
}

unsafe extern "C" fn silent_dispatch(
    _req_ptr: *const u8,
    _req_len: usize,
    _ctx: *mut std::ffi::c_void,
    _reply: crate::ReplyCallback,
) {
}

#[test]
fn a_panicking_plugin_is_an_error_reply_and_the_host_survives() {
    let lib = PluginLibrary::from_dispatch("panicky.so", panicky_dispatch);
    let err = register(&mut Registry::new(), lib.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin panicky.so: the plugin panicked: description exploded"
    );
    let err = lib
        .send(&Request::Open {
            kind: "x".into(),
            config: Default::default(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("kind exploded"), "{err}");
}

#[test]
fn garbage_and_silence_are_clear_errors_naming_the_plugin() {
    let err = register(
        &mut Registry::new(),
        PluginLibrary::from_dispatch("garbage.so", garbage_dispatch),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("plugin garbage.so: malformed reply"),
        "{err}"
    );
    let err = register(
        &mut Registry::new(),
        PluginLibrary::from_dispatch("silent.so", silent_dispatch),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin silent.so: the plugin never wrote a reply"
    );
}

unsafe extern "C" fn abort_built_dispatch(
    _req_ptr: *const u8,
    _req_len: usize,
    ctx: *mut std::ffi::c_void,
    reply: crate::ReplyCallback,
) {
    let info = br#"{"ok":{"name":"a","version":"1","api_version":"0.1.0","panic_strategy":"abort","backends":[]}}"#;
    reply(ctx, info.as_ptr(), info.len());
}

#[test]
fn a_plugin_built_with_panic_abort_is_refused() {
    let err = register(
        &mut Registry::new(),
        PluginLibrary::from_dispatch("abort.so", abort_built_dispatch),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin abort.so: built with panic = \"abort\"; plugins must unwind"
    );
}

unsafe extern "C" fn stutter_dispatch(
    _req_ptr: *const u8,
    _req_len: usize,
    ctx: *mut std::ffi::c_void,
    reply: crate::ReplyCallback,
) {
    let ok = br#"{"ok":null}"#;
    reply(ctx, ok.as_ptr(), ok.len());
    reply(ctx, ok.as_ptr(), ok.len());
}

#[test]
fn two_replies_to_one_request_are_malformed() {
    let err = PluginLibrary::from_dispatch("stutter.so", stutter_dispatch)
        .send(&Request::Close { instance: 1 })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin stutter.so: malformed reply: written 2 times"
    );
}

#[test]
fn a_taken_kind_registers_nothing_from_the_plugin() {
    let mut registry = Registry::new();
    registry.register(Arc::new(DummyFactory)).unwrap();
    let err = register(&mut registry, in_process()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin in-process: exports the backend kind \"dummy\", which is already registered \
         (built in or by another plugin); nothing of this plugin was registered"
    );
    assert_eq!(registry.kinds(), ["dummy"]);
}

static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The dummy, counting how many instances the plugin builds.
struct Counting;

impl polypay_core::BackendFactory for Counting {
    fn kind(&self) -> &str {
        "dummy"
    }
    fn description(&self) -> polypay_core::Description {
        polypay_core::BackendFactory::description(&DummyFactory)
    }
    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> polypay_core::Result<Arc<dyn polypay_core::Backend>> {
        BUILDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        polypay_core::BackendFactory::build(&DummyFactory, config)
    }
}

static COUNTING: std::sync::LazyLock<crate::sdk::Plugin> =
    std::sync::LazyLock::new(|| crate::sdk::Plugin::new("counting", "0.0.0", vec![&Counting]));

unsafe extern "C" fn counting_dispatch(
    req_ptr: *const u8,
    req_len: usize,
    ctx: *mut std::ffi::c_void,
    reply: crate::ReplyCallback,
) {
    // SAFETY: forwarded unchanged from the host, whose contract is the same.
    unsafe { crate::sdk::dispatch(&COUNTING, req_ptr, req_len, ctx, reply) }
}

#[test]
fn an_instance_is_opened_once_and_every_call_reuses_it() {
    use polypay_core::{Amount, Context, PaymentRequest};
    let mut registry = Registry::new();
    register(
        &mut registry,
        PluginLibrary::from_dispatch("counting", counting_dispatch),
    )
    .unwrap();
    let config = serde_json::json!({
        "normal_return_url": "https://shop.example/return",
        "secret": "s"
    });
    let backend = registry
        .build("dummy", config.as_object().unwrap())
        .unwrap();
    let cx = Context::fixed("2026-01-01T00:00:00Z".parse().unwrap(), [1; 32]);
    let req = PaymentRequest::new(Amount::parse("EUR:2.00").unwrap());
    for _ in 0..5 {
        backend.request(&req, cx).unwrap().done().unwrap();
    }
    assert_eq!(BUILDS.load(std::sync::atomic::Ordering::SeqCst), 1);
}
