//! The configuration of a `bitcoin` backend ([`BitcoinConfig`]) and the checks that turn it
//! into [`Settings`], every problem reported at once.

use std::collections::BTreeMap;
use std::fmt;

use polypay_core::{ConfigErrors, Currency, Secret};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use url::Url;

use super::convert::parse_rate;
use super::keys::AccountKey;

/// Self-custodial Bitcoin (BIP84 + BIP321)
///
/// Takes bitcoin payments straight to the merchant's own wallet: polypay derives one fresh
/// native-segwit address per payment from the wallet's account public key (it never sees a
/// private key), shows a `bitcoin:` URI and QR code, and watches the address through an
/// Esplora server or a Bitcoin Core node until the payment has enough confirmations.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BitcoinConfig {
    /// Account public key
    ///
    /// The BIP84 account extended public key of the merchant's wallet (m/84'/0'/0'): a zpub
    /// (or xpub) on mainnet, a vpub (or tpub) on testnet, signet and regtest. Electrum,
    /// Sparrow and Bitcoin Core export it. Never give a private key (xprv, zprv): polypay
    /// refuses it.
    #[schemars(length(min = 100, max = 120))]
    pub xpub: String,
    /// Network
    ///
    /// The Bitcoin network the key and the chain source belong to.
    #[serde(default)]
    pub network: Network,
    /// Esplora URL
    ///
    /// The base URL of an Esplora REST API (a self-hosted electrs/Esplora, or a public
    /// instance such as `https://blockstream.info/api`). Every address lookup tells the server
    /// operator which addresses are the shop's: prefer your own server. Give this or
    /// `bitcoind_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esplora_url: Option<Url>,
    /// Bitcoin Core RPC URL
    ///
    /// The JSON-RPC URL of a Bitcoin Core node (http://127.0.0.1:8332/ on mainnet) whose
    /// watch-only wallet `bitcoind_wallet` holds the account's receive descriptor. Give this
    /// or `esplora_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcoind_url: Option<Url>,
    /// Bitcoin Core RPC user
    ///
    /// The node's `rpcuser` (or `__cookie__` with the cookie file's secret as password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcoind_user: Option<String>,
    /// Bitcoin Core RPC password
    ///
    /// The node's `rpcpassword` (or the cookie file's secret).
    #[serde(default, skip_serializing)]
    pub bitcoind_password: Option<Secret>,
    /// Bitcoin Core wallet
    ///
    /// The name of the node's watch-only wallet that imported `wpkh(<xpub>/0/*)` with a range
    /// covering every address index polypay hands out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub bitcoind_wallet: Option<String>,
    /// Required confirmations
    ///
    /// How many blocks must confirm the payment before it counts as paid (1 is common for
    /// small amounts, 6 for large ones). Unconfirmed transactions never count: they can be
    /// replaced.
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 1000))]
    pub required_confirmations: u32,
    /// Payment window (minutes)
    ///
    /// How long the customer has to broadcast the payment, which is also how long the
    /// exchange rate is locked. Transactions first seen later are not counted automatically.
    #[serde(default = "fifteen")]
    #[schemars(range(min = 1, max = 10080))]
    pub payment_window_minutes: u32,
    /// Exchange rates
    ///
    /// The price of one bitcoin per fiat currency, as exact decimal text (EUR = "60000.00"),
    /// used to convert fiat amounts. A request may give its own rate instead. Amounts given
    /// in BTC need no rate.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("additionalProperties" = {
        "type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"
    }))]
    pub rates: BTreeMap<String, String>,
    /// Label
    ///
    /// The payee name wallets show (the `label` of the `bitcoin:` URI), such as the shop's
    /// name. A request may override it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 200))]
    pub label: Option<String>,
    /// Allow plain HTTP
    ///
    /// Reach a chain source on another host over http:// (plain HTTP to 127.0.0.1 or
    /// localhost is always allowed). Such answers are not authenticated, so they never
    /// report a payment as paid. The HTTP executor must allow plain HTTP too.
    #[serde(default)]
    pub allow_http: bool,
}

fn one() -> u32 {
    1
}

fn fifteen() -> u32 {
    15
}

/// A Bitcoin network.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Mainnet (real bitcoin)
    #[default]
    Mainnet,
    /// Testnet
    Testnet,
    /// Signet
    Signet,
    /// Regtest (a local test chain)
    Regtest,
}

