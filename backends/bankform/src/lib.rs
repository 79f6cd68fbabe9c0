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
//! `cargo bench -p polypay-bankform` (criterion, release build, on a shared 2-core machine;
//! the ratio to the bare primitive over the same bytes is taken within each run). Per call,
//! before `bank_data` became a [`polypay_core::BankData`] (medians of three runs on a quiet
//! machine) and after (three runs on a machine loaded by other builds, load average 4 to 11:
//! times are 1.5 to 3 times the quiet ones, primitives included, so only ratios compare, and
//! the loaded ratios of allocation-heavy operations are the worse for it):
//!
//! | operation | primitive over the same bytes | before | after: median ratio (runs) |
//! |---|---|---|---|
//! | systempayv2 request | SHA-1 | 3.3 µs / 0.33 µs = 9.3× | 10× (5.4×, 10×, 14×) |
//! | systempayv2 response | SHA-1 | 5.8 µs / 0.41 µs = 12× | 8.5× (6.5×, 8.5×, 9.7×) |
//! | sips2 request | SHA-256 | 1.4 µs / 0.63 µs = 2.2× | 2.9× (1.9×, 2.9×, 3.0×) |
//! | sips2 response | SHA-256 | 6.2 µs / 0.90 µs = 6.6× | 5.3× (4.0×, 6.0×, 5.3×) |
//! | paybox request | HMAC-SHA-512 | 6.3 µs / 3.2 µs = 1.8× | 1.7× (1.7×, 1.4×, 2.1×) |
//! | paybox response | RSA-SHA1 verify (`ring`) | 16 µs / 9.7 µs = 1.7× | 1.5× (1.5×, 1.5×, 1.6×) |
//! | ogone request | SHA-1 (latin-1) | 2.5 µs / 0.63 µs = 4.6× | 6.2× (6.4×, 6.0×, 6.2×) |
//! | ogone response | two SHA-1 (latin-1, UTF-8) | 6.0 µs / 0.62 µs = 9.7× | 12× (12×, 8.9×, 14×) |
//!
//! **A quieter run** (2026-12-02, after every merge, load average under 1.5; `cargo bench -p
//! polypay-bankform --bench bankform -- --warm-up-time 1 --measurement-time 3`, one full run and two
//! more of the SystemPay rows): systempayv2 request 4.98–5.11 µs / SHA-1 0.38–0.41 µs = 12–13×,
//! response 3.5–4.4 µs / 0.45–0.50 µs = 7.0–9.3×; sips2 2.3× and 6.2×; paybox 1.3× and 1.1×;
//! ogone 6.4× and 11.6×; tipi 2.2 µs and 1.1 µs. Floors in the same runs: owned SystemPay form
//! 1.18–1.40 µs (3.1–3.4× the SHA-1), the 18 return fields as a `serde_json::Map` 2.8–3.2 µs, as a
//! `BankData` 0.70–0.85 µs. The SystemPay request is slower than last session's quiet 3.3 µs
//! although the machine's SHA-1 is only 15–25 % slower today; its profile is dominated by the
//! allocator (`_int_malloc` 12 %, `_int_free` 8 %, `malloc_consolidate` 6 %) and the field
//! checks (`fields::problem` 8 %): not explained yet, the first thing to look at next.
//!
//! TIPI (no signature): 1.2 µs per request and 0.9 µs per return before; 1.8 to 3.8 µs and
//! 1.4 to 2.1 µs in the loaded runs.
//!
//! What the public types cost by themselves, in the same three runs: the 18 fields of the
//! SystemPay return as the `serde_json::Map` `bank_data` was, 3.5 to 6.3 µs (5.2× to 7.4×
//! the SHA-1); as a `BankData`, 0.95 to 1.7 µs (1.4× to 2.0×), a quarter of the map. The
//! owned form of the SystemPay request (21 `(String, String)` pairs and the URL, the type of
//! `Action::Form`) 1.9 to 2.6 µs (3.0× to 3.5×): with the signing on top it leaves no room
//! for the request to be within 5× of a hash that small. The Ogone return (upper-cased names,
//! percent-decoded latin-1 values, two signing strings and two hashes) and the Ogone request
//! (every field checked, latin-1 signing string) stay above 5×; the Sips return is around 5×
//! (its `Data` is split, then copied once into `bank_data`). The target is met by both Paybox
//! operations and the Sips request.
//!
//! Side by side with eopayment 3.15 on the same inputs, fastest batches on both sides
//! (`python testdata/compare_eopayment.py 2` from the repository root, two runs after
//! `BankData`): polypay does 20–24× eopayment's throughput on SystemPay requests and 20–22×
//! on its returns (12–13× before `BankData`), 11–25× and 16–20× for Sips, 7–8× and 28–31×
//! for Paybox, 11–18× and 7–11× for Ogone, 16× and 14–17× for TIPI; per call, in those
//! fastest batches, a SystemPay return takes 2.1–2.3 µs and a request 2.6–2.9 µs.
//! The issue's 100× is out of reach on every operation: eopayment takes 7 to 51 µs per call
//! (0.5 to 0.7 ms for the Paybox return), so 100× means 0.07 to 0.5 µs (5 to 7 µs), which is
//! less than the primitive itself for Sips (SHA-256 0.63 µs against 0.125 µs for a request),
//! Paybox (HMAC-SHA-512 3.2 µs against 0.28 µs; one RSA verification 9.7 µs against 5 to
//! 7 µs, and a rejected return is checked twice, over the raw text then over eopayment's
//! re-encoding) and Ogone (SHA-1 0.63 µs against 0.29 µs), and less than the owned output
//! alone for SystemPay requests (1.1 µs against 0.5 µs).
//!
//! How: returns are parsed once into text borrowed from the request (only percent-encoded
//! parts are decoded, SIMD byte search, duplicate names found by constant-time fingerprints
//! of their first and last bytes), `bank_data` is a [`polypay_core::BankData`] holding every
//! name and value in one buffer (two allocations, where the map took two per field and a
//! hash); HMAC keys are prepared when the backend is built; hex, numbers and dates are written
//! directly (no format parsers); field specs and Ogone's signed-parameter lists are
//! compile-time hash tables, and SystemPay's constant fields skip the checks they pass by
//! construction; latin-1 text is converted by ASCII runs; Paybox's RSA verification uses
//! `ring` (about 14× faster than the `rsa` crate, which still takes keys `ring` refuses).
#![forbid(unsafe_code)]

#[cfg(test)]
mod amount_props;
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
