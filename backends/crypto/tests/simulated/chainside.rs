//! The `chainside` backend against the loopback Chainside WebPOS simulator (and a real
//! `redis-server` for the shared token cache).

mod api;
mod auth;
mod callbacks;
mod conformance;
mod errors;
mod payments;
mod redis;
mod support;
