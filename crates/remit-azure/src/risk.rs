//! Azure and Entra ID risk findings.
//!
//! The risks an Azure review looks for first are the ways to full control of a tenant or
//! subscription: holding it (RBAC Owner / User Access Administrator at a subscription or
//! above, Global Administrator), or reaching it in a step (assigning roles, editing a role one
//! holds, running code as a more privileged managed identity, adding a secret to a privileged
//! application). Every rule decides its steps with the engine ([`crate::eval`]), so deny
//! assignments neutralize and ABAC conditions make a finding conditional. Each rule cites the
//! documentation it rests on; `docs/azure.md` lists them with their severities, and the
//! escalation edges follow cloud-semantics section 2.10 (BloodHound's Azure edges).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use remit_findings::{Evidence, Finding, FindingId, Kind, PathStep, Reach, Severity};
use remit_model::Verdict;

use crate::analysis::{AzureAnalysis, DirectoryRoleGrant, Grant, GrantKind};
use crate::condition::{Context, Truth};
use crate::eval::{Match, Request};
use crate::gain;
use crate::scope;

/// `Microsoft.Authorization/roleAssignments/write`: assign any role, to anyone, at the scope
/// (<https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged#user-access-administrator>).
pub const ROLE_ASSIGNMENTS_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
/// Edit a role definition (<https://learn.microsoft.com/azure/role-based-access-control/custom-roles>).
pub const ROLE_DEFINITIONS_WRITE: &str = "Microsoft.Authorization/roleDefinitions/write";
/// Run a script on a VM as its identities (<https://learn.microsoft.com/azure/virtual-machines/run-command-overview>).
pub const RUN_COMMAND: &str = "Microsoft.Compute/virtualMachines/runCommand/action";
/// Install an extension (custom script) on a VM (<https://learn.microsoft.com/azure/virtual-machines/extensions/custom-script-linux>).
pub const EXTENSIONS_WRITE: &str = "Microsoft.Compute/virtualMachines/extensions/write";
/// Attach a user-assigned identity (<https://learn.microsoft.com/azure/role-based-access-control/permissions/identity#microsoftmanagedidentity>).
pub const UAMI_ASSIGN: &str = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action";
/// The spelling of the built-in Managed Identity Operator role
/// (<https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/identity#managed-identity-operator>),
/// which the documented wildcard rule does not let match [`UAMI_ASSIGN`] (its `*` must match at
/// least the `/` it sits between): both spellings are tested, so a holder of that role is
/// reported as Microsoft documents the role ("assign user assigned identity").
pub const UAMI_ASSIGN_ROLE_SPELLING: &str = "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action";
/// Update a VM (and its identity list).
pub const VM_WRITE: &str = "Microsoft.Compute/virtualMachines/write";
/// Write an Automation runbook (<https://learn.microsoft.com/azure/automation/automation-security-overview>).
pub const RUNBOOK_WRITE: &str = "Microsoft.Automation/automationAccounts/runbooks/write";
/// Start an Automation job.
pub const JOB_WRITE: &str = "Microsoft.Automation/automationAccounts/jobs/write";

/// The Owner role's GUID, the role a "constrain roles" condition is tested against.
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

/// Directory role template ids
/// (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const PRIVILEGED_AUTH_ADMIN: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
const APPLICATION_ADMIN: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
const CLOUD_APPLICATION_ADMIN: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";

/// Microsoft Graph's appId: application permissions on it are Graph permissions.
const MICROSOFT_GRAPH: &str = "00000003-0000-0000-c000-000000000000";

/// Microsoft Graph application permissions that lead to Global Administrator
/// (<https://learn.microsoft.com/graph/permissions-reference>): (id, name, admin-equivalent).
const GRAPH_PERMISSIONS: [(&str, &str, bool); 6] = [
    ("9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "RoleManagement.ReadWrite.Directory", true),
    ("06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All", true),
    ("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", false),
    ("19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", false),
    ("dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "GroupMember.ReadWrite.All", false),
    ("89c8469c-83ad-45f7-8ff2-6e3d4285709e", "ServicePrincipalEndpoint.ReadWrite.All", false),
];

/// Control-plane actions that hand out credentials, and so data access
/// (<https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage>): (resource
/// type, action).
const KEY_LISTING: [(&str, &str); 3] = [
    ("Microsoft.Storage/storageAccounts", "Microsoft.Storage/storageAccounts/listKeys/action"),
    (
        "Microsoft.ContainerService/managedClusters",
        "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
    ),
    ("Microsoft.Web/sites", "Microsoft.Web/sites/config/list/action"),
];

const DOC_RBAC_OWNER: &str = "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged";
const DOC_DELEGATE: &str =
    "https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-overview";
const DOC_PIM: &str = "https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-configure";
const DOC_ENTRA_ROLES: &str =
    "https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference";
const DOC_ELEVATE: &str = "https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin";
const DOC_CUSTOM_ROLES: &str = "https://learn.microsoft.com/azure/role-based-access-control/custom-roles";
const DOC_RUN_COMMAND: &str = "https://learn.microsoft.com/azure/virtual-machines/run-command-overview";
const DOC_MANAGED_IDENTITY: &str = "https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-manage-user-assigned-managed-identities";
const DOC_AUTOMATION: &str = "https://learn.microsoft.com/azure/automation/automation-security-overview";
const DOC_APP_OWNERS: &str = "https://learn.microsoft.com/entra/identity/enterprise-apps/overview-assign-app-owners";
const DOC_GRAPH: &str = "https://learn.microsoft.com/graph/permissions-reference";
const DOC_ROLE_GROUPS: &str = "https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept";
const DOC_B2B: &str = "https://learn.microsoft.com/entra/external-id/user-properties";
const DOC_KEYS: &str = "https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage";

/// Every finding for the tenant, most severe first.
pub fn findings(analysis: &AzureAnalysis) -> Vec<Finding> {
    let admins = Admins::new(analysis);
    let mut out = Vec::new();
    out.extend(admins.findings.iter().cloned());
    out.extend(entra_escalation_roles(analysis));
    out.extend(role_definition_write(analysis, &admins));
    out.extend(compute_identity(analysis, &admins));
    out.extend(assign_user_identity(analysis, &admins));
    out.extend(owner_credentials(analysis, &admins));
    out.extend(graph_permissions(analysis));
    out.extend(role_assignable_group_owners(analysis, &admins));
    out.extend(guests(analysis, &admins));
    out.extend(key_listing(analysis, &admins));
    out.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(&b.rule)).then_with(|| a.principals.cmp(&b.principals))
    });
    let mut seen = BTreeSet::new();
    out.retain(|f| seen.insert(f.id.clone()));
    out
}

