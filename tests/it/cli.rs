//! The `polypay` command, run as a process.

use polypay::dummy::{Outcome, Simulator};
use polypay::{PaymentIntent, Secret, Timestamp};

use crate::support::*;

const NOW: &str = "2026-11-22T10:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn simulator() -> Simulator {
    Simulator::new(Some(Secret::new(DUMMY_SECRET)))
}

/// `polypay request --json` for 10.00 EUR with a fixed clock and id; returns the intent.
fn request(files: &Files, extra: &[&str]) -> (PaymentIntent, std::path::PathBuf) {
    let cfg = files.write("shop.toml", &dummy_config());
    let mut args = vec![
        "request",
        "--config",
        cfg.to_str().unwrap(),
        "--amount",
        "10.00",
        "--now",
        NOW,
        "--transaction-id",
        "T42",
        "--email",
        "buyer@example.com",
    ];
    args.extend_from_slice(extra);
    let json = polypay_json(&args);
    (serde_json::from_value(json).expect("intent JSON"), cfg)
}

#[test]
fn backends_lists_the_dummy() {
    let out = polypay(&["backends"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("dummy"), "{}", stdout(&out));
    let json = polypay_json(&["backends"]);
    let kinds: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"dummy"));
}

#[test]
fn describe_in_every_format() {
    let text = stdout(&polypay(&["describe", "dummy"]));
    assert!(
        text.contains("normal_return_url") && text.contains("required"),
        "{text}"
    );

    let schema: serde_json::Value =
        serde_json::from_slice(&polypay(&["describe", "dummy", "--format", "json-schema"]).stdout)
            .unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema["properties"]["normal_return_url"].is_object());
    assert_eq!(schema["properties"]["secret"]["writeOnly"], true);

    let html = stdout(&polypay(&["describe", "dummy", "--format", "html"]));
    assert!(
        html.contains("<form") && html.contains("name=\"normal_return_url\""),
        "{html}"
    );
    assert!(
        html.contains("type=\"password\""),
        "the secret is a password input"
    );

    let toml_text = stdout(&polypay(&["describe", "dummy", "--format", "toml"]));
    let parsed: toml::Table =
        toml::from_str(&toml_text).unwrap_or_else(|e| panic!("{e}\n{toml_text}"));
    assert_eq!(parsed["backends"]["dummy"]["kind"].as_str(), Some("dummy"));

    let json: serde_json::Value =
        serde_json::from_slice(&polypay(&["describe", "dummy", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(json["kind"], "dummy");
}

#[test]
fn unknown_kind_lists_the_available_ones() {
    let out = polypay(&["describe", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("unknown backend kind \"nope\"") && err.contains("dummy"),
        "{err}"
    );
}

#[test]
fn check_config_reports_every_error() {
    let files = Files::new();
    let good = files.write("good.toml", &dummy_config());
    let out = polypay(&["check-config", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    let bad = files.write(
        "bad.toml",
        "[backends.a]\nkind = \"dummy\"\nconsider_all_response_signed = \"yes\"\nchoice = \"z\"\nnumbr = 3\n\
         [backends.b]\nkind = \"nope\"\n",
    );
    let out = polypay(&["check-config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for needle in [
        "backends.a.normal_return_url",
        "backends.a.consider_all_response_signed",
        "backends.a.choice",
        "backends.a.numbr",
        "backends.b",
    ] {
        assert!(err.contains(needle), "missing {needle} in:\n{err}");
    }
    let json = polypay_json_allow_failure(&["check-config", bad.to_str().unwrap()]);
    assert_eq!(json["valid"], false);
    assert!(json["errors"].as_array().unwrap().len() >= 5);
}

fn polypay_json_allow_failure(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_slice(&polypay(&all).stdout).unwrap()
}

#[test]
fn request_prints_the_documented_json() {
    let files = Files::new();
    let cfg = files.write("shop.toml", &dummy_config());
    let json = polypay_json(&[
        "request",
        "--config",
        cfg.to_str().unwrap(),
        "--amount",
        "10.00",
        "--now",
        NOW,
        "--transaction-id",
        "T42",
        "--set",
        "info1=hello",
    ]);
    assert_eq!(json["transaction_id"], "T42");
    assert_eq!(json["action"]["type"], "redirect");
    let url = json["action"]["url"].as_str().unwrap();
    assert!(
        url.contains("transaction_id=T42") && url.contains("amount=10.00") && url.contains("sig="),
        "{url}"
    );
    assert!(url.contains("info1=hello"), "{url}");
    assert!(!url.contains(DUMMY_SECRET));
}

#[test]
fn request_rejects_bad_amounts_clearly() {
    let files = Files::new();
    let cfg = files.write("shop.toml", &dummy_config());
    for (amount, needle) in [
        ("10.001", "fraction digits"),
        ("-5", "negative"),
        ("abc", "not an amount"),
        ("0", "greater than zero"),
    ] {
        let out = polypay(&[
            "request",
            "--config",
            cfg.to_str().unwrap(),
            "--amount",
            amount,
        ]);
        assert_eq!(out.status.code(), Some(1), "{amount}");
        assert!(stderr(&out).contains(needle), "{amount}: {}", stderr(&out));
    }
}

#[test]
fn response_verifies_returns_and_notifications() {
    let files = Files::new();
    let (intent, cfg) = request(&files, &[]);
    let cfg = cfg.to_str().unwrap();

    // Browser return (GET query).
    let ret = simulator().complete(&intent, Outcome::Paid, now()).unwrap();
    let json = polypay_json(&["response", "--config", cfg, "--query", &ret.query]);
    assert_eq!(json["status"], "paid");
    assert_eq!(json["verified"], true);
    assert_eq!(json["order_id"], "T42");
    assert_eq!(json["amount"], "10.00");
    assert_eq!(json["currency"], "EUR");
    assert_eq!(json["test"], true);

    // Tampered: never paid.
    let forged = simulator().tamper(&ret);
    let json = polypay_json(&["response", "--config", cfg, "--query", &forged.query]);
    assert_eq!(json["verified"], false);
    assert_ne!(json["status"], "paid");

    // Server-to-server notification (POST body from a file), with the acknowledgement.
    let page = simulator()
        .payment_page(match &intent.action {
            polypay::Action::Redirect { url } => url,
            other => panic!("{other:?}"),
        })
        .unwrap();
    let note = simulator().notification(&page, Outcome::Paid, now());
    let body = files.write("body.txt", std::str::from_utf8(&note.body).unwrap());
    let json = polypay_json(&[
        "response",
        "--config",
        cfg,
        "--body",
        body.to_str().unwrap(),
    ]);
    assert_eq!(json["status"], "paid");
    assert_eq!(json["return_content"]["body"], "signature ok");
}

#[test]
fn two_phase_payment_through_the_cli() {
    let files = Files::new();
    let (intent, cfg) = request(&files, &["--manual-validation"]);
    let cfg = cfg.to_str().unwrap();
    let ret = simulator()
        .complete(&intent, Outcome::Accepted, now())
        .unwrap();
    let json = polypay_json(&[
        "response", "--config", cfg, "--query", &ret.query, "--now", NOW,
    ]);
    assert_eq!(json["status"], "accepted");
    let bank_data = json["bank_data"].to_string();

    // Capture more than authorised: refused.
    let out = polypay(&[
        "validate",
        "--config",
        cfg,
        "--amount",
        "11.00",
        "--transaction-id",
        "T42",
        "--bank-data",
        &bank_data,
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    let paid = polypay_json(&[
        "validate",
        "--config",
        cfg,
        "--amount",
        "10.00",
        "--transaction-id",
        "T42",
        "--bank-data",
        &bank_data,
        "--now",
        NOW,
    ]);
    assert_eq!(paid["status"], "paid");

    let refunded = polypay_json(&[
        "refund",
        "--config",
        cfg,
        "--amount",
        "4.00",
        "--transaction-id",
        "T42",
        "--bank-data",
        &paid["bank_data"].to_string(),
        "--now",
        NOW,
    ]);
    assert_eq!(refunded["status"], "refunded");

    let status = polypay_json(&[
        "status",
        "--config",
        cfg,
        "--transaction-id",
        "T42",
        "--bank-data",
        &refunded["bank_data"].to_string(),
        "--now",
        NOW,
    ]);
    assert_eq!(status["status"], "refunded");

    // Forged bank data is refused.
    let forged = bank_data.replace("10.00", "99.00");
    let out = polypay(&[
        "validate",
        "--config",
        cfg,
        "--amount",
        "50.00",
        "--transaction-id",
        "T42",
        "--bank-data",
        &forged,
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("signature"), "{}", stderr(&out));
}

#[test]
fn usage_errors_are_clear() {
    let out = polypay(&[
        "request",
        "--config",
        "/nonexistent/polypay.toml",
        "--amount",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/nonexistent/polypay.toml"),
        "{}",
        stderr(&out)
    );
    let out = polypay(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn secrets_never_reach_the_output() {
    let files = Files::new();
    let (intent, cfg) = request(&files, &[]);
    let cfg = cfg.to_str().unwrap();
    let ret = simulator().complete(&intent, Outcome::Paid, now()).unwrap();
    let out = polypay(&["-vvv", "response", "--config", cfg, "--query", &ret.query]);
    assert!(out.status.success());
    assert!(!stdout(&out).contains(DUMMY_SECRET) && !stderr(&out).contains(DUMMY_SECRET));
    // A configuration error on the secret does not echo it either.
    let bad = files.write(
        "bad.toml",
        "[backends.a]\nkind = \"dummy\"\nsecret = 123456789\nnormal_return_url = \"x\"\n",
    );
    let out = polypay(&["check-config", bad.to_str().unwrap()]);
    assert!(!stderr(&out).contains("123456789"), "{}", stderr(&out));
}

/// `polypay describe … | head` closes the pipe early: the command must end quietly with
/// status 0, never with Rust's "failed printing to stdout" panic.
#[test]
fn closed_stdout_ends_quietly() {
    for args in [
        &["describe", "systempayv2"][..],
        &["describe", "systempayv2", "--format", "toml"][..],
        &["backends"][..],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_polypay"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before the command had time to write.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
