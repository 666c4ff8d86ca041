//! Writing the tenant as `az` and Microsoft Graph return it, and its ground truth.
//!
//! Shapes, by file: `az account management-group show --expand --recurse`
//! (<https://learn.microsoft.com/rest/api/managementgroups/management-groups/get>: `children`
//! typed `Microsoft.Management/managementGroups` or `/subscriptions`), `az account list`,
//! `az group list` and `az resource list` (<https://learn.microsoft.com/rest/api/resources/resources/list>,
//! `identity` as in <https://learn.microsoft.com/rest/api/resources/resources/list#identity>),
//! `az role definition list`, `az role assignment list` (the CLI's flattened
//! `RoleAssignment`: <https://learn.microsoft.com/cli/azure/role/assignment#az-role-assignment-list>),
//! deny assignments (<https://learn.microsoft.com/rest/api/authorization/deny-assignments/list>),
//! PIM schedule instances (<https://learn.microsoft.com/rest/api/authorization/role-eligibility-schedule-instances/list-for-scope>,
//! <https://learn.microsoft.com/rest/api/authorization/role-assignment-schedule-instances/list-for-scope>),
//! and Graph's `user`, `group`, `servicePrincipal`, `application`, `unifiedRoleDefinition`,
//! `unifiedRoleAssignment`, `unifiedRoleEligibilityScheduleInstance` and `appRoleAssignment`
//! (<https://learn.microsoft.com/graph/api/resources/...>).

use std::{path::Path, sync::Arc};

use serde_json::{Value, json};

use super::{
    AzureSpec, AzureTruth,
    plan::{Assignment, Eligible, P, SpKind, Tenant, mg_scope},
    roles::{self, DIRECTORY_ROLES, GRAPH_APP_ROLES, ROLES},
};
use crate::{
    json_out::{DAY, GenError, NOW, Writer, iso_az, iso_z},
    people::{IdentityLink, NonHumanOwner, People},
};

const RA_TYPE: &str = "Microsoft.Authorization/roleAssignments";

