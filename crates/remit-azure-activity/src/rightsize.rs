//! A least-privilege Azure custom role from the actions a principal was seen using.
//!
//! Why: the gap between a broad built-in role (Contributor, Owner) and what an identity does is
//! the largest source of standing privilege in Azure; the log says what it does, so the role
//! that covers exactly that can be written, with the commands that put it in place.
//!
//! Rules:
//! - an action is kept when the principal used it (allowed, or failed past authorization) on a
//!   resource inside the scope; actions only ever refused are not granted (listed in
//!   [`CustomRole::denied_only`]), nor actions used only outside the scope (listed in
//!   [`CustomRole::outside_scope`]: another role at that scope is needed);
//! - actions exactly as observed, never widened to wildcards; Azure actions are
//!   case-insensitive (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions>),
//!   so spellings differing only by case are one action;
//! - data actions (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#dataactions>)
//!   go to `DataActions`: which actions are data actions is not written in their names, so the
//!   caller says ([`DataActions`], e.g. from `az provider operation list`);
//! - everything sorted, so the same usage gives the same bytes.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use remit_activity::{
    UsageRow,
    quote::{hcl_list, hcl_string, shell_word},
    window::Window,
};
use serde_json::{Value, json};

/// Which actions are data actions.
#[derive(Debug, Clone, Default)]
pub struct DataActions {
    names: HashSet<String>,
}

impl DataActions {
    /// The data actions named (compared without regard to case).
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> DataActions {
        DataActions { names: names.into_iter().map(|n| n.as_ref().to_ascii_lowercase()).collect() }
    }

    /// The operations marked `isDataAction: true` in `az provider operation list` (or `show`)
    /// output (<https://learn.microsoft.com/cli/azure/provider/operation>; the
    /// `Microsoft.Authorization/providerOperations` API's `ProviderOperation` objects, at any
    /// depth: providers' and resource types' `operations`).
    pub fn from_provider_operations(json: &str) -> Result<DataActions, String> {
        let value: Value = serde_json::from_str(json).map_err(|err| format!("not JSON: {err}"))?;
        let mut names = HashSet::new();
        let mut stack = vec![&value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Array(items) => stack.extend(items),
                Value::Object(map) => {
                    if let (Some(Value::String(name)), Some(Value::Bool(true))) =
                        (map.get("name"), map.get("isDataAction"))
                    {
                        names.insert(name.to_ascii_lowercase());
                    }
                    stack.extend(map.values());
                }
                _ => {}
            }
        }
        Ok(DataActions { names })
    }

    /// The data actions role definitions name exactly (`permissions[].dataActions` of
    /// `az role definition list` output,
    /// <https://learn.microsoft.com/azure/role-based-access-control/role-definitions#dataactions>).
    /// Entries with a wildcard are skipped: a wildcard in `DataActions` matches only data
    /// actions, but which names it matches is not written in the pattern, so it cannot tell a
    /// data action from a management action of the same prefix.
    pub fn from_role_definitions(json: &str) -> Result<DataActions, String> {
        let value: Value = serde_json::from_str(json).map_err(|err| format!("not JSON: {err}"))?;
        let roles = value.as_array().ok_or("not an array of role definitions")?;
        let mut names = HashSet::new();
        for (i, role) in roles.iter().enumerate() {
            let permissions = role
                .get("permissions")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("[{i}].permissions is not an array"))?;
            for permission in permissions {
                let data = permission.get("dataActions").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                names.extend(
                    data.iter().filter_map(Value::as_str).filter(|a| !a.contains('*')).map(str::to_ascii_lowercase),
                );
            }
        }
        Ok(DataActions { names })
    }

    /// Adds the data actions of `other`.
    pub fn extend(&mut self, other: DataActions) {
        self.names.extend(other.names);
    }

    /// Data actions known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when none is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether `action` is a data action.
    pub fn contains(&self, action: &str) -> bool {
        self.names.contains(&action.to_ascii_lowercase())
    }
}

