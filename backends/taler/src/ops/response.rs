//! `response`: the integrator's fulfillment page or webhook handler received something about
//! an order.
//!
//! GNU Taler does not sign webhooks, and a fulfillment URL can be opened by anyone, so what
//! arrives is only a **hint**: polypay takes the order id from it (`order_id` in the query, a
//! form or a JSON body) and asks the backend (`GET private/orders/$ID`); only that answer
//! decides the status (fail closed). When a `webhook_secret` is configured, a notification
//! (any method but GET) must carry it in the `webhook_header` header, compared in constant
//! time; without it the notification is answered, before any call, with an unverified
//! response (`Waiting`, the claimed order id kept for logs, a 403 acknowledgement) — the same
//! rule as every other backend's bad signature.

use polypay_core::{
    Context, Error, HttpRequest, HttpResponse, Incoming, PaymentResponse, Result, ReturnContent,
};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::Carried;
use super::status::{get_order, read_order};
use crate::Taler;
use crate::errors::from_response;
use crate::flow::{Next, Op};

/// The `response` operation.
pub(crate) struct ResponseOp<'a> {
    incoming: &'a Incoming,
}

impl<'a> ResponseOp<'a> {
    pub(crate) fn new(incoming: &'a Incoming) -> Self {
        ResponseOp { incoming }
    }
}

/// The order id the request claims (unverified): `order_id` in the query string, a form body
/// or a JSON body.
pub(crate) fn claimed_order_id(incoming: &Incoming) -> Option<String> {
    let from_pairs = |pairs: Vec<(String, String)>| {
        pairs
            .into_iter()
            .find(|(k, _)| k == "order_id")
            .map(|(_, v)| v)
    };
    if let Some(id) = incoming.query_params().ok().and_then(from_pairs) {
        return Some(id);
    }
    if let Some(id) = incoming.body_params().ok().and_then(from_pairs) {
        return Some(id);
    }
    let body: Value = serde_json::from_slice(&incoming.body).ok()?;
    body.get("order_id")?.as_str().map(str::to_owned)
}

/// What the hint said happened (`event_type` of a webhook body), for `bank_data`.
fn event_type(incoming: &Incoming) -> Option<String> {
    let body: Value = serde_json::from_slice(&incoming.body).ok()?;
    body.get("event_type")?.as_str().map(str::to_owned)
}

impl ResponseOp<'_> {
    fn is_notification(&self) -> bool {
        !self.incoming.method.eq_ignore_ascii_case("GET")
    }

    fn order_id(&self) -> Result<String> {
        let id = claimed_order_id(self.incoming).ok_or_else(|| {
            Error::invalid_input(
                "the request names no order: expected order_id in the query string or the body",
            )
        })?;
        super::order_id(&id)?;
        Ok(id)
    }
}

impl Op<PaymentResponse> for ResponseOp<'_> {
    fn start(&self, taler: &Taler, _cx: &Context<'_>) -> Result<Next<PaymentResponse>> {
        let claimed = claimed_order_id(self.incoming);
        if let Some(secret) = &taler.settings.webhook_secret
            && self.is_notification()
        {
            let given = self
                .incoming
                .header(&taler.settings.webhook_header)
                .unwrap_or_default()
                .trim();
            let ok: bool = given.as_bytes().ct_eq(secret.expose().as_bytes()).into();
            if !ok {
                let mut refused = PaymentResponse::unverified(polypay_core::PaymentStatus::Waiting);
                refused.order_id = claimed;
                refused.return_content = Some(ReturnContent {
                    status: 403,
                    content_type: "text/plain; charset=utf-8".into(),
                    body: "webhook secret missing or wrong".into(),
                });
                return Ok(Next::Done(refused));
            }
        }
        self.order_id()?;
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        get_order(taler, &self.order_id()?, None, None)
    }

    fn finish(
        &self,
        taler: &Taler,
        cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentResponse>> {
        let id = self.order_id()?;
        if response.status != 200 {
            return Err(from_response(
                response,
                &format!("confirming the notification about order {id}"),
            ));
        }
        let mut r = read_order(taler, cx, &id, &Carried::default(), response)?;
        if let Some(event) = event_type(self.incoming) {
            r.bank_data.insert("notified_event".into(), event.into());
        }
        if self.is_notification() {
            // The backend's webhook sender only needs a 2xx.
            r.return_content = Some(ReturnContent::text("OK"));
        }
        Ok(Next::Done(r))
    }
}
