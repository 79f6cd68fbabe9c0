//! The configuration of a `taler` backend ([`TalerConfig`]) and the checks that turn it into
//! [`Settings`].

use polypay_core::{ConfigErrors, Secret};
use serde::{Deserialize, Serialize};
use url::Url;

/// GNU Taler merchant backend
///
/// Takes payments through a GNU Taler merchant backend (taler-merchant-httpd): polypay creates
/// the order, the customer's wallet pays it through the `taler://pay/` URI or the order page,
/// and polypay learns the outcome by (long-)polling the backend.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TalerConfig {
    /// Merchant backend URL
    ///
    /// The root URL of the merchant backend, such as `https://backend.example.com/`. A URL that
    /// already ends with instances/ID/ selects that instance (then leave `instance` unset or
    /// equal to ID).
    pub base_url: Url,
    /// Instance
    ///
    /// The merchant instance. `admin` (the default) is the backend's root instance, reached
    /// without an /instances/ prefix.
    #[serde(default = "default_instance")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.@-]+$"))]
    pub instance: String,
    /// Access token
    ///
    /// A long-lived token sent as `Authorization: Bearer secret-token:...` (the legacy instance
    /// password, or a login token made in the merchant's back office). The `secret-token:`
    /// prefix is added when missing. Give either this or `password`.
    #[serde(default, skip_serializing)]
    pub token: Option<Secret>,
    /// Instance password
    ///
    /// The instance's password: polypay then obtains short-lived login tokens from the
    /// backend's /private/token endpoint (merchant protocol v19 or later), renews them before
    /// they expire and once on an authentication failure. Give either this or `token`.
    #[serde(default, skip_serializing)]
    pub password: Option<Secret>,
    /// Refund delay (seconds)
    ///
    /// How long after payment refunds stay possible. 0 forbids refunds; unset uses the
    /// instance's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_delay_seconds: Option<u64>,
    /// Payment deadline (seconds)
    ///
    /// How long the customer has to pay an order; unset uses the instance's default. When set,
    /// the intent's expiry is known and `status` reports an unpaid order past it as expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub pay_deadline_seconds: Option<u64>,
    /// Wire transfer deadline (seconds)
    ///
    /// How long after the order the exchange must wire the money to the merchant; must be
    /// longer than the refund delay. Unset uses the instance's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub wire_transfer_delay_seconds: Option<u64>,
    /// Fulfillment URL
    ///
    /// Where the wallet sends the browser after payment; `${ORDER_ID}` is replaced by the
    /// order id. Use one URL per product for digital goods bought once (repurchase detection),
    /// or include `${ORDER_ID}` for goods bought again. A request's return URL overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_url: Option<String>,
    /// Fulfillment message
    ///
    /// Text the wallet shows after payment, when there is no fulfillment URL. Wallets see it
    /// before paying: never put what is sold in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_message: Option<String>,
    /// Claim tokens
    ///
    /// Ask the backend for a claim token (sent in the `taler://pay/` URI), so that only a
    /// wallet that saw the URI can claim the order. Keep it on when order ids are guessable.
    #[serde(default = "yes")]
    pub create_token: bool,
    /// Allow plain HTTP
    ///
    /// Reach the backend over http:// (a local test backend only); the pay URIs then use
    /// `taler+http://`. The HTTP executor must allow plain HTTP too (`[http] allow_http =
    /// true` in a configuration file). Answers received over plain HTTP from a host other than
    /// the loopback interface are not authenticated, so they never report a payment as paid.
    #[serde(default)]
    pub allow_http: bool,
    /// Webhook secret
    ///
    /// A random value (at least 16 characters) that the instance's webhook template sends in
    /// the `webhook_header` header. When set, `response` refuses POSTed notifications without
    /// it. Notifications are only hints either way: polypay confirms them with the backend.
    #[serde(default, skip_serializing)]
    pub webhook_secret: Option<Secret>,
    /// Webhook header
    ///
    /// The header that carries the webhook secret.
    #[serde(default = "default_webhook_header")]
    pub webhook_header: String,
}

fn default_instance() -> String {
    "admin".into()
}

