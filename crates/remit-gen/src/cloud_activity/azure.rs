//! Azure Activity Log and Entra sign-in logs of the tenant's principals.
//!
//! Activity Log records are written as a diagnostic setting exports them to a storage account:
//! JSON Lines, one blob per subscription and hour, at
//! `insights-activity-logs/resourceId=/SUBSCRIPTIONS/<ID>/y=…/m=…/d=…/h=…/m=00/PT1H.json`, each
//! record with `time`, `resourceId`, `operationName`, `category`, `resultType`,
//! `resultSignature`, `durationMs`, `callerIpAddress`, `correlationId`, `identity`
//! (`authorization{scope, action, evidence{role, roleAssignmentScope, roleAssignmentId,
//! roleDefinitionId, principalId, principalType}}`, `claims`), `level`, `location` and
//! `properties`: <https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema#schema-from-storage-account-and-event-hubs>.
//! Only writes, deletes and actions are logged (the Activity Log does not record reads).
//! Sign-ins are the `SignInLogs`, `ServicePrincipalSignInLogs` and `ManagedIdentitySignInLogs`
//! categories, their `properties` a Graph `signIn`:
//! <https://learn.microsoft.com/entra/identity/monitoring-health/reference-azure-monitor-sign-ins-log-schema>.

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
};

use serde_json::{Value, json};

use super::{ActivityTruth, Capability, CloudActivitySpec, Tally, azure_time, hour_path, moments};
use crate::{
    aws_org::rng::Rng,
    azure_tenant::{
        AzureTruth,
        plan::{P, SpKind, Tenant},
        roles::{self, ROLES},
    },
    json_out::{DAY, GenError, Writer, iso_z},
    people::cast,
};

/// The Azure portal's and the Azure CLI's application ids (first-party applications).
/// <https://learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in>
const PORTAL: (&str, &str) = ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal");
const AZ_CLI: (&str, &str) = ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI");
const ARM: (&str, &str) = ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API");

/// The control-plane operations a role lets its holder perform at a scope, as logged.
fn operations(t: &Tenant, role: usize, scope: &str) -> Vec<(String, String)> {
    let is_resource = scope.contains("/providers/") && !scope.starts_with("/providers/Microsoft.Management");
    let deployment = (
        "Microsoft.Resources/deployments/write".to_string(),
        format!("{scope}/providers/Microsoft.Resources/deployments/release"),
    );
    let assign = (
        "Microsoft.Authorization/roleAssignments/write".to_string(),
        format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", t.id),
    );
    let resource_type = || {
        let after = scope.rsplit_once("/providers/").map(|(_, r)| r).unwrap_or_default();
        let parts: Vec<&str> = after.split('/').collect();
        format!("{}/{}", parts.first().unwrap_or(&""), parts.get(1).unwrap_or(&""))
    };
    match role {
        roles::OWNER | roles::CONTRIBUTOR | roles::USER_ACCESS_ADMIN | roles::DEPLOYMENT_OPERATOR if is_resource => {
            vec![(format!("{}/write", resource_type()), scope.to_string())]
        }
        roles::OWNER | roles::USER_ACCESS_ADMIN => vec![deployment, assign],
        roles::CONTRIBUTOR => vec![
            deployment,
            ("Microsoft.Resources/tags/write".into(), format!("{scope}/providers/Microsoft.Resources/tags/default")),
        ],
        roles::DEPLOYMENT_OPERATOR => vec![deployment, assign],
        roles::VM_CONTRIBUTOR if resource_type() == "Microsoft.Compute/virtualMachines" => vec![
            ("Microsoft.Compute/virtualMachines/runCommand/action".into(), scope.to_string()),
            ("Microsoft.Compute/virtualMachines/restart/action".into(), scope.to_string()),
        ],
        roles::VM_CONTRIBUTOR => vec![deployment],
        roles::BLOB_READER | roles::BLOB_CONTRIBUTOR if resource_type() == "Microsoft.Storage/storageAccounts" => {
            vec![(
                "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action".into(),
                format!("{scope}/blobServices/default"),
            )]
        }
        _ => Vec::new(),
    }
}

struct Actor {
    principal: P,
    capabilities: Vec<Capability>,
}

