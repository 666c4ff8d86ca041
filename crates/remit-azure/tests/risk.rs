//! Each risk rule over the fixture tenant (shapes: tests/common/mod.rs), positive and
//! negative; each test cites the documentation the rule rests on.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use remit_azure::AzureAnalysis;
use remit_findings::{Finding, Kind, Severity};

fn findings_of(a: &AzureAnalysis) -> Vec<Finding> {
    remit_azure::findings(a)
}

fn find<'a>(all: &'a [Finding], rule: &str, principal: &str) -> Option<&'a Finding> {
    all.iter().find(|f| f.rule == rule && f.principals.iter().any(|p| p == principal))
}

fn all() -> Vec<Finding> {
    findings_of(&analysis())
}

#[test]
fn every_finding_is_complete() {
    for f in all() {
        assert_eq!(f.cloud, "azure");
        assert!(!f.evidence.is_empty(), "{}: no evidence", f.rule);
        assert!(!f.remediation.is_empty(), "{}: no remediation", f.rule);
        assert!(
            f.severity_rationale.contains("https://learn.microsoft.com"),
            "{}: no doc in {}",
            f.rule,
            f.severity_rationale
        );
    }
}

// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged
#[test]
fn rbac_admin() {
    let all = all();
    let alice = find(&all, "azure-rbac-admin", ALICE).unwrap();
    assert_eq!(alice.kind, Kind::AdminEquivalent);
    assert_eq!(alice.severity, Severity::Critical);
    assert!(alice.reach.is_allowed());
    assert!(find(&all, "azure-rbac-admin", MI_UAMI).is_some(), "a managed identity with Owner");
    assert!(find(&all, "azure-rbac-admin", BOB).is_none(), "Contributor excludes roleAssignments/write");
}

// https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-overview
#[test]
fn constrained_delegation_that_excludes_owner_is_not_admin() {
    let all = all();
    assert!(find(&all, "azure-rbac-admin", JUDY).is_none());
    // Without the condition, the same assignment is an administrator.
    let mut env = env();
    for a in &mut env.role_assignments {
        if a.principal_id == JUDY {
            a.condition = None;
        }
    }
    let all = findings_of(&AzureAnalysis::new(env));
    assert_eq!(find(&all, "azure-rbac-admin", JUDY).unwrap().severity, Severity::Critical);
}

fn with_judy_condition(condition: &str) -> Vec<Finding> {
    let mut env = env();
    for a in &mut env.role_assignments {
        if a.principal_id == JUDY {
            a.condition = Some(condition.into());
        }
    }
    findings_of(&AzureAnalysis::new(env))
}

#[test]
fn a_condition_on_the_assignee_type_is_decided_for_self_assignment() {
    // Judy (a user) assigning Owner to herself: the assignee's type is known and excluded.
    let all = with_judy_condition(
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAllValues:StringEqualsIgnoreCase {'ServicePrincipal'}))",
    );
    assert!(find(&all, "azure-rbac-admin", JUDY).is_none());
}

#[test]
fn a_condition_not_decidable_offline_makes_it_conditional() {
    let all = with_judy_condition(
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Environment[isPrivateLink] BoolEquals true))",
    );
    let judy = find(&all, "azure-rbac-admin", JUDY).unwrap();
    assert_eq!(judy.severity, Severity::High);
    assert_eq!(judy.reach.access, "conditional");
    assert!(judy.reach.conditions[0].contains("isPrivateLink"));
}

#[test]
fn scoped_role_assignment_write_is_an_escalation() {
    let mut env = env();
    for a in &mut env.role_assignments {
        if a.principal_id == BOB && a.scope.ends_with("rg-app") {
            a.role_guid = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9".into(); // User Access Administrator
        }
    }
    let all = findings_of(&AzureAnalysis::new(env));
    let bob = find(&all, "azure-rbac-scoped-role-assignment", BOB).unwrap();
    assert_eq!(bob.kind, Kind::PrivilegeEscalation);
    assert_eq!(bob.path[0].technique, "azure-role-assignment-write");
    assert!(find(&findings_of(&analysis()), "azure-rbac-scoped-role-assignment", BOB).is_none());
}

// https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-configure
#[test]
fn eligible_admins_are_reported_lower() {
    let all = all();
    let carol = find(&all, "azure-rbac-eligible-admin", CAROL).unwrap();
    assert_eq!(carol.severity, Severity::Medium);
    assert!(find(&all, "azure-rbac-admin", CAROL).is_none());
    assert_eq!(find(&all, "azure-entra-eligible-admin", CAROL).unwrap().severity, Severity::Medium);
    assert!(find(&all, "azure-rbac-eligible-admin", ALICE).is_none());
}

// https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference#global-administrator
// https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin
#[test]
fn entra_admins() {
    let all = all();
    let frank = find(&all, "azure-entra-admin", FRANK).unwrap();
    assert_eq!(frank.severity, Severity::Critical);
    assert_eq!(frank.path[0].technique, "azure-elevate-access");
    let group = find(&all, "azure-entra-admin", TIER0).unwrap();
    assert!(group.title.contains("Privileged Role Administrator"));
    assert!(find(&all, "azure-entra-admin", GRACE).is_none());
    assert!(find(&all, "azure-entra-admin", EVE).is_none(), "Reports Reader is not an administrator");
}

