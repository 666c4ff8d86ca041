//! Right-sized custom roles from usage rollups.
//!
//! The role definition's shape is the one `az role definition create --role-definition` takes
//! (<https://learn.microsoft.com/cli/azure/role/definition#az-role-definition-create>); the
//! Terraform is the AzureRM provider's `azurerm_role_definition` and `azurerm_role_assignment`
//! (Terraform AzureRM provider documentation).
#![allow(clippy::unwrap_used)]

use remit_activity::{Outcome, Rollups, window::Window};
use remit_azure_activity::rightsize::{DataActions, RoleRequest, rightsize};

const P: &str = "a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1";
const SCOPE: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/app";
const BLOB_READ: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";

fn usage() -> Rollups {
    let rg = SCOPE.to_ascii_lowercase();
    let mut r = Rollups::new();
    let vm = format!("{rg}/providers/microsoft.compute/virtualmachines/vm1");
    r.record_usage(P, "Microsoft.Compute/virtualMachines/read", &vm, 100, Outcome::Allowed);
    r.record_usage(P, "microsoft.compute/virtualmachines/READ", &vm, 200, Outcome::Allowed);
    r.record_usage(P, "Microsoft.Compute/virtualMachines/restart/action", &vm, 300, Outcome::Failed);
    r.record_usage(P, "Microsoft.Compute/virtualMachines/delete", &vm, 300, Outcome::Denied);
    r.record_usage(P, BLOB_READ, &format!("{rg}/providers/microsoft.storage/storageaccounts/s"), 400, Outcome::Allowed);
    r.record_usage(P, "Microsoft.Network/virtualNetworks/read", "/subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/app2/providers/microsoft.network/virtualnetworks/v", 400, Outcome::Allowed);
    r.record_usage("someone-else", "Microsoft.Authorization/roleAssignments/write", &rg, 100, Outcome::Allowed);
    r
}

fn request(replaces: &[String]) -> RoleRequest<'_> {
    RoleRequest {
        principal: P,
        principal_type: "User",
        scope: SCOPE,
        role_name: "Remit app operator",
        description: "Least privilege from observed activity",
        replaces,
        window: None,
    }
}

#[test]
fn the_role_holds_what_was_used_in_scope_and_nothing_else() {
    let replaces = vec!["/subscriptions/00000000-1111-2222-3333-444444444444/providers/Microsoft.Authorization/roleAssignments/7f7c8a2b-1d5e-4c3a-9b8d-7e6f5a4b3c2d".to_owned()];
    let role = rightsize(&usage().usage(), &request(&replaces), &DataActions::new([BLOB_READ]));
    assert_eq!(
        role.actions,
        ["Microsoft.Compute/virtualMachines/read", "Microsoft.Compute/virtualMachines/restart/action"]
    );
    assert_eq!(role.data_actions, [BLOB_READ]);
    assert_eq!(role.denied_only, ["Microsoft.Compute/virtualMachines/delete"]);
    assert_eq!(role.outside_scope.len(), 1);
    assert!(role.outside_scope[0].starts_with("microsoft.network/virtualnetworks/read /subscriptions/"));
    let definition = role.definition_file();
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Value>(&definition).unwrap().as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "Name",
            "IsCustom",
            "Description",
            "Actions",
            "NotActions",
            "DataActions",
            "NotDataActions",
            "AssignableScopes"
        ]
    );
    assert_eq!(role.definition["AssignableScopes"][0], SCOPE);
    assert_eq!(role.definition["IsCustom"], true);
    assert_eq!(role.commands[0], "az role definition create --role-definition @role.json");
    assert_eq!(
        role.commands[1],
        format!(
            "az role assignment create --assignee-object-id {P} --assignee-principal-type User --role 'Remit app operator' --scope {SCOPE}"
        )
    );
    assert_eq!(role.commands[2], format!("az role assignment delete --ids {}", replaces[0]));
    assert!(role.terraform.contains("resource \"azurerm_role_definition\" \"remit_rightsized\""));
    assert!(role.terraform.contains(&format!("    data_actions     = [\n      \"{BLOB_READ}\",\n    ]")));
    assert!(
        role.terraform
            .contains("role_definition_id = azurerm_role_definition.remit_rightsized.role_definition_resource_id")
    );
    assert!(role.terraform.contains(&format!("principal_id       = \"{P}\"")));
}

#[test]
fn without_data_action_knowledge_everything_is_an_action() {
    let role = rightsize(&usage().usage(), &request(&[]), &DataActions::default());
    assert!(role.data_actions.is_empty());
    assert!(role.actions.iter().any(|a| a == BLOB_READ));
    assert_eq!(role.commands.len(), 2);
}

#[test]
fn output_is_the_same_whatever_order_usage_came_in() {
    let mut rows = usage().usage();
    let a = rightsize(&rows, &request(&[]), &DataActions::new([BLOB_READ]));
    rows.reverse();
    let b = rightsize(&rows, &request(&[]), &DataActions::new([BLOB_READ]));
    assert_eq!(a, b);
    assert_eq!(a.definition_file(), b.definition_file());
}

#[test]
fn a_window_keeps_only_usage_inside_it() {
    let mut request = request(&[]);
    request.window = Some(Window { start: 350, end: 1000 });
    let role = rightsize(&usage().usage(), &request, &DataActions::new([BLOB_READ]));
    assert!(role.actions.is_empty());
    assert_eq!(role.data_actions, [BLOB_READ]);
}

#[test]
fn built_in_role_definitions_name_data_actions() {
    // 928 real built-in role definitions (`az role definition list`), in the shared data.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/iam-dataset/azure/built-in-roles-raw.json");
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipped: the built-in role definitions are not present");
        return;
    };
    let data = DataActions::from_role_definitions(&text).unwrap();
    assert!(data.len() > 100, "{}", data.len());
    // Storage Blob Data Reader's data action, and not Reader's management action.
    assert!(data.contains(BLOB_READ));
    assert!(!data.contains("Microsoft.Storage/storageAccounts/read"));
    assert!(DataActions::from_role_definitions("{}").is_err());
}