/// The acting principals and what each can do, the planted people and machine identities first.
fn actors(t: &Tenant, limit: usize) -> Vec<Actor> {
    let mut order: Vec<P> = Vec::new();
    let mut caps: HashMap<P, Vec<Capability>> = HashMap::new();
    for (idx, a) in t.assignments.iter().enumerate() {
        if a.sub.is_none() && a.mg.is_none() {
            continue;
        }
        let ops = operations(t, a.role, &a.scope);
        let mut holders = Vec::new();
        expand(t, a.principal, &mut holders, 0);
        for holder in holders {
            let list = caps.entry(holder).or_insert_with(|| {
                order.push(holder);
                Vec::new()
            });
            for (action, resource) in &ops {
                list.push(Capability { action: action.clone(), resource: resource.clone(), via: Some(idx) });
            }
        }
    }
    let planted = |p: &P| match p {
        P::User(u) => t.users[*u].person.is_some_and(|i| i <= cast::LAST),
        P::Sp(s) => idx_planted_sp(t, *s),
        P::Group(_) => false,
    };
    // Planted people without an active grant (the leaver, the eligible Owner) still sign in.
    for (u, user) in t.users.iter().enumerate() {
        if user.person.is_some_and(|i| i <= cast::LAST) && !caps.contains_key(&P::User(u)) {
            caps.insert(P::User(u), Vec::new());
            order.push(P::User(u));
        }
    }
    let mut ranked: Vec<(bool, usize, P)> = order.iter().enumerate().map(|(i, p)| (!planted(p), i, *p)).collect();
    ranked.sort_by_key(|(rank, i, _)| (*rank, *i));
    ranked
        .into_iter()
        .take(limit)
        .map(|(_, _, p)| {
            let mut capabilities = caps.remove(&p).unwrap_or_default();
            // What it tries without being allowed: writing role assignments where it may not.
            let scopes: Vec<String> = t
                .assignments
                .iter()
                .filter(|a| capabilities.iter().any(|c| c.via.is_some_and(|v| t.assignments[v].id == a.id)))
                .map(|a| a.scope.clone())
                .collect();
            let can_assign = capabilities.iter().any(|c| c.action == "Microsoft.Authorization/roleAssignments/write");
            if let (false, Some(scope)) =
                (can_assign, scopes.first().or(t.assignments.iter().find(|a| a.principal == p).map(|a| &a.scope)))
            {
                capabilities.push(Capability {
                    action: "Microsoft.Authorization/roleAssignments/write".into(),
                    resource: format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", t.id),
                    via: None,
                });
            }
            Actor { principal: p, capabilities }
        })
        .filter(|a| !a.capabilities.is_empty() || matches!(a.principal, P::User(_)))
        .collect()
}

fn idx_planted_sp(t: &Tenant, sp: usize) -> bool {
    t.escalations.iter().any(|e| e.target == Some(P::Sp(sp))) || t.admins.iter().any(|a| a.principal == P::Sp(sp))
}

/// The users and service principals a principal stands for (a group's members, nested).
fn expand(t: &Tenant, p: P, out: &mut Vec<P>, depth: usize) {
    match p {
        P::Group(g) if depth < 8 => {
            for &m in &t.groups[g].members {
                expand(t, m, out, depth + 1);
            }
        }
        P::Group(_) => {}
        other => {
            if !out.contains(&other) {
                out.push(other);
            }
        }
    }
}

fn no_dashes(id: &str) -> String {
    id.replace('-', "")
}