/// A finding's common fields.
struct Draft<'a> {
    rule: &'a str,
    kind: Kind,
    severity: Severity,
    rationale: String,
    title: String,
    principal: String,
    resources: Vec<String>,
    reach: Reach,
    evidence: Vec<Evidence>,
    path: Vec<PathStep>,
    remediation: String,
    account: Option<String>,
    categories: Vec<String>,
}

impl Draft<'_> {
    fn build(self) -> Finding {
        let key = self.resources.clone();
        self.build_keyed(&key)
    }

    /// Builds with an id over the rule, the principal and `key` (not necessarily every
    /// resource), so that it stays the same while the resources it lists change.
    fn build_keyed(self, key: &[String]) -> Finding {
        Finding {
            id: FindingId::new(self.rule, &[self.principal.as_str()], key),
            kind: self.kind,
            rule: self.rule.to_owned(),
            title: self.title,
            severity: self.severity,
            severity_rationale: self.rationale,
            cloud: "azure".to_owned(),
            account: self.account,
            principals: vec![self.principal],
            resources: self.resources,
            categories: self.categories,
            reach: self.reach,
            evidence: self.evidence,
            path: self.path,
            remediation: self.remediation,
            first_seen: None,
            suppressed: None,
        }
    }
}

fn grant_evidence(analysis: &AzureAnalysis, grant: &Grant, action: &str, conditions: Vec<String>) -> Evidence {
    Evidence {
        principal: Some(grant.principal_id.clone()),
        action: Some(action.to_owned()),
        resource: Some(grant.scope.clone()),
        layer: "role-assignment".to_owned(),
        source: grant.source.to_string(),
        statement: Some(grant.describe()),
        effect: Some("Allow".to_owned()),
        conditions,
        detail: Some(format!(
            "{} holds {} at {}",
            analysis.display_name(&grant.principal_id),
            grant.role_name,
            grant.scope
        )),
    }
}

fn directory_evidence(analysis: &AzureAnalysis, holder: &str, role: &DirectoryRoleGrant) -> Evidence {
    let via = role
        .via_group
        .as_ref()
        .map(|g| format!(" through role-assignable group {}", analysis.display_name(g)))
        .unwrap_or_default();
    let kind = if role.eligible { "is eligible for" } else { "holds" };
    Evidence {
        principal: Some(holder.to_owned()),
        action: None,
        resource: Some(role.assignment.directory_scope_id.clone()),
        layer: "directory-role".to_owned(),
        source: role.assignment.source.to_string(),
        statement: Some(role.role_name.clone()),
        effect: Some("Allow".to_owned()),
        conditions: Vec::new(),
        detail: Some(format!(
            "{} {kind} the directory role {} at {}{via}",
            analysis.display_name(holder),
            role.role_name,
            role.assignment.directory_scope_id
        )),
    }
}

fn reach_of(truth: Truth, conditions: Vec<String>) -> Reach {
    match truth {
        Truth::True => Reach::allowed(),
        _ => Reach::conditional(conditions),
    }
}

/// Principals with full control (RBAC at subscription or above, Entra tenant roles, Graph
/// permissions that grant any role), and their findings.
struct Admins {
    /// Object id → true when unconditional.
    ids: BTreeMap<String, bool>,
    findings: Vec<Finding>,
}

impl Admins {
    fn new(analysis: &AzureAnalysis) -> Admins {
        let mut admins = Admins { ids: BTreeMap::new(), findings: Vec::new() };
        admins.rbac(analysis);
        admins.entra(analysis);
        admins
    }

    fn is_admin(&self, id: &str) -> bool {
        self.ids.get(id).copied().unwrap_or(false)
    }

    fn mark(&mut self, analysis: &AzureAnalysis, id: &str, unconditional: bool) {
        let mut all = vec![id.to_owned()];
        all.extend(analysis.transitive_members(id).into_iter().map(|m| m.id));
        for member in all {
            let entry = self.ids.entry(member).or_insert(false);
            *entry |= unconditional;
        }
    }

