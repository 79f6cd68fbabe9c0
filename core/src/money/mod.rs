//! Money: exact amounts and currencies. No floating point anywhere.

mod amount;
mod currency;
mod iso4217;

pub use amount::{Amount, MAX_INTEGER_PART};
pub use currency::{Currency, MAX_CODE_LEN, MAX_EXPONENT, TALER_EXPONENT};

#[cfg(test)]
mod proptests;
