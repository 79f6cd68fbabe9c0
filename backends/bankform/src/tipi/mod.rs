//! # TIPI / PayFiP régie, URL mode — kind `tipi`
//!
//! The payer is redirected to PayFiP with the debt's reference, amount and e-mail in the URL;
//! PayFiP sends the payer back and notifies `urlcl` with the result. **No signature exists in
//! this channel**: a return can be forged by anyone, so polypay never reports it as verified
//! (it reads *waiting*, with the claimed status kept for logs) unless the configuration says
//! `trust_unsigned_returns = true` (D2). The authenticated channel is PayFiP's SOAP web
//! service (eopayment's `payfip_ws`), not covered by this crate.
//!
//! ## Configuration example
//!
//! ```toml
//! [backends.tipi]
//! kind = "tipi"
//! numcli = "123456"
//! saisie = "A"
//! automatic_return_url = "https://town.example/payment/tipi-notify"
//! ```
//!
//! ## What polypay does (and where it deliberately differs from eopayment)
//!
//! - **request**: a redirect to `https://www.payfip.gouv.fr/tpa/paiement.web?` with `numcli`,
//!   `refdet`, `montant` (minor units, at least 3 digits), `mel`, `saisie`, `[exer]`,
//!   `[objet]`, `[urlcl]` in that order. `refdet` (the returned id) is the caller's `refdet` or
//!   `transaction_id`, else the order id when it fits `[A-Za-z0-9]{6,30}`, else the Paris time
//!   (`YYYYMMDDHHMMSS`) followed by 10 random digits from the injected entropy. An order id
//!   that is not a valid refdet is prefixed to `objet`, or sent as `objet` when there is none
//!   (D11). Amounts must be between 1.00 and 9 999.99 EUR, advertised and enforced alike (D4).
//! - **response**: `refdet` and `resultrans` are required; P is paid, R denied, A cancelled,
//!   anything else (V included) an error — as claims, never verified (see above).

mod config;
mod request;
mod response;

use std::sync::Arc;

use polypay_core::{
    Amount, AmountLimit, Backend, BackendFactory, Capabilities, Context, Currency, Description,
    FieldError, Incoming, Operation, PaymentIntent, PaymentRequest, PaymentResponse, Result, Step,
};

pub use config::{Config, Extra, Saisie};

use crate::common::config::{Object, load, warning};

const KIND: &str = "tipi";

/// A configured TIPI backend.
#[derive(Debug)]
pub struct Tipi {
    config: Config,
    paris: jiff::tz::TimeZone,
    description: Description,
    /// The payment page, parsed once (each request only sets its query).
    page: url::Url,
}

/// The capabilities: one source of truth for the limits advertised and enforced.
pub(crate) fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[Operation::Request, Operation::Response]);
    caps.caller_transaction_id = true;
    caps.signed_responses = false;
    caps.email_required = true;
    caps.currencies = vec![Currency::EUR];
    caps.amount_limits = vec![AmountLimit {
        min: Amount::from_minor_units(100, Currency::EUR).ok(),
        max: Amount::from_minor_units(999_999, Currency::EUR).ok(),
    }];
    caps
}

fn description() -> Description {
    Description::from_types::<Config, Extra>(KIND, "TIPI / PayFiP régie (URL mode)", capabilities())
}

impl Tipi {
    fn build(raw: &Object) -> Result<Tipi> {
        let description = description();
        let config: Config = load(&description, raw, |c, errors| {
            if c.get("numcli")
                .and_then(|v| v.as_str())
                .is_some_and(|n| n.bytes().all(|b| b == b'0'))
            {
                errors.push("numcli", "must be greater than zero");
            }
        })?;
        let page = url::Url::parse(request::TIPI_URL)
            .map_err(|_| polypay_core::Error::invalid_input("the TIPI URL could not be built"))?;
        Ok(Tipi {
            config,
            paris: crate::common::time::zone(crate::common::time::PARIS)?,
            description,
            page,
        })
    }
}

impl Backend for Tipi {
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

/// Factory of the `tipi` kind.
pub struct TipiFactory;

impl BackendFactory for TipiFactory {
    fn kind(&self) -> &str {
        KIND
    }
    fn description(&self) -> Description {
        description()
    }
    fn build(&self, config: &Object) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(Tipi::build(config)?))
    }
    fn warnings(&self, config: &Object) -> Vec<FieldError> {
        let mut out = vec![warning(
            "",
            "TIPI returns are not signed: confirm payments through PayFiP's web service",
        )];
        if config
            .get("trust_unsigned_returns")
            .and_then(|v| v.as_bool())
            == Some(true)
        {
            out.push(warning(
                "trust_unsigned_returns",
                "anyone can forge a paid TIPI return: unsigned returns are trusted",
            ));
        }
        out
    }
}

polypay_core::register_backend!(TipiFactory);

#[cfg(test)]
mod tests;
