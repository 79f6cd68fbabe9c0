#![doc = include_str!("../../docs/chainside.md")]

mod api;
#[cfg(feature = "client")]
mod client;
mod config;
mod errors;
mod flow;
mod ops;
#[cfg(feature = "redis")]
mod redis_cache;
mod signature;
mod token;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use polypay_core::{
    Adjustment, Backend, BackendFactory, Capabilities, Context, Description, Error, HttpRequest,
    Incoming, Method, Operation, PaymentIntent, PaymentRequest, PaymentResponse, Result,
    StatusQuery, Step,
};
use serde::Deserialize;
use url::Url;

pub use api::{ListQuery, MAX_PAGE_SIZE, SortBy, SortOrder};
#[cfg(feature = "client")]
pub use client::{ChainsideClient, drive};
pub use config::{
    CacheConfig, CacheDriver, CacheOptions, ChainsideConfig, HttpOptions, LIVE_URL, Mode,
    SANDBOX_URL,
};
pub use errors::{ApiError, ERROR_CODES, error_name};
pub use ops::key;
#[cfg(feature = "redis")]
pub use redis_cache::{REDIS_TIMEOUT, RedisTokenCache};
pub use signature::{SIGNATURE_HEADER, sign_callback, verify_callback};
pub use token::{CachedToken, MemoryTokenCache, TokenCache};
pub use wire::{
    CallbackEnvelope, CallbackEvent, OrderState, OrderStatus, OrderTransaction, PaymentOrder,
    PaymentOrderCreated, PaymentOrderCreation, PaymentOrderPage, StateAmount, TransactionOut,
    is_uuid, parse_time,
};

use config::Settings;
use token::TokenStore;

/// The backend kind.
pub const KIND: &str = "chainside";

/// The API version every request names (`X-Api-Version`).
pub const API_VERSION: &str = "v1";

/// The per-transaction fields of a `chainside` payment (`PaymentRequest::extra`, CLI `--set`).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainsideTransaction {
    /// Required confirmations
    ///
    /// Overrides the configuration's for this payment.
    #[serde(default)]
    #[schemars(range(max = 100))]
    pub required_confirmations: Option<u32>,
    /// Details
    ///
    /// The text Chainside shows the payer (at most 300 characters); the description by
    /// default.
    #[serde(default)]
    #[schemars(length(max = 300))]
    pub details: Option<String>,
}

/// A configured `chainside` backend.
pub struct Chainside {
    settings: Settings,
    description: Arc<Description>,
    tokens: TokenStore,
}

