//! The configuration example on every kind's documentation page loads and builds (so the
//! pages cannot drift from the configuration schema).

use polypay_core::Registry;
use polypay_core::config::ConfigFile;

/// Each page, and the kinds its examples configure.
const PAGES: &[(&str, &str, &[&str])] = &[
    (
        "systempay",
        include_str!("systempay/mod.rs"),
        &["systempayv2", "payzen"],
    ),
    ("sips2", include_str!("sips2/mod.rs"), &["sips2"]),
    ("paybox", include_str!("paybox/mod.rs"), &["paybox"]),
    ("ogone", include_str!("ogone/mod.rs"), &["ogone"]),
    ("tipi", include_str!("tipi/mod.rs"), &["tipi"]),
];

/// What the examples' environment variables would hold.
const ENV: &[(&str, &str)] = &[
    ("SYSTEMPAY_SECRET_TEST", "1122334455667788"),
    ("SYSTEMPAY_SECRET_PRODUCTION", "8877665544332211"),
    ("PAYZEN_SECRET_TEST", "1122334455667788"),
    ("SIPS_SECRET_KEY", "a-production-secret-key"),
    (
        "PAYBOX_HMAC_KEY",
        "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    ),
    ("PAYBOX_DIRECT_KEY", "1999888I"),
    ("OGONE_SHA_IN", "in-secret"),
    ("OGONE_SHA_OUT", "out-secret"),
];

/// The ```toml blocks of a module's `//!` documentation.
fn toml_blocks(source: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in source.lines().filter_map(|l| l.strip_prefix("//!")) {
        let line = line.strip_prefix(' ').unwrap_or(line);
        match (&mut current, line.trim()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_kind_has_a_configuration_example_that_loads() {
    crate::link();
    let registry = Registry::from_inventory().unwrap();
    let mut documented = Vec::new();
    for (page, source, kinds) in PAGES {
        let blocks = toml_blocks(source);
        assert!(!blocks.is_empty(), "{page} has no configuration example");
        for block in blocks {
            let mut text = block.clone();
            for (name, value) in ENV {
                text = text.replace(&format!("{{ env = \"{name}\" }}"), &format!("{value:?}"));
            }
            assert!(
                !text.contains("env ="),
                "{page}: an unknown variable in\n{block}"
            );
            let file =
                ConfigFile::from_toml_str(&text).unwrap_or_else(|e| panic!("{page}: {e}\n{text}"));
            let built = file
                .build(&registry)
                .unwrap_or_else(|e| panic!("{page}: {e}\n{text}"));
            for (_, backend) in built.iter() {
                assert!(
                    kinds.contains(&backend.kind()),
                    "{page}: {}",
                    backend.kind()
                );
                documented.push(backend.kind().to_owned());
            }
        }
    }
    documented.sort();
    documented.dedup();
    assert_eq!(
        documented,
        ["ogone", "paybox", "payzen", "sips2", "systempayv2", "tipi"]
    );
}
