//! The configuration of a `chainside` backend ([`ChainsideConfig`]), with the names of the
//! Chainside WebPOS SDKs (`mode`, `client_id`, `secret`, `[http]`, `[cache]`), and the checks
//! that turn it into [`Settings`], every problem reported at once.

use std::time::Duration;

use polypay_core::{ConfigErrors, Currency, Secret};
use serde::{Deserialize, Serialize};
use url::Url;

/// The live API.
pub const LIVE_URL: &str = "https://api.webpos.chainside.net/";
/// The sandbox API.
pub const SANDBOX_URL: &str = "https://api.sandbox.webpos.chainside.net/";

/// Chainside WebPOS
///
/// Takes bitcoin payments through the Chainside WebPOS payment processor: polypay creates a
/// payment order, the payer pays on Chainside's payment page (or with the `bitcoin:` URI), and
/// Chainside reports the outcome through signed callbacks that polypay verifies and confirms.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainsideConfig {
    /// Mode
    ///
    /// `sandbox` (test payments on Chainside's sandbox) or `live`. Chooses the API host unless
    /// `base_url` is set.
    #[serde(default)]
    pub mode: Mode,
    /// Client id
    ///
    /// The client id of the WebPOS, from Chainside's back office.
    #[schemars(length(min = 1, max = 200))]
    pub client_id: String,
    /// Client secret
    ///
    /// The client secret of the WebPOS: polypay logs in with it and checks the signature of
    /// Chainside's callbacks with it.
    pub secret: Secret,
    /// HTTP options
    ///
    /// `verify_ssl` (certificates are always verified: only `true` is accepted) and `timeout`
    /// (seconds an exchange may take).
    #[serde(default)]
    pub http: HttpOptions,
    /// API base URL
    ///
    /// Overrides the host `mode` chooses, for a local test server (`http://127.0.0.1:PORT/`
    /// with `[http] allow_http = true` in the configuration file) or a proxy.
    #[serde(default)]
    pub base_url: Option<Url>,
    /// Token cache
    ///
    /// Where the OAuth access token is kept: `driver = "memory"` (each process logs in
    /// itself) or `driver = "redis"` with `options` `hostname`, `port`, `password`, `db`,
    /// `prefix` (several processes share one token).
    #[serde(default)]
    pub cache: CacheConfig,
    /// Required confirmations
    ///
    /// Blocks the payment's transactions must be buried under before Chainside reports it
    /// paid; unset keeps the WebPOS's own setting. A payment may override it.
    #[serde(default)]
    #[schemars(range(max = 100))]
    pub required_confirmations: Option<u32>,
    /// Currency
    ///
    /// The fiat currency of the WebPOS (its amounts are in this currency): payments in
    /// another currency are refused.
    #[serde(default = "default_currency")]
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    pub currency: String,
}

fn default_currency() -> String {
    "EUR".into()
}

/// Which Chainside environment.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Sandbox: test payments (sandbox callbacks can be triggered)
    #[default]
    Sandbox,
    /// Live: real payments
    Live,
}

impl Mode {
    /// `sandbox` or `live`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sandbox => "sandbox",
            Mode::Live => "live",
        }
    }
}

/// The `[http]` table of the SDKs.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpOptions {
    /// Verify TLS certificates
    #[serde(default = "yes")]
    pub verify_ssl: bool,
    /// Timeout (seconds)
    #[serde(default = "default_timeout")]
    #[schemars(range(min = 1, max = 300))]
    pub timeout: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            verify_ssl: true,
            timeout: default_timeout(),
        }
    }
}

fn yes() -> bool {
    true
}

fn default_timeout() -> u64 {
    30
}

/// The `[cache]` table of the SDKs: where the access token is kept.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Cache driver
    #[serde(default)]
    pub driver: CacheDriver,
    /// Driver options
    #[serde(default)]
    pub options: CacheOptions,
}

/// The token cache drivers.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum CacheDriver {
    /// In memory, per process
    #[default]
    Memory,
    /// Redis, shared by every process using it (feature `redis`)
    Redis,
}

