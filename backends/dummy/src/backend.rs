//! [`DummyBackend`]: `request`, `response` and `guess` (the follow-up operations are in
//! `operations.rs`).

use polypay_core::{
    Action, Adjustment, Backend, Capabilities, Context, Error, Incoming, Operation, PaymentIntent,
    PaymentRequest, PaymentResponse, Result, ReturnContent, StatusQuery, Step,
};

use crate::config::{DummyConfig, DummyTransaction};
use crate::signature::SIG;
use crate::wire::{Fields, names::*};

/// The backend kind.
pub const KIND: &str = "dummy";

/// Longest caller-chosen transaction id.
const MAX_ID_LEN: usize = 64;

/// The dummy payment backend: a simulated bank, for tests only. See the crate documentation
/// for its wire protocol.
#[derive(Debug, Clone)]
pub struct DummyBackend {
    config: DummyConfig,
}

impl DummyBackend {
    /// A backend with this configuration, after the checks of [`DummyConfig::check`].
    ///
    /// ```
    /// use polypay_dummy::{DummyBackend, DummyConfig};
    /// let config = DummyConfig::new("https://shop.example/return".parse()?).with_secret("k");
    /// let backend = DummyBackend::new(config)?;
    /// assert!(!backend.config().is_compat_mode());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: DummyConfig) -> Result<DummyBackend> {
        config.check()?;
        Ok(DummyBackend { config })
    }

    /// The configuration.
    pub fn config(&self) -> &DummyConfig {
        &self.config
    }

    /// What the dummy offers: every operation, caller ids, signed responses, partial capture
    /// and refund; test only.
    pub fn capabilities() -> Capabilities {
        let mut caps = Capabilities::new(&Operation::ALL);
        caps.caller_transaction_id = true;
        caps.signed_responses = true;
        caps.partial_capture = true;
        caps.partial_refund = true;
        caps.test_only = true;
        caps
    }

    /// Whether a message is authentic: with a secret, a valid `sig` (a bare `signed` key means
    /// nothing); without one, eopayment's rule — a `signed` key, or
    /// `consider_all_response_signed`.
    pub(crate) fn is_authentic(&self, fields: &Fields) -> bool {
        match &self.config.secret {
            Some(secret) => crate::signature::verify(secret, fields.iter()),
            None => fields.has(SIGNED) || self.config.consider_all_response_signed,
        }
    }

    fn build_request(&self, req: &PaymentRequest, cx: &Context<'_>) -> Result<PaymentIntent> {
        Self::capabilities().check_amount(&req.amount)?;
        let transaction_id = match &req.transaction_id {
            Some(id) => check_caller_id(id)?.to_owned(),
            None => cx.random_hex(16),
        };
        let extra = DummyTransaction::from_extra(&req.extra)?;
        let customer = &req.customer;
        let name = [
            customer.first_name.as_deref(),
            customer.last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        let return_url = req
            .return_url
            .as_ref()
            .unwrap_or(&self.config.normal_return_url);
        let notification_url = req
            .notification_url
            .as_ref()
            .or(self.config.notification_url());
        let capture_day = req.capture_day.or(self.config.capture_day);

        let ours: [(&str, Option<String>); 19] = [
            (TRANSACTION_ID, Some(transaction_id.clone())),
            (AMOUNT, Some(req.amount.value_string())),
            (CURRENCY, Some(req.amount.currency().code().to_owned())),
            ("email", customer.email.clone()),
            ("return_url", Some(return_url.to_string())),
            (
                "direct_notification_url",
                notification_url.map(ToString::to_string),
            ),
            ("origin", Some(self.config.origin.clone())),
            ("name", Some(name).filter(|n| !n.is_empty())),
            ("address", customer.address.clone()),
            ("phone", customer.phone.clone()),
            ("orderid", req.order_id.clone()),
            ("info1", extra.info1),
            ("info2", extra.info2),
            ("info3", extra.info3),
            ("capture_day", capture_day.map(|d| d.to_string())),
            ("subject", req.description.clone()),
            (
                "manual_validation",
                req.manual_validation.then(|| "1".to_owned()),
            ),
            ("ts", Some(cx.now.to_string())),
            (SIG, None),
        ];
        // The service URL's own query parameters (if any) stay first and are signed too: the
        // simulated bank verifies every parameter of the URL it receives.
        let mut url = self.config.dummy_service_url.clone();
        let existing: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let mut fields = Fields::from_pairs(existing)?;
        for (name, value) in ours {
            if let Some(value) = value {
                if fields.has(name) {
                    return Err(Error::invalid_input(format!(
                        "dummy_service_url already has a {name:?} query parameter"
                    )));
                }
                fields.push(name, value);
            }
        }
        let fields = fields.sealed(self.config.secret.as_ref());
        url.set_query(Some(&fields.to_query()));
        Ok(PaymentIntent::new(transaction_id, Action::Redirect { url }))
    }

    fn build_response(&self, incoming: &Incoming) -> Result<PaymentResponse> {
        let fields = Fields::from_incoming(incoming)?;
        let transaction_id = fields.transaction_id()?.to_owned();
        let verified = self.is_authentic(&fields);
        let mut response = PaymentResponse::with_verification(fields.status(), verified);
        response.order_id = Some(transaction_id.clone());
        response.transaction_id = Some(transaction_id);
        response.amount = fields.amount_field(AMOUNT)?;
        response.refunded_amount = fields.amount_field(REFUNDED_AMOUNT)?;
        response.bank_status = fields.bank_status();
        response.bank_data = fields.to_bank_data();
        response.test = true;
        response.transaction_date = fields.date_field(DATE)?;
        response.return_content = Some(if verified {
            ReturnContent::text("signature ok")
        } else {
            ReturnContent {
                status: 403,
                ..ReturnContent::text("signature ko")
            }
        });
        Ok(response)
    }
}

