//! The decision procedure for one request: may this principal perform this action on this
//! resource, and which assignments decide it.
//!
//! It follows Azure's documented order
//! (<https://learn.microsoft.com/azure/role-based-access-control/overview#how-azure-rbac-determines-if-a-user-has-access-to-a-resource>):
//! the principal's ids are its object id and its groups' (transitively, as the token's group
//! claims); deny assignments at the resource's scopes are checked first and win
//! (<https://learn.microsoft.com/azure/role-based-access-control/deny-assignments>); then role
//! assignments at the resource or any ancestor scope grant when the role's effective
//! permissions include the action and the assignment's condition, if any, holds. PIM eligible
//! assignments grant nothing until activated
//! (<https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-assign-roles>):
//! they are only counted when the caller asks "including eligible", and then carry an
//! [`Step::Activate`] step. All queries ([`crate::analysis`]) and rules ([`crate::risk`]) rest
//! on this one procedure.

use std::collections::BTreeMap;
use std::sync::Arc;

use remit_model::{Condition, Explanation, Step, Verdict};

use crate::action;
use crate::analysis::{AzureAnalysis, Grant, GrantKind};
use crate::condition::{self, Context, Truth};
use crate::import::{ALL_PRINCIPALS, DenyAssignment};
use crate::scope;

const DENY_DOC: &str = "https://learn.microsoft.com/azure/role-based-access-control/deny-assignments";
const ORDER_DOC: &str = "https://learn.microsoft.com/azure/role-based-access-control/overview#how-azure-rbac-determines-if-a-user-has-access-to-a-resource";
const NOT_ACTIONS_DOC: &str = "https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions";
const CONDITIONS_DOC: &str = "https://learn.microsoft.com/azure/role-based-access-control/conditions-format";
const PIM_DOC: &str =
    "https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-assign-roles";

/// One request to decide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The principal's object id.
    pub principal: String,
    /// The action (`Microsoft.Storage/storageAccounts/listKeys/action`).
    pub action: String,
    /// True for a data action (`DataActions`), false for a control-plane action.
    pub data_action: bool,
    /// The resource id or scope.
    pub resource: String,
    /// Count PIM eligible assignments as if activated (they are then marked [`Step::Activate`]).
    pub include_eligible: bool,
    /// The ABAC sub-operation, when known: `Some(None)` for a request with none (a plain blob
    /// read), `Some(Some("Blob.List"))`; `None` leaves `SubOperationMatches` undecided.
    pub sub_operation: Option<Option<String>>,
    /// ABAC attributes known beyond those the resource id tells (keys as
    /// [`condition::Attribute::key`]).
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// A grant that matches a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The grant (role assignment or eligibility).
    pub grant: Arc<Grant>,
    /// The group through which the principal holds it, when not directly.
    pub via_group: Option<String>,
    /// Whether its condition (assignment or role definition) holds: true, or unknown.
    pub truth: Truth,
}

/// The decision with everything that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The verdict.
    pub verdict: Verdict,
    /// The deny assignments that deny the request.
    pub denied_by: Vec<DenyAssignment>,
    /// The standing grants that match (allowed or conditional).
    pub grants: Vec<Match>,
    /// The eligible grants that would match once activated.
    pub eligible: Vec<Match>,
    /// One line per deny or grant, each citing the rule applied.
    pub reasons: Vec<String>,
}

impl AzureAnalysis {
    /// Decides `action` by `principal` (object id) on `resource_id`, standing access only.
    pub fn decide(&self, principal: &str, action: &str, is_data_action: bool, resource_id: &str) -> Verdict {
        self.decide_request(&Request {
            principal: principal.to_ascii_lowercase(),
            action: action.to_owned(),
            data_action: is_data_action,
            resource: resource_id.to_owned(),
            include_eligible: false,
            sub_operation: None,
            attributes: BTreeMap::new(),
        })
        .verdict
    }