    /// `azure-rbac-admin`, `azure-rbac-scoped-role-assignment`, `azure-rbac-eligible-admin`:
    /// `roleAssignments/write` lets a principal assign itself Owner at the scope
    /// (<https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged>).
    fn rbac(&mut self, analysis: &AzureAnalysis) {
        for grant in analysis.all_grants() {
            let scope_key = &grant.scope_key;
            let high_scope = scope::is_subscription_or_above(scope_key);
            // Can this assignment's role write role assignments, with Owner as the role
            // being assigned (what a "constrain roles" condition is about)?
            let mut context = Context { action: ROLE_ASSIGNMENTS_WRITE.to_owned(), ..Context::default() };
            context.attributes.insert(
                "@request[microsoft.authorization/roleassignments:roledefinitionid]".into(),
                vec![OWNER.into()],
            );
            context.attributes.insert(
                "@request[microsoft.authorization/roleassignments:principalid]".into(),
                vec![grant.principal_id.clone()],
            );
            if let Some(kind) = &grant.principal_type {
                context.attributes.insert(
                    "@request[microsoft.authorization/roleassignments:principaltype]".into(),
                    vec![kind.clone()],
                );
            }
            let Some(truth) = analysis.grant_truth(grant, ROLE_ASSIGNMENTS_WRITE, false, &context) else {
                // A condition that rules out assigning Owner: delegation kept in bounds.
                continue;
            };
            // A deny assignment on roleAssignments/write at the scope neutralizes it.
            let decision = analysis.decide_request(&Request {
                principal: grant.principal_id.clone(),
                action: ROLE_ASSIGNMENTS_WRITE.to_owned(),
                data_action: false,
                resource: grant.scope.clone(),
                include_eligible: true,
                sub_operation: None,
                attributes: BTreeMap::new(),
            });
            if !decision.denied_by.is_empty() {
                continue;
            }
            let conditions: Vec<String> = grant.condition.iter().cloned().collect();
            let reach = reach_of(truth, conditions.clone());
            let evidence = vec![grant_evidence(analysis, grant, ROLE_ASSIGNMENTS_WRITE, conditions)];
            let principal = grant.principal_id.clone();
            let name = analysis.display_name(&principal);
            let account = scope::subscription(&grant.scope);
            let remediation = format!(
                "Remove the assignment of {} at {} or replace it with a role without Microsoft.Authorization/roleAssignments/write; where delegation is needed, add a condition constraining the roles and principal types it may assign ({DOC_DELEGATE}). Keep administrators eligible through PIM rather than standing ({DOC_PIM}).",
                grant.role_name, grant.scope
            );
            let draft = match (grant.kind, high_scope) {
                (GrantKind::Eligible, _) => Draft {
                    rule: "azure-rbac-eligible-admin",
                    kind: Kind::AdminEquivalent,
                    severity: Severity::Medium,
                    rationale: format!(
                        "eligible, not standing: full control needs a PIM activation (which may require MFA, a justification or an approval), so it is lower than a standing administrator ({DOC_PIM})"
                    ),
                    title: format!(
                        "{name} is eligible for {} at {} (can assign any role once activated)",
                        grant.role_name, grant.scope
                    ),
                    principal,
                    resources: vec![grant.scope.clone()],
                    reach,
                    evidence,
                    path: Vec::new(),
                    remediation,
                    account,
                    categories: Vec::new(),
                },
                (_, true) => {
                    self.mark(analysis, &grant.principal_id, truth == Truth::True);
                    Draft {
                        rule: "azure-rbac-admin",
                        kind: Kind::AdminEquivalent,
                        severity: if truth == Truth::True { Severity::Critical } else { Severity::High },
                        rationale: format!(
                            "can assign any role, Owner included, at {} and everything below it ({DOC_RBAC_OWNER}); high instead of critical when a condition constrains it",
                            grant.scope
                        ),
                        title: format!("{name} can assign any role at {} ({})", grant.scope, grant.role_name),
                        principal,
                        resources: vec![grant.scope.clone()],
                        reach,
                        evidence,
                        path: Vec::new(),
                        remediation,
                        account,
                        categories: Vec::new(),
                    }
                }
                (_, false) => Draft {
                    rule: "azure-rbac-scoped-role-assignment",
                    kind: Kind::PrivilegeEscalation,
                    severity: if truth == Truth::True { Severity::High } else { Severity::Medium },
                    rationale: format!(
                        "can grant itself Owner on {} (a resource group or resource), not the subscription ({DOC_RBAC_OWNER})",
                        grant.scope
                    ),
                    title: format!("{name} can assign any role at {} ({})", grant.scope, grant.role_name),
                    path: vec![PathStep {
                        from: grant.principal_id.clone(),
                        to: grant.principal_id.clone(),
                        technique: "azure-role-assignment-write".to_owned(),
                        description: format!("assign itself Owner at {}", grant.scope),
                        permissions: vec![format!("{ROLE_ASSIGNMENTS_WRITE} on {}", grant.scope)],
                        reach: reach.clone(),
                        evidence: evidence.clone(),
                    }],
                    principal,
                    resources: vec![grant.scope.clone()],
                    reach,
                    evidence,
                    remediation,
                    account,
                    categories: Vec::new(),
                },
            };
            self.findings.push(draft.build());
        }
    }

    /// `azure-entra-admin`, `azure-entra-eligible-admin`: Global Administrator and Privileged
    /// Role Administrator control the tenant
    /// (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference#global-administrator>),
    /// and a Global Administrator can elevate to User Access Administrator at `/`
    /// (<https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin>).
    fn entra(&mut self, analysis: &AzureAnalysis) {
        let mut holders: BTreeSet<String> = BTreeSet::new();
        for a in analysis
            .environment()
            .directory_role_assignments
            .iter()
            .chain(&analysis.environment().directory_role_eligibilities)
        {
            holders.insert(a.principal_id.clone());
        }
        for holder in holders {
            for role in analysis.directory_roles_of(&holder) {
                if role.via_group.is_some() || role.assignment.directory_scope_id.trim() != "/" {
                    continue;
                }
                let tid = role.template_id.as_str();
                if tid != GLOBAL_ADMIN && tid != PRIVILEGED_ROLE_ADMIN {
                    continue;
                }
                let name = analysis.display_name(&holder);
                let evidence = vec![directory_evidence(analysis, &holder, &role)];
                let mut path = Vec::new();
                if tid == GLOBAL_ADMIN {
                    path.push(PathStep {
                        from: holder.clone(),
                        to: holder.clone(),
                        technique: "azure-elevate-access".to_owned(),
                        description: format!("elevate access: become User Access Administrator at the root scope `/` of every subscription ({DOC_ELEVATE})"),
                        permissions: vec!["Microsoft.Authorization/elevateAccess/Action on /".to_owned()],
                        reach: Reach::allowed(),
                        evidence: evidence.clone(),
                    });
                }
                if !role.eligible {
                    self.mark(analysis, &holder, true);
                }
                let draft = Draft {
                    rule: if role.eligible { "azure-entra-eligible-admin" } else { "azure-entra-admin" },
                    kind: Kind::AdminEquivalent,
                    severity: if role.eligible { Severity::Medium } else { Severity::Critical },
                    rationale: match role.eligible {
                        true => format!(
                            "eligible for {} through PIM: full control of the tenant after an activation ({DOC_PIM})",
                            role.role_name
                        ),
                        false => format!(
                            "{} controls the tenant's directory and can reach every subscription ({DOC_ENTRA_ROLES})",
                            role.role_name
                        ),
                    },
                    title: format!(
                        "{name} {} {}",
                        if role.eligible { "is eligible for" } else { "is" },
                        role.role_name
                    ),
                    principal: holder.clone(),
                    resources: vec!["/".to_owned()],
                    reach: Reach::allowed(),
                    evidence,
                    path,
                    remediation: format!(
                        "Keep {} to a few break-glass accounts and make the others eligible through PIM with approval and MFA ({DOC_PIM}).",
                        role.role_name
                    ),
                    account: None,
                    categories: Vec::new(),
                };
                self.findings.push(draft.build());
            }
        }
        // Graph application permissions that grant any directory role.
        for a in &analysis.environment().app_role_assignments {
            if let Some((_, _, true)) = graph_permission(analysis, &a.resource_id, &a.app_role_id) {
                self.mark(analysis, &a.principal_id, true);
            }
        }
    }
}

