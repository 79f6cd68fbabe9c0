//! Secret hygiene of the secrets [`super::hygiene`] does not configure (issue 8): Taler's
//! `webhook_secret` (registered with the backend inside a header template, compared on every
//! notification) and Chainside's Redis cache password, with TRACE logs captured, in the
//! `Debug`/`Display` of results and errors, and in the output of `polypay -vvv`.

use std::sync::Arc;

use polypay::prelude::*;
use polypay_taler::simulator::Simulator as TalerSimulator;
use polypay_taler::{Taler, TalerConfig, WebhookEvent};
use serde_json::{Map, Value, json};

use super::hygiene::{
    Capture, CliLog, Transcript, assert_clean, assert_none_shows, built, params, policy,
};
use crate::support::*;

const WEBHOOK: &str = "HYGIENE-webhook-S3CRET-0123456789";
const WEBHOOK_WRONG: &str = "HYGIENE-webhook-wrong-S3CRET";
const REDIS: &str = "HYGIENE-redis-S3CRET";

fn assert_extra_clean(what: &str, text: &str) {
    assert_clean(what, text);
    assert_none_shows(what, text, [WEBHOOK, WEBHOOK_WRONG, REDIS, "S3CRET"]);
}

fn taler_config(sim: &TalerSimulator, secret: &str) -> Map<String, Value> {
    params(
        json!({"base_url": sim.base_url().to_string(), "allow_http": true,
        "token": "secret-token:hygiene-extra", "fulfillment_message": "thanks",
        "webhook_secret": secret}),
    )
}

fn hook(order: &str, secret: Option<&str>) -> Incoming {
    let body = json!({"event_type": "pay", "order_id": order}).to_string();
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(s) = secret {
        headers.push(("X-Polypay-Token".to_owned(), s.to_owned()));
    }
    Incoming::new("POST", "", headers, body)
}

#[tokio::test(flavor = "current_thread")]
async fn the_taler_webhook_secret_never_shows() {
    let capture = Capture::default();
    let _guard = capture.install();
    let registry = Registry::builtin().unwrap();
    let mut t = Transcript::default();
    let sim = TalerSimulator::builder()
        .password("hygiene-extra")
        .start()
        .await
        .unwrap();
    let config: TalerConfig =
        serde_json::from_value(Value::Object(taler_config(&sim, WEBHOOK))).unwrap();
    t.add_debug("config", &config);
    let taler = Arc::new(Taler::new(config).unwrap());
    let payment = Payment::new(taler.clone()).with_policy(policy());
    let url: url::Url = "http://127.0.0.1:9/notify".parse().unwrap();
    let webhook = taler.polypay_webhook("shop-pay", WebhookEvent::Pay, url);
    t.add("polypay webhook", &webhook);
    let webhook = webhook.unwrap();
    t.add(
        "add webhook",
        &payment
            .run_steps("add webhook", |cx| taler.add_webhook(&webhook, cx))
            .await,
    );
    t.add(
        "list webhooks",
        &payment.run_steps("list", |cx| taler.webhooks(cx)).await,
    );
    let read = payment
        .run_steps("read", |cx| taler.webhook("shop-pay", cx))
        .await;
    t.add("read webhook", &read);
    assert!(
        read.unwrap()
            .header_template
            .unwrap()
            .expose()
            .contains(WEBHOOK),
        "the secret was registered"
    );
    let intent = payment
        .request(&PaymentRequest::new(Amount::parse("EUR:4").unwrap()).with_transaction_id("HX-1"))
        .await;
    t.add("request", &intent);
    sim.pay("admin", "HX-1", None).unwrap();
    for secret in [Some(WEBHOOK), Some(WEBHOOK_WRONG), None] {
        let r = payment.response(&hook("HX-1", secret)).await;
        assert_eq!(
            r.as_ref().map(PaymentResponse::is_paid).ok(),
            Some(secret == Some(WEBHOOK))
        );
        t.add("notification", &r);
    }
    t.add(
        "unknown order",
        &payment.response(&hook("HX-none", Some(WEBHOOK))).await,
    );
    t.add(
        "delete webhook",
        &payment
            .run_steps("delete", |cx| taler.delete_webhook("shop-pay", cx))
            .await,
    );
    // Configuration errors with the secret present: too short, with spaces, wrong type.
    for (secret, header) in [
        (json!("HYGIENE-S3CRET"), json!("X-Polypay-Token")),
        (json!(WEBHOOK), json!("Bad Header")),
        (json!([WEBHOOK]), json!("X-Polypay-Token")),
    ] {
        let mut c = taler_config(&sim, WEBHOOK);
        c.insert("webhook_secret".into(), secret);
        c.insert("webhook_header".into(), header);
        t.add("bad config", &built(registry.build("taler", &c)));
    }
    let spaced: TalerConfig = serde_json::from_value(Value::Object(taler_config(
        &sim,
        "HYGIENE webhook S3CRET with spaces",
    )))
    .unwrap();
    let spaced = Taler::new(spaced).unwrap();
    t.add(
        "spaced secret",
        &spaced.polypay_webhook(
            "x",
            WebhookEvent::Pay,
            "http://127.0.0.1:9/".parse().unwrap(),
        ),
    );

    assert_extra_clean("the transcript", &t.0);
    let logs = capture.text();
    assert!(logs.contains("polypay HTTP"), "{logs}");
    assert_extra_clean("the TRACE logs", &logs);
}

