//! The library used from Rust, as the README's quick start shows, and the dummy backend through
//! the conformance suite of `polypay_core::testkit`.

use polypay::dummy::{Outcome, Simulator};
use polypay::prelude::*;
use polypay::{Secret, Timestamp};

#[tokio::test]
async fn quick_start_flow() -> polypay::Result<()> {
    let registry = Registry::builtin()?;
    assert!(registry.kinds().contains(&"dummy".to_string()));
    let config = polypay::config::ConfigFile::from_toml_str(
        r#"
        [backends.test]
        kind = "dummy"
        normal_return_url = "https://shop.example/return"
        secret = "quick-start-secret"
        "#,
    )?;
    let payment = polypay::open(&registry, &config, None)?;
    let amount = Amount::parse("EUR:10.00")?;
    let intent = payment
        .request(&PaymentRequest::new(amount).with_order_id("order-1"))
        .await?;

    // The bank answers (simulated): the response is verified and matches the request.
    let sim = Simulator::new(Some(Secret::new("quick-start-secret")));
    let incoming = sim.complete(&intent, Outcome::Paid, Timestamp::now())?;
    let response = payment.response(&incoming).await?;
    assert!(response.is_paid());
    response.check(&amount, &intent.transaction_id)?;
    Ok(())
}

#[test]
fn unknown_backends_are_named() {
    let registry = Registry::builtin().unwrap();
    let err = registry
        .build("nope", &serde_json::Map::new())
        .err()
        .unwrap();
    // The available kinds are listed, sorted.
    let text = err.to_string();
    assert!(
        text.contains("available: ") && text.contains("dummy"),
        "{text}"
    );
}

#[test]
fn the_registered_dummy_passes_the_conformance_suite() {
    use polypay::testkit::{Harness, run_conformance};
    let registry = Registry::builtin().unwrap();
    let factory = registry.factory("dummy").unwrap().clone();
    let config = serde_json::json!({
        "normal_return_url": "https://shop.example/return",
        "secret": "facade-conformance",
    });
    let harness = Harness::new(
        factory,
        config.as_object().cloned().unwrap(),
        std::sync::Arc::new(Simulator::new(Some(Secret::new("facade-conformance")))),
    );
    let report = run_conformance(&harness);
    assert!(report.is_success(), "{report}");
    assert!(report.passed() >= 30, "{report}");
}
