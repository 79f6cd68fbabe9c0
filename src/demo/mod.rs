//! `polypay demo`: a small web shop on 127.0.0.1 showing a complete integration, meant to be
//! copied from — a product, the customer choosing how to pay among the configured backend
//! instances, every kind of [`Action`](crate::Action) handled (redirect, a form that submits
//! itself, HTML, and payment URIs shown as a link and a QR code with a status that updates by
//! itself), the return and notification handlers (idempotent, fail closed), an orders page
//! with each order's status, whether it was verified, its history and the admin actions
//! (validate, cancel, refund) its backend supports, and a configuration admin page.
//!
//! Without `--config` it runs on the embedded dummy backend with a fresh random secret; with
//! `--config FILE` it offers every instance of the file. A `dummy` instance that does not set
//! `dummy_service_url` uses the dummy bank page the demo serves itself.
//!
//! Routes:
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the shop: product, way to pay, e-mail, "authorise only" |
//! | `POST /orders` | buy: creates the order, starts the payment, sends the payer on |
//! | `GET /orders`, `GET /orders/ID` | orders (admin), one order with history and actions |
//! | `GET /orders/ID/status.json` | the live status the order page polls (`?wait=S` asks the bank, long polling where it can) |
//! | `GET /orders/ID/qr.svg` | the QR code of the order's payment URI |
//! | `POST /orders/ID/{validate,cancel,refund,status}` | admin actions |
//! | `GET, POST /return/NAME` | the browser's return from instance NAME |
//! | `POST /notify/NAME` | the bank's server-to-server notification for instance NAME |
//! | `GET, POST /callback` | a notification for any instance, routed by [`crate::route`] |
//! | `GET /admin/config`, `GET, POST /admin/config/NAME` | the configuration admin page |
//! | `GET /admin/config.toml` | the configuration, as a download |
//! | `GET /dummy-bank/`, `POST /dummy-bank/answer` | the dummy bank's payment page |
//!
//! The configuration admin page writes the file given with `--config` (the whole file,
//! rewritten: comments are not kept); without `--config` the configuration lives in memory and
//! is offered as a download. Saved instances are used from the demo's next start.

mod admin;
mod bank;
mod handlers;
mod live;
mod pages;
pub mod store;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use serde_json::{Map, Value};
use url::Url;

use crate::config::ConfigFile;
use crate::{Description, Error, Payment, Policy, Registry, Result};

pub use store::{Applied, Order, OrderStore};

/// One payment backend instance offered by the shop.
#[derive(Debug, Clone)]
pub struct ShopInstance {
    /// Instance name (as in the configuration file).
    pub name: String,
    /// The backend's description.
    pub description: Description,
    /// The configured payment.
    pub payment: Payment,
}

/// The shop's state.
#[derive(Debug)]
pub struct Shop {
    /// The shop's own base URL (`http://127.0.0.1:8080/`).
    pub base: Url,
    /// Payment instances, in configuration order.
    pub instances: Vec<ShopInstance>,
    /// Orders.
    pub orders: OrderStore,
    registry: Registry,
    /// The configuration as the admin page edits it (not the demo's injected defaults).
    config: Mutex<ConfigFile>,
    /// Where the admin page saves it, when the demo was started with `--config`.
    config_path: Option<PathBuf>,
    /// Orders whose status is being asked right now (one question per order at a time).
    asking: Mutex<HashSet<u64>>,
    bank: bank::Bank,
    http: reqwest::Client,
}

impl Shop {
    /// A shop at `base` offering the instances of `config`, or the embedded dummy backend.
    pub fn new(registry: &Registry, base: Url, config: Option<&ConfigFile>) -> Result<Shop> {
        let config = match config {
            Some(c) => c.clone(),
            None => default_config(&base)?,
        };
        let policy: Policy = config.policy();
        let mut instances = Vec::new();
        let mut bank = bank::Bank::default();
        for inst in &config.instances {
            // A `kind = "plugin"` entry: its plugin's registry and backend kind.
            let resolved = crate::resolve_instance(registry, &config, inst)?;
            let (registry, inst) = (&*resolved.registry, &*resolved.instance);
            let params = with_demo_defaults(&base, &inst.name, &inst.kind, &inst.params);
            let backend =
                crate::config::InstanceConfig::new(&inst.name, &inst.kind, params.clone())
                    .build(registry, config.production)?;
            let description = registry.describe(&inst.kind)?;
            // The dummy bank signs with the instance's secret, which may come from the
            // environment (the build above checked that it resolves).
            let mut bank_params = params;
            let _ = description.resolve_env(&mut bank_params);
            bank.add_instance(&inst.kind, &bank_params);
            instances.push(ShopInstance {
                name: inst.name.clone(),
                description,
                payment: Payment::new(backend).with_policy(policy.clone()),
            });
        }
        if instances.is_empty() {
            return Err(Error::invalid_input(
                "the configuration has no backend instance",
            ));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Transport {
                message: e.to_string(),
                retryable: false,
            })?;
        Ok(Shop {
            base,
            instances,
            orders: OrderStore::default(),
            registry: registry.clone(),
            config: Mutex::new(config),
            config_path: None,
            asking: Mutex::new(HashSet::new()),
            bank,
            http,
        })
    }