#[tokio::test(flavor = "current_thread")]
async fn the_chainside_redis_password_never_shows() {
    let capture = Capture::default();
    let _guard = capture.install();
    let registry = Registry::builtin().unwrap();
    let mut t = Transcript::default();
    // Nobody listens on this port: the cache fails, the password stays hidden.
    let port = closed_port().port();
    let config = params(json!({"client_id": "c", "secret": "chainside-client",
        "base_url": "http://127.0.0.1:9/",
        "cache": {"driver": "redis", "options": {"hostname": "127.0.0.1", "port": port,
            "username": "shop", "password": REDIS}}}));
    let backend = registry.build("chainside", &config);
    match &backend {
        Ok(b) => t.add_debug("chainside with redis", &b.kind()),
        Err(e) => t.add_debug("chainside with redis", &format!("{e} {e:?}")),
    }
    if let Ok(backend) = backend {
        let payment = Payment::new(backend).with_policy(policy());
        t.add(
            "request",
            &payment
                .request(&PaymentRequest::new(Amount::parse("EUR:1").unwrap()))
                .await,
        );
    }
    let mut bad = config.clone();
    bad["cache"]["options"]["port"] = json!("not a port");
    t.add("bad cache", &built(registry.build("chainside", &bad)));
    assert_extra_clean("the transcript", &t.0);
    assert_extra_clean("the TRACE logs", &capture.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_keeps_the_webhook_and_redis_secrets() {
    let text = format!(
        "[http]\nallow_http = true\nretries = 0\n\n[backends.taler]\nkind = \"taler\"\nallow_http = true\n\
         base_url = \"http://127.0.0.1:9/\"\ntoken = \"secret-token:x\"\nfulfillment_message = \"ok\"\n\
         webhook_secret = \"{WEBHOOK}\"\n\n[backends.cs]\nkind = \"chainside\"\nclient_id = \"c\"\n\
         secret = \"chainside-client\"\nbase_url = \"http://127.0.0.1:9/\"\n\n[backends.cs.cache]\n\
         driver = \"redis\"\n\n[backends.cs.cache.options]\nport = 9\npassword = \"{REDIS}\"\n"
    );
    let files = Files::new();
    let cfg = files.write("extra.toml", &text);
    let cfg = cfg.to_str().unwrap();
    let mut cli = CliLog::default();
    for args in [
        vec!["check-config", cfg],
        vec![
            "response",
            "--config",
            cfg,
            "--backend",
            "taler",
            "--query",
            "order_id=X",
        ],
        vec![
            "status",
            "--config",
            cfg,
            "--backend",
            "cs",
            "--transaction-id",
            "X",
        ],
    ] {
        cli.run(&args).await;
    }
    let short = files.write("short.toml", &text.replace(WEBHOOK, "HYGIENE-S3CRET"));
    let out = cli.run(&["check-config", short.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let all = &cli.0;
    assert!(all.contains("TRACE") || all.contains("DEBUG"), "{all}");
    assert_extra_clean("the CLI output", all);
}
