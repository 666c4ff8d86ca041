//! What one principal can do: every catalog action its policies (or a resource policy naming
//! it) could grant, decided exactly against the resources they name.
//!
//! Candidates come from the statements themselves: each `Allow` statement's actions, expanded
//! through the action catalog (`NotAction` as every other action), paired with the statement's
//! resources; each pair is then decided by the engine with every layer in force (denies,
//! boundary, SCPs, resource policies, RCPs), so a candidate is reported only when AWS would
//! allow it. A resource pattern stands for the resources it matches: the answer "allowed on
//! `arn:aws:s3:::logs-*/*`" means on some or all of them, and `explain` gives the exact answer
//! for one resource.

use std::{
    collections::BTreeMap,
    sync::{Arc, OnceLock},
};

use remit_aws_catalog::{AccessLevel, ActionId, ActionSet, Catalog};
use remit_aws_policy::{
    ActionName, Context, ContextValue, Effect, EvaluationGroup, NamedInParticular, PrincipalMatch, Principals,
    evaluation_group, is_account_id, resolve_variables, resource_traits,
};
use remit_model::Access;

use crate::{
    AwsAnalysis, FastMap, QueryError, Target, access_of,
    index::{Entry, principal_key},
    keys_read,
};

/// What to ask about.
#[derive(Debug, Clone, Default)]
pub struct WhatCanFilter {
    /// Only this service prefix (`s3`).
    pub service: Option<String>,
    /// Only this resource (an ARN).
    pub resource: Option<String>,
    /// Only actions with this access level.
    pub access_level: Option<AccessLevel>,
}

/// One action a principal can perform, on which resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The action, as the catalog spells it (`s3:GetObject`).
    pub action: String,
    /// Its service prefix.
    pub service: String,
    /// Its access levels.
    pub access_levels: Vec<AccessLevel>,
    /// The resources (patterns as the granting statements write them) and the access on each.
    pub resources: Vec<(String, Access)>,
}

/// Part of a principal's effective permissions: the actions it can perform on each of some
/// resources (or resource patterns), in parts that each have one access (allowed, or
/// conditional on the same conditions). Resources decided alike share one grant; its parts are
/// shared by every principal whose decisions on them were the same (see `OutcomeKey`), so that
/// a grant costs a principal two references, however many actions and accesses it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The resource patterns as the granting statements write them (`*` for actions that take
    /// no resource), sorted.
    pub resources: Arc<[Arc<str>]>,
    /// The parts: actions as runs of consecutive ids, with their access (see [`Granted`]).
    outcomes: Outcomes,
}

/// The actions of a [`Grant`] that have one access.
#[derive(Debug, Clone, Copy)]
pub struct Granted<'g> {
    /// The actions as runs of consecutive ids `(first, count)`: a class is often most of a
    /// service, or every action but a few, which this keeps in a few words.
    runs: &'g [(u32, u32)],
    /// Allowed, or conditional and on what.
    pub access: &'g Access,
}

/// What decides a resource for a principal beside the actions: `*` or not, the ARN's traits,
/// the statements of its policy that name the principal (place, how, and shape), the owner
/// account, how every statement names it, and the identities of its candidate action sets.
/// Written as words (see [`KeyWords`]): hashed and compared as one slice, made in one
/// allocation (what-can keys every resource of every principal).
type ResourceKey = Vec<u64>;

/// Whether each statement of some policies names a resource (`None`: not known), as a key:
/// hashed two bits a statement, a word at a time (element by element, hashing it cost more
/// than the rest of what-can's grouping).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Truths<'t>(&'t [Option<bool>]);

impl std::hash::Hash for Truths<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.len());
        for chunk in self.0.chunks(32) {
            let word = chunk.iter().enumerate().fold(0u64, |word, (i, truth)| word | truth_code(*truth) << (2 * i));
            state.write_u64(word);
        }
    }
}

/// Resources a principal's what-can decides alike (see `effective_permissions`).
struct ResourceGroup<'a> {
    /// The resource its key was written for, and its side: the one decided (the others
    /// decide alike, though their policies may differ in statements that take no part).
    resource: Arc<str>,
    target: Arc<Target>,
    /// The candidate action sets (the same for every resource of the group).
    sets: Vec<&'a Arc<ActionSet>>,
    resources: Members,
    /// Whether each statement of the principal's own layers, then of the resource's, may name
    /// the group's resources (the same for all of them: see `resource_key`).
    names: Vec<Option<bool>>,
}

/// The resources of a [`ResourceGroup`]: a part of an everyone group as it is (shared by the
/// grants of every principal it is whole for), or a list of the principal's own.
enum Members {
    Shared(Arc<[Arc<str>]>),
    Own(Vec<Arc<str>>),
}

impl Members {
    fn first(&self) -> Option<&Arc<str>> {
        self.iter().next()
    }

    fn iter(&self) -> std::slice::Iter<'_, Arc<str>> {
        match self {
            Members::Shared(list) => list.iter(),
            Members::Own(list) => list.iter(),
        }
    }

    fn push(&mut self, resource: Arc<str>) {
        self.extend(std::iter::once(resource));
    }

    fn extend(&mut self, more: impl IntoIterator<Item = Arc<str>>) {
        if let Members::Shared(list) = self {
            *self = Members::Own(list.to_vec());
        }
        if let Members::Own(list) = self {
            list.extend(more);
        }
    }

    /// Sorted, as grants list them (a shared part is already).
    fn sorted(self) -> Arc<[Arc<str>]> {
        match self {
            Members::Shared(list) => list,
            Members::Own(mut list) => {
                list.sort();
                list.into()
            }
        }
    }
}

/// What a decision of what-can on a group of resources reads of the principal, beside the
/// engine's fixed rules: principals with equal keys get the same outcomes, decided once.
///
/// The engine reads of a caller its traits and permissions boundary (the class, see
/// `AwsAnalysis::caller_class`: kind, account and so SCPs, boundary), the statements of its
/// identity policies, boundary and SCPs that may apply (about the actions, naming the
/// resource or not known to: the others take no part, see `remit_aws_policy::caller_traits`),
/// how the resource's policy names it, and how their conditions that read its own keys come
/// out for it. An answer names an identity policy as the principal holds it (its source),
/// which is kept beside each statement.
///
/// Written as one run of words (see [`KeyWords`]), in sections each led by its length:
/// - the class, and the resource side (its address: compiled once per resource decided, the
///   group's first, and kept by the analysis);
/// - the group's actions: the first occupied word of the catalog bitmap, and the words from
///   there;
/// - per identity statement that may apply: its policy document (the address of the one copy
///   the analysis keeps), its number and whether it names the resource, and the source answers
///   give for it (the address of the one copy of its text);
/// - the statements of its boundary and SCPs that may apply: their place among those (the
///   class's), and whether each names the resource;
/// - the same of the statements of the resource's policy and RCPs (the resource's);
/// - how the resource policy names the principal;
/// - how each condition of those statements that reads the principal's keys comes out.
///
/// One allocation, hashed and compared as one slice: looked up for every group of every
/// principal, a key of six vectors cost more in allocating and in reading scattered memory
/// than in anything it described.
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct OutcomeKey(Box<[u64]>);

/// Looked up by the words a key is written in (hashed and compared alike: a boxed slice hashes
/// as its slice), so that a key found is never copied.
impl std::borrow::Borrow<[u64]> for OutcomeKey {
    fn borrow(&self) -> &[u64] {
        &self.0
    }
}

/// Buffers what-can reuses from one group of resources to the next for one principal (keying
/// its resources, then deciding its groups): most keys it writes are looked up and dropped, so
/// they are written in place, not allocated.
#[derive(Default)]
struct Scratch {
    /// The key being written ([`OutcomeKey`] or [`ResourceKey`]).
    key: Vec<u64>,
    /// Per statement, whether it may apply (its own, then the resource's).
    reads: Vec<bool>,
    resource_reads: Vec<bool>,
    naming: Vec<PrincipalMatch>,
    values: Vec<Option<bool>>,
    /// The identities of a resource's candidate sets.
    identities: Vec<usize>,
    /// Per statement of the resource's side, whether it concerns a candidate action.
    theirs: Vec<bool>,
    /// How each statement names the resource.
    names: Vec<Option<bool>>,
}

/// A key being written as words (see [`OutcomeKey`]): sections led by their lengths, so that
/// equal words mean equal contents.
struct KeyWords<'b> {
    words: &'b mut Vec<u64>,
    /// Where the current section's length goes.
    section: Option<usize>,
}

impl KeyWords<'_> {
    /// A key written over `words` (emptied first): the buffer is reused from one key to the
    /// next, and a key is copied out only when it is kept.
    fn over(words: &mut Vec<u64>) -> KeyWords<'_> {
        words.clear();
        KeyWords { words, section: None }
    }

    /// Starts a section (ending the one before).
    fn section(&mut self) {
        self.end();
        self.section = Some(self.words.len());
        self.words.push(0);
    }

    fn end(&mut self) {
        if let Some(at) = self.section {
            self.words[at] = (self.words.len() - at - 1) as u64;
        }
    }

    fn push(&mut self, word: u64) {
        self.words.push(word);
    }

    /// Ends the key (its words are in the buffer it was written over).
    fn finish(mut self) {
        self.end();
    }
}

