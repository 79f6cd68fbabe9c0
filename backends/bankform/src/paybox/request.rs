//! Building the Paybox System form. The field order is the HMAC input order.

use jiff::tz::TimeZone;
use polypay_core::{Action, Context, Error, FormMethod, PaymentIntent, PaymentRequest, Result};

use super::Paybox;
use super::config::{CaptureMode, Extra};
use super::signature;
use crate::common::config::{Problems, extra};
use crate::common::fields::Fields;
use crate::common::ids::EntropyStream;
use crate::common::money;
use crate::common::text::{self, has_control};
use crate::common::time::{self, Layout};

/// What Paybox sends back, `signature` last as the bank requires.
pub(crate) const PBX_RETOUR: &str = "montant:M;reference:R;code_autorisation:A;erreur:E;numero_appel:T;numero_transaction:S;date_transaction:W;heure_transaction:Q;signature:K";

/// The characters of `PBX_ARCHIVAGE` (no 0/O, 1/I/L, 3, 5 which read alike).
const ARCHIVE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ246789";

/// `PBX_CMD`'s time: `%Y-%m-%dT%H%M%S`.
const CMD_TIME: Layout = Layout {
    date: "-",
    middle: "T",
    time: "",
    pattern: "%Y-%m-%dT%H%M%S",
};

/// `PBX_TIME` before its offset: `%Y-%m-%dT%H:%M:%S`.
const ISO_TIME: Layout = Layout {
    date: "-",
    middle: "T",
    time: ":",
    pattern: "%Y-%m-%dT%H:%M:%S",
};

const XML_HEADER: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

/// Escapes XML text.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

impl Paybox {
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
        if text::padded(u64::from(money::numeric_code(&req.amount)?), 3) != cfg.devise {
            return Err(Error::invalid_input(format!(
                "this shop is configured for currency {}, not {}",
                cfg.devise,
                req.amount.currency()
            )));
        }
        let mut problems = Problems::default();
        let email = req.customer.email.as_deref().unwrap_or_default();
        problems.check(
            !email.contains('@') || email.len() < 6 || email.len() > 80,
            || {
                "Paybox needs the customer's e-mail address (PBX_PORTEUR), 6 to 80 characters"
                    .into()
            },
        );
        let archive = match &extra.archivage {
            Some(a) => {
                problems.check(
                    a.is_empty() || a.len() > 12 || !a.bytes().all(|b| b.is_ascii_alphanumeric()),
                    || "PBX_ARCHIVAGE must be 1 to 12 letters and digits".into(),
                );
                a.clone()
            }
            None => EntropyStream::new(&cx.entropy, "PBX_ARCHIVAGE").string(ARCHIVE_ALPHABET, 12),
        };
        let mut command = match &req.transaction_id {
            Some(id) => id.clone(),
            None => {
                let mut c = time::civil_text(cx.now, &self.timezone, CMD_TIME);
                c.push('_');
                c.push_str(&archive);
                c
            }
        };
        if let Some(order) = &req.order_id {
            command.push('!');
            command.push_str(order);
        }
        problems.check(command.is_empty() || command.chars().count() > 250, || {
            "PBX_CMD must be 1 to 250 characters".into()
        });
        let pbx_time = match &extra.time {
            Some(t) => {
                problems.check(t.parse::<jiff::Timestamp>().is_err(), || {
                    "time must be an ISO 8601 date and time with an offset".into()
                });
                t.clone()
            }
            None => {
                let mut t = time::civil_text(cx.now, &TimeZone::UTC, ISO_TIME);
                t.push_str("+00:00");
                t
            }
        };
        let capture_day = req
            .capture_day
            .map(|d| text::decimal(u64::from(d)))
            .or_else(|| cfg.capture_day.clone());
        if let Some(day) = &capture_day {
            problems.check(day.len() > 2, || "capture_day must be at most 99".into());
        }
        problems.check(
            extra.total_quantity.is_some_and(|q| !(1..=99).contains(&q)),
            || "total_quantity must be 1 to 99".into(),
        );
        for (name, value) in [("command", command.as_str()), ("e-mail", email)] {
            problems.check(has_control(value), || {
                format!("the {name} must not contain control characters")
            });
        }
        problems.into_result()?;

