//! The simulated instance's webhooks: registration (`POST`, `GET`, `PATCH`, `DELETE` under
//! `private/webhooks`) with the backend's checks, and delivery.
//!
//! On an event (`order_created`, `pay`, `refund`, `order_settled`) every webhook of the
//! instance registered for it is sent: its templates expanded Mustach-style (`{{name}}` or
//! `{{{name}}}`: a string variable as is, any other JSON value as JSON text, an unknown one as
//! nothing), its header template read as `Name: value` lines, retried twice with a growing
//! pause after a transport failure or a 5xx/429 answer. Deliveries are recorded for tests.

use std::sync::Arc;
use std::time::Duration;

use polypay_core::{HttpExecutor, HttpRequest, Method, Policy, ReqwestExecutor};
use serde_json::{Map, Value, json};

use super::Shared;
use super::model::{SimError, SimResult};

/// Events a webhook may be registered for (`WebhookEventType`).
const EVENTS: [&str; 10] = [
    "order_created",
    "pay",
    "refund",
    "order_settled",
    "category_added",
    "category_updated",
    "category_deleted",
    "inventory_added",
    "inventory_updated",
    "inventory_deleted",
];

/// A registered webhook: the `WebhookAddDetails` without its id.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StoredWebhook {
    pub event_type: String,
    pub url: String,
    pub http_method: String,
    pub header_template: Option<String>,
    pub body_template: Option<String>,
}

/// One delivery attempt sequence, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The webhook.
    pub webhook_id: String,
    /// The event.
    pub event_type: String,
    /// The receiver's last answer (`None`: it could not be reached).
    pub status: Option<u16>,
    /// How many times it was sent.
    pub attempts: u32,
}

fn optional_text(body: &Value, key: &str) -> SimResult<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(SimError::new(
            400,
            26,
            format!("parameter {key} is malformed"),
        )),
    }
}

fn required_text(body: &Value, key: &str) -> SimResult<String> {
    optional_text(body, key)?
        .ok_or_else(|| SimError::new(400, 25, format!("parameter {key} is missing")))
}

/// Reads `WebhookAddDetails` (with `webhook_id`) or `WebhookPatchDetails` (without).
pub(super) fn read_details(body: &Value, with_id: bool) -> SimResult<(String, StoredWebhook)> {
    let id = if with_id {
        let id = required_text(body, "webhook_id")?;
        if !crate::config::valid_order_id(&id) {
            return Err(SimError::new(400, 26, "parameter webhook_id is malformed"));
        }
        id
    } else {
        String::new()
    };
    let event_type = required_text(body, "event_type")?;
    if !EVENTS.contains(&event_type.as_str()) {
        return Err(SimError::new(400, 26, "parameter event_type is malformed"));
    }
    let url = required_text(body, "url")?;
    if !url::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        return Err(SimError::new(400, 26, "parameter url is malformed"));
    }
    let http_method = required_text(body, "http_method")?;
    if Method::parse(&http_method).is_none() {
        return Err(SimError::new(400, 26, "parameter http_method is malformed"));
    }
    Ok((
        id,
        StoredWebhook {
            event_type,
            url,
            http_method,
            header_template: optional_text(body, "header_template")?,
            body_template: optional_text(body, "body_template")?,
        },
    ))
}

/// The details `GET private/webhooks/$ID` answers.
pub(super) fn details(hook: &StoredWebhook) -> Value {
    let mut out = Map::new();
    out.insert("event_type".into(), hook.event_type.clone().into());
    out.insert("url".into(), hook.url.clone().into());
    out.insert("http_method".into(), hook.http_method.clone().into());
    if let Some(h) = &hook.header_template {
        out.insert("header_template".into(), h.clone().into());
    }
    if let Some(b) = &hook.body_template {
        out.insert("body_template".into(), b.clone().into());
    }
    Value::Object(out)
}

/// Expands `{{name}}` / `{{{name}}}` with `vars`.
pub(super) fn expand(template: &str, vars: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let (inner_start, close) = if after.starts_with("{{{") {
            (3, "}}}")
        } else {
            (2, "}}")
        };
        let Some(end) = after[inner_start..].find(close) else {
            out.push_str(after);
            return out;
        };
        let name = after[inner_start..inner_start + end].trim();
        match vars.get(name) {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        rest = &after[inner_start + end + close.len()..];
    }
    out.push_str(rest);
    out
}

