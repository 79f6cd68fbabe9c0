//! Dynamic plugins from the facade: the example plugin (`examples/plugin`, built as a real
//! `cdylib` by the test) through `polypay --plugin`, `kind = "plugin"` configuration entries
//! (check-config, request, status) and the library (`polypay::open`, `Registry::load_plugin`).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use polypay::config::ConfigFile;
use polypay::prelude::*;
use polypay::{Action, ErrorKind, StatusQuery};

use crate::support::*;

#[path = "../../plugin-api/tests/support/build.rs"]
mod build;

const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";
const TOKEN: &str = "books-token-5d1e";
const NOW: &str = "2026-11-22T10:00:00Z";

/// The example plugin as shipped: `manual_transfer` only.
fn plugin() -> PathBuf {
    build::example_plugin(&[])
}

/// The example plugin with the dummy re-exported too.
fn plugin_with_dummy() -> PathBuf {
    build::example_plugin(&["reexport-dummy"])
}

fn plugin_arg() -> String {
    plugin().to_str().unwrap().to_owned()
}

/// The merchant's bookkeeping endpoint on 127.0.0.1: `GET /books?reference=R` answers whether
/// transfer R arrived (references starting with `PAID`), and only with the bearer token.
struct Books {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

fn books() -> Books {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/books", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push(line.trim_end().to_owned());
            }
            let target = head
                .first()
                .and_then(|l| l.split(' ').nth(1))
                .unwrap_or("")
                .to_owned();
            let authorised = head
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&format!("authorization: Bearer {TOKEN}")));
            log.lock().unwrap().push(target.clone());
            let (status, body) = match target.split_once("?reference=") {
                _ if !authorised => ("401 Unauthorized", "{}".to_owned()),
                Some(("/books", r)) => (
                    "200 OK",
                    format!(r#"{{"received": {}}}"#, r.starts_with("PAID")),
                ),
                _ => ("404 Not Found", "{}".to_owned()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Books { url, seen }
}

/// A directory holding `plugins/<library>` (a copy of the example plugin) and configuration
/// files naming it relative to their own directory.
fn setup() -> (Files, String) {
    let files = Files::new();
    let lib = plugin();
    let name = lib.file_name().unwrap().to_str().unwrap().to_owned();
    let root = files
        .write("README", "a test directory")
        .parent()
        .unwrap()
        .join("plugins");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(&lib, root.join(&name)).unwrap();
    (files, format!("plugins/{name}"))
}

fn transfer_config(path: &str, extra: &str, status_url: &str) -> String {
    format!(
        "[http]\nallow_http = true\n\n[backends.transfer]\nkind = \"plugin\"\npath = \"{path}\"\n\
         {extra}beneficiary = \"Shop SARL\"\niban = \"{IBAN}\"\nstatus_url = \"{status_url}\"\n\
         token = \"{TOKEN}\"\n"
    )
}

fn check(cfg: &Path) -> (bool, Vec<(String, String)>) {
    let out = polypay(&["check-config", cfg.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], out.status.success());
    let errors = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (out.status.success(), errors)
}

#[test]
fn backends_lists_plugin_kinds_with_their_file() {
    let lib = plugin_arg();
    let out = polypay(&["--plugin", &lib, "backends"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("manual_transfer "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(&format!("[plugin {lib}]")), "{line}");
    let dummy = text.lines().find(|l| l.starts_with("dummy ")).unwrap();
    assert!(
        !dummy.contains("[plugin"),
        "the built-in dummy stays built in"
    );

    let json = polypay_json(&["backends", "--plugin", &lib]);
    let entries = json.as_array().unwrap();
    let mt = entries
        .iter()
        .find(|b| b["kind"] == "manual_transfer")
        .unwrap();
    assert_eq!(mt["plugin"]["path"], lib.as_str());
    assert_eq!(mt["plugin"]["sha256"].as_str().unwrap().len(), 64);
    let dummy = entries.iter().find(|b| b["kind"] == "dummy").unwrap();
    assert!(dummy.get("plugin").is_none());

    // Without --plugin there is no such kind.
    let out = polypay(&["describe", "manual_transfer"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn describe_renders_every_format_from_the_plugins_schema() {
    let lib = plugin_arg();
    let run = |format: &str| {
        let out = polypay(&[
            "--plugin",
            &lib,
            "describe",
            "manual_transfer",
            "--format",
            format,
        ]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let text = run("text");
    assert!(text.contains("iban") && text.contains("required"), "{text}");
    assert!(text.contains(&format!("from the plugin {lib}")), "{text}");

    let schema: serde_json::Value = serde_json::from_str(&run("json-schema")).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema["properties"]["iban"].is_object());
    assert_eq!(schema["properties"]["token"]["writeOnly"], true);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(required.contains(&"status_url") && !required.contains(&"token"));

    let html = run("html");
    assert!(
        html.contains("<form") && html.contains("name=\"beneficiary\""),
        "{html}"
    );
    assert!(html.contains("type=\"password\""), "the token is a secret");
    assert!(html.contains("type=\"url\""), "status_url is a URL input");

    let template = run("toml");
    let parsed: toml::Table =
        toml::from_str(&template).unwrap_or_else(|e| panic!("{e}\n{template}"));
    assert_eq!(
        parsed["backends"]["manual_transfer"]["kind"].as_str(),
        Some("manual_transfer")
    );

    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["kind"], "manual_transfer");
    assert_eq!(json["caption"], "Manual bank transfer");
}

#[test]
fn a_pinned_plugin_is_checked_before_loading() {
    let lib = plugin_arg();
    let json = polypay_json(&["backends", "--plugin", &lib]);
    let sha = json
        .as_array()
        .unwrap()
        .iter()
        .find_map(|b| b["plugin"]["sha256"].as_str())
        .unwrap()
        .to_owned();
    let good = polypay(&["--plugin", &format!("{lib}#{sha}"), "backends"]);
    assert!(good.status.success(), "{}", stderr(&good));

    let wrong = format!("{lib}#{}", "0".repeat(64));
    let out = polypay(&["--plugin", &wrong, "backends"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("plugin {lib}: SHA-256 mismatch")),
        "{err}"
    );

    let out = polypay(&["--plugin", "/nonexistent/plugin.so", "backends"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("plugin /nonexistent/plugin.so: cannot find the library"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_plugin_may_not_replace_a_built_in_kind() {
    let lib = plugin_with_dummy();
    let lib = lib.to_str().unwrap();
    let out = polypay(&["--plugin", lib, "backends"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(lib) && err.contains("\"dummy\", which is already registered"),
        "{err}"
    );
}

#[test]
fn check_config_validates_plugin_entries_with_the_plugins_schema() {
    let (files, rel) = setup();
    let good = files.write(
        "good.toml",
        &format!(
            "{}\n{}",
            transfer_config(&rel, "", "https://books.example/t"),
            dummy_config()
        ),
    );
    let out = polypay(&["check-config", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("valid (2 backend instances)"));

    // Every error of the plugin backend's parameters at once, with their field paths.
    let bad = files.write(
        "bad.toml",
        &format!(
            "[backends.transfer]\nkind = \"plugin\"\npath = \"{rel}\"\nbeneficiary = 3\n\
             ibna = \"{IBAN}\"\n"
        ),
    );
    let (ok, errors) = check(&bad);
    assert!(!ok);
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    for field in [
        "backends.transfer.beneficiary",
        "backends.transfer.iban",
        "backends.transfer.status_url",
        "backends.transfer.ibna",
    ] {
        assert!(fields.contains(&field), "missing {field} in {errors:?}");
    }

    // What the plugin's factory refuses beyond the schema comes back the same way.
    let typo = files.write(
        "typo.toml",
        &transfer_config(&rel, "", "https://books.example/t").replace("189\"", "188\""),
    );
    let (ok, errors) = check(&typo);
    assert!(!ok);
    assert_eq!(errors[0].0, "backends.transfer.iban", "{errors:?}");
    assert!(errors[0].1.contains("mod-97"), "{errors:?}");
}

#[test]
fn check_config_shows_a_plugin_backends_warnings_like_a_built_in_ones() {
    let (files, rel) = setup();
    // The example plugin warns of a bookkeeping endpoint read without a token or over plain
    // HTTP (through the ABI's `warnings` message); neither stops the configuration working.
    let open = files.write(
        "open.toml",
        &transfer_config(&rel, "", "http://books.example/t")
            .replace(&format!("token = \"{TOKEN}\"\n"), ""),
    );
    let out = polypay(&["check-config", open.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: backends.transfer.token: not set")
            && err.contains("warning: backends.transfer.status_url: plain HTTP"),
        "{err}"
    );
    assert!(stdout(&out).contains("valid (1 backend instance)"));

    let out = polypay(&["check-config", open.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], true);
    let fields: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["backends.transfer.token", "backends.transfer.status_url"]
    );

    // A token over HTTPS: nothing to say, exactly as for a built-in backend.
    let safe = files.write(
        "safe.toml",
        &transfer_config(&rel, "", "https://books.example/t"),
    );
    let out = polypay(&["check-config", safe.to_str().unwrap()]);
    assert!(
        out.status.success() && !stderr(&out).contains("warning"),
        "{}",
        stderr(&out)
    );

    // The same through `--plugin` and an ordinary entry of the plugin's kind.
    let plain = files.write(
        "plain.toml",
        &format!(
            "[backends.t]\nkind = \"manual_transfer\"\nbeneficiary = \"Shop\"\n\
             iban = \"{IBAN}\"\nstatus_url = \"https://books.example/t\"\n"
        ),
    );
    let out = polypay(&[
        "--plugin",
        &plugin_arg(),
        "check-config",
        plain.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: backends.t.token: not set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_config_names_a_missing_file_a_wrong_pin_and_a_wrong_backend() {
    let (files, rel) = setup();
    let dir = files.write("x", "").parent().unwrap().to_path_buf();

    let missing = files.write(
        "missing.toml",
        &transfer_config("plugins/nope.so", "", "https://b.example/t"),
    );
    let (ok, errors) = check(&missing);
    assert!(!ok);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "backends.transfer.path");
    let shown = dir.join("plugins/nope.so");
    assert!(
        errors[0].1.starts_with(&format!(
            "plugin {}: cannot find the library",
            shown.display()
        )),
        "{errors:?}"
    );

    let pin = format!("sha256 = \"{}\"\n", "ab".repeat(32));
    let wrong = files.write(
        "wrong.toml",
        &transfer_config(&rel, &pin, "https://b.example/t"),
    );
    let (ok, errors) = check(&wrong);
    assert!(!ok);
    assert_eq!(errors[0].0, "backends.transfer.sha256", "{errors:?}");
    assert!(
        errors[0].1.contains("SHA-256 mismatch") && errors[0].1.contains(&rel),
        "{errors:?}"
    );

    let no_such = files.write(
        "backend.toml",
        &transfer_config(&rel, "backend = \"nope\"\n", "https://b.example/t"),
    );
    let (_, errors) = check(&no_such);
    assert_eq!(errors[0].0, "backends.transfer.backend", "{errors:?}");
    assert!(
        errors[0].1.contains("no backend \"nope\"") && errors[0].1.contains("manual_transfer"),
        "{errors:?}"
    );

    let no_path = files.write("nopath.toml", "[backends.p]\nkind = \"plugin\"\n");
    let (_, errors) = check(&no_path);
    assert_eq!(errors[0].0, "backends.p.path", "{errors:?}");
    assert!(errors[0].1.contains("is required"), "{errors:?}");
}

#[test]
fn request_and_status_through_a_plugin_instance() {
    let (files, rel) = setup();
    let books = books();
    let cfg = files.write("shop.toml", &transfer_config(&rel, "", &books.url));
    let cfg = cfg.to_str().unwrap();

    let intent = polypay_json(&[
        "request",
        "--config",
        cfg,
        "--amount",
        "12.50",
        "--now",
        NOW,
        "--transaction-id",
        "PAID-7",
    ]);
    assert_eq!(intent["transaction_id"], "PAID-7");
    assert_eq!(intent["action"]["type"], "html");
    let html = intent["action"]["html"].as_str().unwrap();
    assert!(
        html.contains("PAID-7") && html.contains("FR76") && html.contains("12.50"),
        "{html}"
    );

    let paid = polypay_json(&["status", "--config", cfg, "--transaction-id", "PAID-7"]);
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["verified"], true);
    let waiting = polypay_json(&["status", "--config", cfg, "--transaction-id", "R-8"]);
    assert_eq!(waiting["status"], "waiting");
    assert_eq!(
        *books.seen.lock().unwrap(),
        ["/books?reference=PAID-7", "/books?reference=R-8"]
    );

    let out = polypay(&["response", "--config", cfg, "--query", "a=1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("manual_transfer"), "{}", stderr(&out));
}

#[tokio::test]
async fn the_library_opens_plugin_entries_next_to_built_in_kinds() {
    let books = books();
    let dummy_lib = plugin_with_dummy();
    let files = Files::new();
    // An absolute path, the dummy of the plugin and the built-in dummy side by side: each
    // plugin entry uses the plugin's own registry, so nothing collides.
    let cfg = files.write(
        "shop.toml",
        &format!(
            "{}\n[backends.plugged]\nkind = \"plugin\"\npath = \"{}\"\nbackend = \"dummy\"\n\
             normal_return_url = \"https://shop.example/return\"\nsecret = \"s\"\n\n{}",
            transfer_config(plugin().to_str().unwrap(), "", &books.url),
            dummy_lib.display(),
            dummy_config()
        ),
    );
    let config = ConfigFile::load(&cfg).unwrap();
    let registry = Registry::builtin().unwrap();
    let errors = polypay::check_config(&registry, &config);
    assert!(errors.is_empty(), "{errors}");

    let payment = polypay::open(&registry, &config, Some("transfer")).unwrap();
    let amount = Amount::parse("EUR:30.00").unwrap();
    let intent = payment
        .request(&PaymentRequest::new(amount).with_order_id("o-1"))
        .await
        .unwrap();
    assert!(matches!(intent.action, Action::Html { .. }));
    let status = payment
        .status(&StatusQuery::new(intent.transaction_id.clone()))
        .await
        .unwrap();
    assert_eq!(status.status(), PaymentStatus::Waiting);
    assert!(
        books.seen.lock().unwrap()[0].ends_with(&intent.transaction_id),
        "the reference reaches the books"
    );

    let plugged = polypay::open(&registry, &config, Some("plugged")).unwrap();
    let intent = plugged.request(&PaymentRequest::new(amount)).await.unwrap();
    assert!(matches!(intent.action, Action::Redirect { .. }));
    polypay::open(&registry, &config, Some("shop")).unwrap();
    assert!(
        !registry.kinds().contains(&"manual_transfer".to_owned()),
        "configuration plugins stay out of the application's registry"
    );

    // Several kinds in the plugin and no `backend`: which one is asked for.
    let several = ConfigFile::from_toml_str(&format!(
        "[backends.x]\nkind = \"plugin\"\npath = \"{}\"\n",
        dummy_lib.display()
    ))
    .unwrap();
    let Err(err) = polypay::open(&registry, &several, None) else {
        panic!("a plugin with two backends needs `backend`");
    };
    let text = err.to_string();
    assert!(
        text.contains("backends.x.backend") && text.contains("manual_transfer, dummy"),
        "{text}"
    );
}

#[test]
fn load_plugin_adds_kinds_and_never_replaces_one() {
    let mut registry = Registry::builtin().unwrap();
    let before = registry.kinds();
    let err = registry.load_plugin(plugin_with_dummy(), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Plugin);
    assert_eq!(registry.kinds(), before, "nothing of the plugin is added");

    let kinds = registry.load_plugin(plugin(), None).unwrap();
    assert_eq!(kinds, ["manual_transfer"]);
    let description = registry.describe("manual_transfer").unwrap();
    assert!(description.parameter("iban").is_some());
    // Loaded once: a second registry gets the same library.
    let mut other = Registry::new();
    assert_eq!(
        other.load_plugin(plugin(), None).unwrap(),
        ["manual_transfer"]
    );
}
