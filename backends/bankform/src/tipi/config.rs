//! TIPI configuration and per-transaction fields, with eopayment's parameter names.

use serde::{Deserialize, Serialize};

/// Test, activation or production.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum Saisie {
    /// T: test
    #[default]
    #[serde(rename = "T")]
    Test,
    /// X: activation
    #[serde(rename = "X")]
    Activation,
    /// A: production
    #[serde(rename = "A")]
    Production,
}

impl Saisie {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Saisie::Test => "T",
            Saisie::Activation => "X",
            Saisie::Production => "A",
        }
    }
}

/// TIPI / PayFiP régie, URL mode (no signature on returns: see `trust_unsigned_returns`).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Client number
    ///
    /// 6 digits number provided by DGFIP.
    #[schemars(regex(pattern = r"^[0-9]{1,6}$"))]
    pub numcli: String,
    /// Normal return URL (unused by TIPI)
    pub normal_return_url: Option<String>,
    /// Automatic return URL
    ///
    /// Where TIPI notifies the payment (urlcl); required to make payments, here or per payment.
    #[schemars(regex(pattern = r"^http"))]
    pub automatic_return_url: Option<String>,
    /// Payment type
    #[serde(default)]
    pub saisie: Saisie,
    /// Trust unsigned returns (dangerous)
    ///
    /// TIPI returns carry no signature: anyone can forge a "paid" return. They are therefore
    /// never reported as verified, and a payment must be confirmed another way (PayFiP's web
    /// service). Setting this to true reports them as verified anyway, as eopayment does.
    #[serde(default)]
    pub trust_unsigned_returns: bool,
}

/// Per-transaction fields of TIPI (`PaymentRequest::extra`, CLI `--set NAME=VALUE`).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extra {
    /// Debt reference (refdet): 6 to 30 letters and digits
    #[schemars(regex(pattern = r"^[a-zA-Z0-9]{6,30}$"))]
    pub refdet: Option<String>,
    /// Financial year (exer)
    #[schemars(range(min = 0, max = 9999))]
    pub exer: Option<u32>,
    /// Object of the payment (objet), ASCII only
    #[schemars(regex(pattern = r"^[\x20-\x7e]*$"), length(max = 100))]
    pub objet: Option<String>,
    /// Payment type for this payment (saisie: M, T, X or A)
    #[schemars(regex(pattern = r"^[MTXA]$"))]
    pub saisie: Option<String>,
}
