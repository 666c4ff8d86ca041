//! The decision procedure and the queries over the fixture tenant (shapes: tests/common/mod.rs).
//! Each test cites the documented rule it checks.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::*;
use remit_azure::analysis::GrantKind;
use remit_azure::import::{DenyAssignment, DenyPrincipal, Source};
use remit_azure::{AzureAnalysis, QueryError};
use remit_model::{Access, PrincipalKind, Step, Verdict};

const RA_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
const LIST_KEYS: &str = "Microsoft.Storage/storageAccounts/listKeys/action";
const BLOB_READ: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";

fn container(name: &str) -> String {
    format!("{SA_DATA}/blobServices/default/containers/{name}")
}

// https://learn.microsoft.com/azure/role-based-access-control/overview#how-azure-rbac-determines-if-a-user-has-access-to-a-resource
#[test]
fn an_assignment_applies_at_its_scope_and_below() {
    let a = analysis();
    assert_eq!(a.decide(ALICE, RA_WRITE, false, RG_APP), Verdict::Allowed);
    assert_eq!(a.decide(ALICE, RA_WRITE, false, SUB_B), Verdict::Denied, "Owner of subscription A only");
}

// https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions
#[test]
fn not_actions_subtract_from_the_role() {
    let a = analysis();
    assert_eq!(a.decide(BOB, RA_WRITE, false, RG_APP), Verdict::Denied);
    assert_eq!(a.decide(BOB, "Microsoft.Compute/virtualMachines/write", false, VM_WEB), Verdict::Allowed);
}

// https://learn.microsoft.com/azure/role-based-access-control/role-definitions#dataactions
#[test]
fn control_plane_star_does_not_grant_data_actions() {
    let a = analysis();
    assert_eq!(a.decide(ALICE, BLOB_READ, true, &container("public")), Verdict::Denied);
}

// Nested groups: https://learn.microsoft.com/azure/role-based-access-control/overview#groups
#[test]
fn nested_groups_and_management_group_inheritance() {
    let a = analysis();
    // Bob ∈ platform-readers ∈ all-engineers, which holds Reader at mg-platform.
    assert_eq!(a.decide(BOB, "Microsoft.KeyVault/vaults/read", false, SUB_A), Verdict::Allowed);
    assert_eq!(
        a.decide(
            BOB,
            "Microsoft.KeyVault/vaults/read",
            false,
            "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/x"
        ),
        Verdict::Denied
    );
    let holders = a.who_can("Microsoft.Compute/virtualMachines/read", VM_WEB).unwrap();
    let bob = holders.iter().find(|h| h.principal.id == BOB).unwrap();
    assert_eq!(bob.access, Access::Allowed);
    // Bob's best path is his own Contributor on rg-app (inherited from the resource group).
    assert!(bob.via.iter().any(|s| matches!(s, Step::Inherited { .. })));
    let group = holders.iter().find(|h| h.principal.id == ALL_ENGINEERS).unwrap();
    assert!(matches!(&group.via[0], Step::Inherited { scope } if scope.contains("mg-platform")));
    let eve = holders.iter().find(|h| h.principal.id == EVE).unwrap();
    assert!(matches!(&eve.via[0], Step::Group { group } if group.as_ref() == "all-engineers"));
}

// https://learn.microsoft.com/azure/role-based-access-control/deny-assignments
#[test]
fn deny_assignments_win_and_honour_excluded_principals() {
    let a = analysis();
    assert_eq!(a.decide(BOB, LIST_KEYS, false, SA_DATA), Verdict::Denied, "Contributor grants it; the deny blocks it");
    assert_eq!(a.decide(ALICE, LIST_KEYS, false, SA_DATA), Verdict::Allowed, "alice is excluded from the deny");
    assert_eq!(a.decide(MALLORY, LIST_KEYS, false, SA_LOGS), Verdict::Allowed, "no deny on the other account");
    let e = a.explain(BOB, LIST_KEYS, SA_DATA).unwrap();
    assert_eq!(e.verdict, Verdict::Denied);
    assert!(
        e.reasons[0].contains("Deny key listing on sadata") && e.reasons[0].contains("deny-assignments"),
        "{:?}",
        e.reasons
    );
    let holders = a.who_can(LIST_KEYS, SA_DATA).unwrap();
    assert_eq!(holders.iter().map(|h| h.principal.id.as_str()).collect::<Vec<_>>(), vec![ALICE]);
}

