//! The random stream and the identifier formats drawn from it.
//!
//! Every part of a bundle draws from its own ChaCha8 stream, derived from the seed and a label
//! (`"account"`, `"sso"` ...) and an index, so that one account is the same whatever the others
//! are, and adding a new kind of entity does not shift every later draw.

use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded stream with the helpers the generator needs.
pub(crate) struct Rng(ChaCha8Rng);

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &[u8] = b"0123456789abcdef";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(crate) use crate::stable::fnv;

impl Rng {
    /// The stream for `label` number `index` of the bundle seeded with `seed`.
    pub(crate) fn new(seed: u64, label: &str, index: u64) -> Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv(label).rotate_left(17));
        rng.set_stream(index);
        Rng(rng)
    }

    /// A child stream, independent of how much this one has been used afterwards.
    pub(crate) fn fork(&mut self, label: &str) -> Rng {
        let seed: u64 = self.0.random();
        Rng::new(seed, label, 0)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.0.random::<f64>() < p
    }

    /// A uniform integer in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo { lo } else { self.0.random_range(lo..=hi) }
    }

    /// A uniform integer in `lo..=hi`.
    pub(crate) fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.0.random_range(lo..=hi) }
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // Callers pass non-empty tables; an empty one would be a bug in this module.
        let idx = self.range(0, items.len().saturating_sub(1));
        &items[idx]
    }

    /// Up to `n` distinct items, in table order.
    pub(crate) fn sample<'a, T>(&mut self, items: &'a [T], n: usize) -> Vec<&'a T> {
        let n = n.min(items.len());
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..n {
            let j = self.range(i, items.len() - 1);
            idx.swap(i, j);
        }
        let mut chosen: Vec<usize> = idx[..n].to_vec();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| &items[i]).collect()
    }

    /// An index drawn with the given weights.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.0.random_range(0..total.max(1));
        for (idx, w) in weights.iter().enumerate() {
            if x < *w {
                return idx;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(alphabet[self.0.random_range(0..alphabet.len())])).collect()
    }

    pub(crate) fn hex(&mut self, n: usize) -> String {
        self.chars(HEX, n)
    }

    pub(crate) fn lower_alnum(&mut self, n: usize) -> String {
        self.chars(LOWER_ALNUM, n)
    }

    pub(crate) fn alnum(&mut self, n: usize) -> String {
        self.chars(ALNUM, n)
    }

    /// An IAM unique id: a four-letter type prefix (`AIDA` user, `AROA` role, `AGPA` group,
    /// `ANPA` managed policy, `AIPA` instance profile) and 17 base-32 characters.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids>
    pub(crate) fn unique_id(&mut self, prefix: &str) -> String {
        let mut id = String::with_capacity(21);
        id.push_str(prefix);
        id.push_str(&self.chars(BASE32, 17));
        id
    }

    /// A 12-digit account id that does not start with 0.
    pub(crate) fn account_id(&mut self) -> String {
        let first = self.0.random_range(1..=9u8);
        let mut id = first.to_string();
        id.push_str(&self.chars(b"0123456789", 11));
        id
    }

    /// A random (version 4 shaped) UUID in lower case.
    pub(crate) fn uuid(&mut self) -> String {
        let variant = *self.pick(&['8', '9', 'a', 'b']);
        format!("{}-{}-4{}-{}{}-{}", self.hex(8), self.hex(4), self.hex(3), variant, self.hex(3), self.hex(12))
    }
}

/// A stable pseudo-random base-32 identifier derived from a name (for AWS-managed objects,
/// which have the same id in every account and every bundle).
pub(crate) fn stable_id(prefix: &str, name: &str) -> String {
    let mut id = String::from(prefix);
    let mut hash = fnv(name);
    for round in 0..17u32 {
        if round % 12 == 11 {
            hash = fnv(&format!("{name}{round}{hash}"));
        }
        id.push(char::from(BASE32[(hash & 31) as usize]));
        hash >>= 5;
    }
    id
}
