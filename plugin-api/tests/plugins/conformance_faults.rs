//! The conformance suite over plugins that load but misbehave (issue 8): a real library
//! (`tests/fixtures/bad_call`) that describes itself and opens instances like the dummy, then
//! on every `call` panics, writes garbage, writes nothing, writes twice, or writes JSON of the
//! wrong shape, one way per kind. The suite must finish (no crash, no hang) and report named
//! failures whose messages name the plugin file and what went wrong. Plugins refused at load
//! (wrong ABI version, `panic = "abort"`, not a plugin) are in `faults.rs`: no backend of
//! theirs reaches a registry, so there is nothing to run the suite on.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use polypay_core::testkit::{Harness, Report, Verdict, run_conformance};
use polypay_core::{BackendFactory, Registry, Secret};
use polypay_dummy::Simulator;
use polypay_plugin_api::host::load_plugin;

fn bad_call() -> PathBuf {
    crate::build::fixture("bad_call", "polypay_fixture_bad_call")
}

fn harness(factory: Arc<dyn BackendFactory>) -> Harness {
    let config = serde_json::json!({
        "normal_return_url": "https://shop.example/return",
        "automatic_return_url": "https://shop.example/notify",
        "secret": "conformance-secret"
    });
    Harness::new(
        factory,
        config.as_object().cloned().unwrap(),
        Arc::new(Simulator::new(Some(Secret::new("conformance-secret")))),
    )
}

/// Runs the suite on another thread, failing the test if it does not finish in time.
fn run(factory: Arc<dyn BackendFactory>) -> Report {
    let (tx, rx) = mpsc::channel();
    let h = harness(factory);
    std::thread::spawn(move || {
        let _ = tx.send(run_conformance(&h));
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("the conformance suite finished")
}

#[test]
fn a_plugin_misbehaving_on_call_fails_conformance_by_name() {
    let path = bad_call();
    let mut registry = Registry::new();
    let mut kinds = load_plugin(&mut registry, &path, None).unwrap();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "bad_call_garbage",
            "bad_call_panic",
            "bad_call_shape",
            "bad_call_silent",
            "bad_call_twice"
        ]
    );
    let named = format!("plugin {}: ", path.display());
    for (kind, what) in [
        ("bad_call_panic", "the plugin panicked: request exploded"),
        ("bad_call_garbage", "malformed reply"),
        ("bad_call_silent", "the plugin never wrote a reply"),
        ("bad_call_twice", "malformed reply: written 2 times"),
        ("bad_call_shape", "malformed reply"),
    ] {
        let report = run(registry.factory(kind).unwrap().clone());
        // `describe` and `open` behave: the suite gets as far as the operations.
        assert_eq!(
            report.verdict("description.sane"),
            Some(&Verdict::Pass),
            "{kind}\n{report}"
        );
        assert_eq!(
            report.verdict("build.valid_config"),
            Some(&Verdict::Pass),
            "{kind}\n{report}"
        );
        assert!(!report.is_success(), "{kind}\n{report}");
        let failures: Vec<_> = report.failures().collect();
        assert!(failures.len() >= 3, "{kind}\n{report}");
        for check in &failures {
            let Verdict::Fail(message) = &check.verdict else {
                unreachable!()
            };
            assert!(
                !message.starts_with("panicked"),
                "{kind}: {}: the host panicked: {message}",
                check.name
            );
        }
        // Every failure of a payment request names the plugin and the fault.
        let text = report.to_string();
        assert!(
            text.contains(&format!("{named}{what}")),
            "{kind}: expected {named}{what} in\n{text}"
        );
    }
}

#[test]
fn the_host_survives_and_a_good_kind_of_the_same_library_still_works() {
    // The faults of one instance leave the library usable: describe again, open again.
    let path = bad_call();
    let mut registry = Registry::new();
    load_plugin(&mut registry, &path, None).unwrap();
    let factory = registry.factory("bad_call_silent").unwrap().clone();
    for _ in 0..3 {
        let report = run(factory.clone());
        assert_eq!(report.verdict("build.valid_config"), Some(&Verdict::Pass));
    }
    assert_eq!(
        registry.describe("bad_call_shape").unwrap().kind,
        "bad_call_shape"
    );
}
