//! polypay-plugin-api's integration tests, one binary: real plugin libraries built by the tests
//! and loaded through the host loader.

#[path = "../support/build.rs"]
mod build;
mod conformance_faults;
mod faults;
mod load_example;
