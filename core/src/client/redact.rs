//! What of a request may appear in a trace or an error message.
//!
//! Tokens travel in query strings (`?token=`), in user info (`https://user:pw@host`) and in
//! headers (`Authorization`). Traces show the URL without them and header values only when
//! they are not secret; error messages name only the host.

use std::fmt;

use url::Url;

use crate::Header;

/// Placeholder written instead of a secret value.
pub(crate) const REDACTED: &str = "<redacted>";

/// Header names whose values are secret whatever the backend said (defence in depth: a
/// backend that forgets [`Header::sensitive`] still does not leak its credentials).
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || ["token", "secret", "password", "api-key", "apikey"]
        .iter()
        .any(|word| name.contains(word))
}

/// Whether a request header's value must be hidden.
pub(crate) fn is_sensitive(header: &Header) -> bool {
    header.sensitive || is_secret_name(&header.name)
}

/// `host` or `host:port` (explicit ports only), for error messages: never the path, the query
/// or user info.
pub(crate) fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("<no host>");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Displays a URL for traces: scheme, host, port and path; user info dropped; a query string
/// or a fragment shown as `<redacted>`.
pub(crate) struct TracedUrl<'a>(pub(crate) &'a Url);

impl fmt::Display for TracedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0;
        write!(f, "{}://{}{}", url.scheme(), host_of(url), url.path())?;
        if url.query().is_some() {
            write!(f, "?{REDACTED}")?;
        }
        if url.fragment().is_some() {
            write!(f, "#{REDACTED}")?;
        }
        Ok(())
    }
}

/// Displays request headers for traces, secret values replaced by `<redacted>`.
pub(crate) struct TracedHeaders<'a>(pub(crate) &'a [Header]);

impl fmt::Display for TracedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_headers(
            f,
            self.0.iter().map(|h| {
                let shown = if is_sensitive(h) {
                    REDACTED
                } else {
                    h.value.as_str()
                };
                (h.name.as_str(), shown)
            }),
        )
    }
}

/// Displays response headers for traces: `Set-Cookie` and the like redacted, and the query
/// of a `Location` (a redirect may carry a token) cut off.
pub(crate) struct TracedResponseHeaders<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Display for TracedResponseHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_headers(
            f,
            self.0.iter().map(|(name, value)| {
                let shown = if is_secret_name(name) {
                    REDACTED.to_owned()
                } else if name.eq_ignore_ascii_case("location")
                    || name.eq_ignore_ascii_case("content-location")
                {
                    without_query(value)
                } else {
                    value.clone()
                };
                (name.as_str(), shown)
            }),
        )
    }
}

/// A (possibly relative) URL with its query and fragment replaced by `<redacted>`, and its
/// user info dropped when it is absolute.
fn without_query(value: &str) -> String {
    if let Ok(url) = value.parse::<Url>()
        && url.has_host()
    {
        return TracedUrl(&url).to_string();
    }
    match value.find(['?', '#']) {
        Some(i) => format!("{}?{REDACTED}", &value[..i]),
        None => value.to_owned(),
    }
}

fn write_headers<'a>(
    f: &mut fmt::Formatter<'_>,
    headers: impl Iterator<Item = (&'a str, impl AsRef<str>)>,
) -> fmt::Result {
    f.write_str("[")?;
    for (i, (name, value)) in headers.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{name}: {:?}", value.as_ref())?;
    }
    f.write_str("]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HttpRequest, Method};

    fn url(s: &str) -> Url {
        s.parse().expect("test URL")
    }

    #[test]
    fn urls_lose_user_info_query_and_fragment() {
        let u = url("https://alice:pw-123@bank.example:8443/pay/42?token=tok-456#frag-789");
        let shown = TracedUrl(&u).to_string();
        assert_eq!(
            shown,
            "https://bank.example:8443/pay/42?<redacted>#<redacted>"
        );
        assert_eq!(host_of(&u), "bank.example:8443");
        let plain = url("https://bank.example/pay");
        assert_eq!(TracedUrl(&plain).to_string(), "https://bank.example/pay");
        assert_eq!(host_of(&plain), "bank.example");
        assert_eq!(host_of(&url("http://[::1]:8080/")), "[::1]:8080");
    }

    #[test]
    fn secret_headers_are_redacted_by_flag_and_by_name() {
        let req = HttpRequest::new(Method::Get, url("https://bank.example/"))
            .with_bearer("bearer-secret")
            .with_header("X-Api-Key", "key-secret")
            .with_header("Cookie", "session=cookie-secret")
            .with_sensitive_header("X-Signature-Key", "flagged-secret")
            .with_header("Accept", "application/json");
        let shown = TracedHeaders(&req.headers).to_string();
        for secret in [
            "bearer-secret",
            "key-secret",
            "cookie-secret",
            "flagged-secret",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(shown.contains("Accept: \"application/json\""), "{shown}");
        assert_eq!(shown.matches(REDACTED).count(), 4, "{shown}");

        let resp = vec![
            ("set-cookie".to_owned(), "sid=resp-secret".to_owned()),
            ("content-type".to_owned(), "text/plain".to_owned()),
        ];
        let shown = TracedResponseHeaders(&resp).to_string();
        assert!(
            !shown.contains("resp-secret") && shown.contains("text/plain"),
            "{shown}"
        );

        let redirects = vec![
            (
                "Location".to_owned(),
                "https://u:pw-1@bank.example/pay?t=tok-1".to_owned(),
            ),
            ("location".to_owned(), "/next?t=tok-2#x".to_owned()),
            ("content-location".to_owned(), "/plain".to_owned()),
        ];
        let shown = TracedResponseHeaders(&redirects).to_string();
        assert_eq!(
            shown,
            "[Location: \"https://bank.example/pay?<redacted>\", \
             location: \"/next?<redacted>\", content-location: \"/plain\"]"
        );
    }
}
