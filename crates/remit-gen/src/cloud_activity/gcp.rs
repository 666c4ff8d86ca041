//! Cloud Audit Logs of the organization's principals, as `gcloud logging read --format=json`
//! prints them: a JSON array of `LogEntry` (newest first) whose `protoPayload` is an `AuditLog`
//! with `authenticationInfo.principalEmail` and `authorizationInfo[{resource, permission,
//! granted}]`; a denied call has `granted: false` and `status.code` 7 (`PERMISSION_DENIED`).
//! <https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry>,
//! <https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog>.
//! Admin writes go to the `cloudaudit.googleapis.com%2Factivity` log, reads of data and of
//! configuration to `cloudaudit.googleapis.com%2Fdata_access`.
//! One file a day: `gcp/<organization-id>/activity/<yyyy-mm-dd>.json`.

use std::{collections::BTreeMap, path::Path};

use serde_json::{Value, json};

use super::{ActivityTruth, Capability, CloudActivitySpec, Tally, moments};
use crate::{
    aws_org::rng::Rng,
    gcp_org::{
        GcpTruth,
        plan::{Node, Org},
    },
    json_out::{DAY, GenError, Writer, date, iso_z},
};

/// How a permission shows in an audit log: service, method, log (`activity` or `data_access`),
/// permission type, monitored resource type.
struct Method {
    service: &'static str,
    method: &'static str,
    permission: &'static str,
    log: &'static str,
    permission_type: &'static str,
    resource_type: &'static str,
}

const SET_PROJECT_POLICY: Method = Method {
    service: "cloudresourcemanager.googleapis.com",
    method: "SetIamPolicy",
    permission: "resourcemanager.projects.setIamPolicy",
    log: "activity",
    permission_type: "ADMIN_WRITE",
    resource_type: "project",
};

