//! The `bitcoin` backend through the `polypay` command, against polypay-crypto's loopback
//! Esplora simulator: describe, request with `--set address_index=N`, status with the intent's
//! data, before and after the payment is mined.

use polypay_crypto::simulator::chain::Chain;
use polypay_crypto::simulator::esplora::EsploraSimulator;

use crate::support::polypay_json_async as run_json;
use crate::support::*;

const VPUB: &str = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_and_status_through_the_cli() {
    let chain = Chain::new(polypay_crypto::bitcoin::Network::Regtest, 500);
    let sim = EsploraSimulator::start(chain.clone())
        .await
        .expect("simulator");
    let files = Files::new();
    let cfg = files.write(
        "btc.toml",
        &format!(
            "[http]\nallow_http = true\n\n[backends.btc]\nkind = \"bitcoin\"\nxpub = \"{VPUB}\"\n\
             network = \"regtest\"\nesplora_url = \"{}\"\n\n[backends.btc.rates]\nEUR = \"60000\"\n",
            sim.base_url()
        ),
    );
    let cfg = cfg.to_str().expect("UTF-8 path");
    let now = "2024-05-01T10:00:00Z";

    let described = stdout(&polypay(&["describe", "bitcoin"]));
    assert!(
        described.contains("address_index") && described.contains("xpub"),
        "{described}"
    );

    let intent = run_json(&[
        "request",
        "--config",
        cfg,
        "--now",
        now,
        "--amount",
        "10.00",
        "--currency",
        "EUR",
        "--set",
        "address_index=3",
        "--description",
        "Tea",
    ])
    .await;
    assert_eq!(intent["action"]["type"], "uri");
    let uri = intent["action"]["uri"].as_str().expect("uri");
    assert!(
        uri.starts_with("bitcoin:bcrt1q") && uri.contains("amount=0.00016667"),
        "{uri}"
    );
    let data = intent["backend_data"].to_string();
    let id = intent["transaction_id"].as_str().expect("id").to_owned();

    let status = |data: String| {
        let id = id.clone();
        let cfg = cfg.to_owned();
        async move {
            run_json(&[
                "status",
                "--config",
                &cfg,
                "--now",
                "2024-05-01T10:05:00Z",
                "--transaction-id",
                &id,
                "--bank-data",
                &data,
            ])
            .await
        }
    };
    let r = status(data.clone()).await;
    assert_eq!(
        (r["status"].as_str(), r["bank_data"]["state"].as_str()),
        (Some("waiting"), Some("unpaid"))
    );

    let address = intent["backend_data"]["address"].as_str().expect("address");
    chain.pay(address, 16_667);
    chain.mine(1);
    let r = status(r["bank_data"].to_string()).await;
    assert_eq!(r["status"], "paid", "{r}");
    assert_eq!(r["verified"], true);
    assert_eq!(
        (r["amount"].as_str(), r["currency"].as_str()),
        (Some("10.00"), Some("EUR"))
    );
}
