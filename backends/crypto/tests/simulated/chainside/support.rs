//! Shared helpers: a simulator, a configuration for it, the backend and its `Payment`, and a
//! loopback receiver of callbacks (the merchant's web handler).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
pub use polypay_core::testkit::{eur, later, status_query as query};
use polypay_core::{Incoming, Payment, PaymentIntent, PaymentRequest, Policy};
use polypay_crypto::chainside::{Chainside, ChainsideClient, ChainsideFactory};
use polypay_crypto::simulator::chainside::{ChainsideSimulator, ChainsideSimulatorBuilder};
use polypay_crypto::simulator::loopback;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use url::Url;

pub struct Env {
    pub sim: ChainsideSimulator,
    pub cs: Arc<Chainside>,
    pub payment: Payment,
    pub client: ChainsideClient,
}

/// The configuration of a backend talking to `sim`, with `patch` applied (`null` removes).
pub fn config(sim: &ChainsideSimulator, patch: Value) -> Map<String, Value> {
    let mut c = json!({
        "client_id": sim.client_id(),
        "secret": sim.secret(),
        "base_url": sim.base_url().as_str(),
    })
    .as_object()
    .cloned()
    .unwrap();
    for (k, v) in patch.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            c.remove(&k);
        } else {
            c.insert(k, v);
        }
    }
    c
}

pub fn backend(config: &Map<String, Value>) -> Arc<Chainside> {
    ChainsideFactory.build_chainside(config).unwrap()
}

pub fn policy() -> Policy {
    Policy::default()
        .allow_http(true)
        .retries(0)
        .timeout(Duration::from_secs(10))
}

pub fn env_for(sim: ChainsideSimulator, patch: Value) -> Env {
    let cs = backend(&config(&sim, patch));
    let payment = Payment::new(cs.clone()).with_policy(policy());
    let client = ChainsideClient::with_payment(cs.clone(), payment.clone());
    Env {
        sim,
        cs,
        payment,
        client,
    }
}

pub async fn env_with(builder: ChainsideSimulatorBuilder, patch: Value) -> Env {
    env_for(builder.start().await.unwrap(), patch)
}

/// A simulator that delivers callbacks to loopback `http://` URLs, and its backend.
pub async fn env() -> Env {
    env_with(
        ChainsideSimulator::builder().allow_http_callbacks(true),
        json!({}),
    )
    .await
}

pub fn req(amount: &str, id: &str) -> PaymentRequest {
    PaymentRequest::new(eur(amount)).with_transaction_id(id)
}

pub fn uuid(intent: &PaymentIntent) -> String {
    intent.backend_data["uuid"].as_str().unwrap().to_owned()
}

/// The merchant's callback handler on the loopback interface: keeps what it receives.
pub struct Receiver {
    pub url: Url,
    got: Arc<Mutex<Vec<Incoming>>>,
    _stop: oneshot::Sender<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let (listener, _, url) = loopback::bind("chainside/callback").await.unwrap();
        let got: Arc<Mutex<Vec<Incoming>>> = Arc::default();
        let sink = got.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let sink = sink.clone();
                async move {
                    let headers = headers
                        .iter()
                        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
                        .collect();
                    let incoming = Incoming::new(
                        method.as_str(),
                        uri.query().unwrap_or(""),
                        headers,
                        body.to_vec(),
                    );
                    sink.lock().unwrap().push(incoming);
                    "OK"
                }
            },
        );
        Receiver {
            url,
            got,
            _stop: loopback::serve(listener, app),
        }
    }

    /// Requests a payment of `amount` euros as transaction `id`, notified to this receiver.
    pub async fn request(&self, payment: &Payment, amount: &str, id: &str) -> PaymentIntent {
        let request = req(amount, id).with_notification_url(self.url.clone());
        payment.request(&request).await.unwrap()
    }

    pub fn received(&self) -> Vec<Incoming> {
        self.got.lock().unwrap().clone()
    }

    /// The last callback received (waiting a little for a delivery in flight).
    pub async fn last(&self) -> Incoming {
        for _ in 0..100 {
            if let Some(last) = self.got.lock().unwrap().last().cloned() {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no callback received");
    }

    /// Waits until `n` callbacks arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Incoming> {
        for _ in 0..100 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("expected {n} callbacks, got {:?}", self.received().len());
    }
}
