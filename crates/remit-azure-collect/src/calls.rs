//! Every REST call the collector makes, with the permission that authorizes it.
//!
//! The collector never builds a request without naming one of these calls, so the permission
//! an error reports is the one the call needs, and `collector-role.json` (ARM actions) and
//! `graph-permissions.json` (Graph application permissions) can be checked against this list:
//! a test in this module requires the role to hold exactly the actions of [`ArmCall::ALL`].

/// An Azure Resource Manager read. Api-versions are pinned here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArmCall {
    /// https://learn.microsoft.com/rest/api/resources/tenants/list
    Tenants,
    /// https://learn.microsoft.com/rest/api/managementgroups/management-groups/get
    ManagementGroup,
    /// https://learn.microsoft.com/rest/api/resources/subscriptions/list
    Subscriptions,
    /// https://learn.microsoft.com/rest/api/resources/resource-groups/list
    ResourceGroups,
    /// https://learn.microsoft.com/rest/api/resources/resources/list
    Resources,
    /// https://learn.microsoft.com/rest/api/authorization/role-definitions/list
    RoleDefinitions,
    /// https://learn.microsoft.com/rest/api/authorization/role-definitions/get-by-id
    RoleDefinitionById,
    /// https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope
    RoleAssignments,
    /// https://learn.microsoft.com/rest/api/authorization/deny-assignments/list-for-scope
    DenyAssignments,
    /// https://learn.microsoft.com/rest/api/authorization/role-eligibility-schedule-instances/list-for-scope
    RoleEligibilityScheduleInstances,
    /// https://learn.microsoft.com/rest/api/authorization/role-assignment-schedule-instances/list-for-scope
    RoleAssignmentScheduleInstances,
}

impl ArmCall {
    /// Every ARM call the collector can make.
    pub const ALL: [ArmCall; 11] = [
        ArmCall::Tenants,
        ArmCall::ManagementGroup,
        ArmCall::Subscriptions,
        ArmCall::ResourceGroups,
        ArmCall::Resources,
        ArmCall::RoleDefinitions,
        ArmCall::RoleDefinitionById,
        ArmCall::RoleAssignments,
        ArmCall::DenyAssignments,
        ArmCall::RoleEligibilityScheduleInstances,
        ArmCall::RoleAssignmentScheduleInstances,
    ];

    /// The resource provider operation that authorizes the call
    /// (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance
    /// for Microsoft.Authorization, Microsoft.Management and Microsoft.Resources).
    pub fn action(self) -> &'static str {
        match self {
            ArmCall::Tenants => "Microsoft.Resources/tenants/read",
            ArmCall::ManagementGroup => "Microsoft.Management/managementGroups/read",
            ArmCall::Subscriptions => "Microsoft.Resources/subscriptions/read",
            ArmCall::ResourceGroups => "Microsoft.Resources/subscriptions/resourceGroups/read",
            ArmCall::Resources => "Microsoft.Resources/subscriptions/resources/read",
            ArmCall::RoleDefinitions | ArmCall::RoleDefinitionById => "Microsoft.Authorization/roleDefinitions/read",
            ArmCall::RoleAssignments => "Microsoft.Authorization/roleAssignments/read",
            ArmCall::DenyAssignments => "Microsoft.Authorization/denyAssignments/read",
            ArmCall::RoleEligibilityScheduleInstances => {
                "Microsoft.Authorization/roleEligibilityScheduleInstances/read"
            }
            ArmCall::RoleAssignmentScheduleInstances => "Microsoft.Authorization/roleAssignmentScheduleInstances/read",
        }
    }

    /// The pinned api-version.
    pub fn api_version(self) -> &'static str {
        match self {
            ArmCall::Tenants | ArmCall::Subscriptions => "2022-12-01",
            ArmCall::ManagementGroup => "2020-05-01",
            ArmCall::ResourceGroups | ArmCall::Resources => "2021-04-01",
            ArmCall::RoleDefinitions
            | ArmCall::RoleDefinitionById
            | ArmCall::RoleAssignments
            | ArmCall::DenyAssignments => "2022-04-01",
            ArmCall::RoleEligibilityScheduleInstances | ArmCall::RoleAssignmentScheduleInstances => "2020-10-01",
        }
    }

    /// What the call reads, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ArmCall::Tenants => "list tenants",
            ArmCall::ManagementGroup => "get the management group tree",
            ArmCall::Subscriptions => "list subscriptions",
            ArmCall::ResourceGroups => "list resource groups",
            ArmCall::Resources => "list resources",
            ArmCall::RoleDefinitions => "list role definitions",
            ArmCall::RoleDefinitionById => "get a role definition an assignment uses",
            ArmCall::RoleAssignments => "list role assignments",
            ArmCall::DenyAssignments => "list deny assignments",
            ArmCall::RoleEligibilityScheduleInstances => "list PIM role eligibility schedule instances",
            ArmCall::RoleAssignmentScheduleInstances => "list PIM role assignment schedule instances",
        }
    }
}

/// A Microsoft Graph v1.0 read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GraphCall {
    /// https://learn.microsoft.com/graph/api/user-list
    Users,
    /// https://learn.microsoft.com/graph/api/group-list
    Groups,
    /// https://learn.microsoft.com/graph/api/group-list-members
    GroupMembers,
    /// https://learn.microsoft.com/graph/api/group-list-owners
    GroupOwners,
    /// https://learn.microsoft.com/graph/api/serviceprincipal-list
    ServicePrincipals,
    /// https://learn.microsoft.com/graph/api/serviceprincipal-list-owners
    ServicePrincipalOwners,
    /// https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments
    AppRoleAssignments,
    /// https://learn.microsoft.com/graph/api/application-list
    Applications,
    /// https://learn.microsoft.com/graph/api/application-list-owners
    ApplicationOwners,
    /// https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions
    DirectoryRoleDefinitions,
    /// https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments
    DirectoryRoleAssignments,
    /// https://learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityscheduleinstances
    DirectoryRoleEligibilityScheduleInstances,
}

