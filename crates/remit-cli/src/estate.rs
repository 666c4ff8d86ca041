//! Questions about Azure, Google Cloud and people: `who-can`, `what-can` and `explain` on names
//! of those clouds, `what-can person:EMAIL` across every cloud, and `remit people`.
//!
//! AWS questions keep their own printers (`queries.rs`): its engine answers in richer, AWS-only
//! terms (statements, layers, access levels). The rest answer in `remit-model`'s entitlements.

use std::path::Path;

use anyhow::Context as _;
use remit_estate::{Estate, Parts, WhatCan, route};
use remit_model::{Access, Cloud, Entitlement, Verdict};
use serde_json::{Value, json};

use crate::queries::{Format, table};

/// Loads the parts of the bundle at `env` a question needs, reporting import issues.
pub(crate) fn load(env: &Path, parts: Parts) -> anyhow::Result<Estate> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner.set_message(format!("reading {}", env.display()));
    let estate = Estate::load(env, parts);
    spinner.finish_and_clear();
    reported(estate, env)
}

/// The rest of the estate around an AWS analysis already built (a scan's, with its probes).
pub(crate) fn load_around(env: &Path, aws: Option<remit_aws_analysis::AwsAnalysis>) -> anyhow::Result<Estate> {
    reported(Estate::load_with_aws(env, aws, Parts::ALL), env)
}

/// The estate, its import issues reported on standard error (the first, and how many).
fn reported(estate: Result<Estate, remit_estate::EstateError>, env: &Path) -> anyhow::Result<Estate> {
    let estate = estate.with_context(|| format!("cannot load the environment `{}`", env.display()))?;
    if let Some(first) = estate.issues.first() {
        eprintln!(
            "remit: {} import issue(s) in the Azure, Google Cloud or people parts (first: {}: {}: {})",
            estate.issues.len(),
            first.file,
            first.location,
            first.message
        );
    }
    Ok(estate)
}

/// Who is behind an AWS principal, when the bundle has people: "the identity of NAME <EMAIL>"
/// or "owned by NAME <EMAIL>", with the confidence and the rule (`None` without `people/`).
pub(crate) fn person_behind(env: &Path, aws: &remit_aws_analysis::AwsAnalysis, principal: &str) -> Option<String> {
    if !env.join("people").is_dir() {
        return None;
    }
    let estate = Estate::load_beside(env, Some(aws), Parts::ALL).ok()?;
    describe_person(estate.people.as_ref()?, principal)
}

/// "the identity of NAME <EMAIL>" or "owned by NAME <EMAIL>", with the confidence and the
/// rule, for an identity of any cloud.
pub(crate) fn describe_person(directory: &remit_people::Directory, identity: &str) -> Option<String> {
    let describe = |p: &remit_people::Person, l: &remit_people::Link, how: &str| {
        format!(
            "{how} {} <{}> ({} confidence: {})",
            p.display_name,
            p.key,
            l.confidence.level.as_str(),
            l.rule.as_str()
        )
    };
    directory
        .person_of(identity)
        .map(|(p, l)| describe(p, l, "the identity of"))
        .or_else(|| directory.owner_of(identity).map(|(p, l)| describe(p, l, "owned by")))
}

/// The ids of every principal of every cloud of the estate (AWS's probes left out).
pub(crate) fn principal_ids(estate: &Estate) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    if let Some(aws) = &estate.aws {
        out.extend(aws.principals().filter(|p| !remit_aws_risk::admin::is_probe(&p.id)).map(|p| p.id.clone()));
    }
    for tenant in &estate.azure {
        out.extend(tenant.analysis.principals().iter().map(|p| p.id.clone()));
    }
    for org in &estate.gcp {
        out.extend(org.analysis.principals().iter().map(|p| p.id.clone()));
    }
    out
}

/// The parts a question about `cloud` needs.
fn parts_for(cloud: Option<Cloud>) -> Parts {
    match cloud {
        Some(cloud) => Parts::only(cloud),
        None => Parts { aws: true, azure: true, gcp: true, people: false },
    }
}

/// True when a who-can or explain of `action` on `resource` is not AWS's (the AWS printers
/// answer it): the resource's name says Azure or Google Cloud, or it says no cloud and the
/// action's does (a bare bucket name with `storage.objects.get`: the estate says what to give).
pub(crate) fn handles(action: &str, resource: &str) -> bool {
    let cloud = route::resource_cloud(resource).or_else(|| route::action_cloud(action));
    matches!(cloud, Some(Cloud::Azure | Cloud::Gcp))
}

/// True when a what-can about `principal` is not an AWS ARN's.
pub(crate) fn handles_principal(principal: &str) -> bool {
    !principal.starts_with("arn:")
}

