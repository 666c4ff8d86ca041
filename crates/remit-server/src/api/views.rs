//! What the console shows: snapshots, the dashboard, identities, resources, findings with their
//! suppressions, diffs and search.
//!
//! Lists are read from the snapshot's versions in the store (no analysis needed: they answer in
//! milliseconds); pages about one identity or resource load the snapshot's analysis (seconds
//! once, then cached) and ask the engine.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use remit_history::kinds;
use remit_store::{Outcome, SnapshotRow, SuppressionRow};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::{At, Page, SEVERITIES, severity_rank, snapshot_json};
use remit_auth::authorize::{Action, Resource};

use crate::{caller::Caller, error::ApiError, state::AppState};

type Answer = Result<Json<Value>, ApiError>;

/// Liveness and the version; no sign-in needed.
#[utoipa::path(get, path = "/healthz", tag = "views", responses((status = 200, description = "Serving")))]
pub(crate) async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

/// Every snapshot, newest first.
#[utoipa::path(get, path = "/api/snapshots", tag = "views", params(Page, EnvOnly),
    responses((status = 200, description = "`{total, offset, limit, items}`; sort: id, taken_at, env")))]
pub(crate) async fn snapshots(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(page): Query<Page>,
    Query(env): Query<EnvOnly>,
) -> Answer {
    caller.must(&state, Action::Read, Resource::Environment(env.env.clone().unwrap_or_default())).await?;
    let rows = state.store.snapshots(env.env.as_deref().filter(|e| !e.is_empty())).await?;
    let items: Vec<Value> = rows.iter().map(snapshot_json).collect();
    let mut page = page;
    if page.order.is_none() && page.sort.is_none() {
        page.order = Some("desc".to_owned());
    }
    Ok(Json(page.apply(items, "id", "id")?))
}

/// An environment's name, alone.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EnvOnly {
    /// Only this environment.
    env: Option<String>,
}

fn weight(severity: &str) -> u64 {
    match severity {
        "critical" => 10,
        "high" => 5,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Per principal: open findings and the highest severity, from the snapshot's finding versions.
async fn findings_by_principal(
    state: &AppState,
    snapshot: &SnapshotRow,
) -> Result<HashMap<String, (u64, usize, u64)>, ApiError> {
    let suppressed: std::collections::HashSet<String> =
        state.store.suppressions(&snapshot.env).await?.into_iter().map(|s| s.finding).collect();
    let mut by: HashMap<String, (u64, usize, u64)> = HashMap::new();
    for v in state.history.versions(snapshot, kinds::FINDING).await?.iter() {
        if v.meta.get("neutralized").and_then(Value::as_bool) == Some(true) || suppressed.contains(&v.key) {
            continue;
        }
        let severity = v.meta.get("severity").and_then(Value::as_str).unwrap_or("info");
        for p in v.meta.get("principals").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            let e = by.entry(p.to_owned()).or_insert((0, SEVERITIES.len(), 0));
            e.0 += 1;
            e.1 = e.1.min(severity_rank(severity));
            e.2 += weight(severity);
        }
    }
    Ok(by)
}

/// Counts, the findings trend over snapshots, the Permission Creep Index distribution and the
/// riskiest identities.
#[utoipa::path(get, path = "/api/dashboard", tag = "views", params(At), responses((status = 200, description = "The dashboard")))]
pub(crate) async fn dashboard(State(state): State<Arc<AppState>>, caller: Caller, Query(at): Query<At>) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let mut history = state.store.snapshots(Some(&snapshot.env)).await?;
    history.retain(|s| s.taken_at <= snapshot.taken_at);
    history.reverse();
    let trend: Vec<Value> = history
        .iter()
        .map(|s| {
            let by = s.summary.get("findings_by_severity").cloned().unwrap_or(json!({}));
            let mut point =
                json!({"snapshot": s.id, "taken_at": remit_findings::Timestamp::from_unix(s.taken_at).to_string()});
            for sev in SEVERITIES {
                point[sev] = json!(by.get(sev).and_then(Value::as_u64).unwrap_or(0));
            }
            point
        })
        .collect();
    let principals = state.history.versions(&snapshot, kinds::PRINCIPAL).await?;
    let meta: HashMap<&str, &Value> = principals.iter().map(|v| (v.key.as_str(), &v.meta)).collect();
    let by = findings_by_principal(&state, &snapshot).await?;
    let mut riskiest: Vec<Value> = by
        .iter()
        .filter(|(p, _)| meta.contains_key(p.as_str()))
        .map(|(p, (n, rank, score))| {
            let m = meta.get(p.as_str()).copied().cloned().unwrap_or(json!({}));
            json!({
                "principal": p, "name": m.get("name"), "kind": m.get("kind"), "account": m.get("account"),
                "findings": n, "highest_severity": SEVERITIES.get(*rank).copied().unwrap_or("info"), "score": score,
            })
        })
        .collect();
    riskiest.sort_by(|a, b| {
        b["score"]
            .as_u64()
            .cmp(&a["score"].as_u64())
            .then_with(|| a["principal"].as_str().cmp(&b["principal"].as_str()))
    });
    riskiest.truncate(10);
    let mut findings_by_severity = json!({});
    let summary_by = snapshot.summary.get("findings_by_severity").cloned().unwrap_or(json!({}));
    for sev in SEVERITIES {
        findings_by_severity[sev] = json!(summary_by.get(sev).and_then(Value::as_u64).unwrap_or(0));
    }
    let creep = super::queries::creep_distribution(&state, &snapshot).await?;
    Ok(Json(json!({
        "snapshot": snapshot_json(&snapshot),
        "counts": {
            "principals_by_cloud": snapshot.summary.get("principals_by_cloud"),
            "principals_by_kind": snapshot.summary.get("principals_by_kind"),
            "accounts": snapshot.summary.get("accounts"),
            "resources": snapshot.summary.get("resources"),
            "findings_by_severity": findings_by_severity,
        },
        "trend": trend,
        "creep": creep.as_ref().map(|c| c.get("organization").cloned()),
        "riskiest": riskiest,
    })))
}

