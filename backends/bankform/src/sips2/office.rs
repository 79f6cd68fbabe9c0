//! The office server (JSON): capture (`validate`), cancel, and `status` through the
//! diagnostic service. Sans-IO: the first call returns the HTTP request, the second reads
//! `Context::prior`.

use polypay_core::{
    Adjustment, Context, Error, HttpRequest, Method, PaymentResponse, PaymentStatus, Result,
    StatusQuery, Step,
};
use serde_json::{Map, Value, json};

use super::seal;
use super::{Platform, Sips2};
use crate::common::money;
use crate::common::sign;

/// Which office-server call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OfficeOp {
    /// Capture an authorisation (captureMode VALIDATION or deferred).
    Validate,
    /// Cancel, or reduce the amount, before settlement.
    Cancel,
    /// Read the transaction (diagnostic service).
    Diagnostic,
}

impl OfficeOp {
    fn path(self) -> &'static str {
        match self {
            OfficeOp::Validate => "/rs-services/v2/cashManagement/validate",
            OfficeOp::Cancel => "/rs-services/v2/cashManagement/cancel",
            OfficeOp::Diagnostic => "/rs-services/v2/diagnostic/getTransactionData",
        }
    }
    fn interface_version(self) -> &'static str {
        match self {
            OfficeOp::Validate | OfficeOp::Cancel => "CR_WS_2.3",
            OfficeOp::Diagnostic => "DR_WS_2.9",
        }
    }
    fn name(self) -> &'static str {
        match self {
            OfficeOp::Validate => "validate",
            OfficeOp::Cancel => "cancel",
            OfficeOp::Diagnostic => "diagnostic",
        }
    }
}

/// The status of a diagnostic `transactionStatus` (Worldline's names; not re-checked against
/// the current manual). Unknown values are errors, never paid.
pub(crate) fn transaction_status(value: &str) -> PaymentStatus {
    use PaymentStatus::*;
    match value {
        "CAPTURED" | "TO_CAPTURE" => Paid,
        "TO_VALIDATE" | "TO_AUTHORIZE" => Accepted,
        "PENDING" | "WAITING_AUTHOR" | "TO_CHALLENGE" => Waiting,
        "CANCELLED" | "ABORTED" => Cancelled,
        "REFUSED" | "REFUSED_BY_ACQUIRER" => Denied,
        "EXPIRED" => Expired,
        "CREDITED" | "TO_CREDIT" => Refunded,
        _ => Error,
    }
}

/// The transactionReference of an operation: the one the return gave, else the id `request`
/// returned (they are the same for Sips).
fn reference(bank_data: &Map<String, Value>, transaction_id: &str) -> String {
    bank_data
        .get("transactionReference")
        .and_then(Value::as_str)
        .unwrap_or(transaction_id)
        .to_owned()
}

impl Sips2 {
    fn office_request(
        &self,
        op: OfficeOp,
        mut body: Map<String, Value>,
    ) -> Result<Step<PaymentResponse>> {
        let cfg = &self.config;
        body.insert("merchantId".into(), cfg.merchant_id.clone().into());
        body.insert("interfaceVersion".into(), op.interface_version().into());
        body.insert("keyVersion".into(), cfg.key_version.clone().into());
        let sealed = seal::office(&body, cfg.secret_key.expose());
        body.insert("seal".into(), sealed.into());
        let mut url = self.office_url.clone();
        url.set_path(op.path());
        let request = HttpRequest::new(Method::Post, url)
            .with_json(&Value::Object(body))
            .with_header("Accept", "application/json")
            // Capture and cancel move money: never resent blindly; the diagnostic is a read.
            .idempotent(op == OfficeOp::Diagnostic);
        Ok(Step::Http {
            request,
            state: json!({ "op": op.name() }),
        })
    }

