//! Printing results: JSON for programs, text for people.

use crate::{Action, Error, PaymentIntent, PaymentResponse, Result};

pub(super) fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::invalid_input(format!("cannot print JSON: {e}")))?;
    println!("{text}");
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
    println!("transaction id: {}", intent.transaction_id);
    match &intent.action {
        Action::Redirect { url } => println!("redirect the payer to:\n{url}"),
        Action::Form {
            url,
            method,
            fields,
        } => {
            println!("submit this form ({} {url}):", method.as_str());
            for (name, value) in fields {
                println!("  {name} = {value}");
            }
        }
        Action::Html { html } => println!("show this HTML:\n{html}"),
        Action::Uri { uri, url } => {
            println!("payment URI: {uri}");
            if let Some(url) = url {
                println!("payment page: {url}");
            }
        }
        other => println!("{other:?}"),
    }
    if let Some(exp) = intent.expires_at {
        println!("expires at: {exp}");
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
    println!("status: {} ({verified})", r.status());
    if let Some(claimed) = r.claimed_status() {
        println!("claimed status (unverified, do not trust): {claimed}");
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
            println!("{label}: {v}");
        }
    }
    if r.test {
        println!("test payment: yes");
    }
    if let Some(rc) = &r.return_content {
        println!(
            "answer the bank with HTTP {} ({}): {}",
            rc.status, rc.content_type, rc.body
        );
    }
    if !r.bank_data.is_empty() {
        println!(
            "bank data: {}",
            serde_json::Value::from(r.bank_data.clone())
        );
    }
    Ok(())
}
