//! SystemPay / PayZen configuration and per-transaction fields, with eopayment's parameter
//! names, captions, defaults and choices.

use std::collections::BTreeMap;

use polypay_core::Secret;
use serde::{Deserialize, Serialize};

/// How requests and responses are signed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum SignatureAlgo {
    /// SHA-1 (weak: kept for existing shops)
    #[default]
    #[serde(rename = "sha1")]
    Sha1,
    /// HMAC-SHA-256 (recommended)
    #[serde(rename = "hmac_sha256")]
    HmacSha256,
}

/// Which of the shop's two configurations the payment uses.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum CtxMode {
    /// TEST
    #[default]
    #[serde(rename = "TEST")]
    Test,
    /// PRODUCTION
    #[serde(rename = "PRODUCTION")]
    Production,
}

impl CtxMode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            CtxMode::Test => "TEST",
            CtxMode::Production => "PRODUCTION",
        }
    }
}

/// Single or multiple payment.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum PaymentConfig {
    /// SINGLE
    #[default]
    #[serde(rename = "SINGLE")]
    Single,
    /// MULTI
    #[serde(rename = "MULTI")]
    Multi,
}

impl PaymentConfig {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentConfig::Single => "SINGLE",
            PaymentConfig::Multi => "MULTI",
        }
    }
}

/// SystemPay / PayZen (Lyra "vads" form API).
///
/// Besides the parameters below, any `vads_*` field of the payment form may be preset here
/// (`vads_language = "en"`, `vads_cust_country = "BE"`): it is sent and signed with every
/// payment, as eopayment does.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(extend("additionalProperties" = false, "patternProperties" = {
    "^vads_[a-z0-9_]+$": { "type": "string", "maxLength": 1024 }
}))]
pub struct Config {
    /// Normal return URL
    ///
    /// Where the payer's browser comes back (sent as vads_url_return).
    #[serde(default)]
    #[schemars(regex(pattern = r"^(https?://.*)?$"))]
    pub normal_return_url: String,
    /// Automatic return URL (ignored, must be set in Payzen/SystemPay backoffice)
    ///
    /// Sent as vads_url_check when set: the back office may be configured to honour it.
    #[schemars(regex(pattern = r"^https?://"))]
    pub automatic_return_url: Option<String>,
    /// URL du service de paiement
    ///
    /// Payment service URL: do not change unless you know what you are doing.
    #[schemars(regex(pattern = r"^http"))]
    pub service_url: Option<String>,
    /// Secret pour la configuration de TEST
    ///
    /// The TEST certificate (key) of the shop.
    #[serde(skip_serializing)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9]+$"))]
    pub secret_test: Secret,
    /// Secret pour la configuration de PRODUCTION
    ///
    /// The PRODUCTION certificate (key) of the shop; required when vads_ctx_mode is PRODUCTION.
    #[serde(skip_serializing)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9]+$"))]
    pub secret_production: Option<Secret>,
    /// Algorithme de signature
    ///
    /// Signature algorithm. SHA-1 is the default for compatibility with existing shops; new
    /// shops should choose HMAC-SHA-256 (and select it in the back office).
    #[serde(default)]
    #[schemars(extend("examples" = ["hmac_sha256"]))]
    pub signature_algo: SignatureAlgo,
    /// Validation manuelle
    ///
    /// Manual validation: payments wait for a validation in the back office before capture.
    #[serde(default)]
    pub manual_validation: bool,
    /// vads_ctx_mode
    ///
    /// TEST or PRODUCTION configuration of the shop.
    #[serde(default)]
    pub vads_ctx_mode: CtxMode,
    /// Identifiant de la boutique
    ///
    /// Shop identifier (8 digits).
    #[schemars(regex(pattern = r"^[0-9]{8}$"))]
    pub vads_site_id: String,
    /// Complément d'information 1
    #[schemars(length(max = 255))]
    pub vads_order_info: Option<String>,
    /// Complément d'information 2
    #[schemars(length(max = 255))]
    pub vads_order_info2: Option<String>,
    /// Complément d'information 3
    #[schemars(length(max = 255))]
    pub vads_order_info3: Option<String>,
    /// Liste des cartes de paiement acceptées
    ///
    /// Accepted card brands: empty for all, or a list separated by ";" (AMEX;CB;MASTERCARD;VISA...).
    #[serde(default)]
    #[schemars(regex(pattern = r"^[A-Za-z0-9;_]*$"), length(max = 127))]
    pub vads_payment_cards: String,
    /// vads_payment_config
    #[serde(default)]
    pub vads_payment_config: PaymentConfig,
    /// capture_day
    ///
    /// Days between the payment and its capture (vads_capture_delay). A per-payment value
    /// wins. (eopayment ignores this setting; polypay applies it.)
    #[schemars(regex(pattern = r"^[0-9]{0,3}$"))]
    pub capture_day: Option<String>,
    /// Other `vads_*` fields preset for every payment.
    #[serde(flatten)]
    #[schemars(skip)]
    pub preset: BTreeMap<String, String>,
}

/// Per-transaction fields of SystemPay / PayZen (`PaymentRequest::extra`, CLI
/// `--set NAME=VALUE`). Any other `vads_*` field of the payment form is accepted too, checked
/// against the field's type and length, sent and signed: `vads_trans_id`, `vads_trans_date`,
/// `vads_contrib`, `vads_cust_country`, ...
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[schemars(extend("additionalProperties" = false, "patternProperties" = {
    "^vads_[a-z0-9_]+$": { "type": "string", "maxLength": 1024 }
}))]
pub struct Extra {
    /// Validation manuelle
    ///
    /// Manual validation for this payment.
    pub manual_validation: Option<bool>,
    /// Complément d'information 1
    #[schemars(length(max = 255))]
    pub vads_order_info: Option<String>,
    /// Complément d'information 2
    #[schemars(length(max = 255))]
    pub vads_order_info2: Option<String>,
    /// Complément d'information 3
    #[schemars(length(max = 255))]
    pub vads_order_info3: Option<String>,
    /// Liste des cartes de paiement acceptées
    #[schemars(regex(pattern = r"^[A-Za-z0-9;_]*$"), length(max = 127))]
    pub vads_payment_cards: Option<String>,
    /// Other `vads_*` fields.
    #[serde(flatten)]
    #[schemars(skip)]
    pub fields: BTreeMap<String, serde_json::Value>,
}
