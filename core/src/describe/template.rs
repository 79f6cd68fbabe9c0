//! Commented TOML template generated from a [`Description`] (helper A fills this in).

use super::Description;

impl Description {
    /// A commented TOML template for one instance named `instance` of this backend.
    pub fn toml_template(&self, instance: &str) -> String {
        let _ = instance;
        String::new()
    }
}
