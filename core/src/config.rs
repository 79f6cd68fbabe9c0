//! Configuration files: several named backend instances in one TOML file.
//!
//! ```toml
//! production = false          # optional; true refuses test-only backends
//!
//! [http]                      # optional transport settings, see HttpSettings
//! allow_http = false
//!
//! [backends.cards]
//! kind = "systempayv2"
//! vads_site_id = "12345678"
//! secret_test = { env = "SYSTEMPAY_SECRET_TEST" }   # read from the environment
//! ```
//!
//! [`ConfigFile::from_toml_str`] checks the file's structure; [`ConfigFile::check`] checks every
//! instance against its backend's [`Description`](crate::Description) and reports every problem
//! of the whole file at once, each named `backends.NAME.PARAMETER`; [`ConfigFile::build`] builds
//! the backends. Values written as `{ env = "NAME" }` are read from the environment at check
//! and build time, never stored in the file.
//!
//! ```
//! use polypay_core::config::ConfigFile;
//!
//! let file = ConfigFile::from_toml_str(r#"
//!     [backends.cards]
//!     kind = "systempayv2"
//!     vads_site_id = "12345678"
//!     secret_test = { env = "SYSTEMPAY_SECRET_TEST" }
//! "#).unwrap();
//! let cards = file.instance(None).unwrap();
//! assert_eq!((cards.name.as_str(), cards.kind.as_str()), ("cards", "systempayv2"));
//! assert_eq!(cards.params["vads_site_id"], "12345678");
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

mod http;

pub use http::HttpSettings;

use crate::describe::suggest;
use crate::{Backend, ConfigErrors, Error, FieldError, Registry, Result};

/// A parsed configuration file: backend instances, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ConfigFile {
    /// Whether this is a production configuration: test-only backends are then refused.
    pub production: bool,
    /// The backend instances, in file order.
    pub instances: Vec<InstanceConfig>,
    /// Transport settings (`[http]`).
    pub http: HttpSettings,
    /// The directory of the file this configuration was read from ([`ConfigFile::load`]):
    /// relative paths in it (a plugin library's `path`) are relative to this directory. `None`
    /// for text parsed with [`ConfigFile::from_toml_str`]: they are then relative to the
    /// current directory.
    pub dir: Option<PathBuf>,
}

/// One named backend instance (`[backends.NAME]`).
///
/// Its `Debug` shows parameter names only: values may be secrets written in the file.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct InstanceConfig {
    /// Instance name (`cards`).
    pub name: String,
    /// Backend kind (`systempayv2`).
    pub kind: String,
    /// Parameter values, without `kind`, as written (`{ env = "NAME" }` not yet resolved).
    pub params: Map<String, Value>,
}

