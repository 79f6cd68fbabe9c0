//! # Paybox System (Verifone e-Transactions) — kind `paybox`
//!
//! The payer's browser posts a form signed with HMAC-SHA-512 to Paybox; Paybox sends the payer
//! back and notifies the shop (IPN to `PBX_REPONDRE_A`) with variables signed by Paybox's RSA
//! key (SHA-1). Capture, cancel and refund go through Paybox Direct (PPPS), as sans-IO HTTP
//! steps.
//!
//! ## Configuration example
//!
//! ```toml
//! [backends.paybox]
//! kind = "paybox"
//! platform = "prod"
//! site = "1999888"
//! rang = "32"
//! identifiant = "107904482"
//! shared_secret = { env = "PAYBOX_HMAC_KEY" }   # hexadecimal
//! cle = { env = "PAYBOX_DIRECT_KEY" }           # only for validate / cancel / refund
//! normal_return_url = "https://shop.example/payment/return"
//! automatic_return_url = "https://shop.example/payment/notify"
//! ```
//!
//! ## What polypay does (and where it deliberately differs from eopayment)
//!
//! - **request**: the fields in eopayment's order (the HMAC input order): `PBX_SITE`,
//!   `PBX_RANG` (last 3 characters), `PBX_IDENTIFIANT`, `PBX_TOTAL` (minor units, at least 3
//!   digits), `PBX_DEVISE`, `PBX_CMD` (the returned id: the caller's `transaction_id`, or the
//!   time in `timezone` + `_` + `PBX_ARCHIVAGE`; then `!` + the order id), `PBX_PORTEUR`
//!   (required e-mail), `PBX_RETOUR`, `PBX_HASH=SHA512`, `PBX_TIME` (UTC), `PBX_ARCHIVAGE`
//!   (12 characters from the injected CSPRNG entropy, D15), the return URLs, `PBX_DIFF`,
//!   `PBX_AUTOSEULE`, `PBX_REPONDRE_A`, the 3-D Secure v2 `PBX_SHOPPINGCART` and
//!   `PBX_BILLING` XML, then `PBX_HMAC` (upper-case hex). Per payment: `time`,
//!   `PBX_ARCHIVAGE`, `total_quantity`, `address1`, `zipcode`, `city`, `country_code`,
//!   `manual_validation`.
//! - **response**: the RSA-SHA1 signature (key `public_key`, default Paybox's published key)
//!   is checked over the raw text preceding `&signature=` first, then over eopayment's
//!   re-encoding of the values (D14); an unsigned or badly signed return is never paid (D1).
//!   `erreur` maps to statuses as eopayment does, plus 00030 *expired* and 99999 *waiting*.
//!   `numero_transaction` is the bank id; `test` is true off the production platform; dates
//!   are read as `YYYYMMDD` (eopayment) or the manual's `DDMMYYYY`.
//! - **operations**: `validate` (question 00002), `cancel` (00005; `direct_cancel_type =
//!   "00055"` reproduces eopayment, D12) and `refund` (00014, new) through Paybox Direct, with
//!   a fresh `NUMQUESTION` per call and `DATEQ` in the configured zone (D12). They need the
//!   return's `bank_data` (`numero_transaction`, `numero_appel`, `reference`).

mod config;
mod direct;
mod request;
mod response;
mod signature;

use std::sync::Arc;

use jiff::tz::TimeZone;
use polypay_core::{
    Adjustment, Backend, BackendFactory, Capabilities, ConfigErrors, Context, Currency,
    Description, Error, FieldError, Incoming, Operation, PaymentIntent, PaymentRequest,
    PaymentResponse, Result, Step,
};
use url::Url;

pub use config::{CancelType, CaptureMode, Config, Extra, PAYBOX_PUBLIC_KEY, Platform};

use crate::common::config::{Object, load, set_default, text};
use crate::common::sign::HmacSha512;
use crate::common::time;
use direct::DirectOp;

const KIND: &str = "paybox";

/// A configured Paybox backend.
#[derive(Debug)]
pub struct Paybox {
    config: Config,
    /// HMAC-SHA-512 keyed with the binary `shared_secret`, prepared once (redacted in `Debug`).
    hmac_key: HmacSha512,
    public_key: signature::PublicKey,
    timezone: TimeZone,
    system_url: Url,
    direct_url: Url,
    description: Description,
}

fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[
        Operation::Request,
        Operation::Response,
        Operation::Validate,
        Operation::Cancel,
        Operation::Refund,
    ]);
    caps.caller_transaction_id = true;
    caps.email_required = true;
    caps.partial_capture = true;
    caps.partial_refund = true;
    caps.currencies = vec![Currency::EUR];
    caps
}

fn description() -> Description {
    let mut d = Description::from_types::<Config, Extra>(
        KIND,
        "Paybox System (Verifone e-Transactions)",
        capabilities(),
    );
    set_default(&mut d, "public_key", PAYBOX_PUBLIC_KEY.into());
    d
}

fn checks(config: &Object, errors: &mut ConfigErrors) {
    if let Some(tz) = text(config, "timezone")
        && !time::is_zone(tz)
    {
        errors.push(
            "timezone",
            "is not a known time zone (for example Europe/Paris)",
        );
    }
    if let Some(pem) = text(config, "public_key")
        && signature::PublicKey::from_pem(pem).is_none()
    {
        errors.push("public_key", "is not a PEM RSA public key");
    }
}

fn config_error(field: &str, message: &str) -> Error {
    Error::Config(ConfigErrors(vec![FieldError::new(field, message)]))
}

impl Paybox {
    fn build(raw: &Object) -> Result<Paybox> {
        let description = description();
        let config: Config = load(&description, raw, checks)?;
        Self::from_config(config, description)
    }

    /// The backend of an already validated configuration.
    fn from_config(config: Config, description: Description) -> Result<Paybox> {
        let hmac_key = hex::decode(config.shared_secret.expose())
            .map(|key| HmacSha512::new(&key))
            .map_err(|_| config_error("shared_secret", "must be hexadecimal"))?;
        let public_key = signature::PublicKey::from_pem(
            config.public_key.as_deref().unwrap_or(PAYBOX_PUBLIC_KEY),
        )
        .ok_or_else(|| config_error("public_key", "is not a PEM RSA public key"))?;
        let timezone = time::zone(&config.timezone)?;
        let (system, direct) = match config.platform {
            Platform::Test => (
                "https://preprod-tpeweb.paybox.com/php/",
                "https://preprod-ppps.paybox.com/PPPS.php",
            ),
            Platform::Prod => (
                "https://tpeweb.paybox.com/php/",
                "https://ppps.paybox.com/PPPS.php",
            ),
            Platform::Backup => (
                "https://tpeweb1.paybox.com/php/",
                "https://ppps1.paybox.com/PPPS.php",
            ),
        };
        let parse =
            |u: &str| Url::parse(u).map_err(|_| config_error("platform", "internal: bad endpoint"));
        Ok(Paybox {
            system_url: parse(system)?,
            direct_url: parse(direct)?,
            config,
            hmac_key,
            public_key,
            timezone,
            description,
        })
    }
}

impl Paybox {
    /// Builds from a raw configuration (tests).
    #[cfg(test)]
    pub(crate) fn build_for_tests(raw: &Object) -> Paybox {
        Paybox::build(raw).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The same backend talking to another Paybox Direct server (a loopback simulator in tests).
    #[cfg(test)]
    pub(crate) fn with_direct_url(mut self, url: Url) -> Paybox {
        self.direct_url = url;
        self
    }
}

impl Backend for Paybox {
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
        self.direct(DirectOp::Capture, op, &cx)
    }

    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.direct(DirectOp::Cancel, op, &cx)
    }

    fn refund(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.direct(DirectOp::Refund, op, &cx)
    }

    fn guess(&self, incoming: &Incoming) -> Option<String> {
        Self::guess_id(incoming)
    }
}

/// Factory of the `paybox` kind.
pub struct PayboxFactory;

impl BackendFactory for PayboxFactory {
    fn kind(&self) -> &str {
        KIND
    }
    fn description(&self) -> Description {
        description()
    }
    fn build(&self, config: &Object) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(Paybox::build(config)?))
    }
    fn warnings(&self, config: &Object) -> Vec<FieldError> {
        let mut out = Vec::new();
        if config.contains_key("callback") {
            out.push(FieldError::new(
                "callback",
                "is deprecated: use automatic_return_url",
            ));
        }
        if text(config, "direct_cancel_type") == Some("00055") {
            out.push(FieldError::new(
                "direct_cancel_type",
                "00055 cancels a subscriber operation; 00005 is the documented cancel",
            ));
        }
        out
    }
}

polypay_core::register_backend!(PayboxFactory);

#[cfg(test)]
mod tests;
