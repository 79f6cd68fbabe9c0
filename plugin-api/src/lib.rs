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
//! bump may only add: new optional fields (hosts and plugins ignore unknown fields and default
//! missing ones), new error kinds (unknown kinds become `Error::Plugin`), new messages a plugin
//! answers with an error reply when it does not know them. Anything else is a major bump and a
//! new `wire::vN` module.
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
pub const ABI_MINOR: u32 = 0;
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
