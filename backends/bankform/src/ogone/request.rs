//! Building the Ogone form.

use polypay_core::{Action, Context, Error, FormMethod, PaymentIntent, PaymentRequest, Result};

use super::Ogone;
use super::config::Extra;
use super::params;
use super::signature;
use crate::common::config::{Problems, extra};
use crate::common::fields::Fields;
use crate::common::ids::EntropyStream;
use crate::common::money;
use crate::common::text::{self, has_control};

/// Fields polypay sets itself, which a per-payment field may not replace.
const OWN: &[&str] = &[
    "AMOUNT", "CURRENCY", "PSPID", "COMPLUS", "ORDERID", "SHASIGN",
];

impl Ogone {
    /// The signed form for `req`.
    pub(crate) fn build_request(
        &self,
        req: &PaymentRequest,
        cx: &Context<'_>,
    ) -> Result<PaymentIntent> {
        let cfg = &self.config;
        let extra: Extra = if req.extra.is_empty() {
            Extra::default()
        } else {
            extra(&self.description, &req.extra)?
        };
        money::expect_currency(&req.amount, self.currency)?;
        let units = money::minor_units(&req.amount)?;
        let mut problems = Problems::default();
        let complus = match &req.transaction_id {
            Some(id) => id.clone(),
            None => EntropyStream::new(&cx.entropy, "COMPLUS").uuid4_hex(),
        };
        let order_id = req.order_id.clone().unwrap_or_else(|| complus.clone());
        problems.check(order_id.is_empty() || order_id.chars().count() > 40, || {
            "the order id must be 1 to 40 characters (Ogone ORDERID)".into()
        });
        let language = match req.locale.as_deref() {
            Some(l) if l.len() == 5 && l.as_bytes()[2] == b'_' => l.to_owned(),
            _ => cfg.language.clone(),
        };

        let mut f = Fields::with_capacity(20);
        f.push("AMOUNT", text::decimal(units));
        f.push("ORDERID", order_id);
        f.push("PSPID", cfg.pspid.as_str());
        f.push("LANGUAGE", language);
        f.push("CURRENCY", cfg.currency.as_str());
        f.push("COMPLUS", complus.as_str());
        let return_url = req
            .return_url
            .as_ref()
            .map_or(cfg.normal_return_url.as_str(), |u| u.as_str());
        if !return_url.is_empty() {
            for name in [
                "ACCEPTURL",
                "BACKURL",
                "CANCELURL",
                "DECLINEURL",
                "EXCEPTIONURL",
            ] {
                f.push(name, return_url);
            }
        }
        let name = match (
            req.customer.first_name.as_deref(),
            req.customer.last_name.as_deref(),
        ) {
            (Some(first), Some(last)) => text::concat(&[first, " ", last]),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => String::new(),
        };
        if !name.is_empty() {
            f.push("CN", name);
        }
        if let Some(email) = &req.customer.email {
            f.push("EMAIL", email.as_str());
        }
        if let Some(text) = &req.description {
            f.push("COM", text.as_str());
        }
        for (name, value) in &extra.fields {
            let upper = name.to_ascii_uppercase();
            if OWN.contains(&upper.as_str()) || !params::listed(&params::SHA_IN_LIST, &upper) {
                problems.push(format!("{name} is not a per-payment Ogone parameter"));
                continue;
            }
            match value {
                serde_json::Value::String(s) => f.set(&upper, s.as_str()),
                serde_json::Value::Number(n) => f.set(&upper, n.to_string()),
                _ => problems.push(format!("{name} must be text")),
            }
        }
        for (name, value) in f.iter() {
            problems.check(has_control(value), || {
                format!("{name} must not contain control characters")
            });
        }
        problems.into_result()?;
        let sign = signature::sign_in(cfg.hash_algorithm, cfg.sha_in.expose(), f.iter());
        f.push("SHASIGN", sign);
        if complus.is_empty() {
            return Err(Error::invalid_input("the transaction id must not be empty"));
        }
        let fields = f.into_form();
        Ok(PaymentIntent::new(
            complus,
            Action::Form {
                url: self.url.clone(),
                method: FormMethod::Post,
                fields,
            },
        ))
    }
}
