//! A configuration type with every kind of parameter, shared by the tests of `describe`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Capabilities, Description, Operation, Secret};

/// How the bank treats payments.
#[derive(Debug, Default, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Test mode
    #[default]
    Test,
    /// Production mode
    Production,
}

/// A payment method.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Card
    Card,
    /// Wire transfer
    Wire,
}

/// A bank used by the tests.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site id
    ///
    /// Eight digits given by the bank.
    #[schemars(regex(pattern = r"^\d{8}$"))]
    pub site_id: String,
    /// Signing key
    #[serde(skip_serializing)]
    #[schemars(length(min = 4))]
    pub secret: Secret,
    /// Test mode
    #[serde(default = "yes")]
    pub test: bool,
    /// Mode of operation
    #[serde(default)]
    pub mode: Mode,
    /// Delay in days
    #[schemars(range(min = 1, max = 30))]
    #[serde(default = "three")]
    pub delay: u32,
    /// Payment methods
    #[serde(default)]
    pub methods: Vec<Method>,
    /// Return URL
    pub return_url: Option<url::Url>,
    /// Notification e-mail
    #[schemars(email)]
    pub email: Option<String>,
    /// Tags
    #[serde(default)]
    pub tags: Vec<String>,
    /// Extra fields
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Old switch
    ///
    /// Replaced by mode.
    #[deprecated]
    #[serde(default)]
    pub old: Option<bool>,
}

fn yes() -> bool {
    true
}

fn three() -> u32 {
    3
}

/// Per-transaction fields.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Only its schema is used.
pub struct Transaction {
    /// Capture day
    #[schemars(range(max = 7))]
    pub capture_day: Option<u8>,
    /// Language
    pub language: Option<String>,
}

pub fn description() -> Description {
    Description::from_types::<Config, Transaction>(
        "example",
        "Example bank",
        Capabilities::new(&[Operation::Request, Operation::Response]),
    )
}

/// A valid configuration.
pub fn valid() -> serde_json::Map<String, serde_json::Value> {
    let v = serde_json::json!({ "site_id": "12345678", "secret": "hunter2-secret" });
    v.as_object().cloned().unwrap_or_default()
}

/// The object `v` is (tests build objects with `json!`).
pub fn obj(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().cloned().expect("a JSON object")
}

/// Every message of `errors`, as shown.
pub fn messages(errors: &crate::ConfigErrors) -> Vec<String> {
    errors.0.iter().map(|e| e.to_string()).collect()
}
