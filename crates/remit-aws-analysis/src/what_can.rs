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
use remit_aws_policy::{Context, Effect, EvaluationGroup, Principals, evaluation_group, resource_traits};
use remit_model::Access;

use crate::{AwsAnalysis, FastMap, QueryError, Target, access_of, index::Entry};

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
    /// service, or every action but a few, which this keeps in a few words.
    runs: Vec<(u32, u32)>,
}

/// Resources a principal's what-can decides alike (see `effective_permissions`).
struct ResourceGroup<'a> {
    /// The first resource's side (the others' decide alike).
    target: Arc<Target>,
    /// The candidate action sets (the same for every resource of the group).
    sets: Vec<&'a Arc<ActionSet>>,
    resources: Vec<Arc<str>>,
}

/// `Allow` statements of resource policies by the principal they name (see
/// `named_in_resource_policies`).
pub(crate) type NamedStatements = HashMap<String, Vec<Arc<ResourceStatement>>>;

/// A resource-policy statement as what-can reads it, prepared once for every principal it
/// names: the resource whose policy it is, its actions, and the resources it grants them on
/// (`*` meaning the resource itself).
pub(crate) struct ResourceStatement {
    owner: String,
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
        Grant { resources, access, runs }
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
        for doc in &entry.documents {
            for st in &doc.statements {
                if st.effect != Effect::Allow {
                    continue;
                }
                let actions = narrowed(self.expanded(&st.action.values, st.action.negated));
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
        let mut statements: Vec<(&Arc<ResourceStatement>, bool)> = ["*", entry.principal.id.as_str()]
            .iter()
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
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
            // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
            let actions = match direct {
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
            candidates.push((actions, resources));
        }
        // Per resource, its candidate action sets (by identity: equal lists, equal unions).
        let mut by_resource: BTreeMap<Arc<str>, Vec<&Arc<ActionSet>>> = BTreeMap::new();
        for (actions, resources) in &candidates {
            for resource in resources {
                by_resource.entry(Arc::clone(resource)).or_default().push(actions);
            }
        }
        let own = self.own_action_sets(entry);
        // Resources decided alike are decided once: same owner account, same resource-policy
        // shape, same traits the engine reads of an ARN, every statement of every layer
        // naming them alike, and the same candidate actions.
        type Key = (bool, u32, Arc<str>, u8, Vec<Option<bool>>, Vec<usize>);
        let mut alike: FastMap<Key, usize> = FastMap::default();
        let mut groups: Vec<ResourceGroup<'_>> = Vec::new();
        for (resource, mut sets) in by_resource {
            sets.sort_by_key(|s| Arc::as_ptr(s) as usize);
            sets.dedup_by_key(|s| Arc::as_ptr(s) as usize);
            let Ok(target) = self.resource_side_or_principal_account(&resource, entry) else { continue };
            let context = Context::layered(Arc::clone(&entry.partial_context), Arc::clone(&target.prepared));
            let mut names = Vec::new();
            entry.policies.resource_matches(&resource, &context, &mut names);
            target.policies.resource_matches(&resource, &context, &mut names);
            let shape = *target.policy_shape.get_or_init(|| self.policy_shape(target.document.as_ref()));
            let account = target.account.clone();
            let identities = sets.iter().map(|s| Arc::as_ptr(s) as usize).collect();
            let key = (&*resource == "*", shape, account, resource_traits(&resource), names, identities);
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
            if actions.is_empty() {
                continue;
            }
            resources.sort();
            let resources: Arc<[Arc<str>]> = resources.into();
            let theirs = target.action_sets.get_or_init(|| self.target_action_sets(&target));
            let sets: Vec<&ActionSet> = own.iter().chain(theirs).map(|s| &**s).collect();
            for members in classes(catalog, &actions, &sets) {
                let Some(first) = members.first().and_then(|id| catalog.action_info(*id)) else { continue };
                let decision = self.decide(entry, first.name(), &resources[0], &target);
                let Some(access) = access_of(&decision, |c| self.source_of(entry, &target, c.layer, c.level, c.policy))
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
        grants.sort_by(|a, b| a.resources.cmp(&b.resources));
        Ok(grants)
    }

    /// The `Allow` statements of every resource policy by the principals they name: `*` for
    /// everyone, an account id for an account (written as the id or as its `:root` ARN), or a
    /// principal's ARN; each prepared once.
    fn named_in_resource_policies(&self) -> NamedStatements {
        let mut out = NamedStatements::new();
        for resource in self.env.accounts.iter().flat_map(|a| &a.resources) {
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
        let account = entry.principal.scope.as_deref().unwrap_or_default();
        let scps = self.guardrails.scps.get(account).into_iter().flatten().flatten();
        entry
            .documents
            .iter()
            .chain(entry.boundary_document.iter())
            .chain(scps)
            .flat_map(|policy| &policy.statements)
            .map(|st| self.expanded(&st.action.values, st.action.negated))
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
            let target = Arc::new(self.resource_side_in(resource, &account)?);
            if let Ok(mut cache) = self.owned_targets.write() {
                return Ok(Arc::clone(cache.entry(Arc::from(resource)).or_insert(target)));
            }
            return Ok(target);
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
        let lo = words.iter().position(|w| *w != 0).unwrap_or(0);
        let hi = words.iter().rposition(|w| *w != 0).map_or(0, |i| i + 1);
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