/// The options of the Redis driver (serialized without the password).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheOptions {
    /// Redis host name or address.
    #[serde(default = "default_hostname")]
    pub hostname: String,
    /// Redis port.
    #[serde(default = "default_port")]
    #[schemars(range(min = 1))]
    pub port: u16,
    /// Redis password (`requirepass`, or the ACL user's).
    #[serde(default, skip_serializing)]
    pub password: Option<Secret>,
    /// Redis ACL user name (with `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Redis database number.
    #[serde(default)]
    #[schemars(range(max = 10000))]
    pub db: u32,
    /// Prefix of polypay's keys.
    #[serde(default = "default_prefix")]
    pub prefix: String,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            hostname: default_hostname(),
            port: default_port(),
            password: None,
            username: None,
            db: 0,
            prefix: default_prefix(),
        }
    }
}

fn default_hostname() -> String {
    "127.0.0.1".into()
}

fn default_port() -> u16 {
    6379
}

fn default_prefix() -> String {
    "polypay:chainside:".into()
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub mode: Mode,
    pub client_id: String,
    pub secret: Secret,
    /// The API root, ending with `/`.
    pub base: Url,
    pub timeout: Duration,
    pub cache: CacheConfig,
    pub required_confirmations: Option<u32>,
    pub currency: Currency,
}

/// Whether a URL's host is the loopback interface.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The API root from `mode` and `base_url`.
fn resolve_base(mode: Mode, base_url: Option<&Url>) -> Result<Url, String> {
    let Some(url) = base_url else {
        let text = match mode {
            Mode::Live => LIVE_URL,
            Mode::Sandbox => SANDBOX_URL,
        };
        return Url::parse(text).map_err(|e| format!("internal: {e}"));
    };
    match url.scheme() {
        "https" => {}
        // Plain HTTP carries the client secret and bearer tokens in clear: only to a server on
        // this machine.
        "http" if is_loopback(url) => {}
        "http" => {
            return Err(
                "must be an https:// URL (http:// only for a test server on 127.0.0.1)".into(),
            );
        }
        _ => return Err("must be an https:// URL".into()),
    }
    if !url.has_host() {
        return Err("must name a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials: use client_id and secret".into());
    }
    let mut base = url.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    Ok(base)
}

