//! Unit tests of [`BankData`](super::BankData).

use super::*;
use serde_json::json;

fn sample() -> BankData {
    let mut d = BankData::new();
    d.insert_str("vads_trans_id", "226787");
    d.insert_str("vads_trans_date", "20161013101355");
    d.insert_json("n", json!(3));
    d.insert_json("obj", json!({"a": [1, 2]}));
    d
}

#[test]
fn reads_like_the_map() {
    let d = sample();
    let m: Map<String, Value> = serde_json::from_value(json!({
        "vads_trans_id": "226787", "vads_trans_date": "20161013101355",
        "n": 3, "obj": {"a": [1, 2]}}))
    .unwrap();
    assert_eq!(d, m);
    assert_eq!(m, d);
    assert_eq!(*d, m);
    assert_eq!(d.get_str("vads_trans_date"), Some("20161013101355"));
    assert_eq!(d.get_str("n"), None);
    assert!(d.contains_key("obj") && !d.contains_key("vads_trans"));
    assert_eq!(d["obj"]["a"][1], 2);
    assert_eq!(format!("{d:?}"), format!("{m:?}"));
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        serde_json::to_string(&m).unwrap()
    );
    assert_eq!(Map::from(d.clone()), m);
    assert_eq!(BankData::from(m.clone()), d);
}

#[test]
fn replaces_in_place_and_mutates_as_a_map() {
    let mut d = sample();
    d.insert_str("vads_trans_id", "000001");
    d.insert_json("n", "text".into());
    assert_eq!(
        d.keys().collect::<Vec<_>>(),
        ["vads_trans_id", "vads_trans_date", "n", "obj"]
    );
    assert_eq!(d.get_str("n"), Some("text"));
    // After map-style reading, inserts still land (in the map, which is now the truth).
    d.insert_str("late", "1");
    assert_eq!(d.get_str("late"), Some("1"));
    assert_eq!(d.len(), 5);
    d.remove("late");
    d.insert("x".into(), json!(true));
    assert_eq!(d.len(), 5);
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({"vads_trans_id": "000001", "vads_trans_date": "20161013101355",
               "n": "text", "obj": {"a": [1, 2]}, "x": true})
    );
}

#[test]
fn order_does_not_matter_for_equality() {
    let mut a = BankData::new();
    a.insert_str("x", "1");
    a.insert_str("y", "2");
    let mut b = BankData::new();
    b.insert_str("y", "2");
    b.insert_str("x", "1");
    assert_eq!(a, b);
    b.insert_str("x", "3");
    assert_ne!(a, b);
    assert_ne!(a, BankData::new());
}

#[test]
fn serde_round_trip_keeps_order_and_last_duplicate() {
    let d: BankData = serde_json::from_str(r#"{"b":"1","a\u0041":2,"b":"3"}"#).unwrap();
    assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"b":"3","aA":2}"#);
    assert!(serde_json::from_str::<BankData>("[1]").is_err());
    let empty: BankData = serde_json::from_str("{}").unwrap();
    assert!(empty.is_empty());
}

#[test]
fn from_text_pairs_like_inserts() {
    let cases: [&[(&str, &str)]; 4] = [
        &[],
        &[("a", "1"), ("b", "")],
        &[("a", "1"), ("b", "2"), ("a", "3")],
        &[("x", "1"); 100],
    ];
    for pairs in cases {
        let bulk = BankData::from_text_pairs(pairs);
        let mut one = BankData::new();
        for (n, v) in pairs {
            one.insert_str(n, v);
        }
        assert_eq!(bulk, one);
        assert_eq!(
            serde_json::to_string(&bulk).unwrap(),
            serde_json::to_string(&one).unwrap()
        );
    }
}

#[test]
fn many_fields_become_a_map() {
    let mut d = BankData::new();
    for i in 0..200 {
        d.insert_str(&format!("f{i}"), &i.to_string());
    }
    d.insert_str("f7", "seven");
    assert_eq!(d.len(), 200);
    assert_eq!(d.get_str("f150"), Some("150"));
    assert_eq!(d.get_str("f7"), Some("seven"));
    let text = serde_json::to_string(&d).unwrap();
    let back: BankData = serde_json::from_str(&text).unwrap();
    assert_eq!(back, d);
    // Names that share their first and last eight bytes are still told apart.
    let mut e = BankData::new();
    e.insert_str("abcdefgh_1_stuvwxyz", "1");
    e.insert_str("abcdefgh_2_stuvwxyz", "2");
    assert_eq!(e.get_str("abcdefgh_1_stuvwxyz"), Some("1"));
    assert_eq!(e.len(), 2);
}

