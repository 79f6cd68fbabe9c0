//! polypay-crypto against loopback simulators, through the `Payment` facade and its reqwest
//! executor: one test binary, one module per backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod chainside;
