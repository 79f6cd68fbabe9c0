//! Builds `examples/plugin` as a real `cdylib`, loads it with the host loader, and runs the
//! dummy's conformance suite through it.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use polypay_core::testkit::{Harness, run_conformance};
use polypay_core::{
    Action, Amount, Context, Exchange, HttpResponse, PaymentRequest, PaymentStatus, Registry,
    Secret, StatusQuery, Step,
};
use polypay_dummy::{DummyFactory, Simulator};
use polypay_plugin_api::host::load_plugin;

/// The example plugin's library with the dummy re-exported, built once per test binary.
fn example_plugin() -> PathBuf {
    crate::build::example_plugin(&["reexport-dummy"])
}

fn loaded() -> Registry {
    let mut registry = Registry::new();
    let kinds = load_plugin(&mut registry, &example_plugin(), None).unwrap();
    assert_eq!(kinds, ["manual_transfer", "dummy"]);
    registry
}

fn dummy_harness(factory: Arc<dyn polypay_core::BackendFactory>) -> Harness {
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
fn the_dummy_in_the_cdylib_passes_conformance_like_the_static_one() {
    let registry = loaded();
    let through = run_conformance(&dummy_harness(registry.factory("dummy").unwrap().clone()));
    let direct = run_conformance(&dummy_harness(Arc::new(DummyFactory)));
    assert!(through.is_success(), "{through}");
    assert_eq!(through.to_string(), direct.to_string());
}

#[test]
fn manual_transfer_asks_for_a_reference_and_reads_its_status_over_http() {
    let registry = loaded();
    let desc = registry.describe("manual_transfer").unwrap();
    assert!(desc.parameter("iban").is_some());
    let bad = serde_json::json!({"beneficiary": "Shop", "iban": "FR00 1234", "status_url": "https://books.example/s"});
    let Err(err) = registry.build("manual_transfer", bad.as_object().unwrap()) else {
        panic!("a bad IBAN was accepted");
    };
    assert!(err.to_string().contains("iban"), "{err}");

    let good = serde_json::json!({"beneficiary": "Shop", "iban": "FR76 3000 6000 0112 3456 7890 189", "status_url": "https://books.example/s"});
    let backend = registry
        .build("manual_transfer", good.as_object().unwrap())
        .unwrap();
    let cx = Context::fixed("2026-01-01T00:00:00Z".parse().unwrap(), [7; 32]);
    let amount = "12.50 EUR".parse::<Amount>().unwrap();
    let intent = backend
        .request(&PaymentRequest::new(amount), cx)
        .unwrap()
        .done()
        .unwrap();
    let Action::Html { html } = &intent.action else {
        panic!("{:?}", intent.action)
    };
    assert!(
        html.contains(&intent.transaction_id) && html.contains("FR76"),
        "{html}"
    );

    let query = StatusQuery::new(intent.transaction_id.clone());
    let Step::Http { request, state } = backend.status(&query, cx).unwrap() else {
        panic!("status must ask the bookkeeping endpoint")
    };
    assert!(request.url.as_str().contains(&intent.transaction_id));
    let exchange = Exchange {
        state,
        response: HttpResponse::new(200, r#"{"received": true}"#),
    };
    let done = backend
        .status(&query, cx.with_prior(&exchange))
        .unwrap()
        .done()
        .unwrap();
    assert_eq!(done.status(), PaymentStatus::Paid);
    assert!(done.is_verified());
}

#[test]
fn a_wrong_pin_or_a_missing_file_is_a_clear_plugin_error() {
    let mut registry = Registry::new();
    let err = load_plugin(&mut registry, &example_plugin(), Some(&"0".repeat(64))).unwrap_err();
    assert!(err.to_string().contains("SHA-256 mismatch"), "{err}");
    assert!(err.to_string().contains("polypay_example_plugin"), "{err}");
    let err = load_plugin(
        &mut registry,
        std::path::Path::new("/nonexistent/p.so"),
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("plugin /nonexistent/p.so: "),
        "{err}"
    );
    assert!(registry.kinds().is_empty());
}

#[test]
fn a_library_is_loaded_once_whatever_its_spelling_and_pins_are_checked() {
    use polypay_plugin_api::host::load_shared;
    let path = example_plugin();
    let first = load_shared(&path, None).unwrap();
    let dir = path.parent().unwrap();
    let other_spelling = dir.join(".").join(path.file_name().unwrap());
    let pin = first.sha256().unwrap().to_uppercase();
    let second = load_shared(&other_spelling, Some(&pin)).unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(first.kinds(), ["manual_transfer", "dummy"]);
    assert_eq!(first.name(), "polypay-example-plugin");
    assert_eq!(first.registry().kinds(), ["dummy", "manual_transfer"]);

    let err = load_shared(&path, Some("00")).unwrap_err().to_string();
    assert!(err.contains("is not 64 hexadecimal digits"), "{err}");
    assert!(
        err.starts_with(&format!("plugin {}: ", path.display())),
        "{err}"
    );
}

#[test]
fn a_kind_already_registered_refuses_the_whole_plugin() {
    let mut registry = Registry::new();
    registry.register(Arc::new(DummyFactory)).unwrap();
    let err = load_plugin(&mut registry, &example_plugin(), None).unwrap_err();
    assert_eq!(err.kind(), polypay_core::ErrorKind::Plugin);
    let text = err.to_string();
    assert!(text.contains("polypay_example_plugin"), "{text}");
    assert!(
        text.contains("\"dummy\", which is already registered"),
        "{text}"
    );
    assert_eq!(
        registry.kinds(),
        ["dummy"],
        "manual_transfer must not sneak in"
    );
}

#[test]
fn two_threads_load_the_plugin_at_once() {
    let path = example_plugin();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut registry = Registry::new();
                load_plugin(&mut registry, &path, None).unwrap()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), ["manual_transfer", "dummy"]);
    }
}