/// Writes the tenant's activity under `out/azure/<tenant-id>/activity/` and
/// `out/azure-activity-truth.json`.
pub fn write_azure_activity(
    spec: &CloudActivitySpec,
    tenant: &AzureTruth,
    out: &Path,
) -> Result<ActivityTruth, GenError> {
    if spec.days == 0 {
        return Err(GenError::InvalidSpec("activity: days must be at least 1".into()));
    }
    let t: &Tenant = &tenant.tenant;
    let base = format!("azure/{}/activity", t.id);
    let start = spec.end - i64::from(spec.days) * DAY;
    let mut files: BTreeMap<String, Vec<(i64, Value)>> = BTreeMap::new();
    let mut tally = Tally::default();
    let mut names: BTreeMap<String, Value> = BTreeMap::new();
    let (mut records, mut denied, mut sign_ins) = (0usize, 0usize, 0usize);
    let mut sign_ins_by: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    for actor in actors(t, spec.actors) {
        let (pid, pname, ptype) = t.principal(actor.principal);
        let mut rng = Rng::new(spec.seed, "azure-activity", crate::stable::fnv(pid));
        let human = matches!(actor.principal, P::User(_));
        let ip = if human {
            format!("198.51.100.{}", rng.range(2, 250))
        } else {
            format!("20.{}.{}.{}", rng.range(40, 60), rng.range(0, 255), rng.range(1, 254))
        };
        names.insert(pid.to_string(), json!({"name": pname, "type": ptype, "displayName": t.display(actor.principal)}));
        let mi = matches!(actor.principal, P::Sp(s) if t.sps[s].kind == SpKind::ManagedIdentity);
        let app = if human { *rng.pick(&[PORTAL, AZ_CLI]) } else { ARM };
        for day in 0..i64::from(spec.days) {
            let day_start = start + day * DAY;
            let times = moments(&mut rng, day_start, human, spec.calls_per_day);
            if let Some(&first) = times.first() {
                // One sign-in before the day's first call (machines: one a day).
                let failed = human && rng.chance(0.05);
                let category = if !human && mi {
                    "ManagedIdentitySignInLogs"
                } else if human {
                    "SignInLogs"
                } else {
                    "ServicePrincipalSignInLogs"
                };
                let record = sign_in(t, actor.principal, category, first - 60, &ip, app, failed, &mut rng);
                let dir = category.to_lowercase();
                let path = format!(
                    "{base}/insights-logs-{dir}/resourceId=/tenants/{}/providers/Microsoft.aadiam/{}/PT1H.json",
                    t.id,
                    hour_path(first - 60)
                );
                files.entry(path).or_default().push((first - 60, record));
                sign_ins += 1;
                let entry = sign_ins_by.entry(pid.to_string()).or_insert([0, i64::MAX, i64::MIN]);
                entry[0] += 1;
                entry[1] = entry[1].min(first - 60);
                entry[2] = entry[2].max(first - 60);
            }
            for time in times {
                let deny = rng.chance(0.04);
                let pool: Vec<&Capability> = actor.capabilities.iter().filter(|c| c.via.is_none() == deny).collect();
                let Some(cap) = (if pool.is_empty() { None } else { Some(*rng.pick(&pool)) }) else { continue };
                let Some(sub) = cap.resource.strip_prefix("/subscriptions/").and_then(|r| r.split('/').next()) else {
                    continue;
                };
                let record = activity_record(t, actor.principal, cap, time, &ip, &mut rng);
                let path = format!(
                    "{base}/insights-activity-logs/resourceId=/SUBSCRIPTIONS/{}/{}/PT1H.json",
                    sub.to_uppercase(),
                    hour_path(time)
                );
                files.entry(path).or_default().push((time, record));
                tally.add(pid, &cap.action, &cap.resource, cap.via.is_some(), time);
                records += 1;
                if cap.via.is_none() {
                    denied += 1;
                }
            }
        }
    }
    let mut w = Writer::new(out);
    for (path, mut list) in files {
        list.sort_by_key(|(time, _)| *time);
        let values: Vec<Value> = list.into_iter().map(|(_, v)| v).collect();
        w.lines(&path, &values)?;
    }
    let principals = tally.principals();
    w.json(
        "azure-activity-truth.json",
        &json!({
            "format": "remit-gen-cloud-activity-truth",
            "version": 1,
            "cloud": "azure",
            "tenantId": t.id,
            "seed": spec.seed,
            "start": start,
            "end": spec.end,
            "records": records,
            "denied": denied,
            "signIns": sign_ins,
            "principals": tally.to_json(&names),
            "signInsByPrincipal": sign_ins_by
                .iter()
                .map(|(p, [count, first, last])| json!({"principal": p, "identity": names.get(p), "count": count, "first": first, "last": last}))
                .collect::<Vec<_>>(),
        }),
    )?;
    Ok(ActivityTruth { records, denied, sign_ins, principals, files: w.files, bytes: w.bytes })
}

fn activity_record(t: &Tenant, p: P, cap: &Capability, time: i64, ip: &str, rng: &mut Rng) -> Value {
    let (pid, pname, ptype) = t.principal(p);
    let allowed = cap.via.is_some();
    let evidence = cap.via.map(|v| {
        let a = &t.assignments[v];
        let (apid, _, aptype) = t.principal(a.principal);
        json!({
            "role": ROLES[a.role].name,
            "roleAssignmentScope": a.scope,
            "roleAssignmentId": no_dashes(&a.id),
            "roleDefinitionId": no_dashes(ROLES[a.role].guid),
            "principalId": no_dashes(apid),
            "principalType": aptype,
        })
    });
    let mut authorization = json!({"scope": cap.resource, "action": cap.action});
    if let (Some(e), Some(obj)) = (evidence, authorization.as_object_mut()) {
        obj.insert("evidence".into(), e);
    }
    let category = if cap.action.ends_with("/delete") {
        "Delete"
    } else if cap.action.ends_with("/action") {
        "Action"
    } else {
        "Write"
    };
    let correlation = rng.uuid();
    let hierarchy = {
        let sub = t.subs.iter().find(|s| cap.resource.contains(&s.id));
        match sub {
            Some(s) => {
                let mut chain: Vec<String> =
                    t.mg_chain(s.mg).into_iter().rev().map(|m| t.mgs[m].name.clone()).collect();
                chain.push(s.id.clone());
                chain.join("/")
            }
            None => t.id.clone(),
        }
    };
    let mut claims = serde_json::Map::new();
    claims.insert("aud".into(), json!("https://management.core.windows.net/"));
    claims.insert("iss".into(), json!(format!("https://sts.windows.net/{}/", t.id)));
    claims.insert("http://schemas.microsoft.com/identity/claims/objectidentifier".into(), json!(pid));
    claims.insert("http://schemas.microsoft.com/identity/claims/tenantid".into(), json!(t.id));
    claims.insert("ipaddr".into(), json!(ip));
    if ptype == "User" {
        claims.insert("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn".into(), json!(pname));
        claims.insert("name".into(), json!(t.display(p)));
        claims.insert("appid".into(), json!(AZ_CLI.0));
    } else {
        claims.insert("appid".into(), json!(pname));
        claims.insert("idtyp".into(), json!("app"));
    }
    json!({
        "time": azure_time(time, rng.range(0, 9_999_999) as u32),
        "resourceId": cap.resource.to_uppercase(),
        "operationName": cap.action.to_uppercase(),
        "category": category,
        "resultType": if allowed { "Success" } else { "Failure" },
        "resultSignature": if allowed { "Succeeded." } else { "Forbidden" },
        "durationMs": rng.range(40, 4000).to_string(),
        "callerIpAddress": ip,
        "correlationId": correlation,
        "identity": {"authorization": authorization, "claims": Value::Object(claims)},
        "level": if allowed { "Information" } else { "Error" },
        "location": "global",
        "properties": {
            "statusCode": if allowed { "OK" } else { "Forbidden" },
            "serviceRequestId": rng.uuid(),
            "eventCategory": "Administrative",
            "entity": cap.resource,
            "message": cap.action,
            "hierarchy": hierarchy,
        },
    })
}

