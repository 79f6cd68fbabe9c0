//! The dummy backend's configuration ([`DummyConfig`]) and per-transaction fields
//! ([`DummyTransaction`]).
//!
//! Parameter names are eopayment's, so an eopayment dummy configuration (a flat map) loads
//! unchanged; `secret` and `authorization_validity_days` are polypay's additions.

use polypay_core::{ConfigErrors, Error, Result, Secret};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use url::Url;

/// Where `polypay demo` serves its simulated bank page.
pub const DEFAULT_SERVICE_URL: &str = "http://127.0.0.1:8080/dummy-bank/";

/// Longest authorisation validity accepted, in days (ten years).
pub const MAX_VALIDITY_DAYS: u32 = 3650;

/// Dummy payment backend: a simulated bank for tests and demonstrations only.
///
/// Test only. Every response says `test = true`, and the backend is refused in a production
/// configuration. With a `secret`, every message is signed with HMAC-SHA-256 and nothing
/// unsigned is trusted. WITHOUT a `secret` the backend runs in eopayment compatibility mode: a
/// message is trusted when it merely carries a `signed` key (or always, with
/// `consider_all_response_signed`), so anybody can forge a payment. Use that mode only to talk
/// to eopayment's external dummy simulator in tests.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DummyConfig {
    /// Normal return URL
    ///
    /// Where the payer's browser comes back after the payment (unless the request gives its
    /// own return URL).
    pub normal_return_url: Url,

    /// Automatic return URL
    ///
    /// Where the simulated bank posts its server-to-server notification (unless the request
    /// gives its own notification URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic_return_url: Option<Url>,

    /// Direct notification URL (replaced by automatic_return_url)
    ///
    /// Old name of the automatic return URL, accepted so that old eopayment configurations
    /// load; used only when automatic_return_url is not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("deprecated" = true))]
    pub direct_notification_url: Option<Url>,

    /// URL of the dummy payment service
    ///
    /// The simulated bank's payment page. `polypay demo` serves one at the default address.
    #[serde(default = "default_service_url")]
    pub dummy_service_url: Url,

    /// Name of the requesting service
    ///
    /// Shown to the payer on the simulated payment page.
    #[serde(default = "default_origin")]
    pub origin: String,

    /// Consider all responses as signed
    ///
    /// Compatibility mode only (no secret): trust every response, even without the `signed`
    /// key, to test payments locally when the signed callback cannot reach you. INSECURE:
    /// anybody can then forge a payment. Refused together with a secret.
    #[serde(default)]
    pub consider_all_response_signed: bool,

    /// Dummy integer input test
    ///
    /// Not used by the protocol: it is there to test configuration forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,

    /// Dummy choice input test
    ///
    /// Not used by the protocol: it is there to test configuration forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<DummyChoice>,

    /// Dummy choices input test
    ///
    /// Not used by the protocol: it is there to test configuration forms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<DummyChoice>,

    /// Capture day
    ///
    /// Days between authorisation and capture, sent to the simulated bank (a request's own
    /// capture day wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_day: Option<u32>,

    /// Signing secret
    ///
    /// Key of the HMAC-SHA-256 signature of every message between polypay and the simulated
    /// bank. Without it the backend runs in the insecure eopayment compatibility mode: set it
    /// unless you talk to eopayment's external simulator.
    #[serde(default, skip_serializing)]
    pub secret: Option<Secret>,

    /// Authorisation validity (days)
    ///
    /// How long an authorised (accepted) payment can still be captured with validate; after
    /// that it is expired. Used when the bank's answer states no capture deadline.
    #[serde(default = "default_validity_days")]
    #[schemars(range(min = 1, max = 3650))]
    pub authorization_validity_days: u32,
}

/// The values of the `choice` and `choices` test parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DummyChoice {
    /// Choice A
    A,
    /// Choice B
    B,
}

/// Per-transaction fields of the dummy backend, given in `PaymentRequest::extra` and sent to
/// the simulated bank as eopayment sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DummyTransaction {
    /// Information 1
    ///
    /// Free text passed to the simulated bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info1: Option<String>,
    /// Information 2
    ///
    /// Free text passed to the simulated bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info2: Option<String>,
    /// Information 3
    ///
    /// Free text passed to the simulated bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info3: Option<String>,
}

fn default_service_url() -> Url {
    // A constant known to parse (see the unit test below).
    Url::parse(DEFAULT_SERVICE_URL).expect("DEFAULT_SERVICE_URL is a valid URL")
}

fn default_origin() -> String {
    "origin".to_owned()
}

fn default_validity_days() -> u32 {
    7
}

impl DummyConfig {
    /// A configuration with this return URL and every other parameter at its default
    /// (compatibility mode: add a secret with [`DummyConfig::with_secret`]).
    ///
    /// ```
    /// use polypay_dummy::DummyConfig;
    /// let config = DummyConfig::new("https://shop.example/return".parse()?)
    ///     .with_secret("my-test-key");
    /// assert_eq!(config.origin, "origin");
    /// assert!(!format!("{config:?}").contains("my-test-key"));
    /// # Ok::<(), url::ParseError>(())
    /// ```
    pub fn new(normal_return_url: Url) -> DummyConfig {
        DummyConfig {
            normal_return_url,
            automatic_return_url: None,
            direct_notification_url: None,
            dummy_service_url: default_service_url(),
            origin: default_origin(),
            consider_all_response_signed: false,
            number: None,
            choice: None,
            choices: Vec::new(),
            capture_day: None,
            secret: None,
            authorization_validity_days: default_validity_days(),
        }
    }

