//! `status` through Bitcoin Core's JSON-RPC (a watch-only wallet at `…/wallet/<name>`, HTTP
//! Basic auth), as sans-IO steps. Each step is one HTTP exchange carrying a JSON-RPC batch:
//!
//! 1. `getaddressinfo(address)` — the wallet must watch the address (`ismine` or
//!    `iswatchonly`); otherwise the node cannot see payments to it and the answer is an error
//!    naming the descriptor to import, never "unpaid" — and
//!    `listreceivedbyaddress(0, true, true, address)` for the ids of the transactions that
//!    paid it (conflicted ones excluded);
//! 2. `gettransaction(txid, true, false)` for each of them: confirmations (negative when
//!    conflicted), block, the wallet's `timereceived`, and the `details` of the outputs it
//!    received on the address.
//!
//! Amounts are JSON numbers in BTC: they are read from the number's own text (serde_json's
//! `RawValue`) into satoshis, never through a float. A JSON-RPC error, an HTTP error or an
//! answer that does not parse is an error.

use base64::Engine as _;
use polypay_core::{Error, HttpRequest, HttpResponse, Method, Result, Secret, Timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use url::Url;

use super::convert::btc_to_sat;
use super::source::{ChainTx, Observation, Progress, http_error, valid_txid};

/// The most transactions read for one address (one batch).
pub const MAX_TXS: usize = 200;

#[derive(Deserialize)]
struct Reply<'a> {
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<RpcError>,
    #[serde(default)]
    id: Value,
}

#[derive(Deserialize)]
struct RpcError {
    code: i64,
    message: String,
}

#[derive(Deserialize)]
struct AddressInfo {
    #[serde(default)]
    ismine: bool,
    #[serde(default)]
    iswatchonly: bool,
}

#[derive(Deserialize)]
struct Received {
    address: String,
    #[serde(default)]
    txids: Vec<String>,
}

#[derive(Deserialize)]
struct WalletTx<'a> {
    txid: String,
    confirmations: i64,
    #[serde(default)]
    blockheight: Option<u64>,
    #[serde(default)]
    blocktime: Option<i64>,
    #[serde(default)]
    timereceived: Option<i64>,
    #[serde(borrow, default)]
    details: Vec<Detail<'a>>,
}

#[derive(Deserialize)]
struct Detail<'a> {
    #[serde(default)]
    address: Option<String>,
    category: String,
    #[serde(borrow)]
    amount: &'a RawValue,
    vout: u32,
}

/// The credentials of a node.
pub(crate) struct Node<'a> {
    pub wallet_url: &'a Url,
    pub user: &'a str,
    pub password: &'a Secret,
}

impl Node<'_> {
    /// A JSON-RPC 1.0 batch call to the wallet.
    fn batch(&self, calls: &[(String, &str, Value)]) -> HttpRequest {
        let body: Vec<Value> = calls
            .iter()
            .map(|(id, method, params)| {
                json!({ "jsonrpc": "1.0", "id": id, "method": method, "params": params })
            })
            .collect();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.user,
            self.password.expose()
        ));
        HttpRequest::new(Method::Post, self.wallet_url.clone())
            .with_sensitive_header("Authorization", format!("Basic {basic}"))
            .with_json(&Value::Array(body))
            // Reads only: sending them twice is harmless.
            .idempotent(true)
    }
}

/// The first step.
pub(crate) fn start(node: &Node<'_>, address: &str) -> Progress {
    Progress::Call {
        request: node.batch(&[
            ("info".into(), "getaddressinfo", json!([address])),
            (
                "list".into(),
                "listreceivedbyaddress",
                json!([0, true, true, address]),
            ),
        ]),
        state: json!({ "source": "bitcoind", "step": "list" }),
    }
}