/// The Graph permission an app role assignment is, among those that matter.
fn graph_permission(
    analysis: &AzureAnalysis,
    resource_id: &str,
    app_role_id: &str,
) -> Option<(&'static str, &'static str, bool)> {
    let resource = analysis.service_principal(resource_id);
    let is_graph = resource.is_none_or(|r| r.app_id.as_deref() == Some(MICROSOFT_GRAPH));
    if !is_graph {
        return None;
    }
    GRAPH_PERMISSIONS.iter().find(|(id, _, _)| id.eq_ignore_ascii_case(app_role_id)).copied()
}

/// True when `id` holds anything: an RBAC grant, a directory role or an app permission.
fn holds_anything(analysis: &AzureAnalysis, id: &str) -> bool {
    analysis.identity_ids(id).iter().any(|i| analysis.grants_of(i).iter().any(|g| g.kind != GrantKind::Eligible))
        || analysis.directory_roles_of(id).iter().any(|r| !r.eligible)
        || analysis.environment().app_role_assignments.iter().any(|a| a.principal_id == id)
}

fn privilege_summary(analysis: &AzureAnalysis, id: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for i in analysis.identity_ids(id) {
        for g in analysis.grants_of(&i).iter().filter(|g| g.kind != GrantKind::Eligible) {
            parts.push(format!("{} at {}", g.role_name, g.scope));
        }
    }
    for r in analysis.directory_roles_of(id).iter().filter(|r| !r.eligible) {
        parts.push(format!("directory role {}", r.role_name));
    }
    for a in analysis.environment().app_role_assignments.iter().filter(|a| a.principal_id == id) {
        let name = graph_permission(analysis, &a.resource_id, &a.app_role_id)
            .map_or_else(|| a.app_role_id.clone(), |(_, n, _)| n.to_owned());
        parts.push(format!("application permission {name}"));
    }
    parts.join(", ")
}

/// A standing holder of an action on a resource, and the grants that give it.
struct Holding {
    principal: String,
    truth: Truth,
    conditions: Vec<String>,
    grants: Vec<Match>,
}

impl Holding {
    fn attacker(&self) -> (String, Truth, Vec<String>) {
        (self.principal.clone(), self.truth, self.conditions.clone())
    }
}

/// Standing holders of `action` on `resource` (allowed or conditional).
fn holders(analysis: &AzureAnalysis, action: &str, resource: &str) -> Vec<Holding> {
    let mut out = Vec::new();
    for p in analysis.candidates(action, false, resource) {
        let decision = analysis.decide_request(&Request {
            principal: p.id.clone(),
            action: action.to_owned(),
            data_action: false,
            resource: resource.to_owned(),
            include_eligible: false,
            sub_operation: None,
            attributes: BTreeMap::new(),
        });
        let (truth, conditions) = match decision.verdict {
            Verdict::Allowed => (Truth::True, Vec::new()),
            Verdict::Conditional(conditions) => {
                (Truth::Unknown, conditions.iter().map(|c| c.expression.to_string()).collect())
            }
            Verdict::Denied => continue,
        };
        out.push(Holding { principal: p.id.clone(), truth, conditions, grants: decision.grants });
    }
    out
}

/// `azure-entra-escalation-role`: Privileged Authentication Administrator can reset any
/// user's credentials, Global Administrators included; Application and Cloud Application
/// Administrators can add credentials to any application and act as it
/// (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
fn entra_escalation_roles(analysis: &AzureAnalysis) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut holders: BTreeSet<String> = BTreeSet::new();
    for a in &analysis.environment().directory_role_assignments {
        holders.insert(a.principal_id.clone());
    }
    for holder in holders {
        for role in analysis.directory_roles_of(&holder) {
            if role.eligible || role.via_group.is_some() {
                continue;
            }
            let (severity, technique, what) = match role.template_id.as_str() {
                PRIVILEGED_AUTH_ADMIN => (
                    Severity::Critical,
                    "azure-reset-credentials",
                    "reset the password and authentication methods of any user, Global Administrators included",
                ),
                APPLICATION_ADMIN | CLOUD_APPLICATION_ADMIN => (
                    Severity::High,
                    "azure-add-app-secret",
                    "add a secret or certificate to any application or service principal and sign in as it",
                ),
                _ => continue,
            };
            let scoped = role.assignment.directory_scope_id.trim() != "/";
            let evidence = vec![directory_evidence(analysis, &holder, &role)];
            out.push(
                Draft {
                    rule: "azure-entra-escalation-role",
                    kind: Kind::PrivilegeEscalation,
                    severity: if scoped { Severity::Medium } else { severity },
                    rationale: format!("{} can {what} ({DOC_ENTRA_ROLES}); medium when scoped to one object or administrative unit", role.role_name),
                    title: format!("{} holds {}: can {what}", analysis.display_name(&holder), role.role_name),
                    path: vec![PathStep {
                        from: holder.clone(),
                        to: holder.clone(),
                        technique: technique.to_owned(),
                        description: what.to_owned(),
                        permissions: vec![format!("directory role {} at {}", role.role_name, role.assignment.directory_scope_id)],
                        reach: Reach::allowed(),
                        evidence: evidence.clone(),
                    }],
                    principal: holder.clone(),
                    resources: vec![role.assignment.directory_scope_id.clone()],
                    reach: Reach::allowed(),
                    evidence,
                    remediation: format!("Make {} eligible through PIM instead of standing, or scope it to the applications the holder manages ({DOC_PIM}).", role.role_name),
                    account: None,
                    categories: Vec::new(),
                }
                .build(),
            );
        }
    }
    out
}

