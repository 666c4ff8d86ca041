//! One tenant indexed once, and the questions asked of it in the cloud-neutral vocabulary.
//!
//! Queries (who can, what can, explain) and risk rules ask the same things thousands of times:
//! a principal's groups, the assignments held by an id, the role behind an assignment, a
//! scope's ancestors. [`AzureAnalysis::new`] builds those indexes once; the answers are
//! `remit_model` types so the CLI, the store and the server read Azure as they read AWS.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use remit_model::{
    Access, Cloud, Condition, Entitlement, Explanation, Holder, Principal, PrincipalKind, Resource, Verdict,
};

use crate::action;
use crate::condition::Truth;
use crate::eval::{self, Match, Request};
use crate::import::{
    Application, AzureEnvironment, DirectoryObject, DirectoryRoleAssignment, DirectoryRoleDefinition, Group,
    ObjectKind, RoleAssignment, RoleDefinition, ServicePrincipal, Source, User,
};
use crate::scope::{self, Hierarchy};

/// A query that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Not an Azure action (`{Company}.{Provider}/{type}/{action}`).
    #[error("`{0}` is not an Azure action of the form `Microsoft.Provider/type/action`")]
    BadAction(String),
    /// Not a scope or resource id.
    #[error(
        "`{0}` is not an Azure scope or resource id (expected `/`, `/providers/Microsoft.Management/managementGroups/…` or `/subscriptions/…`)"
    )]
    BadResource(String),
    /// The resource's subscription is not one of the tenant's: its management groups (and so
    /// the assignments inherited from them) are unknown.
    #[error(
        "subscription `{0}` is not in the environment: assignments inherited from its management groups cannot be known"
    )]
    UnknownSubscription(String),
    /// No such principal.
    #[error(
        "no principal `{0}` in the environment (expected an object id, user principal name, mail, appId or display name)"
    )]
    UnknownPrincipal(String),
}

/// Why a grant holds: a plain role assignment, an activated PIM assignment, or a PIM
/// eligibility (nothing until activated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GrantKind {
    /// A role assignment (`az role assignment list`), or a PIM instance `assignmentType: Assigned`.
    Standing,
    /// A PIM instance `assignmentType: Activated`: active now, from an eligibility.
    Activated,
    /// A PIM eligibility (`roleEligibilityScheduleInstances`).
    Eligible,
}

/// A role assignment or eligibility, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Standing, activated or eligible.
    pub kind: GrantKind,
    /// The assignment's id, when known.
    pub id: Option<String>,
    /// The principal's object id (lowercase).
    pub principal_id: String,
    /// `principalType`.
    pub principal_type: Option<String>,
    /// The role definition GUID.
    pub role_guid: String,
    /// The role's name (from the definition, else `roleDefinitionName`, else the GUID).
    pub role_name: String,
    /// The scope, as written.
    pub scope: String,
    /// The scope, canonical.
    pub scope_key: String,
    /// The ABAC condition.
    pub condition: Option<String>,
    /// PIM end time, when bounded.
    pub end_date_time: Option<String>,
    /// Where it was read.
    pub source: Source,
}

impl Grant {
    fn from_assignment(a: &RoleAssignment, kind: GrantKind, role_name: String) -> Grant {
        Grant {
            kind,
            id: a.id.clone(),
            principal_id: a.principal_id.clone(),
            principal_type: a.principal_type.clone(),
            role_guid: a.role_guid.clone(),
            role_name,
            scope: a.scope.clone(),
            scope_key: scope::normalize(&a.scope),
            condition: a.condition.clone(),
            end_date_time: a.end_date_time.clone(),
            source: a.source.clone(),
        }
    }

    /// One line naming the assignment, its role and scope.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            GrantKind::Standing => "role assignment",
            GrantKind::Activated => "PIM-activated role assignment",
            GrantKind::Eligible => "PIM eligible assignment",
        };
        let name = self
            .id
            .as_deref()
            .map(|i| i.rsplit('/').next().unwrap_or(i).to_owned())
            .unwrap_or_else(|| self.source.to_string());
        let until = self.end_date_time.as_deref().map(|e| format!(", until {e}")).unwrap_or_default();
        format!("{what} {name} ({} at {}{until})", self.role_name, self.scope)
    }
}

