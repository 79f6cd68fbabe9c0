//! Helpers for shops built with [`axum`](https://docs.rs/axum) (feature `axum`, on by default).
//!
//! - [`IncomingRequest`]: an extractor that turns a bank's return or notification into an
//!   [`Incoming`] — method, raw query string, headers and raw body, untouched, because
//!   signatures are verified over exactly those bytes.
//! - [`Acknowledge`]: what to answer a server-to-server notification, from the response's
//!   [`ReturnContent`] (some banks expect a precise body), or `200 OK` when the backend expects
//!   nothing in particular.
//! - [`ActionResponse`]: sends the payer on, whatever the [`Action`]: a `303` redirect, a form
//!   that submits itself, the backend's HTML, or a page with the payment URI.
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Router, extract::State, routing::post};
//! use polypay::Payment;
//! use polypay::axum::{Acknowledge, IncomingRequest};
//!
//! /// The bank's server-to-server notification.
//! async fn notify(State(payment): State<Arc<Payment>>, IncomingRequest(incoming): IncomingRequest)
//!     -> Result<Acknowledge, (axum::http::StatusCode, String)>
//! {
//!     let response = payment.response(&incoming).await
//!         .map_err(|e| (axum::http::StatusCode::BAD_REQUEST, e.to_string()))?;
//!     if response.is_paid() {
//!         // Mark the order `response.order_id` paid (once: the bank may notify twice).
//!     }
//!     Ok(Acknowledge::from(&response))
//! }
//!
//! # fn app(payment: Payment) -> Router {
//! Router::new().route("/notify", post(notify)).with_state(Arc::new(payment))
//! # }
//! ```
//!
//! The body is read whole, within axum's request body limit (2 MB unless the router sets
//! `DefaultBodyLimit`); a larger body is refused with `413` before any backend sees it.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::{Action, Incoming, PaymentResponse, ReturnContent};

/// Extracts the request as an [`Incoming`]: method, raw query string (without `?`), every
/// header, and the raw body bytes.
///
/// Header values that are not valid UTF-8 (which no bank sends) are kept with replacement
/// characters; the query string and the body are never re-encoded. Must be the last
/// extractor of a handler, since it consumes the body.
#[derive(Debug, Clone)]
pub struct IncomingRequest(pub Incoming);

impl IncomingRequest {
    /// The [`Incoming`] inside.
    pub fn into_inner(self) -> Incoming {
        self.0
    }
}

impl<S: Send + Sync> FromRequest<S> for IncomingRequest {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let method = req.method().as_str().to_owned();
        let query = req.uri().query().unwrap_or_default().to_owned();
        let headers = req
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(IncomingRequest(Incoming::new(
            method,
            query,
            headers,
            body.to_vec(),
        )))
    }
}

/// The answer to a server-to-server notification: the response's [`ReturnContent`] (status,
/// content type and body the bank expects), or `200 OK` with the text `OK` when there is
/// none.
///
/// A status code outside 100–999 (a backend bug) becomes `500`, and a content type that is
/// not a valid header value becomes `text/plain`: the bank then retries, which is harmless.
///
/// ```
/// use axum::response::IntoResponse;
/// use polypay::ReturnContent;
/// use polypay::axum::Acknowledge;
///
/// let reply = Acknowledge(Some(ReturnContent::text("OK"))).into_response();
/// assert_eq!(reply.status(), 200);
/// assert_eq!(reply.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledge(pub Option<ReturnContent>);

impl From<&PaymentResponse> for Acknowledge {
    fn from(response: &PaymentResponse) -> Acknowledge {
        Acknowledge(response.return_content.clone())
    }
}

impl From<ReturnContent> for Acknowledge {
    fn from(content: ReturnContent) -> Acknowledge {
        Acknowledge(Some(content))
    }
}

impl IntoResponse for Acknowledge {
    fn into_response(self) -> Response {
        let Some(content) = self.0 else {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "OK",
            )
                .into_response();
        };
        let status =
            StatusCode::from_u16(content.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let content_type = HeaderValue::from_str(&content.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("text/plain; charset=utf-8"));
        (status, [(header::CONTENT_TYPE, content_type)], content.body).into_response()
    }
}

