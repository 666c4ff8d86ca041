//! Reads one Entra tenant's directory of the bundle (`azure/<tenant-id>/`) into plain data.
//!
//! The files are the unmodified output of `az` and Microsoft Graph (docs/environment-bundle.md,
//! "Azure"), in all the spellings they come in: az's camelCase, PowerShell's PascalCase, the
//! REST shape with a `properties` object, Graph's `{"value": [...]}` pages, and the pre-2.37
//! `objectId`/`objectType`. Field names are therefore looked up case-insensitively, in the
//! element and then in its `properties`. A file that cannot be read or is not JSON is an error
//! naming the file, line and column; a malformed element is an [`ImportIssue`] naming the file
//! and JSON path, and the principal it concerns is marked incomplete, so no answer silently
//! rests on partial data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::action::Permission;

/// A file that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The tenant directory or a file in it cannot be read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file or directory.
        file: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file is not JSON.
    #[error("{}: line {line}, column {column}: {message}", file.display())]
    Json {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON reader says.
        message: String,
    },
    /// A file is JSON but not of the expected shape as a whole (an object where a list is
    /// expected, for example).
    #[error("{}: at {path}: {message}", file.display())]
    Shape {
        /// The file.
        file: PathBuf,
        /// The JSON path (`$`, `$.value`).
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A malformed element that was skipped, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    /// The file.
    pub file: PathBuf,
    /// The JSON path of the element (`$[3].principalId`).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The principal whose answers are incomplete because of it, when known.
    pub principal: Option<String>,
}

/// `tenant.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tenant {
    /// `tenantId`.
    pub tenant_id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `defaultDomain`.
    pub default_domain: Option<String>,
}

/// A management group of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagementGroup {
    /// Its `name` (the group id).
    pub name: String,
    /// Its `displayName`.
    pub display_name: Option<String>,
    /// Its parent's name (`None` for the tenant root group).
    pub parent: Option<String>,
}

/// A subscription (`az account list --all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The subscription id.
    pub id: String,
    /// Its `name`.
    pub name: Option<String>,
    /// Its `state` (`Enabled`, `Disabled`, …).
    pub state: Option<String>,
    /// Its management group, from the tree.
    pub management_group: Option<String>,
}

/// An Azure role definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDefinition {
    /// The GUID (lowercase): the last segment of `id`, else `name` (az) or `Id` (PowerShell).
    pub guid: String,
    /// `id` as written, when present.
    pub id: Option<String>,
    /// `roleName` (az) or `Name` (PowerShell).
    pub role_name: String,
    /// True for a custom role (`roleType: CustomRole` or `IsCustom: true`).
    pub custom: bool,
    /// `assignableScopes`.
    pub assignable_scopes: Vec<String>,
    /// The permission blocks.
    pub permissions: Vec<Permission>,
}

/// Where an assignment was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file, relative to the tenant directory.
    pub file: String,
    /// The element's JSON path.
    pub path: String,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.file, self.path)
    }
}

/// A role assignment, or a PIM schedule instance (which has the same core).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    /// `id`, when written.
    pub id: Option<String>,
    /// `scope`.
    pub scope: String,
    /// The role definition's GUID (lowercase), from `roleDefinitionId`'s last segment.
    pub role_guid: String,
    /// `roleDefinitionName` (az adds it), when written.
    pub role_name: Option<String>,
    /// `principalId` (or `objectId`), lowercase.
    pub principal_id: String,
    /// `principalType` (or `objectType`).
    pub principal_type: Option<String>,
    /// `condition`, when set.
    pub condition: Option<String>,
    /// `conditionVersion`.
    pub condition_version: Option<String>,
    /// For PIM instances: `assignmentType` (`Assigned` or `Activated`).
    pub assignment_type: Option<String>,
    /// For PIM instances: `memberType` (`Direct`, `Group`, `Inherited`).
    pub member_type: Option<String>,
    /// For PIM instances: `endDateTime`.
    pub end_date_time: Option<String>,
    /// Where it was read.
    pub source: Source,
}

/// A principal named by a deny assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyPrincipal {
    /// The object id (lowercase); all zeros with type `SystemDefined` means everyone.
    pub id: String,
    /// Its type.
    pub kind: Option<String>,
}

/// The all-principals id of deny assignments
/// (<https://learn.microsoft.com/azure/role-based-access-control/deny-assignments#deny-assignment-properties>).
pub const ALL_PRINCIPALS: &str = "00000000-0000-0000-0000-000000000000";

/// A deny assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyAssignment {
    /// `id`.
    pub id: Option<String>,
    /// `denyAssignmentName`.
    pub name: String,
    /// `scope`.
    pub scope: String,
    /// `doNotApplyToChildScopes`.
    pub do_not_apply_to_child_scopes: bool,
    /// `principals`.
    pub principals: Vec<DenyPrincipal>,
    /// `excludePrincipals`.
    pub exclude_principals: Vec<DenyPrincipal>,
    /// `permissions`.
    pub permissions: Vec<Permission>,
    /// `isSystemProtected`.
    pub system_protected: bool,
    /// Where it was read.
    pub source: Source,
}

/// A resource group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceGroup {
    /// `id`.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `location`.
    pub location: Option<String>,
}

