//! Version 1 of the wire: JSON messages exchanged through `polypay_plugin_dispatch`.
//!
//! The envelopes, HTTP exchanges and errors are types of their own, converted to and from
//! polypay-core's, so a change of a Rust type in core never silently changes the ABI. The domain
//! payloads (`PaymentRequest`, `PaymentIntent`, `Incoming`, `PaymentResponse`, `Adjustment`,
//! `StatusQuery`, `Capabilities`) travel as their documented JSON shapes.

use polypay_core::{Error, FieldError, Operation, Step};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod call;
mod call_fast;
mod cursor;
mod http;
pub mod incoming;
pub mod intent;
mod json;
pub mod response;

pub use http::{Body, WireExchange, WireHeader, WireHttpRequest, WireHttpResponse};

/// A request from the host to the plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum Request {
    /// What the plugin offers; the reply is a [`PluginInfo`].
    Describe,
    /// Builds an instance of `kind` from its configuration; the reply is an [`Opened`].
    Open {
        /// Backend kind.
        kind: String,
        /// Configuration, as a static backend's factory receives it.
        config: Map<String, Value>,
    },
    /// Runs one operation on an instance; the reply is a [`WireStep`] (or, for `guess`, a
    /// string or null).
    Call {
        /// The handle `open` returned.
        instance: u64,
        /// Which operation.
        operation: CallOperation,
        /// The operation's input in its JSON shape.
        input: Value,
        /// The clock (RFC 3339), absent for `guess`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        now: Option<String>,
        /// Since 1.1: the clock as `[seconds, nanoseconds]` since the Unix epoch, in place of
        /// `now` (an integer pair costs nothing to write and read, and stays exact in any
        /// language's JSON). A host sends it only to plugins of minor version 1 or later.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        now_unix: Option<(i64, i32)>,
        /// 32 bytes of entropy, hex, absent for `guess`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entropy: Option<String>,
        /// The HTTP exchange this call continues, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prior: Option<WireExchange>,
    },
    /// Drops an instance; the reply is `null`.
    Close {
        /// The handle `open` returned.
        instance: u64,
    },
    /// Since 1.1: the configuration warnings of `kind` for this configuration (what
    /// `BackendFactory::warnings` returns: problems that do not stop it from working, for
    /// `check-config` to show); the reply is a list of [`WireFieldError`]. A host sends it only
    /// to plugins of minor version 1 or later.
    Warnings {
        /// Backend kind.
        kind: String,
        /// Configuration, as a static backend's factory receives it.
        config: Map<String, Value>,
    },
}

/// The operations a `call` may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOperation {
    /// `Backend::request` (input `PaymentRequest`, result `PaymentIntent`).
    Request,
    /// `Backend::response` (input `Incoming`, result `PaymentResponse`).
    Response,
    /// `Backend::cancel` (input `Adjustment`).
    Cancel,
    /// `Backend::validate` (input `Adjustment`).
    Validate,
    /// `Backend::refund` (input `Adjustment`).
    Refund,
    /// `Backend::status` (input `StatusQuery`).
    Status,
    /// `Backend::guess` (input `Incoming`, result a string or null, no step).
    Guess,
}

impl CallOperation {
    /// The operation's name on the wire (its serde name).
    pub fn name(self) -> &'static str {
        match self {
            CallOperation::Request => "request",
            CallOperation::Response => "response",
            CallOperation::Cancel => "cancel",
            CallOperation::Validate => "validate",
            CallOperation::Refund => "refund",
            CallOperation::Status => "status",
            CallOperation::Guess => "guess",
        }
    }
}

/// The plugin's answer to any request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// Success, with the message's result.
    Ok(Value),
    /// Failure.
    Error(WireError),
}

/// The reply to `describe`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// The plugin crate's name.
    pub name: String,
    /// The plugin crate's version.
    pub version: String,
    /// The polypay-plugin-api version it was built with.
    pub api_version: String,
    /// `unwind` or `abort`: a host refuses `abort`, since a panic would take it down.
    pub panic_strategy: String,
    /// The backends it exports.
    pub backends: Vec<BackendInfo>,
}

/// One exported backend kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// Kind (`manual_transfer`).
    pub kind: String,
    /// Human name.
    pub caption: String,
    /// Draft-07 JSON Schema of the configuration.
    pub config_schema: Value,
    /// Draft-07 JSON Schema of the per-transaction fields.
    pub transaction_schema: Value,
    /// `Capabilities` in its JSON shape.
    pub capabilities: Value,
}

