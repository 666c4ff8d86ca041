//! The request context: condition keys and their values.
//!
//! Key names are case-insensitive and values case-sensitive
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>),
//! so keys are lower-cased once when the context is built and looked up by binary search; no
//! evaluation step allocates.

use std::sync::Arc;

/// The value of one context key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContextValue {
    /// A single-valued key (strings, and booleans and numbers as their text).
    Single(Box<str>),
    /// A multivalued key such as `aws:TagKeys` (possibly empty).
    Multi(Vec<Box<str>>),
}

/// A single value read once as the typed values conditions compare, so that no evaluation
/// parses a number, a date or an address again.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Parsed {
    pub(crate) number: Option<f64>,
    pub(crate) date: Option<i128>,
    pub(crate) ip: Option<std::net::IpAddr>,
}

impl Parsed {
    pub(crate) fn of(value: &str) -> Parsed {
        Parsed {
            number: crate::condition::parse_number(value),
            date: crate::condition::parse_date(value),
            ip: value.parse().ok(),
        }
    }
}

/// FNV-1a of a lower-case key name: lookups compare this first, so a miss costs no string
/// comparison and a hit costs one.
pub(crate) fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The request context, keyed by lower-cased key name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    // INVARIANT: sorted by (hash, key), keys lower-case and unique, hash = `key_hash(key)`.
    // Shared (`Arc`) so that an analysis merges prepared contexts without copying a string.
    entries: Vec<Arc<(u64, Box<str>, ContextValue)>>,
    // INVARIANT: `hashes[i]` is `entries[i].0`: a lookup searches these, side by side in
    // memory, rather than following each entry's pointer.
    hashes: Vec<u64>,
    // INVARIANT: `parsed[i]` is `Parsed::of` the value of `entries[i]` when it is single.
    parsed: Vec<Parsed>,
    /// `None`: the context is complete, an absent key is absent (what a real request is).
    /// `Some(known)`: an analysis context, where a key absent from `entries` is unknown unless
    /// `known` lists it (lower-case; an entry ending in `/` covers every key it prefixes).
    known: Option<Arc<Known>>,
    /// Contexts layered under and over this one (see [`Context::layered`]): looked up over,
    /// own, under; shared, so that layering copies nothing.
    under: Option<Arc<Context>>,
    over: Option<Arc<Context>>,
}

/// The keys whose absence an analysis context knows: exact keys found by hash (every
/// condition on a key absent from the context asks), and prefixes ending in `/`.
#[derive(Debug, Clone, PartialEq)]
struct Known {
    // INVARIANT: sorted, each `(key_hash(key), key)` with `key` lower-case.
    exact: Vec<(u64, Box<str>)>,
    prefixes: Vec<Box<str>>,
}

/// The known absences of analysis contexts ([`Context::partial_sharing`]), made once.
#[derive(Debug, Clone)]
pub struct KnownAbsent(Arc<Known>);

impl KnownAbsent {
    /// The absences of `keys` (any case; an entry ending in `/` covers every key it prefixes).
    pub fn new(keys: &[&str]) -> KnownAbsent {
        KnownAbsent(Arc::new(Known::new(keys)))
    }
}

impl Known {
    fn new(keys: &[&str]) -> Known {
        let (prefixes, exact): (Vec<String>, Vec<String>) =
            keys.iter().map(|k| k.to_ascii_lowercase()).partition(|k| k.ends_with('/'));
        let mut exact: Vec<(u64, Box<str>)> = exact.into_iter().map(|k| (key_hash(&k), k.into_boxed_str())).collect();
        exact.sort();
        exact.dedup();
        Known { exact, prefixes: prefixes.into_iter().map(String::into_boxed_str).collect() }
    }

    /// Whether the absence of `key` (lower-case, `hash` its `key_hash`) is known.
    fn covers(&self, hash: u64, key: &str) -> bool {
        let first = self.exact.partition_point(|(h, _)| *h < hash);
        self.exact[first..].iter().take_while(|(h, _)| *h == hash).any(|(_, k)| **k == *key)
            || self.prefixes.iter().any(|p| key.starts_with(&**p))
    }
}

