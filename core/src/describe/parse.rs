//! From raw input to a typed configuration: text converted to each parameter's kind,
//! `{ env = "NAME" }` references read from the environment, and [`parse_config`].

use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use super::schema::{effective, resolve, type_name};
use super::{Description, ParamKind, Parameter, Scope};
use crate::{ConfigErrors, Error, Result};

type Object = Map<String, Value>;

impl Description {
    /// Turns text values (from an HTML form or `--set NAME=VALUE`) into the kind of their
    /// parameter of `scope`: `"5"` → `5` for an integer, `true/false/on/off/yes/no/1/0` → a
    /// boolean, lines (or, on one line, commas) → a list, `key = value` lines → a table.
    /// A value that does not convert is kept as it is, so that validation reports it; values of
    /// unknown names are kept too.
    ///
    /// ```
    /// use polypay_core::{Capabilities, Description, NoTransactionFields, Operation, Scope};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Config { delay: u32, test: bool, tags: Vec<String> }
    ///
    /// let d = Description::from_types::<Config, NoTransactionFields>(
    ///     "example", "Example", Capabilities::new(&[Operation::Request]));
    /// let text = serde_json::json!({ "delay": "5", "test": "on", "tags": "a, b" });
    /// let typed = d.coerce(Scope::Global, text.as_object().unwrap());
    /// assert_eq!(serde_json::Value::Object(typed),
    ///            serde_json::json!({ "delay": 5, "test": true, "tags": ["a", "b"] }));
    /// ```
    pub fn coerce(&self, scope: Scope, values: &Object) -> Object {
        values
            .iter()
            .map(|(name, value)| {
                let value = match self.scoped(scope, name) {
                    Some(p) => self.coerce_value(p, value),
                    None => value.clone(),
                };
                (name.clone(), value)
            })
            .collect()
    }

    /// Replaces every value written as `{ env = "NAME" }` (an object whose only key is `env`)
    /// by the environment variable `NAME`, converted to the parameter's kind like
    /// [`Description::coerce`] does. An unset variable is reported with the parameter and the
    /// variable's name (never a value), and its reference is left in place. (So a table whose
    /// only key is `env` always reads as a reference.)
    pub fn resolve_env(&self, config: &mut Object) -> ConfigErrors {
        let mut errors = ConfigErrors::default();
        for (name, value) in config.iter_mut() {
            let param = self.scoped(Scope::Global, name);
            resolve_value(name, value, param, self, &mut errors);
        }
        errors
    }

    fn coerce_value(&self, param: &Parameter, value: &Value) -> Value {
        match (param.kind, value) {
            (ParamKind::List, Value::String(text)) => {
                let item = self.item_kind(param);
                Value::Array(split_list(text).map(|s| coerce_text(item, s)).collect())
            }
            (ParamKind::List, Value::Array(items)) => {
                let item = self.item_kind(param);
                Value::Array(
                    items
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => coerce_text(item, s),
                            other => other.clone(),
                        })
                        .collect(),
                )
            }
            (kind, Value::String(text)) => coerce_text(kind, text),
            (_, other) => other.clone(),
        }
    }

    /// The kind of the items of a list parameter, from its schema.
    fn item_kind(&self, param: &Parameter) -> ParamKind {
        let root = self.schema_of(param.scope);
        let items = resolve(root, root)
            .get("properties")
            .and_then(|p| p.get(&param.name))
            .map(|p| effective(root, p))
            .and_then(|p| p.get("items"))
            .map(|i| effective(root, i));
        match items.and_then(type_name) {
            Some("integer") => ParamKind::Integer,
            Some("number") => ParamKind::Number,
            Some("boolean") => ParamKind::Boolean,
            _ => {
                // An enum of integers without a declared type.
                let first = items
                    .and_then(|i| i.get("enum"))
                    .and_then(Value::as_array)
                    .and_then(|a| a.first());
                match first {
                    Some(Value::Number(_)) => ParamKind::Integer,
                    _ => ParamKind::Text,
                }
            }
        }
    }
}