/// A user-assigned identity attached to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAssignedIdentity {
    /// The identity's resource id.
    pub resource_id: String,
    /// Its `principalId` (lowercase).
    pub principal_id: Option<String>,
    /// Its `clientId`.
    pub client_id: Option<String>,
}

/// A resource (`az resource list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureResource {
    /// `id`.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `type`.
    pub resource_type: String,
    /// `location`.
    pub location: Option<String>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
    /// `identity.principalId`: the system-assigned identity (lowercase).
    pub system_identity: Option<String>,
    /// `identity.userAssignedIdentities`.
    pub user_identities: Vec<UserAssignedIdentity>,
}

/// An Entra user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    /// Object id (lowercase).
    pub id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `userPrincipalName`.
    pub user_principal_name: Option<String>,
    /// `mail`.
    pub mail: Option<String>,
    /// `accountEnabled`.
    pub account_enabled: Option<bool>,
    /// `userType` (`Member`, `Guest`).
    pub user_type: Option<String>,
    /// `externalUserState` (`PendingAcceptance`, `Accepted`).
    pub external_user_state: Option<String>,
    /// `onPremisesImmutableId`.
    pub on_premises_immutable_id: Option<String>,
    /// `employeeId`.
    pub employee_id: Option<String>,
    /// `createdDateTime`.
    pub created_date_time: Option<String>,
}

impl User {
    /// True for a B2B guest (`userType: Guest`).
    pub fn is_guest(&self) -> bool {
        self.user_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("Guest"))
    }
}

/// An Entra group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// Object id (lowercase).
    pub id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `mail`.
    pub mail: Option<String>,
    /// `isAssignableToRole`.
    pub is_assignable_to_role: bool,
    /// `securityEnabled`.
    pub security_enabled: Option<bool>,
}

/// An Entra service principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServicePrincipal {
    /// Object id (lowercase).
    pub id: String,
    /// `appId`.
    pub app_id: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `servicePrincipalType` (`Application`, `ManagedIdentity`, …).
    pub service_principal_type: Option<String>,
    /// `accountEnabled`.
    pub account_enabled: Option<bool>,
    /// `appOwnerOrganizationId`.
    pub app_owner_organization_id: Option<String>,
    /// `alternativeNames` (a managed identity's resource id is among them).
    pub alternative_names: Vec<String>,
    /// `appRoles`: (id lowercase, value) pairs, to name application permissions.
    pub app_roles: Vec<(String, String)>,
    /// Number of `keyCredentials` plus `passwordCredentials`.
    pub credentials: usize,
}

impl ServicePrincipal {
    /// True for a managed identity.
    pub fn is_managed_identity(&self) -> bool {
        self.service_principal_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"))
    }
}

/// An Entra application registration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Application {
    /// Object id (lowercase).
    pub id: String,
    /// `appId`.
    pub app_id: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// Number of `keyCredentials` plus `passwordCredentials`.
    pub credentials: usize,
}

/// What kind of directory object a member or owner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectKind {
    /// `#microsoft.graph.user` / `User`.
    User,
    /// `#microsoft.graph.group` / `Group`.
    Group,
    /// `#microsoft.graph.servicePrincipal` / `ServicePrincipal`.
    ServicePrincipal,
    /// Anything else (devices, org contacts).
    Other,
}

/// A member of a group or an owner of an object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DirectoryObject {
    /// Object id (lowercase).
    pub id: String,
    /// Its kind.
    pub kind: ObjectKind,
}

/// A directory role definition (Graph `unifiedRoleDefinition`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRoleDefinition {
    /// `id` (lowercase; the template id for built-in roles).
    pub id: String,
    /// `templateId` (lowercase), when written.
    pub template_id: Option<String>,
    /// `displayName`.
    pub display_name: String,
    /// `isBuiltIn`.
    pub built_in: bool,
    /// `rolePermissions[].allowedResourceActions`, flattened.
    pub allowed_actions: Vec<String>,
}

/// A directory role assignment or eligibility (Graph `unifiedRoleAssignment`,
/// `unifiedRoleEligibilityScheduleInstance`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRoleAssignment {
    /// `id`.
    pub id: Option<String>,
    /// `principalId` (lowercase).
    pub principal_id: String,
    /// `roleDefinitionId` (lowercase).
    pub role_definition_id: String,
    /// `directoryScopeId` (`/` for the tenant).
    pub directory_scope_id: String,
    /// Where it was read.
    pub source: Source,
}

/// An application permission held by a service principal (Graph `appRoleAssignment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoleAssignment {
    /// `principalId`: the service principal holding it (lowercase).
    pub principal_id: String,
    /// `resourceId`: the resource service principal (lowercase).
    pub resource_id: String,
    /// `resourceDisplayName`.
    pub resource_display_name: Option<String>,
    /// `appRoleId` (lowercase).
    pub app_role_id: String,
    /// Where it was read.
    pub source: Source,
}

