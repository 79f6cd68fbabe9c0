//! Secret hygiene (issue 8): every backend compiled into the facade, configured with
//! recognisable secrets, runs every operation it offers and the error paths that are cheap to
//! reach, with tracing at TRACE captured; no secret may appear in the logs, in the `Debug` of
//! configurations, backends, intents, responses and errors, in error messages, or in the output
//! of the `polypay` command.
//!
//! Protocols that carry a secret in a request on purpose (Paybox Direct sends its key `CLE`)
//! may put it on the wire; the traces of that request may not show it.
//!
//! The `bitcoin` backend's RPC password is in `hygiene_bitcoin`, Taler's webhook secret and
//! Chainside's Redis password in `hygiene_extra`; both use this module's helpers.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use polypay::prelude::*;
use polypay::{BoxFuture, HttpExecutor, ReqwestExecutor};
use polypay::{HttpRequest, HttpResponse, Timestamp};
use polypay_crypto::simulator::chainside::ChainsideSimulator;
use polypay_taler::simulator::Simulator as TalerSimulator;
use serde_json::{Map, Value, json};
use url::Url;

use crate::support::*;

mod helpers;
pub(super) use self::helpers::{
    Capture, CliLog, Transcript, assert_none_shows, built, params, policy, refusing_bank,
};

const DUMMY: &str = "HYGIENE-dummy-S3CRET";
const SYSTEMPAY_TEST: &str = "HYGIENEsystempayTESTS3CRET";
const SYSTEMPAY_PROD: &str = "HYGIENEsystempayPRODS3CRET";
const SIPS: &str = "HYGIENE-sips2-S3CRET";
/// Paybox's HMAC key must be hexadecimal: a recognisable hex run.
const PAYBOX_HMAC_RUN: &str = "5EC2E7AB5EC2E7AB";
const PAYBOX_CLE: &str = "HYGIENE-paybox-CLE-S3CRET";
const OGONE_IN: &str = "HYGIENE-ogone-in-S3CRET";
const OGONE_OUT: &str = "HYGIENE-ogone-out-S3CRET";
const TALER: &str = "HYGIENE-taler-S3CRET";
const TALER_WRONG: &str = "HYGIENE-taler-wrong-S3CRET";
const CHAINSIDE: &str = "HYGIENE-chainside-S3CRET";
const CHAINSIDE_WRONG: &str = "HYGIENE-chainside-wrong-S3CRET";

/// Every needle that must never show: the secrets, the Paybox key in both cases, and the
/// HTTP Basic credentials the Taler login sends (base64 hides nothing).
fn needles() -> Vec<String> {
    let mut all: Vec<String> = [
        DUMMY,
        SYSTEMPAY_TEST,
        SYSTEMPAY_PROD,
        SIPS,
        PAYBOX_CLE,
        OGONE_IN,
        OGONE_OUT,
        TALER,
        TALER_WRONG,
        CHAINSIDE,
        CHAINSIDE_WRONG,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    all.push(PAYBOX_HMAC_RUN.to_owned());
    all.push(PAYBOX_HMAC_RUN.to_ascii_lowercase());
    // Distinctive middle parts too, in case a secret is cut or re-encoded.
    all.push("S3CRET".to_owned());
    for pw in [TALER, TALER_WRONG] {
        for user in ["admin", "default"] {
            all.push(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}")));
        }
    }
    all
}

/// Panics naming the needle and the context when `text` holds a secret.
pub(super) fn assert_clean(what: &str, text: &str) {
    assert_none_shows(what, text, needles());
}

fn configs() -> Vec<(&'static str, Map<String, Value>)> {
    let systempay = json!({"secret_test": SYSTEMPAY_TEST, "secret_production": SYSTEMPAY_PROD,
        "vads_site_id": "12345678", "signature_algo": "hmac_sha256",
        "normal_return_url": "https://shop.example/return",
        "automatic_return_url": "https://shop.example/notify"});
    vec![
        (
            "dummy",
            params(
                json!({"secret": DUMMY, "normal_return_url": "https://shop.example/return",
                "automatic_return_url": "https://shop.example/notify"}),
            ),
        ),
        ("systempayv2", params(systempay.clone())),
        ("payzen", params(systempay)),
        (
            "sips2",
            params(
                json!({"secret_key": SIPS, "normal_return_url": "https://shop.example/return",
                "automatic_return_url": "https://shop.example/notify"}),
            ),
        ),
        (
            "paybox",
            params(
                json!({"site": "1999888", "rang": "32", "identifiant": "107904482",
                "shared_secret": PAYBOX_HMAC_RUN.repeat(8), "cle": PAYBOX_CLE,
                "normal_return_url": "https://shop.example/return",
                "automatic_return_url": "https://shop.example/notify"}),
            ),
        ),
        (
            "ogone",
            params(
                json!({"pspid": "shop", "sha_in": OGONE_IN, "sha_out": OGONE_OUT,
                "hash_algorithm": "sha512", "normal_return_url": "https://shop.example/return"}),
            ),
        ),
        (
            "tipi",
            params(
                json!({"numcli": "123456", "automatic_return_url": "https://town.example/notify"}),
            ),
        ),
    ]
}

/// Sends every request to one loopback server, whatever host the backend names, through the
/// real executor (so its traces are the production ones). For the bank-form follow-ups, whose
/// bank URLs are fixed by the platform setting.
struct ToLoopback {
    inner: ReqwestExecutor,
    target: Url,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl HttpExecutor for ToLoopback {
    fn execute<'a>(
        &'a self,
        mut request: HttpRequest,
        policy: &'a Policy,
    ) -> BoxFuture<'a, polypay::Result<HttpResponse>> {
        request.url.set_scheme("http").unwrap();
        request.url.set_host(self.target.host_str()).unwrap();
        request.url.set_port(self.target.port()).unwrap();
        self.bodies.lock().unwrap().push(request.body.clone());
        self.inner.execute(request, policy)
    }
}

