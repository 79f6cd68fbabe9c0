//! `backends`, `describe` and `check-config`.

use std::path::Path;
use std::process::ExitCode;

use super::args::DescribeFormat;
use super::output::{out, outln, print_json};
use super::plugins::{Origin, Origins};
use crate::config::ConfigFile;
use crate::{ConfigErrors, Description, Error, Registry, Result, Scope};

pub(super) fn backends(registry: &Registry, origins: &Origins, json: bool) -> Result<ExitCode> {
    let descriptions: Vec<Description> = registry
        .kinds()
        .iter()
        .map(|k| registry.describe(k))
        .collect::<Result<_>>()?;
    if json {
        let list: Vec<serde_json::Value> = descriptions
            .iter()
            .map(|d| {
                let mut entry = serde_json::json!({
                    "kind": d.kind,
                    "caption": d.caption,
                    "capabilities": d.capabilities,
                });
                if let Some(o) = origins.get(&d.kind) {
                    entry["plugin"] = serde_json::json!({ "path": o.path, "sha256": o.sha256()? });
                }
                Ok(entry)
            })
            .collect::<Result<_>>()?;
        print_json(&list)?;
    } else {
        let width = descriptions.iter().map(|d| d.kind.len()).max().unwrap_or(0);
        for d in &descriptions {
            let ops = operation_names(d);
            let test = if d.capabilities.test_only {
                " [test only]"
            } else {
                ""
            };
            let plugin = origins
                .get(&d.kind)
                .map(|o| format!("  [plugin {}]", o.path))
                .unwrap_or_default();
            outln!(
                "{:<width$} {}{test}  ({}){plugin}",
                d.kind,
                d.caption,
                ops.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn describe(
    registry: &Registry,
    kind: &str,
    format: DescribeFormat,
    origin: Option<&Origin>,
) -> Result<ExitCode> {
    let d = registry.describe(kind)?;
    match format {
        DescribeFormat::Text => {
            out!("{}", text(&d));
            if let Some(o) = origin {
                outln!("\nfrom the plugin {}", o.path);
            }
        }
        DescribeFormat::Json => print_json(&d)?,
        DescribeFormat::JsonSchema => print_json(&d.json_schema())?,
        DescribeFormat::Html => outln!(
            "{}",
            d.html_form("", &serde_json::Map::new(), &ConfigErrors::default())
        ),
        DescribeFormat::Toml => out!("{}", d.toml_template(kind)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The description for people.
/// The names of the operations a backend offers (`request`, `response`, ...).
fn operation_names(d: &Description) -> Vec<&str> {
    d.capabilities
        .operations
        .iter()
        .map(|o| o.as_str())
        .collect()
}

fn text(d: &Description) -> String {
    let mut out = format!("{} — {}\n", d.kind, d.caption);
    if let Some(help) = &d.help {
        out.push_str(&format!("{help}\n"));
    }
    let ops = operation_names(d);
    out.push_str(&format!("operations: {}\n", ops.join(", ")));
    for (scope, title) in [
        (Scope::Global, "configuration"),
        (Scope::Transaction, "per transaction (--set NAME=VALUE)"),
    ] {
        let params: Vec<_> = d.parameters.iter().filter(|p| p.scope == scope).collect();
        if params.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n"));
        for p in params {
            let mut flags = vec![format!("{:?}", p.kind).to_lowercase()];
            if p.required {
                flags.push("required".into());
            }
            if p.secret {
                flags.push("secret".into());
            }
            if p.deprecated {
                flags.push("deprecated".into());
            }
            if let Some(def) = &p.default {
                flags.push(format!("default {def}"));
            }
            if !p.choices.is_empty() {
                let c: Vec<String> = p.choices.iter().map(|c| c.value.to_string()).collect();
                flags.push(format!("one of {}", c.join(", ")));
            }
            out.push_str(&format!(
                "  {:<32} {} [{}]\n",
                p.name,
                p.caption,
                flags.join("; ")
            ));
            if let Some(help) = &p.help {
                for line in help.lines() {
                    out.push_str(&format!("  {:<32}   {line}\n", ""));
                }
            }
        }
    }
    out
}

pub(super) fn check_config(registry: &Registry, file: &Path, json: bool) -> Result<ExitCode> {
    let config = ConfigFile::load(file);
    let errors = match &config {
        Ok(c) => crate::check_config(registry, c),
        Err(Error::Config(errors)) => errors.clone(),
        Err(e) => return Err(Error::invalid_input(format!("{}: {e}", file.display()))),
    };
    let warnings = config
        .as_ref()
        .map(|c| crate::config_warnings(registry, c))
        .unwrap_or_default();
    if json {
        print_json(&serde_json::json!({
            "valid": errors.is_empty(),
            "errors": errors.0,
            "warnings": warnings,
        }))?;
        return Ok(if errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if errors.is_empty() {
        let n = config.as_ref().map(|c| c.instances.len()).unwrap_or(0);
        outln!(
            "{}: valid ({n} backend instance{})",
            file.display(),
            if n == 1 { "" } else { "s" }
        );
    } else {
        eprintln!("{}: {errors}", file.display());
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
