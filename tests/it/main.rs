//! polypay's integration tests: one binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "bankform")]
mod bankform;
#[cfg(feature = "crypto")]
mod bitcoin;
mod cli;
mod demo;
mod library;
mod support;
#[cfg(feature = "taler")]
mod taler;
