//! Sets of actions as bit sets over dense [`ActionId`]s: one bit per action, so the whole catalog
//! fits in under 3 KiB and set algebra is a pass over a few hundred words.

use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Sub, SubAssign};

use crate::ActionId;

const BITS: usize = u64::BITS as usize;

/// A set of actions of one [`Catalog`](crate::Catalog).
///
/// It grows as needed, so sets from [`Catalog::expand`](crate::Catalog::expand), from
/// [`ActionSet::new`] or collected from ids combine freely; two sets are equal when they hold
/// the same ids. Ids only mean something within the catalog (and data version) that made them.
///
/// A set keeps only the words it occupies: a principal's statements are mostly about one or
/// two services, a few words of the catalog's 350, and set algebra on them (an analysis does
/// it for every statement of every principal) passes over, copies and allocates those words
/// only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ActionSet {
    // INVARIANT: `words[i]` is word `lo + i` of the bitmap (id `n` is bit `n % 64` of word
    // `n / 64`); the first and last words are not zero; the empty set has no word and `lo` 0.
    // Equal sets have equal fields.
    words: Vec<u64>,
    lo: usize,
}

impl ActionSet {
    /// The empty set.
    pub fn new() -> ActionSet {
        ActionSet::default()
    }

    /// An empty set with room for ids below `n` without reallocating.
    pub(crate) fn with_universe(n: usize) -> ActionSet {
        ActionSet { words: Vec::with_capacity(n.div_ceil(BITS)), lo: 0 }
    }

    /// One past the last word occupied.
    fn hi(&self) -> usize {
        self.lo + self.words.len()
    }

    /// Word `w` of the bitmap (0 outside the words occupied).
    pub fn word(&self, w: usize) -> u64 {
        match w.checked_sub(self.lo) {
            Some(at) => self.words.get(at).copied().unwrap_or(0),
            None => 0,
        }
    }

    /// Makes words `lo..hi` of the bitmap addressable (zero where new).
    fn cover(&mut self, lo: usize, hi: usize) {
        if self.words.is_empty() {
            self.lo = lo;
            self.words.resize(hi - lo, 0);
            return;
        }
        if lo < self.lo {
            self.words.splice(0..0, std::iter::repeat_n(0, self.lo - lo));
            self.lo = lo;
        }
        if hi > self.hi() {
            let len = hi - self.lo;
            self.words.resize(len, 0);
        }
    }

