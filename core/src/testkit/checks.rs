//! The checks of the conformance suite, in the order they run.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Harness, Report, SimOutcome, Verdict, garbage};
use crate::{
    Adjustment, Amount, Backend, Context, DEFAULT_MAX_STEPS, Description, Error, ErrorKind,
    Incoming, Operation, PaymentIntent, PaymentResponse, Result, StatusQuery, Step, drive_sync,
};

/// Names that, inside a parameter name, mean the value is a secret.
const SECRET_WORDS: [&str; 5] = ["secret", "password", "passphrase", "private_key", "api_key"];

/// Longest time `guess` plus `response` may take on one garbage input (generous: debug builds
/// on slow machines; a quadratic parser takes minutes on the 1 MiB query).
const GARBAGE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The transaction id used to test caller-chosen ids (letters and digits only, short: every
/// protocol accepts it).
const CALLER_ID: &str = "polypay0001";

/// A completed payment: the intent, what the bank sent, and the backend's response.
struct Flow {
    intent: PaymentIntent,
    incoming: Incoming,
    response: PaymentResponse,
}

/// The state of a run.
struct Suite<'h> {
    h: &'h Harness,
    report: RefCell<Report>,
    calls: Cell<u64>,
    /// Requests made so far (numbers the payments of [`Harness::request_for`]).
    requests: Cell<u64>,
    /// The backend learns outcomes through `status` only (it does not offer `response`).
    status_only: Cell<bool>,
}

/// Runs every check against the backend built by `harness` and reports each verdict.
///
/// Checks: the description is sane; an empty configuration is refused naming the required
/// parameters; a payment can be requested, reproducibly, with a caller id when advertised; a
/// paid payment is verified and passes `check`; every outcome of the simulator maps to its
/// status; tampered, unsigned and garbage input is never paid (and never panics); the same
/// input twice gives the same response; unadvertised operations are `Unsupported` and
/// advertised ones are not; `check` detects amount and reference mismatches. A backend that
/// offers `status` but not `response` is checked through `status` (see the module
/// documentation).
pub fn run_conformance(harness: &Harness) -> Report {
    let suite = Suite {
        h: harness,
        report: RefCell::new(Report {
            kind: harness.factory.kind().to_owned(),
            checks: Vec::new(),
        }),
        calls: Cell::new(0),
        requests: Cell::new(0),
        status_only: Cell::new(false),
    };
    suite.run();
    suite.report.into_inner()
}

/// Runs `f`, turning a panic into a failure.
fn guarded(f: impl FnOnce() -> Verdict) -> Verdict {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Verdict::Fail(format!("panicked: {what}"))
        }
    }
}

fn verdict(r: std::result::Result<(), String>) -> Verdict {
    match r {
        Ok(()) => Verdict::Pass,
        Err(why) => Verdict::Fail(why),
    }
}

