//! Server-side HTML form generated from a [`Description`], and the way back from a submitted
//! form to a configuration.
//!
//! The markup is built with `maud`, which escapes every value and attribute. The form needs no
//! JavaScript; it carries classes (`field`, `help`, `error`, `required`) for styling.

use maud::{Markup, html};
use serde_json::{Map, Value};

use super::parse::env_reference;
use super::{Description, ParamKind, Parameter, Scope};
use crate::config::json_to_toml;
use crate::{ConfigErrors, FieldError};

type Object = Map<String, Value>;

impl Description {
    /// A complete `<form method="post">` for this backend's configuration, posting to
    /// `action`, pre-filled with `values`, with each error of `errors` (as
    /// [`Description::validate`] names them) shown next to its field. No JavaScript.
    ///
    /// Secrets are password inputs that are never pre-filled: left empty, they keep the
    /// current value (see [`Description::values_from_form`]). Booleans are checkboxes with a
    /// hidden `false` before them, so that "unchecked" differs from "absent". Deprecated
    /// parameters are in a collapsed `<details>`.
    ///
    /// ```
    /// use polypay_core::{Capabilities, ConfigErrors, Description, NoTransactionFields, Operation, Secret};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Config {
    ///     /// Merchant id
    ///     merchant_id: String,
    ///     /// Signing key
    ///     key: Secret,
    /// }
    ///
    /// let d = Description::from_types::<Config, NoTransactionFields>(
    ///     "example", "Example bank", Capabilities::new(&[Operation::Request]));
    /// let values = serde_json::json!({ "merchant_id": "<m1>", "key": "s3cr3t" });
    /// let mut errors = ConfigErrors::default();
    /// errors.push("merchant_id", "must match the pattern ^m\\d$");
    /// let form = d.html_form("/save", values.as_object().unwrap(), &errors);
    /// assert!(form.starts_with(r#"<form method="post" action="/save""#));
    /// assert!(form.contains(r#"value="&lt;m1&gt;""#));
    /// assert!(form.contains(r#"type="password""#) && !form.contains("s3cr3t"));
    /// assert!(form.contains(r#"class="error""#));
    /// ```
    pub fn html_form(&self, action: &str, values: &Object, errors: &ConfigErrors) -> String {
        let params: Vec<(usize, &Parameter)> = self.global_parameters().enumerate().collect();
        let owns = |p: &Parameter, e: &FieldError| {
            e.field == p.name
                || e.field
                    .strip_prefix(p.name.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        };
        let general: Vec<&FieldError> = errors
            .0
            .iter()
            .filter(|e| !params.iter().any(|(_, p)| owns(p, e)))
            .collect();
        let deprecated_error = params
            .iter()
            .any(|(_, p)| p.deprecated && errors.0.iter().any(|e| owns(p, e)));
        let markup = html! {
            form method="post" action=(action) class="polypay-config" accept-charset="utf-8" {
                input type="hidden" name="kind" value=(self.kind);
                @if let Some(help) = &self.help {
                    div class="backend-help" { @for para in paragraphs(help) { p { (para) } } }
                }
                @if !general.is_empty() {
                    ul class="errors" role="alert" {
                        @for e in &general { li class="error" { (e) } }
                    }
                }
                @for (i, p) in params.iter().filter(|(_, p)| !p.deprecated) {
                    (field(*i, p, values, errors))
                }
                @if params.iter().any(|(_, p)| p.deprecated) {
                    details class="deprecated" open[deprecated_error] {
                        summary { "Deprecated parameters (kept for old configurations)" }
                        @for (i, p) in params.iter().filter(|(_, p)| p.deprecated) {
                            (field(*i, p, values, errors))
                        }
                    }
                }
                button type="submit" { "Save" }
            }
        };
        markup.into_string()
    }

    /// The configuration a submitted [`Description::html_form`] describes, from its
    /// `name=value` pairs (in order; repeated names for lists).
    ///
    /// Only this backend's configuration parameters are kept (not `kind`, not a CSRF token).
    /// An empty field counts as not given: an optional one takes its default, a required one
    /// is reported as required, and a secret left empty is absent, meaning "keep the current
    /// value" to a page that merges it with the saved configuration. Text is then converted
    /// by [`Description::coerce`].
    ///
    /// ```
    /// use polypay_core::{Capabilities, Description, NoTransactionFields, Operation};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Config { merchant_id: String, delay: Option<u32>, test: bool }
    ///
    /// let d = Description::from_types::<Config, NoTransactionFields>(
    ///     "example", "Example", Capabilities::new(&[Operation::Request]));
    /// let pairs = [("kind", "example"), ("merchant_id", "m1"), ("delay", ""), ("test", "false")]
    ///     .map(|(k, v)| (k.to_owned(), v.to_owned()));
    /// let config = d.values_from_form(&pairs);
    /// assert_eq!(serde_json::Value::Object(config),
    ///            serde_json::json!({ "merchant_id": "m1", "test": false }));
    /// ```
    pub fn values_from_form(&self, pairs: &[(String, String)]) -> Object {
        let mut out = Object::new();
        for p in self.global_parameters() {
            let submitted: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.trim().is_empty())
                .collect();
            let Some(last) = submitted.last() else {
                continue;
            };
            let value = match p.kind {
                // The hidden "false" comes first; a checked box adds "true".
                ParamKind::Boolean => Value::Bool(submitted.iter().any(|v| {
                    matches!(
                        v.trim().to_ascii_lowercase().as_str(),
                        "true" | "on" | "1" | "yes"
                    )
                })),
                // A checkbox group or multiple select: one pair per chosen item.
                ParamKind::List if !p.choices.is_empty() => Value::Array(
                    submitted
                        .iter()
                        .map(|v| Value::String((*v).to_owned()))
                        .collect(),
                ),
                _ => Value::String((*last).to_owned()),
            };
            out.insert(p.name.clone(), value);
        }
        self.coerce(Scope::Global, &out)
    }
}