pub(super) fn write(spec: &AzureSpec, t: Tenant, people: &People, out: &Path) -> Result<AzureTruth, GenError> {
    let mut w = Writer::new(out);
    let base = format!("azure/{}", t.id);
    w.json(
        &format!("{base}/tenant.json"),
        &json!({"tenantId": t.id, "displayName": format!("{} (generated)", crate::people::capitalized(&t.company)), "defaultDomain": t.default_domain}),
    )?;
    w.json(&format!("{base}/management-groups.json"), &mg_tree(&t, 0))?;
    let subs: Vec<Value> = t
        .subs
        .iter()
        .map(|s| {
            json!({
                "cloudName": "AzureCloud",
                "homeTenantId": t.id,
                "id": s.id,
                "isDefault": false,
                "managedByTenants": [],
                "name": s.name,
                "state": "Enabled",
                "tenantId": t.id,
                "user": {"name": people.persons[1].email, "type": "user"},
            })
        })
        .collect();
    w.json(&format!("{base}/subscriptions.json"), &Value::Array(subs))?;
    let defs: Vec<Value> = ROLES.iter().map(|r| role_definition(&t, r)).collect();
    w.json(&format!("{base}/role-definitions.json"), &Value::Array(defs))?;

    // Assignments by place.
    let mut by_sub: Vec<Vec<usize>> = vec![Vec::new(); t.subs.len()];
    let mut by_mg: Vec<Vec<usize>> = vec![Vec::new(); t.mgs.len()];
    for (idx, a) in t.assignments.iter().enumerate() {
        match (a.sub, a.mg) {
            (Some(sub), _) => by_sub[sub].push(idx),
            (None, Some(mg)) => by_mg[mg].push(idx),
            (None, None) => {}
        }
    }
    for (mg, list) in by_mg.iter().enumerate() {
        let name = &t.mgs[mg].name;
        let dir = format!("{base}/management-groups/{name}");
        let items: Vec<Value> = list.iter().map(|&i| assignment(&t, &t.assignments[i])).collect();
        w.json(&format!("{dir}/role-assignments.json"), &Value::Array(items))?;
        w.json(&format!("{dir}/deny-assignments.json"), &json!({"value": []}))?;
        let eligible: Vec<Value> = t.eligible.iter().filter(|e| e.mg == Some(mg)).map(|e| eligibility(&t, e)).collect();
        w.json(&format!("{dir}/role-eligibility-schedule-instances.json"), &json!({"value": eligible}))?;
    }
    for (sub, s) in t.subs.iter().enumerate() {
        let dir = format!("{base}/subscriptions/{}", s.id);
        let rgs: Vec<Value> = s
            .rgs
            .iter()
            .map(|rg| {
                json!({
                    "id": t.rg_scope(sub, &rg.name),
                    "location": rg.location,
                    "managedBy": null,
                    "name": rg.name,
                    "properties": {"provisioningState": "Succeeded"},
                    "tags": {"owner": "platform", "costCenter": format!("cc-{}", 100 + sub % 50)},
                    "type": "Microsoft.Resources/resourceGroups",
                })
            })
            .collect();
        w.json(&format!("{dir}/resource-groups.json"), &Value::Array(rgs))?;
        let mut resources = Vec::new();
        for rg in &s.rgs {
            for r in &rg.resources {
                resources.push(resource(&t, rg.name.as_str(), rg.location, r));
            }
        }
        w.json(&format!("{dir}/resources.json"), &Value::Array(resources))?;
        // `--include-inherited`: the management groups' assignments above the subscription too.
        let mut items: Vec<Value> = Vec::new();
        for mg in t.mg_chain(s.mg).into_iter().rev() {
            items.extend(by_mg[mg].iter().map(|&i| assignment(&t, &t.assignments[i])));
        }
        items.extend(by_sub[sub].iter().map(|&i| assignment(&t, &t.assignments[i])));
        w.json(&format!("{dir}/role-assignments.json"), &Value::Array(items))?;
        let deny: Vec<Value> = if t.deny.sub == sub { vec![deny_assignment(&t)] } else { Vec::new() };
        w.json(&format!("{dir}/deny-assignments.json"), &json!({"value": deny}))?;
        let eligible: Vec<Value> =
            t.eligible.iter().filter(|e| e.sub == Some(sub)).map(|e| eligibility(&t, e)).collect();
        w.json(&format!("{dir}/role-eligibility-schedule-instances.json"), &json!({"value": eligible}))?;
        let mut active = Vec::new();
        for &(a, e) in &t.activated {
            if t.assignments[a].sub == Some(sub) {
                active.push(assignment_instance(&t, &t.assignments[a], "Activated", Some(&t.eligible[e])));
            }
        }
        for &a in &t.pim_assigned {
            if t.assignments[a].sub == Some(sub) {
                active.push(assignment_instance(&t, &t.assignments[a], "Assigned", None));
            }
        }
        w.json(&format!("{dir}/role-assignment-schedule-instances.json"), &json!({"value": active}))?;
    }
    // The root's permanent PIM assignment is listed at the management group's scope.
    entra(&mut w, &base, &t)?;
    let (identities, non_human) = links(&t, people);
    let truth_doc = truth(spec, &t, people);
    w.json("azure-ground-truth.json", &truth_doc)?;

    let admin_equivalent = {
        let mut ps: Vec<P> = Vec::new();
        for a in &t.admins {
            if !ps.contains(&a.principal) {
                ps.push(a.principal);
            }
        }
        ps.len()
    };
    let escalations = t.escalations.len();
    Ok(AzureTruth {
        tenant_id: t.id.clone(),
        users: t.users.len(),
        groups: t.groups.len(),
        service_principals: t.sps.len(),
        subscriptions: t.subs.len(),
        resources: t.subs.iter().flat_map(|s| &s.rgs).map(|rg| rg.resources.len()).sum(),
        role_assignments: t.assignments.len(),
        eligible: t.eligible.len() + t.dir_eligible.len(),
        admin_equivalent,
        escalations,
        identities,
        non_human,
        files: w.files,
        bytes: w.bytes,
        tenant: Arc::new(t),
    })
}

