//! Secret hygiene of the `bitcoin` backend (issue 8), beside [`super::hygiene`]: the Bitcoin
//! Core RPC password, through every operation and error path against the loopback node
//! simulator with TRACE logs captured, in `Debug`/`Display` of results and errors, and in the
//! output of `polypay -vvv`. The account key is public, but a private key pasted in its place,
//! or a password pasted into the RPC URL, must not be echoed either.

use base64::Engine as _;
use polypay::prelude::*;
use polypay_crypto::bitcoin::{AccountKey, Network};
use polypay_crypto::simulator::bitcoind::BitcoindSimulator;
use polypay_crypto::simulator::chain::Chain;
use serde_json::{Map, Value, json};

use super::hygiene::{
    Capture, CliLog, Transcript, assert_clean, assert_none_shows, built, params, policy,
    refusing_bank,
};
use crate::support::*;

const RPC_USER: &str = "shop";
const RPC_PASSWORD: &str = "HYGIENE-bitcoind-S3CRET";
const RPC_WRONG: &str = "HYGIENE-bitcoind-wrong-S3CRET";
const URL_PASSWORD: &str = "HYGIENE-in-url-S3CRET";
const WALLET: &str = "shop watch";
const VPUB: &str = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc";
/// A testnet private key (the BIP84 test vectors' account), pasted where the public one goes.
const VPRV: &str = "vprv9K7GLAaERuM58PVvbk1sMo7wzVCoPwzZpVXLRBmum93gL5pSqQCAAvZjtmz93nnnYMr9i2FwG2fqrwYLRgJmDDwFjGiamGsbRMJ5Y6siJ8H";

/// What must never show: the passwords, their HTTP Basic encodings, the private key (and a
/// distinctive slice of it, in case it is cut).
fn needles() -> Vec<String> {
    let mut all = vec![
        RPC_PASSWORD.to_owned(),
        RPC_WRONG.to_owned(),
        URL_PASSWORD.to_owned(),
        "S3CRET".to_owned(),
        VPRV.to_owned(),
        VPRV[20..60].to_owned(),
    ];
    for pw in [RPC_PASSWORD, RPC_WRONG, URL_PASSWORD] {
        all.push(base64::engine::general_purpose::STANDARD.encode(format!("{RPC_USER}:{pw}")));
    }
    all
}

fn assert_bitcoin_clean(what: &str, text: &str) {
    assert_clean(what, text);
    assert_none_shows(what, text, needles());
}

fn node_config(url: &str, password: &str, wallet: &str) -> Map<String, Value> {
    params(
        json!({"xpub": VPUB, "network": "regtest", "bitcoind_url": url,
        "bitcoind_user": RPC_USER, "bitcoind_password": password, "bitcoind_wallet": wallet,
        "rates": {"EUR": "60000"}, "label": "Hygiene Shop"}),
    )
}

async fn node() -> (Chain, BitcoindSimulator) {
    let chain = Chain::new(Network::Regtest, 200);
    let node = BitcoindSimulator::start(chain.clone(), RPC_USER, RPC_PASSWORD, WALLET)
        .await
        .unwrap();
    let key = AccountKey::parse(VPUB, Network::Regtest).unwrap();
    let addresses: Vec<String> = (0..10).map(|i| key.address(i).unwrap()).collect();
    node.watch(addresses.iter().map(String::as_str));
    (chain, node)
}

