//! Configuration files: several named backend instances in one TOML file (helper A fills this
//! in).
//!
//! ```toml
//! [backends.cards]
//! kind = "systempayv2"
//! vads_site_id = "12345678"
//! secret_test = { env = "SYSTEMPAY_SECRET_TEST" }
//! ```
