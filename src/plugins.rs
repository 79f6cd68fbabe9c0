//! Configuration instances whose backend lives in a dynamic plugin (`kind = "plugin"`), and the
//! checks of a whole configuration file that understand them.
//!
//! ```toml
//! [backends.transfer]
//! kind = "plugin"
//! path = "plugins/libpolypay_example_plugin.so"  # relative to this file's directory
//! sha256 = "9f86d0…"                               # optional pin, checked before loading
//! backend = "manual_transfer"                      # optional when the plugin exports one kind
//! beneficiary = "Shop SARL"                        # the backend's own parameters
//! iban = "FR76 3000 6000 0112 3456 7890 189"
//! status_url = "https://books.example/transfers"
//! ```
//!
//! Loading a plugin runs its code with the application's rights: a configuration file naming
//! one is as trusted as the program itself. Pin the library with `sha256` so that a replaced
//! file is refused before it is loaded.
//!
//! Each plugin entry uses the plugin's own registry (its backends only), never the application's:
//! a plugin exporting a kind that is also built in (`dummy`) is used for that entry without
//! replacing the built-in backend anywhere else. A library is loaded once per process, whatever
//! the number of entries and files naming it, and never unloaded.
//! [`ConfigFile::check`](crate::config::ConfigFile::check) knows registry kinds only; use
//! [`check_config`] (what `polypay check-config` runs) for files that may hold plugin entries.

use std::borrow::Cow;
#[cfg(feature = "plugins")]
use std::sync::Arc;

#[cfg(feature = "plugins")]
use serde_json::Value;

use crate::config::{ConfigFile, InstanceConfig};
use crate::{ConfigErrors, Error, FieldError, Registry, Result};

/// The kind of configuration entries naming a plugin library: `kind = "plugin"`.
pub const PLUGIN_KIND: &str = "plugin";

/// The keys of a plugin entry that are not the backend's own parameters.
pub const PLUGIN_KEYS: [&str; 3] = ["path", "sha256", "backend"];

/// A configuration instance ready to check or build: the registry holding its kind, and its
/// configuration with that kind. For a plugin entry, the plugin's own registry and the chosen
/// backend's parameters (without `path`, `sha256`, `backend`).
#[derive(Debug)]
#[non_exhaustive]
pub struct Resolved<'a> {
    /// The registry that has `instance.kind`.
    pub registry: Cow<'a, Registry>,
    /// The instance, with the backend's kind and parameters.
    pub instance: Cow<'a, InstanceConfig>,
    /// The plugin library it comes from, if any.
    #[cfg(feature = "plugins")]
    pub plugin: Option<Arc<polypay_plugin_api::host::LoadedPlugin>>,
}

impl Resolved<'_> {
    /// Checks the instance against its backend and builds it (see
    /// [`InstanceConfig::build`](crate::config::InstanceConfig::build)).
    pub fn build(&self, production: bool) -> Result<std::sync::Arc<dyn crate::Backend>> {
        self.instance.build(&self.registry, production)
    }
}

/// Resolves one instance of `config`: a `kind = "plugin"` entry loads its library (relative to
/// the file's directory, pin checked first) and picks its backend; any other entry is looked up
/// in `registry` as it is. Problems are configuration errors named `backends.NAME.FIELD`; a
/// library that cannot be used is reported on `path` (on `sha256` for a pin mismatch), naming
/// the file.
pub fn resolve_instance<'a>(
    registry: &'a Registry,
    config: &ConfigFile,
    instance: &'a InstanceConfig,
) -> Result<Resolved<'a>> {
    if instance.kind != PLUGIN_KIND {
        return Ok(Resolved {
            registry: Cow::Borrowed(registry),
            instance: Cow::Borrowed(instance),
            #[cfg(feature = "plugins")]
            plugin: None,
        });
    }
    #[cfg(feature = "plugins")]
    return resolve_plugin(config, instance);
    #[cfg(not(feature = "plugins"))]
    {
        let _ = config;
        let mut errors = ConfigErrors::default();
        errors.push(
            "kind",
            "this polypay was built without the `plugins` feature: plugin entries cannot be used",
        );
        Err(Error::Config(errors.prefixed(&prefix(instance))))
    }
}

fn prefix(instance: &InstanceConfig) -> String {
    format!("backends.{}", instance.name)
}

