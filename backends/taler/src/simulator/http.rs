//! The simulator's HTTP side: routing (root and `/instances/$ID/`), authentication, the
//! endpoints, and long polling.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, Version, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::model::{Instance, Order, SimError, SimResult, show};
use super::{Issued, Shared, forget, listing, webhooks};

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

fn empty(status: u16) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    response
}

fn fail(e: SimError) -> Response {
    reply(e.status, &e.body())
}

fn json_body(body: &Bytes) -> SimResult<Value> {
    serde_json::from_slice(body).map_err(|_| SimError::new(400, 22, "the body is not valid JSON"))
}

fn query_param(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// What a request may do.
#[derive(Clone, Copy, PartialEq)]
enum Need {
    Read,
    Write,
}

/// Checks `Authorization: Bearer ...` for a private endpoint of `instance`.
fn authorize(sim: &Shared, instance: &str, headers: &HeaderMap, need: Need) -> SimResult<()> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| SimError::new(401, 40, "authorization required"))?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or_else(|| SimError::new(401, 43, "malformed authorization header"))?;
    if token == format!("secret-token:{}", sim.password) {
        return Ok(());
    }
    let now = sim.now();
    let world = sim.world();
    let issued = world
        .tokens
        .get(token)
        .filter(|t| t.instance == instance)
        .ok_or_else(|| SimError::new(401, 41, "unknown token"))?;
    if now >= issued.expires {
        return Err(SimError::new(401, 42, "the token has expired"));
    }
    if need == Need::Write && issued.scope.starts_with("readonly") {
        return Err(SimError::new(
            403,
            16,
            "the token's scope does not allow this",
        ));
    }
    Ok(())
}

