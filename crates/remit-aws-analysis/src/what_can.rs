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
    collections::{BTreeMap, HashMap},
    sync::{Arc, OnceLock},
};

use remit_aws_catalog::{AccessLevel, ActionId, ActionSet, Catalog};
use remit_aws_policy::{
    Context, ContextValue, Effect, EvaluationGroup, PrincipalMatch, Principals, evaluation_group, resource_traits,
};
use remit_model::Access;

use crate::{AwsAnalysis, FastMap, QueryError, Target, access_of, index::Entry, keys_read};

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

/// Part of a principal's effective permissions: actions it can perform on each of some
/// resources (or resource patterns), all with the same access (allowed, or conditional on the
/// same conditions). Resources and actions decided alike share one grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The resource patterns as the granting statements write them (`*` for actions that take
    /// no resource), sorted.
    pub resources: Arc<[Arc<str>]>,
    /// Allowed, or conditional and on what (shared by a principal's grants with the same).
    pub access: Arc<Access>,
    /// The actions as runs of consecutive ids `(first, count)`: a class is often most of a
    /// service, or every action but a few, which this keeps in a few words (shared by the
    /// principals a grant is shared with).
    runs: Arc<[(u32, u32)]>,
}

/// What decides a resource for a principal beside the actions: `*` or not, the resource
/// policy's shape, the owner account, the ARN's traits, how every statement names it, and the
/// identities of its candidate action sets.
type ResourceKey = (bool, u32, Arc<str>, u8, Vec<Option<bool>>, Vec<usize>);

/// Resources a principal's what-can decides alike (see `effective_permissions`).
struct ResourceGroup<'a> {
    /// The first resource's side (the others' decide alike).
    target: Arc<Target>,
    /// The candidate action sets (the same for every resource of the group).
    sets: Vec<&'a Arc<ActionSet>>,
    resources: Vec<Arc<str>>,
}

/// The resources that resource policies grant to everyone (`Principal: "*"`), grouped once
/// for every principal as what-can decides them (same owner, policy shape, ARN traits, resource
/// statements naming them alike, the same candidate sets). What a principal may do on such a
/// group depends on its own policies only when they name one of the group's actions; when
/// they do not, it depends only on what the engine reads of the caller
/// (`remit_aws_policy::caller_traits`), so it is decided once per class of callers.
pub(crate) struct Everyone {
    groups: Vec<EveryoneGroup>,
    /// Statements' actions and resources that are not grouped (an owner the environment
    /// cannot tell, a resource pattern with policy variables): decided per principal.
    ungrouped: Vec<(Arc<ActionSet>, Vec<Arc<str>>)>,
}

struct EveryoneGroup {
    /// The first resource's side (the others' decide alike).
    target: Arc<Target>,
    /// The words of the catalog's action bitmap that `actions` occupies.
    words: std::ops::Range<usize>,
    sets: Vec<Arc<ActionSet>>,
    /// The union of `sets`, less the actions that take no resource.
    actions: ActionSet,
    /// Sorted.
    resources: Vec<Arc<str>>,
    /// The request-context keys its resource policy and RCPs read.
    keys: Vec<Box<str>>,
}

impl EveryoneGroup {
    /// True when `actions` holds one of the group's actions.
    fn meets(&self, actions: &ActionSet) -> bool {
        let (ours, theirs) = (self.actions.as_words(), actions.as_words());
        self.words.clone().any(|i| ours[i] & theirs.get(i).copied().unwrap_or(0) != 0)
    }
}

/// What a class of principals shares on a group of [`Everyone`]: the group, the class
/// (`AwsAnalysis::caller_class`), how the resource policy names the principal, and the values
/// its context holds for the keys the resource policy, RCPs, boundary and SCPs read.
pub(crate) type SharedKey = (u32, u32, Vec<PrincipalMatch>, Vec<Option<ContextValue>>);

