//! Whole payments through the backend and the simulated bank: every outcome, and the
//! follow-up operations on the signed bank data.

use jiff::SignedDuration;
use polypay_core::{
    Adjustment, Amount, Backend, Context, Error, Incoming, PaymentIntent, PaymentRequest,
    PaymentResponse, PaymentStatus, Secret, StatusQuery, Timestamp,
};

use crate::{DummyBackend, DummyConfig, Outcome, Simulator, tamper, unsigned};

fn now() -> Timestamp {
    "2024-05-01T10:00:00Z".parse().unwrap()
}

fn eur(v: &str) -> Amount {
    Amount::parse_in(v, polypay_core::Currency::EUR).unwrap()
}

struct Shop {
    backend: DummyBackend,
    bank: Simulator,
}

impl Shop {
    fn new(secret: Option<&str>) -> Shop {
        let mut config = DummyConfig::new("https://shop.example/return".parse().unwrap());
        config.secret = secret.map(Secret::new);
        Shop {
            backend: DummyBackend::new(config.clone()).unwrap(),
            bank: Simulator::for_config(&config),
        }
    }

    fn cx(&self, at: Timestamp) -> Context<'static> {
        Context::fixed(at, [9; 32])
    }

    fn start(&self, amount: &str) -> PaymentIntent {
        let req = PaymentRequest::new(eur(amount)).with_manual_validation(true);
        self.backend
            .request(&req, self.cx(now()))
            .unwrap()
            .done()
            .unwrap()
    }

    fn respond(&self, incoming: &Incoming) -> PaymentResponse {
        self.backend
            .response(incoming, self.cx(now()))
            .unwrap()
            .done()
            .unwrap()
    }

    /// A payment answered with `outcome`, through the browser return.
    fn pay(&self, amount: &str, outcome: Outcome) -> (PaymentIntent, PaymentResponse) {
        let intent = self.start(amount);
        let note = self.bank.complete(&intent, outcome, now()).unwrap();
        (intent.clone(), self.respond(&note))
    }

    fn adjust(&self, r: &PaymentResponse, amount: &str) -> Adjustment {
        Adjustment::new(r.order_id.clone().unwrap(), eur(amount))
            .with_bank_data(r.bank_data.clone())
    }

    fn validate(
        &self,
        r: &PaymentResponse,
        amount: &str,
        at: Timestamp,
    ) -> polypay_core::Result<PaymentResponse> {
        self.backend
            .validate(&self.adjust(r, amount), self.cx(at))
            .map(|s| s.done().unwrap())
    }

    fn cancel(&self, r: &PaymentResponse, amount: &str) -> polypay_core::Result<PaymentResponse> {
        self.backend
            .cancel(&self.adjust(r, amount), self.cx(now()))
            .map(|s| s.done().unwrap())
    }

    fn refund(&self, r: &PaymentResponse, amount: &str) -> polypay_core::Result<PaymentResponse> {
        self.backend
            .refund(&self.adjust(r, amount), self.cx(now()))
            .map(|s| s.done().unwrap())
    }

    fn status(&self, r: &PaymentResponse, at: Timestamp) -> polypay_core::Result<PaymentResponse> {
        let q = StatusQuery::new(r.order_id.clone().unwrap()).with_bank_data(r.bank_data.clone());
        self.backend
            .status(&q, self.cx(at))
            .map(|s| s.done().unwrap())
    }
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

#[test]
fn every_outcome_through_browser_and_notification() {
    let shop = Shop::new(Some("flow-secret"));
    for outcome in Outcome::ALL {
        let intent = shop.start("12.34");
        let page = match &intent.action {
            polypay_core::Action::Redirect { url } => shop.bank.payment_page(url).unwrap(),
            _ => unreachable!(),
        };
        let ret = shop.bank.browser_return(&page, outcome, now());
        let by_browser = shop.respond(&Incoming::get(ret.query().unwrap()));
        let by_server = shop.respond(&shop.bank.notification(&page, outcome, now()));
        for r in [&by_browser, &by_server] {
            assert!(r.is_verified(), "{outcome:?}");
            assert_eq!(r.status(), outcome.status(), "{outcome:?}");
            assert_eq!(r.order_id.as_deref(), Some(intent.transaction_id.as_str()));
            assert_eq!(r.transaction_id, r.order_id);
            assert_eq!(r.amount, Some(eur("12.34")));
            assert_eq!(r.bank_status.as_deref(), Some(outcome.reason()));
            assert_eq!(r.transaction_date, Some(now()));
            assert!(r.test);
            assert_eq!(r.return_content.as_ref().unwrap().body, "signature ok");
            assert!(r.bank_data.contains_key("sig"));
        }
        if outcome == Outcome::Paid {
            by_server
                .check(&eur("12.34"), &intent.transaction_id)
                .unwrap();
            assert!(matches!(
                by_server.check(&eur("12.35"), &intent.transaction_id),
                Err(Error::Integrity { .. })
            ));
        }
        assert_eq!(
            shop.backend
                .guess(&shop.bank.notification(&page, outcome, now())),
            Some(intent.transaction_id)
        );
    }
}

