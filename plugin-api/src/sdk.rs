//! For plugin authors: [`export_plugin!`](crate::export_plugin) and the dispatcher behind it.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use polypay_core::{
    Backend, BackendFactory, Context, Error, Exchange, PaymentResponse, Step, Timestamp,
};
use serde::Serialize;
use serde_json::Value;

use crate::ReplyCallback;
use crate::wire::v1::call::{CallInput, ParsedCall, ParsedRequest, ReplyRef, StepRef};
use crate::wire::v1::response::ResponseRef;
use crate::wire::v1::{BackendInfo, Opened, PluginInfo, WireError, WireFieldError};

/// Exports backend factories as a polypay plugin: the two ABI symbols and a handle table of
/// open instances. Use it once, at the root of a `cdylib` crate.
///
/// ```no_run
/// polypay_plugin_api::export_plugin!(polypay_dummy::DummyFactory);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($($factory:expr),+ $(,)?) => {
        static __POLYPAY_PLUGIN: ::std::sync::LazyLock<$crate::sdk::Plugin> =
            ::std::sync::LazyLock::new(|| {
                $crate::sdk::Plugin::new(
                    env!("CARGO_PKG_NAME"),
                    env!("CARGO_PKG_VERSION"),
                    vec![$(&$factory as &'static dyn $crate::__core::BackendFactory),+],
                )
            });

        /// The plugin's ABI version (`major << 16 | minor`).
        #[unsafe(no_mangle)]
        pub extern "C" fn polypay_plugin_abi_version() -> u32 {
            $crate::ABI_VERSION
        }

        /// Handles one JSON request and writes its reply through `reply`.
        ///
        /// # Safety
        /// `req_ptr` must point to `req_len` readable bytes (or be null with `req_len == 0`).
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn polypay_plugin_dispatch(
            req_ptr: *const u8,
            req_len: usize,
            ctx: *mut ::std::ffi::c_void,
            reply: $crate::ReplyCallback,
        ) {
            // SAFETY: the caller's contract is this function's contract.
            unsafe { $crate::sdk::dispatch(&__POLYPAY_PLUGIN, req_ptr, req_len, ctx, reply) }
        }
    };
}

/// The plugin side: its factories and its open instances.
pub struct Plugin {
    name: &'static str,
    version: &'static str,
    factories: Vec<&'static dyn BackendFactory>,
    instances: Mutex<HashMap<u64, Arc<dyn Backend>>>,
    next: AtomicU64,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// The reply buffer, reused from call to call (a call then allocates no reply).
    static REPLY: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Replies larger than this do not keep their buffer for the next call.
const KEPT_REPLY_BUFFER: usize = 1 << 20;

/// Handles a request and writes the reply: panics become an error reply.
///
/// # Safety
/// `req_ptr` must point to `req_len` readable bytes, or be null with `req_len == 0`.
pub unsafe fn dispatch(
    plugin: &Plugin,
    req_ptr: *const u8,
    req_len: usize,
    ctx: *mut c_void,
    reply: ReplyCallback,
) {
    let bytes: &[u8] = if req_ptr.is_null() || req_len == 0 {
        &[]
    } else {
        // SAFETY: the caller guarantees `req_len` readable bytes at `req_ptr`, alive for the call.
        unsafe { std::slice::from_raw_parts(req_ptr, req_len) }
    };
    let mut out = REPLY.take();
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| plugin.handle_into(bytes, &mut out))) {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        out.clear();
        encode_error(
            &mut out,
            &WireError {
                kind: "other".into(),
                message: format!("the plugin panicked: {what}"),
                details: Default::default(),
            },
        );
    }
    reply(ctx, out.as_ptr(), out.len());
    if out.capacity() <= KEPT_REPLY_BUFFER {
        REPLY.set(out);
    }
}

fn encode_error(out: &mut Vec<u8>, error: &WireError) {
    if serde_json::to_writer(&mut *out, &ReplyRef::<()>::Error(error)).is_err() {
        out.clear();
        out.extend_from_slice(br#"{"error":{"kind":"other","message":"unencodable reply"}}"#);
    }
}

fn to_value<T: Serialize>(t: T) -> Result<Value, Error> {
    serde_json::to_value(t).map_err(|e| Error::malformed(format!("plugin wire: {e}")))
}

/// Writes `{"ok": value}`.
fn write_ok<T: Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    serde_json::to_writer(out, &ReplyRef::Ok(value))
        .map_err(|e| Error::malformed(format!("plugin wire: {e}")))
}

/// Writes a step's reply.
fn write_step<T: Serialize>(out: &mut Vec<u8>, step: Result<Step<T>, Error>) -> Result<(), Error> {
    write_ok(out, &StepRef::from(&step?))
}

