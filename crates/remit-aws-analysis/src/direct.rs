//! What a principal can do *itself*: the edges of escalation graphs.
//!
//! Who-can follows role chains because a user asks who, in the end, holds access. A risk
//! analysis builds its own graph of every way one principal becomes another (assuming a role,
//! creating a user's keys, passing a role to compute it controls ...) and needs each step
//! alone, decided exactly: by the principal's own and its groups' policies, its boundary and
//! SCPs, and the resource's policy and RCPs, with the request-context keys the step sets
//! (`iam:PassedToService` when a role is passed to a service) known rather than unknown.

use std::sync::Arc;

use remit_aws_catalog::Catalog;
use remit_aws_policy::{Context, Effect};
use remit_model::{Holder, Principal};

use crate::{AwsAnalysis, FastMap, QueryError, Target, check_action, index::Entry};

impl AwsAnalysis {
    /// The principals of the environment that can perform `action` on `resource` themselves
    /// (through their own or their groups' policies, or the resource's policy naming them),
    /// not through roles they assume, with the request-context keys `context` set (each
    /// `(key, value)`, single-valued). Ordered by ARN.
    pub fn who_can_directly(
        &self,
        action: &str,
        resource: &str,
        context: &[(&str, &str)],
    ) -> Result<Vec<Holder>, QueryError> {
        check_action(action)?;
        let target = match resource {
            "*" => None,
            _ => Some(with_context(self.resource_side(resource)?, context)),
        };
        let own: FastMap<&str, Target> = self
            .own_targets(resource, target.is_some())
            .into_iter()
            .map(|(account, t)| (account, with_context(t, context)))
            .collect();
        let (candidates, decided) = self.decide_candidates(action, resource, target.as_ref(), &own);
        let mut found: Vec<(usize, Holder)> =
            candidates.into_iter().zip(decided).filter_map(|(idx, h)| Some((idx, h?))).collect();
        found.sort_by_key(|(idx, _)| self.rank[*idx]);
        Ok(found.into_iter().map(|(_, h)| h).collect())
    }

    /// Whether `principal` can perform `action` on `resource` itself (as
    /// [`AwsAnalysis::who_can_directly`]), and how; `None` when it cannot. `*`, and a resource
    /// whose ARN names no account and that the environment does not hold (an Identity Center
    /// permission set: `arn:aws:sso:::permissionSet/...`), are decided in the principal's own
    /// account.
    pub fn can_directly(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: &[(&str, &str)],
    ) -> Result<Option<Holder>, QueryError> {
        check_action(action)?;
        let entry = self.entry(principal)?;
        let own = entry.principal.scope.as_deref().unwrap_or_default();
        let target = match resource {
            "*" => self.resource_side_in(resource, own)?,
            _ => match self.resource_side(resource) {
                Err(QueryError::UnknownResourceAccount(_)) => self.resource_side_in(resource, own)?,
                side => side?,
            },
        };
        let target = with_context(target, context);
        let decision = self.decide(entry, action, resource, &target);
        Ok(self.holder(entry, &decision, &target))
    }

    /// Whether `principal` could perform `action` on `resource` itself if the resource's
    /// policy were `policy` (its RCPs, the principal's policies, boundary and SCPs as they are):
    /// what a principal that can rewrite a role's trust policy gets from assuming it afterwards.
    pub fn can_directly_under(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        policy: &remit_aws_policy::Policy,
    ) -> Result<Option<Holder>, QueryError> {
        check_action(action)?;
        let entry = self.entry(principal)?;
        let mut target = self.resource_side(resource)?;
        let rcps = self.guardrails.rcps.get(&*target.account).cloned().unwrap_or_default();
        target.policies = remit_aws_policy::ResourcePolicies::new(Some(policy), &rcps);
        target.document = Some(policy.clone());
        let decision = self.decide(entry, action, resource, &target);
        Ok(self.holder(entry, &decision, &target))
    }

    /// The principals whose identity policies (their own or their groups') have an `Allow`
    /// statement that may allow `action` on some resource: an index lookup, deciding nothing
    /// (the engine decides each afterwards). In environment order.
    pub fn identity_may_allow(&self, action: &str) -> Vec<Arc<Principal>> {
        let mut marks = vec![false; self.entries.len()];
        self.actions.mark(action, None, &mut marks);
        marks.iter().enumerate().filter(|(_, m)| **m).map(|(idx, _)| Arc::clone(&self.entries[idx].principal)).collect()
    }

