//! From a JSON Schema (draft-07, as schemars generates it) to [`Parameter`]s.

use serde_json::Value;

use super::{Choice, ParamKind, Parameter, Scope};

/// The draft-07 JSON Schema of `T`, with sub-schemas inlined where schemars allows.
pub(super) fn draft07_for<T: schemars::JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    generator.into_root_schema_for::<T>().to_value()
}

/// Follows a local `$ref` (`#/definitions/X` or `#/$defs/X`) against the root schema.
pub(super) fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    // Bounded: a cycle of references must not loop forever.
    for _ in 0..16 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return current;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return current;
        };
        match root.pointer(pointer) {
            Some(target) => current = target,
            None => return current,
        }
    }
    current
}

/// A schema's `type`, ignoring `"null"` (an `Option`), or the type of the non-null branch of an
/// `anyOf`/`oneOf` that is only there to allow null.
pub(super) fn effective<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = resolve(root, schema);
    // Draft-07 cannot put annotations next to a `$ref`, so schemars wraps it: `allOf: [ref]`.
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        schema = resolve(root, only);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if non_null.len() == 1 && branches.len() == 2 {
                return resolve(root, non_null[0]);
            }
        }
    }
    schema
}

/// The JSON type name of a schema, `null` excluded.
pub(super) fn type_name(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(s) => Some(s),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    }
}

fn choices(root: &Value, schema: &Value) -> Vec<Choice> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| Choice {
                label: label_of(v),
                value: v.clone(),
            })
            .collect();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let mut out = Vec::new();
            for b in branches {
                let b = resolve(root, b);
                let value = b.get("const").or_else(|| {
                    b.get("enum")
                        .and_then(Value::as_array)
                        .and_then(|a| a.first())
                });
                match value {
                    Some(v) if !v.is_null() => out.push(Choice {
                        label: b
                            .get("title")
                            .or_else(|| b.get("description"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .unwrap_or_else(|| label_of(v)),
                        value: v.clone(),
                    }),
                    Some(_) => {}
                    None => return Vec::new(),
                }
            }
            return out;
        }
    }
    Vec::new()
}

fn label_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind_of(root: &Value, schema: &Value, has_choices: bool) -> ParamKind {
    match type_name(schema) {
        Some("boolean") => ParamKind::Boolean,
        Some("integer") => ParamKind::Integer,
        Some("number") => ParamKind::Number,
        Some("array") => ParamKind::List,
        Some("object") => ParamKind::Table,
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("uri") | Some("url") => ParamKind::Url,
            Some("email") => ParamKind::Email,
            _ => ParamKind::Text,
        },
        _ if has_choices => {
            // An enum without a declared type: take the type of its values.
            let first = schema
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|a| a.first());
            match first {
                Some(Value::Bool(_)) => ParamKind::Boolean,
                Some(Value::Number(_)) => ParamKind::Integer,
                _ => ParamKind::Text,
            }
        }
        _ => {
            let _ = root;
            ParamKind::Text
        }
    }
}

fn as_u64(schema: &Value, key: &str) -> Option<u64> {
    schema.get(key).and_then(Value::as_u64)
}

fn as_i64(schema: &Value, key: &str) -> Option<i64> {
    schema.get(key).and_then(Value::as_i64)
}

/// The parameters of an object schema, in declaration order (schemars keeps field order).
pub(super) fn parameters(root: &Value, scope: Scope) -> Vec<Parameter> {
    let top = resolve(root, root);
    let Some(props) = top.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let required: Vec<&str> = top
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    props
        .iter()
        .map(|(name, raw)| parameter(root, name, raw, required.contains(&name.as_str()), scope))
        .collect()
}

