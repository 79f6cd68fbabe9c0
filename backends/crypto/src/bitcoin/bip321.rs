//! `bitcoin:` URIs as BIP321 (which supersedes BIP21) defines them: [`BitcoinUri`] writes
//! them and parses them.
//!
//! Writing: `bitcoin:<address>?amount=<btc>&label=<pct>&message=<pct>`, the amount exact with
//! trailing zeros removed, every value UTF-8 then percent-encoded per RFC 3986 (everything but
//! letters, digits and `-._~`; a space is `%20`, never `+`).
//!
//! Parsing: the scheme and the parameter keys in any case, an all-upper-case URI (QR
//! alphanumeric mode) accepted, an upper-case bech32 address lower-cased; the address checked
//! for its syntax (base58 or bech32 characters, no mixed-case bech32) — its checksum and
//! network are checked by [`BitcoinUri::checked_address`], with rust-bitcoin; `amount`, `label`,
//! `message` and `pop` at most once each (even with the same value); an unknown `req-*`
//! parameter makes the URI invalid, other unknown parameters are kept; no address only when a
//! payment instruction (`lightning`, `lno`, `sp`, `pay`, `bc`, `tb`, `bcrt`) is given.

use std::fmt;
use std::str::FromStr;

use bitcoin::Address;
use bitcoin::address::NetworkUnchecked;

use super::config::Network;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::convert::{btc_to_sat, sat_to_btc};

/// What a value may keep unencoded: RFC 3986's unreserved characters.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Parameters that carry a payment instruction, allowing an empty address.
const INSTRUCTIONS: [&str; 7] = ["lightning", "lno", "sp", "pay", "bc", "tb", "bcrt"];

/// A `bitcoin:` URI.
///
/// ```
/// use polypay_crypto::bitcoin::BitcoinUri;
///
/// let mut uri = BitcoinUri::new("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
/// uri.amount_sat = Some(2_030_000_000);
/// uri.label = Some("Café Luke".into());
/// let text = uri.to_string();
/// assert_eq!(text, "bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=20.3&label=Caf%C3%A9%20Luke");
/// assert_eq!(BitcoinUri::parse(&text)?, uri);
///
/// assert!(BitcoinUri::parse("bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=42&amount=42").is_err());
/// # Ok::<(), polypay_crypto::bitcoin::UriError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BitcoinUri {
    /// The address (bech32 addresses in lower case), if any.
    pub address: Option<String>,
    /// The amount, in satoshis.
    pub amount_sat: Option<u64>,
    /// The payee's name (`label`).
    pub label: Option<String>,
    /// A note for the payer (`message`).
    pub message: Option<String>,
    /// The proof-of-payment callback (`pop`, or `req-pop` when `pop_required`).
    pub pop: Option<String>,
    /// Whether the proof of payment is required (`req-pop`).
    pub pop_required: bool,
    /// Every other parameter, in order: key (lower case) and decoded value.
    pub params: Vec<(String, String)>,
}

/// Why a text is not a valid `bitcoin:` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriError(pub String);

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid bitcoin: URI: {}", self.0)
    }
}

impl std::error::Error for UriError {}

fn err<T>(why: impl Into<String>) -> Result<T, UriError> {
    Err(UriError(why.into()))
}

/// Whether an address has a bech32 prefix (`bc1`, `tb1`, `bcrt1`), in any case.
fn is_bech32(address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    ["bc1", "tb1", "bcrt1"].iter().any(|p| lower.starts_with(p))
}

impl BitcoinUri {
    /// A URI paying `address`, with no parameter.
    pub fn new(address: impl Into<String>) -> BitcoinUri {
        BitcoinUri {
            address: Some(address.into()),
            ..BitcoinUri::default()
        }
    }

