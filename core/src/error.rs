//! The one error type of polypay, and its parts.
//!
//! Every failure a caller can meet is a variant of [`Error`], with a [`ErrorKind`] to branch on
//! and [`Error::is_retryable`] to decide whether trying again can help. Messages never contain
//! secrets: secrets are [`crate::Secret`] values whose `Debug` and `Display` are redacted.

use std::fmt;

use crate::Operation;

/// Result type of polypay.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an amount or a currency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Nothing to parse.
    #[error("the amount is empty")]
    Empty,
    /// A bare value (`10.00`) where a currency was needed.
    #[error("the amount {text:?} does not name its currency (write `10.00 EUR` or `EUR:10.00`)")]
    MissingCurrency {
        /// The text given.
        text: String,
    },
    /// A negative value.
    #[error("the amount {text:?} is negative")]
    Negative {
        /// The text given.
        text: String,
    },
    /// Not a plain decimal number.
    #[error(
        "{text:?} is not an amount: write digits with an optional decimal point, such as 10.00"
    )]
    NotANumber {
        /// The text given.
        text: String,
    },
    /// More fraction digits than the currency has.
    #[error(
        "the amount {text} has more fraction digits than {currency} allows ({allowed}); polypay never rounds"
    )]
    TooPrecise {
        /// The value.
        text: String,
        /// The currency code (empty when the value is beyond any currency's precision).
        currency: String,
        /// Fraction digits allowed.
        allowed: u8,
    },
    /// Too large.
    #[error("the amount {text} is too large")]
    Overflow {
        /// The value.
        text: String,
    },
    /// A currency code that is not 1 to 11 letters.
    #[error("invalid currency code {code:?}: {reason}")]
    InvalidCurrency {
        /// The code given.
        code: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Two amounts, or an amount and the expected currency, disagree.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// Expected code.
        expected: String,
        /// Code found.
        found: String,
    },
}

/// One configuration problem, attached to the parameter it concerns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// Parameter name (`vads_site_id`), or a dotted path for nested values
    /// (`backends.cards.vads_site_id`); empty for a problem with the whole configuration.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl FieldError {
    /// Creates a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Every problem found in a configuration, reported at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigErrors(pub Vec<FieldError>);

impl ConfigErrors {
    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Records a problem.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }
    /// The problems concerning one field.
    pub fn for_field<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FieldError> + 'a {
        self.0.iter().filter(move |e| e.field == field)
    }
    /// `Ok(())` when empty, else the [`Error::Config`] holding every problem.
    pub fn into_result(self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Config(self))
        }
    }
    /// Prefixes every field name with `prefix.` (for a named instance in a file).
    pub fn prefixed(self, prefix: &str) -> ConfigErrors {
        ConfigErrors(
            self.0
                .into_iter()
                .map(|e| FieldError {
                    field: if e.field.is_empty() {
                        prefix.to_owned()
                    } else {
                        format!("{prefix}.{}", e.field)
                    },
                    message: e.message,
                })
                .collect(),
        )
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} configuration error{}",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

/// What kind of failure an [`Error`] is, for branching without matching every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration is invalid.
    Config,
    /// The caller's input is invalid.
    InvalidInput,
    /// An amount is invalid for this operation or backend.
    InvalidAmount,
    /// The backend does not offer this operation.
    Unsupported,
    /// A signature is missing or wrong.
    InvalidSignature,
    /// A response does not match what was requested.
    Integrity,
    /// The payment or resource is unknown to the provider.
    NotFound,
    /// The provider refuses because of a conflicting state.
    Conflict,
    /// The payment or resource has expired.
    Expired,
    /// The provider answered with an error.
    Provider,
    /// The network failed.
    Transport,
    /// The provider's answer could not be understood.
    Malformed,
    /// No backend of this kind is registered.
    UnknownBackend,
    /// A dynamic plugin failed.
    Plugin,
}

