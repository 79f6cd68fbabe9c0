//! Esplora REST replies fed to the `bitcoin` backend's `status` steps: `address/:a/txs`, the
//! `address/:a/txs/chain/:last` pages, then `blocks/tip/height` (plain text).
//!
//! Input: the first byte picks the scenario (which payment, when it is polled, whether an
//! earlier poll saw transactions, HTTPS or plain HTTP to another host); the rest is up to
//! eight replies separated by a line `--`, each an optional status line (`404`) then the body.
//! Beyond not panicking: a paid answer must be backed by the replies themselves (enough
//! value on the payment's own address, confirmed `REQUIRED` times under the tip read), never
//! by a reply that is not JSON; every call stays on the Esplora API and on this address.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_core::{Backend, HttpRequest, PaymentIntent, Step};
use polypay_crypto::bitcoin::Bitcoin;
use polypay_fuzz::bitcoin::{Poll, REQUIRED, backend, check_status, intents};
use polypay_fuzz::crypto::{Call, check_error, drive, replies};
use serde_json::{Value, json};

const HTTPS: &str = "https://esplora.example/api/";
const PLAIN: &str = "http://esplora.example/api/";

/// Over HTTPS (answers authenticated), and over plain HTTP to another host (never verified).
static BACKENDS: LazyLock<[(Bitcoin, [PaymentIntent; 2], &str); 2]> = LazyLock::new(|| {
    let make = |source: Value, base| {
        let b = backend(source);
        let i = intents(&b);
        (b, i, base)
    };
    [
        make(json!({"esplora_url": "https://esplora.example/api"}), HTTPS),
        make(
            json!({"esplora_url": "http://esplora.example/api", "allow_http": true}),
            PLAIN,
        ),
    ]
});

/// Every call is one of the three Esplora reads, about the payment's own address.
fn check_request(base: &str, address: &str, r: &HttpRequest) {
    let url = r.url.as_str();
    let rest = url
        .strip_prefix(base)
        .unwrap_or_else(|| panic!("a call left the Esplora API: {url}"));
    let txs = format!("address/{address}/txs");
    let ok = rest == "blocks/tip/height"
        || rest == txs
        || rest
            .strip_prefix(&format!("{txs}/chain/"))
            .is_some_and(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(ok, "an unexpected Esplora call: {url}");
    assert!(
        r.url.query().is_none(),
        "an Esplora call with a query: {url}"
    );
}

/// The most the replies show confirmed `REQUIRED` times on `address`: per txid, the largest
/// sum of its outputs to the address among its confirmed sightings that are deep enough under
/// the tip read (read from the raw JSON, independently of the backend's parser).
fn confirmed_upper_bound(calls: &[Call], address: &str) -> u128 {
    let tip = calls
        .iter()
        .filter(|(req, resp)| req.url.path().ends_with("/blocks/tip/height") && resp.is_success())
        .filter_map(|(_, resp)| {
            std::str::from_utf8(&resp.body)
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()
        })
        .next_back();
    let Some(tip) = tip else { return 0 };
    let mut best: BTreeMap<String, u128> = BTreeMap::new();
    for (req, resp) in calls {
        if !req.url.path().contains("/txs") || !resp.is_success() {
            continue;
        }
        let Ok(Value::Array(txs)) = serde_json::from_slice::<Value>(&resp.body) else {
            continue;
        };
        for tx in &txs {
            let status = &tx["status"];
            let deep = status["confirmed"] == json!(true)
                && status["block_height"]
                    .as_u64()
                    .is_some_and(|h| h <= tip && tip - h + 1 >= REQUIRED);
            if !deep {
                continue;
            }
            let value: u128 = tx["vout"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|o| o["scriptpubkey_address"].as_str() == Some(address))
                .filter_map(|o| o["value"].as_u64())
                .map(u128::from)
                .sum();
            let id = tx["txid"].as_str().unwrap_or_default().to_owned();
            let e = best.entry(id).or_default();
            *e = (*e).max(value);
        }
    }
    best.values().sum()
}

fuzz_target!(|data: &[u8]| {
    let Some((&scenario, rest)) = data.split_first() else {
        return;
    };
    let (btc, intents, base) = &BACKENDS[usize::from((scenario >> 4) & 1)];
    let poll = Poll::new(intents, scenario);
    let replies = replies(rest, 8);
    let driven = drive(
        poll.now,
        |cx| btc.status(&poll.query, cx),
        &replies,
        |r| check_request(base, &poll.address, r),
    );
    polypay_fuzz::crypto::trace("esplora", &driven.last);
    match &driven.last {
        Ok(Step::Done(r)) => {
            let bound = confirmed_upper_bound(&driven.calls, &poll.address);
            check_status(&poll, r, bound);
            if *base == PLAIN {
                assert!(!r.is_verified(), "verified over plain HTTP: {r:?}");
            }
        }
        Ok(Step::Http { .. }) => {}
        Err(e) => check_error(e, &[], data),
    }
});
