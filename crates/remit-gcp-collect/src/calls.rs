//! Every REST call the collector makes, with the IAM permission that authorizes it.
//!
//! The collector never builds a request without naming one of these calls, so a 403 names the
//! permission to grant, and `collector-role.yaml` can be checked against this list: a test in
//! this module requires the role to hold exactly the permissions of [`GcpCall::ALL`].

/// A Google Cloud read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GcpCall {
    /// https://cloud.google.com/resource-manager/reference/rest/v3/organizations/get
    OrganizationGet,
    /// https://cloud.google.com/resource-manager/reference/rest/v3/folders/list
    FoldersList,
    /// https://cloud.google.com/resource-manager/reference/rest/v3/projects/list
    ProjectsList,
    /// https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies
    SearchAllIamPolicies,
    /// https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllResources
    SearchAllResources,
    /// https://cloud.google.com/iam/docs/reference/rest/v1/roles/list (predefined roles)
    PredefinedRolesList,
    /// https://cloud.google.com/iam/docs/reference/rest/v1/organizations.roles/list
    OrganizationRolesList,
    /// https://cloud.google.com/iam/docs/reference/rest/v1/projects.roles/list
    ProjectRolesList,
    /// https://cloud.google.com/iam/docs/reference/rest/v2/policies/listPolicies
    DenyPoliciesList,
    /// https://cloud.google.com/iam/docs/reference/rest/v2/policies/get
    DenyPolicyGet,
    /// https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/list
    ServiceAccountsList,
    /// https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list
    ServiceAccountKeysList,
    /// https://cloud.google.com/identity/docs/reference/rest/v1/groups/lookup
    GroupLookup,
    /// https://cloud.google.com/identity/docs/reference/rest/v1/groups.memberships/list
    MembershipsList,
}

/// What authorizes a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// An IAM permission on the resource read (granted by `collector-role.yaml`).
    Permission(&'static str),
    /// No permission: listing Google's predefined roles is open to any caller.
    None,
    /// Cloud Identity is authorized by a Google Workspace / Cloud Identity admin role assigned
    /// to the service account (https://cloud.google.com/identity/docs/how-to/setup#assigning_an_admin_role_to_the_service_account),
    /// not by IAM.
    AdminRole(&'static str),
}

impl GcpCall {
    /// Every call the collector can make.
    pub const ALL: [GcpCall; 14] = [
        GcpCall::OrganizationGet,
        GcpCall::FoldersList,
        GcpCall::ProjectsList,
        GcpCall::SearchAllIamPolicies,
        GcpCall::SearchAllResources,
        GcpCall::PredefinedRolesList,
        GcpCall::OrganizationRolesList,
        GcpCall::ProjectRolesList,
        GcpCall::DenyPoliciesList,
        GcpCall::DenyPolicyGet,
        GcpCall::ServiceAccountsList,
        GcpCall::ServiceAccountKeysList,
        GcpCall::GroupLookup,
        GcpCall::MembershipsList,
    ];

    /// What authorizes the call (each method's "Authorization scopes" / "IAM Permissions"
    /// section on its reference page, linked above).
    pub fn authorization(self) -> Authorization {
        match self {
            GcpCall::OrganizationGet => Authorization::Permission("resourcemanager.organizations.get"),
            GcpCall::FoldersList => Authorization::Permission("resourcemanager.folders.list"),
            GcpCall::ProjectsList => Authorization::Permission("resourcemanager.projects.list"),
            GcpCall::SearchAllIamPolicies => Authorization::Permission("cloudasset.assets.searchAllIamPolicies"),
            GcpCall::SearchAllResources => Authorization::Permission("cloudasset.assets.searchAllResources"),
            GcpCall::PredefinedRolesList => Authorization::None,
            GcpCall::OrganizationRolesList | GcpCall::ProjectRolesList => Authorization::Permission("iam.roles.list"),
            GcpCall::DenyPoliciesList => Authorization::Permission("iam.denypolicies.list"),
            GcpCall::DenyPolicyGet => Authorization::Permission("iam.denypolicies.get"),
            GcpCall::ServiceAccountsList => Authorization::Permission("iam.serviceAccounts.list"),
            GcpCall::ServiceAccountKeysList => Authorization::Permission("iam.serviceAccountKeys.list"),
            GcpCall::GroupLookup | GcpCall::MembershipsList => Authorization::AdminRole("Groups Reader"),
        }
    }

    /// The permission or role a refused call needs, for messages.
    pub fn needs(self) -> String {
        match self.authorization() {
            Authorization::Permission(permission) => format!("the IAM permission {permission}"),
            Authorization::None => "no permission (the call is open); check the API is enabled".into(),
            Authorization::AdminRole(role) => format!("the Google Workspace / Cloud Identity admin role {role}"),
        }
    }

    /// What the call reads, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            GcpCall::OrganizationGet => "get the organization",
            GcpCall::FoldersList => "list folders",
            GcpCall::ProjectsList => "list projects",
            GcpCall::SearchAllIamPolicies => "search all IAM policies",
            GcpCall::SearchAllResources => "search all resources",
            GcpCall::PredefinedRolesList => "list predefined roles",
            GcpCall::OrganizationRolesList => "list the organization's custom roles",
            GcpCall::ProjectRolesList => "list a project's custom roles",
            GcpCall::DenyPoliciesList => "list deny policies",
            GcpCall::DenyPolicyGet => "get a deny policy",
            GcpCall::ServiceAccountsList => "list service accounts",
            GcpCall::ServiceAccountKeysList => "list service account keys",
            GcpCall::GroupLookup => "look up a group",
            GcpCall::MembershipsList => "list group memberships",
        }
    }
}

