//! Identifiers drawn from the injected entropy (`Context::entropy`), never from a global
//! generator, so that tests are reproducible and production ids come from the host's CSPRNG.

use sha2::{Digest, Sha256};

/// An endless stream of bytes derived from the context's 32 bytes of entropy and a label, so
/// that two identifiers of one request (Paybox's archive reference and question number, say)
/// are independent.
pub(crate) struct EntropyStream {
    seed: [u8; 32],
    label: &'static str,
    counter: u32,
    block: [u8; 32],
    used: usize,
}

impl EntropyStream {
    /// A stream for `label` from `entropy`.
    pub(crate) fn new(entropy: &[u8; 32], label: &'static str) -> EntropyStream {
        EntropyStream {
            seed: *entropy,
            label,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    /// The next byte.
    pub(crate) fn next_byte(&mut self) -> u8 {
        if self.used == self.block.len() {
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.label.as_bytes());
            h.update(self.counter.to_be_bytes());
            self.block = h.finalize().into();
            self.counter = self.counter.wrapping_add(1);
            self.used = 0;
        }
        let b = self.block[self.used];
        self.used += 1;
        b
    }

    /// A uniformly drawn index below `n` (1 ≤ n ≤ 256), by rejection (no modulo bias).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = n.clamp(1, 256);
        let limit = 256 - (256 % n);
        loop {
            let b = usize::from(self.next_byte());
            if b < limit {
                return b % n;
            }
        }
    }

    /// `len` characters drawn uniformly from `alphabet` (ASCII).
    pub(crate) fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        let mut s = String::with_capacity(len);
        self.push_string(&mut s, alphabet, len);
        s
    }

    /// Appends `len` characters drawn uniformly from `alphabet` (ASCII) to `out`.
    pub(crate) fn push_string(&mut self, out: &mut String, alphabet: &[u8], len: usize) {
        for _ in 0..len {
            out.push(char::from(alphabet[self.below(alphabet.len())]));
        }
    }

    /// A version-4 UUID as 32 lower-case hex digits (eopayment's `uuid4().hex` shape).
    pub(crate) fn uuid4_hex(&mut self) -> String {
        let mut b = [0u8; 16];
        for x in b.iter_mut() {
            *x = self.next_byte();
        }
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        crate::common::sign::hex_lower(&b)
    }

    /// A number in `[low, high]` (inclusive), uniformly.
    pub(crate) fn number(&mut self, low: u64, high: u64) -> u64 {
        let span = high.saturating_sub(low).saturating_add(1);
        // 64 random bits reduced by rejection so the draw stays uniform.
        let zone = u64::MAX - (u64::MAX % span);
        loop {
            let mut v = 0u64;
            for _ in 0..8 {
                v = (v << 8) | u64::from(self.next_byte());
            }
            if v < zone {
                return low + v % span;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_independent() {
        let e = [7u8; 32];
        let a = EntropyStream::new(&e, "a").string(b"ABC", 40);
        assert_eq!(a, EntropyStream::new(&e, "a").string(b"ABC", 40));
        assert_ne!(a, EntropyStream::new(&e, "b").string(b"ABC", 40));
        assert!(a.bytes().all(|c| b"ABC".contains(&c)));
        let u = EntropyStream::new(&e, "u").uuid4_hex();
        assert_eq!((u.len(), &u[12..13]), (32, "4"));
        let mut s = EntropyStream::new(&e, "n");
        for _ in 0..100 {
            let n = s.number(1, 1_000_000_000);
            assert!((1..=1_000_000_000).contains(&n));
        }
    }
}