/// One tenant, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzureEnvironment {
    /// The tenant id (the directory's name).
    pub tenant_id: String,
    /// `tenant.json`, when present.
    pub tenant: Option<Tenant>,
    /// The management groups, parents before children.
    pub management_groups: Vec<ManagementGroup>,
    /// This tenant's subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Role definitions, built-in and custom.
    pub role_definitions: Vec<RoleDefinition>,
    /// Active role assignments (deduplicated by id across files).
    pub role_assignments: Vec<RoleAssignment>,
    /// Deny assignments.
    pub deny_assignments: Vec<DenyAssignment>,
    /// PIM eligible assignments (`roleEligibilityScheduleInstances`).
    pub eligible_assignments: Vec<RoleAssignment>,
    /// PIM active assignments (`roleAssignmentScheduleInstances`).
    pub active_schedule_instances: Vec<RoleAssignment>,
    /// Resource groups.
    pub resource_groups: Vec<ResourceGroup>,
    /// Resources.
    pub resources: Vec<AzureResource>,
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Direct members of each group (group id → members).
    pub group_members: BTreeMap<String, Vec<DirectoryObject>>,
    /// Service principals.
    pub service_principals: Vec<ServicePrincipal>,
    /// Applications.
    pub applications: Vec<Application>,
    /// Owners of applications, service principals and groups (object id → owners).
    pub owners: BTreeMap<String, Vec<DirectoryObject>>,
    /// Directory role definitions.
    pub directory_role_definitions: Vec<DirectoryRoleDefinition>,
    /// Active directory role assignments.
    pub directory_role_assignments: Vec<DirectoryRoleAssignment>,
    /// Eligible directory role assignments (PIM).
    pub directory_role_eligibilities: Vec<DirectoryRoleAssignment>,
    /// Application permissions held by service principals.
    pub app_role_assignments: Vec<AppRoleAssignment>,
    /// Principals (lowercase object ids) whose answers may be incomplete.
    pub incomplete: BTreeSet<String>,
}

/// Reads one tenant directory (`ENV/azure/<tenant-id>/`).
pub fn load(dir: &Path) -> Result<(AzureEnvironment, Vec<ImportIssue>), ImportError> {
    let metadata = std::fs::metadata(dir).map_err(|source| ImportError::Io { file: dir.to_owned(), source })?;
    if !metadata.is_dir() {
        return Err(ImportError::Io {
            file: dir.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a tenant directory"),
        });
    }
    let tenant_id = dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let mut reader = Reader {
        root: dir.to_owned(),
        issues: Vec::new(),
        env: AzureEnvironment { tenant_id, ..AzureEnvironment::default() },
    };
    reader.tenant()?;
    reader.management_groups()?;
    reader.subscriptions()?;
    reader.role_definitions()?;
    reader.scoped_files()?;
    reader.entra()?;
    let Reader { env, issues, .. } = reader;
    Ok((env, issues))
}

/// The last `/` segment, lowercase (a GUID whatever scope prefixes it).
pub fn trailing_guid(id: &str) -> String {
    id.trim().trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_ascii_lowercase()
}

/// An element with its file and JSON path, and case-insensitive field lookup.
struct Element<'a> {
    object: &'a Map<String, Value>,
    path: String,
}

impl<'a> Element<'a> {
    /// The first of `names` present (case-insensitive, not null), each looked up in the
    /// element and then in its `properties` (the ARM REST shape), in the order given.
    fn field(&self, names: &[&str]) -> Option<&'a Value> {
        let properties = match self.object.iter().find(|(k, _)| k.eq_ignore_ascii_case("properties")) {
            Some((_, Value::Object(properties))) => Some(properties),
            _ => None,
        };
        let lookup = |object: &'a Map<String, Value>, name: &str| {
            object.iter().find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_null()).map(|(_, v)| v)
        };
        names.iter().find_map(|name| lookup(self.object, name).or_else(|| properties.and_then(|p| lookup(p, name))))
    }

    fn string(&self, names: &[&str]) -> Option<String> {
        match self.field(names)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    fn boolean(&self, names: &[&str]) -> Option<bool> {
        match self.field(names)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.to_ascii_lowercase().parse().ok(),
            _ => None,
        }
    }

    fn strings(&self, names: &[&str]) -> Result<Vec<String>, String> {
        match self.field(names) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(format!("{}.{}[{i}] is not a string", self.path, names[0])),
                })
                .collect(),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(_) => Err(format!("{}.{} is not a list of strings", self.path, names[0])),
        }
    }

    fn at(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }
}

struct Reader {
    root: PathBuf,
    issues: Vec<ImportIssue>,
    env: AzureEnvironment,
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root).unwrap_or(file).to_string_lossy().replace('\\', "/")
}

impl Reader {
    fn read(&self, file: &Path) -> Result<Option<Value>, ImportError> {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ImportError::Io { file: file.to_owned(), source }),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| ImportError::Json {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }

    /// The elements of a list file: a JSON array, or Graph's / ARM's `{"value": [...]}`.
    fn list(&self, file: &Path) -> Result<Option<Vec<Value>>, ImportError> {
        let Some(value) = self.read(file)? else { return Ok(None) };
        match value {
            Value::Array(items) => Ok(Some(items)),
            Value::Object(mut object) => match object.remove("value") {
                Some(Value::Array(items)) => Ok(Some(items)),
                _ => Err(ImportError::Shape {
                    file: file.to_owned(),
                    path: "$".to_owned(),
                    message: "expected a JSON array or an object with a `value` array".to_owned(),
                }),
            },
            _ => Err(ImportError::Shape {
                file: file.to_owned(),
                path: "$".to_owned(),
                message: "expected a JSON array or an object with a `value` array".to_owned(),
            }),
        }
    }