/// A caller's transaction id: 1 to 64 characters among letters, digits and `-_.:`, so that
/// it is safe in URLs, logs and every simulated page.
fn check_caller_id(id: &str) -> Result<&str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.:".contains(c);
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.chars().all(allowed) {
        return Err(Error::invalid_input(format!(
            "the dummy transaction id must be 1 to {MAX_ID_LEN} letters, digits or -_.: (got {} characters)",
            id.chars().count()
        )));
    }
    Ok(id)
}

impl Backend for DummyBackend {
    fn kind(&self) -> &str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        Self::capabilities()
    }

    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        self.build_request(req, &cx).map(Step::Done)
    }

    fn response(&self, incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.build_response(incoming).map(Step::Done)
    }

    fn cancel(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.cancel_payment(op, cx.now).map(Step::Done)
    }

    fn validate(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.capture(op, cx.now).map(Step::Done)
    }

    fn refund(&self, op: &Adjustment, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.refund_payment(op, cx.now).map(Step::Done)
    }

    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        self.payment_status(query, cx.now).map(Step::Done)
    }

    /// Claims a message whose fields include `transaction_id` and `sig` or `signed`.
    fn guess(&self, incoming: &Incoming) -> Option<String> {
        let fields = Fields::from_incoming(incoming).ok()?;
        if fields.has(SIG) || fields.has(SIGNED) {
            fields.transaction_id().ok().map(str::to_owned)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::{Amount, Customer, PaymentStatus, Secret, Timestamp};

    fn now() -> Timestamp {
        "2024-05-01T10:00:00Z".parse().unwrap()
    }

    fn backend(secret: Option<&str>) -> DummyBackend {
        let mut config = DummyConfig::new("https://shop.example/return".parse().unwrap());
        config.secret = secret.map(Secret::new);
        DummyBackend::new(config).unwrap()
    }

    fn redirect(intent: &PaymentIntent) -> &url::Url {
        match &intent.action {
            Action::Redirect { url } => url,
            other => panic!("expected a redirect, got {other:?}"),
        }
    }

    #[test]
    fn request_url_has_the_documented_order_and_signature() {
        let b = backend(Some("k"));
        let mut customer = Customer::default();
        customer.email = Some("a@b.example".into());
        customer.first_name = Some("Ada".into());
        customer.last_name = Some("Lovelace".into());
        let req = PaymentRequest::new(Amount::parse("EUR:10.00").unwrap())
            .with_customer(customer)
            .with_order_id("o-1")
            .with_description("Two books")
            .with_extra("info1", "x&y=z")
            .with_manual_validation(true)
            .with_capture_day(3);
        let cx = Context::fixed(now(), [0xab; 32]);
        let intent = b.request(&req, cx).unwrap().done().unwrap();
        assert_eq!(intent.transaction_id, "ab".repeat(16));
        let url = redirect(&intent);
        assert!(url.as_str().starts_with(crate::config::DEFAULT_SERVICE_URL));
        let names: Vec<String> = url.query_pairs().map(|(n, _)| n.into_owned()).collect();
        assert_eq!(
            names,
            [
                "transaction_id",
                "amount",
                "currency",
                "email",
                "return_url",
                "origin",
                "name",
                "orderid",
                "info1",
                "capture_day",
                "subject",
                "manual_validation",
                "ts",
                "sig"
            ]
        );
        let fields = Fields::from_incoming(&Incoming::get(url.query().unwrap())).unwrap();
        assert_eq!(fields.get("amount"), Some("10.00"));
        assert_eq!(fields.get("name"), Some("Ada Lovelace"));
        assert_eq!(fields.get("info1"), Some("x&y=z"));
        assert_eq!(fields.get("ts"), Some("2024-05-01T10:00:00Z"));
        assert!(crate::signature::verify(&Secret::new("k"), fields.iter()));
    }

    #[test]
    fn request_without_secret_is_unsigned_and_honours_overrides() {
        let mut config = DummyConfig::new("https://shop.example/return".parse().unwrap())
            .with_service_url("https://bank.example/pay?shop=7".parse().unwrap())
            .with_automatic_return_url("https://shop.example/notify".parse().unwrap());
        config.capture_day = Some(2);
        let b = DummyBackend::new(config).unwrap();
        let req = PaymentRequest::new(Amount::parse("USD:1.5").unwrap())
            .with_transaction_id("my-id_1")
            .with_return_url("https://shop.example/other".parse().unwrap());
        let intent = b
            .request(&req, Context::fixed(now(), [0; 32]))
            .unwrap()
            .done()
            .unwrap();
        assert_eq!(intent.transaction_id, "my-id_1");
        let url = redirect(&intent);
        assert_eq!(url.host_str(), Some("bank.example"));
        let f = Fields::from_incoming(&Incoming::get(url.query().unwrap())).unwrap();
        assert_eq!(f.get("shop"), Some("7"));
        assert_eq!(f.get("amount"), Some("1.50"));
        assert_eq!(f.get("currency"), Some("USD"));
        assert_eq!(f.get("return_url"), Some("https://shop.example/other"));
        assert_eq!(
            f.get("direct_notification_url"),
            Some("https://shop.example/notify")
        );
        assert_eq!(f.get("capture_day"), Some("2"));
        assert!(!f.has("sig") && !f.has("manual_validation"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let b = backend(Some("hunter2-backend-secret"));
        assert!(!format!("{b:?}").contains("hunter2"));
        let intent = b
            .request(
                &PaymentRequest::new(Amount::parse("EUR:1").unwrap()),
                Context::fixed(now(), [0; 32]),
            )
            .unwrap()
            .done()
            .unwrap();
        assert!(!format!("{intent:?}").contains("hunter2"));
    }

    #[test]
    fn request_refuses_bad_input() {
        let b = backend(Some("k"));
        let cx = Context::fixed(now(), [0; 32]);
        let eur = Amount::parse("EUR:1").unwrap();
        for id in ["", "a b", "a&b", &"x".repeat(65), "é"] {
            let req = PaymentRequest::new(eur).with_transaction_id(id);
            assert!(
                matches!(b.request(&req, cx), Err(Error::InvalidInput(_))),
                "{id:?}"
            );
        }
        let zero = PaymentRequest::new(Amount::parse("EUR:0").unwrap());
        assert!(b.request(&zero, cx).is_err());
        let extra = PaymentRequest::new(eur).with_extra("vads_nope", "1");
        assert!(matches!(b.request(&extra, cx), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn response_fails_closed() {
        let b = backend(Some("k"));
        let cx = Context::fixed(now(), [0; 32]);
        // Claims paid with the bare eopayment `signed` key: ignored with a secret.
        let forged = Incoming::get("transaction_id=t1&amount=10.00&result=paid&ok=1&signed=1");
        let r = b.response(&forged, cx).unwrap().done().unwrap();
        assert_eq!(r.status(), PaymentStatus::Waiting);
        assert_eq!(r.claimed_status(), Some(PaymentStatus::Paid));
        assert!(!r.is_verified());
        let rc = r.return_content.unwrap();
        assert_eq!((rc.status, rc.body.as_str()), (403, "signature ko"));
        assert!(r.test);
        // Missing id or duplicates: malformed.
        assert!(matches!(
            b.response(&Incoming::get("result=paid"), cx),
            Err(Error::Malformed(_))
        ));
        let dup = Incoming::get("transaction_id=a&transaction_id=b");
        assert!(matches!(b.response(&dup, cx), Err(Error::Malformed(_))));
    }

    #[test]
    fn compat_mode_follows_eopayment() {
        let b = backend(None);
        let cx = Context::fixed(now(), [0; 32]);
        let signed = Incoming::get("transaction_id=t1&ok=1&signed=&reason=fine");
        let r = b.response(&signed, cx).unwrap().done().unwrap();
        assert!(r.is_paid());
        assert_eq!(r.bank_status.as_deref(), Some("fine"));
        assert_eq!(r.return_content.unwrap().body, "signature ok");
        let unsigned = Incoming::get("transaction_id=t1&ok=1");
        assert!(
            !b.response(&unsigned, cx)
                .unwrap()
                .done()
                .unwrap()
                .is_verified()
        );

        let mut config = DummyConfig::new("https://shop.example/r".parse().unwrap());
        config.consider_all_response_signed = true;
        let trusting = DummyBackend::new(config).unwrap();
        assert!(
            trusting
                .response(&unsigned, cx)
                .unwrap()
                .done()
                .unwrap()
                .is_paid()
        );
    }

    #[test]
    fn guess_claims_signed_dummy_messages() {
        let b = backend(None);
        assert_eq!(
            b.guess(&Incoming::get("transaction_id=t&sig=00")),
            Some("t".into())
        );
        assert_eq!(
            b.guess(&Incoming::post_form("transaction_id=t&signed=1")),
            Some("t".into())
        );
        assert_eq!(b.guess(&Incoming::get("transaction_id=t")), None);
        assert_eq!(b.guess(&Incoming::get("sig=1")), None);
        assert_eq!(b.guess(&Incoming::get("transaction_id=%ff&sig=1")), None);
    }
}