impl Suite<'_> {
    fn record(&self, name: impl Into<String>, f: impl FnOnce() -> Verdict) {
        let v = guarded(f);
        self.report.borrow_mut().push(name, v);
    }

    /// A fixed context with entropy distinct from every other call of the run.
    fn cx(&self) -> Context<'static> {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        let mut entropy = [0x5a_u8; 32];
        entropy[..8].copy_from_slice(&n.to_le_bytes());
        Context::fixed(self.h.now, entropy)
    }

    fn drive<T>(
        &self,
        cx: Context<'static>,
        op: impl FnMut(Context<'_>) -> Result<Step<T>>,
    ) -> Result<T> {
        drive_sync(op, cx, |req| self.h.http(req), DEFAULT_MAX_STEPS)
    }

    fn run(&self) {
        let h = self.h;
        let mut description = None;
        self.record("description.sane", || {
            let d = h.factory.description();
            let v = verdict(description_problems(h, &d));
            description = Some(d);
            v
        });
        if let Some(d) = &description {
            self.record("build.empty_config_names_required", || {
                verdict(empty_config_refused(h, d))
            });
        }
        let mut built = None;
        self.record("build.valid_config", || match h.factory.build(&h.config) {
            Ok(b) => {
                built = Some(b);
                Verdict::Pass
            }
            Err(e) => Verdict::Fail(format!("the harness configuration was refused: {e}")),
        });
        let Some(backend) = built else { return };
        self.with_backend(&backend);
    }

    fn with_backend(&self, backend: &Arc<dyn Backend>) {
        let caps = backend.capabilities();
        self.status_only
            .set(!caps.supports(Operation::Response) && caps.supports(Operation::Status));
        self.record("capabilities.request_and_response", || {
            verdict(
                if caps.supports(Operation::Request)
                    && (caps.supports(Operation::Response) || caps.supports(Operation::Status))
                {
                    Ok(())
                } else {
                    Err(
                        "request and response (or, for a backend that polls, status) must be \
                         advertised"
                            .into(),
                    )
                },
            )
        });
        self.check_requests(backend, caps.caller_transaction_id);
        let paid = self.check_paid(backend);
        let accepted = self.check_outcomes(backend);
        if let Some(paid) = &paid {
            self.check_forgeries(backend, paid);
            self.check_idempotent(backend, paid);
            self.check_mismatch(paid);
        }
        self.check_garbage(backend, paid.as_ref());
        self.check_operations(backend, paid.as_ref(), accepted.as_ref());
    }

    /// The payment of the next request.
    fn next_request(&self) -> crate::PaymentRequest {
        let n = self.requests.get() + 1;
        self.requests.set(n);
        self.h.request_for(n)
    }

    fn request(
        &self,
        backend: &Arc<dyn Backend>,
        manual: bool,
        caller_id: Option<&str>,
    ) -> Result<PaymentIntent> {
        let mut req = self.next_request();
        req.manual_validation = manual;
        if let Some(id) = caller_id {
            req.transaction_id = Some(id.to_owned());
        }
        let cx = self.cx();
        self.drive(cx, |cx| backend.request(&req, cx))
    }

    fn response(&self, backend: &Arc<dyn Backend>, incoming: &Incoming) -> Result<PaymentResponse> {
        let cx = self.cx();
        self.drive(cx, |cx| backend.response(incoming, cx))
    }

    /// What the backend makes of a completed payment: its `response` to the bank's message,
    /// or for a status-only backend its `status` of the intent.
    fn outcome(
        &self,
        backend: &Arc<dyn Backend>,
        intent: &PaymentIntent,
        incoming: &Incoming,
        cx: Context<'static>,
    ) -> Result<PaymentResponse> {
        if self.status_only.get() {
            let query = StatusQuery::new(intent.transaction_id.clone())
                .with_bank_data(intent.backend_data.clone());
            self.drive(cx, |cx| backend.status(&query, cx))
        } else {
            self.drive(cx, |cx| backend.response(incoming, cx))
        }
    }

    fn check_requests(&self, backend: &Arc<dyn Backend>, caller_ids: bool) {
        let amount = self.h.request.amount;
        self.record(
            format!("request.{}", amount.to_string().replace(' ', "_")),
            || {
                verdict(match self.request(backend, false, None) {
                    Ok(intent) if intent.transaction_id.is_empty() => {
                        Err("the intent has an empty transaction_id".into())
                    }
                    Ok(_) => Ok(()),
                    Err(e) => Err(format!("request failed: {e}")),
                })
            },
        );
        self.record("request.reproducible", || {
            let cx = Context::fixed(self.h.now, [0x42; 32]);
            let req = &self.next_request();
            let a = self.drive(cx, |cx| backend.request(req, cx));
            let b = self.drive(cx, |cx| backend.request(req, cx));
            verdict(match (a, b) {
                (Ok(a), Ok(b)) if a == b => Ok(()),
                (Ok(a), Ok(b)) => Err(format!(
                    "the same context gave two intents: {a:?} and {b:?}"
                )),
                (Err(e), _) | (_, Err(e)) => Err(format!("request failed: {e}")),
            })
        });
        self.record("request.caller_transaction_id", || {
            if !caller_ids {
                return Verdict::Skip("caller_transaction_id is not advertised".into());
            }
            verdict(match self.request(backend, false, Some(CALLER_ID)) {
                Ok(i) if i.transaction_id == CALLER_ID => Ok(()),
                Ok(i) => Err(format!(
                    "asked for {CALLER_ID:?}, got {:?}",
                    i.transaction_id
                )),
                Err(e) => Err(format!("request failed: {e}")),
            })
        });
    }

    /// Requests, completes with `outcome` and handles the bank's message.
    fn flow(
        &self,
        backend: &Arc<dyn Backend>,
        outcome: SimOutcome,
    ) -> std::result::Result<Flow, String> {
        let manual = outcome == SimOutcome::Accepted;
        let intent = self
            .request(backend, manual, None)
            .map_err(|e| format!("request failed: {e}"))?;
        let incoming = self
            .h
            .simulator
            .complete(&intent, outcome, self.h.now)
            .map_err(|e| format!("the simulator failed: {e}"))?;
        let what = if self.status_only.get() {
            "status"
        } else {
            "response"
        };
        let response = self
            .outcome(backend, &intent, &incoming, self.cx())
            .map_err(|e| format!("{what} failed: {e}"))?;
        Ok(Flow {
            intent,
            incoming,
            response,
        })
    }

    fn check_paid(&self, backend: &Arc<dyn Backend>) -> Option<Flow> {
        let mut out = None;
        let amount = self.h.request.amount;
        self.record("response.paid_verified_and_checked", || {
            let flow = match self.flow(backend, SimOutcome::Paid) {
                Ok(f) => f,
                Err(why) => return Verdict::Fail(why),
            };
            let r = &flow.response;
            let v = if !r.is_verified() || !r.is_paid() {
                Verdict::Fail(format!(
                    "expected verified paid, got {} (verified: {})",
                    r.status(),
                    r.is_verified()
                ))
            } else {
                match r.check(&amount, &flow.intent.transaction_id) {
                    Ok(()) => Verdict::Pass,
                    Err(e) => Verdict::Fail(format!("check(amount, id) failed: {e}")),
                }
            };
            out = Some(flow);
            v
        });
        out
    }

    fn check_outcomes(&self, backend: &Arc<dyn Backend>) -> Option<Flow> {
        let mut accepted = None;
        for outcome in self.h.simulator.outcomes() {
            self.record(format!("response.outcome.{outcome}"), || {
                let flow = match self.flow(backend, outcome) {
                    Ok(f) => f,
                    Err(why) => return Verdict::Fail(why),
                };
                let r = &flow.response;
                let expected = outcome.expected_status();
                let v = verdict(if r.is_verified() && r.status() == expected {
                    Ok(())
                } else {
                    Err(format!(
                        "expected verified {expected}, got {} (verified: {})",
                        r.status(),
                        r.is_verified()
                    ))
                });
                if outcome == SimOutcome::Accepted {
                    accepted = Some(flow);
                }
                v
            });
        }
        accepted
    }

    fn check_forgeries(&self, backend: &Arc<dyn Backend>, paid: &Flow) {
        let tampered = self.h.simulator.tamper(&paid.incoming);
        let unsigned = self.h.simulator.strip_signature(&paid.incoming);
        for (name, forged) in [
            ("response.tampered_never_paid", tampered),
            ("response.unsigned_never_paid", unsigned),
        ] {
            self.record(name, || {
                if self.status_only.get() {
                    return Verdict::Skip(
                        "response is not offered: outcomes are read through status, with no \
                         message to forge"
                            .into(),
                    );
                }
                if forged == paid.incoming {
                    return Verdict::Fail(
                        "the simulator returned the genuine message unchanged".into(),
                    );
                }
                verdict(never_paid(self.response(backend, &forged)))
            });
        }
    }

    fn check_garbage(&self, backend: &Arc<dyn Backend>, paid: Option<&Flow>) {
        for (name, input) in garbage::inputs(paid.map(|p| &p.incoming)) {
            self.record(format!("response.garbage.{name}"), || {
                let started = Instant::now();
                let _ = backend.guess(&input);
                let result = never_paid(self.response(backend, &input));
                let took = started.elapsed();
                verdict(result.and_then(|()| {
                    if took > GARBAGE_TIME_LIMIT {
                        Err(format!(
                            "took {took:?}: hostile input must not cost more than linear time"
                        ))
                    } else {
                        Ok(())
                    }
                }))
            });
        }
    }

    fn check_idempotent(&self, backend: &Arc<dyn Backend>, paid: &Flow) {
        self.record("response.same_input_same_response", || {
            let cx = self.cx();
            let a = self.outcome(backend, &paid.intent, &paid.incoming, cx);
            let b = self.outcome(backend, &paid.intent, &paid.incoming, cx);
            verdict(match (a, b) {
                (Ok(a), Ok(b)) if a == b && a.dedup_key() == b.dedup_key() => Ok(()),
                (Ok(a), Ok(b)) => Err(format!("two different responses: {a:?} and {b:?}")),
                (Err(e), _) | (_, Err(e)) => Err(format!("response failed: {e}")),
            })
        });
    }

    fn check_mismatch(&self, paid: &Flow) {
        let amount = self.h.request.amount;
        self.record("check.detects_mismatch", || {
            let r = &paid.response;
            let id = &paid.intent.transaction_id;
            let Ok(more) = amount
                .checked_add(&Amount::from_minor_units(1, amount.currency()).unwrap_or(amount))
            else {
                return Verdict::Fail("cannot form a different amount".into());
            };
            let integrity =
                |res: Result<()>| matches!(res, Err(e) if e.kind() == ErrorKind::Integrity);
            verdict(if !integrity(r.check(&more, id)) {
                Err(format!("check accepted {more} for a payment of {amount}"))
            } else if !integrity(r.check(&amount, "some-other-reference")) {
                Err("check accepted another reference".into())
            } else {
                Ok(())
            })
        });
    }

    fn check_operations(
        &self,
        backend: &Arc<dyn Backend>,
        paid: Option<&Flow>,
        accepted: Option<&Flow>,
    ) {
        let caps = backend.capabilities();
        let amount = self.h.request.amount;
        let mut ops = vec![
            Operation::Cancel,
            Operation::Validate,
            Operation::Refund,
            Operation::Status,
        ];
        if !caps.supports(Operation::Response) {
            ops.push(Operation::Response);
        }
        for op in ops {
            let advertised = caps.supports(op);
            let name = format!(
                "operations.{op}.{}",
                if advertised {
                    "advertised_is_supported"
                } else {
                    "unadvertised_is_unsupported"
                }
            );
            // Follow-up operations get the most fitting payment: an authorisation for cancel
            // and capture, a paid payment for refund and status.
            let source = match op {
                Operation::Cancel | Operation::Validate => accepted.or(paid),
                _ => paid.or(accepted),
            };
            let (id, data) = match source {
                Some(f) if advertised => (
                    f.intent.transaction_id.clone(),
                    f.response.bank_data.clone().into_map(),
                ),
                _ => ("conformance-unknown".to_owned(), serde_json::Map::new()),
            };
            let adjustment = Adjustment::new(id.clone(), amount).with_bank_data(data.clone());
            let query = StatusQuery::new(id).with_bank_data(data);
            self.record(name, || {
                let cx = self.cx();
                let result = match op {
                    Operation::Cancel => self.drive(cx, |cx| backend.cancel(&adjustment, cx)),
                    Operation::Validate => self.drive(cx, |cx| backend.validate(&adjustment, cx)),
                    Operation::Refund => self.drive(cx, |cx| backend.refund(&adjustment, cx)),
                    Operation::Response => {
                        let incoming = source.map(|f| f.incoming.clone()).unwrap_or_default();
                        self.drive(cx, |cx| backend.response(&incoming, cx))
                    }
                    _ => self.drive(cx, |cx| backend.status(&query, cx)),
                };
                let unsupported = matches!(&result, Err(Error::Unsupported { .. }));
                verdict(match (advertised, unsupported) {
                    (true, true) => Err(format!("{op} is advertised but answers Unsupported")),
                    (false, false) => Err(format!("{op} is not advertised but answers {result:?}")),
                    _ => Ok(()),
                })
            });
        }
    }
}