    fn issue(&mut self, file: &Path, path: String, message: impl Into<String>, principal: Option<String>) {
        if let Some(p) = &principal {
            self.env.incomplete.insert(p.clone());
        }
        self.issues.push(ImportIssue { file: file.to_owned(), path, message: message.into(), principal });
    }

    /// Visits each element of a list file that is a JSON object; others become issues.
    fn each(
        &mut self,
        file: &Path,
        mut visit: impl FnMut(&mut Self, &Element<'_>) -> Result<(), (String, String, Option<String>)>,
    ) -> Result<(), ImportError> {
        let Some(items) = self.list(file)? else { return Ok(()) };
        for (i, item) in items.iter().enumerate() {
            let path = format!("$[{i}]");
            match item {
                Value::Object(object) => {
                    let element = Element { object, path };
                    if let Err((path, message, principal)) = visit(self, &element) {
                        self.issue(file, path, message, principal);
                    }
                }
                _ => self.issue(file, path, "expected a JSON object", None),
            }
        }
        Ok(())
    }

    fn sorted_dir(&self, dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(ImportError::Io { file: dir.to_owned(), source }),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ImportError::Io { file: dir.to_owned(), source })?;
            out.push(entry.path());
        }
        out.sort();
        Ok(out)
    }

    fn tenant(&mut self) -> Result<(), ImportError> {
        let file = self.root.join("tenant.json");
        let Some(value) = self.read(&file)? else { return Ok(()) };
        let object = match &value {
            Value::Object(o) => Some(o),
            Value::Array(items) => items.first().and_then(Value::as_object),
            _ => None,
        };
        let Some(object) = object else {
            return Err(ImportError::Shape { file, path: "$".into(), message: "expected the tenant object".into() });
        };
        let e = Element { object, path: "$".into() };
        self.env.tenant = Some(Tenant {
            tenant_id: e.string(&["tenantId", "id"]).unwrap_or_else(|| self.env.tenant_id.clone()),
            display_name: e.string(&["displayName"]),
            default_domain: e.string(&["defaultDomain"]),
        });
        Ok(())
    }

    fn management_groups(&mut self) -> Result<(), ImportError> {
        let file = self.root.join("management-groups.json");
        let Some(value) = self.read(&file)? else { return Ok(()) };
        let Value::Object(root) = &value else {
            return Err(ImportError::Shape {
                file,
                path: "$".into(),
                message:
                    "expected the management group object of `az account management-group show --expand --recurse`"
                        .into(),
            });
        };
        // Depth-first over `children`; `type` tells management groups from subscriptions
        // (`Microsoft.Management/managementGroups` or `/providers/…`, and `/subscriptions`).
        let mut stack: Vec<(&Map<String, Value>, String, Option<String>)> = vec![(root, "$".into(), None)];
        while let Some((object, path, parent)) = stack.pop() {
            let e = Element { object, path: path.clone() };
            let kind = e.string(&["type"]).unwrap_or_default().to_ascii_lowercase();
            let name = e.string(&["name"]).or_else(|| e.string(&["id"]).map(|id| trailing_guid(&id)));
            let Some(name) = name else {
                self.issue(&file, e.at("name"), "missing name", None);
                continue;
            };
            if kind.ends_with("/subscriptions") || kind == "subscriptions" {
                let id = trailing_guid(&name);
                self.env.subscriptions.push(Subscription {
                    id: id.clone(),
                    name: e.string(&["displayName"]),
                    state: None,
                    management_group: parent.clone(),
                });
                continue;
            }
            if !kind.is_empty() && !kind.ends_with("managementgroups") {
                self.issue(&file, e.at("type"), format!("unknown child type `{kind}`"), None);
                continue;
            }
            let name = name.to_ascii_lowercase();
            let mg_parent = parent.clone().or_else(|| {
                e.field(&["details"])
                    .and_then(|d| d.get("parent"))
                    .and_then(|p| p.get("name").or_else(|| p.get("id")))
                    .and_then(Value::as_str)
                    .map(trailing_guid)
            });
            self.env.management_groups.push(ManagementGroup {
                name: name.clone(),
                display_name: e.string(&["displayName"]),
                parent: mg_parent,
            });
            match e.field(&["children"]) {
                None => {}
                Some(Value::Array(children)) => {
                    for (i, child) in children.iter().enumerate().rev() {
                        match child {
                            Value::Object(c) => stack.push((c, format!("{path}.children[{i}]"), Some(name.clone()))),
                            _ => self.issue(&file, format!("{path}.children[{i}]"), "expected an object", None),
                        }
                    }
                }
                Some(_) => self.issue(&file, e.at("children"), "expected a list", None),
            }
        }
        Ok(())
    }

    fn subscriptions(&mut self) -> Result<(), ImportError> {
        let file = self.root.join("subscriptions.json");
        let tenant = self.env.tenant_id.clone();
        self.each(&file, |reader, e| {
            let id = e
                .string(&["id", "subscriptionId"])
                .map(|id| trailing_guid(&id))
                .ok_or_else(|| (e.at("id"), "missing subscription id".to_owned(), None))?;
            // `az account list --all` lists every tenant the caller can see: keep this one's.
            if let Some(t) = e.string(&["tenantId"])
                && !tenant.is_empty()
                && !t.eq_ignore_ascii_case(&tenant)
            {
                return Ok(());
            }
            let name = e.string(&["name", "displayName"]);
            let state = e.string(&["state"]);
            match reader.env.subscriptions.iter_mut().find(|s| s.id == id) {
                Some(existing) => {
                    existing.name = name.or(existing.name.take());
                    existing.state = state;
                }
                None => reader.env.subscriptions.push(Subscription { id, name, state, management_group: None }),
            }
            Ok(())
        })
    }

    fn role_definitions(&mut self) -> Result<(), ImportError> {
        let file = self.root.join("role-definitions.json");
        self.each(&file, |reader, e| {
            let definition = role_definition(e).map_err(|(path, message)| (path, message, None))?;
            if !reader.env.role_definitions.iter().any(|d| d.guid == definition.guid) {
                reader.env.role_definitions.push(definition);
            }
            Ok(())
        })
    }

    fn scoped_files(&mut self) -> Result<(), ImportError> {
        let mut dirs = self.sorted_dir(&self.root.join("management-groups"))?;
        dirs.extend(self.sorted_dir(&self.root.join("subscriptions"))?);
        let mut seen_assignments = BTreeSet::new();
        let mut seen_denies = BTreeSet::new();
        let mut seen_eligible = BTreeSet::new();
        let mut seen_active = BTreeSet::new();
        for dir in dirs.into_iter().filter(|d| d.is_dir()) {
            let root = self.root.clone();
            let file = dir.join("role-assignments.json");
            let rel = relative(&root, &file);
            self.each(&file, |reader, e| {
                let a = assignment(e, &rel)?;
                if seen_assignments
                    .insert(a.id.clone().map(|i| i.to_ascii_lowercase()).unwrap_or_else(|| dedupe_key(&a)))
                {
                    reader.env.role_assignments.push(a);
                }
                Ok(())
            })?;
            let file = dir.join("role-eligibility-schedule-instances.json");
            let rel = relative(&root, &file);
            self.each(&file, |reader, e| {
                let a = assignment(e, &rel)?;
                if seen_eligible.insert(a.id.clone().map(|i| i.to_ascii_lowercase()).unwrap_or_else(|| dedupe_key(&a)))
                {
                    reader.env.eligible_assignments.push(a);
                }
                Ok(())
            })?;
            let file = dir.join("role-assignment-schedule-instances.json");
            let rel = relative(&root, &file);
            self.each(&file, |reader, e| {
                let a = assignment(e, &rel)?;
                if seen_active.insert(a.id.clone().map(|i| i.to_ascii_lowercase()).unwrap_or_else(|| dedupe_key(&a))) {
                    reader.env.active_schedule_instances.push(a);
                }
                Ok(())
            })?;
            let file = dir.join("deny-assignments.json");
            let rel = relative(&root, &file);
            self.each(&file, |reader, e| {
                let d = deny_assignment(e, &rel)?;
                if seen_denies.insert(
                    d.id.clone().map(|i| i.to_ascii_lowercase()).unwrap_or_else(|| format!("{}|{}", d.scope, d.name)),
                ) {
                    reader.env.deny_assignments.push(d);
                }
                Ok(())
            })?;
            if dir.parent().and_then(Path::file_name).is_some_and(|n| n == "subscriptions") {
                self.resource_groups(&dir.join("resource-groups.json"))?;
                self.resources(&dir.join("resources.json"))?;
            }
        }
        Ok(())
    }

    fn resource_groups(&mut self, file: &Path) -> Result<(), ImportError> {
        self.each(file, |reader, e| {
            let id = e.string(&["id"]).ok_or_else(|| (e.at("id"), "missing id".to_owned(), None))?;
            let name = e.string(&["name"]).unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_owned());
            reader.env.resource_groups.push(ResourceGroup { id, name, location: e.string(&["location"]) });
            Ok(())
        })
    }

    fn resources(&mut self, file: &Path) -> Result<(), ImportError> {
        self.each(file, |reader, e| {
            let id = e.string(&["id"]).ok_or_else(|| (e.at("id"), "missing id".to_owned(), None))?;
            let resource_type = e.string(&["type"]).ok_or_else(|| (e.at("type"), "missing type".to_owned(), None))?;
            let mut tags = BTreeMap::new();
            if let Some(Value::Object(t)) = e.field(&["tags"]) {
                for (k, v) in t {
                    tags.insert(k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()));
                }
            }
            let mut system_identity = None;
            let mut user_identities = Vec::new();
            if let Some(identity) = e.field(&["identity"]) {
                let Value::Object(identity) = identity else {
                    return Err((e.at("identity"), "expected an object".to_owned(), None));
                };
                let ie = Element { object: identity, path: e.at("identity") };
                let kind = ie.string(&["type"]).unwrap_or_default().to_ascii_lowercase();
                if kind.contains("systemassigned") {
                    system_identity = ie.string(&["principalId"]).map(|p| p.to_ascii_lowercase());
                    if system_identity.is_none() {
                        reader.issue(
                            file,
                            ie.at("principalId"),
                            "a system-assigned identity without principalId",
                            None,
                        );
                    }
                }
                if let Some(Value::Object(map)) = ie.field(&["userAssignedIdentities"]) {
                    for (resource_id, details) in map {
                        let d = details.as_object();
                        let get = |k: &str| {
                            d.and_then(|d| d.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)))
                                .and_then(|(_, v)| v.as_str())
                        };
                        user_identities.push(UserAssignedIdentity {
                            resource_id: resource_id.clone(),
                            principal_id: get("principalId").map(str::to_ascii_lowercase),
                            client_id: get("clientId").map(str::to_owned),
                        });
                    }
                }
            }
            reader.env.resources.push(AzureResource {
                name: e.string(&["name"]).unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_owned()),
                id,
                resource_type,
                location: e.string(&["location"]),
                tags,
                system_identity,
                user_identities,
            });
            Ok(())
        })
    }

    fn entra(&mut self) -> Result<(), ImportError> {
        let entra = self.root.join("entra");
        self.each(&entra.join("users.json"), |reader, e| {
            let id = object_id(e)?;
            reader.env.users.push(User {
                id,
                display_name: e.string(&["displayName"]),
                user_principal_name: e.string(&["userPrincipalName"]),
                mail: e.string(&["mail"]),
                account_enabled: e.boolean(&["accountEnabled"]),
                user_type: e.string(&["userType"]),
                external_user_state: e.string(&["externalUserState"]),
                on_premises_immutable_id: e.string(&["onPremisesImmutableId"]),
                employee_id: e.string(&["employeeId"]),
                created_date_time: e.string(&["createdDateTime"]),
            });
            Ok(())
        })?;
        self.each(&entra.join("groups.json"), |reader, e| {
            let id = object_id(e)?;
            reader.env.groups.push(Group {
                id,
                display_name: e.string(&["displayName"]),
                mail: e.string(&["mail"]),
                is_assignable_to_role: e.boolean(&["isAssignableToRole"]).unwrap_or(false),
                security_enabled: e.boolean(&["securityEnabled"]),
            });
            Ok(())
        })?;
        self.each(&entra.join("service-principals.json"), |reader, e| {
            let id = object_id(e)?;
            let alternative_names =
                e.strings(&["alternativeNames"]).map_err(|m| (e.at("alternativeNames"), m, Some(id.clone())))?;
            let mut app_roles = Vec::new();
            if let Some(Value::Array(roles)) = e.field(&["appRoles"]) {
                for role in roles {
                    if let (Some(rid), Some(value)) =
                        (role.get("id").and_then(Value::as_str), role.get("value").and_then(Value::as_str))
                    {
                        app_roles.push((rid.to_ascii_lowercase(), value.to_owned()));
                    }
                }
            }
            reader.env.service_principals.push(ServicePrincipal {
                app_id: e.string(&["appId"]).map(|a| a.to_ascii_lowercase()),
                display_name: e.string(&["displayName"]),
                service_principal_type: e.string(&["servicePrincipalType"]),
                account_enabled: e.boolean(&["accountEnabled"]),
                app_owner_organization_id: e.string(&["appOwnerOrganizationId"]),
                alternative_names,
                app_roles,
                credentials: count(e, "keyCredentials") + count(e, "passwordCredentials"),
                id,
            });
            Ok(())
        })?;
        self.each(&entra.join("applications.json"), |reader, e| {
            let id = object_id(e)?;
            reader.env.applications.push(Application {
                id,
                app_id: e.string(&["appId"]).map(|a| a.to_ascii_lowercase()),
                display_name: e.string(&["displayName"]),
                credentials: count(e, "keyCredentials") + count(e, "passwordCredentials"),
            });
            Ok(())
        })?;
        for file in self.sorted_dir(&entra.join("group-members"))? {
            let group = file_stem(&file);
            let members = self.directory_objects(&file, &group)?;
            self.env.group_members.insert(group, members);
        }
        for file in self.sorted_dir(&entra.join("owners"))? {
            let owned = file_stem(&file);
            let owners = self.directory_objects(&file, &owned)?;
            self.env.owners.insert(owned, owners);
        }
        self.each(&entra.join("directory-role-definitions.json"), |reader, e| {
            let id = object_id(e)?;
            let display_name = e
                .string(&["displayName"])
                .ok_or_else(|| (e.at("displayName"), "missing displayName".to_owned(), None))?;
            let mut allowed_actions = Vec::new();
            if let Some(Value::Array(blocks)) = e.field(&["rolePermissions"]) {
                for block in blocks {
                    if let Some(Value::Array(actions)) = block.get("allowedResourceActions") {
                        allowed_actions.extend(actions.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                }
            }
            reader.env.directory_role_definitions.push(DirectoryRoleDefinition {
                id,
                template_id: e.string(&["templateId"]).map(|t| t.to_ascii_lowercase()),
                display_name,
                built_in: e.boolean(&["isBuiltIn"]).unwrap_or(false),
                allowed_actions,
            });
            Ok(())
        })?;
        let file = entra.join("directory-role-assignments.json");
        let rel = relative(&self.root, &file);
        self.each(&file, |reader, e| {
            let a = directory_assignment(e, &rel)?;
            reader.env.directory_role_assignments.push(a);
            Ok(())
        })?;
        let file = entra.join("directory-role-eligibility-schedule-instances.json");
        let rel = relative(&self.root, &file);
        self.each(&file, |reader, e| {
            let a = directory_assignment(e, &rel)?;
            reader.env.directory_role_eligibilities.push(a);
            Ok(())
        })?;
        for file in self.sorted_dir(&entra.join("app-role-assignments"))? {
            let holder = file_stem(&file);
            let rel = relative(&self.root, &file);
            self.each(&file, |reader, e| {
                let principal_id =
                    e.string(&["principalId"]).map(|p| p.to_ascii_lowercase()).unwrap_or_else(|| holder.clone());
                let resource_id = e
                    .string(&["resourceId"])
                    .map(|p| p.to_ascii_lowercase())
                    .ok_or_else(|| (e.at("resourceId"), "missing resourceId".to_owned(), Some(holder.clone())))?;
                let app_role_id = e
                    .string(&["appRoleId"])
                    .map(|p| p.to_ascii_lowercase())
                    .ok_or_else(|| (e.at("appRoleId"), "missing appRoleId".to_owned(), Some(holder.clone())))?;
                reader.env.app_role_assignments.push(AppRoleAssignment {
                    principal_id,
                    resource_id,
                    resource_display_name: e.string(&["resourceDisplayName"]),
                    app_role_id,
                    source: Source { file: rel.clone(), path: e.path.clone() },
                });
                Ok(())
            })?;
        }
        Ok(())
    }

    /// A group-members or owners file: directory objects with `@odata.type` (Graph) or
    /// `objectType` (pre-2.37). A malformed entry marks `about` incomplete.
    fn directory_objects(&mut self, file: &Path, about: &str) -> Result<Vec<DirectoryObject>, ImportError> {
        let mut out = Vec::new();
        let about = about.to_owned();
        self.each(file, |_, e| {
            let id = object_id(e).map_err(|(p, m, _)| (p, m, Some(about.clone())))?;
            let kind = e.string(&["@odata.type", "objectType"]).unwrap_or_default().to_ascii_lowercase();
            let kind = match kind.trim_start_matches("#microsoft.graph.") {
                "user" => ObjectKind::User,
                "group" => ObjectKind::Group,
                "serviceprincipal" => ObjectKind::ServicePrincipal,
                _ => ObjectKind::Other,
            };
            out.push(DirectoryObject { id, kind });
            Ok(())
        })?;
        Ok(out)
    }
}

type ElementError = (String, String, Option<String>);

fn file_stem(file: &Path) -> String {
    file.file_stem().map(|s| s.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

fn count(e: &Element<'_>, name: &str) -> usize {
    e.field(&[name]).and_then(Value::as_array).map_or(0, Vec::len)
}

fn object_id(e: &Element<'_>) -> Result<String, ElementError> {
    e.string(&["id", "objectId"])
        .map(|id| id.to_ascii_lowercase())
        .ok_or_else(|| (e.at("id"), "missing id (or objectId)".to_owned(), None))
}

fn dedupe_key(a: &RoleAssignment) -> String {
    format!(
        "{}|{}|{}|{}",
        crate::scope::normalize(&a.scope),
        a.role_guid,
        a.principal_id,
        a.condition.as_deref().unwrap_or("")
    )
}

fn permissions(e: &Element<'_>, list: Option<&Value>) -> Result<Vec<Permission>, (String, String)> {
    let block = |b: &Element<'_>| -> Result<Permission, (String, String)> {
        let strings = |names: &[&str]| b.strings(names).map_err(|m| (b.at(names[0]), m));
        Ok(Permission {
            actions: strings(&["actions"])?,
            not_actions: strings(&["notActions"])?,
            data_actions: strings(&["dataActions"])?,
            not_data_actions: strings(&["notDataActions"])?,
            condition: b.string(&["condition"]),
            condition_version: b.string(&["conditionVersion"]),
        })
    };
    match list {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(object) => block(&Element { object, path: format!("{}.permissions[{i}]", e.path) }),
                _ => Err((format!("{}.permissions[{i}]", e.path), "expected an object".to_owned())),
            })
            .collect(),
        Some(_) => Err((e.at("permissions"), "expected a list".to_owned())),
        None => Ok(Vec::new()),
    }
}

