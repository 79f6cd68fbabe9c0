//! Backend registration: static (through `inventory`) and dynamic (plugins add factories).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{Backend, Description, Error, Result};

/// Builds configured backends of one kind, and describes their configuration.
///
/// A backend crate implements it on a unit struct and registers it with
/// [`register_backend!`](crate::register_backend); a plugin host implements it over the C ABI.
pub trait BackendFactory: Send + Sync {
    /// The kind this factory builds (`dummy`).
    fn kind(&self) -> &str;

    /// The self-description: parameters, schemas, capabilities.
    fn description(&self) -> Description;

    /// Validates `config` (reporting every problem at once) and builds a backend.
    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>>;

    /// Problems that do not stop `config` from working but deserve attention (a weak
    /// signature algorithm kept for compatibility, an unauthenticated channel trusted), for
    /// `check-config` to show. Default: none.
    fn warnings(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<crate::FieldError> {
        let _ = config;
        Vec::new()
    }
}

/// A static registration, collected by `inventory` from every linked backend crate.
pub struct Registration {
    /// The factory.
    pub factory: &'static dyn BackendFactory,
}

inventory::collect!(Registration);

/// Registers a backend factory (a `static` value implementing [`BackendFactory`]) from the
/// backend's own crate, so that `Registry::from_inventory()` finds it.
///
/// ```
/// use std::sync::Arc;
/// use polypay_core::*;
///
/// pub struct ManualFactory;
/// impl BackendFactory for ManualFactory {
///     fn kind(&self) -> &str { "manual-example" }
///     fn description(&self) -> Description {
///         Description::from_types::<NoTransactionFields, NoTransactionFields>(
///             "manual-example", "Example", Capabilities::new(&[]))
///     }
///     fn build(&self, _: &serde_json::Map<String, serde_json::Value>) -> Result<Arc<dyn Backend>> {
///         Err(Error::invalid_input("example only"))
///     }
/// }
/// polypay_core::register_backend!(ManualFactory);
///
/// let registry = Registry::from_inventory()?;
/// assert!(registry.kinds().contains(&"manual-example".to_string()));
/// # Ok::<(), polypay_core::Error>(())
/// ```
#[macro_export]
macro_rules! register_backend {
    ($factory:expr) => {
        $crate::inventory::submit! {
            $crate::Registration { factory: &$factory }
        }
    };
}

struct StaticFactory(&'static dyn BackendFactory);

impl BackendFactory for StaticFactory {
    fn kind(&self) -> &str {
        self.0.kind()
    }
    fn description(&self) -> Description {
        self.0.description()
    }
    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>> {
        self.0.build(config)
    }
    fn warnings(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<crate::FieldError> {
        self.0.warnings(config)
    }
}

/// The set of backend kinds available to an application.
///
/// ```
/// use polypay_core::Registry;
/// let registry = Registry::new();
/// let err = registry.factory("nope").err().unwrap();
/// assert!(err.to_string().contains("unknown backend kind"));
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    factories: BTreeMap<String, Arc<dyn BackendFactory>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.factories.keys()).finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Every backend registered through `inventory` in the linked crates. Two registrations of
    /// one kind are an error. (The `polypay` facade's `Registry::builtin()` also makes sure the
    /// backend crates are linked.)
    pub fn from_inventory() -> Result<Registry> {
        let mut reg = Registry::new();
        for r in inventory::iter::<Registration> {
            reg.register(Arc::new(StaticFactory(r.factory)))?;
        }
        Ok(reg)
    }

    /// Adds a factory; a kind already present is an error.
    pub fn register(&mut self, factory: Arc<dyn BackendFactory>) -> Result<()> {
        let kind = factory.kind().to_owned();
        if self.factories.contains_key(&kind) {
            return Err(Error::DuplicateBackend(kind));
        }
        self.factories.insert(kind, factory);
        Ok(())
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<String> {
        self.factories.keys().cloned().collect()
    }

    /// The factory of `kind`, or an error listing the available kinds.
    pub fn factory(&self, kind: &str) -> Result<&Arc<dyn BackendFactory>> {
        self.factories
            .get(kind)
            .ok_or_else(|| Error::UnknownBackend {
                kind: kind.to_owned(),
                available: self.kinds(),
            })
    }

    /// The description of `kind`.
    pub fn describe(&self, kind: &str) -> Result<Description> {
        Ok(self.factory(kind)?.description())
    }

    /// Builds a backend of `kind` from its configuration.
    pub fn build(
        &self,
        kind: &str,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>> {
        self.factory(kind)?.build(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Capabilities, NoTransactionFields};

    struct Fake(&'static str);
    impl BackendFactory for Fake {
        fn kind(&self) -> &str {
            self.0
        }
        fn description(&self) -> Description {
            Description::from_types::<NoTransactionFields, NoTransactionFields>(
                self.0,
                "Fake",
                Capabilities::new(&[]),
            )
        }
        fn build(
            &self,
            _: &serde_json::Map<String, serde_json::Value>,
        ) -> Result<Arc<dyn Backend>> {
            Err(Error::invalid_input("fake"))
        }
    }

    #[test]
    fn duplicate_kinds_are_rejected_and_unknown_kinds_listed() {
        let mut r = Registry::new();
        r.register(Arc::new(Fake("a"))).unwrap();
        r.register(Arc::new(Fake("b"))).unwrap();
        let dup = r.register(Arc::new(Fake("a"))).unwrap_err();
        assert!(
            matches!(dup, Error::DuplicateBackend(ref k) if k == "a"),
            "{dup}"
        );
        assert_eq!(r.kinds(), ["a", "b"]);
        let err = r.describe("c").unwrap_err().to_string();
        assert!(
            err.contains("\"c\"") && err.contains("available: a, b"),
            "{err}"
        );
    }
}
