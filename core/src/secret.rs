//! Secrets: values that never show in `Debug`, logs or error messages.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A secret string (a key, a password, a token).
///
/// - `Debug` prints `Secret(<redacted>)`; there is no `Display` and no `Serialize`, so a secret
///   cannot reach a log line or an error message by accident.
/// - The memory is zeroed when the value is dropped.
/// - Equality is constant-time.
/// - In a configuration it is written as a string or as `{ env = "NAME" }` (read from the
///   environment when the configuration is loaded); its JSON Schema is a `writeOnly` string
///   with `format: password`, so generated forms use a password input.
///
/// ```
/// use polypay_core::Secret;
/// let key = Secret::new("s3cr3t");
/// assert_eq!(format!("{key:?}"), "Secret(<redacted>)");
/// assert_eq!(key.expose(), "s3cr3t");
/// ```
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret value. Call this only where the value is used (a MAC key, a header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}
impl Eq for Secret {}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Plain(String),
            Env { env: String },
        }
        match Repr::deserialize(d) {
            Ok(Repr::Plain(s)) => Ok(Secret::new(s)),
            Ok(Repr::Env { env }) => std::env::var(&env).map(Secret::new).map_err(|_| {
                serde::de::Error::custom(format!("environment variable {env} is not set"))
            }),
            // serde's own "missing field `name`" carries no value: keep it, so that the
            // missing parameter is named.
            Err(e) if e.to_string().starts_with("missing field") => Err(e),
            // Never echo the rejected value: it may be the secret itself.
            Err(_) => Err(serde::de::Error::custom(
                "expected a string or { env = \"NAME\" }",
            )),
        }
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "password",
            "writeOnly": true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_everywhere() {
        let s = Secret::new("hunter2-very-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Cfg {
            key: Secret,
        }
        let cfg: Cfg = serde_json::from_str(r#"{"key":"hunter2-very-secret"}"#).unwrap();
        assert!(!format!("{cfg:?}").contains("hunter2"));
        let err = serde_json::from_str::<Cfg>(r#"{"key":12345678}"#).unwrap_err();
        assert!(!err.to_string().contains("12345678"));
        let err = serde_json::from_str::<Cfg>("{}").unwrap_err();
        assert!(err.to_string().contains("missing field `key`"), "{err}");
    }

    #[test]
    fn from_environment() {
        // SAFETY-free: edition 2024 makes set_var unsafe, so use a variable set by cargo.
        let s: Secret = serde_json::from_str(r#"{"env":"CARGO_PKG_NAME"}"#).unwrap();
        assert_eq!(s.expose(), "polypay-core");
        let err =
            serde_json::from_str::<Secret>(r#"{"env":"POLYPAY_SURELY_UNSET_VAR"}"#).unwrap_err();
        assert!(err.to_string().contains("POLYPAY_SURELY_UNSET_VAR"));
    }

    #[test]
    fn constant_time_equality() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
    }
}
