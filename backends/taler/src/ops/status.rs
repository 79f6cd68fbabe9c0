//! `status`: `GET private/orders/$ID` (long polling with `timeout_ms`, session-bound with
//! `session_id`), and the reading of an order's status shared by `response` and `refund`.
//!
//! | `order_status` | polypay |
//! |---|---|
//! | `unpaid` | `Waiting`; `Expired` once polypay's payment deadline has passed |
//! | `claimed` | `Waiting`; `Expired` once the contract's payment deadline has passed |
//! | `paid` | `Paid`; `Refunded` (with `refunded_amount`, full or partial) once refunded |
//! | anything else | `Waiting` (never paid) |
//!
//! Before reporting a paid order, the contract's order id and amount are compared with what
//! was requested (when the caller handed the intent's data back): a difference is an
//! `Integrity` error.
//!
//! **ETags.** Each answer's `ETag` is kept in `bank_data` (`etag`). A status query that hands
//! it back asks the backend to answer only when something changed: a long poll sends
//! `lp_not_etag` (the backend then waits for *any* change of the order, a claim, a payment or a
//! refund, not only for a payment), and the request carries `If-None-Match`, so an unchanged
//! order costs a `304 Not Modified` with no body; the status is then the one the caller's
//! `bank_data` holds, read again without a new answer to parse. Only a view that reports no
//! payment is reused that way: `bank_data` is the caller's copy, and a copy claiming a payment
//! is never taken on trust, so for a paid order the backend always sends the view (fail
//! closed).

use std::time::Duration;

use polypay_core::{
    Amount, Context, Error, HttpRequest, HttpResponse, Method, PaymentResponse, PaymentStatus,
    Result, StatusQuery,
};
use serde_json::{Map, Value};

use super::{Carried, key, read_t_s};
use crate::amount::from_taler;
use crate::errors::from_response;
use crate::flow::{Next, Op};
use crate::{Taler, TalerUri};

/// The `status` operation.
pub(crate) struct StatusOp<'a> {
    query: &'a StatusQuery,
}

impl<'a> StatusOp<'a> {
    pub(crate) fn new(query: &'a StatusQuery) -> Self {
        StatusOp { query }
    }
}

/// `GET private/orders/$ID[?timeout_ms=N][&session_id=S]`.
pub(crate) fn get_order(
    taler: &Taler,
    order_id: &str,
    long_poll: Option<Duration>,
    session_id: Option<&str>,
) -> Result<HttpRequest> {
    get_order_since(taler, order_id, long_poll, session_id, None)
}

/// A view the caller already holds: its `ETag`, and whether a `304` may reuse it.
struct Known<'a> {
    etag: &'a str,
    reusable: bool,
}

/// `GET private/orders/$ID`, asking for an answer only once the order differs from `known`
/// (`lp_not_etag` when long polling, `If-None-Match` when the known view may be reused).
fn get_order_since(
    taler: &Taler,
    order_id: &str,
    long_poll: Option<Duration>,
    session_id: Option<&str>,
    known: Option<&Known<'_>>,
) -> Result<HttpRequest> {
    let long_poll = long_poll.filter(|w| !w.is_zero());
    let mut url = taler.url(&format!("private/orders/{order_id}"))?;
    {
        let mut query = url.query_pairs_mut();
        if let Some(wait) = long_poll {
            query.append_pair("timeout_ms", &wait.as_millis().to_string());
            if let Some(k) = known {
                query.append_pair("lp_not_etag", k.etag);
            }
        }
        if let Some(s) = session_id {
            query.append_pair("session_id", s);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    let mut request = HttpRequest::new(Method::Get, url);
    if let Some(k) = known.filter(|k| k.reusable) {
        request = request.with_header("If-None-Match", k.etag);
    }
    if let Some(wait) = long_poll {
        // The backend holds the answer up to `wait`: the host's timeout must allow for it.
        request = request.with_extra_timeout(wait);
    }
    Ok(request)
}

impl StatusOp<'_> {
    /// The view the query hands back, if it names its `ETag`. It may be reused on a `304`
    /// only when it is a view of this very order that reports no payment (see the module
    /// documentation).
    fn known(&self) -> Option<Known<'_>> {
        let data = &self.query.bank_data;
        let etag = data
            .get(key::ETAG)
            .and_then(Value::as_str)
            .filter(|e| valid_etag(e))?;
        let same_order =
            data.get(key::ORDER_ID).and_then(Value::as_str) == Some(&self.query.transaction_id);
        let unpaid = matches!(
            data.get("order_status").and_then(Value::as_str),
            Some("unpaid" | "claimed")
        );
        Some(Known {
            etag,
            reusable: same_order && unpaid,
        })
    }
}