/// The custom role to grant the collector's service account at the organization
/// (`gcloud iam roles create remitCollector --organization=<id> --file=collector-role.yaml`).
pub const COLLECTOR_ROLE: &str = include_str!("../collector-role.yaml");

/// The `includedPermissions` of a role file in gcloud's YAML (`- permission` lines under the key).
pub fn role_permissions(yaml: &str) -> Vec<String> {
    let mut inside = false;
    let mut permissions = Vec::new();
    for line in yaml.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if !line.starts_with([' ', '-']) {
            inside = trimmed == "includedPermissions:";
            continue;
        }
        if inside && let Some(permission) = trimmed.strip_prefix("- ") {
            permissions.push(permission.trim().to_owned());
        }
    }
    permissions
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn needed() -> BTreeSet<String> {
        GcpCall::ALL
            .iter()
            .filter_map(|c| match c.authorization() {
                Authorization::Permission(p) => Some(p.to_owned()),
                _ => None,
            })
            .collect()
    }

    /// The role grants exactly the permissions of the calls: every call covered, nothing else.
    #[test]
    fn collector_role_holds_exactly_the_permissions_of_the_calls() {
        let granted: BTreeSet<String> = role_permissions(COLLECTOR_ROLE).into_iter().collect();
        assert_eq!(granted, needed());
        assert_eq!(role_permissions(COLLECTOR_ROLE).len(), granted.len(), "no duplicates");
        assert!(granted.iter().all(|p| p.ends_with(".list") || p.ends_with(".get") || p.contains(".searchAll")));
    }

    /// Negative: the parser does not read permissions outside `includedPermissions`, so a role
    /// missing one is told apart.
    #[test]
    fn role_parser_reads_only_included_permissions() {
        let yaml = "title: x\nincludedPermissions:\n- a.b.list\n- c.d.get\nstage: GA\nother:\n- e.f.list\n";
        assert_eq!(role_permissions(yaml), ["a.b.list", "c.d.get"]);
        let fewer = "includedPermissions:\n- iam.roles.list\n";
        let granted: BTreeSet<String> = role_permissions(fewer).into_iter().collect();
        assert_ne!(granted, needed());
    }
}