/// What to write a role for.
#[derive(Debug, Clone)]
pub struct RoleRequest<'a> {
    /// The principal's object id.
    pub principal: &'a str,
    /// `User`, `ServicePrincipal` or `Group` (`az role assignment create --assignee-principal-type`).
    pub principal_type: &'a str,
    /// The scope the role is assignable at and assigned at (`/subscriptions/{id}`, a resource
    /// group's or a resource's id).
    pub scope: &'a str,
    /// The role's name.
    pub role_name: &'a str,
    /// The role's description.
    pub description: &'a str,
    /// Role assignment ids the new one replaces (removed by the commands).
    pub replaces: &'a [String],
    /// Only usage seen in this window (a row counts when its first and last use overlap it).
    pub window: Option<Window>,
}

/// A right-sized role and how to apply it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomRole {
    /// Management-plane actions, sorted.
    pub actions: Vec<String>,
    /// Data actions, sorted.
    pub data_actions: Vec<String>,
    /// The role definition, as `az role definition create --role-definition @role.json` takes it
    /// (<https://learn.microsoft.com/cli/azure/role/definition#az-role-definition-create>).
    pub definition: Value,
    /// The `az` commands: create the role, assign it, remove the assignments it replaces.
    pub commands: Vec<String>,
    /// `azurerm_role_definition` and `azurerm_role_assignment` (Terraform AzureRM provider
    /// documentation, resources `role_definition` and `role_assignment`).
    pub terraform: String,
    /// Actions used only on resources outside the scope (`action resource`), not granted.
    pub outside_scope: Vec<String>,
    /// Actions only ever refused, not granted.
    pub denied_only: Vec<String>,
}