        let manual = extra
            .manual_validation
            .unwrap_or(req.manual_validation || cfg.manual_validation);
        let rang = cfg.rang.trim();
        // The last three characters (digits, as validated; `get` keeps this panic-free).
        let rang = rang.get(rang.len().saturating_sub(3)..).unwrap_or(rang);

        let mut f = Fields::with_capacity(24);
        f.push("PBX_SITE", cfg.site.as_str());
        f.push("PBX_RANG", rang);
        f.push("PBX_IDENTIFIANT", cfg.identifiant.as_str());
        f.push("PBX_TOTAL", money::padded3(units));
        f.push("PBX_DEVISE", cfg.devise.as_str());
        f.push("PBX_CMD", command.as_str());
        f.push("PBX_PORTEUR", email);
        f.push("PBX_RETOUR", PBX_RETOUR);
        f.push("PBX_HASH", "SHA512");
        f.push("PBX_TIME", pbx_time);
        f.push("PBX_ARCHIVAGE", archive);
        let return_url = req
            .return_url
            .as_ref()
            .map_or(cfg.normal_return_url.as_str(), |u| u.as_str());
        if !return_url.is_empty() {
            for name in ["PBX_EFFECTUE", "PBX_REFUSE", "PBX_ANNULE", "PBX_ATTENTE"] {
                f.push(name, return_url);
            }
        }
        if let Some(day) = capture_day {
            // `{day:0>2}`: padded with zeros to two characters.
            let pad = 2usize.saturating_sub(day.chars().count());
            f.push("PBX_DIFF", "0".repeat(pad) + &day);
        }
        let author_only = manual || cfg.capture_mode == CaptureMode::AuthorCapture;
        f.push("PBX_AUTOSEULE", if author_only { "O" } else { "N" });
        let notify = req
            .notification_url
            .as_ref()
            .map(|u| u.as_str())
            .or(cfg.automatic_return_url.as_deref())
            .or(cfg.callback.as_deref());
        if let Some(url) = notify {
            f.push("PBX_REPONDRE_A", url);
        }
        if let Some(q) = extra.total_quantity {
            f.push(
                "PBX_SHOPPINGCART",
                format!("{XML_HEADER}<shoppingcart><total><totalQuantity>{q}</totalQuantity></total></shoppingcart>"),
            );
        }
        let country = extra.country_code.map(|c| c.to_string());
        let billing = [
            ("FirstName", req.customer.first_name.as_deref()),
            ("LastName", req.customer.last_name.as_deref()),
            (
                "Address1",
                extra
                    .address1
                    .as_deref()
                    .or(req.customer.address.as_deref()),
            ),
            ("ZipCode", extra.zipcode.as_deref()),
            ("City", extra.city.as_deref()),
            ("CountryCode", country.as_deref()),
        ];
        if billing.iter().any(|(_, v)| v.is_some()) {
            let mut xml = format!("{XML_HEADER}<Billing><Address>");
            for (tag, value) in billing {
                if let Some(v) = value {
                    xml.push_str(&format!("<{tag}>{}</{tag}>", xml_text(v)));
                }
            }
            xml.push_str("</Address></Billing>");
            f.push("PBX_BILLING", xml);
        }
        let hmac = signature::hmac(&self.hmac_key, f.iter());
        f.push("PBX_HMAC", hmac);
        let fields = f.into_form();
        Ok(PaymentIntent::new(
            command,
            Action::Form {
                url: self.system_url.clone(),
                method: FormMethod::Post,
                fields,
            },
        ))
    }
}