/// Every operation of one configured backend; errors are recorded, not asserted.
async fn exercise(payment: &Payment, t: &mut Transcript, label: &str, chain: &Chain) -> bool {
    let mut paid = false;
    t.add_debug(&format!("{label} payment"), payment);
    for index in [1u32, 500] {
        let amount = Amount::parse("EUR:12.34").unwrap();
        let req = PaymentRequest::new(amount).with_extra_json("address_index", json!(index));
        let intent = payment.request(&req).await;
        t.add(&format!("{label} request {index}"), &intent);
        let Ok(intent) = intent else { continue };
        let q = StatusQuery::new(intent.transaction_id.clone())
            .with_bank_data(intent.backend_data.clone());
        let before = payment.status(&q).await;
        t.add(&format!("{label} status {index}"), &before);
        if let Some(address) = intent.backend_data["address"].as_str() {
            chain.pay(address, intent.backend_data["amount_sat"].as_u64().unwrap());
            chain.mine(1);
        }
        let after = payment.status(&q).await;
        paid |= after.as_ref().is_ok_and(PaymentResponse::is_paid);
        t.add(&format!("{label} status paid {index}"), &after);
        let adj = Adjustment::new(intent.transaction_id.clone(), amount)
            .with_bank_data(intent.backend_data.clone());
        t.add(&format!("{label} refund"), &payment.refund(&adj).await);
        t.add(&format!("{label} cancel"), &payment.cancel(&adj).await);
        t.add(&format!("{label} validate"), &payment.validate(&adj).await);
    }
    t.add(
        &format!("{label} response"),
        &payment.response(&Incoming::get("txid=00")).await,
    );
    t.add(
        &format!("{label} bare status"),
        &payment.status(&StatusQuery::new("nothing")).await,
    );
    paid
}

#[tokio::test(flavor = "current_thread")]
async fn bitcoin_keeps_its_rpc_password() {
    let capture = Capture::default();
    let _guard = capture.install();
    let registry = Registry::builtin().unwrap();
    let mut t = Transcript::default();
    let (chain, node) = node().await;
    let bank = refusing_bank().await;
    let closed = format!("http://{}/", closed_port());
    node.script_error("getaddressinfo", -1, "scripted node failure");
    let url = node.url().to_string();
    let cases = [
        ("good", node_config(&url, RPC_PASSWORD, WALLET)),
        ("wrong password", node_config(&url, RPC_WRONG, WALLET)),
        ("unknown wallet", node_config(&url, RPC_PASSWORD, "nope")),
        ("refusing", node_config(bank.as_str(), RPC_PASSWORD, WALLET)),
        (
            "nonsense",
            node_config(
                bank.join("nonsense/").unwrap().as_str(),
                RPC_PASSWORD,
                WALLET,
            ),
        ),
        ("closed", node_config(&closed, RPC_PASSWORD, WALLET)),
    ];
    let mut good_paid = false;
    for (label, config) in cases {
        let backend = registry.build("bitcoin", &config).unwrap();
        let payment = Payment::new(backend).with_policy(policy());
        let paid = exercise(&payment, &mut t, label, &chain).await;
        assert_eq!(paid, label == "good", "{label}");
        good_paid |= paid;
    }
    assert!(good_paid, "the good node confirmed a payment:\n{}", t.0);
    assert!(node.log().len() > 3, "the node was asked");
    config_errors(&registry, &mut t, &url);

    assert_bitcoin_clean("the transcript", &t.0);
    let logs = capture.text();
    assert!(
        logs.contains("polypay HTTP request headers") && logs.contains("<redacted>"),
        "the RPC credentials were traced as placeholders: {logs}"
    );
    assert_bitcoin_clean("the TRACE logs", &logs);
}

