//! `status` through an Esplora REST API, as sans-IO steps:
//!
//! 1. `GET address/:a/txs`: the address's mempool transactions and its 25 newest confirmed
//!    ones; while a page holds 25 confirmed transactions, `GET address/:a/txs/chain/:last`
//!    for the next 25 (at most [`MAX_CHAIN_PAGES`] more pages: an address that received more
//!    is refused rather than half read);
//! 2. `GET blocks/tip/height` (plain text) **after** the transactions, so that every block a
//!    transaction claims is at or below the tip read; a transaction above the tip is an
//!    inconsistent answer, hence an error.
//!
//! Every amount is an integer number of satoshis. Only outputs whose `scriptpubkey_address`
//! is the payment's address count. An HTTP error or an answer that does not parse is an
//! error, never "unpaid".

use polypay_core::{Error, HttpRequest, HttpResponse, Method, Result, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::source::{ChainTx, Observation, Progress, http_error, valid_txid};

/// Confirmed transactions per page.
const PAGE: usize = 25;

/// Pages of confirmed transactions read after the first answer (with the first answer and
/// the tip, the operation stays within the host's default bound of 8 exchanges).
pub const MAX_CHAIN_PAGES: u64 = 5;

#[derive(Deserialize)]
struct Tx {
    txid: String,
    #[serde(default)]
    vout: Vec<Output>,
    status: TxStatus,
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    scriptpubkey_address: Option<String>,
    value: u64,
}

#[derive(Deserialize)]
struct TxStatus {
    confirmed: bool,
    #[serde(default)]
    block_height: Option<u64>,
    #[serde(default)]
    block_time: Option<i64>,
}

/// A transaction paying the address, before the tip is known (kept in the step state).
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
struct Found {
    txid: String,
    value_sat: u64,
    block_height: Option<u64>,
    block_time: Option<i64>,
}

fn get(base: &Url, path: &str) -> Result<HttpRequest> {
    let url = base
        .join(path)
        .map_err(|e| Error::invalid_input(format!("cannot form the Esplora URL {path}: {e}")))?;
    Ok(HttpRequest::new(Method::Get, url).with_header("Accept", "application/json"))
}

/// The first step.
pub(crate) fn start(base: &Url, address: &str) -> Result<Progress> {
    Ok(Progress::Call {
        request: get(base, &format!("address/{address}/txs"))?,
        state: json!({ "source": "esplora", "step": "txs", "pages": 0, "found": [] }),
    })
}

/// Reads one answer and asks for the next call, or finishes.
pub(crate) fn advance(
    base: &Url,
    address: &str,
    state: &Value,
    response: &HttpResponse,
) -> Result<Progress> {
    let step = state["step"].as_str().unwrap_or("");
    let mut found: Vec<Found> = serde_json::from_value(state["found"].clone())
        .map_err(|_| Error::invalid_input("the prior exchange's state is not Esplora's"))?;
    let pages = state["pages"].as_u64().unwrap_or(0);
    match step {
        "txs" | "chain" => {
            if !response.is_success() {
                return Err(http_error(
                    response,
                    &format!("Esplora: reading the transactions of {address}"),
                ));
            }
            let txs: Vec<Tx> = crate::json::parse(&response.body).map_err(|e| {
                Error::malformed(format!(
                    "Esplora: the transactions of {address} do not parse: {e}"
                ))
            })?;
            let mut confirmed = 0usize;
            let mut last_confirmed = None;
            for tx in &txs {
                if !valid_txid(&tx.txid) {
                    return Err(Error::malformed(format!(
                        "Esplora: {:?} is not a txid",
                        tx.txid
                    )));
                }
                if tx.status.confirmed {
                    confirmed += 1;
                    last_confirmed = Some(tx.txid.clone());
                    if step == "txs" && tx.status.block_height.is_none() {
                        return Err(Error::malformed(format!(
                            "Esplora: confirmed transaction {} has no block height",
                            tx.txid
                        )));
                    }
                } else if step == "chain" {
                    return Err(Error::malformed(format!(
                        "Esplora: unconfirmed transaction {} in a page of confirmed ones",
                        tx.txid
                    )));
                }
                record(&mut found, tx, address)?;
            }
            let next = match last_confirmed {
                Some(last) if confirmed >= PAGE => {
                    if pages >= MAX_CHAIN_PAGES {
                        return Err(Error::Conflict(format!(
                            "address {address} received more than {} confirmed transactions: \
                             polypay does not read further (a payment address is used once); \
                             check it in the wallet",
                            PAGE as u64 * (MAX_CHAIN_PAGES + 1)
                        )));
                    }
                    Progress::Call {
                        request: get(base, &format!("address/{address}/txs/chain/{last}"))?,
                        state: json!({ "source": "esplora", "step": "chain",
                                       "pages": pages + 1, "found": found }),
                    }
                }
                _ => Progress::Call {
                    request: get(base, "blocks/tip/height")?.with_header("Accept", "text/plain"),
                    state: json!({ "source": "esplora", "step": "tip",
                                   "pages": pages, "found": found }),
                },
            };
            Ok(next)
        }
        "tip" => {
            if !response.is_success() {
                return Err(http_error(response, "Esplora: reading the tip height"));
            }
            let text = std::str::from_utf8(&response.body).unwrap_or("").trim();
            let tip: u64 = text
                .parse()
                .map_err(|_| Error::malformed("Esplora: the tip height is not a number"))?;
            // Block heights are 32-bit in Bitcoin; a larger tip is no answer to believe (and
            // `tip - h + 1` below stays in range).
            if tip > u64::from(u32::MAX) {
                return Err(Error::malformed(format!(
                    "Esplora: the tip height {tip} is not a block height"
                )));
            }
            let mut txs = Vec::with_capacity(found.len());
            for f in found {
                let confirmations = match f.block_height {
                    Some(h) if h > tip => {
                        return Err(Error::malformed(format!(
                            "Esplora: transaction {} is in block {h}, above the tip {tip} \
                             (inconsistent answers: try again)",
                            f.txid
                        )));
                    }
                    Some(h) => tip - h + 1,
                    None => 0,
                };
                txs.push(ChainTx {
                    txid: f.txid,
                    value_sat: f.value_sat,
                    confirmations,
                    block_height: f.block_height,
                    block_time: f.block_time.and_then(|s| Timestamp::from_second(s).ok()),
                    node_seen: None,
                });
            }
            Ok(Progress::Done(Observation {
                txs,
                conflicted: Vec::new(),
                tip_height: Some(tip),
            }))
        }
        _ => Err(Error::invalid_input(
            "the prior exchange does not belong to this Esplora status",
        )),
    }
}

/// Adds a transaction's outputs to the address (once per txid: a transaction confirmed
/// between two pages keeps its confirmed data).
fn record(found: &mut Vec<Found>, tx: &Tx, address: &str) -> Result<()> {
    let mut value = 0u64;
    for out in &tx.vout {
        if out.scriptpubkey_address.as_deref() == Some(address) {
            value = value.checked_add(out.value).ok_or_else(|| {
                Error::malformed(format!("Esplora: transaction {} sums past u64", tx.txid))
            })?;
        }
    }
    if value == 0 {
        // It spends from the address, or pays it nothing: not a payment.
        return Ok(());
    }
    let entry = Found {
        txid: tx.txid.clone(),
        value_sat: value,
        block_height: tx.status.block_height.filter(|_| tx.status.confirmed),
        block_time: tx.status.block_time.filter(|_| tx.status.confirmed),
    };
    match found.iter_mut().find(|f| f.txid == entry.txid) {
        Some(existing) if existing.value_sat != entry.value_sat => Err(Error::malformed(format!(
            "Esplora: transaction {} is reported with two different outputs",
            entry.txid
        ))),
        Some(existing) => {
            if entry.block_height.is_some() {
                *existing = entry;
            }
            Ok(())
        }
        None => {
            found.push(entry);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";

    fn base() -> Url {
        "https://esplora.example/api/".parse().unwrap()
    }

    fn tx(n: u8, value: u64, height: Option<u64>) -> Value {
        json!({
            "txid": format!("{n:02x}").repeat(32),
            "vout": [
                {"scriptpubkey_address": A, "value": value},
                {"scriptpubkey_address": "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g", "value": 999},
                {"scriptpubkey": "6a", "value": 0},
            ],
            "status": match height {
                Some(h) => json!({"confirmed": true, "block_height": h, "block_time": 1_714_557_600}),
                None => json!({"confirmed": false}),
            },
        })
    }

    fn call(p: Progress) -> (HttpRequest, Value) {
        match p {
            Progress::Call { request, state } => (request, state),
            Progress::Done(_) => panic!("expected a call"),
        }
    }

    #[test]
    fn txs_then_tip() {
        let (req, state) = call(start(&base(), A).unwrap());
        assert_eq!(
            req.url.as_str(),
            format!("https://esplora.example/api/address/{A}/txs")
        );
        let body = json!([tx(1, 5_000, None), tx(2, 7_000, Some(100))]).to_string();
        let (req, state) =
            call(advance(&base(), A, &state, &HttpResponse::new(200, body)).unwrap());
        assert_eq!(
            req.url.as_str(),
            "https://esplora.example/api/blocks/tip/height"
        );
        let Progress::Done(obs) =
            advance(&base(), A, &state, &HttpResponse::new(200, "102\n")).unwrap()
        else {
            panic!("done")
        };
        assert_eq!(obs.tip_height, Some(102));
        let got: Vec<(u64, u64)> = obs
            .txs
            .iter()
            .map(|t| (t.value_sat, t.confirmations))
            .collect();
        assert_eq!(got, [(5_000, 0), (7_000, 3)]);
    }

    #[test]
    fn paging_and_its_bound() {
        let page: Vec<Value> = (0..25).map(|i| tx(i + 1, 100, Some(50))).collect();
        let (_, state) = call(start(&base(), A).unwrap());
        let (req, mut state) = call(
            advance(
                &base(),
                A,
                &state,
                &HttpResponse::new(200, json!(page).to_string()),
            )
            .unwrap(),
        );
        assert!(
            req.url
                .as_str()
                .ends_with(&format!("/txs/chain/{}", "19".repeat(32)))
        );
        for _ in 1..MAX_CHAIN_PAGES {
            let page: Vec<Value> = (0..25).map(|i| tx(i + 100, 100, Some(40))).collect();
            (_, state) = call(
                advance(
                    &base(),
                    A,
                    &state,
                    &HttpResponse::new(200, json!(page).to_string()),
                )
                .unwrap(),
            );
        }
        let page: Vec<Value> = (0..25).map(|i| tx(i + 200, 100, Some(30))).collect();
        let err = advance(
            &base(),
            A,
            &state,
            &HttpResponse::new(200, json!(page).to_string()),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("more than 150"), "{err}");
    }

    #[test]
    fn errors_are_never_unpaid() {
        let (_, state) = call(start(&base(), A).unwrap());
        for (status, body) in [
            (500, "boom"),
            (400, "Invalid Bitcoin address"),
            (429, "slow down"),
            (200, "not json"),
            (
                200,
                r#"[{"txid":"zz","vout":[],"status":{"confirmed":false}}]"#,
            ),
            (
                200,
                r#"[{"txid":"0101010101010101010101010101010101010101010101010101010101010101","vout":[],"status":{"confirmed":true}}]"#,
            ),
            (
                200,
                r#"[{"txid":"0101010101010101010101010101010101010101010101010101010101010101","vout":[{"scriptpubkey_address":"x","value":1.5}],"status":{"confirmed":false}}]"#,
            ),
        ] {
            assert!(
                advance(&base(), A, &state, &HttpResponse::new(status, body)).is_err(),
                "{status} {body}"
            );
        }
        let body = json!([tx(2, 7_000, Some(100))]).to_string();
        let (_, state) = call(advance(&base(), A, &state, &HttpResponse::new(200, body)).unwrap());
        for (status, body) in [(200, "99"), (200, "tip"), (503, "")] {
            assert!(advance(&base(), A, &state, &HttpResponse::new(status, body)).is_err());
        }
    }

    /// Found by fuzz/bitcoin_esplora: bytes that are not UTF-8 in a field polypay skips
    /// (here a key of `vin`) made an answer that is not JSON read as a payment.
    #[test]
    fn an_answer_that_is_not_json_text_is_never_read() {
        let (_, state) = call(start(&base(), A).unwrap());
        let mut tx = tx(1, 5_000, Some(100));
        tx["vin"] = json!([{"sequence": 1}]);
        let mut body = json!([tx]).to_string().into_bytes();
        let at = body.windows(8).position(|w| w == b"sequence").unwrap();
        body[at + 3] = 0xbe;
        let e = advance(&base(), A, &state, &HttpResponse::new(200, body))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not UTF-8"), "{e}");
    }

    /// Found while writing fuzz/bitcoin_esplora: a tip of u64::MAX over a transaction in
    /// block 0 overflowed the confirmations (a panic); a tip no block height can have is an
    /// error.
    #[test]
    fn a_tip_beyond_any_block_height_is_an_error() {
        let (_, state) = call(start(&base(), A).unwrap());
        let body = json!([tx(2, 7_000, Some(0))]).to_string();
        let (_, state) = call(advance(&base(), A, &state, &HttpResponse::new(200, body)).unwrap());
        for tip in [u64::MAX.to_string(), (u64::from(u32::MAX) + 1).to_string()] {
            let e = advance(&base(), A, &state, &HttpResponse::new(200, tip))
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains("not a block height"), "{e}");
        }
        let Progress::Done(obs) = advance(
            &base(),
            A,
            &state,
            &HttpResponse::new(200, u32::MAX.to_string()),
        )
        .unwrap() else {
            panic!("done")
        };
        assert_eq!(obs.txs[0].confirmations, u64::from(u32::MAX) + 1);
    }
}
