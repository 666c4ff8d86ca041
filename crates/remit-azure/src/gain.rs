//! What a principal gains by acting as another identity.
//!
//! Running code as a managed identity (a VM's run command, a runbook, an attached
//! user-assigned identity) is only a privilege escalation when that identity holds access the
//! principal does not already hold: a VM operator whose VM runs as a Reader of the same
//! resource group gains nothing. The escalation rules ask this module which of the identity's
//! standing grants the principal's own effective grants do not cover, and report only those.
//!
//! The comparison is sound in one direction: an identity grant reported as covered is truly
//! held by the principal (same or wider actions, at the same or a higher scope, with no extra
//! condition and no deny that touches the principal alone); a grant that is covered only in a
//! way this test does not see (two of the principal's roles together, say) is reported as a
//! gain, never hidden.

use std::sync::Arc;

use crate::action::{self, Permission};
use crate::analysis::{AzureAnalysis, Grant, GrantKind};
use crate::eval;
use crate::import::DenyAssignment;
use crate::scope;

/// The identity's standing access that `principal` does not hold itself, one line each
/// ("Owner at /subscriptions/…", "directory role Global Administrator", "application
/// permission …"); empty when acting as `identity` gains nothing.
///
/// RBAC effective permissions are `Actions − NotActions` per block, assigned at a scope and
/// every scope below it
/// (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions>,
/// <https://learn.microsoft.com/azure/role-based-access-control/scope-overview>); deny
/// assignments apply to the principals they name
/// (<https://learn.microsoft.com/azure/role-based-access-control/deny-assignments>). PIM
/// eligible grants of either side are not standing access and are not compared
/// (<https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-assign-roles>).
pub fn gained_access(analysis: &AzureAnalysis, principal: &str, identity: &str) -> Vec<String> {
    let principal_ids = analysis.identity_ids(principal);
    let identity_ids = analysis.identity_ids(identity);
    let own: Vec<&Arc<Grant>> =
        principal_ids.iter().flat_map(|id| analysis.grants_of(id)).filter(|g| g.kind != GrantKind::Eligible).collect();
    // Denies that bind the principal but not the identity take away what the principal holds.
    let principal_only_denies: Vec<&DenyAssignment> = analysis
        .environment()
        .deny_assignments
        .iter()
        .filter(|d| eval::deny_principal_matches(d, &principal_ids) && !eval::deny_principal_matches(d, &identity_ids))
        .collect();
    let mut out = Vec::new();
    for id in &identity_ids {
        for grant in analysis.grants_of(id).iter().filter(|g| g.kind != GrantKind::Eligible) {
            let covered = analysis.role(&grant.role_guid).is_some_and(|role| {
                role.permissions.iter().all(|block| block_covered(analysis, grant, block, &own, &principal_only_denies))
            });
            if !covered {
                out.push(format!("{} at {}", grant.role_name, grant.scope));
            }
        }
    }
    out.extend(directory_roles_gained(analysis, principal, identity));
    out.extend(app_permissions_gained(analysis, &principal_ids, &identity_ids));
    out.sort();
    out.dedup();
    out
}

/// True when every action one block of the identity's role grants at `grant`'s scope is
/// granted to the principal too.
fn block_covered(
    analysis: &AzureAnalysis,
    grant: &Grant,
    block: &Permission,
    own: &[&Arc<Grant>],
    principal_only_denies: &[&DenyAssignment],
) -> bool {
    for data_plane in [false, true] {
        let (granted, subtracted) = block.plane(data_plane);
        for pattern in granted {
            if subtracted.iter().any(|s| action::covers(s, pattern)) {
                continue; // the block takes the whole pattern back
            }
            if !own.iter().any(|mine| grant_covers(analysis, mine, grant, block, pattern, data_plane)) {
                return false;
            }
            let touched = principal_only_denies.iter().any(|d| {
                let deny_scope = scope::normalize(&d.scope);
                let related = analysis.hierarchy().applies(&deny_scope, &grant.scope_key)
                    || analysis.hierarchy().applies(&grant.scope_key, &deny_scope);
                related && !eval::deny_overlap(d, pattern, data_plane).is_empty()
            });
            if touched {
                return false;
            }
        }
    }
    true
}

/// True when the principal's grant `mine` holds `pattern` wherever the identity's `theirs`
/// does: at the same or a higher scope, without a condition the identity's grant lacks, and
/// with no `NotActions` the identity's block does not share.
fn grant_covers(
    analysis: &AzureAnalysis,
    mine: &Grant,
    theirs: &Grant,
    their_block: &Permission,
    pattern: &str,
    data_plane: bool,
) -> bool {
    if !analysis.hierarchy().applies(&mine.scope_key, &theirs.scope_key) {
        return false;
    }
    if mine.condition.is_some() && mine.condition != theirs.condition {
        return false;
    }
    let Some(role) = analysis.role(&mine.role_guid) else { return false };
    let their_subtracted = their_block.plane(data_plane).1;
    role.permissions.iter().any(|block| {
        if block.condition.is_some() && block.condition != their_block.condition {
            return false;
        }
        let (granted, subtracted) = block.plane(data_plane);
        granted.iter().any(|p| action::covers(p, pattern))
            && subtracted
                .iter()
                .filter(|s| action::overlaps(s, pattern))
                .all(|s| their_subtracted.iter().any(|t| action::covers(t, s)))
    })
}

/// Active directory roles of the identity the principal does not hold at the same or the
/// tenant scope (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
fn directory_roles_gained(analysis: &AzureAnalysis, principal: &str, identity: &str) -> Vec<String> {
    let mine = analysis.directory_roles_of(principal);
    analysis
        .directory_roles_of(identity)
        .into_iter()
        .filter(|r| !r.eligible)
        .filter(|r| {
            !mine.iter().any(|m| {
                let scope = m.assignment.directory_scope_id.trim();
                !m.eligible
                    && m.template_id.eq_ignore_ascii_case(&r.template_id)
                    && (scope == "/" || scope == r.assignment.directory_scope_id.trim())
            })
        })
        .map(|r| format!("directory role {} at {}", r.role_name, r.assignment.directory_scope_id))
        .collect()
}

/// Application permissions (app role assignments) of the identity the principal does not hold
/// (<https://learn.microsoft.com/graph/api/resources/approleassignment>).
fn app_permissions_gained(analysis: &AzureAnalysis, principal_ids: &[String], identity_ids: &[String]) -> Vec<String> {
    let assignments = &analysis.environment().app_role_assignments;
    let held_by = |ids: &[String], resource: &str, role: &str| {
        assignments.iter().any(|a| {
            ids.iter().any(|i| i.eq_ignore_ascii_case(&a.principal_id))
                && a.resource_id.eq_ignore_ascii_case(resource)
                && a.app_role_id.eq_ignore_ascii_case(role)
        })
    };
    assignments
        .iter()
        .filter(|a| identity_ids.iter().any(|i| i.eq_ignore_ascii_case(&a.principal_id)))
        .filter(|a| !held_by(principal_ids, &a.resource_id, &a.app_role_id))
        .map(|a| format!("application permission {} on {}", a.app_role_id, a.resource_id))
        .collect()
}
