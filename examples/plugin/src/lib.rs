//! An example polypay plugin, built as a `cdylib`: a manual bank transfer backend of its own
//! (`manual_transfer`) and, with the cargo feature `reexport-dummy`, the dummy backend
//! re-exported through the plugin ABI (to run the dummy's conformance suite through it).
//!
//! Build it with `cargo build -p polypay-example-plugin` and load it with
//! `polypay --plugin target/debug/libpolypay_example_plugin.so backends`,
//! `Registry::load_plugin` (the `polypay` facade) or `polypay_plugin_api::host::load_plugin`.
//! The dummy re-export is off by default: a host that has the built-in dummy refuses a plugin
//! exporting a second `dummy` (a plugin never silently replaces a backend).

mod transfer;

pub use transfer::{KIND, ManualTransfer, ManualTransferConfig};

#[cfg(not(feature = "reexport-dummy"))]
polypay_plugin_api::export_plugin!(ManualTransfer);

#[cfg(feature = "reexport-dummy")]
polypay_plugin_api::export_plugin!(ManualTransfer, polypay_dummy::DummyFactory);