/// Filters of the principal list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PrincipalFilter {
    /// `user`, `role` ...
    kind: Option<String>,
    /// The account.
    account: Option<String>,
}

/// Users and roles of a snapshot, with their open findings.
#[utoipa::path(get, path = "/api/principals", tag = "views", params(At, Page, PrincipalFilter),
    responses((status = 200, description = "`{total, offset, limit, items}`; sort: arn, name, kind, account, findings, actions, severity_rank")))]
pub(crate) async fn principals(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(at): Query<At>,
    Query(page): Query<Page>,
    Query(filter): Query<PrincipalFilter>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let by = findings_by_principal(&state, &snapshot).await?;
    let items: Vec<Value> = state
        .history
        .versions(&snapshot, kinds::PRINCIPAL)
        .await?
        .iter()
        .filter(|v| filter.kind.as_deref().is_none_or(|k| v.meta.get("kind").and_then(Value::as_str) == Some(k)))
        .filter(|v| filter.account.as_deref().is_none_or(|a| v.meta.get("account").and_then(Value::as_str) == Some(a)))
        .map(|v| {
            let (n, rank, _) = by.get(&v.key).copied().unwrap_or((0, SEVERITIES.len(), 0));
            json!({
                "arn": v.key, "name": v.meta.get("name"), "kind": v.meta.get("kind"), "account": v.meta.get("account"),
                "cloud": v.meta.get("cloud"), "actions": v.meta.get("actions"), "findings": n,
                "highest_severity": SEVERITIES.get(rank), "severity_rank": rank,
            })
        })
        .collect();
    let mut out = page.apply(items, "arn", "arn")?;
    out["snapshot"] = snapshot_json(&snapshot);
    Ok(Json(out))
}

/// One identity: who it is, its effective permissions by service and access level, what it
/// used and when, its findings, the roles it can become and its escalation paths.
#[utoipa::path(get, path = "/api/principals/{arn}", tag = "views", params(("arn" = String, Path, description = "The ARN, URL-encoded"), At),
    responses((status = 200, description = "The identity"), (status = 404, description = "Not in this snapshot")))]
