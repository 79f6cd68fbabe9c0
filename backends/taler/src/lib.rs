//! # polypay-taler
//!
//! The `taler` backend of polypay: a sans-IO client of a GNU Taler merchant backend
//! (taler-merchant-httpd).
//!
//! | operation | what happens |
//! |---|---|
//! | `request` | `POST private/orders` → [`Action::Uri`](polypay_core::Action::Uri) with the exact `taler://pay/…` URI and the order page URL ([`intent_qr_svg`] draws its QR code) |
//! | `status` | `GET private/orders/$ID`, long polling with `timeout_ms` and `session_id`; with the `etag` of an earlier answer, `If-None-Match` (an unchanged order costs a `304`) and `lp_not_etag` |
//! | `response` | a webhook or fulfillment hit is only a hint: its order id is confirmed with a status call (fail closed) |
//! | `refund` | reads the refunded total, then `POST private/orders/$ID/refund` with the new total |
//! | `cancel` | `DELETE private/orders/$ID` (refused by the backend once claimed or paid) |
//!
//! Beyond the `Backend` trait, [`Taler`] offers GNU Taler's own operations as sans-IO steps
//! (run them with a `Payment`'s executor through `Payment::run_steps`): [`Taler::forget`]
//! (erase forgettable contract fields), [`Taler::add_webhook`], [`Taler::webhooks`],
//! [`Taler::webhook`] and [`Taler::delete_webhook`] (with [`Taler::polypay_webhook`], the
//! webhook `response` expects), and [`Taler::orders`] (filtered listings).
//!
//! Every operation first checks the backend's `GET /config` once (see [`MIN_PROTOCOL`] and
//! [`MAX_PROTOCOL`]), and with a `password` configuration obtains a login token. Answers of the
//! private API come over an authenticated channel (HTTPS and the instance's token), so they
//! count as verified.
//!
//! **Errors.** HTTP status and `TALER_EC` code map to polypay errors: 400 → `InvalidInput`,
//! 401 and 403 →
//! [`Error::Provider`](polypay_core::Error::Provider) (credentials or permission), 403 with code
//! 2532 → `Conflict` (refunds not allowed by the contract), 404 → `NotFound`, 409 → `Conflict`,
//! 410 → `Expired`, anything else → `Provider`; the raw code is kept (in `Provider::code`, or
//! as `[HTTP 404, TALER_EC 2005 MERCHANT_GENERIC_ORDER_UNKNOWN]` in the message).
//!
//! **Amounts** are exact both ways. A Taler amount may carry 8 fraction digits whatever its
//! currency; one the backend reports with more significant digits than polypay's currency has
//! (`EUR:0.001`: EUR has 2) is refused with `Error::Malformed` naming the field, never rounded.
//! Trailing zeros are fine (`EUR:10.50000000` is 10.50 EUR), and amounts polypay does not type
//! (deposit totals, wire details) stay verbatim in `bank_data`.
//!
//! ```
//! use polypay_core::{Amount, Context, PaymentRequest, Registry, Step};
//!
//! polypay_taler::link();
//! let registry = Registry::from_inventory()?;
//! let config = serde_json::json!({
//!     "base_url": "https://backend.example.com/",
//!     "token": "secret-token:sandbox",
//!     "fulfillment_url": "https://shop.example/thanks?order=${ORDER_ID}",
//! });
//! let taler = registry.build("taler", config.as_object().unwrap())?;
//! // The first step of any operation is the backend's version check.
//! let req = PaymentRequest::new(Amount::parse("EUR:10.00")?);
//! let Step::Http { request, .. } = taler.request(&req, Context::now())? else { unreachable!() };
//! assert_eq!(request.url.as_str(), "https://backend.example.com/config");
//! # Ok::<(), polypay_core::Error>(())
//! ```
#![forbid(unsafe_code)]

mod amount;
#[cfg(test)]
mod amount_props;
mod api;
mod config;
mod errors;
mod flow;
mod listing;
mod ops;
#[cfg(feature = "simulator")]
pub mod simulator;
#[cfg(test)]
mod tests;
mod transaction;
mod uri;
mod version;
mod webhook;
#[cfg(test)]
mod webhook_flip_tests;

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use polypay_core::{
    Adjustment, Backend, BackendFactory, Capabilities, Context, Description, Incoming, Operation,
    PaymentIntent, PaymentRequest, PaymentResponse, Result, Secret, StatusQuery, Step, Timestamp,
};
use url::Url;

