//! The simulator's HTTP side: header checks, OAuth, the endpoints and their errors.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::deliver;
use super::model::{Order, SimError, SimResult, cents};
use super::{Shared, SimCallback};

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

fn reply(status: u16, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn fail(e: SimError, request_id: &str) -> Response {
    let mut body = json!({ "error_code": e.code, "message": e.message, "request_id": request_id });
    if !e.debug.is_null() {
        body["debug_info"] = e.debug;
    }
    reply(e.status, &body)
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `X-Api-Version: v1` and an `Accept` that allows JSON.
fn check_headers(headers: &HeaderMap) -> SimResult<()> {
    if header_text(headers, "x-api-version") != Some("v1") {
        return Err(SimError::invalid(
            "X-Api-Version",
            "the X-Api-Version header must be v1",
        ));
    }
    if let Some(accept) = header_text(headers, "accept")
        && !accept.contains("application/json")
        && !accept.contains("*/*")
    {
        return Err(SimError::new(
            406,
            "3013",
            "the Accept header must allow application/json",
        ));
    }
    Ok(())
}

fn check_content_type(headers: &HeaderMap, wanted: &str) -> SimResult<()> {
    match header_text(headers, "content-type") {
        Some(ct) if ct.starts_with(wanted) => Ok(()),
        _ => Err(SimError::new(
            415,
            "3012",
            format!("the Content-Type header must be {wanted}"),
        )),
    }
}

/// `Authorization: Bearer <token>` of a live token.
fn authorize(sim: &Shared, headers: &HeaderMap) -> SimResult<()> {
    let token = header_text(headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| SimError::new(401, "3007", "a Bearer Authorization header is required"))?;
    let now = sim.now();
    match sim.world().tokens.get(token) {
        None => Err(SimError::new(401, "1007", "invalid access token")),
        Some(expiry) if now >= *expiry => {
            Err(SimError::new(401, "1004", "the access token has expired"))
        }
        Some(_) => Ok(()),
    }
}

async fn dispatch(
    State(sim): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let request_id = format!("req-{}", sim.next());
    let scripted = sim.world().recorder.record(method.as_str(), &path);
    if let Some(s) = scripted {
        let mut response = Response::new(Body::from(s.body));
        *response.status_mut() = StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    }
    sim.tick();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match route(&sim, &method, &segments, &uri, &headers, &body).await {
        Ok(response) => response,
        Err(e) => fail(e, &request_id),
    }
}

fn not_allowed() -> SimError {
    SimError::new(405, "3003", "method not allowed")
}

async fn route(
    sim: &Arc<Shared>,
    method: &Method,
    segments: &[&str],
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> SimResult<Response> {
    if let ["pay", uuid] = segments {
        // The payment page a browser is sent to (no API headers).
        let mut page = Response::new(Body::from(format!(
            "<!doctype html><title>Pay</title><p>Payment order {uuid}</p>"
        )));
        page.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return Ok(page);
    }
    check_headers(headers)?;
    if segments == ["token"] {
        return if *method == Method::POST {
            login(sim, headers, body)
        } else {
            Err(not_allowed())
        };
    }
    let ["payment-order", rest @ ..] = segments else {
        return Err(SimError::new(404, "3001", "no such endpoint"));
    };
    authorize(sim, headers)?;
    let test = |sim: &Shared| {
        if sim.live {
            Err(SimError::new(
                403,
                "1012",
                "test endpoints are sandbox-only",
            ))
        } else {
            Ok(())
        }
    };
    match (method.clone(), rest) {
        (Method::GET, []) => list(sim, uri),
        (Method::POST, []) => {
            check_content_type(headers, "application/json")?;
            create(sim, body)
        }
        (_, []) => Err(not_allowed()),
        (Method::GET, [uuid]) => with_order(sim, uuid, |o, now| Ok(o.view(now))).map(ok),
        (Method::DELETE, [uuid]) => cancel(sim, uuid).await,
        (_, [_]) => Err(not_allowed()),
        (Method::GET, [uuid, "callbacks"]) => with_order(sim, uuid, |o, _| {
            let list: Vec<Value> = o.callbacks.iter().map(|n| json!({ "name": n })).collect();
            Ok(json!({ "callbacks": list }))
        })
        .map(ok),
        (Method::PATCH, [uuid, "test"] | [uuid, "test", ""]) => {
            test(sim)?;
            check_content_type(headers, "application/json")?;
            let request: Value = serde_json::from_slice(body)
                .map_err(|_| SimError::invalid("body", "the body is not JSON"))?;
            let event = request["callback"]
                .as_str()
                .ok_or_else(|| SimError::invalid("callback", "callback is required"))?
                .to_owned();
            let txid = sim.hex(64);
            let sent = with_callback(sim, uuid, move |o, now| {
                o.apply(&event, txid, now)?;
                Ok(Some(event))
            })?;
            send(sim, sent).await;
            Ok(empty(204))
        }
        (Method::PATCH, [uuid, "test", "reset"]) => {
            test(sim)?;
            let lifetime = sim.order_lifetime;
            with_order(sim, uuid, |o, now| {
                o.reset(now, lifetime);
                Ok(o.view(now))
            })
            .map(ok)
        }
        (_, [_, "callbacks"] | [_, "test", ..]) => Err(not_allowed()),
        _ => Err(SimError::new(404, "3001", "no such endpoint")),
    }
}

fn ok(body: Value) -> Response {
    reply(200, &body)
}

fn empty(status: u16) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    response
}

/// Runs `f` on an order (brought up to date by the request's `tick`).
fn with_order<T>(
    sim: &Shared,
    uuid: &str,
    f: impl FnOnce(&mut Order, i64) -> SimResult<T>,
) -> SimResult<T> {
    let now = sim.now();
    f(sim.world().order_mut(uuid)?, now)
}

/// A callback to deliver: the callback and its target.
type Pending = Option<(SimCallback, url::Url)>;

/// Runs `f` on an order; the callback of the event it returns is recorded and returned for
/// delivery (once the world is unlocked).
fn with_callback(
    sim: &Shared,
    uuid: &str,
    f: impl FnOnce(&mut Order, i64) -> SimResult<Option<String>>,
) -> SimResult<Pending> {
    Ok(sim
        .change_order(uuid, f)?
        .and_then(|(cb, target)| Some((cb, target?))))
}

/// Delivers a callback before the API answers (so a test sees it at once).
async fn send(sim: &Shared, pending: Pending) {
    if let Some((cb, url)) = pending {
        deliver::send(sim, url, cb).await;
    }
}

fn login(sim: &Shared, headers: &HeaderMap, body: &Bytes) -> SimResult<Response> {
    check_content_type(headers, "application/x-www-form-urlencoded")?;
    let basic = header_text(headers, "authorization")
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| SimError::new(401, "3007", "a Basic Authorization header is required"))?;
    let (id, secret) = basic
        .split_once(':')
        .ok_or_else(|| SimError::new(401, "3007", "malformed Basic credentials"))?;
    if id != sim.client_id || secret != sim.secret {
        return Err(SimError::new(401, "1001", "unauthorized client"));
    }
    let form: Map<String, Value> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    if form.get("grant_type").and_then(Value::as_str) != Some("client_credentials") {
        return Err(SimError::new(400, "1002", "invalid grant type"));
    }
    if form.get("scope").and_then(Value::as_str) != Some("*") {
        return Err(SimError::new(400, "1013", "invalid scope"));
    }
    let token = format!("sim-at-{}", sim.hex(32));
    let expiry = sim.now() + sim.token_lifetime;
    sim.world().tokens.insert(token.clone(), expiry);
    Ok(ok(json!({
        "access_token": token,
        "id_token": format!("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ7fSJ9.{}", sim.hex(16)),
        "expires_in": sim.token_lifetime,
        "token_type": "Bearer",
        "scope": "*",
    })))
}

/// A URL field: at most 300 characters, http(s); a callback URL must be `https://` (or an
/// `http://` loopback URL when the simulator allows it).
fn url_field(sim: &Shared, body: &Value, name: &str) -> SimResult<Option<String>> {
    let Some(v) = body.get(name).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let text = v
        .as_str()
        .ok_or_else(|| SimError::invalid(name, format!("{name} must be a string")))?;
    if text.chars().count() > 300 {
        return Err(SimError::invalid(
            name,
            format!("{name} is longer than 300"),
        ));
    }
    let url = url::Url::parse(text)
        .map_err(|_| SimError::invalid(name, format!("{name} is not a URL")))?;
    let https = url.scheme() == "https";
    let http_ok = sim.allow_http_callbacks && url.scheme() == "http";
    if name == "callback_url" && !https && !http_ok {
        return Err(SimError::invalid(
            name,
            "callback_url must start with https://",
        ));
    }
    if !https && url.scheme() != "http" {
        return Err(SimError::invalid(name, format!("{name} must be a web URL")));
    }
    Ok(Some(text.to_owned()))
}

fn text_field(body: &Value, name: &str) -> SimResult<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 300 => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(SimError::invalid(
            name,
            format!("{name} is longer than 300"),
        )),
        Some(_) => Err(SimError::invalid(name, format!("{name} must be a string"))),
    }
}