/// `azure-role-definition-write`: a principal that can edit a custom role assigned to it can
/// add any action to it (<https://learn.microsoft.com/azure/role-based-access-control/custom-roles>).
fn role_definition_write(analysis: &AzureAnalysis, admins: &Admins) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in analysis.principals() {
        if admins.is_admin(&p.id) {
            continue;
        }
        for id in analysis.identity_ids(&p.id) {
            for grant in analysis.grants_of(&id).iter().filter(|g| g.kind != GrantKind::Eligible) {
                let Some(role) = analysis.role(&grant.role_guid).filter(|r| r.custom) else { continue };
                // Editing a role needs roleDefinitions/write at each of its assignable scopes.
                let scopes: Vec<&String> = role.assignable_scopes.iter().collect();
                if scopes.is_empty() {
                    continue;
                }
                let verdicts: Vec<Verdict> =
                    scopes.iter().map(|s| analysis.decide(&p.id, ROLE_DEFINITIONS_WRITE, false, s)).collect();
                if verdicts.iter().any(|v| matches!(v, Verdict::Denied)) {
                    continue;
                }
                let conditions: Vec<String> = verdicts
                    .iter()
                    .flat_map(|v| match v {
                        Verdict::Conditional(c) => c.iter().map(|c| c.expression.to_string()).collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                let truth = if conditions.is_empty() { Truth::True } else { Truth::Unknown };
                let reach = reach_of(truth, conditions.clone());
                let evidence = vec![grant_evidence(analysis, grant, ROLE_DEFINITIONS_WRITE, conditions)];
                out.push(
                    Draft {
                        rule: "azure-role-definition-write",
                        kind: Kind::PrivilegeEscalation,
                        severity: if truth == Truth::True { Severity::High } else { Severity::Medium },
                        rationale: format!(
                            "can add any action (`*`) to the custom role {} it holds at {} ({DOC_CUSTOM_ROLES})",
                            role.role_name, grant.scope
                        ),
                        title: format!("{} can edit the custom role {} it holds", p.name, role.role_name),
                        path: vec![PathStep {
                            from: p.id.clone(),
                            to: p.id.clone(),
                            technique: "azure-role-definition-write".to_owned(),
                            description: format!(
                                "add `*` to the actions of {}, assigned to it at {}",
                                role.role_name, grant.scope
                            ),
                            permissions: scopes.iter().map(|s| format!("{ROLE_DEFINITIONS_WRITE} on {s}")).collect(),
                            reach: reach.clone(),
                            evidence: evidence.clone(),
                        }],
                        principal: p.id.clone(),
                        resources: vec![role.id.clone().unwrap_or_else(|| role.guid.clone())],
                        reach,
                        evidence,
                        remediation: format!(
                            "Remove {ROLE_DEFINITIONS_WRITE} from {}'s roles, or stop assigning it a role it can edit.",
                            p.name
                        ),
                        account: scope::subscription(&grant.scope),
                        categories: Vec::new(),
                    }
                    .build(),
                );
            }
        }
    }
    out
}

/// A step that gains the power of another identity.
struct Takeover<'a> {
    rule: &'static str,
    technique: &'a str,
    description: String,
    permissions: Vec<String>,
    identity: &'a str,
    /// What the step goes through (the VMs, the Automation account, the owned object).
    resources: Vec<String>,
    doc: &'a str,
    /// The identity's access the attacker does not hold already ([`gain::gained_access`]);
    /// `None` when the rule does not compare (it reports whatever the identity holds).
    gained: Option<Vec<String>>,
    /// The grants that give the attacker the step.
    grant_evidence: Vec<Evidence>,
}

fn escalation_to_identity(
    analysis: &AzureAnalysis,
    admins: &Admins,
    attacker: &(String, Truth, Vec<String>),
    t: Takeover<'_>,
) -> Finding {
    let Takeover { rule, technique, description, permissions, identity, resources, doc, gained, grant_evidence } = t;
    let (from, truth, conditions) = attacker;
    let admin_target = admins.is_admin(identity);
    let reach = reach_of(*truth, conditions.clone());
    let severity = match (admin_target, *truth == Truth::True) {
        (true, true) => Severity::Critical,
        (false, true) => Severity::High,
        _ => Severity::Medium,
    };
    let through = summarize(&resources);
    let (fact, rationale) = match &gained {
        Some(gained) => (
            format!(
                "{} acts as {}, which holds {} that {} does not hold",
                through,
                analysis.display_name(identity),
                gained.join(", "),
                analysis.display_name(from)
            ),
            format!(
                "gains {} of {} that it does not hold itself ({doc}); critical when that identity is an administrator, medium when the step is conditional",
                gained.join(", "),
                analysis.display_name(identity)
            ),
        ),
        None => (
            format!(
                "{} acts as {} which holds {}",
                through,
                analysis.display_name(identity),
                privilege_summary(analysis, identity)
            ),
            format!(
                "gains the permissions of {} ({doc}); critical when that identity is an administrator, medium when the step is conditional",
                analysis.display_name(identity)
            ),
        ),
    };
    let mut evidence = vec![Evidence::fact(resources.first().cloned().unwrap_or_default(), fact)];
    evidence.extend(grant_evidence);
    let key: Vec<String> = match gained {
        // One finding per (principal, identity): the resources it goes through may change.
        Some(_) => vec![identity.to_owned()],
        None => resources.iter().cloned().chain([identity.to_owned()]).collect(),
    };
    let mut all_resources = resources.clone();
    all_resources.push(identity.to_owned());
    let remediation = format!(
        "Remove {}'s permission on {through}, or reduce the roles of the identity {} to what {} already holds.",
        analysis.display_name(from),
        analysis.display_name(identity),
        analysis.display_name(from)
    );
    let account = resources.first().and_then(|r| scope::subscription(r));
    Draft {
        rule,
        kind: Kind::PrivilegeEscalation,
        severity,
        rationale,
        title: format!(
            "{} can act as {} through {through}",
            analysis.display_name(from),
            analysis.display_name(identity)
        ),
        path: vec![PathStep {
            from: from.clone(),
            to: identity.to_owned(),
            technique: technique.to_owned(),
            description,
            permissions,
            reach: reach.clone(),
            evidence: evidence.clone(),
        }],
        principal: from.clone(),
        resources: all_resources,
        reach,
        evidence,
        remediation,
        account,
        categories: Vec::new(),
    }
    .build_keyed(&key)
}

/// A list for a title: the item when one, else the count and the first three
/// ("3 resources (a, b, c)", "12 resources (a, b, c, …)"); the finding's resources hold all.
fn summarize(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        many => {
            let shown: Vec<&str> = many.iter().take(3).map(String::as_str).collect();
            let more = if many.len() > 3 { ", …" } else { "" };
            format!("{} resources ({}{more})", many.len(), shown.join(", "))
        }
    }
}

/// The evidence of each grant that gives a holder `action` (naming the group when the grant
/// is a group's).
fn holding_evidence(analysis: &AzureAnalysis, holding: &Holding, action: &str, resource: &str) -> Vec<Evidence> {
    holding
        .grants
        .iter()
        .map(|m| {
            let mut e = grant_evidence(analysis, &m.grant, action, m.grant.condition.iter().cloned().collect());
            e.resource = Some(resource.to_owned());
            e
        })
        .collect()
}