fn mg_tree(t: &Tenant, mg: usize) -> Value {
    let m = &t.mgs[mg];
    let mut children: Vec<Value> = Vec::new();
    for (child, c) in t.mgs.iter().enumerate() {
        if c.parent == Some(mg) {
            children.push(mg_tree(t, child));
        }
    }
    for s in t.subs.iter().filter(|s| s.mg == mg) {
        children.push(json!({
            "children": null,
            "displayName": s.name,
            "id": format!("/subscriptions/{}", s.id),
            "name": s.id,
            "type": "/subscriptions",
        }));
    }
    let parent = m
        .parent
        .map(|p| json!({"displayName": t.mgs[p].display, "id": mg_scope(&t.mgs[p].name), "name": t.mgs[p].name}));
    let mut v = json!({
        "children": if children.is_empty() { Value::Null } else { Value::Array(children) },
        "details": {"managementGroupAncestorsChain": [], "parent": parent, "path": null, "updatedBy": t.id, "updatedTime": iso_z(NOW - 300 * DAY), "version": 1},
        "displayName": m.display,
        "id": mg_scope(&m.name),
        "name": m.name,
        "type": "Microsoft.Management/managementGroups",
    });
    if let (0, Some(obj)) = (mg, v.as_object_mut()) {
        obj.insert("tenantId".into(), json!(t.id));
    }
    v
}

fn role_def_id(t: &Tenant, sub: Option<usize>, guid: &str) -> String {
    match sub {
        Some(sub) => {
            format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{guid}", t.subs[sub].id)
        }
        None => format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
    }
}

fn role_definition(t: &Tenant, r: &roles::RoleDef) -> Value {
    let scopes = if r.builtin { json!(["/"]) } else { json!([mg_scope(&t.mgs[0].name)]) };
    json!({
        "assignableScopes": scopes,
        "createdBy": null,
        "createdOn": iso_az(NOW - 1200 * DAY),
        "description": r.description,
        "id": role_def_id(t, Some(0), r.guid),
        "name": r.guid,
        "permissions": [{
            "actions": r.actions,
            "condition": null,
            "conditionVersion": null,
            "dataActions": r.data_actions,
            "notActions": r.not_actions,
            "notDataActions": [],
        }],
        "roleName": r.name,
        "roleType": if r.builtin { "BuiltInRole" } else { "CustomRole" },
        "type": "Microsoft.Authorization/roleDefinitions",
        "updatedBy": null,
        "updatedOn": iso_az(NOW - 200 * DAY),
    })
}

fn assignment(t: &Tenant, a: &Assignment) -> Value {
    let (pid, pname, ptype) = t.principal(a.principal);
    let role = &ROLES[a.role];
    let mut v = json!({
        "condition": a.condition,
        "conditionVersion": a.condition.as_ref().map(|_| "2.0"),
        "createdBy": t.users.first().map(|u| u.id.as_str()),
        "createdOn": iso_az(a.created),
        "delegatedManagedIdentityResourceId": null,
        "description": null,
        "id": format!("{}/providers/{RA_TYPE}/{}", a.scope, a.id),
        "name": a.id,
        "principalId": pid,
        "principalName": pname,
        "principalType": ptype,
        "roleDefinitionId": role_def_id(t, a.sub, role.guid),
        "roleDefinitionName": role.name,
        "scope": a.scope,
        "type": RA_TYPE,
        "updatedBy": t.users.first().map(|u| u.id.as_str()),
        "updatedOn": iso_az(a.created),
    });
    if let (Some(rg), Some(obj)) = (&a.rg, v.as_object_mut()) {
        obj.insert("resourceGroup".into(), json!(rg));
    }
    v
}