    /// Decides a request, with its reasons.
    pub fn decide_request(&self, request: &Request) -> Decision {
        let principal = request.principal.to_ascii_lowercase();
        let ids = self.identity_ids(&principal);
        let ancestors = self.hierarchy().ancestors(&request.resource);
        let target = scope::normalize(&request.resource);
        let mut reasons = Vec::new();

        // 1. Deny assignments first.
        let denied_by: Vec<DenyAssignment> = self
            .environment()
            .deny_assignments
            .iter()
            .filter(|d| deny_applies(d, &ancestors, &target, &ids, &request.action, request.data_action))
            .cloned()
            .collect();
        for d in &denied_by {
            reasons.push(format!(
                "deny assignment `{}` at {} denies {} to {}: deny assignments are evaluated before role assignments and block the action even when a role grants it ({DENY_DOC})",
                d.name, d.scope, request.action, request.principal
            ));
        }

        // 2. Role assignments at any ancestor scope, directly or through a group.
        let mut context = Context {
            action: request.action.clone(),
            sub_operation: request.sub_operation.clone(),
            attributes: condition::attributes_from_resource(&request.resource),
        };
        context.attributes.extend(request.attributes.clone());
        let mut grants = Vec::new();
        let mut eligible = Vec::new();
        for id in &ids {
            for grant in self.grants_of(id) {
                if !ancestors.contains(&grant.scope_key) {
                    continue;
                }
                let Some(truth) = self.grant_truth(grant, &request.action, request.data_action, &context) else {
                    continue;
                };
                let m = Match { grant: grant.clone(), via_group: (id != &principal).then(|| id.clone()), truth };
                match grant.kind {
                    GrantKind::Eligible => eligible.push(m),
                    _ => grants.push(m),
                }
            }
        }
        for m in grants.iter().chain(eligible.iter()) {
            reasons.push(self.grant_reason(m, &request.action, request.data_action));
        }

        let verdict = if !denied_by.is_empty() {
            Verdict::Denied
        } else {
            let counted: Vec<&Match> =
                grants.iter().chain(eligible.iter().filter(|_| request.include_eligible)).collect();
            if counted.iter().any(|m| m.truth == Truth::True) {
                Verdict::Allowed
            } else if counted.is_empty() {
                Verdict::Denied
            } else {
                Verdict::Conditional(counted.iter().filter_map(|m| self.condition_of(m)).collect())
            }
        };
        if matches!(verdict, Verdict::Denied) && denied_by.is_empty() {
            reasons.push(format!(
                "no role assignment at {} or its ancestors grants {} to {} or its groups: access is denied by default ({ORDER_DOC})",
                request.resource, request.action, request.principal
            ));
        }
        Decision { verdict, denied_by, grants, eligible, reasons }
    }

    /// The explanation of a decision, in the neutral model.
    pub fn explain_request(&self, request: &Request) -> Explanation {
        let decision = self.decide_request(request);
        let via = match &decision.verdict {
            Verdict::Denied => Vec::new(),
            _ => {
                let pool: Vec<&Match> = decision
                    .grants
                    .iter()
                    .chain(decision.eligible.iter().filter(|_| request.include_eligible))
                    .collect();
                let best = pool.iter().find(|m| m.truth == Truth::True).or_else(|| pool.first());
                best.map(|m| self.steps(m, &request.resource)).unwrap_or_default()
            }
        };
        Explanation { verdict: decision.verdict, reasons: decision.reasons, via }
    }

