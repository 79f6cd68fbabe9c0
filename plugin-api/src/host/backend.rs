//! The host's view of a plugin's backends: one factory per exported kind, and backend
//! instances whose every operation is a call through the ABI.

use std::sync::Arc;

use polypay_core::{
    Adjustment, Backend, BackendFactory, Capabilities, Context, Description, FieldError, Incoming,
    PaymentIntent, PaymentRequest, PaymentResponse, Result, StatusQuery, Step,
};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{PluginLibrary, plugin_error};
use crate::wire::v1::call::{CallRef, StepOf};
use crate::wire::v1::incoming::IncomingRef;
use crate::wire::v1::intent::IntentOf;
use crate::wire::v1::response::ResponseOf;
use crate::wire::v1::{
    BackendInfo, CallOperation, Opened, PluginInfo, Request, WireExchange, WireFieldError,
};

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
    pub(super) fn from_info(lib: PluginLibrary, info: PluginInfo) -> Result<Vec<PluginFactory>> {
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

    /// Asks the plugin (`warnings`, ABI 1.1); a 1.0 plugin has no way to report any. A plugin
    /// failing to answer is itself worth a warning: its configuration was not checked.
    fn warnings(&self, config: &Map<String, Value>) -> Vec<FieldError> {
        if self.lib.abi_minor() < 1 {
            return Vec::new();
        }
        let asked: Result<Vec<WireFieldError>> = self.lib.request(&Request::Warnings {
            kind: self.info.kind.clone(),
            config: config.clone(),
        });
        match asked {
            Ok(found) => found
                .into_iter()
                .map(|w| FieldError::new(w.field, w.message))
                .collect(),
            Err(e) => vec![FieldError::new(
                "",
                format!("could not ask the plugin for configuration warnings: {e}"),
            )],
        }
    }

    fn build(&self, config: &Map<String, Value>) -> Result<Arc<dyn Backend>> {
        let opened: Opened = self.lib.request(&Request::Open {
            kind: self.info.kind.clone(),
            config: config.clone(),
        })?;
        let capabilities = self.lib.decode(opened.capabilities)?;
        Ok(Arc::new(PluginBackend {
            lib: self.lib.clone(),
            kind: self.info.kind.clone(),
            instance: opened.instance,
            capabilities,
        }))
    }
}

/// A call's input as the host writes it: its JSON shape, through serde unless the wire has a
/// writer of its own.
trait Input: Serialize {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }
}

impl Input for PaymentRequest {}
impl Input for Incoming {}
impl Input for Adjustment {}
impl Input for StatusQuery {}

impl Input for IncomingRef<'_> {
    /// By hand: a bank return's query or body is most of a call (see `wire::v1::json`).
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        self.write_to(out);
        Ok(())
    }
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
    /// One call whose result is a `PaymentResponse`, read by the wire's own reader (borrowing
    /// its text from the reply; see `wire::v1::response`).
    fn call_response<I: Input>(
        &self,
        operation: CallOperation,
        input: &I,
        cx: Context<'_>,
    ) -> Result<Step<PaymentResponse>> {
        self.call_with(operation, input, cx, |reply| {
            // The writer's own shape without serde; anything else (an error, an HTTP step,
            // another writer's JSON) through serde, with its errors.
            if let Some(done) = std::str::from_utf8(reply)
                .ok()
                .and_then(ResponseOf::from_done_reply)
            {
                return Ok(Step::Done(done));
            }
            let step: StepOf<ResponseOf> = self.lib.read_reply(reply)?;
            Ok(
                match step
                    .into_step()
                    .map_err(|e| plugin_error(&self.lib.path, e.to_string()))?
                {
                    Step::Done(response) => Step::Done(response.0),
                    Step::Http { request, state } => Step::Http { request, state },
                },
            )
        })
    }

    /// One call whose reply `read` parses (borrowing from the reply bytes).
    fn call_with<I: Input, R>(
        &self,
        operation: CallOperation,
        input: &I,
        cx: Context<'_>,
        read: impl FnOnce(&[u8]) -> Result<R>,
    ) -> Result<R> {
        // A 1.0 plugin reads the clock as RFC 3339 text only.
        let now = (self.lib.abi_minor() < 1).then(|| cx.now.to_string());
        let mut hex = [0u8; 64];
        let entropy = hex::encode_to_slice(cx.entropy, &mut hex)
            .ok()
            .and_then(|()| std::str::from_utf8(&hex).ok())
            .ok_or_else(|| plugin_error(&self.lib.path, "cannot encode the entropy"))?;
        let prior = cx.prior.map(WireExchange::from);
        let call = CallRef::new(
            self.instance,
            operation,
            input,
            now.as_deref(),
            Some(entropy),
            prior.as_ref(),
        );
        let call = if now.is_none() {
            call.with_now_unix(cx.now)
        } else {
            call
        };
        self.lib
            .exchange(|buf| call.write_to(buf, |i, out| i.write_json(out)), read)
    }
}

impl PluginBackend {
    /// `guess`, with the incoming request in the form the plugin reads.
    fn guess_with<I: Input>(&self, incoming: &I) -> Option<String> {
        let call = CallRef::new(
            self.instance,
            CallOperation::Guess,
            incoming,
            None,
            None,
            None,
        );
        self.lib
            .exchange(
                |buf| call.write_to(buf, |i, out| i.write_json(out)),
                |reply| self.lib.read_reply::<Option<String>>(reply),
            )
            .ok()
            .flatten()
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
        // The intent is read by the wire's own reader: no buffered action, its URL's base
        // parsed once (see `wire::v1::intent`).
        self.call_with(CallOperation::Request, req, cx, |reply| {
            let step: StepOf<IntentOf<'_>> = self.lib.read_reply(reply)?;
            let malformed = |e: String| plugin_error(&self.lib.path, e);
            Ok(
                match step.into_step().map_err(|e| malformed(e.to_string()))? {
                    Step::Done(intent) => Step::Done(
                        intent
                            .into_intent()
                            .map_err(|e| malformed(format!("malformed reply: {e}")))?,
                    ),
                    Step::Http { request, state } => Step::Http { request, state },
                },
            )
        })
    }
    fn response(&self, incoming: &Incoming, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        if self.lib.abi_minor() >= 1 {
            self.call_response(CallOperation::Response, &IncomingRef(incoming), cx)
        } else {
            self.call_response(CallOperation::Response, incoming, cx)
        }
    }
    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call_response(CallOperation::Cancel, op, cx)
    }
    fn validate(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call_response(CallOperation::Validate, op, cx)
    }
    fn refund(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call_response(CallOperation::Refund, op, cx)
    }
    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.call_response(CallOperation::Status, query, cx)
    }
    fn guess(&self, incoming: &Incoming) -> Option<String> {
        if self.lib.abi_minor() >= 1 {
            self.guess_with(&IncomingRef(incoming))
        } else {
            self.guess_with(incoming)
        }
    }
}
