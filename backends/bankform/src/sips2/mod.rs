//! # Worldline Sips 2.0 — kind `sips2`
//!
//! Paypage POST (Mercanet, Sogenactif, Scellius, ...): the payer's browser posts `Data`
//! (ordered `key=value` pairs joined with `|`), `Seal` and `InterfaceVersion=HP_2.3` to the
//! bank; the bank posts the same three fields back to `normalReturnUrl` (browser) and
//! `automaticResponseUrl` (server). Capture, cancel and status go through the office server
//! (JSON over HTTPS), as sans-IO HTTP steps.
//!
//! ## Configuration example
//!
//! ```toml
//! [backends.sips]
//! kind = "sips2"
//! platform = "prod"
//! merchant_id = "211000021310001"
//! secret_key = { env = "SIPS_SECRET_KEY" }
//! key_version = "1"
//! normal_return_url = "https://shop.example/payment/return"
//! automatic_return_url = "https://shop.example/payment/notify"
//! capture_mode = "AUTHOR_CAPTURE"
//! ```
//!
//! Without `merchant_id` and `secret_key`, the backend uses Worldline's public simulation
//! merchant, which is refused on `platform = "prod"`.
//!
//! ## What polypay does (and where it deliberately differs from eopayment)
//!
//! - **request**: `Data` in eopayment's exact order (`merchantId`, `keyVersion`,
//!   `normalReturnUrl`, `[automaticResponseUrl]`, `currencyCode`, `captureMode`,
//!   `[captureDay]`, `[paymentMeanBrandList]`, `transactionReference`, `orderId`,
//!   `statementReference`, `amount`, `[billingContact.email]`, `[captureDay]`); amount in
//!   minor units with at least three digits; `Seal = hex(SHA256(Data + secret))`, or with
//!   `seal_algorithm = "HMAC-SHA-256"` (a polypay option, recommended, flagged by
//!   `check-config` otherwise) `hex(HMAC_SHA256(secret, Data))` and `SealAlgorithm`. The
//!   transaction reference is the caller's `transaction_id` (1–35 letters and digits) or a
//!   random UUID (hex) from the injected entropy. A manual-validation request is sent with
//!   `captureMode=VALIDATION`. Values containing `|` are refused (`Data` has no escaping).
//! - **response**: the seal is checked over `Data` exactly as received, in constant time,
//!   hex in either case (D3); an unverified return is never paid (D1). Codes 05 and the other
//!   refusals are *denied*, 60 is *waiting*, 97 *expired* (D8); 00 with
//!   `captureMode=VALIDATION` is *accepted*. `transactionDateTime` is read as ISO 8601 with
//!   its offset (D8), or eopayment's format in the configured `timezone`.
//! - **operations**: `validate` (capture) and `cancel` call `cashManagement/validate|cancel`;
//!   `status` calls `diagnostic/getTransactionData` and maps `transactionStatus`. Every answer's
//!   seal is checked when present, and required on the production platform. Timeouts are the
//!   host's (mandatory in the polypay executor, D10). No refund.

mod config;
mod office;
mod request;
mod response;
mod seal;

use std::sync::Arc;

use jiff::tz::TimeZone;
use polypay_core::{
    Adjustment, Backend, BackendFactory, Capabilities, ConfigErrors, Context, Description,
    FieldError, Incoming, NoTransactionFields, Operation, PaymentIntent, PaymentRequest,
    PaymentResponse, Result, StatusQuery, Step,
};
use url::Url;

pub use config::{
    CaptureMode, Config, Platform, SIMULATION_MERCHANT_ID, SIMULATION_SECRET_KEY, SealAlgorithm,
};

use crate::common::config::{Object, load, text, warning};
use crate::common::sign::HmacSha256;
use crate::common::time;
use office::OfficeOp;

/// The kind.
const KIND: &str = "sips2";

/// A configured Sips 2.0 backend.
#[derive(Debug)]
pub struct Sips2 {
    config: Config,
    timezone: TimeZone,
    paypage_url: Url,
    office_url: Url,
    /// HMAC-SHA-256 keyed with `secret_key`, prepared once.
    hmac: HmacSha256,
}

fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[
        Operation::Request,
        Operation::Response,
        Operation::Validate,
        Operation::Cancel,
        Operation::Status,
    ]);
    caps.caller_transaction_id = true;
    caps.partial_capture = true;
    caps.currencies = vec![polypay_core::Currency::EUR];
    caps
}

