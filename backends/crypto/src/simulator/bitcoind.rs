//! Bitcoin Core's JSON-RPC on the loopback interface, with one watch-only wallet over a
//! [`Chain`] (feature `simulator`).
//!
//! As a node does: HTTP Basic auth (401 with an empty body otherwise); `POST /` and
//! `POST /wallet/<name>`; JSON-RPC 1.0 single calls (errors as `{"result": null, "error":
//! {code, message}}` with HTTP 500, 404 for an unknown method) and batches (HTTP 200, one
//! reply per call, in order); wallet calls to an unknown wallet fail with -18, wallet calls
//! to `/` with -19. Methods: `getblockcount`, `getbestblockhash`, `getaddressinfo`,
//! `listreceivedbyaddress`, `gettransaction`. Amounts are JSON numbers in BTC with 8 decimals
//! (`0.00150000`), written as Core writes them. The wallet watches the addresses given to
//! [`BitcoindSimulator::watch`]; a receiving address joins its address book once paid (Core
//! 23+), which is what `listreceivedbyaddress` lists.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use url::Url;

use super::chain::{Chain, Place, Tx};

#[derive(Debug, Default)]
struct World {
    watched: BTreeSet<String>,
    log: Vec<String>,
    /// One-shot JSON-RPC errors by method: (code, message).
    scripted: Vec<(String, i64, String)>,
}

#[derive(Debug)]
struct Shared {
    chain: Chain,
    user: String,
    password: String,
    wallet: String,
    world: Mutex<World>,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running Bitcoin Core simulator; stops when dropped.
#[derive(Debug)]
pub struct BitcoindSimulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: Url,
    _stop: oneshot::Sender<()>,
}

/// A JSON-RPC error.
struct RpcError(i64, String);

impl BitcoindSimulator {
    /// Starts a node on `127.0.0.1` (a free port) with the RPC credentials `user` /
    /// `password` and one loaded wallet named `wallet`.
    pub async fn start(
        chain: Chain,
        user: &str,
        password: &str,
        wallet: &str,
    ) -> std::io::Result<BitcoindSimulator> {
        let (listener, addr, url) = super::loopback::bind("").await?;
        let shared = Arc::new(Shared {
            chain,
            user: user.into(),
            password: password.into(),
            wallet: wallet.into(),
            world: Mutex::new(World::default()),
        });
        let app = Router::new().fallback(dispatch).with_state(shared.clone());
        let stop = super::loopback::serve(listener, app);
        Ok(BitcoindSimulator {
            shared,
            addr,
            url,
            _stop: stop,
        })
    }

    /// The RPC URL (`http://127.0.0.1:PORT/`): what `bitcoind_url` takes.
    pub fn url(&self) -> Url {
        self.url.clone()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The chain served.
    pub fn chain(&self) -> &Chain {
        &self.shared.chain
    }

    /// The wallet watches `addresses` (as after `importdescriptors` over their range).
    pub fn watch<'a>(&self, addresses: impl IntoIterator<Item = &'a str>) {
        let mut w = self.shared.world();
        w.watched.extend(addresses.into_iter().map(str::to_owned));
    }

    /// The next call of `method` fails with this JSON-RPC error.
    pub fn script_error(&self, method: &str, code: i64, message: &str) {
        self.shared
            .world()
            .scripted
            .push((method.into(), code, message.into()));
    }

    /// `method` of every call so far (a batch logs each of its calls).
    pub fn log(&self) -> Vec<String> {
        self.shared.world().log.clone()
    }
}

fn reply(status: u16, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// One JSON-RPC reply, `result` already serialized (so that amounts keep Core's text).
#[derive(Serialize)]
struct Envelope<'a> {
    result: &'a RawValue,
    error: Value,
    id: &'a Value,
}

fn envelope(result: Result<Box<RawValue>, RpcError>, id: &Value) -> (String, Option<i64>) {
    let null = RawValue::from_string("null".into()).unwrap_or_else(|_| unreachable!());
    let (result, error, code) = match &result {
        Ok(r) => (r.as_ref(), Value::Null, None),
        Err(RpcError(code, message)) => (
            null.as_ref(),
            json!({ "code": code, "message": message }),
            Some(*code),
        ),
    };
    let text = serde_json::to_string(&Envelope { result, error, id }).unwrap_or_default();
    (text, code)
}

