//! An Esplora REST API on the loopback interface, over a [`Chain`] (feature `simulator`).
//!
//! It answers like Blockstream's Esplora (crypto spec §4), under `/api/`:
//! `GET blocks/tip/height` and `blocks/tip/hash` as plain text; `GET address/:a` (chain and
//! mempool stats); `GET address/:a/txs` (up to 50 mempool transactions, newest first, then
//! the 25 newest confirmed ones); `GET address/:a/txs/chain[/:last_seen_txid]` (25 confirmed
//! transactions per page); `GET address/:a/txs/mempool`; `GET tx/:txid` and
//! `tx/:txid/status`. Amounts are integer satoshis; an invalid address is `400 Invalid
//! Bitcoin address`, an unknown transaction `404 Transaction not found`.
//!
//! For tests: [`EsploraSimulator::script`] replaces the next matching answer (a failure),
//! [`EsploraSimulator::set_tip_lag`] reports a tip below the real one (inconsistent answers),
//! [`EsploraSimulator::set_latency`] delays every answer.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use polypay_crypto::simulator::{chain::Chain, esplora::EsploraSimulator};
//! let chain = Chain::new(polypay_crypto::bitcoin::Network::Mainnet, 800_000);
//! let sim = EsploraSimulator::start(chain).await?;
//! assert!(sim.base_url().as_str().ends_with("/api/"));
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use bitcoin::Address;
use bitcoin::hex::DisplayHex;
use polypay_core::testkit::Recorder;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use url::Url;

use super::chain::{Block, Chain, Tx};

/// Mempool transactions listed with `address/:a/txs`.
const MEMPOOL_PAGE: usize = 50;
/// Confirmed transactions per page.
const CHAIN_PAGE: usize = 25;

#[derive(Debug, Default)]
struct World {
    /// Every request, and the answers tests scripted.
    recorder: Recorder,
    tip_lag: u64,
    latency: Option<Duration>,
}

#[derive(Debug)]
struct Shared {
    chain: Chain,
    world: Mutex<World>,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running Esplora simulator; stops when dropped.
#[derive(Debug)]
pub struct EsploraSimulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base: Url,
    _stop: oneshot::Sender<()>,
}

impl EsploraSimulator {
    /// Starts a simulator of `chain` on `127.0.0.1` (a free port), on the current tokio
    /// runtime.
    pub async fn start(chain: Chain) -> std::io::Result<EsploraSimulator> {
        let (listener, addr, base) = super::loopback::bind("api/").await?;
        let shared = Arc::new(Shared {
            chain,
            world: Mutex::new(World::default()),
        });
        let app = Router::new().fallback(dispatch).with_state(shared.clone());
        let stop = super::loopback::serve(listener, app);
        Ok(EsploraSimulator {
            shared,
            addr,
            base,
            _stop: stop,
        })
    }