impl CustomRole {
    /// The role definition as the file `az` reads (pretty JSON, a final newline).
    pub fn definition_file(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.definition).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn in_scope(resource: &str, scope: &str) -> bool {
    let (resource, scope) = (resource.to_ascii_lowercase(), scope.trim_end_matches('/').to_ascii_lowercase());
    // A request whose resource the log does not name is kept: what worked must keep working.
    resource == "*"
        || scope.is_empty()
        || resource == scope
        || resource.strip_prefix(&scope).is_some_and(|rest| rest.starts_with('/'))
}

fn used_in(row: &UsageRow, window: Option<Window>) -> bool {
    window.is_none_or(|w| row.counts.last_seen >= w.start && row.counts.first_seen < w.end)
}

/// The role for `request.principal` from `usage` (rows of any principals; others are ignored).
pub fn rightsize(usage: &[UsageRow], request: &RoleRequest<'_>, data: &DataActions) -> CustomRole {
    // Lower-case action → the smallest spelling seen (deterministic whatever the order).
    let mut kept: BTreeMap<String, String> = BTreeMap::new();
    let mut refused: BTreeMap<String, String> = BTreeMap::new();
    let mut outside: BTreeSet<(String, String)> = BTreeSet::new();
    let note = |map: &mut BTreeMap<String, String>, action: &str| {
        let entry = map.entry(action.to_ascii_lowercase()).or_insert_with(|| action.to_owned());
        if action < entry.as_str() {
            *entry = action.to_owned();
        }
    };
    for row in usage {
        if !row.principal.eq_ignore_ascii_case(request.principal) || !used_in(row, request.window) {
            continue;
        }
        if row.counts.authorized() == 0 {
            note(&mut refused, &row.action);
        } else if in_scope(&row.resource, request.scope) {
            note(&mut kept, &row.action);
        } else {
            outside.insert((row.action.to_ascii_lowercase(), row.resource.to_string()));
        }
    }
    let denied_only: Vec<String> =
        refused.iter().filter(|(k, _)| !kept.contains_key(*k)).map(|(_, v)| v.clone()).collect();
    let outside_scope: Vec<String> =
        outside.into_iter().filter(|(a, _)| !kept.contains_key(a)).map(|(a, r)| format!("{a} {r}")).collect();
    let (data_actions, actions): (Vec<String>, Vec<String>) = kept.into_values().partition(|a| data.contains(a));
    let definition = json!({
        "Name": request.role_name,
        "IsCustom": true,
        "Description": request.description,
        "Actions": actions,
        "NotActions": [],
        "DataActions": data_actions,
        "NotDataActions": [],
        "AssignableScopes": [request.scope],
    });
    let commands = commands(request);
    let terraform = terraform(request, &actions, &data_actions);
    CustomRole { actions, data_actions, definition, commands, terraform, outside_scope, denied_only }
}

/// The `az` commands (<https://learn.microsoft.com/cli/azure/role/definition#az-role-definition-create>,
/// <https://learn.microsoft.com/cli/azure/role/assignment#az-role-assignment-create>,
/// <https://learn.microsoft.com/cli/azure/role/assignment#az-role-assignment-delete>).
fn commands(request: &RoleRequest<'_>) -> Vec<String> {
    let mut commands = vec![
        "az role definition create --role-definition @role.json".to_owned(),
        format!(
            "az role assignment create --assignee-object-id {} --assignee-principal-type {} --role {} --scope {}",
            shell_word(request.principal),
            shell_word(request.principal_type),
            shell_word(request.role_name),
            shell_word(request.scope)
        ),
    ];
    let replaced: BTreeSet<&String> = request.replaces.iter().collect();
    commands.extend(replaced.into_iter().map(|id| format!("az role assignment delete --ids {}", shell_word(id))));
    commands
}

fn terraform(request: &RoleRequest<'_>, actions: &[String], data_actions: &[String]) -> String {
    let scope = hcl_string(request.scope);
    let mut out = String::new();
    out.push_str("# Written by Remit from observed activity: the actions this principal used.\n");
    out.push_str("resource \"azurerm_role_definition\" \"remit_rightsized\" {\n");
    out.push_str(&format!("  name        = {}\n", hcl_string(request.role_name)));
    out.push_str(&format!("  scope       = {scope}\n"));
    out.push_str(&format!("  description = {}\n\n", hcl_string(request.description)));
    out.push_str("  permissions {\n");
    out.push_str(&format!("    actions          = {}\n", hcl_list(actions, "    ")));
    out.push_str("    not_actions      = []\n");
    out.push_str(&format!("    data_actions     = {}\n", hcl_list(data_actions, "    ")));
    out.push_str("    not_data_actions = []\n");
    out.push_str("  }\n\n");
    out.push_str(&format!("  assignable_scopes = [{scope}]\n"));
    out.push_str("}\n\n");
    out.push_str("resource \"azurerm_role_assignment\" \"remit_rightsized\" {\n");
    out.push_str(&format!("  scope              = {scope}\n"));
    out.push_str("  role_definition_id = azurerm_role_definition.remit_rightsized.role_definition_resource_id\n");
    out.push_str(&format!("  principal_id       = {}\n", hcl_string(request.principal)));
    out.push_str("}\n");
    let replaced: BTreeSet<&String> = request.replaces.iter().collect();
    if !replaced.is_empty() {
        out.push_str("\n# Remove the role assignments this one replaces (their azurerm_role_assignment blocks, or\n");
        out.push_str("# with the az commands if they are not managed by Terraform):\n");
        for id in replaced {
            out.push_str(&format!("#   {id}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_matching_is_by_whole_segments_and_ignores_case() {
        assert!(in_scope("/subscriptions/s/resourcegroups/rg/x", "/SUBSCRIPTIONS/s/resourceGroups/RG"));
        assert!(in_scope("/subscriptions/s", "/subscriptions/s/"));
        assert!(!in_scope("/subscriptions/s2/x", "/subscriptions/s"));
        assert!(!in_scope("/subscriptions/other", "/subscriptions/s/resourcegroups/rg"));
        assert!(in_scope("*", "/subscriptions/s"));
    }

    #[test]
    fn words_and_strings_are_quoted_for_their_readers() {
        assert_eq!(shell_word("/subscriptions/s"), "/subscriptions/s");
        assert_eq!(shell_word("Remit VM reader"), "'Remit VM reader'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(hcl_string("a\"b${c}"), r#""a\"b$${c}""#);
    }

    #[test]
    fn data_actions_come_from_provider_operations() {
        let ops = r#"[{"name":"Microsoft.Storage","operations":[],"resourceTypes":[{"name":"storageAccounts/blobServices/containers/blobs",
            "operations":[{"name":"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read","isDataAction":true},
                          {"name":"Microsoft.Storage/storageAccounts/read","isDataAction":false}]}]}]"#;
        let data = DataActions::from_provider_operations(ops).unwrap();
        assert!(data.contains("microsoft.storage/storageaccounts/blobservices/containers/blobs/READ"));
        assert!(!data.contains("Microsoft.Storage/storageAccounts/read"));
        assert!(DataActions::from_provider_operations("[").is_err());
    }
}
