//! The `[http]` table of a configuration file: transport settings of the HTTP executor.
//!
//! ```toml
//! [http]
//! allow_http = true              # plain http:// (local test servers only); default false
//! timeout_seconds = 30           # whole exchange; a long poll adds its own wait
//! connect_timeout_seconds = 10
//! max_body_bytes = 1048576
//! retries = 2                    # idempotent requests only
//! http2_prior_knowledge = true    # HTTP/2 to plain http:// servers (h2c); HTTPS negotiates it
//! streams_per_connection = 100    # requests in flight per connection before opening another
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
    /// Speak HTTP/2 from the first byte to plain `http://` servers (h2c with prior knowledge).
    pub http2_prior_knowledge: bool,
    /// Requests in flight per connection before the executor opens another one.
    pub streams_per_connection: Option<u64>,
}

const KEYS: [&str; 7] = [
    "allow_http",
    "timeout_seconds",
    "connect_timeout_seconds",
    "max_body_bytes",
    "retries",
    "http2_prior_knowledge",
    "streams_per_connection",
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
                "http2_prior_knowledge" => match v.as_bool() {
                    Some(b) => out.http2_prior_knowledge = b,
                    None => errors.push("http.http2_prior_knowledge", "must be true or false"),
                },
                "streams_per_connection" => out.streams_per_connection = positive(key, v, errors),
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
        if self.http2_prior_knowledge {
            p = p.http2_prior_knowledge(true);
        }
        if let Some(n) = self.streams_per_connection {
            p = p.streams_per_connection(usize::try_from(n).unwrap_or(usize::MAX));
        }
        p
    }

    /// The table as TOML lines (empty when everything is default).
    pub(super) fn to_toml(&self) -> String {
        let mut lines = Vec::new();
        if self.allow_http {
            lines.push("allow_http = true".to_owned());
        }
        if self.http2_prior_knowledge {
            lines.push("http2_prior_knowledge = true".to_owned());
        }
        for (key, v) in [
            ("timeout_seconds", self.timeout_seconds),
            ("connect_timeout_seconds", self.connect_timeout_seconds),
            ("max_body_bytes", self.max_body_bytes),
            ("retries", self.retries.map(u64::from)),
            ("streams_per_connection", self.streams_per_connection),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (HttpSettings, ConfigErrors) {
        let value: toml::Value = toml::from_str(text).unwrap();
        let mut errors = ConfigErrors::default();
        let settings = HttpSettings::parse(&value, &mut errors);
        (settings, errors)
    }

    #[test]
    fn http2_settings() {
        let (s, errors) = parse("http2_prior_knowledge = true\nstreams_per_connection = 50\n");
        assert!(errors.is_empty(), "{errors}");
        assert!(s.http2_prior_knowledge);
        assert_eq!(s.streams_per_connection, Some(50));
        assert_eq!(
            s.to_toml(),
            "[http]\nhttp2_prior_knowledge = true\nstreams_per_connection = 50\n\n"
        );
        #[cfg(feature = "client")]
        {
            let p = s.policy();
            assert!(p.http2_prior_knowledge && !p.allow_http);
            assert_eq!(p.streams_per_connection, 50);
            assert_eq!(HttpSettings::default().policy(), crate::Policy::default());
        }
        let (_, errors) =
            parse("http2_prior_knowledge = 1\nstreams_per_connection = 0\nhttp2 = true\n");
        let mut fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "http.http2",
                "http.http2_prior_knowledge",
                "http.streams_per_connection"
            ]
        );
    }
}