/// A managed identity and the resource it is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedIdentityAttachment {
    /// The resource the identity is attached to (a VM, a web app, an automation account).
    pub resource_id: String,
    /// The resource's type.
    pub resource_type: String,
    /// The identity's service principal object id (lowercase), when known.
    pub principal_id: Option<String>,
    /// The client id, for a user-assigned identity.
    pub client_id: Option<String>,
    /// The user-assigned identity's own resource id; `None` for the system-assigned one.
    pub identity_resource_id: Option<String>,
}

/// A directory role held, active or eligible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRoleGrant {
    /// The assignment.
    pub assignment: DirectoryRoleAssignment,
    /// The role's display name (or its id when the definition is not exported).
    pub role_name: String,
    /// The role's template id (lowercase).
    pub template_id: String,
    /// True for a PIM eligibility.
    pub eligible: bool,
    /// The group through which it is held, when not directly.
    pub via_group: Option<String>,
}

/// An Azure tenant ready for queries.
#[derive(Debug)]
pub struct AzureAnalysis {
    env: AzureEnvironment,
    hierarchy: Hierarchy,
    roles: HashMap<String, usize>,
    grants: HashMap<String, Vec<Arc<Grant>>>,
    all_grants: Vec<Arc<Grant>>,
    /// Canonical scope → the grants made there.
    granted_at: HashMap<String, Vec<Arc<Grant>>>,
    parents: HashMap<String, Vec<String>>,
    /// Group (lowercase object id) → its direct members (lowercase object ids).
    children: HashMap<String, Vec<String>>,
    principals: Vec<Arc<Principal>>,
    by_id: HashMap<String, usize>,
    /// The places in `principals` of those whose object id is not lowercase.
    mixed_case: Vec<usize>,
}

