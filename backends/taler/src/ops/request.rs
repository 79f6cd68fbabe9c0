//! `request`: `POST private/orders`, then the `taler://pay/` URI and the order page.
//!
//! The order id is the caller's transaction id, or one made from the context's entropy: the
//! order always carries an id, so sending the same proposal twice (a retry after a lost
//! answer) is accepted by the backend instead of creating a second order.
//!
//! From the `PaymentRequest`: the amount (exact `CUR:VAL`), the description (the order's
//! `summary`; `Order <order_id>` without one), the return URL (overrides the configured
//! fulfillment URL), the merchant's order reference (`extra.merchant_order_id` of the
//! contract) and the per-transaction fields ([`TalerTransaction`]). Taler has no two-phase
//! payment (`manual_validation` is refused); notifications go to the instance's webhooks, not
//! to a per-order URL (`notification_url` is not used); the customer's details and the locale
//! are not sent (the wallet keeps the customer anonymous).

use std::time::Duration;

use polypay_core::{
    Action, Context, Error, HttpRequest, HttpResponse, Method, PaymentIntent, PaymentRequest,
    Result, Scope, Timestamp,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Carried, key, order_page, t_s};
use crate::TalerTransaction;
use crate::amount::to_taler;
use crate::config::{ORDER_ID_PLACEHOLDER, check_fulfillment_url};
use crate::errors::from_response;
use crate::flow::{Next, Op};
use crate::{Taler, TalerUri};

/// The `request` operation.
pub(crate) struct RequestOp<'a> {
    req: &'a PaymentRequest,
}

impl<'a> RequestOp<'a> {
    pub(crate) fn new(req: &'a PaymentRequest) -> Self {
        RequestOp { req }
    }
}

#[derive(Deserialize)]
struct Created {
    order_id: String,
    #[serde(default)]
    token: Option<String>,
}

/// The per-transaction fields of a request, converted and checked.
fn transaction_fields(taler: &Taler, req: &PaymentRequest) -> Result<TalerTransaction> {
    let typed = taler.description.coerce(Scope::Transaction, &req.extra);
    let problems = taler.description.validate_transaction(&typed);
    if !problems.is_empty() {
        return Err(Error::invalid_input(format!(
            "per-transaction fields of the taler backend: {problems}"
        )));
    }
    serde_json::from_value(Value::Object(typed)).map_err(|e| {
        Error::invalid_input(format!("per-transaction fields of the taler backend: {e}"))
    })
}

fn after(now: Timestamp, seconds: u64) -> Result<Timestamp> {
    now.checked_add(Duration::from_secs(seconds))
        .map_err(|_| Error::invalid_input(format!("{seconds} seconds from now is out of range")))
}

