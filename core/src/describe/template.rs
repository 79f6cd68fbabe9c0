//! Commented TOML template generated from a [`Description`].

use std::fmt::Write as _;

use serde_json::Value;

use super::{Description, ParamKind, Parameter};
use crate::config::{json_to_toml, toml_key};

impl Description {
    /// A commented TOML template for one instance named `instance` of this backend, to paste
    /// into a configuration file.
    ///
    /// Required parameters are set to a placeholder (their default, their first choice, or an
    /// empty value) to fill in; optional ones are commented out with their default. Each
    /// parameter is preceded by its caption, help, choices and limits; the per-transaction
    /// parameters are listed at the end.
    ///
    /// ```
    /// use polypay_core::{Capabilities, Description, NoTransactionFields, Operation, Secret};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Config {
    ///     /// Merchant id
    ///     merchant_id: String,
    ///     /// Signing key
    ///     key: Secret,
    ///     /// Test mode
    ///     #[serde(default)]
    ///     test: bool,
    /// }
    ///
    /// let d = Description::from_types::<Config, NoTransactionFields>(
    ///     "example", "Example bank", Capabilities::new(&[Operation::Request]));
    /// let template = d.toml_template("shop");
    /// assert!(template.contains("[backends.shop]\nkind = \"example\"\n"));
    /// assert!(template.contains("\nmerchant_id = \"\"\n"));
    /// assert!(template.contains("{ env = \"SHOP_KEY\" }"));
    /// assert!(template.contains("\n# test = false\n"));
    /// let parsed: toml::Table = toml::from_str(&template).unwrap();
    /// assert_eq!(parsed["backends"]["shop"]["kind"].as_str(), Some("example"));
    /// ```
    pub fn toml_template(&self, instance: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# {} (backend kind \"{}\")",
            one_line(&self.caption),
            one_line(&self.kind)
        );
        if let Some(help) = &self.help {
            out.push_str("#\n");
            comment(&mut out, help);
        }
        out.push_str(
            "#\n# Required parameters hold a placeholder to fill in; optional ones are commented\n\
             # out and show their default. Any value may be written as { env = \"VARIABLE\" } to\n\
             # read it from the environment.\n\n",
        );
        let _ = writeln!(out, "[backends.{}]", toml_key(instance));
        let _ = writeln!(out, "kind = {}", toml::Value::String(self.kind.clone()));
        for p in self.global_parameters() {
            out.push('\n');
            self.describe_parameter(&mut out, p, instance);
            if let Some(recommended) = &p.recommended {
                // A new configuration gets the recommended value, written out; the default
                // (what an absent parameter means, kept for old configurations) is shown.
                let _ = writeln!(
                    out,
                    "# recommended for new configurations (when absent: {})",
                    p.default.as_ref().map_or_else(|| "unset".to_owned(), show)
                );
                let _ = writeln!(out, "{} = {}", toml_key(&p.name), show(recommended));
                continue;
            }
            let value = placeholder(p);
            let line = format!("{} = {}", toml_key(&p.name), value);
            if p.required {
                let _ = writeln!(out, "{line}");
            } else {
                // A multi-line value (a PEM key) stays commented out on every line.
                let _ = writeln!(out, "# {}", line.replace('\n', "\n# "));
            }
        }
        let transaction: Vec<&Parameter> = self.transaction_parameters().collect();
        if !transaction.is_empty() {
            out.push_str(
                "\n# Per-transaction parameters, given per payment with --set NAME=VALUE:\n",
            );
            for p in transaction {
                let mut facts = vec![kind_name(p.kind).to_owned()];
                facts.extend(limits(p));
                if let Some(d) = &p.default {
                    facts.push(format!("default: {}", show(d)));
                }
                if !p.choices.is_empty() {
                    facts.push(format!("choices: {}", choices(p)));
                }
                let _ = writeln!(
                    out,
                    "#   {}: {}{} ({})",
                    one_line(&p.name),
                    one_line(&p.caption),
                    if p.required { ", required" } else { "" },
                    facts.join("; ")
                );
            }
        }
        out
    }

    fn describe_parameter(&self, out: &mut String, p: &Parameter, instance: &str) {
        let mut flags = Vec::new();
        if p.required {
            flags.push("required");
        }
        if p.secret {
            flags.push("secret");
        }
        if p.deprecated {
            flags.push("deprecated: kept for old configurations, do not use in new ones");
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" ({})", flags.join(", "))
        };
        let _ = writeln!(out, "# {}{flags}", one_line(&p.caption));
        if let Some(help) = &p.help {
            comment(out, help);
        }
        if !p.choices.is_empty() {
            let _ = writeln!(out, "# choices: {}", choices(p));
        }
        for limit in limits(p) {
            let _ = writeln!(out, "# {limit}");
        }
        if let Some(d) = &p.default {
            let _ = writeln!(out, "# default: {}", show(d).replace('\n', "\n# "));
        }
        if p.secret {
            let var = env_name(&format!("{instance}_{}", p.name));
            let _ = writeln!(
                out,
                "# Better kept out of the file: write it as {{ env = \"{var}\" }} to read it from the environment."
            );
        }
    }
}

