//! Plugins loaded once per process, by canonical path, and never unloaded.
//!
//! Several configuration files (or a file and the command line) may name one library; it is
//! loaded, hashed and described once, and each user gets the same factories. A library that
//! failed to load is not remembered, so a fixed file can be tried again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use polypay_core::{BackendFactory, Registry, Result};

use super::{PluginFactory, PluginLibrary, check_pin, file_sha256, plugin_error, register_all};

/// A plugin library loaded by [`load_shared`]: its file, its SHA-256, what it says about itself, and a registry of its own backends only (so that a plugin can be used
/// next to built-in backends of the same kind, as `kind = "plugin"` configuration entries do).
#[derive(Debug)]
pub struct LoadedPlugin {
    path: String,
    canonical: PathBuf,
    /// Computed when a pin or [`LoadedPlugin::sha256`] first needs it: hashing a large (debug)
    /// library costs more than loading it.
    sha256: OnceLock<String>,
    name: String,
    version: String,
    kinds: Vec<String>,
    registry: Registry,
}

impl LoadedPlugin {
    /// The library file as it was named when first loaded.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The library file, canonical.
    pub fn canonical_path(&self) -> &Path {
        &self.canonical
    }

    /// SHA-256 of the library file (hex, lower case): of the bytes loaded when it was loaded
    /// with a pin, else of the file when first asked.
    pub fn sha256(&self) -> Result<&str> {
        if let Some(found) = self.sha256.get() {
            return Ok(found);
        }
        let found = file_sha256(&self.canonical, &self.path)?;
        Ok(self.sha256.get_or_init(|| found))
    }

    /// The plugin crate's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin crate's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The backend kinds it exports, in its order.
    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }

    /// A registry holding this plugin's backends and nothing else.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Adds this plugin's backends to `registry`; returns their kinds. Nothing is registered
    /// when any of its kinds is already taken (an error naming the plugin).
    pub fn register_into(&self, registry: &mut Registry) -> Result<Vec<String>> {
        let factories = self
            .kinds
            .iter()
            .map(|k| self.registry.factory(k).cloned())
            .collect::<Result<Vec<_>>>()?;
        register_all(registry, &self.path, factories)
    }
}

static LOADED: Mutex<BTreeMap<PathBuf, Arc<LoadedPlugin>>> = Mutex::new(BTreeMap::new());

/// Loads the plugin library at `path` once per process (by canonical path) and never unloads
/// it. When `sha256` (64 hex digits) is given, the file must have that SHA-256: checked before
/// the library is loaded, or, when it was loaded earlier, against the bytes loaded then (or the
/// file as it is now, if that earlier load had no pin). The library's
/// ABI version, its panic strategy and its description are checked on first load; every error
/// names the file.
pub fn load_shared(path: &Path, sha256: Option<&str>) -> Result<Arc<LoadedPlugin>> {
    let shown = path.display().to_string();
    let canonical = std::fs::canonicalize(path)
        .map_err(|e| plugin_error(&shown, format!("cannot find the library: {e}")))?;
    // Held while loading: two threads asking for one new library load it once.
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(plugin) = loaded.get(&canonical) {
        if let Some(pin) = sha256 {
            check_pin(&shown, pin, plugin.sha256()?)?;
        }
        return Ok(plugin.clone());
    }
    let found = OnceLock::new();
    if let Some(pin) = sha256 {
        let hash = file_sha256(&canonical, &shown)?;
        check_pin(&shown, pin, &hash)?;
        let _ = found.set(hash);
    }
    let lib = PluginLibrary::open(&canonical, shown.clone())?;
    let info = lib.describe()?;
    let (name, version) = (info.name.clone(), info.version.clone());
    let factories = PluginFactory::from_info(lib, info)?;
    let mut registry = Registry::new();
    let kinds = register_all(
        &mut registry,
        &shown,
        factories
            .into_iter()
            .map(|f| Arc::new(f) as Arc<dyn BackendFactory>),
    )?;
    let plugin = Arc::new(LoadedPlugin {
        path: shown,
        canonical: canonical.clone(),
        sha256: found,
        name,
        version,
        kinds,
        registry,
    });
    loaded.insert(canonical, plugin.clone());
    Ok(plugin)
}