impl Op<PaymentIntent> for RequestOp<'_> {
    fn start(&self, taler: &Taler, cx: &Context<'_>) -> Result<Next<PaymentIntent>> {
        let req = self.req;
        let s = &taler.settings;
        if req.manual_validation {
            return Err(Error::invalid_input(
                "GNU Taler has no separate capture: a paid order is paid (manual_validation is not available)",
            ));
        }
        let fields = transaction_fields(taler, req)?;
        let order_id = match &req.transaction_id {
            Some(id) => super::order_id(id)?.to_owned(),
            None => format!("pp-{}", cx.random_hex(12)),
        };
        let currency = req.amount.currency();
        if let Some(info) = taler.info()
            && !info.currencies.is_empty()
            && !info.currencies.iter().any(|c| c == currency.code())
        {
            return Err(Error::invalid_input(format!(
                "the merchant backend does not accept {currency} (it accepts {})",
                info.currencies.join(", ")
            )));
        }
        let amount = to_taler(&req.amount)?;

        let mut order = Map::new();
        order.insert("amount".into(), amount.clone().into());
        let summary = match (&req.description, &req.order_id) {
            (Some(d), _) if !d.trim().is_empty() => d.clone(),
            (_, Some(o)) => format!("Order {o}"),
            _ => format!("Order {order_id}"),
        };
        order.insert("summary".into(), summary.into());
        order.insert("order_id".into(), order_id.clone().into());
        let fulfillment_url = match &req.return_url {
            Some(url) => Some(
                url.as_str()
                    .replace("$%7BORDER_ID%7D", ORDER_ID_PLACEHOLDER),
            ),
            None => s.fulfillment_url.clone(),
        };
        if let Some(url) = &fulfillment_url {
            check_fulfillment_url(url)
                .map_err(|m| Error::invalid_input(format!("the return URL {m}")))?;
            order.insert("fulfillment_url".into(), url.clone().into());
        }
        if let Some(message) = fields
            .fulfillment_message
            .as_ref()
            .or(s.fulfillment_message.as_ref())
        {
            order.insert("fulfillment_message".into(), message.clone().into());
        }
        if let Some(products) = &fields.products {
            order.insert("products".into(), json!(products.0));
        }
        if let Some(age) = fields.minimum_age {
            order.insert("minimum_age".into(), age.into());
        }
        let pay_deadline = match fields.pay_deadline_seconds.or(s.pay_deadline_seconds) {
            Some(secs) => Some(after(cx.now, secs)?),
            None => None,
        };
        if let Some(t) = pay_deadline {
            order.insert("pay_deadline".into(), t_s(t));
        }
        let refund_delay = fields.refund_delay_seconds.or(s.refund_delay_seconds);
        if let Some(wire) = s.wire_transfer_delay_seconds {
            if refund_delay.is_some_and(|r| r >= wire) {
                return Err(Error::invalid_input(
                    "the refund delay must be shorter than the configured wire transfer delay",
                ));
            }
            order.insert("wire_transfer_deadline".into(), t_s(after(cx.now, wire)?));
        }
        let mut extra = Map::new();
        extra.insert("polypay_reference".into(), order_id.clone().into());
        if let Some(o) = &req.order_id {
            extra.insert("merchant_order_id".into(), o.clone().into());
        }
        order.insert("extra".into(), Value::Object(extra));

        let mut body = Map::new();
        body.insert("order".into(), Value::Object(order));
        if let Some(delay) = refund_delay {
            let micros = delay.checked_mul(1_000_000).ok_or_else(|| {
                Error::invalid_input(format!("a refund delay of {delay} s is out of range"))
            })?;
            body.insert("refund_delay".into(), json!({ "d_us": micros }));
        }
        if let Some(session) = &fields.session_id {
            body.insert("session_id".into(), session.clone().into());
        }
        body.insert("create_token".into(), s.create_token.into());

        let carried = Carried {
            claim_token: None,
            session_id: fields.session_id,
            pay_deadline,
            requested_amount: Some(amount),
        };
        let mut state = Map::new();
        state.insert("order_id".into(), order_id.into());
        state.insert("body".into(), Value::Object(body));
        carried.write(&mut state);
        Ok(Next::Call(Value::Object(state)))
    }

    fn request(&self, taler: &Taler, state: &Value) -> Result<HttpRequest> {
        // The body carries the order id: a retry of the same proposal is safe.
        Ok(HttpRequest::new(Method::Post, taler.url("private/orders")?)
            .with_json(&state["body"])
            .idempotent(true))
    }

    fn finish(
        &self,
        taler: &Taler,
        _cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentIntent>> {
        let order_id = state["order_id"].as_str().unwrap_or_default();
        if response.status != 200 {
            return Err(from_response(
                response,
                &format!("creating order {order_id}"),
            ));
        }
        let created: Created = response.json()?;
        if created.order_id != order_id {
            return Err(Error::Integrity {
                field: "transaction_id",
                expected: order_id.to_owned(),
                found: created.order_id,
            });
        }
        let data = state.as_object().cloned().unwrap_or_default();
        let mut carried = Carried::read(&data);
        carried.claim_token = created.token.filter(|t| !t.is_empty());
        let base = &taler.settings.base;
        let uri = TalerUri::pay(
            base,
            order_id,
            carried.session_id.as_deref(),
            carried.claim_token.as_deref(),
        )
        .to_string();
        let page = order_page(
            base,
            order_id,
            carried.claim_token.as_deref(),
            carried.session_id.as_deref(),
        )?;
        let mut intent = PaymentIntent::new(
            order_id,
            Action::Uri {
                uri: uri.clone(),
                url: Some(page.clone()),
            },
        );
        intent.expires_at = carried.pay_deadline;
        let mut backend_data = Map::new();
        backend_data.insert(key::ORDER_ID.into(), order_id.into());
        backend_data.insert(key::PAY_URI.into(), uri.into());
        backend_data.insert(key::STATUS_URL.into(), page.as_str().into());
        carried.write(&mut backend_data);
        intent.backend_data = backend_data;
        Ok(Next::Done(intent))
    }
}
