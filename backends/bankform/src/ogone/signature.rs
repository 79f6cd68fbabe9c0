//! SHA-IN / SHA-OUT:
//!
//! ```text
//! P = (UPPER(name), value) for the listed names with a non-empty value, sorted by name
//! S = concat(name + "=" + value + KEY for (name, value) in P)
//! SHASIGN = UPPERCASE_hex(HASH(latin-1 bytes of S if S is latin-1, else its UTF-8 bytes))
//! ```

use super::config::HashAlgorithm;
use crate::common::sign;

/// The string to hash.
pub(crate) fn signing_string<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    list: &[&str],
    key: &str,
) -> String {
    let mut p: Vec<(String, &str)> = fields
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| (n.to_ascii_uppercase(), v))
        .filter(|(n, _)| super::params::listed(list, n))
        .collect();
    p.sort_by(|a, b| a.0.cmp(&b.0));
    let mut s = String::with_capacity(
        p.iter()
            .map(|(n, v)| n.len() + v.len() + key.len() + 1)
            .sum(),
    );
    for (name, value) in p {
        s.push_str(&name);
        s.push('=');
        s.push_str(value);
        s.push_str(key);
    }
    s
}

/// The ISO-8859-1 bytes of `s`, if every character has one.
pub(crate) fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// The digest of `bytes`.
pub(crate) fn digest(algo: HashAlgorithm, bytes: &[u8]) -> Vec<u8> {
    match algo {
        HashAlgorithm::Sha1 => sign::sha1(bytes).to_vec(),
        HashAlgorithm::Sha256 => sign::sha256(bytes).to_vec(),
        HashAlgorithm::Sha512 => sign::sha512(bytes).to_vec(),
    }
}

/// The SHASIGN of a request: latin-1 bytes when possible, else UTF-8.
pub(crate) fn sign_in<'a>(
    algo: HashAlgorithm,
    key: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
) -> String {
    let s = signing_string(fields, super::params::SHA_IN, key);
    let bytes = latin1(&s).unwrap_or_else(|| s.clone().into_bytes());
    hex::encode_upper(digest(algo, &bytes))
}

/// Whether `received` is the SHASIGN of a return, over its latin-1 bytes or its UTF-8 bytes
/// (Ingenico's setting decides which; both are accepted, as eopayment does), in constant time.
pub(crate) fn verify_out<'a>(
    algo: HashAlgorithm,
    key: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    received: &str,
) -> bool {
    let s = signing_string(fields, super::params::SHA_OUT, key);
    let utf8 = sign::ct_eq_hex(received, &digest(algo, s.as_bytes()));
    let latin = latin1(&s).is_some_and(|b| sign::ct_eq_hex(received, &digest(algo, &b)));
    utf8 | latin
}
