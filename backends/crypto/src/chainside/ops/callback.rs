//! `response`: a callback from Chainside (or the payer's browser coming back).
//!
//! The `chainside-signature` header is checked over the raw body before the body is read
//! (see [`crate::chainside::verify_callback`]). A callback without it, or with a wrong one, is
//! answered at once with an unverified response (`Waiting`, what it claimed kept for logs, a
//! 401 for the sender). A verified callback maps its event:
//!
//! | event | polypay |
//! |---|---|
//! | `payment.completed`, `payment.overpaid` | confirmed with `GET /payment-order/{uuid}` first: `Paid` only if the order says so |
//! | `payment.cancelled` | `Cancelled` |
//! | `payment.expired` | `Expired` |
//! | `payment.dispute.start` | `Waiting`, flagged `disputed: true` (do not ship) |
//! | `payment.dispute.end` | the order's state, from `GET /payment-order/{uuid}` |
//! | `payment.chargeback` | `Error` (funds reverted) |
//! | anything else | `Waiting` |
//!
//! A browser return (`GET` on the continue or cancel URL) carries nothing signed: it is an
//! unverified `Waiting`; confirm with `status`.

use polypay_core::{
    Context, Error, HttpRequest, HttpResponse, Incoming, PaymentResponse, PaymentStatus, Result,
    ReturnContent,
};
use serde_json::{Map, Value, json};

use super::status::{answered_order, get_order};
use super::{Expected, key, read_order};
use crate::chainside::Chainside;
use crate::chainside::config::Mode;
use crate::chainside::flow::{Next, Op};
use crate::chainside::signature::{SIGNATURE_HEADER, verify_callback};
use crate::chainside::wire::{
    CallbackEnvelope, CallbackEvent as Event, PaymentOrder, is_uuid, parse_time,
};

/// The `response` operation.
pub(crate) struct CallbackOp<'a> {
    incoming: &'a Incoming,
}

impl<'a> CallbackOp<'a> {
    pub(crate) fn new(incoming: &'a Incoming) -> Self {
        CallbackOp { incoming }
    }
}

/// What an unverified body claims (uuid, reference, event), for logs and routing only.
pub(crate) fn claimed(incoming: &Incoming) -> (Option<String>, Option<String>, Option<String>) {
    let Ok(body) = serde_json::from_slice::<Value>(&incoming.body) else {
        return (None, None, None);
    };
    let text = |v: &Value| v.as_str().map(str::to_owned);
    (
        text(&body["object"]["uuid"]),
        text(&body["object"]["reference"]),
        text(&body["event"]),
    )
}

fn claimed_status(event: Option<&str>) -> PaymentStatus {
    match event.and_then(Event::parse) {
        Some(Event::Completed | Event::Overpaid) => PaymentStatus::Paid,
        Some(Event::Cancelled) => PaymentStatus::Cancelled,
        Some(Event::Expired) => PaymentStatus::Expired,
        Some(Event::Chargeback) => PaymentStatus::Error,
        _ => PaymentStatus::Waiting,
    }
}

fn ok() -> ReturnContent {
    ReturnContent::text("OK")
}

impl CallbackOp<'_> {
    /// The unverified answer to a browser return or a callback whose signature fails.
    fn unverified(&self, why: &str, answer: Option<ReturnContent>) -> PaymentResponse {
        let (uuid, reference, event) = claimed(self.incoming);
        let mut r = PaymentResponse::unverified(claimed_status(event.as_deref()));
        r.transaction_id = uuid;
        r.order_id = reference;
        r.bank_status = Some(why.to_owned());
        if let Some(e) = event {
            r.bank_data.insert(key::CALLBACK_EVENT.into(), e.into());
        }
        r.return_content = answer;
        r
    }

    /// The verified envelope, its raw object and its event.
    fn envelope(&self) -> Result<(CallbackEnvelope, Map<String, Value>)> {
        let body: Map<String, Value> = serde_json::from_slice(&self.incoming.body)
            .map_err(|e| Error::malformed(format!("the signed callback is not JSON: {e}")))?;
        let envelope: CallbackEnvelope = serde_json::from_value(Value::Object(body.clone()))
            .map_err(|e| Error::malformed(format!("the signed callback: {e}")))?;
        if !is_uuid(&envelope.object.uuid) {
            return Err(Error::malformed(format!(
                "the signed callback names {:?}, not a payment order uuid",
                envelope.object.uuid
            )));
        }
        let raw = body
            .get("object")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok((envelope, raw))
    }
}

