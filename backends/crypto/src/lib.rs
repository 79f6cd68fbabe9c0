//! # polypay-crypto
//!
//! The crypto backends of polypay:
//!
//! | kind | what it is |
//! |---|---|
//! | `bitcoin` | self-custodial Bitcoin: one BIP84 address per payment derived from the merchant's account public key, a BIP321 `bitcoin:` URI, detection through Esplora or Bitcoin Core |
//! | `chainside` | the Chainside WebPOS payment processor API |
#![forbid(unsafe_code)]

pub mod bitcoin;
pub mod chainside;
#[cfg(feature = "simulator")]
pub mod simulator;

/// Makes sure this crate's `inventory` registrations are linked into the program.
///
/// A backend crate that no code refers to may be dropped by the linker, and its registration
/// with it; the facade's `Registry::builtin()` calls this.
pub fn link() {}
