//! Building the signed payment form.

use jiff::tz::TimeZone;
use polypay_core::{Action, Context, FormMethod, PaymentIntent, PaymentRequest, Result};

use super::SystemPay;
use super::config::Extra;
use super::fields;
use super::signature;
use crate::common::config::{Problems, extra};
use crate::common::fields::Fields;
use crate::common::ids::EntropyStream;
use crate::common::money;
use crate::common::text;
use crate::common::time;

/// Transaction ids: letters first, so that the first character, which encodes the time of
/// day, is never `9` (ids `9xxxxx` are reserved for the back office).
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A `vads_trans_id` unique per shop and UTC day, as the bank requires.
///
/// The first four characters encode the UTC time of day in hundredths of a second (8 640 000
/// values < 62⁴, first character always a letter); the last two are drawn from the injected
/// entropy (3 844 values). Two payments of one shop get the same id only when they start in
/// the same hundredth of a second *and* draw the same two characters (1 in 3 844). A shop that
/// needs a strict guarantee sets `vads_trans_id` itself (per payment, from its own counter).
pub(crate) fn transaction_id(cx: &Context<'_>) -> String {
    let t = TimeZone::UTC.to_datetime(cx.now).time();
    let centis = ((i64::from(t.hour()) * 60 + i64::from(t.minute())) * 60 + i64::from(t.second()))
        * 100
        + i64::from(t.subsec_nanosecond()) / 10_000_000;
    let mut n = usize::try_from(centis).unwrap_or(0);
    let mut head = [0u8; 4];
    for slot in head.iter_mut().rev() {
        *slot = ID_ALPHABET[n % 62];
        n /= 62;
    }
    let mut id = String::with_capacity(6);
    id.extend(head.iter().map(|b| char::from(*b)));
    EntropyStream::new(&cx.entropy, "vads_trans_id").push_string(&mut id, ID_ALPHABET, 2);
    id
}

/// The first 17 fields, in the order `build_request` pushes them, where their values are
/// constants that pass the field checks (test `fixed_values_are_valid`): the check loop
/// skips a field that still holds its constant (neither a preset nor a per-payment field
/// replaced it), and checks every other value.
const FIXED: [Option<(&str, &str)>; 17] = [
    Some(("vads_action_mode", "INTERACTIVE")),
    None,
    None,
    Some(("vads_contrib", "eopayment")),
    None,
    None,
    Some(("vads_cust_country", "FR")),
    Some(("vads_language", "fr")),
    Some(("vads_page_action", "PAYMENT")),
    None,
    None,
    Some(("vads_return_mode", "GET")),
    None,
    None,
    None,
    None,
    Some(("vads_version", "V2")),
];

impl SystemPay {
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
        let units = money::minor_units(&req.amount)?;
        let currency = money::numeric_code(&req.amount)?;
        let manual = extra
            .manual_validation
            .unwrap_or(req.manual_validation || cfg.manual_validation);
        let capture = match (req.capture_day, &cfg.capture_day) {
            (Some(d), _) => text::decimal(u64::from(d)),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        };

