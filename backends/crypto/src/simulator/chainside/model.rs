//! The simulator's payment orders: their fields, how payments and sandbox triggers move them,
//! and their JSON views (creation answer, retrieval, callback object).

use serde_json::{Value, json};

/// An error answer: HTTP status, error code, message, debug information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    /// HTTP status.
    pub status: u16,
    /// The 4-digit error code.
    pub code: &'static str,
    /// Human text.
    pub message: String,
    /// Debug information (which field, ...).
    pub debug: Value,
}

impl SimError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> SimError {
        SimError {
            status,
            code,
            message: message.into(),
            debug: Value::Null,
        }
    }

    /// A `0001 ValidationError` about `field`.
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> SimError {
        let mut e = SimError::new(400, "0001", message);
        e.debug = json!({ "field": field });
        e
    }

    pub(crate) fn not_found() -> SimError {
        SimError::new(404, "3001", "payment order not found")
    }
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HTTP {} error_code {}: {}",
            self.status, self.code, self.message
        )
    }
}

pub(crate) type SimResult<T> = Result<T, SimError>;

/// A transaction paying an order.
#[derive(Debug, Clone)]
pub(crate) struct Tx {
    pub txid: String,
    pub sat: u64,
    pub confirmations: u32,
    pub created_at: i64,
    pub reverted: bool,
}

/// A payment order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub uuid: String,
    pub address: String,
    pub redirect_url: String,
    /// The fiat amount as created (`"10.00"`).
    pub amount: String,
    pub btc_amount: u64,
    pub currency: String,
    pub rate: String,
    pub required_confirmations: u32,
    pub created_at: i64,
    pub expiration: i64,
    pub resolved_at: Option<i64>,
    pub chargeback_date: Option<i64>,
    pub dispute_start_date: Option<i64>,
    pub details: Option<String>,
    pub reference: Option<String>,
    pub callback_url: Option<String>,
    pub continue_url: Option<String>,
    pub cancel_url: Option<String>,
    pub status: &'static str,
    pub blockchain_status: &'static str,
    pub transactions: Vec<Tx>,
    /// Names of the callbacks sent, in order.
    pub callbacks: Vec<String>,
    /// The creation body, to recognise a repeated creation.
    pub creation: Value,
}

/// RFC 3339 text of a time in seconds.
pub(crate) fn iso(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// `0.00025000` of 25000 sat.
pub(crate) fn btc(sat: u64) -> String {
    format!("{}.{:08}", sat / 100_000_000, sat % 100_000_000)
}

/// The amount of a fiat text with at most two decimals, in cents.
pub(crate) fn cents(text: &str) -> Option<u64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 12
    {
        return None;
    }
    let int: u64 = int.parse().ok()?;
    let frac: u64 = format!("{frac:0<2}").parse().ok()?;
    int.checked_mul(100)?.checked_add(frac)
}

impl Order {
    fn sums(&self) -> (u64, u64) {
        let live = self.transactions.iter().filter(|t| !t.reverted);
        let seen: u64 = live.clone().map(|t| t.sat).sum();
        let confirmed: u64 = live
            .filter(|t| t.confirmations >= self.required_confirmations)
            .map(|t| t.sat)
            .sum();
        (seen, confirmed)
    }