/// `Allow` statements of resource policies by the principal they name (see
/// `named_in_resource_policies`).
pub(crate) type NamedStatements = HashMap<String, Vec<Arc<ResourceStatement>>>;

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
    fn new(resources: Arc<[Arc<str>]>, access: Arc<Access>, actions: &[ActionId]) -> Grant {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for id in actions {
            match runs.last_mut() {
                Some((first, count)) if *first + *count == id.0 => *count += 1,
                _ => runs.push((id.0, 1)),
            }
        }
        Grant { resources, access, runs: runs.into() }
    }

    /// The actions, in catalog order.
    pub fn actions(&self) -> impl Iterator<Item = ActionId> + '_ {
        self.runs.iter().flat_map(|(first, count)| (*first..*first + *count).map(ActionId))
    }

    /// The number of actions.
    pub fn action_count(&self) -> usize {
        self.runs.iter().map(|(_, count)| *count as usize).sum()
    }
}

impl AwsAnalysis {
    /// Every action `principal` can perform, with the resources, summarised by the caller per
    /// service and access level.
    pub fn what_can(&self, principal: &str, filter: &WhatCanFilter) -> Result<Vec<Permission>, QueryError> {
        let catalog = Catalog::aws();
        let mut granted: BTreeMap<&str, Permission> = BTreeMap::new();
        for grant in self.effective_permissions(principal, filter)? {
            for action in grant.actions().filter_map(|id| catalog.action_info(id)) {
                let permission = granted.entry(action.name()).or_insert_with(|| Permission {
                    action: action.name().to_owned(),
                    service: action.service_prefix().to_owned(),
                    access_levels: action.access_levels().iter().collect(),
                    resources: Vec::new(),
                });
                for resource in grant.resources.iter() {
                    permission.resources.push((resource.to_string(), (*grant.access).clone()));
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
                let resources = match (&only, &st.resource) {
                    (Some(r), _) => vec![Arc::clone(r)],
                    (None, Some(r)) if !r.negated => r.values.iter().map(|v| Arc::from(v.as_str())).collect(),
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
        let mut delegated: HashMap<*const ActionSet, Arc<ActionSet>> = HashMap::new();
        for (named, direct) in statements {
            if filter.resource.as_ref().is_some_and(|r| !r.starts_with(&named.owner)) {
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
        let own = self.own_action_sets(entry);
        let universal = self.own_universal(entry);
        // What everyone may do: shared with the principals of its class, unless its own
        // policies (or resource policies naming it) concern the same actions.
        let mut shared: Vec<Arc<[Grant]>> = Vec::new();
        // Groups its own policies concern: their resources are told apart by its statements
        // about the group's actions only (see below).
        let mut whole: Vec<(&EveryoneGroup, Vec<bool>)> = Vec::new();
        if shareable {
            let everyone = self.everyone.get_or_init(|| self.everyone());
            for (at, group) in everyone.groups.iter().enumerate() {
                if *group.target.account != *account {
                    // Another account's: only what its identity policies may allow.
                    if group.meets(&identity_allows) {
                        for set in &group.sets {
                            let narrowed = delegated
                                .entry(Arc::as_ptr(set))
                                .or_insert_with(|| Arc::new(set.intersection(&identity_allows)));
                            if !narrowed.is_empty() {
                                candidates.push((Arc::clone(narrowed), group.resources.clone()));
                            }
                        }
                    }
                } else if group.meets(&own_any) {
                    // Its own statements about the group's actions that may name some of its
                    // resources and not others.
                    let varying: Vec<bool> =
                        own.iter().zip(&universal).map(|(set, all)| !all && group.meets(set)).collect();
                    whole.push((group, varying));
                } else {
                    shared.push(self.shared_grants(at, group, idx, entry));
                }
            }
            for (set, resources) in &everyone.ungrouped {
                candidates.push((Arc::clone(set), resources.clone()));
            }
        }
        // Per resource, its candidate action sets (by identity: equal lists, equal unions).
        let mut by_resource: BTreeMap<Arc<str>, Vec<&Arc<ActionSet>>> = BTreeMap::new();
        for (actions, resources) in &candidates {
            for resource in resources {
                by_resource.entry(Arc::clone(resource)).or_default().push(actions);
            }
        }
        // Resources decided alike are decided once: same owner account, same resource-policy
        // shape, same traits the engine reads of an ARN, every statement of every layer
        // naming them alike, and the same candidate actions.
        let mut alike: FastMap<ResourceKey, usize> = FastMap::default();
        let mut groups: Vec<ResourceGroup<'_>> = Vec::new();
        // An everyone group's resources that no other candidate names are alike for the
        // resource's side and have the same candidate actions: only its own statements about
        // those actions that name some resources and not others tell them apart (a statement
        // about other actions takes no part in deciding these). The resources each of those
        // statements names alike are decided alike, as the first of them is keyed; the others
        // gain the group's sets, and are keyed one by one below.
        for (group, varying) in whole {
            let reads = varying.contains(&true);
            let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&group.target.prepared));
            let mut parts: FastMap<Vec<Option<bool>>, Vec<Arc<str>>> = FastMap::default();
            for resource in &group.resources {
                match by_resource.get_mut(resource) {
                    Some(sets) => sets.extend(group.sets.iter()),
                    None => {
                        let mut names = Vec::new();
                        if reads {
                            entry.policies.resource_matches_of(resource, &context, &varying, &mut names);
                        }
                        parts.entry(names).or_default().push(Arc::clone(resource));
                    }
                }
            }
            let mut sets: Vec<&Arc<ActionSet>> = group.sets.iter().collect();
            sets.sort_by_key(|s| Arc::as_ptr(s) as usize);
            sets.dedup_by_key(|s| Arc::as_ptr(s) as usize);
            let mut parts: Vec<Vec<Arc<str>>> = parts.into_values().collect();
            parts.sort();
            for members in parts {
                let Some((key, target)) = self.resource_key(entry, &members[0], &sets) else { continue };
                match alike.get(&key) {
                    Some(g) => groups[*g].resources.extend(members),
                    None => {
                        alike.insert(key, groups.len());
                        groups.push(ResourceGroup { target, sets: sets.clone(), resources: members });
                    }
                }
            }
        }
        for (resource, mut sets) in by_resource {
            sets.sort_by_key(|s| Arc::as_ptr(s) as usize);
            sets.dedup_by_key(|s| Arc::as_ptr(s) as usize);
            let Some((key, target)) = self.resource_key(entry, &resource, &sets) else { continue };
            match alike.get(&key) {
                Some(g) => groups[*g].resources.push(resource),
                None => {
                    alike.insert(key, groups.len());
                    groups.push(ResourceGroup { target, sets, resources: vec![resource] });
                }
            }
        }
        // One decision per class of actions on each group of resources: actions that every
        // statement of every layer matches alike, and that the engine treats alike otherwise
        // (one `evaluation_group`: RCPs govern their service or not, KMS or not), are decided
        // alike, so the engine is asked once per class, for a representative. Actions with
        // rules of their own (sts, the refusals) are decided one by one.
        let mut grants = Vec::new();
        // The distinct accesses of this principal's grants (a handful: the same conditions
        // of the same statements come back on many resources).
        let mut accesses: Vec<Arc<Access>> = Vec::new();
        for ResourceGroup { target, sets, mut resources } in groups {
            let mut actions = ActionSet::new();
            for set in sets {
                actions.union_with(set);
            }
            // Actions without resource types are requested on `*` only.
            if &*resources[0] != "*" {
                actions.difference_with(catalog.wildcard_only_actions());
            }
            resources.sort();
            self.decide_group(entry, &target, &actions, resources.into(), &own, &mut accesses, &mut grants);
        }
        grants.extend(shared.iter().flat_map(|g| g.iter().cloned()));
        grants.sort_by(|a, b| a.resources.cmp(&b.resources));
        Ok(grants)
    }

    /// Decides `actions` on `resources` (which every statement names alike: see
    /// `effective_permissions`) for `entry`, once per class of alike actions, and adds the
    /// grants.
    #[allow(clippy::too_many_arguments, reason = "the group, and the principal's accumulators")]
    fn decide_group(
        &self,
        entry: &Entry,
        target: &Target,
        actions: &ActionSet,
        resources: Arc<[Arc<str>]>,
        own: &[Arc<ActionSet>],
        accesses: &mut Vec<Arc<Access>>,
        grants: &mut Vec<Grant>,
    ) {
        if actions.is_empty() {
            return;
        }
        let catalog = Catalog::aws();
        let theirs = target.action_sets.get_or_init(|| self.target_action_sets(target));
        let sets: Vec<&ActionSet> = own.iter().chain(theirs).map(|s| &**s).collect();
        // The resource prepared once for every class.
        let mut base: Option<crate::Question<'_>> = None;
        for members in classes(catalog, actions, &sets) {
            let Some(first) = members.first().and_then(|id| catalog.action_info(*id)) else { continue };
            let question = match &base {
                Some(base) => crate::Question { request: base.request.for_action(first.name()), target },
                None => crate::question(first.name(), &resources[0], target),
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
            grants.push(Grant::new(Arc::clone(&resources), access, &members));
        }
    }

    /// What `entry` may do on a group of [`Everyone`] when none of its own policies concerns
    /// the group's actions: decided for the first principal of its class named alike and with
    /// the same values of the keys read, and shared with the others (see
    /// `remit_aws_policy::caller_traits`).
    fn shared_grants(&self, at: usize, group: &EveryoneGroup, idx: usize, entry: &Entry) -> Arc<[Grant]> {
        let mut naming = Vec::new();
        group.target.policies.names(&entry.caller, entry.policies.has_boundary(), &mut naming);
        let class = self.caller_class[idx];
        let guardrail_keys = self.class_keys[class as usize]
            .get_or_init(|| keys_read(|visit| entry.policies.visit_guardrail_keys(visit)));
        let values =
            group.keys.iter().chain(guardrail_keys).map(|key| entry.partial_context.lookup(key).cloned()).collect();
        let key: SharedKey = (at as u32, class, naming, values);
        if let Some(found) = self.shared_grants.read().ok().and_then(|cache| cache.get(&key).cloned()) {
            return found;
        }
        // The group's resources as this principal's boundary and SCPs (and its own
        // statements, which concern other actions) name them.
        let own = self.own_action_sets(entry);
        let mut parts: FastMap<Vec<Option<bool>>, Vec<Arc<str>>> = FastMap::default();
        for resource in &group.resources {
            let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&group.target.prepared));
            let mut names = Vec::new();
            entry.policies.resource_matches(resource, &context, &mut names);
            parts.entry(names).or_default().push(Arc::clone(resource));
        }
        let mut parts: Vec<Vec<Arc<str>>> = parts.into_values().collect();
        parts.sort();
        let (mut accesses, mut grants) = (Vec::new(), Vec::new());
        for resources in parts {
            // Decided on its first resource, under that resource's own policy.
            let Ok(target) = self.owned_target(&resources[0], &group.target.account) else { continue };
            self.decide_group(entry, &target, &group.actions, resources.into(), &own, &mut accesses, &mut grants);
        }
        let grants: Arc<[Grant]> = grants.into();
        match self.shared_grants.write() {
            Ok(mut cache) => Arc::clone(cache.entry(key).or_insert(grants)),
            Err(_) => grants,
        }
    }

    /// The resources resource policies grant to everyone, grouped (see [`Everyone`]).
    fn everyone(&self) -> Everyone {
        let catalog = Catalog::aws();
        let named = self.named_in_resource_policies.get_or_init(|| self.named_in_resource_policies());
        let mut by_resource: BTreeMap<Arc<str>, Vec<&Arc<ActionSet>>> = BTreeMap::new();
        for st in named.get("*").into_iter().flatten() {
            for resource in &st.resources {
                by_resource.entry(Arc::clone(resource)).or_default().push(&st.actions);
            }
        }
        // Nothing known of the principal: a statement naming a resource through a policy
        // variable reads as undecided, and its resources are left to each principal.
        let nobody = Arc::new(Context::partial(Vec::new(), &[]));
        let mut out = Everyone { groups: Vec::new(), ungrouped: Vec::new() };
        type Key = (u32, Arc<str>, u8, Vec<Option<bool>>, Vec<usize>);
        let mut alike: FastMap<Key, usize> = FastMap::default();
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
                for set in sets {
                    out.ungrouped.push((Arc::clone(set), vec![Arc::clone(&resource)]));
                }
                continue;
            };
            let shape = *target.policy_shape.get_or_init(|| self.policy_shape(target.document.as_ref()));
            let identities = sets.iter().map(|s| Arc::as_ptr(s) as usize).collect();
            let key = (shape, Arc::clone(&target.account), resource_traits(&resource), names, identities);
            match alike.get(&key) {
                Some(g) => out.groups[*g].resources.push(resource),
                None => {
                    alike.insert(key, out.groups.len());
                    let mut actions = ActionSet::new();
                    for set in &sets {
                        actions.union_with(set);
                    }
                    actions.difference_with(catalog.wildcard_only_actions());
                    let words = actions.occupied();
                    let keys = keys_read(|visit| target.policies.visit_keys(visit));
                    out.groups.push(EveryoneGroup {
                        target,
                        words,
                        sets: sets.into_iter().cloned().collect(),
                        actions,
                        resources: vec![resource],
                        keys,
                    });
                }
            }
        }
        out
    }

    /// The `Allow` statements of every resource policy by the principals they name: `*` for
    /// everyone, an account id for an account (written as the id or as its `:root` ARN), or a
    /// principal's ARN; each prepared once.
    fn named_in_resource_policies(&self) -> NamedStatements {
        let mut out = NamedStatements::new();
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
    /// the actions: resources with equal keys are decided alike (see `effective_permissions`).
    fn resource_key(
        &self,
        entry: &Entry,
        resource: &Arc<str>,
        sets: &[&Arc<ActionSet>],
    ) -> Option<(ResourceKey, Arc<Target>)> {
        let target = self.resource_side_or_principal_account(resource, entry).ok()?;
        let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&target.prepared));
        let mut names = Vec::new();
        entry.policies.resource_matches(resource, &context, &mut names);
        target.policies.resource_matches(resource, &context, &mut names);
        let shape = *target.policy_shape.get_or_init(|| self.policy_shape(target.document.as_ref()));
        let account = target.account.clone();
        let identities = sets.iter().map(|s| Arc::as_ptr(s) as usize).collect();
        Some(((&**resource == "*", shape, account, resource_traits(resource), names, identities), target))
    }

