//! The global `--plugin PATH[#SHA256]` option: plugin libraries whose backends join the
//! built-in ones for every subcommand.

use std::collections::BTreeMap;

use super::args::Cli;
use crate::{Registry, RegistryExt, Result};

/// Where a plugin backend of the registry comes from.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    /// The library file, as given.
    pub path: String,
    /// The plugin library.
    #[cfg(feature = "plugins")]
    pub plugin: std::sync::Arc<crate::plugin_api::host::LoadedPlugin>,
}

impl Origin {
    /// The SHA-256 of the library file (hashed when first asked: it costs more than loading).
    pub fn sha256(&self) -> Result<&str> {
        #[cfg(feature = "plugins")]
        return self.plugin.sha256();
        #[cfg(not(feature = "plugins"))]
        Err(crate::Error::invalid_input("built without plugins"))
    }
}

/// Plugin kinds of the registry, with their library.
pub(super) type Origins = BTreeMap<String, Origin>;

/// Splits `PATH#SHA256`: a final `#` followed by hexadecimal digits only is a pin.
pub(super) fn split_pin(arg: &str) -> (&str, Option<&str>) {
    match arg.rsplit_once('#') {
        Some((path, pin))
            if !path.is_empty()
                && !pin.is_empty()
                && pin.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            (path, Some(pin))
        }
        _ => (arg, None),
    }
}

/// The registry for this invocation: the built-in backends and those of every `--plugin`.
pub(super) fn registry(cli: &Cli) -> Result<(Registry, Origins)> {
    let mut registry = Registry::builtin()?;
    let mut origins = Origins::new();
    for arg in &cli.plugins {
        let (path, pin) = split_pin(arg);
        for (kind, origin) in load(&mut registry, path, pin)? {
            origins.insert(kind, origin);
        }
    }
    Ok((registry, origins))
}

/// Adds the plugin's backends (as `Registry::load_plugin` does); returns them with their origin.
#[cfg(feature = "plugins")]
fn load(registry: &mut Registry, path: &str, pin: Option<&str>) -> Result<Vec<(String, Origin)>> {
    let plugin = crate::plugin_api::host::load_shared(std::path::Path::new(path), pin)?;
    let kinds = plugin.register_into(registry)?;
    let origin = Origin {
        path: path.to_owned(),
        plugin,
    };
    Ok(kinds.into_iter().map(|k| (k, origin.clone())).collect())
}

#[cfg(not(feature = "plugins"))]
fn load(_: &mut Registry, path: &str, _: Option<&str>) -> Result<Vec<(String, Origin)>> {
    Err(crate::Error::invalid_input(format!(
        "--plugin {path}: this polypay was built without the `plugins` feature"
    )))
}

#[cfg(test)]
mod tests {
    use super::split_pin;

    #[test]
    fn a_trailing_hex_suffix_is_a_pin() {
        assert_eq!(split_pin("p.so"), ("p.so", None));
        assert_eq!(split_pin("p.so#AbC0"), ("p.so", Some("AbC0")));
        assert_eq!(split_pin("dir#1/p.so"), ("dir#1/p.so", None));
        assert_eq!(split_pin("p.so#"), ("p.so#", None));
        assert_eq!(split_pin("#abc"), ("#abc", None));
    }
}