/// The value written for a parameter: its default, its first choice, or an empty value of
/// its kind.
fn placeholder(p: &Parameter) -> String {
    let value = p.default.clone().or_else(|| match p.kind {
        ParamKind::List => Some(Value::Array(Vec::new())),
        _ => p.choices.first().map(|c| c.value.clone()),
    });
    let value = value.unwrap_or_else(|| match p.kind {
        ParamKind::Integer => Value::from(p.minimum.unwrap_or(0).max(0)),
        ParamKind::Number => Value::from(0),
        ParamKind::Boolean => Value::Bool(false),
        ParamKind::List => Value::Array(Vec::new()),
        ParamKind::Table => Value::Object(serde_json::Map::new()),
        _ => Value::String(String::new()),
    });
    show(&value)
}

/// A value as TOML (`"text"`, `[1, 2]`, `{ a = 1 }`).
fn show(v: &Value) -> String {
    json_to_toml(v).map_or_else(|| "\"\"".to_owned(), |t| t.to_string())
}

fn choices(p: &Parameter) -> String {
    p.choices
        .iter()
        .map(|c| {
            let value = show(&c.value);
            if c.label == value.trim_matches('"') {
                value
            } else {
                format!("{value} ({})", one_line(&c.label))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn limits(p: &Parameter) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(pattern) = &p.pattern {
        out.push(format!("must match the pattern {}", one_line(pattern)));
    }
    match (p.min_length, p.max_length) {
        (Some(min), Some(max)) => out.push(format!("from {min} to {max} characters")),
        (Some(min), None) => out.push(format!("at least {min} characters")),
        (None, Some(max)) => out.push(format!("at most {max} characters")),
        (None, None) => {}
    }
    match (p.minimum, p.maximum) {
        (Some(min), Some(max)) => out.push(format!("from {min} to {max}")),
        (Some(min), None) => out.push(format!("at least {min}")),
        (None, Some(max)) => out.push(format!("at most {max}")),
        (None, None) => {}
    }
    out
}

fn kind_name(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Text => "text",
        ParamKind::Integer => "integer",
        ParamKind::Number => "number",
        ParamKind::Boolean => "true or false",
        ParamKind::Url => "URL",
        ParamKind::Email => "e-mail address",
        ParamKind::List => "list",
        ParamKind::Table => "table",
    }
}

/// `shop-1_secret` → `SHOP_1_SECRET`.
fn env_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Text on one line (a caption or name must not end the comment it is written in).
fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

fn comment(out: &mut String, text: &str) {
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use serde_json::json;

    use super::super::fixture;
    use crate::config::toml_to_json;

    #[test]
    fn template_parses_and_validates_once_filled() {
        let d = fixture::description();
        let template = d.toml_template("cards");
        let parsed: toml::Table = toml::from_str(&template).unwrap();
        let instance = parsed["backends"]["cards"].clone();
        let serde_json::Value::Object(mut params) = toml_to_json(instance).unwrap() else {
            panic!("not a table")
        };
        assert_eq!(params.remove("kind"), Some(json!("example")));
        // Exactly the required parameters are set, to placeholders.
        assert_eq!(
            params,
            *json!({ "site_id": "", "secret": "" }).as_object().unwrap()
        );
        let errors = d.validate(&params);
        assert_eq!(errors.0.len(), 2, "{errors:?}");
        params.insert("site_id".into(), json!("12345678"));
        params.insert("secret".into(), json!({ "env": "CARGO_PKG_NAME" }));
        assert!(d.resolve_env(&mut params).is_empty());
        assert!(d.validate(&params).is_empty());
    }

    #[test]
    fn template_documents_each_parameter() {
        let template = fixture::description().toml_template("cards");
        for expected in [
            "# Example bank (backend kind \"example\")\n#\n# A bank used by the tests.\n",
            "[backends.cards]\nkind = \"example\"\n",
            "# Site id (required)\n# Eight digits given by the bank.\n# must match the pattern ^\\d{8}$\nsite_id = \"\"\n",
            "# Signing key (required, secret)\n# at least 4 characters\n# Better kept out of the file: write it as { env = \"CARDS_SECRET\" }",
            "# Mode of operation\n# choices: \"test\" (Test mode), \"production\" (Production mode)\n# default: \"test\"\n# mode = \"test\"\n",
            "# Delay in days\n# from 1 to 30\n# default: 3\n# delay = 3\n",
            "# methods = []\n",
            "# Old switch (deprecated: kept for old configurations, do not use in new ones)\n# Replaced by mode.\n",
            "# Per-transaction parameters, given per payment with --set NAME=VALUE:\n",
            "#   capture_day: Capture day (integer; from 0 to 7)\n",
        ] {
            assert!(
                template.contains(expected),
                "missing {expected:?} in\n{template}"
            );
        }
    }

    #[test]
    fn odd_names_are_quoted() {
        let template = fixture::description().toml_template("my shop \"1\"\nx");
        let parsed: toml::Table = toml::from_str(&template).unwrap();
        assert!(
            parsed["backends"].get("my shop \"1\"\nx").is_some(),
            "{template}"
        );
    }
}
