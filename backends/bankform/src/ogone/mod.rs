//! # Ogone / Ingenico Payment Services e-Commerce — kind `ogone`
//!
//! The payer's browser posts a form signed with SHA-IN to Ingenico; Ingenico redirects the
//! payer to the ACCEPT / DECLINE / ... URLs (and, per the back-office setting, sends post-sale
//! requests) with parameters signed with SHA-OUT.
//!
//! ## Configuration example
//!
//! ```toml
//! [backends.ogone]
//! kind = "ogone"
//! environment = "PROD"
//! pspid = "myshop"
//! sha_in = { env = "OGONE_SHA_IN" }
//! sha_out = { env = "OGONE_SHA_OUT" }
//! hash_algorithm = "sha512"        # the default, sha1, is kept for old shops
//! normal_return_url = "https://shop.example/payment/return"
//! ```
//!
//! ## What polypay does (and where it deliberately differs from eopayment)
//!
//! - **request**: `AMOUNT` (exact minor units: never half-up rounded, D4), `ORDERID` (the
//!   order id, else `COMPLUS`), `PSPID`, `LANGUAGE`, `CURRENCY`, `COMPLUS` (the returned id:
//!   the caller's `transaction_id` or a random UUID from the injected entropy), the return
//!   URLs, `CN`, `EMAIL`, `COM` (description), any SHA-IN parameter given per payment
//!   (`--set PARAMPLUS=...`, `--set TP=...`), then `SHASIGN`. The hash input is latin-1 when
//!   it can be, else UTF-8, as eopayment does. `NAME*XX*` entries of Ingenico's list are
//!   matched as `NAME` + digits, so `ITEMNAME1` is signed (D13).
//! - **response**: decoded with `encoding` (latin-1 by default), names upper-cased; SHA-OUT is
//!   always verified (D13), over latin-1 or UTF-8 bytes, hex compared in constant time in
//!   either case (D3). `STATUS` follows eopayment's table, with 93 *denied*, 52/92 *waiting*,
//!   61/81 *error* (not a payment waiting). `AMOUNT` is read in major units; `PAYID` is the
//!   bank id; `test` follows `environment`.
//! - No capture, cancel, refund or status operation (DirectLink is not covered).

mod config;
mod params;
mod request;
mod response;
mod signature;

use std::sync::Arc;

use polypay_core::{
    Backend, BackendFactory, Capabilities, Context, Currency, Description, FieldError, Incoming,
    Operation, PaymentIntent, PaymentRequest, PaymentResponse, Result, Step,
};
use url::Url;

pub use config::{Config, Encoding, Environment, Extra, HashAlgorithm};

use crate::common::config::{Object, load, text, warning};

const KIND: &str = "ogone";

/// A configured Ogone backend.
#[derive(Debug)]
pub struct Ogone {
    config: Config,
    currency: Currency,
    url: Url,
    description: Description,
}

fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[Operation::Request, Operation::Response]);
    caps.caller_transaction_id = true;
    caps.currencies = vec![Currency::EUR];
    caps
}

fn description() -> Description {
    Description::from_types::<Config, Extra>(KIND, "Ogone / Ingenico e-Commerce", capabilities())
}

impl Ogone {
    fn build(raw: &Object) -> Result<Ogone> {
        let description = description();
        let config: Config = load(&description, raw, |_, _| {})?;
        let currency = Currency::new(&config.currency)?;
        let url = match config.environment {
            Environment::Test => "https://secure.ogone.com/ncol/test/orderstandard.asp",
            Environment::Prod => "https://secure.ogone.com/ncol/prod/orderstandard.asp",
        };
        let url = Url::parse(url)
            .map_err(|_| polypay_core::Error::malformed("internal: bad endpoint"))?;
        Ok(Ogone {
            config,
            currency,
            url,
            description,
        })
    }
}

impl Backend for Ogone {
    fn kind(&self) -> &str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        self.build_request(req, &cx).map(Step::Done)
    }

    fn response(&self, incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.parse_response(incoming).map(Step::Done)
    }

    fn guess(&self, incoming: &Incoming) -> Option<String> {
        Self::guess_id(incoming)
    }
}

/// Factory of the `ogone` kind.
pub struct OgoneFactory;

impl BackendFactory for OgoneFactory {
    fn kind(&self) -> &str {
        KIND
    }
    fn description(&self) -> Description {
        description()
    }
    fn build(&self, config: &Object) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(Ogone::build(config)?))
    }
    fn warnings(&self, config: &Object) -> Vec<FieldError> {
        match text(config, "hash_algorithm") {
            Some("sha256" | "sha512") => Vec::new(),
            _ => vec![warning(
                "hash_algorithm",
                "SHA-1 signatures are weak: choose sha512 here and in the Ingenico back office",
            )],
        }
    }
}

polypay_core::register_backend!(OgoneFactory);

#[cfg(test)]
mod tests;