/// Writes the reply of a step whose result is a response, through the wire's own writer (the
/// JSON of core's `Serialize`, written by hand).
fn write_response(
    out: &mut Vec<u8>,
    step: Result<Step<PaymentResponse>, Error>,
) -> Result<(), Error> {
    match &step? {
        Step::Done(response) => {
            out.extend_from_slice(br#"{"ok":{"done":"#);
            ResponseRef(response)
                .write_to(out)
                .map_err(|e| Error::malformed(format!("plugin wire: {e}")))?;
            out.extend_from_slice(b"}}");
            Ok(())
        }
        http => write_ok(out, &StepRef::from(http)),
    }
}

impl Plugin {
    /// A plugin exporting these factories.
    pub fn new(
        name: &'static str,
        version: &'static str,
        factories: Vec<&'static dyn BackendFactory>,
    ) -> Plugin {
        Plugin {
            name,
            version,
            factories,
            instances: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
        }
    }

    /// Handles one JSON request, returning the JSON reply.
    pub fn handle(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.handle_into(bytes, &mut out);
        out
    }

    /// Handles one JSON request, writing the JSON reply into `out` (cleared first).
    pub fn handle_into(&self, bytes: &[u8], out: &mut Vec<u8>) {
        out.clear();
        // Validating the whole request at once is cheaper than string by string.
        let parsed = std::str::from_utf8(bytes)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                // A bank return's call in the host's own shape without serde; anything else
                // (and its errors) through serde.
                match ParsedRequest::from_call_fast(text) {
                    Some(call) => Ok(call),
                    None => serde_json::from_str::<ParsedRequest>(text).map_err(|e| e.to_string()),
                }
            });
        let answered = match parsed {
            Err(e) => Err(Error::invalid_input(format!("bad plugin request: {e}"))),
            Ok(req) => self.answer(req, out),
        };
        if let Err(e) = answered {
            out.clear();
            encode_error(out, &(&e).into());
        }
    }

    fn answer(&self, req: ParsedRequest, out: &mut Vec<u8>) -> Result<(), Error> {
        match req {
            ParsedRequest::Describe => write_ok(out, &self.info()),
            ParsedRequest::Open { kind, config } => {
                let backend = self.factory(&kind)?.build(&config)?;
                let capabilities = to_value(backend.capabilities())?;
                let instance = self.next.fetch_add(1, Ordering::Relaxed);
                self.table().insert(instance, backend);
                write_ok(
                    out,
                    &Opened {
                        instance,
                        capabilities,
                    },
                )
            }
            ParsedRequest::Close { instance } => {
                self.table().remove(&instance);
                write_ok(out, &Value::Null)
            }
            ParsedRequest::Warnings { kind, config } => {
                let warnings: Vec<WireFieldError> = self
                    .factory(&kind)?
                    .warnings(&config)
                    .into_iter()
                    .map(|w| WireFieldError {
                        field: w.field,
                        message: w.message,
                    })
                    .collect();
                write_ok(out, &warnings)
            }
            ParsedRequest::Call(call) => self.call(call, out),
        }
    }

    fn factory(&self, kind: &str) -> Result<&'static dyn BackendFactory, Error> {
        self.factories
            .iter()
            .find(|f| f.kind() == kind)
            .copied()
            .ok_or_else(|| Error::invalid_input(format!("no backend kind {kind:?}")))
    }

    fn call(&self, call: ParsedCall, out: &mut Vec<u8>) -> Result<(), Error> {
        let instance = call.instance;
        let backend = self
            .table()
            .get(&instance)
            .cloned()
            .ok_or_else(|| Error::invalid_input(format!("no instance {instance}")))?;
        if let CallInput::Guess(incoming) = &call.input {
            return write_ok(out, &backend.guess(incoming));
        }
        // Both come with every call but `guess`; a request without them is a host's mistake.
        let now: Timestamp = call
            .now
            .ok_or_else(|| Error::invalid_input("plugin wire: a call needs now"))?;
        let seed = call
            .entropy
            .ok_or_else(|| Error::invalid_input("plugin wire: a call needs entropy"))?;
        let prior: Option<Exchange> = call.prior.map(Exchange::try_from).transpose()?;
        let base = Context::fixed(now, seed);
        let cx = match &prior {
            Some(p) => base.with_prior(p),
            None => base,
        };
        match &call.input {
            CallInput::Request(r) => write_step(out, backend.request(r, cx)),
            CallInput::Response(i) => write_response(out, backend.response(i, cx)),
            CallInput::Cancel(a) => write_response(out, backend.cancel(a, cx)),
            CallInput::Validate(a) => write_response(out, backend.validate(a, cx)),
            CallInput::Refund(a) => write_response(out, backend.refund(a, cx)),
            CallInput::Status(q) => write_response(out, backend.status(q, cx)),
            // Answered above, before any context is decoded.
            CallInput::Guess(_) => Err(Error::invalid_input("guess takes no context")),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<dyn Backend>>> {
        // A poisoned table only means a panic happened while it was held; the map itself is
        // always consistent (single insert/remove), so keep using it.
        self.instances
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn info(&self) -> PluginInfo {
        PluginInfo {
            name: self.name.to_owned(),
            version: self.version.to_owned(),
            api_version: env!("CARGO_PKG_VERSION").to_owned(),
            panic_strategy: if cfg!(panic = "unwind") {
                "unwind"
            } else {
                "abort"
            }
            .to_owned(),
            backends: self
                .factories
                .iter()
                .map(|f| {
                    let d = f.description();
                    BackendInfo {
                        kind: d.kind,
                        caption: d.caption,
                        config_schema: d.config_schema,
                        transaction_schema: d.transaction_schema,
                        capabilities: serde_json::to_value(d.capabilities).unwrap_or(Value::Null),
                    }
                })
                .collect(),
        }
    }
}
