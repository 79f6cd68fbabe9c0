//! The simulated orders: creation from a `PostOrderRequest` (with the backend's checks), the
//! private status views, refunds and deletion rules, each failure as the backend reports it
//! (HTTP status + `TALER_EC` code + hint).

use polypay_core::{Amount, Currency};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::amount::is_taler_amount;

/// A failure as the backend answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimError {
    /// HTTP status.
    pub status: u16,
    /// `TALER_EC` number.
    pub code: i64,
    /// Human hint.
    pub hint: String,
}

impl SimError {
    pub(super) fn new(status: u16, code: i64, hint: impl Into<String>) -> SimError {
        SimError {
            status,
            code,
            hint: hint.into(),
        }
    }

    /// The `ErrorDetail` body.
    pub(super) fn body(&self) -> Value {
        json!({ "code": self.code, "hint": self.hint })
    }
}

pub(super) type SimResult<T> = Result<T, SimError>;

/// A Taler amount (8 fraction digits whatever the currency).
pub(super) fn parse_amount(text: &str, parameter: &str) -> SimResult<Amount> {
    let malformed = || SimError::new(400, 26, format!("parameter {parameter} is malformed"));
    if !is_taler_amount(text) {
        return Err(malformed());
    }
    let (code, value) = text.split_once(':').ok_or_else(malformed)?;
    let currency = Currency::with_exponent(code, 8).map_err(|_| malformed())?;
    Amount::parse_in(value, currency).map_err(|_| malformed())
}

/// Normalised `CUR:VAL`, as the backend echoes amounts (`KUDOS:5`, `EUR:10.5`).
pub(super) fn show(amount: &Amount) -> String {
    format!("{}:{}", amount.currency(), amount.value().normalize())
}

/// One simulated order.
#[derive(Debug)]
pub(super) struct Order {
    pub id: String,
    /// The backend's row number (increasing with creation; given when stored).
    pub row_id: u64,
    /// The request body that created it (a retry must repeat it exactly).
    pub proposal: Value,
    pub contract: Map<String, Value>,
    pub amount: Amount,
    pub claim_token: Option<String>,
    pub session_id: Option<String>,
    pub created: i64,
    pub pay_deadline: i64,
    pub refund_deadline: i64,
    pub wire_deadline: i64,
    pub claimed_nonce: Option<String>,
    pub paid: bool,
    pub paid_session: Option<String>,
    pub last_payment: i64,
    pub refund_total: Amount,
    pub refund_pending: bool,
    pub refund_details: Vec<Value>,
    pub wired: bool,
    /// Bumped on every change: long polls wait on it.
    pub changed: watch::Sender<u64>,
}

/// What a new order is checked against.
pub(super) struct Instance<'a> {
    pub id: &'a str,
    pub base_url: &'a str,
    pub currencies: &'a [String],
    pub default_pay_delay: i64,
    pub default_refund_delay: i64,
    pub now: i64,
}

fn relative_seconds(value: &Value, parameter: &str) -> SimResult<i64> {
    match value.get("d_us") {
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|us| *us >= 0)
            .map(|us| us / 1_000_000)
            .ok_or_else(|| SimError::new(400, 26, format!("parameter {parameter} is malformed"))),
        Some(Value::String(s)) if s == "forever" => Ok(i64::MAX / 4),
        _ => Err(SimError::new(
            400,
            26,
            format!("parameter {parameter} is malformed"),
        )),
    }
}

/// `Some(seconds)`, `None` for `"never"`; absent is `Ok(None)` with `present = false`.
fn timestamp(order: &Map<String, Value>, key: &str) -> SimResult<Option<Option<i64>>> {
    match order.get(key) {
        None => Ok(None),
        Some(v) => match v.get("t_s") {
            Some(Value::Number(n)) => n
                .as_i64()
                .map(|s| Some(Some(s)))
                .ok_or_else(|| SimError::new(400, 26, format!("parameter {key} is malformed"))),
            Some(Value::String(s)) if s == "never" => Ok(Some(None)),
            _ => Err(SimError::new(
                400,
                26,
                format!("parameter {key} is malformed"),
            )),
        },
    }
}

