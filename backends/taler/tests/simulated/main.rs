//! polypay-taler against the loopback merchant-backend simulator, through the `Payment`
//! facade and its reqwest executor: one test binary, one module per area.

mod auth;
mod conformance;
mod errors;
mod etag;
mod forget;
mod http2;
mod listing;
mod refund_cancel;
mod request;
mod response;
mod simulator_rules;
mod status;
mod support;
mod webhooks;
