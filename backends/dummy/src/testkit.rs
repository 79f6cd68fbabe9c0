//! [`BankSimulator`] for the dummy's [`Simulator`] (feature `testkit`), so that the
//! conformance suite can drive the dummy bank.

use polypay_core::testkit::{BankSimulator, SimOutcome};
use polypay_core::{Incoming, PaymentIntent, Result, Timestamp};

use crate::simulator::{Outcome, Simulator, tamper, unsigned};

fn outcome_of(outcome: SimOutcome) -> Outcome {
    match outcome {
        SimOutcome::Paid => Outcome::Paid,
        SimOutcome::Accepted => Outcome::Accepted,
        SimOutcome::Denied => Outcome::Denied,
        SimOutcome::Cancelled => Outcome::Cancelled,
        SimOutcome::Waiting => Outcome::Waiting,
        SimOutcome::Expired => Outcome::Expired,
        // `SimOutcome` is non-exhaustive: anything newer is a bank error here.
        _ => Outcome::Error,
    }
}

impl BankSimulator for Simulator {
    fn outcomes(&self) -> Vec<SimOutcome> {
        SimOutcome::ALL.to_vec()
    }

    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        now: Timestamp,
    ) -> Result<Incoming> {
        Simulator::complete(self, intent, outcome_of(outcome), now)
    }

    fn tamper(&self, incoming: &Incoming) -> Incoming {
        tamper(incoming)
    }

    fn strip_signature(&self, incoming: &Incoming) -> Incoming {
        unsigned(incoming)
    }
}
