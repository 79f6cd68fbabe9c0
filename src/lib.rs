//! # polypay
//!
//! One API for many payment backends. This facade crate re-exports [`polypay_core`] (money, the
//! payment model, the sans-IO [`Backend`] trait, configuration forms, the [`Payment`] facade)
//! and links the built-in backends, enabled by cargo features (all on by default):
//!
//! | feature | kinds |
//! |---|---|
//! | `dummy` | `dummy` (test-only, signed, with a bank simulator) |
//! | `bankform` | `systempayv2`, `payzen`, `sips2`, `paybox`, `ogone`, `tipi` (French bank forms) |
//! | `taler` | `taler` (GNU Taler merchant-backend client) |
//! | `crypto` | `bitcoin` (self-custodial, BIP84 + BIP321), `chainside` (Chainside WebPOS) |
//! | `plugins` | none built in: backends of dynamic plugin libraries ([`RegistryExt::load_plugin`], `kind = "plugin"` entries, `polypay --plugin`) |
//! | `axum` | no backend: [helpers for axum web shops](crate::axum), and the demo shop |
//!
//! For web shops: [`route::guess_instance`] finds which configured instance a bank's callback
//! belongs to, and (feature `axum`) [`axum::IncomingRequest`] extracts it as an [`Incoming`].
//!
//! ```
//! use polypay::prelude::*;
//!
//! # async fn run() -> polypay::Result<()> {
//! let registry = Registry::builtin()?;
//! let config = polypay::config::ConfigFile::from_toml_str(r#"
//!     [backends.test]
//!     kind = "dummy"
//!     normal_return_url = "https://shop.example/return"
//!     secret = "change me"
//! "#)?;
//! let payment = polypay::open(&registry, &config, None)?;
//! let intent = payment
//!     .request(&PaymentRequest::new(Amount::parse("EUR:10.00")?).with_order_id("order-1"))
//!     .await?;
//! assert!(matches!(intent.action, Action::Redirect { .. }));
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run()).unwrap();
//! ```
//!
//! # Dynamic plugins
//!
//! With the `plugins` feature, backends may also come from plugin libraries (`cdylib`s built
//! with `polypay_plugin_api::export_plugin!`, see [`plugin_api`]): add them to a registry with
//! [`RegistryExt::load_plugin`], or name one in a configuration entry (`kind = "plugin"`, see
//! [`plugins`]), which [`open`] and [`check_config`] resolve. A library is loaded once per
//! process and never unloaded; a kind already registered is an error, never a replacement.
#![forbid(unsafe_code)]

#[cfg(feature = "axum")]
pub mod axum;
pub mod cli;
#[cfg(feature = "axum")]
pub mod demo;
/// The demo shop needs the `axum` feature; without it, `polypay demo` says so.
#[cfg(not(feature = "axum"))]
#[path = "demo/disabled.rs"]
pub mod demo;
pub mod plugins;
pub mod route;

pub use plugins::{check_config, config_warnings, resolve_instance};

#[cfg(feature = "plugins")]
pub use polypay_plugin_api as plugin_api;

pub use polypay_core::*;

#[cfg(feature = "dummy")]
pub use polypay_dummy as dummy;

#[cfg(feature = "bankform")]
pub use polypay_bankform as bankform;

#[cfg(feature = "taler")]
pub use polypay_taler as taler;

#[cfg(feature = "crypto")]
pub use polypay_crypto as crypto;

/// The usual imports: the core types and [`RegistryExt`].
pub mod prelude {
    pub use crate::RegistryExt;
    pub use polypay_core::{
        Action, Adjustment, Amount, Backend, Currency, Error, Incoming, Payment, PaymentIntent,
        PaymentRequest, PaymentResponse, PaymentStatus, Policy, Registry, StatusQuery,
    };
}

/// `Registry::builtin()`: the registry of every backend compiled into this build.
pub trait RegistryExt: Sized {
    /// Every built-in backend enabled by cargo features, plus any other crate linked into the
    /// program that registers one through `inventory`. Duplicate kinds are an error.
    fn builtin() -> Result<Self>;

    /// Loads the plugin library at `path` and adds its backends; returns their kinds, in the
    /// plugin's order. `sha256` pins the file (64 hex digits), checked before it is loaded. The
    /// library is loaded once per process, whoever asks, and never unloaded. A kind already
    /// registered (built in or from another plugin) is an error naming the file, and then
    /// nothing of the plugin is added: a plugin never replaces a backend.
    ///
    /// ```no_run
    /// use polypay::prelude::*;
    ///
    /// let mut registry = Registry::builtin()?;
    /// let kinds = registry.load_plugin("target/debug/libpolypay_example_plugin.so", None)?;
    /// assert_eq!(kinds, ["manual_transfer"]);
    /// let form = registry.describe("manual_transfer")?.json_schema();
    /// # let _ = form;
    /// # Ok::<(), polypay::Error>(())
    /// ```
    #[cfg(feature = "plugins")]
    fn load_plugin(
        &mut self,
        path: impl AsRef<std::path::Path>,
        sha256: Option<&str>,
    ) -> Result<Vec<String>>;
}

impl RegistryExt for Registry {
    fn builtin() -> Result<Registry> {
        // A backend crate that no code refers to may be dropped by the linker, and its
        // `inventory` registration with it: touch each enabled one.
        #[cfg(feature = "dummy")]
        polypay_dummy::link();
        #[cfg(feature = "bankform")]
        polypay_bankform::link();
        #[cfg(feature = "taler")]
        polypay_taler::link();
        #[cfg(feature = "crypto")]
        polypay_crypto::link();
        Registry::from_inventory()
    }

    #[cfg(feature = "plugins")]
    fn load_plugin(
        &mut self,
        path: impl AsRef<std::path::Path>,
        sha256: Option<&str>,
    ) -> Result<Vec<String>> {
        polypay_plugin_api::host::load_plugin(self, path.as_ref(), sha256)
    }
}

/// Builds the [`Payment`] of one instance of a configuration file (`name` may be `None` when
/// the file holds a single instance), with the file's HTTP policy. A `kind = "plugin"` entry
/// loads its plugin library (see [`plugins`]).
pub fn open(
    registry: &Registry,
    config: &config::ConfigFile,
    name: Option<&str>,
) -> Result<Payment> {
    let instance = config.instance(name)?;
    let resolved = resolve_instance(registry, config, instance)?;
    let backend = resolved
        .registry
        .build(&resolved.instance.kind, &resolved.instance.params)?;
    Ok(Payment::new(backend).with_policy(config.policy()))
}
