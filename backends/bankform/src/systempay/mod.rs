//! # SystemPay v2 (BPCE) and PayZen (Lyra) — kinds `systempayv2` and `payzen`
//!
//! The Lyra "vads" form API: the payer's browser posts a signed form to the bank; the bank
//! sends the payer back (`vads_url_return`) and notifies the shop (IPN, `vads_url_check` or the
//! back office's setting) with a signed message. Both kinds speak the same protocol and differ
//! only by their default `service_url`.
//!
//! ## Configuration example
//!
//! ```toml
//! [backends.cards]
//! kind = "systempayv2"
//! vads_site_id = "12345678"
//! secret_test = { env = "SYSTEMPAY_SECRET_TEST" }
//! secret_production = { env = "SYSTEMPAY_SECRET_PRODUCTION" }
//! signature_algo = "hmac_sha256"         # the default, sha1, is kept for old shops
//! vads_ctx_mode = "TEST"
//! normal_return_url = "https://shop.example/payment/return"
//! automatic_return_url = "https://shop.example/payment/notify"
//! ```
//!
//! PayZen is configured the same way; only the kind (and so the default `service_url`)
//! changes:
//!
//! ```toml
//! [backends.payzen]
//! kind = "payzen"
//! vads_site_id = "87654321"
//! secret_test = { env = "PAYZEN_SECRET_TEST" }
//! signature_algo = "hmac_sha256"
//! normal_return_url = "https://shop.example/payment/return"
//! ```
//!
//! An eopayment configuration (the same flat names) loads unchanged; `vads_*` keys preset form
//! fields for every payment.
//!
//! ## What polypay does (and where it deliberately differs from eopayment)
//!
//! - **request**: a POST form with the `vads_*` fields sorted by name, then `signature`.
//!   Amounts are exact minor units (never rounded). `vads_trans_date` is the injected clock in
//!   UTC. `vads_trans_id` is unique per shop and UTC day (see the id rule below); a caller can
//!   set `vads_trans_id`, `vads_trans_date`, `vads_contrib` or any other `vads_*` field per
//!   payment (`--set vads_trans_id=123456`) and gets exactly the signed form the bank
//!   documentation shows. The returned id is the caller's `transaction_id` (also sent as
//!   `vads_ext_info_eopayment_trans_id`, the name eopayment uses, so in-flight eopayment
//!   payments still resolve) or `{vads_trans_date}_{vads_trans_id}`.
//! - **id rule**: the first four characters of a generated `vads_trans_id` encode the UTC time
//!   of day in hundredths of a second, the last two come from the injected entropy; a
//!   collision needs two payments in the same hundredth of a second drawing the same two
//!   characters (1 in 3 844). Set `vads_trans_id` yourself for a strict guarantee.
//! - **response**: the signature is verified first over the `vads_*` fields exactly as
//!   received, with the secret of the received `vads_ctx_mode`, in constant time; an unsigned
//!   or badly signed return is never paid (D1). `vads_trans_status` decides the status when
//!   present (D7: `AUTHORISED_TO_VALIDATE` is *accepted*, not paid), else eopayment's table of
//!   `vads_result` / `vads_auth_result`. The reported amount and currency, the test flag and
//!   `vads_effective_creation_date` (UTC) are filled in; the notification answer is `200 OK`.
//! - `capture_day` in the configuration is applied (eopayment ignores it, D11); addresses with
//!   spaces are accepted (D11). SHA-1 signatures are accepted for existing shops and flagged
//!   by `check-config`; HMAC-SHA-256 is recommended.
//! - No capture, cancel, refund or status operation (those are Lyra's web services).

mod config;
mod fields;
mod request;
mod response;
mod signature;

use std::sync::Arc;

use polypay_core::{
    Backend, BackendFactory, Capabilities, ConfigErrors, Context, Description, FieldError,
    Incoming, Operation, PaymentIntent, PaymentRequest, PaymentResponse, Result, Step,
};
use url::Url;

pub use config::{Config, CtxMode, Extra, PaymentConfig, SignatureAlgo};

use crate::common::config::{Object, load, set_default, text, warning};
use crate::common::sign::HmacSha256;

/// The two kinds of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// BPCE's SystemPay.
    SystemPay,
    /// Lyra's PayZen.
    PayZen,
}

impl Flavor {
    fn kind(self) -> &'static str {
        match self {
            Flavor::SystemPay => "systempayv2",
            Flavor::PayZen => "payzen",
        }
    }

    fn caption(self) -> &'static str {
        match self {
            Flavor::SystemPay => "SystemPay (Banque Populaire / Caisse d'Épargne)",
            Flavor::PayZen => "PayZen (Lyra)",
        }
    }

    fn service_url(self) -> &'static str {
        match self {
            Flavor::SystemPay => "https://paiement.systempay.fr/vads-payment/",
            Flavor::PayZen => "https://secure.payzen.eu/vads-payment/",
        }
    }
}