fn create(sim: &Shared, raw: &Bytes) -> SimResult<Response> {
    let body: Value = serde_json::from_slice(raw)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| SimError::invalid("body", "the body must be a JSON object"))?;
    let amount = body["amount"]
        .as_str()
        .ok_or_else(|| SimError::invalid("amount", "amount is required, as a decimal string"))?;
    let cents = cents(amount)
        .filter(|c| *c > 0)
        .ok_or_else(|| SimError::invalid("amount", "amount must be a positive decimal"))?;
    let sat = u128::from(cents) * 100_000_000 / u128::from(sim.rate_cents);
    let btc_amount = u64::try_from(sat)
        .ok()
        .filter(|s| *s > 0)
        .ok_or_else(|| SimError::invalid("amount", "amount is out of range"))?;
    let required_confirmations = match body.get("required_confirmations") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                SimError::invalid("required_confirmations", "must be an integer from 0")
            })?,
    };
    let callback_url = url_field(sim, &body, "callback_url")?;
    let continue_url = url_field(sim, &body, "continue_url")?;
    let cancel_url = url_field(sim, &body, "cancel_url")?;
    let details = text_field(&body, "details")?;
    let reference = text_field(&body, "reference")?;
    let now = sim.now();
    let mut world = sim.world();
    if reference.is_some()
        && let Some(same) = world
            .orders
            .iter()
            .find(|o| o.reference == reference && o.creation == body && o.status == "pending")
    {
        return Ok(ok(same.created_view(now)));
    }
    let uuid = sim.uuid();
    let order = Order {
        address: format!("tb1q{}", sim.hex(38)),
        redirect_url: format!("{}pay/{uuid}", sim.root),
        amount: amount.to_owned(),
        btc_amount,
        currency: sim.currency.clone(),
        rate: format!("{}.{:02}", sim.rate_cents / 100, sim.rate_cents % 100),
        required_confirmations,
        created_at: now,
        expiration: now + sim.order_lifetime,
        resolved_at: None,
        chargeback_date: None,
        dispute_start_date: None,
        details,
        reference,
        callback_url,
        continue_url,
        cancel_url,
        status: "pending",
        blockchain_status: "pending",
        transactions: Vec::new(),
        callbacks: Vec::new(),
        creation: body,
        uuid,
    };
    let view = order.created_view(now);
    world.orders.push(order);
    Ok(reply(201, &view))
}