#[test]
fn forged_answers_never_pay() {
    let shop = Shop::new(Some("flow-secret"));
    let intent = shop.start("10.00");
    let note = shop.bank.complete(&intent, Outcome::Denied, now()).unwrap();
    let forged = shop.respond(&tamper(&note));
    assert_eq!(
        (forged.status(), forged.claimed_status()),
        (PaymentStatus::Waiting, Some(PaymentStatus::Paid))
    );
    assert_eq!(forged.return_content.unwrap().status, 403);
    let paid = shop.bank.complete(&intent, Outcome::Paid, now()).unwrap();
    assert!(!shop.respond(&unsigned(&paid)).is_verified());
    // A bank with another key.
    let rogue = Simulator::new(Some(Secret::new("rogue")));
    let rogue_page = match &intent.action {
        polypay_core::Action::Redirect { url } => Simulator::new(None).payment_page(url).unwrap(),
        _ => unreachable!(),
    };
    assert!(
        !shop
            .respond(&rogue.notification(&rogue_page, Outcome::Paid, now()))
            .is_verified()
    );
    // The same notification twice: the same response.
    assert_eq!(shop.respond(&paid), shop.respond(&paid));
}

#[test]
fn capture_partial_then_refund_in_steps() {
    let shop = Shop::new(Some("k"));
    let (_, accepted) = shop.pay("10.00", Outcome::Accepted);
    assert_eq!(accepted.status(), PaymentStatus::Accepted);
    assert!(accepted.bank_data.contains_key("capture_deadline"));
    let paid = shop.validate(&accepted, "8.00", now()).unwrap();
    assert!(paid.is_paid());
    assert_eq!(paid.amount, Some(eur("8.00")));
    assert_eq!(
        shop.status(&paid, now()).unwrap().status(),
        PaymentStatus::Paid
    );

    let r1 = shop.refund(&paid, "3.00").unwrap();
    assert_eq!(
        (r1.status(), r1.refunded_amount),
        (PaymentStatus::Refunded, Some(eur("3.00")))
    );
    let r2 = shop.refund(&r1, "5.00").unwrap();
    assert_eq!(r2.refunded_amount, Some(eur("8.00")));
    assert_eq!(r2.amount, Some(eur("8.00")));
    let st = shop.status(&r2, now()).unwrap();
    assert_eq!(
        (st.status(), st.refunded_amount),
        (PaymentStatus::Refunded, Some(eur("8.00")))
    );
    // Nothing left to refund; a paid payment cannot be cancelled or captured again.
    assert!(matches!(
        shop.refund(&r2, "0.01"),
        Err(Error::InvalidInput(_))
    ));
    assert!(
        matches!(shop.cancel(&paid, "8.00"), Err(Error::Conflict(m)) if m.contains("refund it instead"))
    );
    assert!(matches!(
        shop.validate(&paid, "1.00", now()),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn over_capture_other_currency_and_zero_are_refused() {
    let shop = Shop::new(Some("k"));
    let (_, accepted) = shop.pay("10.00", Outcome::Accepted);
    assert!(matches!(
        shop.validate(&accepted, "10.01", now()),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        shop.validate(&accepted, "0", now()),
        Err(Error::InvalidInput(_))
    ));
    let usd = Adjustment::new(
        accepted.order_id.clone().unwrap(),
        Amount::parse("USD:5").unwrap(),
    )
    .with_bank_data(accepted.bank_data.clone());
    assert!(matches!(
        shop.backend.validate(&usd, shop.cx(now())),
        Err(Error::InvalidInput(_))
    ));
    assert!(shop.validate(&accepted, "10.00", now()).unwrap().is_paid());
}

#[test]
fn over_refund_is_refused() {
    let shop = Shop::new(Some("k"));
    let (_, paid) = shop.pay("10.00", Outcome::Paid);
    assert!(matches!(
        shop.refund(&paid, "10.01"),
        Err(Error::InvalidInput(_))
    ));
    let (_, denied) = shop.pay("10.00", Outcome::Denied);
    assert!(matches!(
        shop.refund(&denied, "1.00"),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn authorisation_expires_after_its_deadline() {
    let shop = Shop::new(Some("k"));
    let (_, accepted) = shop.pay("10.00", Outcome::Accepted);
    let deadline = now() + days(7);
    assert_eq!(accepted.bank_data["capture_deadline"], deadline.to_string());
    // On the deadline itself the capture still works.
    assert!(
        shop.validate(&accepted, "10.00", deadline)
            .unwrap()
            .is_paid()
    );
    let late = deadline + SignedDuration::from_secs(1);
    let expired = shop.validate(&accepted, "10.00", late).unwrap();
    assert!(expired.is_verified());
    assert_eq!(expired.status(), PaymentStatus::Expired);
    assert_eq!(
        shop.status(&accepted, late).unwrap().status(),
        PaymentStatus::Expired
    );
    assert_eq!(
        shop.status(&accepted, now()).unwrap().status(),
        PaymentStatus::Accepted
    );
    // The expired state is signed and final for capture.
    assert!(matches!(
        shop.validate(&expired, "10.00", late),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn deadline_falls_back_to_date_plus_configured_days() {
    let mut config = DummyConfig::new("https://shop.example/r".parse().unwrap()).with_secret("k");
    config.authorization_validity_days = 2;
    let backend = DummyBackend::new(config).unwrap();
    // A bank answer without capture_deadline (as an older simulator would send).
    let bank = Simulator::new(Some(Secret::new("k")));
    let intent = backend
        .request(
            &PaymentRequest::new(eur("5")),
            Context::fixed(now(), [1; 32]),
        )
        .unwrap()
        .done()
        .unwrap();
    let note = bank.complete(&intent, Outcome::Accepted, now()).unwrap();
    let mut fields = crate::wire::Fields::from_incoming(&note)
        .unwrap()
        .without("capture_deadline")
        .without("sig");
    fields = fields.sealed(Some(&Secret::new("k")));
    let r = backend
        .response(
            &Incoming::post_form(fields.to_query()),
            Context::fixed(now(), [1; 32]),
        )
        .unwrap()
        .done()
        .unwrap();
    assert_eq!(r.status(), PaymentStatus::Accepted);
    let q = StatusQuery::new(intent.transaction_id.clone()).with_bank_data(r.bank_data.clone());
    let at = |d: i64| Context::fixed(now() + days(d) + SignedDuration::from_secs(1), [1; 32]);
    assert_eq!(
        backend.status(&q, at(1)).unwrap().done().unwrap().status(),
        PaymentStatus::Accepted
    );
    assert_eq!(
        backend.status(&q, at(2)).unwrap().done().unwrap().status(),
        PaymentStatus::Expired
    );
}

#[test]
fn cancel_accepted_or_waiting_whole_only() {
    let shop = Shop::new(Some("k"));
    let (_, accepted) = shop.pay("10.00", Outcome::Accepted);
    assert!(matches!(
        shop.cancel(&accepted, "5.00"),
        Err(Error::InvalidInput(_))
    ));
    let cancelled = shop.cancel(&accepted, "10.00").unwrap();
    assert_eq!(cancelled.status(), PaymentStatus::Cancelled);
    assert!(matches!(
        shop.validate(&cancelled, "10.00", now()),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        shop.cancel(&cancelled, "10.00"),
        Err(Error::Conflict(_))
    ));
    let (_, waiting) = shop.pay("4.00", Outcome::Waiting);
    assert_eq!(
        shop.cancel(&waiting, "4.00").unwrap().status(),
        PaymentStatus::Cancelled
    );
}

#[test]
fn forged_bank_data_is_refused() {
    let shop = Shop::new(Some("k"));
    let (_, accepted) = shop.pay("10.00", Outcome::Accepted);
    // Raise the authorised amount.
    let mut raised = accepted.clone();
    raised.bank_data.insert("amount".into(), "1000.00".into());
    assert!(matches!(
        shop.validate(&raised, "1000.00", now()),
        Err(Error::InvalidSignature { .. })
    ));
    // Turn a denial into a payment to refund.
    let (_, denied) = shop.pay("10.00", Outcome::Denied);
    let mut forged = denied.clone();
    forged.bank_data.insert("result".into(), "paid".into());
    assert!(matches!(
        shop.refund(&forged, "10.00"),
        Err(Error::InvalidSignature { .. })
    ));
    assert!(matches!(
        shop.status(&forged, now()),
        Err(Error::InvalidSignature { .. })
    ));
    // No signature, the eopayment `signed` key, or another key: refused too.
    let mut bare = accepted.clone();
    bare.bank_data.remove("sig");
    assert!(matches!(
        shop.cancel(&bare, "10.00"),
        Err(Error::InvalidSignature { .. })
    ));
    let other = Shop::new(Some("other-key"));
    assert!(matches!(
        other.validate(&accepted, "10.00", now()),
        Err(Error::InvalidSignature { .. })
    ));
    // Another payment's data, non-string values, no data at all.
    let wrong_id =
        Adjustment::new("someone-else", eur("10.00")).with_bank_data(accepted.bank_data.clone());
    assert!(matches!(
        shop.backend.validate(&wrong_id, shop.cx(now())),
        Err(Error::InvalidInput(_))
    ));
    let mut numbers = accepted.clone();
    numbers
        .bank_data
        .insert("amount".into(), serde_json::json!(10));
    assert!(shop.validate(&numbers, "10.00", now()).is_err());
    let empty = Adjustment::new("t", eur("1"));
    assert!(matches!(
        shop.backend.validate(&empty, shop.cx(now())),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn status_without_bank_data_is_received() {
    let shop = Shop::new(Some("k"));
    let r = shop
        .backend
        .status(&StatusQuery::new("t-1"), shop.cx(now()))
        .unwrap()
        .done()
        .unwrap();
    assert!(r.is_verified());
    assert_eq!(r.status(), PaymentStatus::Received);
    assert_eq!(r.order_id.as_deref(), Some("t-1"));
}

#[test]
fn compat_mode_without_secret() {
    let shop = Shop::new(None);
    let (intent, paid) = shop.pay("10.00", Outcome::Paid);
    assert!(
        paid.is_paid(),
        "eopayment's rule: the `signed` key is trusted"
    );
    assert!(!paid.bank_data.contains_key("sig"));
    paid.check(&eur("10.00"), &intent.transaction_id).unwrap();
    // Follow-ups work on the `signed` key too, and an unsigned state is refused.
    let r = shop.refund(&paid, "2.00").unwrap();
    assert_eq!(r.refunded_amount, Some(eur("2.00")));
    let mut bare = paid.clone();
    bare.bank_data.remove("signed");
    assert!(matches!(
        shop.refund(&bare, "1.00"),
        Err(Error::InvalidSignature { .. })
    ));
    // Compat mode is forgeable: that is why it exists only for tests.
    let note = shop.bank.complete(&intent, Outcome::Denied, now()).unwrap();
    assert!(shop.respond(&tamper(&note)).is_verified());
    assert!(!shop.respond(&unsigned(&note)).is_verified());
}

#[test]
fn eopayment_simulator_messages_are_understood() {
    // What eopayment's external dummy simulator sends back: no currency, no result, no date.
    let shop = Shop::new(None);
    let r = shop.respond(&Incoming::get(
        "transaction_id=abc&amount=10.5&ok=1&signed=1&reason=ok",
    ));
    assert!(r.is_paid());
    assert_eq!(r.amount, Some(eur("10.50")));
    let r = shop.respond(&Incoming::get("transaction_id=abc&ok=1&waiting=1&signed=1"));
    assert_eq!(r.status(), PaymentStatus::Waiting);
    let r = shop.respond(&Incoming::get("transaction_id=abc&signed=1"));
    assert_eq!(r.status(), PaymentStatus::Error);
}
