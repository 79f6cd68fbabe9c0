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
//! The issue's targets: within 5× of the bare signature primitive over the same bytes, and
//! 100× eopayment's throughput. Measured with `POLYPAY_BENCH_RATIOS=1 cargo bench -p
//! polypay-bankform`, which runs each operation and its primitive in 201 interleaved rounds of
//! 64 calls and prints the ratio of their fastest batches (the machine is a 2-core VM: load
//! slows an operation that touches memory more than a hash, so ratios are taken within one
//! run, from the least disturbed batches). Six runs of the final build of the fourth session
//! (2026-12-02, 12:11 UTC, quiet machine), median ratio, range, and median times per call:
//!
//! | operation | primitive over the same bytes | ratio, median of 6 runs (range) | start of the session (one run) | per call |
//! |---|---|---|---|---|
//! | systempayv2 request | SHA-1 | **4.55×** (4.50–4.73×) | 4.59× | 0.91 µs / 0.20 µs |
//! | systempayv2 response | SHA-1 | **4.38×** (4.33–4.53×) | 4.84× | 1.04 µs / 0.24 µs |
//! | sips2 request | SHA-256 | **1.97×** (1.93–2.04×) | 2.00× | 0.66 µs / 0.34 µs |
//! | sips2 response | SHA-256 | **3.69×** (3.65–3.91×) | 4.58× | 1.75 µs / 0.47 µs |
//! | paybox request | HMAC-SHA-512 | **1.12×** (1.12–1.14×) | 1.15× | 1.86 µs / 1.65 µs |
//! | paybox response | RSA-SHA1 verify (`ring`) | **1.26×** (1.26–1.27×) | 1.27× | 6.83 µs / 5.42 µs |
//! | ogone request | SHA-1 (latin-1) | **3.21×** (3.15–3.25×) | 3.64× | 1.00 µs / 0.31 µs |
//! | ogone response | two SHA-1 (latin-1, UTF-8) | **4.55×** (4.52–4.69×) | 5.12× | 1.52 µs / 0.33 µs |
//!
//! Every operation is within 5× in every run. Builds of the same code differ by up to 5–10 %
//! through code placement alone, the primitive's included (SystemPay's SHA-1 measured 0.19 µs
//! in one build and 0.20 µs in the next, with the operation unchanged): the SystemPay request
//! measured 4.31–4.44× in the build before this one. TIPI (no signature): about 0.6 µs per
//! request, 0.25 µs per return.
//!
//! Instruction counts do not depend on the load (`valgrind --tool=lackey` on the `profile`
//! example, 2000 calls less the start-up, on `testdata/compare_cases.json`), start of the
//! fourth session → end: SystemPay request 23.7k → 22.0k, return 24.1k → 22.8k; Sips request
//! 23.9k → 23.5k, return 66.5k → 60.4k; Paybox request 42.8k → 42.7k; Ogone request
//! 23.5k → 22.7k, return 39.8k → 35.2k; TIPI request 12.5k → 11.8k, return 6.0k → 5.5k.
//!
//! Side by side with eopayment 3.15 on the same inputs, fastest batches on both sides
//! (`python testdata/compare_eopayment.py 2` from the repository root, 2026-12-02 12:10 UTC):
//! polypay does 39× eopayment's throughput on SystemPay requests and 29× on its returns, 18×
//! and 18× for Sips, 10× and 27× for Paybox, 21× and 18× for Ogone, 19× and 18× for TIPI.
//! The issue's 100× cannot be met by any implementation of these protocols: eopayment takes
//! 4.5 to 35 µs per call (326 µs for the Paybox return), so 100× means 0.045 to 0.35 µs
//! (3.3 µs), and the signature primitive alone costs more than that for six of the ten
//! operations: Sips (SHA-256, 0.34 µs against 0.085 µs for a request, 0.47 µs against
//! 0.32 µs for a return), Paybox (HMAC-SHA-512 1.65 µs against 0.18 µs; one RSA verification
//! 5.4 µs against 3.3 µs) and Ogone (SHA-1 0.31 µs against 0.18 µs; two SHA-1 0.33 µs against
//! 0.26 µs). For SystemPay the SHA-1 alone takes 0.20 µs and 0.24 µs of the 0.35 µs and
//! 0.29 µs; TIPI (no signature) would have 0.11 µs and 0.045 µs, less than building the owned
//! URL or `bank_data` a caller receives.
//!
//! How: a form is built in place in a compact [`polypay_core::FormFields`] (one text buffer;
//! values borrowed from the configuration and the request are copied once, the values polypay
//! computes are written into one buffer, nothing is copied again when the form is handed
//! over); a field set for the first time is appended without looking for it (a filter of the
//! names present); SystemPay checks only the values that are not valid by construction
//! (constants, values it formats itself, configuration values checked when the backend was
//! built) and sorts its fields by integer keys of their names' first bytes, putting the few
//! out of order in place by binary search; amounts are converted on the decimal's integer
//! mantissa. Returns are read once, straight into the [`polypay_core::BankData`] the response
//! carries: one copy of the raw return followed by whatever had to be decoded (or, for Ogone,
//! upper-cased), each field a pair of ranges of it (one vectorized search per piece for `&`,
//! `%` and `+`, the rest of a piece skipped once it is known to need decoding); names are
//! fingerprinted by their first and last eight bytes once ([`polypay_core::BankData::name_words`],
//! two loads whatever the length), repeated names found through a table on the stack, and the
//! fields a backend reads looked up together in one pass ([`polypay_core::NameSet`]); Sips'
//! `Data` is itself read as ranges of one copy; a received hex signature is decoded once and
//! compared as words. Ogone's SHA-OUT string is put together by the places of its names in
//! the sorted list (a 64-bit mask, no sort), in one buffer with its latin-1 form, converted
//! eight bytes at a time (a word holding one accented character converted in registers). HMAC
//! keys are prepared when the backend is built; hex, numbers and dates are written directly
//! (no format parsers); field specs and Ogone's signed-parameter lists are compile-time hash
//! tables (hashed by word loads, slots found by a mask); Paybox's RSA verification uses `ring`
//! (about 14× faster than the `rsa` crate, which still takes keys `ring` refuses).
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
