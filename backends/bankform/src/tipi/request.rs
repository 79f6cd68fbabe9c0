//! Building the TIPI URL.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use polypay_core::{Action, Context, Error, PaymentIntent, PaymentRequest, Result};
use url::Url;

use super::Tipi;
use super::config::Extra;
use crate::common::config::{Problems, extra};
use crate::common::ids::EntropyStream;
use crate::common::money;
use crate::common::time;

/// The payment page.
pub(crate) const TIPI_URL: &str = "https://www.payfip.gouv.fr/tpa/paiement.web";

/// Characters left as they are in a query value (`quote_plus`'s safe set); space becomes `+`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Whether `s` is a valid refdet: 6 to 30 letters and digits.
pub(crate) fn is_refdet(s: &str) -> bool {
    (6..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY)
        .to_string()
        .replace("%20", "+")
}

impl Tipi {
    /// The redirect URL for `req`.
    pub(crate) fn build_request(
        &self,
        req: &PaymentRequest,
        cx: &Context<'_>,
    ) -> Result<PaymentIntent> {
        let extra: Extra = if req.extra.is_empty() {
            Extra::default()
        } else {
            extra(&self.description, &req.extra)?
        };
        super::capabilities().check_amount(&req.amount)?;
        let units = money::minor_units(&req.amount)?;
        let mut problems = Problems::default();
        let email = req.customer.email.as_deref().unwrap_or_default();
        problems.check(
            !email.contains('@') || !(6..=80).contains(&email.len()),
            || "TIPI needs the customer's e-mail address (mel), 6 to 80 characters".into(),
        );
        let caller_refdet = match (&extra.refdet, &req.transaction_id) {
            (Some(_), Some(_)) => {
                problems.push("give refdet or the transaction id, not both");
                None
            }
            (Some(r), None) | (None, Some(r)) => Some(r.clone()),
            (None, None) => None,
        };
        if let Some(r) = &caller_refdet {
            problems.check(!is_refdet(r), || {
                "refdet must be 6 to 30 letters and digits".into()
            });
        }
        let mut objet = extra.objet.clone();
        let refdet = match (caller_refdet, &req.order_id) {
            (Some(r), order) => {
                if let Some(order) = order {
                    objet = Some(prefixed(order, objet.as_deref()));
                }
                r
            }
            (None, Some(order)) if is_refdet(order) => order.clone(),
            (None, order) => {
                // eopayment drops a non-refdet order id when there is no objet (D11): keep it.
                if let Some(order) = order {
                    objet = Some(prefixed(order, objet.as_deref()));
                }
                let random = EntropyStream::new(&cx.entropy, "refdet").number(1, 1_000_000_000);
                format!(
                    "{}{random:010}",
                    time::format_in(cx.now, &self.paris, "%Y%m%d%H%M%S")
                )
            }
        };
        if let Some(o) = &objet {
            problems.check(!o.bytes().all(|b| (0x20..0x7f).contains(&b)), || {
                "objet must be printable ASCII".into()
            });
            problems.check(o.len() > 100, || {
                "objet must be at most 100 characters".into()
            });
        }
        problems.check(extra.exer.is_some_and(|e| e > 9999), || {
            "exer must be at most 9999".into()
        });
        let saisie = extra
            .saisie
            .clone()
            .unwrap_or_else(|| self.config.saisie.as_str().to_owned());
        problems.check(!matches!(saisie.as_str(), "M" | "T" | "X" | "A"), || {
            "saisie must be M, T, X or A".into()
        });
        let urlcl = req
            .notification_url
            .as_ref()
            .map(|u| u.as_str().to_owned())
            .or_else(|| self.config.automatic_return_url.clone());
        problems.check(
            urlcl.as_deref().is_none_or(|u| !u.starts_with("http")),
            || "TIPI needs an automatic_return_url (urlcl) starting with http".into(),
        );
        problems.into_result()?;

        let mut pairs: Vec<(&str, String)> = vec![
            ("numcli", self.config.numcli.clone()),
            ("refdet", refdet.clone()),
            ("montant", money::padded3(units)),
            ("mel", email.to_owned()),
            ("saisie", saisie),
        ];
        if let Some(exer) = extra.exer {
            pairs.push(("exer", exer.to_string()));
        }
        if let Some(o) = objet {
            pairs.push(("objet", o));
        }
        if let Some(u) = urlcl {
            pairs.push(("urlcl", u));
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(n, v)| format!("{n}={}", encode(v)))
            .collect();
        let url = Url::parse(&format!("{TIPI_URL}?{}", query.join("&")))
            .map_err(|_| Error::invalid_input("the TIPI URL could not be built"))?;
        Ok(PaymentIntent::new(refdet, Action::Redirect { url }))
    }
}

/// `order objet`, or the order alone.
fn prefixed(order: &str, objet: Option<&str>) -> String {
    match objet {
        Some(o) => format!("{order} {o}"),
        None => order.to_owned(),
    }
}
