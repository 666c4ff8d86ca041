//! Policies compiled once into the form the evaluator reads: interned action ids, wildcard
//! patterns split and lower-cased ahead of time, condition values parsed to numbers, dates and
//! networks. Compilation cannot fail: a parsed [`Policy`] is already valid.

use std::{
    collections::HashMap,
    hash::{BuildHasherDefault, Hasher},
};

use crate::{
    arn::ArnPattern,
    condition::{Condition, Operator},
    context::{Context, key_hash},
    pattern::{Case, Pattern, Syntax},
    policy::{Effect, Policy},
    principal::{Caller, NamedPrincipal, PrincipalMatch, best_match, compile_principals, not_principal_excepts},
};

/// Interned lower-case action names (`s3:getobject`), shared by every policy of one set, so
/// that a literal `Action` compares as one integer.
#[derive(Debug, Default, Clone)]
pub(crate) struct Symbols {
    ids: HashMap<Box<str>, u32>,
    // INVARIANT: one entry per `key_hash` of interned names, listing those names.
    by_hash: HashMap<u64, SameHash, BuildHasherDefault<PreHashed>>,
}

/// Interned names sharing one hash, with their ids.
type SameHash = Vec<(Box<str>, u32)>;

/// The keys of `Symbols::by_hash` are hashes already: use them as they are.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Symbols {
    fn intern(&mut self, lower: &str) -> u32 {
        if let Some(id) = self.ids.get(lower) {
            return *id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(lower.into(), id);
        self.by_hash.entry(key_hash(lower)).or_default().push((lower.into(), id));
        id
    }

    /// The id of a lower-case action (whose `key_hash` is `hash`), if any policy names it
    /// literally.
    pub(crate) fn lookup(&self, hash: u64, lower: &str) -> Option<u32> {
        self.by_hash.get(&hash)?.iter().find(|(name, _)| **name == *lower).map(|e| e.1)
    }
}

/// One `Action`/`NotAction` value.
#[derive(Debug, Clone)]
enum ActionPattern {
    /// `*`.
    All,
    /// A literal action, interned.
    Exact(u32),
    /// `service:pattern` with wildcards in the name; the service interned.
    Glob { service: u32, name: Pattern },
}

/// The values of an `Action`/`NotAction` element, grouped so that matching one action looks
/// only at the patterns that can match it: literals by interned id, wildcard patterns by
/// service (a managed policy such as `ReadOnlyAccess` lists hundreds of them).
#[derive(Debug, Clone, Default)]
struct Actions {
    all: bool,
    /// Sorted.
    exact: Vec<u32>,
    /// Sorted by (interned) service.
    globs: Vec<(u32, Pattern)>,
}

impl Actions {
    fn new(patterns: impl Iterator<Item = ActionPattern>) -> Actions {
        let mut out = Actions::default();
        for pattern in patterns {
            match pattern {
                ActionPattern::All => out.all = true,
                ActionPattern::Exact(id) => out.exact.push(id),
                ActionPattern::Glob { service, name } => out.globs.push((service, name)),
            }
        }
        out.exact.sort_unstable();
        out.exact.dedup();
        out.globs.sort_by_key(|g| g.0);
        out
    }

    fn matches(&self, action: &ActionRef<'_>, context: &Context) -> bool {
        if self.all || action.id.is_some_and(|id| self.exact.binary_search(&id).is_ok()) {
            return true;
        }
        // A service no pattern of this policy set names has no id: no glob can match.
        let Some(service) = action.service_id else { return false };
        let start = self.globs.partition_point(|(s, _)| *s < service);
        self.globs[start..]
            .iter()
            .take_while(|(s, _)| *s == service)
            .any(|(_, name)| name.matches(action.name, Case::Insensitive, context))
    }
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) sid: Option<std::sync::Arc<str>>,
    pub(crate) effect: Effect,
    /// `(negated, principals)` for resource-based policies.
    pub(crate) principal: Option<(bool, Vec<NamedPrincipal>)>,
    actions_negated: bool,
    actions: Actions,
    /// `(negated, patterns)`; `None` means the resource the policy is attached to.
    resources: Option<(bool, Vec<ArnPattern>)>,
    conditions: Vec<Condition>,
}

/// A compiled policy.
#[derive(Debug, Clone)]
pub(crate) struct CompiledPolicy {
    pub(crate) statements: Vec<CompiledStatement>,
    /// No statement reads the request context (no conditions, no policy variables in
    /// `Resource`): its outcome depends on the action and resource only.
    pub(crate) context_free: bool,
    /// Which actions any of its statements can match: a request for another action skips the
    /// whole policy (most of a principal's policies are about other services).
    reach: Reach,
}