    /// Parses a `bitcoin:` URI (see the module documentation for the rules).
    pub fn parse(text: &str) -> Result<BitcoinUri, UriError> {
        let Some(rest) = text
            .get(..8)
            .filter(|s| s.eq_ignore_ascii_case("bitcoin:"))
            .and_then(|_| text.get(8..))
        else {
            return err("it does not start with bitcoin:");
        };
        let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut uri = BitcoinUri::default();
        if !address.is_empty() {
            uri.address = Some(parse_address(address)?);
        }
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            let key = decode(key)?.to_ascii_lowercase();
            let value = decode(value)?;
            let once = |given: bool| {
                if given {
                    err(format!("{key} is given twice"))
                } else {
                    Ok(())
                }
            };
            match key.as_str() {
                "amount" => {
                    once(uri.amount_sat.is_some())?;
                    let sats = btc_to_sat(&value)
                        .ok()
                        .filter(|_| !value.starts_with('-'))
                        .and_then(|s| u64::try_from(s).ok())
                        .ok_or_else(|| {
                            UriError(format!(
                                "amount {value:?} is not a decimal BTC amount with at most 8 \
                                 fraction digits"
                            ))
                        })?;
                    uri.amount_sat = Some(sats);
                }
                "label" => {
                    once(uri.label.is_some())?;
                    uri.label = Some(value);
                }
                "message" => {
                    once(uri.message.is_some())?;
                    uri.message = Some(value);
                }
                "pop" | "req-pop" => {
                    once(uri.pop.is_some())?;
                    uri.pop_required = key == "req-pop";
                    uri.pop = Some(value);
                }
                k if k.starts_with("req-") => {
                    return err(format!(
                        "{k} is a required parameter this reader does not know"
                    ));
                }
                _ => uri.params.push((key, value)),
            }
        }
        if uri.address.is_none()
            && !uri
                .params
                .iter()
                .any(|(k, _)| INSTRUCTIONS.contains(&k.as_str()))
        {
            return err("it has neither an address nor a payment instruction");
        }
        Ok(uri)
    }

    /// The address checked with rust-bitcoin: a valid base58 or segwit (bech32/bech32m)
    /// address of `network`.
    ///
    /// ```
    /// use polypay_crypto::bitcoin::{BitcoinUri, Network};
    /// let uri = BitcoinUri::parse("BITCOIN:BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU?AMOUNT=0.1")?;
    /// assert!(uri.checked_address(Network::Mainnet).is_ok());
    /// assert!(uri.checked_address(Network::Testnet).is_err());
    /// // BIP21's own example address has a wrong checksum: a valid URI, an invalid address.
    /// let luke = BitcoinUri::parse("bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3")?;
    /// assert!(luke.checked_address(Network::Mainnet).is_err());
    /// # Ok::<(), polypay_crypto::bitcoin::UriError>(())
    /// ```
    pub fn checked_address(&self, network: Network) -> Result<Address, UriError> {
        let Some(text) = &self.address else {
            return err("it has no address");
        };
        Address::<NetworkUnchecked>::from_str(text)
            .map_err(|e| UriError(format!("the address is not valid: {e}")))?
            .require_network(network.into())
            .map_err(|_| UriError(format!("the address is not a {network} address")))
    }

    /// The value of another parameter (`lightning`, `bc`...), by lower-case key.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The bech32 data characters.
const BECH32_CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
/// The base58 alphabet.
const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Checks an address's syntax (BIP321's `*base58 / *bech32 / *bech32m`): an all-upper-case
/// bech32 address is lower-cased, a mixed-case one refused.
fn parse_address(text: &str) -> Result<String, UriError> {
    if is_bech32(text) {
        let upper = text.bytes().any(|b| b.is_ascii_uppercase());
        let lower = text.bytes().any(|b| b.is_ascii_lowercase());
        if upper && lower {
            return err("the bech32 address mixes upper and lower case");
        }
        let address = text.to_ascii_lowercase();
        let data = address.rsplit_once('1').map(|(_, d)| d).unwrap_or("");
        if data.len() < 6 || !data.bytes().all(|b| BECH32_CHARSET.contains(&b)) {
            return err("the bech32 address has characters outside the bech32 set");
        }
        return Ok(address);
    }
    if text.bytes().all(|b| BASE58.contains(&b)) {
        Ok(text.to_owned())
    } else {
        err("the address is neither base58 nor bech32")
    }
}

/// Percent-decodes a key or value as UTF-8.
fn decode(text: &str) -> Result<String, UriError> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| UriError("a parameter is not UTF-8 once percent-decoded".into()))
}

impl FromStr for BitcoinUri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BitcoinUri::parse(s)
    }
}

