//! The bank side of the dummy protocol, for integrators' tests and the demo's bank page.
//!
//! [`Simulator::payment_page`] reads (and verifies) the URL the backend redirected the payer
//! to; [`Simulator::answer`] writes the bank's signed answer for an [`Outcome`], delivered as a
//! browser return ([`Simulator::browser_return`]) or a server-to-server notification
//! ([`Simulator::notification`]). [`Simulator::complete`] does all of it from a
//! [`PaymentIntent`], with no browser. [`tamper`] and [`unsigned`] make the negative cases.

use polypay_core::{
    Action, Amount, Error, Incoming, PaymentIntent, PaymentStatus, Result, Secret, Timestamp,
};
use url::Url;

use crate::config::DummyConfig;
use crate::signature::{self, SIG};
use crate::wire::{Fields, names::*, result_name};

/// What the simulated bank answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The payment is made (`result=paid`, `ok=1`).
    Paid,
    /// The bank refuses the card (`result=denied`).
    Denied,
    /// The payer gives up (`result=cancelled`).
    Cancelled,
    /// The outcome is not known yet (`result=waiting`, `waiting=1`).
    Waiting,
    /// The payment is authorised, to be captured with `validate` before the capture deadline
    /// (`result=accepted`, `capture_deadline`). Asked for by `manual_validation=1`.
    Accepted,
    /// The payer did not pay in time (`result=expired`).
    Expired,
    /// A technical error at the bank (`result=error`).
    Error,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 7] = [
        Outcome::Paid,
        Outcome::Denied,
        Outcome::Cancelled,
        Outcome::Waiting,
        Outcome::Accepted,
        Outcome::Expired,
        Outcome::Error,
    ];

    /// The status a verified answer with this outcome gives.
    pub fn status(self) -> PaymentStatus {
        match self {
            Outcome::Paid => PaymentStatus::Paid,
            Outcome::Denied => PaymentStatus::Denied,
            Outcome::Cancelled => PaymentStatus::Cancelled,
            Outcome::Waiting => PaymentStatus::Waiting,
            Outcome::Accepted => PaymentStatus::Accepted,
            Outcome::Expired => PaymentStatus::Expired,
            Outcome::Error => PaymentStatus::Error,
        }
    }

    /// The `reason` text the bank sends.
    pub fn reason(self) -> &'static str {
        match self {
            Outcome::Paid => "payment accepted",
            Outcome::Denied => "payment refused by the bank",
            Outcome::Cancelled => "payment cancelled by the payer",
            Outcome::Waiting => "payment pending",
            Outcome::Accepted => "payment authorised, awaiting capture",
            Outcome::Expired => "payment not completed in time",
            Outcome::Error => "technical error at the bank",
        }
    }
}

/// A payment request as the simulated bank received it (the URL's parameters, verified).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PaymentPage {
    /// The transaction id (the `PaymentIntent::transaction_id`).
    pub transaction_id: String,
    /// How much.
    pub amount: Amount,
    /// Where the payer's browser returns.
    pub return_url: Url,
    /// Where the bank notifies the merchant's server, if anywhere.
    pub notification_url: Option<Url>,
    /// The requesting service's name (empty when the request named none).
    pub origin: String,
    /// The payer's e-mail.
    pub email: Option<String>,
    /// The payer's name.
    pub name: Option<String>,
    /// The merchant's order reference.
    pub order_id: Option<String>,
    /// What is paid for.
    pub subject: Option<String>,
    /// Days before capture.
    pub capture_day: Option<String>,
    /// Whether a two-phase payment (authorise, then capture) was asked for.
    pub manual_validation: bool,
    /// When the request was made.
    pub requested_at: Option<Timestamp>,
    /// Every parameter of the URL, in order (`sig` included).
    pub params: Vec<(String, String)>,
}

