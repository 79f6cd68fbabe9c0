//! Building the TIPI URL.

#[cfg(test)]
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use polypay_core::{Action, Context, PaymentIntent, PaymentRequest, Result};

use super::Tipi;
use super::config::Extra;
use crate::common::config::{Problems, extra};
use crate::common::ids::EntropyStream;
use crate::common::money;
use crate::common::text;
use crate::common::time;

/// The payment page.
pub(crate) const TIPI_URL: &str = "https://www.payfip.gouv.fr/tpa/paiement.web";

/// Characters left as they are in a query value (`quote_plus`'s safe set); space becomes `+`.
#[cfg(test)]
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Whether `s` is a valid refdet: 6 to 30 letters and digits.
pub(crate) fn is_refdet(s: &str) -> bool {
    (6..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `quote_plus(value)` as the percent-encoding crate and `str::replace` would write it.
#[cfg(test)]
fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY)
        .to_string()
        .replace("%20", "+")
}

/// Appends `quote_plus(value)`: letters, digits and `_.-~` as they are, space as `+`, every
/// other byte of the UTF-8 text as `%XX` (upper-case hex).
fn push_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
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
                let mut refdet = time::civil_text(cx.now, &self.paris, time::COMPACT);
                text::push_padded(&mut refdet, random, 10);
                refdet
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

        let montant = money::padded3(units);
        let exer = extra.exer.map(|e| text::decimal(u64::from(e)));
        let pairs = [
            ("numcli", Some(self.config.numcli.as_str())),
            ("refdet", Some(refdet.as_str())),
            ("montant", Some(montant.as_str())),
            ("mel", Some(email)),
            ("saisie", Some(saisie.as_str())),
            ("exer", exer.as_deref()),
            ("objet", objet.as_deref()),
            ("urlcl", urlcl.as_deref()),
        ];
        let mut query = String::with_capacity(
            pairs
                .iter()
                .map(|(n, v)| n.len() + 2 + v.map_or(0, |v| 3 * v.len()))
                .sum(),
        );
        for (name, value) in pairs {
            let Some(value) = value else { continue };
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(name);
            query.push('=');
            push_encoded(&mut query, value);
        }
        // The query holds only URL-safe characters: setting it on the parsed page gives the
        // URL that parsing `page?query` would.
        let mut url = self.page.clone();
        url.set_query(Some(&query));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass encoder writes what `quote_plus` (percent-encoding + replace) writes, and
    /// a URL with that query set is the URL parsed from `page?query`.
    #[test]
    fn encoder_and_url_match_the_general_path() {
        let page = url::Url::parse(TIPI_URL).unwrap();
        for value in [
            "",
            "abc",
            "a b",
            "x@y.fr",
            "é ü",
            "a+b&c=d%20e",
            "~_.-",
            "\u{7f}\n\t",
            "/?#[]",
            "%20",
            "😀",
        ] {
            let mut mine = String::new();
            push_encoded(&mut mine, value);
            assert_eq!(mine, encode(value), "{value:?}");
            let query = format!("v={mine}&w=1");
            let mut set = page.clone();
            set.set_query(Some(&query));
            let parsed = url::Url::parse(&format!("{TIPI_URL}?{query}")).unwrap();
            assert_eq!(set.as_str(), parsed.as_str());
        }
    }
}
