//! `Taler::forget` (`PATCH private/orders/$ID/forget`) through `Payment::run_steps`.

// Helpers below are test code: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use polypay_core::ErrorKind;
use serde_json::json;

use crate::support::*;

/// An order whose product descriptions (personal: a gift message) are forgettable.
async fn order_with_forgettable_products(env: &TalerEnv, id: &str) {
    let products = json!([
        { "description": "Gift for Alice", "product_id": "p1",
          "_forgettable": { "description": true } },
        { "description": "Card: happy birthday", "product_id": "p2",
          "_forgettable": { "description": "SALT" } },
        { "description": "Wrapping", "product_id": "p3" },
    ]);
    env.payment
        .request(&req("12", id).with_extra_json("products", products))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgettable_fields_are_erased() {
    let env = taler_env().await;
    order_with_forgettable_products(&env, "F1").await;
    env.sim.pay("admin", "F1", None).unwrap();
    let taler = env.taler.clone();
    env.payment
        .run_steps("forget", |cx| {
            taler.forget("F1", &["$.products[0].description"], cx)
        })
        .await
        .unwrap();
    assert_eq!(env.sim.hits("PATCH /private/orders/F1/forget"), 1);
    let contract = &env.sim.order("admin", "F1").unwrap()["contract_terms"];
    let products = contract["products"].as_array().unwrap();
    assert!(products[0].get("description").is_none());
    assert!(products[0]["_forgotten"]["description"].is_string());
    assert_eq!(products[1]["description"], "Card: happy birthday");
    // The order is still paid and reads as such.
    let r = env
        .payment
        .status(&polypay_core::StatusQuery::new("F1"))
        .await
        .unwrap();
    assert!(r.is_paid());
    // Forgetting a field again is harmless. (`$.products[*].description` would be refused:
    // the third product did not mark its description.)
    env.payment
        .run_steps("forget", |cx| {
            taler.forget(
                "F1",
                &["$.products[0].description", "$.products[1].description"],
                cx,
            )
        })
        .await
        .unwrap();
    let contract = &env.sim.order("admin", "F1").unwrap()["contract_terms"];
    assert!(contract["products"][1].get("description").is_none());
    assert_eq!(contract["products"][2]["description"], "Wrapping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_refusals() {
    let env = taler_env().await;
    order_with_forgettable_products(&env, "F2").await;
    // (Paid, so that the private view shows the contract.)
    env.sim.pay("admin", "F2", None).unwrap();
    let taler = env.taler.clone();
    let forget = |fields: &'static [&'static str], order: &'static str| {
        let taler = taler.clone();
        let payment = env.payment.clone();
        async move {
            payment
                .run_steps("forget", move |cx| taler.forget(order, fields, cx))
                .await
        }
    };
    // Bad paths and ids are refused before any request.
    for fields in [
        &[][..],
        &["products[0].description"][..],
        &["$.products[0]"][..],
        &["$.products[*]"][..],
    ] {
        let err = forget(fields, "F2").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{fields:?}: {err}");
    }
    assert_eq!(
        forget(&["$.summary"], "a/b").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(env.sim.hits("PATCH /private/orders/F2/forget"), 0);

    // A field the order did not mark: 409, code 2511; nothing is erased.
    let err = forget(&["$.products[*].description"], "F2")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let text = err.to_string();
    assert!(
        text.contains("not marked forgettable") && text.contains("2511"),
        "{text}"
    );
    let contract = &env.sim.order("admin", "F2").unwrap()["contract_terms"];
    assert_eq!(contract["products"][0]["description"], "Gift for Alice");
    let err = forget(&["$.summary"], "F2").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);

    // Unknown order: 404, code 2005.
    let err = forget(&["$.summary"], "NOPE").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("2005"), "{err}");

    // The backend's own syntax check (a path polypay accepts but a backend refuses): 400,
    // code 2510, mapped to invalid input with the code kept.
    env.sim.script(
        "PATCH",
        "/private/orders/F2/forget",
        400,
        r#"{"code": 2510, "hint": "path syntax"}"#,
    );
    let err = forget(&["$.products[0].description"], "F2")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string()
            .contains("MERCHANT_PRIVATE_PATCH_ORDERS_ID_FORGET_PATH_SYNTAX_INCORRECT"),
        "{err}"
    );
}
