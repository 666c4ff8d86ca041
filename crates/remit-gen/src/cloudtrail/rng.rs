//! The random streams and the identifier formats drawn from them.
//!
//! Every actor draws from two ChaCha8 streams of its own, derived from the seed and its ARN:
//! one for *what happens* (when it works, which calls, which outcome, who starts its sessions)
//! and one for *how it is written* (request ids, access keys, addresses). The first decides how
//! many records there are and where they go, so the calibration runs (which count records
//! without writing them) and the final run draw it identically; the second is used only by the
//! final run. Each day of a person's calendar has a stream of its own too, so that the
//! calendar can be counted before it is walked.

use rand::{Rng as _, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded stream with the helpers the generator needs.
pub(super) struct Rng(ChaCha8Rng);

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub(super) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGITS: &[u8] = b"0123456789";

pub(super) use crate::stable::fnv;

impl Rng {
    /// The stream for `label` number `index` of the activity seeded with `seed`.
    pub(super) fn new(seed: u64, label: &str, index: u64) -> Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv(label).rotate_left(23));
        rng.set_stream(index);
        Rng(rng)
    }

    pub(super) fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform float in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        // 53 random bits: every value exactly representable.
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// A uniform integer in `0..n` (0 when `n` is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        if n <= 1 { 0 } else { self.0.random_range(0..n) }
    }

    /// A uniform index into a slice of `len` items (0 when it is empty).
    pub(super) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A uniform integer in `lo..=hi`.
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.0.random_range(lo..=hi) }
    }

    /// A uniform float in `[lo, hi)`.
    pub(super) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// An index drawn with the given weights.
    pub(super) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (idx, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if x < w {
                return idx;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// Fisher-Yates.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// `n` characters of a 32-letter alphabet, five bits each.
    fn push_base32(&mut self, out: &mut String, n: usize) {
        let mut bits = 0u64;
        let mut left = 0;
        for _ in 0..n {
            if left == 0 {
                bits = self.u64();
                left = 12;
            }
            out.push(char::from(BASE32[(bits & 31) as usize]));
            bits >>= 5;
            left -= 1;
        }
    }

    pub(super) fn push_hex(&mut self, out: &mut String, n: usize) {
        let mut bits = 0u64;
        let mut left = 0;
        for _ in 0..n {
            if left == 0 {
                bits = self.u64();
                left = 16;
            }
            out.push(char::from(HEX[(bits & 15) as usize]));
            bits >>= 4;
            left -= 1;
        }
    }

    pub(super) fn hex(&mut self, n: usize) -> String {
        let mut out = String::with_capacity(n);
        self.push_hex(&mut out, n);
        out
    }

    pub(super) fn push_base64(&mut self, out: &mut String, n: usize) {
        let mut bits = 0u64;
        let mut left = 0;
        for _ in 0..n {
            if left == 0 {
                bits = self.u64();
                left = 10;
            }
            out.push(char::from(BASE64[(bits & 63) as usize]));
            bits >>= 6;
            left -= 1;
        }
    }

    pub(super) fn push_chars(&mut self, out: &mut String, alphabet: &[u8], n: usize) {
        for _ in 0..n {
            let idx = self.index(alphabet.len());
            if let Some(b) = alphabet.get(idx) {
                out.push(char::from(*b));
            }
        }
    }

    pub(super) fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        let mut out = String::with_capacity(n);
        self.push_chars(&mut out, alphabet, n);
        out
    }

    pub(super) fn digits(&mut self, n: usize) -> String {
        self.chars(DIGITS, n)
    }

    /// An access key id: `AKIA` (long-term) or `ASIA` (temporary) and 16 base-32 characters.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids>
    pub(super) fn key_id(&mut self, prefix: &str) -> String {
        let mut id = String::with_capacity(20);
        id.push_str(prefix);
        self.push_base32(&mut id, 16);
        id
    }

    /// An IAM unique id: `AIDA` (user) or `AROA` (role) and 17 base-32 characters.
    pub(super) fn unique_id(&mut self, prefix: &str) -> String {
        let mut id = String::with_capacity(21);
        id.push_str(prefix);
        self.push_base32(&mut id, 17);
        id
    }

    /// A random (version 4 shaped) UUID in lower case, appended to `out`.
    pub(super) fn push_uuid(&mut self, out: &mut String) {
        let a = self.u64();
        let b = self.u64();
        let hex = |out: &mut String, value: u64, digits: u32| {
            for i in (0..digits).rev() {
                out.push(char::from(HEX[((value >> (i * 4)) & 15) as usize]));
            }
        };
        hex(out, a >> 32, 8);
        out.push('-');
        hex(out, (a >> 16) & 0xffff, 4);
        out.push_str("-4");
        hex(out, a & 0xfff, 3);
        out.push('-');
        hex(out, 8 | (b >> 62), 1);
        hex(out, (b >> 48) & 0xfff, 3);
        out.push('-');
        hex(out, b & 0xffff_ffff_ffff, 12);
    }

    pub(super) fn uuid(&mut self) -> String {
        let mut out = String::with_capacity(36);
        self.push_uuid(&mut out);
        out
    }

    /// An S3 request id: 16 upper-case letters and digits.
    pub(super) fn push_s3_request_id(&mut self, out: &mut String) {
        let mut bits = self.u64();
        for _ in 0..16 {
            out.push(char::from(UPPER_ALNUM[(bits % 36) as usize]));
            bits /= 36;
            if bits == 0 {
                bits = self.u64();
            }
        }
    }
}