pub(crate) async fn principal(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(arn): Path<String>,
    Query(at): Query<At>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let version = state
        .store
        .version(&snapshot, kinds::PRINCIPAL, &arn)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("`{arn}` is not in snapshot {}", snapshot.id)))?;
    let loaded = state.history.load(&snapshot).await?;
    let usage = state.store.usage(Some(&arn)).await?;
    let (all_findings, suppressions) = state.history.findings_shared(&snapshot).await?;
    let findings: Vec<Value> = all_findings
        .iter()
        .filter(|f| f.principals.iter().any(|p| p == &arn))
        .map(|f| summary_with(f, in_force(f, &suppressions)))
        .collect();
    let escalations: Vec<Value> = all_findings
        .iter()
        .filter(|f| !f.path.is_empty() && f.principals.iter().any(|p| p == &arn))
        .map(|f| {
            json!({"finding": f.id.to_string(), "title": f.title, "severity": f.severity.as_str(),
                "path": f.path.iter().map(|s| json!({"from": s.from, "to": s.to, "technique": s.technique, "description": s.description, "permissions": s.permissions, "conditional": !s.reach.is_allowed()})).collect::<Vec<_>>()})
        })
        .collect();
    if version.meta.get("cloud").and_then(Value::as_str).is_some_and(|c| c != "aws") {
        return other_cloud_principal(&snapshot, &version, &arn, &loaded, usage, findings, escalations).await;
    }
    let arn2 = arn.clone();
    let loaded2 = loaded.clone();
    let (permissions, becomes, profile) = tokio::task::spawn_blocking(move || {
        let analysis = &loaded2.analysis;
        let permissions = analysis.what_can(&arn2, &remit_aws_analysis::WhatCanFilter::default()).unwrap_or_default();
        let becomes = analysis.can_become_from(&arn2).unwrap_or_default();
        (permissions, becomes, profile(analysis, &arn2))
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let summary = remit_history::answers::permission_summary(&permissions);
    let levels = remit_aws_analysis::AccessLevel::ALL;
    let mut by_service = Vec::new();
    for (service, row) in &summary {
        for (level, (allowed, conditional)) in levels.iter().zip(row) {
            if allowed + conditional > 0 {
                by_service.push(json!({"service": service, "access_level": level.as_str(), "allowed": allowed, "conditional": conditional, "actions": allowed + conditional}));
            }
        }
    }
    let mut last_used: Vec<Value> = usage
        .iter()
        .map(|u| {
            json!({"action": u.action, "resource": u.resource,
                "first_seen": remit_findings::Timestamp::from_unix(u.counts.first_seen).to_string(),
                "last_seen": remit_findings::Timestamp::from_unix(u.counts.last_seen).to_string(),
                "allowed": u.counts.allowed, "denied": u.counts.denied, "failed": u.counts.failed})
        })
        .collect();
    last_used.sort_by(|a, b| b["last_seen"].as_str().cmp(&a["last_seen"].as_str()));
    last_used.truncate(100);
    Ok(Json(json!({
        "snapshot": snapshot_json(&snapshot),
        "principal": {"arn": arn, "name": version.meta.get("name"), "kind": version.meta.get("kind"),
            "account": version.meta.get("account"), "incomplete": version.meta.get("incomplete"), "profile": profile},
        "permissions": by_service,
        "actions_granted": permissions.len(),
        "last_used": last_used,
        "findings": findings,
        "can_become": becomes.iter().map(remit_history::answers::holder).collect::<Vec<_>>(),
        "escalations": escalations,
    })))
}

/// An Azure or Google Cloud identity: its entitlements (each grant's actions on its scope,
/// eligible ones marked) instead of AWS's service-by-access-level permissions.
async fn other_cloud_principal(
    snapshot: &remit_store::SnapshotRow,
    version: &remit_store::VersionRow,
    id: &str,
    loaded: &Arc<remit_history::Loaded>,
    usage: Vec<remit_activity::UsageRow>,
    findings: Vec<Value>,
    escalations: Vec<Value>,
) -> Answer {
    let loaded = loaded.clone();
    let id2 = id.to_owned();
    let answer = tokio::task::spawn_blocking(move || loaded.estate.what_can(&id2).ok())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let entitlements = match &answer {
        Some(remit_estate::WhatCan::Entitlements { entitlements, .. }) => entitlements.clone(),
        _ => Vec::new(),
    };
    let mut last_used: Vec<Value> = usage
        .iter()
        .map(|u| {
            json!({"action": u.action, "resource": u.resource,
                "first_seen": remit_findings::Timestamp::from_unix(u.counts.first_seen).to_string(),
                "last_seen": remit_findings::Timestamp::from_unix(u.counts.last_seen).to_string(),
                "allowed": u.counts.allowed, "denied": u.counts.denied, "failed": u.counts.failed})
        })
        .collect();
    last_used.sort_by(|a, b| b["last_seen"].as_str().cmp(&a["last_seen"].as_str()));
    last_used.truncate(100);
    Ok(Json(json!({
        "snapshot": snapshot_json(snapshot),
        "principal": {"arn": id, "name": version.meta.get("name"), "kind": version.meta.get("kind"),
            "account": version.meta.get("account"), "cloud": version.meta.get("cloud"),
            "incomplete": version.meta.get("incomplete"), "profile": {}},
        "permissions": [],
        "entitlements": entitlements.iter().map(remit_history::answers::entitlement).collect::<Vec<_>>(),
        "actions_granted": entitlements.len(),
        "last_used": last_used,
        "findings": findings,
        "can_become": [],
        "escalations": escalations,
    })))
}

/// Groups, policies, boundary and tags, from the environment.
fn profile(analysis: &remit_aws_analysis::AwsAnalysis, arn: &str) -> Value {
    for account in &analysis.environment().accounts {
        if let Some(u) = account.users.iter().find(|u| u.arn == arn) {
            return json!({"groups": u.groups, "attached_policies": u.attached_policies,
                "inline_policies": u.inline_policies.iter().map(|p| &p.name).collect::<Vec<_>>(),
                "permissions_boundary": u.permissions_boundary, "tags": u.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
                "created": u.create_date});
        }
        if let Some(r) = account.roles.iter().find(|r| r.arn == arn) {
            return json!({"groups": [], "attached_policies": r.attached_policies,
                "inline_policies": r.inline_policies.iter().map(|p| &p.name).collect::<Vec<_>>(),
                "permissions_boundary": r.permissions_boundary, "tags": r.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
                "created": r.create_date, "last_used": r.last_used, "instance_profiles": r.instance_profiles});
        }
    }
    json!({})
}

/// Resources of a snapshot.
#[utoipa::path(get, path = "/api/resources", tag = "views", params(At, Page),
    responses((status = 200, description = "`{total, offset, limit, items}`; sort: arn, service, account, findings")))]
