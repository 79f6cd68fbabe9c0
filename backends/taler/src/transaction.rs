//! The per-transaction fields of a `taler` payment ([`TalerTransaction`]).

use serde::Deserialize;

/// The per-transaction fields of a `taler` payment (`PaymentRequest::extra`, CLI `--set`).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TalerTransaction {
    /// Session id
    ///
    /// Binds the payment to a browser session (session-bound payments): `status` with the
    /// same session id reports paid only when the wallet proved payment in that session.
    #[serde(default)]
    #[schemars(length(min = 1, max = 200))]
    pub session_id: Option<String>,
    /// Products
    ///
    /// The order's products, as a JSON array of Taler `Product` objects (each needs a
    /// `description`).
    #[serde(default)]
    pub products: Option<Products>,
    /// Fulfillment message
    ///
    /// Overrides the configured fulfillment message for this order.
    #[serde(default)]
    pub fulfillment_message: Option<String>,
    /// Minimum age
    ///
    /// The customer's minimum age, checked by the wallet (age-restricted goods).
    #[serde(default)]
    #[schemars(range(min = 1, max = 32))]
    pub minimum_age: Option<u8>,
    /// Refund delay (seconds)
    ///
    /// Overrides the configured refund delay for this order.
    #[serde(default)]
    pub refund_delay_seconds: Option<u64>,
    /// Payment deadline (seconds)
    ///
    /// Overrides the configured payment deadline for this order.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub pay_deadline_seconds: Option<u64>,
}

/// A JSON array of Taler `Product` objects, given as JSON or as JSON text (from a form or the
/// command line).
#[derive(Debug, Clone, PartialEq)]
pub struct Products(pub Vec<serde_json::Map<String, serde_json::Value>>);

impl<'de> Deserialize<'de> for Products {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let value = match value {
            serde_json::Value::String(text) => serde_json::from_str(&text)
                .map_err(|e| D::Error::custom(format!("products is not JSON: {e}")))?,
            other => other,
        };
        let serde_json::Value::Array(items) = value else {
            return Err(D::Error::custom("products must be a JSON array"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                serde_json::Value::Object(obj)
                    if obj.get("description").is_some_and(|d| d.is_string()) =>
                {
                    out.push(obj)
                }
                _ => {
                    return Err(D::Error::custom(format!(
                        "product {i} must be an object with a text `description`"
                    )));
                }
            }
        }
        Ok(Products(out))
    }
}

impl schemars::JsonSchema for Products {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Products".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // "string" first: text from a form stays text, and JSON arrays are accepted too.
        schemars::json_schema!({ "type": ["string", "array"] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_accept_json_or_text() {
        let t: TalerTransaction = serde_json::from_value(serde_json::json!({
            "products": "[{\"description\": \"Tea\", \"quantity\": 2}]"
        }))
        .unwrap();
        assert_eq!(t.products.unwrap().0[0]["quantity"], 2);
        let t: TalerTransaction = serde_json::from_value(serde_json::json!({
            "products": [{"description": "Tea"}]
        }))
        .unwrap();
        assert_eq!(t.products.unwrap().0.len(), 1);
        for bad in [
            serde_json::json!({"products": "nope"}),
            serde_json::json!({"products": [{"quantity": 1}]}),
            serde_json::json!({"products": {"description": "x"}}),
        ] {
            assert!(serde_json::from_value::<TalerTransaction>(bad).is_err());
        }
    }
}
