//! `refund`: give back `amount` more.
//!
//! The merchant API takes the new **total** refunded (a total not above the current one
//! changes nothing). polypay's `Adjustment::amount` is what to give back now, so the operation
//! reads the order first (`GET private/orders/$ID`: it must be paid, in the same currency, and
//! the new total may not exceed the paid amount), then sends `current + amount` to `POST
//! private/orders/$ID/refund`. The answer carries the `taler://refund/` URI the customer's
//! wallet picks the refund up with (also shown on the order page).
//!
//! Because the POST names the new total, sending it again is harmless: the facade may retry
//! it after a lost answer or a 5xx. Asking polypay for the *same refund again* is not: it
//! reads the total anew and adds the amount once more. So after a failed refund whose fate is
//! unknown (a transport failure, a 5xx), read the order's status before refunding again.

use polypay_core::{
    Adjustment, Context, Error, HttpRequest, HttpResponse, Method, PaymentResponse, PaymentStatus,
    Result,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::status::{get_order, read_order};
use super::{Carried, key};
use crate::amount::{from_taler, to_taler};
use crate::errors::from_response;
use crate::flow::{Next, Op};
use crate::{Taler, TalerUri};

/// The `refund` operation.
pub(crate) struct RefundOp<'a> {
    adj: &'a Adjustment,
}

impl<'a> RefundOp<'a> {
    pub(crate) fn new(adj: &'a Adjustment) -> Self {
        RefundOp { adj }
    }
}

#[derive(Deserialize)]
struct Refunded {
    taler_refund_uri: String,
    #[serde(default)]
    h_contract: Option<String>,
}

const DEFAULT_REASON: &str = "refund requested through polypay";

impl Op<PaymentResponse> for RefundOp<'_> {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<PaymentResponse>> {
        super::order_id(&self.adj.transaction_id)?;
        if self.adj.amount.is_zero() {
            return Err(Error::invalid_input(
                "the refund amount must be greater than zero",
            ));
        }
        Ok(Next::Call(json!({ "stage": "read" })))
    }

    fn request(&self, taler: &Taler, state: &Value) -> Result<HttpRequest> {
        let id = &self.adj.transaction_id;
        match state["stage"].as_str() {
            Some("refund") => Ok(HttpRequest::new(
                Method::Post,
                taler.url(&format!("private/orders/{id}/refund"))?,
            )
            .with_json(&json!({ "refund": state["total"], "reason": state["reason"] }))
            // The body is the new total, not an increment: resending it changes nothing.
            .idempotent(true)),
            _ => get_order(taler, id, None, None),
        }
    }

    fn finish(
        &self,
        taler: &Taler,
        cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentResponse>> {
        let id = &self.adj.transaction_id;
        if state["stage"].as_str() == Some("refund") {
            if response.status != 200 {
                let what = if response.status >= 500 {
                    format!(
                        "refunding order {id} (the refund may or may not be granted: read the \
                         order's status before asking again)"
                    )
                } else {
                    format!("refunding order {id}")
                };
                return Err(from_response(response, &what));
            }
            let answer: Refunded = response.json()?;
            // The URI must be a refund URI for this very order.
            match TalerUri::parse(&answer.taler_refund_uri) {
                Ok(TalerUri::Refund { order_id, .. }) if &order_id == id => {}
                _ => {
                    return Err(Error::malformed(format!(
                        "the refund answer's taler_refund_uri {:?} is not a refund URI of order {id}",
                        answer.taler_refund_uri
                    )));
                }
            }
            let total = from_taler(state["total"].as_str().unwrap_or_default(), "refund")?;
            let paid = from_taler(state["paid"].as_str().unwrap_or_default(), "amount")?;
            let mut r = PaymentResponse::with_verification(
                PaymentStatus::Refunded,
                taler.settings.authenticated_channel,
            );
            r.transaction_id = Some(id.clone());
            r.order_id = Some(id.clone());
            r.amount = Some(paid);
            r.refunded_amount = Some(total);
            r.bank_status = Some(if total.value() >= paid.value() {
                "fully refunded".into()
            } else {
                "partially refunded".into()
            });
            let mut data = self.adj.bank_data.clone();
            data.insert(key::ORDER_ID.into(), id.as_str().into());
            data.insert("taler_refund_uri".into(), answer.taler_refund_uri.into());
            if let Some(h) = answer.h_contract {
                data.insert("h_contract".into(), h.into());
            }
            data.insert("refund_amount".into(), state["total"].clone());
            data.insert("refunded".into(), true.into());
            data.insert("refund_pending".into(), true.into());
            r.bank_data = data.into();
            return Ok(Next::Done(r));
        }
        if response.status != 200 {
            return Err(from_response(
                response,
                &format!("reading order {id} before refunding it"),
            ));
        }
        let carried = Carried::read(&self.adj.bank_data);
        let order = read_order(taler, cx, id, &carried, response)?;
        if !matches!(
            order.status(),
            PaymentStatus::Paid | PaymentStatus::Refunded
        ) {
            return Err(Error::Conflict(format!(
                "order {id} is not paid ({}): nothing to refund",
                order.bank_status.as_deref().unwrap_or("unknown state")
            )));
        }
        let Some(paid) = order.amount else {
            return Err(Error::malformed(format!("paid order {id} has no amount")));
        };
        if paid.currency().code() != self.adj.amount.currency().code() {
            return Err(Error::invalid_input(format!(
                "order {id} was paid in {}, not {}",
                paid.currency(),
                self.adj.amount.currency()
            )));
        }
        let already = order
            .refunded_amount
            .unwrap_or(polypay_core::Amount::zero(paid.currency()));
        let total = already.checked_add(&self.adj.amount)?;
        if total.value() > paid.value() {
            return Err(Error::invalid_input(format!(
                "refunding {} more would give back {total} of an order paid {paid} (already refunded: {already})",
                self.adj.amount
            )));
        }
        let reason = self
            .adj
            .bank_data
            .get(key::REFUND_REASON)
            .and_then(Value::as_str)
            .filter(|r| !r.trim().is_empty())
            .unwrap_or(DEFAULT_REASON);
        Ok(Next::Call(json!({
            "stage": "refund",
            "total": to_taler(&total)?,
            "paid": to_taler(&paid)?,
            "reason": reason,
        })))
    }
}
