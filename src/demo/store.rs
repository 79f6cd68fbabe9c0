//! The demo shop's orders, kept in memory. Updates are idempotent: the same notification
//! delivered twice, or the browser return racing the server notification, changes an order
//! once (the order's lock makes "already applied?" and "apply" one step); an unverified
//! response never changes an order's status; a late report never moves an order back (a
//! `waiting` arriving after `paid`, say).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::{Action, Amount, PaymentResponse, PaymentStatus, Timestamp};

/// One line of an order's history.
#[derive(Debug, Clone)]
pub struct Event {
    /// When it happened.
    pub at: Timestamp,
    /// Where it came from (`request`, `return`, `notification`, `validate`, ...).
    pub source: String,
    /// The status reported.
    pub status: PaymentStatus,
    /// Whether the report was verified.
    pub verified: bool,
    /// Details.
    pub note: String,
}

/// An order of the demo shop.
#[derive(Debug, Clone)]
pub struct Order {
    /// Shop order number.
    pub id: u64,
    /// What was bought.
    pub product: String,
    /// Price.
    pub amount: Amount,
    /// Which backend instance.
    pub instance: String,
    /// The id `request` returned.
    pub transaction_id: Option<String>,
    /// Current status (changed only by verified responses).
    pub status: PaymentStatus,
    /// Whether the current status comes from a verified response.
    pub verified: bool,
    /// The latest bank data (for validate/cancel/refund/status).
    pub bank_data: Map<String, Value>,
    /// Everything that happened.
    pub history: Vec<Event>,
    /// How the payer was sent on, kept for the actions shown again on the order page (a
    /// payment URI and its QR code, or the backend's HTML).
    pub action: Option<Action>,
    /// When the payment offer lapses, if the backend said.
    pub expires_at: Option<Timestamp>,
    /// Reports received again and ignored (the same notification twice, a return racing the
    /// notification).
    pub duplicates: u32,
    applied: HashSet<String>,
}

impl Order {
    /// Whether a report that could not be verified arrived (a forged or broken return).
    pub fn had_unverified_report(&self) -> bool {
        self.history
            .iter()
            .any(|e| !e.verified && !matches!(e.source.as_str(), "shop" | "request"))
    }
}

/// What applying a response did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The order changed.
    Changed,
    /// The same response was already applied.
    Duplicate,
    /// Recorded in the history, status unchanged (unverified or failed integrity check).
    Recorded,
}

/// The order book.
#[derive(Debug, Default)]
pub struct OrderStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    orders: BTreeMap<u64, Order>,
    by_transaction: HashMap<String, u64>,
}