impl fmt::Debug for InstanceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstanceConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("params", &self.params.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl InstanceConfig {
    /// Creates an instance configuration.
    pub fn new(
        name: impl Into<String>,
        kind: impl Into<String>,
        params: Map<String, Value>,
    ) -> InstanceConfig {
        InstanceConfig {
            name: name.into(),
            kind: kind.into(),
            params,
        }
    }

    /// This instance as TOML, see [`instance_toml`].
    pub fn to_toml(&self) -> String {
        instance_toml(&self.name, &self.kind, &self.params)
    }

    /// Checks this instance (see [`ConfigFile::check`]) and, when it has no problem, builds it.
    /// `production` refuses test-only backends. Errors are named `backends.NAME.PARAMETER`.
    pub fn build(&self, registry: &Registry, production: bool) -> Result<Arc<dyn Backend>> {
        let (errors, backend) = self.check_and_build(registry, production);
        match backend {
            Some(b) if errors.is_empty() => Ok(b),
            _ => Err(Error::Config(errors)),
        }
    }

    fn check_and_build(
        &self,
        registry: &Registry,
        production: bool,
    ) -> (ConfigErrors, Option<Arc<dyn Backend>>) {
        let prefix = format!("backends.{}", self.name);
        let mut errors = ConfigErrors::default();
        let factory = match registry.factory(&self.kind) {
            Ok(f) => f,
            Err(_) => {
                let kinds = registry.kinds();
                let hint = suggest(&self.kind, kinds.iter().map(String::as_str))
                    .map(|k| format!(" (did you mean {k}?)"))
                    .unwrap_or_default();
                let available = if kinds.is_empty() {
                    "none".to_owned()
                } else {
                    kinds.join(", ")
                };
                errors.push(
                    "kind",
                    format!(
                        "unknown backend kind \"{}\"{hint}; available: {available}",
                        self.kind
                    ),
                );
                return (errors.prefixed(&prefix), None);
            }
        };
        let description = factory.description();
        if production && description.capabilities.test_only {
            errors.push(
                "kind",
                format!(
                    "the {} backend is for tests only and is refused when production = true",
                    self.kind
                ),
            );
        }
        let mut params = self.params.clone();
        errors.0.extend(description.resolve_env(&mut params).0);
        errors.0.extend(description.validate(&params).0);
        if !errors.is_empty() {
            return (errors.prefixed(&prefix), None);
        }
        // The factory may check more than the schema can say.
        match factory.build(&params) {
            Ok(backend) => (errors, Some(backend)),
            Err(Error::Config(e)) => (e.prefixed(&prefix), None),
            Err(e) => {
                errors.push("", e.to_string());
                (errors.prefixed(&prefix), None)
            }
        }
    }
}

impl ConfigFile {
    /// Parses a configuration file's text and checks its structure (every problem at once):
    /// a `[backends]` table of tables, each with a text `kind`; `production`, if given, a
    /// boolean; no other top-level key. Syntax errors give their line and column, never the
    /// text around them (it may hold a secret).
    pub fn from_toml_str(text: &str) -> Result<ConfigFile> {
        let table: toml::Table = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
        let mut errors = ConfigErrors::default();
        let mut file = ConfigFile::default();
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("production", toml::Value::Boolean(b)) => file.production = *b,
                ("production", _) => errors.push("production", "must be true or false"),
                ("http", v) => file.http = HttpSettings::parse(v, &mut errors),
                ("backends", toml::Value::Table(backends)) => {
                    for (name, instance) in backends {
                        if let Some(i) = parse_instance(name, instance, &mut errors) {
                            file.instances.push(i);
                        }
                    }
                }
                ("backends", _) => errors.push(
                    "backends",
                    "must be a table of backend instances: write [backends.NAME] then kind = \"...\"",
                ),
                (other, _) => {
                    let hint = suggest(other, ["production", "http", "backends"])
                        .map(|k| format!(" (did you mean {k}?)"))
                        .unwrap_or_default();
                    errors.push(other, format!("unknown key{hint}; a configuration holds production, [http] and [backends.NAME] tables"));
                }
            }
        }
        if !table.contains_key("backends") {
            errors.push(
                "backends",
                "is required: add a [backends.NAME] table for each backend instance",
            );
        }
        errors.into_result()?;
        Ok(file)
    }

    /// Reads and parses the configuration file at `path` (see [`ConfigFile::from_toml_str`]).
    pub fn load(path: impl AsRef<Path>) -> Result<ConfigFile> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(ConfigErrors(vec![FieldError::new(
                "",
                format!("cannot read the configuration file {}: {e}", path.display()),
            )]))
        })?;
        let mut file = ConfigFile::from_toml_str(&text).map_err(|e| match e {
            Error::Config(errors) => Error::Config(ConfigErrors(
                errors
                    .0
                    .into_iter()
                    .map(|f| match f.field.is_empty() {
                        true => FieldError::new("", format!("{}: {}", path.display(), f.message)),
                        false => f,
                    })
                    .collect(),
            )),
            other => other,
        })?;
        file.dir = Some(match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        });
        Ok(file)
    }

    /// The HTTP executor policy of the `[http]` table.
    #[cfg(feature = "client")]
    pub fn policy(&self) -> crate::Policy {
        self.http.policy()
    }

    /// The instance names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.instances.iter().map(|i| i.name.as_str()).collect()
    }

    /// The instance named `name`; with `None`, the only instance (an error when there are
    /// several, listing their names).
    pub fn instance(&self, name: Option<&str>) -> Result<&InstanceConfig> {
        pick(&self.instances, name, |i| &i.name)
    }

    /// Checks every instance against its backend (every problem of the file at once, fields
    /// named `backends.NAME.PARAMETER`): unknown kinds (with the available ones), unset
    /// environment variables, invalid or unknown parameters, test-only backends in a
    /// production configuration, and what the backend itself refuses when built.
    pub fn check(&self, registry: &Registry) -> ConfigErrors {
        self.check_and_build(registry).0
    }

    /// Warnings of every instance whose kind is known (weak signature modes kept for
    /// compatibility, unauthenticated channels trusted), fields named `backends.NAME.PARAMETER`.
    /// They do not make the configuration invalid.
    pub fn warnings(&self, registry: &Registry) -> Vec<FieldError> {
        let mut out = Vec::new();
        for instance in &self.instances {
            if let Ok(factory) = registry.factory(&instance.kind) {
                let prefix = format!("backends.{}", instance.name);
                let found = ConfigErrors(factory.warnings(&instance.params)).prefixed(&prefix);
                out.extend(found.0);
            }
        }
        out
    }

    /// Checks every instance (see [`ConfigFile::check`]) and, when there is no problem, builds
    /// them all.
    pub fn build(&self, registry: &Registry) -> Result<Instances> {
        let (errors, built) = self.check_and_build(registry);
        errors.into_result()?;
        Ok(Instances { entries: built })
    }

    /// Checks and builds one instance (see [`ConfigFile::instance`] for `name`), ignoring the
    /// others: a command working with one backend does not need the others' secrets.
    pub fn build_instance(
        &self,
        registry: &Registry,
        name: Option<&str>,
    ) -> Result<Arc<dyn Backend>> {
        self.instance(name)?.build(registry, self.production)
    }

    /// The whole file as TOML (what [`ConfigFile::from_toml_str`] reads back).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        if self.production {
            out.push_str("production = true\n\n");
        }
        out.push_str(&self.http.to_toml());
        let blocks: Vec<String> = self.instances.iter().map(InstanceConfig::to_toml).collect();
        out.push_str(&blocks.join("\n"));
        if self.instances.is_empty() {
            out.push_str("[backends]\n");
        }
        out
    }

    fn check_and_build(&self, registry: &Registry) -> (ConfigErrors, Named) {
        let mut errors = ConfigErrors::default();
        let mut built = Vec::new();
        if self.instances.is_empty() {
            errors.push(
                "backends",
                "no backend instance is configured: add a [backends.NAME] table",
            );
        }
        for instance in &self.instances {
            let (e, backend) = instance.check_and_build(registry, self.production);
            errors.0.extend(e.0);
            if let Some(b) = backend {
                built.push((instance.name.clone(), b));
            }
        }
        (errors, built)
    }
}