async fn dispatch(
    State(sim): State<Arc<Shared>>,
    method: Method,
    version: Version,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let scripted = {
        let mut world = sim.world();
        if version == Version::HTTP_2 {
            world.http2_requests += 1;
        }
        world.recorder.record(method.as_str(), &path)
    };
    if let Some(s) = scripted {
        let mut response = Response::new(Body::from(s.body));
        *response.status_mut() = StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (instance, rest) = match segments.as_slice() {
        ["instances", "default", rest @ ..] => {
            // Deprecated name of the root instance: permanent redirect.
            let mut response = empty(308);
            if let Ok(v) = HeaderValue::from_str(&format!("/{}", rest.join("/"))) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            return response;
        }
        ["instances", id, rest @ ..] => {
            if !sim.instances.iter().any(|i| i == id) || *id == "admin" {
                return fail(SimError::new(404, 2000, format!("unknown instance {id}")));
            }
            ((*id).to_owned(), rest.to_vec())
        }
        all => ("admin".to_owned(), all.to_vec()),
    };
    match route(&sim, &instance, &method, &rest, &uri, &headers, &body).await {
        Ok(response) => response,
        Err(e) => fail(e),
    }
}

async fn route(
    sim: &Arc<Shared>,
    instance: &str,
    method: &Method,
    rest: &[&str],
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> SimResult<Response> {
    let private = rest.first() == Some(&"private");
    let need = if *method == Method::GET {
        Need::Read
    } else {
        Need::Write
    };
    if private && rest.get(1) != Some(&"token") {
        authorize(sim, instance, headers, need)?;
    }
    match (method.clone(), rest) {
        (Method::GET, ["config"]) => Ok(config(sim)),
        (Method::POST, ["private", "token"]) => token(sim, instance, headers, body),
        (Method::POST, ["private", "orders"]) => create(sim, instance, body),
        (Method::GET, ["private", "orders"]) => {
            Ok(reply(200, &listing::list(sim, instance, uri).await?))
        }
        (Method::GET, ["private", "orders", id]) => {
            Ok(get_order(sim, instance, id, uri, headers).await)
        }
        (Method::DELETE, ["private", "orders", id]) => {
            let force = query_param(uri, "force").as_deref() == Some("YES");
            let mut world = sim.world();
            let key = (instance.to_owned(), (*id).to_owned());
            let order = world
                .orders
                .get(&key)
                .ok_or_else(|| SimError::new(404, 2005, "unknown order"))?;
            order.check_delete(force)?;
            world.orders.remove(&key);
            Ok(empty(204))
        }
        (Method::POST, ["private", "orders", id, "refund"]) => {
            let request = json_body(body)?;
            let now = sim.now();
            let base = sim.instance_base(instance);
            let (granted, contract) = {
                let mut world = sim.world();
                let order = world
                    .orders
                    .get_mut(&(instance.to_owned(), (*id).to_owned()))
                    .ok_or_else(|| SimError::new(404, 2005, "unknown order"))?;
                let before = order.refund_total;
                order.refund(&request, now)?;
                (order.refund_total != before, order.contract.clone())
            };
            if granted {
                sim.orders_changed();
                let extra = json!({
                    "refund_amount": request.get("refund"),
                    "reason": request.get("reason"),
                    // Nanoseconds since the epoch, as the manual says of this variable.
                    "timestamp": (i128::from(now) * 1_000_000_000).to_string(),
                });
                webhooks::fire(
                    sim,
                    instance,
                    "refund",
                    webhooks::vars(id, &contract, extra),
                );
            }
            let refund_uri = crate::TalerUri::Refund {
                merchant_base_url: base,
                order_id: (*id).to_owned(),
            };
            Ok(reply(
                200,
                &json!({ "taler_refund_uri": refund_uri.to_string(),
                         "h_contract": format!("SIMULATED-H-CONTRACT-{id}") }),
            ))
        }
        (Method::PATCH, ["private", "orders", id, "forget"]) => {
            let request = json_body(body)?;
            let mut world = sim.world();
            let order = world
                .orders
                .get_mut(&(instance.to_owned(), (*id).to_owned()))
                .ok_or_else(|| SimError::new(404, 2005, "unknown order"))?;
            forget::forget(&mut order.contract, &request)?;
            order.touch();
            Ok(empty(204))
        }
        (Method::POST, ["private", "webhooks"]) => {
            let (id, hook) = webhooks::read_details(&json_body(body)?, true)?;
            let mut world = sim.world();
            let key = (instance.to_owned(), id);
            match world.webhooks.get(&key) {
                // The same webhook again (a retry) is accepted; other details conflict.
                Some(existing) if *existing == hook => {}
                Some(_) => {
                    return Err(SimError::new(
                        409,
                        2900,
                        "a webhook with this id exists with other details",
                    ));
                }
                None => {
                    world.webhooks.insert(key, hook);
                }
            }
            Ok(empty(204))
        }
        (Method::GET, ["private", "webhooks"]) => Ok(reply(200, &webhooks::list(sim, instance))),
        (Method::GET | Method::PATCH | Method::DELETE, ["private", "webhooks", id]) => {
            let key = (instance.to_owned(), (*id).to_owned());
            let unknown = || SimError::new(404, 2019, format!("unknown webhook {id}"));
            if *method == Method::PATCH {
                let (_, hook) = webhooks::read_details(&json_body(body)?, false)?;
                let mut world = sim.world();
                let stored = world.webhooks.get_mut(&key).ok_or_else(unknown)?;
                *stored = hook;
                return Ok(empty(204));
            }
            let mut world = sim.world();
            if *method == Method::DELETE {
                world.webhooks.remove(&key).ok_or_else(unknown)?;
                return Ok(empty(204));
            }
            let hook = world.webhooks.get(&key).ok_or_else(unknown)?;
            Ok(reply(200, &webhooks::details(hook)))
        }
        (Method::POST, ["orders", id, "claim"]) => {
            let request = json_body(body)?;
            let nonce = request
                .get("nonce")
                .and_then(Value::as_str)
                .ok_or_else(|| SimError::new(400, 25, "parameter nonce is missing"))?;
            let token = request.get("token").and_then(Value::as_str);
            let mut world = sim.world();
            let order = world
                .orders
                .get_mut(&(instance.to_owned(), (*id).to_owned()))
                .ok_or_else(|| SimError::new(404, 2300, "unknown order"))?;
            Ok(reply(200, &order.claim(nonce, token)?))
        }
        (Method::GET, ["orders", id]) => {
            let base = sim.instance_base(instance);
            let world = sim.world();
            let order = world
                .orders
                .get(&(instance.to_owned(), (*id).to_owned()))
                .ok_or_else(|| SimError::new(404, 2005, "unknown order"))?;
            if order.paid {
                Ok(reply(
                    200,
                    &json!({ "refunded": !order.refund_total.is_zero(),
                             "refund_pending": order.refund_pending,
                             "refund_amount": show(&order.refund_total),
                             "refund_taken": format!("{}:0", order.amount.currency()) }),
                ))
            } else {
                Ok(reply(
                    402,
                    &json!({ "taler_pay_uri": order.pay_uri(&base, None),
                             "fulfillment_url": order.contract.get("fulfillment_url") }),
                ))
            }
        }
        (Method::POST, ["__simulator", "orders", id, action]) => {
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            match *action {
                "pay" => super::pay(
                    sim,
                    instance,
                    id,
                    request.get("session_id").and_then(Value::as_str),
                )?,
                "wire" => super::wire(sim, instance, id)?,
                _ => return Err(SimError::new(404, 21, "unknown simulator action")),
            }
            Ok(empty(204))
        }
        (Method::POST, ["__simulator", "clock"]) => {
            let request = json_body(body)?;
            let seconds = request
                .get("advance_s")
                .and_then(Value::as_i64)
                .ok_or_else(|| SimError::new(400, 25, "parameter advance_s is missing"))?;
            sim.world().clock_offset += seconds;
            Ok(empty(204))
        }
        (
            _,
            ["config"]
            | ["private", "token"]
            | ["private", "orders", ..]
            | ["private", "webhooks", ..]
            | ["orders", ..],
        ) => Err(SimError::new(
            405,
            20,
            format!("method {method} not allowed here"),
        )),
        _ => Err(SimError::new(404, 21, "unknown endpoint")),
    }
}

fn config(sim: &Shared) -> Response {
    let version = sim.world().version.clone();
    let currencies: serde_json::Map<String, Value> = sim
        .currencies
        .iter()
        .map(|c| {
            let digits = if c == "KUDOS" { 8 } else { 2 };
            (
                c.clone(),
                json!({ "name": c, "currency": c, "num_fractional_input_digits": digits,
                        "num_fractional_normal_digits": 2,
                        "num_fractional_trailing_zero_digits": 2,
                        "alt_unit_names": { "0": c } }),
            )
        })
        .collect();
    reply(
        200,
        &json!({
            "version": version,
            "name": "taler-merchant",
            "implementation": "urn:net:taler:specs:taler-merchant:polypay-simulator",
            "currency": sim.currencies.first(),
            "currencies": currencies,
            "exchanges": [],
        }),
    )
}

/// `POST private/token`: HTTP Basic with `instance:password` (or the legacy bearer token).
fn token(sim: &Shared, instance: &str, headers: &HeaderMap, body: &Bytes) -> SimResult<Response> {
    let current = sim
        .world()
        .version
        .split(':')
        .next()
        .and_then(|c| c.parse::<u32>().ok())
        .unwrap_or(0);
    if current < crate::LOGIN_TOKENS_SINCE {
        return Err(SimError::new(404, 21, "unknown endpoint"));
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let basic_ok = auth
        .strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .is_some_and(|pair| pair == format!("{instance}:{}", sim.password));
    let bearer_ok = auth == format!("Bearer secret-token:{}", sim.password);
    if !basic_ok && !bearer_ok {
        return Err(SimError::new(401, 40, "wrong instance password"));
    }
    let request = json_body(body)?;
    let scope = request
        .get("scope")
        .and_then(Value::as_str)
        .ok_or_else(|| SimError::new(400, 25, "parameter scope is missing"))?;
    let known = [
        "readonly",
        "write",
        "all",
        "order-simple",
        "order-pos",
        "order-mgmt",
        "order-full",
    ];
    if !known.contains(&scope.trim_end_matches(":refreshable")) {
        return Err(SimError::new(400, 26, "parameter scope is malformed"));
    }
    // The server caps the duration: one day at most.
    let seconds = request
        .get("duration")
        .and_then(|d| d.get("d_us"))
        .and_then(Value::as_i64)
        .map_or(3600, |us| (us / 1_000_000).clamp(1, 86_400));
    let expires = sim.now() + seconds;
    let value = format!("secret-token:{}", sim.fresh_id(32));
    sim.world().tokens.insert(
        value.clone(),
        Issued {
            instance: instance.to_owned(),
            scope: scope.to_owned(),
            expires,
        },
    );
    Ok(reply(
        200,
        &json!({ "access_token": value, "token": value, "scope": scope,
                 "expiration": { "t_s": expires }, "refreshable": false }),
    ))
}

fn create(sim: &Arc<Shared>, instance: &str, body: &Bytes) -> SimResult<Response> {
    let request = json_body(body)?;
    let now = sim.now();
    let base = sim.instance_base(instance);
    let generated = format!("2026.{:03}-{}", (now / 86_400) % 1000, sim.fresh_id(13));
    let token = sim.fresh_id(26);
    let inst = Instance {
        id: instance,
        base_url: base.as_str(),
        currencies: &sim.currencies,
        default_pay_delay: sim.default_pay_delay,
        default_refund_delay: sim.default_refund_delay,
        now,
    };
    let mut order = Order::create(&request, &inst, generated, token)?;
    let mut world = sim.world();
    let key = (instance.to_owned(), order.id.clone());
    if let Some(existing) = world.orders.get(&key) {
        // The same proposal again (a retry) is accepted; a different one is a conflict.
        if existing.proposal == request {
            return Ok(reply(
                200,
                &json!({ "order_id": existing.id, "token": existing.claim_token }),
            ));
        }
        return Err(SimError::new(
            409,
            2503,
            "an order with this id already exists",
        ));
    }
    let answer = match &order.claim_token {
        Some(t) => json!({ "order_id": order.id, "token": t }),
        None => json!({ "order_id": order.id }),
    };
    world.last_row += 1;
    order.row_id = world.last_row;
    let vars = webhooks::vars(
        &order.id,
        &order.contract,
        json!({ "instance_id": instance, "contract": order.contract }),
    );
    world.orders.insert(key, order);
    drop(world);
    sim.orders_changed();
    webhooks::fire(sim, instance, "order_created", vars);
    Ok(reply(200, &answer))
}

/// The `ETag` of an order view: a hash of its JSON, so any change of what the view shows
/// changes it.
fn etag_of(view: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    view.to_string().hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// `GET private/orders/$ID`: answers at once when no `timeout_ms` is given; otherwise holds
/// the request until the order is paid (in the session, if one is given) — or, with
/// `lp_not_etag`, until its view's `ETag` differs from that one — or the timeout passes. An
/// answer whose `ETag` matches `If-None-Match` is `304 Not Modified`, without a body.
async fn get_order(
    sim: &Shared,
    instance: &str,
    id: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    let session = query_param(uri, "session_id");
    let not_etag = query_param(uri, "lp_not_etag");
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let timeout_ms = match query_param(uri, "timeout_ms").map(|t| t.parse::<u64>()) {
        None => 0,
        Some(Ok(ms)) => ms,
        Some(Err(_)) => return fail(SimError::new(400, 26, "parameter timeout_ms is malformed")),
    };
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    let base = sim.instance_base(instance);
    let key = (instance.to_owned(), id.to_owned());
    loop {
        let (view, paid, mut changes) = {
            let world = sim.world();
            let Some(order) = world.orders.get(&key) else {
                return fail(SimError::new(404, 2005, "unknown order"));
            };
            (
                order.private_view(&base, session.as_deref()),
                order.paid_for(session.as_deref()),
                order.changed.subscribe(),
            )
        };
        let etag = etag_of(&view);
        let done = match &not_etag {
            Some(old) => *old != etag,
            None => paid,
        };
        if done || Instant::now() >= deadline {
            let unchanged = if_none_match
                .as_deref()
                .is_some_and(|m| m.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
            let mut response = if unchanged {
                sim.world().not_modified += 1;
                empty(304)
            } else {
                reply(200, &view)
            };
            if let Ok(v) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, v);
            }
            return response;
        }
        // Woken by any change (claim, payment, deletion); a timeout answers the current view.
        let _ = tokio::time::timeout_at(deadline, changes.changed()).await;
    }
}
