//! What the chain sources (Esplora, Bitcoin Core) report, and what they share.

use polypay_core::{Error, HttpRequest, HttpResponse, Timestamp};
use serde_json::Value;

/// One transaction paying the payment's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainTx {
    pub txid: String,
    /// Sum of its outputs paying the address.
    pub value_sat: u64,
    /// 0 while unconfirmed.
    pub confirmations: u64,
    pub block_height: Option<u64>,
    pub block_time: Option<Timestamp>,
    /// When the node's wallet first saw it (Bitcoin Core's `timereceived`).
    pub node_seen: Option<Timestamp>,
}

/// Everything a source tells about an address at one poll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Observation {
    pub txs: Vec<ChainTx>,
    /// Transactions the node reports as conflicted (double-spent, or re-orged out).
    pub conflicted: Vec<String>,
    pub tip_height: Option<u64>,
}

/// What a source does next.
#[derive(Debug)]
pub(crate) enum Progress {
    /// It needs this exchange.
    Call { request: HttpRequest, state: Value },
    /// It read everything.
    Done(Observation),
}

/// Whether `s` is a transaction id (64 lower-case hex digits).
pub(crate) fn valid_txid(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An HTTP error answer as a provider error, with a short, printable excerpt of the body.
pub(crate) fn http_error(response: &HttpResponse, what: &str) -> Error {
    let text = String::from_utf8_lossy(&response.body);
    let excerpt: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    Error::Provider {
        status: Some(response.status),
        code: None,
        message: if excerpt.trim().is_empty() {
            format!("{what}: HTTP {}", response.status)
        } else {
            format!("{what}: {}", excerpt.trim())
        },
    }
}
