//! `request`: order creation, the exact pay URI, the order page, the QR code, retries.

use polypay_core::{Action, Amount, Error, ErrorKind, PaymentRequest};
use polypay_taler::simulator::Simulator;
use polypay_taler::{TalerUri, intent_qr_svg};
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_the_order_and_gives_the_exact_pay_uri() {
    let Env { sim, payment } = env().await;
    let intent = payment
        .request(&req("10.50", "ORD-1").with_description("Tea"))
        .await
        .unwrap();
    assert_eq!(intent.transaction_id, "ORD-1");
    let order = sim.order("admin", "ORD-1").unwrap();
    let token = intent.backend_data["claim_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let host = sim.addr().to_string();
    let Action::Uri { uri, url } = &intent.action else {
        panic!("{:?}", intent.action)
    };
    assert_eq!(uri, &format!("taler+http://pay/{host}/ORD-1/?c={token}"));
    // The backend's own URI for the order is the same.
    assert_eq!(order["taler_pay_uri"].as_str(), Some(uri.as_str()));
    assert_eq!(
        url.as_ref().unwrap().as_str(),
        format!("http://{host}/orders/ORD-1?token={token}")
    );
    assert_eq!(
        order["order_status_url"].as_str(),
        url.as_ref().map(|u| u.as_str())
    );
    assert_eq!(order["total_amount"], "EUR:10.5");
    assert_eq!(order["summary"], "Tea");
    let svg = intent_qr_svg(&intent).unwrap();
    assert!(svg.contains("<svg"));
    match TalerUri::parse(uri).unwrap() {
        TalerUri::Pay {
            order_id,
            claim_token,
            merchant_base_url,
            ..
        } => {
            assert_eq!(order_id, "ORD-1");
            assert_eq!(claim_token.as_deref(), Some(token.as_str()));
            assert_eq!(merchant_base_url, sim.base_url());
        }
        other => panic!("{other:?}"),
    }
    // One version check, one order.
    assert_eq!(sim.hits("GET /config"), 1);
    assert_eq!(sim.hits("POST /private/orders"), 1);
    payment.request(&req("1", "ORD-2")).await.unwrap();
    assert_eq!(
        sim.hits("GET /config"),
        1,
        "/config is checked once per backend"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_carries_deadlines_products_session_and_references() {
    let env = env_with(
        Simulator::builder().instance("shop"),
        json!({ "instance": "shop", "pay_deadline_seconds": 600,
                "wire_transfer_delay_seconds": 172800, "create_token": false }),
    )
    .await;
    let request = PaymentRequest::new(Amount::parse("KUDOS:3").unwrap())
        .with_order_id("cart-7")
        .with_extra("session_id", "sess-1")
        .with_extra(
            "products",
            r#"[{"description": "Mug", "quantity": 2, "price": "KUDOS:1.5"}]"#,
        )
        .with_extra("minimum_age", "18");
    let before = jiff::Timestamp::now().as_second();
    let intent = env.payment.request(&request).await.unwrap();
    let id = intent.transaction_id.clone();
    assert!(id.starts_with("pp-") && id.len() == 27, "{id}");
    let Action::Uri { uri, url } = &intent.action else {
        panic!()
    };
    let host = env.sim.addr().to_string();
    assert_eq!(
        uri,
        &format!("taler+http://pay/{host}/instances/shop/{id}/sess-1")
    );
    assert_eq!(
        url.as_ref().unwrap().as_str(),
        format!("http://{host}/instances/shop/orders/{id}?session_id=sess-1")
    );
    assert!(!intent.backend_data.contains_key("claim_token"));
    let expires = intent.expires_at.unwrap().as_second();
    assert!((before + 600..=before + 602).contains(&expires));

    env.sim.claim("shop", &id, "NONCE", None).unwrap();
    let order = env.sim.order("shop", &id).unwrap();
    let c = &order["contract_terms"];
    assert_eq!(c["summary"], "Order cart-7");
    assert_eq!(c["amount"], "KUDOS:3");
    assert_eq!(c["products"][0]["description"], "Mug");
    assert_eq!(c["minimum_age"], 18);
    assert_eq!(
        c["fulfillment_url"],
        format!("https://shop.example/thanks/{id}")
    );
    assert_eq!(
        c["extra"],
        json!({ "polypay_reference": id, "merchant_order_id": "cart-7" })
    );
    assert_eq!(c["pay_deadline"]["t_s"], expires);
    let refund = c["refund_deadline"]["t_s"].as_i64().unwrap();
    let wire = c["wire_transfer_deadline"]["t_s"].as_i64().unwrap();
    assert!((before + 86400..=before + 86402).contains(&refund));
    assert!((before + 172800..=before + 172802).contains(&wire));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_proposal_is_idempotent_a_different_one_conflicts() {
    let Env { sim, payment } = env().await;
    let first = payment.request(&req("5", "SAME")).await.unwrap();
    let again = payment.request(&req("5", "SAME")).await.unwrap();
    assert_eq!(
        first, again,
        "a retry of the same proposal gets the same order and token"
    );
    let err = payment.request(&req("6", "SAME")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("TALER_EC 2503"), "{err}");
    assert_eq!(sim.hits("POST /private/orders"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_url_overrides_and_fulfillment_message() {
    let env = env_with(
        Simulator::builder(),
        json!({ "fulfillment_url": null, "fulfillment_message": "Thank you!" }),
    )
    .await;
    let intent = env.payment.request(&req("1", "MSG")).await.unwrap();
    // The claim token protects the order: a wallet without it cannot claim.
    assert_eq!(
        env.sim.claim("admin", "MSG", "N", None).unwrap_err().code,
        2300
    );
    let token = intent.backend_data["claim_token"].as_str().unwrap();
    env.sim.claim("admin", "MSG", "N", Some(token)).unwrap();
    let c = &env.sim.order("admin", "MSG").unwrap()["contract_terms"];
    assert_eq!(c["fulfillment_message"], "Thank you!");
    assert!(c.get("fulfillment_url").is_none());
    // Claimed by another wallet: refused.
    assert_eq!(
        env.sim
            .claim("admin", "MSG", "N2", Some(token))
            .unwrap_err()
            .code,
        2301
    );
    let request = req("1", "RET").with_return_url("https://shop.example/back?o=1".parse().unwrap());
    let intent = env.payment.request(&request).await.unwrap();
    let token = intent.backend_data["claim_token"].as_str().unwrap();
    env.sim.claim("admin", "RET", "N", Some(token)).unwrap();
    let c = &env.sim.order("admin", "RET").unwrap()["contract_terms"];
    assert_eq!(c["fulfillment_url"], "https://shop.example/back?o=1");
    assert_eq!(c["fulfillment_message"], "Thank you!");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_the_backend() {
    let Env { sim, payment } = env().await;
    let cases: Vec<(PaymentRequest, &str)> = vec![
        (req("1", "bad/id"), "not a GNU Taler order id"),
        (
            req("1", "M").with_manual_validation(true),
            "no separate capture",
        ),
        (req("1", "E").with_extra("nope", "1"), "nope"),
        (req("1", "P").with_extra("products", "[1]"), "product 0"),
        (
            PaymentRequest::new(Amount::parse("USD:1").unwrap()).with_transaction_id("U"),
            "does not accept USD",
        ),
    ];
    for (request, needle) in cases {
        let err = payment.request(&request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains(needle), "{err} lacks {needle}");
    }
    assert_eq!(sim.hits("POST /private/orders"), 0);
    // Zero amounts never reach the backend either (the facade checks them).
    assert!(payment.request(&req("0", "Z")).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_refusals_keep_their_codes() {
    let Env { sim, payment } = env().await;
    // A currency the backend's /config does not list is refused locally; one it lists but
    // refuses is the backend's 409.
    sim.script(
        "POST",
        "/private/orders",
        409,
        r#"{"code": 2024, "hint": "currency"}"#,
    );
    match payment.request(&req("1", "C")).await.unwrap_err() {
        Error::Conflict(m) => assert!(m.contains("2024"), "{m}"),
        other => panic!("{other:?}"),
    }
    sim.script(
        "POST",
        "/private/orders",
        404,
        r#"{"code": 2500, "hint": "no wire"}"#,
    );
    let err = payment.request(&req("1", "W")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string()
            .contains("INSTANCE_CONFIGURATION_LACKS_WIRE")
    );
    sim.script("POST", "/private/orders", 200, r#"{"order_id": "OTHER"}"#);
    assert!(matches!(
        payment.request(&req("1", "MINE")).await.unwrap_err(),
        Error::Integrity {
            field: "transaction_id",
            ..
        }
    ));
    sim.script("POST", "/private/orders", 200, "not json");
    assert_eq!(
        payment.request(&req("1", "J")).await.unwrap_err().kind(),
        ErrorKind::Malformed
    );
}