/// Runs every operation through `payment`; errors are expected and recorded too.
async fn exercise(payment: &Payment, t: &mut Transcript, kind: &str, forged: &[Incoming]) {
    t.add_debug(&format!("{kind} payment"), payment);
    t.add_debug(
        &format!("{kind} capabilities"),
        &payment.backend().capabilities(),
    );
    let amount = Amount::parse("EUR:10.00").unwrap();
    let request = PaymentRequest::new(amount)
        .with_order_id("H-1")
        .with_email("payer@example.org");
    let intent = payment.request(&request).await;
    t.add(&format!("{kind} request"), &intent);
    let tx = intent
        .as_ref()
        .map(|i| i.transaction_id.clone())
        .unwrap_or_else(|_| "H-1".into());
    if let Ok(intent) = &intent {
        // The form the payer would post back, unsigned: a forged answer.
        if let Action::Form { fields, .. } = &intent.action {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            t.add(
                &format!("{kind} echoed form"),
                &payment.response(&Incoming::get(query)).await,
            );
        }
    }
    for incoming in forged {
        t.add(&format!("{kind} forged"), &payment.response(incoming).await);
    }
    t.add(
        &format!("{kind} empty response"),
        &payment.response(&Incoming::get("")).await,
    );
    // Paybox Direct needs the return's numbers; other backends ignore them.
    let adj = Adjustment::new(tx.clone(), amount).with_bank_data(params(
        json!({"numero_transaction": "0001", "numero_appel": "0002", "reference": tx}),
    ));
    t.add(&format!("{kind} validate"), &payment.validate(&adj).await);
    t.add(&format!("{kind} refund"), &payment.refund(&adj).await);
    t.add(
        &format!("{kind} status"),
        &payment.status(&StatusQuery::new(tx.clone())).await,
    );
    t.add(&format!("{kind} cancel"), &payment.cancel(&adj).await);
}