/// The error of every polypay operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration has problems, all listed.
    #[error("{0}")]
    Config(ConfigErrors),
    /// The caller's input is invalid.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An amount is invalid.
    #[error("invalid amount: {0}")]
    InvalidAmount(#[from] AmountError),
    /// The backend does not offer this operation.
    #[error("the {backend} backend does not support {operation}")]
    Unsupported {
        /// Backend kind.
        backend: String,
        /// The operation asked for.
        operation: Operation,
    },
    /// A signature is missing or wrong. The claimed reference is kept for logging only.
    #[error("invalid signature from the {backend} backend{}", reference.as_ref().map(|r| format!(" (claimed reference {r:?})")).unwrap_or_default())]
    InvalidSignature {
        /// Backend kind.
        backend: String,
        /// The reference the message claimed, unverified.
        reference: Option<String>,
    },
    /// A response does not match what was requested.
    #[error("integrity check failed on {field}: expected {expected}, got {found}")]
    Integrity {
        /// Which field disagrees (`amount`, `currency`, `transaction_id`).
        field: &'static str,
        /// What was expected.
        expected: String,
        /// What the response said.
        found: String,
    },
    /// Unknown to the provider.
    #[error("not found: {0}")]
    NotFound(String),
    /// Refused because of a conflicting state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Expired or gone.
    #[error("expired: {0}")]
    Expired(String),
    /// The provider answered with an error.
    #[error("provider error{}{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(), code.as_ref().map(|c| format!(" [code {c}]")).unwrap_or_default())]
    Provider {
        /// HTTP status, when the answer came over HTTP.
        status: Option<u16>,
        /// The provider's own error code, raw.
        code: Option<String>,
        /// The provider's message or hint.
        message: String,
    },
    /// The network failed.
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
        /// Whether the same request may be sent again.
        retryable: bool,
    },
    /// The provider's answer could not be understood.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// No backend of this kind is registered.
    #[error("unknown backend kind {kind:?}; available: {}", available.join(", "))]
    UnknownBackend {
        /// The kind asked for.
        kind: String,
        /// The kinds registered.
        available: Vec<String>,
    },
    /// Two backends claim the same kind.
    #[error("backend kind {0:?} is registered twice")]
    DuplicateBackend(String),
    /// A dynamic plugin failed.
    #[error("plugin {path}: {message}")]
    Plugin {
        /// The plugin library file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::InvalidAmount(_) => ErrorKind::InvalidAmount,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::InvalidSignature { .. } => ErrorKind::InvalidSignature,
            Error::Integrity { .. } => ErrorKind::Integrity,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Expired(_) => ErrorKind::Expired,
            Error::Provider { .. } => ErrorKind::Provider,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Malformed(_) => ErrorKind::Malformed,
            Error::UnknownBackend { .. } | Error::DuplicateBackend(_) => ErrorKind::UnknownBackend,
            Error::Plugin { .. } => ErrorKind::Plugin,
        }
    }

    /// Whether trying the same operation again may succeed (network failures marked
    /// retryable, and provider 5xx answers).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { retryable, .. } => *retryable,
            Error::Provider {
                status: Some(s), ..
            } => (500..600).contains(s) || *s == 429,
            _ => false,
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(message: impl Into<String>) -> Error {
        Error::InvalidInput(message.into())
    }

    /// Shorthand for [`Error::Malformed`].
    pub fn malformed(message: impl Into<String>) -> Error {
        Error::Malformed(message.into())
    }

    /// Shorthand for [`Error::Unsupported`].
    pub fn unsupported(backend: impl Into<String>, operation: Operation) -> Error {
        Error::Unsupported {
            backend: backend.into(),
            operation,
        }
    }
}

impl From<ConfigErrors> for Error {
    fn from(e: ConfigErrors) -> Self {
        Error::Config(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_failed() {
        let e = Error::unsupported("dummy", Operation::Refund);
        assert_eq!(e.to_string(), "the dummy backend does not support refund");
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = Error::UnknownBackend {
            kind: "nope".into(),
            available: vec!["dummy".into(), "taler".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown backend kind \"nope\"; available: dummy, taler"
        );
        let mut errs = ConfigErrors::default();
        errs.push("a", "is required");
        errs.push("b", "must be a boolean");
        let text = Error::Config(errs).to_string();
        assert!(text.contains("2 configuration errors") && text.contains("a: is required"));
    }

    #[test]
    fn retryable() {
        assert!(
            Error::Transport {
                message: "x".into(),
                retryable: true
            }
            .is_retryable()
        );
        assert!(
            Error::Provider {
                status: Some(503),
                code: None,
                message: String::new()
            }
            .is_retryable()
        );
        assert!(
            !Error::Provider {
                status: Some(409),
                code: None,
                message: String::new()
            }
            .is_retryable()
        );
        assert!(!Error::malformed("x").is_retryable());
    }
}