pub use config::TalerConfig;
pub use errors::error_name;
pub use listing::{OrderFilter, OrderSummary};
/// QR codes of the `taler://pay/` URIs (from polypay-core, feature `qr`).
pub use polypay_core::{intent_qr_svg, qr_svg};
pub use transaction::{Products, TalerTransaction};
pub use uri::TalerUri;
pub use version::{LOGIN_TOKENS_SINCE, MAX_PROTOCOL, MIN_PROTOCOL};
pub use webhook::{Webhook, WebhookEvent, WebhookSummary};

use config::Settings;
use flow::LoginToken;
use version::BackendInfo;

/// The backend kind.
pub const KIND: &str = "taler";

/// A configured `taler` backend.
pub struct Taler {
    settings: Settings,
    description: Arc<Description>,
    /// The backend's `/config`, checked once.
    info: OnceLock<BackendInfo>,
    /// The cached login token (`password` configurations).
    login: Mutex<Option<LoginToken>>,
}

impl std::fmt::Debug for Taler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Taler")
            .field("base", &self.settings.base.as_str())
            .field("instance", &self.settings.instance)
            .finish_non_exhaustive()
    }
}

impl Taler {
    /// Builds a backend from a checked configuration.
    pub fn new(config: TalerConfig) -> Result<Taler> {
        Taler::with_description(config, TalerFactory.description())
    }

    fn with_description(config: TalerConfig, description: Description) -> Result<Taler> {
        let settings = config.settings()?;
        Ok(Taler {
            settings,
            description: Arc::new(description),
            info: OnceLock::new(),
            login: Mutex::new(None),
        })
    }

    /// The instance's base URL (`https://backend.example.com/instances/shop/`).
    pub fn instance_url(&self) -> &Url {
        &self.settings.base
    }

    /// `path` under the instance's base URL.
    fn url(&self, path: &str) -> Result<Url> {
        self.settings
            .base
            .join(path)
            .map_err(|e| polypay_core::Error::invalid_input(format!("bad URL path {path:?}: {e}")))
    }

    fn info(&self) -> Option<&BackendInfo> {
        self.info.get()
    }

    fn set_info(&self, info: BackendInfo) {
        // Two operations may check concurrently; the first answer wins, both are valid.
        let _ = self.info.set(info);
    }

    fn login(&self, now: Timestamp) -> Option<Secret> {
        let guard = self.login.lock().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().and_then(|t| t.fresh(now))
    }

    fn store_login(&self, token: LoginToken) {
        *self.login.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
    }

    fn forget_login(&self) {
        *self.login.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl Backend for Taler {
    fn kind(&self) -> &str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        flow::step(self, cx, &ops::request::RequestOp::new(req))
    }

    fn response(&self, incoming: &Incoming, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        flow::step(self, cx, &ops::response::ResponseOp::new(incoming))
    }

    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        flow::step(self, cx, &ops::cancel::CancelOp::new(op))
    }

    fn refund(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        flow::step(self, cx, &ops::refund::RefundOp::new(op))
    }

    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        flow::step(self, cx, &ops::status::StatusOp::new(query))
    }

    fn guess(&self, incoming: &Incoming) -> Option<String> {
        ops::response::claimed_order_id(incoming)
    }
}

/// What the `taler` backend supports: every operation but `validate` (Taler has no separate
/// capture), the caller's transaction id as order id, partial refunds. Notifications are
/// unsigned, but `response` confirms each one with the backend, so its answers are verified.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[
        Operation::Request,
        Operation::Response,
        Operation::Cancel,
        Operation::Refund,
        Operation::Status,
    ]);
    caps.caller_transaction_id = true;
    caps.partial_refund = true;
    caps
}

/// The factory of `taler` backends, registered with polypay's registry.
#[derive(Debug, Clone, Copy)]
pub struct TalerFactory;

impl BackendFactory for TalerFactory {
    fn kind(&self) -> &str {
        KIND
    }

    fn description(&self) -> Description {
        Description::from_types::<TalerConfig, TalerTransaction>(
            KIND,
            "GNU Taler merchant backend",
            capabilities(),
        )
    }

    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>> {
        let description = self.description();
        let config: TalerConfig = polypay_core::parse_config(&description, config)?;
        Ok(Arc::new(Taler::with_description(config, description)?))
    }
}

polypay_core::register_backend!(TalerFactory);

/// Makes sure this crate is linked, so that its registration is seen by
/// `Registry::from_inventory` (the `polypay` facade calls it).
pub fn link() {}