impl GraphCall {
    /// Every Graph call the collector can make.
    pub const ALL: [GraphCall; 12] = [
        GraphCall::Users,
        GraphCall::Groups,
        GraphCall::GroupMembers,
        GraphCall::GroupOwners,
        GraphCall::ServicePrincipals,
        GraphCall::ServicePrincipalOwners,
        GraphCall::AppRoleAssignments,
        GraphCall::Applications,
        GraphCall::ApplicationOwners,
        GraphCall::DirectoryRoleDefinitions,
        GraphCall::DirectoryRoleAssignments,
        GraphCall::DirectoryRoleEligibilityScheduleInstances,
    ];

    /// The application permission, of the three the collector is granted, that authorizes the
    /// call (each call's "Permissions" table on its page, linked above).
    pub fn permission(self) -> &'static str {
        match self {
            GraphCall::Users | GraphCall::Groups | GraphCall::GroupMembers | GraphCall::GroupOwners => {
                "Directory.Read.All"
            }
            GraphCall::ServicePrincipals
            | GraphCall::ServicePrincipalOwners
            | GraphCall::AppRoleAssignments
            | GraphCall::Applications
            | GraphCall::ApplicationOwners => "Application.Read.All",
            GraphCall::DirectoryRoleDefinitions
            | GraphCall::DirectoryRoleAssignments
            | GraphCall::DirectoryRoleEligibilityScheduleInstances => "RoleManagement.Read.Directory",
        }
    }

    /// What the call reads, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            GraphCall::Users => "list users",
            GraphCall::Groups => "list groups",
            GraphCall::GroupMembers => "list group members",
            GraphCall::GroupOwners => "list group owners",
            GraphCall::ServicePrincipals => "list service principals",
            GraphCall::ServicePrincipalOwners => "list service principal owners",
            GraphCall::AppRoleAssignments => "list a service principal's app role assignments",
            GraphCall::Applications => "list applications",
            GraphCall::ApplicationOwners => "list application owners",
            GraphCall::DirectoryRoleDefinitions => "list directory role definitions",
            GraphCall::DirectoryRoleAssignments => "list directory role assignments",
            GraphCall::DirectoryRoleEligibilityScheduleInstances => {
                "list directory role eligibility schedule instances"
            }
        }
    }
}

/// One call, of either API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Call {
    /// Azure Resource Manager.
    Arm(ArmCall),
    /// Microsoft Graph.
    Graph(GraphCall),
}

impl Call {
    /// What the call reads.
    pub fn describe(self) -> &'static str {
        match self {
            Call::Arm(call) => call.describe(),
            Call::Graph(call) => call.describe(),
        }
    }

    /// The ARM action or Graph application permission the call needs.
    pub fn needs(self) -> String {
        match self {
            Call::Arm(call) => format!("the action {}", call.action()),
            Call::Graph(call) => format!("the Microsoft Graph application permission {}", call.permission()),
        }
    }
}

/// The custom role to assign to the collector's identity at the tenant root management group.
pub const COLLECTOR_ROLE: &str = include_str!("../collector-role.json");

/// The Microsoft Graph application permissions to grant (with admin consent).
pub const GRAPH_PERMISSIONS: &str = include_str!("../graph-permissions.json");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeSet;

    use super::*;

    fn json_strings(text: &str, pointer: &str) -> BTreeSet<String> {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        value
            .pointer(pointer)
            .and_then(|v| v.as_array())
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// The role grants exactly the actions the collector's calls need: every call is covered,
    /// and nothing else is granted (no wildcard, no write).
    #[test]
    fn collector_role_holds_exactly_the_actions_of_the_calls() {
        let granted = json_strings(COLLECTOR_ROLE, "/Actions");
        let needed: BTreeSet<String> = ArmCall::ALL.iter().map(|c| c.action().to_owned()).collect();
        assert_eq!(granted, needed);
        assert!(granted.iter().all(|a| a.ends_with("/read") && !a.contains('*')));
        for key in ["/NotActions", "/DataActions", "/NotDataActions"] {
            assert!(json_strings(COLLECTOR_ROLE, key).is_empty(), "{key} must be empty");
        }
    }

    #[test]
    fn graph_permissions_are_exactly_those_of_the_calls() {
        let granted = json_strings(GRAPH_PERMISSIONS, "/applicationPermissions");
        let needed: BTreeSet<String> = GraphCall::ALL.iter().map(|c| c.permission().to_owned()).collect();
        assert_eq!(granted, needed);
        assert!(granted.iter().all(|p| p.contains(".Read")));
    }

    /// Negative: a role missing one action is told apart.
    #[test]
    fn a_role_without_an_action_is_not_accepted() {
        let granted = json_strings(COLLECTOR_ROLE, "/Actions");
        let mut fewer = granted.clone();
        fewer.remove(ArmCall::DenyAssignments.action());
        let needed: BTreeSet<String> = ArmCall::ALL.iter().map(|c| c.action().to_owned()).collect();
        assert_ne!(fewer, needed);
    }
}