    /// Per statement of `entry`'s own layers (in the order of `own_action_sets`), whether it
    /// names every resource alike: no `Resource` element, or one listing `*` (a `NotResource`
    /// listing `*` names none, which is alike too).
    fn own_universal(&self, entry: &Entry) -> Vec<bool> {
        self.own_statements(entry)
            .map(|st| st.resource.as_ref().is_none_or(|r| r.values.iter().any(|v| v == "*")))
            .collect()
    }

    /// The interned shape of a resource policy: its canonical JSON without the values of its
    /// `Resource`/`NotResource` elements (0 for none).
    fn policy_shape(&self, policy: Option<&remit_aws_policy::Policy>) -> u32 {
        let Some(policy) = policy else { return 0 };
        let mut json = policy.to_json();
        if let Some(statements) = json.get_mut("Statement").and_then(|s| s.as_array_mut()) {
            for st in statements {
                for element in ["Resource", "NotResource"] {
                    if let Some(value) = st.get_mut(element) {
                        value.take();
                    }
                }
            }
        }
        let text = json.to_string();
        if let Some(id) = self.policy_shapes.read().ok().and_then(|shapes| shapes.get(&text).copied()) {
            return id;
        }
        let Ok(mut shapes) = self.policy_shapes.write() else { return u32::MAX };
        let next = shapes.len() as u32 + 1;
        *shapes.entry(text).or_insert(next)
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
    fn expanded(&self, patterns: &[String], negated: bool) -> Arc<ActionSet> {
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

fn expand(catalog: &Catalog, patterns: &[String], negated: bool) -> ActionSet {
    let mut set = ActionSet::new();
    for p in patterns {
        set = set.union(&catalog.expand(p));
    }
    if negated { catalog.all_actions().difference(&set) } else { set }
}

thread_local! {
    /// Per thread, the class of each action while [`classes`] refines them (no allocation per
    /// resource once warm).
    static CLASS_OF: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Each catalog action's [`evaluation_group`], computed once.
fn evaluation_groups(catalog: &Catalog) -> &'static [Option<EvaluationGroup>] {
    static GROUPS: OnceLock<Vec<Option<EvaluationGroup>>> = OnceLock::new();
    GROUPS.get_or_init(|| catalog.actions().map(|a| evaluation_group(a.name())).collect())
}

/// `actions` split into classes that every set of `sets` either contains entirely or not at
/// all, within one [`evaluation_group`], and single actions for those with rules of their own:
/// partition refinement over the members of each set, so the cost is the number of actions
/// the sets share with `actions`, not the product of actions and sets.
fn classes(catalog: &Catalog, actions: &ActionSet, sets: &[&ActionSet]) -> Vec<Vec<ActionId>> {
    CLASS_OF.with_borrow_mut(|class_of| {
        let size = catalog.actions().len();
        if class_of.len() < size {
            class_of.resize(size, 0);
        }
        // Initial classes: by evaluation group, or one per action with rules of its own.
        let groups = evaluation_groups(catalog);
        let mut next: u32 = 0;
        let mut group_class: Vec<(EvaluationGroup, u32)> = Vec::new();
        for id in actions {
            let class = match groups.get(id.index()).copied().flatten() {
                None => None,
                Some(group) => group_class.iter().find(|(g, _)| *g == group).map(|(_, c)| *c),
            };
            let class = class.unwrap_or_else(|| {
                next += 1;
                if let Some(group) = groups.get(id.index()).copied().flatten() {
                    group_class.push((group, next - 1));
                }
                next - 1
            });
            class_of[id.index()] = class;
        }
        // Refinement: the members of each set leave their class for a new one (one new class
        // per old class the set touches).
        let mut split: Vec<u32> = vec![u32::MAX; next as usize];
        let mut touched: Vec<u32> = Vec::new();
        // Only the words `actions` occupies matter (a resource's actions are mostly of one or
        // two services: a few words of the catalog's 350).
        let words = actions.as_words();
        let std::ops::Range { start: lo, end: hi } = actions.occupied();
        for set in sets {
            let theirs = set.as_words();
            let (mut all, mut none) = (true, true);
            for (i, ours) in words.iter().enumerate().take(hi).skip(lo) {
                let in_set = theirs.get(i).copied().unwrap_or(0);
                all &= ours & !in_set == 0;
                none &= ours & in_set == 0;
            }
            // A set holding all of them, or none, splits nothing (most sets, for most
            // resources: `*` statements, FullAWSAccess, other services' statements).
            if all || none {
                continue;
            }
            for (i, ours) in words.iter().enumerate().take(hi).skip(lo) {
                let mut common = ours & theirs.get(i).copied().unwrap_or(0);
                while common != 0 {
                    let index = i * 64 + common.trailing_zeros() as usize;
                    common &= common - 1;
                    let old = class_of[index] as usize;
                    if split[old] == u32::MAX {
                        split[old] = next;
                        split.push(u32::MAX);
                        touched.push(old as u32);
                        next += 1;
                    }
                    class_of[index] = split[old];
                }
            }
            for old in touched.drain(..) {
                split[old as usize] = u32::MAX;
            }
        }
        // Classes in order of their first action; `split` now maps a class to its place.
        let mut out: Vec<Vec<ActionId>> = Vec::new();
        for id in actions {
            let class = class_of[id.index()] as usize;
            if split[class] == u32::MAX {
                split[class] = out.len() as u32;
                out.push(Vec::new());
            }
            out[split[class] as usize].push(id);
        }
        out
    })
}
