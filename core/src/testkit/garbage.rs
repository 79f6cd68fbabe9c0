//! Hostile inputs for `response`: none may panic, none may be reported paid.

use crate::Incoming;

/// Named garbage inputs, built from a genuine message (`genuine`) where that helps.
pub(super) fn inputs(genuine: Option<&Incoming>) -> Vec<(&'static str, Incoming)> {
    let mut out = vec![
        ("empty_get", Incoming::get("")),
        ("empty_post", Incoming::post_form(Vec::new())),
        (
            "random_bytes",
            Incoming::post_form(pseudo_random_bytes(4096)),
        ),
        (
            "random_bytes_octet_stream",
            Incoming::new(
                "POST",
                "",
                vec![("content-type".into(), "application/octet-stream".into())],
                pseudo_random_bytes(1024),
            ),
        ),
        ("huge_query", Incoming::get(huge_query(1 << 20))),
        ("invalid_utf8_query", Incoming::get("a=%ff%fe&b=%c3%28")),
        (
            "invalid_utf8_body",
            Incoming::post_form(vec![b'a', b'=', 0xff, 0xfe, b'&', 0xc3, 0x28]),
        ),
        (
            "json_garbage",
            Incoming::new(
                "POST",
                "",
                vec![("content-type".into(), "application/json".into())],
                "{\"a\": [1, {\"b\": null}], \"c\": \"\\ud800\""
                    .as_bytes()
                    .to_vec(),
            ),
        ),
        (
            "control_characters",
            Incoming::get("a=%00%01%02&%00=%0a%0d"),
        ),
    ];
    if let Some(g) = genuine {
        out.push(("duplicate_keys", doubled(g)));
        out.push(("truncated", truncated(g)));
    }
    out
}

/// A deterministic byte soup (xorshift), so that a failure reproduces.
fn pseudo_random_bytes(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// About `len` bytes of distinct `kN=vN` pairs.
fn huge_query(len: usize) -> String {
    let mut q = String::with_capacity(len + 32);
    let mut i = 0u64;
    while q.len() < len {
        if i > 0 {
            q.push('&');
        }
        q.push_str(&format!("k{i}=v{i}"));
        i += 1;
    }
    q
}

/// The genuine message with every parameter given twice.
fn doubled(g: &Incoming) -> Incoming {
    let mut out = g.clone();
    if !g.query.is_empty() {
        out.query = format!("{0}&{0}", g.query);
    }
    if !g.body.is_empty() {
        let mut body = g.body.clone();
        body.push(b'&');
        body.extend_from_slice(&g.body);
        out.body = body;
    }
    out
}

/// The genuine message cut in half.
fn truncated(g: &Incoming) -> Incoming {
    let mut out = g.clone();
    out.query.truncate(g.query.len() / 2);
    while !out.query.is_char_boundary(out.query.len()) {
        out.query.pop();
    }
    out.body.truncate(g.body.len() / 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_what_they_say() {
        let genuine = Incoming::get("a=1&b=2");
        let all = inputs(Some(&genuine));
        let get = |name: &str| &all.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(get("duplicate_keys").query, "a=1&b=2&a=1&b=2");
        assert_eq!(get("truncated").query, "a=1");
        assert!(get("huge_query").query.len() >= 1 << 20);
        assert!(get("invalid_utf8_query").params().is_err());
        assert!(get("invalid_utf8_body").params().is_err());
        assert_eq!(pseudo_random_bytes(8), pseudo_random_bytes(8));
    }
}
