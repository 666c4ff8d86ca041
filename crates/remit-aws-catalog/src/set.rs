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
/// A set knows the words it occupies: a principal's statements are mostly about one or two
/// services, a few words of the catalog's 350, and set algebra on them (an analysis does it
/// for every statement of every principal) passes over those words only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ActionSet {
    // INVARIANT: no trailing zero word (empty for the empty set); every word below `lo` is zero
    // and `words[lo]` is not (`lo` is 0 for the empty set). Equal sets have equal fields.
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

    fn grow(&mut self, words: usize) {
        if self.words.len() < words {
            self.words.resize(words, 0);
        }
    }

    /// Restores the invariant after words were cleared; every word below `zero_below` is zero.
    fn normalize(&mut self, zero_below: usize) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
        if self.words.is_empty() {
            self.lo = 0;
            return;
        }
        // The last word is not zero: the scan stops there at the latest.
        let mut lo = zero_below.min(self.words.len() - 1);
        while self.words[lo] == 0 {
            lo += 1;
        }
        self.lo = lo;
    }

    /// Notes that word `w` is now occupied.
    fn occupy(&mut self, w: usize, was_empty: bool) {
        if was_empty || w < self.lo {
            self.lo = w;
        }
    }

    /// Adds `id`; returns whether it was absent.
    pub fn insert(&mut self, id: ActionId) -> bool {
        let i = id.index();
        let was_empty = self.is_empty();
        self.grow(i / BITS + 1);
        let (word, bit) = (&mut self.words[i / BITS], 1u64 << (i % BITS));
        let absent = *word & bit == 0;
        *word |= bit;
        self.occupy(i / BITS, was_empty);
        absent
    }

    /// Adds every id in `start..end`.
    pub(crate) fn insert_range(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let was_empty = self.is_empty();
        self.grow(end.div_ceil(BITS));
        let (first, last) = (start / BITS, (end - 1) / BITS);
        for w in first..=last {
            let lo = if w == first { start % BITS } else { 0 };
            let hi = if w == last { (end - 1) % BITS + 1 } else { BITS };
            let mask = if hi - lo == BITS { u64::MAX } else { ((1u64 << (hi - lo)) - 1) << lo };
            self.words[w] |= mask;
        }
        self.occupy(first, was_empty);
    }

    /// Removes `id`; returns whether it was present.
    pub fn remove(&mut self, id: ActionId) -> bool {
        let i = id.index();
        let present = match self.words.get_mut(i / BITS) {
            Some(word) => {
                let bit = 1u64 << (i % BITS);
                let present = *word & bit != 0;
                *word &= !bit;
                present
            }
            None => false,
        };
        if present {
            self.normalize(self.lo);
        }
        present
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: ActionId) -> bool {
        let i = id.index();
        self.words.get(i / BITS).is_some_and(|w| w & (1u64 << (i % BITS)) != 0)
    }

    /// How many actions.
    pub fn len(&self) -> usize {
        self.words[self.lo..].iter().map(|w| w.count_ones() as usize).sum()
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
        Iter { words: &self.words, index: self.lo, current: self.words.get(self.lo).copied().unwrap_or(0) }
    }

    /// The set as bits: id `i` is bit `i % 64` of word `i / 64` (words past the end are 0).
    /// For callers that scan only the words one set occupies (see [`ActionSet::occupied`]).
    pub fn as_words(&self) -> &[u64] {
        &self.words
    }

    /// The words of [`ActionSet::as_words`] that may be non-zero (empty for the empty set).
    pub fn occupied(&self) -> std::ops::Range<usize> {
        self.lo..self.words.len()
    }

    /// The ids in both sets, in increasing order, without building the intersection.
    pub fn iter_common<'s>(&'s self, other: &'s ActionSet) -> impl Iterator<Item = ActionId> + 's {
        let end = self.words.len().min(other.words.len());
        let start = self.lo.max(other.lo).min(end);
        self.words[start..end].iter().zip(&other.words[start..end]).enumerate().flat_map(move |(at, (a, b))| {
            let index = start + at;
            let mut word = a & b;
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
        let was_empty = self.is_empty();
        self.grow(other.words.len());
        for (a, b) in self.words[other.lo..].iter_mut().zip(&other.words[other.lo..]) {
            *a |= b;
        }
        self.occupy(other.lo, was_empty);
    }

    /// Keeps only the actions also in `other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        let end = self.words.len().min(other.words.len());
        let start = self.lo.max(other.lo);
        if start >= end {
            self.clear();
            return;
        }
        self.words.truncate(end);
        for w in &mut self.words[self.lo..start] {
            *w = 0;
        }
        for (a, b) in self.words[start..].iter_mut().zip(&other.words[start..end]) {
            *a &= b;
        }
        self.normalize(start);
    }

    /// Removes the actions of `other`.
    pub fn difference_with(&mut self, other: &ActionSet) {
        let start = self.lo.max(other.lo);
        let end = self.words.len().min(other.words.len());
        if start >= end {
            return;
        }
        for (a, b) in self.words[start..end].iter_mut().zip(&other.words[start..end]) {
            *a &= !b;
        }
        self.normalize(self.lo);
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
        self.words.iter().enumerate().skip(self.lo).all(|(i, w)| w & !other.words.get(i).copied().unwrap_or(0) == 0)
    }

    /// Whether the sets share no action.
    pub fn is_disjoint(&self, other: &ActionSet) -> bool {
        let start = self.lo.max(other.lo);
        self.words.iter().zip(&other.words).skip(start).all(|(a, b)| a & b == 0)
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
        u32::try_from(self.index * BITS + bit).ok().map(ActionId)
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

    /// The invariant every operation keeps: no trailing zero word, nothing below `lo`.
    fn well_formed(s: &ActionSet) -> bool {
        s.words.last() != Some(&0)
            && s.words[..s.lo.min(s.words.len())].iter().all(|w| *w == 0)
            && (s.words.is_empty() && s.lo == 0 || s.words.get(s.lo).is_some_and(|w| *w != 0))
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
