//! The configuration admin page: for any backend kind of the registry (plugins included), the
//! form generated from its description, validation of what the person submits with every
//! error shown next to its field, then the TOML written.
//!
//! Saving writes the whole configuration to the file the demo was started with (`--config`),
//! through a temporary file renamed over it (so a crash never leaves half a file), keeping the
//! file's permissions (`0600` for a new file: it holds secrets). Comments of the original file
//! are not kept. Without `--config` the configuration is kept in memory; either way
//! `/admin/config.toml` downloads it. A saved instance is offered by the shop from the demo's
//! next start.
//!
//! Secrets are never sent back to the browser: their inputs are empty, and left empty they
//! keep the saved value. The saved TOML shown after saving has them masked.

use std::path::Path as FsPath;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::Shop;
use super::pages::{admin_layout, error_page};
use crate::config::{ConfigFile, InstanceConfig, instance_toml};
use crate::{ConfigErrors, Description, Error, FieldError};

type Object = Map<String, Value>;

/// `GET /admin`.
pub(super) async fn home() -> Redirect {
    Redirect::to("/admin/config")
}

/// `?name=...&kind=...` of the "add an instance" form.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NewInstance {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// `GET /admin/config`: the instances, and a form to add one. Given a name and a kind, goes
/// to that instance's form.
pub(super) async fn config_page(
    State(shop): State<Arc<Shop>>,
    Query(new): Query<NewInstance>,
) -> Response {
    let mut problem = None;
    if let Some(name) = new.name.as_deref().map(str::trim) {
        let kind = new.kind.as_deref().unwrap_or_default();
        match check_name(name) {
            Err(e) => problem = Some(e),
            Ok(()) if shop.config().instances.iter().any(|i| i.name == name) => {
                problem = Some(format!(
                    "an instance named {name} exists already: edit it from the list"
                ));
            }
            Ok(()) => {
                let target = format!("/admin/config/{name}?kind={}", encode(kind));
                return Redirect::to(&target).into_response();
            }
        }
    }
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, Html(overview(&shop, problem.as_deref()))).into_response()
}

fn overview(shop: &Shop, problem: Option<&str>) -> String {
    let config = shop.config();
    let kinds: Vec<(String, String)> = shop
        .registry
        .kinds()
        .into_iter()
        .map(|k| {
            let caption = shop
                .registry
                .describe(&k)
                .map(|d| d.caption)
                .unwrap_or_default();
            (k, caption)
        })
        .collect();
    admin_layout(
        "Configuration",
        html! {
            (where_saved(shop))
            table id="instances" {
                tr { th { "Instance" } th { "Backend" } th {} }
                @for i in &config.instances {
                    tr data-instance=(i.name) {
                        td { (i.name) }
                        td { (i.kind) }
                        td { a href={ "/admin/config/" (i.name) } { "Edit" } }
                    }
                }
            }
            p { a href="/admin/config.toml" download="polypay.toml" { "Download the configuration (TOML)" } }
            h2 { "Add an instance" }
            @if let Some(p) = problem { p class="error" id="name-error" { (p) } }
            form method="get" action="/admin/config" id="add-instance" {
                p {
                    label for="new-name" { "Name " }
                    input type="text" id="new-name" name="name" required pattern="[A-Za-z0-9_-]{1,64}";
                }
                p {
                    label for="new-kind" { "Backend " }
                    select id="new-kind" name="kind" {
                        @for (kind, caption) in &kinds { option value=(kind) { (kind) " — " (caption) } }
                    }
                }
                button type="submit" id="add" { "Continue" }
            }
        },
    )
}

fn where_saved(shop: &Shop) -> Markup {
    html! {
        @match &shop.config_path {
            Some(path) => p class="where" { "Saving writes " code { (path.display()) } "; the shop uses saved instances from its next start." },
            None => p class="where" { "This demo was started without --config: the configuration is kept in memory; download it below." },
        }
    }
}

/// An instance name: a TOML bare key, short, without dots.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("an instance name is 1 to 64 letters, digits, - or _".into())
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `?kind=...` of an instance's form.
#[derive(Debug, Default, Deserialize)]
pub(super) struct KindQuery {
    #[serde(default)]
    kind: Option<String>,
}

