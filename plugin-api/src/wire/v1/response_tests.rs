//! The wire's response writer and reader against polypay-core's own `Serialize` and
//! `Deserialize`: the same bytes, the same values, the same refusals.
#![allow(clippy::unwrap_used)]

use polypay_core::{Amount, BankData, Currency, PaymentResponse, PaymentStatus, ReturnContent};
use serde_json::json;

use super::*;

fn samples() -> Vec<PaymentResponse> {
    let mut paid = PaymentResponse::verified(PaymentStatus::Paid);
    paid.transaction_id = Some("T\"1\u{e9}".into());
    paid.order_id = Some("o-1".into());
    paid.amount = Some(Amount::parse("EUR:15.24").unwrap());
    paid.bank_status = Some("00 accepted".into());
    paid.bank_data = BankData::from_text_pairs(&[
        ("transaction_id", "T1"),
        ("amount", "15.24"),
        ("quote\"d\\", "line\nbreak \u{1} é"),
        ("sig", "ab12"),
    ]);
    paid.return_content = Some(ReturnContent::text("signature ok"));
    paid.test = true;
    paid.transaction_date = Some("2026-01-01T10:00:00.5Z".parse().unwrap());

    let mut refunded = PaymentResponse::verified(PaymentStatus::Refunded);
    refunded.amount = Some(Amount::parse("JPY:1500").unwrap());
    refunded.refunded_amount = Some(Amount::parse("JPY:200").unwrap());
    let mut mixed = BankData::new();
    mixed.insert_str("state", "paid");
    mixed.insert_json("confirmations", json!(3));
    mixed.insert_json("nested", json!({"a": [1, 2.5, null, true], "b": "x"}));
    mixed.insert_str("after", "text");
    mixed.insert_json("neg", json!(-7));
    refunded.bank_data = mixed;

    // Only a refunded amount: the currency is still written.
    let mut only_refund = PaymentResponse::verified(PaymentStatus::Refunded);
    only_refund.refunded_amount = Some(Amount::parse("BTC:0.00012").unwrap());

    let mut forged = PaymentResponse::unverified(PaymentStatus::Paid);
    forged.return_content = Some(ReturnContent {
        status: 403,
        ..ReturnContent::text("signature ko")
    });
    let mut big = BankData::new();
    for i in 0..80 {
        big.insert_str(&format!("f{i}"), &i.to_string());
    }
    forged.bank_data = big;

    let mut custom = PaymentResponse::verified(PaymentStatus::Waiting);
    custom.amount =
        Some(Amount::new(12.into(), Currency::with_exponent("EUR", 0).unwrap()).unwrap());

    vec![
        paid,
        refunded,
        only_refund,
        forged,
        PaymentResponse::unverified(PaymentStatus::Error),
        PaymentResponse::verified(PaymentStatus::Cancelled),
    ]
}

/// Core's reading of `text`, and the wire's, as comparable results.
fn both(text: &str) -> (Option<PaymentResponse>, Option<PaymentResponse>) {
    (
        serde_json::from_str::<PaymentResponse>(text).ok(),
        serde_json::from_str::<ResponseOf>(text).ok().map(|r| r.0),
    )
}

#[test]
fn the_writer_writes_cores_bytes() {
    // An exponent of the backend's own (which the JSON shape does not carry) too.
    let mut custom = PaymentResponse::verified(PaymentStatus::Waiting);
    custom.amount =
        Some(Amount::new(12.into(), Currency::with_exponent("EUR", 0).unwrap()).unwrap());
    for r in samples().into_iter().chain([custom]) {
        let ours = serde_json::to_string(&ResponseRef(&r)).unwrap();
        assert_eq!(ours, serde_json::to_string(&r).unwrap());
        let mut by_hand = b"[1,".to_vec();
        ResponseRef(&r).write_to(&mut by_hand).unwrap();
        assert_eq!(&by_hand[3..], ours.as_bytes());
    }
}

