//! What a backend can do, declared once and used both to advertise and to enforce.

use serde::{Deserialize, Serialize};

use crate::{Amount, Currency, Error, Operation, Result};

/// The static description of what a backend supports.
///
/// The [`crate::Payment`] facade checks it before calling an operation, so an operation that is
/// not listed fails with [`Error::Unsupported`] without reaching the backend; and
/// [`Capabilities::check_amount`] enforces the same limits that are advertised.
///
/// ```
/// use polypay_core::{Capabilities, Operation};
/// let caps = Capabilities::new(&[Operation::Request, Operation::Response]);
/// assert!(caps.supports(Operation::Request));
/// assert!(!caps.supports(Operation::Refund));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// The operations offered.
    pub operations: Vec<Operation>,
    /// Whether the caller may choose the transaction id.
    pub caller_transaction_id: bool,
    /// Whether returns/notifications are authenticated (signed). When false, responses are
    /// never verified and the payment must be confirmed through `status`.
    pub signed_responses: bool,
    /// Whether `validate` may capture less than the authorised amount.
    pub partial_capture: bool,
    /// Whether `refund` may give back less than the paid amount.
    pub partial_refund: bool,
    /// Whether a customer e-mail is required by `request`.
    pub email_required: bool,
    /// A test-only backend, refused in a production configuration.
    pub test_only: bool,
    /// Accepted currencies; empty means any.
    pub currencies: Vec<Currency>,
    /// Amount limits, one entry per currency that has limits.
    pub amount_limits: Vec<AmountLimit>,
}

/// Lowest and highest amount accepted in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountLimit {
    /// Lowest amount accepted, if any.
    pub min: Option<Amount>,
    /// Highest amount accepted, if any.
    pub max: Option<Amount>,
}

impl Capabilities {
    /// Capabilities offering `operations`, signed responses, and nothing else.
    pub fn new(operations: &[Operation]) -> Capabilities {
        let mut operations = operations.to_vec();
        operations.sort();
        operations.dedup();
        Capabilities {
            operations,
            caller_transaction_id: false,
            signed_responses: true,
            partial_capture: false,
            partial_refund: false,
            email_required: false,
            test_only: false,
            currencies: Vec::new(),
            amount_limits: Vec::new(),
        }
    }

    /// Whether `op` is offered.
    pub fn supports(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }

    /// Checks that the amount is positive, in an accepted currency and within the limits.
    pub fn check_amount(&self, amount: &Amount) -> Result<()> {
        if amount.is_zero() {
            return Err(Error::invalid_input("the amount must be greater than zero"));
        }
        let cur = amount.currency();
        if !self.currencies.is_empty() && !self.currencies.iter().any(|c| c.code() == cur.code()) {
            let list: Vec<&str> = self.currencies.iter().map(|c| c.code()).collect();
            return Err(Error::invalid_input(format!(
                "currency {cur} is not accepted (accepted: {})",
                list.join(", ")
            )));
        }
        for limit in &self.amount_limits {
            if let Some(min) = &limit.min
                && min.currency().code() == cur.code()
                && amount < min
            {
                return Err(Error::invalid_input(format!(
                    "the amount {amount} is below the minimum {min}"
                )));
            }
            if let Some(max) = &limit.max
                && max.currency().code() == cur.code()
                && amount > max
            {
                return Err(Error::invalid_input(format!(
                    "the amount {amount} is above the maximum {max}"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced() {
        let mut caps = Capabilities::new(&[Operation::Request]);
        caps.currencies = vec![Currency::EUR];
        caps.amount_limits = vec![AmountLimit {
            min: Some(Amount::parse("EUR:1.00").unwrap()),
            max: Some(Amount::parse("EUR:9999.99").unwrap()),
        }];
        assert!(
            caps.check_amount(&Amount::parse("EUR:1.00").unwrap())
                .is_ok()
        );
        assert!(
            caps.check_amount(&Amount::parse("EUR:0.99").unwrap())
                .is_err()
        );
        assert!(
            caps.check_amount(&Amount::parse("EUR:10000").unwrap())
                .is_err()
        );
        assert!(caps.check_amount(&Amount::parse("USD:5").unwrap()).is_err());
        assert!(caps.check_amount(&Amount::parse("EUR:0").unwrap()).is_err());
    }
}
