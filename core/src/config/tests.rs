//! Tests of configuration files, with a small backend factory registered in a local registry.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;
use crate::{
    BackendFactory, Capabilities, Context, Description, Incoming, NoTransactionFields, Operation,
    PaymentIntent, PaymentRequest, PaymentResponse, Secret, Step, parse_config,
};

#[derive(Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Language {
    #[default]
    En,
    Fr,
}

/// Shop
///
/// A backend of the tests.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ShopConfig {
    /// Shop id
    #[schemars(regex(pattern = r"^[a-z]{3}\d{3}$"))]
    shop_id: String,
    /// API key
    #[serde(skip_serializing)]
    api_key: Secret,
    /// Sandbox
    #[serde(default)]
    sandbox: bool,
    /// Language
    #[serde(default)]
    language: Language,
    /// Timeout in seconds
    #[schemars(range(min = 1, max = 60))]
    #[serde(default = "ten")]
    timeout: u32,
    /// Currencies
    #[serde(default)]
    currencies: Vec<String>,
}

fn ten() -> u32 {
    10
}

struct ShopBackend {
    kind: &'static str,
    sandbox: bool,
}

impl Backend for ShopBackend {
    fn kind(&self) -> &str {
        self.kind
    }
    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::new(&[Operation::Request, Operation::Response]);
        caps.test_only = self.sandbox;
        caps
    }
    fn request(&self, _: &PaymentRequest, _: Context<'_>) -> Result<Step<PaymentIntent>> {
        Err(Error::unsupported(self.kind, Operation::Request))
    }
    fn response(&self, _: &Incoming, _: Context<'_>) -> Result<Step<PaymentResponse>> {
        Err(Error::unsupported(self.kind, Operation::Response))
    }
}

struct ShopFactory {
    kind: &'static str,
    test_only: bool,
}

impl BackendFactory for ShopFactory {
    fn kind(&self) -> &str {
        self.kind
    }
    fn description(&self) -> Description {
        let mut caps = Capabilities::new(&[Operation::Request, Operation::Response]);
        caps.test_only = self.test_only;
        Description::from_types::<ShopConfig, NoTransactionFields>(self.kind, "Shop", caps)
    }
    fn build(&self, config: &Map<String, Value>) -> Result<Arc<dyn Backend>> {
        let config: ShopConfig = parse_config(&self.description(), config)?;
        // A check beyond the schema, reported like the schema's.
        if config.api_key.expose() == "revoked" {
            return Err(ConfigErrors(vec![FieldError::new("api_key", "was revoked")]).into());
        }
        Ok(Arc::new(ShopBackend {
            kind: self.kind,
            sandbox: self.test_only || config.sandbox,
        }))
    }
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(Arc::new(ShopFactory {
            kind: "shop",
            test_only: false,
        }))
        .unwrap();
    registry
        .register(Arc::new(ShopFactory {
            kind: "sandbox",
            test_only: true,
        }))
        .unwrap();
    registry
}

fn messages(errors: &ConfigErrors) -> Vec<String> {
    errors.0.iter().map(|e| e.to_string()).collect()
}

fn config_errors<T>(result: Result<T>) -> Vec<String> {
    match result {
        Err(Error::Config(errors)) => messages(&errors),
        Err(other) => panic!("expected configuration errors, got {other}"),
        Ok(_) => panic!("expected configuration errors, got success"),
    }
}

#[test]
fn instances_in_file_order_without_kind() {
    let file = ConfigFile::from_toml_str(
        r#"
        production = true
        [backends.zeta]
        kind = "shop"
        shop_id = "abc123"
        [backends.alpha]
        kind = "sandbox"
        api_key = { env = "SOME_VARIABLE" }
        since = 1979-05-27T07:32:00Z
        ratio = 0.5
        "#,
    )
    .unwrap();
    assert!(file.production);
    assert_eq!(file.names(), ["zeta", "alpha"]);
    assert_eq!(file.instances[1].kind, "sandbox");
    assert_eq!(
        Value::Object(file.instances[1].params.clone()),
        json!({ "api_key": { "env": "SOME_VARIABLE" }, "since": "1979-05-27T07:32:00Z", "ratio": 0.5 })
    );
    assert!(
        !ConfigFile::from_toml_str("[backends]\n")
            .unwrap()
            .production
    );
}

#[test]
fn syntax_errors_give_the_position_not_the_text() {
    let text = "[backends.a]\nkind = \"shop\"\napi_key = \"hunter2-secret\nshop_id = 1\n";
    let errors = config_errors(ConfigFile::from_toml_str(text));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("TOML syntax error at line 3, column "),
        "{errors:?}"
    );
    assert!(!errors[0].contains("hunter2"), "{errors:?}");
}

