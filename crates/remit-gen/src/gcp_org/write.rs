//! Writing the organization as `gcloud` and Cloud Asset Inventory return it, and its ground truth.
//!
//! Shapes, by file: `gcloud organizations describe` (<https://cloud.google.com/resource-manager/reference/rest/v1/organizations#Organization>),
//! `gcloud resource-manager folders list` (<https://cloud.google.com/resource-manager/reference/rest/v2/folders#Folder>),
//! `gcloud projects list` (<https://cloud.google.com/resource-manager/reference/rest/v1/projects#Project>),
//! `gcloud asset search-all-iam-policies` (<https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies#IamPolicySearchResult>)
//! with `policy` a `google.iam.v1.Policy` (<https://cloud.google.com/iam/docs/reference/rest/v1/Policy>),
//! `gcloud asset search-all-resources` (<https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllResources#ResourceSearchResult>),
//! `gcloud iam roles describe` (<https://cloud.google.com/iam/docs/reference/rest/v1/organizations.roles#Role>),
//! deny policies (<https://cloud.google.com/iam/docs/reference/rest/v2/policies#Policy>),
//! `gcloud iam service-accounts list` and `keys list` (<https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts>),
//! `gcloud identity groups memberships list` (<https://cloud.google.com/identity/docs/reference/rest/v1/groups.memberships#Membership>)
//! and `gcloud iam workforce-pools list` (<https://cloud.google.com/iam/docs/reference/rest/v1/locations.workforcePools#WorkforcePool>).

use std::{path::Path, sync::Arc};

use serde_json::{Value, json};

use super::{
    GcpSpec, GcpTruth,
    plan::{Node, Org},
    predefined::PREDEFINED,
};
use crate::{
    aws_org::rng::Rng,
    json_out::{DAY, GenError, NOW, Writer, file_name, iso_z},
    people::{IdentityLink, NonHumanOwner, People, write::gcp_email, write::in_gcp},
};

