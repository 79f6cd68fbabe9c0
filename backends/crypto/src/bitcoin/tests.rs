//! Unit tests of the whole backend: the bech32/bech32m vectors of BIP173 and BIP350 through
//! rust-bitcoin's parsers, `request`, and `status` fed with recorded answers.

use std::str::FromStr;

use bitcoin::Address;
use bitcoin::address::NetworkUnchecked;
use bitcoin::bech32::primitives::decode::CheckedHrpstring;
use bitcoin::bech32::{Bech32, Bech32m};
use polypay_core::{
    Action, Amount, Exchange, HttpResponse, PaymentRequest, PaymentStatus, StatusQuery, Timestamp,
};
use serde_json::json;

use super::*;

const ZPUB: &str = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
const A0: &str = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";

#[test]
fn bech32_generic_vectors() {
    for s in [
        "A12UEL5L",
        "a12uel5l",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    ] {
        assert!(CheckedHrpstring::new::<Bech32>(s).is_ok(), "bech32 {s}");
        assert!(
            CheckedHrpstring::new::<Bech32m>(s).is_err(),
            "not bech32m {s}"
        );
    }
    for s in [
        "A1LQFN3A",
        "a1lqfn3a",
        "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
        "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
        "?1v759aa",
        "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    ] {
        assert!(CheckedHrpstring::new::<Bech32m>(s).is_ok(), "bech32m {s}");
        assert!(
            CheckedHrpstring::new::<Bech32>(s).is_err(),
            "not bech32 {s}"
        );
    }
}

#[test]
fn segwit_address_vectors() {
    for (address, script) in [
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "0014751e76e8199196d454941c45d1b3a323f1433bd6",
        ),
        (
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
        ),
        (
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
        ),
        ("BC1SW50QGDZ25J", "6002751e"),
        (
            "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
            "5210751e76e8199196d454941c45d1b3a323",
        ),
        (
            "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
            "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
        ),
        (
            "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
            "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
        ),
    ] {
        let parsed = Address::<NetworkUnchecked>::from_str(address)
            .unwrap_or_else(|e| panic!("{address}: {e}"));
        let spk = parsed.assume_checked().script_pubkey();
        assert_eq!(
            bitcoin::hex::DisplayHex::to_lower_hex_string(spk.as_bytes()),
            script,
            "{address}"
        );
    }
    for (address, why) in [
        (
            "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
            "invalid human-readable part",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
            "bech32 instead of bech32m",
        ),
        (
            "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
            "bech32 instead of bech32m",
        ),
        (
            "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
            "bech32 instead of bech32m",
        ),
        (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
            "bech32m instead of bech32",
        ),
        (
            "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
            "bech32m instead of bech32",
        ),
        (
            "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
            "invalid character in checksum",
        ),
        (
            "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
            "invalid witness version",
        ),
        ("bc1pw5dgrnzv", "invalid program length (1 byte)"),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
            "41 bytes",
        ),
        (
            "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
            "program length for v0",
        ),
        (
            "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
            "mixed case",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
            "zero padding of more than 4 bits",
        ),
        (
            "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
            "non-zero padding",
        ),
        ("bc1gmk9yu", "empty data section"),
        (
            "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",
            "bad HRP (BIP173)",
        ),
        (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
            "bad checksum (BIP173)",
        ),
        ("bc1rw5uspcuh", "bad program length (BIP173)"),
        (
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
            "mixed case (BIP173)",
        ),
    ] {
        assert!(
            Address::<NetworkUnchecked>::from_str(address).is_err(),
            "{address}: {why}"
        );
        // A URI may carry it (or refuse its syntax), but it is no address of any network.
        if let Ok(uri) = BitcoinUri::parse(&format!("bitcoin:{address}")) {
            for network in [Network::Mainnet, Network::Testnet, Network::Regtest] {
                assert!(uri.checked_address(network).is_err(), "{address}: {why}");
            }
        }
    }
}

fn backend(patch: serde_json::Value) -> Bitcoin {
    let mut c = json!({
        "xpub": ZPUB,
        "esplora_url": "https://esplora.example/api",
        "rates": {"EUR": "60000"},
        "label": "Shop",
    });
    for (k, v) in patch.as_object().cloned().unwrap_or_default() {
        c[k] = v;
    }
    Bitcoin::new(serde_json::from_value(c).unwrap()).unwrap()
}

