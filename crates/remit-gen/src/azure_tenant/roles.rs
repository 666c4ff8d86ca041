//! The Azure role definitions the generated tenants use: built-in roles with their real GUIDs
//! and permissions, and the tenant's custom roles.
//!
//! Built-in roles are copied from the documentation so that an analysis reading
//! `role-definitions.json` decides exactly as Azure does:
//! <https://learn.microsoft.com/azure/role-based-access-control/built-in-roles> (each role's
//! "ID", "Actions", "NotActions", "DataActions"). Shape: `az role definition list`,
//! <https://learn.microsoft.com/azure/role-based-access-control/role-definitions>.

/// A role definition.
pub(crate) struct RoleDef {
    pub(crate) guid: &'static str,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) builtin: bool,
    pub(crate) actions: &'static [&'static str],
    pub(crate) not_actions: &'static [&'static str],
    pub(crate) data_actions: &'static [&'static str],
}

pub(crate) const OWNER: usize = 0;
pub(crate) const CONTRIBUTOR: usize = 1;
pub(crate) const READER: usize = 2;
pub(crate) const USER_ACCESS_ADMIN: usize = 3;
pub(crate) const BLOB_READER: usize = 4;
pub(crate) const BLOB_CONTRIBUTOR: usize = 5;
pub(crate) const KV_SECRETS_USER: usize = 6;
pub(crate) const VM_CONTRIBUTOR: usize = 7;
/// Custom: `Microsoft.Authorization/roleAssignments/write` among deployment rights.
pub(crate) const DEPLOYMENT_OPERATOR: usize = 8;
/// Custom: reads monitoring data.
pub(crate) const LOG_READER: usize = 9;

