//! The dummy protocol's signature: HMAC-SHA-256 over a canonical string.
//!
//! The canonical string of a message is every parameter except `sig`, sorted by name (then by
//! value), written `name=value` with the *decoded* values, joined by `&`. The signature is the
//! lower-case hex HMAC-SHA-256 of that string's UTF-8 bytes, keyed with the secret's UTF-8
//! bytes, sent as the `sig` parameter. Verification compares in constant time and accepts
//! upper- or lower-case hex.

use hmac::{Hmac, Mac};
use polypay_core::Secret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Name of the signature parameter.
pub const SIG: &str = "sig";

type HmacSha256 = Hmac<Sha256>;

/// The canonical string of `params` (the `sig` parameter left out).
///
/// ```
/// use polypay_dummy::signature::canonical_string;
/// let params = [("b", "2"), ("sig", "ff"), ("a", "x y")];
/// assert_eq!(canonical_string(params), "a=x y&b=2");
/// ```
pub fn canonical_string<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = params.into_iter().filter(|(n, _)| *n != SIG).collect();
    pairs.sort_unstable();
    let mut out = String::new();
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

fn mac_of(secret: &Secret, canonical: &str) -> Vec<u8> {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; an empty MAC (which
    // never verifies) is still the safe answer should it ever do so.
    match HmacSha256::new_from_slice(secret.expose().as_bytes()) {
        Ok(mut mac) => {
            mac.update(canonical.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The `sig` value of `params`: lower-case hex HMAC-SHA-256 of their canonical string.
pub fn sign<'a>(secret: &Secret, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    hex::encode(mac_of(secret, &canonical_string(params)))
}

/// Whether `params` carry exactly one `sig` that is the valid signature of the others.
/// Constant-time comparison; hex case does not matter.
pub fn verify<'a>(
    secret: &Secret,
    params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
) -> bool {
    let mut sigs = params.clone().into_iter().filter(|(n, _)| *n == SIG);
    let (Some((_, claimed)), None) = (sigs.next(), sigs.next()) else {
        return false;
    };
    let Ok(claimed) = hex::decode(claimed) else {
        return false;
    };
    let expected = mac_of(secret, &canonical_string(params));
    !expected.is_empty() && bool::from(expected.ct_eq(&claimed))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vector computed independently of `sign`: the HMAC crate over a literal string.
    #[test]
    fn known_vector() {
        let secret = Secret::new("dummy-secret");
        let params = [
            ("transaction_id", "0123456789abcdef0123456789abcdef"),
            ("amount", "10.00"),
            ("currency", "EUR"),
            ("result", "paid"),
            ("reason", "payment accepted"),
        ];
        let literal = "amount=10.00&currency=EUR&reason=payment accepted&result=paid\
                       &transaction_id=0123456789abcdef0123456789abcdef";
        assert_eq!(canonical_string(params), literal);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"dummy-secret").unwrap();
        mac.update(literal.as_bytes());
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(sign(&secret, params), expected);
        assert_eq!(expected.len(), 64);
    }

    #[test]
    fn verify_accepts_only_the_right_signature() {
        let secret = Secret::new("k");
        let mut params = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "x&y".to_owned()),
        ];
        let sig = sign(
            &secret,
            params.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        );
        params.push((SIG.to_owned(), sig.to_uppercase()));
        let view = |p: &[(String, String)]| -> bool {
            verify(&secret, p.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        };
        assert!(view(&params), "upper-case hex is accepted");
        // Wrong key, changed value, missing or doubled sig, non-hex sig: refused.
        assert!(!verify(
            &Secret::new("other"),
            params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
        ));
        let mut changed = params.clone();
        changed[0].1 = "2".into();
        assert!(!view(&changed));
        assert!(!view(&params[..2]));
        let mut doubled = params.clone();
        doubled.push(params[2].clone());
        assert!(!view(&doubled));
        let mut bad_hex = params.clone();
        bad_hex[2].1 = "zz".into();
        assert!(!view(&bad_hex));
        let mut short = params.clone();
        short[2].1.truncate(62);
        assert!(!view(&short));
    }
}
