//! `request`: `POST /payment-order`, then a redirect to Chainside's payment page.
//!
//! From the `PaymentRequest`: the amount (the fiat decimal string, in the WebPOS's currency),
//! the transaction id as `reference` (the caller's, or `pp-` and 24 hex digits of the
//! context's entropy), the description as `details` (`Order <order_id>` without one), the
//! return URL as `continue_url` and `cancel_url`, the notification URL as `callback_url`, and
//! the confirmations required (per payment, or the configuration's). The intent redirects to
//! the `redirect_url`; its `backend_data` holds the uuid (keep it: `status` and `cancel` need
//! it), the address, the BIP21 URI and the amount in satoshis.

use polypay_core::{
    Action, Context, Error, HttpRequest, HttpResponse, Method, PaymentIntent, PaymentRequest,
    Result, Scope,
};
use serde_json::{Map, Value, json};
use url::Url;

use super::key;
use crate::chainside::errors::from_response;
use crate::chainside::flow::{Next, Op};
use crate::chainside::wire::{PaymentOrderCreated, PaymentOrderCreation, is_uuid, parse_time};
use crate::chainside::{Chainside, ChainsideTransaction};

/// The API's limit on `details`, `reference` and the URLs.
const TEXT_LIMIT: usize = 300;

/// The `request` operation.
pub(crate) struct RequestOp<'a> {
    req: &'a PaymentRequest,
}

impl<'a> RequestOp<'a> {
    pub(crate) fn new(req: &'a PaymentRequest) -> Self {
        RequestOp { req }
    }
}

/// The per-transaction fields of a request, converted and checked.
fn transaction_fields(cs: &Chainside, req: &PaymentRequest) -> Result<ChainsideTransaction> {
    let typed = cs.description.coerce(Scope::Transaction, &req.extra);
    let problems = cs.description.validate_transaction(&typed);
    if !problems.is_empty() {
        return Err(Error::invalid_input(format!(
            "per-transaction fields of the chainside backend: {problems}"
        )));
    }
    serde_json::from_value(Value::Object(typed)).map_err(|e| {
        Error::invalid_input(format!(
            "per-transaction fields of the chainside backend: {e}"
        ))
    })
}

fn limited(what: &str, text: &str) -> Result<()> {
    if text.chars().count() > TEXT_LIMIT {
        return Err(Error::invalid_input(format!(
            "the {what} is longer than Chainside's {TEXT_LIMIT} characters"
        )));
    }
    Ok(())
}

fn url_text(what: &str, url: Option<&Url>) -> Result<Option<String>> {
    let Some(url) = url else { return Ok(None) };
    limited(what, url.as_str())?;
    Ok(Some(url.as_str().to_owned()))
}

