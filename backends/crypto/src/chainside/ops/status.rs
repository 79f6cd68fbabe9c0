//! `status`: `GET /payment-order/{uuid}`, read into a response (see the table of the `ops`
//! module). The uuid comes from the payment's data (`bank_data.uuid`, as the intent's
//! `backend_data` gave it) or is the transaction id itself. When the caller's transaction id
//! is the reference, the order must carry it, and a paid order must be of the requested amount
//! (when the data says what was requested), and the answer must be about the order asked
//! for: a difference is an `Integrity` error.

use polypay_core::{
    Context, Error, HttpRequest, HttpResponse, Method, PaymentResponse, Result, StatusQuery,
};
use serde_json::{Map, Value};

use super::{Expected, parse_order, read_order, uuid_of};
use crate::chainside::Chainside;
use crate::chainside::errors::from_response;
use crate::chainside::flow::{Next, Op};
use crate::chainside::wire::PaymentOrder;

/// `GET /payment-order/{uuid}`.
pub(crate) fn get_order(cs: &Chainside, uuid: &str) -> Result<HttpRequest> {
    cs.api_request(Method::Get, &format!("payment-order/{uuid}"))
}

/// The order `GET /payment-order/{uuid}` answered, as read and as sent: an unsuccessful
/// answer is the API's error, and an answer about another order is an `Integrity` error (it
/// says nothing about this one). `what` says what was being done, for the messages.
pub(crate) fn answered_order(
    response: &HttpResponse,
    uuid: &str,
    what: &str,
) -> Result<(PaymentOrder, Map<String, Value>)> {
    if !response.is_success() {
        return Err(from_response(response, what));
    }
    let (order, raw) = parse_order(&response.body, what)?;
    if order.uuid != uuid {
        return Err(Error::Integrity {
            field: "transaction_id",
            expected: uuid.to_owned(),
            found: order.uuid,
        });
    }
    Ok((order, raw))
}

/// The `status` operation.
pub(crate) struct StatusOp<'a> {
    query: &'a StatusQuery,
}

impl<'a> StatusOp<'a> {
    pub(crate) fn new(query: &'a StatusQuery) -> Self {
        StatusOp { query }
    }

    fn uuid(&self) -> Result<String> {
        uuid_of(&self.query.transaction_id, &self.query.bank_data)
    }
}

impl Op<PaymentResponse> for StatusOp<'_> {
    fn start(&self, _cs: &Chainside, _cx: &Context<'_>) -> Result<Next<PaymentResponse>> {
        Expected::read(&self.query.transaction_id, &self.query.bank_data)?;
        Ok(Next::Call(Value::String(self.uuid()?)))
    }

    fn request(&self, cs: &Chainside, state: &Value) -> Result<HttpRequest> {
        get_order(cs, state.as_str().unwrap_or_default())
    }

    fn finish(
        &self,
        cs: &Chainside,
        _cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentResponse>> {
        let uuid = state.as_str().unwrap_or_default();
        let (order, raw) =
            answered_order(response, uuid, &format!("getting payment order {uuid}"))?;
        let expected = Expected::read(&self.query.transaction_id, &self.query.bank_data)?;
        read_order(cs, &order, raw, &expected).map(Next::Done)
    }
}