impl OrderStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave an order half-written (each update is
        // one assignment sequence), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates an order and returns its number.
    pub fn create(&self, product: &str, amount: Amount, instance: &str, now: Timestamp) -> u64 {
        let mut inner = self.lock();
        inner.next += 1;
        let id = inner.next;
        inner.orders.insert(
            id,
            Order {
                id,
                product: product.to_owned(),
                amount,
                instance: instance.to_owned(),
                transaction_id: None,
                status: PaymentStatus::Received,
                verified: false,
                bank_data: Map::new(),
                history: vec![Event {
                    at: now,
                    source: "shop".into(),
                    status: PaymentStatus::Received,
                    verified: false,
                    note: "order created".into(),
                }],
                action: None,
                expires_at: None,
                duplicates: 0,
                applied: HashSet::new(),
            },
        );
        id
    }

    /// Records what `request` returned: the transaction id, the backend data, the action
    /// (kept when it must be shown again: a payment URI or HTML) and the expiry.
    pub fn started(&self, id: u64, intent: &crate::PaymentIntent, now: Timestamp) {
        let transaction_id = intent.transaction_id.as_str();
        let mut inner = self.lock();
        inner.by_transaction.insert(transaction_id.to_owned(), id);
        if let Some(o) = inner.orders.get_mut(&id) {
            o.transaction_id = Some(transaction_id.to_owned());
            o.bank_data.extend(intent.backend_data.clone());
            o.expires_at = intent.expires_at;
            if matches!(intent.action, Action::Uri { .. } | Action::Html { .. }) {
                o.action = Some(intent.action.clone());
            }
            o.status = PaymentStatus::Waiting;
            o.history.push(Event {
                at: now,
                source: "request".into(),
                status: PaymentStatus::Waiting,
                verified: false,
                note: format!("payment started, transaction {transaction_id}"),
            });
        }
    }

    /// Records a failure to start the payment.
    pub fn failed(&self, id: u64, message: &str, now: Timestamp) {
        if let Some(o) = self.lock().orders.get_mut(&id) {
            o.status = PaymentStatus::Error;
            o.history.push(Event {
                at: now,
                source: "request".into(),
                status: PaymentStatus::Error,
                verified: false,
                note: message.to_owned(),
            });
        }
    }

    /// The order a transaction id belongs to.
    pub fn by_transaction(&self, transaction_id: &str) -> Option<u64> {
        self.lock().by_transaction.get(transaction_id).copied()
    }

    /// A copy of an order.
    pub fn get(&self, id: u64) -> Option<Order> {
        self.lock().orders.get(&id).cloned()
    }

    /// Copies of every order, newest first.
    pub fn all(&self) -> Vec<Order> {
        self.lock().orders.values().rev().cloned().collect()
    }

    /// Applies a bank response from `source`. `check_amount`: compare the reported amount and
    /// reference with the order (returns and notifications; not captures and refunds, whose
    /// amounts legitimately differ).
    pub fn apply(
        &self,
        id: u64,
        response: &PaymentResponse,
        source: &str,
        check_amount: bool,
        now: Timestamp,
    ) -> Applied {
        let mut inner = self.lock();
        let Some(order) = inner.orders.get_mut(&id) else {
            return Applied::Recorded;
        };
        // Operations the shop asked for (a second partial refund) are never duplicates of
        // each other; reports the bank sends (returns, notifications, status) can be.
        let operation = matches!(source, "validate" | "cancel" | "refund");
        if !operation && !order.applied.insert(response.dedup_key()) {
            order.duplicates += 1;
            return Applied::Duplicate;
        }
        if !response.is_verified() {
            order.history.push(Event {
                at: now,
                source: source.to_owned(),
                status: response.status(),
                verified: false,
                note: format!(
                    "unverified response ignored (it claimed {})",
                    response.claimed_status().unwrap_or(response.status())
                ),
            });
            return Applied::Recorded;
        }
        if check_amount && response.status().is_success() {
            let reference = order.transaction_id.clone().unwrap_or_default();
            if let Err(e) = response.check(&order.amount, &reference) {
                order.history.push(Event {
                    at: now,
                    source: source.to_owned(),
                    status: response.status(),
                    verified: true,
                    note: format!("integrity check failed, order unchanged: {e}"),
                });
                return Applied::Recorded;
            }
        }
        if moves_back(order.status, response.status()) {
            order.history.push(Event {
                at: now,
                source: source.to_owned(),
                status: response.status(),
                verified: true,
                note: format!("late report ignored: the order is already {}", order.status),
            });
            return Applied::Recorded;
        }
        order.status = response.status();
        order.verified = true;
        if !response.bank_data.is_empty() {
            order.bank_data = response.bank_data.clone().into_map();
        }
        let mut note = response.bank_status.clone().unwrap_or_default();
        if let Some(r) = response.refunded_amount {
            note = format!("{note} refunded {r}").trim().to_owned();
        }
        order.history.push(Event {
            at: now,
            source: source.to_owned(),
            status: response.status(),
            verified: true,
            note,
        });
        Applied::Changed
    }

    /// Records an operation error in the history.
    pub fn note(&self, id: u64, source: &str, message: &str, now: Timestamp) {
        if let Some(o) = self.lock().orders.get_mut(&id) {
            let status = o.status;
            // A note is no report from the bank: nothing in it to verify.
            o.history.push(Event {
                at: now,
                source: source.to_owned(),
                status,
                verified: true,
                note: message.to_owned(),
            });
        }
    }
}