fn default_webhook_header() -> String {
    "X-Polypay-Token".into()
}

fn yes() -> bool {
    true
}

/// How polypay authenticates to the backend.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    /// A long-lived bearer token, with its `secret-token:` prefix.
    Token(Secret),
    /// The instance password, exchanged for login tokens.
    Password(Secret),
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The instance's base URL (`.../` or `.../instances/ID/`), ending with `/`.
    pub base: Url,
    /// The instance id (`admin` for the root instance).
    pub instance: String,
    pub auth: Auth,
    pub refund_delay_seconds: Option<u64>,
    pub pay_deadline_seconds: Option<u64>,
    pub wire_transfer_delay_seconds: Option<u64>,
    pub fulfillment_url: Option<String>,
    pub fulfillment_message: Option<String>,
    pub create_token: bool,
    /// Whether answers are authenticated: HTTPS, or plain HTTP to the loopback interface.
    pub authenticated_channel: bool,
    pub webhook_secret: Option<Secret>,
    pub webhook_header: String,
}

/// The placeholder of the fulfillment URL.
pub(crate) const ORDER_ID_PLACEHOLDER: &str = "${ORDER_ID}";

/// Whether `id` is a valid instance id (`^[A-Za-z0-9][A-Za-z0-9_.@-]+$`).
fn valid_instance(id: &str) -> bool {
    let mut bytes = id.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id.len() >= 2
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"_.@-".contains(&b))
}

/// Whether `id` is a valid order id (characters `A-Za-z0-9.:_-`, 1 to 128 of them, not only
/// dots).
///
/// The id becomes a path segment of `private/orders/$ID`: `.` or `..` would be resolved away
/// by the URL join and aim the call at `private/orders/` or `private/` instead — for `cancel`,
/// a `DELETE` of the whole instance. Found by the fuzz target `taler_webhook`'s URL invariant.
pub(crate) fn valid_order_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(&b))
        && !id.bytes().all(|b| b == b'.')
}

/// Whether a URL's host is the loopback interface.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks a fulfillment URL template: an http(s) URL once `${ORDER_ID}` is replaced, with the
/// placeholder at most once.
pub(crate) fn check_fulfillment_url(template: &str) -> Result<(), String> {
    if template.matches(ORDER_ID_PLACEHOLDER).count() > 1 {
        return Err("may contain ${ORDER_ID} only once".into());
    }
    let sample = template.replace(ORDER_ID_PLACEHOLDER, "ORDER");
    match Url::parse(&sample) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        Ok(_) => Err("must be an http:// or https:// URL".into()),
        Err(e) => Err(format!("is not a URL: {e}")),
    }
}

impl TalerConfig {
    /// Checks everything the schema cannot express and resolves the instance's base URL;
    /// every problem is reported at once.
    pub(crate) fn settings(self) -> Result<Settings, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        let (base, instance) = match resolve_base(&self.base_url, &self.instance, self.allow_http) {
            Ok(pair) => pair,
            Err((field, message)) => {
                errors.push(field, message);
                (self.base_url.clone(), self.instance.clone())
            }
        };
        let auth = match (self.token, self.password) {
            (Some(t), None) if !t.is_empty() => {
                let value = t.expose().trim();
                Some(Auth::Token(if value.starts_with("secret-token:") {
                    Secret::new(value)
                } else {
                    Secret::new(format!("secret-token:{value}"))
                }))
            }
            (None, Some(p)) if !p.is_empty() => Some(Auth::Password(p)),
            (Some(_), Some(_)) => {
                errors.push("password", "give either token or password, not both");
                None
            }
            _ => {
                errors.push(
                    "token",
                    "is required (or give the instance password in `password`)",
                );
                None
            }
        };
        if let Some(t) = &self.fulfillment_url
            && let Err(message) = check_fulfillment_url(t)
        {
            errors.push("fulfillment_url", message);
        }
        if self.fulfillment_url.is_none()
            && self
                .fulfillment_message
                .as_deref()
                .is_none_or(str::is_empty)
        {
            errors.push(
                "fulfillment_url",
                "is required unless a fulfillment_message is given (every Taler order needs one)",
            );
        }
        if let (Some(wire), Some(refund)) =
            (self.wire_transfer_delay_seconds, self.refund_delay_seconds)
            && wire <= refund
        {
            errors.push(
                "wire_transfer_delay_seconds",
                "must be longer than refund_delay_seconds (the exchange keeps the money until refunds are over)",
            );
        }
        if let Some(s) = &self.webhook_secret
            && s.expose().chars().count() < 16
        {
            errors.push(
                "webhook_secret",
                "must be at least 16 characters (use a random value)",
            );
        }
        let header_ok = !self.webhook_header.is_empty()
            && self
                .webhook_header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
        if !header_ok {
            errors.push(
                "webhook_header",
                "must be an HTTP header name such as X-Polypay-Token",
            );
        }
        let Some(auth) = auth.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        let authenticated_channel = base.scheme() == "https" || is_loopback(&base);
        Ok(Settings {
            base,
            instance,
            auth,
            refund_delay_seconds: self.refund_delay_seconds,
            pay_deadline_seconds: self.pay_deadline_seconds,
            wire_transfer_delay_seconds: self.wire_transfer_delay_seconds,
            fulfillment_url: self.fulfillment_url,
            fulfillment_message: self.fulfillment_message.filter(|m| !m.is_empty()),
            create_token: self.create_token,
            authenticated_channel,
            webhook_secret: self.webhook_secret,
            webhook_header: self.webhook_header,
        })
    }
}