/// Sends the payer on: `Redirect` as a `303 See Other`, `Form` as a page that submits itself
/// (with a button for browsers without JavaScript), `Html` as a page holding the backend's
/// markup, `Uri` as a page with the payment link (a shop usually shows a QR code too: see the
/// demo shop).
///
/// ```
/// use axum::response::IntoResponse;
/// use polypay::Action;
/// use polypay::axum::ActionResponse;
///
/// let go = ActionResponse(Action::Redirect { url: "https://bank.example/pay".parse().unwrap() });
/// let response = go.into_response();
/// assert_eq!(response.status(), 303);
/// assert_eq!(response.headers()["location"], "https://bank.example/pay");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResponse(pub Action);

impl IntoResponse for ActionResponse {
    fn into_response(self) -> Response {
        match &self.0 {
            Action::Redirect { url } => Redirect::to(url.as_str()).into_response(),
            _ => Html(self.0.to_auto_submit_page()).into_response(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};

    #[tokio::test]
    async fn extracts_everything_raw() {
        let raw = b"a=1&sig=%2B%2F%3D&name=J%C3%A9r%C3%B4me".to_vec();
        let req = Request::builder()
            .method("POST")
            .uri("/notify/cards?x=%41&y")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Signature", "abc")
            .body(Body::from(raw.clone()))
            .unwrap();
        let IncomingRequest(incoming) = IncomingRequest::from_request(req, &()).await.unwrap();
        assert_eq!(incoming.method, "POST");
        assert_eq!(incoming.query, "x=%41&y");
        assert_eq!(incoming.body, raw);
        assert_eq!(incoming.header("x-signature"), Some("abc"));
        assert!(incoming.body_is_form());
        assert_eq!(
            incoming.params().unwrap()[2],
            ("a".to_owned(), "1".to_owned())
        );
    }

    #[tokio::test]
    async fn a_get_return_has_its_query_and_no_body() {
        let req = Request::builder()
            .uri("/return?vads_result=00")
            .body(Body::empty())
            .unwrap();
        let incoming = IncomingRequest::from_request(req, &())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (incoming.method.as_str(), incoming.query.as_str()),
            ("GET", "vads_result=00")
        );
        assert!(incoming.body.is_empty());
    }

    #[tokio::test]
    async fn acknowledgements() {
        let none = Acknowledge(None).into_response();
        assert_eq!(none.status(), 200);
        assert_eq!(&to_bytes(none.into_body(), 100).await.unwrap()[..], b"OK");

        let custom = Acknowledge::from(ReturnContent {
            status: 202,
            content_type: "application/json".into(),
            body: "{\"ok\":true}".into(),
        })
        .into_response();
        assert_eq!(custom.status(), 202);
        assert_eq!(custom.headers()["content-type"], "application/json");

        let broken = Acknowledge::from(ReturnContent {
            status: 42,
            content_type: "text/plain\r\nX-Injected: 1".into(),
            body: String::new(),
        })
        .into_response();
        assert_eq!(broken.status(), 500);
        assert_eq!(
            broken.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        assert!(!broken.headers().contains_key("x-injected"));

        let mut paid = PaymentResponse::verified(crate::PaymentStatus::Paid);
        paid.return_content = Some(ReturnContent::text("[accepted]"));
        let reply = Acknowledge::from(&paid).into_response();
        assert_eq!(
            &to_bytes(reply.into_body(), 100).await.unwrap()[..],
            b"[accepted]"
        );
    }

    #[tokio::test]
    async fn actions() {
        let form = ActionResponse(Action::Form {
            url: "https://bank.example/pay".parse().unwrap(),
            method: crate::FormMethod::Post,
            fields: [("a", "<b>")].into(),
        })
        .into_response();
        assert_eq!(form.status(), 200);
        let page = to_bytes(form.into_body(), 10_000).await.unwrap();
        let page = String::from_utf8_lossy(&page);
        assert!(page.contains("submit()") && page.contains("value=\"&lt;b&gt;\""));
    }
}
