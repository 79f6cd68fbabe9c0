//! Listing the instance's orders, as data: the filters of `GET private/orders`
//! ([`OrderFilter`]) and its entries ([`OrderSummary`]).

use std::time::Duration;

use polypay_core::{Amount, Timestamp};

/// Which orders [`Taler::orders`](crate::Taler::orders) lists; every filter is optional.
///
/// Orders are numbered by the backend (`row_id`, increasing with creation). `delta` says how
/// many to return and in which direction: positive, the oldest orders strictly after `start`
/// (and created strictly after `date`); negative, the newest orders strictly before `start`
/// (and created strictly before `date`), newest first. Without `delta` the backend returns its
/// default page (the 20 newest).
///
/// ```
/// use std::time::Duration;
/// use polypay_taler::OrderFilter;
/// // The 50 newest paid orders not yet wired to the bank.
/// let filter = OrderFilter::new().paid(true).wired(false).delta(-50);
/// // New orders after row 120, waiting up to 30 s for one to appear.
/// let next = OrderFilter::new().start(120).delta(20).timeout(Duration::from_secs(30));
/// # let _ = (filter, next);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderFilter {
    /// Only paid (`true`) or unpaid (`false`) orders.
    pub paid: Option<bool>,
    /// Only orders with (`true`) or without (`false`) a refund.
    pub refunded: Option<bool>,
    /// Only orders whose money was (`true`) or was not (`false`) wired to the merchant.
    pub wired: Option<bool>,
    /// The creation time bound (`date_s`): after it with a positive `delta`, before it with a
    /// negative one.
    pub date: Option<Timestamp>,
    /// The row id bound, excluded (`offset`; `start` before protocol v12).
    pub start: Option<u64>,
    /// How many orders and in which direction (`limit`; `delta` before protocol v12).
    pub delta: Option<i64>,
    /// Only orders bound to this session.
    pub session_id: Option<String>,
    /// Only orders with this fulfillment URL.
    pub fulfillment_url: Option<String>,
    /// Only orders whose summary contains this text, ignoring case (protocol v23+).
    pub summary_filter: Option<String>,
    /// Long poll: when no order matches yet, wait up to this long for one to appear
    /// (`timeout_ms`; useful with a positive `delta`).
    pub timeout: Option<Duration>,
}

impl OrderFilter {
    /// No filter: the backend's default page.
    pub fn new() -> OrderFilter {
        OrderFilter::default()
    }
    /// Only paid (`true`) or unpaid (`false`) orders.
    pub fn paid(mut self, paid: bool) -> Self {
        self.paid = Some(paid);
        self
    }
    /// Only refunded (`true`) or unrefunded (`false`) orders.
    pub fn refunded(mut self, refunded: bool) -> Self {
        self.refunded = Some(refunded);
        self
    }
    /// Only wired (`true`) or unwired (`false`) orders.
    pub fn wired(mut self, wired: bool) -> Self {
        self.wired = Some(wired);
        self
    }
    /// The creation time bound.
    pub fn date(mut self, date: Timestamp) -> Self {
        self.date = Some(date);
        self
    }
    /// The row id bound (excluded).
    pub fn start(mut self, row_id: u64) -> Self {
        self.start = Some(row_id);
        self
    }
    /// How many orders, and in which direction.
    pub fn delta(mut self, delta: i64) -> Self {
        self.delta = Some(delta);
        self
    }
    /// Only orders bound to this session.
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }
    /// Only orders with this fulfillment URL.
    pub fn fulfillment_url(mut self, url: impl Into<String>) -> Self {
        self.fulfillment_url = Some(url.into());
        self
    }
    /// Only orders whose summary contains this text (protocol v23+).
    pub fn summary_filter(mut self, text: impl Into<String>) -> Self {
        self.summary_filter = Some(text.into());
        self
    }
    /// Wait up to this long for a matching order to appear.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// One order of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderSummary {
    /// The order id.
    pub order_id: String,
    /// The backend's row number (a `start` for the next page).
    pub row_id: u64,
    /// When the order was created.
    pub created: Timestamp,
    /// The order's amount.
    pub amount: Amount,
    /// The order's summary.
    pub summary: String,
    /// Whether some of it can still be refunded.
    pub refundable: bool,
    /// Whether it is paid.
    pub paid: bool,
}