/// One parameter: label, input, help and errors.
fn field(index: usize, p: &Parameter, values: &Object, errors: &ConfigErrors) -> Markup {
    let id = format!("pp-{index}-{}", slug(&p.name));
    let help_id = format!("{id}-help");
    let own: Vec<(String, String)> = errors
        .0
        .iter()
        .filter_map(|e| {
            if e.field == p.name {
                Some(e.message.clone())
            } else {
                let sub = e.field.strip_prefix(p.name.as_str())?.strip_prefix('.')?;
                Some(format!("{sub}: {}", e.message))
            }
        })
        .enumerate()
        .map(|(n, m)| (format!("{id}-error-{n}"), m))
        .collect();
    let mut described_by: Vec<&str> = Vec::new();
    if p.help.is_some() {
        described_by.push(&help_id);
    }
    described_by.extend(own.iter().map(|(eid, _)| eid.as_str()));
    let input = Input {
        id: &id,
        p,
        value: values.get(&p.name),
        described_by: (!described_by.is_empty()).then(|| described_by.join(" ")),
        invalid: !own.is_empty(),
    };
    let grouped = p.kind == ParamKind::List && !p.choices.is_empty();
    html! {
        div class="field" id=(format!("{id}-field")) {
            @if grouped {
                fieldset aria-describedby=[&input.described_by] {
                    legend { (p.caption) @if p.required { (required_marker()) } }
                    (input.checkbox_group())
                }
            } @else {
                label for=(id) { (p.caption) @if p.required { (required_marker()) } }
                (input.render())
            }
            @if let Some(help) = &p.help {
                div class="help" id=(help_id) { @for para in paragraphs(help) { p { (para) } } }
            }
            @for (eid, message) in &own {
                p class="error" id=(eid) { (message) }
            }
        }
    }
}

fn required_marker() -> Markup {
    html! { " " abbr class="required" title="required" { "*" } }
}

/// What an input needs to know.
struct Input<'a> {
    id: &'a str,
    p: &'a Parameter,
    value: Option<&'a Value>,
    described_by: Option<String>,
    invalid: bool,
}

