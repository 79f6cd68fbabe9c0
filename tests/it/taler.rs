//! The `taler` backend through the `polypay` command, against polypay-taler's loopback
//! merchant-backend simulator: request, status (with long polling), refund, cancel, errors.

use std::time::{Duration, Instant};

use polypay_taler::simulator::Simulator;

use crate::support::*;
use crate::support::{polypay_async as run, polypay_json_async as run_json};

/// A configuration file for the simulator's root instance, plain HTTP allowed (by the
/// executor's `[http]` policy and by the backend, whose pay URIs become `taler+http://`).
fn taler_config(files: &Files, sim: &Simulator) -> String {
    let text = format!(
        "[http]\nallow_http = true\n\n[backends.shop]\nkind = \"taler\"\nallow_http = true\nbase_url = \"{}\"\n\
         token = \"{}\"\nfulfillment_url = \"https://shop.example/thanks/${{ORDER_ID}}\"\n\
         refund_delay_seconds = 86400\n",
        sim.base_url(),
        sim.token()
    );
    files
        .write("taler.toml", &text)
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_status_refund_through_the_cli() {
    let sim = Simulator::start().await.expect("simulator");
    let files = Files::new();
    let cfg = taler_config(&files, &sim);

    let intent = run_json(&[
        "request",
        "--config",
        &cfg,
        "--amount",
        "10.00",
        "--transaction-id",
        "CLI-1",
        "--description",
        "Tea",
    ])
    .await;
    assert_eq!(intent["transaction_id"], "CLI-1");
    assert_eq!(intent["action"]["type"], "uri");
    let token = intent["backend_data"]["claim_token"]
        .as_str()
        .expect("claim token");
    let host = sim.addr();
    assert_eq!(
        intent["action"]["uri"],
        format!("taler+http://pay/{host}/CLI-1/?c={token}")
    );
    assert_eq!(
        intent["action"]["url"],
        format!("http://{host}/orders/CLI-1?token={token}")
    );
    let bank_data = intent["backend_data"].to_string();

    let status = run_json(&["status", "--config", &cfg, "--transaction-id", "CLI-1"]).await;
    assert_eq!(
        (status["status"].as_str(), status["verified"].as_bool()),
        (Some("waiting"), Some(true))
    );
    assert_eq!(status["amount"], "10.00");

    // A long poll through the CLI: held by the backend until the wallet pays.
    let waiting = {
        let cfg = cfg.clone();
        let bank_data = bank_data.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let json = run_json(&[
                "status",
                "--config",
                &cfg,
                "--transaction-id",
                "CLI-1",
                "--bank-data",
                &bank_data,
                "--wait",
                "20",
            ])
            .await;
            (json, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    sim.pay("admin", "CLI-1", None).expect("paid");
    let (paid, elapsed) = waiting.await.expect("status task");
    assert_eq!(
        (paid["status"].as_str(), paid["verified"].as_bool()),
        (Some("paid"), Some(true))
    );
    assert_eq!(
        (paid["amount"].as_str(), paid["currency"].as_str()),
        (Some("10.00"), Some("EUR"))
    );
    assert!(
        elapsed < Duration::from_secs(15),
        "answered on payment, not at the timeout: {elapsed:?}"
    );

    let refund = run_json(&[
        "refund",
        "--config",
        &cfg,
        "--transaction-id",
        "CLI-1",
        "--amount",
        "2.50",
    ])
    .await;
    assert_eq!(refund["status"], "refunded");
    assert_eq!(refund["refunded_amount"], "2.50");
    assert_eq!(
        refund["bank_data"]["taler_refund_uri"],
        format!("taler+http://refund/{host}/CLI-1/")
    );
    let status = run_json(&["status", "--config", &cfg, "--transaction-id", "CLI-1"]).await;
    assert_eq!(
        (
            status["status"].as_str(),
            status["refunded_amount"].as_str()
        ),
        (Some("refunded"), Some("2.50"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_errors_through_the_cli() {
    let sim = Simulator::start().await.expect("simulator");
    let files = Files::new();
    let cfg = taler_config(&files, &sim);
    run_json(&[
        "request",
        "--config",
        &cfg,
        "--amount",
        "EUR:1",
        "--transaction-id",
        "CLI-2",
    ])
    .await;
    let cancelled = run_json(&[
        "cancel",
        "--config",
        &cfg,
        "--transaction-id",
        "CLI-2",
        "--amount",
        "1",
    ])
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert!(sim.order("admin", "CLI-2").is_none());

    // An unknown order: exit status 1, the backend's code in the message, no secret anywhere.
    let out = run(&[
        "status",
        "--config",
        &cfg,
        "--transaction-id",
        "CLI-2",
        "-vvv",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("TALER_EC 2005 MERCHANT_GENERIC_ORDER_UNKNOWN"),
        "{err}"
    );
    let password = sim.token().trim_start_matches("secret-token:").to_owned();
    assert!(
        !err.contains(&password) && !stdout(&out).contains(&password),
        "{err}"
    );

    // The configuration is checked like every backend's.
    let bad = files.write(
        "bad.toml",
        "[backends.t]\nkind = \"taler\"\nbase_url = \"http://x.example/\"\n",
    );
    let out = run(&["check-config", bad.to_str().expect("UTF-8 path")]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("backends.t.base_url") && err.contains("backends.t.token"),
        "{err}"
    );

    let text = stdout(&run(&["describe", "taler"]).await);
    assert!(
        text.contains("base_url") && text.contains("fulfillment_url"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_speaks_http2_when_the_configuration_says_so() {
    let sim = Simulator::start().await.expect("simulator");
    let files = Files::new();
    let text = std::fs::read_to_string(taler_config(&files, &sim)).expect("config");
    let text = text.replace(
        "[http]\nallow_http = true\n",
        "[http]\nallow_http = true\nhttp2_prior_knowledge = true\nstreams_per_connection = 50\n",
    );
    let cfg = files.write("h2.toml", &text);
    let cfg = cfg.to_str().expect("UTF-8 path");
    run_json(&[
        "request",
        "--config",
        cfg,
        "--amount",
        "EUR:3",
        "--transaction-id",
        "CLI-H2",
    ])
    .await;
    sim.pay("admin", "CLI-H2", None).expect("paid");
    let status = run_json(&["status", "--config", cfg, "--transaction-id", "CLI-H2"]).await;
    assert_eq!(status["status"], "paid");
    // /config and the order by the first run, /config and the status by the second.
    assert_eq!(sim.http2_requests(), 4);
}
