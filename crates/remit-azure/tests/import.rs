//! Import of the bundle's `azure/<tenant-id>/` directory (docs/environment-bundle.md, "Azure").
//! The fixture's shapes are those of the az CLI and Microsoft Graph (see tests/common/mod.rs);
//! the role-definition dataset test reads real `az role definition list` output.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use remit_azure::import::ObjectKind;

#[test]
fn reads_every_file_of_the_tenant() {
    let env = env();
    assert_eq!(env.tenant_id, TENANT);
    assert_eq!(env.tenant.as_ref().unwrap().display_name.as_deref(), Some("Contoso"));
    assert_eq!(env.management_groups.len(), 3);
    // The other tenant's subscription in `az account list --all` is not read.
    assert_eq!(env.subscriptions.len(), 2);
    let a = env.subscriptions.iter().find(|s| SUB_A.ends_with(&s.id)).unwrap();
    assert_eq!(a.management_group.as_deref(), Some("mg-platform"));
    assert_eq!(a.name.as_deref(), Some("platform-prod"));
    assert_eq!(env.role_definitions.len(), 8);
    // The management-group assignment is listed in two files and kept once.
    assert_eq!(env.role_assignments.len(), 15);
    assert_eq!(env.deny_assignments.len(), 1);
    assert_eq!(env.eligible_assignments.len(), 1);
    assert_eq!(env.active_schedule_instances.len(), 1);
    assert_eq!(env.resources.len(), 6);
    assert_eq!(env.users.len(), 13);
    assert_eq!(env.groups.len(), 3);
    assert_eq!(env.service_principals.len(), 5);
    assert_eq!(env.directory_role_assignments.len(), 4);
    assert_eq!(env.directory_role_eligibilities.len(), 1);
    assert_eq!(env.app_role_assignments.len(), 2);
    let deny = &env.deny_assignments[0];
    assert_eq!(deny.name, "Deny key listing on sadata");
    assert_eq!(deny.exclude_principals[0].id, ALICE);
}

#[test]
fn pre_2_37_members_are_read() {
    let env = env();
    let members = env.group_members.get(TIER0).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].id, FRANK);
    assert_eq!(members[0].kind, ObjectKind::User);
}

#[test]
fn identities_of_resources() {
    let env = env();
    let web = env.resources.iter().find(|r| r.id == VM_WEB).unwrap();
    assert_eq!(web.system_identity.as_deref(), Some(MI_VM_WEB));
    let batch = env.resources.iter().find(|r| r.id == VM_BATCH).unwrap();
    assert_eq!(batch.user_identities[0].principal_id.as_deref(), Some(MI_UAMI));
}

#[test]
fn a_file_that_is_not_json_names_file_line_and_column() {
    let (_tmp, dir) = copy_fixture();
    let file = dir.join("entra/groups.json");
    std::fs::write(&file, "[\n  {\"id\": \"x\",\n  oops\n]").unwrap();
    let err = remit_azure::load(&dir).unwrap_err().to_string();
    assert!(err.contains("groups.json") && err.contains("line 3"), "{err}");
}

#[test]
fn a_list_file_of_the_wrong_shape_is_an_error() {
    let (_tmp, dir) = copy_fixture();
    std::fs::write(dir.join("entra/users.json"), "{\"users\": []}").unwrap();
    let err = remit_azure::load(&dir).unwrap_err().to_string();
    assert!(err.contains("users.json") && err.contains("value"), "{err}");
}

#[test]
fn a_malformed_assignment_is_an_issue_and_marks_its_principal_incomplete() {
    let (_tmp, dir) = copy_fixture();
    let file = dir.join("subscriptions/bbbbbbbb-0000-0000-0000-000000000002/role-assignments.json");
    let mut list: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    list[1].as_object_mut().unwrap().remove("roleDefinitionId");
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    let (env, issues) = remit_azure::load(&dir).unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].path, "$[1].roleDefinitionId");
    assert!(issues[0].file.ends_with("role-assignments.json"));
    assert_eq!(issues[0].principal.as_deref(), Some(EVE));
    let analysis = remit_azure::AzureAnalysis::new(env);
    assert!(analysis.principal(EVE).unwrap().incomplete);
    assert!(!analysis.principal(BOB).unwrap().incomplete);
}

