//! `remit unused` and `remit rightsize` for Azure and Google Cloud principals: their
//! entitlements against the usage ingested from their clouds' logs, and the custom role that
//! holds just what they used.
//!
//! An Azure entitlement is an action pattern at a scope (`Microsoft.Compute/*` on a
//! subscription); it is used when an ingested call of the principal matches the pattern (Azure's
//! wildcard rule, `remit_azure::action::matches`) on a resource under the scope. A Google Cloud
//! entitlement is one permission on a node of the hierarchy; it is used when a call of the
//! principal checked that permission on the node or below.

use std::path::Path;

use anyhow::Context as _;
use remit_activity::{UsageRow, window::format_time};
use remit_estate::{Estate, Parts, WhatCan};
use remit_model::{Cloud, Entitlement};
use serde_json::json;

use crate::activity::{RightsizeFormat, Windowed, windowed};
use crate::queries::{Format, table};

/// The principal's cloud, its id and its entitlements.
struct Found {
    cloud: Cloud,
    id: String,
    name: String,
    kind: remit_model::PrincipalKind,
    entitlements: Vec<Entitlement>,
}

fn find(estate: &Estate, principal: &str) -> anyhow::Result<Found> {
    match estate.what_can(principal)? {
        WhatCan::Entitlements { principal, entitlements } => Ok(Found {
            cloud: principal.cloud,
            id: principal.id.clone(),
            name: principal.name.clone(),
            kind: principal.kind,
            entitlements,
        }),
        WhatCan::Aws { .. } => anyhow::bail!("`{principal}` is an AWS principal: give its ARN"),
    }
}

/// True when a used `(action, resource)` falls under the entitlement.
fn covers(cloud: Cloud, e: &Entitlement, action: &str, resource: &str) -> bool {
    let action_ok = match cloud {
        // https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions
        Cloud::Azure => {
            remit_azure::action::matches(&e.action, action)
                && !e.except.iter().any(|x| remit_azure::action::matches(x, action))
        }
        _ => &*e.action == action,
    };
    action_ok && under(cloud, &e.resource, resource)
}

/// True when `resource` is `scope` or below it (Azure scopes by path segment, case-insensitive;
/// Google Cloud: a node's full or short name contained in the resource's name, or a project
/// or above, which covers everything logged in the organization).
fn under(cloud: Cloud, scope: &str, resource: &str) -> bool {
    match cloud {
        Cloud::Azure => {
            let scope = scope.trim_end_matches('/').to_ascii_lowercase();
            let resource = resource.to_ascii_lowercase();
            scope.is_empty() || resource == scope || resource.starts_with(&format!("{scope}/"))
        }
        _ => {
            let short = scope.trim_start_matches("//cloudresourcemanager.googleapis.com/");
            scope.starts_with("organizations/")
                || scope.starts_with("folders/")
                || short.starts_with("organizations/")
                || short.starts_with("folders/")
                || resource.contains(short)
        }
    }
}

