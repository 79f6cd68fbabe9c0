//! An example polypay plugin, built as a `cdylib`: a manual bank transfer backend of its own
//! (`manual_transfer`) and the dummy backend re-exported through the plugin ABI.
//!
//! Load it with `polypay_plugin_api::host::load_plugin`.

mod transfer;

pub use transfer::{KIND, ManualTransfer, ManualTransferConfig};

polypay_plugin_api::export_plugin!(ManualTransfer, polypay_dummy::DummyFactory);
