//! The order of the reads and where each answer is written in the bundle.
//!
//! ARM first (tenant, management group tree, subscriptions, role definitions, then each
//! subscription's and management group's assignments), then Microsoft Graph (directory objects,
//! their owners and memberships, directory roles). Each file is written as the bundle layout
//! of docs/environment-bundle.md names it.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use futures_util::{StreamExt, stream};
use remit_rest::{
    CollectError,
    bundle::{Staging, segment},
    http::{self, encode},
};
use serde_json::{Value, json};

use crate::{
    az_shape,
    calls::{ArmCall, Call, GraphCall},
    config::{Config, Credentials},
    rest::{Api, Rest},
};

/// What a collection read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Where the tenant's files are: `<out>/azure/<tenant-id>`.
    pub bundle: PathBuf,
    /// Management groups in the tree (the root included).
    pub management_groups: usize,
    /// Subscriptions collected.
    pub subscriptions: usize,
    /// Role definitions (built-in and custom, merged).
    pub role_definitions: usize,
    /// Role assignments over all subscriptions and management groups.
    pub role_assignments: usize,
    /// Deny assignments over all subscriptions and management groups.
    pub deny_assignments: usize,
    /// PIM eligible role schedule instances (Azure resources).
    pub eligibility_instances: usize,
    /// Entra users.
    pub users: usize,
    /// Entra groups.
    pub groups: usize,
    /// Service principals.
    pub service_principals: usize,
    /// Applications.
    pub applications: usize,
    /// Entra directory role assignments.
    pub directory_role_assignments: usize,
    /// Optional reads that failed, with the reason; their files are not written (the bundle
    /// then says "not collected" for them).
    pub skipped: Vec<String>,
    /// The ARM actions the run exercised.
    pub arm_actions: BTreeSet<String>,
    /// The Graph application permissions the run exercised.
    pub graph_permissions: BTreeSet<String>,
}

/// Collects the tenant of `config` into `<out>/azure/<tenant-id>/`, replacing an earlier
/// collection of that tenant only once everything was read. `progress` receives one line per
/// step.
pub async fn collect(config: &Config, out: &Path, progress: impl Fn(&str)) -> Result<Summary, CollectError> {
    let tenant = segment(&config.tenant_id)?.to_owned();
    let rest = Rest::new(config)?;
    let staging = Staging::new(out, "azure", &tenant)?;
    let mut summary = Summary::default();
    let collector = Collector { rest: &rest, config, staging: &staging };

    collector.arm(&tenant, &mut summary, &progress).await?;
    collector.graph(&mut summary, &progress).await?;

    for call in rest.calls_made() {
        match call {
            Call::Arm(arm) => summary.arm_actions.insert(arm.action().to_owned()),
            Call::Graph(graph) => summary.graph_permissions.insert(graph.permission().to_owned()),
        };
    }
    summary.bundle = staging.commit()?;
    progress(&format!("wrote {}", summary.bundle.display()));
    Ok(summary)
}

/// Runs `collect` on a runtime of its own, for callers without one (called from inside a
/// tokio runtime it returns an error instead of blocking that runtime: await `collect` there).
pub fn collect_blocking(config: &Config, out: &Path, progress: impl Fn(&str)) -> Result<Summary, CollectError> {
    http::block_on(collect(config, out, progress))
}

struct Collector<'a> {
    rest: &'a Rest,
    config: &'a Config,
    staging: &'a Staging,
}

fn text<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The role definition ids (`properties.roleDefinitionId`) of ARM assignments or schedule
/// instances, when they are ARM paths to a role definition (anything else is not fetched).
fn role_definition_ids(values: &[Value]) -> impl Iterator<Item = String> + '_ {
    values
        .iter()
        .filter_map(|v| text(v, "/properties/roleDefinitionId"))
        .filter(|id| is_role_definition_path(id))
        .map(str::to_owned)
}

/// Whether `id` is an ARM role definition path that is safe to append to the ARM base URL.
fn is_role_definition_path(id: &str) -> bool {
    let marker = "/providers/microsoft.authorization/roledefinitions/";
    id.starts_with('/')
        && id.to_ascii_lowercase().contains(marker)
        && !id.contains("..")
        && !id.contains("//")
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.()".contains(&b))
}

/// The GUID at the end of a role definition id, whatever scope prefixes it.
fn guid_of(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase()
}