fn role_definition(e: &Element<'_>) -> Result<RoleDefinition, (String, String)> {
    let az = e.field(&["roleName"]).is_some();
    let (guid, role_name, id) = match az {
        // az / REST: `name` is the GUID, `id` the full id (may be absent).
        true => {
            let id = e.string(&["id"]);
            let guid = id.as_deref().map(trailing_guid).or_else(|| e.string(&["name"]).map(|n| trailing_guid(&n)));
            (guid, e.string(&["roleName"]), id)
        }
        // PowerShell (`Get-AzRoleDefinition`): `Id` is the GUID, `Name` the role name.
        false => (e.string(&["id"]).map(|i| trailing_guid(&i)), e.string(&["name"]), None),
    };
    let guid = guid
        .filter(|g| !g.is_empty())
        .ok_or_else(|| (e.at("name"), "missing role definition GUID (`name` or `id`)".to_owned()))?;
    let role_name = role_name.ok_or_else(|| (e.at("roleName"), "missing role name".to_owned()))?;
    let permissions = match az {
        true => permissions(e, e.field(&["permissions"]))?,
        false => {
            let strings = |names: &[&str]| e.strings(names).map_err(|m| (e.at(names[0]), m));
            vec![Permission {
                actions: strings(&["Actions"])?,
                not_actions: strings(&["NotActions"])?,
                data_actions: strings(&["DataActions"])?,
                not_data_actions: strings(&["NotDataActions"])?,
                condition: e.string(&["Condition"]),
                condition_version: e.string(&["ConditionVersion"]),
            }]
        }
    };
    let custom = e.string(&["roleType"]).is_some_and(|t| t.eq_ignore_ascii_case("CustomRole"))
        || e.boolean(&["IsCustom"]).unwrap_or(false);
    Ok(RoleDefinition {
        guid,
        id,
        role_name,
        custom,
        assignable_scopes: e.strings(&["assignableScopes"]).map_err(|m| (e.at("assignableScopes"), m))?,
        permissions,
    })
}

