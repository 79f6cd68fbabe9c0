//! Dynamic polypay plugins: a stable C ABI between a host and a `cdylib` exporting backends.
//!
//! # The ABI
//!
//! No Rust type crosses the boundary: only bytes, lengths, integers and function pointers. A
//! plugin exports two symbols:
//!
//! - `polypay_plugin_abi_version() -> u32`: `major << 16 | minor` ([`ABI_VERSION`]).
//! - `polypay_plugin_dispatch(req_ptr: *const u8, req_len: usize, ctx: *mut c_void,
//!   reply: ReplyCallback)`: handles one JSON request ([`wire::v1::Request`]) and writes exactly
//!   one JSON reply ([`wire::v1::Reply`]) by calling `reply(ctx, ptr, len)` before it returns.
//!   The reply bytes belong to the plugin and are valid only during that call; the host copies
//!   them. Memory never changes owner, so host and plugin need not share an allocator.
//!
//! Every entry point catches panics and turns them into an error reply; a host refuses a plugin
//! built with `panic = "abort"` (it says so in `describe`).
//!
//! # Versioning
//!
//! The host checks the major version before anything else and refuses any other major. A minor
//! bump may only add:
//!
//! - new optional fields (hosts and plugins ignore unknown fields and default missing ones);
//! - new error kinds (unknown kinds become `Error::Plugin`);
//! - new messages, which a plugin that does not know them answers with an error reply;
//! - new encodings of a request field, which a host writes only to plugins whose
//!   `polypay_plugin_abi_version` reports that minor or later, and which such a plugin reads
//!   next to every earlier encoding.
//!
//! A plugin never learns the host's minor version, so a reply only ever gains optional fields.
//! Anything else is a major bump and a new `wire::vN` module. Every mix works: a 1.1 host
//! speaks 1.0 to a 1.0 plugin (`host::PluginLibrary::abi_minor`), and a 1.1 plugin reads what a
//! 1.0 host sends.
//!
//! | minor | adds |
//! |---|---|
//! | 1.0 | `describe`, `open`, `call`, `close` |
//! | 1.1 | the `warnings` message (a kind and a configuration → `[{field, message}]`: what `check-config` shows, as for a static backend; a 1.0 plugin is not asked and has none); in `call`, `now_unix` (`[seconds, nanoseconds]` since the Unix epoch) in place of the RFC 3339 `now`, and an `Incoming`'s `body` as text, or `{"base64": ...}` when it is not UTF-8, in place of an array of byte values ([`wire::v1::incoming`]) |
//!
//! # Writing a plugin
//!
//! A `cdylib` crate depending on this one with the `sdk` feature, exporting its factories in
//! one line (see `examples/plugin`, which exports `manual_transfer`):
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! polypay-plugin-api = { version = "0.1", features = ["sdk"] }
//! ```
//!
//! ```ignore
//! polypay_plugin_api::export_plugin!(my_backend::MyFactory);
//! ```
//!
//! Keep the default `panic = "unwind"`: a host refuses a library built with `panic = "abort"`,
//! since a panic in it would abort the whole host process.
//!
//! # Loading
//!
//! The `host` feature's `host::load_shared` loads a library once per process (by canonical
//! path; the same file named twice is the same plugin) and never unloads it: instances,
//! symbols and thread-locals of the plugin may outlive any handle. An optional SHA-256 pin is
//! checked before the library is loaded. `host::load_plugin` adds its backends to a
//! `polypay_core::Registry`; a kind already there (built in or from another plugin) is an
//! error naming the file, and nothing of that plugin is added. Every failure (missing file, pin
//! mismatch, not a plugin, wrong major, `panic = "abort"`, a panic, garbage, silence, two
//! replies) is an `Error::Plugin` naming the file; the host never crashes on a plugin's reply.
//! The `polypay` facade builds on this: `Registry::load_plugin`, `kind = "plugin"`
//! configuration entries (each with the plugin's own registry) and `polypay --plugin`.
//!
//! # Performance
//!
//! Messages are JSON, but the call path builds no intermediate `serde_json::Value`: the host
//! serializes the call from borrowed data, the plugin parses the input straight into its type
//! (and the clock and entropy in place) and serializes its step from borrowed data, and the
//! host parses the reply straight into the result type ([`wire::v1::call`]); an intent is read
//! without serde's buffering of its tagged action, and its payment URL is rebuilt from the
//! parse of its base when that base is the one seen last ([`wire::v1::intent`]). A response
//! (the result of `response`, `status`, `cancel`, `validate`, `refund`) is written by the
//! plugin by hand ([`wire::v1::response`]), and the host writes a call's envelope and an
//! incoming request by hand; these hand writers produce serde_json's bytes exactly (the next
//! byte to escape found eight bytes at a time, integers and names without `fmt`), so the wire
//! is unchanged. Request and reply buffers are reused per thread. An instance is opened once
//! (`open` builds the backend and validates its configuration, which costs far more than a
//! call) and every call reuses its handle.
//!
//! The two messages of a bank return are read without serde. Since each side writes one exact
//! shape (serde_json's compact bytes, fields in a fixed order), each side has a reader of
//! exactly that shape (`wire::v1::cursor`: field names as literals in their order, strings
//! without escapes, plain integers): the host reads a finished response with
//! [`wire::v1::response::ResponseOf::from_done_reply`], the plugin reads a `response` or
//! `guess` call as a host of this crate writes it with
//! [`wire::v1::call::ParsedRequest::from_call_fast`]. Anything else (an error reply, an HTTP
//! step, escaped text, whitespace, another field order, 1.0's forms, a value serde would
//! refuse) makes them give up, and the message is read again by serde, which gives its value
//! or its error as before. So neither the wire (no minor bump) nor a check changes: a fast
//! reader takes a subset of what serde takes and builds the same value through the same code
//! (the fail-closed constructor, `Amount::parse_in`, `Currency::new`, serde's own readers of
//! a status and a timestamp); the tests and both fuzz targets (`plugin_wire_reply`,
//! `plugin_wire_request`) compare the two readers on every input the fast one takes, and a
//! malformed reply still fails through serde with an error naming the plugin.
//!
//! `cargo bench -p polypay-plugin-api --bench abi -- --noplot nothing` (criterion; thread CPU
//! time on Linux; the example plugin built in release with `reexport-dummy`), the dummy backend
//! statically and through the real `cdylib`, on a shared 2-core machine. The ratio is the
//! bench's own median over 51 rounds alternating 400 static and 400 plugin calls, which the
//! machine's drifting load affects least (criterion's separate groups, measured one after the
//! other, moved by up to 40% from run to run). Six runs of this version alternated with
//! six of the previous one (2026-12-02 08:54-09:01 UTC, load average 0.9-1.8):
//!
//! | operation | previous version: runs 1-6 (median) | this version: runs 1-6 (median) |
//! |---|---|---|
//! | `request` (dummy, EUR 15.24, signed redirect) | 1.84, 1.88, 1.83, 1.86, 1.83, 1.90× (1.85×) | 1.88, 1.95, 1.87, 1.87, 1.85, 1.85× (1.87×) |
//! | `response` (verify a signed paid return) | 2.02, 2.00, 2.00, 2.02, 2.00, 2.07× (2.01×) | 1.60, 1.60, 1.57, 1.55, 1.57, 1.59× (**1.58×**) |
//!
//! Run 4 of this version: request 5.09 → 9.44 µs, response 5.12 → 7.70 µs. A request is
//! unchanged (the same instructions, 108.1k against 108.5k; the difference of the medians is
//! within the runs' spread). Building an instance (`open` + `close` through the ABI) took 175 µs in
//! a full run (static build 110 µs), about 20 calls: an instance is opened once. History of the response: wire 1.0
//! 2.12-2.19×; wire 1.1 2.04-2.13×; the hand-written response writer and serde-free reading
//! of its text 1.97-2.03×; this version's fast readers 1.55-1.60×.
//!
//! Instruction counts (valgrind `--tool=callgrind`, 3,000 responses, the bench binary run with
//! `POLYPAY_ABI_LOOP=plugin-response:3000`, which runs only that loop; load-independent): a
//! response through the ABI costs 99.9k → 84.4k instructions per call, the static call 61.3k,
//! so the ABI's own work went from 38.6k to 23.1k (−40%): the host reading the reply 17.7k →
//! 9.4k (of which building the `BankData` 2.0k and the amount and currency checks 1.7k, as
//! in any reader), the plugin reading the call 8.2k → 3.3k, the plugin writing the response
//! 8.5k → 7.2k, the host writing the call 3.0k → 1.9k. In time (`perf record --call-graph
//! dwarf` of that loop, share of one response through the ABI): the dummy's own work 57%, the
//! host reading the reply 20% (checking the amount and currency 5%, building the `BankData`
//! 3%), the plugin writing it 11%, the plugin reading the call 4%, the host writing it 4%.
//! What is left is mostly copying text
//! into the `PaymentResponse` and its `BankData` on the host and writing it on the plugin
//! side; a more compact `bank_data` on the wire (a negotiated minor) was not needed for the
//! target and was not done. Where a request's time goes (profiled before this version): the
//! dummy's own work 53%; rebuilding the payment URL on the host 12% (`Url::set_query` re-checking the
//! ~400-character signed query: `url` cannot adopt an already valid serialization); the
//! plugin parsing the call 13.6% (the `PaymentRequest` 7.5%); the host writing the call 6%;
//! the plugin writing its step 5%.
//!
//! A bank's POST body crosses as text instead of an array of byte values (since 1.1); the
//! benchmark's return is a GET, so these figures do not show it.
//!
//! Features: `sdk` (plugin authors: [`export_plugin!`]) and `host` (the loader: `host::load_plugin`).

