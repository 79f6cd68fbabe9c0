//! Validation of a configuration against a [`Description`] (helper A fills this in).

use serde::de::DeserializeOwned;

use super::Description;
use crate::{ConfigErrors, Result};

impl Description {
    /// Every problem of `config` (a flat map of parameter values), at once.
    pub fn validate(&self, config: &serde_json::Map<String, serde_json::Value>) -> ConfigErrors {
        let _ = config;
        ConfigErrors::default()
    }
}

/// Resolves `{ env = "NAME" }` secrets, validates `config` against `description` (every error
/// at once), then deserializes it into the typed configuration `C`.
pub fn parse_config<C: DeserializeOwned>(
    description: &Description,
    config: &serde_json::Map<String, serde_json::Value>,
) -> Result<C> {
    description.validate(config).into_result()?;
    serde_json::from_value(serde_json::Value::Object(config.clone()))
        .map_err(|e| crate::Error::Config(ConfigErrors(vec![crate::FieldError::new("", e.to_string())])))
}