impl Collector<'_> {
    async fn arm_list(&self, call: ArmCall, path: &str, filter: Option<&str>) -> Result<Vec<Value>, CollectError> {
        let mut url = self.rest.arm_url(&format!("{path}?api-version={}", call.api_version()));
        if let Some(filter) = filter {
            url.push_str(&format!("&$filter={}", encode(filter)));
        }
        self.rest.get_list(Call::Arm(call), Api::Arm, &url).await
    }

    async fn arm(&self, tenant: &str, summary: &mut Summary, progress: &impl Fn(&str)) -> Result<(), CollectError> {
        progress("reading the tenant");
        let tenants = self.arm_list(ArmCall::Tenants, "/tenants", None).await?;
        if let Some(found) =
            tenants.iter().find(|t| text(t, "/tenantId").is_some_and(|id| id.eq_ignore_ascii_case(tenant)))
        {
            self.staging.write_json("tenant.json", &az_shape::tenant(found))?;
        }

        progress("reading the management group tree");
        let call = ArmCall::ManagementGroup;
        let url = self.rest.arm_url(&format!(
            "/providers/Microsoft.Management/managementGroups/{}?$expand=children&$recurse=true&api-version={}",
            encode(tenant),
            call.api_version()
        ));
        let mut groups = Vec::new();
        match self.rest.get_object(Call::Arm(call), Api::Arm, &url).await {
            Ok(tree) => {
                management_group_names(&tree, &mut groups);
                self.staging.write_json("management-groups.json", &az_shape::management_group(tree))?;
            }
            // A tenant whose management group hierarchy was never set up has no root group
            // (https://learn.microsoft.com/azure/governance/management-groups/overview#root-management-group-for-each-directory).
            Err(error @ CollectError::Status { status: 404, .. }) => {
                let line = format!("not collected: management-groups.json (no management group hierarchy): {error}");
                progress(&line);
                summary.skipped.push(line);
            }
            Err(error) => return Err(error),
        }
        summary.management_groups = groups.len();

        progress("listing subscriptions");
        let all = self.arm_list(ArmCall::Subscriptions, "/subscriptions", None).await?;
        let subscriptions = self.select_subscriptions(tenant, all)?;
        summary.subscriptions = subscriptions.len();
        let (user, user_type) = match &self.config.credentials {
            Credentials::ClientSecret { client_id, .. } => (client_id.as_str(), "servicePrincipal"),
            Credentials::AccessTokens { .. } => ("access token", "servicePrincipal"),
        };
        let listed: Vec<Value> =
            subscriptions.iter().map(|s| az_shape::subscription(s.clone(), user, user_type)).collect();
        self.staging.write_json("subscriptions.json", &Value::Array(listed))?;
        let ids: Vec<String> =
            subscriptions.iter().filter_map(|s| text(s, "/subscriptionId")).map(str::to_owned).collect();

        progress("reading role definitions");
        // At the root group: built-in roles and custom roles of management groups; without a
        // hierarchy, built-in roles at the root scope `/`.
        let root_scope = if groups.is_empty() {
            String::new()
        } else {
            format!("/providers/Microsoft.Management/managementGroups/{}", encode(tenant))
        };
        let mut definitions: BTreeMap<String, Value> = BTreeMap::new();
        let mut scopes = vec![root_scope];
        scopes.extend(ids.iter().map(|id| format!("/subscriptions/{}", encode(id))));
        for scope in &scopes {
            let path = format!("{scope}/providers/Microsoft.Authorization/roleDefinitions");
            for definition in self.arm_list(ArmCall::RoleDefinitions, &path, None).await? {
                let key = text(&definition, "/name").map(str::to_ascii_lowercase).unwrap_or_default();
                definitions.entry(key).or_insert_with(|| az_shape::role_definition(definition));
            }
        }

        // Role assignments are written once every definition they use is known (their
        // `roleDefinitionName`); the other lists are written as they come.
        let mut assignment_files: Vec<(String, Vec<Value>)> = Vec::new();
        let mut referenced: BTreeSet<String> = BTreeSet::new();
        for id in &ids {
            progress(&format!("reading subscription {id}"));
            let scope = format!("/subscriptions/{}", encode(id));
            let dir = format!("subscriptions/{}", segment(id)?);
            let groups = self.arm_list(ArmCall::ResourceGroups, &format!("{scope}/resourcegroups"), None).await?;
            self.staging.write_json(&format!("{dir}/resource-groups.json"), &Value::Array(groups))?;
            let resources = self.arm_list(ArmCall::Resources, &format!("{scope}/resources"), None).await?;
            let resources = resources.into_iter().map(az_shape::resource).collect();
            self.staging.write_json(&format!("{dir}/resources.json"), &Value::Array(resources))?;

            let assignments = self.authorization(ArmCall::RoleAssignments, &scope, None).await?;
            summary.role_assignments += assignments.len();
            referenced.extend(role_definition_ids(&assignments));
            assignment_files.push((format!("{dir}/role-assignments.json"), assignments));
            for (call, file) in [
                (ArmCall::DenyAssignments, "deny-assignments.json"),
                (ArmCall::RoleEligibilityScheduleInstances, "role-eligibility-schedule-instances.json"),
                (ArmCall::RoleAssignmentScheduleInstances, "role-assignment-schedule-instances.json"),
            ] {
                let values = self.authorization(call, &scope, None).await?;
                match call {
                    ArmCall::DenyAssignments => summary.deny_assignments += values.len(),
                    ArmCall::RoleEligibilityScheduleInstances => summary.eligibility_instances += values.len(),
                    _ => {}
                }
                referenced.extend(role_definition_ids(&values));
                self.staging.write_json(&format!("{dir}/{file}"), &json!({ "value": values }))?;
            }
        }

        for group in &groups {
            progress(&format!("reading management group {group}"));
            let scope = format!("/providers/Microsoft.Management/managementGroups/{}", encode(group));
            let own_scope = format!("/providers/Microsoft.Management/managementGroups/{group}");
            let dir = format!("management-groups/{}", segment(group)?);
            // At a management group the list takes `atScope()` (at or above it); only what is
            // assigned at the group itself is kept, what is above is in its ancestor's file.
            let at = |v: &Value| text(v, "/properties/scope").is_some_and(|s| s.eq_ignore_ascii_case(&own_scope));
            let assignments = self.authorization(ArmCall::RoleAssignments, &scope, Some("atScope()")).await?;
            let assignments: Vec<Value> = assignments.into_iter().filter(at).collect();
            summary.role_assignments += assignments.len();
            referenced.extend(role_definition_ids(&assignments));
            assignment_files.push((format!("{dir}/role-assignments.json"), assignments));
            for (call, file) in [
                (ArmCall::DenyAssignments, "deny-assignments.json"),
                (ArmCall::RoleEligibilityScheduleInstances, "role-eligibility-schedule-instances.json"),
            ] {
                let values: Vec<Value> =
                    self.authorization(call, &scope, Some("atScope()")).await?.into_iter().filter(at).collect();
                match call {
                    ArmCall::DenyAssignments => summary.deny_assignments += values.len(),
                    _ => summary.eligibility_instances += values.len(),
                }
                referenced.extend(role_definition_ids(&values));
                self.staging.write_json(&format!("{dir}/{file}"), &json!({ "value": values }))?;
            }
        }

        // A custom role assignable only below a subscription (at a resource group) is not in the
        // subscription's list ("applicable at scope and above",
        // https://learn.microsoft.com/rest/api/authorization/role-definitions/list): read the
        // definitions assignments use and the lists did not give, by id
        // (https://learn.microsoft.com/rest/api/authorization/role-definitions/get-by-id).
        for id in referenced {
            if definitions.contains_key(&guid_of(&id)) {
                continue;
            }
            let call = ArmCall::RoleDefinitionById;
            let url = self.rest.arm_url(&format!("{id}?api-version={}", call.api_version()));
            match self.rest.get_object(Call::Arm(call), Api::Arm, &url).await {
                Ok(definition) => {
                    definitions.insert(guid_of(&id), az_shape::role_definition(definition));
                }
                Err(error @ CollectError::Status { status: 404, .. }) => {
                    let line = format!("role definition {id}, used by an assignment, was not found: {error}");
                    progress(&line);
                    summary.skipped.push(line);
                }
                Err(error) => return Err(error),
            }
        }
        summary.role_definitions = definitions.len();
        let role_names: BTreeMap<String, String> =
            definitions.iter().filter_map(|(guid, d)| Some((guid.clone(), text(d, "/roleName")?.to_owned()))).collect();
        let role_name = |id: &str| role_names.get(&guid_of(id)).cloned();
        self.staging.write_json("role-definitions.json", &Value::Array(definitions.into_values().collect()))?;
        for (file, assignments) in assignment_files {
            let assignments = assignments.into_iter().map(|a| az_shape::role_assignment(a, role_name)).collect();
            self.staging.write_json(&file, &Value::Array(assignments))?;
        }
        Ok(())
    }

    async fn authorization(
        &self,
        call: ArmCall,
        scope: &str,
        filter: Option<&str>,
    ) -> Result<Vec<Value>, CollectError> {
        let kind = match call {
            ArmCall::RoleAssignments => "roleAssignments",
            ArmCall::DenyAssignments => "denyAssignments",
            ArmCall::RoleEligibilityScheduleInstances => "roleEligibilityScheduleInstances",
            _ => "roleAssignmentScheduleInstances",
        };
        self.arm_list(call, &format!("{scope}/providers/Microsoft.Authorization/{kind}"), filter).await
    }

    /// The tenant's subscriptions, restricted to those the configuration names (each of which
    /// must be found).
    fn select_subscriptions(&self, tenant: &str, all: Vec<Value>) -> Result<Vec<Value>, CollectError> {
        let mine: Vec<Value> =
            all.into_iter().filter(|s| text(s, "/tenantId").is_some_and(|t| t.eq_ignore_ascii_case(tenant))).collect();
        let Some(wanted) = &self.config.subscriptions else {
            return Ok(mine);
        };
        let mut selected = Vec::new();
        for id in wanted {
            let found = mine.iter().find(|s| text(s, "/subscriptionId").is_some_and(|s| s.eq_ignore_ascii_case(id)));
            match found {
                Some(found) => selected.push(found.clone()),
                None => {
                    return Err(CollectError::Config(format!(
                        "subscription {id} is not visible in tenant {tenant} to these credentials"
                    )));
                }
            }
        }
        Ok(selected)
    }

    async fn graph_list(&self, call: GraphCall, path_and_query: &str) -> Result<Vec<Value>, CollectError> {
        self.rest.get_list(Call::Graph(call), Api::Graph, &self.rest.graph_url(path_and_query)).await
    }

    /// One list per object (`/groups/{id}/members` ...), several in flight at once.
    async fn per_object(
        &self,
        call: GraphCall,
        ids: &[String],
        path: impl Fn(&str) -> String,
    ) -> Result<Vec<(String, Vec<Value>)>, CollectError> {
        let calls = ids.iter().map(|id| {
            let url = path(&encode(id));
            async move { self.graph_list(call, &url).await.map(|values| (id.clone(), values)) }
        });
        let results: Vec<_> = stream::iter(calls).buffer_unordered(self.config.concurrency.max(1)).collect().await;
        let mut lists = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        lists.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(lists)
    }

    fn write_each(&self, dir: &str, lists: Vec<(String, Vec<Value>)>, wrap: bool) -> Result<(), CollectError> {
        for (id, values) in lists {
            let value = if wrap { json!({ "value": values }) } else { Value::Array(values) };
            self.staging.write_json(&format!("entra/{dir}/{}.json", segment(&id)?), &value)?;
        }
        Ok(())
    }

    async fn graph(&self, summary: &mut Summary, progress: &impl Fn(&str)) -> Result<(), CollectError> {
        let ids = |values: &[Value]| -> Vec<String> {
            values.iter().filter_map(|v| text(v, "/id")).map(str::to_owned).collect()
        };

        progress("reading Entra users");
        let users = self.graph_list(GraphCall::Users, &format!("/users?$select={USER_FIELDS}&$top=999")).await?;
        summary.users = users.len();
        self.staging.write_json("entra/users.json", &Value::Array(users))?;

        progress("reading Entra groups and their members");
        let groups = self.graph_list(GraphCall::Groups, "/groups?$top=999").await?;
        let group_ids = ids(&groups);
        summary.groups = groups.len();
        self.staging.write_json("entra/groups.json", &Value::Array(groups))?;
        let members =
            self.per_object(GraphCall::GroupMembers, &group_ids, |id| format!("/groups/{id}/members?$top=999")).await?;
        self.write_each("group-members", members, false)?;
        let owners = self.per_object(GraphCall::GroupOwners, &group_ids, |id| format!("/groups/{id}/owners")).await?;
        self.write_each("owners", owners, false)?;

        progress("reading service principals and applications");
        let principals = self.graph_list(GraphCall::ServicePrincipals, "/servicePrincipals?$top=999").await?;
        let principal_ids = ids(&principals);
        summary.service_principals = principals.len();
        self.staging.write_json("entra/service-principals.json", &Value::Array(principals))?;
        let owners = self
            .per_object(GraphCall::ServicePrincipalOwners, &principal_ids, |id| {
                format!("/servicePrincipals/{id}/owners")
            })
            .await?;
        self.write_each("owners", owners, false)?;
        let granted = self
            .per_object(GraphCall::AppRoleAssignments, &principal_ids, |id| {
                format!("/servicePrincipals/{id}/appRoleAssignments")
            })
            .await?;
        self.write_each("app-role-assignments", granted, true)?;

        let applications = self.graph_list(GraphCall::Applications, "/applications?$top=999").await?;
        let application_ids = ids(&applications);
        summary.applications = applications.len();
        self.staging.write_json("entra/applications.json", &Value::Array(applications))?;
        let owners = self
            .per_object(GraphCall::ApplicationOwners, &application_ids, |id| format!("/applications/{id}/owners"))
            .await?;
        self.write_each("owners", owners, false)?;

        progress("reading Entra directory roles");
        let definitions =
            self.graph_list(GraphCall::DirectoryRoleDefinitions, "/roleManagement/directory/roleDefinitions").await?;
        self.staging.write_json("entra/directory-role-definitions.json", &json!({ "value": definitions }))?;
        let assignments =
            self.graph_list(GraphCall::DirectoryRoleAssignments, "/roleManagement/directory/roleAssignments").await?;
        summary.directory_role_assignments = assignments.len();
        self.staging.write_json("entra/directory-role-assignments.json", &json!({ "value": assignments }))?;
        // Eligibility needs Microsoft Entra ID P2 (or Governance); without it the call is
        // refused and the file is left out, which the bundle reads as "not collected".
        let eligible = self
            .graph_list(
                GraphCall::DirectoryRoleEligibilityScheduleInstances,
                "/roleManagement/directory/roleEligibilityScheduleInstances",
            )
            .await;
        match eligible {
            Ok(values) => self
                .staging
                .write_json("entra/directory-role-eligibility-schedule-instances.json", &json!({ "value": values }))?,
            Err(error @ CollectError::Status { status: 400 | 403, .. }) => {
                let line = format!("not collected: entra/directory-role-eligibility-schedule-instances.json: {error}");
                progress(&line);
                summary.skipped.push(line);
            }
            Err(error) => return Err(error),
        }
        Ok(())
    }
}

