//! The facade and the reqwest executor against real servers on 127.0.0.1: axum for
//! well-formed HTTP, raw tokio sockets for broken answers.

#![allow(clippy::unwrap_used)]

mod facade;
mod redaction;
mod retries;
mod support;
mod transport;
