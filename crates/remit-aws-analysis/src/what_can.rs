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
    sync::Arc,
};

use remit_aws_catalog::{AccessLevel, ActionId, ActionSet, Catalog};
use remit_aws_policy::{Effect, Principals};
use remit_model::Access;

use crate::{AwsAnalysis, QueryError, access_of, index::Entry};

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

impl AwsAnalysis {
    /// Every action `principal` can perform, with the resources, summarised by the caller per
    /// service and access level.
    pub fn what_can(&self, principal: &str, filter: &WhatCanFilter) -> Result<Vec<Permission>, QueryError> {
        let idx = *self.by_arn.get(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let entry = &self.entries[idx];
        let catalog = Catalog::aws();
        let mut wanted = match &filter.service {
            Some(service) => catalog.service_actions(service),
            None => catalog.all_actions().clone(),
        };
        if let Some(level) = filter.access_level {
            wanted = wanted.intersection(catalog.actions_with_level(level));
        }
        // (action set, resource patterns) candidates from the identity policies ...
        let mut candidates: Vec<(ActionSet, Vec<String>)> = Vec::new();
        for doc in &entry.documents {
            for st in &doc.statements {
                if st.effect != Effect::Allow {
                    continue;
                }
                let actions = self.expanded(&st.action.values, st.action.negated).intersection(&wanted);
                if actions.is_empty() {
                    continue;
                }
                let resources = match (&filter.resource, &st.resource) {
                    (Some(r), _) => vec![r.clone()],
                    (None, Some(r)) if !r.negated => r.values.clone(),
                    _ => vec!["*".to_owned()],
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
            candidates.push((set, vec!["*".to_owned()]));
        }
        // ... and from resource policies that name it (directly, its account, or anyone).
        for account in &self.env.accounts {
            for resource in &account.resources {
                let Some(policy) = &resource.policy else { continue };
                if filter.resource.as_ref().is_some_and(|r| !r.starts_with(&resource.arn)) {
                    continue;
                }
                for st in &policy.statements {
                    let names_it = st.effect == Effect::Allow
                        && st.principal.as_ref().is_some_and(|p| !p.negated && names(&p.values, entry));
                    if names_it {
                        let actions = self.expanded(&st.action.values, st.action.negated).intersection(&wanted);
                        let resources = match (&filter.resource, &st.resource) {
                            (Some(r), _) => vec![r.clone()],
                            (None, Some(r)) if !r.negated => r
                                .values
                                .iter()
                                .map(|v| if v == "*" { resource.arn.clone() } else { v.clone() })
                                .collect(),
                            _ => vec![resource.arn.clone()],
                        };
                        candidates.push((actions, resources));
                    }
                }
            }
        }
        // One decision per class of actions on each resource: actions that every statement of
        // every layer matches alike (and of one service: RCPs apply per service) are decided
        // alike, so the engine is asked once per class, for a representative. Services whose
        // actions the engine treats by name (sts, iam, kms) are decided action by action.
        let mut by_resource: BTreeMap<&str, ActionSet> = BTreeMap::new();
        for (actions, resources) in &candidates {
            for resource in resources {
                by_resource.entry(resource.as_str()).or_default().union_with(actions);
            }
        }
        let mut granted: BTreeMap<String, Permission> = BTreeMap::new();
        for (resource, actions) in by_resource {
            let Ok(target) = self.resource_side_or_principal_account(resource, entry) else { continue };
            let sets = self.statement_action_sets(entry, &target);
            let sets: Vec<&ActionSet> = sets.iter().map(|s| &**s).collect();
            let mut classes: HashMap<(Vec<u64>, &str), Vec<ActionId>> = HashMap::new();
            for action in catalog.actions_in(&actions) {
                // Actions without resource types are requested on `*` only.
                if action.is_wildcard_only() && resource != "*" {
                    continue;
                }
                // The class: which statements match the action (a bit per statement), and its
                // service; or the action itself for services decided by name.
                let mut signature = vec![0u64; sets.len().div_ceil(64)];
                if matches!(action.service_prefix(), "sts" | "iam" | "kms") {
                    signature.push(u64::from(action.id().0) | 1 << 63);
                } else {
                    for (i, set) in sets.iter().enumerate() {
                        if set.contains(action.id()) {
                            signature[i / 64] |= 1 << (i % 64);
                        }
                    }
                }
                classes.entry((signature, action.service_prefix())).or_default().push(action.id());
            }
            for members in classes.values() {
                let Some(first) = members.first().and_then(|id| catalog.action_info(*id)) else { continue };
                let request_resource = if first.is_wildcard_only() { "*" } else { resource };
                let decision = self.decide(entry, first.name(), request_resource, &target);
                let Some(access) = access_of(&decision, |c| self.source_of(entry, &target, c.layer, c.level, c.policy))
                else {
                    continue;
                };
                for action in members.iter().filter_map(|id| catalog.action_info(*id)) {
                    let permission = granted.entry(action.name().to_owned()).or_insert_with(|| Permission {
                        action: action.name().to_owned(),
                        service: action.service_prefix().to_owned(),
                        access_levels: action.access_levels().iter().collect(),
                        resources: Vec::new(),
                    });
                    if !permission.resources.iter().any(|(r, _)| r == request_resource) {
                        permission.resources.push((request_resource.to_owned(), access.clone()));
                    }
                }
            }
        }
        Ok(granted.into_values().collect())
    }

    /// The action set of every statement of every layer that can apply to `entry` acting on
    /// `target`, in a fixed order.
    fn statement_action_sets(&self, entry: &Entry, target: &crate::Target) -> Vec<Arc<ActionSet>> {
        let account = entry.principal.scope.as_deref().unwrap_or_default();
        let scps = self.guardrails.scps.get(account).into_iter().flatten().flatten();
        let rcps = self.guardrails.rcps.get(&target.account).into_iter().flatten().flatten();
        entry
            .documents
            .iter()
            .chain(entry.boundary_document.iter())
            .chain(scps)
            .chain(target.document.iter())
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
        if let Ok(mut cache) = self.expansions.write() {
            cache.insert(key, Arc::clone(&set));
        }
        set
    }

    /// The resource side of `resource` (in the principal's account when the environment
    /// cannot tell), compiled once per resource and account for every what-can.
    fn resource_side_or_principal_account(
        &self,
        resource: &str,
        entry: &Entry,
    ) -> Result<Arc<crate::Target>, QueryError> {
        let account = entry.principal.scope.as_deref().unwrap_or_default();
        let key = (resource.to_owned(), account.to_owned());
        if let Some(target) = self.targets.read().ok().and_then(|cache| cache.get(&key).cloned()) {
            return Ok(target);
        }
        let target = match self.resource_side(resource) {
            Ok(target) => target,
            Err(QueryError::UnknownResourceAccount(_)) | Err(QueryError::BadResource(_)) => {
                self.resource_side_in(resource, account)?
            }
            Err(e) => return Err(e),
        };
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

/// Whether a `Principal` element names the entry, its account, or everyone.
fn names(principals: &Principals, entry: &Entry) -> bool {
    match principals {
        Principals::Everyone => true,
        Principals::Typed(entries) => entries.iter().flat_map(|(_, values)| values).any(|v| {
            v == "*"
                || *v == entry.principal.id
                || entry.principal.scope.as_deref().is_some_and(|a| {
                    v == a
                        || v.strip_prefix("arn:aws:iam::")
                            .and_then(|rest| rest.strip_suffix(":root"))
                            .is_some_and(|account| account == a)
                })
        }),
    }
}