    /// Whether `grant` gives `action`: `None` when its role does not include the action (or
    /// a condition is known false), else the truth of its conditions.
    pub(crate) fn grant_truth(
        &self,
        grant: &Grant,
        action: &str,
        data_plane: bool,
        context: &Context,
    ) -> Option<Truth> {
        let role = self.role(&grant.role_guid)?;
        // Actions − NotActions per block, union across blocks
        // (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions).
        let mut best: Option<Truth> = None;
        for block in role.permissions.iter().filter(|b| b.grants(action, data_plane)) {
            let block_truth = match &block.condition {
                None => Truth::True,
                Some(text) => condition_truth(text, context),
            };
            best = Some(match (best, block_truth) {
                (Some(Truth::True), _) | (_, Truth::True) => Truth::True,
                (Some(Truth::Unknown), _) | (_, Truth::Unknown) => Truth::Unknown,
                _ => Truth::False,
            });
        }
        let role_truth = best?;
        let assignment_truth = match &grant.condition {
            None => Truth::True,
            Some(text) => condition_truth(text, context),
        };
        let truth = match (role_truth, assignment_truth) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        };
        (truth != Truth::False).then_some(truth)
    }

    /// The condition a conditional match rests on.
    pub(crate) fn condition_of(&self, m: &Match) -> Option<Condition> {
        if m.truth != Truth::Unknown {
            return None;
        }
        let expression = match (&m.grant.condition, self.role(&m.grant.role_guid)) {
            (Some(text), _) => text.clone(),
            (None, Some(role)) => {
                role.permissions.iter().filter_map(|p| p.condition.clone()).collect::<Vec<_>>().join(" OR ")
            }
            (None, None) => String::new(),
        };
        Some(Condition { source: Arc::from(m.grant.describe()), expression: Arc::from(expression), on_deny: false })
    }

    /// The path of a match, from the principal to the grant.
    pub(crate) fn steps(&self, m: &Match, resource: &str) -> Vec<Step> {
        let mut via = Vec::new();
        if let Some(group) = &m.via_group {
            via.push(Step::Group { group: Arc::from(self.display_name(group)) });
        }
        if m.grant.kind == GrantKind::Eligible {
            via.push(Step::Activate { source: Arc::from(m.grant.describe()) });
        }
        if m.grant.scope_key != scope::normalize(resource) {
            via.push(Step::Inherited { scope: Arc::from(m.grant.scope.as_str()) });
        }
        via.push(Step::Direct { sources: vec![Arc::from(m.grant.describe())] });
        via
    }

    fn grant_reason(&self, m: &Match, action: &str, data_plane: bool) -> String {
        let plane = if data_plane { "DataActions − NotDataActions" } else { "Actions − NotActions" };
        let through =
            m.via_group.as_ref().map(|g| format!(" through group {}", self.display_name(g))).unwrap_or_default();
        let mut line = format!(
            "{}{through}: the role's {plane} include {action} ({NOT_ACTIONS_DOC}); it applies at its scope and below ({ORDER_DOC})",
            m.grant.describe()
        );
        if m.truth == Truth::Unknown {
            line.push_str(&format!("; its condition depends on request attributes not known offline, so the grant is conditional ({CONDITIONS_DOC})"));
        }
        if m.grant.kind == GrantKind::Eligible {
            line.push_str(&format!("; PIM eligible: grants nothing until activated ({PIM_DOC})"));
        }
        line
    }
}

/// A condition's truth; a condition that does not parse is unknown (conditional), never
/// guessed either way.
fn condition_truth(text: &str, context: &Context) -> Truth {
    match condition::parse(text) {
        Ok(expr) => condition::evaluate(&expr, context),
        Err(_) => Truth::Unknown,
    }
}

/// True when deny assignment `d` denies `action` to a principal with `ids` on the scope whose
/// ancestors are `ancestors` (<https://learn.microsoft.com/azure/role-based-access-control/deny-assignments#deny-assignment-properties>).
pub(crate) fn deny_applies(
    d: &DenyAssignment,
    ancestors: &[String],
    target: &str,
    ids: &[String],
    action: &str,
    data_plane: bool,
) -> bool {
    let scope = scope::normalize(&d.scope);
    let at_scope = match d.do_not_apply_to_child_scopes {
        true => scope == target,
        false => ancestors.contains(&scope),
    };
    at_scope && deny_principal_matches(d, ids) && d.permissions.iter().any(|p| p.grants(action, data_plane))
}

/// True when the deny assignment names one of `ids` (or everyone) and excludes none of them.
pub(crate) fn deny_principal_matches(d: &DenyAssignment, ids: &[String]) -> bool {
    let named = d.principals.iter().any(|p| p.id == ALL_PRINCIPALS || ids.contains(&p.id));
    let excluded = d.exclude_principals.iter().any(|p| ids.contains(&p.id));
    named && !excluded
}

/// True when the deny's effective patterns cover `pattern` entirely (no `NotActions` of the
/// deny overlap it).
pub(crate) fn deny_covers(d: &DenyAssignment, pattern: &str, data_plane: bool) -> bool {
    d.permissions.iter().any(|p| {
        let (denied, excepted) = p.plane(data_plane);
        denied.iter().any(|x| action::covers(x, pattern)) && !excepted.iter().any(|x| action::overlaps(x, pattern))
    })
}

/// The deny's patterns that overlap `pattern`.
pub(crate) fn deny_overlap(d: &DenyAssignment, pattern: &str, data_plane: bool) -> Vec<String> {
    d.permissions
        .iter()
        .flat_map(|p| p.plane(data_plane).0.iter())
        .filter(|x| action::overlaps(x, pattern))
        .cloned()
        .collect()
}
