//! `status`: reads the payment's terms from its data, asks the chain source about its
//! address (see [`super::esplora`] and [`super::bitcoind`]), remembers when each transaction
//! was first seen, and applies the state machine of [`super::state`].
//!
//! What the response carries in `bank_data`, next to the terms: `state` (the §8 state),
//! `received_sat`, `confirmed_sat`, `due_sat`, `overpaid_sat` and `late_sat` when not zero,
//! `tip_height` (Esplora), `transactions` (each seen transaction: `txid`, `value_sat`,
//! `confirmations`, `block_height`, `first_seen`, `in_time`), `conflicted_txids` and
//! `vanished_txids` (transactions an earlier poll counted that are gone: a re-org or a
//! double spend — a *dispute*). Hand the last response's `bank_data` to the next `status`:
//! the `first_seen` times in it are how a transaction seen within the window keeps counting
//! as such.

use std::collections::BTreeMap;

use polypay_core::{Context, Error, PaymentResponse, Result, StatusQuery, Step, Timestamp};
use serde_json::{Map, Value, json};

use super::Bitcoin;
use super::config::{Network, Source};
use super::convert::sat_to_btc;
use super::order::{Order, key};
use super::source::{Observation, Progress};
use super::state::{Seen, State, Terms, Verdict, evaluate};
use super::{bitcoind, esplora};

/// Runs one step of `status`.
pub(crate) fn step(
    btc: &Bitcoin,
    query: &StatusQuery,
    cx: Context<'_>,
) -> Result<Step<PaymentResponse>> {
    let order = Order::read(&query.bank_data)?;
    order.check(&btc.settings)?;
    let progress = match (&btc.settings.source, cx.prior) {
        (Source::Esplora { base }, None) => esplora::start(base, &order.address)?,
        (
            Source::Bitcoind {
                wallet_url,
                user,
                password,
            },
            None,
        ) => bitcoind::start(
            &bitcoind::Node {
                wallet_url,
                user,
                password,
            },
            &order.address,
        ),
        (Source::Esplora { base }, Some(ex)) if ex.state["source"] == "esplora" => {
            esplora::advance(base, &order.address, &ex.state, &ex.response)?
        }
        (
            Source::Bitcoind {
                wallet_url,
                user,
                password,
            },
            Some(ex),
        ) if ex.state["source"] == "bitcoind" => bitcoind::advance(
            &bitcoind::Node {
                wallet_url,
                user,
                password,
            },
            &order.address,
            order.address_index,
            &ex.state,
            &ex.response,
        )?,
        (_, Some(_)) => {
            return Err(Error::invalid_input(
                "the prior exchange does not belong to this bitcoin status",
            ));
        }
    };
    match progress {
        Progress::Call { request, state } => Ok(Step::Http { request, state }),
        Progress::Done(obs) => Ok(Step::Done(respond(btc, query, &order, obs, cx.now))),
    }
}

/// What an earlier response said about each transaction: when it was first seen.
fn prior_first_seen(data: &Map<String, Value>) -> BTreeMap<String, Timestamp> {
    let mut out = BTreeMap::new();
    for t in data
        .get(key::TRANSACTIONS)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(txid), Some(seen)) = (
            t.get("txid").and_then(Value::as_str),
            t.get("first_seen")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Timestamp>().ok()),
        ) {
            out.insert(txid.to_owned(), seen);
        }
    }
    out
}