/// Whether going from `from` to `to` would move an order back: to `waiting` (or `received`)
/// once anything happened, or away from a final status other than by a refund. Reports can
/// arrive out of order (a status poll answered before the notification, a browser return
/// replayed later): the order keeps its most advanced state.
fn moves_back(from: PaymentStatus, to: PaymentStatus) -> bool {
    use PaymentStatus::*;
    if from == to {
        return false;
    }
    match from {
        Received | Waiting => false,
        Accepted => matches!(to, Received | Waiting),
        Paid | Refunded => to != Refunded,
        _ => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use crate::PaymentIntent;

    fn report(status: PaymentStatus, verified: bool) -> PaymentResponse {
        let mut r = PaymentResponse::with_verification(status, verified);
        r.order_id = Some("T1".into());
        r.amount = Some(Amount::parse("EUR:10.00").unwrap());
        r
    }

    fn store() -> (OrderStore, u64, Timestamp) {
        let store = OrderStore::default();
        let now = Timestamp::now();
        let id = store.create("mug", Amount::parse("EUR:10.00").unwrap(), "dummy", now);
        let intent = PaymentIntent::new(
            "T1",
            Action::Uri {
                uri: "taler://pay/x/T1/".into(),
                url: None,
            },
        );
        store.started(id, &intent, now);
        (store, id, now)
    }

    #[test]
    fn the_same_report_twice_changes_the_order_once() {
        let (store, id, now) = store();
        let paid = report(PaymentStatus::Paid, true);
        assert_eq!(
            store.apply(id, &paid, "notification", true, now),
            Applied::Changed
        );
        assert_eq!(
            store.apply(id, &paid, "return", true, now),
            Applied::Duplicate
        );
        let o = store.get(id).unwrap();
        assert_eq!(
            (o.status, o.verified, o.duplicates),
            (PaymentStatus::Paid, true, 1)
        );
        assert_eq!(o.history.len(), 3, "created, started, paid");
        assert!(matches!(o.action, Some(Action::Uri { .. })));
    }

    #[test]
    fn unverified_never_pays_and_late_reports_never_move_back() {
        let (store, id, now) = store();
        let forged = report(PaymentStatus::Paid, false);
        assert_eq!(
            store.apply(id, &forged, "return", true, now),
            Applied::Recorded
        );
        assert_eq!(store.get(id).unwrap().status, PaymentStatus::Waiting);

        let paid = report(PaymentStatus::Paid, true);
        store.apply(id, &paid, "notification", true, now);
        let late = report(PaymentStatus::Waiting, true);
        assert_eq!(
            store.apply(id, &late, "status", true, now),
            Applied::Recorded
        );
        let denied = report(PaymentStatus::Denied, true);
        assert_eq!(
            store.apply(id, &denied, "return", true, now),
            Applied::Recorded
        );
        assert_eq!(store.get(id).unwrap().status, PaymentStatus::Paid);
        let mut refunded = report(PaymentStatus::Refunded, true);
        refunded.amount = None;
        assert_eq!(
            store.apply(id, &refunded, "refund", false, now),
            Applied::Changed
        );
        assert_eq!(store.get(id).unwrap().status, PaymentStatus::Refunded);
    }

    #[test]
    fn a_wrong_amount_is_recorded_not_applied() {
        let (store, id, now) = store();
        let mut cheap = report(PaymentStatus::Paid, true);
        cheap.amount = Some(Amount::parse("EUR:0.01").unwrap());
        assert_eq!(
            store.apply(id, &cheap, "notification", true, now),
            Applied::Recorded
        );
        let o = store.get(id).unwrap();
        assert_eq!(o.status, PaymentStatus::Waiting);
        assert!(
            o.history
                .last()
                .unwrap()
                .note
                .contains("integrity check failed")
        );
    }

    #[test]
    fn transitions() {
        use PaymentStatus::*;
        assert!(!moves_back(Waiting, Paid));
        assert!(!moves_back(Accepted, Paid));
        assert!(!moves_back(Accepted, Cancelled));
        assert!(moves_back(Accepted, Waiting));
        assert!(!moves_back(Paid, Refunded));
        assert!(!moves_back(Refunded, Refunded));
        assert!(moves_back(Paid, Waiting));
        assert!(moves_back(Denied, Paid));
        assert!(moves_back(Expired, Paid));
    }
}
