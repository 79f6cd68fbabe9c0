//! The `chainside` backend: the Chainside WebPOS API.
