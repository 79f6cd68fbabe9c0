//! Self-description of a backend's configuration, and what polypay derives from it.
//!
//! A backend's configuration is a Rust type deriving `serde::Deserialize` and
//! `schemars::JsonSchema`: that schema is the single source of truth. Captions come from
//! `title`s, help from doc comments, secrets from [`crate::Secret`] fields (`writeOnly`,
//! `format: password`), per-transaction options from a second type (scope = transaction).
//! From the schema polypay derives:
//!
//! - a [`Description`]: parameters with name, caption, help, kind, required, default, choices,
//!   secret and scope, as Rust data and JSON;
//! - the JSON Schema draft-07 itself (what react-jsonschema-form and json-editor consume);
//! - a server-side HTML form ([`Description::html_form`]);
//! - a commented TOML template ([`Description::toml_template`]);
//! - validation reporting every error at once ([`Description::validate`]).
//!
//! Plugins hand over the same JSON Schema ([`Description::from_schemas`]), so every generator
//! works for them too.

#[cfg(test)]
mod fixture;
mod html;
mod parse;
mod schema;
mod template;
mod validate;

use serde::{Deserialize, Serialize};

use crate::Capabilities;

pub use parse::parse_config;
pub(crate) use validate::suggest;

/// Whether a parameter belongs to the backend configuration or to each transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Set once in the configuration.
    Global,
    /// Given per payment, in `PaymentRequest::extra` (CLI `--set NAME=VALUE`).
    Transaction,
}

/// The kind of value a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ParamKind {
    /// Free text (possibly with choices, a pattern or length limits).
    Text,
    /// An integer.
    Integer,
    /// A number written in JSON (avoid for money: amounts are text).
    Number,
    /// `true` / `false`.
    Boolean,
    /// A URL.
    Url,
    /// An e-mail address.
    Email,
    /// A list of values (possibly restricted to the choices).
    List,
    /// A table of named values.
    Table,
}

/// One allowed value of a parameter, with a label for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The value as written in the configuration.
    pub value: serde_json::Value,
    /// The label to show.
    pub label: String,
}

/// One configuration or per-transaction parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Parameter {
    /// Name, as written in the configuration (`vads_site_id`).
    pub name: String,
    /// Short label (`Site ID`).
    pub caption: String,
    /// Longer help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Kind of value.
    pub kind: ParamKind,
    /// Whether it must be given.
    pub required: bool,
    /// Value used when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Allowed values (for a list: allowed items); empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Whether the value is a secret (shown as a password input, never echoed).
    pub secret: bool,
    /// Global or per transaction.
    pub scope: Scope,
    /// Kept for old configurations; do not use in new ones.
    #[serde(default)]
    pub deprecated: bool,
    /// The value new configurations should use when it differs from the default kept for
    /// old ones (a stronger signature algorithm, say): the schema's first `examples` entry.
    /// Generated templates write it instead of the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended: Option<serde_json::Value>,
    /// Regular expression the text must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Shortest text allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Longest text allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Smallest integer allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    /// Largest integer allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
}

/// Everything a backend says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Description {
    /// Backend kind (`dummy`).
    pub kind: String,
    /// Human name (`Dummy payment backend`).
    pub caption: String,
    /// What the backend is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Configuration parameters (scope global) then per-transaction ones.
    pub parameters: Vec<Parameter>,
    /// What the backend supports.
    pub capabilities: Capabilities,
    /// JSON Schema (draft-07) of the configuration.
    pub config_schema: serde_json::Value,
    /// JSON Schema (draft-07) of the per-transaction fields (`PaymentRequest::extra`).
    pub transaction_schema: serde_json::Value,
}

impl Description {
    /// Describes a backend from its configuration type `C` and its per-transaction type `T`
    /// ([`NoTransactionFields`] when it has none).
    ///
    /// ```
    /// use polypay_core::{Capabilities, Description, NoTransactionFields, Operation, Secret};
    ///
    /// /// Example backend configuration.
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// #[serde(deny_unknown_fields)]
    /// struct Config {
    ///     /// Merchant id
    ///     ///
    ///     /// The id the bank gave you.
    ///     merchant_id: String,
    ///     /// Signing key
    ///     secret: Secret,
    /// }
    ///
    /// let d = Description::from_types::<Config, NoTransactionFields>(
    ///     "example", "Example bank", Capabilities::new(&[Operation::Request]));
    /// let p = &d.parameters[0];
    /// assert_eq!((p.name.as_str(), p.caption.as_str(), p.required), ("merchant_id", "Merchant id", true));
    /// assert_eq!(p.help.as_deref(), Some("The id the bank gave you."));
    /// assert!(d.parameters[1].secret);
    /// ```
    pub fn from_types<C: schemars::JsonSchema, T: schemars::JsonSchema>(
        kind: &str,
        caption: &str,
        capabilities: Capabilities,
    ) -> Description {
        let config_schema = schema::draft07_for::<C>();
        let transaction_schema = schema::draft07_for::<T>();
        Self::from_schemas(
            kind,
            caption,
            config_schema,
            transaction_schema,
            capabilities,
        )
    }

    /// Describes a backend from JSON Schemas (what a plugin hands over).
    pub fn from_schemas(
        kind: &str,
        caption: &str,
        config_schema: serde_json::Value,
        transaction_schema: serde_json::Value,
        capabilities: Capabilities,
    ) -> Description {
        let mut parameters = schema::parameters(&config_schema, Scope::Global);
        parameters.extend(schema::parameters(&transaction_schema, Scope::Transaction));
        let help = config_schema
            .get("description")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        Description {
            kind: kind.to_owned(),
            caption: caption.to_owned(),
            help,
            parameters,
            capabilities,
            config_schema,
            transaction_schema,
        }
    }

    /// The configuration parameters (scope global).
    pub fn global_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters.iter().filter(|p| p.scope == Scope::Global)
    }

    /// The per-transaction parameters.
    pub fn transaction_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(|p| p.scope == Scope::Transaction)
    }

    /// The parameter of this name, if any.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The configuration's JSON Schema (draft-07), with the backend caption as title.
    pub fn json_schema(&self) -> serde_json::Value {
        let mut s = self.config_schema.clone();
        if let Some(obj) = s.as_object_mut() {
            obj.insert("title".into(), self.caption.clone().into());
        }
        s
    }
}

/// The per-transaction type of a backend that has no per-transaction fields.
#[derive(Debug, Clone, Copy, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoTransactionFields {}