pub(crate) const ROLES: &[RoleDef] = &[
    RoleDef {
        guid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        name: "Owner",
        description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        builtin: true,
        actions: &["*"],
        not_actions: &[],
        data_actions: &[],
    },
    RoleDef {
        guid: "b24988ac-6180-42a0-ab88-20f7382dd24c",
        name: "Contributor",
        description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
        builtin: true,
        actions: &["*"],
        not_actions: &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ],
        data_actions: &[],
    },
    RoleDef {
        guid: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        name: "Reader",
        description: "View all resources, but does not allow you to make any changes.",
        builtin: true,
        actions: &["*/read"],
        not_actions: &[],
        data_actions: &[],
    },
    RoleDef {
        guid: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        name: "User Access Administrator",
        description: "Lets you manage user access to Azure resources.",
        builtin: true,
        actions: &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        not_actions: &[],
        data_actions: &[],
    },
    RoleDef {
        guid: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        name: "Storage Blob Data Reader",
        description: "Allows for read access to Azure Storage blob containers and data",
        builtin: true,
        actions: &[
            "Microsoft.Storage/storageAccounts/blobServices/containers/read",
            "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
        ],
        not_actions: &[],
        data_actions: &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
    },
    RoleDef {
        guid: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        name: "Storage Blob Data Contributor",
        description: "Allows for read, write and delete access to Azure Storage blob containers and data",
        builtin: true,
        actions: &[
            "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
            "Microsoft.Storage/storageAccounts/blobServices/containers/read",
            "Microsoft.Storage/storageAccounts/blobServices/containers/write",
            "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
        ],
        not_actions: &[],
        data_actions: &[
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
        ],
    },
    RoleDef {
        guid: "4633458b-17de-408a-b874-0445c86b69e6",
        name: "Key Vault Secrets User",
        description: "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
        builtin: true,
        actions: &[],
        not_actions: &[],
        data_actions: &[
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ],
    },
    RoleDef {
        guid: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
        name: "Virtual Machine Contributor",
        description: "Lets you manage virtual machines, but not access to them, and not the virtual network or storage account they're connected to.",
        builtin: true,
        actions: &[
            "Microsoft.Authorization/*/read",
            "Microsoft.Compute/availabilitySets/*",
            "Microsoft.Compute/locations/*",
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/virtualMachineScaleSets/*",
            "Microsoft.Compute/cloudServices/*",
            "Microsoft.Compute/disks/write",
            "Microsoft.Compute/disks/read",
            "Microsoft.Compute/disks/delete",
            "Microsoft.Compute/hostgroups/write",
            "Microsoft.Compute/hostgroups/hosts/write",
            "Microsoft.DevTestLab/schedules/*",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Network/applicationGateways/backendAddressPools/join/action",
            "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
            "Microsoft.Network/loadBalancers/inboundNatPools/join/action",
            "Microsoft.Network/loadBalancers/inboundNatRules/join/action",
            "Microsoft.Network/loadBalancers/probes/join/action",
            "Microsoft.Network/loadBalancers/read",
            "Microsoft.Network/locations/*",
            "Microsoft.Network/networkInterfaces/*",
            "Microsoft.Network/networkSecurityGroups/join/action",
            "Microsoft.Network/networkSecurityGroups/read",
            "Microsoft.Network/publicIPAddresses/join/action",
            "Microsoft.Network/publicIPAddresses/read",
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/virtualNetworks/subnets/join/action",
            "Microsoft.RecoveryServices/locations/*",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/backupProtectionIntent/write",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/*/read",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/read",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write",
            "Microsoft.RecoveryServices/Vaults/backupPolicies/read",
            "Microsoft.RecoveryServices/Vaults/backupPolicies/write",
            "Microsoft.RecoveryServices/Vaults/read",
            "Microsoft.RecoveryServices/Vaults/usages/read",
            "Microsoft.RecoveryServices/Vaults/write",
            "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.SerialConsole/serialPorts/connect/action",
            "Microsoft.SqlVirtualMachine/*",
            "Microsoft.Storage/storageAccounts/listKeys/action",
            "Microsoft.Storage/storageAccounts/read",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        data_actions: &[],
    },
    RoleDef {
        guid: "6f2c1a9e-3d4b-4e8a-9b7c-0d1e2f3a4b5c",
        name: "Deployment Operator",
        description: "Deploys application templates and wires their identities (custom).",
        builtin: false,
        actions: &[
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Web/sites/*",
            "Microsoft.Authorization/roleAssignments/read",
            "Microsoft.Authorization/roleAssignments/write",
        ],
        not_actions: &[],
        data_actions: &[],
    },
    RoleDef {
        guid: "0b5e7c3d-8f21-4a6b-b9d4-7e6f5a4b3c2d",
        name: "Log Reader",
        description: "Reads diagnostic settings and activity logs (custom).",
        builtin: false,
        actions: &[
            "Microsoft.Insights/diagnosticSettings/read",
            "Microsoft.Insights/eventtypes/values/read",
            "Microsoft.OperationalInsights/workspaces/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ],
        not_actions: &[],
        data_actions: &[],
    },
];

/// Microsoft Graph's application id, the same in every tenant.
/// <https://learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in>
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The Microsoft tenant that owns first-party applications.
pub(crate) const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// Microsoft Graph application permissions (app roles) used: value and id.
/// <https://learn.microsoft.com/graph/permissions-reference>
pub(crate) const GRAPH_APP_ROLES: &[(&str, &str, &str)] = &[
    (
        "RoleManagement.ReadWrite.Directory",
        "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "Read and write all directory RBAC settings",
    ),
    ("Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Read and write all applications"),
    (
        "AppRoleAssignment.ReadWrite.All",
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "Manage app permission grants and app role assignments",
    ),
    ("Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Read directory data"),
    ("User.Read.All", "df021288-bdef-4463-88db-98f22de89214", "Read all users' full profiles"),
    ("Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b", "Read all groups"),
];
pub(crate) const GRAPH_ROLE_MANAGEMENT: usize = 0;

/// Entra directory roles used: display name, template id, and a documented subset of their
/// `allowedResourceActions` (the full lists are long; these are the ones that make the role
/// privileged). <https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>
pub(crate) const DIRECTORY_ROLES: &[(&str, &str, &[&str])] = &[
    (
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
        &[
            "microsoft.directory/applications/allProperties/allTasks",
            "microsoft.directory/groups/allProperties/allTasks",
            "microsoft.directory/roleAssignments/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/allProperties/allTasks",
            "microsoft.directory/users/allProperties/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
        ],
    ),
    (
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        &[
            "microsoft.directory/roleAssignments/allProperties/allTasks",
            "microsoft.directory/roleDefinitions/allProperties/allTasks",
            "microsoft.directory/roleEligibilitySchedules/allProperties/allTasks",
            "microsoft.directory/servicePrincipals/appRoleAssignedTo/update",
            "microsoft.directory/servicePrincipals/permissions/allProperties/allTasks",
        ],
    ),
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        &[
            "microsoft.directory/applications/create",
            "microsoft.directory/applications/credentials/update",
            "microsoft.directory/applications/owners/update",
            "microsoft.directory/servicePrincipals/credentials/update",
            "microsoft.directory/servicePrincipals/owners/update",
        ],
    ),
];
pub(crate) const GLOBAL_ADMIN: usize = 0;
pub(crate) const PRIVILEGED_ROLE_ADMIN: usize = 1;
pub(crate) const APPLICATION_ADMIN: usize = 2;
