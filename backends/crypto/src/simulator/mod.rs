//! Loopback simulators of the chain sources and processors the crypto backends talk to, for
//! tests and benchmarks (feature `simulator`).

pub mod bitcoind;
pub mod chain;
pub mod chainside;
pub mod esplora;
pub mod loopback;