fn assignment(e: &Element<'_>, file: &str) -> Result<RoleAssignment, ElementError> {
    let principal_id = e.string(&["principalId", "objectId"]).map(|p| p.to_ascii_lowercase());
    let fail = |field: &str, message: &str| (e.at(field), message.to_owned(), principal_id.clone());
    let Some(principal) = principal_id.clone() else {
        return Err(fail("principalId", "missing principalId (or objectId)"));
    };
    let role = e
        .string(&["roleDefinitionId"])
        .map(|r| trailing_guid(&r))
        .filter(|g| !g.is_empty())
        .ok_or_else(|| fail("roleDefinitionId", "missing roleDefinitionId"))?;
    let scope = e.string(&["scope"]).ok_or_else(|| fail("scope", "missing scope"))?;
    let condition = e.string(&["condition"]);
    if let Some(version) = e.string(&["conditionVersion"])
        && condition.is_some()
        && version.trim() != "2.0"
    {
        return Err(fail("conditionVersion", "only conditionVersion 2.0 is understood"));
    }
    Ok(RoleAssignment {
        id: e.string(&["id"]),
        scope,
        role_guid: role,
        role_name: e.string(&["roleDefinitionName"]),
        principal_id: principal,
        principal_type: e.string(&["principalType", "objectType"]),
        condition,
        condition_version: e.string(&["conditionVersion"]),
        assignment_type: e.string(&["assignmentType"]),
        member_type: e.string(&["memberType"]),
        end_date_time: e.string(&["endDateTime"]),
        source: Source { file: file.to_owned(), path: e.path.clone() },
    })
}

