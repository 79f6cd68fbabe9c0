//! `taler://` URIs: building the pay URI of an order, and parsing pay and refund URIs.
//!
//! Grammar (taler-docs `core/taler-uri.rst`):
//!
//! ```text
//! taler://pay/{merchant_host}{/merchant_prefix_path*}/{order_id}/{session_id}{?c}{#ssid}
//! taler://refund/{merchant_host}{/merchant_prefix_path*}/{order_id}/
//! ```
//!
//! `taler+http://` is the same with the backend reached over plain HTTP (testing only). The
//! session id may be empty, but the slash before it is mandatory.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use url::Url;

/// Characters escaped in a path segment of a `taler://` URI.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Characters escaped in a query value of a `taler://` URI.
const QUERY_VALUE: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+');

/// A parsed `taler://pay/` or `taler://refund/` URI.
///
/// ```
/// use polypay_taler::TalerUri;
/// let uri = TalerUri::parse("taler://pay/example.com/instances/myinst/myorder/?c=ASDF")?;
/// let TalerUri::Pay { merchant_base_url, order_id, session_id, claim_token, .. } = &uri else {
///     unreachable!()
/// };
/// assert_eq!(merchant_base_url.as_str(), "https://example.com/instances/myinst/");
/// assert_eq!((order_id.as_str(), session_id.as_str()), ("myorder", ""));
/// assert_eq!(claim_token.as_deref(), Some("ASDF"));
/// assert_eq!(uri.to_string(), "taler://pay/example.com/instances/myinst/myorder/?c=ASDF");
/// # Ok::<(), polypay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TalerUri {
    /// `taler://pay/...`: pay an order.
    Pay {
        /// The instance's base URL (`https://host/prefix/`; `http` for `taler+http`).
        merchant_base_url: Url,
        /// The order id.
        order_id: String,
        /// The session id (may be empty).
        session_id: String,
        /// The claim token (`?c=`).
        claim_token: Option<String>,
        /// The Wi-Fi SSID hint (`#ssid`).
        ssid: Option<String>,
    },
    /// `taler://refund/...`: pick up a refund.
    Refund {
        /// The instance's base URL.
        merchant_base_url: Url,
        /// The order id.
        order_id: String,
    },
}

/// Why a `taler://` URI was refused.
fn invalid(uri: &str, why: &str) -> polypay_core::Error {
    polypay_core::Error::invalid_input(format!("{uri:?} is not a valid taler:// URI: {why}"))
}

impl TalerUri {
    /// The pay URI of `order_id` at the instance `base` (`https://host[:port]/prefix/`).
    pub fn pay(
        base: &Url,
        order_id: &str,
        session_id: Option<&str>,
        claim_token: Option<&str>,
    ) -> TalerUri {
        TalerUri::Pay {
            merchant_base_url: base.clone(),
            order_id: order_id.to_owned(),
            session_id: session_id.unwrap_or_default().to_owned(),
            claim_token: claim_token.map(str::to_owned),
            ssid: None,
        }
    }