pub(super) fn write(spec: &GcpSpec, org: Org, people: &People, out: &Path) -> Result<GcpTruth, GenError> {
    let mut w = Writer::new(out);
    let mut rng = Rng::new(spec.seed, "gcp-org-files", 0);
    let base = format!("gcp/{}", org.id);
    w.json(
        &format!("{base}/organization.json"),
        &json!({
            "creationTime": iso_z(NOW - 1500 * DAY),
            "displayName": org.domain,
            "lifecycleState": "ACTIVE",
            "name": org.org_name(),
            "owner": {"directoryCustomerId": org.customer_id},
        }),
    )?;
    let folders: Vec<Value> = org
        .folders
        .iter()
        .map(|f| {
            let parent = match f.parent {
                Some(p) => format!("folders/{}", org.folders[p].id),
                None => org.org_name(),
            };
            json!({"createTime": iso_z(NOW - 1000 * DAY), "displayName": f.name, "lifecycleState": "ACTIVE", "name": format!("folders/{}", f.id), "parent": parent})
        })
        .collect();
    w.json(&format!("{base}/folders.json"), &Value::Array(folders))?;
    let projects: Vec<Value> = org
        .projects
        .iter()
        .map(|p| {
            json!({
                "createTime": iso_z(NOW - 700 * DAY),
                "lifecycleState": "ACTIVE",
                "name": p.name,
                "parent": {"id": org.folders[p.folder].id, "type": "folder"},
                "projectId": p.id,
                "projectNumber": p.number,
            })
        })
        .collect();
    w.json(&format!("{base}/projects.json"), &Value::Array(projects))?;

    // Allow policies, as search-all-iam-policies returns them.
    let policies: Vec<Value> = org
        .policies
        .iter()
        .map(|(node, bindings)| {
            let (project, folders) = place(&org, *node);
            let bindings: Vec<Value> = bindings
                .iter()
                .map(|b| {
                    let mut v = json!({"role": b.role, "members": b.members});
                    if let (Some((title, expression)), Some(obj)) = (&b.condition, v.as_object_mut()) {
                        obj.insert("condition".into(), json!({"title": title, "expression": expression}));
                    }
                    v
                })
                .collect();
            let mut v = json!({
                "resource": org.full_name(*node),
                "assetType": asset_type(*node),
                "project": project,
                "folders": folders,
                "organization": org.org_name(),
                "policy": {"version": 3, "bindings": bindings, "etag": format!("BwY{}", rng.alnum(8))},
            });
            if let (true, Some(obj)) = (project.is_none(), v.as_object_mut()) {
                obj.remove("project");
            }
            v
        })
        .collect();
    w.json(&format!("{base}/iam-policies.json"), &Value::Array(policies))?;

    // Resources, as search-all-resources returns them.
    let mut resources = Vec::new();
    for (p, project) in org.projects.iter().enumerate() {
        let (proj, folders) = place(&org, Node::Project(p));
        let parent = org.full_name(Node::Project(p));
        let mut push = |name: String, asset_type: &str, display: &str, location: &str| {
            resources.push(json!({
                "name": name,
                "assetType": asset_type,
                "project": proj,
                "folders": folders,
                "organization": org.org_name(),
                "displayName": display,
                "location": location,
                "parentFullResourceName": parent,
                "parentAssetType": "cloudresourcemanager.googleapis.com/Project",
                "createTime": iso_z(NOW - 300 * DAY),
                "state": "ACTIVE",
            }));
        };
        for b in 0..project.buckets.len() {
            push(org.full_name(Node::Bucket(p, b)), "storage.googleapis.com/Bucket", &project.buckets[b], "eu");
        }
        for s in 0..project.sas.len() {
            push(org.full_name(Node::Sa(p, s)), "iam.googleapis.com/ServiceAccount", &project.sas[s].email, "global");
        }
        for s in 0..project.secrets.len() {
            push(
                org.full_name(Node::Secret(p, s)),
                "secretmanager.googleapis.com/Secret",
                &project.secrets[s],
                "global",
            );
        }
        for r in 0..project.run.len() {
            push(org.full_name(Node::Run(p, r)), "run.googleapis.com/Service", &project.run[r].0, "europe-west1");
        }
    }
    w.json(&format!("{base}/resources.json"), &Value::Array(resources))?;

    // Roles: the predefined ones granted, and the custom ones.
    let mut used: Vec<&str> = org.policies.iter().flat_map(|(_, bs)| bs.iter().map(|b| b.role.as_str())).collect();
    used.sort_unstable();
    used.dedup();
    for role in PREDEFINED.iter().filter(|r| used.contains(&r.name)) {
        w.json(
            &format!("{base}/roles/{}.json", file_name(role.name)),
            &json!({"description": role.description, "etag": "AA==", "includedPermissions": role.permissions, "name": role.name, "stage": role.stage, "title": role.title}),
        )?;
    }
    for role in &org.custom_roles {
        w.json(
            &format!("{base}/roles/{}.json", file_name(&role.name)),
            &json!({"description": format!("{} (custom)", role.title), "etag": format!("BwY{}", rng.alnum(8)), "includedPermissions": role.permissions, "name": role.name, "stage": "GA", "title": role.title}),
        )?;
    }

    // A deny policy on the organization: nobody but the organization administrators deletes projects.
    let attachment = format!("cloudresourcemanager.googleapis.com/organizations/{}", org.id);
    let encoded = attachment.replace('/', "%2F");
    let deny = json!([{
        "name": format!("policies/{encoded}/denypolicies/protect-projects"),
        "uid": rng.uuid(),
        "kind": "DenyPolicy",
        "displayName": "Only organization administrators delete projects",
        "etag": format!("W/\"{}\"", rng.alnum(12)),
        "createTime": iso_z(NOW - 200 * DAY),
        "updateTime": iso_z(NOW - 200 * DAY),
        "rules": [{
            "description": "Protect projects from deletion",
            "denyRule": {
                "deniedPrincipals": ["principalSet://goog/public:all"],
                "exceptionPrincipals": [format!("principalSet://goog/group/gcp-org-admins@{}", org.domain)],
                "deniedPermissions": ["cloudresourcemanager.googleapis.com/projects.delete"],
            },
        }],
    }]);
    w.json(&format!("{base}/deny-policies/{}.json", file_name(&attachment)), &deny)?;

    // Service accounts and their keys.
    for project in &org.projects {
        let sas: Vec<Value> = project
            .sas
            .iter()
            .map(|s| {
                let owner = s.owner.map(|o| people.persons[o].email.as_str()).unwrap_or("unknown");
                json!({
                    "description": format!("owner: {owner}"),
                    "displayName": s.display,
                    "email": s.email,
                    "etag": "MDEwMjE5MjA=",
                    "name": format!("projects/{}/serviceAccounts/{}", project.id, s.email),
                    "oauth2ClientId": s.unique_id,
                    "projectId": project.id,
                    "uniqueId": s.unique_id,
                })
            })
            .collect();
        w.json(&format!("{base}/service-accounts/{}.json", project.id), &Value::Array(sas))?;
        for s in &project.sas {
            let mut keys = vec![json!({
                "keyAlgorithm": "KEY_ALG_RSA_2048",
                "keyOrigin": "GOOGLE_PROVIDED",
                "keyType": "SYSTEM_MANAGED",
                "name": format!("projects/{}/serviceAccounts/{}/keys/{}", project.id, s.email, rng.hex(40)),
                "validAfterTime": iso_z(NOW - 10 * DAY),
                "validBeforeTime": iso_z(NOW + 80 * DAY),
            })];
            keys.extend(s.keys.iter().map(|k| {
                json!({
                    "keyAlgorithm": "KEY_ALG_RSA_2048",
                    "keyOrigin": "GOOGLE_PROVIDED",
                    "keyType": "USER_MANAGED",
                    "name": format!("projects/{}/serviceAccounts/{}/keys/{k}", project.id, s.email),
                    "validAfterTime": iso_z(NOW - 400 * DAY),
                    "validBeforeTime": "9999-12-31T23:59:59Z",
                })
            }));
            w.json(&format!("{base}/service-account-keys/{}.json", s.email), &Value::Array(keys))?;
        }
    }
    for g in &org.groups {
        let members: Vec<Value> = g
            .members
            .iter()
            .map(|m| {
                let (kind, key) = m.split_once(':').unwrap_or(("user", m));
                json!({
                    "name": format!("groups/{}/memberships/{}", g.id, rng.lower_alnum(15)),
                    "preferredMemberKey": {"id": key},
                    "roles": [{"name": "MEMBER"}],
                    "type": match kind { "group" => "GROUP", "serviceAccount" => "SERVICE_ACCOUNT", _ => "USER" },
                })
            })
            .collect();
        w.json(&format!("{base}/groups/{}.json", g.email), &Value::Array(members))?;
    }
    w.json(
        &format!("{base}/workforce-pools.json"),
        &json!([{
            "name": format!("locations/global/workforcePools/{}", org.pool),
            "parent": org.org_name(),
            "displayName": "Okta workforce",
            "description": "Employees signing in through Okta",
            "state": "ACTIVE",
            "sessionDuration": "3600s",
        }]),
    )?;

    let truth = truth(spec, &org);
    w.json("gcp-ground-truth.json", &truth)?;

    let identities = (0..people.persons.len())
        .filter(|&i| in_gcp(people, i))
        .map(|i| IdentityLink {
            person: people.persons[i].email.clone(),
            system: "gcp",
            id: format!("user:{}", gcp_email(people, i)),
            name: gcp_email(people, i).to_string(),
        })
        .collect();
    let non_human = org
        .projects
        .iter()
        .flat_map(|p| &p.sas)
        .map(|s| NonHumanOwner {
            system: "gcp",
            id: s.email.clone(),
            name: s.display.clone(),
            kind: "service-account",
            owner: s.owner.map(|o| people.persons[o].email.clone()),
        })
        .collect();
    let mut members: Vec<&str> =
        org.policies.iter().flat_map(|(_, bs)| bs.iter().flat_map(|b| b.members.iter().map(String::as_str))).collect();
    members.sort_unstable();
    members.dedup();
    let mut admins: Vec<&str> = org.admins.iter().map(|a| a.member.as_str()).collect();
    admins.sort_unstable();
    admins.dedup();
    Ok(GcpTruth {
        organization_id: org.id.clone(),
        folders: org.folders.len(),
        projects: org.projects.len(),
        members: members.len(),
        bindings: org.grants,
        service_accounts: org.projects.iter().map(|p| p.sas.len()).sum(),
        admin_equivalent: admins.len(),
        escalations: org.escalations.len(),
        identities,
        non_human,
        files: w.files,
        bytes: w.bytes,
        org: Arc::new(org),
    })
}

