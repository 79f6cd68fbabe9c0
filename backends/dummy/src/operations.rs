//! The follow-up operations of [`DummyBackend`]: capture (`validate`), `cancel`, `refund` and
//! `status`.
//!
//! The dummy bank keeps no ledger: a payment's state travels in its signed `bank_data` (the
//! fields of its last response). Each operation verifies that signature first, checks the
//! operation against the state, and answers with a new signed `bank_data` so that the next
//! operation can verify it in turn.

use jiff::SignedDuration;
use polypay_core::{
    Adjustment, Amount, Error, PaymentResponse, PaymentStatus, Result, StatusQuery, Timestamp,
};

use crate::backend::{DummyBackend, KIND};
use crate::wire::{Fields, names::*, result_name};

/// A payment's state, read from its verified bank data.
struct State {
    transaction_id: String,
    status: PaymentStatus,
    amount: Option<Amount>,
    refunded: Option<Amount>,
    deadline: Option<Timestamp>,
}

impl State {
    /// The amount, which every money operation needs.
    fn amount(&self) -> Result<Amount> {
        self.amount
            .ok_or_else(|| Error::malformed("the dummy bank data has no amount"))
    }
}

/// Refuses an amount in another currency, or zero.
fn same_currency_positive(requested: &Amount, reference: &Amount) -> Result<()> {
    if requested.currency().code() != reference.currency().code() {
        return Err(Error::invalid_input(format!(
            "the payment is in {}, not {}",
            reference.currency(),
            requested.currency()
        )));
    }
    if requested.is_zero() {
        return Err(Error::invalid_input("the amount must be greater than zero"));
    }
    Ok(())
}

