//! Sips 2.0 configuration, with eopayment's parameter names, captions, defaults and choices.

use polypay_core::Secret;
use serde::{Deserialize, Serialize};

/// The public simulation merchant of Worldline (test platform only).
pub const SIMULATION_MERCHANT_ID: &str = "002001000000001";
/// The public key of the simulation merchant (test platform only; not a secret).
pub const SIMULATION_SECRET_KEY: &str = "002001000000001_KEY1";

/// Test or production platform.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// test
    #[default]
    Test,
    /// prod
    Prod,
}

/// When the payment is captured.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum CaptureMode {
    /// AUTHOR_CAPTURE
    #[default]
    #[serde(rename = "AUTHOR_CAPTURE")]
    AuthorCapture,
    /// IMMEDIATE
    #[serde(rename = "IMMEDIATE")]
    Immediate,
    /// VALIDATION
    #[serde(rename = "VALIDATION")]
    Validation,
}

impl CaptureMode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureMode::AuthorCapture => "AUTHOR_CAPTURE",
            CaptureMode::Immediate => "IMMEDIATE",
            CaptureMode::Validation => "VALIDATION",
        }
    }
}

/// How the Paypage `Data` is sealed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum SealAlgorithm {
    /// SHA-256 of Data followed by the key (eopayment's, and the bank's default; no
    /// SealAlgorithm field is sent)
    #[default]
    #[serde(rename = "SHA-256")]
    Sha256,
    /// HMAC-SHA-256 of Data under the key (sent as SealAlgorithm=HMAC-SHA-256; recommended)
    #[serde(rename = "HMAC-SHA-256")]
    HmacSha256,
}

impl SealAlgorithm {
    /// The wire value of the `SealAlgorithm` field.
    pub fn as_str(self) -> &'static str {
        match self {
            SealAlgorithm::Sha256 => "SHA-256",
            SealAlgorithm::HmacSha256 => "HMAC-SHA-256",
        }
    }
}

fn simulation_merchant() -> String {
    SIMULATION_MERCHANT_ID.into()
}
fn simulation_key() -> Secret {
    Secret::new(SIMULATION_SECRET_KEY)
}
fn one() -> String {
    "1".into()
}
fn euro() -> String {
    "978".into()
}
fn paris() -> String {
    crate::common::time::PARIS.into()
}

/// Worldline Sips 2.0 (Mercanet, Sogenactif, Scellius, ...): Paypage POST and office server.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Platform
    #[serde(default)]
    pub platform: Platform,
    /// Merchant ID
    ///
    /// The default is Worldline's public simulation merchant (test platform only).
    #[serde(default = "simulation_merchant")]
    #[schemars(regex(pattern = r"^[0-9A-Za-z]+$"))]
    pub merchant_id: String,
    /// Secret Key
    ///
    /// When absent, the simulation merchant's public key 002001000000001_KEY1 is used (test
    /// platform only).
    #[serde(default = "simulation_key", skip_serializing)]
    pub secret_key: Secret,
    /// Key Version
    #[serde(default = "one")]
    #[schemars(regex(pattern = r"^[0-9]+$"))]
    pub key_version: String,
    /// Normal return URL
    #[serde(default)]
    #[schemars(regex(pattern = r"^(https?://.*)?$"))]
    pub normal_return_url: String,
    /// Automatic return URL
    #[schemars(regex(pattern = r"^https?://"))]
    pub automatic_return_url: Option<String>,
    /// Currency code
    #[serde(default = "euro")]
    #[schemars(extend("enum" = ["978"]))]
    pub currency_code: String,
    /// Capture Mode
    #[serde(default)]
    pub capture_mode: CaptureMode,
    /// Capture Day
    ///
    /// Days between authorisation and capture (0 to 99).
    #[schemars(regex(pattern = r"^[0-9]{1,2}$"))]
    pub capture_day: Option<String>,
    /// Payment Means
    ///
    /// Accepted brands, sent as paymentMeanBrandList (for example CB,VISA,MASTERCARD).
    #[schemars(regex(pattern = r"^[A-Z0-9_,]*$"))]
    pub payment_means: Option<String>,
    /// Seal algorithm
    ///
    /// How the Paypage Data is sealed. SHA-256 (Data followed by the key) is eopayment's and
    /// stays the default; new shops should use HMAC-SHA-256 (a polypay option; eopayment has
    /// none). Returns are checked with the algorithm they name in SealAlgorithm, else this one.
    #[serde(default)]
    #[schemars(extend("examples" = ["HMAC-SHA-256"]))]
    pub seal_algorithm: SealAlgorithm,
    /// SIPS server Timezone
    ///
    /// Zone of dates written without an offset by the server.
    #[serde(default = "paris")]
    pub timezone: String,
}