/// Builds the response from an observation.
fn respond(
    btc: &Bitcoin,
    query: &StatusQuery,
    order: &Order,
    obs: Observation,
    now: Timestamp,
) -> PaymentResponse {
    let prior = prior_first_seen(&query.bank_data);
    let seen: Vec<Seen> = obs
        .txs
        .iter()
        .map(|t| {
            // The earliest genuine observation: an earlier poll, the node's wallet, or now.
            let first_seen = [prior.get(&t.txid).copied(), t.node_seen, Some(now)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(now);
            Seen {
                txid: t.txid.clone(),
                value_sat: t.value_sat,
                confirmations: t.confirmations,
                block_height: t.block_height,
                block_time: t.block_time,
                first_seen,
            }
        })
        .collect();
    let terms = Terms {
        amount_sat: order.amount_sat,
        // The stricter of the terms given with the request and today's configuration.
        required_confirmations: u64::from(
            order
                .required_confirmations
                .max(btc.settings.required_confirmations),
        ),
        expires_at: order.expires_at,
    };
    let verdict = evaluate(&terms, &seen, now);
    let vanished: Vec<&String> = prior
        .keys()
        .filter(|id| !seen.iter().any(|s| &s.txid == *id))
        .collect();

    let mut r = PaymentResponse::with_verification(
        verdict.state.status(),
        btc.settings.authenticated_channel,
    );
    r.transaction_id = Some(query.transaction_id.clone());
    r.order_id = Some(query.transaction_id.clone());
    r.amount = Some(order.requested);
    r.test = order.network != Network::Mainnet;
    r.transaction_date = verdict.paid_at;
    let mut status_text = describe(&verdict, &terms);
    if !vanished.is_empty() {
        status_text.push_str(&format!(
            "; dispute: {} transaction(s) seen before are gone (re-org or double spend)",
            vanished.len()
        ));
    }
    if !btc.settings.authenticated_channel {
        status_text.push_str(" [unverified: answered over plain HTTP by a non-loopback host]");
    }
    r.bank_status = Some(status_text);

    let mut data = Map::new();
    order.write(&mut data);
    let mut put = |k: &str, v: Value| {
        data.insert(k.to_owned(), v);
    };
    put("source", btc.source_name().into());
    put("state", verdict.state.as_str().into());
    put("received_sat", verdict.received_sat.into());
    put("confirmed_sat", verdict.confirmed_sat.into());
    put("due_sat", verdict.due_sat.into());
    if verdict.overpaid_sat > 0 {
        put("overpaid_sat", verdict.overpaid_sat.into());
    }
    if verdict.late_sat > 0 {
        put("late_sat", verdict.late_sat.into());
    }
    if let Some(tip) = obs.tip_height {
        put("tip_height", tip.into());
    }
    let txs: Vec<Value> = seen
        .iter()
        .map(|s| {
            json!({
                "txid": s.txid,
                "value_sat": s.value_sat,
                "confirmations": s.confirmations,
                "block_height": s.block_height,
                "first_seen": s.first_seen.to_string(),
                "in_time": terms.in_time(s),
            })
        })
        .collect();
    put(key::TRANSACTIONS, Value::Array(txs));
    if !obs.conflicted.is_empty() {
        put("conflicted_txids", json!(obs.conflicted));
    }
    if !vanished.is_empty() {
        put("vanished_txids", json!(vanished));
    }
    r.bank_data = data.into();
    r
}

/// The bank status text of a verdict.
fn describe(v: &Verdict, terms: &Terms) -> String {
    let btc = |s: u64| format!("{} BTC", sat_to_btc(s));
    let due = terms.amount_sat;
    match v.state {
        State::Unpaid => format!("unpaid: {} due", btc(due)),
        State::Partial => format!(
            "partial: {} of {} received, {} due",
            btc(v.received_sat),
            btc(due),
            btc(v.due_sat)
        ),
        State::InConfirmation => format!(
            "in confirmation: {} received, {} confirmed with {} confirmation(s)",
            btc(v.received_sat),
            btc(v.confirmed_sat),
            terms.required_confirmations
        ),
        State::Paid => format!("paid: {} confirmed", btc(v.confirmed_sat)),
        State::Overpaid => format!(
            "overpaid: {} confirmed, {} more than due (refund it by hand)",
            btc(v.confirmed_sat),
            btc(v.overpaid_sat)
        ),
        State::Underpaid => format!(
            "underpaid: {} of {} received before the window closed (resolve by hand)",
            btc(v.received_sat),
            btc(due)
        ),
        State::Expired => "expired: nothing received before the window closed".to_owned(),
        State::PaidLate => format!(
            "paid late: {} first seen after the window closed (the rate is no longer locked: \
             the operator decides)",
            btc(v.late_sat)
        ),
    }
}
