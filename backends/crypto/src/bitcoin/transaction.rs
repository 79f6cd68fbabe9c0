//! The per-transaction fields of a `bitcoin` payment ([`BitcoinTransaction`]).

use serde::{Deserialize, Deserializer};

/// The per-transaction fields of a `bitcoin` payment (`PaymentRequest::extra`, CLI `--set`).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BitcoinTransaction {
    /// Address index
    ///
    /// Which receive address of the account pays for this order: m/84'/coin'/account'/0/INDEX.
    /// Use the shop's own order sequence (0, 1, 2...), never the same index for two open
    /// orders, and keep gaps small: the merchant's wallet only looks a gap limit (usually 20)
    /// of unused addresses ahead, so payments to far-away indexes stay invisible to it until
    /// the gap limit is raised.
    #[serde(deserialize_with = "index")]
    #[schemars(range(min = 0, max = 2147483647))]
    pub address_index: u32,
    /// Exchange rate
    ///
    /// The price of one bitcoin in the request's currency for this payment (exact decimal
    /// text, such as "60000.00"), instead of the configured rate.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub rate: Option<String>,
    /// Label
    ///
    /// The payee name wallets show for this payment, instead of the configured label.
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub label: Option<String>,
}

/// An index given as a JSON integer or as text (a form, `--set address_index=5`).
fn index<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    use serde::de::Error as _;
    let value = serde_json::Value::deserialize(d)?;
    let n = match &value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= super::keys::MAX_ADDRESS_INDEX)
        .ok_or_else(|| D::Error::custom("address_index must be an integer from 0 to 2147483647"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_as_number_or_text() {
        for (v, want) in [
            (serde_json::json!({"address_index": 5}), Some(5)),
            (serde_json::json!({"address_index": "42"}), Some(42)),
            (
                serde_json::json!({"address_index": 2147483647u64}),
                Some(2147483647),
            ),
            (serde_json::json!({"address_index": 2147483648u64}), None),
            (serde_json::json!({"address_index": -1}), None),
            (serde_json::json!({"address_index": "4x"}), None),
            (serde_json::json!({"address_index": 1.5}), None),
            (serde_json::json!({"address_index": 1, "nope": 2}), None),
        ] {
            let got = serde_json::from_value::<BitcoinTransaction>(v.clone())
                .ok()
                .map(|t| t.address_index);
            assert_eq!(got, want, "{v}");
        }
    }
}