/// The user fields the bundle documents (docs/environment-bundle.md, `entra/users.json`).
const USER_FIELDS: &str = "id,displayName,userPrincipalName,mail,accountEnabled,userType,externalUserState,onPremisesImmutableId,createdDateTime,employeeId";

/// The names of the management groups in a `$expand=children&$recurse=true` tree, the root
/// first (children of type `Microsoft.Management/managementGroups`; subscriptions are skipped).
fn management_group_names(node: &Value, names: &mut Vec<String>) {
    if let Some(name) = text(node, "/name") {
        names.push(name.to_owned());
    }
    let children = node.pointer("/properties/children").or_else(|| node.get("children")).and_then(Value::as_array);
    for child in children.into_iter().flatten() {
        let is_group = text(child, "/type").is_some_and(|t| {
            t.trim_start_matches("/providers/").eq_ignore_ascii_case("Microsoft.Management/managementGroups")
        });
        if is_group {
            management_group_names(child, names);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn management_group_names_skip_subscriptions() {
        let tree = json!({"name": "root", "properties": {"children": [
            {"type": "Microsoft.Management/managementGroups", "name": "prod", "children": [
                {"type": "/subscriptions", "name": "s1"},
                {"type": "Microsoft.Management/managementGroups", "name": "prod-eu", "children": null}]},
            {"type": "/subscriptions", "name": "s2"}]}});
        let mut names = Vec::new();
        management_group_names(&tree, &mut names);
        assert_eq!(names, ["root", "prod", "prod-eu"]);
    }

    #[test]
    fn only_role_definition_paths_are_fetched() {
        assert!(is_role_definition_path(
            "/subscriptions/s-1/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385"
        ));
        assert!(is_role_definition_path("/providers/Microsoft.Authorization/roleDefinitions/acdd72a7"));
        assert!(!is_role_definition_path("acdd72a7"));
        assert!(!is_role_definition_path("/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/x"));
        assert!(!is_role_definition_path("/x/../providers/Microsoft.Authorization/roleDefinitions/a"));
        assert!(!is_role_definition_path("/providers/Microsoft.Authorization/roleDefinitions/a?b=c"));
        assert!(!is_role_definition_path("//attacker.example/providers/Microsoft.Authorization/roleDefinitions/a"));
    }

    #[test]
    fn role_definition_guid_is_read_from_any_scope() {
        assert_eq!(guid_of("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/ACDD72A7"), "acdd72a7");
        assert_eq!(guid_of("acdd72a7"), "acdd72a7");
    }
}