fn description() -> Description {
    // The simulation key is what an absent `secret_key` means (eopayment's default), but a
    // secret is never shown as a default: its help says so instead.
    Description::from_types::<Config, NoTransactionFields>(
        KIND,
        "Worldline Sips 2.0",
        capabilities(),
    )
}

/// Cross-field checks: the simulation merchant is for the test platform only, and the zone
/// must exist.
fn checks(config: &Object, errors: &mut ConfigErrors) {
    if text(config, "platform") == Some("prod") {
        if text(config, "merchant_id").is_none_or(|m| m == SIMULATION_MERCHANT_ID) {
            errors.push(
                "merchant_id",
                "the public simulation merchant cannot be used on the prod platform",
            );
        }
        if text(config, "secret_key").is_none_or(|k| k == SIMULATION_SECRET_KEY) {
            errors.push(
                "secret_key",
                "the public simulation key cannot be used on the prod platform",
            );
        }
    }
    if let Some(tz) = text(config, "timezone")
        && !time::is_zone(tz)
    {
        errors.push(
            "timezone",
            "is not a known time zone (for example Europe/Paris)",
        );
    }
}

impl Sips2 {
    fn build(raw: &Object) -> Result<Sips2> {
        let config: Config = load(&description(), raw, checks)?;
        let timezone = time::zone(&config.timezone)?;
        let (paypage, office) = match config.platform {
            Platform::Test => (
                "https://payment-webinit.simu.sips-services.com/paymentInit",
                "https://office-server.test.sips-services.com",
            ),
            Platform::Prod => (
                "https://payment-webinit.sips-services.com/paymentInit",
                "https://office-server.sips-services.com",
            ),
        };
        let parse = |u: &str| {
            Url::parse(u).map_err(|_| {
                polypay_core::Error::Config(ConfigErrors(vec![FieldError::new(
                    "platform",
                    "internal: bad endpoint",
                )]))
            })
        };
        let hmac = HmacSha256::new(config.secret_key.expose().as_bytes());
        Ok(Sips2 {
            config,
            timezone,
            hmac,
            paypage_url: parse(paypage)?,
            office_url: parse(office)?,
        })
    }
}

impl Sips2 {
    /// The Paypage seal key.
    fn seal_key(&self) -> seal::Key<'_> {
        seal::Key {
            secret: self.config.secret_key.expose(),
            hmac: &self.hmac,
        }
    }

    /// Builds from a raw configuration (tests).
    #[cfg(test)]
    pub(crate) fn build_for_tests(raw: &Object) -> Sips2 {
        Sips2::build(raw).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The same backend talking to another office server (a loopback simulator in tests).
    #[cfg(test)]
    pub(crate) fn with_office_url(mut self, url: Url) -> Sips2 {
        self.office_url = url;
        self
    }
}

impl Backend for Sips2 {
    fn kind(&self) -> &str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        self.build_request(req, &cx).map(Step::Done)
    }

    fn response(&self, incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.parse_response(incoming).map(Step::Done)
    }

    fn validate(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.cash_management(OfficeOp::Validate, op, &cx)
    }

    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.cash_management(OfficeOp::Cancel, op, &cx)
    }

    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.diagnostic(query, &cx)
    }

    fn guess(&self, incoming: &Incoming) -> Option<String> {
        Self::guess_id(incoming)
    }
}

/// Factory of the `sips2` kind.
pub struct Sips2Factory;

impl BackendFactory for Sips2Factory {
    fn kind(&self) -> &str {
        KIND
    }
    fn description(&self) -> Description {
        description()
    }
    fn build(&self, config: &Object) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(Sips2::build(config)?))
    }
    fn warnings(&self, config: &Object) -> Vec<FieldError> {
        let mut out = Vec::new();
        if text(config, "seal_algorithm") != Some("HMAC-SHA-256") {
            out.push(warning(
                "seal_algorithm",
                "SHA-256 of Data followed by the key is not a MAC: choose HMAC-SHA-256 if your Sips contract allows it",
            ));
        }
        if text(config, "platform") != Some("prod") {
            out.push(warning(
                "platform",
                "the test platform takes no real payments",
            ));
        }
        out
    }
}

polypay_core::register_backend!(Sips2Factory);

/// The office-server seal, for the loopback simulator.
#[cfg(test)]
pub(crate) fn office_seal_for_tests(
    body: &serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> String {
    seal::office(body, key)
}

#[cfg(test)]
mod tests;
