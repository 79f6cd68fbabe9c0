//! # polypay-dummy
//!
//! An honest, signed, **test-only** payment backend, and the simulated bank it talks to. Use it
//! in your own tests, in demonstrations (`polypay demo` serves its bank page), and as the
//! reference of what every polypay backend does.
//!
//! - [`DummyBackend`] implements [`polypay_core::Backend`]: every operation (request, response,
//!   validate, cancel, refund, status), caller-chosen ids, partial capture and refund. Every
//!   response has `test = true`: the backend is refused in production configurations.
//! - [`Simulator`] is the bank side: it reads the payment page URL and answers with any
//!   [`Outcome`], as a browser return or a server-to-server notification; [`tamper`] and
//!   [`unsigned`] make forged messages for negative tests.
//! - [`DummyFactory`] describes the configuration ([`DummyConfig`], eopayment's parameter
//!   names) and is registered with the polypay registry under the kind `dummy`.
//!
//! ## Trust: secret or compatibility mode
//!
//! With a `secret`, every message in both directions carries `sig`, an HMAC-SHA-256 over the
//! other parameters (see [`signature`]); only a valid `sig` makes a response verified, and a
//! bare `signed` key means nothing. **Without a secret the backend runs in eopayment's
//! compatibility mode**: a response counts as signed when it carries a `signed` key (any value),
//! or always with `consider_all_response_signed`. Anybody can forge such a response: that mode
//! exists only to talk to eopayment's external dummy simulator in tests. An unverified response
//! never says paid or accepted (it is `Waiting`, with the claim kept for logs).
//!
//! ## Wire protocol
//!
//! **Request.** `request` answers `Action::Redirect` to `dummy_service_url` (its own query
//! parameters, if any, kept first) with these query parameters, in this order, absent ones left
//! out: `transaction_id` (the caller's — 1 to 64 letters, digits or `-_.:`, so that it is safe
//! in every URL and page — or 32 hex characters from the context's entropy),
//! `amount` (the value, `10.00`), `currency` (`EUR`), `email`, `return_url` (the request's, else
//! `normal_return_url`), `direct_notification_url` (the request's notification URL, else
//! `automatic_return_url`), `origin`, `name` (first and last name), `address`, `phone`,
//! `orderid`, `info1`, `info2`, `info3` (per-transaction fields), `capture_day`, `subject` (the
//! description), `manual_validation=1` (two-phase payments), `ts` (the request time, RFC 3339),
//! then `sig` when there is a secret.
//!
//! **Answer.** The bank answers with a browser return (GET query on the return URL) or a
//! notification (form POST to the notification URL): `transaction_id`, `amount`, `currency`,
//! `result` (`paid`, `denied`, `cancelled`, `waiting`, `accepted`, `expired` or `error`),
//! eopayment's keys (`ok=1` when paid, `waiting=1` when waiting, `reason` text, `signed=1`),
//! `test=1`, `date` (RFC 3339), `capture_deadline` (accepted only), then `sig`. The signature
//! covers every parameter the merchant receives, so the parameters already in a return or
//! notification URL are signed with the answer.
//!
//! **Response.** The query's parameters then the form body's are read; a parameter given twice
//! or a missing `transaction_id` is [`polypay_core::Error::Malformed`]. The status is `result`
//! (an unknown value is `Waiting`, never paid), else eopayment's rule (`waiting` → waiting, `ok`
//! → paid, else error). `order_id` and `transaction_id` are the transaction id `request`
//! returned; `bank_data` holds every parameter as a string, `sig` included; `return_content` is
//! `signature ok` (200) when verified, `signature ko` (403) otherwise.
//!
//! **Follow-up operations.** The dummy bank keeps no ledger: a payment's state is its signed
//! `bank_data`, which `validate`, `cancel`, `refund` and `status` verify first
//! ([`polypay_core::Error::InvalidSignature`] otherwise) and answer with a new signed
//! `bank_data`, to give to the next operation. `validate` captures up to the authorised amount
//! of an `accepted` payment before its capture deadline (`capture_deadline`, else `date` +
//! `authorization_validity_days`); past it the answer is `Expired`. `cancel` releases an
//! accepted or waiting payment (a paid one is a conflict: refund it). `refund` gives back part
//! or all of a paid payment, `refunded_amount` being the running total. `status` reports the
//! recorded state (an authorisation past its deadline is expired), or `Received` without bank
//! data.
//!
//! ## Example
//!
//! ```
//! use polypay_core::{Adjustment, Amount, Backend, Context, PaymentRequest, PaymentStatus, Timestamp};
//! use polypay_dummy::{DummyBackend, DummyConfig, Outcome, Simulator};
//!
//! let config = DummyConfig::new("https://shop.example/return".parse()?).with_secret("test-key");
//! let backend = DummyBackend::new(config.clone())?;
//! let bank = Simulator::for_config(&config);
//! let now: Timestamp = "2024-05-01T10:00:00Z".parse()?;
//! let cx = Context::fixed(now, [7; 32]);
//!
//! // Two-phase payment: authorise 10.00, capture 8.00, refund 3.00.
//! let amount = Amount::parse("EUR:10.00")?;
//! let req = PaymentRequest::new(amount).with_manual_validation(true);
//! let intent = backend.request(&req, cx)?.done().unwrap();
//! let browser_return = bank.complete(&intent, Outcome::Accepted, now)?;
//! let accepted = backend.response(&browser_return, cx)?.done().unwrap();
//! assert_eq!(accepted.status(), PaymentStatus::Accepted);
//!
//! let capture = Adjustment::new(&intent.transaction_id, Amount::parse("EUR:8.00")?)
//!     .with_bank_data(accepted.bank_data);
//! let paid = backend.validate(&capture, cx)?.done().unwrap();
//! assert!(paid.is_paid());
//!
//! let refund = Adjustment::new(&intent.transaction_id, Amount::parse("EUR:3.00")?)
//!     .with_bank_data(paid.bank_data);
//! let refunded = backend.refund(&refund, cx)?.done().unwrap();
//! assert_eq!(refunded.refunded_amount, Some(Amount::parse("EUR:3.00")?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod backend;
mod config;
mod factory;
mod operations;
pub mod signature;
mod simulator;
#[cfg(any(test, feature = "testkit"))]
mod testkit;
mod wire;

#[cfg(test)]
mod amount_props;
#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod flow_tests;

pub use backend::{DummyBackend, KIND};
pub use config::{
    DEFAULT_SERVICE_URL, DummyChoice, DummyConfig, DummyTransaction, MAX_VALIDITY_DAYS,
};
pub use factory::DummyFactory;
pub use simulator::{Outcome, PaymentPage, Simulator, tamper, unsigned};

/// Does nothing, but calling it makes sure this crate is linked, so that its registration
/// reaches `polypay_core::Registry::from_inventory` (the `polypay` facade calls it).
pub fn link() {}
