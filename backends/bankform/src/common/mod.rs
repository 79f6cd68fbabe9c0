//! Helpers shared by every bank-form protocol: ordered form fields, signature primitives,
//! strict parsing of what the bank sent, money encodings, time zones, identifiers, and
//! configuration loading.

pub(crate) mod config;
pub(crate) mod fields;
pub(crate) mod ids;
pub(crate) mod money;
pub(crate) mod read_fields;
pub(crate) mod received;
pub(crate) mod sign;
pub(crate) mod text;
pub(crate) mod time;
