//! Paybox Direct (PPPS): capture (`validate`), cancel and refund of a Paybox System payment,
//! as sans-IO HTTP steps. The first call returns the form POST; the second reads the
//! `k=v&...` answer from `Context::prior`.

use polypay_core::{
    Adjustment, Context, Error, HttpRequest, Method, PaymentResponse, PaymentStatus, Result, Step,
};
use serde_json::{Map, Value, json};

use super::Paybox;
use crate::common::ids::EntropyStream;
use crate::common::money;
use crate::common::received::{Decoding, decode_bytes, pairs_to_bank_data};

/// Which Paybox Direct question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DirectOp {
    /// 00002: capture an authorisation.
    Capture,
    /// 00005 (or eopayment's 00055): cancel.
    Cancel,
    /// 00014: refund.
    Refund,
}

impl DirectOp {
    fn name(self) -> &'static str {
        match self {
            DirectOp::Capture => "validate",
            DirectOp::Cancel => "cancel",
            DirectOp::Refund => "refund",
        }
    }
}

/// A value of the payment's `bank_data` (a string, or eopayment's one-item lists).
fn bank_value(data: &Map<String, Value>, name: &str) -> Option<String> {
    match data.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => items.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

impl Paybox {
    /// Runs one Paybox Direct question.
    pub(crate) fn direct(
        &self,
        op: DirectOp,
        adj: &Adjustment,
        cx: &Context<'_>,
    ) -> Result<Step<PaymentResponse>> {
        if let Some(prior) = cx.prior {
            if prior.state.get("op").and_then(Value::as_str) != Some(op.name()) {
                return Err(Error::invalid_input(
                    "the exchange handed back is not this operation's",
                ));
            }
            return self.direct_answer(op, adj, &prior.response);
        }
        let cfg = &self.config;
        let key = cfg.cle.as_ref().ok_or_else(|| {
            Error::invalid_input("Paybox Direct needs the key (parameter cle) in the configuration")
        })?;
        let need = |name: &str| {
            bank_value(&adj.bank_data, name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    Error::invalid_input(format!(
                        "the payment's bank_data has no {name} (keep the return's bank_data)"
                    ))
                })
        };
        let numtrans = need("numero_transaction")?;
        let numappel = need("numero_appel")?;
        let reference =
            bank_value(&adj.bank_data, "reference").unwrap_or_else(|| adj.transaction_id.clone());
        let units = money::minor_units(&adj.amount)?;
        // MONTANT counts minor units of DEVISE: an amount in another currency would be sent
        // re-scaled as euros (JPY 1000 as EUR 10.00), so it is refused like in `request`.
        if crate::common::text::padded(u64::from(money::numeric_code(&adj.amount)?), 3)
            != cfg.devise
        {
            return Err(Error::invalid_input(format!(
                "this shop is configured for currency {}, not {}",
                cfg.devise,
                adj.amount.currency()
            )));
        }
        let type_code = match op {
            DirectOp::Capture => "00002",
            DirectOp::Cancel => cfg.direct_cancel_type.as_str(),
            DirectOp::Refund => "00014",
        };
        // A fresh question number per call (the bank wants it unique per day, D12).
        let question = EntropyStream::new(&cx.entropy, "NUMQUESTION").number(1, 2_147_483_647);
        let dateq = crate::common::time::format_in(cx.now, &self.timezone, "%d%m%Y%H%M%S");
        let fields: Vec<(&str, String)> = vec![
            ("VERSION", "00103".into()),
            ("TYPE", type_code.into()),
            ("SITE", cfg.site.clone()),
            ("RANG", cfg.rang.trim().to_owned()),
            ("CLE", key.expose().to_owned()),
            ("NUMQUESTION", format!("{question:010}")),
            ("MONTANT", units.to_string()),
            ("DEVISE", cfg.devise.clone()),
            ("NUMTRANS", numtrans),
            ("NUMAPPEL", numappel),
            ("REFERENCE", reference),
            ("DATEQ", dateq),
        ];
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let request = HttpRequest::new(Method::Post, self.direct_url.clone())
            .with_form(&pairs)
            // Moves money: never resent blindly.
            .idempotent(false);
        Ok(Step::Http {
            request,
            state: json!({ "op": op.name() }),
        })
    }

    fn direct_answer(
        &self,
        op: DirectOp,
        adj: &Adjustment,
        http: &polypay_core::HttpResponse,
    ) -> Result<Step<PaymentResponse>> {
        if !http.is_success() {
            return Err(Error::Provider {
                status: Some(http.status),
                code: None,
                message: "Paybox Direct refused the request".into(),
            });
        }
        if http.body.len() > crate::common::received::MAX_INPUT {
            return Err(Error::malformed("the Paybox Direct answer is too long"));
        }
        // PPPS answers in ISO-8859-1.
        let mut pairs = Vec::new();
        for piece in http
            .body
            .trim_ascii()
            .split(|b| *b == b'&')
            .filter(|p| !p.is_empty())
        {
            let (k, v) = match piece.iter().position(|b| *b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &b""[..]),
            };
            pairs.push((
                decode_bytes(k, Decoding::Latin1)?,
                decode_bytes(v, Decoding::Latin1)?,
            ));
        }
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let code = get("CODEREPONSE")
            .ok_or_else(|| Error::malformed("the Paybox Direct answer has no CODEREPONSE"))?;
        if code != "00000" {
            let comment = get("COMMENTAIRE").unwrap_or_default();
            let hint = if matches!(code, "00001" | "00097" | "00098") {
                " (service unavailable: retry later or on the backup platform)"
            } else {
                ""
            };
            return Err(Error::Provider {
                status: Some(http.status),
                code: Some(code.to_owned()),
                message: format!("Paybox Direct: {comment}{hint}"),
            });
        }
        let status = match op {
            DirectOp::Capture => PaymentStatus::Paid,
            DirectOp::Cancel => PaymentStatus::Cancelled,
            DirectOp::Refund => PaymentStatus::Refunded,
        };
        // An answer over the authenticated channel (TLS to the bank, with our key).
        let mut resp = PaymentResponse::verified(status);
        resp.order_id = Some(adj.transaction_id.clone());
        resp.transaction_id = get("NUMTRANS").map(str::to_owned);
        resp.bank_status = Some(format!(
            "{code}: {}",
            get("COMMENTAIRE").unwrap_or_default()
        ));
        resp.test = self.config.platform != super::Platform::Prod;
        match op {
            DirectOp::Refund => resp.refunded_amount = Some(adj.amount),
            _ => resp.amount = Some(adj.amount),
        }
        resp.bank_data = pairs_to_bank_data(&pairs);
        Ok(Step::Done(resp))
    }
}