/// The actions a policy's `Action`/`NotAction` elements can match.
#[derive(Debug, Clone, Default)]
struct Reach {
    /// Some statement has `*` or `NotAction`: any action.
    any: bool,
    /// Literal actions, sorted.
    exact: Vec<u32>,
    /// Services of wildcard patterns, sorted.
    services: Vec<u32>,
}

/// The request's action, prepared for matching.
#[derive(Clone, Copy)]
pub(crate) struct ActionRef<'a> {
    /// Lower-case `service:name`.
    pub(crate) lower: &'a str,
    pub(crate) name: &'a str,
    pub(crate) id: Option<u32>,
    /// The interned id of the service part, if any pattern names it.
    pub(crate) service_id: Option<u32>,
}

impl CompiledPolicy {
    pub(crate) fn new(policy: &Policy, symbols: &mut Symbols) -> CompiledPolicy {
        let variables = policy.version.substitutes_variables();
        let statements = policy
            .statements
            .iter()
            .map(|st| CompiledStatement {
                sid: st.sid.as_deref().map(Into::into),
                effect: st.effect,
                principal: st.principal.as_ref().map(|p| (p.negated, compile_principals(&p.values))),
                actions_negated: st.action.negated,
                actions: Actions::new(st.action.values.iter().map(|a| compile_action(a, symbols))),
                resources: st
                    .resource
                    .as_ref()
                    .map(|r| (r.negated, r.values.iter().map(|v| ArnPattern::new(v, variables)).collect())),
                conditions: st
                    .conditions
                    .iter()
                    .filter_map(|c| {
                        Operator::parse(&c.operator).ok().map(|op| Condition::new(op, &c.key, &c.values, variables))
                    })
                    .collect(),
            })
            .collect::<Vec<CompiledStatement>>();
        let mut reach = Reach::default();
        for st in &statements {
            reach.any |= st.actions_negated || st.actions.all;
            reach.exact.extend(&st.actions.exact);
            reach.services.extend(st.actions.globs.iter().map(|(service, _)| *service));
        }
        for list in [&mut reach.exact, &mut reach.services] {
            list.sort_unstable();
            list.dedup();
        }
        let context_free = statements.iter().all(|st| {
            let mut reads = false;
            st.visit_keys(&mut |_| reads = true);
            !reads
        });
        CompiledPolicy { statements, context_free, reach }
    }

    /// False when no statement's `Action`/`NotAction` can match `action` (so that none
    /// applies, whatever the resource and context).
    pub(crate) fn may_match(&self, action: &ActionRef<'_>) -> bool {
        let reach = &self.reach;
        reach.any
            || action.id.is_some_and(|id| reach.exact.binary_search(&id).is_ok())
            || action.service_id.is_some_and(|s| reach.services.binary_search(&s).is_ok())
    }
}

fn compile_action(action: &str, symbols: &mut Symbols) -> ActionPattern {
    let lower = action.to_ascii_lowercase();
    if lower == "*" {
        return ActionPattern::All;
    }
    let (service, name) = lower.split_once(':').unwrap_or(("", &lower));
    if !name.contains(['*', '?']) {
        return ActionPattern::Exact(symbols.intern(&lower));
    }
    let name = Pattern::new(name, Syntax { wildcards: true, variables: false }, Case::Insensitive);
    ActionPattern::Glob { service: symbols.intern(service), name }
}

impl CompiledStatement {
    /// `Action`/`NotAction`: case-insensitive, `*` and `?` wildcards.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html>
    fn action_matches(&self, action: &ActionRef<'_>, context: &Context) -> bool {
        self.actions.matches(action, context) != self.actions_negated
    }

    /// How the statement's `Principal`/`NotPrincipal` names `caller` (resource-based policies;
    /// the one reading of both for `eval` and `partial`).
    pub(crate) fn names(&self, caller: &Caller, caller_has_boundary: bool) -> PrincipalMatch {
        match &self.principal {
            None => PrincipalMatch::None,
            Some((false, principals)) => best_match(principals, caller),
            Some((true, principals)) => {
                // "The NotPrincipal element with a Deny effect will always deny any IAM
                // principal that has a permissions boundary policy attached, regardless of the
                // values specified in the NotPrincipal element."
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
                if (caller_has_boundary && caller.is_iam_identity()) || !not_principal_excepts(principals, caller) {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::None
                }
            }
        }
    }

    /// The truth over `context` of each of its conditions that reads a key `claims` (a
    /// lower-case name), appended to `out`: conditions reading none of them read alike for
    /// every caller whose contexts differ only in those keys.
    pub(crate) fn condition_truths(&self, claims: fn(&str) -> bool, context: &Context, out: &mut Vec<Option<bool>>) {
        for condition in &self.conditions {
            let mut reads = false;
            condition.visit_keys(&mut |key| reads |= claims(key));
            if reads {
                out.push(condition.truth(context));
            }
        }
    }