/// The simulated dummy bank.
///
/// ```
/// use polypay_core::{Amount, Backend, Context, PaymentRequest, PaymentStatus, Timestamp};
/// use polypay_dummy::{DummyBackend, DummyConfig, Outcome, Simulator};
///
/// let config = DummyConfig::new("https://shop.example/return".parse()?).with_secret("test-key");
/// let backend = DummyBackend::new(config.clone())?;
/// let now: Timestamp = "2024-05-01T10:00:00Z".parse()?;
/// let cx = Context::fixed(now, [1; 32]);
///
/// let amount = Amount::parse("EUR:10.00")?;
/// let intent = backend.request(&PaymentRequest::new(amount), cx)?.done().unwrap();
/// let browser_return = Simulator::for_config(&config).complete(&intent, Outcome::Paid, now)?;
/// let response = backend.response(&browser_return, cx)?.done().unwrap();
/// assert_eq!(response.status(), PaymentStatus::Paid);
/// response.check(&amount, &intent.transaction_id)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Simulator {
    secret: Option<Secret>,
    validity_days: u32,
}

impl Simulator {
    /// A bank signing with `secret` (none: eopayment compatibility mode, where answers carry
    /// only the forgeable `signed=1`). Authorisations stay valid 7 days.
    pub fn new(secret: Option<Secret>) -> Simulator {
        Simulator {
            secret,
            validity_days: 7,
        }
    }

    /// The bank matching a backend configuration (its secret and authorisation validity).
    pub fn for_config(config: &DummyConfig) -> Simulator {
        Simulator {
            secret: config.secret.clone(),
            validity_days: config.authorization_validity_days,
        }
    }

    /// Reads the payment request URL the backend produced. With a secret, a missing or wrong
    /// signature is [`Error::InvalidSignature`]; missing or invalid fields are
    /// [`Error::Malformed`].
    pub fn payment_page(&self, url: &Url) -> Result<PaymentPage> {
        let fields = Fields::from_incoming(&Incoming::get(url.query().unwrap_or("")))?;
        let transaction_id = fields.transaction_id()?.to_owned();
        if let Some(secret) = &self.secret
            && !signature::verify(secret, fields.iter())
        {
            return Err(Error::InvalidSignature {
                backend: crate::backend::KIND.into(),
                reference: Some(transaction_id),
            });
        }
        let amount = fields
            .amount_field(AMOUNT)?
            .ok_or_else(|| Error::malformed("the payment request has no amount"))?;
        let url_field = |name: &str| -> Result<Option<Url>> {
            fields
                .get(name)
                .map(|u| Url::parse(u).map_err(|e| Error::malformed(format!("{name}: {e}"))))
                .transpose()
        };
        let text = |name: &str| fields.get(name).map(str::to_owned);
        Ok(PaymentPage {
            transaction_id,
            amount,
            return_url: url_field("return_url")?
                .ok_or_else(|| Error::malformed("the payment request has no return_url"))?,
            notification_url: url_field("direct_notification_url")?,
            origin: text("origin").unwrap_or_default(),
            email: text("email"),
            name: text("name"),
            order_id: text("orderid"),
            subject: text("subject"),
            capture_day: text("capture_day"),
            manual_validation: fields.get("manual_validation") == Some("1"),
            requested_at: fields.date_field("ts")?,
            params: fields
                .iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
        })
    }