fn scope_type(scope: &str) -> &'static str {
    if scope.starts_with("/providers/Microsoft.Management") {
        "managementgroup"
    } else if scope.contains("/providers/") {
        "resource"
    } else if scope.contains("/resourceGroups/") {
        "resourcegroup"
    } else {
        "subscription"
    }
}

/// A scope's display name: the management group's or subscription's name, else its last segment.
fn scope_name<'a>(t: &'a Tenant, scope: &'a str) -> &'a str {
    if let Some(mg) = t.mgs.iter().find(|m| mg_scope(&m.name) == scope) {
        return &mg.display;
    }
    if let Some(sub) = t.subs.iter().find(|s| format!("/subscriptions/{}", s.id) == scope) {
        return &sub.name;
    }
    scope.rsplit('/').next().unwrap_or(scope)
}

fn expanded(t: &Tenant, principal: P, role: usize, scope: &str, sub: Option<usize>) -> Value {
    let (pid, pname, ptype) = t.principal(principal);
    let r = &ROLES[role];
    json!({
        "principal": {"id": pid, "displayName": t.display(principal), "email": if ptype == "User" { json!(pname) } else { Value::Null }, "type": ptype},
        "roleDefinition": {"id": role_def_id(t, sub, r.guid), "displayName": r.name, "type": if r.builtin { "BuiltInRole" } else { "CustomRole" }},
        "scope": {"id": scope, "displayName": scope_name(t, scope), "type": scope_type(scope)},
    })
}

fn eligibility(t: &Tenant, e: &Eligible) -> Value {
    let (pid, _, ptype) = t.principal(e.principal);
    let r = &ROLES[e.role];
    json!({
        "properties": {
            "roleEligibilityScheduleId": format!("{}/providers/Microsoft.Authorization/roleEligibilitySchedules/{}", e.scope, e.schedule),
            "scope": e.scope,
            "roleDefinitionId": role_def_id(t, e.sub, r.guid),
            "principalId": pid,
            "principalType": ptype,
            "status": "Provisioned",
            "startDateTime": iso_z(e.start),
            "endDateTime": iso_z(e.end),
            "memberType": "Direct",
            "createdOn": iso_z(e.start),
            "condition": null,
            "conditionVersion": null,
            "expandedProperties": expanded(t, e.principal, e.role, &e.scope, e.sub),
        },
        "name": e.id,
        "id": format!("{}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{}", e.scope, e.id),
        "type": "Microsoft.Authorization/roleEligibilityScheduleInstances",
    })
}

fn assignment_instance(t: &Tenant, a: &Assignment, kind: &str, from: Option<&Eligible>) -> Value {
    let (pid, _, ptype) = t.principal(a.principal);
    let r = &ROLES[a.role];
    let (start, end) = match kind {
        "Activated" => (NOW - 2 * 3600, Some(NOW + 6 * 3600)),
        _ => (a.created, None),
    };
    json!({
        "properties": {
            "scope": a.scope,
            "roleDefinitionId": role_def_id(t, a.sub, r.guid),
            "principalId": pid,
            "principalType": ptype,
            "roleAssignmentScheduleId": format!("{}/providers/Microsoft.Authorization/roleAssignmentSchedules/{}", a.scope, a.id),
            "originRoleAssignmentId": format!("{}/providers/{RA_TYPE}/{}", a.scope, a.id),
            "status": "Provisioned",
            "startDateTime": iso_z(start),
            "endDateTime": end.map(iso_z),
            "linkedRoleEligibilityScheduleId": from.map(|e| format!("{}/providers/Microsoft.Authorization/roleEligibilitySchedules/{}", e.scope, e.schedule)),
            "linkedRoleEligibilityScheduleInstanceId": from.map(|e| format!("{}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{}", e.scope, e.id)),
            "assignmentType": kind,
            "memberType": "Direct",
            "createdOn": iso_z(start),
            "condition": a.condition,
            "conditionVersion": a.condition.as_ref().map(|_| "2.0"),
            "expandedProperties": expanded(t, a.principal, a.role, &a.scope, a.sub),
        },
        "name": a.id,
        "id": format!("{}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{}", a.scope, a.id),
        "type": "Microsoft.Authorization/roleAssignmentScheduleInstances",
    })
}