#[test]
fn deny_with_do_not_apply_to_child_scopes_stops_at_its_scope() {
    let mut env = env();
    env.deny_assignments.push(DenyAssignment {
        id: None,
        name: "rg only".into(),
        scope: RG_APP.into(),
        do_not_apply_to_child_scopes: true,
        principals: vec![DenyPrincipal { id: BOB.into(), kind: Some("User".into()) }],
        exclude_principals: Vec::new(),
        permissions: vec![remit_azure::action::Permission { actions: vec!["*".into()], ..Default::default() }],
        system_protected: false,
        source: Source { file: "test".into(), path: "$".into() },
    });
    let a = AzureAnalysis::new(env);
    assert_eq!(a.decide(BOB, "Microsoft.Resources/subscriptions/resourceGroups/read", false, RG_APP), Verdict::Denied);
    assert_eq!(a.decide(BOB, "Microsoft.Compute/virtualMachines/read", false, VM_WEB), Verdict::Allowed);
}

// https://learn.microsoft.com/azure/role-based-access-control/conditions-format
#[test]
fn abac_conditions_decide_when_the_container_is_known_and_are_conditional_otherwise() {
    let a = analysis();
    // Container known and named in the condition: the attribute branch holds.
    assert_eq!(a.decide(DAVE, BLOB_READ, true, &format!("{}/blobs/report.csv", container("public"))), Verdict::Allowed);
    // Another container: only a Blob.List sub-operation would satisfy it, unknown offline.
    assert!(matches!(a.decide(DAVE, BLOB_READ, true, &container("private")), Verdict::Conditional(_)));
    let Verdict::Conditional(conditions) = a.decide(DAVE, BLOB_READ, true, SA_DATA) else { panic!("conditional") };
    assert!(conditions[0].expression.contains("StringEquals 'public'"));
    assert!(!conditions[0].on_deny);
    assert_eq!(
        a.decide(
            DAVE,
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            true,
            &container("public")
        ),
        Verdict::Denied
    );
    let holders = a.who_can(BLOB_READ, SA_DATA).unwrap();
    let dave = holders.iter().find(|h| h.principal.id == DAVE).unwrap();
    assert!(matches!(dave.access, Access::Conditional(_)));
}

#[test]
fn abac_with_a_known_sub_operation_decides() {
    let a = analysis();
    let mut request = remit_azure::eval::Request {
        principal: DAVE.into(),
        action: BLOB_READ.into(),
        data_action: true,
        resource: container("public"),
        ..Default::default()
    };
    request.resource = container("private");
    request.sub_operation = Some(None);
    assert_eq!(
        a.decide_request(&request).verdict,
        Verdict::Denied,
        "a plain read (no sub-operation) of another container"
    );
    request.sub_operation = Some(Some("Blob.List".into()));
    assert_eq!(a.decide_request(&request).verdict, Verdict::Allowed, "listing is not constrained");
}

// https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-assign-roles
#[test]
fn pim_eligible_assignments_grant_nothing_until_activated() {
    let a = analysis();
    assert_eq!(a.decide(CAROL, RA_WRITE, false, SUB_B), Verdict::Denied);
    assert_eq!(a.decide_including_eligible(CAROL, RA_WRITE, false, SUB_B), Verdict::Allowed);
    let holders = a.who_can(RA_WRITE, SUB_B).unwrap();
    let carol = holders.iter().find(|h| h.principal.id == CAROL).unwrap();
    assert!(carol.via.iter().any(|s| matches!(s, Step::Activate { .. })));
    let alice_absent = holders.iter().all(|h| h.principal.id != ALICE);
    assert!(alice_absent);
    let what = a.what_can(CAROL).unwrap();
    assert!(what.iter().all(|e| e.eligible()));
    let explained = a.explain(CAROL, RA_WRITE, SUB_B).unwrap();
    assert_eq!(explained.verdict, Verdict::Denied);
    assert!(explained.reasons.iter().any(|r| r.contains("PIM eligible")));
}

