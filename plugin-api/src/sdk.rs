//! For plugin authors: [`export_plugin!`](crate::export_plugin) and the dispatcher behind it.

use std::collections::HashMap;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use polypay_core::{
    Adjustment, Backend, BackendFactory, Context, Error, Exchange, Incoming, PaymentRequest,
    StatusQuery, Timestamp,
};
use serde_json::Value;

use crate::ReplyCallback;
use crate::wire::v1::{
    BackendInfo, CallOperation, Opened, PluginInfo, Reply, Request, WireError, WireStep,
};

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
    let out = match catch_unwind(AssertUnwindSafe(|| plugin.handle(bytes))) {
        Ok(out) => out,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            encode(&Reply::Error(WireError {
                kind: "other".into(),
                message: format!("the plugin panicked: {what}"),
                details: Default::default(),
            }))
        }
    };
    reply(ctx, out.as_ptr(), out.len());
}

fn encode(reply: &Reply) -> Vec<u8> {
    serde_json::to_vec(reply)
        .unwrap_or_else(|_| br#"{"error":{"kind":"other","message":"unencodable reply"}}"#.to_vec())
}

fn to_value<T: serde::Serialize>(t: T) -> Result<Value, Error> {
    serde_json::to_value(t).map_err(|e| Error::malformed(format!("plugin wire: {e}")))
}

fn input<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, Error> {
    serde_json::from_value(v).map_err(|e| Error::invalid_input(format!("plugin wire input: {e}")))
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
        let reply = match serde_json::from_slice::<Request>(bytes) {
            Err(e) => Err(Error::invalid_input(format!("bad plugin request: {e}"))),
            Ok(req) => self.answer(req),
        };
        encode(&match reply {
            Ok(v) => Reply::Ok(v),
            Err(e) => Reply::Error((&e).into()),
        })
    }

    fn answer(&self, req: Request) -> Result<Value, Error> {
        match req {
            Request::Describe => to_value(self.info()),
            Request::Open { kind, config } => {
                let factory = self
                    .factories
                    .iter()
                    .find(|f| f.kind() == kind)
                    .ok_or_else(|| Error::invalid_input(format!("no backend kind {kind:?}")))?;
                let backend = factory.build(&config)?;
                let capabilities = to_value(backend.capabilities())?;
                let instance = self.next.fetch_add(1, Ordering::Relaxed);
                self.table().insert(instance, backend);
                to_value(Opened {
                    instance,
                    capabilities,
                })
            }
            Request::Close { instance } => {
                self.table().remove(&instance);
                Ok(Value::Null)
            }
            Request::Call {
                instance,
                operation,
                input: arg,
                now,
                entropy,
                prior,
            } => {
                let backend = self
                    .table()
                    .get(&instance)
                    .cloned()
                    .ok_or_else(|| Error::invalid_input(format!("no instance {instance}")))?;
                if operation == CallOperation::Guess {
                    return to_value(backend.guess(&input::<Incoming>(arg)?));
                }
                let now: Timestamp = now
                    .as_deref()
                    .unwrap_or_default()
                    .parse()
                    .map_err(|e| Error::invalid_input(format!("plugin wire: bad now: {e}")))?;
                let mut seed = [0u8; 32];
                let raw = hex::decode(entropy.as_deref().unwrap_or_default())
                    .map_err(|e| Error::invalid_input(format!("plugin wire: bad entropy: {e}")))?;
                if raw.len() != 32 {
                    return Err(Error::invalid_input(
                        "plugin wire: entropy must be 32 bytes",
                    ));
                }
                seed.copy_from_slice(&raw);
                let prior: Option<Exchange> = prior.map(Exchange::try_from).transpose()?;
                let base = Context::fixed(now, seed);
                let cx = match &prior {
                    Some(p) => base.with_prior(p),
                    None => base,
                };
                let step = match operation {
                    CallOperation::Request => {
                        WireStep::from_step(backend.request(&input::<PaymentRequest>(arg)?, cx)?)
                    }
                    CallOperation::Response => {
                        WireStep::from_step(backend.response(&input::<Incoming>(arg)?, cx)?)
                    }
                    CallOperation::Cancel => {
                        WireStep::from_step(backend.cancel(&input::<Adjustment>(arg)?, cx)?)
                    }
                    CallOperation::Validate => {
                        WireStep::from_step(backend.validate(&input::<Adjustment>(arg)?, cx)?)
                    }
                    CallOperation::Refund => {
                        WireStep::from_step(backend.refund(&input::<Adjustment>(arg)?, cx)?)
                    }
                    CallOperation::Status => {
                        WireStep::from_step(backend.status(&input::<StatusQuery>(arg)?, cx)?)
                    }
                    // Answered above, before any context is decoded.
                    CallOperation::Guess => {
                        return Err(Error::invalid_input("guess takes no context"));
                    }
                }?;
                to_value(step)
            }
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