impl ChainsideConfig {
    /// Checks everything the schema cannot express; every problem is reported at once.
    pub(crate) fn settings(self) -> Result<Settings, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        if self.client_id.trim().is_empty() {
            errors.push("client_id", "is required");
        }
        if self.secret.expose().trim().is_empty() {
            errors.push("secret", "is required");
        }
        let base = match resolve_base(self.mode, self.base_url.as_ref()) {
            Ok(base) => Some(base),
            Err(message) => {
                errors.push("base_url", message);
                None
            }
        };
        if !self.http.verify_ssl && base.as_ref().is_none_or(|b| b.scheme() == "https") {
            errors.push(
                "http.verify_ssl",
                "polypay always verifies TLS certificates: remove verify_ssl = false (for a local \
                 test server use base_url = \"http://127.0.0.1:PORT/\")",
            );
        }
        if !(1..=300).contains(&self.http.timeout) {
            errors.push("http.timeout", "must be from 1 to 300 seconds");
        }
        let currency = match Currency::new(&self.currency) {
            Ok(c) if c.is_iso() => Some(c),
            _ => {
                errors.push(
                    "currency",
                    "must be the ISO 4217 code of the WebPOS's fiat currency, such as EUR",
                );
                None
            }
        };
        if self.cache.driver == CacheDriver::Redis {
            let o = &self.cache.options;
            if cfg!(not(feature = "redis")) {
                errors.push(
                    "cache.driver",
                    "this build of polypay has no Redis support (cargo feature `redis` of \
                     polypay-crypto)",
                );
            }
            if o.hostname.trim().is_empty() || o.hostname.contains(['/', ' ', '@']) {
                errors.push(
                    "cache.options.hostname",
                    "must be a host name or an address",
                );
            }
            if o.port == 0 {
                errors.push("cache.options.port", "must be from 1 to 65535");
            }
            if o.prefix.chars().any(char::is_whitespace) {
                errors.push("cache.options.prefix", "must not contain spaces");
            }
            if o.username.is_some() && o.password.is_none() {
                errors.push(
                    "cache.options.password",
                    "is required with cache.options.username",
                );
            }
        }
        let (Some(currency), Some(base), true) = (currency, base, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Settings {
            mode: self.mode,
            client_id: self.client_id.trim().to_owned(),
            secret: self.secret,
            base,
            timeout: Duration::from_secs(self.http.timeout),
            cache: self.cache,
            required_confirmations: self.required_confirmations,
            currency,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use polypay_core::testkit::{error_fields as fields, patched};

    fn settings(extra: serde_json::Value) -> Result<Settings, ConfigErrors> {
        let base = serde_json::json!({ "client_id": "cid", "secret": "s3cr3t-value" });
        serde_json::from_value::<ChainsideConfig>(patched(&base, &extra))
            .unwrap()
            .settings()
    }

    #[test]
    fn modes_choose_the_host() {
        let s = settings(serde_json::json!({})).unwrap();
        assert_eq!(s.base.as_str(), SANDBOX_URL);
        assert_eq!(s.mode, Mode::Sandbox);
        let s = settings(serde_json::json!({"mode": "live"})).unwrap();
        assert_eq!(s.base.as_str(), LIVE_URL);
        let s = settings(serde_json::json!({"base_url": "http://127.0.0.1:9/api"})).unwrap();
        assert_eq!(s.base.as_str(), "http://127.0.0.1:9/api/");
        assert_eq!(s.timeout, Duration::from_secs(30));
        assert_eq!(s.currency.code(), "EUR");
    }

    #[test]
    fn every_problem_at_once() {
        let e = settings(serde_json::json!({
            "client_id": " ",
            "secret": "",
            "base_url": "http://api.example.com/",
            "http": {"verify_ssl": false, "timeout": 0},
            "currency": "XYZ1",
            "cache": {"driver": "redis", "options": {"hostname": "", "port": 0, "username": "u"}},
        }))
        .unwrap_err();
        let mut expected = vec![
            "client_id",
            "secret",
            "base_url",
            "http.verify_ssl",
            "http.timeout",
            "currency",
        ];
        if cfg!(not(feature = "redis")) {
            expected.push("cache.driver");
        }
        expected.extend([
            "cache.options.hostname",
            "cache.options.port",
            "cache.options.password",
        ]);
        assert_eq!(fields(e), expected);
    }

    #[test]
    fn base_urls() {
        for bad in [
            "ftp://x.example/",
            "https://u:p@x.example/",
            "https://x.example/?a=1",
            "http://10.0.0.1/",
        ] {
            let e = settings(serde_json::json!({ "base_url": bad })).unwrap_err();
            assert_eq!(fields(e), ["base_url"], "{bad}");
        }
        assert!(settings(serde_json::json!({"base_url": "http://localhost:1/"})).is_ok());
        // verify_ssl = false is moot (and accepted) for a plain-HTTP loopback server.
        assert!(
            settings(serde_json::json!({
                "base_url": "http://127.0.0.1:1/", "http": {"verify_ssl": false}
            }))
            .is_ok()
        );
    }

    #[test]
    fn secrets_stay_hidden() {
        let c: ChainsideConfig = serde_json::from_value(serde_json::json!({
            "client_id": "cid", "secret": "top-secret-1",
            "cache": {"driver": "redis", "options": {"password": "redis-pw-2"}},
        }))
        .unwrap();
        let text = format!("{c:?}");
        assert!(
            !text.contains("top-secret-1") && !text.contains("redis-pw-2"),
            "{text}"
        );
        let s = c.settings().unwrap();
        let text = format!("{s:?}");
        assert!(
            !text.contains("top-secret-1") && !text.contains("redis-pw-2"),
            "{text}"
        );
    }
}
