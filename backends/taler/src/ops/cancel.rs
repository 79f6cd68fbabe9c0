//! `cancel`: `DELETE private/orders/$ID`, for an order nobody paid.
//!
//! The backend deletes an unclaimed unpaid order. It refuses a claimed one (a wallet holds a
//! still valid offer: 409, code 2520) unless `force=YES` is sent, which polypay does only when
//! the payment's data has `"force_delete": true`; and it never deletes a paid one (409, code
//! 2521: refund it instead). The adjustment's amount is not used: an order is cancelled whole.

use polypay_core::{
    Adjustment, Context, HttpRequest, HttpResponse, Method, PaymentResponse, PaymentStatus, Result,
};
use serde_json::Value;

use super::key;
use crate::Taler;
use crate::errors::conflict_explained;
use crate::flow::{Next, Op};

/// The `cancel` operation.
pub(crate) struct CancelOp<'a> {
    adj: &'a Adjustment,
}

impl<'a> CancelOp<'a> {
    pub(crate) fn new(adj: &'a Adjustment) -> Self {
        CancelOp { adj }
    }

    fn force(&self) -> bool {
        self.adj
            .bank_data
            .get(key::FORCE_DELETE)
            .and_then(Value::as_bool)
            == Some(true)
    }
}

impl Op<PaymentResponse> for CancelOp<'_> {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<PaymentResponse>> {
        super::order_id(&self.adj.transaction_id)?;
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        let mut url = taler.url(&format!("private/orders/{}", self.adj.transaction_id))?;
        if self.force() {
            url.set_query(Some("force=YES"));
        }
        Ok(HttpRequest::new(Method::Delete, url))
    }

    fn finish(
        &self,
        taler: &Taler,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<PaymentResponse>> {
        let id = &self.adj.transaction_id;
        if response.is_success() {
            let mut r = PaymentResponse::with_verification(
                PaymentStatus::Cancelled,
                taler.settings.authenticated_channel,
            );
            r.transaction_id = Some(id.clone());
            r.order_id = Some(id.clone());
            r.bank_status = Some("deleted".into());
            r.bank_data = self.adj.bank_data.clone().into();
            r.bank_data.insert(key::ORDER_ID.into(), id.as_str().into());
            return Ok(Next::Done(r));
        }
        let what = format!("deleting order {id}");
        Err(conflict_explained(response, &what, |code| match code {
            2520 => Some(format!(
                "order {id} cannot be cancelled: a wallet has claimed it and the offer is still \
                 valid (set \"force_delete\": true in the payment's data to delete it anyway)"
            )),
            2521 => Some(format!(
                "order {id} cannot be cancelled: it is paid (refund it instead)"
            )),
            _ => None,
        }))
    }
}
