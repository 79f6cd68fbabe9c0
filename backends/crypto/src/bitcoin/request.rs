//! `request`: derives the payment's address, converts the amount to satoshis, and returns the
//! BIP321 URI. No HTTP: the chain is only read by `status`.

use jiff::SignedDuration;
use polypay_core::{Action, Context, Currency, Error, PaymentIntent, PaymentRequest, Result, Step};

use super::Bitcoin;
use super::bip321::BitcoinUri;
use super::convert::{DUST_LIMIT_SAT, btc_amount_to_sat, fiat_to_sat, parse_rate, sat_to_btc};
use super::order::Order;
use super::transaction::BitcoinTransaction;

/// Checks a caller-chosen transaction id: 1 to 64 letters, digits and `. : _ -`.
fn check_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "{id:?} is not a usable transaction id: use 1 to 64 letters, digits and . : _ -"
        )))
    }
}

/// Reads the per-transaction fields, with a clear error for a missing index.
fn fields(req: &PaymentRequest) -> Result<BitcoinTransaction> {
    if req.extra.get("address_index").is_none_or(|v| v.is_null()) {
        return Err(Error::invalid_input(
            "address_index is required: pass the index of the receive address for this \
             payment (the shop's order sequence, 0, 1, 2…) in the request's extra fields \
             (CLI: --set address_index=N)",
        ));
    }
    serde_json::from_value(serde_json::Value::Object(req.extra.clone()))
        .map_err(|e| Error::invalid_input(format!("bitcoin request fields: {e}")))
}

/// Runs `request` (always one step).
pub(crate) fn step(
    btc: &Bitcoin,
    req: &PaymentRequest,
    cx: Context<'_>,
) -> Result<Step<PaymentIntent>> {
    let s = &btc.settings;
    if req.amount.is_zero() {
        return Err(Error::invalid_input("the amount must be greater than zero"));
    }
    let extra = fields(req)?;
    if let Some(id) = &req.transaction_id {
        check_id(id)?;
    }
    let address = s
        .key
        .address(extra.address_index)
        .map_err(Error::invalid_input)?;
    let code = req.amount.currency().code().to_owned();
    let (amount_sat, rate) = if code == Currency::BTC.code() {
        if extra.rate.is_some() {
            return Err(Error::invalid_input(
                "a rate is given for an amount in BTC, which needs none",
            ));
        }
        (
            btc_amount_to_sat(&req.amount).map_err(Error::invalid_input)?,
            None,
        )
    } else {
        let rate = match &extra.rate {
            Some(text) => parse_rate(text).map_err(Error::invalid_input)?,
            None => *s.rates.get(&code).ok_or_else(|| {
                Error::invalid_input(format!(
                    "no exchange rate for {code}: add it to the configuration's rates \
                     ({code} = \"…\", the price of one bitcoin) or pass `rate` with the request"
                ))
            })?,
        };
        (
            fiat_to_sat(&req.amount, rate).map_err(Error::invalid_input)?,
            Some(rate),
        )
    };
    if amount_sat < DUST_LIMIT_SAT {
        return Err(Error::invalid_input(format!(
            "{} is {} BTC, below the {DUST_LIMIT_SAT}-satoshi dust limit: no wallet could send it",
            req.amount,
            sat_to_btc(amount_sat)
        )));
    }
    let expires_at = cx
        .now
        .checked_add(SignedDuration::from_mins(i64::from(s.window_minutes)))
        .map_err(|e| Error::invalid_input(format!("the payment window is out of range: {e}")))?;
    let mut uri = BitcoinUri::new(address.clone());
    uri.amount_sat = Some(amount_sat);
    uri.label = extra
        .label
        .filter(|l| !l.is_empty())
        .or_else(|| s.label.clone());
    uri.message = req.description.clone().filter(|d| !d.is_empty());
    let uri = uri.to_string();
    let order = Order {
        address,
        address_index: extra.address_index,
        network: s.network,
        amount_sat,
        requested: req.amount,
        rate,
        created_at: cx.now,
        expires_at,
        required_confirmations: s.required_confirmations,
        uri: uri.clone(),
    };
    let id = req
        .transaction_id
        .clone()
        .unwrap_or_else(|| format!("btc-{}", cx.random_hex(12)));
    let mut intent = PaymentIntent::new(id, Action::Uri { uri, url: None });
    intent.expires_at = Some(expires_at);
    order.write(&mut intent.backend_data);
    Ok(Step::Done(intent))
}