// https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference#application-administrator
#[test]
fn entra_escalation_roles() {
    let all = all();
    let grace = find(&all, "azure-entra-escalation-role", GRACE).unwrap();
    assert_eq!(grace.severity, Severity::High);
    assert_eq!(grace.path[0].technique, "azure-add-app-secret");
    assert!(find(&all, "azure-entra-escalation-role", EVE).is_none());
}

// https://learn.microsoft.com/azure/role-based-access-control/custom-roles
#[test]
fn editing_a_custom_role_one_holds() {
    let all = all();
    let kate = find(&all, "azure-role-definition-write", KATE).unwrap();
    assert_eq!(kate.kind, Kind::PrivilegeEscalation);
    assert!(kate.path[0].permissions[0].contains("roleDefinitions/write"));
    assert!(find(&all, "azure-role-definition-write", BOB).is_none());
}

// https://learn.microsoft.com/azure/virtual-machines/run-command-overview
#[test]
fn running_code_as_a_vm_identity() {
    let all = all();
    let ivan = find(&all, "azure-vm-run-as-identity", IVAN).unwrap();
    assert_eq!(ivan.path[0].to, MI_VM_WEB);
    assert_eq!(ivan.severity, Severity::High, "the identity is Contributor, not an administrator");
    // Oscar's VM Contributor on the resource group reaches vm-batch, whose identity is Owner.
    let oscar: Vec<_> =
        all.iter().filter(|f| f.rule == "azure-vm-run-as-identity" && f.principals[0] == OSCAR).collect();
    assert!(oscar.iter().any(|f| f.path[0].to == MI_UAMI && f.severity == Severity::Critical));
    assert!(find(&all, "azure-vm-run-as-identity", DAVE).is_none());
    // Without the identity's roles there is nothing to gain.
    let mut env = env();
    env.role_assignments.retain(|a| a.principal_id != MI_VM_WEB);
    let all = findings_of(&AzureAnalysis::new(env));
    assert!(find(&all, "azure-vm-run-as-identity", IVAN).is_none());
}

// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-manage-user-assigned-managed-identities
#[test]
fn attaching_a_privileged_user_assigned_identity() {
    let all = all();
    let oscar = find(&all, "azure-assign-user-identity", OSCAR).unwrap();
    assert!(oscar.path[0].permissions.iter().any(|p| p.contains("assign/action")));
    assert_eq!(oscar.severity, Severity::Critical);
    assert!(find(&all, "azure-assign-user-identity", IVAN).is_none(), "VM write without the assign permission");
}

// https://learn.microsoft.com/entra/identity/enterprise-apps/overview-assign-app-owners
#[test]
fn owners_of_privileged_applications() {
    let all = all();
    let henry = find(&all, "azure-owner-add-credentials", HENRY).unwrap();
    assert_eq!(henry.path[0].to, SP_DEPLOY);
    let mut env = env();
    env.role_assignments.retain(|a| a.principal_id != SP_DEPLOY);
    let all = findings_of(&AzureAnalysis::new(env));
    assert!(find(&all, "azure-owner-add-credentials", HENRY).is_none());
}

// https://learn.microsoft.com/graph/permissions-reference
#[test]
fn graph_application_permissions() {
    let all = all();
    let sync: Vec<_> =
        all.iter().filter(|f| f.rule == "azure-graph-app-permission" && f.principals[0] == SP_SYNC).collect();
    assert_eq!(sync.len(), 1, "RoleManagement.ReadWrite.Directory only; User.Read.All is not reported");
    assert_eq!(sync[0].kind, Kind::AdminEquivalent);
    assert_eq!(sync[0].severity, Severity::Critical);
}

// https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept
#[test]
fn owners_of_role_assignable_groups() {
    let all = all();
    assert!(find(&all, "azure-role-assignable-group-owner", GRACE).is_some());
    let mut env = env();
    for g in &mut env.groups {
        g.is_assignable_to_role = false;
    }
    let all = findings_of(&AzureAnalysis::new(env));
    assert!(find(&all, "azure-role-assignable-group-owner", GRACE).is_none());
}

// https://learn.microsoft.com/entra/external-id/user-properties
#[test]
fn guests_holding_roles() {
    let all = all();
    let eve = find(&all, "azure-guest-privileged", EVE).unwrap();
    assert_eq!(eve.kind, Kind::ExternalAccess);
    assert!(find(&all, "azure-guest-privileged", BOB).is_none(), "a member, not a guest");
}

// https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage
#[test]
fn key_listing_is_data_access_unless_denied() {
    let all = all();
    let mallory = all
        .iter()
        .find(|f| f.rule == "azure-key-listing" && f.principals[0] == MALLORY && f.resources[0] == SA_LOGS)
        .unwrap();
    assert!(mallory.categories.contains(&"credentials-exposure".to_owned()));
    assert!(all.iter().any(|f| f.rule == "azure-key-listing" && f.principals[0] == BOB && f.resources[0] == SA_LOGS));
    assert!(
        !all.iter().any(|f| f.rule == "azure-key-listing" && f.resources[0] == SA_DATA),
        "the deny assignment blocks every key listing on sadata but alice's, an administrator"
    );
}

#[test]
fn ids_are_stable_and_unique() {
    let a = all();
    let b = all();
    assert_eq!(a.iter().map(|f| f.id.clone()).collect::<Vec<_>>(), b.iter().map(|f| f.id.clone()).collect::<Vec<_>>());
    let mut ids: Vec<_> = a.iter().map(|f| f.id.as_str().to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), a.len());
}