/// One attacker's reach to one identity, gathered over the resources that lead to it.
#[derive(Default)]
struct Gathered {
    truth: Option<Truth>,
    conditions: Vec<String>,
    permissions: Vec<String>,
    resources: Vec<String>,
    evidence: Vec<Evidence>,
    /// Some grant behind the reach is the principal's own (not a group's).
    own_grant: bool,
    /// The groups whose grants give the reach (lowercase object ids).
    via_groups: BTreeSet<String>,
}

impl Gathered {
    fn add(&mut self, holding: &Holding) {
        for m in &holding.grants {
            match &m.via_group {
                Some(group) => {
                    self.via_groups.insert(group.to_ascii_lowercase());
                }
                None => self.own_grant = true,
            }
        }
        if holding.grants.is_empty() {
            self.own_grant = true;
        }
        if self.truth == Some(Truth::True) {
            return;
        }
        if holding.truth == Truth::True {
            self.truth = Some(Truth::True);
            self.conditions.clear();
        } else {
            self.truth = Some(Truth::Unknown);
            for c in &holding.conditions {
                if !self.conditions.contains(c) {
                    self.conditions.push(c.clone());
                }
            }
        }
    }

    /// True when the reach comes only through groups that are themselves reported (by
    /// `reported`): the groups' findings say it once for all their members.
    fn said_by_groups(&self, reported: impl Fn(&str) -> bool) -> bool {
        !self.own_grant && !self.via_groups.is_empty() && self.via_groups.iter().all(|g| reported(g))
    }

    fn attacker(&self, principal: &str) -> (String, Truth, Vec<String>) {
        (principal.to_owned(), self.truth.unwrap_or(Truth::Unknown), self.conditions.clone())
    }
}

/// The rule, technique, actions and documentation for code run as a resource's identity.
fn compute_rule(resource_type: &str) -> Option<(&'static str, &'static str, Vec<&'static str>, &'static str)> {
    match resource_type.to_ascii_lowercase().as_str() {
        "microsoft.compute/virtualmachines" => Some((
            "azure-vm-run-as-identity",
            "azure-vm-run-command",
            vec![RUN_COMMAND, EXTENSIONS_WRITE],
            DOC_RUN_COMMAND,
        )),
        "microsoft.automation/automationaccounts" => {
            Some(("azure-automation-runbook", "azure-automation-runbook", vec![RUNBOOK_WRITE], DOC_AUTOMATION))
        }
        _ => None,
    }
}

/// `azure-vm-run-as-identity`, `azure-automation-runbook`: code run on a VM (run command, an
/// extension) or in an Automation runbook runs as the resource's managed identities
/// (<https://learn.microsoft.com/azure/virtual-machines/run-command-overview>,
/// <https://learn.microsoft.com/azure/automation/automation-security-overview>). Reported only
/// when the identity holds access the principal does not ([`gain::gained_access`]), once per
/// (principal, identity) whatever the number of resources running as it.
fn compute_identity(analysis: &AzureAnalysis, admins: &Admins) -> Vec<Finding> {
    let mut gains: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut found: BTreeMap<(&'static str, String, String), Gathered> = BTreeMap::new();
    for attachment in analysis.managed_identities() {
        let Some(identity) = attachment.principal_id.clone() else { continue };
        if !holds_anything(analysis, &identity) {
            continue;
        }
        let Some((rule, _, actions, _)) = compute_rule(&attachment.resource_type) else { continue };
        // Either action suffices on a VM; a runbook needs jobs/write as well to start it.
        for action in &actions {
            for holding in holders(analysis, action, &attachment.resource_id) {
                let principal = holding.principal.clone();
                if principal == identity || admins.is_admin(&principal) {
                    continue;
                }
                if rule == "azure-automation-runbook"
                    && matches!(analysis.decide(&principal, JOB_WRITE, false, &attachment.resource_id), Verdict::Denied)
                {
                    continue;
                }
                let gained = gains
                    .entry((principal.clone(), identity.clone()))
                    .or_insert_with(|| gain::gained_access(analysis, &principal, &identity));
                if gained.is_empty() {
                    continue; // acting as the identity gives nothing the principal lacks
                }
                let entry = found.entry((rule, principal, identity.clone())).or_default();
                entry.add(&holding);
                entry.permissions.push(format!("{action} on {}", attachment.resource_id));
                if !entry.resources.contains(&attachment.resource_id) {
                    entry.resources.push(attachment.resource_id.clone());
                }
                entry.evidence.extend(holding_evidence(analysis, &holding, action, &attachment.resource_id));
            }
        }
    }
    let reported: BTreeSet<(&str, String, String)> =
        found.keys().map(|(rule, p, i)| (*rule, p.to_ascii_lowercase(), i.to_ascii_lowercase())).collect();
    let mut out = Vec::new();
    for ((rule, principal, identity), gathered) in found {
        let lower = identity.to_ascii_lowercase();
        if gathered.said_by_groups(|g| reported.contains(&(rule, g.to_owned(), lower.clone()))) {
            continue; // a member of reported groups: the groups' findings name the risk
        }
        let Some((_, technique, _, doc)) = compute_rule(match rule {
            "azure-vm-run-as-identity" => "microsoft.compute/virtualmachines",
            _ => "microsoft.automation/automationaccounts",
        }) else {
            continue;
        };
        let gained = gains.get(&(principal.clone(), identity.clone())).cloned().unwrap_or_default();
        out.push(escalation_to_identity(
            analysis,
            admins,
            &gathered.attacker(&principal),
            Takeover {
                rule,
                technique,
                description: format!(
                    "run code on {} as its managed identity {}",
                    gathered.resources.join(", "),
                    analysis.display_name(&identity)
                ),
                permissions: gathered.permissions,
                identity: &identity,
                resources: gathered.resources,
                doc,
                gained: Some(gained),
                grant_evidence: gathered.evidence,
            },
        ));
    }
    out
}

/// `azure-assign-user-identity`: a principal allowed to attach a user-assigned identity and to
/// update a VM can run code as that identity
/// (<https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-manage-user-assigned-managed-identities>).
/// Reported only when the identity holds access the principal does not
/// ([`gain::gained_access`]).
fn assign_user_identity(analysis: &AzureAnalysis, admins: &Admins) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut identities: BTreeMap<String, String> = BTreeMap::new();
    for a in analysis.managed_identities() {
        if let (Some(res), Some(p)) = (a.identity_resource_id, a.principal_id) {
            identities.insert(res, p);
        }
    }
    let vms: Vec<String> = analysis
        .environment()
        .resources
        .iter()
        .filter(|r| r.resource_type.eq_ignore_ascii_case("Microsoft.Compute/virtualMachines"))
        .map(|r| r.id.clone())
        .collect();
    for (identity_resource, identity) in identities {
        if !holds_anything(analysis, &identity) {
            continue;
        }
        let mut assigners: Vec<(Holding, &str)> =
            holders(analysis, UAMI_ASSIGN, &identity_resource).into_iter().map(|h| (h, UAMI_ASSIGN)).collect();
        for extra in holders(analysis, UAMI_ASSIGN_ROLE_SPELLING, &identity_resource) {
            match assigners.iter_mut().find(|h| h.0.principal == extra.principal) {
                Some(existing) if extra.truth == Truth::True => *existing = (extra, UAMI_ASSIGN_ROLE_SPELLING),
                Some(_) => {}
                None => assigners.push((extra, UAMI_ASSIGN_ROLE_SPELLING)),
            }
        }
        let mut reaching: Vec<(Holding, &str, String, Vec<String>, Gathered)> = Vec::new();
        for (holder, spelling) in assigners {
            if holder.principal == identity || admins.is_admin(&holder.principal) {
                continue;
            }
            let Some(vm) = vms
                .iter()
                .find(|vm| !matches!(analysis.decide(&holder.principal, VM_WRITE, false, vm), Verdict::Denied))
            else {
                continue;
            };
            let gained = gain::gained_access(analysis, &holder.principal, &identity);
            if gained.is_empty() {
                continue;
            }
            let mut gathered = Gathered::default();
            gathered.add(&holder);
            reaching.push((holder, spelling, vm.clone(), gained, gathered));
        }
        let reported: BTreeSet<String> = reaching.iter().map(|r| r.0.principal.to_ascii_lowercase()).collect();
        for (holder, spelling, vm, gained, gathered) in reaching {
            if gathered.said_by_groups(|g| reported.contains(g)) {
                continue; // a member of reported groups: the groups' findings name the risk
            }
            out.push(escalation_to_identity(
                analysis,
                admins,
                &holder.attacker(),
                Takeover {
                    rule: "azure-assign-user-identity",
                    technique: "azure-assign-user-identity",
                    description: format!("attach {identity_resource} to {vm} and run code there as it"),
                    permissions: vec![format!("{UAMI_ASSIGN} on {identity_resource}"), format!("{VM_WRITE} on {vm}")],
                    identity: &identity,
                    resources: vec![identity_resource.clone()],
                    doc: DOC_MANAGED_IDENTITY,
                    gained: Some(gained),
                    grant_evidence: holding_evidence(analysis, &holder, spelling, &identity_resource),
                },
            ));
        }
    }
    out
}

