//! What keeps an order page up to date by itself: the status endpoint its script polls, and
//! the QR code of a payment URI.
//!
//! A payment made with a wallet (`taler://`, `bitcoin:`) sends no browser back to the shop:
//! the order page asks `status.json?wait=S` in a loop, and for such an order the shop asks the
//! bank (`status`, long polling up to S seconds where the backend can, as GNU Taler does)
//! before answering. Other orders answer from the store only (a notification may still arrive
//! after the browser came back). One question per order is in flight at a time, however many
//! pages poll.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Shop;
use super::handlers::not_found;
use super::store::Order;
use crate::{Action, Operation, StatusQuery, Timestamp};

/// The longest wait a page may ask for.
const MAX_WAIT: Duration = Duration::from_secs(20);

/// `?wait=SECONDS`.
#[derive(Debug, Deserialize)]
pub(super) struct Wait {
    #[serde(default)]
    wait: u64,
}

/// Whether the shop asks the bank for this order when its page polls: a payment URI whose
/// backend can tell the status, not final yet.
pub(super) fn asks_the_bank(shop: &Shop, order: &Order) -> bool {
    matches!(order.action, Some(Action::Uri { .. }))
        && !order.status.is_final()
        && order.transaction_id.is_some()
        && shop
            .instance(&order.instance)
            .is_some_and(|i| i.description.capabilities.supports(Operation::Status))
}

/// Removes the order from the in-flight set when the question ends, however it ends.
struct Asking<'a> {
    shop: &'a Shop,
    id: u64,
}

impl<'a> Asking<'a> {
    fn start(shop: &'a Shop, id: u64) -> Option<Asking<'a>> {
        let mut set = shop.asking.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(id).then_some(Asking { shop, id })
    }
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        self.shop
            .asking
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

/// Asks the bank where the order stands and applies the answer (idempotent, fail closed, as
/// every report).
async fn ask(shop: &Shop, order: &Order, wait: Duration) {
    let Some(_asking) = Asking::start(shop, order.id) else {
        return;
    };
    let (Some(inst), Some(tx)) = (shop.instance(&order.instance), &order.transaction_id) else {
        return;
    };
    let mut query = StatusQuery::new(tx.clone()).with_bank_data(order.bank_data.clone());
    if !wait.is_zero() {
        query = query.with_long_poll(wait);
    }
    match inst.payment.status(&query).await {
        Ok(response) => {
            shop.orders
                .apply(order.id, &response, "status", true, Timestamp::now());
        }
        // Logged, not recorded: a page polling through a network hiccup would otherwise fill
        // the history. The next poll asks again.
        Err(e) => tracing::warn!("status of order {} failed: {e}", order.id),
    }
}

/// `GET /orders/ID/status.json`: `{"status", "verified", "final", "events", "duplicates"}`.
pub(super) async fn status(
    State(shop): State<Arc<Shop>>,
    Path(id): Path<u64>,
    Query(wait): Query<Wait>,
) -> Response {
    let Some(order) = shop.orders.get(id) else {
        return not_found();
    };
    if wait.wait > 0 && asks_the_bank(&shop, &order) {
        ask(&shop, &order, Duration::from_secs(wait.wait).min(MAX_WAIT)).await;
    }
    let Some(order) = shop.orders.get(id) else {
        return not_found();
    };
    let body = serde_json::json!({
        "status": order.status.as_str(),
        "verified": order.verified,
        "final": order.status.is_final(),
        "events": order.history.len(),
        "duplicates": order.duplicates,
    });
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `GET /orders/ID/qr.svg`: the QR code of the order's payment URI.
pub(super) async fn qr(State(shop): State<Arc<Shop>>, Path(id): Path<u64>) -> Response {
    let Some(order) = shop.orders.get(id) else {
        return not_found();
    };
    let Some(Action::Uri { uri, .. }) = &order.action else {
        return not_found();
    };
    match qr_svg(uri) {
        Some(Ok(svg)) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Some(Err(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
        None => not_found(),
    }
}

/// Whether this build can draw QR codes.
pub(super) fn has_qr() -> bool {
    cfg!(feature = "taler")
}

/// The QR code of `uri` as SVG, or `None` when this build has no QR encoder (it comes with
/// the `taler` backend).
fn qr_svg(uri: &str) -> Option<crate::Result<String>> {
    #[cfg(feature = "taler")]
    {
        Some(polypay_taler::qr_svg(uri))
    }
    #[cfg(not(feature = "taler"))]
    {
        let _ = uri;
        None
    }
}