    /// The answer's fields, signed together with `url_query`: the parameters already in the
    /// URL the answer is delivered to arrive with it, and the backend verifies every
    /// parameter it receives.
    fn signed_answer(
        &self,
        page: &PaymentPage,
        outcome: Outcome,
        now: Timestamp,
        url_query: Option<&str>,
    ) -> String {
        let mut f = Fields::default();
        f.push(TRANSACTION_ID, page.transaction_id.clone());
        f.push(AMOUNT, page.amount.value_string());
        f.push(CURRENCY, page.amount.currency().code());
        f.push(RESULT, result_name(outcome.status()));
        match outcome {
            Outcome::Paid => f.push(OK, "1"),
            Outcome::Waiting => f.push(WAITING, "1"),
            _ => {}
        }
        f.push(REASON, outcome.reason());
        f.push(SIGNED, "1");
        f.push(TEST, "1");
        f.push(DATE, now.to_string());
        if outcome == Outcome::Accepted {
            let hours = i64::from(self.validity_days) * 24;
            // Past the end of time there is no deadline to state: the authorisation never lapses.
            if let Ok(deadline) = now.checked_add(jiff::SignedDuration::from_hours(hours)) {
                f.push(CAPTURE_DEADLINE, deadline.to_string());
            }
        }
        if let Some(secret) = &self.secret {
            let in_url = Incoming::get(url_query.unwrap_or(""))
                .query_params()
                .unwrap_or_default();
            let all = in_url
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .chain(f.iter());
            let sig = signature::sign(secret, all);
            f.push(SIG, sig);
        }
        f.to_query()
    }

    /// The bank's signed answer, as a query string (for a URL without query parameters of its
    /// own).
    pub fn answer(&self, page: &PaymentPage, outcome: Outcome, now: Timestamp) -> String {
        self.signed_answer(page, outcome, now, None)
    }

    /// The payer's browser coming back: the return URL with the answer added to its query.
    /// The return URL's own parameters are signed with the answer.
    pub fn browser_return(&self, page: &PaymentPage, outcome: Outcome, now: Timestamp) -> Url {
        let mut url = page.return_url.clone();
        let own = url.query().filter(|q| !q.is_empty()).map(str::to_owned);
        let answer = self.signed_answer(page, outcome, now, own.as_deref());
        let query = match own {
            Some(q) => format!("{q}&{answer}"),
            None => answer,
        };
        url.set_query(Some(&query));
        url
    }

    /// The server-to-server notification as the merchant's server receives it: a form `POST`
    /// of the answer to [`PaymentPage::notification_url`], whose own query parameters (if
    /// any) are kept in the query and signed with the answer.
    pub fn notification(&self, page: &PaymentPage, outcome: Outcome, now: Timestamp) -> Incoming {
        let own = page
            .notification_url
            .as_ref()
            .and_then(Url::query)
            .unwrap_or("")
            .to_owned();
        let answer = self.signed_answer(page, outcome, now, Some(&own));
        let mut incoming = Incoming::post_form(answer);
        incoming.query = own;
        incoming
    }

    /// A payment started by `request` and finished without a browser: reads the intent's
    /// redirect URL as the payment page, answers with `outcome`, and gives the browser return
    /// as the shop's return handler receives it (a `GET` whose query is the return URL's).
    /// Use [`Simulator::notification`] for the server-to-server `POST`.
    pub fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: Outcome,
        now: Timestamp,
    ) -> Result<Incoming> {
        let Action::Redirect { url } = &intent.action else {
            return Err(Error::invalid_input("a dummy payment intent is a redirect"));
        };
        let page = self.payment_page(url)?;
        let back = self.browser_return(&page, outcome, now);
        Ok(Incoming::get(back.query().unwrap_or("")))
    }

    /// [`tamper`]: the message with its signed content changed and its signature kept.
    pub fn tamper(&self, incoming: &Incoming) -> Incoming {
        tamper(incoming)
    }

    /// [`unsigned`]: the message without `sig` and `signed`.
    pub fn unsigned(&self, incoming: &Incoming) -> Incoming {
        unsigned(incoming)
    }
}

/// Rebuilds `incoming` with `fields` in place of its query and body parameters.
fn rebuilt(incoming: &Incoming, fields: &Fields) -> Incoming {
    let mut out = incoming.clone();
    let encoded = fields.to_query();
    if incoming.body.is_empty() || !incoming.body_is_form() {
        out.query = encoded;
    } else {
        out.query = String::new();
        out.body = encoded.into_bytes();
    }
    out
}

