//! `polypay demo` in a build without the `axum` feature: the shop is not compiled in.

use std::path::Path;

use crate::{Error, Registry, Result};

/// Always an error: this build has no demo shop.
pub async fn serve(registry: Registry, listen: &str, config: Option<&Path>) -> Result<()> {
    let _ = (registry, listen, config);
    Err(Error::invalid_input(
        "this polypay was built without the `axum` feature, which the demo shop needs",
    ))
}
