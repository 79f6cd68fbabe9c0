//! The plugin's fast path for the calls a bank return makes (`response`, `guess`): the exact
//! shape a host of this crate writes ([`CallRef::write_to`](super::call::CallRef::write_to)
//! with [`IncomingRef::write_to`](super::incoming::IncomingRef::write_to), minor 1 or later),
//! read without serde (see `wire::v1::cursor`). Anything else is read by serde as before.

use polypay_core::{Incoming, Timestamp};

use super::CallOperation;
use super::call::{CallInput, ParsedCall, ParsedRequest};
use super::cursor::Cursor;

impl ParsedRequest {
    /// Reads `{"message":"call","instance":N,"operation":"response"|"guess","input":{...}}`
    /// (with 1.1's `now_unix` and `entropy` when present, no `prior`), the input an incoming
    /// request with a text body: the request serde's reading gives. `None` for anything else
    /// (another message or operation, 1.0's clock or byte-array body, a base64 body, an
    /// exchange, escaped text, whitespace, another field order, a value serde would refuse):
    /// read that one through serde, which gives its value or its error as it always did.
    pub fn from_call_fast(text: &str) -> Option<ParsedRequest> {
        let mut c = Cursor::new(text);
        c.lit(br#"{"message":"call","instance":"#)?;
        let instance = c.u64()?;
        let operation = if c.eat(br#","operation":"response","input":"#) {
            CallOperation::Response
        } else if c.eat(br#","operation":"guess","input":"#) {
            CallOperation::Guess
        } else {
            return None;
        };
        let incoming = read_incoming(&mut c)?;
        let now = if c.eat(br#","now_unix":["#) {
            let seconds = c.i64()?;
            c.lit(b",")?;
            let nanos = i32::try_from(c.i64()?).ok()?;
            c.lit(b"]")?;
            Some(Timestamp::new(seconds, nanos).ok()?)
        } else {
            None
        };
        let entropy = if c.eat(br#","entropy":"#) {
            Some(hex32(c.str()?)?)
        } else {
            None
        };
        c.lit(b"}")?;
        if !c.at_end() {
            return None;
        }
        let input = match operation {
            CallOperation::Guess => CallInput::Guess(incoming),
            _ => CallInput::Response(incoming),
        };
        Some(ParsedRequest::Call(ParsedCall {
            instance,
            input,
            now,
            entropy,
            prior: None,
        }))
    }
}

/// 32 bytes from 64 hex digits of either case, as `hex::decode_to_slice` (serde's path) reads
/// them.
fn hex32(text: &str) -> Option<[u8; 32]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut seed = [0u8; 32];
    for (byte, pair) in seed.iter_mut().zip(digits.chunks_exact(2)) {
        let [high, low] = pair else { return None };
        *byte = (nibble(*high)? << 4) | nibble(*low)?;
    }
    Some(seed)
}

/// `{"method":S,"query":S,"headers":[[S,S],...]}`, with `"body":S` before the end when the
/// body is not empty: what `WireIncoming` reads from it.
fn read_incoming(c: &mut Cursor<'_>) -> Option<Incoming> {
    let mut incoming = Incoming::default();
    c.lit(br#"{"method":"#)?;
    incoming.method = c.str()?.to_owned();
    c.lit(br#","query":"#)?;
    incoming.query = c.str()?.to_owned();
    c.lit(br#","headers":["#)?;
    if !c.eat(b"]") {
        loop {
            c.lit(b"[")?;
            let name = c.str()?;
            c.lit(b",")?;
            let value = c.str()?;
            c.lit(b"]")?;
            incoming.headers.push((name.to_owned(), value.to_owned()));
            if c.eat(b"]") {
                break;
            }
            c.lit(b",")?;
        }
    }
    if c.eat(br#","body":"#) {
        incoming.body = c.str()?.as_bytes().to_vec();
    }
    c.lit(b"}")?;
    Some(incoming)
}

#[cfg(test)]
#[path = "call_fast_tests.rs"]
mod tests;