impl AzureAnalysis {
    /// Indexes an environment.
    pub fn new(env: AzureEnvironment) -> Self {
        let mut hierarchy = Hierarchy::default();
        for mg in &env.management_groups {
            if let Some(parent) = &mg.parent {
                hierarchy.mg_parent.insert(mg.name.to_ascii_lowercase(), parent.to_ascii_lowercase());
            }
        }
        for s in &env.subscriptions {
            if let Some(mg) = &s.management_group {
                hierarchy.subscription_parent.insert(s.id.to_ascii_lowercase(), mg.to_ascii_lowercase());
            }
        }
        let roles: HashMap<String, usize> =
            env.role_definitions.iter().enumerate().map(|(i, r)| (r.guid.clone(), i)).collect();
        let role_name = |a: &RoleAssignment| {
            roles
                .get(&a.role_guid)
                .map(|&i| env.role_definitions[i].role_name.clone())
                .or_else(|| a.role_name.clone())
                .unwrap_or_else(|| a.role_guid.clone())
        };
        let key = |a: &RoleAssignment| (scope::normalize(&a.scope), a.role_guid.clone(), a.principal_id.clone());
        let activated: BTreeSet<_> = env
            .active_schedule_instances
            .iter()
            .filter(|a| a.assignment_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("Activated")))
            .map(key)
            .collect();
        let mut all_grants = Vec::new();
        let mut seen = BTreeSet::new();
        for a in &env.role_assignments {
            let kind = if activated.contains(&key(a)) { GrantKind::Activated } else { GrantKind::Standing };
            seen.insert(key(a));
            all_grants.push(Arc::new(Grant::from_assignment(a, kind, role_name(a))));
        }
        // PIM active instances the role-assignment export did not list still grant.
        for a in &env.active_schedule_instances {
            if seen.insert(key(a)) {
                let kind = if activated.contains(&key(a)) { GrantKind::Activated } else { GrantKind::Standing };
                all_grants.push(Arc::new(Grant::from_assignment(a, kind, role_name(a))));
            }
        }
        for a in &env.eligible_assignments {
            all_grants.push(Arc::new(Grant::from_assignment(a, GrantKind::Eligible, role_name(a))));
        }
        let mut grants: HashMap<String, Vec<Arc<Grant>>> = HashMap::new();
        for g in &all_grants {
            grants.entry(g.principal_id.clone()).or_default().push(g.clone());
        }
        let mut granted_at: HashMap<String, Vec<Arc<Grant>>> = HashMap::new();
        for g in &all_grants {
            granted_at.entry(g.scope_key.clone()).or_default().push(g.clone());
        }
        let mut parents: HashMap<String, Vec<String>> = HashMap::new();
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for (group, members) in &env.group_members {
            for m in members {
                parents.entry(m.id.clone()).or_default().push(group.clone());
                children.entry(group.to_ascii_lowercase()).or_default().push(m.id.to_ascii_lowercase());
            }
        }
        let (principals, by_id) = build_principals(&env, &all_grants);
        let mixed_case =
            (0..principals.len()).filter(|&i| principals[i].id.bytes().any(|b| b.is_ascii_uppercase())).collect();
        AzureAnalysis {
            env,
            hierarchy,
            roles,
            grants,
            all_grants,
            granted_at,
            parents,
            children,
            principals,
            by_id,
            mixed_case,
        }
    }

    /// The environment as read.
    pub fn environment(&self) -> &AzureEnvironment {
        &self.env
    }

    /// The management-group tree.
    pub fn hierarchy(&self) -> &Hierarchy {
        &self.hierarchy
    }

    /// A role definition by GUID.
    pub fn role(&self, guid: &str) -> Option<&RoleDefinition> {
        self.roles.get(&guid.to_ascii_lowercase()).map(|&i| &self.env.role_definitions[i])
    }

    /// The grants (assignments and eligibilities) made to `id` itself, not through groups.
    pub fn grants_of(&self, id: &str) -> &[Arc<Grant>] {
        self.grants.get(&id.to_ascii_lowercase()).map_or(&[], Vec::as_slice)
    }

    /// Every grant of the tenant.
    pub fn all_grants(&self) -> &[Arc<Grant>] {
        &self.all_grants
    }

    /// The object id and every group containing it, transitively (cycles stop the walk).
    pub fn identity_ids(&self, id: &str) -> Vec<String> {
        let id = id.to_ascii_lowercase();
        let mut out = vec![id.clone()];
        let mut queue = vec![id];
        while let Some(current) = queue.pop() {
            for parent in self.parents.get(&current).into_iter().flatten() {
                if !out.contains(parent) {
                    out.push(parent.clone());
                    queue.push(parent.clone());
                }
            }
        }
        out
    }

    /// Every member of `group`, transitively (users, service principals and nested groups).
    pub fn transitive_members(&self, group: &str) -> Vec<DirectoryObject> {
        let mut out: Vec<DirectoryObject> = Vec::new();
        let mut queue = vec![group.to_ascii_lowercase()];
        let mut visited = BTreeSet::new();
        while let Some(current) = queue.pop() {
            if !visited.insert(current.clone()) {
                continue;
            }
            for m in self.env.group_members.get(&current).into_iter().flatten() {
                if !out.iter().any(|o| o.id == m.id) {
                    out.push(m.clone());
                }
                if m.kind == ObjectKind::Group {
                    queue.push(m.id.clone());
                }
            }
        }
        out
    }

    /// Users, groups and service principals (managed identities as service accounts), and
    /// principals named by assignments but absent from the directory export (incomplete).
    pub fn principals(&self) -> &[Arc<Principal>] {
        &self.principals
    }

    /// The principals that may hold a grant of `action` (in the plane given) applying to
    /// `resource`: those granted a role including the action at the resource or an ancestor
    /// scope, and every member, transitively, of a group granted so; in the order of
    /// [`Self::principals`]. Any other principal is denied by default
    /// (<https://learn.microsoft.com/azure/role-based-access-control/overview#how-azure-rbac-determines-if-a-user-has-access-to-a-resource>):
    /// who-can and the risk rules decide these only. Conditions are not read and ids are
    /// compared case-insensitively, so the list may hold more than those a decision allows,
    /// never fewer.
    pub fn candidates(&self, action: &str, data_plane: bool, resource: &str) -> Vec<&Arc<Principal>> {
        let mut includes: HashMap<&str, bool> = HashMap::new();
        let mut queue: Vec<String> = Vec::new();
        for scope in self.hierarchy.ancestors(resource) {
            for grant in self.granted_at.get(&scope).into_iter().flatten() {
                let included = *includes.entry(grant.role_guid.as_str()).or_insert_with(|| {
                    self.role(&grant.role_guid)
                        .is_some_and(|role| role.permissions.iter().any(|b| b.grants(action, data_plane)))
                });
                if included {
                    queue.push(grant.principal_id.to_ascii_lowercase());
                }
            }
        }
        let mut queue: Vec<&str> = queue.iter().map(String::as_str).collect();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut marked = vec![false; self.principals.len()];
        while let Some(id) = queue.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(&i) = self.by_id.get(id) {
                marked[i] = true;
            }
            queue.extend(self.children.get(id).into_iter().flatten().map(String::as_str));
        }
        // Principals whose id is not lowercase (never so in an az or Graph export) are looked up
        // by their lowercase id.
        for &i in &self.mixed_case {
            if let Some(p) = self.principals.get(i)
                && !marked[i]
            {
                marked[i] = seen.contains(p.id.to_ascii_lowercase().as_str());
            }
        }
        self.principals.iter().zip(marked).filter(|(_, m)| *m).map(|(p, _)| p).collect()
    }

    /// A principal by object id.
    pub fn principal(&self, id: &str) -> Option<&Arc<Principal>> {
        self.by_id.get(&id.to_ascii_lowercase()).map(|&i| &self.principals[i])
    }

    /// A short name for an object id (the id itself when unknown).
    pub fn display_name(&self, id: &str) -> String {
        self.principal(id).map_or_else(|| id.to_owned(), |p| p.name.clone())
    }

    /// Subscriptions, management groups, resource groups and resources.
    pub fn resources(&self) -> Vec<Resource> {
        let resource = |id: String, resource_type: &str, scope: Option<String>, region: Option<String>| Resource {
            cloud: Cloud::Azure,
            id,
            resource_type: resource_type.to_owned(),
            scope,
            region,
        };
        let mut out = Vec::new();
        for mg in &self.env.management_groups {
            out.push(resource(
                scope::management_group_scope(&mg.name),
                "Microsoft.Management/managementGroups",
                None,
                None,
            ));
        }
        for s in &self.env.subscriptions {
            out.push(resource(
                format!("/subscriptions/{}", s.id),
                "Microsoft.Resources/subscriptions",
                Some(s.id.clone()),
                None,
            ));
        }
        for rg in &self.env.resource_groups {
            out.push(resource(
                rg.id.clone(),
                "Microsoft.Resources/resourceGroups",
                scope::subscription(&rg.id),
                rg.location.clone(),
            ));
        }
        for r in &self.env.resources {
            out.push(resource(r.id.clone(), &r.resource_type, scope::subscription(&r.id), r.location.clone()));
        }
        out
    }

    /// Finds a principal by object id, user principal name, mail, appId or display name
    /// (case-insensitive; the first exact match in that order).
    pub fn find_principal(&self, query: &str) -> Option<Arc<Principal>> {
        let q = query.trim().to_ascii_lowercase();
        if let Some(p) = self.principal(&q) {
            return Some(p.clone());
        }
        let eq = |v: &Option<String>| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&q));
        let id = self
            .env
            .users
            .iter()
            .find(|u| eq(&u.user_principal_name) || eq(&u.mail))
            .map(|u| u.id.clone())
            .or_else(|| self.env.service_principals.iter().find(|s| eq(&s.app_id)).map(|s| s.id.clone()))
            .or_else(|| {
                let named = |d: &Option<String>| eq(d);
                self.env
                    .users
                    .iter()
                    .find(|u| named(&u.display_name))
                    .map(|u| u.id.clone())
                    .or_else(|| self.env.groups.iter().find(|g| named(&g.display_name)).map(|g| g.id.clone()))
                    .or_else(|| {
                        self.env.service_principals.iter().find(|s| named(&s.display_name)).map(|s| s.id.clone())
                    })
            })?;
        self.principal(&id).cloned()
    }

    fn resolve(&self, query: &str) -> Result<Arc<Principal>, QueryError> {
        self.find_principal(query).ok_or_else(|| QueryError::UnknownPrincipal(query.to_owned()))
    }

    fn check_resource(&self, resource: &str) -> Result<(), QueryError> {
        if !scope::is_scope(resource) {
            return Err(QueryError::BadResource(resource.to_owned()));
        }
        if let Some(sub) = scope::subscription(resource)
            && !self.env.subscriptions.is_empty()
            && !self.env.subscriptions.iter().any(|s| s.id.eq_ignore_ascii_case(&sub))
        {
            return Err(QueryError::UnknownSubscription(sub));
        }
        Ok(())
    }

    /// True when `action` is a data action: some role definition of the tenant lists it under
    /// `DataActions` (by a pattern other than a bare `*`). Control and data actions are
    /// disjoint (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#dataactions>).
    pub fn is_data_action(&self, action: &str) -> bool {
        self.env.role_definitions.iter().any(|r| {
            r.permissions.iter().any(|p| {
                p.data_actions.iter().chain(&p.not_data_actions).any(|d| d != "*" && action::matches(d, action))
            })
        })
    }

    /// Who can perform `action` on `resource` (data plane when [`Self::is_data_action`]).
    pub fn who_can(&self, action: &str, resource: &str) -> Result<Vec<Holder>, QueryError> {
        self.who_can_in(action, self.is_data_action(action), resource)
    }

    /// Who can perform `action` on `resource`, in the plane given: standing holders (allowed
    /// or conditional), and holders through PIM eligibility marked [`remit_model::Step::Activate`] (for
    /// principals with no standing grant allowing it).
    pub fn who_can_in(&self, action: &str, data_plane: bool, resource: &str) -> Result<Vec<Holder>, QueryError> {
        if !action::is_well_formed(action) {
            return Err(QueryError::BadAction(action.to_owned()));
        }
        self.check_resource(resource)?;
        let mut holders = Vec::new();
        for principal in self.candidates(action, data_plane, resource) {
            let request = Request {
                principal: principal.id.clone(),
                action: action.to_owned(),
                data_action: data_plane,
                resource: resource.to_owned(),
                include_eligible: false,
                sub_operation: None,
                attributes: BTreeMap::new(),
            };
            let decision = self.decide_request(&request);
            if !decision.denied_by.is_empty() {
                continue;
            }
            let standing_allowed = decision.grants.iter().any(|m| m.truth == Truth::True);
            if let Some(holder) = self.holder(principal, &decision.grants, resource) {
                holders.push(holder);
            }
            if !standing_allowed && let Some(holder) = self.holder(principal, &decision.eligible, resource) {
                holders.push(holder);
            }
        }
        Ok(holders)
    }

    fn holder(&self, principal: &Arc<Principal>, matches: &[Match], resource: &str) -> Option<Holder> {
        let best = matches.iter().find(|m| m.truth == Truth::True);
        let access = match best {
            Some(_) => Access::Allowed,
            None => Access::Conditional(matches.iter().filter_map(|m| self.condition_of(m)).collect()),
        };
        let chosen = best.or_else(|| matches.first())?;
        Some(Holder { principal: principal.clone(), access, via: self.steps(chosen, resource) })
    }

    /// Everything `principal` holds: each assignment's (and eligibility's) effective action
    /// patterns at its scope, control and data plane separately, minus deny assignments (an
    /// entitlement a deny covers entirely is dropped; one it covers in part keeps the deny's
    /// patterns in `except`).
    pub fn what_can(&self, principal: &str) -> Result<Vec<Entitlement>, QueryError> {
        let principal = self.resolve(principal)?;
        let ids = self.identity_ids(&principal.id);
        let denies: Vec<_> =
            self.env.deny_assignments.iter().filter(|d| eval::deny_principal_matches(d, &ids)).collect();
        let mut out = Vec::new();
        for id in &ids {
            for grant in self.grants_of(id) {
                let Some(role) = self.role(&grant.role_guid) else { continue };
                let m = Match {
                    grant: grant.clone(),
                    via_group: (id != &principal.id).then(|| id.clone()),
                    truth: Truth::True,
                };
                let via = self.steps(&m, &grant.scope);
                for block in &role.permissions {
                    let mut conditions: Vec<Condition> = Vec::new();
                    for text in grant.condition.iter().chain(block.condition.iter()) {
                        conditions.push(Condition {
                            source: Arc::from(grant.describe()),
                            expression: Arc::from(text.as_str()),
                            on_deny: false,
                        });
                    }
                    let access = if conditions.is_empty() { Access::Allowed } else { Access::Conditional(conditions) };
                    for data_plane in [false, true] {
                        let (granted, subtracted) = block.plane(data_plane);
                        for pattern in granted {
                            let mut except: Vec<Arc<str>> = subtracted
                                .iter()
                                .filter(|s| action::overlaps(s, pattern))
                                .map(|s| Arc::from(s.as_str()))
                                .collect();
                            let mut dropped = false;
                            for d in &denies {
                                let deny_scope = scope::normalize(&d.scope);
                                let above = self.hierarchy.applies(&deny_scope, &grant.scope_key);
                                let below = self.hierarchy.applies(&grant.scope_key, &deny_scope);
                                let whole = above && !d.do_not_apply_to_child_scopes;
                                if whole && eval::deny_covers(d, pattern, data_plane) {
                                    dropped = true;
                                    break;
                                }
                                if above || below {
                                    for x in eval::deny_overlap(d, pattern, data_plane) {
                                        if !except.iter().any(|e| e.as_ref() == x) {
                                            except.push(Arc::from(x.as_str()));
                                        }
                                    }
                                }
                            }
                            if dropped {
                                continue;
                            }
                            out.push(Entitlement {
                                action: Arc::from(pattern.as_str()),
                                except,
                                data_plane,
                                resource: Arc::from(grant.scope.as_str()),
                                access: access.clone(),
                                via: via.clone(),
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Whether `principal` can perform `action` on `resource`, with each reason naming the
    /// assignment, role, scope or deny and the rule applied. Eligible assignments are listed
    /// as reasons but do not allow.
    pub fn explain(&self, principal: &str, action: &str, resource: &str) -> Result<Explanation, QueryError> {
        let p = self.resolve(principal)?;
        if !action::is_well_formed(action) {
            return Err(QueryError::BadAction(action.to_owned()));
        }
        self.check_resource(resource)?;
        Ok(self.explain_request(&Request {
            principal: p.id.clone(),
            action: action.to_owned(),
            data_action: self.is_data_action(action),
            resource: resource.to_owned(),
            include_eligible: false,
            sub_operation: None,
            attributes: BTreeMap::new(),
        }))
    }

    /// The verdict if `principal`'s eligible assignments were activated (standing included).
    pub fn decide_including_eligible(
        &self,
        principal: &str,
        action: &str,
        is_data_action: bool,
        resource: &str,
    ) -> Verdict {
        self.decide_request(&Request {
            principal: principal.to_ascii_lowercase(),
            action: action.to_owned(),
            data_action: is_data_action,
            resource: resource.to_owned(),
            include_eligible: true,
            sub_operation: None,
            attributes: BTreeMap::new(),
        })
        .verdict
    }

    /// The tenant's users.
    pub fn users(&self) -> &[User] {
        &self.env.users
    }

    /// A user by object id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.env.users.iter().find(|u| u.id.eq_ignore_ascii_case(id))
    }

    /// True for a B2B guest user (`userType: Guest`).
    pub fn is_guest(&self, id: &str) -> bool {
        self.user(id).is_some_and(User::is_guest)
    }

    /// The tenant's groups.
    pub fn groups(&self) -> &[Group] {
        &self.env.groups
    }

    /// The tenant's service principals (managed identities included).
    pub fn service_principals(&self) -> &[ServicePrincipal] {
        &self.env.service_principals
    }

    /// A service principal by object id.
    pub fn service_principal(&self, id: &str) -> Option<&ServicePrincipal> {
        self.env.service_principals.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// The tenant's application registrations.
    pub fn applications(&self) -> &[Application] {
        &self.env.applications
    }

    /// The owners of an application, service principal or group.
    pub fn owners_of(&self, object_id: &str) -> &[DirectoryObject] {
        self.env.owners.get(&object_id.to_ascii_lowercase()).map_or(&[], Vec::as_slice)
    }

    /// The service principal of an application (same `appId`).
    pub fn service_principal_of_app(&self, app: &Application) -> Option<&ServicePrincipal> {
        let app_id = app.app_id.as_deref()?;
        self.env.service_principals.iter().find(|s| s.app_id.as_deref() == Some(app_id))
    }

    /// Every managed identity attachment: system-assigned identities of resources, and
    /// user-assigned identities with each resource they are attached to.
    pub fn managed_identities(&self) -> Vec<ManagedIdentityAttachment> {
        let mut out = Vec::new();
        for r in &self.env.resources {
            if let Some(p) = &r.system_identity {
                out.push(ManagedIdentityAttachment {
                    resource_id: r.id.clone(),
                    resource_type: r.resource_type.clone(),
                    principal_id: Some(p.clone()),
                    client_id: None,
                    identity_resource_id: None,
                });
            }
            for u in &r.user_identities {
                let principal_id = u.principal_id.clone().or_else(|| {
                    self.env
                        .service_principals
                        .iter()
                        .find(|s| s.alternative_names.iter().any(|n| n.eq_ignore_ascii_case(&u.resource_id)))
                        .map(|s| s.id.clone())
                });
                out.push(ManagedIdentityAttachment {
                    resource_id: r.id.clone(),
                    resource_type: r.resource_type.clone(),
                    principal_id,
                    client_id: u.client_id.clone(),
                    identity_resource_id: Some(u.resource_id.clone()),
                });
            }
        }
        out
    }

    /// The directory role definition of a role id or template id.
    pub fn directory_role(&self, id: &str) -> Option<&DirectoryRoleDefinition> {
        self.env.directory_role_definitions.iter().find(|d| {
            d.id.eq_ignore_ascii_case(id) || d.template_id.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(id))
        })
    }

    /// The directory roles `principal` holds, directly or through role-assignable groups,
    /// active and eligible.
    pub fn directory_roles_of(&self, principal: &str) -> Vec<DirectoryRoleGrant> {
        let ids = self.identity_ids(principal);
        let principal = principal.to_ascii_lowercase();
        let mut out = Vec::new();
        for (list, eligible) in
            [(&self.env.directory_role_assignments, false), (&self.env.directory_role_eligibilities, true)]
        {
            for a in list.iter().filter(|a| ids.contains(&a.principal_id)) {
                let def = self.directory_role(&a.role_definition_id);
                out.push(DirectoryRoleGrant {
                    assignment: a.clone(),
                    role_name: def.map_or_else(|| a.role_definition_id.clone(), |d| d.display_name.clone()),
                    template_id: def
                        .and_then(|d| d.template_id.clone())
                        .unwrap_or_else(|| a.role_definition_id.clone()),
                    eligible,
                    via_group: (a.principal_id != principal).then(|| a.principal_id.clone()),
                });
            }
        }
        out
    }
}

fn build_principals(env: &AzureEnvironment, grants: &[Arc<Grant>]) -> (Vec<Arc<Principal>>, HashMap<String, usize>) {
    let tenant = Some(env.tenant_id.clone());
    let mut out: Vec<Arc<Principal>> = Vec::new();
    let mut by_id = HashMap::new();
    let mut add = |kind: PrincipalKind, id: &str, name: String, out: &mut Vec<Arc<Principal>>| {
        if by_id.contains_key(id) {
            return;
        }
        by_id.insert(id.to_owned(), out.len());
        out.push(Arc::new(Principal {
            cloud: Cloud::Azure,
            kind,
            id: id.to_owned(),
            name,
            scope: tenant.clone(),
            incomplete: env.incomplete.contains(id),
        }));
    };
    for u in &env.users {
        let name = u.user_principal_name.clone().or_else(|| u.display_name.clone()).unwrap_or_else(|| u.id.clone());
        add(PrincipalKind::User, &u.id, name, &mut out);
    }
    for g in &env.groups {
        add(PrincipalKind::Group, &g.id, g.display_name.clone().unwrap_or_else(|| g.id.clone()), &mut out);
    }
    for s in &env.service_principals {
        add(PrincipalKind::ServiceAccount, &s.id, s.display_name.clone().unwrap_or_else(|| s.id.clone()), &mut out);
    }
    // Principals that assignments name but the directory export lacks (deleted objects,
    // foreign groups, an incomplete export): kept, and marked incomplete.
    let mut unknown: Vec<Arc<Principal>> = Vec::new();
    for g in grants {
        if by_id.contains_key(&g.principal_id) {
            continue;
        }
        let kind = match g.principal_type.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("user") => PrincipalKind::User,
            Some("group") | Some("foreigngroup") => PrincipalKind::Group,
            _ => PrincipalKind::ServiceAccount,
        };
        by_id.insert(g.principal_id.clone(), out.len() + unknown.len());
        unknown.push(Arc::new(Principal {
            cloud: Cloud::Azure,
            kind,
            id: g.principal_id.clone(),
            name: g.principal_id.clone(),
            scope: tenant.clone(),
            incomplete: true,
        }));
    }
    out.extend(unknown);
    (out, by_id)
}
