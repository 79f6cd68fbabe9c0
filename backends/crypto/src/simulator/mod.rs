//! Loopback simulators of the chain sources and processors, for tests and benchmarks
//! (feature `simulator`).

pub mod bitcoind;
pub mod chain;
pub mod esplora;
