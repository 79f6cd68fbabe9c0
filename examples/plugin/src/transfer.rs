//! `manual_transfer`: the payer wires the amount to the merchant's IBAN with a reference; the
//! merchant's own bookkeeping endpoint says, over HTTP, whether that transfer arrived.
//!
//! There is no signed notification, so `response` is unsupported and only `status` (a read of
//! the merchant's own books, authenticated by HTTPS and an optional bearer token) ever reports a
//! payment.

use std::sync::Arc;

use polypay_core::{
    Action, Backend, BackendFactory, Capabilities, Context, Description, Error, FieldError,
    HttpRequest, Incoming, Method, NoTransactionFields, Operation, PaymentIntent, PaymentRequest,
    PaymentResponse, PaymentStatus, Result, Secret, StatusQuery, Step, parse_config,
};
use schemars::JsonSchema;
use serde::Deserialize;
use url::Url;

/// The backend kind.
pub const KIND: &str = "manual_transfer";

/// Configuration of a manual transfer backend.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualTransferConfig {
    /// Beneficiary
    ///
    /// The account holder's name shown to the payer.
    pub beneficiary: String,
    /// IBAN
    ///
    /// The account to pay to.
    pub iban: String,
    /// Bookkeeping URL
    ///
    /// GET `<url>?reference=<ref>` answers `{"received": true|false}`.
    pub status_url: Url,
    /// Bookkeeping token
    ///
    /// Sent as `Authorization: Bearer <token>` to the bookkeeping URL.
    #[serde(default)]
    pub token: Option<Secret>,
}

/// The factory of `manual_transfer` backends.
#[derive(Debug, Clone, Copy, Default)]
pub struct ManualTransfer;

/// Whether `iban` passes the ISO 13616 mod-97 check (spaces ignored).
fn iban_is_valid(iban: &str) -> bool {
    let compact: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let Some(d) = c.to_digit(36) else {
            return false;
        };
        rem = if d >= 10 {
            (rem * 100 + d) % 97
        } else {
            (rem * 10 + d) % 97
        };
    }
    rem == 1
}

fn capabilities() -> Capabilities {
    let mut c = Capabilities::new(&[Operation::Request, Operation::Status]);
    c.signed_responses = false;
    c
}

impl BackendFactory for ManualTransfer {
    fn kind(&self) -> &str {
        KIND
    }

    fn description(&self) -> Description {
        Description::from_types::<ManualTransferConfig, NoTransactionFields>(
            KIND,
            "Manual bank transfer",
            capabilities(),
        )
    }

    /// Only `status` ever reports a payment, from the bookkeeping endpoint's word: without a
    /// token or over plain HTTP, whoever can answer for that URL can mark a transfer received.
    fn warnings(&self, config: &serde_json::Map<String, serde_json::Value>) -> Vec<FieldError> {
        let mut out = Vec::new();
        let token_set = match config.get("token") {
            Some(serde_json::Value::String(t)) => !t.trim().is_empty(),
            // A secret from the environment (`{ env = "..." }`) or anything the schema refuses.
            Some(serde_json::Value::Null) | None => false,
            Some(_) => true,
        };
        if !token_set {
            out.push(FieldError::new(
                "token",
                "not set: the bookkeeping URL is read without authentication, so whoever can \
                 answer for it can mark a transfer as received",
            ));
        }
        if let Some(serde_json::Value::String(url)) = config.get("status_url")
            && url
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            out.push(FieldError::new(
                "status_url",
                "plain HTTP: the answer saying that a transfer arrived is not protected by TLS",
            ));
        }
        out
    }

    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>> {
        let config: ManualTransferConfig = parse_config(&self.description(), config)?;
        if !iban_is_valid(&config.iban) {
            let mut errs = polypay_core::ConfigErrors::default();
            errs.push("iban", "not a valid IBAN (mod-97 check failed)");
            return Err(Error::Config(errs));
        }
        Ok(Arc::new(TransferBackend { config }))
    }
}

struct TransferBackend {
    config: ManualTransferConfig,
}

impl Backend for TransferBackend {
    fn kind(&self) -> &str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        let reference = match &req.transaction_id {
            Some(id) => id.clone(),
            None => format!("PP{}", cx.random_hex(6).to_uppercase()),
        };
        let html = format!(
            "<p>Please transfer {} to {} (IBAN {}) with the reference <strong>{}</strong>.</p>",
            req.amount,
            escape(&self.config.beneficiary),
            escape(&self.config.iban),
            escape(&reference)
        );
        Ok(Step::Done(PaymentIntent::new(
            reference,
            Action::Html { html },
        )))
    }

    fn response(&self, _incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        Err(Error::unsupported(KIND, Operation::Response))
    }

    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        let Some(prior) = cx.prior else {
            let mut url = self.config.status_url.clone();
            url.query_pairs_mut()
                .append_pair("reference", &query.transaction_id);
            let mut request = HttpRequest::new(Method::Get, url);
            if let Some(token) = &self.config.token {
                request = request.with_bearer(token.expose());
            }
            return Ok(Step::Http {
                request,
                state: serde_json::Value::Null,
            });
        };
        if !prior.response.is_success() {
            return Err(Error::Provider {
                status: Some(prior.response.status),
                code: None,
                message: "the bookkeeping endpoint refused the query".into(),
            });
        }
        #[derive(Deserialize)]
        struct Answer {
            received: bool,
        }
        let answer: Answer = prior.response.json()?;
        let status = if answer.received {
            PaymentStatus::Paid
        } else {
            PaymentStatus::Waiting
        };
        let mut resp = PaymentResponse::verified(status);
        resp.order_id = Some(query.transaction_id.clone());
        Ok(Step::Done(resp))
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_check_accepts_valid_and_rejects_typos() {
        assert!(iban_is_valid("FR76 3000 6000 0112 3456 7890 189"));
        assert!(!iban_is_valid("FR76 3000 6000 0112 3456 7890 188"));
        assert!(!iban_is_valid("FR76"));
    }

    #[test]
    fn warns_of_an_unauthenticated_or_plain_http_bookkeeping_endpoint() {
        let config = |v: serde_json::Value| v.as_object().cloned().unwrap();
        let fields = |c| {
            ManualTransfer
                .warnings(&config(c))
                .into_iter()
                .map(|w| w.field)
                .collect::<Vec<_>>()
        };
        let safe = serde_json::json!({"status_url": "https://books.example/t", "token": "t"});
        assert!(fields(safe).is_empty());
        let open = serde_json::json!({"status_url": "HTTP://books.example/t"});
        assert_eq!(fields(open), ["token", "status_url"]);
        let from_env =
            serde_json::json!({"status_url": "https://b.example", "token": {"env": "T"}});
        assert!(fields(from_env).is_empty());
    }
}