fn asset_type(node: Node) -> &'static str {
    match node {
        Node::Org => "cloudresourcemanager.googleapis.com/Organization",
        Node::Folder(_) => "cloudresourcemanager.googleapis.com/Folder",
        Node::Project(_) => "cloudresourcemanager.googleapis.com/Project",
        Node::Bucket(..) => "storage.googleapis.com/Bucket",
        Node::Sa(..) => "iam.googleapis.com/ServiceAccount",
        Node::Secret(..) => "secretmanager.googleapis.com/Secret",
        Node::Run(..) => "run.googleapis.com/Service",
    }
}

/// The node's project (`projects/<number>`) and folders (nearest first).
fn place(org: &Org, node: Node) -> (Option<String>, Vec<String>) {
    let project = match node {
        Node::Org | Node::Folder(_) => None,
        Node::Project(p) | Node::Bucket(p, _) | Node::Sa(p, _) | Node::Secret(p, _) | Node::Run(p, _) => Some(p),
    };
    match (node, project) {
        (Node::Folder(f), _) => (None, org.folder_chain(f)),
        (_, Some(p)) => {
            (Some(format!("projects/{}", org.projects[p].number)), org.folder_chain(org.projects[p].folder))
        }
        _ => (None, Vec::new()),
    }
}

fn truth(spec: &GcpSpec, org: &Org) -> Value {
    let admins: Vec<Value> = org
        .admins
        .iter()
        .map(|a| {
            let via: Vec<Value> = a.via.iter().map(|(role, member)| json!({"role": role, "member": member})).collect();
            json!({"member": a.member, "scope": a.scope, "via": via})
        })
        .collect();
    let escalations: Vec<Value> = org
        .escalations
        .iter()
        .map(|e| {
            let grants: Vec<Value> = e
                .grants
                .iter()
                .map(|(resource, role, member)| json!({"resource": resource, "role": role, "member": member}))
                .collect();
            json!({
                "member": e.member,
                "technique": e.technique,
                "target": e.target,
                "reaches": {"role": e.reaches_role, "scope": e.reaches_scope},
                "grants": grants,
            })
        })
        .collect();
    let access: Vec<Value> = org
        .access
        .iter()
        .map(|f| json!({"member": f.member, "permission": f.permission, "resource": f.resource, "decision": f.decision, "why": f.why}))
        .collect();
    let conditional: Vec<Value> = org
        .policies
        .iter()
        .flat_map(|(node, bs)| {
            bs.iter().filter_map(move |b| {
                b.condition.as_ref().map(|(title, expr)| json!({"resource": org.full_name(*node), "role": b.role, "members": b.members, "title": title, "expression": expr}))
            })
        })
        .collect();
    let planted: Vec<Value> = org.planted.iter().map(|(what, id)| json!({"what": what, "id": id})).collect();
    json!({
        "format": "remit-gen-gcp-ground-truth",
        "version": 1,
        "generator": {"seed": spec.seed},
        "organization": {"id": org.id, "domain": org.domain},
        "counts": {
            "folders": org.folders.len(),
            "projects": org.projects.len(),
            "policies": org.policies.len(),
            "grants": org.grants,
            "groups": org.groups.len(),
            "serviceAccounts": org.projects.iter().map(|p| p.sas.len()).sum::<usize>(),
        },
        "adminEquivalent": admins,
        "escalations": escalations,
        "conditionalBindings": conditional,
        "denyPolicies": [{"attachmentPoint": format!("cloudresourcemanager.googleapis.com/organizations/{}", org.id), "deniedPermissions": ["cloudresourcemanager.googleapis.com/projects.delete"], "exceptionPrincipals": [format!("principalSet://goog/group/gcp-org-admins@{}", org.domain)]}],
        "access": access,
        "planted": planted,
    })
}
