//! Building the Paypage form: `Data` (ordered `key=value` pairs joined with `|`, no escaping),
//! `Seal`, `InterfaceVersion`.

use polypay_core::{Action, Context, Error, FormMethod, PaymentIntent, PaymentRequest, Result};

use super::Sips2;
use super::config::{CaptureMode, SealAlgorithm};
use super::seal;
use crate::common::config::Problems;
use crate::common::ids::EntropyStream;
use crate::common::money;

/// The interface version of the Paypage POST.
pub(crate) const INTERFACE_VERSION: &str = "HP_2.3";

/// `Data` is not escaped, so its separator `|` cannot appear in a value (`=` can: each pair is
/// split on its first `=`).
fn check_value(problems: &mut Problems, name: &str, value: &str) {
    problems.check(value.contains('|'), || format!("{name} must not contain |"));
    problems.check(value.chars().any(char::is_control), || {
        format!("{name} must not contain control characters")
    });
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
        let currency = format!("{:03}", money::numeric_code(&req.amount)?);
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
        let request_day = req.capture_day.map(|d| d.to_string());
        problems.check(req.capture_day.is_some_and(|d| d > 99), || {
            "capture_day must be at most 99".into()
        });

        let mut pairs: Vec<(&str, String)> = Vec::with_capacity(14);
        pairs.push(("merchantId", cfg.merchant_id.clone()));
        pairs.push(("keyVersion", cfg.key_version.clone()));
        pairs.push(("normalReturnUrl", return_url.to_owned()));
        if let Some(url) = automatic {
            pairs.push(("automaticResponseUrl", url.to_owned()));
        }
        pairs.push(("currencyCode", currency));
        pairs.push(("captureMode", capture_mode.as_str().to_owned()));
        // A configured captureDay sits here; a per-payment one replaces it in place, or is
        // appended last when nothing is configured (eopayment's order).
        if let Some(day) = &cfg.capture_day {
            pairs.push((
                "captureDay",
                request_day.clone().unwrap_or_else(|| day.clone()),
            ));
        }
        if let Some(means) = &cfg.payment_means {
            pairs.push(("paymentMeanBrandList", means.clone()));
        }
        pairs.push(("transactionReference", reference.clone()));
        pairs.push((
            "orderId",
            req.order_id.clone().unwrap_or_else(|| reference.clone()),
        ));
        pairs.push((
            "statementReference",
            req.description.clone().unwrap_or_else(|| reference.clone()),
        ));
        pairs.push(("amount", money::padded3(units)));
        if let Some(email) = &req.customer.email {
            pairs.push(("billingContact.email", email.clone()));
        }
        if cfg.capture_day.is_none()
            && let Some(day) = request_day
        {
            pairs.push(("captureDay", day));
        }
        for (name, value) in &pairs {
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
        let seal = seal::paypage(algo, &data, self.config.secret_key.expose());
        let mut fields = vec![
            ("Data".into(), data),
            ("Seal".into(), seal),
            ("InterfaceVersion".into(), INTERFACE_VERSION.into()),
        ];
        // The default algorithm is implied (eopayment sends no SealAlgorithm field).
        if algo != SealAlgorithm::Sha256 {
            fields.push(("SealAlgorithm".into(), algo.as_str().into()));
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