/// `None`, `Some(false)`, `Some(true)` as 0, 1, 2.
fn truth_code(truth: Option<bool>) -> u64 {
    match truth {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    }
}

/// Resources that a principal's statements name alike, with how they name them.
type Part<'t> = (Vec<Arc<str>>, &'t [Option<bool>]);

/// `resources` (sorted) split into the parts whose rows of `truths` (as many per resource, one
/// after another) are equal, in order of their first resources (so, sorted), each with its row.
fn parts_by_truths<'t>(resources: &[Arc<str>], truths: &'t [Option<bool>]) -> Vec<Part<'t>> {
    let per_resource = truths.len() / resources.len().max(1);
    let mut parts: Vec<Part<'t>> = Vec::new();
    let mut part_of: FastMap<Truths<'_>, usize> = FastMap::default();
    for (at, resource) in resources.iter().enumerate() {
        let row = &truths[at * per_resource..(at + 1) * per_resource];
        let part = *part_of.entry(Truths(row)).or_insert_with(|| {
            parts.push((Vec::new(), row));
            parts.len() - 1
        });
        parts[part].0.push(Arc::clone(resource));
    }
    parts
}

/// Truths two bits each, 32 to a word.
fn pack_truths(truths: &[Option<bool>], out: &mut KeyWords) {
    for chunk in truths.chunks(32) {
        out.push(chunk.iter().enumerate().fold(0, |word, (i, truth)| word | truth_code(*truth) << (2 * i)));
    }
}

/// The outcomes of the decisions on a group: the actions granted, as runs of ids, with their
/// access (shared by the grants of every principal with the same [`OutcomeKey`]).
pub(crate) type Outcomes = Arc<[(Arc<[(u32, u32)]>, Arc<Access>)]>;

/// Principals a class of callers needs for what-can to keep its outcomes (see
/// [`OutcomeKey`]): only principals of one class can share them, and in a small class (a few
/// dozen principals of an account, each with policies and resources of its own) few do, so
/// keeping them costs more time and memory than it saves (measured on the generated
/// organization: four in ten lookups found, for no fewer instructions and twice the memory).
/// In a large class, a group whose statements include one of a policy no other principal of
/// the class holds is not kept either (see `AwsAnalysis::outcome_key`).
pub(crate) const SHARING_CLASS: usize = 256;

/// A principal as one `effective_permissions` asks about it, with what it reads of its
/// statements once.
pub(crate) struct Asker<'e> {
    idx: usize,
    entry: &'e Entry,
    /// The action sets of its own statements (`AwsAnalysis::own_action_sets`).
    own: Vec<Arc<ActionSet>>,
    /// Per own statement, whether it reads one of the principal's keys
    /// (`index::principal_key`).
    reading: Vec<bool>,
    scratch: std::cell::RefCell<Scratch>,
}

/// A group of resources one decision per class of actions answers for a principal.
#[derive(Clone, Copy)]
struct Group<'g> {
    /// The resource decided, and its side (see [`ResourceGroup::resource`]).
    resource: &'g Arc<str>,
    target: &'g Target,
    actions: &'g ActionSet,
    /// Sorted.
    resources: &'g Arc<[Arc<str>]>,
    /// See [`ResourceGroup::names`] (empty: not known, every statement counts).
    names: &'g [Option<bool>],
}

/// The resources that resource policies grant to everyone (`Principal: "*"`), grouped once
/// for every principal as what-can decides them (same owner, policy shape, ARN traits, resource
/// statements naming them alike, the same candidate sets). What a principal may do on such a
/// group depends on its own policies only when they name one of the group's actions; when
/// they do not, it depends only on what the engine reads of the caller
/// (`remit_aws_policy::caller_traits`), so it is decided once per class of callers.
pub(crate) struct Everyone {
    /// The groups of resources granted to everyone (the first `open`), then those of
    /// [`Delegated`].
    groups: Vec<EveryoneGroup>,
    open: usize,
    /// The group of each grouped resource.
    group_of: FastMap<Arc<str>, u32>,
    /// Statements' actions and resources that are not grouped (an owner the environment
    /// cannot tell, a resource pattern with policy variables): decided per principal.
    ungrouped: Vec<(Arc<ActionSet>, Vec<Arc<str>>)>,
    /// Per account, what resource policies grant the account (see [`Delegated`]).
    delegated: FastMap<Arc<str>, Delegated>,
}

/// The resources whose policies grant an account (`"Principal": {"AWS": "ACCOUNT"}` or its
/// root), grouped once for every principal of the account as everyone groups are, with the
/// statements that name a principal in particular (a key policy's administrators) read as
/// naming no one: for a principal they do not name, they take no part. A principal one of
/// them names (`EveryoneGroup::particular`) has the group's resources decided one by one. What
/// a grant to the account gives a principal is what its identity policies allow of it.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-basics-id-rdp>
pub(crate) struct Delegated {
    /// Its groups (places in `Everyone::groups`).
    groups: Vec<u32>,
    /// The group of each grouped resource.
    group_of: FastMap<Arc<str>, u32>,
    /// Statements' actions and resources not grouped (see `Everyone::ungrouped`; also those of
    /// resources in an everyone group, which gain these sets when a principal's are keyed).
    ungrouped: Vec<(Arc<ActionSet>, Vec<Arc<str>>)>,
    /// The union of its statements' actions.
    actions: ActionSet,
}

struct EveryoneGroup {
    /// The first resource's side (the others' decide alike).
    target: Arc<Target>,
    sets: Vec<Arc<ActionSet>>,
    /// The union of `sets`, less the actions that take no resource.
    actions: ActionSet,
    /// Sorted.
    resources: Vec<Arc<str>>,
    /// `resources` as one part (see `AwsAnalysis::everyone_parts`).
    whole: Parts,
    /// The principal's request-context keys (`index::principal_key`) its resource policy and
    /// RCPs read.
    keys: Vec<Box<str>>,
    /// For a group of [`Delegated`], the principals its resources' policies name in particular.
    particular: NamedInParticular,
}

impl EveryoneGroup {
    /// True when `actions` holds one of the group's actions.
    fn meets(&self, actions: &ActionSet) -> bool {
        !self.actions.is_disjoint(actions)
    }
}

/// A group of [`Everyone`] whose resources a principal's own statements tell apart (see
/// `AwsAnalysis::everyone_parts`).
struct Whole<'e> {
    at: u32,
    group: &'e EveryoneGroup,
    /// Its own statements about the group's actions that may name some of its resources and
    /// not others.
    varying: Vec<bool>,
    /// The group's candidate sets for it (what its identity policies may allow of them, for a
    /// group of [`Delegated`]).
    sets: Vec<Arc<ActionSet>>,
}

/// What a class of principals shares on a group of [`Everyone`]: the group, the class
/// (`AwsAnalysis::caller_class`), how the resource policy names the principal, and the values
/// its context holds for the keys the resource policy, RCPs, boundary and SCPs read.
pub(crate) type SharedKey = (u32, u32, Vec<PrincipalMatch>, Vec<Option<ContextValue>>);

/// An everyone group's resources in parts (see `AwsAnalysis::everyone_parts`).
/// Each part is sorted, and shared as it is by the grants of every principal it is whole for.
pub(crate) type Parts = Arc<[Arc<[Arc<str>]>]>;

/// What splits an everyone group's resources for a principal (see
/// `AwsAnalysis::everyone_parts`): the group, the caller's class, the statements that split
/// them (identity statements by document address and number, the class's by place), and the
/// values of the principal's keys they read.
pub(crate) type PartsKey = (u32, u32, Vec<(usize, u32)>, Vec<Option<ContextValue>>);

/// How a statement of principals' own layers names each resource of an everyone group (`None`:
/// all alike), by group, then the class (for a boundary's or an SCP's statement, the class's)
/// and place, or the document and number (see `AwsAnalysis::everyone_parts`).
pub(crate) type StatementColumns = FastMap<(u32, u32, usize, u32), Option<Arc<[Option<bool>]>>>;

/// `Allow` statements of resource policies by the principal they name (see
/// `named_in_resource_policies`).
pub(crate) type NamedStatements = FastMap<String, Vec<Arc<ResourceStatement>>>;

/// A resource-policy statement as what-can reads it, prepared once for every principal it
/// names: the resource whose policy it is, its actions, and the resources it grants them on
/// (`*` meaning the resource itself).
pub(crate) struct ResourceStatement {
    owner: String,
    /// The account that holds the resource.
    account: Arc<str>,
    actions: Arc<ActionSet>,
    resources: Vec<Arc<str>>,
}

