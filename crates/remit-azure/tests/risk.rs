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
    assert!(ivan.severity_rationale.contains("Contributor at /subscriptions/aaaaaaaa"), "{}", ivan.severity_rationale);
    assert!(
        ivan.evidence.iter().any(|e| e.statement.as_deref().is_some_and(|s| s.contains("Virtual Machine Contributor")))
    );
    // Oscar's VM Contributor on the resource group reaches vm-batch, whose identity is Owner.
    let oscar: Vec<_> =
        all.iter().filter(|f| f.rule == "azure-vm-run-as-identity" && f.principals[0] == OSCAR).collect();
    assert!(oscar.iter().any(|f| f.path[0].to == MI_UAMI && f.severity == Severity::Critical));
    // Bob's Contributor on rg-app does not cover the identity's Contributor on the subscription.
    assert!(find(&all, "azure-vm-run-as-identity", BOB).is_some());
    assert!(find(&all, "azure-vm-run-as-identity", DAVE).is_none());
    // Without the identity's roles there is nothing to gain.
    let mut env = env();
    env.role_assignments.retain(|a| a.principal_id != MI_VM_WEB);
    let all = findings_of(&AzureAnalysis::new(env));
    assert!(find(&all, "azure-vm-run-as-identity", IVAN).is_none());
}

// https://learn.microsoft.com/azure/role-based-access-control/scope-overview
#[test]
fn an_identity_no_more_privileged_than_the_principal_is_no_escalation() {
    // vm-web's identity is Contributor on rg-app only: Bob holds Contributor there himself.
    let mut env = env();
    for a in &mut env.role_assignments {
        if a.principal_id == MI_VM_WEB {
            a.scope = RG_APP.into();
        }
    }
    let analysis = AzureAnalysis::new(env);
    assert!(remit_azure::gain::gained_access(&analysis, BOB, MI_VM_WEB).is_empty());
    let ivan_gains = remit_azure::gain::gained_access(&analysis, IVAN, MI_VM_WEB);
    assert_eq!(ivan_gains, vec![format!("Contributor at {RG_APP}")]);
    let all = findings_of(&analysis);
    assert!(
        !all.iter()
            .any(|f| f.rule == "azure-vm-run-as-identity" && f.principals[0] == BOB && f.path[0].to == MI_VM_WEB),
        "no escalation: the identity holds nothing Bob lacks"
    );
    // Ivan, a VM Contributor of vm-web only, still gains Contributor on the resource group.
    assert_eq!(find(&all, "azure-vm-run-as-identity", IVAN).unwrap().severity, Severity::High);
    // Bob still gains the Owner identity of vm-batch (a positive case beside the negative).
    assert!(all.iter().any(|f| f.rule == "azure-vm-run-as-identity"
        && f.principals[0] == BOB
        && f.path[0].to == MI_UAMI
        && f.severity == Severity::Critical));
}

#[test]
fn a_principal_holding_the_identitys_role_higher_up_gains_nothing() {
    // Make Bob Owner of subscription B, where the user-assigned identity is Owner: he holds
    // everything that identity holds.
    let mut env = env();
    let template = env.role_assignments.iter().find(|a| a.principal_id == MI_UAMI).unwrap().clone();
    let mut bob_owner = template.clone();
    bob_owner.principal_id = BOB.into();
    bob_owner.id = Some("bob-owner-b".into());
    env.role_assignments.push(bob_owner);
    let analysis = AzureAnalysis::new(env);
    assert!(remit_azure::gain::gained_access(&analysis, BOB, MI_UAMI).is_empty());
    // Owner of B makes Bob an administrator (his own finding), and the rule skips him.
    let all = findings_of(&analysis);
    assert!(find(&all, "azure-rbac-admin", BOB).is_some());
    assert!(find(&all, "azure-vm-run-as-identity", BOB).is_none());
}

#[test]
fn one_finding_per_principal_and_identity_whatever_the_number_of_vms() {
    let before = all();
    let oscar_before = before
        .iter()
        .find(|f| f.rule == "azure-vm-run-as-identity" && f.principals[0] == OSCAR && f.path[0].to == MI_UAMI)
        .unwrap()
        .clone();
    let mut env = env();
    let mut second = env.resources.iter().find(|r| r.id == VM_BATCH).unwrap().clone();
    second.id = format!("{RG_APP}/providers/Microsoft.Compute/virtualMachines/vm-batch-2");
    second.name = "vm-batch-2".into();
    env.resources.push(second.clone());
    let all = findings_of(&AzureAnalysis::new(env));
    let oscar: Vec<_> = all
        .iter()
        .filter(|f| f.rule == "azure-vm-run-as-identity" && f.principals[0] == OSCAR && f.path[0].to == MI_UAMI)
        .collect();
    assert_eq!(oscar.len(), 1, "one finding for two VMs sharing the identity");
    assert!(oscar[0].resources.contains(&VM_BATCH.to_owned()) && oscar[0].resources.contains(&second.id));
    assert_eq!(oscar[0].id, oscar_before.id, "the id names the principal and the identity, not the VMs");
    for f in &all {
        if f.rule == "azure-vm-run-as-identity" {
            let same =
                all.iter().filter(|g| g.rule == f.rule && g.principals == f.principals && g.path[0].to == f.path[0].to);
            assert_eq!(same.count(), 1, "{}: one per (principal, identity)", f.title);
        }
    }
}

// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-manage-user-assigned-managed-identities
#[test]
fn attaching_a_privileged_user_assigned_identity() {
    let all = all();
    let oscar = find(&all, "azure-assign-user-identity", OSCAR).unwrap();
    assert!(oscar.path[0].permissions.iter().any(|p| p.contains("assign/action")));
    assert_eq!(oscar.severity, Severity::Critical);
    assert!(find(&all, "azure-assign-user-identity", IVAN).is_none(), "VM write without the assign permission");
    // An identity holding only what Oscar already holds is no escalation.
    let mut env = env();
    for a in &mut env.role_assignments {
        if a.principal_id == MI_UAMI {
            a.scope = VM_WEB.into();
            a.role_guid = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c".into(); // Virtual Machine Contributor
        }
    }
    let all = findings_of(&AzureAnalysis::new(env));
    assert!(find(&all, "azure-assign-user-identity", OSCAR).is_none());
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
    let mallory = find(&all, "azure-key-listing", MALLORY).unwrap();
    assert!(mallory.resources.contains(&SA_LOGS.to_owned()));
    assert!(mallory.categories.contains(&"credentials-exposure".to_owned()));
    assert_eq!(mallory.severity, Severity::Medium);
    assert!(find(&all, "azure-key-listing", BOB).unwrap().resources.contains(&SA_LOGS.to_owned()));
    assert!(
        !all.iter().any(|f| f.rule == "azure-key-listing" && f.resources.contains(&SA_DATA.to_owned())),
        "the deny assignment blocks every key listing on sadata but alice's, an administrator"
    );
    assert!(find(&all, "azure-key-listing", EVE).is_none(), "Reader lists no keys");
}

#[test]
fn key_listing_is_one_finding_per_principal_naming_each_grant() {
    let before = find(&all(), "azure-key-listing", BOB).unwrap().clone();
    let mut env = env();
    let mut second = env.resources.iter().find(|r| r.id == SA_LOGS).unwrap().clone();
    second.id = SA_LOGS.replace("salogs", "salogs2");
    second.name = "salogs2".into();
    env.resources.push(second.clone());
    let all = findings_of(&AzureAnalysis::new(env));
    let bob: Vec<_> = all.iter().filter(|f| f.rule == "azure-key-listing" && f.principals[0] == BOB).collect();
    assert_eq!(bob.len(), 1);
    assert_eq!(bob[0].resources, vec![SA_LOGS.to_owned(), second.id.clone()]);
    assert_eq!(bob[0].id, before.id, "the id names the principal, not the resources");
    assert_eq!(bob[0].evidence.len(), 1, "one grant (Contributor on rg-logs) opens both");
    let detail = bob[0].evidence[0].detail.as_deref().unwrap();
    assert!(detail.contains("Contributor") && detail.contains("salogs2"), "{detail}");
    assert!(bob[0].title.contains("2 resources"), "{}", bob[0].title);
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

// https://learn.microsoft.com/azure/role-based-access-control/overview#how-azure-rbac-determines-if-a-user-has-access-to-a-resource
#[test]
fn a_risk_through_a_group_is_reported_as_the_group() {
    // platform-readers (Bob, Eve) gets Contributor on rg-logs, as Bob holds it himself.
    let mut env = env();
    let mut group_grant =
        env.role_assignments.iter().find(|a| a.principal_id == BOB && a.scope.ends_with("rg-logs")).unwrap().clone();
    group_grant.principal_id = PLATFORM_READERS.into();
    group_grant.id = Some("platform-readers-contributor".into());
    env.role_assignments.push(group_grant);
    let all = findings_of(&AzureAnalysis::new(env));
    let group = find(&all, "azure-key-listing", PLATFORM_READERS).unwrap();
    assert!(group.resources.contains(&SA_LOGS.to_owned()));
    assert!(group.evidence[0].detail.as_deref().unwrap().contains("platform-readers"));
    // Eve reaches the keys only through the group: its finding says it once.
    assert!(find(&all, "azure-key-listing", EVE).is_none());
    // Bob holds Contributor on rg-logs himself: his own finding stays.
    assert!(find(&all, "azure-key-listing", BOB).is_some());
}

// https://learn.microsoft.com/azure/role-based-access-control/deny-assignments
#[test]
fn a_deny_binding_the_principal_alone_makes_the_identity_a_gain() {
    // The user-assigned identity holds Contributor on rg-logs; Mallory Contributor on all of
    // subscription B: nothing to gain.
    let mut env = env();
    for a in &mut env.role_assignments {
        if a.principal_id == MI_UAMI {
            a.role_guid = "b24988ac-6180-42a0-ab88-20f7382dd24c".into(); // Contributor
            a.scope = SA_LOGS.rsplit_once("/providers/").unwrap().0.into();
        }
    }
    assert!(remit_azure::gain::gained_access(&AzureAnalysis::new(env.clone()), MALLORY, MI_UAMI).is_empty());
    // A deny on Mallory alone takes key listing away from her, not from the identity.
    let mut deny = env.deny_assignments[0].clone();
    deny.scope = SUB_B.into();
    deny.principals[0].id = MALLORY.into();
    deny.exclude_principals.clear();
    env.deny_assignments.push(deny);
    let gained = remit_azure::gain::gained_access(&AzureAnalysis::new(env), MALLORY, MI_UAMI);
    assert_eq!(gained.len(), 1, "{gained:?}");
    assert!(gained[0].starts_with("Contributor at"));
}

#[test]
fn no_principal_gains_anything_by_acting_as_itself() {
    let analysis = analysis();
    for p in analysis.principals() {
        let gained = remit_azure::gain::gained_access(&analysis, &p.id, &p.id);
        assert!(gained.is_empty(), "{} gains {gained:?} from itself", p.name);
    }
    // And a principal with nothing gains every grant of a privileged identity.
    assert!(!remit_azure::gain::gained_access(&analysis, DAVE, MI_UAMI).is_empty());
}