/// Lines, or when the text is one line, comma-separated items; blanks dropped.
fn split_list(text: &str) -> impl Iterator<Item = &str> {
    let separator = if text.contains('\n') { '\n' } else { ',' };
    text.split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `text` as a value of `kind`, or unchanged when it does not convert.
fn coerce_text(kind: ParamKind, text: &str) -> Value {
    let trimmed = text.trim();
    let converted = match kind {
        ParamKind::Integer => trimmed
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| trimmed.parse::<u64>().map(Value::from))
            .ok(),
        ParamKind::Number => trimmed.parse::<Number>().ok().map(Value::Number),
        ParamKind::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => Some(Value::Bool(true)),
            "false" | "off" | "no" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        ParamKind::List => Some(Value::Array(
            split_list(text)
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
        ParamKind::Table => toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| crate::config::toml_to_json(toml::Value::Table(t))),
        _ => None,
    };
    converted.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The variable name of an `{ env = "NAME" }` reference.
pub(crate) fn env_reference(value: &Value) -> Option<&str> {
    match value.as_object() {
        Some(obj) if obj.len() == 1 => obj.get("env").and_then(Value::as_str),
        _ => None,
    }
}

fn resolve_value(
    field: &str,
    value: &mut Value,
    param: Option<&Parameter>,
    description: &Description,
    errors: &mut ConfigErrors,
) {
    if let Some(var) = env_reference(value) {
        if var.is_empty() || var.contains(['=', '\0']) {
            errors.push(
                field,
                "the environment variable name in { env = ... } is not valid",
            );
            return;
        }
        match std::env::var(var) {
            Ok(text) => {
                *value = match param {
                    Some(p) => description.coerce_value(p, &Value::String(text)),
                    None => Value::String(text),
                }
            }
            Err(std::env::VarError::NotPresent) => {
                errors.push(field, format!("environment variable {var} is not set"))
            }
            Err(std::env::VarError::NotUnicode(_)) => errors.push(
                field,
                format!("environment variable {var} is not valid Unicode"),
            ),
        }
        return;
    }
    match value {
        Value::Object(obj) => {
            for (key, v) in obj.iter_mut() {
                resolve_value(&format!("{field}.{key}"), v, None, description, errors);
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                resolve_value(field, v, None, description, errors);
            }
        }
        _ => {}
    }
}

/// Resolves `{ env = "NAME" }` references, validates `config` against `description` (every
/// problem at once, as [`Error::Config`]), then deserializes it into the typed configuration `C`.
///
/// A deserialization problem the schema did not catch (a check written in a `Deserialize`
/// impl) is reported on its field, without the rejected value.
///
/// ```
/// use polypay_core::{Capabilities, Description, NoTransactionFields, Operation, Secret, parse_config};
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Config { merchant_id: String, key: Secret }
///
/// let d = Description::from_types::<Config, NoTransactionFields>(
///     "example", "Example", Capabilities::new(&[Operation::Request]));
/// // CARGO_PKG_NAME is set by cargo for doc tests.
/// let raw = serde_json::json!({ "merchant_id": "m1", "key": { "env": "CARGO_PKG_NAME" } });
/// let config: Config = parse_config(&d, raw.as_object().unwrap()).unwrap();
/// assert_eq!(config.key.expose(), "polypay-core");
///
/// let err = parse_config::<Config>(&d, &serde_json::Map::new()).err().unwrap();
/// assert!(err.to_string().contains("merchant_id: is required"));
/// ```
pub fn parse_config<C: DeserializeOwned>(description: &Description, config: &Object) -> Result<C> {
    let mut config = config.clone();
    let mut errors = description.resolve_env(&mut config);
    errors.0.extend(description.validate(&config).0);
    errors.into_result()?;
    let value = Value::Object(config);
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let (field, message) = serde_problem(description, &value, &e);
        Error::Config(ConfigErrors(vec![crate::FieldError::new(field, message)]))
    })
}