    /// Calls `visit` with every request-context key the statement reads: its conditions' keys
    /// and the variables of its conditions and resources (`Action` and `Principal` read none).
    pub(crate) fn visit_keys(&self, visit: &mut dyn FnMut(&str)) {
        self.conditions.iter().for_each(|c| c.visit_keys(visit));
        if let Some((_, patterns)) = &self.resources {
            patterns.iter().for_each(|p| p.visit_keys(visit));
        }
    }

    /// `Resource`/`NotResource`. A statement without either applies to the resource its policy
    /// is attached to.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html>
    fn resource_matches(&self, resource: &str, context: &Context) -> bool {
        match &self.resources {
            None => true,
            Some((negated, patterns)) => patterns.iter().any(|p| p.matches(resource, context)) != *negated,
        }
    }

    /// `Resource`/`NotResource` over an analysis context: `None` when a pattern reads unknown
    /// context (a policy variable).
    pub(crate) fn resource_truth(&self, resource: &str, context: &Context) -> Option<bool> {
        match &self.resources {
            None => Some(true),
            Some(_) if !self.resource_known(context) => None,
            Some(_) => Some(self.resource_matches(resource, context)),
        }
    }

    /// [`CompiledStatement::resource_truth`] of each of `resources` (sorted), in order: the
    /// same answers, each pattern matched only against the resources that start with its
    /// plain text (a binary search), not against every resource.
    pub(crate) fn resource_truths_sorted(
        &self,
        resources: &[std::sync::Arc<str>],
        context: &Context,
    ) -> Vec<Option<bool>> {
        let Some((negated, patterns)) = &self.resources else {
            return vec![Some(true); resources.len()];
        };
        if !self.resource_known(context) {
            return vec![None; resources.len()];
        }
        let mut matched = vec![false; resources.len()];
        for pattern in patterns {
            let start = pattern.literal_start();
            let from = resources.partition_point(|r| **r < *start);
            let to = from + resources[from..].partition_point(|r| r.starts_with(start.as_str()));
            for (at, resource) in resources.iter().enumerate().take(to).skip(from) {
                if !matched[at] && pattern.matches(resource, context) {
                    matched[at] = true;
                }
            }
        }
        matched.into_iter().map(|m| Some(m != *negated)).collect()
    }

    fn resource_known(&self, context: &Context) -> bool {
        self.resources.as_ref().is_none_or(|(_, patterns)| !patterns.iter().any(|p| p.reads_unknown(context)))
    }

    /// All condition entries must hold (AND across operators and keys).
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>
    fn conditions_hold(&self, context: &Context) -> bool {
        self.conditions.iter().all(|c| c.matches(context))
    }

    /// Like [`CompiledStatement::applies`] over an analysis context: `None` when it depends on
    /// unknown context; the indices of the unknown conditions are pushed to `unknown` (see
    /// [`CompiledStatement::condition_source`]).
    pub(crate) fn truth(
        &self,
        action: &ActionRef<'_>,
        resource: &str,
        context: &Context,
        unknown: &mut Vec<usize>,
    ) -> Option<bool> {
        if !self.action_matches(action, context) {
            return Some(false);
        }
        let mut result = Some(true);
        if let Some((negated, patterns)) = &self.resources {
            if patterns.iter().any(|p| p.reads_unknown(context)) {
                result = None;
            } else if patterns.iter().any(|p| p.matches(resource, context)) == *negated {
                return Some(false);
            }
        }
        let mark = unknown.len();
        for (idx, condition) in self.conditions.iter().enumerate() {
            match condition.truth(context) {
                Some(false) => {
                    unknown.truncate(mark);
                    return Some(false);
                }
                Some(true) => {}
                None => {
                    unknown.push(idx);
                    result = None;
                }
            }
        }
        result
    }

    /// Condition `idx` as written (for [`CompiledStatement::truth`]'s unknown conditions).
    pub(crate) fn condition_source(&self, idx: usize) -> Option<&std::sync::Arc<str>> {
        self.conditions.get(idx).map(Condition::source)
    }

    /// True when it has conditions (its outcome reads the request context beyond `Resource`).
    pub(crate) fn has_conditions(&self) -> bool {
        !self.conditions.is_empty()
    }

    /// Whether the statement applies to the action, resource and context (the principal is
    /// checked separately, for resource-based policies).
    pub(crate) fn applies(&self, action: &ActionRef<'_>, resource: &str, context: &Context) -> bool {
        self.action_matches(action, context)
            && self.resource_matches(resource, context)
            && self.conditions_hold(context)
    }
}

impl std::fmt::Debug for ActionRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.lower)
    }
}
