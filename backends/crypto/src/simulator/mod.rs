//! Loopback simulators of the services the crypto backends talk to (feature `simulator`).

pub mod chainside;