impl Order {
    /// Checks a `PostOrderRequest` and builds the order (not yet stored).
    pub(super) fn create(
        body: &Value,
        inst: &Instance<'_>,
        generated_id: String,
        claim_token: String,
    ) -> SimResult<Order> {
        let order = body
            .get("order")
            .and_then(Value::as_object)
            .ok_or_else(|| SimError::new(400, 25, "parameter order is missing"))?;
        let amount_text = order
            .get("amount")
            .and_then(Value::as_str)
            .ok_or_else(|| SimError::new(400, 25, "parameter amount is missing"))?;
        let amount = parse_amount(amount_text, "amount")?;
        if !inst
            .currencies
            .iter()
            .any(|c| c == amount.currency().code())
        {
            return Err(SimError::new(
                409,
                2024,
                format!(
                    "currency {} is not supported by this instance",
                    amount.currency()
                ),
            ));
        }
        let summary = order
            .get("summary")
            .and_then(Value::as_str)
            .ok_or_else(|| SimError::new(400, 25, "parameter summary is missing"))?;
        let fulfillment_url = order.get("fulfillment_url").and_then(Value::as_str);
        let fulfillment_message = order.get("fulfillment_message").and_then(Value::as_str);
        if fulfillment_url.is_none() && fulfillment_message.is_none() {
            return Err(SimError::new(
                400,
                25,
                "parameter fulfillment_url or fulfillment_message is missing",
            ));
        }
        let id = match order.get("order_id") {
            None => generated_id,
            Some(Value::String(s)) if crate::config::valid_order_id(s) => s.clone(),
            Some(_) => return Err(SimError::new(400, 26, "parameter order_id is malformed")),
        };
        let now = inst.now;
        let pay_deadline = match timestamp(order, "pay_deadline")? {
            None => now + inst.default_pay_delay,
            Some(Some(t)) if t > now => t,
            Some(_) => {
                return Err(SimError::new(
                    400,
                    26,
                    "the payment deadline is in the past",
                ));
            }
        };
        let refund_delay = match body.get("refund_delay") {
            Some(v) => relative_seconds(v, "refund_delay")?,
            None => inst.default_refund_delay,
        };
        let refund_deadline = match timestamp(order, "refund_deadline")? {
            Some(Some(t)) => t,
            Some(None) => i64::MAX / 4,
            None => now.saturating_add(refund_delay),
        };
        let wire_deadline = match timestamp(order, "wire_transfer_deadline")? {
            Some(Some(t)) => t,
            Some(None) => {
                return Err(SimError::new(
                    400,
                    2506,
                    "the wire transfer deadline is never",
                ));
            }
            None => refund_deadline.max(pay_deadline).saturating_add(3600),
        };
        if wire_deadline < refund_deadline {
            return Err(SimError::new(
                400,
                2504,
                "the refund deadline is after the wire transfer deadline",
            ));
        }
        let mut contract = Map::new();
        contract.insert("summary".into(), summary.into());
        contract.insert("order_id".into(), id.clone().into());
        contract.insert("amount".into(), show(&amount).into());
        contract.insert("max_fee".into(), format!("{}:0", amount.currency()).into());
        contract.insert(
            "products".into(),
            order.get("products").cloned().unwrap_or_else(|| json!([])),
        );
        contract.insert("timestamp".into(), json!({ "t_s": now }));
        contract.insert("refund_deadline".into(), json!({ "t_s": refund_deadline }));
        contract.insert("pay_deadline".into(), json!({ "t_s": pay_deadline }));
        contract.insert(
            "wire_transfer_deadline".into(),
            json!({ "t_s": wire_deadline }),
        );
        contract.insert("merchant_pub".into(), "SIMULATED-MERCHANT-PUB".into());
        contract.insert("merchant_base_url".into(), inst.base_url.into());
        contract.insert("merchant".into(), json!({ "name": inst.id }));
        contract.insert("h_wire".into(), "SIMULATED-H-WIRE".into());
        contract.insert("wire_method".into(), "iban".into());
        contract.insert(
            "exchanges".into(),
            json!([{ "url": "https://exchange.simulated.invalid/", "priority": 1024,
                     "master_pub": "SIMULATED-MASTER-PUB" }]),
        );
        if let Some(url) = fulfillment_url {
            contract.insert(
                "fulfillment_url".into(),
                url.replacen(crate::config::ORDER_ID_PLACEHOLDER, &id, 1)
                    .into(),
            );
        }
        if let Some(m) = fulfillment_message {
            contract.insert("fulfillment_message".into(), m.into());
        }
        // `_forgettable` marks the fields `PATCH .../forget` may erase.
        for key in [
            "extra",
            "minimum_age",
            "summary_i18n",
            "delivery_location",
            "_forgettable",
        ] {
            if let Some(v) = order.get(key) {
                contract.insert(key.into(), v.clone());
            }
        }
        let create_token = body
            .get("create_token")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let (changed, _) = watch::channel(0);
        Ok(Order {
            id,
            row_id: 0,
            proposal: body.clone(),
            contract,
            refund_total: Amount::zero(amount.currency()),
            amount,
            claim_token: create_token.then_some(claim_token),
            session_id: body
                .get("session_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            created: now,
            pay_deadline,
            refund_deadline,
            wire_deadline,
            claimed_nonce: None,
            paid: false,
            paid_session: None,
            last_payment: 0,
            refund_pending: false,
            refund_details: Vec::new(),
            wired: false,
            changed,
        })
    }

    /// Tells long polls something changed.
    pub(super) fn touch(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// Whether `GET private/orders/$ID?session_id=S` reports this order paid.
    pub(super) fn paid_for(&self, session: Option<&str>) -> bool {
        self.paid
            && match session {
                None => true,
                Some(s) => self.paid_session.as_deref() == Some(s),
            }
    }

    /// `taler[+http]://pay/...` of this order.
    pub(super) fn pay_uri(&self, base: &url::Url, session: Option<&str>) -> String {
        crate::TalerUri::pay(
            base,
            &self.id,
            session.or(self.session_id.as_deref()),
            self.claim_token.as_deref(),
        )
        .to_string()
    }

    /// The public order page.
    pub(super) fn status_url(&self, base: &url::Url, session: Option<&str>) -> String {
        let session = session.or(self.session_id.as_deref());
        match crate::ops::order_page(base, &self.id, self.claim_token.as_deref(), session) {
            Ok(url) => url.to_string(),
            Err(_) => base.to_string(),
        }
    }

    /// The body of `GET private/orders/$ID` for `session`.
    pub(super) fn private_view(&self, base: &url::Url, session: Option<&str>) -> Value {
        let status_url = self.status_url(base, session);
        if self.paid_for(session) {
            let fee = parse_amount(&format!("{}:0.001", self.amount.currency()), "fee")
                .unwrap_or(Amount::zero(self.amount.currency()));
            let deposit = self.amount.checked_sub(&fee).unwrap_or(self.amount);
            let mut contract = self.contract.clone();
            contract.insert("nonce".into(), self.claimed_nonce.clone().into());
            return json!({
                "order_status": "paid",
                "refunded": !self.refund_total.is_zero(),
                "refund_pending": self.refund_pending,
                "wired": self.wired,
                "deposit_total": show(&deposit),
                "exchange_code": 0,
                "exchange_http_status": 200,
                "refund_amount": show(&self.refund_total),
                "contract_terms": contract,
                "last_payment": { "t_s": self.last_payment },
                "wire_details": if self.wired {
                    json!([{ "exchange_url": "https://exchange.simulated.invalid/",
                             "wtid": "SIMULATED-WTID", "execution_time": { "t_s": self.wire_deadline },
                             "amount": show(&deposit), "confirmed": true }])
                } else { json!([]) },
                "wire_reports": [],
                "refund_details": self.refund_details,
                "order_status_url": status_url,
            });
        }
        if let (Some(nonce), false) = (&self.claimed_nonce, self.paid) {
            let mut contract = self.contract.clone();
            contract.insert("nonce".into(), nonce.clone().into());
            return json!({
                "order_status": "claimed",
                "contract_terms": contract,
                "order_status_url": status_url,
            });
        }
        json!({
            "order_status": "unpaid",
            "taler_pay_uri": self.pay_uri(base, session),
            "creation_time": { "t_s": self.created },
            "summary": self.contract.get("summary").cloned().unwrap_or(Value::Null),
            "total_amount": show(&self.amount),
            "order_status_url": status_url,
        })
    }

    /// `POST orders/$ID/claim` by a wallet.
    pub(super) fn claim(&mut self, nonce: &str, token: Option<&str>) -> SimResult<Value> {
        if let Some(expected) = &self.claim_token
            && token != Some(expected.as_str())
        {
            return Err(SimError::new(
                404,
                2300,
                "unknown order or wrong claim token",
            ));
        }
        match &self.claimed_nonce {
            Some(n) if n != nonce => {
                return Err(SimError::new(
                    409,
                    2301,
                    "already claimed by another wallet",
                ));
            }
            Some(_) => {}
            None => {
                self.claimed_nonce = Some(nonce.to_owned());
                self.touch();
            }
        }
        let mut contract = self.contract.clone();
        contract.insert("nonce".into(), nonce.into());
        Ok(json!({ "contract_terms": contract, "sig": "SIMULATED-SIGNATURE" }))
    }

    /// A wallet pays (claiming first when needed), proving payment in `session`.
    pub(super) fn pay(&mut self, session: Option<&str>, now: i64) -> SimResult<()> {
        if self.paid {
            return Err(SimError::new(409, 2160, "the order is already paid"));
        }
        if now > self.pay_deadline {
            return Err(SimError::new(410, 2161, "the offer has expired"));
        }
        if self.claimed_nonce.is_none() {
            self.claimed_nonce = Some(format!("WALLET-NONCE-{}", self.id));
        }
        self.paid = true;
        self.paid_session = session
            .map(str::to_owned)
            .or_else(|| self.session_id.clone());
        self.last_payment = now;
        self.touch();
        Ok(())
    }

    /// The payment deadline passes (an hour ago) while a wallet holds the order.
    pub(super) fn expire(&mut self, now: i64) -> SimResult<()> {
        if self.paid {
            return Err(SimError::new(409, 2160, "the order is already paid"));
        }
        if self.claimed_nonce.is_none() {
            self.claimed_nonce = Some(format!("WALLET-NONCE-{}", self.id));
        }
        self.pay_deadline = now - 3600;
        self.contract
            .insert("pay_deadline".into(), json!({ "t_s": self.pay_deadline }));
        self.touch();
        Ok(())
    }

    /// `POST private/orders/$ID/refund`: `total` is the new total refunded.
    pub(super) fn refund(&mut self, body: &Value, now: i64) -> SimResult<()> {
        let total = body
            .get("refund")
            .and_then(Value::as_str)
            .ok_or_else(|| SimError::new(400, 25, "parameter refund is missing"))?;
        let reason = body
            .get("reason")
            .and_then(Value::as_str)
            .ok_or_else(|| SimError::new(400, 25, "parameter reason is missing"))?;
        let total = parse_amount(total, "refund")?;
        if !self.paid {
            return Err(SimError::new(409, 2531, "the order is not paid"));
        }
        if total.currency().code() != self.amount.currency().code() {
            return Err(SimError::new(
                409,
                2024,
                "the refund's currency is not the order's",
            ));
        }
        if self.refund_deadline <= self.created {
            return Err(SimError::new(403, 2532, "the contract allows no refund"));
        }
        if self.wired || now > self.refund_deadline {
            // The registry number of MERCHANT_PRIVATE_POST_REFUND_AFTER_WIRE_DEADLINE was not
            // found; clients map this answer by its HTTP status.
            return Err(SimError::new(
                410,
                0,
                "too late: the money may have been wired",
            ));
        }
        if total.value() > self.amount.value() {
            return Err(SimError::new(
                409,
                2530,
                "the refund exceeds the paid amount",
            ));
        }
        if total.value() <= self.refund_total.value() {
            // Not higher than the current total: nothing changes.
            return Ok(());
        }
        let increment = total.checked_sub(&self.refund_total).unwrap_or(total);
        self.refund_details.push(json!({
            "reason": reason, "pending": true, "timestamp": { "t_s": now },
            "amount": show(&increment),
        }));
        self.refund_total = total;
        self.refund_pending = true;
        self.touch();
        Ok(())
    }

    /// Whether `DELETE private/orders/$ID[?force=YES]` may delete it.
    pub(super) fn check_delete(&self, force: bool) -> SimResult<()> {
        if self.paid {
            return Err(SimError::new(409, 2521, "the order is paid"));
        }
        if self.claimed_nonce.is_some() && !force {
            return Err(SimError::new(
                409,
                2520,
                "the order is claimed and awaiting payment",
            ));
        }
        Ok(())
    }
}
