//! The payment state machine (crypto spec §8), a pure function of the payment's terms, the
//! transactions seen paying its address, and the time.
//!
//! | state | when | polypay status |
//! |---|---|---|
//! | `unpaid` | nothing seen, window open | `Waiting` |
//! | `partial` | less than due seen, window open (it can still be topped up) | `Waiting`, with `due_sat` |
//! | `in_confirmation` | the amount due seen (first seen within the window), not yet confirmed enough | `Waiting` |
//! | `paid` | the amount due confirmed by transactions first seen within the window | `Paid` |
//! | `overpaid` | as paid, with more than due confirmed | `Paid`, with `overpaid_sat` (refund it by hand) |
//! | `underpaid` | window closed with less than due seen within it | `Expired`, with `received_sat` (resolve by hand; never paid) |
//! | `expired` | window closed, nothing seen | `Expired` |
//! | `paid_late` | window closed without the amount due, but funds first seen after it | `Waiting`: the rate is no longer locked, the operator decides |
//!
//! Only outputs paying the payment's own address count (never an amount seen elsewhere), a
//! transaction counts as paid within the window when polypay (or the node's wallet) first saw
//! it before the window closed (never the miner-set block time), and unconfirmed transactions
//! never count as paid (they can be replaced). The verdict is computed again from chain data
//! at every poll, so a re-org that removes a counted transaction takes a paid payment back to
//! waiting.

use polypay_core::{PaymentStatus, Timestamp};

/// One transaction paying the address, as seen at this poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub txid: String,
    /// Sum of its outputs paying the address.
    pub value_sat: u64,
    /// 0 while unconfirmed.
    pub confirmations: u64,
    pub block_height: Option<u64>,
    pub block_time: Option<Timestamp>,
    /// When it was first seen (by an earlier poll, the node's wallet, or this poll).
    pub first_seen: Timestamp,
}

/// A state of §8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Unpaid,
    Partial,
    InConfirmation,
    Paid,
    Overpaid,
    Underpaid,
    Expired,
    PaidLate,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Unpaid => "unpaid",
            State::Partial => "partial",
            State::InConfirmation => "in_confirmation",
            State::Paid => "paid",
            State::Overpaid => "overpaid",
            State::Underpaid => "underpaid",
            State::Expired => "expired",
            State::PaidLate => "paid_late",
        }
    }

    pub(crate) fn status(self) -> PaymentStatus {
        match self {
            State::Paid | State::Overpaid => PaymentStatus::Paid,
            State::Underpaid | State::Expired => PaymentStatus::Expired,
            State::Unpaid | State::Partial | State::InConfirmation | State::PaidLate => {
                PaymentStatus::Waiting
            }
        }
    }
}

/// The terms the verdict depends on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terms {
    pub amount_sat: u64,
    pub required_confirmations: u64,
    pub expires_at: Timestamp,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub state: State,
    /// Seen within the window (unconfirmed included).
    pub received_sat: u64,
    /// Seen within the window with enough confirmations.
    pub confirmed_sat: u64,
    /// First seen after the window closed.
    pub late_sat: u64,
    /// Still to pay (0 once enough is seen).
    pub due_sat: u64,
    /// Confirmed beyond the amount due.
    pub overpaid_sat: u64,
    /// When the payment completed: the latest block time of the counted transactions.
    pub paid_at: Option<Timestamp>,
}

impl Terms {
    /// Whether a transaction was first seen within the window.
    pub(crate) fn in_time(&self, tx: &Seen) -> bool {
        tx.first_seen < self.expires_at
    }
}

