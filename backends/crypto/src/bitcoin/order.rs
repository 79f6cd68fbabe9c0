//! The terms of a payment, fixed by `request` and carried by the integrator in the intent's
//! `backend_data` (and every response's `bank_data`): address, index, amount in satoshis,
//! the amount asked for and the rate that converted it, the window. `status` reads them back
//! and checks them (the address is derived again from its index, the amount converted again
//! at the stored rate), so that a mix-up of stored data is an error, never a wrong verdict.

use polypay_core::{Amount, Error, Result, Timestamp};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::config::{Network, Settings};
use super::convert::{btc_amount_to_sat, fiat_to_sat, parse_rate, sat_to_btc};

/// Keys of `backend_data` / `bank_data`.
pub mod key {
    /// The payment address.
    pub const ADDRESS: &str = "address";
    /// Its index on the account's receive chain.
    pub const ADDRESS_INDEX: &str = "address_index";
    /// The network (`mainnet`).
    pub const NETWORK: &str = "network";
    /// The amount due, in satoshis.
    pub const AMOUNT_SAT: &str = "amount_sat";
    /// The amount due in BTC (text, for people).
    pub const AMOUNT_BTC: &str = "amount_btc";
    /// The amount asked for, as `CUR:VALUE`.
    pub const REQUESTED_AMOUNT: &str = "requested_amount";
    /// The price of one BTC that converted it (absent for an amount in BTC).
    pub const RATE: &str = "rate";
    /// When the payment was requested.
    pub const CREATED_AT: &str = "created_at";
    /// When the payment window closes.
    pub const EXPIRES_AT: &str = "expires_at";
    /// Confirmations required.
    pub const REQUIRED_CONFIRMATIONS: &str = "required_confirmations";
    /// The `bitcoin:` URI.
    pub const URI: &str = "uri";
    /// The transactions seen paying the address (status).
    pub const TRANSACTIONS: &str = "transactions";
}

/// The terms of one payment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Order {
    pub address: String,
    pub address_index: u32,
    pub network: Network,
    pub amount_sat: u64,
    pub requested: Amount,
    pub rate: Option<Decimal>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub required_confirmations: u32,
    pub uri: String,
}

fn missing(k: &str) -> Error {
    Error::invalid_input(format!(
        "the payment's data has no valid {k:?}: pass the intent's backend_data (or the last \
         response's bank_data) to status"
    ))
}

fn text<'a>(data: &'a Map<String, Value>, k: &str) -> Result<&'a str> {
    data.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| missing(k))
}

fn time(data: &Map<String, Value>, k: &str) -> Result<Timestamp> {
    text(data, k)?.parse().map_err(|_| missing(k))
}

fn integer(data: &Map<String, Value>, k: &str) -> Result<u64> {
    data.get(k)
        .and_then(Value::as_u64)
        .ok_or_else(|| missing(k))
}

impl Order {
    /// Reads the terms from a payment's data.
    pub(crate) fn read(data: &Map<String, Value>) -> Result<Order> {
        let network =
            Network::from_name(text(data, key::NETWORK)?).ok_or_else(|| missing(key::NETWORK))?;
        let rate = match data.get(key::RATE) {
            None | Some(Value::Null) => None,
            Some(Value::String(r)) => Some(parse_rate(r).map_err(|_| missing(key::RATE))?),
            Some(_) => return Err(missing(key::RATE)),
        };
        Ok(Order {
            address: text(data, key::ADDRESS)?.to_owned(),
            address_index: u32::try_from(integer(data, key::ADDRESS_INDEX)?)
                .map_err(|_| missing(key::ADDRESS_INDEX))?,
            network,
            amount_sat: integer(data, key::AMOUNT_SAT)?,
            requested: Amount::parse(text(data, key::REQUESTED_AMOUNT)?)
                .map_err(|_| missing(key::REQUESTED_AMOUNT))?,
            rate,
            created_at: time(data, key::CREATED_AT)?,
            expires_at: time(data, key::EXPIRES_AT)?,
            required_confirmations: u32::try_from(integer(data, key::REQUIRED_CONFIRMATIONS)?)
                .map_err(|_| missing(key::REQUIRED_CONFIRMATIONS))?,
            uri: text(data, key::URI)?.to_owned(),
        })
    }