/// The reply to `open`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    /// Handle for `call` and `close`.
    pub instance: u64,
    /// The instance's `Capabilities` (they may depend on its configuration).
    pub capabilities: Value,
}

/// The result of a `call` other than `guess`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireStep {
    /// The operation's result in its JSON shape.
    Done(Value),
    /// An HTTP request to perform, then `call` again with the exchange.
    Http {
        /// The request.
        request: WireHttpRequest,
        /// State to hand back in the exchange.
        state: Value,
    },
}

impl WireStep {
    /// Encodes a core step, its result through serde.
    pub fn from_step<T: Serialize>(step: Step<T>) -> Result<WireStep, Error> {
        Ok(match step {
            Step::Done(t) => WireStep::Done(
                serde_json::to_value(t)
                    .map_err(|e| Error::malformed(format!("plugin wire: {e}")))?,
            ),
            Step::Http { request, state } => WireStep::Http {
                request: (&request).into(),
                state,
            },
        })
    }

    /// Decodes into a core step.
    pub fn into_step<T: serde::de::DeserializeOwned>(self) -> Result<Step<T>, Error> {
        Ok(match self {
            WireStep::Done(v) => Step::Done(
                serde_json::from_value(v)
                    .map_err(|e| Error::malformed(format!("plugin wire: bad result: {e}")))?,
            ),
            WireStep::Http { request, state } => Step::Http {
                request: request.try_into()?,
                state,
            },
        })
    }
}

/// One field's configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireFieldError {
    /// Parameter name.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// An error, by kind, with what the host needs to rebuild the core [`Error`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireError {
    /// `config`, `invalid_input`, `unsupported`, `invalid_signature`, `integrity`, `not_found`,
    /// `conflict`, `expired`, `provider`, `transport`, `malformed` or `other`.
    pub kind: String,
    /// Human message.
    pub message: String,
    /// Kind-specific details (`fields`, `backend`, `operation`, `status`, ...).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
}

impl WireError {
    fn new(kind: &str, message: impl Into<String>) -> WireError {
        WireError {
            kind: kind.to_owned(),
            message: message.into(),
            details: Map::new(),
        }
    }

    fn with(mut self, key: &str, value: impl Serialize) -> WireError {
        if let Ok(v) = serde_json::to_value(value) {
            self.details.insert(key.to_owned(), v);
        }
        self
    }

    fn detail<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.details
            .get(key)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Rebuilds the core error; `other` (and anything unknown) becomes `Error::Plugin` naming
    /// `path`.
    pub fn into_error(self, path: &str) -> Error {
        let text = |s: &WireError| {
            s.detail::<String>("text")
                .unwrap_or_else(|| s.message.clone())
        };
        match self.kind.as_str() {
            "config" => {
                let fields: Vec<WireFieldError> = self.detail("fields").unwrap_or_default();
                Error::Config(polypay_core::ConfigErrors(
                    fields
                        .into_iter()
                        .map(|f| FieldError::new(f.field, f.message))
                        .collect(),
                ))
            }
            "invalid_input" => Error::InvalidInput(text(&self)),
            "unsupported" => match (
                self.detail::<String>("backend"),
                self.detail::<Operation>("operation"),
            ) {
                (Some(backend), Some(operation)) => Error::Unsupported { backend, operation },
                _ => Error::InvalidInput(self.message),
            },
            "invalid_signature" => Error::InvalidSignature {
                backend: self.detail("backend").unwrap_or_default(),
                reference: self.detail("reference"),
            },
            "integrity" => Error::Integrity {
                field: match self.detail::<String>("field").as_deref() {
                    Some("amount") => "amount",
                    Some("currency") => "currency",
                    Some("transaction_id") => "transaction_id",
                    Some("order_id") => "order_id",
                    _ => "field",
                },
                expected: self.detail("expected").unwrap_or_default(),
                found: self.detail("found").unwrap_or_default(),
            },
            "not_found" => Error::NotFound(text(&self)),
            "conflict" => Error::Conflict(text(&self)),
            "expired" => Error::Expired(text(&self)),
            "malformed" => Error::Malformed(text(&self)),
            "provider" => Error::Provider {
                status: self.detail("status"),
                code: self.detail("code"),
                message: text(&self),
            },
            "transport" => Error::Transport {
                retryable: self.detail("retryable").unwrap_or(false),
                message: text(&self),
            },
            _ => Error::Plugin {
                path: path.to_owned(),
                message: self.message,
            },
        }
    }
}