/// `remit unused PRINCIPAL` for Azure and Google Cloud.
pub(crate) fn unused(
    principal: &str,
    env: &Path,
    days: u32,
    as_of: Option<&str>,
    data_dir: Option<&Path>,
    format: Format,
) -> anyhow::Result<u8> {
    let Windowed { rt, store, window } = windowed(data_dir, days, as_of)?;
    let estate = crate::estate::load(env, Parts { aws: false, azure: true, gcp: true, people: false })?;
    let found = find(&estate, principal)?;
    let rows: Vec<UsageRow> = rt
        .block_on(store.usage(Some(&found.id)))?
        .into_iter()
        .filter(|r| window.contains(r.counts.last_seen) || r.counts.last_seen >= window.start)
        .filter(|r| r.counts.allowed + r.counts.failed > 0)
        .collect();
    // Google Cloud: each used resource's place in the hierarchy (its ancestors' canonical ids),
    // and each entitlement's scope's canonical id, from the organization's engine.
    let org = estate.gcp.iter().find(|o| o.analysis.find_principal(&found.id).is_some());
    let places: Vec<Vec<String>> = rows
        .iter()
        .map(|r| org.map(|o| gcp_ancestors(o.analysis.engine(), &r.action, &r.resource)).unwrap_or_default())
        .collect();
    let report: Vec<(&Entitlement, Vec<&UsageRow>)> = found
        .entitlements
        .iter()
        .map(|e| {
            let scope = org.and_then(|o| o.analysis.engine().resolve(&e.resource).map(str::to_owned));
            let used = rows
                .iter()
                .zip(&places)
                .filter(|(r, place)| match (&scope, found.cloud) {
                    (Some(scope), Cloud::Gcp) => *e.action == *r.action && place.contains(scope),
                    _ => covers(found.cloud, e, &r.action, &r.resource),
                })
                .map(|(r, _)| r)
                .collect();
            (e, used)
        })
        .collect();
    let unused_count = report.iter().filter(|(_, used)| used.is_empty()).count();
    match format {
        Format::Json => {
            let out = json!({
                "principal": {"id": found.id, "name": found.name, "cloud": found.cloud.as_str(), "kind": found.kind.as_str()},
                "window": {"start": format_time(window.start), "end": format_time(window.end), "days": days},
                "entitlements": report.iter().map(|(e, used)| {
                    let mut v = remit_history::answers::entitlement(e);
                    v["used"] = json!(!used.is_empty());
                    v["usedActions"] = json!(used.iter().map(|r| &*r.action).collect::<std::collections::BTreeSet<_>>());
                    v["lastUsed"] = json!(used.iter().map(|r| r.counts.last_seen).max().map(format_time));
                    v
                }).collect::<Vec<_>>(),
                "unused": unused_count,
                "observedCalls": rows.len(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            println!(
                "{} ({}, {}): {unused_count} of {} entitlements unused in the {days} days to {}",
                found.name,
                found.id,
                found.cloud.as_str(),
                found.entitlements.len(),
                format_time(window.end)
            );
            let mut t = table(&["action", "resource or scope", "used", "last used"]);
            for (e, used) in &report {
                let actions: std::collections::BTreeSet<&str> = used.iter().map(|r| &*r.action).collect();
                t.add_row(vec![
                    e.action.to_string(),
                    e.resource.to_string(),
                    match actions.len() {
                        0 => "UNUSED".to_owned(),
                        n => {
                            format!("{n} action(s): {}", actions.iter().take(3).copied().collect::<Vec<_>>().join(", "))
                        }
                    },
                    used.iter().map(|r| r.counts.last_seen).max().map(format_time).unwrap_or_default(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(crate::EXIT_OK)
}

/// `remit rightsize PRINCIPAL` for Azure (a custom role definition, `az` commands, Terraform)
/// and Google Cloud (a custom role, `gcloud` commands, Terraform).
pub(crate) fn rightsize(
    principal: &str,
    env: &Path,
    days: u32,
    as_of: Option<&str>,
    data_dir: Option<&Path>,
    format: RightsizeFormat,
) -> anyhow::Result<u8> {
    let Windowed { rt, store, window } = windowed(data_dir, days, as_of)?;
    // With the people (when the bundle has them) the right-sized role names whose it is.
    let people = env.join("people").is_dir();
    let estate = crate::estate::load(env, Parts { aws: people, azure: true, gcp: true, people })?;
    let found = find(&estate, principal)?;
    let rows: Vec<UsageRow> = rt.block_on(store.usage(Some(&found.id)))?;
    let person = estate.people.as_ref().and_then(|directory| crate::estate::describe_person(directory, &found.id));
    let short: String = found.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(40).collect();
    let (json_doc, cli, terraform) = match found.cloud {
        Cloud::Azure => {
            let tenant = estate
                .azure
                .iter()
                .find(|t| t.analysis.principal(&found.id).is_some())
                .context("the principal's tenant is not loaded")?;
            let grants = tenant.analysis.grants_of(&found.id);
            let replaces: Vec<String> = grants.iter().filter_map(|g| g.id.clone()).collect();
            // The narrowest scope every grant shares: where the custom role is assignable.
            let scope = grants
                .iter()
                .map(|g| g.scope.clone())
                .reduce(|a, b| common_scope(&a, &b))
                .unwrap_or_else(|| "/".to_owned());
            let principal_type = match found.kind {
                remit_model::PrincipalKind::User => "User",
                remit_model::PrincipalKind::Group => "Group",
                _ => "ServicePrincipal",
            };
            let definitions = env.join("azure").join(&tenant.id).join("role-definitions.json");
            let data = std::fs::read_to_string(&definitions)
                .ok()
                .and_then(|text| remit_azure_activity::rightsize::DataActions::from_role_definitions(&text).ok())
                .unwrap_or_else(|| remit_azure_activity::rightsize::DataActions::new(std::iter::empty::<String>()));
            let role_name = format!("Remit right-sized {short}");
            let request = remit_azure_activity::rightsize::RoleRequest {
                principal: &found.id,
                principal_type,
                scope: &scope,
                role_name: &role_name,
                description: "Only the actions this principal used, written by remit rightsize",
                replaces: &replaces,
                window: Some(window),
            };
            let role = remit_azure_activity::rightsize::rightsize(&rows, &request, &data);
            let doc = json!({
                "principal": found.id, "person": person, "cloud": "azure", "scope": scope,
                "actions": role.actions, "dataActions": role.data_actions,
                "definition": role.definition, "commands": role.commands,
                "outsideScope": role.outside_scope, "deniedOnly": role.denied_only, "replaces": replaces,
            });
            (doc, role.commands.join("\n") + "\n", role.terraform)
        }
        _ => {
            let org = estate
                .gcp
                .iter()
                .find(|o| o.analysis.find_principal(&found.id).is_some())
                .context("the principal's organization is not loaded")?;
            // The project where it uses the most, else where it holds the most.
            let project = busiest_project(&rows, &found.entitlements).context(
                "no project to write the custom role in: the principal neither used nor holds anything in a project",
            )?;
            let number = org.analysis.engine().project_number(&project).map(str::to_owned);
            let replaces = roles_named(&found.entitlements, &project);
            let role_id =
                format!("remit_rightsized_{}", short.to_ascii_lowercase()).chars().take(64).collect::<String>();
            let title = format!("Remit right-sized {}", found.name);
            let request = remit_gcp_activity::rightsize::RoleRequest {
                member: &found.id,
                project: &project,
                project_number: number.as_deref(),
                role_id: &role_id,
                title: &title,
                description: "Only the permissions this principal used, written by remit rightsize",
                replaces: &replaces,
                window: Some(window),
            };
            let role = remit_gcp_activity::rightsize::rightsize(&rows, &request)?;
            let doc = json!({
                "principal": found.id, "person": person, "cloud": "gcp", "project": project,
                "permissions": role.permissions, "role": role.json, "yaml": role.yaml, "commands": role.commands,
                "otherProjects": role.other_projects, "deniedOnly": role.denied_only, "replaces": replaces,
            });
            (doc, role.commands.join("\n") + "\n", role.terraform)
        }
    };
    match format {
        RightsizeFormat::Json => println!("{}", serde_json::to_string_pretty(&json_doc)?),
        RightsizeFormat::Cli => print!("{cli}"),
        RightsizeFormat::Terraform => print!("{terraform}"),
        RightsizeFormat::Table => {
            println!(
                "{}",
                serde_json::to_string_pretty(json_doc.get("definition").or(json_doc.get("role")).unwrap_or(&json_doc))?
            );
            println!("{cli}");
        }
    }
    Ok(crate::EXIT_OK)
}

/// The canonical ids of the nodes a logged Google Cloud resource name is at or under, nearest
/// first: the name made full from the permission's service
/// (<https://cloud.google.com/iam/docs/full-resource-names>), then shortened a segment at a
/// time until the engine knows it (a secret's version is under its secret; an object under
/// its bucket, which Cloud Storage names `//storage.googleapis.com/BUCKET`).
fn gcp_ancestors(engine: &remit_gcp::eval::Engine, permission: &str, resource: &str) -> Vec<String> {
    let service = permission.split('.').next().unwrap_or_default();
    let relative = resource.trim_start_matches('/');
    let relative = match relative.split_once(".googleapis.com/") {
        Some((_, rest)) if resource.starts_with("//") => rest,
        _ => relative,
    };
    let mut candidates = Vec::new();
    if let Some(rest) = relative.strip_prefix("projects/_/buckets/") {
        candidates.push(format!("//storage.googleapis.com/{}", rest.split('/').next().unwrap_or_default()));
    }
    let mut name = format!("//{service}.googleapis.com/{relative}");
    loop {
        candidates.push(name.clone());
        match name.rsplit_once('/') {
            Some((head, _)) if head.len() > "//x.googleapis.com".len() => name = head.to_owned(),
            _ => break,
        }
    }
    candidates.push(relative.to_owned());
    for candidate in candidates {
        if let Some(id) = engine.resolve(&candidate) {
            return engine.ancestry(id).iter().map(|n| n.id.clone()).collect();
        }
    }
    Vec::new()
}

/// The longest scope both `a` and `b` are under (by path segment, as Azure compares scopes).
fn common_scope(a: &str, b: &str) -> String {
    let common: Vec<&str> =
        a.split('/').zip(b.split('/')).take_while(|(x, y)| x.eq_ignore_ascii_case(y)).map(|(x, _)| x).collect();
    let joined = common.join("/");
    if joined.is_empty() { "/".to_owned() } else { joined }
}

/// The project a principal used most, else the one it holds the most entitlements in.
fn busiest_project(rows: &[UsageRow], entitlements: &[Entitlement]) -> Option<String> {
    let project_of = |name: &str| -> Option<String> {
        let at = name.find("projects/")?;
        let rest = &name[at + "projects/".len()..];
        let id = rest.split('/').next()?;
        (!id.is_empty() && id != "_").then(|| id.to_owned())
    };
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for row in rows {
        if let Some(p) = project_of(&row.resource) {
            *counts.entry(p).or_default() += row.counts.events();
        }
    }
    if counts.is_empty() {
        for e in entitlements {
            if let Some(p) = project_of(&e.resource) {
                *counts.entry(p).or_default() += 1;
            }
        }
    }
    counts.into_iter().max_by_key(|(p, n)| (*n, std::cmp::Reverse(p.clone()))).map(|(p, _)| p)
}

/// The roles (`roles/...`, `projects/.../roles/...`) named by the grants of the entitlements on
/// `project`, which the custom role replaces.
fn roles_named(entitlements: &[Entitlement], project: &str) -> Vec<String> {
    let mut out: Vec<String> = entitlements
        .iter()
        .filter(|e| e.resource.contains(&format!("projects/{project}")))
        .flat_map(|e| e.via.iter())
        .filter_map(|step| match step {
            remit_model::Step::Direct { sources } => Some(sources.clone()),
            remit_model::Step::ResourcePolicy { source } => Some(vec![source.clone()]),
            _ => None,
        })
        .flatten()
        .flat_map(|source| {
            source
                .split_whitespace()
                .filter(|w| w.starts_with("roles/") || w.contains("/roles/"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