    /// Restores the invariant after words were cleared.
    fn normalize(&mut self) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
        let leading = self.words.iter().take_while(|w| **w == 0).count();
        if leading > 0 {
            self.words.drain(..leading);
            self.lo += leading;
        }
        if self.words.is_empty() {
            self.lo = 0;
        }
    }

    /// Adds `id`; returns whether it was absent.
    pub fn insert(&mut self, id: ActionId) -> bool {
        let i = id.index();
        let w = i / BITS;
        self.cover(w, w + 1);
        let (word, bit) = (&mut self.words[w - self.lo], 1u64 << (i % BITS));
        let absent = *word & bit == 0;
        *word |= bit;
        absent
    }

    /// Adds every id in `start..end`.
    pub(crate) fn insert_range(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let (first, last) = (start / BITS, (end - 1) / BITS);
        self.cover(first, last + 1);
        for w in first..=last {
            let lo = if w == first { start % BITS } else { 0 };
            let hi = if w == last { (end - 1) % BITS + 1 } else { BITS };
            let mask = if hi - lo == BITS { u64::MAX } else { ((1u64 << (hi - lo)) - 1) << lo };
            self.words[w - self.lo] |= mask;
        }
    }

    /// Removes `id`; returns whether it was present.
    pub fn remove(&mut self, id: ActionId) -> bool {
        let i = id.index();
        let present = self.contains(id);
        if present {
            self.words[i / BITS - self.lo] &= !(1u64 << (i % BITS));
            self.normalize();
        }
        present
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: ActionId) -> bool {
        let i = id.index();
        self.word(i / BITS) & (1u64 << (i % BITS)) != 0
    }

    /// How many actions.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Removes every action.
    pub fn clear(&mut self) {
        self.words.clear();
        self.lo = 0;
    }

    /// The ids in increasing order (that is, by lower-case `service:action`).
    pub fn iter(&self) -> Iter<'_> {
        Iter { words: &self.words, base: self.lo, index: 0, current: self.words.first().copied().unwrap_or(0) }
    }

    /// The words of the bitmap the set occupies (see [`ActionSet::occupied`]), each possibly
    /// non-zero, and none outside: word `occupied().start + i` is `occupied_words()[i]`. For
    /// callers that compare sets a word at a time.
    pub fn occupied_words(&self) -> &[u64] {
        &self.words
    }

    /// The words of the bitmap that may be non-zero (empty for the empty set).
    pub fn occupied(&self) -> std::ops::Range<usize> {
        self.lo..self.hi()
    }

    /// The words both sets may occupy.
    fn overlap(&self, other: &ActionSet) -> std::ops::Range<usize> {
        let (start, end) = (self.lo.max(other.lo), self.hi().min(other.hi()));
        start..end.max(start)
    }

    /// The ids in both sets, in increasing order, without building the intersection.
    pub fn iter_common<'s>(&'s self, other: &'s ActionSet) -> impl Iterator<Item = ActionId> + 's {
        self.overlap(other).flat_map(move |index| {
            let mut word = self.word(index) & other.word(index);
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                // Sets only hold ids that fitted in a u32.
                u32::try_from(index * BITS + bit).ok().map(ActionId)
            })
        })
    }

    /// The smallest id, if any.
    pub fn first(&self) -> Option<ActionId> {
        self.iter().next()
    }

    /// Adds every action of `other`.
    pub fn union_with(&mut self, other: &ActionSet) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            self.clone_from(other);
            return;
        }
        self.cover(other.lo, other.hi());
        let at = other.lo - self.lo;
        for (a, b) in self.words[at..].iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// Keeps only the actions also in `other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        let overlap = self.overlap(other);
        if overlap.is_empty() {
            self.clear();
            return;
        }
        self.words.truncate(overlap.end - self.lo);
        self.words.drain(..overlap.start - self.lo);
        self.lo = overlap.start;
        for (a, b) in self.words.iter_mut().zip(&other.words[overlap.start - other.lo..]) {
            *a &= b;
        }
        self.normalize();
    }

    /// Removes the actions of `other`.
    pub fn difference_with(&mut self, other: &ActionSet) {
        let overlap = self.overlap(other);
        if overlap.is_empty() {
            return;
        }
        let (ours, theirs) = (overlap.start - self.lo, overlap.start - other.lo);
        for (a, b) in self.words[ours..overlap.end - self.lo].iter_mut().zip(&other.words[theirs..]) {
            *a &= !b;
        }
        self.normalize();
    }

    /// The actions in either set.
    #[must_use]
    pub fn union(&self, other: &ActionSet) -> ActionSet {
        let mut out = self.clone();
        out.union_with(other);
        out
    }

    /// The actions in both sets.
    #[must_use]
    pub fn intersection(&self, other: &ActionSet) -> ActionSet {
        let mut out = self.clone();
        out.intersect_with(other);
        out
    }

    /// The actions in `self` but not in `other`.
    #[must_use]
    pub fn difference(&self, other: &ActionSet) -> ActionSet {
        let mut out = self.clone();
        out.difference_with(other);
        out
    }

    /// Whether every action of `self` is in `other`.
    pub fn is_subset(&self, other: &ActionSet) -> bool {
        if self.is_empty() {
            return true;
        }
        // The first and last words of `self` are not zero: both must be within `other`'s.
        if self.lo < other.lo || self.hi() > other.hi() {
            return false;
        }
        let theirs = &other.words[self.lo - other.lo..];
        self.words.iter().zip(theirs).all(|(a, b)| a & !b == 0)
    }

    /// Whether the sets share no action.
    pub fn is_disjoint(&self, other: &ActionSet) -> bool {
        let overlap = self.overlap(other);
        if overlap.is_empty() {
            return true;
        }
        let ours = &self.words[overlap.start - self.lo..overlap.end - self.lo];
        let theirs = &other.words[overlap.start - other.lo..overlap.end - other.lo];
        ours.iter().zip(theirs).all(|(a, b)| a & b == 0)
    }
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|id| id.0)).finish()
    }
}