    /// Parses a pay or refund URI. Scheme and action are matched case-insensitively and the
    /// host is lower-cased; other actions (`withdraw`, ...) are refused.
    pub fn parse(uri: &str) -> polypay_core::Result<TalerUri> {
        let (scheme, rest) = uri
            .split_once("://")
            .ok_or_else(|| invalid(uri, "no scheme"))?;
        let http_scheme = match scheme.to_ascii_lowercase().as_str() {
            "taler" => "https",
            "taler+http" => "http",
            _ => return Err(invalid(uri, "the scheme must be taler or taler+http")),
        };
        let (rest, ssid) = match rest.split_once('#') {
            Some((r, s)) => (r, Some(decode(s, uri)?)),
            None => (rest, None),
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let (action, path) = path
            .split_once('/')
            .ok_or_else(|| invalid(uri, "no action"))?;
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 3 || parts[0].is_empty() {
            return Err(invalid(
                uri,
                "expected host/[prefix/]order_id/ followed by the session id",
            ));
        }
        let host = parts[0].to_ascii_lowercase();
        let last = parts.len() - 1;
        let prefix = &parts[1..last - 1];
        if prefix.iter().any(|p| p.is_empty()) {
            return Err(invalid(uri, "empty path segment"));
        }
        let mut base_text = format!("{http_scheme}://{host}/");
        for p in prefix {
            base_text.push_str(p);
            base_text.push('/');
        }
        let merchant_base_url =
            Url::parse(&base_text).map_err(|e| invalid(uri, &format!("bad host or path: {e}")))?;
        let order_id = decode(parts[last - 1], uri)?;
        if order_id.is_empty() {
            return Err(invalid(uri, "empty order id"));
        }
        match action.to_ascii_lowercase().as_str() {
            "pay" => {
                let mut claim_token = None;
                for pair in query.unwrap_or_default().split('&') {
                    if let Some(token) = pair.strip_prefix("c=") {
                        claim_token = Some(decode(token, uri)?);
                    }
                }
                Ok(TalerUri::Pay {
                    merchant_base_url,
                    order_id,
                    session_id: decode(parts[last], uri)?,
                    claim_token,
                    ssid,
                })
            }
            "refund" if parts[last].is_empty() && query.is_none() => Ok(TalerUri::Refund {
                merchant_base_url,
                order_id,
            }),
            "refund" => Err(invalid(uri, "a refund URI ends with order_id/")),
            _ => Err(invalid(uri, "only pay and refund URIs are supported")),
        }
    }

    /// The instance base URL the URI points to.
    pub fn merchant_base_url(&self) -> &Url {
        match self {
            TalerUri::Pay {
                merchant_base_url, ..
            }
            | TalerUri::Refund {
                merchant_base_url, ..
            } => merchant_base_url,
        }
    }

    /// The order id.
    pub fn order_id(&self) -> &str {
        match self {
            TalerUri::Pay { order_id, .. } | TalerUri::Refund { order_id, .. } => order_id,
        }
    }
}

fn decode(text: &str, uri: &str) -> polypay_core::Result<String> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| invalid(uri, "percent-encoding is not UTF-8"))
}

/// Writes `taler[+http]://{action}/host[:port]/prefix/` for a base URL.
fn write_start(f: &mut fmt::Formatter<'_>, base: &Url, action: &str) -> fmt::Result {
    let scheme = if base.scheme() == "http" {
        "taler+http"
    } else {
        "taler"
    };
    write!(f, "{scheme}://{action}/")?;
    // An IPv6 literal keeps its brackets; a default port is not written.
    if let Some(host) = base.host() {
        write!(f, "{host}")?;
    }
    if let Some(port) = base.port() {
        write!(f, ":{port}")?;
    }
    f.write_str("/")?;
    // The path is already percent-encoded by the URL parser.
    for segment in base.path().split('/').filter(|s| !s.is_empty()) {
        write!(f, "{segment}/")?;
    }
    Ok(())
}

