//! Unit tests of [`FormFields`](super::FormFields).
use super::*;

fn sample() -> FormFields {
    [("a", "1"), ("", ""), ("é", "ü\"x"), ("a", "")].into()
}

#[test]
fn reads_back_what_was_pushed() {
    let f = sample();
    let v: Vec<_> = f.iter().collect();
    assert_eq!(v, [("a", "1"), ("", ""), ("é", "ü\"x"), ("a", "")]);
    assert_eq!(f.iter().len(), 4);
    assert_eq!(f.get("a"), Some("1"));
    assert_eq!(f.get(""), Some(""));
    assert_eq!(f.get("é"), Some("ü\"x"));
    assert_eq!(f.at(0), Some(("a", "1")));
    assert_eq!(f.at(3), Some(("a", "")));
    assert_eq!(f.at(4), None);
    assert_eq!(FormFields::from(f.to_vec()), f);
}

#[test]
fn json_is_a_list_of_pairs() {
    let f = sample();
    let text = serde_json::to_string(&f).unwrap();
    let as_vec: Vec<(String, String)> = serde_json::from_str(&text).unwrap();
    assert_eq!(as_vec, f.to_vec());
    assert_eq!(serde_json::to_string(&as_vec).unwrap(), text);
    assert_eq!(serde_json::from_str::<FormFields>(&text).unwrap(), f);
    // Escaped text (owned on the way in) and plain text (borrowed) both read back.
    let escaped: FormFields = serde_json::from_str(r#"[["a\n","\u00e9"],["b","c"]]"#).unwrap();
    assert_eq!(
        escaped.to_vec(),
        [("a\n".into(), "é".into()), ("b".into(), "c".into())]
    );
    for bad in [
        r#"[["a"]]"#,
        r#"[["a","b","c"]]"#,
        r#"[[1,"b"]]"#,
        r#"{"a":"b"}"#,
        "[[\"a\",null]]",
    ] {
        assert!(serde_json::from_str::<FormFields>(bad).is_err(), "{bad}");
    }
}

#[test]
fn set_replaces_where_it_stands() {
    let mut f = sample();
    f.set("a", "long replacement");
    f.set("new", "x");
    let expected: FormFields = [
        ("a", "long replacement"),
        ("", ""),
        ("é", "ü\"x"),
        ("a", ""),
        ("new", "x"),
    ]
    .into();
    // Equal although the replaced value's old text is still in the buffer.
    assert_eq!(f, expected);
    assert_eq!(
        serde_json::to_string(&f).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
}

/// Sorting agrees with a stable sort of the names as strings, names sharing long
/// prefixes, holding NUL bytes or being prefixes of one another included.
#[test]
fn sorting_is_stable_and_by_bytes() {
    let names = [
        "vads_url_return",
        "vads_amount",
        "m",
        "vads_url_check",
        "b",
        "vads_a\0",
        "vads_a",
        "vads_",
        "vads_abcdefghijklmnop2",
        "vads_abcdefghijklmnop",
        "vads_abcdefghijklmnop1",
        "b",
        "",
        "é",
        "vads_amount",
        "a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0x",
        "a",
    ];
    let mut f = FormFields::new();
    for (i, n) in names.iter().enumerate() {
        f.push(n, &i.to_string());
    }
    f.set("m", "replaced");
    let mut expected = f.to_vec();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    f.sort_by_name();
    assert_eq!(f.to_vec(), expected);
    assert_eq!(f.iter().rev().count(), names.len());
}

#[test]
fn sort_keys_are_padded_prefixes() {
    for len in 0..=20 {
        let name: Vec<u8> = (1..=len).map(|i| i as u8 * 11).collect();
        let mut padded = [0u8; 16];
        for (slot, b) in padded.iter_mut().zip(&name) {
            *slot = *b;
        }
        assert_eq!(sort_key(&name), u128::from_be_bytes(padded), "{len}");
    }
}

#[test]
fn long_forms_sort_the_same() {
    let mut f = FormFields::new();
    for i in (0..100).rev() {
        f.push(&format!("field_{:03}", i % 37), &i.to_string());
    }
    let mut expected = f.to_vec();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    f.sort_by_name();
    assert_eq!(f.to_vec(), expected);
}

#[test]
fn order_counts_in_comparisons() {
    let ab: FormFields = [("a", "1"), ("b", "2")].into();
    let ba: FormFields = [("b", "2"), ("a", "1")].into();
    assert_ne!(ab, ba);
    assert_eq!(format!("{ab:?}"), r#"[("a", "1"), ("b", "2")]"#);
}

proptest::proptest! {
    /// Sorting by name is the standard library's stable sort by name, for forms in any
    /// order, nearly sorted ones, repeated names and names sharing long prefixes.
    #[test]
    fn sorts_as_a_stable_sort(
        names in proptest::collection::vec("(vads_|vads_trans_|a)[a-c]{0,12}", 0..40),
        sorted_first in 0usize..40,
    ) {
        let mut names = names;
        let head = sorted_first.min(names.len());
        names[..head].sort();
        let mut f = FormFields::new();
        for (i, n) in names.iter().enumerate() {
            f.push(n, &i.to_string());
        }
        let mut expected = f.to_vec();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        f.sort_by_name();
        proptest::prop_assert_eq!(f.to_vec(), expected);
    }
}