/// The fingerprint reads the first and last eight bytes (zero-padded, little-endian) whatever
/// the length, word loads or not.
#[test]
fn fingerprints_follow_their_definition() {
    let reference = |name: &str| {
        let b = name.as_bytes();
        let word = |bytes: &[u8]| {
            let mut w = [0u8; 8];
            for (slot, byte) in w.iter_mut().zip(bytes) {
                *slot = *byte;
            }
            u64::from_le_bytes(w)
        };
        let head = word(b);
        let tail = word(&b[b.len().saturating_sub(8)..]);
        (head ^ tail.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (b.len() as u64)
    };
    for len in 0..=20 {
        let name: String = "vads_abcdefghijklmnopqrstuvwxyz"
            .chars()
            .take(len)
            .collect();
        assert_eq!(
            BankData::name_fingerprint(&name),
            reference(&name),
            "{name:?}"
        );
        let b = name.as_bytes();
        let padded = |bytes: &[u8]| {
            let mut w = [0u8; 8];
            w[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(w)
        };
        let words = match b.len() {
            0..8 => (padded(b), padded(b)),
            n => (padded(&b[..8]), padded(&b[n - 8..])),
        };
        assert_eq!(BankData::name_words(b), words, "{name:?}");
    }
    assert_eq!(BankData::name_fingerprint("é"), reference("é"));
}

/// Fields given as ranges of a buffer read back as the pairs they stand for, garbage between
/// them ignored; ranges that are not pieces of the text are refused.
#[test]
fn fields_from_ranges() {
    let text = String::from("xxa=1&bb=22&décodé");
    let data =
        BankData::from_text_ranges(text.clone(), &[(2..3, 4..5), (6..8, 9..11), (12..20, 0..0)])
            .unwrap();
    assert_eq!(
        data,
        BankData::from_text_pairs(&[("a", "1"), ("bb", "22"), ("décodé", "")])
    );
    assert_eq!(data.get_str("bb"), Some("22"));
    // A name given twice: first place, last value.
    let twice = BankData::from_text_ranges(text.clone(), &[(2..3, 4..5), (2..3, 9..11)]).unwrap();
    assert_eq!(serde_json::to_string(&twice).unwrap(), r#"{"a":"22"}"#);
    assert!(BankData::from_text_ranges(text.clone(), &[(2..3, 4..40)]).is_none());
    assert!(BankData::from_text_ranges(text, &[(13..14, 0..0)]).is_none());
}

/// `text_fields` reads the same fields, in the same order, as `each_text`, in the compact form
/// and in the map form (past 64 fields, or after a JSON value was set by name).
#[test]
fn text_fields_follow_each_text() {
    let many: Vec<(String, String)> = (0..100).map(|i| (format!("n{i}"), i.to_string())).collect();
    for data in [
        BankData::from_text_pairs(&many[..5]),
        BankData::from_text_pairs(&many),
        {
            let mut d = BankData::from_text_pairs(&many[..3]);
            d.insert_json("obj", serde_json::json!({"k": 1}));
            d
        },
    ] {
        let mut seen = Vec::new();
        data.each_text(|n, v| {
            seen.push((n.to_owned(), v.map(str::to_owned)));
            true
        });
        let fields: Vec<_> = data
            .text_fields()
            .map(|(n, v)| (n.to_owned(), v.map(str::to_owned)))
            .collect();
        assert_eq!(fields, seen);
        assert_eq!(data.text_fields().len(), data.len());
        assert!(format!("{:?}", data.text_fields()).starts_with("[(\"n0\""));
    }
}

proptest::proptest! {
    /// Reading a set of names in one pass gives what reading them one by one gives, in the
    /// compact form and in the map form, for names present, absent, repeated in the set, and
    /// values that are not text.
    #[test]
    fn name_sets_read_as_single_lookups(
        fields in proptest::collection::vec(("[a-d]{1,3}", "[0-9]{0,3}", proptest::bool::ANY), 0..20),
    ) {
        const SET: NameSet<8> = NameSet::new(["a", "b", "ab", "abc", "zz", "a", "dd", ""]);
        let mut data = BankData::new();
        for (name, value, json) in &fields {
            if *json {
                data.insert_json(name, serde_json::json!(value.len()));
            } else {
                data.insert_str(name, value);
            }
        }
        let one_by_one = SET.names().map(|n| data.get_str(n));
        proptest::prop_assert_eq!(data.get_strs(&SET), one_by_one);
        // The map form, once built.
        let _ = data.get("a");
        proptest::prop_assert_eq!(data.get_strs(&SET), one_by_one);
    }
}

proptest::proptest! {
    /// Built at once (from pairs or from ranges of one buffer), the data is what inserting
    /// the fields one by one gives, in order, whatever repeats there are and up to past the
    /// compact form's size.
    #[test]
    fn bulk_builds_are_inserts(
        pairs in proptest::collection::vec(("[a-c]{0,3}|[a-z_]{8,20}", "[0-9]{0,2}"), 0..70),
    ) {
        let mut one = BankData::new();
        for (n, v) in &pairs {
            one.insert_str(n, v);
        }
        let bulk = BankData::from_text_pairs(&pairs);
        let json = |d: &BankData| serde_json::to_string(d).unwrap_or_default();
        proptest::prop_assert_eq!(json(&bulk), json(&one));
        let mut text = String::new();
        let mut ranges = Vec::new();
        for (n, v) in &pairs {
            let name = text.len()..text.len() + n.len();
            text.push_str(n);
            let value = text.len()..text.len() + v.len();
            text.push_str(v);
            ranges.push((name, value));
        }
        let from_ranges = BankData::from_text_ranges(text, &ranges);
        proptest::prop_assert_eq!(from_ranges.as_ref().map(json), Some(json(&one)));
    }
}
