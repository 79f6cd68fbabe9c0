//! The `GET /config` check: is the merchant backend one polypay can talk to?
//!
//! The backend announces its protocol as a libtool version `current:revision:age`: it serves
//! the protocol versions `current - age` through `current`. polypay-taler speaks versions
//! [`MIN_PROTOCOL`] through [`MAX_PROTOCOL`] (it uses orders with session ids, claim tokens,
//! refunds and deletion, whose shapes are stable across that range, and parses the
//! differences leniently), so a backend is compatible when the two ranges meet. Login tokens
//! (the `password` configuration) need v19 or later.

use polypay_core::{Error, Result};
use serde::Deserialize;

/// Oldest merchant protocol polypay-taler speaks (`session_id` on orders arrived in v6).
pub const MIN_PROTOCOL: u32 = 6;
/// Newest merchant protocol polypay-taler speaks (features up to v27 are documented).
pub const MAX_PROTOCOL: u32 = 27;
/// First protocol with login tokens (`POST /private/token`).
pub const LOGIN_TOKENS_SINCE: u32 = 19;

/// What polypay keeps from `GET /config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BackendInfo {
    /// `current` of the announced version.
    pub current: u32,
    /// Newest protocol both sides speak.
    pub agreed: u32,
    /// Currencies the backend accepts (its default currency and the `currencies` keys),
    /// upper-case; empty when it names none.
    pub currencies: Vec<String>,
}

#[derive(Deserialize)]
struct ConfigBody {
    version: String,
    name: String,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    currencies: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Parses `current:revision:age`.
pub(crate) fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split(':').map(|p| p.parse::<u32>().ok());
    let current = parts.next()??;
    let revision = parts.next()??;
    let age = parts.next()??;
    if parts.next().is_some() || age > current {
        return None;
    }
    Some((current, revision, age))
}

/// Checks the body of `GET /config`.
pub(crate) fn check_config(body: &[u8]) -> Result<BackendInfo> {
    let config: ConfigBody = serde_json::from_slice(body).map_err(|e| {
        Error::malformed(format!(
            "GET /config did not answer a merchant backend's version object: {e}"
        ))
    })?;
    if config.name != "taler-merchant" {
        return Err(Error::Provider {
            status: Some(200),
            code: None,
            message: format!(
                "the configured base_url is a {:?} service, not a GNU Taler merchant backend \
                 (taler-merchant)",
                config.name
            ),
        });
    }
    let Some((current, _, age)) = parse_version(&config.version) else {
        return Err(Error::malformed(format!(
            "the merchant backend announced the version {:?}, not current:revision:age",
            config.version
        )));
    };
    let oldest = current - age;
    let agreed = current.min(MAX_PROTOCOL);
    if agreed < oldest.max(MIN_PROTOCOL) {
        return Err(Error::Provider {
            status: Some(200),
            code: None,
            message: format!(
                "incompatible GNU Taler merchant backend: it speaks protocol v{oldest} to \
                 v{current} (version {}), polypay-taler speaks v{MIN_PROTOCOL} to \
                 v{MAX_PROTOCOL}",
                config.version
            ),
        });
    }
    let mut currencies: Vec<String> = config
        .currency
        .into_iter()
        .chain(
            config
                .currencies
                .unwrap_or_default()
                .into_iter()
                .map(|(k, _)| k),
        )
        .map(|c| c.to_ascii_uppercase())
        .collect();
    currencies.sort();
    currencies.dedup();
    Ok(BackendInfo {
        current,
        agreed,
        currencies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(version: &str) -> Vec<u8> {
        serde_json::json!({
            "version": version, "name": "taler-merchant", "currency": "KUDOS",
            "currencies": {"KUDOS": {}, "eur": {}}, "exchanges": []
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn ranges_must_meet() {
        let info = check_config(&body("20:0:8")).unwrap();
        assert_eq!((info.current, info.agreed), (20, 20));
        assert_eq!(info.currencies, ["EUR", "KUDOS"]);
        assert_eq!(check_config(&body("30:0:10")).unwrap().agreed, 27);
        assert_eq!(check_config(&body("6:0:0")).unwrap().agreed, 6);
        for bad in ["5:0:0", "40:0:5", "28:1:0"] {
            let e = check_config(&body(bad)).unwrap_err().to_string();
            assert!(e.contains("incompatible") && e.contains("v6 to v27"), "{e}");
        }
    }

    #[test]
    fn malformed_and_foreign() {
        for bad in ["20", "20:0", "a:b:c", "1:0:2", "1:2:3:4"] {
            assert!(check_config(&body(bad)).is_err(), "{bad}");
        }
        let e = check_config(br#"{"version": "20:0:8", "name": "taler-exchange"}"#).unwrap_err();
        assert!(e.to_string().contains("taler-exchange"));
        assert!(check_config(b"<html>").is_err());
    }
}