async fn dispatch(
    State(sim): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", sim.user, sim.password))
    );
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(&expected)
    {
        let mut r = reply(401, String::new());
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"jsonrpc\""),
        );
        return r;
    }
    // `/` (no wallet) or `/wallet/<name>` (percent-decoded).
    let wallet = match uri.path().strip_prefix("/wallet/") {
        Some(name) => Some(
            percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .into_owned(),
        ),
        None if uri.path() == "/" => None,
        None => return reply(404, String::new()),
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        let (text, _) = envelope(Err(RpcError(-32700, "Parse error".into())), &Value::Null);
        return reply(500, text);
    };
    match request {
        Value::Array(calls) => {
            let replies: Vec<String> = calls
                .iter()
                .map(|c| envelope(call(&sim, wallet.as_deref(), c), &c["id"]).0)
                .collect();
            reply(200, format!("[{}]", replies.join(",")))
        }
        single => {
            let (text, code) = envelope(call(&sim, wallet.as_deref(), &single), &single["id"]);
            let status = match code {
                None => 200,
                Some(-32600) => 400,
                Some(-32601) => 404,
                Some(_) => 500,
            };
            reply(status, text)
        }
    }
}

fn raw(v: &impl Serialize) -> Result<Box<RawValue>, RpcError> {
    serde_json::to_string(v)
        .ok()
        .and_then(|s| RawValue::from_string(s).ok())
        .ok_or_else(|| RpcError(-1, "internal error".into()))
}

/// An amount as Core writes it: a JSON number with 8 decimals.
fn btc(sats: i64) -> Box<RawValue> {
    let sign = if sats < 0 { "-" } else { "" };
    let s = sats.unsigned_abs();
    let text = format!("{sign}{}.{:08}", s / 100_000_000, s % 100_000_000);
    RawValue::from_string(text).unwrap_or_else(|_| unreachable!())
}

fn call(sim: &Shared, wallet: Option<&str>, c: &Value) -> Result<Box<RawValue>, RpcError> {
    let method = c["method"].as_str().unwrap_or("");
    {
        let mut w = sim.world();
        w.log.push(method.to_owned());
        if let Some(i) = w.scripted.iter().position(|(m, _, _)| m == method) {
            let (_, code, message) = w.scripted.remove(i);
            return Err(RpcError(code, message));
        }
    }
    let params = c["params"].as_array().cloned().unwrap_or_default();
    let chain = &sim.chain;
    let wallet_call = matches!(
        method,
        "getaddressinfo" | "listreceivedbyaddress" | "gettransaction"
    );
    if wallet_call {
        match wallet {
            None => {
                return Err(RpcError(
                    -19,
                    "Wallet file not specified (must request wallet RPC through /wallet/<filename> uri-path).".into(),
                ));
            }
            Some(w) if w != sim.wallet => {
                return Err(RpcError(
                    -18,
                    "Requested wallet does not exist or is not loaded".into(),
                ));
            }
            Some(_) => {}
        }
    }
    match method {
        "getblockcount" => raw(&chain.tip_height()),
        "getbestblockhash" => raw(&chain.tip_hash()),
        "getaddressinfo" => {
            let a = params.first().and_then(Value::as_str).unwrap_or("");
            if !chain.valid_address(a) {
                return Err(RpcError(-5, "Invalid address".into()));
            }
            let mine = sim.world().watched.contains(a);
            raw(&json!({
                "address": a,
                "ismine": mine,
                "solvable": mine,
                "iswatchonly": false,
                "isscript": false,
                "iswitness": true,
                "witness_version": 0,
                "ischange": false,
                "labels": if mine { json!([""]) } else { json!([]) },
            }))
        }
        "listreceivedbyaddress" => list_received(sim, &params),
        "gettransaction" => get_transaction(sim, &params),
        _ => Err(RpcError(-32601, "Method not found".into())),
    }
}

#[derive(Serialize)]
struct ReceivedOut {
    address: String,
    amount: Box<RawValue>,
    confirmations: u64,
    label: String,
    txids: Vec<String>,
}

