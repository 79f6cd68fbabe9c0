//! # polypay-core
//!
//! The heart of polypay: exact money, the payment model, the sans-IO [`Backend`] trait, the
//! self-description of backends and the configuration forms derived from it, the registry, and
//! (feature `client`) the [`Payment`] facade with its HTTP executor.
//!
//! ## Design decisions
//!
//! - **Money is exact.** [`Amount`] is a decimal with a [`Currency`]; conversions to protocol
//!   encodings fail instead of rounding.
//! - **Sans-IO backends.** Operations return [`Step`]s; the host performs HTTP. See
//!   [`backend`](crate::Backend).
//! - **Fail closed.** [`PaymentResponse`] cannot be built as paid without being verified.
//! - **One error enum**, [`Error`], with [`ErrorKind`] and [`Error::is_retryable`].
//! - **Schemas are the source of truth** for configuration: see [`Description`].
#![forbid(unsafe_code)]

mod adjustment;
mod backend;
mod bank_data;
mod capabilities;
#[cfg(feature = "client")]
mod client;
pub mod config;
mod describe;
mod driver;
mod error;
mod form_fields;
mod http;
mod incoming;
mod intent;
mod money;
#[cfg(feature = "qr")]
mod qr;
mod registry;
mod request;
mod response;
mod secret;
mod status;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use adjustment::{Adjustment, StatusQuery};
pub use backend::{Backend, Context, Exchange, Step};
pub use bank_data::{BankData, NameSet, TextFields};
pub use capabilities::{AmountLimit, Capabilities};
#[cfg(feature = "client")]
pub use client::{BoxFuture, HttpExecutor, Payment, Policy, ReqwestExecutor};
pub use config::{ConfigFile, InstanceConfig, Instances};
pub use describe::{
    Choice, Description, NoTransactionFields, ParamKind, Parameter, Scope, parse_config,
};
pub use driver::{DEFAULT_MAX_STEPS, drive_sync};
pub use error::{AmountError, ConfigErrors, Error, ErrorKind, FieldError, Result};
pub use form_fields::{FormFields, FormFieldsIter};
pub use http::{Header, HttpRequest, HttpResponse, Method};
pub use incoming::Incoming;
pub use intent::{Action, FormMethod, PaymentIntent};
pub use money::{Amount, Currency, MAX_CODE_LEN, MAX_EXPONENT, MAX_INTEGER_PART, TALER_EXPONENT};
#[cfg(feature = "qr")]
pub use qr::{intent_qr_svg, qr_svg};
pub use registry::{BackendFactory, Registration, Registry};
pub use request::{Customer, PaymentRequest};
pub use response::{PaymentResponse, ReturnContent};
pub use secret::Secret;
pub use status::{Operation, PaymentStatus};

/// A point in time (UTC), from the `jiff` crate.
pub use jiff::Timestamp;

#[doc(hidden)]
pub use inventory;
