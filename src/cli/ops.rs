//! `request`, `response`, `cancel`, `validate`, `refund`, `status`.

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use super::args::{AdjustArgs, InstanceArgs, RequestArgs, ResponseArgs, StatusArgs};
use super::output::{print_intent, print_response};
use crate::config::ConfigFile;
use crate::{
    Adjustment, Amount, Currency, Error, Incoming, Operation, Payment, PaymentRequest, Registry,
    Result, StatusQuery, Timestamp,
};

fn payment(registry: &Registry, args: &InstanceArgs) -> Result<Payment> {
    let config = ConfigFile::load(&args.config)?;
    let payment = crate::open(registry, &config, args.backend.as_deref())?;
    Ok(match &args.now {
        Some(text) => {
            let now: Timestamp = text.parse().map_err(|e| {
                Error::invalid_input(format!("--now {text:?} is not an RFC 3339 time: {e}"))
            })?;
            payment.with_clock(move || now)
        }
        None => payment,
    })
}

fn amount(text: &str, currency: &str) -> Result<Amount> {
    let currency = Currency::new(currency)?;
    Ok(Amount::parse_with_default(text, Some(currency))?)
}

fn url(text: &Option<String>, what: &str) -> Result<Option<url::Url>> {
    text.as_deref()
        .map(|t| {
            t.parse()
                .map_err(|e| Error::invalid_input(format!("--{what} {t:?} is not a URL: {e}")))
        })
        .transpose()
}

fn json_object(text: &Option<String>) -> Result<serde_json::Map<String, serde_json::Value>> {
    match text {
        None => Ok(serde_json::Map::new()),
        Some(t) => match serde_json::from_str(t) {
            Ok(serde_json::Value::Object(m)) => Ok(m),
            Ok(_) => Err(Error::invalid_input("--bank-data must be a JSON object")),
            Err(e) => Err(Error::invalid_input(format!(
                "--bank-data is not JSON: {e}"
            ))),
        },
    }
}

pub(super) async fn request(registry: &Registry, a: RequestArgs, json: bool) -> Result<ExitCode> {
    let payment = payment(registry, &a.instance)?;
    let mut req = PaymentRequest::new(amount(&a.amount, &a.currency)?)
        .with_manual_validation(a.manual_validation);
    req.transaction_id = a.transaction_id;
    req.order_id = a.order_id;
    req.customer.email = a.email;
    req.description = a.description;
    req.return_url = url(&a.return_url, "return-url")?;
    req.notification_url = url(&a.notification_url, "notification-url")?;
    for item in &a.set {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| Error::invalid_input(format!("--set {item:?}: write NAME=VALUE")))?;
        req = req.with_extra(name.trim(), value);
    }
    let intent = payment.request(&req).await?;
    print_intent(&intent, json)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn response(registry: &Registry, a: ResponseArgs, json: bool) -> Result<ExitCode> {
    let payment = payment(registry, &a.instance)?;
    let mut headers = Vec::new();
    for h in &a.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| Error::invalid_input(format!("--header {h:?}: write 'Name: value'")))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let (query, body) = match (&a.query, &a.body) {
        (Some(q), None) => (q.trim_start_matches('?').to_owned(), Vec::new()),
        (None, Some(path)) => {
            let mut body = Vec::new();
            if path.as_os_str() == "-" {
                std::io::stdin().read_to_end(&mut body).map_err(|e| {
                    Error::invalid_input(format!("cannot read standard input: {e}"))
                })?;
            } else {
                body = std::fs::read(path).map_err(|e| {
                    Error::invalid_input(format!("cannot read {}: {e}", path.display()))
                })?;
            }
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
            }
            (String::new(), body)
        }
        _ => return Err(Error::invalid_input("give either --query or --body")),
    };
    let method = a.method.unwrap_or_else(|| {
        if body.is_empty() {
            "GET".into()
        } else {
            "POST".into()
        }
    });
    let incoming = Incoming::new(method, query, headers, body);
    let response = payment.response(&incoming).await?;
    print_response(&response, json)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn adjust(
    registry: &Registry,
    a: AdjustArgs,
    op: Operation,
    json: bool,
) -> Result<ExitCode> {
    let payment = payment(registry, &a.instance)?;
    let adj = Adjustment::new(a.transaction_id, amount(&a.amount, &a.currency)?)
        .with_bank_data(json_object(&a.bank_data)?);
    let response = match op {
        Operation::Cancel => payment.cancel(&adj).await?,
        Operation::Validate => payment.validate(&adj).await?,
        _ => payment.refund(&adj).await?,
    };
    print_response(&response, json)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn status(registry: &Registry, a: StatusArgs, json: bool) -> Result<ExitCode> {
    let payment = payment(registry, &a.instance)?;
    let mut query = StatusQuery::new(a.transaction_id).with_bank_data(json_object(&a.bank_data)?);
    if let Some(secs) = a.wait {
        query = query.with_long_poll(Duration::from_secs(secs));
    }
    let response = payment.status(&query).await?;
    print_response(&response, json)?;
    Ok(ExitCode::SUCCESS)
}
