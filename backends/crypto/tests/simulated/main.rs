//! polypay-crypto against loopback simulators (Esplora, Bitcoin Core JSON-RPC, Chainside WebPOS),
//! through the `Payment` facade and its reqwest executor: one test binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bitcoin_conformance;
mod bitcoin_request;
mod bitcoin_support;
mod bitcoind_status;
mod chainside;
mod esplora_status;