#[tokio::test(flavor = "current_thread")]
async fn form_backends_and_dummy_keep_their_secrets() {
    let capture = Capture::default();
    let _guard = capture.install();
    let registry = Registry::builtin().unwrap();
    let mut t = Transcript::default();
    let bank = refusing_bank().await;

    for (kind, config) in configs() {
        let backend = registry.build(kind, &config).unwrap();
        for target in [bank.clone(), bank.join("nonsense/").unwrap()] {
            let bodies = Arc::new(Mutex::new(Vec::new()));
            let executor = ToLoopback {
                inner: ReqwestExecutor::new(),
                target,
                bodies: bodies.clone(),
            };
            let payment = Payment::new(backend.clone())
                .with_policy(policy())
                .with_executor(Arc::new(executor));
            let mut forged = vec![
                Incoming::get("signature=AAAA&vads_amount=1000&Data=x&Seal=00&NUMXKP=1"),
                Incoming::post_form("orderID=H-1&STATUS=9&SHASIGN=00"),
            ];
            if kind == "dummy" {
                let sim = polypay::dummy::Simulator::new(Some(polypay::Secret::new(DUMMY)));
                let intent = payment
                    .request(&PaymentRequest::new(Amount::parse("EUR:3").unwrap()))
                    .await
                    .unwrap();
                let paid = sim
                    .complete(&intent, polypay::dummy::Outcome::Paid, Timestamp::now())
                    .unwrap();
                t.add("dummy paid", &payment.response(&paid).await);
                forged.push(sim.tamper(&paid));
                forged.push(sim.unsigned(&paid));
                let wrong = polypay::dummy::Simulator::new(Some(polypay::Secret::new("other")));
                if let Ok(other) =
                    wrong.complete(&intent, polypay::dummy::Outcome::Paid, Timestamp::now())
                {
                    forged.push(other);
                }
            }
            exercise(&payment, &mut t, kind, &forged).await;
            if kind == "paybox" {
                // Paybox Direct carries its key on purpose: proof the follow-ups were sent.
                let sent = bodies.lock().unwrap().concat();
                assert!(
                    String::from_utf8_lossy(&sent).contains(PAYBOX_CLE),
                    "Paybox Direct was reached"
                );
            }
        }
    }
    assert_config_errors(&registry, &mut t);
    assert_clean("the transcript", &t.0);
    let logs = capture.text();
    assert!(
        logs.contains("polypay HTTP"),
        "traces were captured: {logs}"
    );
    assert_clean("the TRACE logs", &logs);
}

/// Configuration errors of every kind, and an unknown kind, given the secrets.
fn assert_config_errors(registry: &Registry, t: &mut Transcript) {
    for (kind, mut config) in configs() {
        // A required field broken, the secrets present.
        for field in [
            "normal_return_url",
            "vads_site_id",
            "site",
            "pspid",
            "numcli",
        ] {
            if config.contains_key(field) {
                config.insert(field.into(), json!(["not", "valid"]));
            }
        }
        config.insert("unknown_option".into(), json!(DUMMY));
        t.add(
            &format!("{kind} bad config"),
            &built(registry.build(kind, &config)),
        );
        t.add(
            &format!("{kind} as nope"),
            &built(registry.build("nope", &config)),
        );
    }
    // A secret of the wrong shape: Paybox's key must be hex; Ogone's must be text.
    let mut paybox = configs()[4].1.clone();
    paybox.insert(
        "shared_secret".into(),
        json!(format!("zz{PAYBOX_HMAC_RUN}-{SIPS}")),
    );
    t.add(
        "paybox non-hex key",
        &built(registry.build("paybox", &paybox)),
    );
    let mut ogone = configs()[5].1.clone();
    ogone.insert("sha_in".into(), json!(12345));
    ogone.insert("sha_out".into(), json!([OGONE_OUT]));
    t.add(
        "ogone typed secret",
        &built(registry.build("ogone", &ogone)),
    );
    // The configuration file: a secret next to a syntax error, or the wrong type.
    for text in [
        format!("[backends.a]\nkind = \"dummy\"\nsecret = \"{DUMMY}\nnormal_return_url = 1\n"),
        format!("[backends.a]\nkind = \"dummy\"\nsecret = [\"{DUMMY}\"]\n"),
        format!("[backends.a]\nkind = \"dummy\"\nsecret = {{ v = \"{DUMMY}\" }}\n"),
        format!(
            "[backends.a]\nkind = \"ogone\"\nsha_in = \"{OGONE_IN}\"\nsha_out = \"{OGONE_OUT}\"\nsha_out = \"x\"\n"
        ),
    ] {
        let file = polypay::config::ConfigFile::from_toml_str(&text);
        t.add("config file", &file);
        if let Ok(file) = file {
            t.add("config open", &polypay::open(registry, &file, None));
        }
    }
}

fn taler_params(sim: &TalerSimulator, auth: (&str, &str)) -> Map<String, Value> {
    params(
        json!({"base_url": sim.base_url().to_string(), "allow_http": true, auth.0: auth.1,
        "fulfillment_url": "https://shop.example/thanks/${ORDER_ID}",
        "refund_delay_seconds": 86400}),
    )
}

