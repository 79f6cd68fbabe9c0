//! polypay's integration tests: one binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "bankform")]
mod bankform;
#[cfg(feature = "crypto")]
mod bitcoin;
#[cfg(all(feature = "axum", feature = "dummy"))]
mod browser;
#[cfg(all(feature = "axum", feature = "dummy", feature = "bankform"))]
mod browser_bank;
#[cfg(all(feature = "axum", feature = "dummy", feature = "bankform"))]
mod browser_config;
#[cfg(all(feature = "axum", feature = "dummy"))]
mod browser_shop;
#[cfg(all(feature = "axum", feature = "dummy", feature = "taler"))]
mod browser_wallet;
#[cfg(feature = "crypto")]
mod chainside;
mod cli;
#[cfg(all(feature = "axum", feature = "dummy"))]
mod concurrency;
#[cfg(all(feature = "axum", feature = "dummy"))]
mod demo;
#[cfg(all(feature = "axum", feature = "taler", feature = "crypto"))]
mod faults;
#[cfg(all(
    feature = "axum",
    feature = "dummy",
    feature = "bankform",
    feature = "taler",
    feature = "crypto"
))]
mod hygiene;
#[cfg(all(
    feature = "axum",
    feature = "dummy",
    feature = "bankform",
    feature = "taler",
    feature = "crypto"
))]
mod hygiene_bitcoin;
#[cfg(all(
    feature = "axum",
    feature = "dummy",
    feature = "bankform",
    feature = "taler",
    feature = "crypto"
))]
mod hygiene_extra;
mod library;
#[cfg(feature = "plugins")]
mod plugins;
mod support;
#[cfg(feature = "taler")]
mod taler;
