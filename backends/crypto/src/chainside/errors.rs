//! The Chainside API's error answers (`{"error_code": "3001", "message", "request_id", ...}`)
//! and their mapping to polypay's [`Error`].
//!
//! The mapping branches on the error code, never on the message. Every piece of the answer
//! survives: the code (in [`Error::Provider::code`], and named in the message), the message,
//! the request id (quote it to Chainside's support) and the debug information.
//!
//! | error_code | polypay |
//! |---|---|
//! | 3001 NotFound | `NotFound` |
//! | anything else | `Provider` with the HTTP status and the code (a 429 or 5xx answer is retryable) |

use std::fmt;

use polypay_core::{Error, HttpResponse};
use serde_json::Value;

/// Every error code of the API v1, with its name.
pub const ERROR_CODES: &[(&str, &str)] = &[
    ("0001", "ValidationError"),
    ("0013", "InvalidCallback"),
    ("1001", "UnauthorizedClient"),
    ("1002", "InvalidGrantType"),
    ("1004", "AccessTokenExpired"),
    ("1006", "InvalidRefreshToken"),
    ("1007", "InvalidAccessToken"),
    ("1012", "Forbidden"),
    ("1013", "InvalidScope"),
    ("1018", "InvalidRealm"),
    ("2000", "TooManyRequests"),
    ("3001", "NotFound"),
    ("3003", "MethodNotAllowed"),
    ("3007", "InvalidAuthorizationHeader"),
    ("3012", "InvalidContentTypeHeader"),
    ("3013", "InvalidAcceptHeader"),
    ("4000", "InternalServerError"),
    ("4003", "RateUnavailable"),
    ("4006", "FunctionalityDown"),
];

/// Codes polypay acts on.
pub(crate) mod code {
    pub(crate) const ACCESS_TOKEN_EXPIRED: &str = "1004";
    pub(crate) const INVALID_ACCESS_TOKEN: &str = "1007";
    pub(crate) const NOT_FOUND: &str = "3001";
}

/// The name of an error code (`"3001"` → `NotFound`), when polypay knows it.
///
/// ```
/// assert_eq!(polypay_crypto::chainside::error_name("1004"), Some("AccessTokenExpired"));
/// assert_eq!(polypay_crypto::chainside::error_name("9999"), None);
/// ```
pub fn error_name(code: &str) -> Option<&'static str> {
    ERROR_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// How much of the debug information an error message quotes.
const DEBUG_LIMIT: usize = 300;

/// An error answer of the Chainside API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The 4-digit `error_code`, when the body had one.
    pub error_code: Option<String>,
    /// The human message, when the body had one (log it, never branch on it).
    pub message: Option<String>,
    /// The id of the request at Chainside (for their support).
    pub request_id: Option<String>,
    /// The debug information, as compact JSON (cut at 300 characters).
    pub debug: Option<String>,
}

/// Text of a JSON value that is a string or a number.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ApiError {
    /// Reads an answer's body. A body that is not JSON (a proxy's HTML page) gives an error
    /// with the HTTP status only.
    pub fn parse(response: &HttpResponse) -> ApiError {
        let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let debug = ["debug_info", "debug"]
            .iter()
            .find_map(|k| body.get(*k).filter(|v| !v.is_null()))
            .map(|v| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                cut(&s, DEBUG_LIMIT)
            });
        ApiError {
            status: response.status,
            // A code written as a number loses its leading zeros: put them back.
            error_code: text(body.get("error_code")).map(|c| {
                if c.len() < 4 && c.bytes().all(|b| b.is_ascii_digit()) {
                    format!("{c:0>4}")
                } else {
                    c
                }
            }),
            message: text(body.get("message")).or_else(|| text(body.get("error"))),
            request_id: text(body.get("request_id")),
            debug,
        }
    }

    /// The name of the error code (`NotFound`).
    pub fn name(&self) -> Option<&'static str> {
        self.error_code.as_deref().and_then(error_name)
    }

    /// Whether the answer carries this error code.
    pub fn is(&self, code: &str) -> bool {
        self.error_code.as_deref() == Some(code)
    }

    /// The polypay error, `what` saying what was being done (`getting payment order X`).
    pub fn into_error(self, what: &str) -> Error {
        let hint = match self.error_code.as_deref() {
            Some("1001" | "1007" | "3007") => " (check client_id and secret)",
            Some("1012") => " (the credentials lack the permission)",
            Some("2000") => " (slow down: too many requests)",
            _ => "",
        };
        let message = format!("{what}: {self}{hint}");
        if self.is(code::NOT_FOUND) {
            return Error::NotFound(message);
        }
        Error::Provider {
            status: Some(self.status),
            code: self.error_code,
            message,
        }
    }
}

impl fmt::Display for ApiError {
    /// `[HTTP 404, error_code 3001 NotFound, request_id r-1] message (debug: ...)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[HTTP {}", self.status)?;
        if let Some(c) = &self.error_code {
            write!(f, ", error_code {c}")?;
            if let Some(name) = self.name() {
                write!(f, " {name}")?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request_id {id}")?;
        }
        f.write_str("]")?;
        if let Some(m) = &self.message {
            write!(f, " {m}")?;
        }
        if let Some(d) = &self.debug {
            write!(f, " (debug: {d})")?;
        }
        Ok(())
    }
}

/// `s` cut to at most `max` characters, with `…` when cut.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The error for an answer that is not the expected success.
pub(crate) fn from_response(response: &HttpResponse, what: &str) -> Error {
    ApiError::parse(response).into_error(what)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use polypay_core::ErrorKind;

    fn err(status: u16, body: &str) -> Error {
        from_response(&HttpResponse::new(status, body), "getting payment order U1")
    }

    #[test]
    fn codes_map_and_survive() {
        let e = err(
            404,
            r#"{"error_code":"3001","message":"not found","request_id":"r-9"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let t = e.to_string();
        assert!(
            t.contains("3001 NotFound") && t.contains("r-9") && t.contains("U1"),
            "{t}"
        );
        match err(
            400,
            r#"{"error_code":"0001","message":"bad","debug_info":{"amount":["required"]}}"#,
        ) {
            Error::Provider {
                status,
                code,
                message,
            } => {
                assert_eq!((status, code.as_deref()), (Some(400), Some("0001")));
                assert!(message.contains("ValidationError") && message.contains("required"));
            }
            other => panic!("{other:?}"),
        }
        let e = err(401, r#"{"error_code":1001}"#);
        assert!(e.to_string().contains("1001 UnauthorizedClient"), "{e}");
        assert!(e.to_string().contains("client_id"), "{e}");
        assert!(err(503, "<html>").is_retryable());
        assert!(err(429, r#"{"error_code":"2000"}"#).is_retryable());
        assert!(!err(400, r#"{"error_code":"0013"}"#).is_retryable());
        let long = format!(r#"{{"error_code":"4000","debug":"{}"}}"#, "x".repeat(1000));
        assert!(err(500, &long).to_string().len() < 500);
        assert_eq!(ERROR_CODES.len(), 19);
    }
}