#[test]
fn powershell_role_definitions_are_read() {
    // Get-AzRoleDefinition | ConvertTo-Json: PascalCase, `Name` is the role name and `Id` the GUID.
    let (_tmp, dir) = copy_fixture();
    std::fs::write(
        dir.join("role-definitions.json"),
        r#"[{"Name":"Reader","Id":"acdd72a7-3385-48ef-bd42-f606fba81ae7","IsCustom":false,"Description":"View all resources","Actions":["*/read"],"NotActions":[],"DataActions":[],"NotDataActions":[],"AssignableScopes":["/"],"Condition":null,"ConditionVersion":null}]"#,
    )
    .unwrap();
    let (env, issues) = remit_azure::load(&dir).unwrap();
    assert!(issues.is_empty());
    assert_eq!(env.role_definitions.len(), 1);
    assert_eq!(env.role_definitions[0].guid, "acdd72a7-3385-48ef-bd42-f606fba81ae7");
    assert_eq!(env.role_definitions[0].role_name, "Reader");
    assert_eq!(env.role_definitions[0].permissions[0].actions, vec!["*/read"]);
}

#[test]
fn a_missing_directory_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(remit_azure::load(&tmp.path().join("nope")).is_err());
}

/// Every real built-in role (`az role definition list`, `id` stripped by the dataset's author)
/// imports, keyed by its `name` GUID.
#[test]
fn every_built_in_role_of_the_dataset_parses() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/iam-dataset/azure/built-in-roles-raw.json");
    if !std::path::Path::new(data).exists() {
        eprintln!("skipped: {data} is not present");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(TENANT);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(data, dir.join("role-definitions.json")).unwrap();
    let (env, issues) = remit_azure::load(&dir).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(env.role_definitions.len(), 928);
    let by_name = |n: &str| env.role_definitions.iter().find(|r| r.role_name == n).unwrap();
    let write = "Microsoft.Authorization/roleAssignments/write";
    assert!(remit_azure::action::granted_by(&by_name("Owner").permissions, write, false));
    assert!(!remit_azure::action::granted_by(&by_name("Contributor").permissions, write, false));
    assert!(remit_azure::action::granted_by(&by_name("User Access Administrator").permissions, write, false));
    assert!(!remit_azure::action::granted_by(&by_name("Reader").permissions, write, false));
    assert!(remit_azure::action::granted_by(
        &by_name("Reader").permissions,
        "Microsoft.Compute/virtualMachines/read",
        false
    ));
    assert!(!remit_azure::action::granted_by(
        &by_name("Owner").permissions,
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        true
    ));
    // Every role-definition condition in the dataset parses.
    let mut conditions = 0;
    for role in &env.role_definitions {
        for p in &role.permissions {
            if let Some(c) = &p.condition {
                conditions += 1;
                remit_azure::condition::parse(c).unwrap_or_else(|e| panic!("{}: {e}: {c}", role.role_name));
            }
        }
    }
    assert!(conditions > 0);
}

mod never_panics {
    use super::common::*;
    use proptest::prelude::*;

    const FILES: [&str; 6] = [
        "role-definitions.json",
        "subscriptions/aaaaaaaa-0000-0000-0000-000000000001/role-assignments.json",
        "subscriptions/aaaaaaaa-0000-0000-0000-000000000001/deny-assignments.json",
        "management-groups.json",
        "entra/users.json",
        "entra/group-members/9a000000-0000-4000-8000-000000000001.json",
    ];

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i32>().prop_map(|n| serde_json::json!(n)),
            "[a-zA-Z/*@{}'() ]{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("id".to_owned()),
                        Just("principalId".to_owned()),
                        Just("roleDefinitionId".to_owned()),
                        Just("scope".to_owned()),
                        Just("permissions".to_owned()),
                        Just("children".to_owned()),
                        Just("properties".to_owned()),
                        Just("value".to_owned()),
                        Just("condition".to_owned()),
                        "[a-z]{1,6}",
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Any JSON in any file: an error or issues, never a panic; every principal marked
        /// incomplete is named by an issue.
        #[test]
        fn import_never_panics(file in 0usize..FILES.len(), value in json()) {
            let (_tmp, dir) = copy_fixture();
            std::fs::write(dir.join(FILES[file]), serde_json::to_string(&value).unwrap()).unwrap();
            if let Ok((env, issues)) = remit_azure::load(&dir) {
                for id in &env.incomplete {
                    prop_assert!(issues.iter().any(|i| i.principal.as_deref() == Some(id.as_str())));
                }
                let _ = remit_azure::findings(&remit_azure::AzureAnalysis::new(env));
            }
        }
    }
}