/// `azure-owner-add-credentials`: an owner of an application or service principal can add a
/// secret to it and sign in as it
/// (<https://learn.microsoft.com/entra/identity/enterprise-apps/overview-assign-app-owners>).
fn owner_credentials(analysis: &AzureAnalysis, admins: &Admins) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut targets: Vec<(String, String)> = Vec::new(); // (owned object, service principal acting)
    for app in analysis.applications() {
        if let Some(sp) = analysis.service_principal_of_app(app) {
            targets.push((app.id.clone(), sp.id.clone()));
        }
    }
    for sp in analysis.service_principals() {
        targets.push((sp.id.clone(), sp.id.clone()));
    }
    for (owned, sp) in targets {
        if !holds_anything(analysis, &sp) {
            continue;
        }
        for owner in analysis.owners_of(&owned) {
            if owner.id == sp || admins.is_admin(&owner.id) {
                continue;
            }
            let what = if owned == sp { "service principal" } else { "application" };
            out.push(escalation_to_identity(
                analysis,
                admins,
                &(owner.id.clone(), Truth::True, Vec::new()),
                Takeover {
                    rule: "azure-owner-add-credentials",
                    technique: "azure-add-owned-app-secret",
                    description: format!(
                        "as owner of the {what} {}, add a secret and sign in as {}",
                        owned,
                        analysis.display_name(&sp)
                    ),
                    permissions: vec![format!("owner of {what} {owned}")],
                    identity: &sp,
                    resources: vec![owned.clone()],
                    doc: DOC_APP_OWNERS,
                    gained: None,
                    grant_evidence: Vec::new(),
                },
            ));
        }
    }
    out
}

/// `azure-graph-app-permission`: application permissions on Microsoft Graph that grant any
/// directory role or any permission are tenant control
/// (<https://learn.microsoft.com/graph/permissions-reference>).
fn graph_permissions(analysis: &AzureAnalysis) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in &analysis.environment().app_role_assignments {
        let Some((_, name, admin)) = graph_permission(analysis, &a.resource_id, &a.app_role_id) else { continue };
        let evidence = vec![Evidence {
            principal: Some(a.principal_id.clone()),
            action: Some(name.to_owned()),
            resource: Some(a.resource_id.clone()),
            layer: "app-role-assignment".to_owned(),
            source: a.source.to_string(),
            statement: Some(name.to_owned()),
            effect: Some("Allow".to_owned()),
            conditions: Vec::new(),
            detail: Some(format!(
                "{} holds the Microsoft Graph application permission {name}",
                analysis.display_name(&a.principal_id)
            )),
        }];
        out.push(
            Draft {
                rule: "azure-graph-app-permission",
                kind: if admin { Kind::AdminEquivalent } else { Kind::PrivilegeEscalation },
                severity: if admin { Severity::Critical } else { Severity::High },
                rationale: match admin {
                    true => format!("{name} lets the application grant any directory role or permission, Global Administrator included ({DOC_GRAPH})"),
                    false => format!("{name} lets the application take over other applications, groups or service principals ({DOC_GRAPH})"),
                },
                title: format!("{} holds the Graph application permission {name}", analysis.display_name(&a.principal_id)),
                principal: a.principal_id.clone(),
                resources: vec![a.resource_id.clone()],
                reach: Reach::allowed(),
                evidence,
                path: Vec::new(),
                remediation: format!("Replace {name} with a narrower permission, and protect the application's credentials (no secrets; certificates or federated credentials)."),
                account: None,
                categories: Vec::new(),
            }
            .build(),
        );
    }
    out
}

