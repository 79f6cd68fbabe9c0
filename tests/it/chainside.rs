//! The `chainside` backend through the `polypay` command, against polypay-crypto's loopback
//! Chainside simulator: a payment, then `polypay chainside list|get|trigger|callbacks|reset`,
//! and their errors.

use polypay_crypto::simulator::chainside::ChainsideSimulator;

use crate::support::*;
use crate::support::{polypay_async as run, polypay_json_async as run_json};

const SECRET: &str = "cli-chainside-secret-91";

/// A configuration file for the simulator, plain HTTP allowed by the executor's `[http]`
/// policy (the backend accepts an `http://` base URL on the loopback interface).
fn config(files: &Files, sim: &ChainsideSimulator) -> String {
    let text = format!(
        "[http]\nallow_http = true\nretries = 0\n\n[backends.btc]\nkind = \"chainside\"\n\
         client_id = \"{}\"\nsecret = \"{SECRET}\"\nbase_url = \"{}\"\n\n\
         [backends.cards]\nkind = \"dummy\"\nnormal_return_url = \"https://shop.example/r\"\n\
         secret = \"x\"\n",
        sim.client_id(),
        sim.base_url()
    );
    files
        .write("chainside.toml", &text)
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

/// A simulator knowing this test's credentials, and the path of its [`config`] file (in the
/// [`Files`] returned, which must be kept while the file is used).
async fn start() -> (ChainsideSimulator, Files, String) {
    let sim = ChainsideSimulator::builder()
        .credentials("cli-client", SECRET)
        .start()
        .await
        .expect("simulator");
    let files = Files::new();
    let cfg = config(&files, &sim);
    (sim, files, cfg)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_and_the_chainside_subcommands() {
    let (sim, _files, cfg) = start().await;
    let on = ["--config", cfg.as_str(), "--backend", "btc"];

    let intent = run_json(
        &[
            &["request"][..],
            &on,
            &["--amount", "10.00", "--transaction-id", "CLI-1"],
        ]
        .concat(),
    )
    .await;
    assert_eq!(intent["transaction_id"], "CLI-1");
    assert_eq!(intent["action"]["type"], "redirect");
    let uuid = intent["backend_data"]["uuid"].as_str().unwrap().to_owned();
    let bank_data = intent["backend_data"].to_string();

    let page =
        run_json(&[&["chainside", "list"][..], &on, &["--status", "pending"]].concat()).await;
    assert_eq!(page["total_items"], 1);
    assert_eq!(page["paymentorders"][0]["uuid"], uuid.as_str());
    let text = stdout(&run(&[&["chainside", "list"][..], &on].concat()).await);
    assert!(
        text.contains("1 payment orders") && text.contains(&uuid) && text.contains("CLI-1"),
        "{text}"
    );

    let triggered = run_json(
        &[
            &["chainside", "trigger"][..],
            &on,
            &["--uuid", &uuid, "--event", "completed"],
        ]
        .concat(),
    )
    .await;
    assert_eq!(triggered["triggered"], "payment.completed");
    let status = run_json(
        &[
            &["status"][..],
            &on,
            &["--transaction-id", "CLI-1", "--bank-data", &bank_data],
        ]
        .concat(),
    )
    .await;
    assert_eq!(
        (status["status"].as_str(), status["verified"].as_bool()),
        (Some("paid"), Some(true))
    );
    let names =
        run_json(&[&["chainside", "callbacks"][..], &on, &["--uuid", &uuid]].concat()).await;
    assert_eq!(names, serde_json::json!(["payment.completed"]));
    let order = run_json(&[&["chainside", "get"][..], &on, &["--uuid", &uuid]].concat()).await;
    assert_eq!(order["state"]["status"], "paid");
    let reset = run_json(&[&["chainside", "reset"][..], &on, &["--uuid", &uuid]].concat()).await;
    assert_eq!(reset["state"]["status"], "pending");
    let text = stdout(&run(&[&["chainside", "get"][..], &on, &["--uuid", &uuid]].concat()).await);
    assert!(
        text.contains("status: pending") && text.contains("bitcoin:"),
        "{text}"
    );
    // One login served the whole process each time; never the secret on any output.
    assert!(sim.hits("POST /token") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chainside_subcommand_errors() {
    let (_sim, _files, cfg) = start().await;
    let on = ["--config", cfg.as_str(), "--backend", "btc"];

    // Not a chainside instance.
    let out = run(&["chainside", "list", "--config", &cfg, "--backend", "cards"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not chainside"), "{}", stderr(&out));
    // Usage errors: exit status 2.
    let out = run(&[&["chainside", "list"][..], &on, &["--page-size", "41"]].concat()).await;
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[&["chainside", "list"][..], &on, &["--status", "odd"]].concat()).await;
    assert_eq!(out.status.code(), Some(2));
    // An unknown event, an unknown order.
    let u = "00000000-0000-4000-8000-000000000001";
    let out = run(&[
        &["chainside", "trigger"][..],
        &on,
        &["--uuid", u, "--event", "payment.paid"],
    ]
    .concat())
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a Chainside callback"),
        "{}",
        stderr(&out)
    );
    let out = run(&[&["chainside", "get"][..], &on, &["--uuid", u, "-vvv"]].concat()).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("3001 NotFound"), "{err}");
    assert!(
        !err.contains(SECRET) && !stdout(&out).contains(SECRET),
        "{err}"
    );
}