impl Grant {
    /// Its parts, each a set of actions with one access.
    pub fn parts(&self) -> impl Iterator<Item = Granted<'_>> {
        self.outcomes.iter().map(|(runs, access)| Granted { runs, access })
    }

    /// The number of actions, over every part.
    pub fn action_count(&self) -> usize {
        self.parts().map(|part| part.action_count()).sum()
    }
}

impl Granted<'_> {
    /// The actions, in catalog order.
    pub fn actions(&self) -> impl Iterator<Item = ActionId> + '_ {
        self.runs.iter().flat_map(|(first, count)| (*first..*first + *count).map(ActionId))
    }

    /// The number of actions.
    pub fn action_count(&self) -> usize {
        self.runs.iter().map(|(_, count)| *count as usize).sum()
    }

    /// The actions as runs of consecutive ids `(first, count)`, in catalog order: set
    /// arithmetic over a principal's grants (a class of actions is often most of a service)
    /// without visiting each action.
    pub fn runs(&self) -> &[(u32, u32)] {
        self.runs
    }
}

impl AwsAnalysis {
    /// Every action `principal` can perform, with the resources, summarised by the caller per
    /// service and access level.
    pub fn what_can(&self, principal: &str, filter: &WhatCanFilter) -> Result<Vec<Permission>, QueryError> {
        let catalog = Catalog::aws();
        let mut granted: BTreeMap<&str, Permission> = BTreeMap::new();
        for grant in self.effective_permissions(principal, filter)? {
            for part in grant.parts() {
                for action in part.actions().filter_map(|id| catalog.action_info(id)) {
                    let permission = granted.entry(action.name()).or_insert_with(|| Permission {
                        action: action.name().to_owned(),
                        service: action.service_prefix().to_owned(),
                        access_levels: action.access_levels().iter().collect(),
                        resources: Vec::new(),
                    });
                    for resource in grant.resources.iter() {
                        permission.resources.push((resource.to_string(), part.access.clone()));
                    }
                }
            }
        }
        let mut permissions: Vec<Permission> = granted.into_values().collect();
        for permission in &mut permissions {
            permission.resources.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(permissions)
    }

    /// Every action `principal` can perform, decided, as action sets per resource: what
    /// [`AwsAnalysis::what_can`] lists, in the compact form an index of every principal keeps.
    /// The grants come in an order that depends on the environment only, not on what was
    /// asked before (each resource in one grant; [`AwsAnalysis::what_can`] sorts).
    pub fn effective_permissions(&self, principal: &str, filter: &WhatCanFilter) -> Result<Vec<Grant>, QueryError> {
        let idx = *self.by_arn.get(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let entry = &self.entries[idx];
        let catalog = Catalog::aws();
        let unfiltered = filter.service.is_none() && filter.access_level.is_none();
        let mut wanted = match &filter.service {
            Some(service) => catalog.service_actions(service),
            None => catalog.all_actions().clone(),
        };
        if let Some(level) = filter.access_level {
            wanted = wanted.intersection(catalog.actions_with_level(level));
        }
        // (action set, resource patterns) candidates from the identity policies ...
        let mut candidates: Vec<(Arc<ActionSet>, Vec<Arc<str>>)> = Vec::new();
        // The expansion itself when nothing is filtered out (shared, not copied).
        let narrowed = |set: Arc<ActionSet>| if unfiltered { set } else { Arc::new(set.intersection(&wanted)) };
        let only: Option<Arc<str>> = filter.resource.as_deref().map(Arc::from);
        // What everyone may do is shared among principals alike (see `Everyone`) when the
        // question is about every action on every resource.
        let shareable = unfiltered && only.is_none();
        // Every action a statement of its identity policies names, Allow or Deny.
        let mut own_any = ActionSet::new();
        for doc in &entry.documents {
            for st in &doc.statements {
                let expanded = self.expanded(&st.action.values, st.action.negated);
                if shareable {
                    own_any.union_with(&expanded);
                }
                if st.effect != Effect::Allow {
                    continue;
                }
                let actions = narrowed(expanded);
                if actions.is_empty() {
                    continue;
                }
                // A resource written with policy variables stands, for this principal, for the
                // resources its own values name (`home/${aws:username}/*`).
                let variables = doc.version.substitutes_variables();
                let named = |v: &String| match variables && v.contains("${") {
                    true => match resolve_variables(v, &entry.partial_context) {
                        Some(resolved) => Arc::from(resolved),
                        None => Arc::from(v.as_str()),
                    },
                    false => Arc::from(v.as_str()),
                };
                let resources = match (&only, &st.resource) {
                    (Some(r), _) => vec![Arc::clone(r)],
                    (None, Some(r)) if !r.negated => r.values.iter().map(named).collect(),
                    _ => vec![Arc::from("*")],
                };
                candidates.push((actions, resources));
            }
        }
        // `sts:GetCallerIdentity` needs no permission (and no deny stops it):
        // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
        if let Some(id) = catalog.action("sts:GetCallerIdentity")
            && wanted.contains(id)
            && filter.resource.as_deref().is_none_or(|r| r == "*")
        {
            let mut set = ActionSet::new();
            set.insert(id);
            candidates.push((Arc::new(set), vec![Arc::from("*")]));
        }
        // The actions its identity policies may allow (what a grant to its account needs).
        let mut identity_allows = ActionSet::new();
        for (actions, _) in &candidates {
            identity_allows.union_with(actions);
        }
        // ... and from resource policies that name it (directly, its account, or anyone).
        let named = self.named_in_resource_policies.get_or_init(|| self.named_in_resource_policies());
        let account = entry.principal.scope.as_deref().unwrap_or_default();
        let everyone_key: &[&str] = if shareable { &[] } else { &["*"] };
        let mut statements: Vec<(&Arc<ResourceStatement>, bool)> = everyone_key
            .iter()
            .chain(&[entry.principal.id.as_str()])
            .filter_map(|key| named.get(*key))
            .flatten()
            .map(|st| (st, true))
            .chain(named.get(account).into_iter().flatten().map(|st| (st, false)))
            .collect();
        // A statement naming it in several ways counts once, as the strongest.
        statements.sort_by_key(|(st, direct)| (Arc::as_ptr(st), !direct));
        statements.dedup_by_key(|(st, _)| Arc::as_ptr(*st));
        // Equal sets stay one set (resources are grouped by the identity of their sets).
        let mut delegated: FastMap<*const ActionSet, Arc<ActionSet>> = FastMap::default();
        // What grants to its account give, when every resource is asked about: from the
        // groups of `Delegated` (below).
        let everyone = shareable.then(|| self.everyone.get_or_init(|| self.everyone()));
        let delegation = everyone.and_then(|everyone| everyone.delegated.get(account));
        if let Some(delegation) = delegation {
            own_any.union_with(&delegation.actions.intersection(&identity_allows));
        }
        for (named, direct) in statements {
            if filter.resource.as_ref().is_some_and(|r| !r.starts_with(&named.owner)) || (shareable && !direct) {
                continue;
            }
            // A grant to its account delegates to its identity policies: "the account's
            // identity-based policies must allow" the action, so only the actions they may
            // allow are candidates. Other actions need another grant, itself a candidate.
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-basics-id-rdp
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
            // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
            // So does a grant to anyone, or to it by name, on a resource of another account:
            // "the identity-based policy and the resource-based policy both must allow".
            let actions = match direct && *named.account == *account {
                true => narrowed(Arc::clone(&named.actions)),
                false => {
                    let actions = delegated
                        .entry(Arc::as_ptr(&named.actions))
                        .or_insert_with(|| Arc::new(named.actions.intersection(&identity_allows)));
                    if actions.is_empty() {
                        continue;
                    }
                    Arc::clone(actions)
                }
            };
            let resources = match &only {
                Some(r) => vec![Arc::clone(r)],
                None => named.resources.clone(),
            };
            if shareable {
                own_any.union_with(&actions);
            }
            candidates.push((actions, resources));
        }
        // The action sets of its own statements (identity, boundary, SCPs), and whether each
        // names every resource alike (`Resource: "*"`).
        let asker = Asker {
            idx,
            entry,
            own: self.own_action_sets(entry),
            reading: entry.policies.statements_reading(principal_key),
            scratch: std::cell::RefCell::default(),
        };
        let own = &asker.own;
        let universal = self.own_universal(entry);
        // What everyone may do: shared with the principals of its class, unless its own
        // policies (or resource policies naming it) concern the same actions.
        let mut shared: Vec<Arc<[Grant]>> = Vec::new();
        // Groups its own policies concern: their resources are told apart by its statements
        // about the group's actions only (see below).
        // (With the candidate sets of the group for it.)
        let mut whole: Vec<Whole<'_>> = Vec::new();
        // What a group's candidate sets give it when only its identity policies' allowing
        // them lets it act (another account's resources, a grant to its account).
        let mut narrowed_sets = |sets: &[Arc<ActionSet>]| -> Vec<Arc<ActionSet>> {
            let narrowed = sets.iter().map(|set| {
                let narrowed =
                    delegated.entry(Arc::as_ptr(set)).or_insert_with(|| Arc::new(set.intersection(&identity_allows)));
                Arc::clone(narrowed)
            });
            narrowed.filter(|set| !set.is_empty()).collect()
        };
        // Its own statements about `actions` that may name some of a group's resources and not
        // others.
        let varying_about = |actions: &ActionSet| -> Vec<bool> {
            own.iter().zip(&universal).map(|(set, all)| !all && !set.is_disjoint(actions)).collect()
        };
        if let Some(everyone) = everyone {
            for (at, group) in everyone.groups.iter().enumerate().take(everyone.open) {
                // Another account's: only what its identity policies may allow.
                let own_account = *group.target.account == *account;
                let sets = match own_account {
                    true => group.sets.clone(),
                    false => narrowed_sets(&group.sets),
                };
                if sets.is_empty() {
                    continue;
                }
                if group.particular.names(&entry.caller) {
                    // Named in particular by one of the group's policies: resource by resource.
                    candidates.extend(sets.into_iter().map(|set| (set, group.resources.clone())));
                } else if !own_account {
                    let mut actions = ActionSet::new();
                    sets.iter().for_each(|set| actions.union_with(set));
                    whole.push(Whole { at: at as u32, group, varying: varying_about(&actions), sets });
                } else if group.meets(&own_any) {
                    whole.push(Whole { at: at as u32, group, varying: varying_about(&group.actions), sets });
                } else {
                    shared.push(self.shared_grants(at, group, &asker));
                }
            }
            for (set, resources) in &everyone.ungrouped {
                candidates.push((Arc::clone(set), resources.clone()));
            }
        }
        // What grants to its account give: what its identity policies may allow of them.
        if let (Some(everyone), Some(delegation)) = (everyone, delegation) {
            for at in &delegation.groups {
                let group = &everyone.groups[*at as usize];
                let sets = narrowed_sets(&group.sets);
                if sets.is_empty() {
                    continue;
                }
                // Named in particular by one of the group's policies: resource by resource.
                if group.particular.names(&entry.caller) {
                    candidates.extend(sets.into_iter().map(|set| (set, group.resources.clone())));
                    continue;
                }
                let mut actions = ActionSet::new();
                sets.iter().for_each(|set| actions.union_with(set));
                whole.push(Whole { at: *at, group, varying: varying_about(&actions), sets });
            }
            for (set, resources) in &delegation.ungrouped {
                if let Some(set) = narrowed_sets(std::slice::from_ref(set)).pop() {
                    candidates.push((set, resources.clone()));
                }
            }
        }
        // Per resource, its candidate action sets (by identity: equal lists, equal unions).
        let mut by_resource: BTreeMap<Arc<str>, Vec<&Arc<ActionSet>>> = BTreeMap::new();
        for (actions, resources) in &candidates {
            for resource in resources {
                by_resource.entry(Arc::clone(resource)).or_default().push(actions);
            }
        }
        // Resources decided alike are decided once: same owner account, the same statements of
        // their policies naming the principal (the others take no part), same traits the
        // engine reads of an ARN, every statement of every layer naming them alike, and the
        // same candidate actions. Each group is decided on the resource its key was written
        // for, under its own policy.
        let mut alike: FastMap<ResourceKey, usize> = FastMap::default();
        let mut groups: Vec<ResourceGroup<'_>> = Vec::new();
        // An everyone group's resources that no other candidate names are alike for the
        // resource's side and have the same candidate actions: only its own statements about
        // those actions that name some resources and not others tell them apart (a statement
        // about other actions takes no part in deciding these). The resources each of those
        // statements names alike are decided alike, as the first of them is keyed; the others
        // gain the group's sets, and are keyed one by one below.
        // Resources of those groups that other candidates name too gain the group's sets.
        let mut taken: Vec<Vec<&Arc<str>>> = vec![Vec::new(); whole.len()];
        // Which of its own statements concern each list of candidate sets (see `resource_key`).
        let mut about: FastMap<Vec<usize>, Vec<bool>> = FastMap::default();
        // (The asker's buffers, given back before the groups are decided.)
        let mut buffers = asker.scratch.borrow_mut();
        let scratch = &mut *buffers;
        if let Some(everyone) = everyone.filter(|_| !whole.is_empty()) {
            for (resource, sets) in by_resource.iter_mut() {
                let at = everyone.group_of.get(resource).or_else(|| delegation.and_then(|d| d.group_of.get(resource)));
                let Some(at) = at else { continue };
                if let Some(place) = whole.iter().position(|other| other.at == *at) {
                    sets.extend(whole[place].sets.iter());
                    taken[place].push(resource);
                }
            }
        }
        for (Whole { at, group, varying, sets: group_sets }, taken) in whole.iter().zip(&taken) {
            let mut sets: Vec<&Arc<ActionSet>> = group_sets.iter().collect();
            sets.sort_by_key(|s| Arc::as_ptr(s) as usize);
            sets.dedup_by_key(|s| Arc::as_ptr(s) as usize);
            let parts = self.everyone_parts(*at, group, &asker, varying);
            for members in parts.iter() {
                let members = match taken.is_empty() {
                    true => Members::Shared(Arc::clone(members)),
                    false => Members::Own(members.iter().filter(|r| !taken.contains(r)).cloned().collect()),
                };
                let Some(first) = members.first() else { continue };
                let Some(target) = self.resource_key(entry, first, &sets, own, &mut about, scratch) else {
                    continue;
                };
                match alike.get(scratch.key.as_slice()) {
                    Some(g) => groups[*g].resources.extend(members.iter().cloned()),
                    None => {
                        alike.insert(scratch.key.clone(), groups.len());
                        let names = scratch.names.clone();
                        let resource = Arc::clone(first);
                        let sets = sets.clone();
                        groups.push(ResourceGroup { resource, target, sets, resources: members, names });
                    }
                }
            }
        }
        for (resource, mut sets) in by_resource {
            sets.sort_by_key(|s| Arc::as_ptr(s) as usize);
            sets.dedup_by_key(|s| Arc::as_ptr(s) as usize);
            let Some(target) = self.resource_key(entry, &resource, &sets, own, &mut about, scratch) else {
                continue;
            };
            match alike.get(scratch.key.as_slice()) {
                Some(g) => groups[*g].resources.push(resource),
                None => {
                    alike.insert(scratch.key.clone(), groups.len());
                    let names = scratch.names.clone();
                    let resources = Members::Own(vec![Arc::clone(&resource)]);
                    groups.push(ResourceGroup { resource, target, sets, resources, names });
                }
            }
        }
        drop(buffers);
        // One decision per class of actions on each group of resources: actions that every
        // statement of every layer matches alike, and that the engine treats alike otherwise
        // (one `evaluation_group`: RCPs govern their service or not, KMS or not), are decided
        // alike, so the engine is asked once per class, for a representative. Actions with
        // rules of their own (sts, the refusals) are decided one by one.
        let mut grants = Vec::new();
        for ResourceGroup { resource, target, sets, resources, names } in groups {
            let mut actions = ActionSet::new();
            for set in sets {
                actions.union_with(set);
            }
            let resources = resources.sorted();
            // Actions without resource types are requested on `*` only.
            if &*resources[0] != "*" {
                actions.difference_with(catalog.wildcard_only_actions());
            }
            let group =
                Group { resource: &resource, target: &target, actions: &actions, resources: &resources, names: &names };
            self.decide_group(&asker, group, &mut grants);
        }
        grants.extend(shared.iter().flat_map(|g| g.iter().cloned()));
        Ok(grants)
    }

    /// Decides `group.actions` on `group.resources` (which every statement names alike: see
    /// `effective_permissions`) for `entry`, once per class of alike actions, and adds the
    /// grants. The outcomes are shared with every principal whose decisions read the same
    /// (see [`OutcomeKey`]): most principals hold the same managed policies as others.
    fn decide_group(&self, asker: &Asker<'_>, group: Group<'_>, grants: &mut Vec<Grant>) {
        if group.actions.is_empty() {
            return;
        }
        let mut scratch = asker.scratch.borrow_mut();
        let keyed =
            self.class_shares[self.caller_class[asker.idx] as usize] && self.outcome_key(asker, &group, &mut scratch);
        let outcomes = match keyed {
            // No other principal can read the group alike (or its class is small): decided
            // for this one alone.
            false => self.decide_classes(asker.entry, &group, &asker.own),
            true => {
                let key: &[u64] = &scratch.key;
                let found = self.group_outcomes.read().ok().and_then(|cache| cache.get(key).cloned());
                match found {
                    Some(found) => found,
                    None => {
                        let outcomes = self.decide_classes(asker.entry, &group, &asker.own);
                        match self.group_outcomes.write() {
                            Ok(mut cache) => Arc::clone(cache.entry(OutcomeKey(key.into())).or_insert(outcomes)),
                            Err(_) => outcomes,
                        }
                    }
                }
            }
        };
        if !outcomes.is_empty() {
            grants.push(Grant { resources: Arc::clone(group.resources), outcomes });
        }
    }

    /// What the decisions of [`AwsAnalysis::decide_classes`] on `group` read of the asker,
    /// written in `scratch.key` (an [`OutcomeKey`]'s words); false when a statement that may
    /// apply is of a policy no other principal of its class holds (no other principal reads
    /// the group alike, and keeping its outcomes would only cost).
    fn outcome_key(&self, asker: &Asker<'_>, group: &Group<'_>, scratch: &mut Scratch) -> bool {
        let Asker { idx, entry, own, reading, .. } = asker;
        let Scratch { key, reads, resource_reads, naming, values, .. } = scratch;
        let class = self.caller_class[*idx];
        let mut key = KeyWords::over(key);
        key.section();
        key.push(u64::from(class));
        key.push(std::ptr::from_ref(group.target) as usize as u64);
        key.section();
        key.push(group.actions.occupied().start as u64);
        group.actions.occupied_words().iter().for_each(|w| key.push(*w));
        // Its statements that may apply: about some of the actions, and naming the resources
        // or not known to (the others neither grant, nor deny, nor leave anything undecided).
        // The boundary's and the SCPs' are the class's: by place.
        key.section();
        reads.clear();
        let mut reads_principal = false;
        let mut at = 0;
        let holders = self.document_holders.get_or_init(|| self.document_holders());
        for (doc, source) in entry.documents.iter().zip(&entry.sources) {
            for number in 0..doc.statements.len() {
                let named = group.names.get(at).copied().flatten();
                let applies = named != Some(false) && !own.get(at).is_some_and(|set| set.is_disjoint(group.actions));
                if applies {
                    let address = Arc::as_ptr(doc) as usize;
                    if holders.get(&(class, address)).is_none_or(|n| *n < 2) {
                        return false;
                    }
                    key.push(address as u64);
                    key.push(number as u64 | truth_code(named) << 32);
                    key.push(Arc::as_ptr(&source.display).cast::<u8>() as usize as u64);
                    reads_principal |= reading.get(at).copied().unwrap_or(true);
                }
                reads.push(applies);
                at += 1;
            }
        }
        // (By place from the boundary's first statement: principals of a class hold different
        // numbers of identity statements before the same boundary and SCPs.)
        key.section();
        let identity_statements = at;
        for (set, reads_key) in own.iter().zip(reading.iter()).skip(at) {
            let named = group.names.get(at).copied().flatten();
            let applies = named != Some(false) && !set.is_disjoint(group.actions);
            if applies {
                key.push((at - identity_statements) as u64 | truth_code(named) << 32);
                reads_principal |= *reads_key;
            }
            reads.push(applies);
            at += 1;
        }
        // So do the statements of the resource's policy and RCPs (the resource's), by place.
        key.section();
        let theirs = group.target.action_sets.get_or_init(|| self.target_action_sets(group.target));
        resource_reads.clear();
        for (place, set) in theirs.iter().enumerate() {
            let named = group.names.get(at + place).copied().flatten();
            let applies = named != Some(false) && !set.is_disjoint(group.actions);
            if applies {
                key.push(place as u64 | truth_code(named) << 32);
            }
            resource_reads.push(applies);
        }
        key.section();
        naming.clear();
        group.target.policies.names(&entry.caller, entry.policies.has_boundary(), naming);
        for named in naming.iter() {
            key.push(match named {
                PrincipalMatch::None => 0,
                PrincipalMatch::Account => 1,
                PrincipalMatch::Role => 2,
                PrincipalMatch::Direct => 3,
            });
        }
        // How the conditions of those statements that read the principal's keys (the only
        // ones its context holds, see `index::principal_key`) come out for it: whether each
        // statement names the resource is kept above.
        key.section();
        values.clear();
        let reads_resource_keys = !group.target.principal_keys().is_empty();
        if reads_principal || reads_resource_keys {
            let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&group.target.prepared));
            if reads_principal {
                entry.policies.condition_truths_of(reads, principal_key, &context, values);
            }
            if reads_resource_keys {
                group.target.policies.condition_truths_of(resource_reads, principal_key, &context, values);
            }
        }
        key.push(values.len() as u64);
        pack_truths(values, &mut key);
        key.finish();
        true
    }