fn deny_assignment(t: &Tenant) -> Value {
    let d = &t.deny;
    let (xid, _, xtype) = t.principal(d.excluded);
    json!({
        "properties": {
            "denyAssignmentName": "Protect production data (deployment stack deny settings)",
            "description": "Created by a deployment stack: deletes and writes denied except for the break-glass account",
            "permissions": [{"actions": d.actions, "notActions": [], "dataActions": [], "notDataActions": []}],
            "scope": d.scope,
            "doNotApplyToChildScopes": false,
            "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
            "excludePrincipals": [{"id": xid, "type": xtype}],
            "isSystemProtected": true,
        },
        "id": format!("{}/providers/Microsoft.Authorization/denyAssignments/{}", d.scope, d.id),
        "type": "Microsoft.Authorization/denyAssignments",
        "name": d.id,
    })
}

fn resource(t: &Tenant, rg: &str, location: &str, r: &super::plan::Res) -> Value {
    let identity = match (r.system_identity, r.user_identities.is_empty()) {
        (None, true) => Value::Null,
        (system, _) => {
            let kind = match (system.is_some(), r.user_identities.is_empty()) {
                (true, true) => "SystemAssigned",
                (true, false) => "SystemAssigned, UserAssigned",
                _ => "UserAssigned",
            };
            let users: serde_json::Map<String, Value> = r
                .user_identities
                .iter()
                .map(|(id, sp)| (id.clone(), json!({"clientId": t.sps[*sp].app_id, "principalId": t.sps[*sp].id})))
                .collect();
            json!({
                "principalId": system.map(|sp| t.sps[sp].id.as_str()),
                "tenantId": system.map(|_| t.id.as_str()),
                "type": kind,
                "userAssignedIdentities": if users.is_empty() { Value::Null } else { Value::Object(users) },
            })
        }
    };
    let properties = match r.identity_sp {
        Some(sp) => json!({"clientId": t.sps[sp].app_id, "principalId": t.sps[sp].id, "tenantId": t.id}),
        None => Value::Null,
    };
    json!({
        "changedTime": iso_az(NOW - 20 * DAY),
        "createdTime": iso_az(NOW - 400 * DAY),
        "extendedLocation": null,
        "id": r.id,
        "identity": identity,
        "kind": r.kind,
        "location": location,
        "managedBy": null,
        "name": r.name,
        "plan": null,
        "properties": properties,
        "provisioningState": "Succeeded",
        "resourceGroup": rg,
        "sku": null,
        "tags": {},
        "type": r.rtype,
    })
}

fn member_object(t: &Tenant, p: P) -> Value {
    match p {
        P::User(u) => {
            let u = &t.users[u];
            json!({"@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display, "mail": u.mail, "userPrincipalName": u.upn})
        }
        P::Group(g) => {
            let g = &t.groups[g];
            json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.name, "securityEnabled": true})
        }
        P::Sp(s) => {
            let s = &t.sps[s];
            json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": s.id, "displayName": s.name, "appId": s.app_id, "servicePrincipalType": sp_type(s.kind)})
        }
    }
}

fn sp_type(kind: SpKind) -> &'static str {
    match kind {
        SpKind::Application | SpKind::Microsoft => "Application",
        SpKind::ManagedIdentity => "ManagedIdentity",
    }
}