pub(crate) async fn resources(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(at): Query<At>,
    Query(page): Query<Page>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let mut findings: HashMap<String, u64> = HashMap::new();
    for v in state.history.versions(&snapshot, kinds::FINDING).await?.iter() {
        for r in v.meta.get("resources").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            *findings.entry(r.to_owned()).or_default() += 1;
        }
    }
    let items: Vec<Value> = state
        .history
        .versions(&snapshot, kinds::RESOURCE)
        .await?
        .iter()
        .map(|v| {
            json!({"arn": v.key, "service": v.meta.get("service"), "account": v.meta.get("account"),
                "findings": findings.get(&v.key).copied().unwrap_or(0)})
        })
        .collect();
    let mut out = page.apply(items, "arn", "arn")?;
    out["snapshot"] = snapshot_json(&snapshot);
    Ok(Json(out))
}

/// The actions asked about a resource when none is given: what reads it, changes it and
/// changes who can (the actions attackers and auditors ask about first).
fn default_actions(arn: &str) -> Vec<(String, String)> {
    let service = arn.split(':').nth(2).unwrap_or("");
    let on = |a: &str| (a.to_owned(), arn.to_owned());
    match service {
        "s3" => vec![
            ("s3:GetObject".to_owned(), format!("{arn}/*")),
            ("s3:PutObject".to_owned(), format!("{arn}/*")),
            on("s3:PutBucketPolicy"),
        ],
        "kms" => vec![on("kms:Decrypt"), on("kms:Encrypt"), on("kms:PutKeyPolicy")],
        "sqs" => vec![on("sqs:ReceiveMessage"), on("sqs:SendMessage"), on("sqs:SetQueueAttributes")],
        "sns" => vec![on("sns:Subscribe"), on("sns:Publish"), on("sns:SetTopicAttributes")],
        "lambda" => vec![on("lambda:InvokeFunction"), on("lambda:UpdateFunctionCode"), on("lambda:AddPermission")],
        "secretsmanager" => vec![on("secretsmanager:GetSecretValue"), on("secretsmanager:PutResourcePolicy")],
        "ecr" => vec![on("ecr:BatchGetImage"), on("ecr:PutImage"), on("ecr:SetRepositoryPolicy")],
        "iam" if arn.contains(":role/") => {
            vec![on("sts:AssumeRole"), on("iam:PassRole"), on("iam:UpdateAssumeRolePolicy")]
        }
        "iam" if arn.contains(":user/") => {
            vec![on("iam:CreateAccessKey"), on("iam:CreateLoginProfile"), on("iam:AttachUserPolicy")]
        }
        _ => Vec::new(),
    }
}

