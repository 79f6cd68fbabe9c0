//! Shared helpers of the bitcoin tests: a regtest chain, its simulators, a `Payment` whose
//! clock the test moves together with the chain's.

// Test helpers: a panic here is a failed test, not a crash on outside input.
#![allow(clippy::unwrap_used, dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::SignedDuration;
pub use polypay_core::testkit::{eur, status_query as query};
use polypay_core::{
    Amount, Payment, PaymentIntent, PaymentRequest, PaymentResponse, Policy, StatusQuery, Timestamp,
};
use polypay_crypto::bitcoin::{AccountKey, Bitcoin, BitcoinConfig, Network};
use polypay_crypto::simulator::bitcoind::BitcoindSimulator;
use polypay_crypto::simulator::chain::Chain;
use polypay_crypto::simulator::esplora::EsploraSimulator;
use serde_json::{Map, Value, json};

/// The testnet account of the BIP84 test vectors (bip_utils), used on regtest.
pub const VPUB: &str = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc";

/// The time every test starts at (the conformance suite's).
pub fn t0() -> Timestamp {
    "2024-05-01T10:00:00Z".parse().unwrap()
}

/// A clock shared by the chain and the `Payment`.
#[derive(Clone)]
pub struct Clock {
    now: Arc<Mutex<Timestamp>>,
    chain: Chain,
}

impl Clock {
    /// A clock of `chain`, both at t0.
    pub fn start(chain: &Chain) -> Clock {
        let clock = Clock {
            now: Arc::new(Mutex::new(t0())),
            chain: chain.clone(),
        };
        clock.at(0);
        clock
    }

    pub fn now(&self) -> Timestamp {
        *self.now.lock().unwrap()
    }

    /// Moves both clocks to `minutes` after t0.
    pub fn at(&self, minutes: i64) {
        let t = t0()
            .checked_add(SignedDuration::from_mins(minutes))
            .unwrap();
        *self.now.lock().unwrap() = t;
        self.chain.set_now(t);
    }
}

pub fn policy() -> Policy {
    Policy::default()
        .allow_http(true)
        .retries(0)
        .timeout(Duration::from_secs(10))
}

pub fn key() -> AccountKey {
    AccountKey::parse(VPUB, Network::Regtest).unwrap()
}

/// The configuration `base` with `patch` applied (a `null` removes a key).
pub fn patched(base: Value, patch: Value) -> Map<String, Value> {
    let config = polypay_core::testkit::patched(&base, &patch);
    config.as_object().cloned().unwrap()
}

pub fn payment(config: Map<String, Value>, clock: &Clock) -> Payment {
    let config: BitcoinConfig = serde_json::from_value(Value::Object(config)).unwrap();
    let clock = clock.clone();
    Payment::new(Arc::new(Bitcoin::new(config).unwrap()))
        .with_policy(policy())
        .with_clock(move || clock.now())
}

/// A regtest chain, an Esplora over it, and a `Payment` configured for it.
pub struct EsploraEnv {
    pub chain: Chain,
    pub sim: EsploraSimulator,
    pub clock: Clock,
    pub payment: Payment,
}

pub fn esplora_config(sim: &EsploraSimulator, patch: Value) -> Map<String, Value> {
    patched(
        json!({
            "xpub": VPUB,
            "network": "regtest",
            "esplora_url": sim.base_url().as_str(),
            "rates": { "EUR": "60000" },
            "label": "Test Shop",
        }),
        patch,
    )
}

pub async fn esplora_env(patch: Value) -> EsploraEnv {
    let chain = Chain::new(polypay_crypto::bitcoin::Network::Regtest, 200);
    let sim = EsploraSimulator::start(chain.clone()).await.unwrap();
    let clock = Clock::start(&chain);
    let payment = payment(esplora_config(&sim, patch), &clock);
    EsploraEnv {
        chain,
        sim,
        clock,
        payment,
    }
}

/// A regtest chain, a Bitcoin Core node over it watching the first 100 addresses, and a
/// `Payment` configured for it.
pub struct NodeEnv {
    pub chain: Chain,
    pub node: BitcoindSimulator,
    pub clock: Clock,
    pub payment: Payment,
}

pub const RPC_USER: &str = "shop";
pub const RPC_PASSWORD: &str = "rpc-secret-pw";
pub const WALLET: &str = "shop watch";

pub fn node_config(node: &BitcoindSimulator, patch: Value) -> Map<String, Value> {
    patched(
        json!({
            "xpub": VPUB,
            "network": "regtest",
            "bitcoind_url": node.url().as_str(),
            "bitcoind_user": RPC_USER,
            "bitcoind_password": RPC_PASSWORD,
            "bitcoind_wallet": WALLET,
            "rates": { "EUR": "60000" },
        }),
        patch,
    )
}

pub async fn node_env(patch: Value) -> NodeEnv {
    let chain = Chain::new(polypay_crypto::bitcoin::Network::Regtest, 200);
    let node = BitcoindSimulator::start(chain.clone(), RPC_USER, RPC_PASSWORD, WALLET)
        .await
        .unwrap();
    let k = key();
    let addresses: Vec<String> = (0..100).map(|i| k.address(i).unwrap()).collect();
    node.watch(addresses.iter().map(String::as_str));
    let clock = Clock::start(&chain);
    let payment = payment(node_config(&node, patch), &clock);
    NodeEnv {
        chain,
        node,
        clock,
        payment,
    }
}

/// Pays request `index` of EUR 30.00 in full in one mined block (`status` then says paid),
/// then reorganises the paying transaction out of the chain. Returns the answer of `status`
/// after the reorganisation and the transaction's id.
pub async fn paid_then_reorganised(
    chain: &Chain,
    payment: &Payment,
    index: u32,
) -> (PaymentResponse, String) {
    let intent = payment.request(&req(eur("30.00"), index)).await.unwrap();
    let (address, sats) = due(&intent);
    let txid = chain.pay(&address, sats);
    chain.mine(1);
    let paid = payment.status(&query(&intent)).await.unwrap();
    assert!(paid.is_paid());
    chain.reorg(1, &[&txid]);
    let r = payment.status(&follow(&intent, &paid)).await.unwrap();
    (r, txid)
}

/// A request for `amount` at `index`.
pub fn req(amount: Amount, index: u32) -> PaymentRequest {
    PaymentRequest::new(amount).with_extra_json("address_index", json!(index))
}

/// What the intent asks: its address and amount in satoshis.
pub fn due(intent: &PaymentIntent) -> (String, u64) {
    (
        intent.backend_data["address"].as_str().unwrap().to_owned(),
        intent.backend_data["amount_sat"].as_u64().unwrap(),
    )
}

/// The status query an integrator makes from the last response.
pub fn follow(intent: &PaymentIntent, last: &PaymentResponse) -> StatusQuery {
    StatusQuery::new(intent.transaction_id.clone()).with_bank_data(last.bank_data.clone())
}

pub fn state(r: &PaymentResponse) -> &str {
    r.bank_data["state"].as_str().unwrap()
}
