//! Builds real plugin libraries for tests and benchmarks, with the cargo that runs them.
//!
//! Shared (through `#[path]`) by plugin-api's tests, its benchmark and the facade's integration
//! tests. Every library is built once per process and copied to a directory of its own, named
//! after the features: the example plugin is built with and without `reexport-dummy` into the
//! same target directory, where the last build would otherwise replace the other's file (and
//! replacing a loaded library in place can crash the process using it; a rename cannot).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The target directory and profile of the running test or bench binary
/// (`target/<profile>/deps/<binary>`).
fn target_and_profile() -> (PathBuf, String) {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<binary>");
    let profile = profile_dir
        .file_name()
        .expect("profile directory")
        .to_string_lossy()
        .into_owned();
    let target = profile_dir
        .parent()
        .expect("target directory")
        .to_path_buf();
    (target, profile)
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn profile_args(cmd: &mut Command, profile: &str) {
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
}

/// `lib<name>.so` (or the platform's spelling).
pub fn library_file(crate_name: &str) -> String {
    format!(
        "{}{crate_name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Copies `from` into `dir` atomically (copy, then rename over any older copy).
fn place(from: &Path, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let name = from.file_name().unwrap();
    let to = dir.join(name);
    let tmp = dir.join(format!(
        "{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::copy(from, &tmp).unwrap();
    std::fs::rename(&tmp, &to).unwrap();
    to
}

fn once(key: String, build: impl FnOnce() -> PathBuf) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    built.entry(key).or_insert_with(build).clone()
}

/// `examples/plugin` built as a `cdylib` with these features, in the running binary's target
/// directory and profile.
pub fn example_plugin(features: &[&str]) -> PathBuf {
    once(format!("example {features:?}"), || {
        let (target, profile) = target_and_profile();
        let mut cmd = cargo();
        cmd.args(["build", "--quiet", "-p", "polypay-example-plugin"])
            .arg("--target-dir")
            .arg(&target);
        profile_args(&mut cmd, &profile);
        if !features.is_empty() {
            cmd.arg("--features").arg(features.join(","));
        }
        let status = cmd.status().expect("run cargo");
        assert!(status.success(), "building the example plugin failed");
        let tag = if features.is_empty() {
            "default".to_owned()
        } else {
            features.join("+")
        };
        place(
            &target
                .join(&profile)
                .join(library_file("polypay_example_plugin")),
            &target.join(&profile).join("polypay-plugins").join(tag),
        )
    })
}

/// A fixture crate of `plugin-api/tests/fixtures/<name>` (a workspace of its own), built in
/// `target/fixtures`; `crate_name` is its library's name.
pub fn fixture(name: &str, crate_name: &str) -> PathBuf {
    once(format!("fixture {name}"), || {
        let (target, _) = target_and_profile();
        let target = target.join("fixtures");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
            .join("Cargo.toml");
        // The facade's tests include this file too; their manifest dir is the workspace root.
        let manifest = if manifest.exists() {
            manifest
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("plugin-api/tests/fixtures")
                .join(name)
                .join("Cargo.toml")
        };
        let status = cargo()
            .args(["build", "--quiet", "--offline", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target)
            .status()
            .expect("run cargo");
        assert!(status.success(), "building the fixture {name} failed");
        target.join("debug").join(library_file(crate_name))
    })
}
