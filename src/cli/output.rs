//! Printing results: JSON for programs, text for people.
//!
//! Everything goes through [`write_stdout`] rather than `println!`, which panics when standard
//! output is closed: `polypay describe systempayv2 | head` must end quietly, like other Unix
//! tools, not with a panic message.

use std::io::Write as _;

use crate::{Action, Error, PaymentIntent, PaymentResponse, Result};

/// `print!` that ends the process quietly when the reader has gone away.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` that ends the process quietly when the reader has gone away.
macro_rules! outln {
    () => {
        $crate::cli::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

/// Writes to standard output. A closed pipe (`| head`) ends the process with status 0, as the
/// reader asked for no more; any other write error ends it with status 1 and a message on
/// standard error. Exiting here is safe: the CLI holds nothing that needs flushing or closing
/// when it prints.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            std::process::exit(1);
        }
    }
}

pub(super) fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::invalid_input(format!("cannot print JSON: {e}")))?;
    outln!("{text}");
    Ok(())
}

pub(super) fn print_intent(intent: &PaymentIntent, json: bool) -> Result<()> {
    if json {
        let mut out = serde_json::json!({
            "transaction_id": intent.transaction_id,
            "action": intent.action,
        });
        if let Some(exp) = intent.expires_at {
            out["expires_at"] = serde_json::json!(exp);
        }
        if !intent.backend_data.is_empty() {
            out["backend_data"] = serde_json::Value::Object(intent.backend_data.clone());
        }
        return print_json(&out);
    }
    outln!("transaction id: {}", intent.transaction_id);
    match &intent.action {
        Action::Redirect { url } => outln!("redirect the payer to:\n{url}"),
        Action::Form {
            url,
            method,
            fields,
        } => {
            outln!("submit this form ({} {url}):", method.as_str());
            for (name, value) in fields {
                outln!("  {name} = {value}");
            }
        }
        Action::Html { html } => outln!("show this HTML:\n{html}"),
        Action::Uri { uri, url } => {
            outln!("payment URI: {uri}");
            if let Some(url) = url {
                outln!("payment page: {url}");
            }
        }
        other => outln!("{other:?}"),
    }
    if let Some(exp) = intent.expires_at {
        outln!("expires at: {exp}");
    }
    Ok(())
}

pub(super) fn print_response(r: &PaymentResponse, json: bool) -> Result<()> {
    if json {
        return print_json(r);
    }
    let verified = if r.is_verified() {
        "verified"
    } else {
        "NOT verified"
    };
    outln!("status: {} ({verified})", r.status());
    if let Some(claimed) = r.claimed_status() {
        outln!("claimed status (unverified, do not trust): {claimed}");
    }
    let fields = [
        ("transaction id", r.transaction_id.clone()),
        ("order id", r.order_id.clone()),
        ("amount", r.amount.map(|a| a.to_string())),
        ("refunded", r.refunded_amount.map(|a| a.to_string())),
        ("bank status", r.bank_status.clone()),
        ("date", r.transaction_date.map(|t| t.to_string())),
    ];
    for (label, value) in fields {
        if let Some(v) = value {
            outln!("{label}: {v}");
        }
    }
    if r.test {
        outln!("test payment: yes");
    }
    if let Some(rc) = &r.return_content {
        outln!(
            "answer the bank with HTTP {} ({}): {}",
            rc.status,
            rc.content_type,
            rc.body
        );
    }
    if !r.bank_data.is_empty() {
        outln!(
            "bank data: {}",
            serde_json::Value::from(r.bank_data.clone())
        );
    }
    Ok(())
}
