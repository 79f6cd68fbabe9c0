//! `polypay demo`: a small web shop on 127.0.0.1 showing a complete integration — a product,
//! a pay button, the bank (the dummy bank page, served here too), the return and notification
//! handlers, and an orders page with each order's status, whether it was verified, its history
//! and the admin actions (validate, cancel, refund) its backend supports.
//!
//! Without `--config` it runs on the embedded dummy backend with a fresh random secret; with
//! `--config FILE` it offers every instance of the file.

mod bank;
mod handlers;
mod pages;
pub mod store;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
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
    bank: bank::Bank,
    http: reqwest::Client,
}

impl Shop {
    /// A shop at `base` offering the instances of `config`, or the embedded dummy backend.
    pub fn new(registry: &Registry, base: Url, config: Option<&ConfigFile>) -> Result<Shop> {
        let owned;
        let config = match config {
            Some(c) => c,
            None => {
                owned = default_config(&base)?;
                &owned
            }
        };
        let policy: Policy = config.policy();
        let mut instances = Vec::new();
        let mut bank = bank::Bank::default();
        for inst in &config.instances {
            // A `kind = "plugin"` entry: its plugin's registry and backend kind.
            let resolved = crate::resolve_instance(registry, config, inst)?;
            let (registry, inst) = (&*resolved.registry, &*resolved.instance);
            let backend = registry.build(&inst.kind, &inst.params)?;
            bank.add_instance(&inst.kind, &inst.params);
            instances.push(ShopInstance {
                name: inst.name.clone(),
                description: registry.describe(&inst.kind)?,
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
            bank,
            http,
        })
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

/// The shop's routes.
pub fn router(shop: Arc<Shop>) -> Router {
    Router::new()
        .route("/", get(handlers::home))
        .route("/orders", get(handlers::orders).post(handlers::buy))
        .route("/orders/{id}", get(handlers::order))
        .route("/orders/{id}/{op}", post(handlers::admin))
        .route(
            "/return/{instance}",
            get(handlers::browser_return).post(handlers::browser_return_post),
        )
        .route("/notify/{instance}", post(handlers::notify))
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
    let config = config.map(ConfigFile::load).transpose()?;
    let shop = Arc::new(Shop::new(&registry, base.clone(), config.as_ref())?);
    println!("polypay demo shop listening on {base}");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    axum::serve(listener, router(shop))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::invalid_input(format!("server error: {e}")))
}