async fn cancel(sim: &Shared, uuid: &str) -> SimResult<Response> {
    let mut cancel_url = None;
    let pending = with_callback(sim, uuid, |o, now| {
        if o.status != "pending" {
            return Err(SimError::invalid(
                "state",
                format!("a {} payment order cannot be cancelled", o.status),
            ));
        }
        o.status = "cancelled";
        o.blockchain_status = "cancelled";
        o.resolved_at = Some(now);
        cancel_url = o.cancel_url.clone();
        Ok(Some("payment.cancelled".to_owned()))
    })?;
    send(sim, pending).await;
    Ok(ok(json!({ "cancel_url": cancel_url })))
}

fn list(sim: &Shared, uri: &Uri) -> SimResult<Response> {
    let mut status = None;
    let mut page = 0u64;
    let mut page_size = 20u64;
    let mut sort_by = "created_at".to_owned();
    let mut desc = true;
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        let number = |max: u64| v.parse::<u64>().ok().filter(|n| *n <= max);
        match k.as_ref() {
            "status" => {
                const ALL: [&str; 6] = [
                    "pending",
                    "paid",
                    "cancelled",
                    "expired",
                    "network_dispute",
                    "chargeback",
                ];
                if !ALL.contains(&v.as_ref()) {
                    return Err(SimError::invalid("status", "unknown status"));
                }
                status = Some(v.into_owned());
            }
            "page" => {
                page = number(u64::from(u32::MAX))
                    .ok_or_else(|| SimError::invalid("page", "page must be an integer from 0"))?;
            }
            "page_size" => {
                page_size = number(40)
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| SimError::invalid("page_size", "page_size must be 1 to 40"))?;
            }
            "sort_by" => match v.as_ref() {
                "amount" | "created_at" => sort_by = v.into_owned(),
                _ => {
                    return Err(SimError::invalid(
                        "sort_by",
                        "sort_by: amount or created_at",
                    ));
                }
            },
            "sort_order" => match v.as_ref() {
                "asc" => desc = false,
                "desc" => desc = true,
                _ => return Err(SimError::invalid("sort_order", "sort_order: asc or desc")),
            },
            _ => {}
        }
    }
    let now = sim.now();
    let world = sim.world();
    let mut matching: Vec<(usize, &Order)> = world
        .orders
        .iter()
        .enumerate()
        .filter(|(_, o)| status.as_deref().is_none_or(|s| o.status == s))
        .collect();
    matching.sort_by_key(|(i, o)| {
        let key = if sort_by == "amount" {
            cents(&o.amount).unwrap_or(0)
        } else {
            u64::try_from(o.created_at).unwrap_or(0)
        };
        (key, *i)
    });
    if desc {
        matching.reverse();
    }
    let total = matching.len() as u64;
    let skip = usize::try_from(page.saturating_mul(page_size)).unwrap_or(usize::MAX);
    let items: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(usize::try_from(page_size).unwrap_or(40))
        .map(|(_, o)| o.view(now))
        .collect();
    Ok(ok(json!({
        "paymentorders": items,
        "total_items": total,
        "total_pages": total.div_ceil(page_size),
    })))
}