fn entra(w: &mut Writer, base: &str, t: &Tenant) -> Result<(), GenError> {
    let dir = format!("{base}/entra");
    let users: Vec<Value> = t
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "displayName": u.display,
                "userPrincipalName": u.upn,
                "mail": u.mail,
                "accountEnabled": u.enabled,
                "userType": if u.guest { "Guest" } else { "Member" },
                "externalUserState": if u.guest { json!("Accepted") } else { Value::Null },
                "onPremisesImmutableId": null,
                "createdDateTime": iso_z(u.created),
                "employeeId": null,
            })
        })
        .collect();
    w.json(&format!("{dir}/users.json"), &Value::Array(users))?;
    let groups: Vec<Value> = t
        .groups
        .iter()
        .map(|g| {
            json!({
                "id": g.id,
                "createdDateTime": iso_z(NOW - 500 * DAY),
                "description": g.description,
                "displayName": g.name,
                "groupTypes": [],
                "isAssignableToRole": if g.assignable { json!(true) } else { Value::Null },
                "mail": null,
                "mailEnabled": false,
                "mailNickname": g.name,
                "membershipRule": null,
                "membershipRuleProcessingState": null,
                "onPremisesSyncEnabled": null,
                "securityEnabled": true,
                "visibility": if g.assignable { json!("Private") } else { Value::Null },
            })
        })
        .collect();
    w.json(&format!("{dir}/groups.json"), &Value::Array(groups))?;
    for g in &t.groups {
        let members: Vec<Value> = g.members.iter().map(|&m| member_object(t, m)).collect();
        w.json(&format!("{dir}/group-members/{}.json", g.id), &Value::Array(members))?;
        if !g.owners.is_empty() {
            let owners: Vec<Value> = g.owners.iter().map(|&o| member_object(t, P::User(o))).collect();
            w.json(&format!("{dir}/owners/{}.json", g.id), &Value::Array(owners))?;
        }
    }
    let graph_roles: Vec<Value> = GRAPH_APP_ROLES
        .iter()
        .map(|(value, id, name)| {
            json!({"allowedMemberTypes": ["Application"], "description": name, "displayName": name, "id": id, "isEnabled": true, "origin": "Application", "value": value})
        })
        .collect();
    let sps: Vec<Value> = t
        .sps
        .iter()
        .map(|s| {
            let (alt, spns, owner_org) = match s.kind {
                SpKind::ManagedIdentity => {
                    let res = s.resource.clone().unwrap_or_default();
                    let explicit = res.contains("userAssignedIdentities");
                    (
                        json!([format!("isExplicit={}", if explicit { "True" } else { "False" }), res]),
                        json!([s.app_id, format!("https://identity.azure.net/{}", s.id.replace('-', ""))]),
                        Value::Null,
                    )
                }
                SpKind::Microsoft => (json!([]), json!([s.app_id, "https://graph.microsoft.com"]), json!(roles::MICROSOFT_TENANT)),
                SpKind::Application => (json!([]), json!([s.app_id]), json!(t.id)),
            };
            json!({
                "id": s.id,
                "accountEnabled": true,
                "alternativeNames": alt,
                "appDisplayName": if s.kind == SpKind::ManagedIdentity { Value::Null } else { json!(s.name) },
                "appId": s.app_id,
                "appOwnerOrganizationId": owner_org,
                "appRoles": if s.kind == SpKind::Microsoft { Value::Array(graph_roles.clone()) } else { json!([]) },
                "displayName": s.name,
                "keyCredentials": [],
                "oauth2PermissionScopes": [],
                "passwordCredentials": [],
                "servicePrincipalNames": spns,
                "servicePrincipalType": sp_type(s.kind),
                "tags": if s.kind == SpKind::Application { json!(["WindowsAzureActiveDirectoryIntegratedApp"]) } else { json!([]) },
            })
        })
        .collect();
    w.json(&format!("{dir}/service-principals.json"), &Value::Array(sps))?;
    for s in t.sps.iter().filter(|s| !s.owners.is_empty()) {
        let owners: Vec<Value> = s.owners.iter().map(|&o| member_object(t, P::User(o))).collect();
        w.json(&format!("{dir}/owners/{}.json", s.id), &Value::Array(owners))?;
    }
    let apps: Vec<Value> = t
        .apps
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "appId": a.app_id,
                "createdDateTime": iso_z(NOW - 600 * DAY),
                "displayName": a.name,
                "keyCredentials": [],
                "passwordCredentials": [{"customKeyIdentifier": null, "displayName": "deploy", "endDateTime": iso_z(NOW + 300 * DAY), "hint": "Abc", "keyId": a.id, "secretText": null, "startDateTime": iso_z(NOW - 65 * DAY)}],
                "publisherDomain": t.default_domain,
                "requiredResourceAccess": [],
                "signInAudience": "AzureADMyOrg",
                "web": {"homePageUrl": null, "redirectUris": []},
            })
        })
        .collect();
    w.json(&format!("{dir}/applications.json"), &Value::Array(apps))?;
    for a in t.apps.iter().filter(|a| !a.owners.is_empty()) {
        let owners: Vec<Value> = a.owners.iter().map(|&o| member_object(t, P::User(o))).collect();
        w.json(&format!("{dir}/owners/{}.json", a.id), &Value::Array(owners))?;
    }
    let defs: Vec<Value> = DIRECTORY_ROLES
        .iter()
        .map(|(name, template, actions)| {
            json!({
                "id": template,
                "description": name,
                "displayName": name,
                "isBuiltIn": true,
                "isEnabled": true,
                "resourceScopes": ["/"],
                "templateId": template,
                "version": "1",
                "rolePermissions": [{"allowedResourceActions": actions, "condition": null}],
                "inheritsPermissionsFrom": [],
            })
        })
        .collect();
    w.json(&format!("{dir}/directory-role-definitions.json"), &json!({"value": defs}))?;
    let grants: Vec<Value> = t
        .dir_grants
        .iter()
        .map(|g| {
            json!({"id": g.id, "principalId": t.principal(g.principal).0, "directoryScopeId": "/", "roleDefinitionId": DIRECTORY_ROLES[g.role].1, "appScopeId": null})
        })
        .collect();
    w.json(&format!("{dir}/directory-role-assignments.json"), &json!({"value": grants}))?;
    let eligible: Vec<Value> = t
        .dir_eligible
        .iter()
        .map(|g| {
            json!({
                "id": g.id,
                "principalId": t.principal(g.principal).0,
                "roleDefinitionId": DIRECTORY_ROLES[g.role].1,
                "directoryScopeId": "/",
                "appScopeId": null,
                "startDateTime": iso_z(NOW - 90 * DAY),
                "endDateTime": iso_z(NOW + 275 * DAY),
                "memberType": "Direct",
                "roleEligibilityScheduleId": g.id,
            })
        })
        .collect();
    w.json(&format!("{dir}/directory-role-eligibility-schedule-instances.json"), &json!({"value": eligible}))?;
    let graph = &t.sps[t.graph_sp];
    let mut by_sp: Vec<(usize, Vec<Value>)> = Vec::new();
    for g in &t.app_role_grants {
        let entry = json!({
            "id": g.id,
            "deletedDateTime": null,
            "appRoleId": GRAPH_APP_ROLES[g.role].1,
            "createdDateTime": iso_z(NOW - 120 * DAY),
            "principalDisplayName": t.sps[g.sp].name,
            "principalId": t.sps[g.sp].id,
            "principalType": "ServicePrincipal",
            "resourceDisplayName": graph.name,
            "resourceId": graph.id,
        });
        match by_sp.iter_mut().find(|(sp, _)| *sp == g.sp) {
            Some((_, list)) => list.push(entry),
            None => by_sp.push((g.sp, vec![entry])),
        }
    }
    for (sp, list) in by_sp {
        w.json(&format!("{dir}/app-role-assignments/{}.json", t.sps[sp].id), &json!({"value": list}))?;
    }
    Ok(())
}