    /// Lets time pass: an unpaid pending order expires. Returns the event it causes.
    pub(crate) fn refresh(&mut self, now: i64) -> Option<&'static str> {
        let (seen, _) = self.sums();
        if self.status == "pending" && now >= self.expiration && seen < self.btc_amount {
            self.status = "expired";
            self.blockchain_status = "expired";
            self.resolved_at = Some(now);
            return Some("payment.expired");
        }
        None
    }

    /// Recomputes a pending order from its transactions; the event a change causes.
    fn settle(&mut self, now: i64) -> Option<&'static str> {
        if self.status != "pending" {
            return None;
        }
        let (seen, confirmed) = self.sums();
        if confirmed >= self.btc_amount {
            self.status = "paid";
            self.blockchain_status = "paid";
            self.resolved_at = Some(now);
            return Some(if confirmed > self.btc_amount {
                "payment.overpaid"
            } else {
                "payment.completed"
            });
        }
        self.blockchain_status = if seen >= self.btc_amount {
            if self.transactions.iter().all(|t| t.confirmations == 0) {
                "mempool_unconfirmed"
            } else {
                "unconfirmed"
            }
        } else if seen > 0 {
            "partial"
        } else {
            "pending"
        };
        None
    }

    /// A payer's transaction of `sat` with `confirmations`.
    pub(crate) fn pay(
        &mut self,
        txid: String,
        sat: u64,
        confirmations: u32,
        now: i64,
    ) -> SimResult<Option<&'static str>> {
        if self.status != "pending" {
            return Err(SimError::invalid(
                "state",
                "the payment order is not pending",
            ));
        }
        self.transactions.push(Tx {
            txid,
            sat,
            confirmations,
            created_at: now,
            reverted: false,
        });
        Ok(self.settle(now))
    }

    /// `blocks` more blocks on top of every transaction.
    pub(crate) fn confirm(&mut self, blocks: u32, now: i64) -> Option<&'static str> {
        for t in &mut self.transactions {
            t.confirmations = t.confirmations.saturating_add(blocks);
        }
        self.settle(now)
    }

    /// What the sandbox trigger of `event` does to the order.
    pub(crate) fn apply(&mut self, event: &str, txid: String, now: i64) -> SimResult<()> {
        let due = self.btc_amount;
        let (seen, _) = self.sums();
        let confirmations = self.required_confirmations.max(1);
        let paid_with = |order: &mut Order, total: u64| {
            if total > seen {
                order.transactions.push(Tx {
                    txid: txid.clone(),
                    sat: total - seen,
                    confirmations,
                    created_at: now,
                    reverted: false,
                });
            }
            for t in &mut order.transactions {
                t.confirmations = t.confirmations.max(confirmations);
            }
            order.status = "paid";
            order.blockchain_status = "paid";
            order.resolved_at = Some(now);
        };
        match event {
            "payment.completed" => paid_with(self, due),
            "payment.overpaid" => paid_with(self, due + due / 10 + 1),
            "payment.dispute.end" => paid_with(self, due),
            "payment.cancelled" => {
                self.status = "cancelled";
                self.blockchain_status = "cancelled";
                self.resolved_at = Some(now);
            }
            "payment.expired" => {
                self.status = "expired";
                self.blockchain_status = "expired";
                self.resolved_at = Some(now);
            }
            "payment.dispute.start" => {
                self.status = "network_dispute";
                self.blockchain_status = "network_dispute";
                self.dispute_start_date = Some(now);
            }
            "payment.chargeback" => {
                self.status = "chargeback";
                self.blockchain_status = "chargeback";
                self.chargeback_date = Some(now);
                for t in &mut self.transactions {
                    t.reverted = true;
                }
            }
            other => {
                return Err(SimError::new(
                    400,
                    "0013",
                    format!("{other:?} is not a callback"),
                ));
            }
        }
        Ok(())
    }

    /// `PATCH .../test/reset`: back to a fresh pending order.
    pub(crate) fn reset(&mut self, now: i64, lifetime: i64) {
        self.status = "pending";
        self.blockchain_status = "pending";
        self.transactions.clear();
        self.resolved_at = None;
        self.chargeback_date = None;
        self.dispute_start_date = None;
        self.expiration = now + lifetime;
    }

    fn part(&self, sat: u64) -> Value {
        // Fiat share of `sat`, in cents, rounded down: a test double's arithmetic.
        let cents = cents(&self.amount).unwrap_or(0);
        let fiat = if self.btc_amount == 0 {
            0
        } else {
            u128::from(cents) * u128::from(sat) / u128::from(self.btc_amount)
        };
        json!({ "crypto": sat, "fiat": format!("{}.{:02}", fiat / 100, fiat % 100) })
    }

    /// Seconds left to pay (0 once the order is no longer pending).
    fn expires_in(&self, now: i64) -> i64 {
        if self.status == "pending" {
            (self.expiration - now).max(0)
        } else {
            0
        }
    }

    /// The `bitcoin:` URI.
    pub(crate) fn uri(&self) -> String {
        format!("bitcoin:{}?amount={}", self.address, btc(self.btc_amount))
    }

    fn rate_view(&self) -> Value {
        json!({ "from": "BTC", "to": self.currency, "source": "simulator",
                "value": self.rate, "created_at": iso(self.created_at) })
    }

    /// The answer to the creation.
    pub(crate) fn created_view(&self, now: i64) -> Value {
        json!({
            "uuid": self.uuid, "address": self.address, "uri": self.uri(),
            "redirect_url": self.redirect_url, "amount": self.btc_amount,
            "expiration_time": iso(self.expiration),
            "expires_in": self.expires_in(now),
            "rate": self.rate_view(), "created_at": iso(self.created_at),
            "reference": self.reference,
        })
    }

    /// `PaymentOrderRetrieval`.
    pub(crate) fn view(&self, now: i64) -> Value {
        let (seen, confirmed) = self.sums();
        let pending = seen - confirmed;
        let unpaid = self.btc_amount.saturating_sub(seen);
        let txs: Vec<Value> = self
            .transactions
            .iter()
            .map(|t| {
                let (bs, s) = if t.reverted {
                    ("reverted", "reverted")
                } else if t.confirmations >= self.required_confirmations.max(1) {
                    ("confirmed", "confirmed")
                } else if t.confirmations == 0 {
                    ("mempool", "unconfirmed")
                } else {
                    ("unconfirmed", "unconfirmed")
                };
                json!({ "txid": t.txid, "normalized_txid": t.txid, "outs_sum": t.sat,
                        "created_at": iso(t.created_at), "outs": [{"n": 0, "amount": t.sat}],
                        "blockchain_status": bs, "status": s })
            })
            .collect();
        let opt = |t: Option<i64>| t.map(iso);
        json!({
            "uuid": self.uuid, "address": self.address, "uri": self.uri(),
            "redirect_url": self.redirect_url, "amount": self.amount,
            "btc_amount": self.btc_amount,
            "currency": { "type": "fiat", "uuid": "00000000-0000-4000-8000-0000000000e0",
                          "name": self.currency },
            "rate": self.rate_view(),
            "required_confirmations": self.required_confirmations,
            "expires_in": self.expires_in(now),
            "expiration_time": iso(self.expiration),
            "created_at": iso(self.created_at),
            "resolved_at": opt(self.resolved_at),
            "chargeback_date": opt(self.chargeback_date),
            "dispute_start_date": opt(self.dispute_start_date),
            "details": self.details, "reference": self.reference,
            "callback_url": self.callback_url,
            "created_by": { "type": "web", "uuid": "00000000-0000-4000-8000-0000000000c0",
                            "name": "polypay simulator", "active": true,
                            "deposit_account": { "type": "bank",
                                "uuid": "00000000-0000-4000-8000-0000000000d0",
                                "name": "simulated account" } },
            "state": {
                "status": self.status, "blockchain_status": self.blockchain_status,
                "paid": self.part(confirmed), "in_confirmation": self.part(pending),
                "unpaid": self.part(unpaid),
            },
            "transactions": txs,
        })
    }

    /// The object of a callback: the retrieval plus the browser URLs.
    pub(crate) fn callback_view(&self, now: i64) -> Value {
        let mut v = self.view(now);
        v["cancel_url"] = json!(self.cancel_url);
        v["continue_url"] = json!(self.continue_url);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(cents("10.00"), Some(1000));
        assert_eq!(cents("10.5"), Some(1050));
        assert_eq!(cents("7"), Some(700));
        for bad in ["", ".5", "1.234", "-1", "1e3", "1,00"] {
            assert_eq!(cents(bad), None, "{bad}");
        }
        assert_eq!(btc(25_000), "0.00025000");
        assert_eq!(btc(150_000_000), "1.50000000");
    }
}
