//! The host side: loads a plugin library and registers its backends.

use std::cell::Cell;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use polypay_core::{BackendFactory, Error, Registry, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::wire::v1::call::ReplyOf;
use crate::wire::v1::{PluginInfo, Request};

mod backend;
mod shared;

pub use backend::{PluginBackend, PluginFactory};
pub use shared::{LoadedPlugin, load_shared};

use crate::{ABI_MAJOR, ABI_MINOR, DISPATCH_SYMBOL, DispatchFn, VERSION_SYMBOL, VersionFn};

/// A loaded plugin library (never unloaded) and its dispatch entry point.
#[derive(Debug, Clone)]
pub struct PluginLibrary {
    path: String,
    dispatch: DispatchFn,
    /// The plugin's ABI minor version: what it understands beyond 1.0.
    minor: u32,
}

fn plugin_error(path: &str, message: impl Into<String>) -> Error {
    Error::Plugin {
        path: path.to_owned(),
        message: message.into(),
    }
}

extern "C" fn collect_reply(ctx: *mut c_void, ptr: *const u8, len: usize) {
    // A panic must not unwind into the plugin's frames.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `ctx` is the `&mut ReplySlot` that `PluginLibrary::exchange` passed for this
        // very call, alive and not otherwise borrowed until dispatch returns.
        let slot = unsafe { &mut *ctx.cast::<ReplySlot>() };
        slot.calls += 1;
        slot.bytes.clear();
        if !ptr.is_null() && len != 0 {
            // SAFETY: the ABI contract: `ptr` points to `len` bytes valid during this callback.
            slot.bytes
                .extend_from_slice(unsafe { std::slice::from_raw_parts(ptr, len) });
        }
    }));
}

/// Where `collect_reply` copies the reply; a plugin must write exactly one.
struct ReplySlot {
    bytes: Vec<u8>,
    calls: u32,
}