/// The audited calls a role lets its holder make on a node, with the resource name logged.
fn methods(org: &Org, role: &str, node: Node) -> Vec<(&'static Method, String)> {
    const GET_OBJECT: Method = Method {
        service: "storage.googleapis.com",
        method: "storage.objects.get",
        permission: "storage.objects.get",
        log: "data_access",
        permission_type: "DATA_READ",
        resource_type: "gcs_bucket",
    };
    const CREATE_OBJECT: Method = Method {
        service: "storage.googleapis.com",
        method: "storage.objects.create",
        permission: "storage.objects.create",
        log: "data_access",
        permission_type: "DATA_WRITE",
        resource_type: "gcs_bucket",
    };
    const ACCESS_SECRET: Method = Method {
        service: "secretmanager.googleapis.com",
        method: "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
        permission: "secretmanager.versions.access",
        log: "data_access",
        permission_type: "DATA_READ",
        resource_type: "audited_resource",
    };
    const TOKEN: Method = Method {
        service: "iamcredentials.googleapis.com",
        method: "GenerateAccessToken",
        permission: "iam.serviceAccounts.getAccessToken",
        log: "data_access",
        permission_type: "DATA_READ",
        resource_type: "service_account",
    };
    const KEY: Method = Method {
        service: "iam.googleapis.com",
        method: "google.iam.admin.v1.CreateServiceAccountKey",
        permission: "iam.serviceAccountKeys.create",
        log: "activity",
        permission_type: "ADMIN_WRITE",
        resource_type: "service_account",
    };
    const RUN: Method = Method {
        service: "run.googleapis.com",
        method: "google.cloud.run.v1.Services.CreateService",
        permission: "run.services.create",
        log: "activity",
        permission_type: "ADMIN_WRITE",
        resource_type: "cloud_run_revision",
    };
    const SET_ORG_POLICY: Method = Method {
        service: "cloudresourcemanager.googleapis.com",
        method: "SetIamPolicy",
        permission: "resourcemanager.organizations.setIamPolicy",
        log: "activity",
        permission_type: "ADMIN_WRITE",
        resource_type: "organization",
    };
    const GET_PROJECT: Method = Method {
        service: "cloudresourcemanager.googleapis.com",
        method: "GetProject",
        permission: "resourcemanager.projects.get",
        log: "data_access",
        permission_type: "ADMIN_READ",
        resource_type: "project",
    };
    let bucket_of =
        |p: usize| org.projects[p].buckets.first().map(|b| format!("projects/_/buckets/{b}/objects/reports/daily.csv"));
    match (role, node) {
        ("roles/storage.objectViewer" | "roles/storage.objectAdmin", Node::Bucket(p, b)) => {
            vec![(&GET_OBJECT, format!("projects/_/buckets/{}/objects/reports/daily.csv", org.projects[p].buckets[b]))]
        }
        ("roles/storage.objectViewer" | "roles/storage.objectAdmin", Node::Project(p)) => {
            bucket_of(p).map(|r| vec![(&GET_OBJECT, r)]).unwrap_or_default()
        }
        ("roles/storage.objectCreator", Node::Project(p)) => {
            bucket_of(p).map(|r| vec![(&CREATE_OBJECT, r)]).unwrap_or_default()
        }
        ("roles/storage.objectCreator", Node::Bucket(p, b)) => {
            vec![(
                &CREATE_OBJECT,
                format!("projects/_/buckets/{}/objects/uploads/file.bin", org.projects[p].buckets[b]),
            )]
        }
        ("roles/secretmanager.secretAccessor", Node::Secret(p, _) | Node::Project(p)) => {
            let s = if let Node::Secret(_, s) = node { s } else { 0 };
            vec![(
                &ACCESS_SECRET,
                format!("projects/{}/secrets/{}/versions/latest", org.projects[p].number, org.projects[p].secrets[s]),
            )]
        }
        ("roles/iam.serviceAccountTokenCreator", Node::Sa(p, s)) => {
            vec![(&TOKEN, format!("projects/-/serviceAccounts/{}", org.projects[p].sas[s].unique_id))]
        }
        ("roles/iam.serviceAccountKeyAdmin", Node::Sa(p, s)) => {
            vec![(&KEY, format!("projects/-/serviceAccounts/{}", org.projects[p].sas[s].unique_id))]
        }
        ("roles/run.developer", Node::Project(p)) => {
            vec![(&RUN, format!("namespaces/{}/services/release", org.projects[p].id))]
        }
        ("roles/resourcemanager.projectIamAdmin", Node::Project(p)) => {
            vec![(&SET_PROJECT_POLICY, format!("projects/{}", org.projects[p].id))]
        }
        ("roles/browser", Node::Project(p)) => vec![(&GET_PROJECT, format!("projects/{}", org.projects[p].id))],
        (r, Node::Org) if r.ends_with("/roles/orgIamAdmin") => {
            vec![(&SET_ORG_POLICY, format!("organizations/{}", org.id))]
        }
        _ => Vec::new(),
    }
}

