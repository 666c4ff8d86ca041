//! Policies compiled once for every principal that holds them.
//!
//! In an account, a managed policy is attached to hundreds of principals and one inline policy
//! is often pasted into many roles. Compiling each principal's policies on their own repeats
//! that work and keeps one compiled copy per principal, so that a query over thousands of
//! principals reads thousands of cold copies of the same statements. A [`PolicyLibrary`]
//! compiles each distinct document once, over one symbol table, and a principal's
//! [`PrincipalPolicies`] share them: equal answers, less work and memory, warm caches.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
};

use crate::{
    compile::{CompiledPolicy, Symbols},
    eval::PrincipalPolicies,
    policy::Policy,
};

/// A policy of a [`PolicyLibrary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyId {
    /// The library that issued it (a principal built from ids of another library would read
    /// the wrong policies).
    library: u32,
    index: u32,
}

/// Distinct policy documents, each compiled once over one symbol table.
#[derive(Debug)]
pub struct PolicyLibrary {
    tag: u32,
    // INVARIANT: holds every action name of every policy of `compiled` (ids only grow, so a
    // `PrincipalPolicies` made earlier, with an earlier copy, still reads its policies right).
    symbols: Arc<Symbols>,
    compiled: Vec<Arc<CompiledPolicy>>,
    documents: Vec<Arc<Policy>>,
    by_content: HashMap<Arc<Policy>, u32, foldhash::fast::RandomState>,
}

impl Default for PolicyLibrary {
    fn default() -> Self {
        PolicyLibrary::new()
    }
}

impl PolicyLibrary {
    /// An empty library.
    pub fn new() -> PolicyLibrary {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        PolicyLibrary {
            tag: NEXT.fetch_add(1, Ordering::Relaxed),
            symbols: Arc::default(),
            compiled: Vec::new(),
            documents: Vec::new(),
            by_content: HashMap::default(),
        }
    }

    /// Adds a policy (compiled unless an equal document is already in), and returns its id.
    pub fn add(&mut self, policy: &Policy) -> PolicyId {
        if let Some(&index) = self.by_content.get(policy) {
            return PolicyId { library: self.tag, index };
        }
        let index = u32::try_from(self.compiled.len()).unwrap_or(u32::MAX);
        let compiled = CompiledPolicy::new(policy, Arc::make_mut(&mut self.symbols));
        let document = Arc::new(policy.clone());
        self.compiled.push(Arc::new(compiled));
        self.documents.push(Arc::clone(&document));
        self.by_content.insert(document, index);
        PolicyId { library: self.tag, index }
    }

    /// The document of a policy (shared), or `None` for an id of another library.
    pub fn document(&self, id: PolicyId) -> Option<&Arc<Policy>> {
        self.index(id).map(|i| &self.documents[i])
    }

    /// A caller's identity policies, permissions boundary and SCP levels, from the library:
    /// the same as [`PrincipalPolicies::new`] of their documents. `None` when an id is of
    /// another library.
    pub fn principal(
        &self,
        identity: &[PolicyId],
        boundary: Option<PolicyId>,
        scps: &[Vec<PolicyId>],
    ) -> Option<PrincipalPolicies> {
        let get = |id: &PolicyId| self.index(*id).map(|i| Arc::clone(&self.compiled[i]));
        Some(PrincipalPolicies {
            symbols: Arc::clone(&self.symbols),
            identity: identity.iter().map(get).collect::<Option<_>>()?,
            boundary: match boundary {
                Some(id) => Some(get(&id)?),
                None => None,
            },
            scps: scps.iter().map(|level| level.iter().map(get).collect::<Option<_>>()).collect::<Option<_>>()?,
        })
    }

    fn index(&self, id: PolicyId) -> Option<usize> {
        let index = id.index as usize;
        (id.library == self.tag && index < self.compiled.len()).then_some(index)
    }
}