thread_local! {
    /// Request and reply buffers, reused from call to call (a call then allocates neither).
    static BUFFERS: Cell<(Vec<u8>, Vec<u8>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

/// Buffers larger than this are not kept for the next call.
const KEPT_BUFFER: usize = 1 << 20;

impl PluginLibrary {
    /// Loads the library at `path`, after checking its SHA-256 (hex) when `sha256` is given,
    /// then its ABI major version. The library is never unloaded.
    ///
    /// Every call loads (and leaks a handle of) the library; [`load_shared`] loads each file
    /// once per process and is what [`load_plugin`] uses.
    pub fn load(path: &Path, sha256: Option<&str>) -> Result<PluginLibrary> {
        let shown = path.display().to_string();
        if let Some(pin) = sha256 {
            check_pin(&shown, pin, &file_sha256(path, &shown)?)?;
        }
        PluginLibrary::open(path, shown)
    }

    /// Loads the library and checks its ABI version; `shown` names it in errors.
    fn open(path: &Path, shown: String) -> Result<PluginLibrary> {
        // SAFETY: loading runs the library's initializers; choosing to trust the file (and
        // pinning its hash) is the caller's decision, which is what loading a plugin means.
        let lib = unsafe { libloading::Library::new(path) }
            .map_err(|e| plugin_error(&shown, format!("cannot load the library: {e}")))?;
        // Never unloaded: instances, symbols and thread-locals of the plugin may outlive any
        // handle we could track.
        let lib: &'static libloading::Library = Box::leak(Box::new(lib));
        // SAFETY: the symbol's type is the one the ABI defines for this name.
        let version: VersionFn = *unsafe { lib.get::<VersionFn>(VERSION_SYMBOL) }.map_err(|e| {
            plugin_error(
                &shown,
                format!("not a polypay plugin (missing polypay_plugin_abi_version): {e}"),
            )
        })?;
        let minor = check_version(&shown, version())?;
        // SAFETY: the symbol's type is the one the ABI defines for this name.
        let dispatch: DispatchFn = *unsafe { lib.get::<DispatchFn>(DISPATCH_SYMBOL) }
            .map_err(|e| plugin_error(&shown, format!("missing polypay_plugin_dispatch: {e}")))?;
        Ok(PluginLibrary {
            path: shown,
            dispatch,
            minor,
        })
    }

    /// Wraps a dispatch function already in this process (an `export_plugin!` in the host's own
    /// binary): the same ABI path without a library file.
    /// It speaks this crate's ABI version.
    pub fn from_dispatch(name: &str, dispatch: DispatchFn) -> PluginLibrary {
        PluginLibrary {
            path: name.to_owned(),
            dispatch,
            minor: ABI_MINOR,
        }
    }

    /// Wraps the two entry points of a plugin already in this process, checking its version
    /// like a loaded library's: the host then speaks the plugin's minor version (a 1.0 plugin
    /// gets only 1.0 messages).
    pub fn from_symbols(
        name: &str,
        version: VersionFn,
        dispatch: DispatchFn,
    ) -> Result<PluginLibrary> {
        let minor = check_version(name, version())?;
        Ok(PluginLibrary {
            path: name.to_owned(),
            dispatch,
            minor,
        })
    }

    /// The library file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The plugin's ABI minor version (its major is [`ABI_MAJOR`]).
    pub fn abi_minor(&self) -> u32 {
        self.minor
    }

    /// Sends one request and returns the result of its reply, as JSON.
    pub fn send(&self, req: &Request) -> Result<Value> {
        self.request(req)
    }

    /// Sends one request and parses the result of its reply.
    pub fn request<T: DeserializeOwned>(&self, req: &Request) -> Result<T> {
        self.exchange(
            |buf| serde_json::to_writer(buf, req),
            |r| self.read_reply(r),
        )
    }

    /// One round trip: `write` encodes the request, `read` parses the reply. Buffers are reused
    /// from call to call on each thread.
    fn exchange<R>(
        &self,
        write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
        read: impl FnOnce(&[u8]) -> Result<R>,
    ) -> Result<R> {
        let (mut request, bytes) = BUFFERS.take();
        request.clear();
        let mut slot = ReplySlot { bytes, calls: 0 };
        let result = match write(&mut request) {
            Err(e) => Err(plugin_error(
                &self.path,
                format!("cannot encode request: {e}"),
            )),
            Ok(()) => {
                // SAFETY: the request bytes live across the call; `ctx` is `slot`, which only
                // `collect_reply` touches, during this call; `dispatch` has the ABI's signature.
                unsafe {
                    (self.dispatch)(
                        request.as_ptr(),
                        request.len(),
                        (&mut slot as *mut ReplySlot).cast::<c_void>(),
                        collect_reply,
                    )
                };
                match slot.calls {
                    0 => Err(plugin_error(&self.path, "the plugin never wrote a reply")),
                    1 => read(&slot.bytes),
                    n => Err(plugin_error(
                        &self.path,
                        format!("malformed reply: written {n} times"),
                    )),
                }
            }
        };
        if request.capacity() <= KEPT_BUFFER && slot.bytes.capacity() <= KEPT_BUFFER {
            BUFFERS.set((request, slot.bytes));
        }
        result
    }

    /// The result of a reply, or its error (naming this plugin).
    fn read_reply<'a, T: serde::Deserialize<'a>>(&self, bytes: &'a [u8]) -> Result<T> {
        // Validating the whole reply at once is cheaper than string by string.
        let text = std::str::from_utf8(bytes)
            .map_err(|e| plugin_error(&self.path, format!("malformed reply: {e}")))?;
        let reply: ReplyOf<T> = serde_json::from_str(text)
            .map_err(|e| plugin_error(&self.path, format!("malformed reply: {e}")))?;
        match reply {
            ReplyOf::Ok(t) => Ok(t),
            ReplyOf::Error(w) => Err(w.into_error(&self.path)),
        }
    }

    fn decode<T: DeserializeOwned>(&self, v: Value) -> Result<T> {
        serde_json::from_value(v)
            .map_err(|e| plugin_error(&self.path, format!("malformed reply: {e}")))
    }

    /// Asks the plugin what it offers; refuses a plugin built with `panic = "abort"`.
    pub fn describe(&self) -> Result<PluginInfo> {
        let info: PluginInfo = self.request(&Request::Describe)?;
        if info.panic_strategy != "unwind" {
            return Err(plugin_error(
                &self.path,
                format!(
                    "built with panic = {:?}; plugins must unwind",
                    info.panic_strategy
                ),
            ));
        }
        Ok(info)
    }
}

/// The minor version of a plugin reporting ABI version `v`, or an error when this host does not
/// speak its major version.
fn check_version(shown: &str, v: u32) -> Result<u32> {
    if v >> 16 != ABI_MAJOR {
        return Err(plugin_error(
            shown,
            format!(
                "ABI version {}.{} is not supported (this host speaks {ABI_MAJOR}.x)",
                v >> 16,
                v & 0xffff
            ),
        ));
    }
    Ok(v & 0xffff)
}

/// Loads a plugin (once per process, see [`load_shared`]) and registers its backends; returns
/// their kinds. Nothing is registered when any of its kinds is already taken (a plugin never
/// replaces a built-in backend or another plugin's).
pub fn load_plugin(
    registry: &mut Registry,
    path: &Path,
    sha256: Option<&str>,
) -> Result<Vec<String>> {
    load_shared(path, sha256)?.register_into(registry)
}

/// Registers the backends of an already loaded plugin; returns their kinds. Nothing is registered
/// when any of its kinds is already taken.
pub fn register(registry: &mut Registry, lib: PluginLibrary) -> Result<Vec<String>> {
    let path = lib.path.clone();
    let factories = PluginFactory::all(lib)?;
    register_all(
        registry,
        &path,
        factories
            .into_iter()
            .map(|f| Arc::new(f) as Arc<dyn BackendFactory>),
    )
}

/// Registers every factory or, when a kind is taken, none (an error naming the plugin).
fn register_all(
    registry: &mut Registry,
    path: &str,
    factories: impl IntoIterator<Item = Arc<dyn BackendFactory>>,
) -> Result<Vec<String>> {
    let mut trial = registry.clone();
    let mut kinds = Vec::new();
    for f in factories {
        let kind = f.kind().to_owned();
        trial.register(f).map_err(|_| {
            plugin_error(
                path,
                format!(
                    "exports the backend kind {kind:?}, which is already registered (built in \
                     or by another plugin); nothing of this plugin was registered"
                ),
            )
        })?;
        kinds.push(kind);
    }
    *registry = trial;
    Ok(kinds)
}

/// The SHA-256 of a file, hex.
fn file_sha256(path: &Path, shown: &str) -> Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| plugin_error(shown, format!("cannot read the library: {e}")))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// How the message of a plugin error for a file that does not match its pin starts.
pub const PIN_MISMATCH: &str = "SHA-256 mismatch";

/// Compares a pin (64 hex digits, any case) with a file's SHA-256.
fn check_pin(shown: &str, pin: &str, found: &str) -> Result<()> {
    let pin = pin.trim();
    if pin.len() != 64 || !pin.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(plugin_error(
            shown,
            format!("the SHA-256 pin {pin:?} is not 64 hexadecimal digits"),
        ));
    }
    if !found.eq_ignore_ascii_case(pin) {
        return Err(plugin_error(
            shown,
            format!("{PIN_MISMATCH}: pinned {pin}, but the file's is {found}; refused"),
        ));
    }
    Ok(())
}