impl fmt::Display for TalerUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TalerUri::Pay {
                merchant_base_url,
                order_id,
                session_id,
                claim_token,
                ssid,
            } => {
                write_start(f, merchant_base_url, "pay")?;
                write!(
                    f,
                    "{}/{}",
                    utf8_percent_encode(order_id, SEGMENT),
                    utf8_percent_encode(session_id, SEGMENT)
                )?;
                if let Some(token) = claim_token {
                    write!(f, "?c={}", utf8_percent_encode(token, QUERY_VALUE))?;
                }
                if let Some(ssid) = ssid {
                    write!(f, "#{}", utf8_percent_encode(ssid, SEGMENT))?;
                }
                Ok(())
            }
            TalerUri::Refund {
                merchant_base_url,
                order_id,
            } => {
                write_start(f, merchant_base_url, "refund")?;
                write!(f, "{}/", utf8_percent_encode(order_id, SEGMENT))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pay(uri: &str) -> (String, String, String, Option<String>) {
        match TalerUri::parse(uri).unwrap() {
            TalerUri::Pay {
                merchant_base_url,
                order_id,
                session_id,
                claim_token,
                ..
            } => (
                merchant_base_url.to_string(),
                order_id,
                session_id,
                claim_token,
            ),
            other => panic!("{uri} parsed as {other:?}"),
        }
    }

    fn refund(uri: &str) -> (String, String) {
        match TalerUri::parse(uri).unwrap() {
            TalerUri::Refund {
                merchant_base_url,
                order_id,
            } => (merchant_base_url.to_string(), order_id),
            other => panic!("{uri} parsed as {other:?}"),
        }
    }

    /// The parser vectors of the spec (§11, from taler-util's `taleruri.test.ts`).
    #[test]
    fn spec_parser_vectors() {
        assert_eq!(
            pay("taler://pay/example.com/myorder/"),
            (
                "https://example.com/".into(),
                "myorder".into(),
                "".into(),
                None
            )
        );
        assert_eq!(
            pay("taler://pay/example.com/myorder/mysession"),
            (
                "https://example.com/".into(),
                "myorder".into(),
                "mysession".into(),
                None
            )
        );
        assert_eq!(
            pay("taler://pay/example.com/instances/myinst/myorder/"),
            (
                "https://example.com/instances/myinst/".into(),
                "myorder".into(),
                "".into(),
                None
            )
        );
        assert_eq!(
            pay("taler://pay/example.com/instances/myinst/myorder/?c=ASDF"),
            (
                "https://example.com/instances/myinst/".into(),
                "myorder".into(),
                "".into(),
                Some("ASDF".into())
            )
        );
        assert_eq!(
            pay("taler+http://pay/example.com/myorder/"),
            (
                "http://example.com/".into(),
                "myorder".into(),
                "".into(),
                None
            )
        );
        assert!(TalerUri::parse("taler+http://pay/example.com/myorder").is_err());
        assert!(!matches!(
            TalerUri::parse("taler://refund/a/b/c/d/e/f"),
            Ok(TalerUri::Pay { .. })
        ));
        assert_eq!(
            refund("taler+http://refund/example.com/myorder/"),
            ("http://example.com/".into(), "myorder".into())
        );
        assert_eq!(
            refund("taler://refund/merchant.example.com/1234/"),
            ("https://merchant.example.com/".into(), "1234".into())
        );
        assert_eq!(
            refund("taler://refund/merchant.example.com/instances/myinst/1234/"),
            (
                "https://merchant.example.com/instances/myinst/".into(),
                "1234".into()
            )
        );
    }

    /// The documentation's examples.
    #[test]
    fn doc_examples() {
        assert_eq!(pay("taler://pay/test.taler.net/ORD123/").1, "ORD123");
        assert_eq!(
            pay("taler://pay/test.taler.net/instances/x1/ORD123/").0,
            "https://test.taler.net/instances/x1/"
        );
        assert_eq!(pay("taler://pay/test.taler.net/ORD123/ABC123").2, "ABC123");
        assert!(TalerUri::parse("taler://pay/test.taler.net/ORD123").is_err());
    }

    #[test]
    fn case_and_errors() {
        let (base, ..) = pay("TALER://PAY/Example.COM/o/");
        assert_eq!(base, "https://example.com/");
        for bad in [
            "https://example.com/o/",
            "taler://withdraw/example.com/o/",
            "taler://pay//o/",
            "taler://pay/example.com//",
            "taler://pay/example.com/a//o/",
            "taler://pay",
            "taler://pay/example.com/%ff/",
            "taler://refund/example.com/o/x",
        ] {
            assert!(TalerUri::parse(bad).is_err(), "{bad}");
        }
        let uri = TalerUri::parse("taler://pay/example.com/o/s?c=T#my%20wifi").unwrap();
        assert!(matches!(uri, TalerUri::Pay { ssid: Some(ref s), .. } if s == "my wifi"));
    }

    #[test]
    fn build_and_round_trip() {
        let base: Url = "https://backend.example.com/instances/x1/".parse().unwrap();
        let uri = TalerUri::pay(&base, "ORD-1", None, Some("TOK"));
        assert_eq!(
            uri.to_string(),
            "taler://pay/backend.example.com/instances/x1/ORD-1/?c=TOK"
        );
        assert_eq!(TalerUri::parse(&uri.to_string()).unwrap(), uri);

        let local: Url = "http://127.0.0.1:8081/".parse().unwrap();
        let uri = TalerUri::pay(&local, "o:1", Some("sess 1"), None);
        assert_eq!(
            uri.to_string(),
            "taler+http://pay/127.0.0.1:8081/o:1/sess%201"
        );
        assert_eq!(TalerUri::parse(&uri.to_string()).unwrap(), uri);

        let v6: Url = "https://[::1]:8443/".parse().unwrap();
        assert_eq!(
            TalerUri::pay(&v6, "o", None, None).to_string(),
            "taler://pay/[::1]:8443/o/"
        );
        let default_port: Url = "https://b.example:443/".parse().unwrap();
        assert_eq!(
            TalerUri::pay(&default_port, "o", None, None).to_string(),
            "taler://pay/b.example/o/"
        );

        let refund = TalerUri::Refund {
            merchant_base_url: base.clone(),
            order_id: "ORD-1".into(),
        };
        assert_eq!(
            refund.to_string(),
            "taler://refund/backend.example.com/instances/x1/ORD-1/"
        );
        assert_eq!(TalerUri::parse(&refund.to_string()).unwrap(), refund);
        assert_eq!(refund.order_id(), "ORD-1");
        assert_eq!(refund.merchant_base_url(), &base);
    }
}
