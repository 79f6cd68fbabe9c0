//! polypay-crypto against loopback simulators (Esplora, Bitcoin Core JSON-RPC), through the
//! `Payment` facade and its reqwest executor: one test binary, one module per area.

mod bitcoin_conformance;
mod bitcoin_request;
mod bitcoin_support;
mod bitcoind_status;
mod esplora_status;