/// The ids of an [`ActionSet`], in increasing order.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    words: &'a [u64],
    /// The bitmap word of `words[0]`.
    base: usize,
    index: usize,
    current: u64,
}

impl Iterator for Iter<'_> {
    type Item = ActionId;

    fn next(&mut self) -> Option<ActionId> {
        while self.current == 0 {
            self.index += 1;
            self.current = *self.words.get(self.index)?;
        }
        let bit = self.current.trailing_zeros() as usize;
        self.current &= self.current - 1;
        // Sets only hold ids that fitted in a u32.
        u32::try_from((self.base + self.index) * BITS + bit).ok().map(ActionId)
    }
}

impl<'a> IntoIterator for &'a ActionSet {
    type Item = ActionId;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl FromIterator<ActionId> for ActionSet {
    fn from_iter<I: IntoIterator<Item = ActionId>>(iter: I) -> ActionSet {
        let mut set = ActionSet::new();
        set.extend(iter);
        set
    }
}

impl Extend<ActionId> for ActionSet {
    fn extend<I: IntoIterator<Item = ActionId>>(&mut self, iter: I) {
        for id in iter {
            self.insert(id);
        }
    }
}

macro_rules! operators {
    ($($op:ident $method:ident $assign:ident $assign_method:ident $with:ident;)*) => {$(
        impl $op<&ActionSet> for &ActionSet {
            type Output = ActionSet;
            fn $method(self, rhs: &ActionSet) -> ActionSet {
                let mut out = self.clone();
                out.$with(rhs);
                out
            }
        }
        impl $assign<&ActionSet> for ActionSet {
            fn $assign_method(&mut self, rhs: &ActionSet) {
                self.$with(rhs);
            }
        }
    )*};
}

operators! {
    BitOr bitor BitOrAssign bitor_assign union_with;
    BitAnd bitand BitAndAssign bitand_assign intersect_with;
    Sub sub SubAssign sub_assign difference_with;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u32]) -> ActionSet {
        ids.iter().map(|i| ActionId(*i)).collect()
    }

    fn ids(s: &ActionSet) -> Vec<u32> {
        s.iter().map(|id| id.0).collect()
    }

    #[test]
    fn insert_remove_contains() {
        let mut s = ActionSet::new();
        assert!(s.is_empty());
        assert!(s.insert(ActionId(130)));
        assert!(!s.insert(ActionId(130)));
        assert!(s.insert(ActionId(0)));
        assert!(s.contains(ActionId(130)) && s.contains(ActionId(0)) && !s.contains(ActionId(64)));
        assert!(!s.contains(ActionId(100_000)));
        assert_eq!(s.len(), 2);
        assert_eq!(ids(&s), [0, 130]);
        assert!(s.remove(ActionId(130)));
        assert!(!s.remove(ActionId(130)));
        assert!(!s.remove(ActionId(100_000)));
        assert_eq!(ids(&s), [0]);
        assert_eq!(s, set(&[0]));
    }

    #[test]
    fn algebra_across_lengths() {
        let a = set(&[1, 2, 200]);
        let b = set(&[2, 3]);
        assert_eq!(ids(&(&a | &b)), [1, 2, 3, 200]);
        assert_eq!(ids(&(&a & &b)), [2]);
        assert_eq!(ids(&(&a - &b)), [1, 200]);
        assert_eq!(ids(&(&b - &a)), [3]);
        assert_eq!(a.intersection(&b), b.intersection(&a));
        for (x, y) in [(&a, &b), (&b, &a), (&a, &a), (&b, &set(&[])), (&set(&[64, 199, 200, 700]), &a)] {
            assert_eq!(x.iter_common(y).collect::<ActionSet>(), x.intersection(y));
        }
        assert!(set(&[2]).is_subset(&a));
        assert!(!a.is_subset(&b));
        assert!(set(&[]).is_subset(&b));
        assert!(set(&[1, 200]).is_disjoint(&b));
        let mut c = a.clone();
        c -= &a;
        assert!(c.is_empty());
        assert_eq!(c, ActionSet::new());
        c |= &b;
        c &= &set(&[3, 500]);
        assert_eq!(ids(&c), [3]);
    }

    #[test]
    fn ranges() {
        for (start, end) in [(0, 0), (0, 1), (3, 64), (63, 65), (0, 128), (5, 300), (64, 128)] {
            let mut s = ActionSet::new();
            s.insert_range(start, end);
            assert_eq!(ids(&s), (start as u32..end as u32).collect::<Vec<_>>(), "{start}..{end}");
        }
    }

    /// The invariant every operation keeps: no zero word first or last, `lo` 0 when empty.
    fn well_formed(s: &ActionSet) -> bool {
        s.words.last() != Some(&0) && s.words.first() != Some(&0) && (!s.words.is_empty() || s.lo == 0)
    }

    proptest::proptest! {
        /// Set algebra agrees with a `BTreeSet` of ids, for sets spread over the catalog or
        /// packed into a few words, and every result keeps the invariant (so that equal sets
        /// compare equal field by field).
        #[test]
        fn algebra_agrees_with_a_reference_set(
            a in proptest::collection::btree_set(0u32..1500, 0..40),
            b in proptest::collection::btree_set(0u32..1500, 0..40),
            removed in proptest::collection::vec(0u32..1500, 0..10),
        ) {
            use std::collections::BTreeSet;
            let build = |ids: &BTreeSet<u32>| ids.iter().map(|i| ActionId(*i)).collect::<ActionSet>();
            let listed = |s: &ActionSet| s.iter().map(|id| id.0).collect::<BTreeSet<u32>>();
            let (x, y) = (build(&a), build(&b));
            proptest::prop_assert!(well_formed(&x) && well_formed(&y));
            let results = [
                (x.union(&y), a.union(&b).copied().collect::<BTreeSet<u32>>()),
                (x.intersection(&y), a.intersection(&b).copied().collect()),
                (x.difference(&y), a.difference(&b).copied().collect()),
                (y.difference(&x), b.difference(&a).copied().collect()),
            ];
            for (got, want) in &results {
                proptest::prop_assert!(well_formed(got));
                proptest::prop_assert_eq!(&listed(got), want);
                proptest::prop_assert_eq!(got.len(), want.len());
                proptest::prop_assert_eq!(got.is_empty(), want.is_empty());
                proptest::prop_assert_eq!(got, &build(want));
                proptest::prop_assert_eq!(got.occupied().is_empty(), want.is_empty());
            }
            proptest::prop_assert_eq!(x.iter_common(&y).map(|id| id.0).collect::<BTreeSet<u32>>(), a.intersection(&b).copied().collect::<BTreeSet<u32>>());
            proptest::prop_assert_eq!(x.is_subset(&y), a.is_subset(&b));
            proptest::prop_assert_eq!(x.is_disjoint(&y), a.is_disjoint(&b));
            let (mut z, mut reference) = (x.clone(), a.clone());
            for id in removed {
                proptest::prop_assert_eq!(z.remove(ActionId(id)), reference.remove(&id));
                proptest::prop_assert!(well_formed(&z));
            }
            proptest::prop_assert_eq!(listed(&z), reference);
            let mut ranged = ActionSet::new();
            ranged.insert_range(70, 200);
            ranged.union_with(&x);
            proptest::prop_assert!(well_formed(&ranged));
            proptest::prop_assert_eq!(listed(&ranged), (70..200).chain(a.iter().copied()).collect::<BTreeSet<u32>>());
        }
    }
}