/// An `ETag` fit to send back: visible ASCII, as HTTP requires (RFC 9110, section 8.8.3).
fn valid_etag(etag: &str) -> bool {
    !etag.is_empty() && etag.len() <= 256 && etag.bytes().all(|b| (0x21..0x7f).contains(&b))
}

impl Op<PaymentResponse> for StatusOp<'_> {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<PaymentResponse>> {
        super::order_id(&self.query.transaction_id)?;
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        let carried = Carried::read(&self.query.bank_data);
        let session = self
            .query
            .session_id
            .as_deref()
            .or(carried.session_id.as_deref());
        get_order_since(
            taler,
            &self.query.transaction_id,
            self.query.long_poll,
            session,
            self.known().as_ref(),
        )
    }

    fn finish(
        &self,
        taler: &Taler,
        cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentResponse>> {
        let id = &self.query.transaction_id;
        let carried = Carried::read(&self.query.bank_data);
        if response.status == 304 {
            // Nothing changed since the view the caller holds: read that view again.
            let Some(known) = self.known().filter(|k| k.reusable) else {
                return Err(Error::malformed(format!(
                    "the merchant backend answered 304 Not Modified about order {id} to a \
                     request that was not conditional"
                )));
            };
            let etag = known.etag.to_owned();
            let mut r = read_view(taler, cx, id, &carried, self.query.bank_data.clone())?;
            r.bank_data.insert(key::ETAG.into(), etag.into());
            return Ok(Next::Done(r));
        }
        if response.status != 200 {
            return Err(from_response(response, &format!("getting order {id}")));
        }
        read_order(taler, cx, id, &carried, response).map(Next::Done)
    }
}

/// The amount of a contract: `amount` (v0), or the chosen choice's amount (v1).
fn contract_amount(contract: &Value, choice_index: Option<u64>) -> Result<Option<Amount>> {
    if let Some(a) = contract.get("amount").and_then(Value::as_str) {
        return from_taler(a, "contract_terms.amount").map(Some);
    }
    let chosen = choice_index
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| contract.get("choices")?.get(i)?.get("amount")?.as_str());
    chosen
        .map(|a| from_taler(a, "contract_terms.choices[].amount"))
        .transpose()
}

/// Reads a `200` answer of `GET private/orders/$ID` into a response; its `ETag` goes to
/// `bank_data`.
pub(crate) fn read_order(
    taler: &Taler,
    cx: &Context<'_>,
    order_id: &str,
    carried: &Carried,
    response: &HttpResponse,
) -> Result<PaymentResponse> {
    let body: Map<String, Value> = response.json()?;
    let mut r = read_view(taler, cx, order_id, carried, body)?;
    match response.header("etag").filter(|e| valid_etag(e)) {
        Some(etag) => {
            r.bank_data.insert(key::ETAG.into(), etag.into());
        }
        // A view without an ETag: a stale one from the caller must not be sent back.
        None => {
            r.bank_data.remove(key::ETAG);
        }
    }
    Ok(r)
}

