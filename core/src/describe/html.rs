//! Server-side HTML form generated from a [`Description`] (helper A fills this in).

use super::Description;
use crate::ConfigErrors;

impl Description {
    /// A complete `<form>` for this backend's configuration, posting to `action`, pre-filled
    /// with `values`, with each error of `errors` shown next to its field. No JavaScript.
    pub fn html_form(
        &self,
        action: &str,
        values: &serde_json::Map<String, serde_json::Value>,
        errors: &ConfigErrors,
    ) -> String {
        let _ = (action, values, errors);
        String::new()
    }
}
