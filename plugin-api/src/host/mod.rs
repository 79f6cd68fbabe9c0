//! The host side: loads a plugin library and registers its backends.

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use polypay_core::{
    Adjustment, Backend, BackendFactory, Capabilities, Context, Description, Error, Incoming,
    PaymentIntent, PaymentRequest, PaymentResponse, Registry, Result, StatusQuery, Step,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::wire::v1::{
    BackendInfo, CallOperation, Opened, PluginInfo, Reply, Request, WireExchange, WireStep,
};
mod shared;

pub use shared::{LoadedPlugin, load_shared};

use crate::{ABI_MAJOR, DISPATCH_SYMBOL, DispatchFn, VERSION_SYMBOL, VersionFn};

/// A loaded plugin library (never unloaded) and its dispatch entry point.
#[derive(Debug, Clone)]
pub struct PluginLibrary {
    path: String,
    dispatch: DispatchFn,
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
        // SAFETY: `ctx` is the `&mut ReplySlot` that `PluginLibrary::send` passed for this very
        // call, alive and not otherwise borrowed until dispatch returns.
        let slot = unsafe { &mut *ctx.cast::<ReplySlot>() };
        slot.calls += 1;
        let bytes = if ptr.is_null() || len == 0 {
            Vec::new()
        } else {
            // SAFETY: the ABI contract: `ptr` points to `len` bytes valid during this callback.
            unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
        };
        slot.bytes = Some(bytes);
    }));
}

