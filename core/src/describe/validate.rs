//! Validation of a configuration against a [`Description`], every problem at once.
//!
//! Validation runs the backend's draft-07 JSON Schema through the `jsonschema` crate and reports
//! every problem at once. Messages are written here from the kind of each problem, never taken
//! from the validator's own `Display`: that one quotes the rejected value, which may be a secret.

use jsonschema::JsonType;
use jsonschema::error::{TypeKind, ValidationError, ValidationErrorKind};
use serde_json::{Map, Value};

use super::parse::env_reference;
use super::{Choice, Description, Parameter, Scope};
use crate::ConfigErrors;

type Object = Map<String, Value>;

impl Description {
    /// Every problem of `config` (the parameter values of one instance, without `kind`), at
    /// once, each attached to its parameter name (dotted for values inside a table).
    ///
    /// Values written as `{ env = "NAME" }` are not checked here: call
    /// [`Description::resolve_env`] first (as [`parse_config`](super::parse_config) does).
    ///
    /// ```
    /// use polypay_core::{Capabilities, Description, NoTransactionFields, Operation};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// #[serde(deny_unknown_fields)]
    /// struct Config {
    ///     /// Merchant id
    ///     #[schemars(regex(pattern = r"^\d{8}$"))]
    ///     merchant_id: String,
    ///     /// Test mode
    ///     #[serde(default)]
    ///     test: bool,
    /// }
    ///
    /// let d = Description::from_types::<Config, NoTransactionFields>(
    ///     "example", "Example bank", Capabilities::new(&[Operation::Request]));
    /// let config = serde_json::json!({ "merchant_id": "12", "tset": true });
    /// let errors = d.validate(config.as_object().unwrap());
    /// let text: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
    /// assert_eq!(text, [
    ///     r"merchant_id: must match the pattern ^\d{8}$",
    ///     "tset: unknown parameter (did you mean test?)",
    /// ]);
    /// ```
    pub fn validate(&self, config: &Object) -> ConfigErrors {
        self.check(Scope::Global, config)
    }

    /// Every problem of the per-transaction fields `extra` (`PaymentRequest::extra`), at once.
    pub fn validate_transaction(&self, extra: &Object) -> ConfigErrors {
        self.check(Scope::Transaction, extra)
    }

    pub(super) fn scoped(&self, scope: Scope, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.scope == scope && p.name == name)
    }

    pub(super) fn schema_of(&self, scope: Scope) -> &Value {
        match scope {
            Scope::Global => &self.config_schema,
            Scope::Transaction => &self.transaction_schema,
        }
    }

    fn check(&self, scope: Scope, values: &Object) -> ConfigErrors {
        let mut errors = ConfigErrors::default();
        let validator = match jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(self.schema_of(scope))
        {
            Ok(v) => v,
            Err(e) => {
                // The schema is the backend's (public) text, not the configuration's.
                errors.push(
                    "",
                    format!("the {} backend's schema cannot be used: {e}", self.kind),
                );
                return errors;
            }
        };
        let instance = Value::Object(values.clone());
        let reporter = Reporter {
            description: self,
            scope,
            values,
        };
        for error in validator.iter_errors(&instance) {
            reporter.report(&error, &mut errors);
        }
        let mut seen = std::collections::HashSet::new();
        errors
            .0
            .retain(|e| seen.insert((e.field.clone(), e.message.clone())));
        errors
    }
}

/// Turns validator errors into [`crate::FieldError`]s.
struct Reporter<'a> {
    description: &'a Description,
    scope: Scope,
    values: &'a Object,
}

/// Where a problem is: the dotted field name, and the list items on the way (`item 2`).
struct Place {
    segments: Vec<String>,
    field: String,
    items: Vec<usize>,
    under_env_reference: bool,
}

impl Place {
    fn prefix(&self) -> String {
        self.items
            .iter()
            .map(|i| format!("item {} ", i + 1))
            .collect()
    }

    fn child(&self, key: &str) -> String {
        if self.field.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.field)
        }
    }
}