/// A call a member may make, how it is logged, and the condition of the grant (if any).
type Call = (Capability, &'static Method, Option<String>);

struct Actor {
    email: String,
    human: bool,
    capabilities: Vec<Call>,
}

fn actors(org: &Org, limit: usize) -> Vec<Actor> {
    let mut order: Vec<String> = Vec::new();
    let mut caps: BTreeMap<String, Vec<Call>> = BTreeMap::new();
    let mut grant_no = 0usize;
    for (node, bindings) in &org.policies {
        for b in bindings {
            let ms = methods(org, &b.role, *node);
            let mut holders: Vec<String> = Vec::new();
            for m in &b.members {
                expand(org, m, &mut holders, 0);
            }
            for holder in holders {
                let list = caps.entry(holder.clone()).or_insert_with(|| {
                    order.push(holder.clone());
                    Vec::new()
                });
                for (method, resource) in &ms {
                    let cap = Capability {
                        action: method.permission.to_string(),
                        resource: resource.clone(),
                        via: Some(grant_no),
                    };
                    list.push((cap, *method, b.condition.as_ref().map(|c| c.1.clone())));
                }
            }
            grant_no += 1;
        }
    }
    // Planted members first (those the truth names), then in policy order.
    let named: Vec<&str> = org
        .escalations
        .iter()
        .map(|e| e.member.as_str())
        .chain(org.admins.iter().map(|a| a.member.as_str()))
        .chain(org.access.iter().map(|a| a.member.as_str()))
        .collect();
    let mut ranked: Vec<(bool, usize, String)> =
        order.into_iter().enumerate().map(|(i, m)| (!named.contains(&m.as_str()), i, m)).collect();
    ranked.sort_by_key(|(rank, i, _)| (*rank, *i));
    ranked
        .into_iter()
        .take(limit)
        .filter_map(|(_, _, member)| {
            let mut capabilities = caps.remove(&member).unwrap_or_default();
            // Conditional grants are not exercised: whether they allow depends on the request.
            capabilities.retain(|(_, _, condition)| condition.is_none());
            if capabilities.is_empty() {
                return None;
            }
            let can_set = capabilities.iter().any(|(c, _, _)| {
                c.action == SET_PROJECT_POLICY.permission || c.action == "resourcemanager.organizations.setIamPolicy"
            });
            // What it tries without being allowed: changing a project's allow policy.
            let project = capabilities.iter().find_map(|(c, _, _)| {
                c.resource
                    .strip_prefix("projects/")
                    .and_then(|r| r.split('/').next())
                    .filter(|p| !p.starts_with('_') && !p.starts_with('-'))
            });
            let project = project.map(|p| {
                org.projects.iter().find(|x| x.number == p || x.id == p).map_or_else(|| p.to_string(), |x| x.id.clone())
            });
            if let (false, Some(project)) = (can_set, project) {
                capabilities.push((
                    Capability {
                        action: SET_PROJECT_POLICY.permission.into(),
                        resource: format!("projects/{project}"),
                        via: None,
                    },
                    &SET_PROJECT_POLICY,
                    None,
                ));
            }
            let (kind, email) = member.split_once(':').unwrap_or(("user", &member));
            Some(Actor { email: email.to_string(), human: kind == "user", capabilities })
        })
        .collect()
}

fn expand(org: &Org, member: &str, out: &mut Vec<String>, depth: usize) {
    if let Some(email) = member.strip_prefix("group:") {
        if let (true, Some(g)) = (depth < 8, org.groups.iter().find(|g| g.email == email)) {
            for m in &g.members {
                expand(org, m, out, depth + 1);
            }
        }
    } else if (member.starts_with("user:") || member.starts_with("serviceAccount:")) && !out.iter().any(|m| m == member)
    {
        out.push(member.to_string());
    }
}

/// Writes the organization's audit logs under `out/gcp/<organization-id>/activity/` and
/// `out/gcp-activity-truth.json`.
pub fn write_gcp_activity(spec: &CloudActivitySpec, org: &GcpTruth, out: &Path) -> Result<ActivityTruth, GenError> {
    if spec.days == 0 {
        return Err(GenError::InvalidSpec("activity: days must be at least 1".into()));
    }
    let o: &Org = &org.org;
    let start = spec.end - i64::from(spec.days) * DAY;
    let mut days: BTreeMap<String, Vec<(i64, Value)>> = BTreeMap::new();
    let mut tally = Tally::default();
    let mut names = BTreeMap::new();
    let (mut records, mut denied) = (0usize, 0usize);
    for actor in actors(o, spec.actors) {
        let mut rng = Rng::new(spec.seed, "gcp-activity", crate::stable::fnv(&actor.email));
        let ip = if actor.human { format!("203.0.113.{}", rng.range(2, 250)) } else { "private".to_string() };
        names.insert(
            actor.email.clone(),
            json!({"member": format!("{}:{}", if actor.human { "user" } else { "serviceAccount" }, actor.email)}),
        );
        for day in 0..i64::from(spec.days) {
            for time in moments(&mut rng, start + day * DAY, actor.human, spec.calls_per_day) {
                let deny = rng.chance(0.04);
                let pool: Vec<_> = actor.capabilities.iter().filter(|(c, _, _)| c.via.is_none() == deny).collect();
                if pool.is_empty() {
                    continue;
                }
                let (cap, method, _) = *rng.pick(&pool);
                let allowed = cap.via.is_some();
                let entry = log_entry(o, &actor, cap, method, time, &ip, &mut rng);
                days.entry(date(time)).or_default().push((time, entry));
                tally.add(&actor.email, &cap.action, &cap.resource, allowed, time);
                records += 1;
                if !allowed {
                    denied += 1;
                }
            }
        }
    }
    let mut w = Writer::new(out);
    for (day, mut list) in days {
        // `gcloud logging read` prints the newest entries first.
        list.sort_by_key(|(time, _)| std::cmp::Reverse(*time));
        let values: Vec<Value> = list.into_iter().map(|(_, v)| v).collect();
        w.json(&format!("gcp/{}/activity/{day}.json", o.id), &Value::Array(values))?;
    }
    let principals = tally.principals();
    w.json(
        "gcp-activity-truth.json",
        &json!({
            "format": "remit-gen-cloud-activity-truth",
            "version": 1,
            "cloud": "gcp",
            "organizationId": o.id,
            "seed": spec.seed,
            "start": start,
            "end": spec.end,
            "records": records,
            "denied": denied,
            "principals": tally.to_json(&names),
        }),
    )?;
    Ok(ActivityTruth { records, denied, sign_ins: 0, principals, files: w.files, bytes: w.bytes })
}

fn log_entry(o: &Org, actor: &Actor, cap: &Capability, method: &Method, time: i64, ip: &str, rng: &mut Rng) -> Value {
    let allowed = cap.via.is_some();
    let project = cap
        .resource
        .strip_prefix("projects/")
        .or_else(|| cap.resource.strip_prefix("namespaces/"))
        .and_then(|r| r.split('/').next())
        .and_then(|p| o.projects.iter().find(|x| x.id == p || x.number == p))
        .or_else(|| {
            cap.resource
                .strip_prefix("projects/_/buckets/")
                .and_then(|r| r.split('/').next())
                .and_then(|b| o.projects.iter().find(|x| x.buckets.iter().any(|y| y == b)))
        });
    let (log_parent, labels) = match project {
        Some(p) => (format!("projects/{}", p.id), json!({"project_id": p.id})),
        None => (format!("organizations/{}", o.id), json!({"organization_id": o.id})),
    };
    let mut payload = json!({
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "status": if allowed { json!({}) } else { json!({"code": 7, "message": "PERMISSION_DENIED"}) },
        "authenticationInfo": {"principalEmail": actor.email},
        "requestMetadata": {
            "callerIp": ip,
            "callerSuppliedUserAgent": if actor.human { "google-cloud-sdk gcloud/502.0.0 command/gcloud" } else { "google-api-go-client/0.5" },
            "requestAttributes": {"time": iso_z(time), "auth": {}},
            "destinationAttributes": {},
        },
        "serviceName": method.service,
        "methodName": method.method,
        "authorizationInfo": [{"resource": cap.resource, "permission": method.permission, "granted": allowed, "resourceAttributes": {}, "permissionType": method.permission_type}],
        "resourceName": cap.resource,
    });
    if let (false, Some(obj)) = (allowed, payload.as_object_mut()) {
        obj.insert("response".into(), json!({"@type": "type.googleapis.com/google.rpc.Status"}));
    }
    json!({
        "protoPayload": payload,
        "insertId": rng.lower_alnum(12),
        "resource": {"type": method.resource_type, "labels": labels},
        "timestamp": iso_z(time),
        "severity": if allowed { if method.log == "activity" { "NOTICE" } else { "INFO" } } else { "ERROR" },
        "logName": format!("{log_parent}/logs/cloudaudit.googleapis.com%2F{}", method.log),
        "receiveTimestamp": iso_z(time + 1),
    })
}
