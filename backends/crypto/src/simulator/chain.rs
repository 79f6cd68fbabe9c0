//! A toy Bitcoin chain shared by the Esplora and Bitcoin Core simulators: a mempool, blocks
//! mined on demand, payments of one or several outputs, transactions dropped from the mempool
//! and re-orgs that take a transaction out of the chain. Transactions are not real (no
//! inputs, no scripts but their outputs'): only what the chain sources report about them.
//!
//! ```
//! use polypay_crypto::simulator::chain::Chain;
//! let chain = Chain::new(polypay_crypto::bitcoin::Network::Regtest, 100);
//! let txid = chain.pay("bcrt1qcr8te4kr609gcawutmrza0j4xv80jy8zxanmyk", 50_000);
//! assert_eq!(chain.confirmations(&txid), Some(0));
//! chain.mine(2);
//! assert_eq!((chain.tip_height(), chain.confirmations(&txid)), (102, Some(2)));
//! ```

use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bitcoin::hashes::{Hash, sha256d};
use bitcoin::{Address, KnownHrp, Network};

/// One output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The address paid.
    pub address: String,
    /// Satoshis.
    pub value: u64,
}

/// A transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    /// Its id (64 hex digits).
    pub txid: String,
    /// Its outputs, in order.
    pub outputs: Vec<Output>,
    /// Whether it signals replace-by-fee (BIP125).
    pub rbf: bool,
    /// When the node first saw it (seconds since the epoch).
    pub received: i64,
}

/// A block.
#[derive(Debug, Clone)]
pub struct Block {
    /// Its height.
    pub height: u64,
    /// Its hash (64 hex digits).
    pub hash: String,
    /// Its time (seconds since the epoch).
    pub time: i64,
    /// Its transactions.
    pub txs: Vec<Tx>,
}

/// Where a transaction stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In the mempool.
    Mempool,
    /// In the block at this height.
    Block(u64),
    /// Out of the chain for good (double-spent by a re-org, or replaced).
    Conflicted,
}

#[derive(Debug)]
struct State {
    network: Network,
    /// Blocks from `first_height` up.
    first_height: u64,
    blocks: Vec<Block>,
    mempool: Vec<Tx>,
    conflicted: Vec<Tx>,
    counter: u64,
    clock_offset: i64,
}

/// A shared handle on one chain (clones see the same chain).
#[derive(Debug, Clone)]
pub struct Chain {
    state: Arc<Mutex<State>>,
}

fn hash_hex(tag: &str, n: u64) -> String {
    sha256d::Hash::hash(format!("{tag}{n}").as_bytes()).to_string()
}