/// The actions asked about one resource.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ResourceQuery {
    /// An action to ask about (default: what reads it, changes it and changes who can).
    action: Option<String>,
}

/// Who can access one resource, and how, for a few telling actions (or the one asked).
#[utoipa::path(get, path = "/api/resources/{arn}", tag = "views", params(("arn" = String, Path, description = "The ARN, URL-encoded"), At, ResourceQuery),
    responses((status = 200, description = "Holders per action")))]
pub(crate) async fn resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(arn): Path<String>,
    Query(at): Query<At>,
    Query(query): Query<ResourceQuery>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let version = state.store.version(&snapshot, kinds::RESOURCE, &arn).await?;
    let loaded = state.history.load(&snapshot).await?;
    let actions = match &query.action {
        Some(a) if !a.is_empty() => {
            let resource = if arn.starts_with("arn:aws:s3:::") && !arn.contains('/') && a.ends_with("Object") {
                format!("{arn}/*")
            } else {
                arn.clone()
            };
            vec![(a.clone(), resource)]
        }
        _ => default_actions(&arn),
    };
    let (all_findings, suppressions) = state.history.findings_shared(&snapshot).await?;
    let findings: Vec<Value> = all_findings
        .iter()
        .filter(|f| f.resources.iter().any(|r| r == &arn))
        .map(|f| summary_with(f, in_force(f, &suppressions)))
        .collect();
    let loaded2 = loaded.clone();
    let answers = tokio::task::spawn_blocking(move || {
        actions
            .iter()
            .map(|(action, resource)| match loaded2.analysis.who_can(action, resource) {
                Ok(holders) => json!({"action": action, "resource": resource, "holders": holders.iter().map(remit_history::answers::holder).collect::<Vec<_>>()}),
                Err(e) => json!({"action": action, "resource": resource, "error": e.to_string()}),
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(json!({
        "snapshot": snapshot_json(&snapshot),
        "resource": {"arn": arn, "known": version.is_some(), "service": version.as_ref().and_then(|v| v.meta.get("service").cloned()), "account": version.as_ref().and_then(|v| v.meta.get("account").cloned())},
        "access": answers,
        "findings": findings,
    })))
}

/// The suppression in force for a finding: its own (the analysis found it neutralized), else a
/// user's.
fn in_force<'a>(
    f: &'a remit_findings::Finding,
    users: &'a HashMap<String, remit_findings::Suppressed>,
) -> Option<&'a remit_findings::Suppressed> {
    f.suppressed.as_ref().or_else(|| users.get(&f.id.to_string()))
}

/// A finding's summary with the suppression in force (its own, or a user's).
fn summary_with(f: &remit_findings::Finding, suppressed: Option<&remit_findings::Suppressed>) -> Value {
    json!({
        "id": f.id.to_string(), "kind": f.kind.as_str(), "severity": f.severity.as_str(), "severity_rank": severity_rank(f.severity.as_str()),
        "title": f.title, "cloud": f.cloud, "rule": f.rule, "principals": f.principals, "resources": f.resources, "account": f.account,
        "conditional": !f.reach.is_allowed(), "first_seen": f.first_seen, "suppressed": suppressed,
    })
}

/// Filters of the finding list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FindingFilter {
    /// Only this severity.
    severity: Option<String>,
    /// Only this kind.
    kind: Option<String>,
    /// `false` (default): open findings; `true`: suppressed ones; `any`: both.
    suppressed: Option<String>,
    /// Only findings naming this principal.
    principal: Option<String>,
}

/// Findings of a snapshot.
#[utoipa::path(get, path = "/api/findings", tag = "views", params(At, Page, FindingFilter),
    responses((status = 200, description = "`{total, offset, limit, items}`; sort: severity_rank (default), kind, title, first_seen, id")))]