impl Network {
    /// The lower-case name (`mainnet`).
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Signet => "signet",
            Network::Regtest => "regtest",
        }
    }

    /// Parses the lower-case name.
    pub fn from_name(name: &str) -> Option<Network> {
        [
            Network::Mainnet,
            Network::Testnet,
            Network::Signet,
            Network::Regtest,
        ]
        .into_iter()
        .find(|n| n.as_str() == name)
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Network> for bitcoin::Network {
    fn from(n: Network) -> bitcoin::Network {
        match n {
            Network::Mainnet => bitcoin::Network::Bitcoin,
            Network::Testnet => bitcoin::Network::Testnet,
            Network::Signet => bitcoin::Network::Signet,
            Network::Regtest => bitcoin::Network::Regtest,
        }
    }
}

/// Where polypay reads the chain.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// An Esplora REST API; the base URL ends with `/`.
    Esplora { base: Url },
    /// A Bitcoin Core wallet endpoint (`…/wallet/<name>`) with its credentials.
    Bitcoind {
        wallet_url: Url,
        user: String,
        password: Secret,
    },
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub key: AccountKey,
    pub network: Network,
    pub source: Source,
    pub required_confirmations: u32,
    pub window_minutes: u32,
    /// Price of one BTC by upper-case currency code.
    pub rates: BTreeMap<String, Decimal>,
    pub label: Option<String>,
    /// Whether answers are authenticated: HTTPS, or plain HTTP to the loopback interface.
    pub authenticated_channel: bool,
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

/// Checks a chain source URL: http(s), a host, no query, fragment or credentials, plain HTTP
/// only to loopback unless allowed. Returns the URL with its path ending in `/`.
fn check_url(url: &Url, allow_http: bool) -> Result<Url, String> {
    match url.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(url) => {}
        "http" => {
            return Err(
                "must be an https:// URL (plain http:// is allowed to 127.0.0.1 and \
                        localhost, or to other hosts with allow_http = true)"
                    .into(),
            );
        }
        _ => return Err("must be an https:// or http:// URL".into()),
    }
    if !url.has_host() {
        return Err("must name a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials (use bitcoind_user and bitcoind_password)".into());
    }
    let mut base = url.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    Ok(base)
}

/// The wallet endpoint `<base>wallet/<name>` (the name percent-encoded as one path segment).
fn wallet_url(base: &Url, wallet: &str) -> Result<Url, String> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| "cannot be a base URL".to_owned())?
        .pop_if_empty()
        .push("wallet")
        .push(wallet);
    Ok(url)
}