impl From<&Error> for WireError {
    fn from(e: &Error) -> Self {
        let msg = e.to_string();
        match e {
            Error::Config(errs) => WireError::new("config", msg).with(
                "fields",
                errs.0
                    .iter()
                    .map(|f| WireFieldError {
                        field: f.field.clone(),
                        message: f.message.clone(),
                    })
                    .collect::<Vec<_>>(),
            ),
            Error::InvalidInput(t) => WireError::new("invalid_input", msg).with("text", t),
            Error::InvalidAmount(_) => WireError::new("invalid_input", msg),
            Error::Unsupported { backend, operation } => WireError::new("unsupported", msg)
                .with("backend", backend)
                .with("operation", operation),
            Error::InvalidSignature { backend, reference } => {
                WireError::new("invalid_signature", msg)
                    .with("backend", backend)
                    .with("reference", reference)
            }
            Error::Integrity {
                field,
                expected,
                found,
            } => WireError::new("integrity", msg)
                .with("field", field)
                .with("expected", expected)
                .with("found", found),
            Error::NotFound(t) => WireError::new("not_found", msg).with("text", t),
            Error::Conflict(t) => WireError::new("conflict", msg).with("text", t),
            Error::Expired(t) => WireError::new("expired", msg).with("text", t),
            Error::Malformed(t) => WireError::new("malformed", msg).with("text", t),
            Error::Provider {
                status,
                code,
                message,
            } => WireError::new("provider", msg)
                .with("status", status)
                .with("code", code)
                .with("text", message),
            Error::Transport { message, retryable } => WireError::new("transport", msg)
                .with("text", message)
                .with("retryable", retryable),
            _ => WireError::new("other", msg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::{HttpRequest, Method};

    #[test]
    fn operation_and_status_names_are_their_serde_names() {
        use CallOperation::*;
        for op in [Request, Response, Cancel, Validate, Refund, Status, Guess] {
            assert_eq!(
                serde_json::to_value(op).unwrap(),
                Value::from(op.name()),
                "{op:?}"
            );
        }
        // The response writer writes a status by its name.
        for s in polypay_core::PaymentStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), Value::from(s.as_str()));
        }
    }

    #[test]
    fn binary_bodies_use_base64_and_text_stays_text() {
        assert_eq!(Body::from_bytes(b"a=1"), Body::Text("a=1".into()));
        let bin = Body::from_bytes(&[0xff, 0]);
        assert_eq!(bin, Body::Base64("/wA=".into()));
        assert_eq!(bin.to_bytes().unwrap(), vec![0xff, 0]);
        assert!(Body::Base64("!!".into()).to_bytes().is_err());
    }

    #[test]
    fn http_requests_round_trip() {
        let req = HttpRequest::new(Method::Post, "https://bank.example/x?a=1".parse().unwrap())
            .with_bearer("tok")
            .with_form(&[("k", "v")])
            .with_extra_timeout(std::time::Duration::from_secs(3));
        let wire = WireHttpRequest::from(&req);
        let json = serde_json::to_string(&wire).unwrap();
        let back: WireHttpRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(HttpRequest::try_from(back).unwrap(), req);
    }

    #[test]
    fn errors_round_trip_by_kind() {
        let mut cfg = polypay_core::ConfigErrors::default();
        cfg.push("iban", "required");
        for e in [
            Error::Config(cfg),
            Error::unsupported("x", Operation::Refund),
            Error::NotFound("t1".into()),
            Error::Provider {
                status: Some(502),
                code: Some("E1".into()),
                message: "down".into(),
            },
            Error::Transport {
                message: "reset".into(),
                retryable: true,
            },
        ] {
            let wire: WireError = (&e).into();
            let json = serde_json::to_string(&wire).unwrap();
            let back = serde_json::from_str::<WireError>(&json)
                .unwrap()
                .into_error("p.so");
            assert_eq!(back.to_string(), e.to_string());
            assert_eq!(back.kind(), e.kind());
        }
        let other = WireError::new("other", "boom").into_error("p.so");
        assert_eq!(other.to_string(), "plugin p.so: boom");
    }

    #[test]
    fn messages_have_a_stable_json_shape() {
        let req = Request::Close { instance: 7 };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::json!({"message": "close", "instance": 7})
        );
        let reply = Reply::Ok(Value::Null);
        assert_eq!(serde_json::to_string(&reply).unwrap(), r#"{"ok":null}"#);
    }
}