fn at(minute: i64) -> Timestamp {
    Timestamp::from_second(1_714_557_600 + minute * 60).unwrap()
}

fn request(btc: &Bitcoin, req: &PaymentRequest) -> polypay_core::Result<PaymentIntent> {
    let cx = Context::fixed(at(0), [7; 32]);
    Ok(btc.request(req, cx)?.done().unwrap())
}

#[test]
fn request_builds_the_uri_and_the_terms() {
    let btc = backend(json!({}));
    let req = PaymentRequest::new(Amount::parse("EUR:10.00").unwrap())
        .with_description("Order #42")
        .with_extra_json("address_index", json!(0));
    let intent = request(&btc, &req).unwrap();
    let Action::Uri { uri, url: None } = &intent.action else {
        panic!("uri")
    };
    assert_eq!(
        uri,
        &format!("bitcoin:{A0}?amount=0.00016667&label=Shop&message=Order%20%2342")
    );
    assert_eq!(intent.expires_at, Some(at(15)));
    let d = &intent.backend_data;
    assert_eq!(d["address"], A0);
    assert_eq!(d["amount_sat"], 16_667);
    assert_eq!(d["rate"], "60000");
    assert_eq!(d["requested_amount"], "EUR:10.00");
    assert!(intent.transaction_id.starts_with("btc-"));
    // BTC directly, a per-request rate and label, an index given as text.
    let req = PaymentRequest::new(Amount::parse("BTC:0.0015").unwrap())
        .with_extra("address_index", "1")
        .with_extra("label", "Café")
        .with_transaction_id("order-7");
    let intent = request(&btc, &req).unwrap();
    let Action::Uri { uri, .. } = &intent.action else {
        panic!("uri")
    };
    assert_eq!(
        uri,
        "bitcoin:bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g?amount=0.0015&label=Caf%C3%A9"
    );
    assert_eq!(intent.transaction_id, "order-7");
    assert!(intent.backend_data.get("rate").is_none());
    let req = PaymentRequest::new(Amount::parse("USD:30.00").unwrap())
        .with_extra("address_index", "2")
        .with_extra("rate", "45678.91");
    assert_eq!(
        request(&btc, &req).unwrap().backend_data["amount_sat"],
        65_676
    );
}

#[test]
fn request_refusals_are_clear() {
    let btc = backend(json!({}));
    let eur = Amount::parse("EUR:10.00").unwrap();
    let cases = [
        (PaymentRequest::new(eur), "address_index is required"),
        (
            PaymentRequest::new(eur).with_extra("address_index", "-1"),
            "address_index",
        ),
        (
            PaymentRequest::new(eur)
                .with_extra("address_index", "1")
                .with_extra("nope", "x"),
            "nope",
        ),
        (
            PaymentRequest::new(Amount::parse("USD:1").unwrap()).with_extra("address_index", "1"),
            "no exchange rate for USD",
        ),
        (
            PaymentRequest::new(Amount::parse("EUR:0.01").unwrap())
                .with_extra("address_index", "1"),
            "dust",
        ),
        (
            PaymentRequest::new(Amount::parse("BTC:1").unwrap())
                .with_extra("address_index", "1")
                .with_extra("rate", "5"),
            "needs none",
        ),
        (
            PaymentRequest::new(eur)
                .with_extra("address_index", "1")
                .with_transaction_id("a b"),
            "transaction id",
        ),
        (
            PaymentRequest::new(Amount::parse("EUR:0").unwrap()).with_extra("address_index", "1"),
            "greater than zero",
        ),
    ];
    for (req, why) in cases {
        let e = request(&btc, &req).unwrap_err().to_string();
        assert!(e.contains(why), "{why}: {e}");
    }
}

/// A status driven with recorded Esplora answers.
fn status_with(
    btc: &Bitcoin,
    query: &StatusQuery,
    now: Timestamp,
    txs: serde_json::Value,
    tip: &str,
) -> polypay_core::Result<PaymentResponse> {
    let cx = Context::fixed(now, [1; 32]);
    let Step::Http { state, .. } = btc.status(query, cx)? else {
        panic!("http")
    };
    let ex = Exchange {
        state,
        response: HttpResponse::new(200, txs.to_string()),
    };
    let Step::Http { state, request } = btc.status(query, cx.with_prior(&ex))? else {
        panic!("http")
    };
    assert!(request.url.as_str().ends_with("/blocks/tip/height"));
    let ex = Exchange {
        state,
        response: HttpResponse::new(200, tip),
    };
    Ok(btc.status(query, cx.with_prior(&ex))?.done().unwrap())
}