/// Field and message of a deserialization error, without the rejected value.
fn serde_problem(
    description: &Description,
    value: &Value,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> (String, String) {
    use serde_path_to_error::Segment;
    let mut field = Vec::new();
    let mut current = Some(value);
    for segment in error.path() {
        match segment {
            Segment::Map { key } => {
                field.push(key.clone());
                current = current.and_then(|v| v.get(key));
            }
            Segment::Seq { index } => current = current.and_then(|v| v.get(index)),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    let field = field.join(".");
    let text = error.inner().to_string();
    // serde_json appends " at line L column C"; the position is meaningless for a value tree.
    let text = text.split(" at line ").next().unwrap_or_default();
    let tick = |rest: &str| rest.split('`').nth(1).map(str::to_owned);
    if let Some(name) = text.strip_prefix("missing field ").and_then(tick) {
        return (join(&field, &name), "is required".into());
    }
    if let Some(name) = text.strip_prefix("unknown field ").and_then(tick) {
        return (join(&field, &name), "unknown parameter".into());
    }
    if let Some(name) = text.strip_prefix("duplicate field ").and_then(tick) {
        return (join(&field, &name), "is given twice".into());
    }
    // "invalid type: string \"x\", expected ...": keep only what was expected.
    if let Some((_, expected)) = text.split_once(", expected ") {
        return (field, format!("is not valid: expected {expected}"));
    }
    let secret = field
        .split('.')
        .next()
        .and_then(|name| description.scoped(Scope::Global, name))
        .is_some_and(|p| p.secret);
    let echoes_value = match current {
        Some(Value::String(s)) => !s.is_empty() && text.contains(s.as_str()),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => text.contains(&v.to_string()),
        Some(_) => false,
        None => true,
    };
    if secret || echoes_value || text.is_empty() {
        (field, "is not valid".into())
    } else {
        (field, text.to_owned())
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use serde_json::json;

    use super::super::fixture::{self, Config, Method, Mode, messages, obj};
    use super::*;

    #[test]
    fn coercion_of_text() {
        let d = fixture::description();
        let text = obj(json!({
            "test": "off", "delay": " 7 ", "methods": "card\r\nwire\n", "tags": "a, b ,",
            "fields": "a = \"b\"", "site_id": "0001", "unknown": "5", "mode": "production",
        }));
        let typed = d.coerce(Scope::Global, &text);
        assert_eq!(
            Value::Object(typed),
            json!({
                "test": false, "delay": 7, "methods": ["card", "wire"], "tags": ["a", "b"],
                "fields": { "a": "b" }, "site_id": "0001", "unknown": "5", "mode": "production",
            })
        );
        // What does not convert stays text, for validation to report.
        let typed = d.coerce(
            Scope::Global,
            &obj(json!({ "delay": "5.5", "test": "maybe" })),
        );
        assert_eq!(
            Value::Object(typed.clone()),
            json!({ "delay": "5.5", "test": "maybe" })
        );
        let mut with_secret = fixture::valid();
        with_secret.extend(typed);
        assert_eq!(
            messages(&d.validate(&with_secret)),
            ["delay: must be an integer", "test: must be true or false"]
        );
        let typed = d.coerce(
            Scope::Transaction,
            &obj(json!({ "capture_day": "2", "delay": "2" })),
        );
        assert_eq!(
            Value::Object(typed),
            json!({ "capture_day": 2, "delay": "2" })
        );
        // Lists given as repeated form values.
        let typed = d.coerce(
            Scope::Global,
            &obj(json!({ "methods": ["card"], "tags": [] })),
        );
        assert_eq!(
            Value::Object(typed),
            json!({ "methods": ["card"], "tags": [] })
        );
    }

    #[test]
    fn environment_references() {
        let d = fixture::description();
        let mut config = obj(json!({
            "site_id": { "env": "CARGO_PKG_VERSION_MAJOR" },
            "secret": { "env": "CARGO_PKG_NAME" },
            "delay": { "env": "CARGO_PKG_VERSION_MINOR" },
            "fields": { "x": { "env": "POLYPAY_SURELY_UNSET_VARIABLE" } },
        }));
        let errors = d.resolve_env(&mut config);
        assert_eq!(
            messages(&errors),
            ["fields.x: environment variable POLYPAY_SURELY_UNSET_VARIABLE is not set"]
        );
        assert_eq!(config["secret"], json!("polypay-core"));
        // Converted to the parameter's kind.
        assert!(config["delay"].is_u64() || config["delay"].is_i64());
        // Unresolved references are left to resolve_env to report, not reported twice.
        let errors = d.validate(&config);
        assert!(
            messages(&errors).iter().all(|m| !m.starts_with("fields")),
            "{errors:?}"
        );
    }

    #[test]
    fn parse_config_all_at_once_then_typed() {
        let d = fixture::description();
        let mut raw = fixture::valid();
        raw.insert("secret".into(), json!({ "env": "CARGO_PKG_NAME" }));
        raw.insert("methods".into(), json!(["wire"]));
        let config: Config = parse_config(&d, &raw).unwrap();
        assert_eq!(config.secret.expose(), "polypay-core");
        assert_eq!(
            (config.mode, config.methods, config.delay, config.test),
            (Mode::Test, vec![Method::Wire], 3, true)
        );

        raw.insert(
            "secret".into(),
            json!({ "env": "POLYPAY_SURELY_UNSET_VARIABLE" }),
        );
        raw.insert("delay".into(), json!(0));
        let err = parse_config::<Config>(&d, &raw).err().unwrap();
        let Error::Config(errors) = &err else {
            panic!("{err}")
        };
        assert_eq!(
            messages(errors),
            [
                "secret: environment variable POLYPAY_SURELY_UNSET_VARIABLE is not set",
                "delay: must be at least 1"
            ]
        );
    }

    #[test]
    fn serde_errors_do_not_echo_values() {
        // A check the schema cannot express, written in a Deserialize impl.
        #[derive(Debug)]
        struct Odd;
        impl<'de> serde::Deserialize<'de> for Odd {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Err(serde::de::Error::custom(format!("{s} is not odd")))
            }
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Strict {
            site_id: Odd,
        }
        let d = fixture::description();
        let err = parse_config::<Strict>(&d, &fixture::valid()).err().unwrap();
        let Error::Config(errors) = &err else {
            panic!("{err}")
        };
        assert_eq!(messages(errors), ["site_id: is not valid"]);

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Typed {
            secret: u32,
        }
        let err = parse_config::<Typed>(&d, &fixture::valid()).err().unwrap();
        assert_eq!(
            err.to_string(),
            "1 configuration error\n  - secret: is not valid: expected u32"
        );
    }
}