impl Op<PaymentIntent> for RequestOp<'_> {
    fn start(&self, cs: &Chainside, cx: &Context<'_>) -> Result<Next<PaymentIntent>> {
        let req = self.req;
        if req.manual_validation {
            return Err(Error::invalid_input(
                "Chainside has no separate capture: a paid order is paid (manual_validation is not available)",
            ));
        }
        let fields = transaction_fields(cs, req)?;
        let currency = cs.settings.currency;
        if req.amount.currency().code() != currency.code() {
            return Err(Error::invalid_input(format!(
                "the WebPOS takes {currency}, not {}",
                req.amount.currency()
            )));
        }
        if req.amount.is_zero() {
            return Err(Error::invalid_input("the amount must be greater than zero"));
        }
        let reference = match &req.transaction_id {
            Some(id) if id.trim().is_empty() => {
                return Err(Error::invalid_input("the transaction id is empty"));
            }
            // A uuid-shaped reference would be taken for the order's own id later on.
            Some(id) if is_uuid(id) => {
                return Err(Error::invalid_input(format!(
                    "the transaction id {id:?} looks like a Chainside uuid: choose another form"
                )));
            }
            Some(id) => id.clone(),
            None => format!("pp-{}", cx.random_hex(12)),
        };
        limited("transaction id", &reference)?;
        let details = match (&fields.details, &req.description, &req.order_id) {
            (Some(d), _, _) if !d.trim().is_empty() => d.clone(),
            (_, Some(d), _) if !d.trim().is_empty() => d.clone(),
            (_, _, Some(o)) => format!("Order {o}"),
            _ => format!("Order {reference}"),
        };
        limited("description", &details)?;
        let back = url_text("return URL", req.return_url.as_ref())?;
        let creation = PaymentOrderCreation {
            amount: req.amount.value_string(),
            callback_url: url_text("notification URL", req.notification_url.as_ref())?,
            continue_url: back.clone(),
            cancel_url: back,
            details: Some(details),
            reference: Some(reference.clone()),
            required_confirmations: fields
                .required_confirmations
                .or(cs.settings.required_confirmations),
        };
        let body = serde_json::to_value(&creation)
            .map_err(|e| Error::invalid_input(format!("cannot write the payment order: {e}")))?;
        Ok(Next::Call(json!({
            "reference": reference,
            "requested_amount": req.amount.to_taler_string(),
            "body": body,
        })))
    }

    fn request(&self, cs: &Chainside, state: &Value) -> Result<HttpRequest> {
        // Not idempotent: a second POST would create a second order.
        Ok(cs
            .api_request(Method::Post, "payment-order")?
            .with_json(&state["body"]))
    }

    fn finish(
        &self,
        _cs: &Chainside,
        cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentIntent>> {
        let reference = state["reference"].as_str().unwrap_or_default();
        if !response.is_success() {
            return Err(from_response(
                response,
                &format!("creating the payment order {reference}"),
            ));
        }
        let created: PaymentOrderCreated = crate::json::parse(&response.body)
            .map_err(|e| Error::malformed(format!("the created payment order {reference}: {e}")))?;
        if let Some(got) = created.reference.as_deref().filter(|r| *r != reference) {
            return Err(Error::Integrity {
                field: "transaction_id",
                expected: reference.to_owned(),
                found: got.to_owned(),
            });
        }
        if !is_uuid(&created.uuid) {
            return Err(Error::malformed(format!(
                "the created payment order's uuid {:?} is not a uuid",
                created.uuid
            )));
        }
        let page: Url = created.redirect_url.parse().map_err(|e| {
            Error::malformed(format!(
                "the payment order's redirect_url {:?}: {e}",
                created.redirect_url
            ))
        })?;
        if !matches!(page.scheme(), "https" | "http") {
            return Err(Error::malformed(
                "the payment order's redirect_url is not a web address",
            ));
        }
        let mut intent = PaymentIntent::new(reference, Action::Redirect { url: page.clone() });
        intent.expires_at = created
            .expiration_time
            .as_deref()
            .and_then(parse_time)
            .or_else(|| {
                let secs = created.expires_in.filter(|s| *s > 0)?;
                cx.now
                    .checked_add(jiff::SignedDuration::from_secs(secs))
                    .ok()
            });
        let mut data = Map::new();
        data.insert(key::UUID.into(), created.uuid.clone().into());
        data.insert(key::REFERENCE.into(), reference.into());
        data.insert(key::ADDRESS.into(), created.address.clone().into());
        data.insert(key::BITCOIN_URI.into(), created.uri.clone().into());
        data.insert(key::BTC_AMOUNT.into(), created.amount.into());
        data.insert(key::REDIRECT_URL.into(), page.as_str().into());
        data.insert(
            key::REQUESTED_AMOUNT.into(),
            state["requested_amount"].clone(),
        );
        if let Some(t) = intent.expires_at {
            data.insert("expiration_time".into(), t.to_string().into());
        }
        if !created.rate.is_null() {
            data.insert("rate".into(), created.rate);
        }
        intent.backend_data = data;
        Ok(Next::Done(intent))
    }
}