impl Reporter<'_> {
    fn place(&self, error: &ValidationError<'_>) -> Place {
        let segments: Vec<String> = error
            .instance_path()
            .segments()
            .map(|s| s.to_string())
            .collect();
        let mut current = self.values.get(segments.first().map_or("", String::as_str));
        let mut keys = segments.first().cloned().into_iter().collect::<Vec<_>>();
        let mut items = Vec::new();
        let mut under_env_reference = current.is_some_and(|v| env_reference(v).is_some());
        for segment in segments.iter().skip(1) {
            match current {
                Some(Value::Array(a)) => {
                    let index = segment.parse::<usize>().unwrap_or_default();
                    items.push(index);
                    current = a.get(index);
                }
                Some(Value::Object(o)) => {
                    keys.push(segment.clone());
                    current = o.get(segment);
                }
                _ => {
                    keys.push(segment.clone());
                    current = None;
                }
            }
            under_env_reference |= current.is_some_and(|v| env_reference(v).is_some());
        }
        Place {
            segments,
            field: keys.join("."),
            items,
            under_env_reference,
        }
    }

    /// The top-level parameter a problem is about, when the problem concerns its value or
    /// the items of its list.
    fn parameter(&self, place: &Place) -> Option<&Parameter> {
        if place.field.contains('.') || place.segments.is_empty() {
            return None;
        }
        self.description.scoped(self.scope, &place.segments[0])
    }

    fn report(&self, error: &ValidationError<'_>, errors: &mut ConfigErrors) {
        let place = self.place(error);
        if place.under_env_reference {
            return;
        }
        let prefix = place.prefix();
        let mut push =
            |field: String, message: String| errors.push(field, format!("{prefix}{message}"));
        let field = place.field.clone();
        match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                push(place.child(&name), "is required".into());
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    push(place.child(key), self.unknown(&place, key));
                }
            }
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                if let Some(p) = self.parameter(&place).filter(|p| !p.choices.is_empty()) {
                    push(field, one_of(&p.choices));
                    return;
                }
                // An `Option<T>` is `anyOf: [T, null]`: report what is wrong against T.
                let relevant: Vec<&Vec<ValidationError<'static>>> = context
                    .iter()
                    .filter(|branch| !branch.iter().all(expects_only_null))
                    .collect();
                match relevant.as_slice() {
                    [only] if !only.is_empty() => {
                        for e in only.iter() {
                            self.report(e, errors);
                        }
                    }
                    _ => push(field, "does not match any of the allowed forms".into()),
                }
            }
            kind => push(field, self.message(kind, &place)),
        }
    }

    fn message(&self, kind: &ValidationErrorKind, place: &Place) -> String {
        use ValidationErrorKind as K;
        match kind {
            K::Type { kind } => type_message(kind),
            K::Enum { options } => match self.parameter(place).filter(|p| !p.choices.is_empty()) {
                Some(p) => one_of(&p.choices),
                None => one_of(&choices_of(options)),
            },
            K::Constant { expected_value } => format!("must be {}", show(expected_value)),
            K::Pattern { pattern } => format!("must match the pattern {pattern}"),
            K::MinLength { limit } => {
                format!("must be at least {limit} character{}", plural(*limit))
            }
            K::MaxLength { limit } => {
                format!("must be at most {limit} character{}", plural(*limit))
            }
            K::Minimum { limit } => format!("must be at least {limit}"),
            K::Maximum { limit } => format!("must be at most {limit}"),
            K::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
            K::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
            K::MultipleOf { multiple_of, .. } => format!("must be a multiple of {multiple_of}"),
            K::Format { format } => match format.as_str() {
                "uri" | "uri-reference" | "iri" | "iri-reference" | "url" => "must be a URL".into(),
                "email" | "idn-email" => "must be an e-mail address".into(),
                "hostname" | "idn-hostname" => "must be a host name".into(),
                "date-time" => "must be a date and time (RFC 3339)".into(),
                "date" => "must be a date (YYYY-MM-DD)".into(),
                other => format!("must be a valid {other}"),
            },
            K::MinItems { limit } => format!("must have at least {limit} item{}", plural(*limit)),
            K::MaxItems { limit } => format!("must have at most {limit} item{}", plural(*limit)),
            K::UniqueItems => "must not repeat an item".into(),
            K::AdditionalItems { .. } => "has too many items".into(),
            K::MinProperties { limit } => format!(
                "must have at least {limit} entr{}",
                if *limit == 1 { "y" } else { "ies" }
            ),
            K::MaxProperties { limit } => format!(
                "must have at most {limit} entr{}",
                if *limit == 1 { "y" } else { "ies" }
            ),
            K::OneOfMultipleValid { .. } => "matches more than one of the allowed forms".into(),
            K::Not { .. } | K::FalseSchema => "is not allowed".into(),
            K::Contains => "must contain an allowed item".into(),
            K::PropertyNames { .. } => "has a key that is not allowed".into(),
            _ => "is not valid".into(),
        }
    }

    /// "unknown parameter", with a hint: the parameter of the other scope, or a close name.
    fn unknown(&self, place: &Place, key: &str) -> String {
        if !place.field.is_empty() {
            return "unknown key".into();
        }
        let other = match self.scope {
            Scope::Global => Scope::Transaction,
            Scope::Transaction => Scope::Global,
        };
        if self.description.scoped(other, key).is_some() {
            return match other {
                Scope::Transaction => format!(
                    "unknown parameter: {key} is given per payment (--set {key}=VALUE), not in the configuration"
                ),
                Scope::Global => {
                    format!("unknown parameter: {key} belongs to the backend configuration")
                }
            };
        }
        let known = self
            .description
            .parameters
            .iter()
            .filter(|p| p.scope == self.scope)
            .map(|p| p.name.as_str());
        match suggest(key, known) {
            Some(name) => format!("unknown parameter (did you mean {name}?)"),
            None => "unknown parameter".into(),
        }
    }
}