    /// Writes the terms into `data`.
    pub(crate) fn write(&self, data: &mut Map<String, Value>) {
        let mut put = |k: &str, v: Value| {
            data.insert(k.to_owned(), v);
        };
        put(key::ADDRESS, self.address.clone().into());
        put(key::ADDRESS_INDEX, self.address_index.into());
        put(key::NETWORK, self.network.as_str().into());
        put(key::AMOUNT_SAT, self.amount_sat.into());
        put(key::AMOUNT_BTC, sat_to_btc(self.amount_sat).into());
        put(
            key::REQUESTED_AMOUNT,
            self.requested.to_taler_string().into(),
        );
        if let Some(rate) = self.rate {
            put(key::RATE, rate.to_string().into());
        }
        put(key::CREATED_AT, self.created_at.to_string().into());
        put(key::EXPIRES_AT, self.expires_at.to_string().into());
        put(
            key::REQUIRED_CONFIRMATIONS,
            self.required_confirmations.into(),
        );
        put(key::URI, self.uri.clone().into());
    }

    /// Checks the terms against the configuration: same network, the address derived from
    /// its index, the amount converted from the requested one at the stored rate.
    pub(crate) fn check(&self, settings: &Settings) -> Result<()> {
        let integrity = |field: &'static str, expected: String, found: String| {
            Err(Error::Integrity {
                field,
                expected,
                found,
            })
        };
        if self.network != settings.network {
            return integrity(
                "network",
                settings.network.to_string(),
                self.network.to_string(),
            );
        }
        let derived = settings
            .key
            .address(self.address_index)
            .map_err(Error::invalid_input)?;
        if derived != self.address {
            return integrity("address", derived, self.address.clone());
        }
        let sats = match self.rate {
            Some(rate) => fiat_to_sat(&self.requested, rate),
            None => btc_amount_to_sat(&self.requested),
        }
        .map_err(Error::invalid_input)?;
        if sats != self.amount_sat {
            return integrity("amount", sats.to_string(), self.amount_sat.to_string());
        }
        if self.expires_at < self.created_at {
            return Err(Error::invalid_input(
                "the payment's data expires before it was created",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing_keys() {
        let o = Order {
            address: "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu".into(),
            address_index: 0,
            network: Network::Mainnet,
            amount_sat: 16_667,
            requested: Amount::parse("EUR:10.00").unwrap(),
            rate: Some(parse_rate("60000").unwrap()),
            created_at: "2024-05-01T10:00:00Z".parse().unwrap(),
            expires_at: "2024-05-01T10:15:00Z".parse().unwrap(),
            required_confirmations: 1,
            uri: "bitcoin:x".into(),
        };
        let mut data = Map::new();
        o.write(&mut data);
        assert_eq!(data[key::AMOUNT_BTC], "0.00016667");
        assert_eq!(data[key::REQUESTED_AMOUNT], "EUR:10.00");
        assert_eq!(data[key::EXPIRES_AT], "2024-05-01T10:15:00Z");
        assert_eq!(Order::read(&data).unwrap(), o);
        for k in [key::ADDRESS, key::AMOUNT_SAT, key::EXPIRES_AT, key::NETWORK] {
            let mut d = data.clone();
            d.remove(k);
            let e = Order::read(&d).unwrap_err().to_string();
            assert!(e.contains(k), "{e}");
        }
        let mut d = data.clone();
        d.insert(key::RATE.into(), 60000.into());
        assert!(Order::read(&d).is_err());
    }
}