        // 17 fixed fields, two URLs, the optional ones (order id, e-mail, caller's id) and the
        // signature: 23; room for the presets and per-payment fields (never reallocated).
        let mut f = Fields::with_capacity(24 + cfg.preset.len() + req.extra.len());
        f.push("vads_action_mode", "INTERACTIVE");
        f.push("vads_amount", text::decimal(units));
        f.push("vads_capture_delay", capture);
        f.push("vads_contrib", "eopayment");
        f.push("vads_ctx_mode", cfg.vads_ctx_mode.as_str());
        f.push("vads_currency", text::padded(u64::from(currency), 3));
        f.push("vads_cust_country", "FR");
        f.push("vads_language", "fr");
        f.push("vads_page_action", "PAYMENT");
        f.push("vads_payment_cards", cfg.vads_payment_cards.as_str());
        f.push("vads_payment_config", cfg.vads_payment_config.as_str());
        f.push("vads_return_mode", "GET");
        f.push("vads_site_id", cfg.vads_site_id.as_str());
        f.push("vads_trans_date", time::compact_utc(cx.now));
        f.push("vads_trans_id", transaction_id(cx));
        f.push("vads_validation_mode", if manual { "1" } else { "" });
        f.push("vads_version", "V2");
        let return_url = req
            .return_url
            .as_ref()
            .map(|u| u.as_str())
            .unwrap_or(&cfg.normal_return_url);
        if !return_url.is_empty() {
            f.push("vads_url_return", return_url);
        }
        let check = req
            .notification_url
            .as_ref()
            .map(|u| u.as_str())
            .or(cfg.automatic_return_url.as_deref());
        if let Some(check) = check {
            f.push("vads_url_check", check);
        }
        for (name, value) in [
            ("vads_order_info", &cfg.vads_order_info),
            ("vads_order_info2", &cfg.vads_order_info2),
            ("vads_order_info3", &cfg.vads_order_info3),
        ] {
            if let Some(v) = value {
                f.set(name, v.as_str());
            }
        }
        // Configuration presets, then the request's own data, then per-payment fields: the
        // most specific wins.
        for (name, value) in &cfg.preset {
            f.set(name, value.as_str());
        }
        let optional = [
            ("vads_order_id", req.order_id.as_deref()),
            ("vads_order_info", req.description.as_deref()),
            ("vads_cust_email", req.customer.email.as_deref()),
            ("vads_cust_first_name", req.customer.first_name.as_deref()),
            ("vads_cust_last_name", req.customer.last_name.as_deref()),
            ("vads_cust_address", req.customer.address.as_deref()),
            ("vads_cust_phone", req.customer.phone.as_deref()),
            (
                "vads_language",
                req.locale.as_deref().map(|l| l.get(..2).unwrap_or(l)),
            ),
            (
                "vads_ext_info_eopayment_trans_id",
                req.transaction_id.as_deref(),
            ),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                f.set(name, v);
            }
        }
        for (name, value) in [
            ("vads_order_info", &extra.vads_order_info),
            ("vads_order_info2", &extra.vads_order_info2),
            ("vads_order_info3", &extra.vads_order_info3),
            ("vads_payment_cards", &extra.vads_payment_cards),
        ] {
            if let Some(v) = value {
                f.set(name, v.as_str());
            }
        }
        let mut problems = Problems::default();
        for (name, value) in &extra.fields {
            if !name.starts_with("vads_") {
                problems.push(format!(
                    "unknown per-transaction field {name:?} (SystemPay fields start with vads_)"
                ));
                continue;
            }
            match value {
                serde_json::Value::String(s) => f.set(name, s.as_str()),
                serde_json::Value::Number(n) => f.set(name, n.to_string()),
                serde_json::Value::Null => {}
                _ => problems.push(format!("{name} must be text")),
            }
        }
        // Values polypay writes itself from constants (and that nothing above replaced) are
        // valid by construction; every other value is checked.
        for (i, (name, value)) in f.iter().enumerate() {
            let constant = FIXED.get(i).is_some_and(|c| *c == Some((name, value)));
            if !constant && let Some(p) = fields::problem(name, value) {
                problems.push(p);
            }
        }
        if let Some(id) = f.get("vads_trans_id") {
            problems.check(id.starts_with('9'), || {
                "vads_trans_id must not start with 9 (reserved for the back office)".into()
            });
        }
        problems.into_result()?;

        let key = self
            .key_for(f.get("vads_ctx_mode").unwrap_or("TEST"))
            .ok_or_else(|| {
                polypay_core::Error::invalid_input(
                    "vads_ctx_mode is PRODUCTION but secret_production is not configured",
                )
            })?;
        f.sort_by_name();
        let sig = signature::sign_sorted(cfg.signature_algo, &key, f.iter());
        let id = match &req.transaction_id {
            Some(id) => id.clone(),
            None => text::concat(&[
                f.get("vads_trans_date").unwrap_or_default(),
                "_",
                f.get("vads_trans_id").unwrap_or_default(),
            ]),
        };
        f.push("signature", sig);
        Ok(PaymentIntent::new(
            id,
            Action::Form {
                url: self.service_url.clone(),
                method: FormMethod::Post,
                fields: f.into_vec(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::Timestamp;

    #[test]
    fn fixed_values_are_valid() {
        for (name, value) in FIXED.into_iter().flatten() {
            assert_eq!(fields::problem(name, value), None, "{name}");
        }
    }

    #[test]
    fn ids_follow_the_rules() {
        let t: Timestamp = "2024-05-01T23:59:59.99Z".parse().unwrap();
        let id = transaction_id(&Context::fixed(t, [1; 32]));
        assert_eq!(id.len(), 6);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(id.as_bytes()[0].is_ascii_alphabetic());
        // Different hundredths of a second give different ids whatever the entropy.
        let t2: Timestamp = "2024-05-01T23:59:59.98Z".parse().unwrap();
        let id2 = transaction_id(&Context::fixed(t2, [1; 32]));
        assert_ne!(id[..4], id2[..4]);
        let midnight: Timestamp = "2024-05-01T00:00:00Z".parse().unwrap();
        assert!(transaction_id(&Context::fixed(midnight, [0; 32])).starts_with("AAAA"));
    }
}
