//! The polypay conformance suite (`polypay_core::testkit`) against the `bitcoin` backend,
//! with the Esplora simulator as the chain and a payer who pays the intent's URI in full (then
//! a block is mined) or not at all. `bitcoin` offers `status` but not `response`, so the suite
//! reads outcomes through `status`.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use polypay_core::testkit::{
    BankSimulator, Harness, SimOutcome, loopback_runtime, run_conformance,
};
use polypay_core::{Action, Error, Incoming, PaymentIntent, Result, Timestamp};
use polypay_crypto::bitcoin::{BitcoinFactory, BitcoinUri};
use polypay_crypto::simulator::chain::Chain;
use polypay_crypto::simulator::esplora::EsploraSimulator;

use crate::bitcoin_support::{VPUB, eur, req, t0};

/// The payer's wallet.
struct Payer {
    chain: Chain,
}

impl BankSimulator for Payer {
    fn outcomes(&self) -> Vec<SimOutcome> {
        // What a chain can tell at one instant: paid (and confirmed) or still waiting.
        // Expiry needs the clock to move, which the suite does not do: tested elsewhere.
        vec![SimOutcome::Paid, SimOutcome::Waiting]
    }

    fn complete(
        &self,
        intent: &PaymentIntent,
        outcome: SimOutcome,
        _now: Timestamp,
    ) -> Result<Incoming> {
        if outcome == SimOutcome::Paid {
            // Pays what the URI says, as a wallet scanning the QR code would.
            let Action::Uri { uri, .. } = &intent.action else {
                return Err(Error::invalid_input("not a bitcoin: URI"));
            };
            let uri = BitcoinUri::parse(uri).map_err(|e| Error::invalid_input(e.to_string()))?;
            let (Some(address), Some(sats)) = (uri.address, uri.amount_sat) else {
                return Err(Error::invalid_input("the URI has no address or amount"));
            };
            self.chain.pay(&address, sats);
            self.chain.mine(1);
        }
        Ok(Incoming::default())
    }

    fn tamper(&self, incoming: &Incoming) -> Incoming {
        let mut out = incoming.clone();
        out.query = "forged=1".into();
        out
    }

    fn strip_signature(&self, incoming: &Incoming) -> Incoming {
        let mut out = incoming.clone();
        out.query = "unsigned=1".into();
        out
    }
}

#[test]
fn bitcoin_passes_the_conformance_suite() {
    let runtime = loopback_runtime().unwrap();
    let chain = Chain::new(polypay_crypto::bitcoin::Network::Regtest, 200);
    chain.set_now(t0());
    let sim = runtime
        .block_on(EsploraSimulator::start(chain.clone()))
        .unwrap();
    let config = serde_json::json!({
        "xpub": VPUB,
        "network": "regtest",
        "esplora_url": sim.base_url().as_str(),
        "rates": { "EUR": "60000" },
    });
    let harness = Harness::new(
        Arc::new(BitcoinFactory),
        config.as_object().cloned().unwrap(),
        Arc::new(Payer { chain }),
    )
    .with_request(req(eur("10.00"), 0))
    // One fresh address per payment, as a shop does.
    .with_request_fn(|n| req(eur("10.00"), u32::try_from(n).unwrap()))
    .with_loopback_http(runtime.clone())
    .with_now(t0());
    let report = run_conformance(&harness);
    println!("{report}");
    report.assert_passed(&[
        "description.sane",
        "build.empty_config_names_required",
        "capabilities.request_and_response",
        "request.reproducible",
        "request.caller_transaction_id",
        "response.paid_verified_and_checked",
        "response.outcome.paid",
        "response.outcome.waiting",
        "response.same_input_same_response",
        "response.garbage.huge_query",
        "operations.status.advertised_is_supported",
        "operations.response.unadvertised_is_unsupported",
        "operations.refund.unadvertised_is_unsupported",
        "check.detects_mismatch",
    ]);
    drop(sim);
}