/// A text value of the entry, or an error on that key.
#[cfg(feature = "plugins")]
fn text<'v>(
    instance: &'v InstanceConfig,
    key: &str,
    what: &str,
    errors: &mut ConfigErrors,
) -> Option<&'v str> {
    match instance.params.get(key) {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        Some(Value::String(_)) => {
            errors.push(key, format!("must not be empty: {what}"));
            None
        }
        Some(_) => {
            errors.push(key, format!("must be text: {what}"));
            None
        }
    }
}

#[cfg(feature = "plugins")]
fn resolve_plugin<'a>(config: &ConfigFile, instance: &'a InstanceConfig) -> Result<Resolved<'a>> {
    use polypay_plugin_api::host::{PIN_MISMATCH, load_shared};

    const PATH: &str = "the plugin library file, relative to the configuration file's directory";
    let mut errors = ConfigErrors::default();
    let path = text(instance, "path", PATH, &mut errors);
    let pin = text(
        instance,
        "sha256",
        "the library's SHA-256, 64 hexadecimal digits",
        &mut errors,
    );
    let backend = text(
        instance,
        "backend",
        "the backend kind inside the plugin",
        &mut errors,
    );
    if path.is_none() && !instance.params.contains_key("path") {
        errors.push(
            "path",
            format!("is required with kind = \"plugin\": {PATH}"),
        );
    }
    let Some(path) = path.filter(|_| errors.is_empty()) else {
        return Err(Error::Config(errors.prefixed(&prefix(instance))));
    };
    let file = match &config.dir {
        Some(dir) => dir.join(path),
        None => path.into(),
    };
    let plugin = load_shared(&file, pin).map_err(|e| {
        let field = match &e {
            Error::Plugin { message, .. } if message.starts_with(PIN_MISMATCH) => "sha256",
            _ => "path",
        };
        errors.push(field, e.to_string());
        Error::Config(std::mem::take(&mut errors).prefixed(&prefix(instance)))
    })?;
    let kinds = plugin.kinds();
    let kind = match (backend, kinds) {
        (Some(b), _) if kinds.iter().any(|k| k == b) => b.to_owned(),
        (None, [only]) => only.clone(),
        (Some(b), _) => {
            errors.push(
                "backend",
                format!(
                    "the plugin {} has no backend \"{b}\"; it exports: {}",
                    plugin.path(),
                    kinds.join(", ")
                ),
            );
            return Err(Error::Config(errors.prefixed(&prefix(instance))));
        }
        (None, _) => {
            errors.push(
                "backend",
                format!(
                    "is required: the plugin {} exports several backends ({}); choose one with \
                     backend = \"...\"",
                    plugin.path(),
                    kinds.join(", ")
                ),
            );
            return Err(Error::Config(errors.prefixed(&prefix(instance))));
        }
    };
    let mut params = instance.params.clone();
    for key in PLUGIN_KEYS {
        params.remove(key);
    }
    Ok(Resolved {
        registry: Cow::Owned(plugin.registry().clone()),
        instance: Cow::Owned(InstanceConfig::new(instance.name.clone(), kind, params)),
        plugin: Some(plugin),
    })
}

/// Checks every instance of `config` (every problem at once, named `backends.NAME.PARAMETER`),
/// like [`ConfigFile::check`](crate::config::ConfigFile::check), plugin entries included: their
/// library (missing file, pin mismatch, not a plugin), their `backend`, and their parameters
/// against the plugin backend's own schema.
pub fn check_config(registry: &Registry, config: &ConfigFile) -> ConfigErrors {
    if config.instances.is_empty() {
        return config.check(registry);
    }
    let mut errors = ConfigErrors::default();
    for instance in &config.instances {
        let built = resolve_instance(registry, config, instance)
            .and_then(|r| r.build(config.production).map(drop));
        match built {
            Ok(()) => {}
            Err(Error::Config(e)) => errors.0.extend(e.0),
            Err(other) => errors.push(prefix(instance), other.to_string()),
        }
    }
    errors
}

/// Warnings of every instance whose backend is found, plugin entries included (see
/// [`ConfigFile::warnings`](crate::config::ConfigFile::warnings)).
pub fn config_warnings(registry: &Registry, config: &ConfigFile) -> Vec<FieldError> {
    let mut out = Vec::new();
    for instance in &config.instances {
        let Ok(r) = resolve_instance(registry, config, instance) else {
            continue;
        };
        if let Ok(factory) = r.registry.factory(&r.instance.kind) {
            let found = ConfigErrors(factory.warnings(&r.instance.params));
            out.extend(found.prefixed(&prefix(instance)).0);
        }
    }
    out
}