fn links(t: &Tenant, people: &People) -> (Vec<IdentityLink>, Vec<NonHumanOwner>) {
    let identities = t
        .users
        .iter()
        .filter_map(|u| {
            u.person.map(|p| IdentityLink {
                person: people.persons[p].email.clone(),
                system: "entra",
                id: u.id.clone(),
                name: u.upn.clone(),
            })
        })
        .collect();
    let owner_email =
        |owners: &[usize]| owners.first().and_then(|&o| t.users[o].person).map(|p| people.persons[p].email.clone());
    let non_human = t
        .sps
        .iter()
        .filter(|s| s.kind != SpKind::Microsoft)
        .map(|s| NonHumanOwner {
            system: "entra",
            id: s.id.clone(),
            name: s.name.clone(),
            kind: if s.kind == SpKind::ManagedIdentity { "managed-identity" } else { "service-principal" },
            owner: owner_email(&s.owners),
        })
        .collect();
    (identities, non_human)
}

fn principal_json(t: &Tenant, p: P) -> Value {
    let (id, name, ptype) = t.principal(p);
    json!({"id": id, "name": name, "type": ptype, "displayName": t.display(p)})
}

fn truth(spec: &AzureSpec, t: &Tenant, people: &People) -> Value {
    let admins: Vec<Value> = t
        .admins
        .iter()
        .map(|a| {
            let via: Vec<Value> = a
                .via
                .iter()
                .map(|(kind, id, through)| json!({"kind": kind, "id": id, "through": through.map(|p| t.principal(p).0.to_string())}))
                .collect();
            json!({"principal": principal_json(t, a.principal), "scope": a.scope, "via": via})
        })
        .collect();
    let escalations: Vec<Value> = t
        .escalations
        .iter()
        .map(|e| {
            json!({
                "principal": principal_json(t, e.principal),
                "technique": e.technique,
                "target": e.target.map(|p| principal_json(t, p)),
                "reaches": {"role": e.reaches_role, "scope": e.reaches_scope},
                "grants": e.grants,
                "eligible": e.eligible,
            })
        })
        .collect();
    let eligible: Vec<Value> = t
        .eligible
        .iter()
        .filter(|e| !t.activated.iter().any(|(_, x)| t.eligible[*x].id == e.id))
        .map(|e| json!({"id": e.id, "principal": t.principal(e.principal).0, "role": ROLES[e.role].name, "scope": e.scope}))
        .chain(t.dir_eligible.iter().map(|g| {
            json!({"id": g.id, "principal": t.principal(g.principal).0, "role": DIRECTORY_ROLES[g.role].0, "scope": "tenant"})
        }))
        .collect();
    let activated: Vec<Value> = t
        .activated
        .iter()
        .map(|(a, e)| json!({"assignment": t.assignments[*a].id, "eligibility": t.eligible[*e].id, "principal": t.principal(t.assignments[*a].principal).0, "role": ROLES[t.assignments[*a].role].name, "scope": t.assignments[*a].scope}))
        .collect();
    let access: Vec<Value> = t
        .access
        .iter()
        .map(|f| json!({"principal": t.principal(f.principal).0, "action": f.action, "scope": f.scope, "decision": f.decision, "why": f.why}))
        .collect();
    let planted: Vec<Value> = t.planted.iter().map(|(what, id)| json!({"what": what, "id": id})).collect();
    let standing = t.assignments.len() - t.activated.len();
    json!({
        "format": "remit-gen-azure-ground-truth",
        "version": 1,
        "generator": {"seed": spec.seed, "peopleSeed": people.seed},
        "tenant": {"id": t.id, "defaultDomain": t.default_domain, "rootManagementGroup": mg_scope(&t.mgs[0].name)},
        "counts": {
            "users": t.users.len(),
            "guests": t.users.iter().filter(|u| u.guest).count(),
            "groups": t.groups.len(),
            "servicePrincipals": t.sps.len(),
            "managedIdentities": t.sps.iter().filter(|s| s.kind == SpKind::ManagedIdentity).count(),
            "applications": t.apps.len(),
            "subscriptions": t.subs.len(),
            "managementGroups": t.mgs.len(),
            "roleAssignments": t.assignments.len(),
            "standingRoleAssignments": standing,
            "directoryRoleAssignments": t.dir_grants.len(),
            "appRoleAssignments": t.app_role_grants.len(),
        },
        "adminEquivalent": admins,
        "escalations": escalations,
        "grants": {"eligible": eligible, "activated": activated, "standing": standing},
        "access": access,
        "planted": planted,
    })
}