pub(crate) async fn findings(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(at): Query<At>,
    Query(page): Query<Page>,
    Query(filter): Query<FindingFilter>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let (all, suppressions) = state.history.findings_shared(&snapshot).await?;
    let want_suppressed = match filter.suppressed.as_deref() {
        None | Some("") | Some("false") => Some(false),
        Some("true") => Some(true),
        Some("any") => None,
        Some(other) => {
            return Err(ApiError::bad_request(format!("suppressed: `{other}`: expected true, false or any")));
        }
    };
    let items: Vec<Value> = all
        .iter()
        .map(|f| (f, in_force(f, &suppressions)))
        .filter(|(_, s)| want_suppressed.is_none_or(|want| want == s.is_some()))
        .filter(|(f, _)| filter.severity.as_deref().is_none_or(|s| s.is_empty() || f.severity.as_str() == s))
        .filter(|(f, _)| filter.kind.as_deref().is_none_or(|k| k.is_empty() || f.kind.as_str() == k))
        .filter(|(f, _)| filter.principal.as_deref().is_none_or(|p| f.principals.iter().any(|x| x == p)))
        .map(|(f, s)| summary_with(f, s))
        .collect();
    let mut page = page;
    if page.sort.is_none() && page.order.is_none() {
        page.order = Some("asc".to_owned());
    }
    let mut out = page.apply(items, "severity_rank", "id")?;
    out["snapshot"] = snapshot_json(&snapshot);
    Ok(Json(out))
}

/// One finding, whole: evidence, path, remediation, suppression.
#[utoipa::path(get, path = "/api/findings/{id}", tag = "views", params(("id" = String, Path, description = "The finding's id"), At),
    responses((status = 200, description = "The finding"), (status = 404, description = "Not in this snapshot")))]
pub(crate) async fn finding(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(at): Query<At>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let f = state
        .history
        .finding(&snapshot, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no finding {id} in snapshot {}", snapshot.id)))?;
    let mut out = serde_json::to_value(&f).map_err(|e| ApiError::internal(&e))?;
    out["snapshot"] = snapshot_json(&snapshot);
    Ok(Json(out))
}

/// A suppression.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SuppressBody {
    /// Why the risk is accepted (required).
    reason: String,
    /// Until when (`YYYY-MM-DD` or RFC 3339); none: until lifted.
    expires_at: Option<String>,
}

/// Suppresses a finding of the environment (security-analyst, admin), with a reason and an
/// optional expiry; audited.
#[utoipa::path(post, path = "/api/findings/{id}/suppression", tag = "views", request_body = SuppressBody,
    params(("id" = String, Path, description = "The finding's id"), At),
    responses((status = 201, description = "Suppressed"), (status = 403, description = "Your role may not suppress")))]
pub(crate) async fn suppress(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(at): Query<At>,
    Json(body): Json<SuppressBody>,
) -> Result<Response, ApiError> {
    caller.must(&state, Action::Suppress, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    if state.store.version(&snapshot, kinds::FINDING, &id).await?.is_none() {
        return Err(ApiError::not_found(format!("no finding {id} in snapshot {}", snapshot.id)));
    }
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request("reason: say why the risk is accepted"));
    }
    let now = remit_findings::Timestamp::now().unix();
    let expires_at = match body.expires_at.as_deref().filter(|e| !e.is_empty()) {
        Some(text) => {
            let t = remit_findings::Timestamp::parse(text)
                .map_err(|_| ApiError::bad_request(format!("expires_at: `{text}` is not YYYY-MM-DD or RFC 3339")))?
                .unix();
            if t <= now {
                return Err(ApiError::bad_request("expires_at: must be in the future"));
            }
            Some(t)
        }
        None => None,
    };
    let row = SuppressionRow {
        finding: id.clone(),
        env: snapshot.env.clone(),
        reason: reason.to_owned(),
        by: caller.user.clone(),
        created_at: now,
        expires_at,
    };
    let event = caller.event(
        "finding.suppress",
        &id,
        Outcome::Success,
        json!({"env": snapshot.env, "reason": reason, "expires_at": expires_at}),
    );
    state.store.suppress(&row, &event).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"finding": id, "env": snapshot.env, "reason": reason, "by": caller.user, "expires_at": expires_at}),
        ),
    )
        .into_response())
}

