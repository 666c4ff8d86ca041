//! The request context: condition keys and their values.
//!
//! Key names are case-insensitive and values case-sensitive
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>),
//! so keys are lower-cased once when the context is built and looked up by binary search; no
//! evaluation step allocates.

/// The value of one context key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key (strings, and booleans and numbers as their text).
    Single(Box<str>),
    /// A multivalued key such as `aws:TagKeys` (possibly empty).
    Multi(Vec<Box<str>>),
}

/// The request context, keyed by lower-cased key name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    // INVARIANT: sorted by key, keys lower-case and unique.
    entries: Vec<(Box<str>, ContextValue)>,
}

impl Context {
    /// Builds a context from `(key, value)` pairs; a later duplicate key (compared without case)
    /// replaces an earlier one.
    pub fn new(pairs: impl IntoIterator<Item = (String, ContextValue)>) -> Context {
        let mut entries: Vec<(Box<str>, ContextValue)> =
            pairs.into_iter().map(|(k, v)| (k.to_ascii_lowercase().into_boxed_str(), v)).collect();
        // Stable sort keeps input order among equal keys; keep the last of each run.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut deduped: Vec<(Box<str>, ContextValue)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match deduped.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => deduped.push(entry),
            }
        }
        Context { entries: deduped }
    }

    /// A context of single-valued string keys (handy in tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Context {
        Context::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), ContextValue::Single((*v).into()))))
    }

    /// Looks a key up; `key` must already be lower-case.
    pub(crate) fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .and_then(|idx| self.entries.get(idx))
            .map(|(_, v)| v)
    }

    /// Looks a key up by any spelling.
    pub fn lookup(&self, key: &str) -> Option<&ContextValue> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) { self.get(&key.to_ascii_lowercase()) } else { self.get(key) }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