#[test]
fn activated_pim_assignments_are_shown_as_such() {
    let a = analysis();
    let mallory: Vec<_> = a.grants_of(MALLORY).to_vec();
    assert_eq!(mallory.len(), 1);
    assert_eq!(mallory[0].kind, GrantKind::Activated);
    assert!(mallory[0].describe().contains("PIM-activated"));
    assert_eq!(a.grants_of(ALICE)[0].kind, GrantKind::Standing);
}

// https://learn.microsoft.com/azure/role-based-access-control/conditions-role-assignments-portal (constrain roles)
#[test]
fn constrained_delegation_is_conditional_for_unknown_roles() {
    let a = analysis();
    let Verdict::Conditional(c) = a.decide(JUDY, RA_WRITE, false, SUB_B) else { panic!("conditional") };
    assert!(c[0].expression.contains("GuidEquals"));
    assert_eq!(
        a.decide(JUDY, "Microsoft.Authorization/roleAssignments/read", false, SUB_B),
        Verdict::Allowed,
        "the condition only targets write and delete"
    );
}

#[test]
fn what_can_lists_patterns_with_exceptions_and_denies() {
    let a = analysis();
    let bob = a.what_can("bob@contoso.onmicrosoft.com").unwrap();
    let star = bob.iter().find(|e| e.action.as_ref() == "*" && e.resource.contains("rg-app")).unwrap();
    assert!(star.except.iter().any(|x| x.as_ref() == "Microsoft.Authorization/*/Write"));
    // The deny below the grant's scope is kept as an exception.
    assert!(star.except.iter().any(|x| x.as_ref() == LIST_KEYS));
    assert!(!star.data_plane);
    // Reader through the nested group, inherited from the management group.
    let read = bob.iter().find(|e| e.action.as_ref() == "*/read").unwrap();
    assert!(matches!(&read.via[0], Step::Group { .. }));
    let dave = a.what_can(DAVE).unwrap();
    let data = dave.iter().find(|e| e.data_plane).unwrap();
    assert_eq!(data.action.as_ref(), BLOB_READ);
    assert!(matches!(data.access, Access::Conditional(_)));
}

#[test]
fn what_can_drops_an_entitlement_a_deny_covers_entirely() {
    let mut env = env();
    env.deny_assignments.push(DenyAssignment {
        id: None,
        name: "no vm start".into(),
        scope: SUB_A.into(),
        do_not_apply_to_child_scopes: false,
        principals: vec![DenyPrincipal {
            id: "00000000-0000-0000-0000-000000000000".into(),
            kind: Some("SystemDefined".into()),
        }],
        exclude_principals: Vec::new(),
        permissions: vec![remit_azure::action::Permission {
            actions: vec!["Microsoft.Compute/virtualMachines/*".into()],
            ..Default::default()
        }],
        system_protected: true,
        source: Source { file: "test".into(), path: "$".into() },
    });
    let a = AzureAnalysis::new(env);
    let kate = a.what_can(KATE).unwrap();
    assert!(kate.iter().all(|e| !e.action.starts_with("Microsoft.Compute/virtualMachines/")), "{kate:?}");
    assert!(kate.iter().any(|e| e.action.as_ref() == "*/read"
        && e.except.iter().any(|x| x.as_ref() == "Microsoft.Compute/virtualMachines/*")));
}

