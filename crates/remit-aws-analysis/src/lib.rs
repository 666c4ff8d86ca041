//! Effective access in an AWS environment: who can do what, on which resource, and why.
//!
//! The environment (from `remit-aws-import`) is compiled once into an index of principals
//! (users and roles, their identity policies, boundaries and SCP paths); every query then
//! decides with the exact engine of `remit-aws-policy`, over a request context that holds the
//! keys AWS would set for the principal and resource and leaves the rest unknown: a condition on
//! an unknown key (source IP, MFA, time ...) makes the answer *conditional* and is shown, never
//! dropped. Answers are in the cloud-neutral terms of `remit-model`.

mod index;
mod what_can;

pub use crate::what_can::{Permission, WhatCanFilter};
pub use remit_aws_catalog::AccessLevel;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use remit_aws_import::AwsEnvironment;
use remit_aws_policy::{
    Caller, Context, ContextValue, Effect, Layer, PartialDecision, Policy, PrincipalType, Principals, Request,
    ResourcePolicies, Verdict, decide_partial,
};
use remit_model::{Access, Cloud, Condition, Holder, Principal, PrincipalKind, Step};

use crate::index::{Entry, Guardrails, KNOWN_KEYS};

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
    #[error("`{0}` is not in the environment and its ARN does not name its account")]
    UnknownResourceAccount(String),
    /// No such principal in the environment.
    #[error("no principal `{0}` in the environment (expected a user or role ARN)")]
    UnknownPrincipal(String),
}

/// An AWS environment ready for queries.
pub struct AwsAnalysis {
    env: AwsEnvironment,
    guardrails: Guardrails,
    entries: Vec<Entry>,
    by_arn: HashMap<String, usize>,
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

impl AwsAnalysis {
    /// Compiles an environment for queries.
    pub fn new(env: AwsEnvironment) -> AwsAnalysis {
        let guardrails = Guardrails::new(&env);
        let entries = index::entries(&env, &guardrails);
        let by_arn = entries.iter().enumerate().map(|(i, e)| (e.principal.id.clone(), i)).collect();
        AwsAnalysis { env, guardrails, entries, by_arn }
    }

    /// The environment.
    pub fn environment(&self) -> &AwsEnvironment {
        &self.env
    }

    /// The users and roles, in environment order.
    pub fn principals(&self) -> impl Iterator<Item = &Principal> {
        self.entries.iter().map(|e| &e.principal)
    }

    /// Every principal that can perform `action` on `resource`, directly, through group
    /// membership, by assuming roles, or through the resource's own policy (other accounts,
    /// services, anyone).
    pub fn who_can(&self, action: &str, resource: &str) -> Result<Vec<Holder>, QueryError> {
        check_action(action)?;
        let target = self.resource_side(resource)?;
        let mut holders: Vec<Holder> = Vec::new();
        let mut granted_roles: Vec<(usize, Holder)> = Vec::new();
        for (idx, entry) in self.entries.iter().enumerate() {
            let decision = self.decide(entry, action, resource, &target);
            if let Some(holder) = self.holder(entry, &decision, action, resource, &target) {
                if entry.principal.kind == PrincipalKind::Role {
                    granted_roles.push((idx, holder.clone()));
                }
                holders.push(holder);
            }
        }
        holders.extend(self.outsiders(action, resource, &target));
        // Role chains: whoever can assume a granted role can act through it.
        let mut seen: HashSet<String> = holders.iter().map(|h| h.principal.id.clone()).collect();
        let mut queue: VecDeque<(usize, Holder, usize)> = granted_roles.into_iter().map(|(i, h)| (i, h, 1)).collect();
        while let Some((role_idx, role_holder, depth)) = queue.pop_front() {
            if depth > MAX_CHAIN {
                continue;
            }
            for assumer in self.assumers(role_idx)? {
                if !seen.insert(assumer.principal.id.clone()) {
                    continue;
                }
                let mut via = assumer.via.clone();
                via.push(Step::Assume { target: role_holder.principal.id.clone() });
                via.extend(role_holder.via.iter().cloned());
                let access = combine(&assumer.access, &role_holder.access);
                let holder = Holder { principal: assumer.principal.clone(), access, via };
                if let Some(idx) = self.by_arn.get(&holder.principal.id).copied()
                    && self.entries[idx].principal.kind == PrincipalKind::Role
                {
                    queue.push_back((idx, holder.clone(), depth + 1));
                }
                holders.push(holder);
            }
        }
        holders.sort_by(|a, b| (a.access.as_str(), &a.principal.id).cmp(&(b.access.as_str(), &b.principal.id)));
        Ok(holders)
    }

