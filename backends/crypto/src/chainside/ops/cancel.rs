//! `cancel`: `DELETE /payment-order/{uuid}` (a pending order only; Chainside refuses the
//! others). The answer's `cancel_url` (where to send the payer) is kept in `bank_data`. The
//! adjustment's amount is not used: an order is cancelled whole.

use polypay_core::{
    Adjustment, Context, Error, HttpRequest, HttpResponse, Method, PaymentResponse, PaymentStatus,
    Result,
};
use serde_json::{Map, Value};

use super::{expected_reference, key, uuid_of};
use crate::chainside::Chainside;
use crate::chainside::config::Mode;
use crate::chainside::errors::from_response;
use crate::chainside::flow::{Next, Op};

/// The `cancel` operation.
pub(crate) struct CancelOp<'a> {
    op: &'a Adjustment,
}

impl<'a> CancelOp<'a> {
    pub(crate) fn new(op: &'a Adjustment) -> Self {
        CancelOp { op }
    }
}

impl Op<PaymentResponse> for CancelOp<'_> {
    fn start(&self, _cs: &Chainside, _cx: &Context<'_>) -> Result<Next<PaymentResponse>> {
        Ok(Next::Call(Value::String(uuid_of(
            &self.op.transaction_id,
            &self.op.bank_data,
        )?)))
    }

    fn request(&self, cs: &Chainside, state: &Value) -> Result<HttpRequest> {
        let uuid = state.as_str().unwrap_or_default();
        cs.api_request(Method::Delete, &format!("payment-order/{uuid}"))
    }

    fn finish(
        &self,
        cs: &Chainside,
        _cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentResponse>> {
        let uuid = state.as_str().unwrap_or_default();
        if !response.is_success() {
            return Err(from_response(
                response,
                &format!("cancelling payment order {uuid}"),
            ));
        }
        // `{cancel_url}`; an empty body is accepted too.
        let body: Map<String, Value> = if response.body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            crate::json::parse(&response.body)
                .map_err(|e| Error::malformed(format!("cancelling payment order {uuid}: {e}")))?
        };
        let mut r = PaymentResponse::verified(PaymentStatus::Cancelled);
        r.transaction_id = Some(uuid.to_owned());
        r.order_id = expected_reference(&self.op.transaction_id)
            .map(str::to_owned)
            .or_else(|| {
                self.op
                    .bank_data
                    .get(key::REFERENCE)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
        r.bank_status = Some("cancelled".into());
        r.test = cs.settings.mode == Mode::Sandbox;
        let mut data = body;
        data.insert(key::UUID.into(), uuid.into());
        r.bank_data = data.into();
        Ok(Next::Done(r))
    }
}