impl Chain {
    /// A chain of `network` whose tip is at `height` (older blocks are empty).
    pub fn new(network: crate::bitcoin::Network, height: u64) -> Chain {
        let network = Network::from(network);
        let now = jiff::Timestamp::now().as_second();
        Chain {
            state: Arc::new(Mutex::new(State {
                network,
                first_height: height,
                blocks: vec![Block {
                    height,
                    hash: hash_hex("block", height),
                    time: now,
                    txs: Vec::new(),
                }],
                mempool: Vec::new(),
                conflicted: Vec::new(),
                counter: 0,
                clock_offset: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The network (rust-bitcoin's).
    pub fn network(&self) -> Network {
        self.lock().network
    }

    /// Whether `address` is a valid address of the chain's network.
    pub fn valid_address(&self, address: &str) -> bool {
        let network = self.network();
        Address::from_str(address).is_ok_and(|a| a.is_valid_for_network(network))
    }

    /// The chain's clock (seconds since the epoch).
    pub fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second() + self.lock().clock_offset
    }

    /// Sets the chain's clock (it runs on from there).
    pub fn set_now(&self, now: jiff::Timestamp) {
        self.lock().clock_offset = now.as_second() - jiff::Timestamp::now().as_second();
    }

    /// Moves the chain's clock forward.
    pub fn advance(&self, seconds: i64) {
        self.lock().clock_offset += seconds;
    }

    /// Broadcasts a transaction paying `value` to `address` (and change elsewhere); returns
    /// its id.
    pub fn pay(&self, address: &str, value: u64) -> String {
        self.pay_outputs(&[(address, value)], false)
    }

    /// Broadcasts a transaction with these outputs (plus change), signalling RBF or not.
    pub fn pay_outputs(&self, outputs: &[(&str, u64)], rbf: bool) -> String {
        let now = self.now();
        let mut s = self.lock();
        s.counter += 1;
        let txid = hash_hex("tx", s.counter);
        let mut outs: Vec<Output> = outputs
            .iter()
            .map(|(a, v)| Output {
                address: (*a).to_owned(),
                value: *v,
            })
            .collect();
        // A change output to an address that is nobody's here.
        outs.push(Output {
            address: change_address(s.network),
            value: 12_345,
        });
        s.mempool.push(Tx {
            txid: txid.clone(),
            outputs: outs,
            rbf,
            received: now,
        });
        txid
    }

    /// Mines `n` blocks; the first takes the whole mempool. Returns the new tip height.
    pub fn mine(&self, n: u64) -> u64 {
        let now = self.now();
        let mut s = self.lock();
        for i in 0..n {
            let height = s.first_height + s.blocks.len() as u64;
            s.counter += 1;
            let txs = if i == 0 {
                std::mem::take(&mut s.mempool)
            } else {
                Vec::new()
            };
            let hash = hash_hex("block", s.counter);
            s.blocks.push(Block {
                height,
                hash,
                time: now,
                txs,
            });
        }
        s.first_height + s.blocks.len() as u64 - 1
    }

    /// Removes a transaction from the mempool for good (evicted, or replaced by a transaction
    /// paying someone else). Returns whether it was there.
    pub fn drop_tx(&self, txid: &str) -> bool {
        let mut s = self.lock();
        match s.mempool.iter().position(|t| t.txid == txid) {
            Some(i) => {
                let tx = s.mempool.remove(i);
                s.conflicted.push(tx);
                true
            }
            None => false,
        }
    }

    /// A re-org: the last `depth` blocks are replaced by `depth + 1` new ones. Their
    /// transactions go back to the new blocks, except `double_spent`, which a conflicting
    /// transaction replaced. Returns the new tip height.
    pub fn reorg(&self, depth: u64, double_spent: &[&str]) -> u64 {
        let mut pending = Vec::new();
        {
            let mut s = self.lock();
            let keep = s.blocks.len().saturating_sub(depth as usize).max(1);
            for block in s.blocks.split_off(keep) {
                pending.extend(block.txs);
            }
            let (gone, back): (Vec<Tx>, Vec<Tx>) = pending
                .into_iter()
                .partition(|t| double_spent.contains(&t.txid.as_str()));
            s.conflicted.extend(gone);
            let mempool = std::mem::take(&mut s.mempool);
            s.mempool = back.into_iter().chain(mempool).collect();
        }
        self.mine(depth + 1)
    }

    /// The tip's height.
    pub fn tip_height(&self) -> u64 {
        let s = self.lock();
        s.first_height + s.blocks.len() as u64 - 1
    }

    /// The tip's hash.
    pub fn tip_hash(&self) -> String {
        self.lock()
            .blocks
            .last()
            .map(|b| b.hash.clone())
            .unwrap_or_default()
    }

    /// The block at `height`, if any.
    pub fn block(&self, height: u64) -> Option<Block> {
        let s = self.lock();
        let i = height.checked_sub(s.first_height)?;
        s.blocks.get(usize::try_from(i).ok()?).cloned()
    }

    /// A transaction and where it stands.
    pub fn tx(&self, txid: &str) -> Option<(Tx, Place)> {
        let s = self.lock();
        if let Some(t) = s.mempool.iter().find(|t| t.txid == txid) {
            return Some((t.clone(), Place::Mempool));
        }
        for b in &s.blocks {
            if let Some(t) = b.txs.iter().find(|t| t.txid == txid) {
                return Some((t.clone(), Place::Block(b.height)));
            }
        }
        s.conflicted
            .iter()
            .find(|t| t.txid == txid)
            .map(|t| (t.clone(), Place::Conflicted))
    }

    /// Confirmations of a transaction: 0 in the mempool, `None` unknown or conflicted.
    pub fn confirmations(&self, txid: &str) -> Option<u64> {
        match self.tx(txid)?.1 {
            Place::Mempool => Some(0),
            Place::Block(h) => Some(self.tip_height() - h + 1),
            Place::Conflicted => None,
        }
    }

    /// Every transaction paying `address`: mempool ones (newest first), then confirmed ones
    /// (newest first, with their block), then conflicted ones.
    pub fn address_txs(&self, address: &str) -> (Vec<Tx>, Vec<(Tx, Block)>, Vec<Tx>) {
        let s = self.lock();
        let pays = |t: &Tx| t.outputs.iter().any(|o| o.address == address);
        let mempool = s
            .mempool
            .iter()
            .rev()
            .filter(|t| pays(t))
            .cloned()
            .collect();
        let mut confirmed = Vec::new();
        for b in s.blocks.iter().rev() {
            for t in b.txs.iter().rev().filter(|t| pays(t)) {
                confirmed.push((t.clone(), b.clone()));
            }
        }
        let conflicted = s.conflicted.iter().filter(|t| pays(t)).cloned().collect();
        (mempool, confirmed, conflicted)
    }
}

/// A fixed address of `network` nobody here owns (the BIP84 vector's first change address,
/// with the network's prefix).
fn change_address(network: Network) -> String {
    Address::from_str("bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el")
        .ok()
        .and_then(|a| a.assume_checked().witness_program())
        .map(|p| Address::from_witness_program(p, KnownHrp::from(network)).to_string())
        .unwrap_or_default()
}
