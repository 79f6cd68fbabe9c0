//! The `/config` check and transport-level failures.

use polypay_core::{ErrorKind, StatusQuery};
use polypay_taler::simulator::Simulator;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incompatible_backends_are_refused_with_a_clear_message() {
    for version in ["5:0:0", "40:0:2"] {
        let env = env_with(Simulator::builder().version(version), json!({})).await;
        let err = env.payment.request(&req("1", "V")).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("incompatible") && text.contains(version),
            "{text}"
        );
        assert_eq!(env.sim.hits("POST /private/orders"), 0);
    }
    let env = env_with(Simulator::builder(), json!({})).await;
    env.sim.script(
        "GET",
        "/config",
        200,
        r#"{"version": "20:0:8", "name": "sync"}"#,
    );
    let err = env.payment.request(&req("1", "V")).await.unwrap_err();
    assert!(
        err.to_string().contains("not a GNU Taler merchant backend"),
        "{err}"
    );
    // The check is retried on the next operation after a failure.
    env.payment.request(&req("1", "V")).await.unwrap();
    env.sim.script("GET", "/config", 503, "busy");
    let fresh = payment(config(&env.sim, json!({})));
    let err = fresh.status(&StatusQuery::new("V")).await.unwrap_err();
    assert!(
        err.is_retryable() && err.to_string().contains("/config"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_and_transport() {
    let env = env_with(Simulator::builder(), json!({ "instance": "ghost" })).await;
    let err = env.payment.request(&req("1", "G")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string()
            .contains("MERCHANT_GENERIC_INSTANCE_UNKNOWN"),
        "{err}"
    );
    // A stopped backend is a retryable transport failure.
    let sim = Simulator::start().await.unwrap();
    let cfg = config(&sim, json!({}));
    drop(sim);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let err = payment(cfg)
        .status(&StatusQuery::new("G"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    // Server errors keep their code and are retryable.
    let Env { sim, payment } = crate::support::env().await;
    payment.request(&req("1", "H")).await.unwrap();
    sim.script(
        "GET",
        "/private/orders/H",
        500,
        r#"{"code": 53, "hint": "db"}"#,
    );
    let err = payment.status(&StatusQuery::new("H")).await.unwrap_err();
    assert!(
        err.is_retryable() && err.to_string().contains("GENERIC_DB_FETCH_FAILED"),
        "{err}"
    );
    sim.script("GET", "/private/orders/H", 202, r#"{"challenges": []}"#);
    let err = payment.status(&StatusQuery::new("H")).await.unwrap_err();
    assert!(err.to_string().contains("second factor"), "{err}");
}