    /// Makes the configuration admin page save into `path` (the file the demo was started
    /// with).
    pub fn with_config_path(mut self, path: impl Into<PathBuf>) -> Shop {
        self.config_path = Some(path.into());
        self
    }

    /// The instance of this name.
    pub fn instance(&self, name: &str) -> Option<&ShopInstance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// An absolute URL of the shop.
    pub fn url(&self, path: &str) -> Url {
        self.base
            .join(path.trim_start_matches('/'))
            .unwrap_or_else(|_| self.base.clone())
    }

    /// A copy of the configuration the admin page edits.
    pub fn config(&self) -> ConfigFile {
        self.config
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The embedded configuration: one dummy instance whose bank page is this shop's, signed with a
/// secret drawn at start-up.
fn default_config(base: &Url) -> Result<ConfigFile> {
    let mut secret = [0u8; 24];
    getrandom::fill(&mut secret)
        .map_err(|e| Error::invalid_input(format!("no randomness: {e}")))?;
    let join = |p: &str| base.join(p).map(|u| u.to_string()).unwrap_or_default();
    let text = format!(
        "[backends.dummy]\nkind = \"dummy\"\nnormal_return_url = {:?}\nautomatic_return_url = {:?}\n\
         dummy_service_url = {:?}\norigin = \"polypay demo shop\"\nsecret = {:?}\n",
        join("return/dummy"),
        join("notify/dummy"),
        join("dummy-bank/"),
        hex::encode(secret),
    );
    ConfigFile::from_toml_str(&text)
}

/// A `dummy` instance's parameters with the demo's own URLs where the file gives none: its
/// bank page is the one this demo serves, wherever the demo listens.
fn with_demo_defaults(
    base: &Url,
    name: &str,
    kind: &str,
    params: &Map<String, Value>,
) -> Map<String, Value> {
    let mut params = params.clone();
    if kind == "dummy" {
        let join = |p: String| base.join(&p).map(|u| u.to_string()).unwrap_or_default();
        let defaults = [
            ("dummy_service_url", join("dummy-bank/".into())),
            ("normal_return_url", join(format!("return/{name}"))),
            ("automatic_return_url", join(format!("notify/{name}"))),
        ];
        for (key, value) in defaults {
            params
                .entry(key)
                .or_insert_with(|| Value::String(value.clone()));
        }
    }
    params
}

/// The shop's routes.
pub fn router(shop: Arc<Shop>) -> Router {
    Router::new()
        .route("/", get(handlers::home))
        .route("/orders", get(handlers::orders).post(handlers::buy))
        .route("/orders/{id}", get(handlers::order))
        .route("/orders/{id}/status.json", get(live::status))
        .route("/orders/{id}/qr.svg", get(live::qr))
        .route("/orders/{id}/{op}", post(handlers::admin))
        .route(
            "/return/{instance}",
            get(handlers::browser_return).post(handlers::browser_return),
        )
        .route("/notify/{instance}", post(handlers::notify))
        .route(
            "/callback",
            get(handlers::callback).post(handlers::callback),
        )
        .route("/admin", get(admin::home))
        .route("/admin/config", get(admin::config_page))
        .route("/admin/config.toml", get(admin::download))
        .route(
            "/admin/config/{name}",
            get(admin::edit_page).post(admin::save),
        )
        .route("/dummy-bank/", get(bank::page))
        .route("/dummy-bank/answer", post(bank::answer))
        .with_state(shop)
}

/// Binds `listen`, prints the shop's URL on stdout, and serves until Ctrl-C.
pub async fn serve(registry: Registry, listen: &str, config: Option<&Path>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::invalid_input(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::invalid_input(format!("cannot read the bound address: {e}")))?;
    let base: Url = format!("http://{addr}/")
        .parse()
        .map_err(|e| Error::invalid_input(format!("bad listen address {addr}: {e}")))?;
    let file = config.map(ConfigFile::load).transpose()?;
    let mut shop = Shop::new(&registry, base.clone(), file.as_ref())?;
    if let Some(path) = config {
        shop = shop.with_config_path(path);
    }
    // A server must keep serving when nobody reads its standard output (`println!` would panic
    // on a closed pipe), so a failed write is ignored.
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "polypay demo shop listening on {base}").and_then(|()| stdout.flush());
    drop(stdout);
    axum::serve(listener, router(Arc::new(shop)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::invalid_input(format!("server error: {e}")))
}
