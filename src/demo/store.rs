//! The demo shop's orders, kept in memory. Updates are idempotent: the same notification
//! delivered twice, or the browser return racing the server notification, changes an order
//! once; an unverified response never changes an order's status.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::{Amount, PaymentResponse, PaymentStatus, Timestamp};

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
    applied: HashSet<String>,
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
                applied: HashSet::new(),
            },
        );
        id
    }

    /// Records the transaction id `request` returned, and the intent's backend data.
    pub fn started(
        &self,
        id: u64,
        transaction_id: &str,
        backend_data: &Map<String, Value>,
        now: Timestamp,
    ) {
        let mut inner = self.lock();
        inner.by_transaction.insert(transaction_id.to_owned(), id);
        if let Some(o) = inner.orders.get_mut(&id) {
            o.transaction_id = Some(transaction_id.to_owned());
            o.bank_data.extend(backend_data.clone());
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
        let key = response.dedup_key();
        if !order.applied.insert(key) {
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
        order.status = response.status();
        order.verified = true;
        if !response.bank_data.is_empty() {
            order.bank_data = response.bank_data.clone();
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
            o.history.push(Event {
                at: now,
                source: source.to_owned(),
                status,
                verified: o.verified,
                note: message.to_owned(),
            });
        }
    }
}
