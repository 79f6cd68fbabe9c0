//! Known answers and behaviour of the Ogone backend.

use polypay_core::{Action, Amount, Context, Incoming, PaymentStatus, Timestamp};
use serde_json::json;

use super::*;

fn backend(extra: serde_json::Value) -> Ogone {
    let mut c = json!({
        "environment": "TEST", "pspid": "2352566ö", "sha_in": "sécret", "sha_out": "sécret",
        "automatic_return_url": "http://example.com/autömatic_réturn_url",
    })
    .as_object()
    .cloned()
    .unwrap();
    c.extend(extra.as_object().cloned().unwrap());
    Ogone::build(&c).unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2020-01-01T12:00:00Z".parse::<Timestamp>().unwrap(),
        [4; 32],
    )
}

/// eopayment's test_iso_8859_1_response (spec §4.6).
#[test]
fn published_latin1_response() {
    let b = backend(json!({}));
    let q = "orderID=lRXK4Rl1N2yIR3R5z7Kc&currency=EUR&amount=7%2E5&PM=CreditCard&ACCEPTANCE=test123&STATUS=9&CARDNO=XXXXXXXXXXXX9999&ED=0118&CN=Miha%EF+Serghe%EF&TRXDATE=10%2F24%2F16&PAYID=3011228911&NCERROR=0&BRAND=MasterCard&IP=80%2E12%2E92%2E47&SHASIGN=C429BE892FACFBFCE5E2CC809B102D866DD3D48C";
    let r = b.parse_response(&Incoming::get(q)).unwrap();
    assert!(r.is_verified());
    assert_eq!(r.status(), PaymentStatus::Paid);
    assert_eq!(r.order_id.as_deref(), Some("lRXK4Rl1N2yIR3R5z7Kc"));
    assert_eq!(r.transaction_id.as_deref(), Some("3011228911"));
    assert_eq!(r.amount, Some(Amount::parse("EUR:7.50").unwrap()));
    assert_eq!(r.bank_data["CN"], "Mihaï Sergheï");
    let tampered = q.replace("STATUS=9", "STATUS=5");
    assert!(
        !b.parse_response(&Incoming::get(tampered))
            .unwrap()
            .is_verified()
    );
    assert_eq!(
        b.guess(&Incoming::get(q)).as_deref(),
        Some("lRXK4Rl1N2yIR3R5z7Kc")
    );
}

/// Names are case-insensitive: two that are equal once upper-cased are the same name given
/// twice, and the return is refused (whichever value the signature covered, the other one
/// would slip through).
#[test]
fn names_equal_but_for_case_are_refused() {
    let b = backend(json!({}));
    let q = "orderID=o1&ORDERID=o2&PAYID=1&STATUS=9&NCERROR=0&SHASIGN=00";
    let err = b.parse_response(&Incoming::get(q)).unwrap_err();
    assert!(err.to_string().contains("ORDERID"), "{err}");
    assert_eq!(b.guess(&Incoming::get(q)), None);
    // Lower-case names alone are read, and kept upper-cased in `bank_data`.
    let r = b
        .parse_response(&Incoming::get("orderid=o1&payid=1&status=9&ncerror=0"))
        .unwrap();
    assert_eq!(r.order_id.as_deref(), Some("o1"));
    assert_eq!(r.bank_data["ORDERID"], "o1");
    assert!(!r.is_verified());
}

/// eopayment's test_bank_transfer_response: latin-1 and UTF-8 hashes both verify.
#[test]
fn published_transfer_response() {
    for encoding in ["iso-8859-1", "utf-8"] {
        let b = backend(json!({ "encoding": encoding }));
        for (sig, ok) in [
            ("944CBD1E010BA4945415AE4B16CC40FD533F6CE2", true),
            ("0E35F687ACBEAA6CA769E0ADDBD0863EB6C1678A", true),
            ("0e35f687acbeaa6ca769e0addbd0863eb6c1678a", true),
            ("0000000000000000000000000000000000000000", false),
        ] {
            let q = format!(
                "orderid=myorder&status=41&payid=3011229363&cn=User&ncerror=0&trxdate=10%2F24%2F16&brand=Bank+transfer&pm=bank+transfer&currency=eur&amount=7.5&shasign={sig}"
            );
            let r = b.parse_response(&Incoming::get(q)).unwrap();
            assert_eq!(r.is_verified(), ok, "{encoding} {sig}");
            assert_eq!(r.status(), PaymentStatus::Waiting);
        }
    }
    let b = backend(json!({}));
    assert!(
        b.parse_response(&Incoming::get("payid=1&status=9&ncerror=0"))
            .is_err()
    );
    assert!(
        b.parse_response(&Incoming::get(
            "orderid=1&ORDERID=2&payid=1&status=9&ncerror=0"
        ))
        .is_err()
    );
}

