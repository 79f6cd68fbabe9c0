//! Bitcoin Core JSON-RPC replies fed to the `bitcoin` backend's `status` steps (a watch-only
//! wallet): the batch `getaddressinfo` + `listreceivedbyaddress`, then the batch of
//! `gettransaction` calls for the txids listed.
//!
//! Input: the first byte picks the scenario (which payment, when it is polled, whether an
//! earlier poll saw transactions, a node on the loopback or on another host over plain HTTP);
//! the rest is up to three replies separated by a line `--`, each an optional status line
//! then the body. Beyond not panicking: a paid answer needs a reply saying the wallet watches
//! the address and `gettransaction` answers receiving enough BTC on it (amounts read from
//! their JSON text, exactly) with `REQUIRED` confirmations; every call is a POST to the
//! wallet, with the credentials in a sensitive header, and the RPC password never shows.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use polypay_core::{Backend, HttpRequest, Method, PaymentIntent, Step};
use polypay_crypto::bitcoin::Bitcoin;
use polypay_fuzz::bitcoin::{Poll, REQUIRED, backend, check_status, intents};
use polypay_fuzz::crypto::{Call, check_credentials, check_error, drive, input_spells, replies};
use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Value, json};

const PASSWORD: &str = "fuzz-rpc-password";
/// `shop:fuzz-rpc-password` in base64 (what the Basic header carries).
const BASIC: &str = "c2hvcDpmdXp6LXJwYy1wYXNzd29yZA==";

static BACKENDS: LazyLock<[(Bitcoin, [PaymentIntent; 2]); 2]> = LazyLock::new(|| {
    let make = |url: &str, extra: Value| {
        let mut source = json!({
            "bitcoind_url": url, "bitcoind_user": "shop",
            "bitcoind_password": PASSWORD, "bitcoind_wallet": "shop",
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            source[k] = v;
        }
        let b = backend(source);
        let i = intents(&b);
        (b, i)
    };
    [
        make("http://127.0.0.1:8332/", json!({})),
        make("http://node.example:8332/", json!({"allow_http": true})),
    ]
});

fn check_request(r: &HttpRequest) {
    assert_eq!(r.method, Method::Post, "a Bitcoin Core call is a POST");
    assert_eq!(
        r.url.path(),
        "/wallet/shop",
        "a call that is not to the wallet: {}",
        r.url
    );
    assert!(r.url.query().is_none() && r.url.password().is_none());
    check_credentials(r, &[PASSWORD, BASIC]);
    let batch: Vec<Value> = serde_json::from_slice(&r.body).expect("a JSON-RPC batch");
    assert!(
        !batch.is_empty() && batch.len() <= 200,
        "a batch of {}",
        batch.len()
    );
}

type Object = BTreeMap<String, Box<RawValue>>;

/// A field of a raw object, as a plain JSON value (Null when absent).
fn field(o: &Object, k: &str) -> Value {
    o.get(k)
        .and_then(|v| serde_json::from_str(v.get()).ok())
        .unwrap_or(Value::Null)
}

/// The batch's result objects (as raw JSON) of the calls whose id is `id` (any, when None);
/// nothing from a body that is not JSON text (UTF-8 throughout).
fn results(body: &[u8], id: Option<&str>) -> Vec<Object> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Vec::new();
    };
    let Ok(batch) = serde_json::from_str::<Vec<Object>>(text) else {
        return Vec::new();
    };
    batch
        .iter()
        .filter(|e| id.is_none() || field(e, "id").as_str() == id)
        .filter_map(|e| serde_json::from_str::<Object>(e.get("result")?.get()).ok())
        .collect()
}

/// Satoshis of a BTC amount's JSON text, exactly (none when it is not a whole number of
/// satoshis, or negative).
fn sats(text: &str) -> Option<u128> {
    let btc = Decimal::from_str_exact(text).ok()?;
    let sat = btc.checked_mul(Decimal::from(100_000_000u64))?;
    if sat.is_sign_negative() || !sat.fract().is_zero() {
        return None;
    }
    sat.trunc().to_string().parse().ok()
}

/// The most the replies show received on `address` with `REQUIRED` confirmations, when one
/// of them says the wallet watches the address (zero otherwise).
fn confirmed_upper_bound(calls: &[Call], address: &str) -> u128 {
    let watched = calls.iter().any(|(_, resp)| {
        results(&resp.body, Some("info")).iter().any(|info| {
            field(info, "ismine") == json!(true) || field(info, "iswatchonly") == json!(true)
        })
    });
    if !watched {
        return 0;
    }
    let mut best: BTreeMap<String, u128> = BTreeMap::new();
    for (req, resp) in calls {
        if !String::from_utf8_lossy(&req.body).contains("gettransaction") {
            continue;
        }
        for tx in results(&resp.body, None) {
            let deep = field(&tx, "confirmations")
                .as_u64()
                .is_some_and(|c| c >= REQUIRED);
            if !deep {
                continue;
            }
            let details: Vec<Object> = tx
                .get("details")
                .and_then(|d| serde_json::from_str(d.get()).ok())
                .unwrap_or_default();
            let mut by_vout: BTreeMap<String, u128> = BTreeMap::new();
            for d in &details {
                if field(d, "category") != json!("receive")
                    || field(d, "address").as_str() != Some(address)
                {
                    continue;
                }
                let vout = d
                    .get("vout")
                    .map(|v| v.get().to_owned())
                    .unwrap_or_default();
                let value = d.get("amount").and_then(|a| sats(a.get())).unwrap_or(0);
                let e = by_vout.entry(vout).or_default();
                *e = (*e).max(value);
            }
            let id = field(&tx, "txid").as_str().unwrap_or_default().to_owned();
            let e = best.entry(id).or_default();
            *e = (*e).max(by_vout.values().sum());
        }
    }
    best.values().sum()
}

fuzz_target!(|data: &[u8]| {
    let Some((&scenario, rest)) = data.split_first() else {
        return;
    };
    let (btc, intents) = &BACKENDS[usize::from((scenario >> 4) & 1)];
    let poll = Poll::new(intents, scenario);
    let replies = replies(rest, 3);
    let driven = drive(
        poll.now,
        |cx| btc.status(&poll.query, cx),
        &replies,
        check_request,
    );
    for state in &driven.states {
        let text = state.to_string();
        assert!(!text.contains(PASSWORD) && !text.contains(BASIC));
    }
    polypay_fuzz::crypto::trace("bitcoind", &driven.last);
    match &driven.last {
        Ok(Step::Done(r)) => {
            check_status(
                &poll,
                r,
                confirmed_upper_bound(&driven.calls, &poll.address),
            );
            if scenario & 16 != 0 {
                assert!(!r.is_verified(), "verified over plain HTTP: {r:?}");
            }
            let shown = format!("{r:?}");
            assert!(!shown.contains(PASSWORD) || input_spells(data, PASSWORD));
        }
        Ok(Step::Http { .. }) => {}
        Err(e) => check_error(e, &[PASSWORD, BASIC], data),
    }
});