#[tokio::test(flavor = "current_thread")]
async fn taler_keeps_its_token_and_password() {
    let capture = Capture::default();
    let _guard = capture.install();
    let registry = Registry::builtin().unwrap();
    let mut t = Transcript::default();
    let sim = TalerSimulator::builder()
        .password(TALER)
        .start()
        .await
        .unwrap();

    for auth in [
        ("token", TALER),
        ("password", TALER),
        ("token", TALER_WRONG),
        ("password", TALER_WRONG),
    ] {
        let backend = registry.build("taler", &taler_params(&sim, auth)).unwrap();
        let payment = Payment::new(backend).with_policy(policy());
        let amount = Amount::parse("EUR:10.00").unwrap();
        let id = format!("T-{}-{}", auth.0, auth.1.len());
        let intent = payment
            .request(
                &PaymentRequest::new(amount)
                    .with_order_id(&id)
                    .with_transaction_id(&id),
            )
            .await;
        t.add("taler request", &intent);
        if intent.is_ok() {
            t.0.push_str(&format!("pay: {:?}\n", sim.pay("admin", &id, None)));
        }
        let status = payment.status(&StatusQuery::new(id.clone())).await;
        t.add("taler status", &status);
        let adj = Adjustment::new(id.clone(), Amount::parse("EUR:2.00").unwrap());
        t.add("taler refund", &payment.refund(&adj).await);
        t.add(
            "taler response",
            &payment
                .response(&Incoming::get(format!("order_id={id}")))
                .await,
        );
        t.add(
            "taler unknown",
            &payment.status(&StatusQuery::new("nope")).await,
        );
        t.add("taler cancel", &payment.cancel(&adj).await);
        if auth.1 == TALER {
            assert!(status.is_ok(), "{status:?}");
        } else {
            let err = status.unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    polypay::ErrorKind::Config | polypay::ErrorKind::Provider
                ),
                "{err:?}"
            );
        }
    }
    assert_clean("the transcript", &t.0);
    let logs = capture.text();
    // The credentials were traced, as placeholders.
    assert!(
        logs.contains("polypay HTTP request headers") && logs.contains("<redacted>"),
        "{logs}"
    );
    assert_clean("the TRACE logs", &logs);
}

