//! # polypay-crypto
//!
//! The crypto backends of polypay:
//!
//! | kind | what it is |
//! |---|---|
//! | `bitcoin` | self-custodial Bitcoin: one BIP84 address per payment derived from the merchant's account public key, a BIP321 `bitcoin:` URI, detection through Esplora or Bitcoin Core |
//! | `chainside` | the Chainside WebPOS payment processor API |
//!
//! **Bitcoin address index and gap limit.** `bitcoin` derives each payment's address at the
//! `address_index` the integrator passes with the request (its order sequence): the
//! merchant's wallet only sees payments within its gap limit (usually 20 unused addresses), so
//! keep the indexes dense and raise the wallet's gap limit above the number of unpaid orders
//! that can pile up. See [`bitcoin`] for the details.
#![forbid(unsafe_code)]

pub mod bitcoin;
pub mod chainside;
mod json;
#[cfg(feature = "simulator")]
pub mod simulator;

/// Makes sure this crate's `inventory` registrations are linked into the program.
///
/// A backend crate that no code refers to may be dropped by the linker, and its registration
/// with it; the facade's `Registry::builtin()` calls this.
pub fn link() {}