/// The verdict for `txs` at `now`.
pub(crate) fn evaluate(terms: &Terms, txs: &[Seen], now: Timestamp) -> Verdict {
    let mut received = 0u64;
    let mut confirmed = 0u64;
    let mut late = 0u64;
    let mut paid_at: Option<Timestamp> = None;
    for tx in txs {
        if !terms.in_time(tx) {
            late = late.saturating_add(tx.value_sat);
            continue;
        }
        received = received.saturating_add(tx.value_sat);
        if tx.confirmations >= terms.required_confirmations {
            confirmed = confirmed.saturating_add(tx.value_sat);
            paid_at = paid_at.max(tx.block_time);
        }
    }
    let due = terms.amount_sat;
    let open = now < terms.expires_at;
    let state = if confirmed >= due {
        if confirmed > due {
            State::Overpaid
        } else {
            State::Paid
        }
    } else if received >= due {
        State::InConfirmation
    } else if open {
        if received == 0 {
            State::Unpaid
        } else {
            State::Partial
        }
    } else if late > 0 {
        State::PaidLate
    } else if received > 0 {
        State::Underpaid
    } else {
        State::Expired
    };
    let paid = state.status() == PaymentStatus::Paid;
    Verdict {
        state,
        received_sat: received,
        confirmed_sat: confirmed,
        late_sat: late,
        due_sat: due.saturating_sub(received),
        overpaid_sat: if paid { confirmed - due } else { 0 },
        paid_at: if paid { paid_at } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_714_557_600 + minute * 60).unwrap()
    }

    fn tx(value: u64, confirmations: u64, seen_minute: i64) -> Seen {
        Seen {
            txid: format!("{value:064x}"),
            value_sat: value,
            confirmations,
            block_height: (confirmations > 0).then_some(100),
            block_time: (confirmations > 0).then(|| at(seen_minute + 5)),
            first_seen: at(seen_minute),
        }
    }

    fn terms() -> Terms {
        Terms {
            amount_sat: 10_000,
            required_confirmations: 2,
            expires_at: at(15),
        }
    }

    fn state(txs: &[Seen], now_minute: i64) -> State {
        evaluate(&terms(), txs, at(now_minute)).state
    }

    #[test]
    fn every_state() {
        assert_eq!(state(&[], 1), State::Unpaid);
        assert_eq!(state(&[tx(4_000, 0, 1)], 2), State::Partial);
        assert_eq!(
            state(&[tx(4_000, 0, 1), tx(6_000, 1, 2)], 3),
            State::InConfirmation
        );
        assert_eq!(state(&[tx(4_000, 2, 1), tx(6_000, 3, 2)], 30), State::Paid);
        assert_eq!(state(&[tx(10_001, 2, 1)], 30), State::Overpaid);
        assert_eq!(state(&[tx(4_000, 6, 1)], 30), State::Underpaid);
        assert_eq!(state(&[], 15), State::Expired);
        assert_eq!(state(&[tx(10_000, 6, 20)], 30), State::PaidLate);
        // In confirmation survives the window's end: it was seen in time.
        assert_eq!(state(&[tx(10_000, 0, 14)], 60), State::InConfirmation);
        // A late top-up of an underpayment is for the operator too.
        assert_eq!(
            state(&[tx(4_000, 3, 1), tx(6_000, 3, 16)], 60),
            State::PaidLate
        );
    }

    #[test]
    fn figures() {
        let v = evaluate(&terms(), &[tx(4_000, 0, 1)], at(2));
        assert_eq!(
            (v.received_sat, v.due_sat, v.confirmed_sat),
            (4_000, 6_000, 0)
        );
        assert_eq!(v.state.status(), PaymentStatus::Waiting);
        let v = evaluate(&terms(), &[tx(7_000, 2, 1), tx(5_000, 2, 3)], at(30));
        assert_eq!(
            (v.state, v.overpaid_sat, v.due_sat),
            (State::Overpaid, 2_000, 0)
        );
        assert_eq!(v.paid_at, Some(at(8)));
        assert_eq!(v.state.status(), PaymentStatus::Paid);
        let v = evaluate(&terms(), &[tx(4_000, 6, 1)], at(30));
        assert_eq!(
            (v.state.status(), v.received_sat),
            (PaymentStatus::Expired, 4_000)
        );
        assert_eq!(v.paid_at, None);
        let v = evaluate(&terms(), &[tx(10_000, 6, 20)], at(30));
        assert_eq!((v.late_sat, v.received_sat), (10_000, 0));
    }
}