/// An error, or a response that is neither verified nor paid.
fn never_paid(result: Result<PaymentResponse>) -> std::result::Result<(), String> {
    match result {
        Err(_) => Ok(()),
        Ok(r) if r.is_paid() => Err("reported as verified and paid".into()),
        Ok(r) if r.is_verified() => Err(format!("reported as verified ({})", r.status())),
        Ok(_) => Ok(()),
    }
}

fn description_problems(h: &Harness, d: &Description) -> std::result::Result<(), String> {
    let mut problems = Vec::new();
    if d.kind != h.factory.kind() {
        problems.push(format!(
            "kind {:?} differs from the factory's {:?}",
            d.kind,
            h.factory.kind()
        ));
    }
    if d.caption.trim().is_empty() {
        problems.push("the backend caption is empty".to_owned());
    }
    for (i, p) in d.parameters.iter().enumerate() {
        if p.name.is_empty() {
            problems.push(format!("parameter #{i} has no name"));
        }
        if p.caption.trim().is_empty() {
            problems.push(format!("{}: empty caption", p.name));
        }
        if d.parameters[..i]
            .iter()
            .any(|q| q.name == p.name && q.scope == p.scope)
        {
            problems.push(format!("{}: described twice", p.name));
        }
        let lower = p.name.to_ascii_lowercase();
        if SECRET_WORDS.iter().any(|w| lower.contains(w)) && !p.secret {
            problems.push(format!(
                "{}: looks like a secret but is not flagged as one",
                p.name
            ));
        }
        if p.secret && p.default.is_some() {
            problems.push(format!("{}: a secret must not have a default", p.name));
        }
    }
    for (which, schema) in [
        ("configuration", &d.config_schema),
        ("transaction", &d.transaction_schema),
    ] {
        if schema.get("type").and_then(|t| t.as_str()) != Some("object") {
            problems.push(format!("the {which} schema is not an object schema"));
        }
    }
    let properties = d
        .config_schema
        .get("properties")
        .and_then(|p| p.as_object());
    let in_schema = |name: &str| properties.is_some_and(|p| p.contains_key(name));
    for p in d.global_parameters().filter(|p| p.required) {
        if !in_schema(&p.name) {
            problems.push(format!(
                "required parameter {} is not in the schema",
                p.name
            ));
        }
    }
    let required = d.config_schema.get("required").and_then(|r| r.as_array());
    for name in required.into_iter().flatten().filter_map(|n| n.as_str()) {
        if !in_schema(name) || d.parameter(name).is_none() {
            problems.push(format!(
                "the schema requires {name}, which it does not describe"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn empty_config_refused(h: &Harness, d: &Description) -> std::result::Result<(), String> {
    let required: Vec<&str> = d
        .global_parameters()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    match h.factory.build(&serde_json::Map::new()) {
        Ok(_) if required.is_empty() => Ok(()),
        Ok(_) => Err(format!(
            "built without the required {}",
            required.join(", ")
        )),
        Err(Error::Config(errors)) => {
            let text = errors.to_string();
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|name| !errors.0.iter().any(|e| e.field == *name) && !text.contains(name))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "the configuration error does not name {}: {text}",
                    missing.join(", ")
                ))
            }
        }
        Err(e) => Err(format!("expected a configuration error, got {e}")),
    }
}