/// Configuration errors with the password present, a password inside the URL, and a private
/// key given as the account key.
fn config_errors(registry: &Registry, t: &mut Transcript, url: &str) {
    let with_url_password = url.replace("http://", &format!("http://{RPC_USER}:{URL_PASSWORD}@"));
    let mut cases: Vec<Map<String, Value>> = vec![
        node_config(&with_url_password, RPC_PASSWORD, WALLET),
        params(
            json!({"xpub": VPRV, "network": "regtest", "bitcoind_url": url,
            "bitcoind_user": RPC_USER, "bitcoind_password": RPC_PASSWORD,
            "bitcoind_wallet": WALLET}),
        ),
        params(json!({"xpub": VPRV, "network": "mainnet", "esplora_url": url})),
    ];
    let mut typed = node_config(url, RPC_PASSWORD, WALLET);
    typed.insert("bitcoind_password".into(), json!([RPC_PASSWORD]));
    cases.push(typed);
    let mut unknown = node_config(url, RPC_PASSWORD, WALLET);
    unknown.insert("rpcpassword".into(), json!(RPC_WRONG));
    cases.push(unknown);
    let mut both = node_config(url, RPC_PASSWORD, WALLET);
    both.insert("esplora_url".into(), json!(with_url_password));
    cases.push(both);
    for config in cases {
        let r = built(registry.build("bitcoin", &config));
        assert!(r.is_err(), "refused: {config:?}");
        t.add("bitcoin bad config", &r);
    }
    for text in [
        format!("[backends.b]\nkind = \"bitcoin\"\nxpub = \"{VPRV}\"\nnetwork = \"regtest\"\n"),
        format!(
            "[backends.b]\nkind = \"bitcoin\"\nxpub = \"{VPUB}\"\nbitcoind_password = \"{RPC_PASSWORD}\nx = 1\n"
        ),
    ] {
        let file = polypay::config::ConfigFile::from_toml_str(&text);
        t.add("bitcoin config file", &file);
        if let Ok(file) = file {
            t.add("bitcoin config open", &polypay::open(registry, &file, None));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_keeps_the_rpc_password() {
    let (chain, node) = node().await;
    let url = node.url();
    let with_url_password = url
        .as_str()
        .replace("http://", &format!("http://{RPC_USER}:{URL_PASSWORD}@"));
    let backend = |name: &str, pw: &str| {
        format!(
            "[backends.{name}]\nkind = \"bitcoin\"\nxpub = \"{VPUB}\"\nnetwork = \"regtest\"\n\
             bitcoind_url = \"{url}\"\nbitcoind_user = \"{RPC_USER}\"\nbitcoind_password = \"{pw}\"\n\
             bitcoind_wallet = \"{WALLET}\"\n\n[backends.{name}.rates]\nEUR = \"60000\"\n\n"
        )
    };
    let text = format!(
        "[http]\nallow_http = true\nretries = 0\n\n{}{}",
        backend("btc", RPC_PASSWORD),
        backend("btc_wrong", RPC_WRONG)
    );
    let files = Files::new();
    let cfg = files.write("btc.toml", &text);
    let cfg = cfg.to_str().unwrap();
    let mut cli = CliLog::default();
    let out = cli.run_as(&["check-config"], &["check-config", cfg]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let now = "2024-05-01T10:00:00Z";
    for name in ["btc", "btc_wrong"] {
        let args = [
            "request",
            "--config",
            cfg,
            "--backend",
            name,
            "--now",
            now,
            "--amount",
            "10.00",
            "--currency",
            "EUR",
            "--set",
            "address_index=2",
            "--json",
        ];
        let out = cli.run(&args).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let intent: Value = serde_json::from_slice(&out.stdout).unwrap();
        let data = intent["backend_data"].to_string();
        let id = intent["transaction_id"].as_str().unwrap().to_owned();
        if name == "btc" {
            chain.pay(
                intent["backend_data"]["address"].as_str().unwrap(),
                intent["backend_data"]["amount_sat"].as_u64().unwrap(),
            );
            chain.mine(1);
        }
        let args = [
            "status",
            "--config",
            cfg,
            "--backend",
            name,
            "--now",
            now,
            "--transaction-id",
            &id,
            "--bank-data",
            &data,
        ];
        let out = cli.run(&args).await;
        assert_eq!(out.status.success(), name == "btc", "{}", stderr(&out));
        let args = [
            "response",
            "--config",
            cfg,
            "--backend",
            name,
            "--query",
            "a=b",
        ];
        cli.run(&args).await;
    }
    cli.run_as(&["describe bitcoin"], &["describe", "bitcoin"])
        .await;
    for broken in [
        text.replace(VPUB, VPRV),
        text.replace(url.as_str(), &with_url_password),
        text.replace("bitcoind_wallet = \"shop watch\"", "bitcoind_wallet = 7"),
    ] {
        let file = files.write("broken.toml", &broken);
        let out = cli
            .run_as(
                &["check-config broken"],
                &["check-config", file.to_str().unwrap()],
            )
            .await;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    }
    assert!(
        cli.0.contains("polypay HTTP") && cli.0.contains("TRACE"),
        "traces were on: {}",
        cli.0
    );
    assert_bitcoin_clean("the CLI output", &cli.0);
}