#[test]
fn structure_errors_all_at_once() {
    let text = r#"
        productoin = true
        production = "yes"
        [backends]
        bad = 5
        [backends.nokind]
        shop_id = "x"
        [backends.numkind]
        kind = 3
    "#;
    assert_eq!(
        config_errors(ConfigFile::from_toml_str(text)),
        [
            "productoin: unknown key (did you mean production?); a configuration holds production, [http] and [backends.NAME] tables",
            "production: must be true or false",
            "backends.bad: must be a table: write [backends.bad] then kind = \"...\"",
            "backends.nokind.kind: is required (the backend kind, such as kind = \"dummy\")",
            "backends.numkind.kind: must be text (the backend kind)",
        ]
    );
    assert_eq!(
        config_errors(ConfigFile::from_toml_str("production = false\n")),
        ["backends: is required: add a [backends.NAME] table for each backend instance"]
    );
    assert_eq!(
        config_errors(ConfigFile::from_toml_str("backends = [1]\n")),
        [
            "backends: must be a table of backend instances: write [backends.NAME] then kind = \"...\""
        ]
    );
}

const BROKEN: &str = r#"
production = true

[backends.good]
kind = "shop"
shop_id = "abc123"
api_key = { env = "CARGO_PKG_NAME" }

[backends.typo]
kind = "shpo"

[backends.bad]
kind = "shop"
shop_id = "hunter2-id"
api_key = { env = "POLYPAY_SURELY_UNSET_VARIABLE" }
sandbox = "hunter2-yes"
language = "hunter2-de"
timeout = 0
currencies = "hunter2-EUR"
langauge = "fr"

[backends.test]
kind = "sandbox"
shop_id = "abc123"
api_key = "hunter2-secret"

[backends.revoked]
kind = "shop"
shop_id = "abc123"
api_key = "revoked"
"#;

#[test]
fn check_reports_every_instance_and_every_problem() {
    let file = ConfigFile::from_toml_str(BROKEN).unwrap();
    let errors = file.check(&registry());
    assert_eq!(
        messages(&errors),
        [
            "backends.typo.kind: unknown backend kind \"shpo\" (did you mean shop?); available: sandbox, shop",
            "backends.bad.api_key: environment variable POLYPAY_SURELY_UNSET_VARIABLE is not set",
            "backends.bad.shop_id: must match the pattern ^[a-z]{3}\\d{3}$",
            "backends.bad.sandbox: must be true or false",
            "backends.bad.language: must be one of: en, fr",
            "backends.bad.timeout: must be at least 1",
            "backends.bad.currencies: must be a list",
            "backends.bad.langauge: unknown parameter (did you mean language?)",
            "backends.test.kind: the sandbox backend is for tests only and is refused when production = true",
            "backends.revoked.api_key: was revoked",
        ]
    );
    let shown = format!("{errors:?} {} {file:?}", Error::Config(errors.clone()));
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("polypay-core"), "{shown}");
    assert!(config_errors(file.build(&registry())).len() == errors.0.len());
}

#[test]
fn environment_secrets_are_read_at_build_time() {
    let file = ConfigFile::from_toml_str(BROKEN).unwrap();
    let good = file.instance(Some("good")).unwrap();
    assert!(
        good.params["api_key"].is_object(),
        "the file keeps the reference"
    );
    let description = registry().describe("shop").unwrap();
    let config: ShopConfig = parse_config(&description, &good.params).unwrap();
    assert_eq!(config.api_key.expose(), "polypay-core");
    assert_eq!((config.timeout, config.sandbox), (10, false));
    // One instance builds although others are broken.
    let backend = file.build_instance(&registry(), Some("good")).unwrap();
    assert_eq!(backend.kind(), "shop");
    assert_eq!(
        config_errors(file.build_instance(&registry(), Some("test"))),
        [
            "backends.test.kind: the sandbox backend is for tests only and is refused when production = true"
        ]
    );
}