#[test]
fn the_reader_reads_cores_values_in_cores_order() {
    for r in samples() {
        let text = serde_json::to_string(&r).unwrap();
        let read = serde_json::from_str::<ResponseOf>(&text).unwrap().0;
        assert_eq!(read, r, "{text}");
        assert_eq!(
            read,
            serde_json::from_str::<PaymentResponse>(&text).unwrap()
        );
        // Same fields in the same order (`BankData` compares like a map).
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
        assert_eq!(read.status(), r.status());
        assert_eq!(read.claimed_status(), r.claimed_status());
        assert_eq!(read.is_verified(), r.is_verified());
    }
}

#[test]
fn the_reader_accepts_and_refuses_what_core_does() {
    let base = json!({"status": "paid", "verified": true, "transaction_id": null,
        "order_id": null, "amount": null, "currency": null, "bank_status": null,
        "return_content": null, "transaction_date": null});
    let with = |changes: serde_json::Value| {
        let mut v = base.clone();
        for (k, x) in changes.as_object().unwrap() {
            if x == &json!("<remove>") {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        v.to_string()
    };
    let mut cases = vec![
        with(json!({})),
        // Fail closed: what an unverified message claims is only a claim.
        with(json!({"verified": false})),
        with(json!({"verified": false, "claimed_status": "accepted"})),
        with(json!({"verified": true, "claimed_status": "error"})),
        with(json!({"status": "<remove>"})),
        with(json!({"verified": "<remove>"})),
        with(json!({"verified": "yes"})),
        with(json!({"status": "great"})),
        with(json!({"amount": "10.00"})),
        with(json!({"amount": "10.00", "currency": "eur"})),
        with(json!({"amount": "10.001", "currency": "EUR"})),
        with(json!({"amount": "EUR:10.5", "currency": "EUR"})),
        with(json!({"amount": "USD:10.5", "currency": "EUR"})),
        with(json!({"amount": " 10 ", "currency": "EUR"})),
        with(json!({"amount": "-1", "currency": "EUR"})),
        with(json!({"amount": 10, "currency": "EUR"})),
        with(json!({"amount": "1\u{2e}5", "currency": "X\u{59}Z"})),
        with(json!({"currency": "E1R"})),
        with(json!({"refunded_amount": "1.00", "currency": "EUR"})),
        with(json!({"refunded_amount": "1.00"})),
        with(json!({"transaction_id": 5})),
        with(json!({"transaction_id": "a\"b", "order_id": "c\\d", "bank_status": "é"})),
        with(json!({"bank_data": null})),
        with(json!({"bank_data": []})),
        with(json!({"bank_data": "x"})),
        with(json!({"bank_data": {}})),
        with(
            json!({"bank_data": {"a": 1, "b": [1, {"c": null}], "d": 1.5, "e": -3,
            "f": false, "g": null, "h": 18446744073709551615u64}}),
        ),
        with(json!({"bank_data": "<remove>", "test": "<remove>"})),
        with(json!({"test": 1})),
        with(json!({"return_content": {"status": 200, "content_type": "t", "body": "b"}})),
        with(json!({"return_content": {"status": 200}})),
        with(json!({"transaction_date": "2026-01-01T00:00:00Z"})),
        with(json!({"transaction_date": "yesterday"})),
        with(json!({"added_later": {"x": [1]}})),
    ];
    // Text the `json!` macro cannot write: escapes, duplicates, numbers beyond u64.
    let raw = [
        r#""bank_data":{"a":"1","b":"2","a":"3"}"#,
        r#""bank_data":{"a":"1","a":2,"b":"x","a":"4"}"#,
        r#""bank_data":{"\u0061\"":"\u00e9\n","b":"plain"}"#,
        r#""bank_data":{"a":"1"},"bank_data":{"b":"2"}"#,
        r#""status":"paid","status":"error""#,
        r#""bank_data":{"big":123456789012345678901234567890,"neg":-12345678901234567890}"#,
        r#""amount":"1\u0030.00","currency":"\u0045UR""#,
        r#""bank_data":{"a":"1",}"#,
    ];
    let stem = base.to_string();
    let stem = &stem[..stem.len() - 1];
    for r in raw {
        cases.push(format!("{stem},{r}}}"));
    }
    let mut many = String::from("{");
    for i in 0..70 {
        many.push_str(&format!(r#""f{}":"{i}","#, i % 67));
    }
    many.push_str(r#""j":[1],"k":"last"}"#);
    cases.push(with(json!({})).replace(
        r#""amount":null"#,
        &format!(r#""bank_data":{many},"amount":null"#),
    ));
    cases.push("[]".into());
    cases.push("null".into());
    for text in &cases {
        let (core, ours) = both(text);
        assert_eq!(ours, core, "{text}");
        if let (Some(c), Some(o)) = (&core, &ours) {
            assert_eq!(
                serde_json::to_string(o).unwrap(),
                serde_json::to_string(c).unwrap(),
                "{text}"
            );
        }
    }
    // The cases do exercise both outcomes.
    let accepted = cases.iter().filter(|t| both(t).0.is_some()).count();
    assert!(accepted > 15 && accepted < cases.len() - 10, "{accepted}");
}

/// What the host's serde reading of a whole reply gives for a finished response.
fn serde_done(reply: &str) -> Option<PaymentResponse> {
    use crate::wire::v1::call::{ReplyOf, StepOf};
    match serde_json::from_str::<ReplyOf<StepOf<ResponseOf>>>(reply).ok()? {
        ReplyOf::Ok(StepOf::Done(r)) => Some(r.0),
        _ => None,
    }
}

/// Whether the fast reader took `reply`; when it did, serde gives the same response (same
/// fields in the same order).
fn fast_agrees(reply: &str) -> bool {
    let Some(fast) = ResponseOf::from_done_reply(reply) else {
        return false;
    };
    let slow = serde_done(reply);
    assert_eq!(Some(&fast), slow.as_ref(), "{reply}");
    assert_eq!(
        serde_json::to_string(&fast).unwrap(),
        serde_json::to_string(&slow.unwrap()).unwrap(),
        "{reply}"
    );
    true
}

/// A reply as the plugin writes it.
fn reply_of(r: &PaymentResponse) -> String {
    let mut out = br#"{"ok":{"done":"#.to_vec();
    ResponseRef(r).write_to(&mut out).unwrap();
    out.extend_from_slice(b"}}");
    String::from_utf8(out).unwrap()
}

#[test]
fn the_fast_reader_reads_the_writers_replies_as_serde_does() {
    let mut plain = PaymentResponse::verified(PaymentStatus::Paid);
    plain.transaction_id = Some("T1".into());
    plain.order_id = Some("o-1".into());
    plain.amount = Some(Amount::parse("EUR:15.24").unwrap());
    plain.bank_status = Some("payment accepted".into());
    plain.bank_data = BankData::from_text_pairs(&[
        ("transaction_id", "T1"),
        ("amount", "15.24"),
        ("reason", "payment accepted é"),
        ("date", "2026-01-01T10:00:00Z"),
        (
            "sig",
            "41c75a3fe7a3021e8badf71e369fde6b1957c8b49b990296cc964cd8c5fc00d7",
        ),
    ]);
    plain.return_content = Some(ReturnContent::text("signature ok"));
    plain.test = true;
    plain.transaction_date = Some("2026-01-01T10:00:00.5Z".parse().unwrap());
    let mut claimed = PaymentResponse::unverified(PaymentStatus::Paid);
    claimed.bank_data = BankData::from_text_pairs(&[("a", "1"), ("a", "2"), ("b", "")]);
    let mut refunded = PaymentResponse::verified(PaymentStatus::Refunded);
    refunded.amount = Some(Amount::parse("JPY:1500").unwrap());
    refunded.refunded_amount = Some(Amount::parse("JPY:200").unwrap());

    // Text only, without escapes: the fast reader's; anything else falls back (and agrees).
    let samples = samples();
    let expected_fast = [false, false, true, true, true, true];
    for (r, fast) in samples.iter().zip(expected_fast) {
        assert_eq!(fast_agrees(&reply_of(r)), fast, "{}", reply_of(r));
    }
    for r in [&plain, &claimed, &refunded] {
        let reply = reply_of(r);
        assert!(fast_agrees(&reply), "{reply}");
        assert_eq!(ResponseOf::from_done_reply(&reply).as_ref(), Some(r));
    }
    // Fail closed: an unverified claim stays a claim.
    let read = ResponseOf::from_done_reply(&reply_of(&claimed)).unwrap();
    assert_eq!(read.status(), PaymentStatus::Waiting);
    assert_eq!(read.claimed_status(), Some(PaymentStatus::Paid));
}

#[test]
fn the_fast_reader_never_disagrees_with_serde() {
    let mut r = PaymentResponse::verified(PaymentStatus::Paid);
    r.transaction_id = Some("T1".into());
    r.amount = Some(Amount::parse("EUR:1.50").unwrap());
    r.refunded_amount = Some(Amount::parse("EUR:0.50").unwrap());
    r.bank_data = BankData::from_text_pairs(&[("id", "T1"), ("sig", "ab12cd")]);
    r.return_content = Some(ReturnContent::text("ok"));
    r.transaction_date = Some("2026-01-01T10:00:00Z".parse().unwrap());
    let reply = reply_of(&r);
    assert!(fast_agrees(&reply));
    let edits = [
        (r#""verified":true"#, r#""verified":false"#),
        (
            r#""verified":true"#,
            r#""verified":true,"claimed_status":"paid""#,
        ),
        (
            r#""verified":true"#,
            r#""verified":false,"claimed_status":"accepted""#,
        ),
        (
            r#""verified":true"#,
            r#""verified":false,"claimed_status":null"#,
        ),
        (r#""status":"paid""#, r#""status":"great""#),
        (r#""status":"paid""#, r#""status":"paid","status":"error""#),
        (r#""amount":"1.50""#, r#""amount":"1.505""#),
        (r#""amount":"1.50""#, r#""amount":null"#),
        (r#""currency":"EUR""#, r#""currency":"eur""#),
        (r#""currency":"EUR""#, r#""currency":null"#),
        (r#""refunded_amount":"0.50""#, r#""refunded_amount":null"#),
        (r#""status":200"#, r#""status":70000"#),
        (r#""status":200"#, r#""status":0200"#),
        (r#""status":200"#, r#""status":2e2"#),
        (r#""status":200"#, r#""status":0"#),
        (
            r#""transaction_date":"2026-01-01T10:00:00Z""#,
            r#""transaction_date":"soon""#,
        ),
        (r#""test":false"#, r#""test":0"#),
        (r#"{"id":"T1","#, r#"{"id":"T1","id":"T2","#),
        (r#"{"id":"T1","#, r#"{"id":1,"#),
        (r#"{"id":"T1","#, r#"{"id":"T\u0031","#),
        (r#"{"id":"T1","sig":"ab12cd"}"#, "{}"),
        (r#"{"id":"T1","#, r#"{ "id":"T1","#),
        (r#""bank_status":null"#, r#""bank_status":null,"added":1"#),
        (r#"}}}"#, r#"}}} "#),
        (r#"}}}"#, r#"}}}}"#),
        (r#"{"ok":{"done":"#, r#"{"ok":{"http":"#),
    ];
    let mut taken = 0;
    for (from, to) in edits {
        assert!(reply.contains(from), "{from}");
        taken += usize::from(fast_agrees(&reply.replacen(from, to, 1)));
    }
    assert!(taken > 5, "{taken}");
    // Every prefix, and every byte replaced by ones that matter to JSON.
    for end in 0..reply.len() {
        assert!(!fast_agrees(&reply[..end]), "{}", &reply[..end]);
    }
    for at in 0..reply.len() {
        for b in [
            b'"', b'\\', b'0', b'9', b'-', b'x', b',', b':', b'}', b'{', b']', 0x01,
        ] {
            let mut bytes = reply.clone().into_bytes();
            bytes[at] = b;
            if let Ok(text) = String::from_utf8(bytes) {
                fast_agrees(&text);
            }
        }
    }
}
