//! The HTTP exchange of the sans-IO model: what a backend asks the host to send, and what
//! came back. No I/O happens here.

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::{Error, Result};

/// HTTP methods used by backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name (case-insensitive).
    pub fn parse(name: &str) -> Option<Method> {
        match name.to_ascii_uppercase().as_str() {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request header. A `sensitive` value (a bearer token, a password) is redacted in `Debug`
/// and in traces.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// Whether the value is a secret.
    pub sensitive: bool,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sensitive {
            write!(f, "{}: <redacted>", self.name)
        } else {
            write!(f, "{}: {}", self.name, self.value)
        }
    }
}

/// A request for the host to perform.
///
/// ```
/// use polypay_core::{HttpRequest, Method};
/// let req = HttpRequest::new(Method::Get, "https://bank.example/status".parse().unwrap())
///     .with_bearer("token-123");
/// assert!(!format!("{req:?}").contains("token-123"));
/// let form = HttpRequest::new(Method::Post, "https://bank.example/direct?key=k1".parse().unwrap())
///     .with_form(&[("CLE", "s3cret")]);
/// let shown = format!("{form:?}");
/// assert!(!shown.contains("s3cret") && !shown.contains("k1"));
/// ```
///
/// Its `Debug` shows the body's length only: bodies may carry keys (Paybox Direct sends its
/// `CLE` in the form body) and are never printed.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Full URL.
    pub url: Url,
    /// Headers.
    pub headers: Vec<Header>,
    /// Body bytes (empty for none).
    pub body: Vec<u8>,
    /// Extra time this request may take beyond the host's timeout (a long poll).
    pub extra_timeout: Option<Duration>,
    /// Whether sending it twice is harmless (GET, status reads): only these are retried.
    pub idempotent: bool,
}

impl HttpRequest {
    /// A request with no headers and no body; GET and DELETE are idempotent.
    pub fn new(method: Method, url: Url) -> HttpRequest {
        HttpRequest {
            method,
            idempotent: matches!(method, Method::Get | Method::Delete),
            url,
            headers: Vec::new(),
            body: Vec::new(),
            extra_timeout: None,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(Header {
            name: name.into(),
            value: value.into(),
            sensitive: false,
        });
        self
    }

    /// Adds a secret header (redacted in `Debug` and traces).
    pub fn with_sensitive_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.headers.push(Header {
            name: name.into(),
            value: value.into(),
            sensitive: true,
        });
        self
    }

    /// Adds `Authorization: Bearer <token>`, marked sensitive.
    pub fn with_bearer(self, token: &str) -> Self {
        self.with_sensitive_header("Authorization", format!("Bearer {token}"))
    }

    /// Sets a JSON body and its content type.
    pub fn with_json(mut self, body: &serde_json::Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.with_header("Content-Type", "application/json")
    }

    /// Sets a form-urlencoded body and its content type.
    pub fn with_form(mut self, pairs: &[(&str, &str)]) -> Self {
        self.body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes();
        self.with_header("Content-Type", "application/x-www-form-urlencoded")
    }

    /// Sets the extra time allowed (long polling).
    pub fn with_extra_timeout(mut self, extra: Duration) -> Self {
        self.extra_timeout = Some(extra);
        self
    }

    /// Marks whether the request may be retried.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = self.url.clone();
        if url.query().is_some() {
            url.set_query(Some("<redacted>"));
        }
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url.as_str())
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("extra_timeout", &self.extra_timeout)
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

/// The value of the first header called `name` (case-insensitive) in `headers`.
pub(crate) fn first_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with this status and body.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        first_header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Parses the body as JSON, with a clear error that quotes at most the start of the body.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let start = String::from_utf8_lossy(&self.body[..self.body.len().min(80)]).into_owned();
            Error::malformed(format!(
                "expected JSON (HTTP {}): {e}; body starts {start:?}",
                self.status
            ))
        })
    }
}