impl fmt::Display for BitcoinUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bitcoin:{}", self.address.as_deref().unwrap_or(""))?;
        let mut sep = '?';
        let mut put = |f: &mut fmt::Formatter<'_>, key: &str, value: &str| {
            let r = write!(f, "{sep}{key}={}", utf8_percent_encode(value, VALUE));
            sep = '&';
            r
        };
        if let Some(sats) = self.amount_sat {
            put(f, "amount", &sat_to_btc(sats))?;
        }
        if let Some(label) = &self.label {
            put(f, "label", label)?;
        }
        if let Some(message) = &self.message {
            put(f, "message", message)?;
        }
        if let Some(pop) = &self.pop {
            put(f, if self.pop_required { "req-pop" } else { "pop" }, pop)?;
        }
        for (key, value) in &self.params {
            let key = utf8_percent_encode(key, VALUE).to_string();
            put(f, &key, value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LUKE: &str = "175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W";

    #[test]
    fn bip_examples_parse() {
        let u = BitcoinUri::parse(&format!("bitcoin:{LUKE}?amount=20.3&label=Luke-Jr")).unwrap();
        assert_eq!(u.address.as_deref(), Some(LUKE));
        assert_eq!(u.amount_sat, Some(2_030_000_000));
        assert_eq!(u.label.as_deref(), Some("Luke-Jr"));
        let u = BitcoinUri::parse(&format!(
            "bitcoin:{LUKE}?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz"
        ))
        .unwrap();
        assert_eq!(u.amount_sat, Some(5_000_000_000));
        assert_eq!(u.message.as_deref(), Some("Donation for project xyz"));
        let u = BitcoinUri::parse(
            "BITCOIN:BC1QUFGY354J3KMVUCH987XE4S40836X3H0LG8F5NQ?BC=BC1P5SWKUGEZN97763TL0YTY6556856UUG0Q6JFLLJVEP9M4P7339X5QZYRH4Q",
        )
        .unwrap();
        assert_eq!(
            u.address.as_deref(),
            Some("bc1qufgy354j3kmvuch987xe4s40836x3h0lg8f5nq")
        );
        assert!(u.param("bc").is_some_and(|v| v.starts_with("BC1P5SWK")));
        // Just an address, and an instruction without address.
        assert_eq!(
            BitcoinUri::parse(&format!("bitcoin:{LUKE}")).unwrap(),
            BitcoinUri::new(LUKE)
        );
        let u = BitcoinUri::parse("bitcoin:?lno=lno1qsgqmqvgm96frzdg8m0gc6nzeqffvzsqzrxqy32afmr3j")
            .unwrap();
        assert!(u.address.is_none() && u.param("lno").is_some());
    }

    #[test]
    fn invalid_uris() {
        for bad in [
            format!("bitcoin:{LUKE}?label=Luke-Jr&label=Matt"),
            format!("bitcoin:{LUKE}?amount=42&amount=42"),
            format!("bitcoin:{LUKE}?AMOUNT=1&amount=2"),
            format!("bitcoin:{LUKE}?message=a&message=a"),
            format!("bitcoin:{LUKE}?pop=a&req-pop=b"),
            format!("bitcoin:{LUKE}?req-somethingyoudontunderstand=50"),
            format!("bitcoin:{LUKE}?amount=50,000.00"),
            format!("bitcoin:{LUKE}?amount=0.000000001"),
            format!("bitcoin:{LUKE}?amount=-1"),
            format!("bitcoin:{LUKE}?amount=1e3"),
            format!("bitcoin:{LUKE}?amount="),
            format!("bitcoin:{LUKE}?label=%ff"),
            "bitcoin:".to_owned(),
            "bitcoin:?amount=1".to_owned(),
            "bitcoin:not-an-address".to_owned(),
            "bitcoin:0OIl".to_owned(),
            "bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3tb".to_owned(),
            "bitcoin:Bc1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4".to_owned(),
            "litecoin:LUKE".to_owned(),
            "bitcoin".to_owned(),
        ] {
            assert!(BitcoinUri::parse(&bad).is_err(), "{bad}");
        }
        // Unknown parameters that are not required are ignored (kept).
        let u = BitcoinUri::parse(&format!(
            "bitcoin:{LUKE}?somethingyoudontunderstand=50&somethingelseyoudontget=999"
        ))
        .unwrap();
        assert_eq!(u.params.len(), 2);
    }

    #[test]
    fn case_rules() {
        let u = BitcoinUri::parse(&format!(
            "BitCoin:{LUKE}?Amount=1&LABEL=Luke-Jr&Req-Pop=callback%3A"
        ))
        .unwrap();
        assert_eq!(u.amount_sat, Some(100_000_000));
        assert_eq!(u.label.as_deref(), Some("Luke-Jr"));
        assert!(u.pop_required);
        assert_eq!(u.pop.as_deref(), Some("callback:"));
        // A base58 address keeps its case; a lower-case bech32 one is kept as it is.
        assert_eq!(
            BitcoinUri::parse("bitcoin:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
                .unwrap()
                .address
                .as_deref(),
            Some("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
        );
    }

    #[test]
    fn encoding_and_round_trip() {
        let mut u = BitcoinUri::new("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
        u.amount_sat = Some(1);
        u.label = Some("Shop & Co = 100%+ ü".into());
        u.message = Some("Order #42 / 2 items?".into());
        let text = u.to_string();
        assert_eq!(
            text,
            "bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=0.00000001\
             &label=Shop%20%26%20Co%20%3D%20100%25%2B%20%C3%BC\
             &message=Order%20%2342%20%2F%202%20items%3F"
        );
        assert_eq!(BitcoinUri::parse(&text).unwrap(), u);
        u.amount_sat = Some(100_000_000);
        u.label = None;
        u.message = None;
        u.pop = Some("app:x".into());
        u.params.push(("lightning".into(), "LNBC1".into()));
        let text = u.to_string();
        assert_eq!(
            text,
            "bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=1&pop=app%3Ax&lightning=LNBC1"
        );
        assert_eq!(BitcoinUri::parse(&text).unwrap(), u);
    }
}
