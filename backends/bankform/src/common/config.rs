//! Loading configurations and per-transaction fields.
//!
//! eopayment configurations are flat `{name: value}` maps whose optional values are often
//! left as `""` (eopayment falls back to the default for any falsy value): such empty optional
//! values are read as absent, so those configurations load unchanged.

use polypay_core::{ConfigErrors, Description, Error, FieldError, Result, Scope, parse_config};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A configuration or per-transaction map.
pub(crate) type Object = Map<String, Value>;

/// Validates `raw` against the description and the backend's own cross-field `checks`,
/// reporting every problem at once, then deserializes it.
pub(crate) fn load<C: DeserializeOwned>(
    description: &Description,
    raw: &Object,
    checks: impl Fn(&Object, &mut ConfigErrors),
) -> Result<C> {
    let mut config = without_empty_optionals(description, raw);
    let mut errors = description.resolve_env(&mut config);
    errors.0.extend(description.validate(&config).0);
    checks(&config, &mut errors);
    errors.into_result()?;
    parse_config(description, &config)
}

/// `raw` without optional parameters set to `""` (eopayment's "falsy means default").
fn without_empty_optionals(description: &Description, raw: &Object) -> Object {
    raw.iter()
        .filter(|(name, value)| {
            let optional = description
                .global_parameters()
                .any(|p| &p.name == *name && !p.required);
            !(optional && value.as_str() == Some(""))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Parses `PaymentRequest::extra` into the backend's per-transaction type: text values are
/// converted to each parameter's kind first (`--set manual_validation=true`).
pub(crate) fn extra<T: DeserializeOwned>(description: &Description, extra: &Object) -> Result<T> {
    let typed = description.coerce(Scope::Transaction, extra);
    serde_json::from_value(Value::Object(typed))
        .map_err(|e| Error::invalid_input(format!("per-transaction fields: {e}")))
}

/// Sets the default of a parameter in both the description and its schema (for a default
/// that depends on the backend kind, or one that cannot be serialized, such as Sips's public
/// simulation key).
pub(crate) fn set_default(description: &mut Description, name: &str, value: Value) {
    if let Some(p) = description.parameters.iter_mut().find(|p| p.name == name) {
        p.default = Some(value.clone());
    }
    if let Some(prop) = description
        .config_schema
        .get_mut("properties")
        .and_then(|p| p.get_mut(name))
        .and_then(Value::as_object_mut)
    {
        prop.insert("default".into(), value);
    }
}

/// The text of a configuration value (`None` when absent or not text).
pub(crate) fn text<'a>(config: &'a Object, name: &str) -> Option<&'a str> {
    config.get(name).and_then(Value::as_str)
}

/// A warning about a parameter.
pub(crate) fn warning(field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

/// Collects problems of a request's fields, to report them all at once as one
/// [`Error::InvalidInput`].
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<String>);

impl Problems {
    /// Records a problem.
    pub(crate) fn push(&mut self, message: impl Into<String>) {
        self.0.push(message.into());
    }

    /// Records `message` when `bad`.
    pub(crate) fn check(&mut self, bad: bool, message: impl FnOnce() -> String) {
        if bad {
            self.0.push(message());
        }
    }

    /// `Ok` when nothing was recorded, else every problem in one error.
    pub(crate) fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_input(self.0.join("; ")))
        }
    }
}