/// The batch's replies, checked: HTTP status, JSON-RPC errors, every id answered.
fn replies<'a>(response: &'a HttpResponse, ids: &[String]) -> Result<Vec<&'a RawValue>> {
    if response.status == 401 || response.status == 403 {
        return Err(Error::Provider {
            status: Some(response.status),
            code: None,
            message: "Bitcoin Core refused the credentials (check bitcoind_user and \
                      bitcoind_password)"
                .into(),
        });
    }
    // A single error object (wallet not loaded, bad request) instead of a batch.
    if let Ok(single) = crate::json::parse::<Reply<'_>>(&response.body)
        && let Some(e) = single.error
    {
        return Err(rpc_error(response.status, &e));
    }
    if !response.is_success() {
        return Err(http_error(response, "Bitcoin Core"));
    }
    let all: Vec<Reply<'a>> = crate::json::parse(&response.body).map_err(|e| {
        Error::malformed(format!(
            "Bitcoin Core: the batch answer does not parse: {e}"
        ))
    })?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let reply = all
            .iter()
            .find(|r| r.id.as_str() == Some(id))
            .ok_or_else(|| Error::malformed(format!("Bitcoin Core: no answer to call {id}")))?;
        if let Some(e) = &reply.error {
            return Err(rpc_error(response.status, e));
        }
        out.push(
            reply.result.ok_or_else(|| {
                Error::malformed(format!("Bitcoin Core: call {id} has no result"))
            })?,
        );
    }
    Ok(out)
}

fn rpc_error(status: u16, e: &RpcError) -> Error {
    let hint = match e.code {
        -18 => " (is bitcoind_wallet loaded? `bitcoin-cli loadwallet <name>`)",
        -28 => " (the node is starting: try again)",
        _ => "",
    };
    Error::Provider {
        status: Some(status),
        code: Some(e.code.to_string()),
        message: format!("Bitcoin Core: {}{hint}", e.message),
    }
}

fn parse<'a, T: Deserialize<'a>>(raw: &'a RawValue, what: &str) -> Result<T> {
    serde_json::from_str(raw.get())
        .map_err(|e| Error::malformed(format!("Bitcoin Core: {what} does not parse: {e}")))
}

/// Reads one answer and asks for the next call, or finishes.
pub(crate) fn advance(
    node: &Node<'_>,
    address: &str,
    address_index: u32,
    state: &Value,
    response: &HttpResponse,
) -> Result<Progress> {
    match state["step"].as_str() {
        Some("list") => {
            let r = replies(response, &["info".into(), "list".into()])?;
            let info: AddressInfo = parse(r[0], "getaddressinfo")?;
            if !info.ismine && !info.iswatchonly {
                return Err(Error::Provider {
                    status: Some(response.status),
                    code: None,
                    message: format!(
                        "Bitcoin Core's wallet does not watch {address} (index {address_index}): \
                         import the descriptor wpkh(<account xpub or tpub>/0/*) with a range \
                         covering index {address_index} (importdescriptors), or it cannot see \
                         payments to it"
                    ),
                });
            }
            let list: Vec<Received> = parse(r[1], "listreceivedbyaddress")?;
            let mut txids: Vec<String> = Vec::new();
            for entry in list.into_iter().filter(|e| e.address == address) {
                for txid in entry.txids {
                    if !valid_txid(&txid) {
                        return Err(Error::malformed(format!(
                            "Bitcoin Core: {txid:?} is not a txid"
                        )));
                    }
                    if !txids.contains(&txid) {
                        txids.push(txid);
                    }
                }
            }
            if txids.is_empty() {
                return Ok(Progress::Done(Observation::default()));
            }
            if txids.len() > MAX_TXS {
                return Err(Error::Conflict(format!(
                    "address {address} received more than {MAX_TXS} transactions: polypay does \
                     not read further (a payment address is used once); check it in the wallet"
                )));
            }
            let calls: Vec<(String, &str, Value)> = txids
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("tx{i}"), "gettransaction", json!([t, true, false])))
                .collect();
            Ok(Progress::Call {
                request: node.batch(&calls),
                state: json!({ "source": "bitcoind", "step": "txs", "txids": txids }),
            })
        }
        Some("txs") => {
            let txids: Vec<String> =
                serde_json::from_value(state["txids"].clone()).map_err(|_| {
                    Error::invalid_input("the prior exchange's state is not Bitcoin Core's")
                })?;
            let ids: Vec<String> = (0..txids.len()).map(|i| format!("tx{i}")).collect();
            let r = replies(response, &ids)?;
            let mut obs = Observation::default();
            for (raw, txid) in r.into_iter().zip(&txids) {
                let tx: WalletTx<'_> = parse(raw, "gettransaction")?;
                if &tx.txid != txid {
                    return Err(Error::malformed(format!(
                        "Bitcoin Core: asked for transaction {txid}, got {}",
                        tx.txid
                    )));
                }
                if tx.confirmations < 0 {
                    obs.conflicted.push(tx.txid);
                    continue;
                }
                let value = received(&tx, address)?;
                if value == 0 {
                    continue;
                }
                let confirmations = tx.confirmations.unsigned_abs();
                obs.txs.push(ChainTx {
                    txid: tx.txid,
                    value_sat: value,
                    confirmations,
                    block_height: tx.blockheight.filter(|_| confirmations > 0),
                    block_time: tx
                        .blocktime
                        .filter(|_| confirmations > 0)
                        .and_then(|s| Timestamp::from_second(s).ok()),
                    node_seen: tx.timereceived.and_then(|s| Timestamp::from_second(s).ok()),
                });
            }
            Ok(Progress::Done(obs))
        }
        _ => Err(Error::invalid_input(
            "the prior exchange does not belong to this Bitcoin Core status",
        )),
    }
}