pub mod wire;

#[cfg(feature = "sdk")]
pub mod sdk;

#[cfg(feature = "host")]
pub mod host;

use std::ffi::c_void;

/// Major version of the ABI: a host refuses any other.
pub const ABI_MAJOR: u32 = 1;
/// Minor version of the ABI: additions only.
pub const ABI_MINOR: u32 = 1;
/// `ABI_MAJOR << 16 | ABI_MINOR`, what `polypay_plugin_abi_version` returns.
pub const ABI_VERSION: u32 = (ABI_MAJOR << 16) | ABI_MINOR;

/// Name of the version symbol.
pub const VERSION_SYMBOL: &[u8] = b"polypay_plugin_abi_version\0";
/// Name of the dispatch symbol.
pub const DISPATCH_SYMBOL: &[u8] = b"polypay_plugin_dispatch\0";

/// The host's callback receiving a reply: `(ctx, ptr, len)`, the bytes valid during the call.
pub type ReplyCallback = extern "C" fn(ctx: *mut c_void, ptr: *const u8, len: usize);

/// The signature of `polypay_plugin_abi_version`.
pub type VersionFn = extern "C" fn() -> u32;

/// The signature of `polypay_plugin_dispatch`.
pub type DispatchFn = unsafe extern "C" fn(
    req_ptr: *const u8,
    req_len: usize,
    ctx: *mut c_void,
    reply: ReplyCallback,
);

#[doc(hidden)]
pub use polypay_core as __core;

#[cfg(all(test, feature = "sdk", feature = "host"))]
mod abi_tests;

#[cfg(all(test, feature = "sdk", feature = "host"))]
mod compat_tests;
