//! `GET private/orders`: the instance's orders with the backend's filters.
//!
//! `paid`, `refunded`, `wired` ∈ `yes | no | all`; `limit` (`delta` before v12, still
//! accepted) — how many and which way: positive, the oldest rows strictly after `offset`
//! (`start`) created strictly after `date_s`; negative, the newest rows strictly before them,
//! newest first; default -20 — ; `session_id`, `fulfillment_url`, `summary_filter` (v23+,
//! case-insensitive substring; ignored by older versions, as a backend ignores parameters it
//! does not know); `timeout_ms`: when nothing matches, wait up to that long for a matching
//! order.

use std::time::Duration;

use axum::http::Uri;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::Shared;
use super::model::{Order, SimError, SimResult, show};

/// The parsed query.
struct Query {
    paid: Option<bool>,
    refunded: Option<bool>,
    wired: Option<bool>,
    limit: i64,
    offset: Option<u64>,
    date: Option<i64>,
    session_id: Option<String>,
    fulfillment_url: Option<String>,
    summary: Option<String>,
    timeout: Duration,
}

fn param(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn malformed(name: &str) -> SimError {
    SimError::new(400, 26, format!("parameter {name} is malformed"))
}

fn yes_no_all(uri: &Uri, name: &str) -> SimResult<Option<bool>> {
    match param(uri, name).as_deref() {
        None | Some("all") => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(_) => Err(malformed(name)),
    }
}

fn number<T: std::str::FromStr>(uri: &Uri, names: &[&str]) -> SimResult<Option<T>> {
    for name in names {
        if let Some(text) = param(uri, name) {
            return text.parse().map(Some).map_err(|_| malformed(name));
        }
    }
    Ok(None)
}

fn parse(uri: &Uri, version: u32) -> SimResult<Query> {
    // `limit` and `offset` arrived in v12; older backends only know `delta` and `start`.
    let (limit_names, offset_names): (&[&str], &[&str]) = if version >= 12 {
        (&["limit", "delta"], &["offset", "start"])
    } else {
        (&["delta"], &["start"])
    };
    let limit = number::<i64>(uri, limit_names)?.unwrap_or(-20);
    if limit == 0 {
        return Err(malformed(limit_names[0]));
    }
    Ok(Query {
        paid: yes_no_all(uri, "paid")?,
        refunded: yes_no_all(uri, "refunded")?,
        wired: yes_no_all(uri, "wired")?,
        limit,
        offset: number(uri, offset_names)?,
        date: number(uri, &["date_s"])?,
        session_id: param(uri, "session_id"),
        fulfillment_url: param(uri, "fulfillment_url"),
        summary: if version >= 23 {
            param(uri, "summary_filter").map(|s| s.to_lowercase())
        } else {
            None
        },
        timeout: Duration::from_millis(number(uri, &["timeout_ms"])?.unwrap_or(0)),
    })
}

fn matches(q: &Query, o: &Order) -> bool {
    let flag = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
    let ascending = q.limit > 0;
    let row_ok = match q.offset {
        None => true,
        Some(start) if ascending => o.row_id > start,
        Some(start) => o.row_id < start,
    };
    let date_ok = match q.date {
        None => true,
        Some(d) if ascending => o.created > d,
        Some(d) => o.created < d,
    };
    let session_ok = q
        .session_id
        .as_deref()
        .is_none_or(|s| o.session_id.as_deref() == Some(s) || o.paid_session.as_deref() == Some(s));
    let fulfillment_ok = q
        .fulfillment_url
        .as_deref()
        .is_none_or(|u| o.contract.get("fulfillment_url").and_then(Value::as_str) == Some(u));
    let summary_ok = q.summary.as_deref().is_none_or(|s| {
        o.contract
            .get("summary")
            .and_then(Value::as_str)
            .is_some_and(|summary| summary.to_lowercase().contains(s))
    });
    flag(q.paid, o.paid)
        && flag(q.refunded, !o.refund_total.is_zero())
        && flag(q.wired, o.wired)
        && row_ok
        && date_ok
        && session_ok
        && fulfillment_ok
        && summary_ok
}

fn rows(sim: &Shared, instance: &str, q: &Query) -> Vec<Value> {
    let now = sim.now();
    let world = sim.world();
    let mut found: Vec<&Order> = world
        .orders
        .iter()
        .filter(|((i, _), o)| i == instance && matches(q, o))
        .map(|(_, o)| o)
        .collect();
    found.sort_by_key(|o| o.row_id);
    if q.limit < 0 {
        found.reverse();
    }
    found
        .into_iter()
        .take(usize::try_from(q.limit.unsigned_abs()).unwrap_or(usize::MAX))
        .map(|o| {
            let refundable = o.paid
                && !o.wired
                && o.refund_deadline > o.created
                && now <= o.refund_deadline
                && o.refund_total.value() < o.amount.value();
            json!({ "order_id": o.id, "row_id": o.row_id, "timestamp": { "t_s": o.created },
                    "amount": show(&o.amount), "summary": o.contract.get("summary"),
                    "refundable": refundable, "paid": o.paid })
        })
        .collect()
}

/// The answer to `GET private/orders?...`, after waiting for a match when asked to.
pub(super) async fn list(sim: &Shared, instance: &str, uri: &Uri) -> SimResult<Value> {
    let version = sim.version_current();
    let q = parse(uri, version)?;
    let deadline = Instant::now() + q.timeout;
    loop {
        let mut changes = sim.world().orders_changed.subscribe();
        let found = rows(sim, instance, &q);
        if !found.is_empty() || Instant::now() >= deadline {
            return Ok(json!({ "orders": found }));
        }
        let _ = tokio::time::timeout_at(deadline, changes.changed()).await;
    }
}