fn parameter(root: &Value, name: &str, raw: &Value, required: bool, scope: Scope) -> Parameter {
    // Annotations (title, description, default) may sit on the property itself (next to a
    // `$ref`) or on the referenced schema: the property's win.
    let target = effective(root, raw);
    let annotation = |key: &str| raw.get(key).or_else(|| target.get(key));
    let str_of = |key: &str| annotation(key).and_then(Value::as_str).map(str::to_owned);

    let mut choices = choices(root, target);
    let kind = kind_of(root, target, !choices.is_empty());
    if kind == ParamKind::List
        && choices.is_empty()
        && let Some(items) = target.get("items")
    {
        choices = self::choices(root, effective(root, items));
    }
    let secret = annotation("writeOnly").and_then(Value::as_bool) == Some(true)
        || target.get("format").and_then(Value::as_str) == Some("password");
    let (caption, help) = caption_and_help(name, str_of("title"), str_of("description"));
    Parameter {
        name: name.to_owned(),
        caption,
        help,
        kind,
        required,
        default: annotation("default").filter(|v| !v.is_null()).cloned(),
        choices,
        secret,
        scope,
        deprecated: annotation("deprecated").and_then(Value::as_bool) == Some(true),
        recommended: annotation("examples")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .cloned(),
        pattern: str_of("pattern"),
        min_length: as_u64(target, "minLength"),
        max_length: as_u64(target, "maxLength"),
        minimum: as_i64(target, "minimum"),
        maximum: as_i64(target, "maximum"),
    }
}

/// Caption and help from `title` and `description`. A doc comment without an explicit title
/// is split like rustdoc does: its first paragraph is the caption (when short), the rest the help.
fn caption_and_help(
    name: &str,
    title: Option<String>,
    description: Option<String>,
) -> (String, Option<String>) {
    if let Some(t) = title {
        return (t, description);
    }
    let Some(d) = description else {
        return (humanize(name), None);
    };
    let (first, rest) = match d.split_once("\n\n") {
        Some((f, r)) => (
            f.trim(),
            Some(r.trim().to_owned()).filter(|r| !r.is_empty()),
        ),
        None => (d.trim(), None),
    };
    if first.len() <= 100 && !first.contains('\n') {
        (first.trim_end_matches('.').to_owned(), rest)
    } else {
        (humanize(name), Some(d))
    }
}

/// `normal_return_url` → `Normal return url`.
fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    /// Where to go. (Defaults appear in the schema only for types that are also `Serialize`.)
    #[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Mode {
        /// Test mode
        Test,
        /// Production mode
        Production,
    }

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Cfg {
        /// Site id
        ///
        /// Eight digits given by the bank.
        #[schemars(regex(pattern = r"^\d{8}$"))]
        site_id: String,
        /// Mode of operation
        #[serde(default = "default_mode")]
        mode: Mode,
        secret: Option<Secret>,
        /// Return URL
        url: Option<url::Url>,
        /// A number
        #[schemars(range(min = 1, max = 10))]
        number: Option<u32>,
        /// Flags
        #[serde(default)]
        flags: Vec<Mode>,
        #[deprecated]
        /// Old
        old: Option<bool>,
    }

    fn default_mode() -> Mode {
        Mode::Test
    }

    #[test]
    fn parameters_from_schemars() {
        let schema = draft07_for::<Cfg>();
        let params = parameters(&schema, Scope::Global);
        let names: Vec<_> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["site_id", "mode", "secret", "url", "number", "flags", "old"]
        );
        let site = &params[0];
        assert_eq!(site.caption, "Site id");
        assert_eq!(
            site.help.as_deref(),
            Some("Eight digits given by the bank.")
        );
        assert!(site.required);
        assert_eq!(site.pattern.as_deref(), Some(r"^\d{8}$"));
        let mode = &params[1];
        assert!(!mode.required);
        assert_eq!(mode.default, Some(Value::from("test")));
        assert_eq!(mode.choices.len(), 2, "{mode:?}");
        assert_eq!(mode.choices[1].label, "Production mode");
        assert!(params[2].secret && params[2].kind == ParamKind::Text);
        assert_eq!(params[2].caption, "Secret");
        assert_eq!(params[3].kind, ParamKind::Url);
        assert_eq!(
            (params[4].kind, params[4].minimum, params[4].maximum),
            (ParamKind::Integer, Some(1), Some(10))
        );
        assert_eq!(
            (params[5].kind, params[5].choices.len()),
            (ParamKind::List, 2)
        );
        assert!(params[6].deprecated);
    }
}