/// Backends with their instance names.
type Named = Vec<(String, Arc<dyn Backend>)>;

/// Backends built from a configuration file, by instance name, in file order.
#[derive(Clone)]
pub struct Instances {
    entries: Named,
}

impl fmt::Debug for Instances {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(name, b)| (name, b.kind())))
            .finish()
    }
}

impl Instances {
    /// The backend of instance `name`, or an error listing the names.
    pub fn get(&self, name: &str) -> Result<&Arc<dyn Backend>> {
        pick(&self.entries, Some(name), |e| &e.0).map(|e| &e.1)
    }

    /// The only backend; an error when there are several (listing them) or none.
    pub fn only(&self) -> Result<&Arc<dyn Backend>> {
        pick(&self.entries, None, |e| &e.0).map(|e| &e.1)
    }

    /// `(name, backend)` pairs in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<dyn Backend>)> {
        self.entries.iter().map(|(n, b)| (n.as_str(), b))
    }

    /// The instance names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// How many backends there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Picks an entry by name, or the only one.
fn pick<'a, T>(
    items: &'a [T],
    name: Option<&str>,
    name_of: impl Fn(&T) -> &String,
) -> Result<&'a T> {
    let names: Vec<&str> = items.iter().map(|i| name_of(i).as_str()).collect();
    match name {
        Some(wanted) => items.iter().find(|i| name_of(i) == wanted).ok_or_else(|| {
            let hint = suggest(wanted, names.iter().copied())
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            let available = if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            };
            Error::invalid_input(format!(
                "no backend instance named \"{wanted}\"{hint}; available: {available}"
            ))
        }),
        None => match items {
            [only] => Ok(only),
            [] => Err(Error::invalid_input(
                "no backend instance is configured: add a [backends.NAME] table",
            )),
            _ => Err(Error::invalid_input(format!(
                "the configuration has several backend instances ({}): choose one by name",
                names.join(", ")
            ))),
        },
    }
}

