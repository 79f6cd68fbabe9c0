//! The API calls beyond the `Backend` trait: list payment orders (filters, pagination,
//! sorting), get one, and the sandbox's reset, callback trigger and callback list. Each is a
//! sans-IO operation of [`Chainside`], driven like the trait's operations (with
//! [`polypay_core::drive_sync`], or `drive` of this module's `client` feature with a
//! [`Payment`](polypay_core::Payment)'s executor), with the same login and token handling.

use std::fmt;

use polypay_core::{Context, Error, HttpRequest, HttpResponse, Method, Result, Step};
use serde_json::{Value, json};

use super::Chainside;
use super::config::Mode;
use super::errors::from_response;
use super::flow::{self, Next, Op};
use super::ops::parse_order;
use super::wire::{CallbackEvent, OrderStatus, PaymentOrder, PaymentOrderPage, is_uuid};

/// The largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 40;

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// The amount.
    Amount,
    /// The creation time (the API's default).
    CreatedAt,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending (the API's default).
    Desc,
}

impl SortBy {
    /// `amount` or `created_at`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Amount => "amount",
            SortBy::CreatedAt => "created_at",
        }
    }

    /// Parses `amount` or `created_at`.
    pub fn parse(text: &str) -> Option<SortBy> {
        [SortBy::Amount, SortBy::CreatedAt]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

impl SortOrder {
    /// `asc` or `desc`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }

    /// Parses `asc` or `desc`.
    pub fn parse(text: &str) -> Option<SortOrder> {
        [SortOrder::Asc, SortOrder::Desc]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// Filters, pagination and sorting of `GET /payment-order`; unset values keep the API's
/// defaults (page 0, 20 a page, newest first).
///
/// ```
/// use polypay_crypto::chainside::{ListQuery, OrderStatus, SortBy};
/// let q = ListQuery::default().status(OrderStatus::Paid).page(2).page_size(40).sort_by(SortBy::Amount);
/// assert_eq!(q.to_query(), "status=paid&page=2&page_size=40&sort_by=amount");
/// assert!(ListQuery::default().page_size(41).check().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// The page, from 0.
    pub page: Option<u32>,
    /// Orders a page, 1 to 40.
    pub page_size: Option<u32>,
    /// The sort key.
    pub sort_by: Option<SortBy>,
    /// The sort order.
    pub sort_order: Option<SortOrder>,
}

impl ListQuery {
    /// Only orders in `status`.
    pub fn status(mut self, status: OrderStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// The page, from 0.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }
    /// Orders a page (1 to 40).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }
    /// The sort key.
    pub fn sort_by(mut self, by: SortBy) -> Self {
        self.sort_by = Some(by);
        self
    }
    /// The sort order.
    pub fn sort_order(mut self, order: SortOrder) -> Self {
        self.sort_order = Some(order);
        self
    }

    /// Checks the page size.
    pub fn check(&self) -> Result<()> {
        match self.page_size {
            Some(n) if n == 0 || n > MAX_PAGE_SIZE => Err(Error::invalid_input(format!(
                "page_size must be from 1 to {MAX_PAGE_SIZE}, not {n}"
            ))),
            _ => Ok(()),
        }
    }

    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = self.status {
            q.append_pair("status", s.as_str());
        }
        if let Some(p) = self.page {
            q.append_pair("page", &p.to_string());
        }
        if let Some(n) = self.page_size {
            q.append_pair("page_size", &n.to_string());
        }
        if let Some(b) = self.sort_by {
            q.append_pair("sort_by", b.as_str());
        }
        if let Some(o) = self.sort_order {
            q.append_pair("sort_order", o.as_str());
        }
        q.finish()
    }
}

/// One authenticated call and how its answer is read.
struct Call<T> {
    method: Method,
    path: String,
    query: String,
    body: Option<Value>,
    what: String,
    read: fn(&HttpResponse, &str) -> Result<T>,
}

impl<T> Op<T> for Call<T> {
    fn start(&self, _cs: &Chainside, _cx: &Context<'_>) -> Result<Next<T>> {
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, cs: &Chainside, _state: &Value) -> Result<HttpRequest> {
        let mut request = cs.api_request(self.method, &self.path)?;
        if !self.query.is_empty() {
            request.url.set_query(Some(&self.query));
        }
        if let Some(body) = &self.body {
            request = request.with_json(body);
        }
        Ok(request)
    }

    fn finish(
        &self,
        _cs: &Chainside,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<T>> {
        if !response.is_success() {
            return Err(from_response(response, &self.what));
        }
        (self.read)(response, &self.what).map(Next::Done)
    }
}

fn read_page(response: &HttpResponse, what: &str) -> Result<PaymentOrderPage> {
    serde_json::from_slice(&response.body)
        .map_err(|e| Error::malformed(format!("{what}: not a page of payment orders: {e}")))
}

fn read_order(response: &HttpResponse, what: &str) -> Result<PaymentOrder> {
    parse_order(&response.body, what).map(|(order, _)| order)
}

fn read_nothing(_: &HttpResponse, _: &str) -> Result<()> {
    Ok(())
}

fn read_callbacks(response: &HttpResponse, what: &str) -> Result<Vec<String>> {
    let body: Value = serde_json::from_slice(&response.body)
        .map_err(|e| Error::malformed(format!("{what}: not JSON: {e}")))?;
    let list = body["callbacks"]
        .as_array()
        .ok_or_else(|| Error::malformed(format!("{what}: no `callbacks` list")))?;
    list.iter()
        .map(|c| {
            c["name"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::malformed(format!("{what}: a callback without a name")))
        })
        .collect()
}

fn checked_uuid(uuid: &str) -> Result<&str> {
    if is_uuid(uuid) {
        Ok(uuid)
    } else {
        Err(Error::invalid_input(format!(
            "{uuid:?} is not a payment order uuid"
        )))
    }
}

impl fmt::Display for SortBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Chainside {
    fn sandbox_only(&self, what: &str) -> Result<()> {
        if self.settings.mode == Mode::Live {
            return Err(Error::invalid_input(format!(
                "{what} is a sandbox feature: this backend is in live mode"
            )));
        }
        Ok(())
    }

    /// `GET /payment-order`: a page of the WebPOS's payment orders.
    pub fn list_payment_orders(
        &self,
        query: &ListQuery,
        cx: Context<'_>,
    ) -> Result<Step<PaymentOrderPage>> {
        query.check()?;
        let call = Call {
            method: Method::Get,
            path: "payment-order".into(),
            query: query.to_query(),
            body: None,
            what: "listing payment orders".into(),
            read: read_page,
        };
        flow::step(self, cx, &call)
    }

    /// `GET /payment-order/{uuid}`: one order, typed.
    pub fn get_payment_order(&self, uuid: &str, cx: Context<'_>) -> Result<Step<PaymentOrder>> {
        let uuid = checked_uuid(uuid)?;
        let call = Call {
            method: Method::Get,
            path: format!("payment-order/{uuid}"),
            query: String::new(),
            body: None,
            what: format!("getting payment order {uuid}"),
            read: read_order,
        };
        flow::step(self, cx, &call)
    }

    /// `PATCH /payment-order/{uuid}/test/reset` (sandbox): the order back to pending, its
    /// payments forgotten.
    pub fn reset_payment_order(&self, uuid: &str, cx: Context<'_>) -> Result<Step<PaymentOrder>> {
        self.sandbox_only("resetting a payment order")?;
        let uuid = checked_uuid(uuid)?;
        let call = Call {
            method: Method::Patch,
            path: format!("payment-order/{uuid}/test/reset"),
            query: String::new(),
            body: None,
            what: format!("resetting payment order {uuid}"),
            read: read_order,
        };
        flow::step(self, cx, &call)
    }

    /// `PATCH /payment-order/{uuid}/test/` `{callback}` (sandbox): Chainside moves the order
    /// as `event` says and sends that callback to the order's callback URL.
    pub fn trigger_callback(
        &self,
        uuid: &str,
        event: CallbackEvent,
        cx: Context<'_>,
    ) -> Result<Step<()>> {
        self.sandbox_only("triggering a callback")?;
        let uuid = checked_uuid(uuid)?;
        let call = Call {
            method: Method::Patch,
            path: format!("payment-order/{uuid}/test/"),
            query: String::new(),
            body: Some(json!({ "callback": event.as_str() })),
            what: format!("triggering {event} on payment order {uuid}"),
            read: read_nothing,
        };
        flow::step(self, cx, &call)
    }

    /// `GET /payment-order/{uuid}/callbacks`: the names of the callbacks sent for the order.
    pub fn payment_order_callbacks(
        &self,
        uuid: &str,
        cx: Context<'_>,
    ) -> Result<Step<Vec<String>>> {
        let uuid = checked_uuid(uuid)?;
        let call = Call {
            method: Method::Get,
            path: format!("payment-order/{uuid}/callbacks"),
            query: String::new(),
            body: None,
            what: format!("listing the callbacks of payment order {uuid}"),
            read: read_callbacks,
        };
        flow::step(self, cx, &call)
    }
}