fn list_received(sim: &Shared, params: &[Value]) -> Result<Box<RawValue>, RpcError> {
    let minconf = params.first().and_then(Value::as_u64).unwrap_or(1);
    let filter = params.get(3).and_then(Value::as_str);
    if let Some(f) = filter
        && !sim.chain.valid_address(f)
    {
        return Err(RpcError(-4, "address_filter parameter was invalid".into()));
    }
    let watched: Vec<String> = sim.world().watched.iter().cloned().collect();
    let mut out = Vec::new();
    for a in watched.iter().filter(|a| filter.is_none_or(|f| f == *a)) {
        let (mempool, confirmed, conflicted) = sim.chain.address_txs(a);
        // The address book: addresses that ever received (conflicted included).
        if mempool.is_empty() && confirmed.is_empty() && conflicted.is_empty() {
            continue;
        }
        let tip = sim.chain.tip_height();
        let mut total = 0i64;
        let mut min_conf = u64::MAX;
        let mut txids = Vec::new();
        let all = mempool
            .iter()
            .map(|t| (t, 0u64))
            .chain(confirmed.iter().map(|(t, b)| (t, tip - b.height + 1)));
        for (t, conf) in all {
            if conf < minconf {
                continue;
            }
            total += paid_to(t, a);
            min_conf = min_conf.min(conf);
            txids.push(t.txid.clone());
        }
        out.push(ReceivedOut {
            address: a.clone(),
            amount: btc(total),
            confirmations: if txids.is_empty() { 0 } else { min_conf },
            label: String::new(),
            txids,
        });
    }
    raw(&out)
}

fn paid_to(tx: &Tx, address: &str) -> i64 {
    tx.outputs
        .iter()
        .filter(|o| o.address == address)
        .map(|o| i64::try_from(o.value).unwrap_or(i64::MAX))
        .sum()
}

#[derive(Serialize)]
struct DetailOut {
    #[serde(rename = "involvesWatchonly")]
    involves_watchonly: bool,
    address: String,
    category: &'static str,
    amount: Box<RawValue>,
    label: String,
    vout: usize,
}

#[derive(Serialize)]
struct WalletTxOut {
    amount: Box<RawValue>,
    confirmations: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    blockhash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blockheight: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blockindex: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocktime: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trusted: Option<bool>,
    txid: String,
    wtxid: String,
    walletconflicts: Vec<String>,
    mempoolconflicts: Vec<String>,
    time: i64,
    timereceived: i64,
    #[serde(rename = "bip125-replaceable")]
    replaceable: &'static str,
    details: Vec<DetailOut>,
    hex: String,
}

fn get_transaction(sim: &Shared, params: &[Value]) -> Result<Box<RawValue>, RpcError> {
    let txid = params.first().and_then(Value::as_str).unwrap_or("");
    let not_wallet = || RpcError(-5, "Invalid or non-wallet transaction id".into());
    let (tx, place) = sim.chain.tx(txid).ok_or_else(not_wallet)?;
    let watched = sim.world().watched.clone();
    let details: Vec<DetailOut> = tx
        .outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| watched.contains(&o.address))
        .map(|(vout, o)| DetailOut {
            involves_watchonly: true,
            address: o.address.clone(),
            category: "receive",
            amount: btc(i64::try_from(o.value).unwrap_or(i64::MAX)),
            label: String::new(),
            vout,
        })
        .collect();
    if details.is_empty() {
        return Err(not_wallet());
    }
    let total: i64 = tx
        .outputs
        .iter()
        .filter(|o| watched.contains(&o.address))
        .map(|o| i64::try_from(o.value).unwrap_or(i64::MAX))
        .sum();
    let block = match place {
        Place::Block(h) => sim.chain.block(h),
        _ => None,
    };
    let confirmations = match place {
        Place::Mempool => 0,
        Place::Block(h) => i64::try_from(sim.chain.tip_height() - h + 1).unwrap_or(i64::MAX),
        Place::Conflicted => -1,
    };
    raw(&WalletTxOut {
        amount: btc(total),
        confirmations,
        blockhash: block.as_ref().map(|b| b.hash.clone()),
        blockheight: block.as_ref().map(|b| b.height),
        blockindex: block.as_ref().map(|_| 1),
        blocktime: block.as_ref().map(|b| b.time),
        trusted: (confirmations == 0).then_some(false),
        txid: tx.txid.clone(),
        wtxid: tx.txid.clone(),
        walletconflicts: Vec::new(),
        mempoolconflicts: Vec::new(),
        time: tx.received,
        timereceived: tx.received,
        replaceable: if confirmations > 0 {
            "no"
        } else if tx.rbf {
            "yes"
        } else {
            "no"
        },
        details,
        hex: String::new(),
    })
}