    /// Decides `group.actions` on `group.resource` (under its own side) for `entry`, once per
    /// class of alike actions: the actions granted, as runs of ids, with their access.
    fn decide_classes(&self, entry: &Entry, group: &Group<'_>, own: &[Arc<ActionSet>]) -> Outcomes {
        let Group { resource, target, actions, resources: _, names } = *group;
        let catalog = Catalog::aws();
        let theirs = target.action_sets.get_or_init(|| self.target_action_sets(target));
        // Actions are told apart only by the statements that may name the group's resources:
        // a statement naming none of them takes no part in any decision about them.
        let sets: Vec<&ActionSet> = own
            .iter()
            .chain(theirs)
            .zip(names.iter().map(Some).chain(std::iter::repeat(None)))
            .filter(|(_, named)| named.is_none_or(|n| *n != Some(false)))
            .map(|(s, _)| &**s)
            .collect();
        // The distinct accesses (a handful: the same conditions of the same statements come
        // back for many classes).
        let mut accesses: Vec<Arc<Access>> = Vec::new();
        let mut outcomes = Vec::new();
        // The resource prepared once for every class.
        let mut base: Option<crate::Question<'_>> = None;
        let names = action_names(catalog);
        for members in classes(catalog, actions, &sets) {
            let Some((id, first)) = members.first().and_then(|id| Some((id, catalog.action_info(id)?))) else {
                continue;
            };
            let question = match (&base, names.get(id.index())) {
                (Some(base), Some(name)) => crate::Question { request: base.request.for_action_named(name), target },
                (Some(base), None) => crate::Question { request: base.request.for_action(first.name()), target },
                (None, _) => crate::question(first.name(), resource, target),
            };
            let decision = self.decide_with(entry, &question, &target.prepared);
            base.get_or_insert(question);
            let Some(access) = access_of(&decision, |c| self.source_of(entry, target, c.layer, c.level, c.policy))
            else {
                continue;
            };
            let access = match accesses.iter().find(|a| ***a == access) {
                Some(same) => Arc::clone(same),
                None => {
                    accesses.push(Arc::new(access));
                    Arc::clone(&accesses[accesses.len() - 1])
                }
            };
            outcomes.push((runs_of(&members), access));
        }
        outcomes.into()
    }