/// Where `collect_reply` puts the reply; a plugin must write exactly one.
#[derive(Default)]
struct ReplySlot {
    bytes: Option<Vec<u8>>,
    calls: u32,
}

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
        let v = version();
        if v >> 16 != ABI_MAJOR {
            return Err(plugin_error(
                &shown,
                format!(
                    "ABI version {}.{} is not supported (this host speaks {ABI_MAJOR}.x)",
                    v >> 16,
                    v & 0xffff
                ),
            ));
        }
        // SAFETY: the symbol's type is the one the ABI defines for this name.
        let dispatch: DispatchFn = *unsafe { lib.get::<DispatchFn>(DISPATCH_SYMBOL) }
            .map_err(|e| plugin_error(&shown, format!("missing polypay_plugin_dispatch: {e}")))?;
        Ok(PluginLibrary {
            path: shown,
            dispatch,
        })
    }

    /// Wraps a dispatch function already in this process (an `export_plugin!` in the host's own
    /// binary): the same ABI path without a library file.
    pub fn from_dispatch(name: &str, dispatch: DispatchFn) -> PluginLibrary {
        PluginLibrary {
            path: name.to_owned(),
            dispatch,
        }
    }

    /// The library file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Sends one request and decodes the reply.
    pub fn send(&self, req: &Request) -> Result<Value> {
        let bytes = serde_json::to_vec(req)
            .map_err(|e| plugin_error(&self.path, format!("cannot encode request: {e}")))?;
        let mut slot = ReplySlot::default();
        // SAFETY: the request bytes live across the call; `ctx` is `slot`, which only
        // `collect_reply` touches, during this call; `dispatch` has the ABI's signature.
        unsafe {
            (self.dispatch)(
                bytes.as_ptr(),
                bytes.len(),
                (&mut slot as *mut ReplySlot).cast::<c_void>(),
                collect_reply,
            )
        };
        if slot.calls > 1 {
            return Err(plugin_error(
                &self.path,
                format!("malformed reply: written {} times", slot.calls),
            ));
        }
        let out = slot
            .bytes
            .ok_or_else(|| plugin_error(&self.path, "the plugin never wrote a reply"))?;
        let reply: Reply = serde_json::from_slice(&out)
            .map_err(|e| plugin_error(&self.path, format!("malformed reply: {e}")))?;
        match reply {
            Reply::Ok(v) => Ok(v),
            Reply::Error(w) => Err(w.into_error(&self.path)),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, v: Value) -> Result<T> {
        serde_json::from_value(v)
            .map_err(|e| plugin_error(&self.path, format!("malformed reply: {e}")))
    }

    /// Asks the plugin what it offers; refuses a plugin built with `panic = "abort"`.
    pub fn describe(&self) -> Result<PluginInfo> {
        let info: PluginInfo = self.decode(self.send(&Request::Describe)?)?;
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

/// A factory for one backend kind of a plugin.
#[derive(Debug, Clone)]
pub struct PluginFactory {
    lib: Arc<PluginLibrary>,
    info: BackendInfo,
    capabilities: Capabilities,
}

impl PluginFactory {
    /// The factories of every backend the plugin exports.
    pub fn all(lib: PluginLibrary) -> Result<Vec<PluginFactory>> {
        let info = lib.describe()?;
        PluginFactory::from_info(lib, info)
    }

    /// The factories of the backends `info` (the plugin's `describe` reply) lists.
    fn from_info(lib: PluginLibrary, info: PluginInfo) -> Result<Vec<PluginFactory>> {
        let lib = Arc::new(lib);
        info.backends
            .into_iter()
            .map(|b| {
                let capabilities = lib.decode(b.capabilities.clone())?;
                Ok(PluginFactory {
                    lib: lib.clone(),
                    info: b,
                    capabilities,
                })
            })
            .collect()
    }
}

impl BackendFactory for PluginFactory {
    fn kind(&self) -> &str {
        &self.info.kind
    }

    fn description(&self) -> Description {
        Description::from_schemas(
            &self.info.kind,
            &self.info.caption,
            self.info.config_schema.clone(),
            self.info.transaction_schema.clone(),
            self.capabilities.clone(),
        )
    }

    fn build(&self, config: &Map<String, Value>) -> Result<Arc<dyn Backend>> {
        let opened: Opened = self.lib.decode(self.lib.send(&Request::Open {
            kind: self.info.kind.clone(),
            config: config.clone(),
        })?)?;
        let capabilities = self.lib.decode(opened.capabilities)?;
        Ok(Arc::new(PluginBackend {
            lib: self.lib.clone(),
            kind: self.info.kind.clone(),
            instance: opened.instance,
            capabilities,
        }))
    }
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

/// A backend instance living in a plugin: every operation goes through the ABI.
#[derive(Debug)]
pub struct PluginBackend {
    lib: Arc<PluginLibrary>,
    kind: String,
    instance: u64,
    capabilities: Capabilities,
}

impl Drop for PluginBackend {
    fn drop(&mut self) {
        // Nothing to do about a failing close: the instance is gone from the host either way.
        let _ = self.lib.send(&Request::Close {
            instance: self.instance,
        });
    }
}

impl PluginBackend {
    fn call<I: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        operation: CallOperation,
        input: &I,
        cx: Context<'_>,
    ) -> Result<Step<T>> {
        let input = serde_json::to_value(input)
            .map_err(|e| plugin_error(&self.lib.path, format!("cannot encode input: {e}")))?;
        let v = self.lib.send(&Request::Call {
            instance: self.instance,
            operation,
            input,
            now: Some(cx.now.to_string()),
            entropy: Some(hex::encode(cx.entropy)),
            prior: cx.prior.map(WireExchange::from),
        })?;
        let step: WireStep = self.lib.decode(v)?;
        step.into_step()
            .map_err(|e| plugin_error(&self.lib.path, e.to_string()))
    }
}

impl Backend for PluginBackend {
    fn kind(&self) -> &str {
        &self.kind
    }
    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }
    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        self.call(CallOperation::Request, req, cx)
    }
    fn response(&self, incoming: &Incoming, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call(CallOperation::Response, incoming, cx)
    }
    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call(CallOperation::Cancel, op, cx)
    }
    fn validate(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call(CallOperation::Validate, op, cx)
    }
    fn refund(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call(CallOperation::Refund, op, cx)
    }
    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call(CallOperation::Status, query, cx)
    }
    fn guess(&self, incoming: &Incoming) -> Option<String> {
        let input = serde_json::to_value(incoming).ok()?;
        let v = self
            .lib
            .send(&Request::Call {
                instance: self.instance,
                operation: CallOperation::Guess,
                input,
                now: None,
                entropy: None,
                prior: None,
            })
            .ok()?;
        serde_json::from_value(v).ok().flatten()
    }
}