/// Sends every webhook of `instance` registered for `event`, in the background.
pub(super) fn fire(sim: &Arc<Shared>, instance: &str, event: &str, vars: Map<String, Value>) {
    let hooks: Vec<(String, StoredWebhook)> = sim
        .world()
        .webhooks
        .iter()
        .filter(|((i, _), h)| i == instance && h.event_type == event)
        .map(|((_, id), h)| (id.clone(), h.clone()))
        .collect();
    for (id, hook) in hooks {
        let world = sim.clone();
        let vars = vars.clone();
        let event = event.to_owned();
        sim.runtime.spawn(async move {
            let (status, attempts) = deliver(&hook, &vars).await;
            world.world().deliveries.push(Delivery {
                webhook_id: id,
                event_type: event,
                status,
                attempts,
            });
        });
    }
}

/// Sends one webhook; the receiver's last status and the number of attempts.
async fn deliver(hook: &StoredWebhook, vars: &Map<String, Value>) -> (Option<u16>, u32) {
    let Ok(url) = url::Url::parse(&hook.url) else {
        return (None, 0);
    };
    let method = Method::parse(&hook.http_method).unwrap_or(Method::Post);
    let mut request = HttpRequest::new(method, url);
    if let Some(template) = &hook.header_template {
        for line in expand(template, vars).lines() {
            if let Some((name, value)) = line.split_once(':') {
                request = request.with_sensitive_header(name.trim(), value.trim());
            }
        }
    }
    if let Some(template) = &hook.body_template {
        request.body = expand(template, vars).into_bytes();
    }
    let policy = Policy::default()
        .allow_http(true)
        .retries(0)
        .timeout(Duration::from_secs(5));
    let executor = ReqwestExecutor::new();
    let mut pause = Duration::from_millis(100);
    let mut last = None;
    for attempt in 1..=3 {
        match executor.execute(request.clone(), &policy).await {
            Ok(r) if r.status < 500 && r.status != 429 => return (Some(r.status), attempt),
            Ok(r) => last = Some(r.status),
            Err(_) => last = None,
        }
        if attempt < 3 {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    (last, 3)
}

/// The variables of an order event: `order_id`, `contract_terms`, and `extra`.
pub(super) fn vars(
    order_id: &str,
    contract: &Map<String, Value>,
    extra: Value,
) -> Map<String, Value> {
    let mut vars = Map::new();
    vars.insert("order_id".into(), order_id.into());
    vars.insert("contract_terms".into(), Value::Object(contract.clone()));
    if let Value::Object(more) = extra {
        vars.extend(more);
    }
    vars
}

/// `{"webhooks": [{webhook_id, event_type}]}` of an instance, by id.
pub(super) fn list(sim: &Shared, instance: &str) -> Value {
    let world = sim.world();
    let mut hooks: Vec<(&String, &StoredWebhook)> = world
        .webhooks
        .iter()
        .filter(|((i, _), _)| i == instance)
        .map(|((_, id), h)| (id, h))
        .collect();
    hooks.sort_by(|a, b| a.0.cmp(b.0));
    let rows: Vec<Value> = hooks
        .iter()
        .map(|(id, h)| json!({ "webhook_id": id, "event_type": h.event_type }))
        .collect();
    json!({ "webhooks": rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mustach_expansion() {
        let vars = vars(
            "O1",
            &json!({"amount": "EUR:1"}).as_object().cloned().unwrap(),
            json!({"refund_amount": "EUR:0.5"}),
        );
        assert_eq!(
            expand(
                r#"{"o":"{{order_id}}","c":{{contract_terms}},"r":"{{{ refund_amount }}}","x":"{{nope}}"}"#,
                &vars
            ),
            r#"{"o":"O1","c":{"amount":"EUR:1"},"r":"EUR:0.5","x":""}"#
        );
        assert_eq!(expand("tail {{order_id", &vars), "tail {{order_id");
        assert_eq!(expand("no vars", &vars), "no vars");
    }

    #[test]
    fn details_are_checked() {
        let good = json!({"webhook_id": "w1", "event_type": "pay",
                          "url": "https://h.example/", "http_method": "POST"});
        let (id, hook) = read_details(&good, true).unwrap();
        assert_eq!((id.as_str(), hook.header_template), ("w1", None));
        for (patch, code) in [
            (json!({"webhook_id": null}), 25),
            (json!({"webhook_id": "a b"}), 26),
            (json!({"event_type": "paid"}), 26),
            (json!({"url": "not a url"}), 26),
            (json!({"http_method": "FETCH"}), 26),
            (json!({"body_template": 5}), 26),
        ] {
            let body = polypay_core::testkit::patched(&good, &patch);
            assert_eq!(read_details(&body, true).unwrap_err().code, code, "{body}");
        }
    }
}