    /// The resources of everyone group `at` split as `entry`'s statements that `varying` marks
    /// name them (the resources each names alike together, each part sorted, the parts in
    /// order), shared with every principal whose marked statements and values of the keys
    /// they read are the same.
    fn everyone_parts(&self, at: u32, group: &EveryoneGroup, asker: &Asker<'_>, varying: &[bool]) -> Parts {
        let Asker { idx, entry, reading, .. } = asker;
        let idx = *idx;
        if !varying.contains(&true) {
            return Arc::clone(&group.whole);
        }
        // The marked statements: the identity policies' by document and number, the
        // boundary's and SCPs' by place (the class's).
        let mut statements = Vec::new();
        let mut at_statement = 0;
        for doc in &entry.documents {
            for number in 0..doc.statements.len() {
                if varying.get(at_statement).copied().unwrap_or(false) {
                    statements.push((Arc::as_ptr(doc) as usize, number as u32));
                }
                at_statement += 1;
            }
        }
        // (Counted from the boundary's first: principals of a class hold different numbers
        // of identity statements before the same boundary and SCPs.)
        for (place, marked) in varying.iter().skip(at_statement).enumerate() {
            if *marked {
                statements.push((0, place as u32));
            }
        }
        let keys = keys_read(|visit| {
            entry.policies.visit_keys_of(varying, &mut |key| {
                if principal_key(key) {
                    visit(key)
                }
            })
        });
        let values = keys.iter().map(|key| entry.partial_context.lookup(key).cloned()).collect();
        let key: PartsKey = (at, self.caller_class[idx], statements, values);
        if let Some(found) = self.everyone_parts.read().ok().and_then(|cache| cache.get(&key).cloned()) {
            return found;
        }
        // How each marked statement names the group's resources, read once per statement for
        // every principal holding it (unless it reads the principal's own keys); those naming
        // them all alike split nothing.
        let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&group.target.prepared));
        let class = self.caller_class[idx];
        let mut columns: Vec<Arc<[Option<bool>]>> = Vec::new();
        let mut identity = entry
            .documents
            .iter()
            .flat_map(|doc| (0..doc.statements.len()).map(move |n| (Arc::as_ptr(doc) as usize, n as u32)));
        let reads_principal = reading.iter().chain(std::iter::repeat(&true));
        for (place, (marked, reads_principal)) in varying.iter().zip(reads_principal).enumerate() {
            // The statement's key: the identity policies' by document and number, the
            // boundary's and SCPs' by the class and place.
            let statement = match identity.next() {
                Some((doc, number)) => (u32::MAX, doc, number),
                None => (class, 0, (place - at_statement) as u32),
            };
            if *marked {
                let column = |which: usize| {
                    let mut only = vec![false; varying.len()];
                    only[which] = true;
                    let column = entry.policies.resource_matches_of_sorted(&group.resources, &context, &only);
                    let alike = column.windows(2).all(|pair| pair[0] == pair[1]);
                    (!alike).then(|| Arc::from(column))
                };
                let found = match reads_principal {
                    true => column(place),
                    false => {
                        let key = (at, statement.0, statement.1, statement.2);
                        match self.statement_columns.read().ok().and_then(|cache| cache.get(&key).cloned()) {
                            Some(found) => found,
                            None => {
                                let found = column(place);
                                if let Ok(mut cache) = self.statement_columns.write() {
                                    cache.entry(key).or_insert_with(|| found.clone());
                                }
                                found
                            }
                        }
                    }
                };
                columns.extend(found);
            }
        }
        let parts: Parts = match columns.is_empty() {
            // (One part: the group's resources as they are, shared.)
            true => Arc::clone(&group.whole),
            false => {
                let rows: Vec<Option<bool>> =
                    (0..group.resources.len()).flat_map(|at| columns.iter().map(move |column| column[at])).collect();
                let parts = parts_by_truths(&group.resources, &rows);
                parts.into_iter().map(|(resources, _)| Arc::from(resources)).collect()
            }
        };
        match self.everyone_parts.write() {
            Ok(mut cache) => Arc::clone(cache.entry(key).or_insert(parts)),
            Err(_) => parts,
        }
    }

    /// Per class of callers and identity policy document (its address), how many principals
    /// of the class hold it.
    fn document_holders(&self) -> FastMap<(u32, usize), u32> {
        let mut out: FastMap<(u32, usize), u32> = FastMap::default();
        for (entry, class) in self.entries.iter().zip(&self.caller_class) {
            let mut documents: Vec<usize> = entry.documents.iter().map(|d| Arc::as_ptr(d) as usize).collect();
            documents.sort_unstable();
            documents.dedup();
            for address in documents {
                *out.entry((*class, address)).or_default() += 1;
            }
        }
        out
    }

    /// The principal's request-context keys (`index::principal_key`) that the permissions
    /// boundary and SCPs of `class` read (`entry` is of the class): the only keys read there
    /// whose values differ between the principals of a class (their contexts hold no other).
    pub(crate) fn class_principal_keys(&self, class: u32, entry: &Entry) -> &[Box<str>] {
        self.class_principal_keys[class as usize].get_or_init(|| {
            keys_read(|visit| {
                entry.policies.visit_guardrail_keys(&mut |key| {
                    if principal_key(key) {
                        visit(key)
                    }
                })
            })
        })
    }

    /// What `entry` may do on a group of [`Everyone`] when none of its own policies concerns
    /// the group's actions: decided for the first principal of its class named alike and with
    /// the same values of the keys read, and shared with the others (see
    /// `remit_aws_policy::caller_traits`).
    fn shared_grants(&self, at: usize, group: &EveryoneGroup, asker: &Asker<'_>) -> Arc<[Grant]> {
        let entry = asker.entry;
        let mut naming = Vec::with_capacity(4);
        group.target.policies.names(&entry.caller, entry.policies.has_boundary(), &mut naming);
        let class = self.caller_class[asker.idx];
        // Of the keys read, only the principal's differ between principals of a class (see
        // `index::principal_key`).
        let guardrail_keys = self.class_principal_keys(class, entry);
        let values =
            group.keys.iter().chain(guardrail_keys).map(|key| entry.partial_context.lookup(key).cloned()).collect();
        let key: SharedKey = (at as u32, class, naming, values);
        if let Some(found) = self.shared_grants.read().ok().and_then(|cache| cache.get(&key).cloned()) {
            return found;
        }
        // The group's resources as this principal's boundary and SCPs (and its own
        // statements, which concern other actions) name them.
        let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&group.target.prepared));
        let every = vec![true; entry.policies.statement_count()];
        let truths = entry.policies.resource_matches_of_sorted(&group.resources, &context, &every);
        // Each part's resources, with how the principal's statements name them.
        let parts = parts_by_truths(&group.resources, &truths);
        let mut grants = Vec::new();
        for (resources, names) in parts {
            // Decided on its first resource, under that resource's own policy.
            let Ok(target) = self.owned_target(&resources[0], &group.target.account) else { continue };
            let resources: Arc<[Arc<str>]> = resources.into();
            let part = Group {
                resource: &resources[0],
                target: &target,
                actions: &group.actions,
                resources: &resources,
                names,
            };
            self.decide_group(asker, part, &mut grants);
        }
        let grants: Arc<[Grant]> = grants.into();
        match self.shared_grants.write() {
            Ok(mut cache) => Arc::clone(cache.entry(key).or_insert(grants)),
            Err(_) => grants,
        }
    }

    /// The resources resource policies grant to everyone, grouped (see [`Everyone`]).
    fn everyone(&self) -> Everyone {
        let named = self.named_in_resource_policies.get_or_init(|| self.named_in_resource_policies());
        let mut by_resource: BTreeMap<Arc<str>, Vec<&Arc<ActionSet>>> = BTreeMap::new();
        for st in named.get("*").into_iter().flatten() {
            for resource in &st.resources {
                by_resource.entry(Arc::clone(resource)).or_default().push(&st.actions);
            }
        }
        let mut out = Everyone {
            groups: Vec::new(),
            open: 0,
            group_of: FastMap::default(),
            ungrouped: Vec::new(),
            delegated: FastMap::default(),
        };
        for at in self.group_alike(by_resource, &mut out.groups, &mut out.ungrouped) {
            for resource in &out.groups[at as usize].resources {
                out.group_of.insert(Arc::clone(resource), at);
            }
        }
        out.open = out.groups.len();
        let mut accounts: Vec<&String> = named.keys().filter(|k| is_account_id(k)).collect();
        accounts.sort();
        for account in accounts {
            let delegated = self.delegated(&named[account], &mut out);
            out.delegated.insert(Arc::from(account.as_str()), delegated);
        }
        out
    }

    /// The resources `statements` (those naming an account) grant, grouped for every principal
    /// of the account that they do not name in particular (see [`Delegated`]); the groups are
    /// added to `everyone`'s. A resource of an everyone group stays ungrouped: it is keyed
    /// with that group's sets.
    fn delegated(&self, statements: &[Arc<ResourceStatement>], everyone: &mut Everyone) -> Delegated {
        let mut out = Delegated {
            groups: Vec::new(),
            group_of: FastMap::default(),
            ungrouped: Vec::new(),
            actions: ActionSet::new(),
        };
        let mut by_resource: BTreeMap<Arc<str>, Vec<&Arc<ActionSet>>> = BTreeMap::new();
        for st in statements {
            out.actions.union_with(&st.actions);
            for resource in &st.resources {
                match everyone.group_of.contains_key(resource) {
                    true => out.ungrouped.push((Arc::clone(&st.actions), vec![Arc::clone(resource)])),
                    false => by_resource.entry(Arc::clone(resource)).or_default().push(&st.actions),
                }
            }
        }
        out.groups = self.group_alike(by_resource, &mut everyone.groups, &mut out.ungrouped);
        for at in &out.groups {
            for resource in &everyone.groups[*at as usize].resources {
                out.group_of.insert(Arc::clone(resource), *at);
            }
        }
        out
    }

    /// Resources (with their candidate sets) grouped as what-can decides them for every
    /// principal their policies do not name in particular: same owner, statements as such a
    /// principal reads them, ARN traits, resource statements naming them alike, the same
    /// candidate sets. The groups are added to `groups` (their places returned); a resource
    /// whose owner the environment cannot tell, or that a statement names through a policy
    /// variable, is left in `ungrouped`, to be decided per principal.
    fn group_alike(
        &self,
        by_resource: BTreeMap<Arc<str>, Vec<&Arc<ActionSet>>>,
        groups: &mut Vec<EveryoneGroup>,
        ungrouped: &mut Vec<(Arc<ActionSet>, Vec<Arc<str>>)>,
    ) -> Vec<u32> {
        let catalog = Catalog::aws();
        // Nothing known of the principal: a statement naming a resource through a policy
        // variable reads as undecided.
        let nobody = Arc::new(Context::partial(Vec::new(), &[]));
        type Key = (Vec<u32>, Arc<str>, u8, Vec<Option<bool>>, Vec<usize>);
        let mut alike: FastMap<Key, u32> = FastMap::default();
        let mut placed = Vec::new();
        for (resource, mut sets) in by_resource {
            sets.sort_by_key(|s| Arc::as_ptr(s) as usize);
            sets.dedup_by_key(|s| Arc::as_ptr(s) as usize);
            let target = match self.owner_account(&resource) {
                Some(owner) => self.owned_target(&resource, &owner).ok(),
                None => None,
            };
            let mut names = Vec::new();
            if let Some(target) = &target {
                let context = Context::layered(Arc::clone(&nobody), Arc::clone(&target.prepared));
                target.policies.resource_matches(&resource, &context, &mut names);
            }
            let Some(target) = target.filter(|_| !names.contains(&None)) else {
                ungrouped.extend(sets.into_iter().map(|set| (Arc::clone(set), vec![Arc::clone(&resource)])));
                continue;
            };
            let identities = sets.iter().map(|s| Arc::as_ptr(s) as usize).collect();
            let statements = self.statements_as_anyone_reads(&target);
            let key = (statements, Arc::clone(&target.account), resource_traits(&resource), names, identities);
            match alike.get(&key) {
                Some(at) => {
                    let group = &mut groups[*at as usize];
                    target.policies.add_named_in_particular(&mut group.particular);
                    group.resources.push(resource);
                }
                None => {
                    let at = groups.len() as u32;
                    alike.insert(key, at);
                    placed.push(at);
                    let mut particular = NamedInParticular::default();
                    target.policies.add_named_in_particular(&mut particular);
                    let mut actions = ActionSet::new();
                    for set in &sets {
                        actions.union_with(set);
                    }
                    actions.difference_with(catalog.wildcard_only_actions());
                    let keys = keys_read(|visit| {
                        target.policies.visit_keys(&mut |key| {
                            if principal_key(key) {
                                visit(key)
                            }
                        })
                    });
                    groups.push(EveryoneGroup {
                        target,
                        sets: sets.into_iter().cloned().collect(),
                        actions,
                        resources: vec![resource],
                        whole: Arc::from([]),
                        keys,
                        particular,
                    });
                }
            }
        }
        for at in &placed {
            let group = &mut groups[*at as usize];
            group.whole = Arc::from([Arc::from(group.resources.clone())]);
        }
        placed
    }

    /// The `Allow` statements of every resource policy by the principals they name: `*` for
    /// everyone, an account id for an account (written as the id or as its `:root` ARN), or a
    /// principal's ARN; each prepared once.
    fn named_in_resource_policies(&self) -> NamedStatements {
        let mut out = NamedStatements::default();
        for (account, resource) in self.env.accounts.iter().flat_map(|a| a.resources.iter().map(move |r| (a, r))) {
            let account: Arc<str> = account.id.as_str().into();
            let Some(policy) = &resource.policy else { continue };
            for st in &policy.statements {
                let Some(principal) = st.principal.as_ref().filter(|p| st.effect == Effect::Allow && !p.negated) else {
                    continue;
                };
                let resources = match &st.resource {
                    Some(r) if !r.negated => r
                        .values
                        .iter()
                        .map(|v| Arc::from(if v == "*" { resource.arn.as_str() } else { v.as_str() }))
                        .collect(),
                    _ => vec![Arc::from(resource.arn.as_str())],
                };
                let prepared = Arc::new(ResourceStatement {
                    owner: resource.arn.clone(),
                    account: Arc::clone(&account),
                    actions: self.expanded(&st.action.values, st.action.negated),
                    resources,
                });
                match &principal.values {
                    Principals::Everyone => out.entry("*".to_owned()).or_default().push(prepared),
                    Principals::Typed(typed) => {
                        for value in typed.iter().flat_map(|(_, values)| values) {
                            let key = value
                                .strip_prefix("arn:aws:iam::")
                                .and_then(|rest| rest.strip_suffix(":root"))
                                .unwrap_or(value);
                            out.entry(key.to_owned()).or_default().push(Arc::clone(&prepared));
                        }
                    }
                }
            }
        }
        out
    }

    /// The action sets of the statements of `entry`'s own layers (identity policies,
    /// boundary, SCPs), in a fixed order.
    fn own_action_sets(&self, entry: &Entry) -> Vec<Arc<ActionSet>> {
        self.own_statements(entry).map(|st| self.expanded(&st.action.values, st.action.negated)).collect()
    }

    /// The statements of `entry`'s own layers, in the order of its compiled policies
    /// (identity policies, boundary, SCPs).
    fn own_statements<'e>(&'e self, entry: &'e Entry) -> impl Iterator<Item = &'e remit_aws_policy::Statement> {
        let account = entry.principal.scope.as_deref().unwrap_or_default();
        let scps = self.guardrails.scps.get(account).into_iter().flatten().flatten();
        let own = entry.documents.iter().chain(entry.boundary_document.iter()).map(|p| &**p);
        own.chain(scps).flat_map(|policy| &policy.statements)
    }

    /// What decides `resource` for `entry` with candidate `sets` (sorted by identity), beside
    /// the actions, written in `scratch.key` (how each statement names it in `scratch.names`):
    /// resources with equal keys are decided alike (see `effective_permissions`).
    /// `own` is `entry`'s [`AwsAnalysis::own_action_sets`]; `about` keeps, per list of
    /// candidate sets (by identity), which of them concern those sets' actions (the same for
    /// the many resources with the same candidates).
    fn resource_key(
        &self,
        entry: &Entry,
        resource: &Arc<str>,
        sets: &[&Arc<ActionSet>],
        own: &[Arc<ActionSet>],
        about: &mut FastMap<Vec<usize>, Vec<bool>>,
        scratch: &mut Scratch,
    ) -> Option<Arc<Target>> {
        let Scratch { key, identities, theirs: their_statements, names, naming, .. } = scratch;
        let target = self.resource_side_or_principal_account(resource, entry).ok()?;
        let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&target.prepared));
        let theirs = target.action_sets.get_or_init(|| self.target_action_sets(&target));
        // Only the statements about some candidate action tell the resource apart: the
        // others take no part in deciding the actions asked here (read as naming nothing).
        let concerns = |set: &Arc<ActionSet>| sets.iter().any(|s| !s.is_disjoint(set));
        identities.clear();
        identities.extend(sets.iter().map(|s| Arc::as_ptr(s) as usize));
        let ours = match about.get(identities.as_slice()) {
            Some(ours) => ours.as_slice(),
            None => about.entry(identities.clone()).or_insert_with(|| own.iter().map(concerns).collect()),
        };
        their_statements.clear();
        their_statements.extend(theirs.iter().map(concerns));
        // Nor does a statement of the resource's policy that does not name the principal: the
        // engine passes over it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
        // Resources whose policies differ only in statements about others (key policies naming
        // their own administrators) are decided alike for everyone else.
        naming.clear();
        target.policies.names(&entry.caller, entry.policies.has_boundary(), naming);
        for (concerned, named) in their_statements.iter_mut().zip(naming.iter()) {
            *concerned &= *named != PrincipalMatch::None;
        }
        names.clear();
        entry.policies.resource_matches_among(resource, &context, ours, names);
        target.policies.resource_matches_among(resource, &context, their_statements, names);
        let shapes = target.statement_shapes.get_or_init(|| self.statement_shapes(target.document.as_ref()));
        let mut key = KeyWords::over(key);
        key.section();
        key.push(u64::from(&**resource == "*") | u64::from(target.traits) << 1);
        // The statements of its policy that take part (naming the principal, about some
        // candidate action): their place, how each names it, and their shape.
        key.section();
        for (place, (concerned, named)) in their_statements.iter().zip(naming.iter()).enumerate() {
            if *concerned {
                key.push(place as u64 | (*named as u64) << 32);
                key.push(u64::from(shapes.get(place).copied().unwrap_or(0)));
            }
        }
        key.section();
        key.push(target.account.len() as u64);
        for chunk in target.account.as_bytes().chunks(8) {
            key.push(chunk.iter().fold(0u64, |word, byte| word << 8 | u64::from(*byte)));
        }
        key.section();
        key.push(names.len() as u64);
        pack_truths(names, &mut key);
        key.section();
        identities.iter().for_each(|identity| key.push(*identity as u64));
        key.finish();
        Some(target)
    }

    /// Per statement of `entry`'s own layers (in the order of `own_action_sets`), whether it
    /// names every resource alike: no `Resource` element, or one listing `*` (a `NotResource`
    /// listing `*` names none, which is alike too).
    fn own_universal(&self, entry: &Entry) -> Vec<bool> {
        self.own_statements(entry)
            .map(|st| st.resource.as_ref().is_none_or(|r| r.values.iter().any(|v| v == "*")))
            .collect()
    }

    /// The id of a shape's text (ids from 1; equal texts, equal ids).
    fn shape_id(&self, text: String) -> u32 {
        if let Some(id) = self.policy_shapes.read().ok().and_then(|shapes| shapes.get(&text).copied()) {
            return id;
        }
        // (A lock poisoned by a panic elsewhere still holds every id given: read on.)
        let mut shapes = self.policy_shapes.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let next = shapes.len() as u32 + 1;
        *shapes.entry(text).or_insert(next)
    }

    /// Each statement of `target`'s policy as a principal it does not name in particular reads
    /// it (see [`NamedInParticular`]): its shape, or 0 when it names only principals in
    /// particular (it names none of the others, and takes no part in deciding for them).
    fn statements_as_anyone_reads(&self, target: &Target) -> Vec<u32> {
        let shapes = target.statement_shapes.get_or_init(|| self.statement_shapes(target.document.as_ref()));
        let particular_only = target.policies.statements_naming_only_particulars();
        let particular_only = particular_only.iter().chain(std::iter::repeat(&false));
        shapes.iter().zip(particular_only).map(|(shape, only)| if *only { 0 } else { *shape }).collect()
    }

    /// The interned shape of each statement of a resource policy (see
    /// `Target::statement_shapes`).
    fn statement_shapes(&self, policy: Option<&remit_aws_policy::Policy>) -> Vec<u32> {
        let Some(policy) = policy else { return Vec::new() };
        let json = policy.to_json();
        let version = json.get("Version").map(|v| v.to_string()).unwrap_or_default();
        let statements = json.get("Statement").and_then(|s| s.as_array()).cloned().unwrap_or_default();
        statements
            .into_iter()
            .map(|mut st| {
                for element in ["Resource", "NotResource"] {
                    if let Some(value) = st.get_mut(element) {
                        value.take();
                    }
                }
                self.shape_id(format!("statement {version} {st}"))
            })
            .collect()
    }

    /// The action sets of the statements of a resource's policy and its RCPs.
    fn target_action_sets(&self, target: &crate::Target) -> Vec<Arc<ActionSet>> {
        let rcps = self.guardrails.rcps.get(&*target.account).into_iter().flatten().flatten();
        target
            .document
            .iter()
            .chain(rcps)
            .flat_map(|policy| &policy.statements)
            .map(|st| self.expanded(&st.action.values, st.action.negated))
            .collect()
    }

    /// The actions an `Action`/`NotAction` element names, expanded through the catalog once per
    /// distinct element (managed policies repeat across principals).
    pub(crate) fn expanded(&self, patterns: &[String], negated: bool) -> Arc<ActionSet> {
        let mut key = String::with_capacity(patterns.iter().map(|p| p.len() + 1).sum::<usize>() + 1);
        key.push(if negated { '!' } else { '=' });
        for p in patterns {
            key.push_str(p);
            key.push('\n');
        }
        if let Some(set) = self.expansions.read().ok().and_then(|cache| cache.get(&key).cloned()) {
            return set;
        }
        let set = Arc::new(expand(Catalog::aws(), patterns, negated));
        match self.expansions.write() {
            // Another thread may have expanded it meanwhile: keep one copy, so that equal
            // elements share one set (what-can groups resources by set identity).
            Ok(mut cache) => Arc::clone(cache.entry(key).or_insert(set)),
            Err(_) => set,
        }
    }

    /// The resource side of `resource`, owned by `account` as the environment tells, compiled
    /// once for every what-can.
    fn owned_target(&self, resource: &str, account: &str) -> Result<Arc<crate::Target>, QueryError> {
        if let Some(target) = self.owned_targets.read().ok().and_then(|cache| cache.get(resource).cloned()) {
            return Ok(target);
        }
        let target = Arc::new(self.resource_side_in(resource, account)?);
        match self.owned_targets.write() {
            Ok(mut cache) => Ok(Arc::clone(cache.entry(Arc::from(resource)).or_insert(target))),
            Err(_) => Ok(target),
        }
    }

    /// The resource side of `resource` (in the principal's account when the environment
    /// cannot tell), compiled once per resource and account for every what-can.
    fn resource_side_or_principal_account(
        &self,
        resource: &str,
        entry: &Entry,
    ) -> Result<Arc<crate::Target>, QueryError> {
        // Keyed by the owning account, so that every principal shares the resource's side;
        // by the principal's own account only when the environment cannot tell.
        if let Some(target) = self.owned_targets.read().ok().and_then(|cache| cache.get(resource).cloned()) {
            return Ok(target);
        }
        let (account, owned) = match self.owner_account(resource) {
            Some(owner) => (owner, true),
            None => (entry.principal.scope.clone().unwrap_or_default(), false),
        };
        if owned {
            return self.owned_target(resource, &account);
        }
        let key = (resource.to_owned(), account);
        if let Some(target) = self.targets.read().ok().and_then(|cache| cache.get(&key).cloned()) {
            return Ok(target);
        }
        let target = self.resource_side_in(resource, &key.1)?;
        let target = Arc::new(target);
        if let Ok(mut cache) = self.targets.write() {
            cache.insert(key, Arc::clone(&target));
        }
        Ok(target)
    }
}

