#![doc = include_str!("../../docs/bitcoin.md")]

#[cfg(test)]
mod amount_props;
mod bip321;
mod bitcoind;
mod config;
mod convert;
mod esplora;
mod keys;
mod order;
mod request;
mod source;
mod state;
mod status;
mod transaction;

use std::sync::Arc;

use polypay_core::{
    Backend, BackendFactory, Capabilities, Context, Description, Error, Incoming, Operation,
    PaymentIntent, PaymentRequest, PaymentResponse, Result, StatusQuery, Step,
};

pub use bip321::{BitcoinUri, UriError};
pub use bitcoind::MAX_TXS as BITCOIND_MAX_TXS;
pub use config::{BitcoinConfig, Network};
pub use convert::{DUST_LIMIT_SAT, MAX_SAT, SAT_PER_BTC, btc_to_sat, fiat_to_sat, sat_to_btc};
pub use esplora::MAX_CHAIN_PAGES as ESPLORA_MAX_CHAIN_PAGES;
pub use keys::{AccountKey, MAX_ADDRESS_INDEX};
pub use order::key;
/// QR codes of the `bitcoin:` URIs (from polypay-core, feature `qr`).
pub use polypay_core::{intent_qr_svg, qr_svg};
pub use transaction::BitcoinTransaction;

use config::{Settings, Source};

/// The backend kind.
pub const KIND: &str = "bitcoin";

/// A configured `bitcoin` backend.
pub struct Bitcoin {
    settings: Settings,
}

impl std::fmt::Debug for Bitcoin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bitcoin")
            .field("network", &self.settings.network)
            .field("key", &self.settings.key)
            .field("source", &self.source_name())
            .finish_non_exhaustive()
    }
}

impl Bitcoin {
    /// Builds a backend from a configuration, checking it (every problem at once).
    pub fn new(config: BitcoinConfig) -> Result<Bitcoin> {
        Ok(Bitcoin {
            settings: config.settings()?,
        })
    }

    /// The account key addresses are derived from.
    pub fn account_key(&self) -> &AccountKey {
        &self.settings.key
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.settings.network
    }

    /// The receive address at `index` (what `request` puts in the URI).
    pub fn address(&self, index: u32) -> Result<String> {
        self.settings
            .key
            .address(index)
            .map_err(Error::invalid_input)
    }

    /// `esplora` or `bitcoind`.
    fn source_name(&self) -> &'static str {
        match self.settings.source {
            Source::Esplora { .. } => "esplora",
            Source::Bitcoind { .. } => "bitcoind",
        }
    }
}

impl Backend for Bitcoin {
    fn kind(&self) -> &str {
        KIND
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn request(&self, req: &PaymentRequest, cx: Context<'_>) -> Result<Step<PaymentIntent>> {
        request::step(self, req, cx)
    }

    fn response(&self, _incoming: &Incoming, _cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        // No bank calls back: the chain is read through `status`.
        Err(Error::unsupported(KIND, Operation::Response))
    }

    fn status(&self, query: &StatusQuery, cx: Context<'_>) -> Result<Step<PaymentResponse>> {
        status::step(self, query, cx)
    }
}

/// What the `bitcoin` backend supports: `request` and `status` only. There is no bank to
/// send a notification (`response`), nothing to capture, and refunds and cancellations are
/// the merchant's own wallet's business (an unpaid address simply expires). The caller may
/// choose the transaction id.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::new(&[Operation::Request, Operation::Status]);
    caps.caller_transaction_id = true;
    // Answers are read over an authenticated channel; nothing is signed.
    caps.signed_responses = false;
    caps
}

/// The factory of `bitcoin` backends, registered with polypay's registry.
#[derive(Debug, Clone, Copy)]
pub struct BitcoinFactory;

impl BackendFactory for BitcoinFactory {
    fn kind(&self) -> &str {
        KIND
    }

    fn description(&self) -> Description {
        Description::from_types::<BitcoinConfig, BitcoinTransaction>(
            KIND,
            "Bitcoin (self-custodial, BIP84)",
            capabilities(),
        )
    }

    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>> {
        let config: BitcoinConfig = polypay_core::parse_config(&self.description(), config)?;
        Ok(Arc::new(Bitcoin::new(config)?))
    }
}

polypay_core::register_backend!(BitcoinFactory);

#[cfg(test)]
mod tests;