#[test]
fn request_form() {
    let b = backend(
        json!({ "normal_return_url": "http://example.com/ret", "hash_algorithm": "sha512" }),
    );
    let req = PaymentRequest::new(Amount::parse("EUR:42.42").unwrap())
        .with_order_id("my ordér")
        .with_email("foo@example.com")
        .with_extra("paramplus", "x=1")
        .with_extra("ITEMNAME1", "Book");
    let intent = b.build_request(&req, &cx()).unwrap();
    assert_eq!(intent.transaction_id.len(), 32);
    let Action::Form { fields, url, .. } = intent.action else {
        panic!()
    };
    assert_eq!(
        url.as_str(),
        "https://secure.ogone.com/ncol/test/orderstandard.asp"
    );
    let get = |n: &str| fields.get(n);
    assert_eq!(get("AMOUNT"), Some("4242"));
    assert_eq!(get("PARAMPLUS"), Some("x=1"));
    // D13: ITEMNAME1 is signed (eopayment leaves it out of SHASIGN).
    let s = signature::signing_string(fields.iter(), &params::SHA_IN_LIST, "K");
    assert!(s.contains("ITEMNAME1=BookK"), "{s}");
    assert_eq!(get("SHASIGN").unwrap().len(), 128);
    for bad in [
        PaymentRequest::new(Amount::parse("EUR:1").unwrap()).with_extra("AMOUNT", "1"),
        PaymentRequest::new(Amount::parse("EUR:1").unwrap()).with_extra("NOPE", "1"),
        PaymentRequest::new(Amount::parse("USD:1").unwrap()),
    ] {
        assert!(b.build_request(&bad, &cx()).is_err(), "{bad:?}");
    }
    assert_eq!(
        OgoneFactory
            .warnings(&json!({}).as_object().cloned().unwrap())
            .len(),
        1
    );
    assert!(
        OgoneFactory
            .description()
            .toml_template("o")
            .contains("\nhash_algorithm = \"sha512\"\n")
    );
}

/// The byte-level latin-1 conversion agrees with converting character by character.
#[test]
fn latin1_conversion() {
    let by_chars = |s: &str| -> Option<Vec<u8>> {
        s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
    };
    for s in [
        "",
        "abc",
        "sécret",
        "Mihaï Sergheï",
        "\u{80}\u{ff}\u{7f}",
        "€",
        "a\u{100}",
        "😀",
        "ÿ",
    ] {
        assert_eq!(signature::latin1(s), by_chars(s), "{s:?}");
    }
    for c in (0u32..0x300).filter_map(char::from_u32) {
        let s = format!("x{c}y");
        assert_eq!(signature::latin1(&s), by_chars(&s), "{c:?}");
    }
    // Eight bytes are read at a time: every place of a character in and around a word.
    for before in 0..20 {
        for after in [0, 1, 7, 8, 9, 17] {
            for c in ['é', 'ÿ', '\u{80}', '€', '😀', 'a'] {
                for second in ["", "ï", "\u{100}"] {
                    let s = format!("{}{c}{}{second}", "a".repeat(before), "b".repeat(after));
                    assert_eq!(signature::latin1(&s), by_chars(&s), "{s:?}");
                }
            }
        }
    }
}

