//! polypay's integration tests: one binary, one module per area.

mod cli;
mod demo;
mod library;
mod support;
#[cfg(feature = "taler")]
mod taler;