fn parse_instance(
    name: &str,
    value: &toml::Value,
    errors: &mut ConfigErrors,
) -> Option<InstanceConfig> {
    let field = format!("backends.{name}");
    let toml::Value::Table(table) = value else {
        errors.push(
            field,
            format!(
                "must be a table: write [backends.{}] then kind = \"...\"",
                toml_key(name)
            ),
        );
        return None;
    };
    let kind = match table.get("kind") {
        Some(toml::Value::String(k)) => Some(k.clone()),
        Some(_) => {
            errors.push(format!("{field}.kind"), "must be text (the backend kind)");
            None
        }
        None => {
            errors.push(
                format!("{field}.kind"),
                "is required (the backend kind, such as kind = \"dummy\")",
            );
            None
        }
    };
    let mut params = Map::new();
    for (key, v) in table.iter().filter(|(k, _)| k.as_str() != "kind") {
        match toml_to_json(v.clone()) {
            Some(json) => {
                params.insert(key.clone(), json);
            }
            None => errors.push(
                format!("{field}.{key}"),
                "must not hold an infinite or NaN number",
            ),
        }
    }
    Some(InstanceConfig::new(name, kind?, params))
}

/// A syntax error with its position, without quoting the source.
fn syntax_error(text: &str, error: &toml::de::Error) -> Error {
    let position = error.span().map(|span| {
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!(" at line {line}, column {column}")
    });
    let message = error.message().trim_end();
    Error::Config(ConfigErrors(vec![FieldError::new(
        "",
        format!(
            "TOML syntax error{}: {message}",
            position.unwrap_or_default()
        ),
    )]))
}

/// One backend instance as TOML, to write back into a configuration file (an admin page
/// saving a configuration). Null values are left out (TOML has none), `kind` in `params` is
/// ignored, and everything is escaped by the `toml` crate.
///
/// ```
/// use polypay_core::config::{ConfigFile, instance_toml};
///
/// let params = serde_json::json!({ "site_id": "12\"34", "key": { "env": "KEY" }, "test": true });
/// let text = instance_toml("cards", "example", params.as_object().unwrap());
/// assert_eq!(text, "[backends.cards]\nkind = \"example\"\nsite_id = '12\"34'\nkey = { env = \"KEY\" }\ntest = true\n");
/// let file = ConfigFile::from_toml_str(&text).unwrap();
/// assert_eq!(&file.instances[0].params, params.as_object().unwrap());
/// ```
pub fn instance_toml(name: &str, kind: &str, params: &Map<String, Value>) -> String {
    let mut out = format!(
        "[backends.{}]\nkind = {}\n",
        toml_key(name),
        toml::Value::String(kind.to_owned())
    );
    for (key, value) in params.iter().filter(|(k, _)| k.as_str() != "kind") {
        if let Some(v) = json_to_toml(value) {
            out.push_str(&format!("{} = {v}\n", toml_key(key)));
        }
    }
    out
}

/// A TOML key: bare when it can be, quoted and escaped otherwise.
pub(crate) fn toml_key(key: &str) -> String {
    toml_writer::ToTomlKey::to_toml_key(key)
}

/// A JSON value as TOML; `None` for null. Nulls inside lists and tables are left out, and an
/// integer beyond TOML's range is written as text (never rounded to a float).
pub(crate) fn json_to_toml(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, _) if n.is_u64() => toml::Value::String(n.to_string()),
            (None, Some(f)) => toml::Value::Float(f),
            (None, None) => toml::Value::String(n.to_string()),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(items.iter().filter_map(json_to_toml).collect()),
        Value::Object(obj) => toml::Value::Table(
            obj.iter()
                .filter_map(|(k, v)| json_to_toml(v).map(|v| (k.clone(), v)))
                .collect(),
        ),
    })
}

/// A TOML value as JSON (dates become text); `None` when it holds an infinite or NaN float.
pub(crate) fn toml_to_json(value: toml::Value) -> Option<Value> {
    Some(match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::Number(serde_json::Number::from_f64(f)?),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => {
            Value::Array(items.into_iter().map(toml_to_json).collect::<Option<_>>()?)
        }
        toml::Value::Table(t) => Value::Object(
            t.into_iter()
                .map(|(k, v)| toml_to_json(v).map(|v| (k, v)))
                .collect::<Option<_>>()?,
        ),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests;
