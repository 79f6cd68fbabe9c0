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

/// A [`push_transaction_id`] of its own.
#[cfg(test)]
pub(crate) fn transaction_id(cx: &Context<'_>) -> String {
    let mut id = String::with_capacity(6);
    push_transaction_id(&mut id, cx);
    id
}

/// Appends a `vads_trans_id` unique per shop and UTC day, as the bank requires, to `out`.
///
/// The first four characters encode the UTC time of day in hundredths of a second (8 640 000
/// values < 62⁴, first character always a letter); the last two are drawn from the injected
/// entropy (3 844 values). Two payments of one shop get the same id only when they start in
/// the same hundredth of a second *and* draw the same two characters (1 in 3 844). A shop that
/// needs a strict guarantee sets `vads_trans_id` itself (per payment, from its own counter).
pub(crate) fn push_transaction_id(out: &mut String, cx: &Context<'_>) {
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
    out.extend(head.iter().map(|b| char::from(*b)));
    EntropyStream::new(&cx.entropy, "vads_trans_id").push_string(out, ID_ALPHABET, 2);
}

/// The form values taken from the configuration, with their field names.
fn config_values(cfg: &super::config::Config) -> impl Iterator<Item = (&str, &str)> {
    let order_info = [
        ("vads_order_info", &cfg.vads_order_info),
        ("vads_order_info2", &cfg.vads_order_info2),
        ("vads_order_info3", &cfg.vads_order_info3),
    ];
    [
        ("vads_payment_cards", cfg.vads_payment_cards.as_str()),
        ("vads_site_id", cfg.vads_site_id.as_str()),
        ("vads_url_return", cfg.normal_return_url.as_str()),
        (
            "vads_url_check",
            cfg.automatic_return_url.as_deref().unwrap_or_default(),
        ),
        (
            "vads_capture_delay",
            cfg.capture_day.as_deref().unwrap_or_default(),
        ),
    ]
    .into_iter()
    .chain(
        order_info
            .into_iter()
            .filter_map(|(n, v)| v.as_deref().map(|v| (n, v))),
    )
    .chain(cfg.preset.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// Whether every value of the configuration that goes into forms passes the field checks
/// (computed once, when the backend is built).
pub(crate) fn config_values_valid(cfg: &super::config::Config) -> bool {
    config_values(cfg).all(|(name, value)| fields::problem(name, value).is_none())
}

/// The form under construction, and whether the configuration's values are valid.
struct ConfigFields {
    fields: Fields,
    valid: bool,
}

impl ConfigFields {
    /// Appends a value taken from the configuration.
    fn push_config(&mut self, name: &str, value: &str) {
        if self.valid {
            self.fields.push_valid(name, value);
        } else {
            self.fields.push(name, value);
        }
    }

    /// Sets a value taken from the configuration (checked when it replaces another field).
    fn set_config(&mut self, name: &str, value: &str) {
        if self.valid && self.fields.get(name).is_none() {
            self.fields.push_valid(name, value);
        } else {
            self.fields.set(name, value);
        }
    }

    fn push_valid(&mut self, name: &str, value: &str) {
        self.fields.push_valid(name, value);
    }

    fn push(&mut self, name: &str, value: impl AsRef<str>) {
        self.fields.push(name, value);
    }
}

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
        let capture_from_config = req.capture_day.is_none();

        // 17 fixed fields, two URLs, the optional ones (order id, e-mail, caller's id) and the
        // signature: 23; room for the presets and per-payment fields (never reallocated).
        let mut f = ConfigFields {
            fields: Fields::with_capacity(24 + cfg.preset.len() + req.extra.len()),
            valid: self.config_values_valid,
        };
        // The values polypay computes, written one after the other into one buffer (one
        // allocation for the four): amount, currency, date, transaction id.
        let mut computed = String::with_capacity(48);
        text::push_padded(&mut computed, units, 1);
        let amount_end = computed.len();
        text::push_padded(&mut computed, u64::from(currency), 3);
        let currency_end = computed.len();
        time::push_compact_utc(&mut computed, cx.now);
        let date_end = computed.len();
        push_transaction_id(&mut computed, cx);
        let part = |range: std::ops::Range<usize>| computed.get(range).unwrap_or_default();
        f.push_valid("vads_action_mode", "INTERACTIVE");
        f.push("vads_amount", part(0..amount_end));
        if capture_from_config {
            f.push_config("vads_capture_delay", &capture);
        } else {
            f.push("vads_capture_delay", capture);
        }
        f.push_valid("vads_contrib", "eopayment");
        f.push_valid("vads_ctx_mode", cfg.vads_ctx_mode.as_str());
        f.push_valid("vads_currency", part(amount_end..currency_end));
        f.push_valid("vads_cust_country", "FR");
        f.push_valid("vads_language", "fr");
        f.push_valid("vads_page_action", "PAYMENT");
        f.push_config("vads_payment_cards", &cfg.vads_payment_cards);
        f.push_valid("vads_payment_config", cfg.vads_payment_config.as_str());
        f.push_valid("vads_return_mode", "GET");
        f.push_config("vads_site_id", &cfg.vads_site_id);
        f.push_valid("vads_trans_date", part(currency_end..date_end));
        f.push_valid("vads_trans_id", part(date_end..computed.len()));
        f.push_valid("vads_validation_mode", if manual { "1" } else { "" });
        f.push_valid("vads_version", "V2");
        match &req.return_url {
            Some(url) => f.push("vads_url_return", url.as_str()),
            None if !cfg.normal_return_url.is_empty() => {
                f.push_config("vads_url_return", &cfg.normal_return_url);
            }
            None => {}
        }
        match (&req.notification_url, &cfg.automatic_return_url) {
            (Some(url), _) => f.push("vads_url_check", url.as_str()),
            (None, Some(url)) => f.push_config("vads_url_check", url),
            (None, None) => {}
        }
        for (name, value) in [
            ("vads_order_info", &cfg.vads_order_info),
            ("vads_order_info2", &cfg.vads_order_info2),
            ("vads_order_info3", &cfg.vads_order_info3),
        ] {
            if let Some(v) = value {
                f.set_config(name, v);
            }
        }
        // Configuration presets, then the request's own data, then per-payment fields: the
        // most specific wins.
        for (name, value) in &cfg.preset {
            f.set_config(name, value);
        }
        let mut f = f.fields;
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
        // Values valid by construction (constants, values polypay computes in the bank's
        // format, configuration values checked when the backend was built) that nothing
        // above replaced are not checked again; every other value is. Debug builds (the
        // tests) check them all the same, to prove the claim. The same pass picks the
        // fields read below (names are unique: per-payment fields replace).
        let (mut ctx_mode, mut trans_date, mut trans_id) = ("TEST", "", "");
        for (i, (name, value)) in f.iter().enumerate() {
            let problem = if f.needs_check(i) {
                fields::problem(name, value)
            } else {
                debug_assert_eq!(fields::problem(name, value), None, "{name} = {value:?}");
                None
            };
            if let Some(p) = problem {
                problems.push(p);
            }
            match name {
                "vads_ctx_mode" => ctx_mode = value,
                "vads_trans_date" => trans_date = value,
                "vads_trans_id" => trans_id = value,
                _ => {}
            }
        }
        problems.check(trans_id.starts_with('9'), || {
            "vads_trans_id must not start with 9 (reserved for the back office)".into()
        });
        problems.into_result()?;

        let key = self.key_for(ctx_mode).ok_or_else(|| {
            polypay_core::Error::invalid_input(
                "vads_ctx_mode is PRODUCTION but secret_production is not configured",
            )
        })?;
        let id = match &req.transaction_id {
            Some(id) => id.clone(),
            None => text::concat(&[trans_date, "_", trans_id]),
        };
        f.sort_by_name();
        let sig = signature::sign_sorted(cfg.signature_algo, &key, f.iter());
        f.push("signature", sig);
        Ok(PaymentIntent::new(
            id,
            Action::Form {
                url: self.service_url.clone(),
                method: FormMethod::Post,
                fields: f.into_form(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::Timestamp;

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
