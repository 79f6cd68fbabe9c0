//! The simulator itself, spoken to in raw HTTP: the merchant backend's rules it enforces.

// Helpers below are test code: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use polypay_core::testkit::patched;
use polypay_core::{HttpExecutor, HttpRequest, HttpResponse, Method, ReqwestExecutor};
use polypay_taler::simulator::Simulator;
use serde_json::{Value, json};

use crate::support::policy;

async fn send(
    sim: &Simulator,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let url = sim.base_url().join(path).unwrap();
    let mut request = HttpRequest::new(method, url);
    if let Some(a) = auth {
        request = request.with_sensitive_header("Authorization", a);
    }
    if let Some(b) = body {
        request = request.with_json(&b);
    }
    let response: HttpResponse = ReqwestExecutor::new()
        .execute(request, &policy())
        .await
        .unwrap();
    let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, json)
}

fn order(extra: Value) -> Value {
    let o = json!({ "amount": "EUR:1.5", "summary": "s", "fulfillment_message": "m" });
    json!({ "order": patched(&o, &extra) })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_creation_rules() {
    let sim = Simulator::start().await.unwrap();
    let bearer = format!("Bearer {}", sim.token());
    let auth = Some(bearer.as_str());
    let now = jiff::Timestamp::now().as_second();
    let cases = [
        (order(json!({ "summary": null })), 400, 25),
        (order(json!({ "amount": "EUR:1." })), 400, 26),
        (order(json!({ "amount": "EUR:1.123456789" })), 400, 26),
        (order(json!({ "amount": "CHF:1" })), 409, 2024),
        (order(json!({ "fulfillment_message": null })), 400, 25),
        (order(json!({ "order_id": "a b" })), 400, 26),
        (
            order(json!({ "pay_deadline": { "t_s": now - 10 } })),
            400,
            26,
        ),
        (
            order(json!({ "wire_transfer_deadline": { "t_s": "never" } })),
            400,
            2506,
        ),
        (
            order(json!({ "refund_deadline": { "t_s": now + 100 },
                          "wire_transfer_deadline": { "t_s": now + 50 } })),
            400,
            2504,
        ),
        (json!({ "nope": 1 }), 400, 25),
    ];
    for (body, status, code) in cases {
        let (s, j) = send(
            &sim,
            Method::Post,
            "private/orders",
            auth,
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (s, j["code"].as_i64()),
            (status, Some(code)),
            "{body} gave {j}"
        );
        assert!(j["hint"].is_string());
    }
    // Created with a backend id and a claim token; echoed amounts are normalised.
    let (s, j) = send(
        &sim,
        Method::Post,
        "private/orders",
        auth,
        Some(order(json!({}))),
    )
    .await;
    assert_eq!(s, 200);
    let id = j["order_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("2026.") || id.contains('-'), "{id}");
    assert_eq!(j["token"].as_str().map(str::len), Some(26));
    let (_, view) = send(
        &sim,
        Method::Get,
        &format!("private/orders/{id}"),
        auth,
        None,
    )
    .await;
    assert_eq!(view["total_amount"], "EUR:1.5");
    let (_, list) = send(&sim, Method::Get, "private/orders", auth, None).await;
    assert_eq!(list["orders"][0]["order_id"], id.as_str());
    // Public endpoints: the order page asks for payment; claiming needs a nonce.
    let (s, page) = send(&sim, Method::Get, &format!("orders/{id}"), None, None).await;
    assert_eq!(s, 402);
    assert!(
        page["taler_pay_uri"]
            .as_str()
            .unwrap()
            .starts_with("taler+http://pay/")
    );
    let (s, j) = send(
        &sim,
        Method::Post,
        &format!("orders/{id}/claim"),
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (400, Some(25)));
    // The wallet pays over the test endpoint; the page then shows the refund state.
    let (s, _) = send(
        &sim,
        Method::Post,
        &format!("__simulator/orders/{id}/pay"),
        None,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, page) = send(&sim, Method::Get, &format!("orders/{id}"), None, None).await;
    assert_eq!((s, page["refunded"].as_bool()), (200, Some(false)));
    let (s, j) = send(
        &sim,
        Method::Post,
        &format!("__simulator/orders/{id}/pay"),
        None,
        None,
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (409, Some(2160)));
    let (s, _) = send(
        &sim,
        Method::Post,
        "__simulator/clock",
        None,
        Some(json!({ "advance_s": 5 })),
    )
    .await;
    assert_eq!(s, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_and_routing_rules() {
    let sim = Simulator::builder()
        .instance("shop")
        .password("pw")
        .start()
        .await
        .unwrap();
    let (s, j) = send(&sim, Method::Get, "private/orders", None, None).await;
    assert_eq!((s, j["code"].as_i64()), (401, Some(40)));
    let (s, j) = send(&sim, Method::Get, "private/orders", Some("Basic xyz"), None).await;
    assert_eq!((s, j["code"].as_i64()), (401, Some(43)));
    let (s, j) = send(
        &sim,
        Method::Get,
        "private/orders",
        Some("Bearer secret-token:no"),
        None,
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (401, Some(41)));
    // A read-only login token reads but cannot create.
    let basic = "Basic c2hvcDpwdw=="; // shop:pw
    let (s, t) = send(
        &sim,
        Method::Post,
        "instances/shop/private/token",
        Some(basic),
        Some(json!({ "scope": "readonly" })),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    let (s, _) = send(
        &sim,
        Method::Get,
        "instances/shop/private/orders",
        Some(&bearer),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, j) = send(
        &sim,
        Method::Post,
        "instances/shop/private/orders",
        Some(&bearer),
        Some(order(json!({}))),
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (403, Some(16)));
    // Tokens belong to their instance, and expire.
    let (s, j) = send(&sim, Method::Get, "private/orders", Some(&bearer), None).await;
    assert_eq!((s, j["code"].as_i64()), (401, Some(41)));
    sim.advance(7200);
    let (s, j) = send(
        &sim,
        Method::Get,
        "instances/shop/private/orders",
        Some(&bearer),
        None,
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (401, Some(42)));
    let (s, j) = send(
        &sim,
        Method::Post,
        "instances/shop/private/token",
        Some("Basic c2hvcDp4"),
        Some(json!({ "scope": "write" })),
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (401, Some(40)));
    let (s, j) = send(
        &sim,
        Method::Post,
        "instances/shop/private/token",
        Some(basic),
        Some(json!({ "scope": "root" })),
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (400, Some(26)));
    // Routing: unknown instance, endpoint, method; the deprecated default instance redirects.
    let (s, j) = send(&sim, Method::Get, "instances/nope/config", None, None).await;
    assert_eq!((s, j["code"].as_i64()), (404, Some(2000)));
    let (s, j) = send(&sim, Method::Get, "nowhere", None, None).await;
    assert_eq!((s, j["code"].as_i64()), (404, Some(21)));
    let (s, j) = send(&sim, Method::Delete, "config", None, None).await;
    assert_eq!((s, j["code"].as_i64()), (405, Some(20)));
    let (s, _) = send(&sim, Method::Get, "instances/default/config", None, None).await;
    assert_eq!(s, 308);
    let (s, j) = send(
        &sim,
        Method::Post,
        "private/orders",
        Some("Bearer secret-token:pw"),
        None,
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (400, Some(22)));
    let (s, j) = send(
        &sim,
        Method::Get,
        "private/orders/x?timeout_ms=soon",
        Some("Bearer secret-token:pw"),
        None,
    )
    .await;
    assert_eq!((s, j["code"].as_i64()), (400, Some(26)));
    let (_, config) = send(&sim, Method::Get, "instances/shop/config", None, None).await;
    assert_eq!(
        (config["name"].as_str(), config["version"].as_str()),
        (Some("taler-merchant"), Some("20:0:8"))
    );
    assert_eq!(
        config["currencies"]["KUDOS"]["num_fractional_input_digits"],
        8
    );
}