/// The saved parameters of instance `name` when it is of `kind`.
fn saved(shop: &Shop, name: &str, kind: &str) -> Option<Object> {
    shop.config()
        .instances
        .into_iter()
        .find(|i| i.name == name && i.kind == kind)
        .map(|i| i.params)
}

/// `GET /admin/config/NAME[?kind=KIND]`: the instance's form, pre-filled with its saved values.
pub(super) async fn edit_page(
    State(shop): State<Arc<Shop>>,
    Path(name): Path<String>,
    Query(query): Query<KindQuery>,
) -> Response {
    if let Err(e) = check_name(&name) {
        return bad(&e);
    }
    let existing = shop.config().instances.into_iter().find(|i| i.name == name);
    let Some(kind) = query
        .kind
        .filter(|k| !k.is_empty())
        .or_else(|| existing.as_ref().map(|i| i.kind.clone()))
    else {
        return bad("choose the instance's backend kind");
    };
    let description = match shop.registry.describe(&kind) {
        Ok(d) => d,
        Err(e) => return bad(&e.to_string()),
    };
    let values = saved(&shop, &name, &kind).unwrap_or_default();
    Html(form_page(
        &shop,
        &name,
        &description,
        &values,
        &ConfigErrors::default(),
    ))
    .into_response()
}

fn bad(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(error_page("Configuration", message)),
    )
        .into_response()
}

fn form_page(
    shop: &Shop,
    name: &str,
    description: &Description,
    values: &Object,
    errors: &ConfigErrors,
) -> String {
    let action = format!("/admin/config/{name}");
    admin_layout(
        &format!("Instance {name}: {}", description.caption),
        html! {
            (where_saved(shop))
            @if !errors.is_empty() {
                p class="error" id="form-errors" role="alert" {
                    (errors.0.len()) " problem(s): see the fields marked below. Secrets are never sent back: type them again."
                }
            }
            (PreEscaped(description.html_form(&action, values, errors)))
            p { a href="/admin/config" { "Back to the configuration" } }
        },
    )
}

/// `POST /admin/config/NAME`: validates the submitted form; shows it again with every error
/// next to its field, or saves.
pub(super) async fn save(
    State(shop): State<Arc<Shop>>,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = check_name(&name) {
        return bad(&e);
    }
    let Some(kind) = pairs
        .iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v.clone())
    else {
        return bad("the form does not say which backend kind it configures");
    };
    let description = match shop.registry.describe(&kind) {
        Ok(d) => d,
        Err(e) => return bad(&e.to_string()),
    };
    let mut values = description.values_from_form(&pairs);
    let old = saved(&shop, &name, &kind).unwrap_or_default();
    keep_unshown(&description, &old, &mut values);
    let production = shop.config().production;
    let instance = InstanceConfig::new(&name, &kind, values.clone());
    if let Err(e) = instance.build(&shop.registry, production) {
        let errors = field_errors(&name, e);
        let shown = unsaved_secrets_dropped(&description, &old, values);
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(form_page(&shop, &name, &description, &shown, &errors)),
        )
            .into_response();
    }
    match store(&shop, instance) {
        Ok(()) => Html(saved_page(&shop, &name, &kind, &description, &values)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(error_page(
                "The configuration was not saved",
                &e.to_string(),
            )),
        )
            .into_response(),
    }
}

/// Keeps what the form does not show or did not change: secrets left empty, and parameters
/// the description does not list (`vads_*` presets of SystemPay, say).
fn keep_unshown(description: &Description, old: &Object, values: &mut Object) {
    for (key, value) in old {
        let shown = description.global_parameters().find(|p| &p.name == key);
        let keep = match shown {
            Some(p) => p.secret && !values.contains_key(key),
            None => true,
        };
        if keep {
            values.insert(key.clone(), value.clone());
        }
    }
}

/// The values to show again after errors: secrets typed in this submission are not kept (the
/// form would otherwise say "unchanged", though nothing was saved), saved ones are.
fn unsaved_secrets_dropped(description: &Description, old: &Object, mut values: Object) -> Object {
    for p in description.global_parameters().filter(|p| p.secret) {
        match old.get(&p.name) {
            Some(saved) => values.insert(p.name.clone(), saved.clone()),
            None => values.remove(&p.name),
        };
    }
    values
}