fn fields_of(incoming: &Incoming) -> Fields {
    // Unreadable input is returned unchanged: it is already a negative case.
    Fields::from_incoming(incoming).unwrap_or_default()
}

/// A copy of `incoming` whose signed content is changed while its signature is kept: the
/// amount gains a leading `9` and a non-paid result claims `paid`.
pub fn tamper(incoming: &Incoming) -> Incoming {
    let mut fields = fields_of(incoming);
    if fields == Fields::default() {
        return incoming.clone();
    }
    if let Some(amount) = fields.get(AMOUNT).map(|a| format!("9{a}")) {
        fields.set(AMOUNT, amount);
    }
    if fields.get(RESULT).is_some_and(|r| r != "paid") {
        fields.set(RESULT, "paid");
        fields.set(OK, "1");
    }
    rebuilt(incoming, &fields)
}

/// A copy of `incoming` without its signature: both `sig` and eopayment's `signed` key go.
pub fn unsigned(incoming: &Incoming) -> Incoming {
    let fields = fields_of(incoming);
    if fields == Fields::default() {
        return incoming.clone();
    }
    rebuilt(incoming, &fields.without(SIG).without(SIGNED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DummyBackend, DummyConfig};
    use polypay_core::{Backend, Context, PaymentRequest};

    fn now() -> Timestamp {
        "2024-05-01T10:00:00Z".parse().unwrap()
    }

    fn setup(secret: Option<&str>) -> (DummyBackend, Simulator, PaymentIntent) {
        let mut config = DummyConfig::new("https://shop.example/return?shop=1".parse().unwrap())
            .with_automatic_return_url("https://shop.example/notify".parse().unwrap());
        config.secret = secret.map(Secret::new);
        let backend = DummyBackend::new(config.clone()).unwrap();
        let req = PaymentRequest::new(Amount::parse("EUR:10.00").unwrap())
            .with_email("payer@example.com")
            .with_order_id("order-7")
            .with_manual_validation(true);
        let intent = backend
            .request(&req, Context::fixed(now(), [2; 32]))
            .unwrap()
            .done()
            .unwrap();
        (backend, Simulator::for_config(&config), intent)
    }

    fn page_url(intent: &PaymentIntent) -> &Url {
        let Action::Redirect { url } = &intent.action else {
            panic!("not a redirect")
        };
        url
    }

    #[test]
    fn payment_page_reads_the_request() {
        let (_, sim, intent) = setup(Some("k"));
        let page = sim.payment_page(page_url(&intent)).unwrap();
        assert_eq!(page.transaction_id, intent.transaction_id);
        assert_eq!(page.amount, Amount::parse("EUR:10.00").unwrap());
        assert_eq!(
            page.return_url.as_str(),
            "https://shop.example/return?shop=1"
        );
        assert_eq!(
            page.notification_url.unwrap().as_str(),
            "https://shop.example/notify"
        );
        assert_eq!(page.email.as_deref(), Some("payer@example.com"));
        assert_eq!(page.order_id.as_deref(), Some("order-7"));
        assert_eq!(page.origin, "origin");
        assert!(page.manual_validation);
        assert_eq!(page.requested_at, Some(now()));
    }

    #[test]
    fn payment_page_verifies_the_signature() {
        let (_, sim, intent) = setup(Some("k"));
        let mut url = page_url(&intent).clone();
        let forged = url.query().unwrap().replace("amount=10.00", "amount=0.01");
        url.set_query(Some(&forged));
        assert!(matches!(
            sim.payment_page(&url),
            Err(Error::InvalidSignature { .. })
        ));
        let other_bank = Simulator::new(Some(Secret::new("other")));
        assert!(matches!(
            other_bank.payment_page(page_url(&intent)),
            Err(Error::InvalidSignature { .. })
        ));
        // Without a secret nothing can be checked; the fields must still be there.
        assert!(Simulator::new(None).payment_page(&url).is_ok());
        let bare: Url = "https://bank.example/?transaction_id=t".parse().unwrap();
        assert!(matches!(
            Simulator::new(None).payment_page(&bare),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn answers_in_the_documented_order() {
        let (_, sim, intent) = setup(Some("k"));
        let page = sim.payment_page(page_url(&intent)).unwrap();
        let answer = sim.answer(&page, Outcome::Accepted, now());
        let names: Vec<&str> = answer
            .split('&')
            .map(|p| p.split('=').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "transaction_id",
                "amount",
                "currency",
                "result",
                "reason",
                "signed",
                "test",
                "date",
                "capture_deadline",
                "sig"
            ]
        );
        assert!(
            answer.contains("capture_deadline=2024-05-08T10%3A00%3A00Z"),
            "{answer}"
        );
        let paid = sim.answer(&page, Outcome::Paid, now());
        assert!(paid.contains("&ok=1&"), "{paid}");
        let ret = sim.browser_return(&page, Outcome::Denied, now());
        assert!(
            ret.as_str()
                .starts_with("https://shop.example/return?shop=1&transaction_id=")
        );
        let note = sim.notification(&page, Outcome::Waiting, now());
        assert_eq!(note.method, "POST");
        assert!(String::from_utf8(note.body).unwrap().contains("waiting=1"));
    }

    #[test]
    fn returns_with_own_query_parameters_verify() {
        let (backend, sim, intent) = setup(Some("k"));
        let mut page = sim.payment_page(page_url(&intent)).unwrap();
        let cx = Context::fixed(now(), [0; 32]);
        let ret = sim.browser_return(&page, Outcome::Paid, now());
        let r = backend
            .response(&Incoming::get(ret.query().unwrap()), cx)
            .unwrap()
            .done()
            .unwrap();
        assert!(
            r.is_paid(),
            "the shop's own `shop=1` is signed with the answer"
        );
        assert_eq!(r.bank_data["shop"], "1");
        page.notification_url = Some("https://shop.example/notify?order=a%20b".parse().unwrap());
        let note = sim.notification(&page, Outcome::Paid, now());
        assert_eq!(note.query, "order=a%20b");
        assert!(
            backend
                .response(&note, cx)
                .unwrap()
                .done()
                .unwrap()
                .is_paid()
        );
        // Anything added on the way is not signed: the response fails closed.
        let mut extra = note.clone();
        extra.query.push_str("&injected=1");
        assert!(
            !backend
                .response(&extra, cx)
                .unwrap()
                .done()
                .unwrap()
                .is_verified()
        );
    }

    #[test]
    fn tamper_and_unsigned_change_what_they_say() {
        let (_, sim, intent) = setup(Some("k"));
        let note = sim.complete(&intent, Outcome::Denied, now()).unwrap();
        assert_eq!(note.method, "GET");
        assert!(
            note.query.starts_with("shop=1&transaction_id="),
            "{}",
            note.query
        );
        let t = tamper(&note);
        let f = Fields::from_incoming(&t).unwrap();
        assert_eq!(
            (f.get("amount"), f.get("result")),
            (Some("910.00"), Some("paid"))
        );
        assert!(f.has("sig"));
        let u = unsigned(&note);
        let f = Fields::from_incoming(&u).unwrap();
        assert!(!f.has("sig") && !f.has("signed") && f.has("result"));
        let get = Incoming::get("transaction_id=t&sig=00&signed=1");
        assert_eq!(sim.unsigned(&get).query, "transaction_id=t");
        assert_eq!(sim.tamper(&note), t);
        let garbage = Incoming::get("%ff");
        assert_eq!(tamper(&garbage), garbage);
        assert!(
            sim.complete(
                &PaymentIntent::new(
                    "t",
                    Action::Html {
                        html: String::new()
                    }
                ),
                Outcome::Paid,
                now()
            )
            .is_err()
        );
    }
}