/// A verified response from the callback's own object, with the event's status.
fn from_event(
    cs: &Chainside,
    status: PaymentStatus,
    envelope: &CallbackEnvelope,
    raw: Map<String, Value>,
    disputed: bool,
) -> Result<PaymentResponse> {
    let order: &PaymentOrder = &envelope.object;
    let mut r = PaymentResponse::verified(status);
    r.transaction_id = Some(order.uuid.clone());
    r.order_id = order.reference.clone();
    r.amount = Some(order.fiat_amount(cs.settings.currency)?);
    r.bank_status = Some(format!("{} ({})", envelope.event, order.state.status));
    r.test = cs.settings.mode == Mode::Sandbox;
    r.transaction_date = envelope
        .created_at
        .as_deref()
        .or(order.resolved_at.as_deref())
        .and_then(parse_time);
    let mut data = raw;
    data.insert(key::UUID.into(), order.uuid.clone().into());
    if disputed {
        data.insert(key::DISPUTED.into(), true.into());
    }
    data.insert(key::CALLBACK_EVENT.into(), envelope.event.clone().into());
    r.bank_data = data.into();
    r.return_content = Some(ok());
    Ok(r)
}

impl Op<PaymentResponse> for CallbackOp<'_> {
    fn start(&self, cs: &Chainside, _cx: &Context<'_>) -> Result<Next<PaymentResponse>> {
        let incoming = self.incoming;
        if incoming.method.eq_ignore_ascii_case("GET") {
            return Ok(Next::Done(self.unverified(
                "browser return (nothing signed): confirm with status",
                None,
            )));
        }
        let Some(signature) = incoming.header(SIGNATURE_HEADER) else {
            return Ok(Next::Done(self.unverified(
                "unsigned callback (no chainside-signature): ignored",
                Some(refused()),
            )));
        };
        if !verify_callback(&cs.settings.secret, &incoming.body, signature) {
            return Ok(Next::Done(self.unverified(
                "callback with a wrong chainside-signature: ignored",
                Some(refused()),
            )));
        }
        let (envelope, raw) = self.envelope()?;
        let event = Event::parse(&envelope.event);
        let status = match event {
            Some(Event::Completed | Event::Overpaid | Event::DisputeEnd) => {
                // Fail closed: only the order itself says paid.
                return Ok(Next::Call(json!({
                    "uuid": envelope.object.uuid,
                    "reference": envelope.object.reference,
                    "event": envelope.event,
                })));
            }
            Some(Event::Cancelled) => PaymentStatus::Cancelled,
            Some(Event::Expired) => PaymentStatus::Expired,
            Some(Event::DisputeStart) => PaymentStatus::Waiting,
            Some(Event::Chargeback) => PaymentStatus::Error,
            None => PaymentStatus::Waiting,
        };
        let disputed = event == Some(Event::DisputeStart);
        from_event(cs, status, &envelope, raw, disputed).map(Next::Done)
    }

    fn request(&self, cs: &Chainside, state: &Value) -> Result<HttpRequest> {
        get_order(cs, state["uuid"].as_str().unwrap_or_default())
    }

    fn finish(
        &self,
        cs: &Chainside,
        _cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentResponse>> {
        let uuid = state["uuid"].as_str().unwrap_or_default();
        let what = format!("confirming the callback about payment order {uuid}");
        let (order, raw) = answered_order(response, uuid, &what)?;
        let expected = Expected {
            reference: state["reference"].as_str(),
            amount: None,
        };
        let mut r = read_order(cs, &order, raw, &expected)?;
        if let Some(event) = state["event"].as_str() {
            r.bank_data.insert(key::CALLBACK_EVENT.into(), event.into());
        }
        r.return_content = Some(ok());
        Ok(Next::Done(r))
    }
}

/// What to answer a callback that is not Chainside's.
fn refused() -> ReturnContent {
    ReturnContent {
        status: 401,
        content_type: "text/plain; charset=utf-8".into(),
        body: "chainside-signature missing or wrong".into(),
    }
}