    /// Sets the signing secret.
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Sets the automatic return (notification) URL.
    pub fn with_automatic_return_url(mut self, url: Url) -> Self {
        self.automatic_return_url = Some(url);
        self
    }

    /// Sets the simulated bank's payment page.
    pub fn with_service_url(mut self, url: Url) -> Self {
        self.dummy_service_url = url;
        self
    }

    /// The notification URL: `automatic_return_url`, else the deprecated
    /// `direct_notification_url`.
    pub fn notification_url(&self) -> Option<&Url> {
        self.automatic_return_url
            .as_ref()
            .or(self.direct_notification_url.as_ref())
    }

    /// Checks what the schema cannot express, reporting every problem at once.
    pub fn check(&self) -> Result<()> {
        let mut errors = ConfigErrors::default();
        if self.secret.as_ref().is_some_and(Secret::is_empty) {
            errors.push(
                "secret",
                "must not be empty (leave it out for compatibility mode)",
            );
        }
        if self.secret.is_some() && self.consider_all_response_signed {
            errors.push(
                "consider_all_response_signed",
                "cannot be combined with a secret: with a secret only signed responses are trusted",
            );
        }
        if !(1..=MAX_VALIDITY_DAYS).contains(&self.authorization_validity_days) {
            errors.push(
                "authorization_validity_days",
                format!("must be between 1 and {MAX_VALIDITY_DAYS}"),
            );
        }
        errors.into_result()
    }

    /// Whether the backend runs in the insecure eopayment compatibility mode (no secret).
    pub fn is_compat_mode(&self) -> bool {
        self.secret.is_none()
    }
}

impl DummyTransaction {
    /// Reads the per-transaction fields from `PaymentRequest::extra`: strings as they are,
    /// numbers and booleans as text; an unknown field is an [`Error::InvalidInput`].
    pub fn from_extra(extra: &serde_json::Map<String, serde_json::Value>) -> Result<Self> {
        let mut text = serde_json::Map::new();
        for (name, value) in extra {
            let value = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text.insert(name.clone(), serde_json::Value::String(value));
        }
        serde_json::from_value(serde_json::Value::Object(text))
            .map_err(|e| Error::invalid_input(format!("dummy per-transaction fields: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> serde_json::Result<DummyConfig> {
        serde_json::from_value(v)
    }

    #[test]
    fn eopayment_config_loads_with_defaults() {
        let cfg = parse(json!({
            "normal_return_url": "https://shop.example/ret",
            "automatic_return_url": "https://shop.example/notify",
            "origin": "My shop",
            "number": 3,
            "choice": "a",
            "choices": ["a", "b"],
            "capture_day": 2
        }))
        .unwrap();
        assert_eq!(cfg.dummy_service_url.as_str(), DEFAULT_SERVICE_URL);
        assert_eq!(cfg.choices, [DummyChoice::A, DummyChoice::B]);
        assert_eq!(cfg.authorization_validity_days, 7);
        assert!(cfg.is_compat_mode());
        assert!(cfg.check().is_ok());
        assert_eq!(
            cfg.notification_url().unwrap().as_str(),
            "https://shop.example/notify"
        );
    }

    #[test]
    fn deprecated_notification_url_is_a_fallback() {
        let cfg = parse(json!({
            "normal_return_url": "https://shop.example/ret",
            "direct_notification_url": "https://shop.example/old"
        }))
        .unwrap();
        assert_eq!(
            cfg.notification_url().unwrap().as_str(),
            "https://shop.example/old"
        );
    }

    #[test]
    fn unknown_and_missing_fields_are_refused() {
        let err = parse(json!({"normal_return_url": "https://x.example/", "nope": 1})).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        let err = parse(json!({})).unwrap_err();
        assert!(err.to_string().contains("normal_return_url"), "{err}");
        assert!(parse(json!({"normal_return_url": "not a url"})).is_err());
        assert!(parse(json!({"normal_return_url": "https://x.example/", "choice": "c"})).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let cfg = parse(
            json!({"normal_return_url": "https://x.example/", "secret": "hunter2-topsecret"}),
        )
        .unwrap();
        assert_eq!(cfg.secret.as_ref().unwrap().expose(), "hunter2-topsecret");
        let debug = format!("{cfg:?} {cfg:#?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        let serialized = serde_json::to_string(&cfg).unwrap();
        assert!(
            !serialized.contains("hunter2") && !serialized.contains("secret"),
            "{serialized}"
        );
    }

    #[test]
    fn semantic_checks_report_every_problem() {
        let mut cfg = DummyConfig::new("https://x.example/".parse().unwrap()).with_secret("");
        cfg.consider_all_response_signed = true;
        cfg.authorization_validity_days = 0;
        let Err(Error::Config(errs)) = cfg.check() else {
            panic!("expected a config error")
        };
        let fields: Vec<_> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "secret",
                "consider_all_response_signed",
                "authorization_validity_days"
            ]
        );
    }

    #[test]
    fn transaction_fields_from_extra() {
        let mut extra = serde_json::Map::new();
        extra.insert("info1".into(), json!("hello"));
        extra.insert("info2".into(), json!(42));
        let t = DummyTransaction::from_extra(&extra).unwrap();
        assert_eq!(
            (t.info1.as_deref(), t.info2.as_deref(), t.info3),
            (Some("hello"), Some("42"), None)
        );
        extra.insert("info9".into(), json!("x"));
        let err = DummyTransaction::from_extra(&extra).unwrap_err();
        assert!(err.to_string().contains("info9"), "{err}");
    }
}