/// Reads an order's private view (the body of `GET private/orders/$ID`) into a response.
fn read_view(
    taler: &Taler,
    cx: &Context<'_>,
    order_id: &str,
    carried: &Carried,
    body: Map<String, Value>,
) -> Result<PaymentResponse> {
    let order_status = body
        .get("order_status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let contract = body.get("contract_terms").cloned().unwrap_or(Value::Null);
    let flag = |k: &str| body.get(k).and_then(Value::as_bool).unwrap_or(false);
    let mut amount = None;
    let mut refunded = None;
    let mut when = None;
    let mut bank_status = order_status.clone();
    let status = match order_status.as_str() {
        "unpaid" => {
            if let Some(a) = body.get("total_amount").and_then(Value::as_str) {
                amount = Some(from_taler(a, "total_amount")?);
            }
            when = body.get("creation_time").and_then(read_t_s);
            if let Some(other) = body.get("already_paid_order_id").and_then(Value::as_str) {
                bank_status = format!("unpaid (already paid as order {other})");
            }
            match carried.pay_deadline {
                Some(deadline) if cx.now > deadline => PaymentStatus::Expired,
                _ => PaymentStatus::Waiting,
            }
        }
        "claimed" => {
            amount = contract_amount(&contract, None)?;
            match contract.get("pay_deadline").and_then(read_t_s) {
                Some(deadline) if cx.now > deadline => PaymentStatus::Expired,
                _ => PaymentStatus::Waiting,
            }
        }
        "paid" => {
            let choice = body.get("choice_index").and_then(Value::as_u64);
            let paid = contract_amount(&contract, choice)?.ok_or_else(|| {
                Error::malformed(format!("paid order {order_id} has no contract amount"))
            })?;
            check_contract(order_id, carried, &contract, &paid)?;
            when = body.get("last_payment").and_then(read_t_s);
            let refund = match body.get("refund_amount").and_then(Value::as_str) {
                Some(r) => Some(from_taler(r, "refund_amount")?),
                None => None,
            };
            amount = Some(paid);
            let mut notes = Vec::new();
            let status = match refund {
                Some(r) if flag("refunded") || !r.is_zero() => {
                    if r.currency().code() != paid.currency().code() {
                        return Err(Error::malformed(format!(
                            "order {order_id} was paid in {} but refunded in {}",
                            paid.currency(),
                            r.currency()
                        )));
                    }
                    notes.push(if r.value() >= paid.value() {
                        "fully refunded"
                    } else {
                        "partially refunded"
                    });
                    refunded = Some(r);
                    PaymentStatus::Refunded
                }
                _ => PaymentStatus::Paid,
            };
            if flag("refund_pending") {
                notes.push("refund pending");
            }
            if flag("wired") {
                notes.push("wired");
            }
            if !notes.is_empty() {
                bank_status = format!("paid ({})", notes.join(", "));
            }
            status
        }
        // An unknown state is never paid.
        _ => PaymentStatus::Waiting,
    };
    let mut r = PaymentResponse::with_verification(status, taler.settings.authenticated_channel);
    if !taler.settings.authenticated_channel {
        bank_status.push_str(" [unverified: answered over plain HTTP by a non-loopback host]");
    }
    r.transaction_id = Some(order_id.to_owned());
    r.order_id = Some(order_id.to_owned());
    r.amount = amount;
    r.refunded_amount = refunded;
    r.bank_status = Some(bank_status);
    r.transaction_date = when;
    r.test = amount.is_some_and(|a| a.currency().code().ends_with("KUDOS"));
    let mut data = body;
    data.insert(key::ORDER_ID.into(), order_id.into());
    if !data.contains_key(key::PAY_URI) {
        let uri = TalerUri::pay(
            &taler.settings.base,
            order_id,
            carried.session_id.as_deref(),
            carried.claim_token.as_deref(),
        );
        data.insert(key::PAY_URI.into(), uri.to_string().into());
    }
    carried.write(&mut data);
    r.bank_data = data.into();
    Ok(r)
}

/// The contract of a paid order must be the one requested: same order id, and the same amount
/// when the requested amount is known.
fn check_contract(
    order_id: &str,
    carried: &Carried,
    contract: &Value,
    paid: &Amount,
) -> Result<()> {
    if let Some(id) = contract.get("order_id").and_then(Value::as_str)
        && id != order_id
    {
        return Err(Error::Integrity {
            field: "transaction_id",
            expected: order_id.to_owned(),
            found: id.to_owned(),
        });
    }
    if let Some(requested) = &carried.requested_amount {
        let requested = from_taler(requested, "requested_amount")?;
        if requested.currency().code() != paid.currency().code() {
            return Err(Error::Integrity {
                field: "currency",
                expected: requested.currency().to_string(),
                found: paid.currency().to_string(),
            });
        }
        if requested.value() != paid.value() {
            return Err(Error::Integrity {
                field: "amount",
                expected: requested.to_string(),
                found: paid.to_string(),
            });
        }
    }
    Ok(())
}