/// `who-can ACTION RESOURCE` on Azure or Google Cloud.
pub(crate) fn who_can(env: &Path, action: &str, resource: &str, format: Format) -> anyhow::Result<u8> {
    let estate = load(env, parts_for(route::resource_cloud(resource)))?;
    let holders = estate.who_can(action, resource)?;
    match format {
        Format::Json => {
            let mut out = remit_history::answers::who_can(action, resource, &holders, estate.issues.len());
            if let Some(list) = out.get_mut("principals").and_then(Value::as_array_mut) {
                for (entry, holder) in list.iter_mut().zip(&holders) {
                    entry["id"] = json!(holder.principal.id);
                    entry["name"] = json!(holder.principal.name);
                    entry["cloud"] = json!(holder.principal.cloud.as_str());
                }
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            if holders.is_empty() {
                println!("No principal can perform {action} on {resource}.");
                return Ok(0);
            }
            let mut t = table(&["principal", "kind", "decision", "via", "conditions"]);
            for h in &holders {
                t.add_row(vec![
                    format!("{}\n{}", h.principal.name, h.principal.id),
                    h.principal.kind.as_str().to_owned(),
                    decision_text(&h.access, h.via.iter().any(|s| matches!(s, remit_model::Step::Activate { .. }))),
                    h.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join("\n→ "),
                    conditions_text(h.access.conditions()),
                ]);
            }
            println!("{t}");
            let conditional = holders.iter().filter(|h| matches!(h.access, Access::Conditional(_))).count();
            println!(
                "{} principal(s) can perform {action} on {resource} ({conditional} conditionally).",
                holders.len()
            );
        }
    }
    Ok(0)
}

fn decision_text(access: &Access, eligible: bool) -> String {
    match eligible {
        true => format!("{} once activated (eligible)", access.as_str()),
        false => access.as_str().to_owned(),
    }
}

fn conditions_text(conditions: &[remit_model::Condition]) -> String {
    conditions
        .iter()
        .map(|c| match c.on_deny {
            true => format!("unless {} ({})", c.expression, c.source),
            false => format!("{} ({})", c.expression, c.source),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `explain PRINCIPAL ACTION RESOURCE` on Azure or Google Cloud.
pub(crate) fn explain(env: &Path, principal: &str, action: &str, resource: &str, format: Format) -> anyhow::Result<u8> {
    let estate = load(env, parts_for(route::resource_cloud(resource)))?;
    let (found, explained) = estate.explain(principal, action, resource)?;
    match format {
        Format::Json => {
            let out = remit_history::answers::explanation(&found, action, resource, &explained);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            println!(
                "{} ({}) → {action} on {resource}: {}",
                found.name,
                found.id,
                explained.verdict.as_str().to_uppercase()
            );
            if let Verdict::Conditional(conditions) = &explained.verdict {
                println!("only when: {}", conditions_text(conditions).replace('\n', "; "));
            }
            for reason in &explained.reasons {
                println!("  - {reason}");
            }
            if !explained.via.is_empty() {
                println!("path: {}", explained.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join(" → "));
            }
        }
    }
    Ok(0)
}

/// `what-can PRINCIPAL` for Azure, Google Cloud, or a person (`person:EMAIL`).
pub(crate) fn what_can(env: &Path, principal: &str, format: Format) -> anyhow::Result<u8> {
    if let Some(person) = route::person_query(principal) {
        return person_what_can(env, person, format);
    }
    let estate = load(env, parts_for(route::principal_cloud(principal)))?;
    let answer = estate.what_can(principal)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&remit_history::answers::what_can_any(&answer))?),
        Format::Table => print_what_can(&answer),
    }
    Ok(0)
}

fn print_what_can(answer: &WhatCan) {
    match answer {
        WhatCan::Entitlements { principal, entitlements } => {
            println!("{} ({}, {} {})", principal.name, principal.id, principal.cloud.as_str(), principal.kind.as_str());
            print_entitlements(entitlements);
        }
        WhatCan::Aws { principal, permissions, roles } => {
            println!("{} ({}, aws {})", principal.name, principal.id, principal.kind.as_str());
            let summary = remit_history::answers::permission_summary(permissions);
            println!(
                "  own permissions: {} action(s) {}",
                permissions.len(),
                serde_json::to_string(&summary).unwrap_or_default()
            );
            for (holder, permissions) in roles {
                println!(
                    "  can become {} ({}): {} action(s) — via {}",
                    holder.principal.name,
                    holder.access.as_str(),
                    permissions.len(),
                    holder.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join(" → ")
                );
            }
        }
    }
}

fn print_entitlements(entitlements: &[Entitlement]) {
    if entitlements.is_empty() {
        println!("  no entitlement.");
        return;
    }
    let mut t = table(&["action", "plane", "resource or scope", "decision", "via", "conditions"]);
    for e in entitlements {
        let action = match e.except.is_empty() {
            true => e.action.to_string(),
            false => format!("{}\nexcept {}", e.action, e.except.iter().map(|x| &**x).collect::<Vec<_>>().join(", ")),
        };
        t.add_row(vec![
            action,
            if e.data_plane { "data" } else { "control" }.to_owned(),
            e.resource.to_string(),
            decision_text(&e.access, e.eligible()),
            e.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join("\n→ "),
            conditions_text(e.access.conditions()),
        ]);
    }
    println!("{t}");
    let eligible = entitlements.iter().filter(|e| e.eligible()).count();
    println!(
        "{} entitlement(s): {} standing, {eligible} eligible (just-in-time).",
        entitlements.len(),
        entitlements.len() - eligible
    );
}

/// `what-can person:EMAIL`: every identity of the person, in every cloud, with its access.
fn person_what_can(env: &Path, person: &str, format: Format) -> anyhow::Result<u8> {
    let estate = load(env, Parts::ALL)?;
    let access = estate.person_access(person)?;
    match format {
        Format::Json => {
            let out = remit_history::answers::person_access(&access);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            let p = access.person;
            println!(
                "{} <{}>{}",
                p.display_name,
                p.key,
                p.department.as_deref().map(|d| format!(", {d}")).unwrap_or_default()
            );
            if p.is_leaver() {
                println!("  LEFT: {}", p.leaver_reason().unwrap_or_default());
            }
            let mut t = table(&["cloud", "identity", "kind", "confidence", "why it is theirs"]);
            for i in &access.identities {
                t.add_row(vec![
                    i.identity.cloud.as_str().to_owned(),
                    format!("{}\n{}", i.identity.name, i.identity.id),
                    match i.federated {
                        true => format!("{} (federated)", i.identity.kind.as_str()),
                        false => i.identity.kind.as_str().to_owned(),
                    },
                    format!("{} ({})", i.link.confidence.level.as_str(), i.link.confidence.score),
                    i.link.reason.clone(),
                ]);
            }
            println!("{t}");
            for i in &access.identities {
                println!();
                println!("== {} {} ==", i.identity.cloud.as_str(), i.identity.id);
                match &i.access {
                    Ok(answer) => print_what_can(answer),
                    Err(e) => println!("  cannot tell: {e}"),
                }
            }
            if !access.owned.is_empty() {
                println!();
                println!("Owns {} non-human identit(ies):", access.owned.len());
                for (identity, link) in &access.owned {
                    println!("  {} {} ({}): {}", identity.cloud.as_str(), identity.name, identity.id, link.reason);
                }
            }
        }
    }
    Ok(0)
}

/// `remit people [QUERY]`: every person with their identities per cloud, or one person.
pub(crate) fn people(env: &Path, query: Option<&str>, format: Format) -> anyhow::Result<u8> {
    if let Some(query) = query {
        return person_what_can(env, query.strip_prefix("person:").unwrap_or(query), format);
    }
    let estate = load(env, Parts::ALL)?;
    let Some(directory) = &estate.people else { anyhow::bail!("no people were loaded") };
    let unlinked = directory.unlinked();
    let ambiguous = directory.ambiguous();
    match format {
        Format::Json => {
            let out = json!({
                "persons": directory.persons().iter().map(|p| {
                    let mut v = remit_history::answers::person(p);
                    v["identities"] = directory.identities_of(p).iter().map(|(i, l)| json!({
                        "cloud": i.cloud.as_str(), "id": i.id, "name": i.name, "kind": i.kind.as_str(), "link": remit_history::answers::link(l),
                    })).collect::<Vec<_>>().into();
                    v["owns"] = directory.owned_by(p).iter().map(|(i, l)| json!({
                        "cloud": i.cloud.as_str(), "id": i.id, "name": i.name, "link": remit_history::answers::link(l),
                    })).collect::<Vec<_>>().into();
                    v
                }).collect::<Vec<_>>(),
                "unlinked": unlinked.iter().map(|(i, why)| json!({"cloud": i.cloud.as_str(), "id": i.id, "name": i.name, "kind": i.kind.as_str(), "why": why})).collect::<Vec<_>>(),
                "ambiguous": ambiguous.iter().map(|(i, a)| json!({"cloud": i.cloud.as_str(), "id": i.id, "name": i.name, "reason": a.reason})).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            let mut t = table(&["person", "department", "status", "aws", "azure", "gcp", "owns"]);
            for p in directory.persons() {
                let ids = directory.identities_of(p);
                let count = |cloud: Cloud| ids.iter().filter(|(i, _)| i.cloud == cloud).count().to_string();
                t.add_row(vec![
                    format!("{}\n{}", p.display_name, p.key),
                    p.department.clone().unwrap_or_default(),
                    if p.is_leaver() { "LEFT".to_owned() } else { "active".to_owned() },
                    count(Cloud::Aws),
                    count(Cloud::Azure),
                    count(Cloud::Gcp),
                    directory.owned_by(p).len().to_string(),
                ]);
            }
            println!("{t}");
            println!(
                "{} person(s); {} identit(ies) linked to no person, {} ambiguous (`--format json` lists them).",
                directory.persons().len(),
                unlinked.len(),
                ambiguous.len()
            );
        }
    }
    Ok(0)
}