/// `azure-role-assignable-group-owner`: an owner of a role-assignable group can add members,
/// who then hold the group's roles
/// (<https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept>).
fn role_assignable_group_owners(analysis: &AzureAnalysis, admins: &Admins) -> Vec<Finding> {
    let mut out = Vec::new();
    for group in analysis.groups().iter().filter(|g| g.is_assignable_to_role) {
        if !holds_anything(analysis, &group.id) {
            continue;
        }
        for owner in analysis.owners_of(&group.id) {
            if admins.is_admin(&owner.id) {
                continue;
            }
            out.push(escalation_to_identity(
                analysis,
                admins,
                &(owner.id.clone(), Truth::True, Vec::new()),
                Takeover {
                    rule: "azure-role-assignable-group-owner",
                    technique: "azure-add-group-member",
                    description: format!(
                        "as owner of the role-assignable group {}, add itself as a member",
                        analysis.display_name(&group.id)
                    ),
                    permissions: vec![format!("owner of group {}", group.id)],
                    identity: &group.id,
                    resources: vec![group.id.clone()],
                    doc: DOC_ROLE_GROUPS,
                    gained: None,
                    grant_evidence: Vec::new(),
                },
            ));
        }
    }
    out
}

/// `azure-guest-privileged`: a B2B guest's account is managed by another organization
/// (<https://learn.microsoft.com/entra/external-id/user-properties>).
fn guests(analysis: &AzureAnalysis, admins: &Admins) -> Vec<Finding> {
    let mut out = Vec::new();
    for user in analysis.users().iter().filter(|u| u.is_guest()) {
        if !holds_anything(analysis, &user.id) {
            continue;
        }
        let admin = admins.is_admin(&user.id);
        out.push(
            Draft {
                rule: "azure-guest-privileged",
                kind: Kind::ExternalAccess,
                severity: if admin { Severity::High } else { Severity::Medium },
                rationale: format!("a guest's credentials and MFA are managed by its home organization ({DOC_B2B}); high when the guest is an administrator"),
                title: format!("guest {} holds {}", analysis.display_name(&user.id), privilege_summary(analysis, &user.id)),
                principal: user.id.clone(),
                resources: Vec::new(),
                reach: Reach::allowed(),
                evidence: vec![Evidence::fact(
                    "entra/users.json",
                    format!(
                        "userType Guest (externalUserState {}), holds {}",
                        user.external_user_state.as_deref().unwrap_or("unknown"),
                        privilege_summary(analysis, &user.id)
                    ),
                )],
                path: Vec::new(),
                remediation: "Confirm the guest still needs these roles; prefer eligible (PIM) assignments reviewed by access reviews, or a member account under your own MFA policy.".to_owned(),
                account: None,
                categories: Vec::new(),
            }
            .build(),
        );
    }
    out
}

/// `azure-key-listing`: listing a storage account's keys (or a cluster's admin credential, a
/// web app's configuration) is data access through the control plane
/// (<https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage>). One finding
/// per principal: its resources list every resource whose keys it can list, and its evidence
/// names each grant that allows it.
fn key_listing(analysis: &AzureAnalysis, admins: &Admins) -> Vec<Finding> {
    /// One grant's key-listing reach: the grant, the action, and the resources it opens.
    struct ByGrant {
        grant: Arc<Grant>,
        action: &'static str,
        resources: Vec<String>,
    }
    #[derive(Default)]
    struct Keys {
        gathered: Gathered,
        names: Vec<String>,
        by_grant: BTreeMap<(String, &'static str), ByGrant>,
    }
    let mut found: BTreeMap<String, Keys> = BTreeMap::new();
    for resource in &analysis.environment().resources {
        let Some((_, action)) = KEY_LISTING.iter().find(|(t, _)| t.eq_ignore_ascii_case(&resource.resource_type))
        else {
            continue;
        };
        for holding in holders(analysis, action, &resource.id) {
            if admins.is_admin(&holding.principal) {
                continue;
            }
            let keys = found.entry(holding.principal.clone()).or_default();
            keys.gathered.add(&holding);
            keys.gathered.resources.push(resource.id.clone());
            keys.names.push(resource.name.clone());
            for m in &holding.grants {
                keys.by_grant
                    .entry((m.grant.describe(), action))
                    .or_insert_with(|| ByGrant { grant: m.grant.clone(), action, resources: Vec::new() })
                    .resources
                    .push(resource.id.clone());
            }
        }
    }
    let reported: BTreeSet<String> = found.keys().map(|p| p.to_ascii_lowercase()).collect();
    let mut out = Vec::new();
    for (principal, keys) in found {
        if keys.gathered.said_by_groups(|g| reported.contains(g)) {
            continue; // a member of reported groups: the groups' findings name the risk
        }
        let (_, truth, conditions) = keys.gathered.attacker(&principal);
        let resources = keys.gathered.resources;
        let name = analysis.display_name(&principal);
        let what = summarize(&keys.names);
        let evidence: Vec<Evidence> = keys
            .by_grant
            .into_values()
            .map(|b| {
                let mut e = grant_evidence(analysis, &b.grant, b.action, b.grant.condition.iter().cloned().collect());
                e.detail = Some(format!(
                    "{} holds {} at {}: {} on {}",
                    analysis.display_name(&b.grant.principal_id),
                    b.grant.role_name,
                    b.grant.scope,
                    b.action,
                    b.resources.join(", ")
                ));
                e
            })
            .collect();
        let subscriptions: BTreeSet<Option<String>> = resources.iter().map(|r| scope::subscription(r)).collect();
        let account = match subscriptions.len() {
            1 => subscriptions.into_iter().next().flatten(),
            _ => None,
        };
        out.push(
            Draft {
                rule: "azure-key-listing",
                kind: Kind::OverPermission,
                // The most a grant opens: medium when some resource's keys are listable
                // without a condition, low when every one is conditional.
                severity: if truth == Truth::True { Severity::Medium } else { Severity::Low },
                rationale: format!("listing keys returns credentials that give data access outside Azure RBAC and its audit by principal ({DOC_KEYS}); medium, low when every listing is conditional"),
                title: format!("{name} can list the keys of {what}"),
                principal: principal.clone(),
                resources,
                reach: reach_of(truth, conditions),
                evidence,
                path: Vec::new(),
                remediation: "Use Entra ID data roles (Storage Blob Data Reader, for example) instead of keys, disable shared-key access where possible, and remove the key-listing actions from the principal's roles.".to_owned(),
                account,
                categories: vec!["credentials-exposure".to_owned(), "data-exfiltration".to_owned()],
            }
            // One finding per principal: its id does not change as resources come and go.
            .build_keyed(&[]),
        );
    }
    out
}