/// Consecutive ids as runs `(first, count)` (see [`Grant`]).
fn expand(catalog: &Catalog, patterns: &[String], negated: bool) -> ActionSet {
    let mut set = ActionSet::new();
    for p in patterns {
        set = set.union(&catalog.expand(p));
    }
    if negated { catalog.all_actions().difference(&set) } else { set }
}

/// `actions` split into classes that every set of `sets` either contains entirely or not at
/// all, within one [`evaluation_group`], and single actions for those with rules of their own:
/// partition refinement over the members of each set, so the cost is the number of actions
/// the sets share with `actions`, not the product of actions and sets.
/// Makes ready the action catalog and what what-can reads of it for every action (names as
/// requests read them, evaluation groups), which are otherwise made on first use.
pub(crate) fn prepare_catalog() {
    let catalog = Catalog::aws();
    action_names(catalog);
    evaluation_masks(catalog);
}

/// Each catalog action's name as requests read it, prepared once (by id).
fn action_names(catalog: &Catalog) -> &'static [ActionName] {
    static NAMES: OnceLock<Vec<ActionName>> = OnceLock::new();
    NAMES.get_or_init(|| catalog.actions().map(|action| ActionName::new(action.name())).collect())
}

/// The catalog's actions by [`evaluation_group`], computed once: the actions of each group,
/// and the actions with rules of their own (no group).
fn evaluation_masks(catalog: &Catalog) -> &'static (Vec<ActionSet>, ActionSet) {
    static MASKS: OnceLock<(Vec<ActionSet>, ActionSet)> = OnceLock::new();
    MASKS.get_or_init(|| {
        let mut groups: Vec<(EvaluationGroup, ActionSet)> = Vec::new();
        let mut solo = ActionSet::new();
        for (index, action) in catalog.actions().enumerate() {
            let id = ActionId(index as u32);
            match evaluation_group(action.name()) {
                None => {
                    solo.insert(id);
                }
                Some(group) => match groups.iter_mut().find(|(g, _)| *g == group) {
                    Some((_, set)) => {
                        set.insert(id);
                    }
                    None => {
                        let mut set = ActionSet::new();
                        set.insert(id);
                        groups.push((group, set));
                    }
                },
            }
        }
        (groups.into_iter().map(|(_, set)| set).collect(), solo)
    })
}