impl Input<'_> {
    /// The value to pre-select: the current one, else the default.
    fn selected(&self) -> Option<&Value> {
        self.value.or(self.p.default.as_ref())
    }

    /// A placeholder telling where an `{ env = "NAME" }` value comes from.
    fn env_note(&self) -> Option<String> {
        self.value
            .and_then(env_reference)
            .map(|var| format!("read from the environment variable {var}"))
    }

    fn render(&self) -> Markup {
        let p = self.p;
        let name = p.name.as_str();
        let invalid = self.invalid.then_some("true");
        let described_by = self.described_by.as_deref();
        if p.kind == ParamKind::Boolean {
            let checked = matches!(self.selected(), Some(Value::Bool(true)));
            return html! {
                input type="hidden" name=(name) value="false";
                input type="checkbox" id=(self.id) name=(name) value="true" checked[checked]
                    aria-invalid=[invalid] aria-describedby=[described_by];
            };
        }
        if p.secret {
            // Never pre-filled. When a value exists, leaving the field empty keeps it.
            let placeholder = self.value.map(|_| {
                self.env_note()
                    .unwrap_or_else(|| "unchanged unless you type a new value".into())
            });
            return html! {
                input type="password" id=(self.id) name=(name) autocomplete="new-password"
                    required[p.required && self.value.is_none()] placeholder=[placeholder]
                    minlength=[p.min_length] maxlength=[p.max_length] pattern=[html_pattern(p)]
                    aria-invalid=[invalid] aria-describedby=[described_by];
            };
        }
        if !p.choices.is_empty() {
            return self.select();
        }
        let current = self
            .value
            .filter(|v| env_reference(v).is_none())
            .map(text_of);
        let placeholder = self
            .env_note()
            .or_else(|| p.default.as_ref().map(text_of).filter(|t| !t.is_empty()));
        match p.kind {
            ParamKind::List | ParamKind::Table => {
                let placeholder = placeholder.or_else(|| {
                    Some(match p.kind {
                        ParamKind::List => "one item per line".into(),
                        _ => "one name = \"value\" per line".into(),
                    })
                });
                html! {
                    textarea id=(self.id) name=(name) rows="4" required[p.required]
                        placeholder=[placeholder] aria-invalid=[invalid] aria-describedby=[described_by] {
                        (current.unwrap_or_default())
                    }
                }
            }
            kind => {
                let (input_type, step) = match kind {
                    ParamKind::Integer => ("number", Some("1")),
                    ParamKind::Number => ("number", Some("any")),
                    ParamKind::Url => ("url", None),
                    ParamKind::Email => ("email", None),
                    _ => ("text", None),
                };
                html! {
                    input type=(input_type) id=(self.id) name=(name) value=[current]
                        required[p.required] placeholder=[placeholder] step=[step]
                        min=[p.minimum] max=[p.maximum]
                        minlength=[p.min_length] maxlength=[p.max_length] pattern=[html_pattern(p)]
                        aria-invalid=[invalid] aria-describedby=[described_by];
                }
            }
        }
    }

    fn select(&self) -> Markup {
        let p = self.p;
        let selected = self.selected().map(text_of);
        // An empty first option when nothing is chosen yet: "choose" for a required
        // parameter, "none" for an optional one without default.
        let empty = match (&selected, p.required) {
            (None, true) => Some("— choose —"),
            (None, false) => Some("— none —"),
            (Some(_), _) => None,
        };
        html! {
            select id=(self.id) name=(p.name) required[p.required]
                aria-invalid=[self.invalid.then_some("true")] aria-describedby=[&self.described_by] {
                @if let Some(label) = empty { option value="" selected { (label) } }
                @for c in &p.choices {
                    @let value = text_of(&c.value);
                    option value=(value) selected[selected.as_deref() == Some(value.as_str())] { (c.label) }
                }
            }
        }
    }

    fn checkbox_group(&self) -> Markup {
        let chosen: Vec<String> = match self.selected() {
            Some(Value::Array(items)) => items.iter().map(text_of).collect(),
            _ => Vec::new(),
        };
        html! {
            @for (n, c) in self.p.choices.iter().enumerate() {
                @let value = text_of(&c.value);
                @let id = format!("{}-{n}", self.id);
                label for=(id) class="choice" {
                    input type="checkbox" id=(id) name=(self.p.name) value=(value)
                        checked[chosen.contains(&value)];
                    " " (c.label)
                }
            }
        }
    }
}

