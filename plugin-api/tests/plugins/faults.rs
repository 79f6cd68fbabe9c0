//! Plugins the host must refuse with a clear error: a wrong ABI version (a real library built
//! by the test) and a library that is not a plugin at all.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use polypay_core::Registry;
use polypay_plugin_api::host::load_plugin;

fn build_wrong_version() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target_dir = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("fixtures");
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wrong_version/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .unwrap();
    assert!(status.success());
    target_dir.join("debug").join(format!(
        "{}polypay_fixture_wrong_version{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
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

#[cfg(target_os = "linux")]
#[test]
fn a_library_without_the_symbols_is_not_a_plugin() {
    let err = load_plugin(&mut Registry::new(), Path::new("libc.so.6"), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("not a polypay plugin (missing polypay_plugin_abi_version)"),
        "{err}"
    );
}
