//! HTTP exchanges on the wire: requests, responses and bodies (UTF-8 text as is, other bytes in
//! base64), converted to and from polypay-core's types.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use polypay_core::{Error, Exchange, HttpRequest, HttpResponse, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An HTTP body: UTF-8 text as is, anything else in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// UTF-8 text.
    Text(String),
    /// Standard base64 with padding.
    Base64(String),
}

impl Body {
    /// Encodes bytes, as text when they are UTF-8.
    pub fn from_bytes(bytes: &[u8]) -> Body {
        match std::str::from_utf8(bytes) {
            Ok(text) => Body::Text(text.to_owned()),
            Err(_) => Body::Base64(BASE64.encode(bytes)),
        }
    }

    /// Decodes the bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        match self {
            Body::Text(t) => Ok(t.as_bytes().to_vec()),
            Body::Base64(b) => BASE64
                .decode(b)
                .map_err(|e| Error::malformed(format!("plugin wire: bad base64 body: {e}"))),
        }
    }
}

/// A header of a [`WireHttpRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireHeader {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// Whether the value is a secret (redacted in the host's traces).
    #[serde(default)]
    pub sensitive: bool,
}

/// An HTTP request for the host to perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireHttpRequest {
    /// Method name (`GET`).
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers.
    #[serde(default)]
    pub headers: Vec<WireHeader>,
    /// Body.
    pub body: Body,
    /// Extra time allowed beyond the host's timeout, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_timeout_ms: Option<u64>,
    /// Whether the request may be sent twice.
    pub idempotent: bool,
}

impl From<&HttpRequest> for WireHttpRequest {
    fn from(r: &HttpRequest) -> Self {
        WireHttpRequest {
            method: r.method.as_str().to_owned(),
            url: r.url.to_string(),
            headers: r
                .headers
                .iter()
                .map(|h| WireHeader {
                    name: h.name.clone(),
                    value: h.value.clone(),
                    sensitive: h.sensitive,
                })
                .collect(),
            body: Body::from_bytes(&r.body),
            extra_timeout_ms: r
                .extra_timeout
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            idempotent: r.idempotent,
        }
    }
}

impl TryFrom<WireHttpRequest> for HttpRequest {
    type Error = Error;
    fn try_from(w: WireHttpRequest) -> Result<Self, Error> {
        let method = Method::parse(&w.method).ok_or_else(|| {
            Error::malformed(format!("plugin wire: unknown method {:?}", w.method))
        })?;
        let url = w
            .url
            .parse()
            .map_err(|e| Error::malformed(format!("plugin wire: bad URL: {e}")))?;
        let mut r = HttpRequest::new(method, url);
        for h in w.headers {
            r = if h.sensitive {
                r.with_sensitive_header(h.name, h.value)
            } else {
                r.with_header(h.name, h.value)
            };
        }
        r.body = w.body.to_bytes()?;
        r.extra_timeout = w.extra_timeout_ms.map(std::time::Duration::from_millis);
        r.idempotent = w.idempotent;
        Ok(r)
    }
}

/// An HTTP response the host received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireHttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers as name/value pairs.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
}

impl From<&HttpResponse> for WireHttpResponse {
    fn from(r: &HttpResponse) -> Self {
        WireHttpResponse {
            status: r.status,
            headers: r.headers.clone(),
            body: Body::from_bytes(&r.body),
        }
    }
}

impl TryFrom<WireHttpResponse> for HttpResponse {
    type Error = Error;
    fn try_from(w: WireHttpResponse) -> Result<Self, Error> {
        let mut r = HttpResponse::new(w.status, w.body.to_bytes()?);
        r.headers = w.headers;
        Ok(r)
    }
}

/// The prior exchange of a `call`: the state the step carried and the response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireExchange {
    /// The opaque state from the step.
    pub state: Value,
    /// What the host received.
    pub response: WireHttpResponse,
}

impl From<&Exchange> for WireExchange {
    fn from(e: &Exchange) -> Self {
        WireExchange {
            state: e.state.clone(),
            response: (&e.response).into(),
        }
    }
}

impl TryFrom<WireExchange> for Exchange {
    type Error = Error;
    fn try_from(w: WireExchange) -> Result<Self, Error> {
        Ok(Exchange {
            state: w.state,
            response: w.response.try_into()?,
        })
    }
}