#[allow(clippy::too_many_arguments)]
fn sign_in(
    t: &Tenant,
    p: P,
    category: &str,
    time: i64,
    ip: &str,
    app: (&str, &str),
    failed: bool,
    rng: &mut Rng,
) -> Value {
    let (pid, pname, _) = t.principal(p);
    let id = rng.uuid();
    let correlation = rng.uuid();
    let (code, reason) = if failed {
        (50126, "Invalid username or password or Invalid on-premise username or password.")
    } else {
        (0, "")
    };
    let mut properties = json!({
        "id": id,
        "createdDateTime": iso_z(time),
        "appId": app.0,
        "appDisplayName": app.1,
        "ipAddress": ip,
        "correlationId": correlation,
        "resourceDisplayName": ARM.1,
        "resourceId": ARM.0,
        "resourceTenantId": t.id,
        "homeTenantId": t.id,
        "status": {"errorCode": code, "failureReason": if failed { json!(reason) } else { Value::Null }, "additionalDetails": null},
        "location": {"city": "Amsterdam", "state": "Noord-Holland", "countryOrRegion": "NL"},
        "conditionalAccessStatus": "notApplied",
    });
    if let Some(obj) = properties.as_object_mut() {
        match p {
            P::User(u) => {
                let user = &t.users[u];
                obj.insert("userDisplayName".into(), json!(user.display));
                obj.insert("userPrincipalName".into(), json!(user.upn));
                obj.insert("userId".into(), json!(user.id));
                obj.insert("userType".into(), json!(if user.guest { "guest" } else { "member" }));
                obj.insert("isInteractive".into(), json!(true));
                obj.insert("clientAppUsed".into(), json!("Browser"));
                obj.insert("authenticationRequirement".into(), json!("multiFactorAuthentication"));
                obj.insert("crossTenantAccessType".into(), json!(if user.guest { "b2bCollaboration" } else { "none" }));
            }
            _ => {
                obj.insert("servicePrincipalId".into(), json!(pid));
                obj.insert("servicePrincipalName".into(), json!(t.display(p)));
                obj.insert("isInteractive".into(), json!(false));
                obj.insert(
                    "clientCredentialType".into(),
                    json!(if category.starts_with("Managed") { "managedIdentity" } else { "clientSecret" }),
                );
                if category.starts_with("Managed") {
                    obj.insert("managedIdentityType".into(), json!("systemAssigned"));
                }
            }
        }
    }
    json!({
        "time": azure_time(time, rng.range(0, 9_999_999) as u32),
        "resourceId": format!("/tenants/{}/providers/Microsoft.aadiam", t.id),
        "operationName": "Sign-in activity",
        "operationVersion": "1.0",
        "category": category,
        "tenantId": t.id,
        "resultType": code.to_string(),
        "resultSignature": "None",
        "resultDescription": if failed { reason } else { "" },
        "durationMs": 0,
        "callerIpAddress": ip,
        "correlationId": correlation,
        "identity": if matches!(p, P::User(_)) { t.display(p).to_string() } else { pname.to_string() },
        "Level": 4,
        "location": "NL",
        "properties": properties,
    })
}
