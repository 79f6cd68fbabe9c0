//! Configuration files: `ConfigFile::from_toml_str`, then the check against the built-in
//! registry (every backend's schema validation and factory), its warnings, and the round
//! trip of what `to_toml` writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polypay_core::config::ConfigFile;
use polypay_fuzz::REGISTRY;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = ConfigFile::from_toml_str(text) else {
        return;
    };
    let errors = file.check(&REGISTRY);
    let _ = file.warnings(&REGISTRY);
    for name in file.names() {
        let _ = file.build_instance(&REGISTRY, Some(name));
    }
    let written = file.to_toml();
    let back = ConfigFile::from_toml_str(&written)
        .unwrap_or_else(|e| panic!("to_toml wrote a file that does not parse: {e}\n{written}"));
    assert_eq!(back, file, "to_toml round trip\n{written}");
    assert_eq!(back.check(&REGISTRY).is_empty(), errors.is_empty());
});