#[test]
fn principals_and_lookup() {
    let a = analysis();
    let mi = a.principal(MI_VM_WEB).unwrap();
    assert_eq!(mi.kind, PrincipalKind::ServiceAccount);
    assert_eq!(a.principal(ALL_ENGINEERS).unwrap().kind, PrincipalKind::Group);
    assert!(a.is_guest(EVE) && !a.is_guest(BOB));
    assert_eq!(a.find_principal("BOB@contoso.onmicrosoft.com").unwrap().id, BOB);
    assert_eq!(a.find_principal("bob@contoso.com").unwrap().id, BOB, "by mail");
    assert_eq!(a.find_principal("c0000000-0000-4000-8000-000000000001").unwrap().id, SP_DEPLOY, "by appId");
    assert_eq!(a.find_principal("ALL-ENGINEERS").unwrap().id, ALL_ENGINEERS, "by display name");
    assert_eq!(a.find_principal(&BOB.to_uppercase()).unwrap().id, BOB);
    assert!(a.find_principal("nobody").is_none());
    assert!(a.resources().iter().any(|r| r.id == SA_DATA && r.region.as_deref() == Some("westeurope")));
    let attached = a.managed_identities();
    assert!(attached.iter().any(|m| m.resource_id == VM_WEB
        && m.principal_id.as_deref() == Some(MI_VM_WEB)
        && m.identity_resource_id.is_none()));
    assert!(attached.iter().any(|m| m.resource_id == VM_BATCH && m.identity_resource_id.as_deref() == Some(UAMI)));
    assert_eq!(a.owners_of(APP_DEPLOY)[0].id, HENRY);
    let app = &a.applications()[0];
    assert_eq!(a.service_principal_of_app(app).unwrap().id, SP_DEPLOY);
    let _: &[Arc<remit_model::Principal>] = a.principals();
}

#[test]
fn query_errors() {
    let a = analysis();
    assert!(matches!(a.who_can("read", SA_DATA), Err(QueryError::BadAction(_))));
    assert!(matches!(a.who_can(LIST_KEYS, "sadata"), Err(QueryError::BadResource(_))));
    assert!(matches!(
        a.who_can(LIST_KEYS, "/subscriptions/ffffffff-0000-0000-0000-000000000000"),
        Err(QueryError::UnknownSubscription(_))
    ));
    assert!(matches!(a.what_can("nobody"), Err(QueryError::UnknownPrincipal(_))));
    assert!(matches!(a.explain("nobody", LIST_KEYS, SA_DATA), Err(QueryError::UnknownPrincipal(_))));
}

#[test]
fn data_actions_are_told_from_role_definitions() {
    let a = analysis();
    assert!(a.is_data_action(BLOB_READ));
    assert!(!a.is_data_action(LIST_KEYS));
}

mod consistency {
    use super::*;
    use proptest::prelude::*;

    const ACTIONS: [&str; 6] = [
        RA_WRITE,
        LIST_KEYS,
        "Microsoft.Compute/virtualMachines/runCommand/action",
        "Microsoft.Compute/virtualMachines/read",
        "Microsoft.Authorization/roleDefinitions/write",
        "Microsoft.KeyVault/vaults/read",
    ];
    const RESOURCES: [&str; 7] = [SUB_A, SUB_B, RG_APP, SA_DATA, SA_LOGS, VM_WEB, UAMI];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// who-can and decide agree: a standing holder is exactly a principal the decision
        /// does not deny, and an eligible-only holder is one allowed once activated.
        #[test]
        fn who_can_agrees_with_decide(action in 0usize..ACTIONS.len(), resource in 0usize..RESOURCES.len()) {
            let a = analysis();
            let (action, resource) = (ACTIONS[action], RESOURCES[resource]);
            let holders = a.who_can(action, resource).unwrap();
            for p in a.principals() {
                let standing = a.decide(&p.id, action, false, resource);
                let mine: Vec<_> = holders.iter().filter(|h| h.principal.id == p.id).collect();
                let standing_holder = mine.iter().any(|h| !h.via.iter().any(|s| matches!(s, Step::Activate { .. })));
                prop_assert_eq!(standing_holder, standing != Verdict::Denied, "{} {} {}", p.id, action, resource);
                if mine.iter().any(|h| h.via.iter().any(|s| matches!(s, Step::Activate { .. }))) {
                    prop_assert!(a.decide_including_eligible(&p.id, action, false, resource) != Verdict::Denied);
                }
            }
        }
    }
}
