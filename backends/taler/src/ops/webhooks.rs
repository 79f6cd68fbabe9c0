//! The instance's webhooks: `POST private/webhooks` (add), `GET private/webhooks` (list),
//! `GET private/webhooks/$ID` (read) and `DELETE private/webhooks/$ID`.
//!
//! Errors: `409` with code 2900 (a webhook with this id exists with other details) is a
//! `Conflict`; `404` with code 2019 (unknown webhook) or 2000 (unknown instance) is
//! `NotFound`.

use polypay_core::{Context, Error, HttpRequest, HttpResponse, Method, Result};
use serde_json::Value;

use crate::errors::{code, conflict_explained, from_response, list_entries};
use crate::flow::{Next, Op};
use crate::webhook::check_webhook_id;
use crate::{Taler, Webhook, WebhookEvent, WebhookSummary};

/// `POST private/webhooks`.
pub(crate) struct AddWebhookOp<'a> {
    webhook: &'a Webhook,
}

impl<'a> AddWebhookOp<'a> {
    pub(crate) fn new(webhook: &'a Webhook) -> Self {
        AddWebhookOp { webhook }
    }
}

impl Op<()> for AddWebhookOp<'_> {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<()>> {
        self.webhook.check()?;
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        // The body may carry the webhook's shared secret (in its header template); request
        // bodies are never printed in traces.
        Ok(
            HttpRequest::new(Method::Post, taler.url("private/webhooks")?)
                .with_json(&self.webhook.to_json()),
        )
    }

    fn finish(
        &self,
        _taler: &Taler,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<()>> {
        let id = &self.webhook.webhook_id;
        if response.is_success() {
            return Ok(Next::Done(()));
        }
        let what = format!("adding webhook {id}");
        Err(conflict_explained(response, &what, |c| {
            (c == code::WEBHOOK_EXISTS).then(|| {
                format!(
                    "{what}: a webhook with this id exists with other details (delete it first)"
                )
            })
        }))
    }
}

/// `GET private/webhooks`.
pub(crate) struct ListWebhooksOp;

impl Op<Vec<WebhookSummary>> for ListWebhooksOp {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<Vec<WebhookSummary>>> {
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        Ok(HttpRequest::new(
            Method::Get,
            taler.url("private/webhooks")?,
        ))
    }

    fn finish(
        &self,
        _taler: &Taler,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<Vec<WebhookSummary>>> {
        list_entries(response, "webhooks", "webhook")?
            .iter()
            .map(|e| {
                let text = |k: &str| {
                    e.get(k).and_then(Value::as_str).ok_or_else(|| {
                        Error::malformed(format!("a webhook of the list has no {k}"))
                    })
                };
                Ok(WebhookSummary {
                    webhook_id: text("webhook_id")?.to_owned(),
                    event_type: WebhookEvent::parse(text("event_type")?),
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Next::Done)
    }
}

/// `GET private/webhooks/$ID`.
pub(crate) struct GetWebhookOp<'a> {
    id: &'a str,
}

impl<'a> GetWebhookOp<'a> {
    pub(crate) fn new(id: &'a str) -> Self {
        GetWebhookOp { id }
    }
}

impl Op<Webhook> for GetWebhookOp<'_> {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<Webhook>> {
        check_webhook_id(self.id)?;
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        Ok(HttpRequest::new(
            Method::Get,
            taler.url(&format!("private/webhooks/{}", self.id))?,
        ))
    }

    fn finish(
        &self,
        _taler: &Taler,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<Webhook>> {
        if response.status != 200 {
            return Err(from_response(
                response,
                &format!("reading webhook {}", self.id),
            ));
        }
        let body: Value = response.json()?;
        Webhook::from_json(self.id, &body).map(Next::Done)
    }
}

/// `DELETE private/webhooks/$ID`.
pub(crate) struct DeleteWebhookOp<'a> {
    id: &'a str,
}

impl<'a> DeleteWebhookOp<'a> {
    pub(crate) fn new(id: &'a str) -> Self {
        DeleteWebhookOp { id }
    }
}

impl Op<()> for DeleteWebhookOp<'_> {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<()>> {
        check_webhook_id(self.id)?;
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        Ok(HttpRequest::new(
            Method::Delete,
            taler.url(&format!("private/webhooks/{}", self.id))?,
        ))
    }

    fn finish(
        &self,
        _taler: &Taler,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<()>> {
        if response.is_success() {
            Ok(Next::Done(()))
        } else {
            Err(from_response(
                response,
                &format!("deleting webhook {}", self.id),
            ))
        }
    }
}