impl DummyBackend {
    /// Reads and verifies a payment's bank data; `transaction_id` must match it.
    fn state(
        &self,
        transaction_id: &str,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<State> {
        if data.is_empty() {
            return Err(Error::invalid_input(
                "the dummy backend needs the payment's bank_data (from its last response)",
            ));
        }
        let fields = Fields::from_bank_data(data)?;
        if !self.is_authentic(&fields) {
            return Err(Error::InvalidSignature {
                backend: KIND.into(),
                reference: fields.get(TRANSACTION_ID).map(str::to_owned),
            });
        }
        let recorded_id = fields.transaction_id()?;
        if recorded_id != transaction_id {
            return Err(Error::invalid_input(format!(
                "the bank data belongs to transaction {recorded_id:?}, not {transaction_id:?}"
            )));
        }
        let deadline = match fields.date_field(CAPTURE_DEADLINE)? {
            Some(deadline) => Some(deadline),
            None => match fields.date_field(DATE)? {
                Some(date) => Some(self.deadline_after(date)?),
                None => None,
            },
        };
        Ok(State {
            transaction_id: recorded_id.to_owned(),
            status: fields.status(),
            amount: fields.amount_field(AMOUNT)?,
            refunded: fields.amount_field(REFUNDED_AMOUNT)?,
            deadline,
        })
    }

    /// When an authorisation given at `date` lapses.
    pub(crate) fn deadline_after(&self, date: Timestamp) -> Result<Timestamp> {
        let days = i64::from(self.config().authorization_validity_days);
        date.checked_add(SignedDuration::from_hours(days * 24))
            .map_err(|_| Error::malformed(format!("no capture deadline can follow {date}")))
    }

    /// The signed response for a new state of the payment.
    fn new_state(
        &self,
        state: &State,
        status: PaymentStatus,
        amount: Amount,
        refunded: Option<Amount>,
        now: Timestamp,
    ) -> PaymentResponse {
        let mut fields = Fields::default();
        fields.push(TRANSACTION_ID, state.transaction_id.clone());
        fields.push(AMOUNT, amount.value_string());
        fields.push(CURRENCY, amount.currency().code());
        fields.push(RESULT, result_name(status));
        if let Some(refunded) = refunded {
            fields.push(REFUNDED_AMOUNT, refunded.value_string());
        }
        fields.push(SIGNED, "1");
        fields.push(TEST, "1");
        fields.push(DATE, now.to_string());
        if status == PaymentStatus::Accepted
            && let Some(deadline) = state.deadline
        {
            fields.push(CAPTURE_DEADLINE, deadline.to_string());
        }
        let fields = fields.sealed(self.config().secret.as_ref());
        let mut response = PaymentResponse::verified(status);
        response.order_id = Some(state.transaction_id.clone());
        response.transaction_id = Some(state.transaction_id.clone());
        response.amount = Some(amount);
        response.refunded_amount = refunded;
        response.bank_status = Some(result_name(status).to_owned());
        response.bank_data = fields.to_bank_data();
        response.test = true;
        response.transaction_date = Some(now);
        response
    }

    /// Whether an accepted payment's authorisation has lapsed at `now`.
    fn lapsed(state: &State, now: Timestamp) -> bool {
        state.status == PaymentStatus::Accepted && state.deadline.is_some_and(|d| now > d)
    }

    /// `validate`: captures up to the authorised amount of an accepted payment.
    pub(crate) fn capture(&self, op: &Adjustment, now: Timestamp) -> Result<PaymentResponse> {
        let state = self.state(&op.transaction_id, &op.bank_data)?;
        if state.status != PaymentStatus::Accepted {
            return Err(Error::Conflict(format!(
                "only an accepted (authorised) payment can be captured; this one is {}",
                state.status
            )));
        }
        let authorised = state.amount()?;
        same_currency_positive(&op.amount, &authorised)?;
        if op.amount > authorised {
            return Err(Error::invalid_input(format!(
                "cannot capture {} of an authorisation of {authorised}",
                op.amount
            )));
        }
        if Self::lapsed(&state, now) {
            return Ok(self.new_state(&state, PaymentStatus::Expired, authorised, None, now));
        }
        // A partial capture releases the rest of the authorisation, as banks do.
        Ok(self.new_state(&state, PaymentStatus::Paid, op.amount, None, now))
    }

    /// `cancel`: releases an authorisation or abandons a pending payment, whole.
    pub(crate) fn cancel_payment(
        &self,
        op: &Adjustment,
        now: Timestamp,
    ) -> Result<PaymentResponse> {
        let state = self.state(&op.transaction_id, &op.bank_data)?;
        match state.status {
            PaymentStatus::Accepted | PaymentStatus::Waiting => {}
            PaymentStatus::Paid => {
                return Err(Error::Conflict(
                    "the payment is already paid: refund it instead".into(),
                ));
            }
            other => {
                return Err(Error::Conflict(format!(
                    "nothing to cancel: the payment is {other}"
                )));
            }
        }
        let amount = state.amount()?;
        same_currency_positive(&op.amount, &amount)?;
        if op.amount != amount {
            return Err(Error::invalid_input(format!(
                "the dummy cancels whole payments only: give {amount}, not {}",
                op.amount
            )));
        }
        Ok(self.new_state(&state, PaymentStatus::Cancelled, amount, None, now))
    }

    /// `refund`: gives back part or all of a paid payment; the running total never exceeds
    /// the paid amount.
    pub(crate) fn refund_payment(
        &self,
        op: &Adjustment,
        now: Timestamp,
    ) -> Result<PaymentResponse> {
        let state = self.state(&op.transaction_id, &op.bank_data)?;
        if !matches!(state.status, PaymentStatus::Paid | PaymentStatus::Refunded) {
            return Err(Error::Conflict(format!(
                "only a paid payment can be refunded; this one is {}",
                state.status
            )));
        }
        let paid = state.amount()?;
        same_currency_positive(&op.amount, &paid)?;
        let before = state
            .refunded
            .unwrap_or_else(|| Amount::zero(paid.currency()));
        let total = before.checked_add(&op.amount)?;
        if total > paid {
            return Err(Error::invalid_input(format!(
                "cannot refund {}: {before} of {paid} is already refunded",
                op.amount
            )));
        }
        Ok(self.new_state(&state, PaymentStatus::Refunded, paid, Some(total), now))
    }

    /// `status`: the state recorded in the bank data (an authorisation past its deadline is
    /// expired); without bank data nothing is known yet.
    pub(crate) fn payment_status(
        &self,
        query: &StatusQuery,
        now: Timestamp,
    ) -> Result<PaymentResponse> {
        if query.bank_data.is_empty() {
            let mut response = PaymentResponse::verified(PaymentStatus::Received);
            response.order_id = Some(query.transaction_id.clone());
            response.transaction_id = Some(query.transaction_id.clone());
            response.test = true;
            return Ok(response);
        }
        let state = self.state(&query.transaction_id, &query.bank_data)?;
        if Self::lapsed(&state, now) {
            let amount = state.amount()?;
            return Ok(self.new_state(&state, PaymentStatus::Expired, amount, None, now));
        }
        let fields = Fields::from_bank_data(&query.bank_data)?;
        let mut response = PaymentResponse::verified(state.status);
        response.order_id = Some(state.transaction_id.clone());
        response.transaction_id = Some(state.transaction_id);
        response.amount = state.amount;
        response.refunded_amount = state.refunded;
        response.bank_status = fields.bank_status();
        response.bank_data = query.bank_data.clone().into();
        response.test = true;
        response.transaction_date = fields.date_field(DATE)?;
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DummyConfig;
    use polypay_core::{Backend, Context, Secret};

    fn backend() -> DummyBackend {
        let config =
            DummyConfig::new("https://shop.example/r".parse().unwrap()).with_secret("ops-key");
        DummyBackend::new(config).unwrap()
    }

    /// Bank data built by hand, signed with the backend's key.
    fn state(pairs: &[(&str, &str)]) -> serde_json::Map<String, serde_json::Value> {
        let mut f = Fields::default();
        for (n, v) in pairs {
            f.push(n, *v);
        }
        f.sealed(Some(&Secret::new("ops-key")))
            .to_bank_data()
            .into_map()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn an_authorisation_without_any_date_never_lapses() {
        let b = backend();
        let data = state(&[
            ("transaction_id", "t"),
            ("amount", "5.00"),
            ("currency", "EUR"),
            ("result", "accepted"),
        ]);
        let adj = Adjustment::new("t", Amount::parse("EUR:5").unwrap()).with_bank_data(data);
        let far = at("2999-01-01T00:00:00Z");
        let paid = b.capture(&adj, far).unwrap();
        assert!(paid.is_paid());
        assert_eq!(paid.transaction_date, Some(far));
        // The new state is signed with the same key and carries the captured amount.
        let fields = Fields::from_bank_data(&paid.bank_data).unwrap();
        assert!(crate::signature::verify(
            &Secret::new("ops-key"),
            fields.iter()
        ));
        assert_eq!(
            (fields.get("result"), fields.get("amount")),
            (Some("paid"), Some("5.00"))
        );
    }

    #[test]
    fn a_partly_refunded_state_keeps_its_running_total() {
        let b = backend();
        let data = state(&[
            ("transaction_id", "t"),
            ("amount", "10.00"),
            ("currency", "EUR"),
            ("result", "refunded"),
            ("refunded_amount", "9.50"),
        ]);
        let adj =
            |v: &str| Adjustment::new("t", Amount::parse(v).unwrap()).with_bank_data(data.clone());
        let now = at("2024-05-01T10:00:00Z");
        let r = b.refund_payment(&adj("EUR:0.50"), now).unwrap();
        assert_eq!(r.refunded_amount, Some(Amount::parse("EUR:10.00").unwrap()));
        assert!(
            matches!(b.refund_payment(&adj("EUR:0.51"), now), Err(Error::InvalidInput(m)) if m.contains("9.50"))
        );
        let st = b
            .payment_status(&StatusQuery::new("t").with_bank_data(data.clone()), now)
            .unwrap();
        assert_eq!(st.status(), PaymentStatus::Refunded);
        assert_eq!(st.bank_data, data, "status returns the state as it is");
    }

    #[test]
    fn a_state_without_amount_is_malformed_for_money_operations() {
        let b = backend();
        let data = state(&[("transaction_id", "t"), ("result", "paid")]);
        let adj =
            Adjustment::new("t", Amount::parse("EUR:1").unwrap()).with_bank_data(data.clone());
        let now = at("2024-05-01T10:00:00Z");
        assert!(matches!(
            b.refund_payment(&adj, now),
            Err(Error::Malformed(_))
        ));
        // Status needs no amount.
        let st = b.status(
            &StatusQuery::new("t").with_bank_data(data),
            Context::fixed(now, [0; 32]),
        );
        assert_eq!(st.unwrap().done().unwrap().status(), PaymentStatus::Paid);
    }

    #[test]
    fn extreme_validity_has_no_overflow() {
        let mut config =
            DummyConfig::new("https://shop.example/r".parse().unwrap()).with_secret("ops-key");
        config.authorization_validity_days = crate::MAX_VALIDITY_DAYS;
        let b = DummyBackend::new(config).unwrap();
        assert!(b.deadline_after(at("9995-01-01T00:00:00Z")).is_err());
        assert!(b.deadline_after(at("2024-01-01T00:00:00Z")).is_ok());
    }
}
