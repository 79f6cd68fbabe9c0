//! polypay's integration tests: one binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "bankform")]
mod bankform;
mod cli;
mod demo;
mod library;
#[cfg(feature = "plugins")]
mod plugins;
mod support;
#[cfg(feature = "taler")]
mod taler;
