//! Effective access in an AWS environment: who can do what, on which resource, and why.
//!
//! The environment (from `remit-aws-import`) is compiled once into an index of principals
//! (users and roles, their identity policies, boundaries and SCP paths); every query then
//! decides with the exact engine of `remit-aws-policy`, over a request context that holds the
//! keys AWS would set for the principal and resource and leaves the rest unknown: a condition on
//! an unknown key (source IP, MFA, time ...) makes the answer *conditional* and is shown, never
//! dropped. Answers are in the cloud-neutral terms of `remit-model`.

mod controls;
mod direct;
mod index;
mod what_can;

pub use crate::what_can::{Grant, Granted, Permission, WhatCanFilter};
pub use remit_aws_catalog::AccessLevel;
pub use remit_aws_catalog::ActionId;

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
};

use remit_aws_import::AwsEnvironment;
use remit_aws_policy::{
    Caller, Context, ContextValue, Effect, Glob, Layer, PartialDecision, Policy, PrincipalType, Principals, Request,
    ResourcePolicies, SharedOutcomes, Verdict, caller_traits, decide_partial, decide_partial_shared,
};
use remit_model::{Access, Cloud, Condition, Holder, Principal, PrincipalKind, Step};

use rayon::prelude::*;

use crate::{
    controls::Controls,
    index::{ActionIndex, Entry, Guardrails, ResourceIndex},
};

/// A hash map keyed by data of the environment, hashed fast (maps that what-can consults for
/// every principal and resource).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A query that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The action is not of the form `service:Action`.
    #[error("`{0}` is not an action of the form `service:Action`")]
    BadAction(String),
    /// The resource is neither an ARN nor `*`.
    #[error("`{0}` is neither an ARN nor `*`")]
    BadResource(String),
    /// The resource's account cannot be told (an S3 bucket not in the environment).
    #[error(
        "`{0}` is not in the environment and its ARN does not name its account (which of the environment's accounts owns it is unknown)"
    )]
    UnknownResourceAccount(String),
    /// No such role in the environment.
    #[error("no role `{0}` in the environment (expected a role ARN)")]
    UnknownRole(String),
    /// No such principal in the environment.
    #[error("no principal `{0}` in the environment (expected a user or role ARN)")]
    UnknownPrincipal(String),
}

/// An AWS environment ready for queries.
pub struct AwsAnalysis {
    env: AwsEnvironment,
    guardrails: Guardrails,
    entries: Vec<Entry>,
    by_arn: FastMap<String, usize>,
    /// Per entry, its place among the entries ordered by ARN (answers are sorted by it).
    rank: Vec<u32>,
    /// Per entry, its class of callers that the engine reads alike apart from their
    /// identity policies, context and naming (`remit_aws_policy::caller_traits`, and the same
    /// permissions boundary): what-can shares what everyone may do among a class.
    caller_class: Vec<u32>,
    /// Per class, the principal's request-context keys (`index::principal_key`) that its
    /// permissions boundary and SCPs read (the same for every principal of the class), listed
    /// when what-can first needs them.
    class_principal_keys: Vec<std::sync::OnceLock<Vec<Box<str>>>>,
    resources: ResourceIndex,
    actions: ActionIndex,
    /// The same index of identity `Deny` statements.
    denials: ActionIndex,
    /// The principals (by entry) of each account.
    by_account: FastMap<String, Vec<u32>>,
    /// The trust graph: per role (by entry), the principals of the environment that can
    /// assume it directly, with how.
    assumers: Vec<Vec<(u32, Holder)>>,
    /// Per role, the principals outside the environment (other accounts, services, identity
    /// providers, anyone) its trust policy lets assume it.
    outside_assumers: Vec<Vec<Holder>>,
    /// Parallel to `outside_assumers`: each outsider's number among the distinct outsiders
    /// (a service trusted by thousands of roles is one), so that who-can tells which it has
    /// already listed without comparing their ids.
    outsider_numbers: Vec<Vec<u32>>,
    /// The distinct outsiders of `outside_assumers`, numbered by id.
    outsiders_by_id: FastMap<String, u32>,
    /// The reverse of `assumers`: per principal, the roles it can assume directly.
    assumable: Vec<Vec<u32>>,
    /// Per account, the principals whose identity policies may allow `sts:AssumeRole`.
    may_assume: FastMap<String, MayAssume>,
    /// Resource sides compiled once, by (resource, account) (what-can).
    targets: std::sync::RwLock<FastMap<(String, String), Arc<Target>>>,
    /// The same for resources whose owner the environment tells, by resource alone: what-can
    /// looks them up for every principal without working out the owner again.
    owned_targets: std::sync::RwLock<FastMap<Arc<str>, Arc<Target>>>,
    /// Per principal named in an `Allow` statement of a resource policy (its ARN, an account
    /// id, or `*`), those statements, prepared (what-can).
    named_in_resource_policies: std::sync::OnceLock<what_can::NamedStatements>,
    /// The resources that resource policies grant to everyone, grouped as what-can decides
    /// them (see `what_can::Everyone`).
    everyone: std::sync::OnceLock<what_can::Everyone>,
    /// What a class of principals may do on each group of `everyone`, decided once for the
    /// class (see `what_can::SharedKey`).
    shared_grants: std::sync::RwLock<FastMap<what_can::SharedKey, Arc<[Grant]>>>,
    /// What-can's decisions on a group of resources, by what they read of the principal
    /// (see `what_can::OutcomeKey`): principals holding the same managed policies share them.
    group_outcomes: std::sync::RwLock<FastMap<what_can::OutcomeKey, what_can::Outcomes>>,
    /// Per class of callers and identity policy document, how many principals of the class
    /// hold it (what-can keeps a group's outcomes only when another principal may read them).
    document_holders: std::sync::OnceLock<FastMap<(u32, usize), u32>>,
    /// Per class of callers, whether what-can keeps its outcomes in `group_outcomes` (a class
    /// of `what_can::SHARING_CLASS` principals or more).
    class_shares: Vec<bool>,
    /// Everyone groups' resources split as principals' statements name them (see
    /// `what_can::PartsKey`).
    everyone_parts: std::sync::RwLock<FastMap<what_can::PartsKey, what_can::Parts>>,
    /// How statements of principals' own layers name the resources of everyone groups.
    statement_columns: std::sync::RwLock<what_can::StatementColumns>,
    /// How answers name each SCP and RCP (`SCP 0 at level 1`), by (SCP or not, level,
    /// policy), made once.
    guardrail_sources: std::sync::RwLock<FastMap<(bool, usize, usize), Arc<str>>>,
    /// Resource-policy statements' shapes (see `Target::statement_shapes`), interned.
    policy_shapes: std::sync::RwLock<FastMap<String, u32>>,
    /// Action sets of `Action` elements, expanded once (what-can).
    expansions: std::sync::RwLock<FastMap<String, Arc<remit_aws_catalog::ActionSet>>>,
    /// Identity policies that allow everything: an outside account's principals are decided
    /// under them (their own policies are not known), and the answer says so.
    allow_all: remit_aws_policy::PrincipalPolicies,
}

/// The policies of a principal that grant, from one of its groups (or its own).
type SourcesOf<'e> = (Option<&'e Arc<str>>, Vec<Arc<str>>);

/// Who can assume one role directly: principals of the environment (by index), and outsiders.
type DirectAssumers = (Vec<(u32, Holder)>, Vec<Holder>);

/// The principals of one account that may assume roles: on any resource, or on some.
#[derive(Debug, Default)]
struct MayAssume {
    any: Vec<u32>,
    some: Vec<u32>,
}

/// The decision for one principal, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// The principal.
    pub principal: Principal,
    /// The verdict over the unknown parts of the request context.
    pub verdict: Verdict,
    /// Every statement that applies or may apply, by layer.
    pub statements: Vec<ExplainedStatement>,
    /// The rule that decided, for a definite answer.
    pub reason: String,
}

/// One statement in an explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedStatement {
    /// `identity`, `permissionsBoundary`, `session`, `scp`, `rcp` or `resource`.
    pub layer: &'static str,
    /// Where the policy comes from (a managed policy ARN, an inline policy and its owner ...).
    pub source: String,
    /// The statement's index and `Sid`.
    pub statement: String,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// Conditions that depend on unknown context (empty when it applies outright).
    pub conditions: Vec<String>,
}

/// A resource reachable from outside the organization, or by anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The resource's ARN.
    pub resource: String,
    /// Who from outside: `*` or an account id.
    pub outsider: String,
    /// Allowed or conditional.
    pub access: Access,
    /// The actions the granting statement names.
    pub actions: Vec<String>,
    /// The granting statement.
    pub statement: String,
}