/// The satoshis a wallet transaction received on `address` (category `receive`, each output
/// once).
fn received(tx: &WalletTx<'_>, address: &str) -> Result<u64> {
    let mut seen_vouts = Vec::new();
    let mut total = 0u64;
    for d in &tx.details {
        if d.category != "receive" || d.address.as_deref() != Some(address) {
            continue;
        }
        if seen_vouts.contains(&d.vout) {
            continue;
        }
        seen_vouts.push(d.vout);
        let sats = btc_to_sat(d.amount.get())
            .ok()
            .and_then(|s| u64::try_from(s).ok())
            .ok_or_else(|| {
                Error::malformed(format!(
                    "Bitcoin Core: the amount {} of transaction {} is not a positive BTC amount \
                     with at most 8 decimals",
                    d.amount.get(),
                    tx.txid
                ))
            })?;
        total = total
            .checked_add(sats)
            .ok_or_else(|| Error::malformed("Bitcoin Core: amounts overflow"))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "bcrt1qcr8te4kr609gcawutmrza0j4xv80jy8zxanmyk";
    const T1: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    fn node_parts() -> (Url, Secret) {
        (
            "http://127.0.0.1:18443/wallet/w".parse().unwrap(),
            Secret::new("pw"),
        )
    }

    fn call(p: Progress) -> (HttpRequest, Value) {
        match p {
            Progress::Call { request, state } => (request, state),
            Progress::Done(_) => panic!("expected a call"),
        }
    }

    #[test]
    fn two_batches_and_exact_amounts() {
        let (url, pw) = node_parts();
        let node = Node {
            wallet_url: &url,
            user: "u",
            password: &pw,
        };
        let (req, state) = call(start(&node, A));
        assert!(
            !format!("{req:?}").contains("dTpwdw"),
            "basic auth is redacted"
        );
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body[1]["method"], "listreceivedbyaddress");
        let answer = format!(
            r#"[{{"result":{{"address":"{A}","ismine":true}},"error":null,"id":"info"}},
               {{"result":[{{"address":"{A}","amount":0.30000000,"confirmations":1,"txids":["{T1}"]}}],"error":null,"id":"list"}}]"#
        );
        let (req, state) =
            call(advance(&node, A, 0, &state, &HttpResponse::new(200, answer)).unwrap());
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body[0]["params"][0], T1);
        // 0.1 + 0.2 as floats is 0.30000000000000004; as text it is exact.
        let answer = format!(
            r#"[{{"id":"tx0","error":null,"result":{{"txid":"{T1}","confirmations":2,"blockheight":101,
               "blocktime":1714557900,"time":1714557600,"timereceived":1714557600,
               "details":[{{"address":"{A}","category":"receive","amount":0.10000000,"vout":0}},
                          {{"address":"{A}","category":"receive","amount":0.20000000,"vout":1}},
                          {{"address":"{A}","category":"receive","amount":0.20000000,"vout":1}},
                          {{"address":"bcrt1qother","category":"receive","amount":5.0,"vout":2}}]}}}}]"#
        );
        let Progress::Done(obs) =
            advance(&node, A, 0, &state, &HttpResponse::new(200, answer)).unwrap()
        else {
            panic!("done")
        };
        assert_eq!(obs.txs.len(), 1);
        assert_eq!(obs.txs[0].value_sat, 30_000_000);
        assert_eq!(obs.txs[0].confirmations, 2);
        assert_eq!(
            obs.txs[0].node_seen,
            Timestamp::from_second(1_714_557_600).ok()
        );
    }

    #[test]
    fn errors_are_never_unpaid() {
        let (url, pw) = node_parts();
        let node = Node {
            wallet_url: &url,
            user: "u",
            password: &pw,
        };
        let (_, state) = call(start(&node, A));
        let not_watched =
            r#"[{"result":{"ismine":false,"iswatchonly":false},"error":null,"id":"info"},
               {"result":[],"error":null,"id":"list"}]"#
                .to_owned();
        for (status, body) in [
            (401, String::new()),
            (404, r#"{"result":null,"error":{"code":-18,"message":"Requested wallet does not exist or is not loaded"},"id":null}"#.to_owned()),
            (500, "oops".to_owned()),
            (200, not_watched),
            (200, r#"[{"result":{"ismine":true},"error":null,"id":"info"}]"#.to_owned()),
            (200, r#"[{"result":null,"error":{"code":-5,"message":"Invalid address"},"id":"info"},{"result":[],"error":null,"id":"list"}]"#.to_owned()),
        ] {
            let e = advance(&node, A, 7, &state, &HttpResponse::new(status, body.clone()));
            assert!(e.is_err(), "{status} {body}");
        }
        let body = r#"[{"result":{"ismine":false},"error":null,"id":"info"},{"result":[],"error":null,"id":"list"}]"#;
        let e = advance(&node, A, 7, &state, &HttpResponse::new(200, body))
            .unwrap_err()
            .to_string();
        assert!(e.contains("index 7") && e.contains("wpkh("), "{e}");
        let state = json!({"source": "bitcoind", "step": "txs", "txids": [T1]});
        for amount in ["1e-3", "0.000000001", "\"0.1\"", "-0.1"] {
            let body = format!(
                r#"[{{"id":"tx0","error":null,"result":{{"txid":"{T1}","confirmations":1,
                   "details":[{{"address":"{A}","category":"receive","amount":{amount},"vout":0}}]}}}}]"#
            );
            assert!(
                advance(&node, A, 0, &state, &HttpResponse::new(200, body)).is_err(),
                "{amount}"
            );
        }
        // Found by fuzz/bitcoin_esplora for Esplora, the same here: bytes that are not
        // UTF-8 in a field polypay skips (`hex`) make the answer no JSON, never a payment.
        let mut paid = format!(
            r#"[{{"id":"tx0","error":null,"result":{{"txid":"{T1}","confirmations":3,"hex":"00",
               "details":[{{"address":"{A}","category":"receive","amount":0.1,"vout":0}}]}}}}]"#
        )
        .into_bytes();
        assert!(advance(&node, A, 0, &state, &HttpResponse::new(200, paid.clone())).is_ok());
        let at = paid.windows(4).position(|w| w == b"\"00\"").unwrap();
        paid[at + 1] = 0xff;
        let e = advance(&node, A, 0, &state, &HttpResponse::new(200, paid))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not UTF-8"), "{e}");
        let conflicted = format!(
            r#"[{{"id":"tx0","error":null,"result":{{"txid":"{T1}","confirmations":-1,"details":[]}}}}]"#
        );
        let Progress::Done(obs) =
            advance(&node, A, 0, &state, &HttpResponse::new(200, conflicted)).unwrap()
        else {
            panic!("done")
        };
        assert_eq!(obs.conflicted, [T1]);
    }
}