    /// The API's base URL (`http://127.0.0.1:PORT/api/`): what `esplora_url` takes.
    pub fn base_url(&self) -> Url {
        self.base.clone()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The chain served.
    pub fn chain(&self) -> &Chain {
        &self.shared.chain
    }

    /// Answers the next GET whose path ends with `path_suffix` with `status` and `body`.
    pub fn script(&self, path_suffix: &str, status: u16, body: &str) {
        self.shared
            .world()
            .recorder
            .script_any_method(path_suffix, status, body);
    }

    /// Reports the tip `lag` blocks below the real one (a lagging, inconsistent server).
    pub fn set_tip_lag(&self, lag: u64) {
        self.shared.world().tip_lag = lag;
    }

    /// Delays every answer by `latency` (a distant server).
    pub fn set_latency(&self, latency: Option<Duration>) {
        self.shared.world().latency = latency;
    }

    /// `METHOD /path` of every request so far.
    pub fn log(&self) -> Vec<String> {
        self.shared.world().recorder.log().to_vec()
    }
}

fn text(status: u16, body: impl Into<String>) -> Response {
    let mut r = Response::new(Body::from(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn json_reply(body: &Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn dispatch(State(sim): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    let (scripted, latency) = {
        let mut w = sim.world();
        (w.recorder.record(method.as_str(), &path), w.latency)
    };
    if let Some(d) = latency {
        tokio::time::sleep(d).await;
    }
    if let Some(s) = scripted {
        return text(s.status, s.body);
    }
    if method != Method::GET {
        return text(405, "Method Not Allowed");
    }
    let Some(rest) = path.strip_prefix("/api/") else {
        return text(404, "Not Found");
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let chain = &sim.chain;
    let tip = chain.tip_height();
    match parts.as_slice() {
        ["blocks", "tip", "height"] => {
            let lag = sim.world().tip_lag;
            text(200, tip.saturating_sub(lag).to_string())
        }
        ["blocks", "tip", "hash"] => text(200, chain.tip_hash()),
        ["address", a, more @ ..] => {
            if !chain.valid_address(a) {
                return text(400, "Invalid Bitcoin address");
            }
            address(chain, a, more, tip)
        }
        ["tx", txid] | ["tx", txid, "status"] => match chain.tx(txid) {
            Some((tx, place)) => {
                let block = match place {
                    super::chain::Place::Block(h) => chain.block(h),
                    super::chain::Place::Mempool => None,
                    super::chain::Place::Conflicted => {
                        return text(404, "Transaction not found");
                    }
                };
                let v = tx_json(&tx, block.as_ref());
                if parts.len() == 3 {
                    json_reply(&v["status"])
                } else {
                    json_reply(&v)
                }
            }
            None => text(404, "Transaction not found"),
        },
        _ => text(404, "Not Found"),
    }
}

fn address(chain: &Chain, a: &str, more: &[&str], _tip: u64) -> Response {
    let (mempool, confirmed, _) = chain.address_txs(a);
    let chain_page = |after: Option<&str>| -> Option<Vec<Value>> {
        let start = match after {
            None => 0,
            Some(last) => confirmed.iter().position(|(t, _)| t.txid == last)? + 1,
        };
        Some(
            confirmed
                .iter()
                .skip(start)
                .take(CHAIN_PAGE)
                .map(|(t, b)| tx_json(t, Some(b)))
                .collect(),
        )
    };
    match more {
        [] => {
            let stats = |txs: Vec<&Tx>| {
                let funded: Vec<u64> = txs
                    .iter()
                    .flat_map(|t| t.outputs.iter().filter(|o| o.address == a).map(|o| o.value))
                    .collect();
                json!({
                    "tx_count": txs.len(),
                    "funded_txo_count": funded.len(),
                    "funded_txo_sum": funded.iter().sum::<u64>(),
                    "spent_txo_count": 0,
                    "spent_txo_sum": 0,
                })
            };
            json_reply(&json!({
                "address": a,
                "chain_stats": stats(confirmed.iter().map(|(t, _)| t).collect()),
                "mempool_stats": stats(mempool.iter().collect()),
            }))
        }
        ["txs"] => {
            let mut out: Vec<Value> = mempool
                .iter()
                .take(MEMPOOL_PAGE)
                .map(|t| tx_json(t, None))
                .collect();
            out.extend(chain_page(None).unwrap_or_default());
            json_reply(&Value::Array(out))
        }
        ["txs", "chain"] => json_reply(&Value::Array(chain_page(None).unwrap_or_default())),
        ["txs", "chain", last] => match chain_page(Some(last)) {
            Some(page) => json_reply(&Value::Array(page)),
            None => text(400, "Invalid last_seen_txid"),
        },
        ["txs", "mempool"] => json_reply(&Value::Array(
            mempool
                .iter()
                .take(MEMPOOL_PAGE)
                .map(|t| tx_json(t, None))
                .collect(),
        )),
        _ => text(404, "Not Found"),
    }
}

/// A transaction as Esplora shows it.
fn tx_json(tx: &Tx, block: Option<&Block>) -> Value {
    let vout: Vec<Value> = tx
        .outputs
        .iter()
        .map(|o| {
            let script = Address::from_str(&o.address)
                .map(|a| {
                    a.assume_checked()
                        .script_pubkey()
                        .to_bytes()
                        .to_lower_hex_string()
                })
                .unwrap_or_default();
            json!({
                "scriptpubkey": script,
                "scriptpubkey_asm": "",
                "scriptpubkey_type": "v0_p2wpkh",
                "scriptpubkey_address": o.address,
                "value": o.value,
            })
        })
        .collect();
    let status = match block {
        Some(b) => json!({
            "confirmed": true,
            "block_height": b.height,
            "block_hash": b.hash,
            "block_time": b.time,
        }),
        None => json!({ "confirmed": false }),
    };
    json!({
        "txid": tx.txid,
        "version": 2,
        "locktime": 0,
        "vin": [{
            "txid": "00".repeat(32),
            "vout": 0,
            "prevout": null,
            "scriptsig": "",
            "scriptsig_asm": "",
            "witness": [],
            "is_coinbase": false,
            "sequence": if tx.rbf { 0xffff_fffd_u32 } else { 0xffff_ffff },
        }],
        "vout": vout,
        "size": 222,
        "weight": 561,
        "fee": 1410,
        "status": status,
    })
}