const MAX_CHAIN: usize = 6;

/// A question (an action on a resource) prepared once, to ask of many principals.
struct Question<'t> {
    request: Request,
    target: &'t Target,
}

fn question<'t>(action: &str, resource: &str, target: &'t Target) -> Question<'t> {
    let request = Request::new(Caller::Anonymous, action, resource, Some(&target.account), Context::default());
    Question { request, target }
}

/// The question asked by `entry`: its caller, its keys of the request context over the
/// resource's (as an analysis context with unknown keys, or as a complete one).
fn asked(entry: &Entry, question: &Request, prepared: &Arc<Context>, partial: bool) -> Request {
    let principal = match partial {
        true => &entry.partial_context,
        false => &entry.complete_context,
    };
    question.for_caller(Arc::clone(&entry.caller), Context::layered(Arc::clone(principal), Arc::clone(prepared)))
}

/// The stand-in for "some principal" of an account outside the environment.
const OUTSIDE_ROLE: &str = "any-principal";
/// The stand-in for "some AWS account" (no real account has this id).
const OUTSIDE_ACCOUNT: &str = "000000000000";

impl AwsAnalysis {
    /// Compiles an environment for queries.
    ///
    /// This builds the trust graph (who can assume each role), deciding every candidate with
    /// the engine, on every core.
    pub fn new(env: AwsEnvironment) -> AwsAnalysis {
        let guardrails = Guardrails::new(&env);
        // The action catalog (decompressed when first read) and what what-can reads of it are
        // made ready on one core while the other compiles the policies.
        let ((), entries) = rayon::join(what_can::prepare_catalog, || index::entries(&env, &guardrails));
        let by_arn = entries.iter().enumerate().map(|(i, e)| (e.principal.id.clone(), i)).collect();
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|a, b| entries[*a].principal.id.cmp(&entries[*b].principal.id));
        let mut rank = vec![0u32; entries.len()];
        for (place, idx) in order.into_iter().enumerate() {
            rank[idx] = place as u32;
        }
        let mut classes: FastMap<(remit_aws_policy::CallerTraits, Option<&str>), u32> = FastMap::default();
        let caller_class: Vec<u32> = entries
            .iter()
            .map(|e| {
                let next = classes.len() as u32;
                *classes.entry((caller_traits(&e.caller), e.boundary.as_deref())).or_insert(next)
            })
            .collect();
        let class_principal_keys = (0..classes.len()).map(|_| std::sync::OnceLock::new()).collect();
        let mut class_sizes = vec![0usize; classes.len()];
        for class in &caller_class {
            class_sizes[*class as usize] += 1;
        }
        let class_shares = class_sizes.into_iter().map(|n| n >= what_can::SHARING_CLASS).collect();
        drop(classes);
        let mut by_account: FastMap<String, Vec<u32>> = FastMap::default();
        for (idx, entry) in entries.iter().enumerate() {
            by_account.entry(entry.principal.scope.clone().unwrap_or_default()).or_default().push(idx as u32);
        }
        let resources = ResourceIndex::new(&env);
        let mut may_assume: FastMap<String, MayAssume> = FastMap::default();
        for (idx, entry) in entries.iter().enumerate() {
            if entry.assume_patterns.is_empty() {
                continue;
            }
            let account = may_assume.entry(entry.principal.scope.clone().unwrap_or_default()).or_default();
            if entry.assume_patterns.iter().any(|g| g.is_any()) {
                account.any.push(idx as u32);
            } else {
                account.some.push(idx as u32);
            }
        }
        let mut analysis = AwsAnalysis {
            env,
            guardrails,
            entries,
            by_arn,
            rank,
            caller_class,
            class_principal_keys,
            resources,
            actions: ActionIndex::default(),
            denials: ActionIndex::default(),
            by_account,
            assumers: Vec::new(),
            outside_assumers: Vec::new(),
            outsider_numbers: Vec::new(),
            outsiders_by_id: FastMap::default(),
            assumable: Vec::new(),
            may_assume,
            allow_all: allow_all(),
            expansions: std::sync::RwLock::default(),
            named_in_resource_policies: std::sync::OnceLock::new(),
            everyone: std::sync::OnceLock::new(),
            shared_grants: std::sync::RwLock::default(),
            group_outcomes: std::sync::RwLock::default(),
            document_holders: std::sync::OnceLock::new(),
            class_shares,
            everyone_parts: std::sync::RwLock::default(),
            statement_columns: std::sync::RwLock::default(),
            policy_shapes: std::sync::RwLock::default(),
            guardrail_sources: std::sync::RwLock::default(),
            targets: std::sync::RwLock::default(),
            owned_targets: std::sync::RwLock::default(),
        };
        // The trust graph and the action indexes (which it does not read), on every core.
        let (trust, (actions, denials)) = rayon::join(
            || {
                (0..analysis.entries.len())
                    .into_par_iter()
                    .map(|idx| analysis.direct_assumers(idx))
                    .collect::<Vec<DirectAssumers>>()
            },
            || {
                rayon::join(
                    || ActionIndex::new(&analysis.entries, Effect::Allow),
                    || ActionIndex::new(&analysis.entries, Effect::Deny),
                )
            },
        );
        (analysis.actions, analysis.denials) = (actions, denials);
        let mut assumable = vec![Vec::new(); analysis.entries.len()];
        for (role, (inside, _)) in trust.iter().enumerate() {
            for (assumer, _) in inside {
                assumable[*assumer as usize].push(role as u32);
            }
        }
        (analysis.assumers, analysis.outside_assumers) = trust.into_iter().unzip();
        analysis.assumable = assumable;
        analysis.link_identity_center();
        let mut by_id: FastMap<String, u32> = FastMap::default();
        analysis.outsider_numbers = analysis
            .outside_assumers
            .iter()
            .map(|holders| {
                holders
                    .iter()
                    .map(|h| {
                        let next = by_id.len() as u32;
                        *by_id.entry(h.principal.id.clone()).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        analysis.outsiders_by_id = by_id;
        analysis
    }

    /// IAM Identity Center users and groups become the roles their permission-set assignments
    /// provision in each account (`AWSReservedSSO_<permission set>_<suffix>`): they are added
    /// to those roles' assumers, so who-can and can-become name the people.
    /// <https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html>
    /// <https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html>
    fn link_identity_center(&mut self) {
        let Some(center) = &self.env.identity_center else { return };
        let user_name = |id: &str| center.users.iter().find(|(u, _)| u == id).map(|(_, n)| n.clone());
        let identity = |kind: PrincipalKind, id: &str, name: String| Principal {
            cloud: Cloud::Aws,
            kind,
            id: format!("arn:aws:identitystore:::{}/{id}", if kind == PrincipalKind::Group { "group" } else { "user" }),
            name,
            scope: Some(center.identity_store_id.clone()),
            incomplete: false,
        };
        let mut links: Vec<(usize, Holder)> = Vec::new();
        for assignment in &center.assignments {
            let Some(set) = center.permission_sets.iter().find(|p| p.arn == assignment.permission_set_arn) else {
                continue;
            };
            let prefix = format!("AWSReservedSSO_{}_", set.name);
            let roles = self.entries.iter().enumerate().filter(|(_, e)| {
                e.principal.kind == PrincipalKind::Role
                    && e.principal.scope.as_deref() == Some(assignment.account_id.as_str())
                    && e.principal.name.starts_with(&prefix)
            });
            for (role, _) in roles {
                let step =
                    Step::Direct { sources: vec![format!("IAM Identity Center permission set {}", set.name).into()] };
                match assignment.principal_type.as_str() {
                    "USER" => {
                        let name =
                            user_name(&assignment.principal_id).unwrap_or_else(|| assignment.principal_id.clone());
                        let principal = identity(PrincipalKind::User, &assignment.principal_id, name);
                        links.push((
                            role,
                            Holder { principal: Arc::new(principal), access: Access::Allowed, via: vec![step] },
                        ));
                    }
                    "GROUP" => {
                        let group_name = center
                            .groups
                            .iter()
                            .find(|(g, _)| *g == assignment.principal_id)
                            .map(|(_, n)| n.clone())
                            .unwrap_or_else(|| assignment.principal_id.clone());
                        let principal = identity(PrincipalKind::Group, &assignment.principal_id, group_name.clone());
                        links.push((
                            role,
                            Holder { principal: Arc::new(principal), access: Access::Allowed, via: vec![step.clone()] },
                        ));
                        for (_, member) in center.memberships.iter().filter(|(g, _)| *g == assignment.principal_id) {
                            let name = user_name(member).unwrap_or_else(|| member.clone());
                            let principal = identity(PrincipalKind::User, member, name);
                            let via = vec![Step::Group { group: group_name.as_str().into() }, step.clone()];
                            links.push((role, Holder { principal: Arc::new(principal), access: Access::Allowed, via }));
                        }
                    }
                    _ => {}
                }
            }
        }
        for (role, holder) in links {
            let assumers = &mut self.outside_assumers[role];
            if !assumers.iter().any(|h| h.principal.id == holder.principal.id) {
                assumers.push(holder);
            }
        }
    }

    /// The number of users and roles, and of direct `sts:AssumeRole` edges between them.
    pub fn size(&self) -> (usize, usize) {
        (self.entries.len(), self.assumers.iter().map(Vec::len).sum())
    }

    /// The environment.
    pub fn environment(&self) -> &AwsEnvironment {
        &self.env
    }

    /// The users and roles, in environment order.
    pub fn principals(&self) -> impl Iterator<Item = &Principal> {
        self.entries.iter().map(|e| &*e.principal)
    }

    /// Every principal that can perform `action` on `resource`, directly, through group
    /// membership, by assuming roles, or through the resource's own policy (other accounts,
    /// services, anyone).
    pub fn who_can(&self, action: &str, resource: &str) -> Result<Vec<Holder>, QueryError> {
        check_action(action)?;
        // `*` (an action on no resource) is decided in each principal's own account.
        let target = if resource == "*" { None } else { Some(self.resource_side(resource)?) };
        let own = self.own_targets(resource, target.is_some());
        let (candidates, decided) = self.decide_candidates(action, resource, target.as_ref(), &own);
        // Principals of the environment (by index, each once) and outsiders, kept apart so
        // that the answer is ordered by precomputed rank rather than by comparing ARNs.
        let mut seen = vec![false; self.entries.len()];
        let mut inside: Vec<(usize, Holder)> = Vec::with_capacity(decided.len());
        let mut outside: Vec<Holder> = Vec::new();
        // Roles to follow back through their assumers, a level of the chains at a time: (role,
        // its holder's place in `inside`).
        let mut level: Vec<(usize, usize)> = Vec::new();
        for (idx, holder) in candidates.into_iter().zip(decided).filter_map(|(idx, h)| Some((idx, h?))) {
            seen[idx] = true;
            if self.entries[idx].principal.kind == PrincipalKind::Role {
                level.push((idx, inside.len()));
            }
            inside.push((idx, holder));
        }
        if let Some(target) = &target {
            outside.extend(self.outsiders(action, resource, target));
            outside.extend(self.acl_holders(action, resource, target));
            for (idx, holder) in self.kms_grant_holders(action, resource, target, &seen) {
                match idx {
                    Some(idx) => {
                        seen[idx] = true;
                        inside.push((idx, holder));
                    }
                    None => outside.push(holder),
                }
            }
        }
        // Outsiders of role chains already in the answer, by number (a role trusted by a
        // service is one of thousands).
        let mut outside_seen = vec![false; self.outsiders_by_id.len()];
        for holder in &outside {
            if let Some(&number) = self.outsiders_by_id.get(&holder.principal.id) {
                outside_seen[number as usize] = true;
            }
        }
        // Role chains: whoever can assume a granted role can act through it. Breadth first, a
        // level at a time: who is reached first, and through which role, is settled in order;
        // then their holders are built on every core (one role may bring in thousands).
        let mut depth = 1;
        while !level.is_empty() {
            // (assumer, its edge to the role, the role's holder's place, the role)
            let mut reached: Vec<(usize, &Holder, usize, usize)> = Vec::new();
            for &(role_idx, at) in &level {
                for (outsider, number) in self.outside_assumers[role_idx].iter().zip(&self.outsider_numbers[role_idx]) {
                    if !std::mem::replace(&mut outside_seen[*number as usize], true) {
                        outside.push(through(outsider, &inside[at].1, &self.entries[role_idx].arn));
                    }
                }
                if depth >= MAX_CHAIN {
                    continue;
                }
                for (assumer, edge) in &self.assumers[role_idx] {
                    let assumer = *assumer as usize;
                    if !std::mem::replace(&mut seen[assumer], true) {
                        reached.push((assumer, edge, at, role_idx));
                    }
                }
            }
            let built: Vec<Holder> = reached
                .par_iter()
                .with_min_len(256)
                .map(|&(_, edge, at, role_idx)| through(edge, &inside[at].1, &self.entries[role_idx].arn))
                .collect();
            level.clear();
            for (&(assumer, ..), holder) in reached.iter().zip(built) {
                if self.entries[assumer].principal.kind == PrincipalKind::Role {
                    level.push((assumer, inside.len()));
                }
                inside.push((assumer, holder));
            }
            depth += 1;
        }
        // Ordered by access, then ARN: principals of the environment by their rank among ARNs,
        // outsiders (few) by ARN, merged. One answer per outsider (a resource policy and an
        // ACL may both let anyone in): the outright grant before a conditional one.
        let order = self.answer_order(&inside);
        outside.sort_by(|a, b| (&a.principal.id, a.access.as_str()).cmp(&(&b.principal.id, b.access.as_str())));
        outside.dedup_by(|later, first| later.principal.id == first.principal.id);
        outside.sort_by(|a, b| (a.access.as_str(), &a.principal.id).cmp(&(b.access.as_str(), &b.principal.id)));
        let mut holders = Vec::with_capacity(inside.len() + outside.len());
        let mut slots: Vec<Option<Holder>> = inside.into_iter().map(|(_, h)| Some(h)).collect();
        let mut inside = order.into_iter().filter_map(|at| slots[at as usize].take()).peekable();
        let mut outside = outside.into_iter().peekable();
        loop {
            let take_inside = match (inside.peek(), outside.peek()) {
                (Some(a), Some(b)) => {
                    (access_order(&a.access), &a.principal.id) <= (access_order(&b.access), &b.principal.id)
                }
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            holders.extend(if take_inside { inside.next() } else { outside.next() });
        }
        Ok(holders)
    }

    /// The resource sides of `*` (an action on no resource) in each account, decided in each
    /// principal's own; none when the question names a resource.
    fn own_targets(&self, resource: &str, named: bool) -> FastMap<&str, Target> {
        match named {
            true => FastMap::default(),
            false => self
                .env
                .accounts
                .iter()
                .filter_map(|a| self.resource_side_in(resource, &a.id).ok().map(|t| (a.id.as_str(), t)))
                .collect(),
        }
    }

    /// The principals of the environment that may perform `action` on `resource` themselves
    /// (their own and their groups' policies, or the resource's policy naming them), each
    /// decided: the candidates by index, and beside each its holder (`None`: denied).
    fn decide_candidates(
        &self,
        action: &str,
        resource: &str,
        target: Option<&Target>,
        own: &FastMap<&str, Target>,
    ) -> (Vec<usize>, Vec<Option<Holder>>) {
        // Candidates: principals whose identity policies may allow it, and those the resource
        // policy names.
        let mut by_identity = vec![false; self.entries.len()];
        self.actions.mark(action, target.map(|_| resource), &mut by_identity);
        let allows = by_identity.clone();
        let mut marks = by_identity.clone();
        // ... and, apart, those a `Deny` of their identity policies may concern.
        self.denials.mark(action, target.map(|_| resource), &mut by_identity);
        if let Some(target) = target {
            // A principal of another account is allowed only when the resource's policy also
            // allows it, naming it, its account or anyone: its own policies alone cannot
            // (those the policy names are marked below).
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
            for (idx, mark) in marks.iter_mut().enumerate() {
                if *mark && self.entries[idx].principal.scope.as_deref() != Some(&*target.account) {
                    *mark = false;
                }
            }
        }
        let mut marks = Marks::Dense(marks);
        if let Some(target) = target {
            self.mark_named(target, action, resource, &mut marks, None, Some(&allows));
        }
        let candidates = marks.into_list(self.entries.len());
        // Collected in place, in the candidates' order (no list of chunks to merge).
        let decided: Vec<Option<Holder>> = candidates
            .par_iter()
            .map_init(
                // Each thread merges its own copy of the resource's context into requests (no
                // reference count shared between cores), and keeps the outcomes of statements
                // that read none of a principal's own keys (the same for every candidate).
                || {
                    target.map(|t| {
                        let shared = SharedOutcomes::new(index::principal_key);
                        let alike: FastMap<CallerKey, Option<Holder>> = FastMap::default();
                        (Arc::new(t.prepared.detached()), question(action, resource, t), shared, alike)
                    })
                },
                |local, &idx| {
                    let entry = &self.entries[idx];
                    let target = match target {
                        Some(t) => t,
                        None => own.get(entry.principal.scope.as_deref().unwrap_or_default())?,
                    };
                    if target.controls.restricted && entry.principal.scope.as_deref() != Some(&*target.account) {
                        return None;
                    }
                    let Some((prepared, question, shared, alike)) = local else {
                        let decision = self.decide(entry, action, resource, target);
                        return self.holder(entry, &decision, target);
                    };
                    // A principal that only the resource policy lets in (none of its identity
                    // statements may allow or deny this) is decided as the
                    // others of its class that the policy names alike and whose keys it reads
                    // hold the same values: decided once, the answer shared (its path and
                    // conditions name no policy of its own).
                    // (Only in classes large enough to share: in a class of a few dozen, keys
                    // and copies cost more than the decisions they would spare.)
                    let shares = self.class_shares[self.caller_class[idx] as usize];
                    let key = (shares && !by_identity[idx]).then(|| self.caller_key(idx, target));
                    if let Some(found) = key.as_ref().and_then(|key| alike.get(key)) {
                        return found.as_ref().map(|h| Holder {
                            principal: entry.principal.clone(),
                            access: h.access.clone(),
                            via: h.via.clone(),
                        });
                    }
                    let decision = decide_partial_shared(
                        &entry.policies,
                        None,
                        &question.target.policies,
                        &asked(entry, &question.request, prepared, true),
                        shared,
                    );
                    let holder = self.holder(entry, &decision, target);
                    if let Some(key) = key {
                        alike.insert(key, holder.clone());
                    }
                    holder
                },
            )
            .collect();
        (candidates, decided)
    }

    /// What a decision on `target` reads of principal `idx` beside its identity statements
    /// (see `remit_aws_policy::caller_traits`): its class (traits, boundary, so SCPs), how the
    /// resource's policy names it, and its values of the keys that the resource policy, RCPs,
    /// boundary and SCPs read.
    fn caller_key(&self, idx: usize, target: &Target) -> CallerKey {
        let entry = &self.entries[idx];
        let class = self.caller_class[idx];
        let mut naming = Vec::with_capacity(4);
        target.policies.names(&entry.caller, entry.policies.has_boundary(), &mut naming);
        let keys = target.principal_keys().iter().chain(self.class_principal_keys(class, entry));
        let values = keys.map(|key| entry.partial_context.lookup(key).cloned()).collect();
        (class, naming, values)
    }

    /// The places of `inside`'s holders in answer order: allowed before conditional, then by
    /// rank among ARNs. Sorted as keys (access and rank in one word) with their places (a
    /// holder is large, and moving thousands of them while sorting cost more than deciding
    /// them); when the answer holds a good part of the environment (a policy naming everyone),
    /// placed by rank instead, in two passes over all ranks, with no comparison at all.
    fn answer_order(&self, inside: &[(usize, Holder)]) -> Vec<u32> {
        if inside.len() * 16 >= self.entries.len() {
            let mut by_rank = vec![u32::MAX; self.entries.len()];
            for (at, (idx, _)) in inside.iter().enumerate() {
                by_rank[self.rank[*idx] as usize] = at as u32;
            }
            let mut order = Vec::with_capacity(inside.len());
            for pass in [0, 1] {
                let placed = by_rank.iter().copied().filter(|&at| at != u32::MAX);
                order.extend(placed.filter(|&at| access_order(&inside[at as usize].1.access) == pass));
            }
            return order;
        }
        let mut keyed: Vec<(u64, u32)> = inside
            .iter()
            .enumerate()
            .map(|(at, (idx, h))| (u64::from(access_order(&h.access)) << 32 | u64::from(self.rank[*idx]), at as u32))
            .collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, at)| at).collect()
    }

    /// Marks the principals of the environment that the target's resource policy names in an
    /// `Allow` statement: every one for `*` (or a wildcard); for a named account, its
    /// principals whose identity policies may allow assuming the role `assume`, or else those
    /// `identity` marks (whose identity policies may allow the action).
    #[allow(clippy::too_many_arguments, reason = "the question, and how the caller reads principals")]
    fn mark_named(
        &self,
        target: &Target,
        action: &str,
        resource: &str,
        marks: &mut Marks,
        assume: Option<&str>,
        identity: Option<&[bool]>,
    ) {
        let Some(policy) = &target.document else { return };
        let variables = policy.version == remit_aws_policy::Version::V2012_10_17;
        // Only statements that may apply to this action on this resource can grant it.
        let may_apply = |st: &remit_aws_policy::Statement| {
            let names_action = st.action.values.iter().any(|a| Glob::action(a).may_match(action));
            let names_resource = match &st.resource {
                Some(r) if !r.negated => {
                    r.values.iter().any(|v| v == "*" || Glob::resource(v, variables).may_match(resource))
                }
                _ => true,
            };
            (names_action || st.action.negated) && names_resource
        };
        for st in policy.statements.iter().filter(|st| st.effect == Effect::Allow && may_apply(st)) {
            let Some(principal) = &st.principal else { continue };
            if principal.negated {
                marks.all();
                return;
            }
            let values: Vec<&String> = match &principal.values {
                Principals::Everyone => {
                    marks.all();
                    return;
                }
                Principals::Typed(typed) => typed
                    .iter()
                    .filter(|(kind, _)| *kind == PrincipalType::Aws)
                    .flat_map(|(_, values)| values.iter())
                    .collect(),
            };
            for value in values {
                if value.contains('*') || value.contains('?') {
                    marks.all();
                    return;
                }
                if let Some(&idx) = self.by_arn.get(value.as_str()) {
                    marks.one(idx);
                } else if let Some((account, name)) = session_role(value) {
                    // The session ARN does not carry the role's path.
                    for (idx, entry) in self.entries.iter().enumerate() {
                        if entry.principal.kind == PrincipalKind::Role
                            && entry.principal.name == name
                            && entry.principal.scope.as_deref() == Some(account)
                        {
                            marks.one(idx);
                        }
                    }
                } else if let Some(account) = account_of_principal(value)
                    && (value.len() == 12 || value.ends_with(":root"))
                {
                    // An account named: its principals whose own policies may allow it.
                    match assume {
                        Some(role_arn) => {
                            let Some(assumers) = self.may_assume.get(account) else { continue };
                            for &idx in &assumers.any {
                                marks.one(idx as usize);
                            }
                            for &idx in &assumers.some {
                                let entry = &self.entries[idx as usize];
                                if entry.assume_patterns.iter().any(|g| g.may_match(role_arn)) {
                                    marks.one(idx as usize);
                                }
                            }
                        }
                        None => {
                            let Some(identity) = identity else { continue };
                            for &idx in self.by_account.get(account).into_iter().flatten() {
                                if identity[idx as usize] {
                                    marks.one(idx as usize);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The decision for one principal, with the statements of every layer.
    pub fn explain(&self, principal: &str, action: &str, resource: &str) -> Result<Explained, QueryError> {
        self.explain_with(principal, action, resource, &[])
    }

    /// [`AwsAnalysis::explain`] with the request-context keys `context` known (each `(key,
    /// value)`, single-valued), as a step of an escalation sets them.
    pub fn explain_with(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: &[(&str, &str)],
    ) -> Result<Explained, QueryError> {
        check_action(action)?;
        let idx = *self.by_arn.get(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let entry = &self.entries[idx];
        let target = match resource {
            "*" => self.resource_side_in(resource, entry.principal.scope.as_deref().unwrap_or_default())?,
            _ => self.resource_side(resource)?,
        };
        let target = direct::with_context(target, context);
        let decision = self.decide(entry, action, resource, &target);
        // The concrete explanation (unknown keys taken as absent) lists the statements that
        // apply outright; the partial decision adds those that depend on unknown context.
        let request = asked(entry, &question(action, resource, &target).request, &target.prepared, false);
        let concrete = remit_aws_policy::explain(&entry.policies, None, &target.policies, &request);
        let mut statements: Vec<ExplainedStatement> = Vec::new();
        for m in &concrete.matched {
            let undecided = decision.conditions.iter().find(|c| {
                c.layer == m.layer && c.level == m.level && c.policy == m.policy && c.statement == m.statement
            });
            if undecided.is_some() {
                continue;
            }
            statements.push(ExplainedStatement {
                layer: m.layer.as_str(),
                source: self.source_of(entry, &target, m.layer, m.level, m.policy).to_string(),
                statement: statement_name(m.statement, m.sid.as_deref()),
                effect: m.effect.as_str(),
                conditions: Vec::new(),
            });
        }
        for c in &decision.conditions {
            statements.push(ExplainedStatement {
                layer: c.layer.as_str(),
                source: self.source_of(entry, &target, c.layer, c.level, c.policy).to_string(),
                statement: statement_name(c.statement, c.sid.as_deref()),
                effect: c.effect.as_str(),
                conditions: c.conditions.iter().map(|e| e.to_string()).collect(),
            });
        }
        let reason = match decision.verdict {
            Verdict::Conditional => "the decision depends on request context that is not known in advance".to_owned(),
            _ => concrete.reason.to_owned(),
        };
        Ok(Explained { principal: (*entry.principal).clone(), verdict: decision.verdict, statements, reason })
    }

    /// Who can become `role` (assume it), directly or through a chain of roles: principals
    /// of the environment, and those outside it that its trust policy (or a chained role's)
    /// lets in.
    pub fn can_become(&self, role: &str) -> Result<Vec<Holder>, QueryError> {
        let idx = self.role_index(role)?;
        let mut out = Vec::new();
        let mut seen: HashSet<usize> = HashSet::from([idx]);
        let mut outside_seen: HashSet<String> = HashSet::new();
        let start = Holder { principal: self.entries[idx].principal.clone(), access: Access::Allowed, via: Vec::new() };
        let mut queue: VecDeque<(usize, Holder, usize)> = VecDeque::from([(idx, start, 0)]);
        while let Some((target, target_holder, depth)) = queue.pop_front() {
            if depth >= MAX_CHAIN {
                continue;
            }
            for outsider in &self.outside_assumers[target] {
                if !outside_seen.contains(&outsider.principal.id) && outside_seen.insert(outsider.principal.id.clone())
                {
                    out.push(through(outsider, &target_holder, &self.entries[target].arn));
                }
            }
            for (assumer, edge) in &self.assumers[target] {
                let assumer = *assumer as usize;
                if !seen.insert(assumer) {
                    continue;
                }
                let holder = through(edge, &target_holder, &self.entries[target].arn);
                if self.entries[assumer].principal.kind == PrincipalKind::Role {
                    queue.push_back((assumer, holder.clone(), depth + 1));
                }
                out.push(holder);
            }
        }
        out.sort_by(|a, b| (a.via.len(), &a.principal.id).cmp(&(b.via.len(), &b.principal.id)));
        Ok(out)
    }

    /// The roles `principal` can become, directly or through a chain.
    pub fn can_become_from(&self, principal: &str) -> Result<Vec<Holder>, QueryError> {
        let start = *self.by_arn.get(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let mut out = Vec::new();
        let mut seen: HashSet<usize> = HashSet::from([start]);
        // (principal index, the path so far as steps, access so far)
        let mut queue: VecDeque<(usize, Vec<Step>, Access, usize)> =
            VecDeque::from([(start, Vec::new(), Access::Allowed, 0)]);
        while let Some((from, path, access, depth)) = queue.pop_front() {
            if depth >= MAX_CHAIN {
                continue;
            }
            for &role in &self.assumable[from] {
                let role = role as usize;
                if !seen.insert(role) {
                    continue;
                }
                let Some((_, edge)) = self.assumers[role].iter().find(|(a, _)| *a as usize == from) else { continue };
                let mut via = path.clone();
                if via.is_empty() {
                    via.extend(edge.via.iter().cloned());
                }
                via.push(Step::Assume { target: Arc::clone(&self.entries[role].arn) });
                let access = combine(&access, &edge.access);
                queue.push_back((role, via.clone(), access.clone(), depth + 1));
                out.push(Holder { principal: self.entries[role].principal.clone(), access, via });
            }
        }
        Ok(out)
    }

    fn role_index(&self, role: &str) -> Result<usize, QueryError> {
        match self.by_arn.get(role) {
            Some(&idx) if self.entries[idx].principal.kind == PrincipalKind::Role => Ok(idx),
            _ => Err(QueryError::UnknownRole(role.to_owned())),
        }
    }

    /// Resources whose policies let principals outside the organization (or anyone) in, with
    /// the granting statement. Role trust policies count: a role trusting an outside account is
    /// a door into the environment.
    pub fn exposure(&self) -> Vec<Exposure> {
        let mut out = Vec::new();
        for account in &self.env.accounts {
            // Buckets made public by their ACL.
            for r in account.resources.iter().filter(|r| r.service == "s3") {
                let Ok(target) = self.resource_side(&r.arn) else { continue };
                for grant in &target.controls.public_acl_grants {
                    let mut actions: Vec<String> = Vec::new();
                    for object in [false, true] {
                        let resource = if object { format!("{}/*", r.arn) } else { r.arn.clone() };
                        for action in controls::acl_actions(&grant.permission, object) {
                            if self.acl_holders(action, &resource, &target).is_empty() {
                                continue;
                            }
                            actions.push((*action).to_owned());
                        }
                    }
                    if actions.is_empty() {
                        continue;
                    }
                    let access = match controls::to_all_users(grant) {
                        true => Access::Allowed,
                        false => Access::Conditional(vec![Condition {
                            source: "bucket ACL".into(),
                            expression: "AuthenticatedUsers: any authenticated AWS principal, of any account".into(),
                            on_deny: false,
                        }]),
                    };
                    out.push(Exposure {
                        resource: r.arn.clone(),
                        outsider: "*".to_owned(),
                        access,
                        actions,
                        statement: format!("ACL grant {} to {}", grant.permission, grant.grantee),
                    });
                }
            }
            let mut targets: Vec<(String, &Policy, &'static str)> = Vec::new();
            for r in &account.resources {
                if let Some(policy) = &r.policy {
                    targets.push((r.arn.clone(), policy, ""));
                }
            }
            for role in &account.roles {
                if let Some(policy) = &role.trust_policy {
                    targets.push((role.arn.clone(), policy, "sts:AssumeRole"));
                }
            }
            for (arn, policy, default_action) in targets {
                let Ok(target) = self.resource_side(&arn) else { continue };
                for (idx, st) in policy.statements.iter().enumerate() {
                    if st.effect != Effect::Allow {
                        continue;
                    }
                    let Some(principal) = &st.principal else { continue };
                    if principal.negated {
                        continue;
                    }
                    for (outsider, kind) in self.outsiders_named(&principal.values, &account.id) {
                        if target.controls.restricted && kind != PrincipalKind::CloudService {
                            continue;
                        }
                        let actions = if default_action.is_empty() || !st.action.values.is_empty() {
                            st.action.values.clone()
                        } else {
                            vec![default_action.to_owned()]
                        };
                        // The statement's own resources stand for what it exposes (a pattern
                        // matches itself: its `*` is taken literally by the request).
                        let resources: Vec<String> = match &st.resource {
                            Some(r) if !r.negated => {
                                r.values.iter().map(|v| if v == "*" { arn.clone() } else { v.clone() }).collect()
                            }
                            _ => vec![arn.clone()],
                        };
                        // The statement's own actions, decided for the outsider with every other
                        // layer (RCPs, denies) in force.
                        let mut best: Option<Access> = None;
                        for (action, resource) in actions.iter().flat_map(|a| resources.iter().map(move |r| (a, r))) {
                            let action = if action == "*" { "*:*" } else { action.as_str() };
                            if let Some(access) = self.decide_outsider(&outsider, kind, action, resource, &target) {
                                best = Some(match best {
                                    Some(Access::Allowed) => Access::Allowed,
                                    _ => access,
                                });
                            }
                        }
                        if let Some(access) = best {
                            out.push(Exposure {
                                resource: arn.clone(),
                                outsider: outsider.clone(),
                                access,
                                actions: actions.clone(),
                                statement: statement_name(idx, st.sid.as_deref()),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn decide(&self, entry: &Entry, action: &str, resource: &str, target: &Target) -> PartialDecision {
        self.decide_with(entry, &question(action, resource, target), &target.prepared)
    }

    /// [`AwsAnalysis::decide`] of a question prepared once, with the resource's context given
    /// (a thread's own copy).
    fn decide_with(&self, entry: &Entry, question: &Question<'_>, prepared: &Arc<Context>) -> PartialDecision {
        decide_partial(
            &entry.policies,
            None,
            &question.target.policies,
            &asked(entry, &question.request, prepared, true),
        )
    }

    /// The holder `entry` is for a decision on `target`, with its path; `None` when denied.
    fn holder(&self, entry: &Entry, decision: &PartialDecision, target: &Target) -> Option<Holder> {
        let access = access_of(decision, |c| self.source_of(entry, target, c.layer, c.level, c.policy))?;
        // The path: which of its policies (or the resource's) grant: the statements that apply
        // outright and those that may. Sources by group (none first), in the order met.
        let mut groups: Vec<SourcesOf<'_>> = Vec::new();
        let mut resource_grants: Vec<usize> = Vec::new();
        let allow_sources = decision.grants.iter().map(|g| (g.layer, g.policy, g.statement)).chain(
            decision.conditions.iter().filter(|c| c.effect == Effect::Allow).map(|c| (c.layer, c.policy, c.statement)),
        );
        for (layer, policy, statement) in allow_sources {
            match layer {
                Layer::Identity => {
                    if let Some(source) = entry.sources.get(policy) {
                        let group = source.group.as_ref();
                        let at = match groups.iter().position(|(g, _)| *g == group) {
                            Some(at) => at,
                            None => {
                                groups.push((group, Vec::new()));
                                groups.len() - 1
                            }
                        };
                        let list = &mut groups[at].1;
                        if !list.contains(&source.label) {
                            list.push(Arc::clone(&source.label));
                        }
                    }
                }
                Layer::Resource if !resource_grants.contains(&statement) => resource_grants.push(statement),
                _ => {}
            }
        }
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let mut via = Vec::with_capacity(groups.len() * 2 + resource_grants.len());
        for (group, sources) in groups {
            match group {
                Some(group) => {
                    via.push(Step::Group { group: Arc::clone(group) });
                    via.push(Step::Direct { sources });
                }
                None => via.push(Step::Direct { sources }),
            }
        }
        for statement in resource_grants {
            via.push(Step::ResourcePolicy { source: target.statement_name(statement) });
        }
        Some(Holder { principal: entry.principal.clone(), access, via })
    }

    /// Principals outside the environment that the resource policy lets in.
    fn outsiders(&self, action: &str, resource: &str, target: &Target) -> Vec<Holder> {
        let Some(policy) = &target.document else {
            return Vec::new();
        };
        let mut named: Vec<(String, PrincipalKind)> = Vec::new();
        for st in &policy.statements {
            if st.effect != Effect::Allow {
                continue;
            }
            if let Some(p) = &st.principal
                && !p.negated
            {
                for outsider in self.outsiders_named(&p.values, &target.account) {
                    if !named.contains(&outsider) {
                        named.push(outsider);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (outsider, kind) in named {
            if target.controls.restricted && kind != PrincipalKind::CloudService {
                continue;
            }
            let Some(access) = self.decide_outsider(&outsider, kind, action, resource, target) else { continue };
            out.push(Holder {
                principal: Arc::new(Principal {
                    cloud: Cloud::Aws,
                    kind,
                    id: outsider.clone(),
                    name: outsider.clone(),
                    scope: account_of_principal(&outsider).map(str::to_owned),
                    incomplete: false,
                }),
                access,
                via: vec![Step::ResourcePolicy { source: "grants this principal".into() }],
            });
        }
        out
    }

    /// Anyone, through a public grant of the bucket's ACL, unless a policy explicitly denies
    /// anonymous callers. "Amazon S3 ... evaluates ... the ACL" alongside policies:
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html>
    fn acl_holders(&self, action: &str, resource: &str, target: &Target) -> Vec<Holder> {
        let object = resource.strip_prefix("arn:aws:s3:::").is_some_and(|r| r.contains('/'));
        let mut out: Vec<Holder> = Vec::new();
        for grant in &target.controls.public_acl_grants {
            if !controls::acl_actions(&grant.permission, object).iter().any(|a| a.eq_ignore_ascii_case(action)) {
                continue;
            }
            let request = Request::new(
                Caller::Anonymous,
                action,
                resource,
                Some(&target.account),
                self.outsider_context(&target.account),
            );
            let decision =
                decide_partial(&remit_aws_policy::PrincipalPolicies::default(), None, &target.policies, &request);
            let mut conditions: Vec<Condition> = match decision.verdict {
                Verdict::ExplicitlyDenied => continue,
                // Only the deny conditions matter: the ACL grants.
                _ => access_of(&decision, |c| {
                    format!("resource policy {}", statement_name(c.statement, c.sid.as_deref())).into()
                })
                .map(|a| a.conditions().iter().filter(|c| c.on_deny).cloned().collect())
                .unwrap_or_default(),
            };
            if !controls::to_all_users(grant) {
                conditions.push(Condition {
                    source: "bucket ACL".into(),
                    expression: "AuthenticatedUsers: any authenticated AWS principal, of any account".into(),
                    on_deny: false,
                });
            }
            let access = if conditions.is_empty() { Access::Allowed } else { Access::Conditional(conditions) };
            let holder = Holder {
                principal: Arc::new(Principal {
                    cloud: Cloud::Aws,
                    kind: PrincipalKind::Anyone,
                    id: "*".to_owned(),
                    name: "*".to_owned(),
                    scope: None,
                    incomplete: false,
                }),
                access,
                via: vec![Step::ResourcePolicy {
                    source: format!("bucket ACL grants {} to {}", grant.permission, grant.grantee).into(),
                }],
            };
            // One answer for anyone: the outright grant if there is one.
            match out.first() {
                Some(best) if best.access == Access::Allowed => {}
                Some(_) if holder.access != Access::Allowed => {}
                _ => out = vec![holder],
            }
        }
        out
    }

    /// The grantees of the key's KMS grants that allow `action` (and are not explicitly denied
    /// by their own policies). Principals already in `seen` are skipped.
    /// <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html>
    fn kms_grant_holders(
        &self,
        action: &str,
        resource: &str,
        target: &Target,
        seen: &[bool],
    ) -> Vec<(Option<usize>, Holder)> {
        let mut out: Vec<(Option<usize>, Holder)> = Vec::new();
        for grant in target.controls.kms_grants.iter().filter(|g| controls::grant_allows(g, action)) {
            let mut conditions: Vec<Condition> = grant
                .encryption_context_subset
                .iter()
                .map(|(k, v)| (k, v, "EncryptionContextSubset"))
                .chain(grant.encryption_context_equals.iter().map(|(k, v)| (k, v, "EncryptionContextEquals")))
                .map(|(k, v, kind)| Condition {
                    source: format!("KMS grant {}", grant.grant_id).into(),
                    expression: format!("{kind}: {k} = {v}").into(),
                    on_deny: false,
                })
                .collect();
            let via = vec![Step::ResourcePolicy { source: format!("KMS grant {}", grant.grant_id).into() }];
            match self.by_arn.get(&grant.grantee).copied() {
                Some(idx) => {
                    if seen[idx] || out.iter().any(|(i, _)| *i == Some(idx)) {
                        continue;
                    }
                    let entry = &self.entries[idx];
                    let decision = self.decide(entry, action, resource, target);
                    if decision.verdict == Verdict::ExplicitlyDenied {
                        continue;
                    }
                    if let Verdict::Conditional = decision.verdict {
                        conditions.extend(
                            access_of(&decision, |c| self.source_of(entry, target, c.layer, c.level, c.policy))
                                .map(|a| a.conditions().iter().filter(|c| c.on_deny).cloned().collect::<Vec<_>>())
                                .unwrap_or_default(),
                        );
                    }
                    let access = if conditions.is_empty() { Access::Allowed } else { Access::Conditional(conditions) };
                    out.push((Some(idx), Holder { principal: entry.principal.clone(), access, via }));
                }
                None => {
                    let kind = match grant.grantee.ends_with(".amazonaws.com") {
                        true => PrincipalKind::CloudService,
                        false => kind_of_aws_principal(&grant.grantee),
                    };
                    if out.iter().any(|(_, h)| h.principal.id == grant.grantee) {
                        continue;
                    }
                    let access = if conditions.is_empty() { Access::Allowed } else { Access::Conditional(conditions) };
                    out.push((
                        None,
                        Holder {
                            principal: Arc::new(Principal {
                                cloud: Cloud::Aws,
                                kind,
                                id: grant.grantee.clone(),
                                name: grant.grantee.clone(),
                                scope: account_of_principal(&grant.grantee).map(str::to_owned),
                                incomplete: false,
                            }),
                            access,
                            via,
                        },
                    ));
                }
            }
        }
        out
    }

    /// Decides for a principal outside the environment. An account's principals (or a named
    /// principal of an account) are decided as if their own account allowed everything, and
    /// the answer is conditional on it: Remit cannot see that account's policies. Anyone (`*`)
    /// is first asked as an anonymous caller, then as any authenticated AWS principal.
    fn decide_outsider(
        &self,
        outsider: &str,
        kind: PrincipalKind,
        action: &str,
        resource: &str,
        target: &Target,
    ) -> Option<Access> {
        let resource_grant = |c: &remit_aws_policy::ConditionalStatement| {
            format!("resource policy {}", statement_name(c.statement, c.sid.as_deref())).into()
        };
        let ask = |caller: Caller, policies: &remit_aws_policy::PrincipalPolicies| {
            let request =
                Request::new(caller, action, resource, Some(&target.account), self.outsider_context(&target.account));
            access_of(&decide_partial(policies, None, &target.policies, &request), resource_grant)
        };
        let own_account = |access: Access, account: &str| {
            let mut conditions = access.conditions().to_vec();
            conditions.push(Condition {
                source: format!("account {account}").into(),
                expression: "the account's own identity-based policies must allow it".into(),
                on_deny: false,
            });
            Access::Conditional(conditions)
        };
        match kind {
            PrincipalKind::ExternalAccount => {
                let account = account_of_principal(outsider)?;
                let caller = Caller::parse(&format!("arn:aws:iam::{account}:role/{OUTSIDE_ROLE}")).ok()?;
                ask(caller, &self.allow_all).map(|a| own_account(a, account))
            }
            PrincipalKind::Role | PrincipalKind::User | PrincipalKind::Session => {
                let account = account_of_principal(outsider)?;
                let caller = Caller::parse(outsider).ok()?;
                ask(caller, &self.allow_all).map(|a| own_account(a, account))
            }
            PrincipalKind::Anyone => {
                ask(Caller::Anonymous, &remit_aws_policy::PrincipalPolicies::default()).or_else(|| {
                    let caller = Caller::parse(&format!("arn:aws:iam::{OUTSIDE_ACCOUNT}:role/{OUTSIDE_ROLE}")).ok()?;
                    ask(caller, &self.allow_all).map(|a| {
                        let mut conditions = a.conditions().to_vec();
                        conditions.push(Condition {
                            source: "any AWS account".into(),
                            expression: "an authenticated principal whose own account's policies allow it".into(),
                            on_deny: false,
                        });
                        Access::Conditional(conditions)
                    })
                })
            }
            _ => ask(outsider_caller(outsider), &remit_aws_policy::PrincipalPolicies::default()),
        }
    }

    /// `*`, service principals, identity providers and accounts (or their principals) outside
    /// the environment that a `Principal` element names, with their kinds.
    fn outsiders_named(&self, principals: &Principals, resource_account: &str) -> Vec<(String, PrincipalKind)> {
        let mut out = Vec::new();
        match principals {
            Principals::Everyone => out.push(("*".to_owned(), PrincipalKind::Anyone)),
            Principals::Typed(entries) => {
                for (kind, values) in entries {
                    for value in values {
                        match kind {
                            PrincipalType::Aws if value == "*" => out.push(("*".to_owned(), PrincipalKind::Anyone)),
                            PrincipalType::Aws => {
                                let Some(account) = account_of_principal(value) else { continue };
                                let inside = self.env.accounts.iter().any(|acc| acc.id == account && acc.iam_collected)
                                    || (account == resource_account && self.by_arn.contains_key(value));
                                if inside {
                                    continue;
                                }
                                match kind_of_aws_principal(value) {
                                    PrincipalKind::ExternalAccount => out
                                        .push((format!("arn:aws:iam::{account}:root"), PrincipalKind::ExternalAccount)),
                                    kind => out.push((value.clone(), kind)),
                                }
                            }
                            PrincipalType::Service => out.push((value.clone(), PrincipalKind::CloudService)),
                            PrincipalType::Federated => out.push((value.clone(), PrincipalKind::IdentityProvider)),
                            PrincipalType::CanonicalUser => {}
                        }
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn outsider_context(&self, resource_account: &str) -> Context {
        let pairs = vec![("aws:ResourceAccount".to_owned(), ContextValue::Single(resource_account.into()))];
        Context::partial(pairs, &["aws:resourceaccount"])
    }

    /// The principals that can assume the role at `idx` directly: those of the environment
    /// (by index) and those outside it. Empty for users.
    fn direct_assumers(&self, idx: usize) -> DirectAssumers {
        let role = &self.entries[idx];
        if role.principal.kind != PrincipalKind::Role {
            return (Vec::new(), Vec::new());
        }
        let arn = role.principal.id.as_str();
        let Ok(target) = self.resource_side(arn) else { return (Vec::new(), Vec::new()) };
        // The candidates as a list: the trust policy names a few principals of thousands, and
        // a pass over a mark for each of them, for each role, cost more than deciding them.
        let mut marks = Marks::Sparse(Vec::new());
        self.mark_named(&target, "sts:AssumeRole", arn, &mut marks, Some(arn), None);
        let mut inside = Vec::new();
        for candidate in marks.into_list(self.entries.len()).into_iter().filter(|c| *c != idx) {
            let entry = &self.entries[candidate];
            let decision = self.decide(entry, "sts:AssumeRole", arn, &target);
            if let Some(holder) = self.holder(entry, &decision, &target) {
                inside.push((candidate as u32, holder));
            }
        }
        // Outsiders assume with the action their kind uses: identity providers federate.
        let mut outside: Vec<Holder> = Vec::new();
        for action in ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"] {
            for holder in self.outsiders(action, arn, &target) {
                if !outside.iter().any(|h| h.principal.id == holder.principal.id) {
                    outside.push(holder);
                }
            }
        }
        (inside, outside)
    }

    fn resource_side(&self, resource: &str) -> Result<Target, QueryError> {
        if resource != "*" && !resource.starts_with("arn:") {
            return Err(QueryError::BadResource(resource.to_owned()));
        }
        let account =
            self.owner_account(resource).ok_or_else(|| QueryError::UnknownResourceAccount(resource.to_owned()))?;
        self.resource_side_in(resource, &account)
    }

    /// The account that owns `resource`: the one that holds it, else the one its ARN names,
    /// else, in an environment of one account (a single export), that account (a bucket it
    /// does not list, whose ARN names no account, is taken to be its, with no policy known).
    fn owner_account(&self, resource: &str) -> Option<String> {
        if let Some((account, _)) = self.resources.find(&self.env, resource) {
            return Some(account.id.clone());
        }
        let from_arn = resource.split(':').nth(4).filter(|a| a.len() == 12).map(str::to_owned);
        let only = match &self.env.accounts[..] {
            [only] => Some(only.id.clone()),
            _ => None,
        };
        from_arn.or(only)
    }

    /// The resource side of `resource`, owned by `account`.
    fn resource_side_in(&self, resource: &str, account: &str) -> Result<Target, QueryError> {
        let account = account.to_owned();
        let found = self.resources.find_resource(&self.env, resource);
        let document = found.and_then(|(_, policy, _)| policy.cloned());
        let controls = match found {
            Some((owner, _, Some(record))) => Controls::of(owner, record),
            _ => Controls::default(),
        };
        let rcps = self.guardrails.rcps.get(&account).cloned().unwrap_or_default();
        let policies = ResourcePolicies::new(document.as_ref(), &rcps);
        let mut context = vec![("aws:ResourceAccount".to_owned(), ContextValue::Single(account.as_str().into()))];
        if self.guardrails.in_org(&account) {
            if let Some(org) = &self.guardrails.org_id {
                context.push(("aws:ResourceOrgID".to_owned(), ContextValue::Single(org.as_str().into())));
            }
            if let Some(path) = self.guardrails.org_paths.get(&account) {
                context.push(("aws:ResourceOrgPaths".to_owned(), ContextValue::Multi(vec![path.as_str().into()])));
            }
        }
        let prepared = Arc::new(Context::new(context));
        Ok(Target {
            account: account.into(),
            document,
            policies,
            controls,
            prepared,
            action_sets: std::sync::OnceLock::new(),
            statement_shapes: std::sync::OnceLock::new(),
            statement_names: std::sync::OnceLock::new(),
            policy_source: std::sync::OnceLock::new(),
            principal_keys: std::sync::OnceLock::new(),
            traits: remit_aws_policy::resource_traits(resource),
        })
    }

    fn source_of(&self, entry: &Entry, target: &Target, layer: Layer, level: Option<usize>, policy: usize) -> Arc<str> {
        match layer {
            Layer::Identity => match entry.sources.get(policy) {
                Some(s) => Arc::clone(&s.display),
                None => format!("identity policy {policy}").into(),
            },
            Layer::PermissionsBoundary => match &entry.boundary_source {
                Some(source) => Arc::clone(source),
                None => "boundary ?".into(),
            },
            Layer::Session => "session policy".into(),
            Layer::Scp | Layer::Rcp => {
                // Made once: who-can names them for thousands of holders.
                let key = (layer == Layer::Scp, level.unwrap_or(0), policy);
                if let Some(found) = self.guardrail_sources.read().ok().and_then(|names| names.get(&key).cloned()) {
                    return found;
                }
                let kind = if key.0 { "SCP" } else { "RCP" };
                let name: Arc<str> = format!("{kind} {policy} at level {}", key.1).into();
                match self.guardrail_sources.write() {
                    Ok(mut names) => Arc::clone(names.entry(key).or_insert(name)),
                    Err(_) => name,
                }
            }
            Layer::Resource => Arc::clone(
                target.policy_source.get_or_init(|| format!("resource policy of account {}", target.account).into()),
            ),
        }
    }
}

/// The principals of the environment a query marks as candidates: a mark per principal, a
/// list, or every one.
enum Marks {
    Dense(Vec<bool>),
    Sparse(Vec<usize>),
    All,
}

impl Marks {
    /// Marks every principal.
    fn all(&mut self) {
        match self {
            Marks::Dense(marks) => marks.iter_mut().for_each(|m| *m = true),
            Marks::Sparse(_) | Marks::All => *self = Marks::All,
        }
    }

    /// Marks principal `idx`.
    fn one(&mut self, idx: usize) {
        match self {
            Marks::Dense(marks) => marks[idx] = true,
            Marks::Sparse(list) => list.push(idx),
            Marks::All => {}
        }
    }

    /// The principals marked, in order, each once (of `n` in the environment).
    fn into_list(self, n: usize) -> Vec<usize> {
        match self {
            Marks::Dense(marks) => marks.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i).collect(),
            Marks::Sparse(mut list) => {
                list.sort_unstable();
                list.dedup();
                list
            }
            Marks::All => (0..n).collect(),
        }
    }
}

/// What a decision reads of a principal none of whose identity statements applies (see
/// `AwsAnalysis::caller_key`).
type CallerKey = (u32, Vec<remit_aws_policy::PrincipalMatch>, Vec<Option<ContextValue>>);

/// The resource side of a query, compiled once.
pub(crate) struct Target {
    account: Arc<str>,
    document: Option<Policy>,
    policies: ResourcePolicies,
    /// Block Public Access, ACLs, KMS grants.
    controls: Controls,
    /// The request-context keys AWS sets for the resource, prepared once.
    prepared: Arc<Context>,
    /// The actions of each statement of its resource policy and RCPs, expanded when first
    /// needed (what-can).
    action_sets: std::sync::OnceLock<Vec<Arc<remit_aws_catalog::ActionSet>>>,
    /// Each statement of its resource policy without its `Resource`/`NotResource` elements,
    /// with the policy's version, interned: what-can tells resources apart for a principal by
    /// the statements that name the principal only (see `AwsAnalysis::resource_key`).
    statement_shapes: std::sync::OnceLock<Vec<u32>>,
    /// How answers name each statement of its resource policy (`#2 (Sid)`), made once.
    statement_names: std::sync::OnceLock<Vec<Arc<str>>>,
    /// How answers name its resource policy, made once.
    policy_source: std::sync::OnceLock<Arc<str>>,
    /// The principal's request-context keys (`index::principal_key`) that its resource
    /// policy and RCPs read, listed when what-can first needs them.
    principal_keys: std::sync::OnceLock<Vec<Box<str>>>,
    /// What the engine reads of the resource's ARN (`remit_aws_policy::resource_traits`).
    traits: u8,
}

impl Target {
    /// The principal's request-context keys (`index::principal_key`) that its resource
    /// policy and RCPs read.
    fn principal_keys(&self) -> &[Box<str>] {
        self.principal_keys.get_or_init(|| {
            keys_read(|visit| {
                self.policies.visit_keys(&mut |key| {
                    if index::principal_key(key) {
                        visit(key)
                    }
                })
            })
        })
    }

    /// How answers name statement `idx` of the resource policy.
    fn statement_name(&self, idx: usize) -> Arc<str> {
        let names = self.statement_names.get_or_init(|| {
            let statements = self.document.iter().flat_map(|d| d.statements.iter());
            statements.enumerate().map(|(i, st)| statement_name(i, st.sid.as_deref()).into()).collect()
        });
        match names.get(idx) {
            Some(name) => Arc::clone(name),
            None => statement_name(idx, None).into(),
        }
    }
}

/// Answers list allowed holders before conditional ones (the order of `Access::as_str`).
fn access_order(access: &Access) -> u8 {
    match access {
        Access::Allowed => 0,
        Access::Conditional(_) => 1,
    }
}

fn check_action(action: &str) -> Result<(), QueryError> {
    match action.split_once(':') {
        Some((s, a)) if !s.is_empty() && !a.is_empty() => Ok(()),
        _ => Err(QueryError::BadAction(action.to_owned())),
    }
}

fn statement_name(idx: usize, sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("#{idx} ({sid})"),
        None => format!("#{idx}"),
    }
}

fn access_of(
    decision: &PartialDecision,
    source: impl Fn(&remit_aws_policy::ConditionalStatement) -> Arc<str>,
) -> Option<Access> {
    match decision.verdict {
        Verdict::Allowed => Some(Access::Allowed),
        Verdict::Conditional => Some(Access::Conditional(
            decision
                .conditions
                .iter()
                .flat_map(|c| {
                    let where_: Arc<str> = source(c);
                    let on_deny = c.effect == Effect::Deny;
                    c.conditions.iter().map(move |e| Condition {
                        source: Arc::clone(&where_),
                        expression: Arc::clone(e),
                        on_deny,
                    })
                })
                .collect(),
        )),
        Verdict::ImplicitlyDenied | Verdict::ExplicitlyDenied => None,
    }
}

fn allow_all() -> remit_aws_policy::PrincipalPolicies {
    let policy = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        remit_aws_policy::PolicyKind::Identity,
    );
    match policy {
        Ok(policy) => remit_aws_policy::PrincipalPolicies::new(&[policy], None, &[]),
        Err(_) => remit_aws_policy::PrincipalPolicies::default(),
    }
}

/// The kind of an AWS principal named by account id or ARN outside the environment.
fn kind_of_aws_principal(value: &str) -> PrincipalKind {
    if value.len() == 12 || value.ends_with(":root") {
        PrincipalKind::ExternalAccount
    } else if value.contains(":assumed-role/") {
        PrincipalKind::Session
    } else if value.contains(":user/") {
        PrincipalKind::User
    } else {
        PrincipalKind::Role
    }
}

/// `assumer` (who can assume a role) acting through `role_holder` (what the role holds).
/// `assumer`'s access through the role `role_arn` held by `role_holder`.
fn through(assumer: &Holder, role_holder: &Holder, role_arn: &Arc<str>) -> Holder {
    let mut via = Vec::with_capacity(assumer.via.len() + 1 + role_holder.via.len());
    via.extend(assumer.via.iter().cloned());
    via.push(Step::Assume { target: Arc::clone(role_arn) });
    via.extend(role_holder.via.iter().cloned());
    Holder { principal: assumer.principal.clone(), access: combine(&assumer.access, &role_holder.access), via }
}

/// The account and role name of a role-session ARN
/// (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
fn session_role(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let _partition = parts.next()?;
    let service = parts.next()?;
    let _region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    let name = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    (service == "sts").then_some((account, name))
}

/// Access through two steps: allowed only if both are; otherwise conditional on both.
fn combine(a: &Access, b: &Access) -> Access {
    match (a, b) {
        (Access::Allowed, Access::Allowed) => Access::Allowed,
        _ => Access::Conditional(a.conditions().iter().chain(b.conditions()).cloned().collect()),
    }
}

fn account_of_principal(value: &str) -> Option<&str> {
    if remit_aws_policy::is_account_id(value) {
        return Some(value);
    }
    value.split(':').nth(4).filter(|a| a.len() == 12)
}

fn outsider_caller(outsider: &str) -> Caller {
    if outsider == "*" {
        return Caller::Anonymous;
    }
    Caller::parse(outsider).unwrap_or(Caller::Anonymous)
}

/// The keys `visit` reports, each once (what a policy set's `visit_keys` lists).
pub(crate) fn keys_read(visit: impl FnOnce(&mut dyn FnMut(&str))) -> Vec<Box<str>> {
    let mut keys: Vec<Box<str>> = Vec::new();
    visit(&mut |key| {
        if !keys.iter().any(|k| &**k == key) {
            keys.push(key.into());
        }
    });
    keys
}
