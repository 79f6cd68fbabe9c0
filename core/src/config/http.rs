//! The `[http]` table of a configuration file: transport settings of the HTTP executor.
//!
//! ```toml
//! [http]
//! allow_http = true              # plain http:// (local test servers only); default false
//! timeout_seconds = 30           # whole exchange; a long poll adds its own wait
//! connect_timeout_seconds = 10
//! max_body_bytes = 1048576
//! retries = 2                    # idempotent requests only
//! ```

use crate::ConfigErrors;

/// Transport settings read from `[http]`; unset values keep the executor's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpSettings {
    /// Allow plain `http://` URLs.
    pub allow_http: bool,
    /// Total timeout of one exchange, in seconds.
    pub timeout_seconds: Option<u64>,
    /// Connect timeout, in seconds.
    pub connect_timeout_seconds: Option<u64>,
    /// Largest response body accepted.
    pub max_body_bytes: Option<u64>,
    /// Retries of idempotent requests.
    pub retries: Option<u32>,
}

const KEYS: [&str; 5] = [
    "allow_http",
    "timeout_seconds",
    "connect_timeout_seconds",
    "max_body_bytes",
    "retries",
];

impl HttpSettings {
    /// Reads the `[http]` table, recording every problem in `errors` (fields named `http.KEY`).
    pub(super) fn parse(value: &toml::Value, errors: &mut ConfigErrors) -> HttpSettings {
        let mut out = HttpSettings::default();
        let Some(table) = value.as_table() else {
            errors.push(
                "http",
                "must be a table: write [http] then allow_http = true, ...",
            );
            return out;
        };
        let positive = |key: &str, v: &toml::Value, errors: &mut ConfigErrors| -> Option<u64> {
            match v.as_integer().and_then(|i| u64::try_from(i).ok()) {
                Some(n) if n > 0 => Some(n),
                _ => {
                    errors.push(format!("http.{key}"), "must be a positive integer");
                    None
                }
            }
        };
        for (key, v) in table {
            match key.as_str() {
                "allow_http" => match v.as_bool() {
                    Some(b) => out.allow_http = b,
                    None => errors.push("http.allow_http", "must be true or false"),
                },
                "timeout_seconds" => out.timeout_seconds = positive(key, v, errors),
                "connect_timeout_seconds" => out.connect_timeout_seconds = positive(key, v, errors),
                "max_body_bytes" => out.max_body_bytes = positive(key, v, errors),
                "retries" => match v.as_integer().and_then(|i| u32::try_from(i).ok()) {
                    Some(n) => out.retries = Some(n),
                    None => errors.push("http.retries", "must be an integer from 0"),
                },
                other => {
                    let hint = crate::describe::suggest(other, KEYS)
                        .map(|k| format!(" (did you mean {k}?)"))
                        .unwrap_or_default();
                    errors.push(format!("http.{other}"), format!("unknown key{hint}"));
                }
            }
        }
        out
    }

    /// The executor policy these settings describe.
    #[cfg(feature = "client")]
    pub fn policy(&self) -> crate::Policy {
        use std::time::Duration;
        let mut p = crate::Policy::default().allow_http(self.allow_http);
        if let Some(s) = self.timeout_seconds {
            p = p.timeout(Duration::from_secs(s));
        }
        if let Some(s) = self.connect_timeout_seconds {
            p = p.connect_timeout(Duration::from_secs(s));
        }
        if let Some(b) = self.max_body_bytes {
            p = p.max_body_bytes(usize::try_from(b).unwrap_or(usize::MAX));
        }
        if let Some(r) = self.retries {
            p = p.retries(r);
        }
        p
    }

    /// The table as TOML lines (empty when everything is default).
    pub(super) fn to_toml(&self) -> String {
        let mut lines = Vec::new();
        if self.allow_http {
            lines.push("allow_http = true".to_owned());
        }
        for (key, v) in [
            ("timeout_seconds", self.timeout_seconds),
            ("connect_timeout_seconds", self.connect_timeout_seconds),
            ("max_body_bytes", self.max_body_bytes),
            ("retries", self.retries.map(u64::from)),
        ] {
            if let Some(v) = v {
                lines.push(format!("{key} = {v}"));
            }
        }
        if lines.is_empty() {
            String::new()
        } else {
            format!("[http]\n{}\n\n", lines.join("\n"))
        }
    }
}