    /// Reads the office server's answer.
    fn office_answer(
        &self,
        op: OfficeOp,
        cx: &Context<'_>,
        reference: &str,
    ) -> Result<Step<PaymentResponse>> {
        let Some(prior) = cx.prior else {
            return Err(Error::invalid_input("internal: no office-server exchange"));
        };
        if prior.state.get("op").and_then(Value::as_str) != Some(op.name()) {
            return Err(Error::invalid_input(
                "the exchange handed back is not this operation's",
            ));
        }
        let http = &prior.response;
        if !http.is_success() {
            return Err(Error::Provider {
                status: Some(http.status),
                code: None,
                message: "the Sips office server refused the request".into(),
            });
        }
        let body: Map<String, Value> = http.json()?;
        match body.get("seal").and_then(Value::as_str) {
            Some(received) => {
                let expected = seal::office_raw(&body, self.config.secret_key.expose());
                if !sign::ct_eq_hex(received, &expected) {
                    return Err(Error::InvalidSignature {
                        backend: "sips2".into(),
                        reference: Some(reference.to_owned()),
                    });
                }
            }
            // The test platform does not seal its answers; production must.
            None if self.config.platform == Platform::Prod => {
                return Err(Error::InvalidSignature {
                    backend: "sips2".into(),
                    reference: Some(reference.to_owned()),
                });
            }
            None => {}
        }
        let code = body
            .get("responseCode")
            .and_then(Value::as_str)
            .unwrap_or("");
        if code != "00" {
            let (_, text) = super::response::response_code(code);
            return Err(Error::Provider {
                status: Some(http.status),
                code: Some(code.to_owned()),
                message: format!("Sips office server: {text}"),
            });
        }
        let (status, bank_status) = match op {
            OfficeOp::Validate => (PaymentStatus::Paid, "00: captured".to_owned()),
            OfficeOp::Cancel => (PaymentStatus::Cancelled, "00: cancelled".to_owned()),
            OfficeOp::Diagnostic => {
                let ts = body
                    .get("transactionStatus")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                (transaction_status(ts), format!("00: {ts}"))
            }
        };
        // The answer came over the authenticated channel (TLS to the bank, sealed).
        let mut resp = PaymentResponse::verified(status);
        resp.order_id = Some(reference.to_owned());
        resp.transaction_id = body
            .get("authorisationId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        resp.bank_status = Some(bank_status);
        resp.test = self.config.platform == Platform::Test;
        let text = |k: &str| {
            body.get(k).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        resp.amount = money::reported(text("amount").as_deref(), text("currencyCode").as_deref());
        resp.bank_data = body.into();
        Ok(Step::Done(resp))
    }

    /// Capture or cancel `adj`.
    pub(crate) fn cash_management(
        &self,
        op: OfficeOp,
        adj: &Adjustment,
        cx: &Context<'_>,
    ) -> Result<Step<PaymentResponse>> {
        let reference = reference(&adj.bank_data, &adj.transaction_id);
        if cx.prior.is_some() {
            return self.office_answer(op, cx, &reference);
        }
        let units = money::minor_units(&adj.amount)?;
        let currency = format!("{:03}", money::numeric_code(&adj.amount)?);
        // Like `request`: the shop's currency only (the bank would refuse another one, after
        // a round trip; an amount is never re-scaled into the shop's currency).
        if currency != self.config.currency_code {
            return Err(Error::invalid_input(format!(
                "this shop is configured for currency {}, not {}",
                self.config.currency_code,
                adj.amount.currency()
            )));
        }
        let mut body = Map::new();
        body.insert("currencyCode".into(), currency.into());
        body.insert("operationAmount".into(), money::padded3(units).into());
        body.insert("transactionReference".into(), reference.into());
        self.office_request(op, body)
    }

    /// Read a transaction.
    pub(crate) fn diagnostic(
        &self,
        query: &StatusQuery,
        cx: &Context<'_>,
    ) -> Result<Step<PaymentResponse>> {
        let reference = reference(&query.bank_data, &query.transaction_id);
        if cx.prior.is_some() {
            return self.office_answer(OfficeOp::Diagnostic, cx, &reference);
        }
        let mut body = Map::new();
        body.insert("transactionReference".into(), reference.into());
        self.office_request(OfficeOp::Diagnostic, body)
    }
}
