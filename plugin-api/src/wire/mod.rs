//! The messages that cross the plugin boundary, one module per ABI major version.

pub mod v1;