/// The closest of `known` to `key`, when close enough to be a typo.
pub(crate) fn suggest<'a>(key: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key_lower = key.to_lowercase();
    known
        .into_iter()
        .map(|name| (strsim::osa_distance(&key_lower, &name.to_lowercase()), name))
        .filter(|(d, _)| *d <= 2 && d * 3 <= key.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// Whether a validator error only says "must be null" (the `None` branch of an `Option`).
fn expects_only_null(e: &ValidationError<'_>) -> bool {
    match e.kind() {
        ValidationErrorKind::Type {
            kind: TypeKind::Single(t),
        } => *t == JsonType::Null,
        _ => false,
    }
}

fn type_message(kind: &TypeKind) -> String {
    let types: Vec<JsonType> = match kind {
        TypeKind::Single(t) => vec![*t],
        TypeKind::Multiple(set) => set.iter().filter(|t| *t != JsonType::Null).collect(),
    };
    let names: Vec<&str> = types
        .iter()
        .map(|t| match t {
            JsonType::Boolean => "true or false",
            JsonType::Integer => "an integer",
            JsonType::Number => "a number",
            JsonType::String => "text",
            JsonType::Array => "a list",
            JsonType::Object => "a table",
            JsonType::Null => "empty",
        })
        .collect();
    match names.as_slice() {
        [] => "must be empty".into(),
        [one] => format!("must be {one}"),
        [init @ .., last] => format!("must be {} or {last}", init.join(", ")),
    }
}

fn choices_of(options: &Value) -> Vec<Choice> {
    options
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| Choice {
                    value: v.clone(),
                    label: show(v),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// "must be one of: test (Test mode), production" — values as written in a configuration,
/// with their label when it says more.
fn one_of(choices: &[Choice]) -> String {
    let items: Vec<String> = choices
        .iter()
        .map(|c| {
            let value = show(&c.value);
            if c.label == value {
                value
            } else {
                format!("{value} ({})", c.label)
            }
        })
        .collect();
    format!("must be one of: {}", items.join(", "))
}

/// A schema value (never a configuration value) for a message.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use serde_json::json;

    use super::super::fixture::{self, messages, obj};
    use super::*;
    use crate::Error;

    #[test]
    fn valid_configuration_has_no_error() {
        let d = fixture::description();
        assert!(d.validate(&fixture::valid()).is_empty());
        let mut full = fixture::valid();
        full.extend(obj(json!({
            "test": false, "mode": "production", "delay": 30, "methods": ["card", "wire"],
            "return_url": "https://shop.example/back", "email": "a@example.org",
            "tags": ["x"], "fields": { "a": "b" }, "old": true,
        })));
        assert_eq!(messages(&d.validate(&full)), Vec::<String>::new());
    }

    #[test]
    fn every_problem_at_once_with_names_and_plain_messages() {
        let d = fixture::description();
        let config = obj(json!({
            "site_id": 1234,
            "test": "yes-please-hunter2",
            "mode": "staging-hunter2",
            "delay": 99,
            "methods": ["card", "cheque-hunter2"],
            "return_url": "not a url hunter2",
            "email": "hunter2",
            "tags": "hunter2",
            "fields": { "a": 5 },
            "modee": 1,
            "capture_day": 2,
        }));
        let errors = d.validate(&config);
        assert_eq!(
            messages(&errors),
            [
                "secret: is required",
                "site_id: must be text",
                "test: must be true or false",
                "mode: must be one of: test (Test mode), production (Production mode)",
                "delay: must be at most 30",
                "methods: item 2 must be one of: card (Card), wire (Wire transfer)",
                "return_url: must be a URL",
                "email: must be an e-mail address",
                "tags: must be a list",
                "fields.a: must be text",
                "modee: unknown parameter (did you mean mode?)",
                "capture_day: unknown parameter: capture_day is given per payment (--set capture_day=VALUE), not in the configuration",
            ]
        );
        assert!(!format!("{errors:?} {}", Error::Config(errors.clone())).contains("hunter2"));
    }

    #[test]
    fn pattern_and_length_messages() {
        let d = fixture::description();
        let config = obj(json!({ "site_id": "12-hunter2", "secret": "abc", "delay": 0 }));
        assert_eq!(
            messages(&d.validate(&config)),
            [
                r"site_id: must match the pattern ^\d{8}$",
                "secret: must be at least 4 characters",
                "delay: must be at least 1",
            ]
        );
    }

    #[test]
    fn suggestions_only_for_close_names() {
        let known = ["site_id", "secret", "mode"];
        assert_eq!(suggest("siteid", known), Some("site_id"));
        assert_eq!(suggest("SITE_ID", known), Some("site_id"));
        assert_eq!(suggest("secert", known), Some("secret"));
        assert_eq!(suggest("x", known), None);
        assert_eq!(suggest("currency", known), None);
    }

    #[test]
    fn transaction_fields() {
        let d = fixture::description();
        assert!(
            d.validate_transaction(&obj(json!({ "capture_day": 3 })))
                .is_empty()
        );
        assert_eq!(
            messages(&d.validate_transaction(&obj(
                json!({ "capture_day": 9, "site_id": "x", "langage": "fr" })
            ))),
            [
                "capture_day: must be at most 7",
                "site_id: unknown parameter: site_id belongs to the backend configuration",
                "langage: unknown parameter (did you mean language?)",
            ]
        );
    }

    #[test]
    fn invalid_schema_is_reported_not_panicking() {
        let d = Description::from_schemas(
            "broken",
            "Broken",
            json!({ "type": "object", "properties": { "a": { "type": 12 } } }),
            json!({}),
            crate::Capabilities::new(&[crate::Operation::Request]),
        );
        let errors = d.validate(&obj(json!({ "a": 1 })));
        assert_eq!(errors.0.len(), 1);
        assert!(
            errors.0[0].message.contains("schema cannot be used"),
            "{errors:?}"
        );
    }
}
