//! # polypay-bankform
//!
//! The French bank form-redirect protocols for polypay, each byte-exact with the bank and
//! compatible with eopayment 3.15 configurations:
//!
//! | kind | protocol | module |
//! |---|---|---|
//! | `systempayv2`, `payzen` | Lyra "vads" form (SystemPay, PayZen) | [`systempay`] |
//! | `sips2` | Worldline Sips 2.0 Paypage POST + office server | [`sips2`] |
//! | `paybox` | Paybox System (Verifone e-Transactions) + Paybox Direct | [`paybox`] |
//! | `ogone` | Ogone / Ingenico e-Commerce | [`ogone`] |
//! | `tipi` | TIPI / PayFiP régie, URL mode | [`tipi`] |
//!
//! Every backend registers itself with [`polypay_core::register_backend!`]; the `polypay`
//! facade calls [`link`] so that the linker keeps these registrations.
//!
//! Common rules, from the protocol reference (`shared/specs/bankform.md`):
//!
//! - **Exact money**: amounts are encoded in minor units without rounding; too many fraction
//!   digits, zero and out-of-range amounts are errors.
//! - **Fail closed**: a return is verified over what was received, in constant time, before
//!   anything is trusted; an unverified return is never paid nor accepted (it reads as
//!   `waiting`, with the claimed status kept for logs). TIPI returns carry no signature at all
//!   and are never verified unless the loudly named `trust_unsigned_returns` is set.
//! - **Sans-IO**: the clock, the entropy and the HTTP exchanges (Sips office server, Paybox
//!   Direct) come from the host through [`polypay_core::Context`].
//! - **Compatible**: eopayment's parameter names, defaults and wire formats; the deliberate
//!   differences (spec §7) are documented per module.
//!
//! ## Performance
//!
//! `cargo bench -p polypay-bankform` (criterion; 2-core machine, release build), per call:
//!
//! | backend | request | response | bare primitive |
//! |---|---|---|---|
//! | systempayv2 | 3.0 µs | 8.1 µs | SHA-1 of the signing string: 0.27 µs |
//! | sips2 | 1.5 µs | 7.7 µs | SHA-256 of Data + key: 0.47 µs |
//! | paybox | 4.1 µs | 95 µs | HMAC-SHA-512: 2.5 µs; RSA-SHA1 verify: 94 µs |
//! | ogone | 4.4 µs | 9.0 µs | |
//! | tipi | 2.5 µs | 1.4 µs | (no signature) |
//!
//! Side by side with eopayment 3.15 on the same inputs (`testdata/compare_eopayment.py`; two
//! runs, eopayment's figures vary between runs): polypay does 5× to 22× eopayment's throughput
//! on requests (SystemPay 17–22×, Sips 9–19×, Paybox, Ogone and TIPI 6–9×), 5× to 11× on
//! responses, and 2–3× on Paybox's RSA-bound response. The issue's targets
//! (100× eopayment, within 5× of the primitive) are met only where the primitive dominates
//! (Paybox request 1.6×, Paybox response 1.0×, Sips request 3.2× of the primitive): elsewhere
//! parsing every field into `bank_data`, strict decoding and building the response cost more
//! than the hash itself.
#![forbid(unsafe_code)]

mod common;
#[cfg(test)]
mod conformance;
#[cfg(test)]
mod docs;
#[cfg(test)]
mod loopback;
pub mod ogone;
pub mod paybox;
#[cfg(test)]
mod roundtrip;
#[cfg(test)]
mod simulator;
pub mod sips2;
pub mod systempay;
pub mod tipi;
#[cfg(test)]
mod vectors;

/// Forces the linker to keep this crate (and so its `inventory` registrations) in a program
/// that refers to nothing else in it. The `polypay` facade calls it from
/// `Registry::builtin()`.
///
/// ```
/// polypay_bankform::link();
/// let registry = polypay_core::Registry::from_inventory()?;
/// assert!(registry.kinds().contains(&"systempayv2".to_owned()));
/// # Ok::<(), polypay_core::Error>(())
/// ```
pub fn link() {}
