//! GNU Taler's own operations, beyond the [`Backend`](polypay_core::Backend) trait: forgetting
//! contract fields, the instance's webhooks, and order listings.
//!
//! Each is sans-IO like the trait's operations (the same `/config` check and login token come
//! first): run it with the executor, policy and retries of a [`Payment`](polypay_core::Payment)
//! through [`Payment::run_steps`](polypay_core::Payment::run_steps), keeping an `Arc<Taler>`
//! next to the payment:
//!
//! ```no_run
//! # async fn demo(config: polypay_taler::TalerConfig) -> polypay_core::Result<()> {
//! use std::sync::Arc;
//! use polypay_core::Payment;
//! use polypay_taler::{OrderFilter, Taler};
//! let taler = Arc::new(Taler::new(config)?);
//! let payment = Payment::new(taler.clone());
//! let unpaid = payment
//!     .run_steps("list orders", |cx| taler.orders(&OrderFilter::new().paid(false), cx))
//!     .await?;
//! payment
//!     .run_steps("forget", |cx| taler.forget("order-42", &["$.extra.email"], cx))
//!     .await?;
//! # let _ = unpaid; Ok(()) }
//! ```

use polypay_core::{Context, Error, Result, Secret, Step};
use url::Url;

use crate::ops::{forget, orders, webhooks};
use crate::webhook::polypay_body_template;
use crate::{OrderFilter, OrderSummary, Taler, Webhook, WebhookEvent, WebhookSummary, flow};

impl Taler {
    /// Erases contract fields of an order that it marked forgettable: `PATCH
    /// private/orders/$ID/forget` (see the paths' syntax there: `$.extra.email`,
    /// `$.products[*].description`, ...).
    pub fn forget(&self, order_id: &str, fields: &[&str], cx: Context<'_>) -> Result<Step<()>> {
        flow::step(self, cx, &forget::ForgetOp::new(order_id, fields))
    }

    /// Registers a webhook: `POST private/webhooks`.
    pub fn add_webhook(&self, webhook: &Webhook, cx: Context<'_>) -> Result<Step<()>> {
        flow::step(self, cx, &webhooks::AddWebhookOp::new(webhook))
    }

    /// The instance's webhooks: `GET private/webhooks`.
    pub fn webhooks(&self, cx: Context<'_>) -> Result<Step<Vec<WebhookSummary>>> {
        flow::step(self, cx, &webhooks::ListWebhooksOp)
    }

    /// One webhook's details: `GET private/webhooks/$ID`.
    pub fn webhook(&self, webhook_id: &str, cx: Context<'_>) -> Result<Step<Webhook>> {
        flow::step(self, cx, &webhooks::GetWebhookOp::new(webhook_id))
    }

    /// Deletes a webhook: `DELETE private/webhooks/$ID`.
    pub fn delete_webhook(&self, webhook_id: &str, cx: Context<'_>) -> Result<Step<()>> {
        flow::step(self, cx, &webhooks::DeleteWebhookOp::new(webhook_id))
    }

    /// The instance's orders: `GET private/orders` with `filter`.
    pub fn orders(&self, filter: &OrderFilter, cx: Context<'_>) -> Result<Step<Vec<OrderSummary>>> {
        flow::step(self, cx, &orders::ListOrdersOp::new(filter))
    }

    /// The webhook polypay's `response` expects for `event` (`pay`, `refund`, ...), sent to
    /// `url` (the integrator's handler, which passes what it receives to `response`): a `POST`
    /// whose header template carries the configured `webhook_secret` in the configured
    /// `webhook_header`, and whose body is `{"event_type": "...", "order_id": "..."}`.
    /// Register it with [`Taler::add_webhook`]; it fails when no `webhook_secret` is
    /// configured (a webhook anybody could forge would be useless as a hint).
    ///
    /// ```
    /// # fn demo(taler: &polypay_taler::Taler) -> polypay_core::Result<()> {
    /// use polypay_taler::WebhookEvent;
    /// let hook = taler.polypay_webhook("shop-pay", WebhookEvent::Pay,
    ///     "https://shop.example/taler/notify".parse().unwrap())?;
    /// assert_eq!(hook.http_method, "POST");
    /// # Ok(()) }
    /// ```
    pub fn polypay_webhook(
        &self,
        webhook_id: &str,
        event: WebhookEvent,
        url: Url,
    ) -> Result<Webhook> {
        let secret = self.settings.webhook_secret.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "configure `webhook_secret` before registering polypay's webhook: the backend \
                 does not sign webhooks, the secret is what tells them from forgeries",
            )
        })?;
        // The secret goes into a header line: it must not be able to end it.
        if !secret.expose().bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(Error::invalid_input(
                "`webhook_secret` must be printable ASCII without spaces to travel in a header",
            ));
        }
        let headers = Secret::new(format!(
            "Content-Type: application/json\n{}: {}",
            self.settings.webhook_header,
            secret.expose()
        ));
        let body = polypay_body_template(&event);
        let webhook = Webhook::new(webhook_id, event, url)
            .with_header_template(headers)
            .with_body_template(body);
        webhook.check()?;
        Ok(webhook)
    }
}
