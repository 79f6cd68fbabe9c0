//! Paybox configuration and per-transaction fields, with eopayment's parameter names,
//! captions, defaults and choices.

use polypay_core::Secret;
use serde::{Deserialize, Serialize};

/// Paybox's published public key (1024-bit RSA), which signs returns: the default of
/// `public_key`.
pub const PAYBOX_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDe+hkicNP7ROHUssGNtHwiT2Ew
HFrSk/qwrcq8v5metRtTTFPE/nmzSkRnTs3GMpi57rBdxBBJW5W9cpNyGUh0jNXc
VrOSClpD5Ri2hER/GcNrxVRP7RlWOqB1C03q4QYmwjHZ+zlM4OUhCCAtSWflB4wC
Ka1g88CjFwRw/PB9kwIDAQAB
-----END PUBLIC KEY-----
";

/// Which Paybox platform.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Test
    #[default]
    Test,
    /// Backup
    Backup,
    /// Production
    Prod,
}

/// Capture at once, or authorise only.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum CaptureMode {
    /// AUTHOR_CAPTURE
    #[serde(rename = "AUTHOR_CAPTURE")]
    AuthorCapture,
    /// IMMEDIATE
    #[default]
    #[serde(rename = "IMMEDIATE")]
    Immediate,
}

/// The Paybox Direct question type used to cancel.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum CancelType {
    /// 00005: cancel (the bank's documented type; polypay's default)
    #[default]
    #[serde(rename = "00005")]
    Cancel,
    /// 00055: the subscriber variant eopayment sends
    #[serde(rename = "00055")]
    SubscriberCancel,
}

impl CancelType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelType::Cancel => "00005",
            CancelType::SubscriberCancel => "00055",
        }
    }
}

fn euro() -> String {
    "978".into()
}
fn paris() -> String {
    crate::common::time::PARIS.into()
}

/// Paybox System (Verifone e-Transactions), with Paybox Direct for capture, cancel and refund.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Normal return URL
    #[serde(default)]
    #[schemars(regex(pattern = r"^(https?://.*)?$"))]
    pub normal_return_url: String,
    /// Automatic return URL
    #[schemars(regex(pattern = r"^https?://"))]
    pub automatic_return_url: Option<String>,
    /// Plateforme cible
    ///
    /// Target platform.
    #[serde(default)]
    pub platform: Platform,
    /// Numéro de site
    ///
    /// Site number (7 digits).
    #[schemars(regex(pattern = r"^[0-9]{7}$"))]
    pub site: String,
    /// Clé
    ///
    /// Paybox Direct key: only needed for cancel, refund and capture.
    #[serde(skip_serializing)]
    pub cle: Option<Secret>,
    /// Numéro de rang
    ///
    /// Rank number (2 or 3 digits).
    #[schemars(regex(pattern = r"^\s*[0-9]{2,3}\s*$"))]
    pub rang: String,
    /// Identifiant
    ///
    /// Paybox identifier (1 to 9 digits).
    #[schemars(regex(pattern = r"^[0-9]{1,9}$"))]
    pub identifiant: String,
    /// Secret partagé (clé HMAC)
    ///
    /// Shared secret (HMAC key), in hexadecimal.
    #[serde(skip_serializing)]
    #[schemars(regex(pattern = r"^([0-9A-Fa-f]{2})+$"))]
    pub shared_secret: Secret,
    /// Devise
    ///
    /// Currency (978: euro).
    #[serde(default = "euro")]
    #[schemars(extend("enum" = ["978"]))]
    pub devise: String,
    /// Callback URL
    ///
    /// Replaced by automatic_return_url.
    #[schemars(regex(pattern = r"^https?://"), extend("deprecated" = true))]
    pub callback: Option<String>,
    /// Nombre de jours pour un paiement différé
    ///
    /// Days before a deferred capture (1 or 2 digits).
    #[schemars(regex(pattern = r"^[0-9]{1,2}$"))]
    pub capture_day: Option<String>,
    /// Capture Mode
    #[serde(default)]
    pub capture_mode: CaptureMode,
    /// Validation manuelle
    ///
    /// Manual validation: authorise only, capture later with validate.
    #[serde(default)]
    pub manual_validation: bool,
    /// Default Timezone
    ///
    /// Zone of PBX_CMD dates, Paybox Direct dates and return dates.
    #[serde(default = "paris")]
    pub timezone: String,
    /// Paybox public key
    ///
    /// PEM public key that signs Paybox returns (RSA-SHA1). The default is the key Paybox
    /// publishes; change it only if Paybox gives you another.
    pub public_key: Option<String>,
    /// Paybox Direct cancel type
    ///
    /// 00005 is the documented cancel; 00055 reproduces eopayment (a subscriber operation).
    #[serde(default)]
    pub direct_cancel_type: CancelType,
}

/// Per-transaction fields of Paybox (`PaymentRequest::extra`, CLI `--set NAME=VALUE`).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extra {
    /// Validation manuelle
    pub manual_validation: Option<bool>,
    /// PBX_TIME
    ///
    /// Time of the request as ISO 8601 (default: now, UTC).
    #[schemars(regex(
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2}|Z)$"
    ))]
    pub time: Option<String>,
    /// PBX_ARCHIVAGE
    ///
    /// Archive reference (default: 12 random characters).
    #[serde(rename = "PBX_ARCHIVAGE")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9]{1,12}$"))]
    pub archivage: Option<String>,
    /// Total quantity of items (3-D Secure v2 shopping cart)
    #[schemars(range(min = 1, max = 99))]
    pub total_quantity: Option<u32>,
    /// Billing address line (3-D Secure v2; default: the customer's address)
    #[schemars(length(max = 50))]
    pub address1: Option<String>,
    /// Billing zip code (3-D Secure v2)
    #[schemars(length(max = 16))]
    pub zipcode: Option<String>,
    /// Billing city (3-D Secure v2)
    #[schemars(length(max = 50))]
    pub city: Option<String>,
    /// Billing country, ISO 3166 numeric code (3-D Secure v2; 250 = France)
    #[schemars(range(min = 1, max = 999))]
    pub country_code: Option<u16>,
}