/// The HTML `pattern` attribute, only for anchored patterns: HTML anchors the pattern at both
/// ends, JSON Schema does not, so copying an unanchored one would refuse valid values.
fn html_pattern(p: &Parameter) -> Option<&str> {
    p.pattern
        .as_deref()
        .filter(|pat| pat.starts_with('^') && pat.ends_with('$'))
}

/// A value as form text: lists one item per line, tables as `name = value` lines.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join("\n"),
        Value::Object(_) => match json_to_toml(v) {
            Some(toml::Value::Table(t)) => toml::to_string(&t).unwrap_or_default(),
            _ => String::new(),
        },
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty())
}

/// A name reduced to characters safe in an `id`.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use serde_json::json;

    use super::super::fixture::{self, obj};
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn form_has_the_right_inputs() {
        let d = fixture::description();
        let form = d.html_form("/config", &Object::new(), &ConfigErrors::default());
        for expected in [
            r#"<form method="post" action="/config" class="polypay-config" accept-charset="utf-8">"#,
            r#"<input type="hidden" name="kind" value="example">"#,
            r#"<label for="pp-0-site_id">Site id <abbr class="required" title="required">*</abbr></label>"#,
            r#"<input type="text" id="pp-0-site_id" name="site_id" required pattern="^\d{8}$" aria-describedby="pp-0-site_id-help">"#,
            r#"<div class="help" id="pp-0-site_id-help"><p>Eight digits given by the bank.</p></div>"#,
            r#"<input type="password" id="pp-1-secret" name="secret" autocomplete="new-password" required minlength="4">"#,
            r#"<input type="hidden" name="test" value="false"><input type="checkbox" id="pp-2-test" name="test" value="true" checked>"#,
            r#"<select id="pp-3-mode" name="mode"><option value="test" selected>Test mode</option><option value="production">Production mode</option></select>"#,
            r#"<input type="number" id="pp-4-delay" name="delay" placeholder="3" step="1" min="1" max="30">"#,
            r#"<fieldset><legend>Payment methods</legend><label for="pp-5-methods-0" class="choice"><input type="checkbox" id="pp-5-methods-0" name="methods" value="card"> Card</label>"#,
            r#"<input type="url" id="pp-6-return_url" name="return_url">"#,
            r#"<input type="email" id="pp-7-email" name="email">"#,
            r#"<textarea id="pp-8-tags" name="tags" rows="4" placeholder=""#,
            r#"<details class="deprecated"><summary>"#,
            r#"<button type="submit">Save</button></form>"#,
        ] {
            assert!(form.contains(expected), "missing {expected}\nin {form}");
        }
        assert!(!form.contains("<script"));
        // The deprecated parameter sits inside the details element.
        let details = form.find("<details").unwrap();
        assert!(form.find(r#"name="old""#).unwrap() > details);
    }

    #[test]
    fn hostile_values_are_escaped_and_secrets_never_shown() {
        let d = fixture::description();
        let values = obj(json!({
            "site_id": "\"><script>alert(1)</script>",
            "secret": "hunter2-\"<script>",
            "tags": ["</textarea><script>x</script>"],
            "fields": { "k\"": "<b>" },
        }));
        let mut errors = ConfigErrors::default();
        errors.push("site_id", "must match <script>");
        errors.push("fields.k\"", "must be <i>text</i>");
        errors.push("", "general <script> problem");
        let form = d.html_form("/x?a=1&b=\"2\"", &values, &errors);
        assert!(!form.contains("<script"), "{form}");
        assert!(
            !form.contains("<b>") && !form.contains("<i>") && !form.contains("</textarea><script")
        );
        assert!(form.contains("&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>"));
        assert!(!form.contains("hunter2"));
        assert!(form.contains(r#"action="/x?a=1&amp;b=&quot;2&quot;""#));
        assert!(form.contains(r#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#));
        // A stored secret is not required again and says so.
        assert!(form.contains(r#"name="secret" autocomplete="new-password" placeholder="unchanged unless you type a new value""#));
        // Errors next to their field, linked for assistive technology.
        assert!(form.contains(
            r#"aria-invalid="true" aria-describedby="pp-0-site_id-help pp-0-site_id-error-0""#
        ));
        assert!(form.contains(
            r#"<p class="error" id="pp-0-site_id-error-0">must match &lt;script&gt;</p>"#
        ));
        assert!(form.contains(r#"<p class="error" id="pp-9-fields-error-0">k&quot;: must be &lt;i&gt;text&lt;/i&gt;</p>"#));
        assert!(form.contains(r#"<li class="error">general &lt;script&gt; problem</li>"#));
    }

    #[test]
    fn env_references_are_named_not_resolved() {
        let d = fixture::description();
        let values =
            obj(json!({ "secret": { "env": "CARGO_PKG_NAME" }, "site_id": { "env": "SITE" } }));
        let form = d.html_form("/", &values, &ConfigErrors::default());
        assert!(
            form.contains(r#"placeholder="read from the environment variable CARGO_PKG_NAME""#)
        );
        assert!(form.contains(r#"placeholder="read from the environment variable SITE""#));
        assert!(!form.contains("polypay-core"));
    }

    #[test]
    fn deprecated_details_open_on_error_and_values_prefill() {
        let d = fixture::description();
        let mut errors = ConfigErrors::default();
        errors.push("old", "must be true or false");
        let values =
            obj(json!({ "mode": "production", "methods": ["wire"], "test": false, "delay": 7 }));
        let form = d.html_form("/", &values, &errors);
        assert!(form.contains(r#"<details class="deprecated" open>"#));
        assert!(form.contains(r#"<option value="production" selected>"#));
        assert!(form.contains(r#"name="methods" value="wire" checked>"#));
        assert!(form.contains(r#"name="methods" value="card">"#));
        assert!(
            form.contains(r#"name="test" value="true" aria"#)
                || form.contains(r#"name="test" value="true">"#)
        );
        assert!(form.contains(r#"name="delay" value="7""#));
    }

    #[test]
    fn submitted_form_back_to_configuration() {
        let d = fixture::description();
        let submitted = pairs(&[
            ("kind", "example"),
            ("csrf", "token"),
            ("site_id", "12345678"),
            ("secret", ""),
            ("test", "false"),
            ("mode", "production"),
            ("delay", "12"),
            ("methods", "card"),
            ("methods", "wire"),
            ("return_url", ""),
            ("tags", "a\r\nb\r\n"),
            ("fields", "x = \"y\""),
        ]);
        let config = d.values_from_form(&submitted);
        assert_eq!(
            Value::Object(config.clone()),
            json!({
                "site_id": "12345678", "test": false, "mode": "production", "delay": 12,
                "methods": ["card", "wire"], "tags": ["a", "b"], "fields": { "x": "y" },
            })
        );
        // The empty secret is absent: validation asks for it (or a page keeps the saved one).
        assert_eq!(
            d.validate(&config).0,
            vec![FieldError::new("secret", "is required")]
        );
        let checked = d.values_from_form(&pairs(&[
            ("test", "false"),
            ("test", "true"),
            ("secret", "abcd"),
        ]));
        assert_eq!(
            Value::Object(checked),
            json!({ "test": true, "secret": "abcd" })
        );
        // Text that does not convert stays text, for validation to report.
        let bad = d.values_from_form(&pairs(&[("delay", "soon")]));
        assert_eq!(Value::Object(bad), json!({ "delay": "soon" }));
    }

    #[test]
    fn lists_and_tables_prefill_as_text_that_reads_back() {
        let d = fixture::description();
        let mut values = fixture::valid();
        values.extend(obj(
            json!({ "tags": ["a", "b"], "fields": { "k": "v", "n": "2" } }),
        ));
        let form = d.html_form("/", &values, &ConfigErrors::default());
        assert!(form.contains(">a\nb</textarea>"), "{form}");
        assert!(
            form.contains(">k = &quot;v&quot;\nn = &quot;2&quot;\n</textarea>"),
            "{form}"
        );
        // What the browser sends back for those textareas gives the same values.
        let back = d.values_from_form(&pairs(&[
            ("site_id", "12345678"),
            ("secret", "hunter2-secret"),
            ("tags", &text_of(&values["tags"])),
            ("fields", &text_of(&values["fields"])),
        ]));
        assert_eq!(back, values);
    }
}