/// The actions of `set` as runs of consecutive ids `(first, count)`, read a word at a time.
fn runs_of(set: &ActionSet) -> Arc<[(u32, u32)]> {
    let lo = set.occupied().start;
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for (at, word) in set.occupied_words().iter().enumerate() {
        let mut rest = *word;
        while rest != 0 {
            let start = rest.trailing_zeros();
            let len = (rest >> start).trailing_ones();
            let first = ((lo + at) * 64) as u32 + start;
            match runs.last_mut() {
                Some((from, count)) if *from + *count == first => *count += len,
                _ => runs.push((first, len)),
            }
            rest &= if start + len >= 64 { 0 } else { !0u64 << (start + len) };
        }
    }
    runs.into()
}

/// `actions` split into classes that every set of `sets` either contains entirely or not at
/// all, within one [`evaluation_group`], and single actions for those with rules of their own,
/// in order of their first action: partition refinement on bitmaps, a word (64 actions) at a
/// time, over the words each class occupies (a resource's actions are mostly of one or two
/// services: a few words of the catalog's 350).
fn classes(catalog: &Catalog, actions: &ActionSet, sets: &[&ActionSet]) -> Vec<ActionSet> {
    let (groups, solo) = evaluation_masks(catalog);
    let mut out: Vec<ActionSet> =
        groups.iter().map(|mask| actions.intersection(mask)).filter(|class| !class.is_empty()).collect();
    out.extend(actions.iter_common(solo).map(|id| std::iter::once(id).collect()));
    for set in sets {
        // A set holding all of the actions, or none, splits nothing (most sets, for most
        // resources: `*` statements, FullAWSAccess, other services' statements).
        if actions.is_subset(set) || actions.is_disjoint(set) {
            continue;
        }
        for at in 0..out.len() {
            if !out[at].is_subset(set) && !out[at].is_disjoint(set) {
                let rest = out[at].difference(set);
                out[at].intersect_with(set);
                out.push(rest);
            }
        }
    }
    out.sort_by_key(ActionSet::first);
    out
}