    /// The `Resource` elements (as written, `*` for a `NotResource`) of the `Allow` statements
    /// of `principal`'s identity policies whose actions include `action`: where to look for
    /// resources it may act on (the engine decides each).
    pub fn allowed_resources(&self, principal: &str, action: &str) -> Result<Vec<String>, QueryError> {
        check_action(action)?;
        let entry = self.entry(principal)?;
        let Some(id) = Catalog::aws().action(action) else { return Ok(Vec::new()) };
        let mut out: Vec<String> = Vec::new();
        for doc in &entry.documents {
            for st in doc.statements.iter().filter(|st| st.effect == Effect::Allow) {
                if !self.expanded(&st.action.values, st.action.negated).contains(id) {
                    continue;
                }
                match &st.resource {
                    Some(r) if !r.negated => out.extend(r.values.iter().cloned()),
                    _ => out.push("*".to_owned()),
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The actions `principal`'s identity policies (its own and its groups') allow on every
    /// resource by unconditional statements, read from the policies alone: no boundary, SCP,
    /// deny or resource policy applied. What a tool reading one policy at a time reports; the
    /// engine's answer may be less (what-can), and the difference is what those layers take
    /// away.
    pub fn policies_allow_on_any(&self, principal: &str) -> Result<remit_aws_catalog::ActionSet, QueryError> {
        let entry = self.entry(principal)?;
        let mut out = remit_aws_catalog::ActionSet::new();
        for doc in &entry.documents {
            for st in doc.statements.iter().filter(|st| st.effect == Effect::Allow && st.conditions.is_empty()) {
                let on_any = match &st.resource {
                    Some(r) if !r.negated => r.values.iter().any(|v| v == "*"),
                    _ => true,
                };
                if on_any {
                    out.union_with(&self.expanded(&st.action.values, st.action.negated));
                }
            }
        }
        Ok(out)
    }

    /// The roles `principal` can assume in one step (the trust graph's edges out of it), each
    /// as a holder: the role, the access, and how (the principal's policies that allow it).
    pub fn assumes_directly(&self, principal: &str) -> Result<Vec<Holder>, QueryError> {
        let from = self.index_of(principal)?;
        let mut out = Vec::new();
        for &role in &self.assumable[from] {
            let role = role as usize;
            if let Some((_, edge)) = self.assumers[role].iter().find(|(a, _)| *a as usize == from) {
                out.push(Holder {
                    principal: Arc::clone(&self.entries[role].principal),
                    access: edge.access.clone(),
                    via: edge.via.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Who can assume `role` in one step: principals of the environment (with how), and
    /// outsiders its trust policy lets in (other accounts, identity providers, services,
    /// anyone).
    pub fn assumers_directly(&self, role: &str) -> Result<(Vec<Holder>, Vec<Holder>), QueryError> {
        let idx = self.role_index(role)?;
        let inside = self.assumers[idx].iter().map(|(_, h)| h.clone()).collect();
        Ok((inside, self.outside_assumers[idx].clone()))
    }

    /// The users, groups' members and roles of the environment by ARN, with their kind.
    pub fn principal(&self, arn: &str) -> Option<&Principal> {
        self.by_arn.get(arn).map(|&idx| &*self.entries[idx].principal)
    }

    /// The permissions boundary of `principal` (its ARN), if it has one.
    pub fn boundary_of(&self, principal: &str) -> Result<Option<&str>, QueryError> {
        Ok(self.entry(principal)?.boundary.as_deref())
    }

    fn index_of(&self, principal: &str) -> Result<usize, QueryError> {
        self.by_arn.get(principal).copied().ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))
    }

    fn entry(&self, principal: &str) -> Result<&Entry, QueryError> {
        Ok(&self.entries[self.index_of(principal)?])
    }
}

/// `target` with the request-context keys of `context` known.
pub(crate) fn with_context(mut target: Target, context: &[(&str, &str)]) -> Target {
    if !context.is_empty() {
        target.prepared = Arc::new(target.prepared.merged(&Context::from_pairs(context)));
    }
    target
}