#[tokio::test(flavor = "current_thread")]
async fn chainside_keeps_its_secret() {
    let capture = Capture::default();
    let _guard = capture.install();
    let registry = Registry::builtin().unwrap();
    let mut t = Transcript::default();
    let sim = ChainsideSimulator::builder()
        .credentials("hygiene-client", CHAINSIDE)
        .start()
        .await
        .unwrap();
    for secret in [CHAINSIDE, CHAINSIDE_WRONG] {
        let config = params(json!({"client_id": "hygiene-client", "secret": secret,
            "base_url": sim.base_url().to_string()}));
        let backend = registry.build("chainside", &config).unwrap();
        let payment = Payment::new(backend).with_policy(policy());
        let amount = Amount::parse("EUR:10.00").unwrap();
        let intent = payment.request(&PaymentRequest::new(amount)).await;
        t.add("chainside request", &intent);
        if let Ok(intent) = &intent {
            let uuid = intent.backend_data["uuid"].as_str().unwrap().to_owned();
            let cb = sim.trigger(&uuid, "payment.completed").unwrap();
            let incoming = Incoming::new(
                "POST",
                "",
                vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Chainside-Signature".into(), cb.signature.clone()),
                ],
                cb.body.clone(),
            );
            t.add("chainside callback", &payment.response(&incoming).await);
            let forged = Incoming::new(
                "POST",
                "",
                vec![("Chainside-Signature".into(), "00".repeat(32))],
                cb.body.clone(),
            );
            let r = payment.response(&forged).await;
            t.add("chainside forged", &r);
            let q = StatusQuery::new(intent.transaction_id.clone())
                .with_bank_data(intent.backend_data.clone());
            t.add("chainside status", &payment.status(&q).await);
            let adj = Adjustment::new(intent.transaction_id.clone(), amount)
                .with_bank_data(intent.backend_data.clone());
            t.add("chainside cancel", &payment.cancel(&adj).await);
        } else {
            let err = intent.as_ref().unwrap_err();
            assert_ne!(err.kind(), polypay::ErrorKind::Transport, "{err:?}");
        }
        t.add(
            "chainside unknown",
            &payment
                .status(&StatusQuery::new("x").with_bank_data(params(
                    json!({"uuid": "00000000-0000-4000-8000-000000000001"}),
                )))
                .await,
        );
    }
    assert_clean("the transcript", &t.0);
    let logs = capture.text();
    assert!(logs.contains("polypay HTTP"), "{logs}");
    assert_clean("the TRACE logs", &logs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_keeps_every_secret() {
    let taler = TalerSimulator::builder()
        .password(TALER)
        .start()
        .await
        .unwrap();
    let chainside = ChainsideSimulator::builder()
        .credentials("hygiene-client", CHAINSIDE)
        .start()
        .await
        .unwrap();
    let mut text = String::from("[http]\nallow_http = true\nretries = 0\n\n");
    for (kind, config) in configs() {
        text.push_str(&polypay::config::instance_toml(kind, kind, &config));
        text.push('\n');
    }
    text.push_str(&format!(
        "[backends.taler]\nkind = \"taler\"\nallow_http = true\nbase_url = \"{}\"\n\
         fulfillment_message = \"thanks\"\npassword = \"{TALER}\"\n\n[backends.taler_wrong]\nkind = \"taler\"\nallow_http = true\n\
         base_url = \"{}\"\nfulfillment_message = \"thanks\"\ntoken = \"{TALER_WRONG}\"\n\n[backends.chainside]\nkind = \"chainside\"\n\
         client_id = \"hygiene-client\"\nsecret = \"{CHAINSIDE}\"\nbase_url = \"{}\"\n\n\
         [backends.chainside_wrong]\nkind = \"chainside\"\nclient_id = \"hygiene-client\"\n\
         secret = \"{CHAINSIDE_WRONG}\"\nbase_url = \"{}\"\n",
        taler.base_url(),
        taler.base_url(),
        chainside.base_url(),
        chainside.base_url()
    ));
    let files = Files::new();
    let cfg = files.write("hygiene.toml", &text);
    let cfg = cfg.to_str().unwrap();
    let mut cli = CliLog::default();

    let out = cli.run_as(&["check-config"], &["check-config", cfg]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let names = [
        "dummy",
        "systempayv2",
        "payzen",
        "sips2",
        "paybox",
        "ogone",
        "tipi",
        "taler",
        "taler_wrong",
        "chainside",
        "chainside_wrong",
    ];
    for name in names {
        let args = [
            "request",
            "--config",
            cfg,
            "--backend",
            name,
            "--amount",
            "10.00",
            "--transaction-id",
            "CLI-H-1",
            "--email",
            "payer@example.org",
        ];
        cli.run(&args).await;
        let args = [
            "response",
            "--config",
            cfg,
            "--backend",
            name,
            "--query",
            "signature=AAAA&vads_amount=1000&Data=x&Seal=00&SHASIGN=00&sig=00",
        ];
        cli.run(&args).await;
        let args = [
            "status",
            "--config",
            cfg,
            "--backend",
            name,
            "--transaction-id",
            "CLI-H-1",
        ];
        cli.run(&args).await;
    }
    for kind in [
        "dummy",
        "systempayv2",
        "sips2",
        "paybox",
        "ogone",
        "taler",
        "chainside",
    ] {
        cli.run(&["describe", kind]).await;
    }
    // A configuration error while secrets sit in the file.
    let broken = files.write(
        "broken.toml",
        &text.replace("vads_site_id = \"12345678\"", "vads_site_id = 12"),
    );
    let out = cli
        .run_as(
            &["check-config broken"],
            &["check-config", broken.to_str().unwrap()],
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let syntax = files.write(
        "syntax.toml",
        &format!("[backends.a]\nkind = \"dummy\"\nsecret = \"{DUMMY}\nx = 1\n"),
    );
    cli.run_as(
        &["check-config syntax"],
        &["check-config", syntax.to_str().unwrap()],
    )
    .await;

    assert!(
        cli.0.contains("polypay HTTP") && cli.0.contains("TRACE"),
        "traces were on: {}",
        cli.0
    );
    assert_clean("the CLI output", &cli.0);
}
