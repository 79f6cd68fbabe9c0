//! The dummy bank's payment page, served by the demo: the person picks the outcome, the bank
//! notifies the shop's server (a real HTTP POST), then sends the browser back, both signed by
//! `polypay_dummy::Simulator`.

use std::sync::Arc;

use axum::extract::{Form, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Shop;
use super::pages;

/// The simulators of the configured dummy instances (one per secret).
#[derive(Debug, Default)]
pub(super) struct Bank {
    #[cfg(feature = "dummy")]
    simulators: Vec<polypay_dummy::Simulator>,
}

impl Bank {
    pub(super) fn add_instance(
        &mut self,
        kind: &str,
        params: &serde_json::Map<String, serde_json::Value>,
    ) {
        #[cfg(feature = "dummy")]
        if kind == "dummy"
            && let Ok(cfg) = serde_json::from_value::<polypay_dummy::DummyConfig>(
                serde_json::Value::Object(params.clone()),
            )
        {
            self.simulators
                .push(polypay_dummy::Simulator::for_config(&cfg));
        }
        #[cfg(not(feature = "dummy"))]
        let _ = (kind, params);
    }
}

/// The form the bank page posts.
#[derive(Debug, Deserialize)]
pub(super) struct Answer {
    request: String,
    outcome: String,
}

#[cfg(feature = "dummy")]
fn find_page<'a>(
    shop: &'a Shop,
    request_url: &url::Url,
) -> Result<(polypay_dummy::PaymentPage, &'a polypay_dummy::Simulator), String> {
    let mut last = String::from("no dummy backend is configured");
    for sim in &shop.bank.simulators {
        match sim.payment_page(request_url) {
            Ok(page) => return Ok((page, sim)),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

pub(super) async fn page(State(shop): State<Arc<Shop>>, RawQuery(query): RawQuery) -> Response {
    #[cfg(feature = "dummy")]
    {
        let mut url = shop.url("dummy-bank/");
        url.set_query(query.as_deref());
        match find_page(&shop, &url) {
            Ok((page, _)) => Html(pages::bank_page(&page, url.as_str())).into_response(),
            Err(e) => (
                StatusCode::BAD_REQUEST,
                Html(pages::error_page(
                    "The bank refused this payment request",
                    &e,
                )),
            )
                .into_response(),
        }
    }
    #[cfg(not(feature = "dummy"))]
    {
        let _ = (shop, query);
        (
            StatusCode::NOT_FOUND,
            "the dummy backend is not compiled in",
        )
            .into_response()
    }
}

pub(super) async fn answer(State(shop): State<Arc<Shop>>, Form(answer): Form<Answer>) -> Response {
    #[cfg(feature = "dummy")]
    {
        use polypay_dummy::Outcome;
        let Ok(url) = answer.request.parse::<url::Url>() else {
            return (StatusCode::BAD_REQUEST, "bad request URL").into_response();
        };
        let (page, sim) = match find_page(&shop, &url) {
            Ok(found) => found,
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Html(pages::error_page(
                        "The bank refused this payment request",
                        &e,
                    )),
                )
                    .into_response();
            }
        };
        let outcome = match answer.outcome.as_str() {
            "paid" => Outcome::Paid,
            "denied" => Outcome::Denied,
            "cancelled" => Outcome::Cancelled,
            "waiting" => Outcome::Waiting,
            "accepted" => Outcome::Accepted,
            "error" => Outcome::Error,
            other => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("unknown outcome {other:?}"),
                )
                    .into_response();
            }
        };
        let now = crate::Timestamp::now();
        // Server to server first, as a real bank does; a failed notification does not stop the
        // browser return (the shop can still confirm later).
        if let Some(target) = page.notification_url.clone() {
            let incoming = sim.notification(&page, outcome, now);
            let sent = shop
                .http
                .post(target.as_str())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(incoming.body.clone())
                .send()
                .await;
            if let Err(e) = sent {
                tracing::warn!(
                    "dummy bank: notification to {} failed: {e}",
                    target.host_str().unwrap_or("?")
                );
            }
        }
        Redirect::to(sim.browser_return(&page, outcome, now).as_str()).into_response()
    }
    #[cfg(not(feature = "dummy"))]
    {
        let _ = (shop, answer);
        (
            StatusCode::NOT_FOUND,
            "the dummy backend is not compiled in",
        )
            .into_response()
    }
}
