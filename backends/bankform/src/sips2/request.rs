//! Building the Paypage form: `Data` (ordered `key=value` pairs joined with `|`, no escaping),
//! `Seal`, `InterfaceVersion`.

use polypay_core::{
    Action, Context, Error, FormFields, FormMethod, PaymentIntent, PaymentRequest, Result,
};

use super::Sips2;
use super::config::{CaptureMode, SealAlgorithm};
use super::seal;
use crate::common::config::Problems;
use crate::common::ids::EntropyStream;
use crate::common::money;
use crate::common::sign;
use crate::common::text::{self, has_control};

/// The interface version of the Paypage POST.
pub(crate) const INTERFACE_VERSION: &str = "HP_2.3";

/// `Data` is not escaped, so its separator `|` cannot appear in a value (`=` can: each pair is
/// split on its first `=`).
fn check_value(problems: &mut Problems, name: &str, value: &str) {
    problems.check(value.contains('|'), || format!("{name} must not contain |"));
    problems.check(has_control(value), || {
        format!("{name} must not contain control characters")
    });
}

/// At most 14 `Data` pairs, on the stack.
#[derive(Default)]
struct Pairs<'a> {
    items: [(&'static str, &'a str); 14],
    len: usize,
}

impl<'a> Pairs<'a> {
    fn push(&mut self, name: &'static str, value: &'a str) {
        // 14 slots hold every field `data` can write (13 at most).
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = (name, value);
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[(&'static str, &'a str)] {
        &self.items[..self.len]
    }
}

impl Sips2 {
    /// The `Data` string of a request, and its transaction reference.
    pub(crate) fn data(&self, req: &PaymentRequest, cx: &Context<'_>) -> Result<(String, String)> {
        let cfg = &self.config;
        if !req.extra.is_empty() {
            let names: Vec<&str> = req.extra.keys().map(String::as_str).collect();
            return Err(Error::invalid_input(format!(
                "sips2 has no per-transaction fields (got {})",
                names.join(", ")
            )));
        }
        let units = money::minor_units(&req.amount)?;
        let currency = text::padded(u64::from(money::numeric_code(&req.amount)?), 3);
        if currency != cfg.currency_code {
            return Err(Error::invalid_input(format!(
                "this shop is configured for currency {}, not {}",
                cfg.currency_code,
                req.amount.currency()
            )));
        }
        let mut problems = Problems::default();
        let reference = match &req.transaction_id {
            Some(id) => {
                problems.check(
                    id.is_empty() || id.len() > 35 || !id.bytes().all(|b| b.is_ascii_alphanumeric()),
                    || "the transaction id must be 1 to 35 letters and digits (Sips transactionReference)".into(),
                );
                id.clone()
            }
            None => EntropyStream::new(&cx.entropy, "transactionReference").uuid4_hex(),
        };
        let return_url = req
            .return_url
            .as_ref()
            .map_or(cfg.normal_return_url.as_str(), |u| u.as_str());
        let automatic = req
            .notification_url
            .as_ref()
            .map(|u| u.as_str())
            .or(cfg.automatic_return_url.as_deref());
        let capture_mode = if req.manual_validation {
            CaptureMode::Validation
        } else {
            cfg.capture_mode
        };
        let request_day = req.capture_day.map(|d| text::decimal(u64::from(d)));
        problems.check(req.capture_day.is_some_and(|d| d > 99), || {
            "capture_day must be at most 99".into()
        });
        let amount = money::padded3(units);

        // Borrowed pairs: `Data` is written once, from these.
        let mut pairs = Pairs::default();
        let mut push = |name, value| pairs.push(name, value);
        push("merchantId", &cfg.merchant_id);
        push("keyVersion", &cfg.key_version);
        push("normalReturnUrl", return_url);
        if let Some(url) = automatic {
            push("automaticResponseUrl", url);
        }
        push("currencyCode", &currency);
        push("captureMode", capture_mode.as_str());
        // A configured captureDay sits here; a per-payment one replaces it in place, or is
        // appended last when nothing is configured (eopayment's order).
        if let Some(day) = &cfg.capture_day {
            push("captureDay", request_day.as_deref().unwrap_or(day));
        }
        if let Some(means) = &cfg.payment_means {
            push("paymentMeanBrandList", means);
        }
        push("transactionReference", &reference);
        push("orderId", req.order_id.as_deref().unwrap_or(&reference));
        push(
            "statementReference",
            req.description.as_deref().unwrap_or(&reference),
        );
        push("amount", &amount);
        if let Some(email) = &req.customer.email {
            push("billingContact.email", email);
        }
        if cfg.capture_day.is_none()
            && let Some(day) = &request_day
        {
            push("captureDay", day);
        }
        let pairs = pairs.as_slice();
        for (name, value) in pairs {
            check_value(&mut problems, name, value);
        }
        problems.into_result()?;
        let len = pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
        let mut data = String::with_capacity(len);
        for (i, (name, value)) in pairs.iter().enumerate() {
            if i > 0 {
                data.push('|');
            }
            data.push_str(name);
            data.push('=');
            data.push_str(value);
        }
        Ok((data, reference))
    }

    /// The Paypage form for `req`.
    pub(crate) fn build_request(
        &self,
        req: &PaymentRequest,
        cx: &Context<'_>,
    ) -> Result<PaymentIntent> {
        let (data, reference) = self.data(req, cx)?;
        let algo = self.config.seal_algorithm;
        let seal = sign::hex_lower(&seal::paypage_raw(algo, &data, self.seal_key()));
        let mut fields = FormFields::with_capacity(4, data.len() + seal.len() + 64);
        fields.push("Data", &data);
        fields.push("Seal", &seal);
        fields.push("InterfaceVersion", INTERFACE_VERSION);
        // The default algorithm is implied (eopayment sends no SealAlgorithm field).
        if algo != SealAlgorithm::Sha256 {
            fields.push("SealAlgorithm", algo.as_str());
        }
        Ok(PaymentIntent::new(
            reference,
            Action::Form {
                url: self.paypage_url.clone(),
                method: FormMethod::Post,
                fields,
            },
        ))
    }
}