/// Lifts a finding's suppression (security-analyst, admin); audited.
#[utoipa::path(delete, path = "/api/findings/{id}/suppression", tag = "views",
    params(("id" = String, Path, description = "The finding's id"), At),
    responses((status = 204, description = "Lifted"), (status = 403, description = "Your role may not suppress")))]
pub(crate) async fn unsuppress(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(at): Query<At>,
) -> Result<StatusCode, ApiError> {
    caller.must(&state, Action::Suppress, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let event = caller.event("finding.unsuppress", &id, Outcome::Success, json!({"env": snapshot.env}));
    state.store.unsuppress(&snapshot.env, &id, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The two snapshots of a diff.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DiffQuery {
    /// The older snapshot (default: the one before `to`).
    from: Option<i64>,
    /// The newer snapshot (default: the newest of the environment).
    to: Option<i64>,
    /// The environment.
    env: Option<String>,
}

/// Principals, effective permissions and findings added and removed between two snapshots.
#[utoipa::path(get, path = "/api/diff", tag = "views", params(DiffQuery), responses((status = 200, description = "The changes")))]
pub(crate) async fn diff(State(state): State<Arc<AppState>>, caller: Caller, Query(q): Query<DiffQuery>) -> Answer {
    caller.must(&state, Action::Read, Resource::Environment(q.env.clone().unwrap_or_default())).await?;
    let to = At { env: q.env.clone(), at: None, snapshot: q.to }.resolve(&state).await?;
    let from = match q.from {
        Some(id) => At { env: None, at: None, snapshot: Some(id) }.resolve(&state).await?,
        None => match to.previous {
            Some(p) => At { env: None, at: None, snapshot: Some(p) }.resolve(&state).await?,
            None => {
                return Err(ApiError::not_found(format!("snapshot {} has no earlier snapshot to compare with", to.id)));
            }
        },
    };
    if from.env != to.env {
        return Err(ApiError::bad_request(format!(
            "snapshots {} and {} are of different environments",
            from.id, to.id
        )));
    }
    let d = state.history.diff(&from, &to).await?;
    let limit = 500;
    let grants_added: Vec<Value> = d.grants.iter().filter(|g| !g.added.is_empty()).map(|g| json!({"principal": g.principal, "count": g.added.len(), "lines": g.added.iter().take(limit).collect::<Vec<_>>()})).collect();
    let grants_removed: Vec<Value> = d.grants.iter().filter(|g| !g.removed.is_empty()).map(|g| json!({"principal": g.principal, "count": g.removed.len(), "lines": g.removed.iter().take(limit).collect::<Vec<_>>()})).collect();
    Ok(Json(json!({
        "from": snapshot_json(&from), "to": snapshot_json(&to),
        "principals": {"added": d.principals_added, "removed": d.principals_removed},
        "grants": {"added": grants_added, "removed": grants_removed},
        "findings": {"added": d.findings_added, "removed": d.findings_removed},
    })))
}

/// The search text.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// What to look for (in ARNs, names, finding titles and ids).
    q: String,
}

/// Principals, resources and findings matching a text (20 of each).
#[utoipa::path(get, path = "/api/search", tag = "views", params(SearchQuery, At), responses((status = 200, description = "Matches")))]
pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
    Query(at): Query<At>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let needle = q.q.trim().to_lowercase();
    if needle.is_empty() {
        return Err(ApiError::bad_request("q: give something to search for"));
    }
    let hit = |s: &str| s.to_lowercase().contains(&needle);
    let mut results: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for (kind, name) in [(kinds::PRINCIPAL, "principals"), (kinds::RESOURCE, "resources"), (kinds::FINDING, "findings")]
    {
        let mut found: Vec<Value> = state
            .history
            .versions(&snapshot, kind)
            .await?
            .iter()
            .filter(|v| {
                hit(&v.key)
                    || v.meta.get("name").and_then(Value::as_str).is_some_and(hit)
                    || v.meta.get("title").and_then(Value::as_str).is_some_and(hit)
            })
            .take(20)
            .map(|v| {
                let mut item = v.meta.clone();
                item["key"] = json!(v.key);
                item
            })
            .collect();
        found.truncate(20);
        results.insert(name, found);
    }
    Ok(Json(
        json!({"snapshot": snapshot_json(&snapshot), "q": q.q, "principals": results.get("principals"), "resources": results.get("resources"), "findings": results.get("findings")}),
    ))
}