/// The instance base URL and id from `base_url` and `instance`.
fn resolve_base(
    base_url: &Url,
    instance: &str,
    allow_http: bool,
) -> Result<(Url, String), (&'static str, String)> {
    match base_url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err((
                "base_url",
                "must be an https:// URL (set allow_http = true for a local test backend)".into(),
            ));
        }
        _ => return Err(("base_url", "must be an https:// URL".into())),
    }
    if !base_url.has_host() {
        return Err(("base_url", "must name a host".into()));
    }
    if base_url.query().is_some() || base_url.fragment().is_some() {
        return Err(("base_url", "must not have a query or a fragment".into()));
    }
    if !base_url.username().is_empty() || base_url.password().is_some() {
        return Err((
            "base_url",
            "must not carry credentials: use token or password".into(),
        ));
    }
    let mut base = base_url.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    let segments: Vec<&str> = base.path().trim_matches('/').split('/').collect();
    let from_url = match segments.as_slice() {
        [.., "instances", id] if !id.is_empty() => Some((*id).to_owned()),
        _ => None,
    };
    if !valid_instance(instance) {
        return Err((
            "instance",
            "must be letters, digits and _ . @ - (at least two characters)".into(),
        ));
    }
    let root_instance = matches!(instance, "admin" | "default");
    match from_url {
        Some(id) if root_instance || id == instance => {
            if !valid_instance(&id) {
                return Err(("base_url", format!("names an invalid instance id {id:?}")));
            }
            Ok((base, id))
        }
        Some(id) => Err((
            "instance",
            format!("is {instance:?} but base_url already names the instance {id:?}"),
        )),
        // `default` is the deprecated name of the root instance: the backend redirects
        // /instances/default/ to the root, and polypay follows no redirect.
        None if root_instance => Ok((base, "admin".into())),
        None => {
            let joined = base
                .join(&format!("instances/{instance}/"))
                .map_err(|e| ("instance", format!("cannot form the instance URL: {e}")))?;
            Ok((joined, instance.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::testkit::{error_fields as fields, patched};

    fn config(extra: serde_json::Value) -> Result<Settings, ConfigErrors> {
        let base = serde_json::json!({
            "base_url": "https://backend.example.com",
            "token": "sandbox",
            "fulfillment_url": "https://shop.example/done/${ORDER_ID}",
        });
        serde_json::from_value::<TalerConfig>(patched(&base, &extra))
            .unwrap()
            .settings()
    }

    #[test]
    fn root_and_named_instances() {
        let s = config(serde_json::json!({})).unwrap();
        assert_eq!(s.base.as_str(), "https://backend.example.com/");
        assert_eq!(s.instance, "admin");
        assert!(s.authenticated_channel);
        let s = config(serde_json::json!({"instance": "shop1"})).unwrap();
        assert_eq!(
            s.base.as_str(),
            "https://backend.example.com/instances/shop1/"
        );
        let s = config(serde_json::json!({
            "base_url": "https://backend.demo.taler.net/instances/sandbox"
        }))
        .unwrap();
        assert_eq!(
            (s.base.as_str(), s.instance.as_str()),
            (
                "https://backend.demo.taler.net/instances/sandbox/",
                "sandbox"
            )
        );
        let s = config(serde_json::json!({"instance": "default"})).unwrap();
        assert_eq!(s.base.as_str(), "https://backend.example.com/");
        let s = config(serde_json::json!({
            "base_url": "https://b.example/taler/", "instance": "x1"
        }))
        .unwrap();
        assert_eq!(s.base.as_str(), "https://b.example/taler/instances/x1/");
    }

    #[test]
    fn token_gets_its_prefix() {
        let s = config(serde_json::json!({})).unwrap();
        let Auth::Token(t) = s.auth else {
            panic!("token auth")
        };
        assert_eq!(t.expose(), "secret-token:sandbox");
        let s = config(serde_json::json!({"token": "secret-token:abc"})).unwrap();
        let Auth::Token(t) = s.auth else {
            panic!("token auth")
        };
        assert_eq!(t.expose(), "secret-token:abc");
        let s = config(serde_json::json!({"token": null, "password": "pw"})).unwrap();
        assert!(matches!(s.auth, Auth::Password(_)));
    }

    #[test]
    fn every_problem_at_once() {
        let errors = config(serde_json::json!({
            "base_url": "http://backend.example.com/",
            "token": null,
            "fulfillment_url": "ftp://x/${ORDER_ID}${ORDER_ID}",
            "refund_delay_seconds": 100,
            "wire_transfer_delay_seconds": 50,
            "webhook_secret": "short",
            "webhook_header": "Bad Header",
        }))
        .unwrap_err();
        assert_eq!(
            fields(errors),
            [
                "base_url",
                "token",
                "fulfillment_url",
                "wire_transfer_delay_seconds",
                "webhook_secret",
                "webhook_header"
            ]
        );
    }

    #[test]
    fn instance_conflicts_and_schemes() {
        let e = config(serde_json::json!({
            "base_url": "https://b.example/instances/a/", "instance": "b"
        }))
        .unwrap_err();
        assert_eq!(fields(e), ["instance"]);
        assert!(config(serde_json::json!({"instance": "x"})).is_err());
        assert!(config(serde_json::json!({"base_url": "ftp://b.example/"})).is_err());
        assert!(config(serde_json::json!({"base_url": "https://b.example/?a=1"})).is_err());
        assert!(config(serde_json::json!({"base_url": "https://u:p@b.example/"})).is_err());
        let e = config(serde_json::json!({"password": "pw"})).unwrap_err();
        assert_eq!(fields(e), ["password"]);
        let e = config(serde_json::json!({"fulfillment_url": null})).unwrap_err();
        assert_eq!(fields(e), ["fulfillment_url"]);
        assert!(
            config(serde_json::json!({"fulfillment_url": null, "fulfillment_message": "Thanks"}))
                .is_ok()
        );
    }

    #[test]
    fn plain_http_is_authenticated_only_on_loopback() {
        let s = config(serde_json::json!({
            "base_url": "http://127.0.0.1:9000/", "allow_http": true
        }))
        .unwrap();
        assert!(s.authenticated_channel);
        let s = config(serde_json::json!({
            "base_url": "http://merchant.lan/", "allow_http": true
        }))
        .unwrap();
        assert!(!s.authenticated_channel);
    }

    #[test]
    fn order_ids() {
        for ok in ["A", "2026.034-038ANBZCCZANE", "a:b_c", "..a", ".-."] {
            assert!(valid_order_id(ok), "{ok}");
        }
        for bad in ["", "a/b", "a b", "é", &"x".repeat(129), ".", "..", "..."] {
            assert!(!valid_order_id(bad), "{bad}");
        }
    }
}