/// A configured SystemPay / PayZen backend.
#[derive(Debug)]
pub struct SystemPay {
    flavor: Flavor,
    config: Config,
    service_url: Url,
    description: Description,
    /// HMAC keys of the TEST and PRODUCTION secrets, prepared once.
    hmac_test: HmacSha256,
    hmac_production: Option<HmacSha256>,
    /// Whether every form value taken from the configuration passes the field checks (then
    /// requests need not check them again; otherwise each request reports them).
    config_values_valid: bool,
}

fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[Operation::Request, Operation::Response]);
    caps.caller_transaction_id = true;
    caps
}

fn description(flavor: Flavor) -> Description {
    let mut d =
        Description::from_types::<Config, Extra>(flavor.kind(), flavor.caption(), capabilities());
    set_default(&mut d, "service_url", flavor.service_url().into());
    d
}

/// Cross-field checks: a PRODUCTION shop needs its production secret.
fn checks(config: &Object, errors: &mut ConfigErrors) {
    if text(config, "vads_ctx_mode") == Some("PRODUCTION")
        && !config.contains_key("secret_production")
    {
        errors.push(
            "secret_production",
            "is required when vads_ctx_mode is PRODUCTION",
        );
    }
}

impl SystemPay {
    fn build(flavor: Flavor, raw: &Object) -> Result<SystemPay> {
        let description = description(flavor);
        let config: Config = load(&description, raw, checks)?;
        let url_text = config
            .service_url
            .as_deref()
            .unwrap_or(flavor.service_url());
        let service_url = Url::parse(url_text).map_err(|_| {
            polypay_core::Error::Config(ConfigErrors(vec![FieldError::new(
                "service_url",
                "must be a URL",
            )]))
        })?;
        let hmac_test = HmacSha256::new(config.secret_test.expose().as_bytes());
        let hmac_production = config
            .secret_production
            .as_ref()
            .map(|s| HmacSha256::new(s.expose().as_bytes()));
        let config_values_valid = request::config_values_valid(&config);
        Ok(SystemPay {
            flavor,
            config,
            service_url,
            description,
            hmac_test,
            hmac_production,
            config_values_valid,
        })
    }

    /// The key of a `vads_ctx_mode`.
    fn key_for(&self, ctx_mode: &str) -> Option<signature::Key<'_>> {
        match ctx_mode {
            "TEST" => Some(signature::Key {
                secret: self.config.secret_test.expose(),
                hmac: &self.hmac_test,
            }),
            "PRODUCTION" => Some(signature::Key {
                secret: self.config.secret_production.as_ref()?.expose(),
                hmac: self.hmac_production.as_ref()?,
            }),
            _ => None,
        }
    }
}

impl Backend for SystemPay {
    fn kind(&self) -> &str {
        self.flavor.kind()
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

    fn guess(&self, incoming: &Incoming) -> Option<String> {
        Self::guess_id(incoming)
    }
}

fn warnings(config: &Object) -> Vec<FieldError> {
    match text(config, "signature_algo") {
        Some("hmac_sha256") => Vec::new(),
        _ => vec![warning(
            "signature_algo",
            "SHA-1 signatures are weak: choose hmac_sha256 here and in the SystemPay/PayZen back office",
        )],
    }
}

/// Factory of the `systempayv2` kind.
pub struct SystemPayFactory;
/// Factory of the `payzen` kind.
pub struct PayZenFactory;

impl BackendFactory for SystemPayFactory {
    fn kind(&self) -> &str {
        Flavor::SystemPay.kind()
    }
    fn description(&self) -> Description {
        description(Flavor::SystemPay)
    }
    fn build(&self, config: &Object) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(SystemPay::build(Flavor::SystemPay, config)?))
    }
    fn warnings(&self, config: &Object) -> Vec<FieldError> {
        warnings(config)
    }
}

impl BackendFactory for PayZenFactory {
    fn kind(&self) -> &str {
        Flavor::PayZen.kind()
    }
    fn description(&self) -> Description {
        description(Flavor::PayZen)
    }
    fn build(&self, config: &Object) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(SystemPay::build(Flavor::PayZen, config)?))
    }
    fn warnings(&self, config: &Object) -> Vec<FieldError> {
        warnings(config)
    }
}

polypay_core::register_backend!(SystemPayFactory);
polypay_core::register_backend!(PayZenFactory);

#[cfg(test)]
mod tests;