impl std::fmt::Debug for Chainside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chainside")
            .field("mode", &self.settings.mode)
            .field("base", &self.settings.base.as_str())
            .field("client_id", &self.settings.client_id)
            .field("token_cache", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl Chainside {
    /// Builds a backend from a configuration; its `[cache]` table chooses the token cache.
    pub fn new(config: ChainsideConfig) -> Result<Chainside> {
        Chainside::build(config, ChainsideFactory.description(), None)
    }

    /// Builds a backend sharing its tokens through `cache` (an implementation of your own),
    /// whatever the configuration's `[cache]` table says.
    pub fn with_token_cache(
        config: ChainsideConfig,
        cache: Arc<dyn TokenCache>,
    ) -> Result<Chainside> {
        Chainside::build(config, ChainsideFactory.description(), Some(cache))
    }

    fn build(
        config: ChainsideConfig,
        description: Description,
        cache: Option<Arc<dyn TokenCache>>,
    ) -> Result<Chainside> {
        let settings = config.settings()?;
        let shared = match cache {
            Some(c) => Some(c),
            None => shared_cache(&settings)?,
        };
        let host = match (settings.base.host_str(), settings.base.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => String::new(),
        };
        let key = format!(
            "{}token:{host}:{}",
            settings.cache.options.prefix, settings.client_id
        );
        // A login lease outlives the exchange it covers, whatever happens to it.
        let lease = settings.timeout + Duration::from_secs(5);
        Ok(Chainside {
            tokens: TokenStore::new(key, shared, lease),
            settings,
            description: Arc::new(description),
        })
    }

    /// The API root (`https://api.sandbox.webpos.chainside.net/`).
    pub fn base_url(&self) -> &Url {
        &self.settings.base
    }

    /// Sandbox or live.
    pub fn mode(&self) -> Mode {
        self.settings.mode
    }

    /// The configuration's `http.timeout`.
    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// The key of this backend's token in the cache (`{prefix}token:{host}:{client_id}`).
    pub fn token_cache_key(&self) -> &str {
        self.tokens.key()
    }

    /// The last failure of the shared token cache, if its last use failed (the backend then
    /// works with its process-local token).
    pub fn token_cache_error(&self) -> Option<String> {
        self.tokens.last_error()
    }

    /// A request to `path` under the API root, with the headers every call carries.
    fn api_request(&self, method: Method, path: &str) -> Result<HttpRequest> {
        let url = self
            .settings
            .base
            .join(path)
            .map_err(|e| Error::invalid_input(format!("bad API path {path:?}: {e}")))?;
        Ok(HttpRequest::new(method, url)
            .with_header("X-Api-Version", API_VERSION)
            .with_header("Accept", "application/json"))
    }
}

/// The shared cache the configuration asks for.
fn shared_cache(settings: &Settings) -> Result<Option<Arc<dyn TokenCache>>> {
    match settings.cache.driver {
        CacheDriver::Memory => Ok(None),
        #[cfg(feature = "redis")]
        CacheDriver::Redis => Ok(Some(Arc::new(RedisTokenCache::new(
            &settings.cache.options,
        )?))),
        // Refused by the configuration check already; kept for the type's sake.
        #[cfg(not(feature = "redis"))]
        CacheDriver::Redis => Err(Error::invalid_input(
            "this build of polypay has no Redis support",
        )),
    }
}

impl Backend for Chainside {
    fn kind(&self) -> &str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = capabilities();
        caps.currencies = vec![self.settings.currency];
        caps
    }

    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        flow::step(self, cx, &ops::request::RequestOp::new(req))
    }

    fn response(&self, incoming: &Incoming, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        flow::step(self, cx, &ops::callback::CallbackOp::new(incoming))
    }

    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        flow::step(self, cx, &ops::cancel::CancelOp::new(op))
    }

    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        flow::step(self, cx, &ops::status::StatusOp::new(query))
    }

    fn guess(&self, incoming: &Incoming) -> Option<String> {
        incoming.header(SIGNATURE_HEADER)?;
        ops::callback::claimed(incoming).1
    }
}

/// What the `chainside` backend supports: request, response (signed callbacks), status and
/// cancel, with the caller's transaction id as the order's reference. Chainside has no
/// capture and no refund through the API.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[
        Operation::Request,
        Operation::Response,
        Operation::Cancel,
        Operation::Status,
    ]);
    caps.caller_transaction_id = true;
    caps
}

/// The factory of `chainside` backends, registered with polypay's registry.
#[derive(Debug, Clone, Copy)]
pub struct ChainsideFactory;

impl ChainsideFactory {
    /// Checks `config` (every problem at once) and builds the concrete backend, for the calls
    /// beyond the `Backend` trait.
    pub fn build_chainside(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<Chainside>> {
        let description = self.description();
        let config: ChainsideConfig = polypay_core::parse_config(&description, config)?;
        Ok(Arc::new(Chainside::build(config, description, None)?))
    }
}

impl BackendFactory for ChainsideFactory {
    fn kind(&self) -> &str {
        KIND
    }

    fn description(&self) -> Description {
        Description::from_types::<ChainsideConfig, ChainsideTransaction>(
            KIND,
            "Chainside WebPOS (bitcoin)",
            capabilities(),
        )
    }

    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>> {
        Ok(self.build_chainside(config)?)
    }
}

polypay_core::register_backend!(ChainsideFactory);

#[cfg(test)]
mod amount_props;
#[cfg(test)]
mod flip_tests;
#[cfg(test)]
mod tests;