    /// The decision for one principal, with the statements of every layer.
    pub fn explain(&self, principal: &str, action: &str, resource: &str) -> Result<Explained, QueryError> {
        check_action(action)?;
        let idx = *self.by_arn.get(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let entry = &self.entries[idx];
        let target = self.resource_side(resource)?;
        let decision = self.decide(entry, action, resource, &target);
        // The concrete explanation (unknown keys taken as absent) lists the statements that
        // apply outright; the partial decision adds those that depend on unknown context.
        let request = self.request(entry, action, resource, &target, false);
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
                source: self.source_of(entry, &target, m.layer, m.level, m.policy),
                statement: statement_name(m.statement, m.sid.as_deref()),
                effect: m.effect.as_str(),
                conditions: Vec::new(),
            });
        }
        for c in &decision.conditions {
            statements.push(ExplainedStatement {
                layer: c.layer.as_str(),
                source: self.source_of(entry, &target, c.layer, c.level, c.policy),
                statement: statement_name(c.statement, c.sid.as_deref()),
                effect: c.effect.as_str(),
                conditions: c.conditions.clone(),
            });
        }
        let reason = match decision.verdict {
            Verdict::Conditional => "the decision depends on request context that is not known in advance".to_owned(),
            _ => concrete.reason.to_owned(),
        };
        Ok(Explained { principal: entry.principal.clone(), verdict: decision.verdict, statements, reason })
    }

    /// Who can become `role` (assume it), directly or through a chain of roles.
    pub fn can_become(&self, role: &str) -> Result<Vec<Holder>, QueryError> {
        let idx = *self.by_arn.get(role).ok_or_else(|| QueryError::UnknownPrincipal(role.to_owned()))?;
        let mut out = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([role.to_owned()]);
        let mut queue: VecDeque<(usize, Vec<Step>, Access, usize)> =
            VecDeque::from([(idx, Vec::new(), Access::Allowed, 0)]);
        while let Some((target, suffix, access, depth)) = queue.pop_front() {
            if depth >= MAX_CHAIN {
                continue;
            }
            for assumer in self.assumers(target)? {
                if !seen.insert(assumer.principal.id.clone()) {
                    continue;
                }
                let mut via = vec![Step::Assume { target: self.entries[target].principal.id.clone() }];
                via.extend(suffix.iter().cloned());
                let access = combine(&assumer.access, &access);
                if let Some(next) = self.by_arn.get(&assumer.principal.id).copied()
                    && self.entries[next].principal.kind == PrincipalKind::Role
                {
                    queue.push_back((next, via.clone(), access.clone(), depth + 1));
                }
                out.push(Holder { principal: assumer.principal, access, via });
            }
        }
        Ok(out)
    }

    /// The roles `principal` can become, directly or through a chain.
    pub fn can_become_from(&self, principal: &str) -> Result<Vec<Holder>, QueryError> {
        if !self.by_arn.contains_key(principal) {
            return Err(QueryError::UnknownPrincipal(principal.to_owned()));
        }
        let mut out = Vec::new();
        for (idx, entry) in self.entries.iter().enumerate() {
            if entry.principal.kind != PrincipalKind::Role || entry.principal.id == principal {
                continue;
            }
            if let Some(h) =
                self.can_become(&self.entries[idx].principal.id)?.into_iter().find(|h| h.principal.id == principal)
            {
                out.push(Holder { principal: entry.principal.clone(), access: h.access, via: h.via });
            }
        }
        Ok(out)
    }

    /// Resources whose policies let principals outside the organization (or anyone) in, with
    /// the granting statement. Role trust policies count: a role trusting an outside account is
    /// a door into the environment.
    pub fn exposure(&self) -> Vec<Exposure> {
        let mut out = Vec::new();
        for account in &self.env.accounts {
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
                    for outsider in self.outsiders_named(&principal.values, &account.id) {
                        let actions = if default_action.is_empty() || !st.action.values.is_empty() {
                            st.action.values.clone()
                        } else {
                            vec![default_action.to_owned()]
                        };
                        // The statement's own actions, decided for the outsider with every other
                        // layer (RCPs, denies) in force.
                        let caller = outsider_caller(&outsider);
                        // The statement's own resources stand for what it exposes (a pattern
                        // matches itself: its `*` is taken literally by the request).
                        let resources: Vec<String> = match &st.resource {
                            Some(r) if !r.negated => {
                                r.values.iter().map(|v| if v == "*" { arn.clone() } else { v.clone() }).collect()
                            }
                            _ => vec![arn.clone()],
                        };
                        let mut best: Option<Access> = None;
                        for (action, resource) in actions.iter().flat_map(|a| resources.iter().map(move |r| (a, r))) {
                            let action = if action == "*" { "*:*" } else { action.as_str() };
                            let request = Request::new(
                                caller.clone(),
                                action,
                                resource,
                                Some(&account.id),
                                self.outsider_context(&account.id),
                            );
                            let decision = decide_partial(
                                &remit_aws_policy::PrincipalPolicies::default(),
                                None,
                                &target.policies,
                                &request,
                            );
                            if let Some(access) = access_of(&decision, |c| {
                                format!("resource policy {}", statement_name(c.statement, c.sid.as_deref()))
                            }) {
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
        let request = self.request(entry, action, resource, target, true);
        decide_partial(&entry.policies, None, &target.policies, &request)
    }

    fn request(&self, entry: &Entry, action: &str, resource: &str, target: &Target, partial: bool) -> Request {
        let mut pairs = entry.context.clone();
        pairs.extend(target.context.iter().cloned());
        let context = if partial { Context::partial(pairs, KNOWN_KEYS) } else { Context::new(pairs) };
        Request::new(entry.caller.clone(), action, resource, Some(&target.account), context)
    }

    fn holder(
        &self,
        entry: &Entry,
        decision: &PartialDecision,
        action: &str,
        resource: &str,
        target: &Target,
    ) -> Option<Holder> {
        let access = access_of(decision, |c| self.source_of(entry, target, c.layer, c.level, c.policy))?;
        // The path: which of its policies (or the resource's) grant.
        let request = self.request(entry, action, resource, target, false);
        let concrete = remit_aws_policy::explain(&entry.policies, None, &target.policies, &request);
        let mut via = Vec::new();
        let mut groups: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
        let mut resource_grants = Vec::new();
        let allow_sources = concrete
            .matched
            .iter()
            .map(|m| (m.layer, m.policy, m.statement, m.sid.clone(), m.effect))
            .chain(decision.conditions.iter().map(|c| (c.layer, c.policy, c.statement, c.sid.clone(), c.effect)));
        for (layer, policy, statement, sid, effect) in allow_sources {
            if effect != Effect::Allow {
                continue;
            }
            match layer {
                Layer::Identity => {
                    if let Some(source) = entry.sources.get(policy) {
                        let list = groups.entry(source.group.clone()).or_default();
                        if !list.contains(&source.label) {
                            list.push(source.label.clone());
                        }
                    }
                }
                Layer::Resource => {
                    let name = statement_name(statement, sid.as_deref());
                    if !resource_grants.contains(&name) {
                        resource_grants.push(name);
                    }
                }
                _ => {}
            }
        }
        for (group, sources) in groups {
            match group {
                Some(group) => {
                    via.push(Step::Group { group });
                    via.push(Step::Direct { sources });
                }
                None => via.insert(0, Step::Direct { sources }),
            }
        }
        for source in resource_grants {
            via.push(Step::ResourcePolicy { source });
        }
        Some(Holder { principal: entry.principal.clone(), access, via })
    }

    /// Principals outside the environment that the resource policy lets in.
    fn outsiders(&self, action: &str, resource: &str, target: &Target) -> Vec<Holder> {
        let Some(policy) = &target.document else {
            return Vec::new();
        };
        let mut named = Vec::new();
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
        for outsider in named {
            let caller = outsider_caller(&outsider);
            let request =
                Request::new(caller, action, resource, Some(&target.account), self.outsider_context(&target.account));
            let decision =
                decide_partial(&remit_aws_policy::PrincipalPolicies::default(), None, &target.policies, &request);
            let Some(mut access) =
                access_of(&decision, |c| format!("resource policy {}", statement_name(c.statement, c.sid.as_deref())))
            else {
                continue;
            };
            let kind = outsider_kind(&outsider);
            if kind == PrincipalKind::ExternalAccount {
                // The account's own identity policies decide which of its principals may.
                let mut conditions = access.conditions().to_vec();
                conditions.push(Condition {
                    source: format!("account {}", outsider_account(&outsider)),
                    expression: "the account's own identity-based policies must allow it".to_owned(),
                    on_deny: false,
                });
                access = Access::Conditional(conditions);
            }
            out.push(Holder {
                principal: Principal {
                    cloud: Cloud::Aws,
                    kind,
                    id: outsider.clone(),
                    name: outsider.clone(),
                    scope: (kind == PrincipalKind::ExternalAccount).then(|| outsider_account(&outsider).to_owned()),
                    incomplete: false,
                },
                access,
                via: vec![Step::ResourcePolicy { source: "grants this principal".to_owned() }],
            });
        }
        out
    }

    /// `*`, service principals, identity providers and accounts outside the environment that
    /// a `Principal` element names.
    fn outsiders_named(&self, principals: &Principals, resource_account: &str) -> Vec<String> {
        let mut out = Vec::new();
        match principals {
            Principals::Everyone => out.push("*".to_owned()),
            Principals::Typed(entries) => {
                for (kind, values) in entries {
                    for value in values {
                        match kind {
                            PrincipalType::Aws if value == "*" => out.push("*".to_owned()),
                            PrincipalType::Aws => {
                                let account = account_of_principal(value);
                                let inside = account.is_some_and(|a| {
                                    self.env.accounts.iter().any(|acc| acc.id == a && acc.iam_collected)
                                        || (a == resource_account && self.by_arn.contains_key(value))
                                });
                                if !inside && let Some(account) = account {
                                    out.push(format!("arn:aws:iam::{account}:root"));
                                }
                            }
                            PrincipalType::Service | PrincipalType::Federated => out.push(value.clone()),
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

    /// Principals of the environment that can assume the role at `role_idx`.
    fn assumers(&self, role_idx: usize) -> Result<Vec<Holder>, QueryError> {
        let role = &self.entries[role_idx];
        let arn = role.principal.id.clone();
        let target = self.resource_side(&arn)?;
        let mut out = Vec::new();
        for entry in &self.entries {
            if entry.principal.id == arn {
                continue;
            }
            let decision = self.decide(entry, "sts:AssumeRole", &arn, &target);
            if let Some(holder) = self.holder(entry, &decision, "sts:AssumeRole", &arn, &target) {
                out.push(holder);
            }
        }
        Ok(out)
    }

    fn resource_side(&self, resource: &str) -> Result<Target, QueryError> {
        if resource != "*" && !resource.starts_with("arn:") {
            return Err(QueryError::BadResource(resource.to_owned()));
        }
        let found = index::find_resource(&self.env, resource);
        let account = match &found {
            Some((account, _, _)) => account.id.clone(),
            None => {
                let from_arn = resource.split(':').nth(4).filter(|a| a.len() == 12).map(str::to_owned);
                from_arn.ok_or_else(|| QueryError::UnknownResourceAccount(resource.to_owned()))?
            }
        };
        self.resource_side_in(resource, &account)
    }

    /// The resource side of `resource`, owned by `account`.
    fn resource_side_in(&self, resource: &str, account: &str) -> Result<Target, QueryError> {
        let account = account.to_owned();
        let found = index::find_resource(&self.env, resource);
        let document = found.and_then(|(_, policy, _)| policy.cloned());
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
        Ok(Target { account, document, policies, context })
    }

    fn source_of(&self, entry: &Entry, target: &Target, layer: Layer, level: Option<usize>, policy: usize) -> String {
        match layer {
            Layer::Identity => match entry.sources.get(policy) {
                Some(s) => match &s.group {
                    Some(g) => format!("{} (group {g})", s.label),
                    None => s.label.clone(),
                },
                None => format!("identity policy {policy}"),
            },
            Layer::PermissionsBoundary => format!("boundary {}", entry.boundary.as_deref().unwrap_or("?")),
            Layer::Session => "session policy".to_owned(),
            Layer::Scp => format!("SCP {} at level {}", policy, level.unwrap_or(0)),
            Layer::Rcp => format!("RCP {} at level {}", policy, level.unwrap_or(0)),
            Layer::Resource => format!("resource policy of account {}", target.account),
        }
    }
}

/// The resource side of a query, compiled once.
pub(crate) struct Target {
    account: String,
    document: Option<Policy>,
    policies: ResourcePolicies,
    context: Vec<(String, ContextValue)>,
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
    source: impl Fn(&remit_aws_policy::ConditionalStatement) -> String,
) -> Option<Access> {
    match decision.verdict {
        Verdict::Allowed => Some(Access::Allowed),
        Verdict::Conditional => Some(Access::Conditional(
            decision
                .conditions
                .iter()
                .flat_map(|c| {
                    let where_ = source(c);
                    let on_deny = c.effect == Effect::Deny;
                    c.conditions.iter().map(move |e| Condition {
                        source: where_.clone(),
                        expression: e.clone(),
                        on_deny,
                    })
                })
                .collect(),
        )),
        Verdict::ImplicitlyDenied | Verdict::ExplicitlyDenied => None,
    }
}

/// Access through two steps: allowed only if both are; otherwise conditional on both.
fn combine(a: &Access, b: &Access) -> Access {
    match (a, b) {
        (Access::Allowed, Access::Allowed) => Access::Allowed,
        _ => Access::Conditional(a.conditions().iter().chain(b.conditions()).cloned().collect()),
    }
}

fn account_of_principal(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    value.split(':').nth(4).filter(|a| a.len() == 12)
}

fn outsider_kind(outsider: &str) -> PrincipalKind {
    if outsider == "*" {
        PrincipalKind::Anyone
    } else if outsider.starts_with("arn:aws:iam::") && outsider.ends_with(":root") {
        PrincipalKind::ExternalAccount
    } else if outsider.contains("-provider/") || !outsider.contains(".amazonaws.com") {
        PrincipalKind::IdentityProvider
    } else {
        PrincipalKind::CloudService
    }
}

fn outsider_account(outsider: &str) -> &str {
    outsider.split(':').nth(4).unwrap_or("")
}

fn outsider_caller(outsider: &str) -> Caller {
    if outsider == "*" {
        return Caller::Anonymous;
    }
    Caller::parse(outsider).unwrap_or(Caller::Anonymous)
}