/// The errors of a failed build, named by parameter (the build names them
/// `backends.NAME.PARAMETER`).
fn field_errors(name: &str, error: Error) -> ConfigErrors {
    let prefix = format!("backends.{name}");
    let errors = match error {
        Error::Config(errors) => errors,
        other => ConfigErrors(vec![FieldError::new("", other.to_string())]),
    };
    ConfigErrors(
        errors
            .0
            .into_iter()
            .map(|e| {
                let field = match e.field.strip_prefix(&prefix) {
                    Some(rest) => rest.strip_prefix('.').unwrap_or(rest).to_owned(),
                    None => e.field,
                };
                FieldError::new(field, e.message)
            })
            .collect(),
    )
}

/// Puts the instance into the configuration and writes the file, if there is one.
fn store(shop: &Shop, instance: InstanceConfig) -> crate::Result<()> {
    let mut config = shop.config.lock().unwrap_or_else(|p| p.into_inner());
    let mut next: ConfigFile = config.clone();
    match next.instances.iter_mut().find(|i| i.name == instance.name) {
        Some(slot) => *slot = instance,
        None => next.instances.push(instance),
    }
    let text = next.to_toml();
    // What is written must read back as what was meant.
    let reread = ConfigFile::from_toml_str(&text)?;
    if reread.instances != next.instances {
        return Err(Error::invalid_input(
            "the configuration does not read back as written; nothing was saved",
        ));
    }
    if let Some(path) = &shop.config_path {
        write_atomically(path, &text)
            .map_err(|e| Error::invalid_input(format!("cannot write {}: {e}", path.display())))?;
    }
    *config = next;
    Ok(())
}

/// Writes `text` to a temporary file next to `path`, then renames it over `path`.
fn write_atomically(path: &FsPath, text: &str) -> std::io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".polypay-tmp");
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, text)?;
    match std::fs::metadata(path) {
        Ok(meta) => std::fs::set_permissions(&tmp, meta.permissions())?,
        Err(_) => restrict(&tmp)?,
    }
    std::fs::rename(&tmp, path)
}

#[cfg(unix)]
fn restrict(path: &FsPath) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_: &FsPath) -> std::io::Result<()> {
    Ok(())
}

fn saved_page(
    shop: &Shop,
    name: &str,
    kind: &str,
    description: &Description,
    values: &Object,
) -> String {
    let mut shown = values.clone();
    for p in description.global_parameters().filter(|p| p.secret) {
        if let Some(v) = shown.get_mut(&p.name)
            && v.is_string()
        {
            *v = Value::String("********".into());
        }
    }
    admin_layout(
        &format!("Instance {name} saved"),
        html! {
            p id="saved" {
                @match &shop.config_path {
                    Some(path) => { "Written to " code { (path.display()) } ". The shop offers it from its next start." }
                    None => { "Kept in memory: download the configuration to keep it." }
                }
            }
            @let warnings = shop.registry.factory(kind).map(|f| f.warnings(values)).unwrap_or_default();
            @if !warnings.is_empty() {
                ul id="warnings" {
                    @for w in &warnings { li { strong { "Warning: " } (w) } }
                }
            }
            p { "The instance, secrets masked:" }
            pre id="saved-toml" { (instance_toml(name, kind, &shown)) }
            p {
                a href="/admin/config.toml" download="polypay.toml" { "Download the whole configuration" }
                " · " a href="/admin/config" { "Back to the configuration" }
            }
        },
    )
}

/// `GET /admin/config.toml`: the configuration as a download (secrets included: it is the
/// file the shop runs on).
pub(super) async fn download(State(shop): State<Arc<Shop>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"polypay.toml\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        shop.config().to_toml(),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("cards_2-test").is_ok());
        for bad in ["", "a.b", "a b", "é", &"x".repeat(65), "[x]"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn build_errors_are_named_by_parameter() {
        let mut errors = ConfigErrors::default();
        errors.push("backends.cards.vads_site_id", "must match");
        errors.push("backends.cards", "general");
        errors.push("backends.cards.kind", "unknown");
        let named = field_errors("cards", Error::Config(errors));
        let fields: Vec<&str> = named.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["vads_site_id", "", "kind"]);
        let other = field_errors("cards", Error::invalid_input("boom"));
        assert_eq!(other.0[0].field, "");
    }

    #[test]
    fn atomic_write_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.toml");
        write_atomically(&path, "a = 1\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            write_atomically(&path, "a = 2\n").unwrap();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 2\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