fn pay(n: u8, address: &str, value: u64, height: Option<u64>) -> serde_json::Value {
    json!({
        "txid": format!("{n:02x}").repeat(32),
        "vout": [{"scriptpubkey_address": address, "value": value}],
        "status": match height {
            Some(h) => json!({"confirmed": true, "block_height": h, "block_time": 1_714_558_000}),
            None => json!({"confirmed": false}),
        }
    })
}

#[test]
fn status_through_recorded_answers() {
    let btc = backend(json!({"required_confirmations": 2}));
    let req = PaymentRequest::new(Amount::parse("EUR:10.00").unwrap())
        .with_extra_json("address_index", json!(0));
    let intent = request(&btc, &req).unwrap();
    let q = StatusQuery::new(intent.transaction_id.clone()).with_bank_data(intent.backend_data);
    let r = status_with(&btc, &q, at(1), json!([]), "100").unwrap();
    assert_eq!(
        (r.status(), &r.bank_data["state"]),
        (PaymentStatus::Waiting, &json!("unpaid"))
    );
    let r = status_with(&btc, &q, at(2), json!([pay(1, A0, 16_667, None)]), "100").unwrap();
    assert_eq!(r.bank_data["state"], "in_confirmation");
    // The next poll carries the first-seen time, and the payment confirms after the window.
    let q2 = StatusQuery::new(q.transaction_id.clone()).with_bank_data(r.bank_data.clone());
    let r = status_with(
        &btc,
        &q2,
        at(40),
        json!([pay(1, A0, 16_667, Some(101))]),
        "102",
    )
    .unwrap();
    assert!(r.is_paid(), "{:?}", r.bank_status);
    assert_eq!(
        r.bank_data["transactions"][0]["first_seen"],
        at(2).to_string()
    );
    assert!(
        r.check(&Amount::parse("EUR:10.00").unwrap(), &q.transaction_id)
            .is_ok()
    );
    // Without that memory, the same transaction first seen after the window is late.
    let r = status_with(
        &btc,
        &q,
        at(40),
        json!([pay(1, A0, 16_667, Some(101))]),
        "102",
    )
    .unwrap();
    assert_eq!(
        (r.status(), &r.bank_data["state"]),
        (PaymentStatus::Waiting, &json!("paid_late"))
    );
    // A re-org took the payment away: a dispute, back to waiting.
    let q3 = StatusQuery::new(q.transaction_id.clone()).with_bank_data(
        status_with(
            &btc,
            &q2,
            at(40),
            json!([pay(1, A0, 16_667, Some(101))]),
            "102",
        )
        .unwrap()
        .bank_data,
    );
    let r = status_with(&btc, &q3, at(41), json!([]), "102").unwrap();
    assert_eq!(r.status(), PaymentStatus::Expired);
    assert!(
        r.bank_status.as_deref().unwrap().contains("dispute"),
        "{:?}",
        r.bank_status
    );
    assert_eq!(r.bank_data["vanished_txids"][0], "01".repeat(32));
    // Outputs to another address never count.
    let other = btc.address(5).unwrap();
    let r = status_with(
        &btc,
        &q,
        at(3),
        json!([pay(2, &other, 16_667, Some(100))]),
        "105",
    )
    .unwrap();
    assert_eq!(r.bank_data["state"], "unpaid");
}

#[test]
fn tampered_terms_are_integrity_errors() {
    let btc = backend(json!({}));
    let req = PaymentRequest::new(Amount::parse("EUR:10.00").unwrap())
        .with_extra_json("address_index", json!(3));
    let intent = request(&btc, &req).unwrap();
    let cx = Context::fixed(at(1), [1; 32]);
    for (k, v) in [
        ("address", json!(A0)),
        ("address_index", json!(4)),
        ("amount_sat", json!(1_000)),
        ("rate", json!("70000")),
        ("network", json!("testnet")),
    ] {
        let mut data = intent.backend_data.clone();
        data.insert(k.into(), v);
        let q = StatusQuery::new("x").with_bank_data(data);
        assert!(btc.status(&q, cx).is_err(), "{k}");
    }
    assert!(btc.status(&StatusQuery::new("x"), cx).is_err());
    assert!(matches!(
        btc.response(&Incoming::default(), cx),
        Err(Error::Unsupported { .. })
    ));
}
