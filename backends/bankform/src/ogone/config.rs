//! Ogone configuration, with eopayment's parameter names, captions, defaults and choices.

use std::collections::BTreeMap;

use polypay_core::Secret;
use serde::{Deserialize, Serialize};

/// Test or production environment.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum Environment {
    /// TEST
    #[default]
    #[serde(rename = "TEST")]
    Test,
    /// PROD
    #[serde(rename = "PROD")]
    Prod,
}

/// Character encoding of the returns.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum Encoding {
    /// iso-8859-1 (eopayment's effective default)
    #[default]
    #[serde(rename = "iso-8859-1")]
    Latin1,
    /// utf-8
    #[serde(rename = "utf-8")]
    Utf8,
}

/// The hash of SHA-IN / SHA-OUT signatures (set the same in the Ingenico back office).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum HashAlgorithm {
    /// SHA-1 (weak: kept for existing shops)
    #[default]
    #[serde(rename = "sha1")]
    Sha1,
    /// SHA-256
    #[serde(rename = "sha256")]
    Sha256,
    /// SHA-512 (recommended)
    #[serde(rename = "sha512")]
    Sha512,
}

fn french() -> String {
    "fr_FR".into()
}
fn euro() -> String {
    "EUR".into()
}

/// Ogone / Ingenico Payment Services e-Commerce.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Normal return URL
    ///
    /// Sent as ACCEPTURL, BACKURL, CANCELURL, DECLINEURL and EXCEPTIONURL.
    #[serde(default)]
    #[schemars(regex(pattern = r"^(https?://.*)?$"))]
    pub normal_return_url: String,
    /// Automatic return URL (ignored, must be set in Ogone backoffice)
    pub automatic_return_url: Option<String>,
    /// Environnement
    ///
    /// Environment.
    #[serde(default)]
    pub environment: Environment,
    /// Nom d'affiliation dans le système
    ///
    /// PSPID: the shop's name at Ingenico.
    #[schemars(length(min = 1, max = 30))]
    pub pspid: String,
    /// Language
    #[serde(default = "french")]
    #[schemars(regex(pattern = r"^[a-z]{2}_[A-Z]{2}$"))]
    pub language: String,
    /// Characters encoding
    ///
    /// Encoding of the returns (eopayment reads them as iso-8859-1 unless told otherwise).
    #[serde(default)]
    pub encoding: Encoding,
    /// Algorithme de hachage
    ///
    /// Hash algorithm of the signatures. SHA-1 is the default for compatibility; new shops
    /// should choose SHA-512 (here and in the back office).
    #[serde(default)]
    #[schemars(extend("examples" = ["sha512"]))]
    pub hash_algorithm: HashAlgorithm,
    /// Clé SHA-IN
    ///
    /// SHA-IN passphrase (signs the requests).
    #[serde(skip_serializing)]
    pub sha_in: Secret,
    /// Clé SHA-OUT
    ///
    /// SHA-OUT passphrase (signs the returns).
    #[serde(skip_serializing)]
    pub sha_out: Secret,
    /// Monnaie
    ///
    /// Currency.
    #[serde(default = "euro")]
    #[schemars(extend("enum" = ["EUR"]))]
    pub currency: String,
}

/// Per-transaction fields of Ogone: any parameter of Ingenico's SHA-IN list, by its name
/// (case-insensitive: `TP`, `PARAMPLUS`, `TITLE`, `ITEMNAME1`, ...), sent and signed.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[schemars(extend("additionalProperties" = false, "patternProperties" = {
    "^[A-Za-z0-9_]+$": { "type": "string", "maxLength": 4000 }
}))]
pub struct Extra {
    /// The parameters.
    #[serde(flatten)]
    #[schemars(skip)]
    pub fields: BTreeMap<String, serde_json::Value>,
}