fn deny_principals(e: &Element<'_>, name: &str) -> Result<Vec<DenyPrincipal>, ElementError> {
    match e.field(&[name]) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let id = item.get("id").and_then(Value::as_str).map(str::to_ascii_lowercase);
                id.map(|id| DenyPrincipal { id, kind: item.get("type").and_then(Value::as_str).map(str::to_owned) })
                    .ok_or_else(|| (format!("{}.{name}[{i}].id", e.path), "missing id".to_owned(), None))
            })
            .collect(),
        Some(_) => Err((e.at(name), "expected a list".to_owned(), None)),
    }
}

fn deny_assignment(e: &Element<'_>, file: &str) -> Result<DenyAssignment, ElementError> {
    let scope = e.string(&["scope"]).ok_or_else(|| (e.at("scope"), "missing scope".to_owned(), None))?;
    let permissions = permissions(e, e.field(&["permissions"])).map_err(|(p, m)| (p, m, None))?;
    let principals = deny_principals(e, "principals")?;
    if principals.is_empty() {
        return Err((e.at("principals"), "a deny assignment without principals".to_owned(), None));
    }
    Ok(DenyAssignment {
        id: e.string(&["id"]),
        name: e.string(&["denyAssignmentName", "name"]).unwrap_or_default(),
        scope,
        do_not_apply_to_child_scopes: e.boolean(&["doNotApplyToChildScopes"]).unwrap_or(false),
        principals,
        exclude_principals: deny_principals(e, "excludePrincipals")?,
        permissions,
        system_protected: e.boolean(&["isSystemProtected"]).unwrap_or(false),
        source: Source { file: file.to_owned(), path: e.path.clone() },
    })
}

fn directory_assignment(e: &Element<'_>, file: &str) -> Result<DirectoryRoleAssignment, ElementError> {
    let principal_id = e
        .string(&["principalId"])
        .map(|p| p.to_ascii_lowercase())
        .ok_or_else(|| (e.at("principalId"), "missing principalId".to_owned(), None))?;
    let role_definition_id = e
        .string(&["roleDefinitionId"])
        .map(|p| p.to_ascii_lowercase())
        .ok_or_else(|| (e.at("roleDefinitionId"), "missing roleDefinitionId".to_owned(), Some(principal_id.clone())))?;
    Ok(DirectoryRoleAssignment {
        id: e.string(&["id"]),
        principal_id,
        role_definition_id,
        directory_scope_id: e.string(&["directoryScopeId"]).unwrap_or_else(|| "/".to_owned()),
        source: Source { file: file.to_owned(), path: e.path.clone() },
    })
}