/// The signing string sorts names as strings: short names, names sharing their first eight
/// bytes and numbered items included.
#[test]
fn signing_order_is_string_order() {
    let fields = [
        ("ITEMNAME12", "c"),
        ("pm", "CreditCard"),
        ("ITEMNAME1", "a"),
        ("ITEMNAME2", "b"),
        ("ED", "0118"),
        ("AMOUNT", "7.5"),
        ("ITEMPRICE1", "1"),
        ("CN", "x"),
        ("IP", "1.2.3.4"),
        ("ACCEPTANCE", "t"),
        ("AMOUNT2", "9"),
    ];
    let mut expected: Vec<(String, &str)> = fields
        .iter()
        .map(|(n, v)| (n.to_ascii_uppercase(), *v))
        .filter(|(n, _)| params::listed(&params::SHA_IN_LIST, n))
        .collect();
    expected.sort();
    let expected: String = expected.iter().map(|(n, v)| format!("{n}={v}K")).collect();
    assert_eq!(
        signature::signing_string(fields.iter().copied(), &params::SHA_IN_LIST, "K"),
        expected
    );
}

proptest::proptest! {
    /// The word-at-a-time conversion agrees with a character-by-character one on any mix of
    /// ASCII, latin-1 and other characters.
    #[test]
    fn latin1_as_by_characters(s in "[a-zé€ïÿ\u{80}\u{100}😀 ]{0,40}") {
        let by_chars: Option<Vec<u8>> =
            s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
        proptest::prop_assert_eq!(signature::latin1(&s), by_chars);
    }

    /// The SHA-OUT string put together by places equals the sorted one, in both encodings, for
    /// any set of distinct names (signed or not, any case, empty values included); a signed
    /// name given twice is refused. (Names reach it upper-cased, as `Received` reads them; a
    /// name in another case is not signed.)
    #[test]
    fn sha_out_by_places_is_the_sorted_string(
        picks in proptest::collection::vec((0usize..80, "[a-zA-Z0-9.éï€ ]{0,6}", proptest::bool::ANY), 0..30),
        key in "[a-zé€]{0,8}",
    ) {
        let extra = ["SHASIGN", "FOO", "ITEMNAME1", "amount2", ""];
        let mut seen = std::collections::HashSet::new();
        let mut fields: Vec<(String, String)> = Vec::new();
        for (pick, value, lower) in picks {
            let name = params::SHA_OUT
                .get(pick)
                .copied()
                .unwrap_or(extra[pick % extra.len()]);
            let name = if lower { name.to_ascii_lowercase() } else { name.to_owned() };
            if seen.insert(name.to_ascii_uppercase()) {
                fields.push((name, value));
            }
        }
        let iter = || fields.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let sorted = signature::signing_text(iter(), &params::SHA_OUT_LIST, &key);
        // Names in upper case, as received.
        let upper: Vec<(String, &str)> = iter().map(|(n, v)| (n.to_ascii_uppercase(), v)).collect();
        let placed = signature::signing_text_out(upper.iter().map(|(n, v)| (n.as_str(), *v)), &key)
            .expect("distinct names");
        proptest::prop_assert_eq!(placed.utf8(), sorted.utf8());
        proptest::prop_assert_eq!(placed.latin1(), sorted.latin1());
        let latin1 = std::str::from_utf8(sorted.utf8()).ok().and_then(signature::latin1);
        let expected = latin1.as_deref().filter(|l| *l != sorted.utf8());
        proptest::prop_assert_eq!(sorted.latin1(), expected);
        // The same signed name twice (as received, once in each case) is refused.
        if let Some((n, v)) = fields.iter().find(|(n, v)| !v.is_empty() && params::listed(&params::SHA_OUT_LIST, &n.to_ascii_uppercase())) {
            let n = n.to_ascii_uppercase();
            let twice = upper.iter().map(|(n, v)| (n.as_str(), *v)).chain([(n.as_str(), v.as_str())]);
            proptest::prop_assert!(signature::signing_text_out(twice, &key).is_none());
        }
    }
}

/// Names reach the SHA-OUT string upper-cased: one in another case is not signed.
#[test]
fn sha_out_signs_upper_case_names_only() {
    let text = |name| {
        signature::signing_text_out([(name, "7.5"), ("STATUS", "9")].into_iter(), "K")
            .expect("distinct names")
            .utf8()
            .to_vec()
    };
    assert_eq!(text("AMOUNT"), b"AMOUNT=7.5KSTATUS=9K");
    assert_eq!(text("amount"), b"STATUS=9K");
}