impl BitcoinConfig {
    /// Checks everything the schema cannot express; every problem is reported at once.
    pub(crate) fn settings(self) -> Result<Settings, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        let key = match AccountKey::parse(&self.xpub, self.network) {
            Ok(k) => Some(k),
            Err(why) => {
                errors.push("xpub", why);
                None
            }
        };
        let source = self.source(&mut errors);
        let mut rates = BTreeMap::new();
        for (code, text) in &self.rates {
            let field = format!("rates.{code}");
            match Currency::new(code) {
                Ok(c) if c.code() == Currency::BTC.code() => errors.push(
                    field,
                    "BTC needs no rate: amounts in BTC are used as they are",
                ),
                Ok(c) => match parse_rate(text) {
                    Ok(rate) => {
                        rates.insert(c.code().to_owned(), rate);
                    }
                    Err(why) => errors.push(field, why),
                },
                Err(e) => errors.push(field, e.to_string()),
            }
        }
        if let Some(label) = &self.label
            && label.chars().any(char::is_control)
        {
            errors.push("label", "must not contain control characters");
        }
        let (Some(key), Some(source)) = (key, source) else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let url = match &source {
            Source::Esplora { base } => base,
            Source::Bitcoind { wallet_url, .. } => wallet_url,
        };
        let authenticated_channel = url.scheme() == "https" || is_loopback(url);
        Ok(Settings {
            key,
            network: self.network,
            source,
            required_confirmations: self.required_confirmations,
            window_minutes: self.payment_window_minutes,
            rates,
            label: self.label.filter(|l| !l.is_empty()),
            authenticated_channel,
        })
    }

    fn source(&self, errors: &mut ConfigErrors) -> Option<Source> {
        match (&self.esplora_url, &self.bitcoind_url) {
            (Some(_), Some(_)) => {
                errors.push(
                    "bitcoind_url",
                    "give either esplora_url or bitcoind_url, not both",
                );
                None
            }
            (None, None) => {
                errors.push(
                    "esplora_url",
                    "is required (or give bitcoind_url with bitcoind_user, bitcoind_password \
                     and bitcoind_wallet)",
                );
                None
            }
            (Some(esplora), None) => {
                for (field, given) in [
                    ("bitcoind_user", self.bitcoind_user.is_some()),
                    ("bitcoind_password", self.bitcoind_password.is_some()),
                    ("bitcoind_wallet", self.bitcoind_wallet.is_some()),
                ] {
                    if given {
                        errors.push(field, "is only used with bitcoind_url");
                    }
                }
                match check_url(esplora, self.allow_http) {
                    Ok(base) => Some(Source::Esplora { base }),
                    Err(why) => {
                        errors.push("esplora_url", why);
                        None
                    }
                }
            }
            (None, Some(node)) => {
                let base = check_url(node, self.allow_http)
                    .map_err(|why| errors.push("bitcoind_url", why))
                    .ok();
                let user = self.bitcoind_user.clone().filter(|u| !u.is_empty());
                if user.is_none() {
                    errors.push("bitcoind_user", "is required with bitcoind_url");
                } else if user.as_deref().is_some_and(|u| u.contains(':')) {
                    errors.push("bitcoind_user", "must not contain ':' (HTTP Basic)");
                }
                let password = self.bitcoind_password.clone().filter(|p| !p.is_empty());
                if password.is_none() {
                    errors.push("bitcoind_password", "is required with bitcoind_url");
                }
                let wallet = self.bitcoind_wallet.clone().filter(|w| !w.is_empty());
                if wallet.is_none() {
                    errors.push(
                        "bitcoind_wallet",
                        "is required with bitcoind_url (the watch-only wallet's name)",
                    );
                }
                let wallet_url = match (&base, &wallet) {
                    (Some(b), Some(w)) => wallet_url(b, w)
                        .map_err(|why| errors.push("bitcoind_url", why))
                        .ok(),
                    _ => None,
                };
                Some(Source::Bitcoind {
                    wallet_url: wallet_url?,
                    user: user?,
                    password: password?,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::testkit::{error_fields as fields, patched};

    const ZPUB: &str = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";

    fn config(patch: serde_json::Value) -> Result<Settings, ConfigErrors> {
        let base = serde_json::json!({
            "xpub": ZPUB,
            "esplora_url": "https://esplora.example/api",
        });
        serde_json::from_value::<BitcoinConfig>(patched(&base, &patch))
            .unwrap()
            .settings()
    }

    #[test]
    fn defaults_and_esplora_base() {
        let s = config(serde_json::json!({})).unwrap();
        assert_eq!(s.network, Network::Mainnet);
        assert_eq!(s.required_confirmations, 1);
        assert_eq!(s.window_minutes, 15);
        assert!(s.authenticated_channel);
        let Source::Esplora { base } = s.source else {
            panic!("esplora")
        };
        assert_eq!(base.as_str(), "https://esplora.example/api/");
    }

    #[test]
    fn bitcoind_wallet_url_and_secret() {
        let s = config(serde_json::json!({
            "esplora_url": null,
            "bitcoind_url": "http://127.0.0.1:8332",
            "bitcoind_user": "rpc",
            "bitcoind_password": "hunter2",
            "bitcoind_wallet": "shop watch/only",
        }))
        .unwrap();
        assert!(s.authenticated_channel);
        let Source::Bitcoind {
            wallet_url,
            user,
            password,
        } = &s.source
        else {
            panic!("bitcoind")
        };
        assert_eq!(
            wallet_url.as_str(),
            "http://127.0.0.1:8332/wallet/shop%20watch%2Fonly"
        );
        assert_eq!((user.as_str(), password.expose()), ("rpc", "hunter2"));
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn every_problem_at_once() {
        let e = config(serde_json::json!({
            "xpub": "zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE",
            "esplora_url": "http://esplora.lan/",
            "rates": {"EUR": "60000.5", "USD": "0", "BTC": "1", "usd2": "x", "CHF": "6e4"},
            "label": "a\u{7}b",
        }))
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "xpub",
                "esplora_url",
                "rates.BTC",
                "rates.CHF",
                "rates.USD",
                "rates.usd2",
                "label"
            ]
        );
        let e = config(serde_json::json!({
            "esplora_url": null,
            "bitcoind_url": "https://node.example/?x=1",
        }))
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "bitcoind_url",
                "bitcoind_user",
                "bitcoind_password",
                "bitcoind_wallet"
            ]
        );
        let e = config(serde_json::json!({"bitcoind_url": "https://n.example/"})).unwrap_err();
        assert_eq!(fields(e), ["bitcoind_url"]);
        let e = config(serde_json::json!({"esplora_url": null})).unwrap_err();
        assert_eq!(fields(e), ["esplora_url"]);
        let e = config(serde_json::json!({"bitcoind_wallet": "w"})).unwrap_err();
        assert_eq!(fields(e), ["bitcoind_wallet"]);
        let e = config(serde_json::json!({"network": "testnet"})).unwrap_err();
        assert_eq!(fields(e), ["xpub"]);
    }

    #[test]
    fn plain_http_rules() {
        let s = config(serde_json::json!({"esplora_url": "http://localhost:3000"})).unwrap();
        assert!(s.authenticated_channel);
        let s = config(serde_json::json!({
            "esplora_url": "http://esplora.lan:3000", "allow_http": true
        }))
        .unwrap();
        assert!(!s.authenticated_channel);
        assert!(config(serde_json::json!({"esplora_url": "ftp://e.example/"})).is_err());
        assert!(config(serde_json::json!({"esplora_url": "https://u:p@e.example/"})).is_err());
    }

    #[test]
    fn rates_are_exact() {
        let s = config(serde_json::json!({"rates": {"eur": "60000.123456789", "JPY": "9000000"}}))
            .unwrap();
        assert_eq!(s.rates["EUR"].to_string(), "60000.123456789");
        assert_eq!(s.rates["JPY"].to_string(), "9000000");
    }
}