impl Context {
    /// Builds a context from `(key, value)` pairs; a later duplicate key (compared without case)
    /// replaces an earlier one.
    pub fn new(pairs: impl IntoIterator<Item = (String, ContextValue)>) -> Context {
        let mut entries: Vec<(u64, Box<str>, ContextValue)> = pairs
            .into_iter()
            .map(|(k, v)| {
                let key = k.to_ascii_lowercase();
                (key_hash(&key), key.into_boxed_str(), v)
            })
            .collect();
        // Stable sort keeps input order among equal keys; keep the last of each run.
        entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let mut deduped: Vec<(u64, Box<str>, ContextValue)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match deduped.last_mut() {
                Some(last) if last.1 == entry.1 => *last = entry,
                _ => deduped.push(entry),
            }
        }
        let parsed = deduped
            .iter()
            .map(|(_, _, v)| match v {
                ContextValue::Single(s) => Parsed::of(s),
                ContextValue::Multi(_) => Parsed::default(),
            })
            .collect();
        let hashes = deduped.iter().map(|e| e.0).collect();
        Context {
            entries: deduped.into_iter().map(Arc::new).collect(),
            hashes,
            parsed,
            known: None,
            under: None,
            over: None,
        }
    }

    /// A context of single-valued string keys (handy in tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Context {
        Context::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), ContextValue::Single((*v).into()))))
    }

    /// Looks a key up; `key` must already be lower-case and `hash` its `key_hash`.
    pub(crate) fn get(&self, hash: u64, key: &str) -> Option<&ContextValue> {
        self.get_parsed(hash, key).map(|(v, _)| v)
    }

    /// Looks a key up with its parsed forms; `key` must already be lower-case and `hash` its
    /// `key_hash`.
    pub(crate) fn get_parsed(&self, hash: u64, key: &str) -> Option<(&ContextValue, &Parsed)> {
        if let Some(found) = self.over.as_ref().and_then(|over| over.get_parsed(hash, key)) {
            return Some(found);
        }
        let first = self.hashes.partition_point(|h| *h < hash);
        for idx in first..self.hashes.len() {
            if self.hashes[idx] != hash {
                break;
            }
            if let Some(entry) = self.entries.get(idx).filter(|e| *e.1 == *key) {
                return Some((&entry.2, self.parsed.get(idx)?));
            }
        }
        self.under.as_ref()?.get_parsed(hash, key)
    }

    /// `under`'s keys with `over`'s added (`over`'s value wins for a key both have), and
    /// `under`'s known absences (else `over`'s): what [`Context::merged`] gives, without
    /// copying either. An analysis prepares each principal's keys and each resource's keys
    /// once, and layers them per request.
    pub fn layered(under: Arc<Context>, over: Arc<Context>) -> Context {
        Context { under: Some(under), over: Some(over), ..Context::default() }
    }

    /// The known absences in force: this context's, else those of the layers.
    fn known(&self) -> Option<&Arc<Known>> {
        self.known
            .as_ref()
            .or_else(|| self.under.as_ref().and_then(|c| c.known()))
            .or_else(|| self.over.as_ref().and_then(|c| c.known()))
    }

    /// The same keys in one layer.
    fn flattened(&self) -> Context {
        let own = Context {
            entries: self.entries.clone(),
            hashes: self.hashes.clone(),
            parsed: self.parsed.clone(),
            known: self.known.clone(),
            under: None,
            over: None,
        };
        let own = match &self.under {
            Some(under) => under.flattened().merged_flat(&own),
            None => own,
        };
        match &self.over {
            Some(over) => own.merged_flat(&over.flattened()),
            None => own,
        }
    }

    /// Looks a key up by any spelling.
    pub fn lookup(&self, key: &str) -> Option<&ContextValue> {
        match key.bytes().any(|b| b.is_ascii_uppercase()) {
            true => {
                let key = key.to_ascii_lowercase();
                self.get(key_hash(&key), &key)
            }
            false => self.get(key_hash(key), key),
        }
    }

    /// An analysis context: the keys given are known, and so is the absence of every key that
    /// `known_absent` lists (lower-case, or a prefix ending in `/` such as `aws:principaltag/`);
    /// any other key is unknown, and conditions on it make a decision conditional.
    pub fn partial(pairs: impl IntoIterator<Item = (String, ContextValue)>, known_absent: &[&str]) -> Context {
        Context::partial_sharing(pairs, &KnownAbsent::new(known_absent))
    }

    /// [`Context::partial`] with known absences made once and shared: an analysis prepares
    /// thousands of principals' contexts with the same list, and reading one copy of it, not
    /// one each, keeps it in the processor's cache.
    pub fn partial_sharing(pairs: impl IntoIterator<Item = (String, ContextValue)>, known: &KnownAbsent) -> Context {
        let mut context = Context::new(pairs);
        context.known = Some(Arc::clone(&known.0));
        context
    }

    /// This context with `other`'s keys added (`other`'s value wins for a key both have), and
    /// this context's known absences: an analysis prepares each principal's keys and each
    /// resource's keys once, and merges them per request without parsing anything again.
    pub fn merged(&self, other: &Context) -> Context {
        if self.under.is_some() || self.over.is_some() || other.under.is_some() || other.over.is_some() {
            return self.flattened().merged_flat(&other.flattened());
        }
        self.merged_flat(other)
    }

    fn merged_flat(&self, other: &Context) -> Context {
        let mut entries = Vec::with_capacity(self.entries.len() + other.entries.len());
        let mut parsed = Vec::with_capacity(entries.capacity());
        let (mut i, mut j) = (0, 0);
        while i < self.entries.len() || j < other.entries.len() {
            let take_other = match (self.entries.get(i), other.entries.get(j)) {
                (Some(a), Some(b)) => match (a.0, &a.1).cmp(&(b.0, &b.1)) {
                    std::cmp::Ordering::Less => false,
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Equal => {
                        i += 1;
                        true
                    }
                },
                (Some(_), None) => false,
                _ => true,
            };
            if take_other {
                entries.push(Arc::clone(&other.entries[j]));
                parsed.push(other.parsed[j]);
                j += 1;
            } else {
                entries.push(Arc::clone(&self.entries[i]));
                parsed.push(self.parsed[i]);
                i += 1;
            }
        }
        let hashes = entries.iter().map(|e| e.0).collect();
        Context {
            entries,
            hashes,
            parsed,
            known: self.known.clone().or_else(|| other.known.clone()),
            under: None,
            over: None,
        }
    }

    /// A copy that shares nothing with this context: a thread that merges it into many
    /// requests then touches only its own reference counts.
    pub fn detached(&self) -> Context {
        if self.under.is_some() || self.over.is_some() {
            return self.flattened().detached();
        }
        Context {
            entries: self.entries.iter().map(|e| Arc::new((**e).clone())).collect(),
            hashes: self.hashes.clone(),
            parsed: self.parsed.clone(),
            known: self.known.as_ref().map(|k| Arc::new(Known::clone(k))),
            under: None,
            over: None,
        }
    }

    /// True when `key` (lower-case) is absent and its presence is unknown.
    pub(crate) fn is_unknown(&self, hash: u64, key: &str) -> bool {
        self.known().is_some() && self.get(hash, key).is_none() && self.absence_unknown(hash, key)
    }

    /// For a key (lower-case) known to be absent from this context's entries: true when its
    /// absence is not known (an analysis context that does not list it).
    pub(crate) fn absence_unknown(&self, hash: u64, key: &str) -> bool {
        self.known().is_some_and(|known| !known.covers(hash, key))
    }

    /// True for an analysis context (see [`Context::partial`]).
    pub fn is_partial(&self) -> bool {
        self.known().is_some()
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        match (&self.under, &self.over) {
            (None, None) => self.entries.len(),
            _ => self.flattened().len(),
        }
    }

    /// True when no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
            && self.under.as_ref().is_none_or(|c| c.is_empty())
            && self.over.as_ref().is_none_or(|c| c.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_absences_cover_their_keys_and_prefixes_only() {
        let context = Context::partial(Vec::new(), &["aws:PrincipalArn", "aws:principaltag/", "aws:username"]);
        let unknown = |key: &str| context.absence_unknown(key_hash(key), key);
        assert!(!unknown("aws:principalarn"));
        assert!(!unknown("aws:username"));
        assert!(!unknown("aws:principaltag/team"));
        assert!(unknown("aws:principaltag"));
        assert!(unknown("aws:sourceip"));
        assert!(unknown("aws:usernam"));
        // A complete context knows every absence.
        assert!(!Context::default().absence_unknown(key_hash("aws:sourceip"), "aws:sourceip"));
    }
}