#[test]
fn build_and_pick_instances() {
    let text = r#"
        [backends.live]
        kind = "shop"
        shop_id = "abc123"
        api_key = "k1"
        [backends.play]
        kind = "sandbox"
        shop_id = "xyz789"
        api_key = "k2"
        "#;
    let file = ConfigFile::from_toml_str(text).unwrap();
    assert!(file.check(&registry()).is_empty());
    let instances = file.build(&registry()).unwrap();
    assert_eq!(instances.names(), ["live", "play"]);
    assert_eq!(instances.get("play").unwrap().kind(), "sandbox");
    assert!(instances.get("play").unwrap().capabilities().test_only);
    assert_eq!(
        format!("{instances:?}"),
        r#"{"live": "shop", "play": "sandbox"}"#
    );
    let err = instances.only().err().unwrap();
    assert_eq!(
        err.to_string(),
        "invalid input: the configuration has several backend instances (live, play): choose one by name"
    );
    let err = instances.get("lvie").err().unwrap();
    assert_eq!(
        err.to_string(),
        "invalid input: no backend instance named \"lvie\" (did you mean live?); available: live, play"
    );
    assert!(file.instance(None).is_err());
    assert_eq!(file.instance(Some("live")).unwrap().kind, "shop");

    let one = ConfigFile::from_toml_str(
        "[backends.only]\nkind = \"shop\"\nshop_id = \"abc123\"\napi_key = \"k\"\n",
    )
    .unwrap();
    assert_eq!(one.instance(None).unwrap().name, "only");
    assert_eq!(
        one.build(&registry()).unwrap().only().unwrap().kind(),
        "shop"
    );

    let empty = ConfigFile::from_toml_str("[backends]\n").unwrap();
    assert!(
        empty
            .instance(None)
            .err()
            .unwrap()
            .to_string()
            .contains("no backend instance is configured")
    );
    assert_eq!(
        messages(&empty.check(&registry())),
        ["backends: no backend instance is configured: add a [backends.NAME] table"]
    );
}

#[test]
fn written_back_as_toml_unchanged() {
    let params = json!({
        "quote\"d key": "a \"quoted\" 'value'\nwith a newline and ünicode",
        "key": { "env": "SHOP_KEY" },
        "list": [1, "two", true],
        "table": { "x": { "y": 1.5 } },
        "kind": "ignored",
        "nothing": null,
    });
    let params = params.as_object().cloned().unwrap();
    let instance = InstanceConfig::new("my shop.1", "shop", params.clone());
    let file = ConfigFile {
        production: true,
        instances: vec![instance, InstanceConfig::new("b", "sandbox", Map::new())],
        http: Default::default(),
        dir: None,
    };
    let text = file.to_toml();
    let back = ConfigFile::from_toml_str(&text).unwrap();
    let mut expected = params;
    expected.remove("kind");
    expected.remove("nothing");
    assert_eq!(back.instances[0].params, expected, "{text}");
    assert_eq!(back.names(), ["my shop.1", "b"]);
    assert!(back.production);
    assert!(
        text.starts_with("production = true\n\n[backends.\"my shop.1\"]\nkind = \"shop\"\n"),
        "{text}"
    );
    assert_eq!(
        instance_toml("b", "sandbox", &Map::new()),
        "[backends.b]\nkind = \"sandbox\"\n"
    );
}

#[test]
fn debug_hides_values() {
    let file = ConfigFile::from_toml_str("[backends.a]\nkind = \"shop\"\napi_key = \"hunter2\"\n")
        .unwrap();
    let shown = format!("{file:?}");
    assert!(
        shown.contains("api_key") && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[test]
fn load_from_a_file() {
    let path =
        std::env::temp_dir().join(format!("polypay-config-test-{}.toml", std::process::id()));
    std::fs::write(&path, "[backends.a]\nkind = \"shop\"\n").unwrap();
    let loaded = ConfigFile::load(&path);
    std::fs::write(&path, "[backends.a\n").unwrap();
    let broken = ConfigFile::load(&path);
    std::fs::remove_file(&path).unwrap();
    let loaded = loaded.unwrap();
    assert_eq!(loaded.names(), ["a"]);
    assert_eq!(loaded.dir.as_deref(), path.parent());
    let errors = config_errors(broken);
    assert!(
        errors[0].starts_with(&format!("{}: TOML syntax error at line 1", path.display())),
        "{errors:?}"
    );
    let missing = config_errors(ConfigFile::load(&path));
    assert!(
        missing[0].starts_with("cannot read the configuration file"),
        "{missing:?}"
    );
}

#[test]
fn http_table_sets_the_policy() {
    let file = ConfigFile::from_toml_str(
        "[http]\nallow_http = true\ntimeout_seconds = 5\nretries = 0\n[backends.a]\nkind = \"x\"\n",
    )
    .unwrap();
    assert!(file.http.allow_http);
    assert_eq!(file.http.timeout_seconds, Some(5));
    #[cfg(feature = "client")]
    {
        let p = file.policy();
        assert!(p.allow_http);
        assert_eq!(p.timeout, std::time::Duration::from_secs(5));
        assert_eq!(p.retries, 0);
    }
    let round = ConfigFile::from_toml_str(&file.to_toml()).unwrap();
    assert_eq!(round.http, file.http);

    let err = ConfigFile::from_toml_str(
        "[http]\nallow_htp = true\ntimeout_seconds = -1\n[backends.a]\nkind = \"x\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("http.allow_htp") && err.contains("did you mean allow_http"),
        "{err}"
    );
    assert!(err.contains("http.timeout_seconds"), "{err}");
}
