//! `GET private/orders`: the instance's orders, filtered.
//!
//! The page parameters follow the backend's protocol version: `limit` and `offset` since v12,
//! `delta` and `start` before. `summary_filter` needs v23: asked of an older backend, it is
//! refused before any request rather than silently ignored. A `timeout` makes the backend
//! wait, when no order matches yet, for one to appear.

use polypay_core::{Context, Error, HttpRequest, HttpResponse, Method, Result};
use serde_json::Value;

use super::read_t_s;
use crate::amount::from_taler;
use crate::errors::list_entries;
use crate::flow::{Next, Op};
use crate::{OrderFilter, OrderSummary, Taler};

/// First protocol with `limit` / `offset` (`delta` / `start` before).
const LIMIT_OFFSET_SINCE: u32 = 12;
/// First protocol with `summary_filter`.
const SUMMARY_FILTER_SINCE: u32 = 23;

/// The listing operation.
pub(crate) struct ListOrdersOp<'a> {
    filter: &'a OrderFilter,
}

impl<'a> ListOrdersOp<'a> {
    pub(crate) fn new(filter: &'a OrderFilter) -> Self {
        ListOrdersOp { filter }
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

impl Op<Vec<OrderSummary>> for ListOrdersOp<'_> {
    fn start(&self, taler: &Taler, _cx: &Context<'_>) -> Result<Next<Vec<OrderSummary>>> {
        let agreed = taler.info().map_or(0, |i| i.agreed);
        if self.filter.summary_filter.is_some() && agreed < SUMMARY_FILTER_SINCE {
            return Err(Error::invalid_input(format!(
                "the merchant backend speaks protocol v{agreed}: filtering orders by summary \
                 needs v{SUMMARY_FILTER_SINCE}"
            )));
        }
        if self.filter.delta == Some(0) {
            return Err(Error::invalid_input(
                "delta must not be 0: positive for the orders after `start`, negative for \
                 those before",
            ));
        }
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        let f = self.filter;
        let modern = taler.info().is_some_and(|i| i.agreed >= LIMIT_OFFSET_SINCE);
        let mut url = taler.url("private/orders")?;
        {
            let mut q = url.query_pairs_mut();
            for (name, flag) in [
                ("paid", f.paid),
                ("refunded", f.refunded),
                ("wired", f.wired),
            ] {
                if let Some(flag) = flag {
                    q.append_pair(name, yes_no(flag));
                }
            }
            if let Some(date) = f.date {
                q.append_pair("date_s", &date.as_second().to_string());
            }
            if let Some(start) = f.start {
                q.append_pair(if modern { "offset" } else { "start" }, &start.to_string());
            }
            if let Some(delta) = f.delta {
                q.append_pair(if modern { "limit" } else { "delta" }, &delta.to_string());
            }
            if let Some(s) = &f.session_id {
                q.append_pair("session_id", s);
            }
            if let Some(u) = &f.fulfillment_url {
                q.append_pair("fulfillment_url", u);
            }
            if let Some(s) = &f.summary_filter {
                q.append_pair("summary_filter", s);
            }
            if let Some(t) = f.timeout.filter(|t| !t.is_zero()) {
                q.append_pair("timeout_ms", &t.as_millis().to_string());
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut request = HttpRequest::new(Method::Get, url);
        if let Some(t) = f.timeout.filter(|t| !t.is_zero()) {
            request = request.with_extra_timeout(t);
        }
        Ok(request)
    }

    fn finish(
        &self,
        _taler: &Taler,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<Vec<OrderSummary>>> {
        list_entries(response, "orders", "order")?
            .iter()
            .map(read_row)
            .collect::<Result<_>>()
            .map(Next::Done)
    }
}

/// One `OrderHistoryEntry`.
fn read_row(row: &Value) -> Result<OrderSummary> {
    let missing = |k: &str| Error::malformed(format!("an order of the list has no valid {k}"));
    let text = |k: &str| row.get(k).and_then(Value::as_str).ok_or_else(|| missing(k));
    let flag = |k: &str| {
        row.get(k)
            .and_then(Value::as_bool)
            .ok_or_else(|| missing(k))
    };
    let order_id = text("order_id")?.to_owned();
    Ok(OrderSummary {
        row_id: row
            .get("row_id")
            .and_then(Value::as_u64)
            .ok_or_else(|| missing("row_id"))?,
        created: row
            .get("timestamp")
            .and_then(read_t_s)
            .ok_or_else(|| missing("timestamp"))?,
        amount: from_taler(text("amount")?, "orders[].amount")?,
        summary: text("summary")?.to_owned(),
        refundable: flag("refundable")?,
        paid: flag("paid")?,
        order_id,
    })
}
