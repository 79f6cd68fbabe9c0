//! The plugin's fast reading of a bank return's call against serde's.
#![allow(clippy::unwrap_used)]

use polypay_core::Incoming;

use super::super::call::CallRef;
use super::super::incoming::IncomingRef;
use super::*;

/// Whether the fast reader took `text`; when it did, serde reads the same request.
fn fast_agrees(text: &str) -> bool {
    let Some(fast) = ParsedRequest::from_call_fast(text) else {
        return false;
    };
    assert_eq!(
        Some(fast),
        serde_json::from_str::<ParsedRequest>(text).ok(),
        "{text}"
    );
    true
}

/// A call as a 1.1 host writes it.
fn call_of(op: CallOperation, incoming: &Incoming, context: bool) -> String {
    let entropy = "07".repeat(32);
    let input = IncomingRef(incoming);
    let call = CallRef::new(7, op, &input, None, context.then_some(&*entropy), None);
    let call = if context {
        call.with_now_unix("2026-01-01T10:00:00.25Z".parse().unwrap())
    } else {
        call
    };
    let mut out = Vec::new();
    call.write_to(&mut out, |i, o| {
        i.write_to(o);
        Ok(())
    })
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_hosts_calls_read_as_serde_reads_them() {
    let get = Incoming::get("transaction_id=0707&amount=15.24&sig=41c75a3f");
    let post = Incoming::post_form("a=1&b=%C3%A9")
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_header("X-Sig", "é");
    for i in [&get, &post, &Incoming::get("")] {
        let text = call_of(CallOperation::Response, i, true);
        assert!(fast_agrees(&text), "{text}");
        let ParsedRequest::Call(call) = ParsedRequest::from_call_fast(&text).unwrap() else {
            panic!("{text}")
        };
        assert_eq!(call.input, CallInput::Response(i.clone()));
        assert_eq!(call.entropy, Some([7; 32]));
        assert_eq!(call.now, Some("2026-01-01T10:00:00.25Z".parse().unwrap()));
        assert_eq!(call.instance, 7);
        let text = call_of(CallOperation::Guess, i, false);
        assert!(fast_agrees(&text), "{text}");
    }
    // Escapes, binary bodies, 1.0's forms and other operations: serde's.
    let escaped = Incoming::get("a=\"1\"");
    let binary = Incoming::new("POST", "", vec![], vec![0xff, 0]);
    for text in [
        call_of(CallOperation::Response, &escaped, true),
        call_of(CallOperation::Response, &binary, true),
        call_of(CallOperation::Status, &get, true),
        serde_json::to_string(&CallRef::new(
            1,
            CallOperation::Response,
            &get,
            Some("2026-01-01T00:00:00Z"),
            None,
            None,
        ))
        .unwrap(),
    ] {
        assert!(!fast_agrees(&text), "{text}");
    }
}

#[test]
fn the_fast_reader_never_disagrees_with_serde() {
    let post = Incoming::new("POST", "", vec![("H".into(), "v".into())], b"a=1".to_vec());
    let text = call_of(CallOperation::Response, &post, true);
    let edits = [
        (r#""instance":7"#, r#""instance":07"#),
        (r#""instance":7"#, r#""instance":-7"#),
        (r#""instance":7"#, r#""instance":18446744073709551616"#),
        (r#""instance":7"#, r#""instance":7.0"#),
        (r#"[1767261600,250000000]"#, r#"[1767261600,2500000000]"#),
        (r#"[1767261600,250000000]"#, r#"[-1767261600,-250000000]"#),
        (r#"[1767261600,250000000]"#, r#"[-0,0]"#),
        (r#"[1767261600,250000000]"#, r#"[99999999999999,0]"#),
        (r#"[1767261600,250000000]"#, r#"[1]"#),
        (r#""entropy":"07"#, r#""entropy":"zz"#),
        (r#""entropy":"07"#, r#""entropy":"fA"#),
        (r#""entropy":"07"#, r#""entropy":"0g"#),
        (r#""entropy":"07"#, r#""entropy":"é"#),
        (r#""entropy":"0707"#, r#""entropy":"07"#),
        (r#""method":"POST""#, r#""method":null"#),
        (r#"[["H","v"]]"#, r#"[]"#),
        (r#"[["H","v"]]"#, r#"[["H","v","w"]]"#),
        (r#"[["H","v"]]"#, r#"[["H","v"],["I","w"]]"#),
        (r#""body":"a=1""#, r#""body":[97]"#),
        (r#""body":"a=1""#, r#""body":{"base64":"YT0x"}"#),
        (r#""body":"a=1""#, r#""body":"a=1","body":"b""#),
        (r#""message":"call""#, r#""message":"close""#),
        (r#""operation":"response""#, r#""operation":"guess""#),
        (r#""operation":"response""#, r#""operation":"dance""#),
        (r#""a=1"}"#, r#""a=1"},"prior":null"#),
        (r#""a=1"}"#, r#""a=1"},"added":1"#),
        (r#""entropy""#, r#" "entropy""#),
    ];
    let mut taken = 0;
    for (from, to) in edits {
        assert!(text.contains(from), "{from} in {text}");
        taken += usize::from(fast_agrees(&text.replacen(from, to, 1)));
    }
    assert!(taken > 3, "{taken}");
    for end in 0..text.len() {
        assert!(!fast_agrees(&text[..end]), "{}", &text[..end]);
    }
    for at in 0..text.len() {
        for b in [
            b'"', b'\\', b'0', b'9', b'-', b'x', b',', b':', b'}', b'{', b']', 0x01,
        ] {
            let mut bytes = text.clone().into_bytes();
            bytes[at] = b;
            if let Ok(t) = String::from_utf8(bytes) {
                fast_agrees(&t);
            }
        }
    }
}
