//! Plugins the host must refuse with a clear error: a wrong ABI version (a real library built
//! by the test), a real library built with `panic = "abort"`, and a library that is not a plugin
//! at all.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use polypay_core::Registry;
use polypay_plugin_api::host::load_plugin;

fn build_wrong_version() -> PathBuf {
    crate::build::fixture("wrong_version", "polypay_fixture_wrong_version")
}

#[test]
fn a_wrong_major_version_is_refused_before_anything_else() {
    let path = build_wrong_version();
    let mut registry = Registry::new();
    let err = load_plugin(&mut registry, &path, None).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("plugin {}: ", path.display())),
        "{text}"
    );
    assert!(text.contains("ABI version 2.0 is not supported"), "{text}");
    assert!(registry.kinds().is_empty());
}

#[test]
fn a_library_built_with_panic_abort_is_refused() {
    let path = crate::build::fixture("panic_abort", "polypay_fixture_panic_abort");
    let mut registry = Registry::new();
    let err = load_plugin(&mut registry, &path, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "plugin {}: built with panic = \"abort\"; plugins must unwind",
            path.display()
        )
    );
    assert!(registry.kinds().is_empty());
}

#[test]
fn a_missing_file_is_named() {
    let err = load_plugin(&mut Registry::new(), Path::new("no/such/plugin.so"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("plugin no/such/plugin.so: cannot find the library: "),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_library_without_the_symbols_is_not_a_plugin() {
    // The C library this process runs with: a real shared library, not a plugin.
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let libc = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("libc.so") || p.contains("libc-"))
        .unwrap();
    let err = load_plugin(&mut Registry::new(), Path::new(libc), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("not a polypay plugin (missing polypay_plugin_abi_version)"),
        "{err}"
    );
}
