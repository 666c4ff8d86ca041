//! The CLI's queries over HTTP, answering the same JSON documents as `--format json`
//! (`remit_history::answers`), of any snapshot.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Json,
    extract::{Query, State},
};
use remit_activity::{UsageRow, creep::distribution, window::Window};
use remit_store::SnapshotRow;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::{At, Page, snapshot_json};
use remit_auth::authorize::Action;

use crate::{caller::Caller, error::ApiError, state::AppState};

type Answer = Result<Json<Value>, ApiError>;

fn with_snapshot(mut answer: Value, snapshot: &SnapshotRow) -> Json<Value> {
    answer["snapshot"] = snapshot_json(snapshot);
    Json(answer)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::internal(&e))
}

/// A read of the selected snapshot's analysis: authorized, resolved, loaded (cached), asked on
/// a blocking thread (queries take from milliseconds to seconds of CPU), answered with the
/// snapshot.
async fn on_snapshot(
    state: &AppState,
    caller: &Caller,
    at: &At,
    ask: impl FnOnce(&remit_history::Loaded) -> Result<Value, ApiError> + Send + 'static,
) -> Answer {
    caller.must(state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(state).await?;
    let loaded = state.history.load(&snapshot).await?;
    let answer = blocking(move || ask(&loaded)).await??;
    Ok(with_snapshot(answer, &snapshot))
}

/// `who-can`'s question.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WhoCanQuery {
    /// `service:Action`.
    action: String,
    /// The resource's ARN (`*` for actions without one).
    resource: String,
}

/// Every principal that can perform the action on the resource, and how.
#[utoipa::path(get, path = "/api/who-can", tag = "queries", params(WhoCanQuery, At), responses((status = 200, description = "As `remit who-can --format json`")))]
pub(crate) async fn who_can(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<WhoCanQuery>,
    Query(at): Query<At>,
) -> Answer {
    on_snapshot(&state, &caller, &at, move |loaded| {
        if crate::api::cloud_of_resource_is_other(&q.resource) {
            let holders = loaded.estate.who_can(&q.action, &q.resource)?;
            return Ok(remit_history::answers::who_can(&q.action, &q.resource, &holders, loaded.estate.issues.len()));
        }
        let holders = loaded.analysis.who_can(&q.action, &q.resource)?;
        Ok(remit_history::answers::who_can(
            &q.action,
            &q.resource,
            &holders,
            loaded.analysis.environment().issues.len(),
        ))
    })
    .await
}

/// `what-can`'s question.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WhatCanQuery {
    /// The principal: an AWS ARN, an Entra object id or user principal name, a Google Cloud
    /// member (`user:…`, `serviceAccount:…`), or `person:EMAIL` for one person in every cloud.
    principal: String,
    /// Only this service prefix.
    service: Option<String>,
    /// Only this resource.
    resource: Option<String>,
}

/// Everything a principal can do.
#[utoipa::path(get, path = "/api/what-can", tag = "queries", params(WhatCanQuery, At), responses((status = 200, description = "As `remit what-can --format json`")))]
pub(crate) async fn what_can(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<WhatCanQuery>,
    Query(at): Query<At>,
) -> Answer {
    on_snapshot(&state, &caller, &at, move |loaded| {
        if let Some(person) = remit_estate::route::person_query(&q.principal) {
            let access = loaded.estate.person_access_beside(person, Some(&loaded.analysis))?;
            return Ok(remit_history::answers::person_access(&access));
        }
        if !q.principal.starts_with("arn:") {
            return match loaded.estate.what_can(&q.principal)? {
                remit_estate::WhatCan::Entitlements { principal, entitlements } => {
                    Ok(remit_history::answers::entitlements(&principal, &entitlements))
                }
                remit_estate::WhatCan::Aws { principal, permissions, .. } => {
                    Ok(remit_history::answers::what_can(&principal.id, &permissions))
                }
            };
        }
        let filter = remit_aws_analysis::WhatCanFilter {
            service: q.service.filter(|s| !s.is_empty()),
            resource: q.resource.filter(|s| !s.is_empty()),
            access_level: None,
        };
        let permissions = loaded.analysis.what_can(&q.principal, &filter)?;
        Ok(remit_history::answers::what_can(&q.principal, &permissions))
    })
    .await
}

/// `explain`'s question.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExplainQuery {
    /// The principal's ARN.
    principal: String,
    /// `service:Action`.
    action: String,
    /// The resource's ARN.
    resource: String,
}

/// Why a principal can or cannot perform an action on a resource: every layer's statements.
#[utoipa::path(get, path = "/api/explain", tag = "queries", params(ExplainQuery, At), responses((status = 200, description = "As `remit explain --format json`")))]
pub(crate) async fn explain(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<ExplainQuery>,
    Query(at): Query<At>,
) -> Answer {
    on_snapshot(&state, &caller, &at, move |loaded| {
        if crate::api::cloud_of_resource_is_other(&q.resource) {
            let (principal, explained) = loaded.estate.explain(&q.principal, &q.action, &q.resource)?;
            return Ok(remit_history::answers::explanation(&principal, &q.action, &q.resource, &explained));
        }
        let explained = loaded.analysis.explain(&q.principal, &q.action, &q.resource)?;
        Ok(remit_history::answers::explain(&explained, &q.action, &q.resource))
    })
    .await
}

/// `can-become`'s question: one of the two.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CanBecomeQuery {
    /// Who can become this role.
    role: Option<String>,
    /// What this principal can become.
    from: Option<String>,
}

/// Who can become a role, or what a principal can become.
#[utoipa::path(get, path = "/api/can-become", tag = "queries", params(CanBecomeQuery, At), responses((status = 200, description = "As `remit can-become --format json`")))]
pub(crate) async fn can_become(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<CanBecomeQuery>,
    Query(at): Query<At>,
) -> Answer {
    on_snapshot(&state, &caller, &at, move |loaded| {
        let (holders, what) = match (q.role, q.from) {
            (Some(role), None) => (loaded.analysis.can_become(&role)?, format!("can become {role}")),
            (None, Some(from)) => (loaded.analysis.can_become_from(&from)?, format!("{from} can become")),
            _ => return Err(ApiError::bad_request("give either role or from")),
        };
        Ok(remit_history::answers::can_become(&what, &holders))
    })
    .await
}

/// Resource grants that reach outside the environment or anyone.
#[utoipa::path(get, path = "/api/exposure", tag = "queries", params(At), responses((status = 200, description = "As `remit exposure --format json`")))]
pub(crate) async fn exposure(State(state): State<Arc<AppState>>, caller: Caller, Query(at): Query<At>) -> Answer {
    on_snapshot(&state, &caller, &at, |loaded| Ok(remit_history::answers::exposure(&loaded.analysis.exposure()))).await
}

/// Whose usage.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UsageQuery {
    /// Only this principal.
    principal: Option<String>,
}

fn time(t: i64) -> String {
    remit_findings::Timestamp::from_unix(t).to_string()
}

/// What was used, per principal, action and resource, from ingested activity.
#[utoipa::path(get, path = "/api/usage", tag = "queries", params(UsageQuery, Page),
    responses((status = 200, description = "`{total, offset, limit, items}`; sort: last_seen (default), principal, action, allowed, denied")))]
pub(crate) async fn usage(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<UsageQuery>,
    Query(page): Query<Page>,
) -> Answer {
    caller.must(&state, Action::Read, remit_auth::authorize::Resource::Environment(String::new())).await?;
    let rows = state.store.usage(q.principal.as_deref().filter(|p| !p.is_empty())).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|u| {
            json!({"principal": u.principal, "action": u.action, "resource": u.resource,
                "first_seen": time(u.counts.first_seen), "last_seen": time(u.counts.last_seen),
                "allowed": u.counts.allowed, "denied": u.counts.denied, "failed": u.counts.failed})
        })
        .collect();
    let mut page = page;
    if page.sort.is_none() && page.order.is_none() {
        page.order = Some("desc".to_owned());
    }
    Ok(Json(page.apply(items, "last_seen", "principal")?))
}

/// Whose unused permissions.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UnusedQuery {
    /// The principal's ARN.
    principal: String,
    /// Days of activity (default 90).
    days: Option<u32>,
}

/// A principal's granted actions with their last use in the window, and those never used.
#[utoipa::path(get, path = "/api/unused", tag = "queries", params(UnusedQuery, At), responses((status = 200, description = "As `remit unused --format json`"), (status = 404, description = "No activity ingested")))]
pub(crate) async fn unused(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<UnusedQuery>,
    Query(at): Query<At>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let days = q.days.unwrap_or(90).clamp(1, 3650);
    let window = creep_window(&state, days)
        .await?
        .ok_or_else(|| ApiError::not_found("no activity has been ingested: `remit ingest cloudtrail`"))?;
    let logs_from = state.store.coverage().await?.iter().map(|c| c.counts.first_seen).min().unwrap_or(window.end);
    let rows = state.store.usage(Some(&q.principal)).await?;
    let loaded = state.history.load(&snapshot).await?;
    let answer = blocking(move || -> Result<Value, ApiError> {
        Ok(remit_aws_activity::usage::unused(&loaded.analysis, &q.principal, &rows, window)?.to_json(logs_from))
    })
    .await??;
    Ok(with_snapshot(answer, &snapshot))
}

/// The window of the creep index.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CreepQuery {
    /// Days of activity (default 90).
    days: Option<u32>,
}

/// The creep window: `days` up to the last event ingested (`None` when none was), as
/// `remit creep` does by default.
async fn creep_window(state: &AppState, days: u32) -> Result<Option<Window>, ApiError> {
    let coverage = state.store.coverage().await?;
    let end = coverage.iter().map(|c| c.counts.last_seen).max();
    Ok(end.map(|e| Window::last_days(e + 1, days)))
}

async fn compute_creep(state: &AppState, snapshot: &SnapshotRow, days: u32) -> Result<Option<Value>, ApiError> {
    let Some(window) = creep_window(state, days).await? else {
        return Ok(None);
    };
    let usage = state.store.usage(None).await?;
    let last_seen: HashMap<String, i64> = state
        .store
        .principals(None)
        .await?
        .into_iter()
        .map(|p| (p.principal.to_string(), p.counts.last_seen))
        .collect();
    let loaded = state.history.load(snapshot).await?;
    let value = blocking(move || {
        use rayon::prelude::*;
        let mut by_principal: HashMap<&str, Vec<UsageRow>> = HashMap::new();
        for row in &usage {
            by_principal.entry(&row.principal).or_default().push(row.clone());
        }
        let principals: Vec<String> = loaded
            .analysis
            .principals()
            .filter(|p| matches!(p.kind, remit_model::PrincipalKind::User | remit_model::PrincipalKind::Role))
            .map(|p| p.id.clone())
            .collect();
        let empty = Vec::new();
        let mut scores: Vec<(String, u8, usize, usize)> = principals
            .par_iter()
            .filter_map(|p| {
                let rows = by_principal.get(p.as_str()).unwrap_or(&empty);
                let report = remit_aws_activity::usage::unused(&loaded.analysis, p, rows, window).ok()?;
                Some((p.clone(), report.creep.pci, report.actions.len(), report.unused().count()))
            })
            .collect();
        scores.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let inactive = principals.iter().filter(|p| last_seen.get(*p).is_none_or(|t| *t < window.start)).count();
        let d = distribution(scores.iter().map(|s| s.1));
        json!({
            "window": {"start": time(window.start), "end": time(window.end), "days": days},
            "organization": {"principals": d.principals, "buckets": {"low": d.buckets[0], "medium": d.buckets[1], "high": d.buckets[2]},
                "mean": d.mean, "median": d.median, "p90": d.p90, "max": d.max, "deciles": d.deciles, "inactive": inactive},
            "principals": scores.iter().map(|s| json!({"principal": s.0, "pci": s.1, "granted": s.2, "unused": s.3})).collect::<Vec<_>>(),
        })
    })
    .await?;
    Ok(Some(value))
}

/// The creep distribution of a snapshot over 90 days (cached per snapshot).
pub(crate) async fn creep_distribution(
    state: &AppState,
    snapshot: &SnapshotRow,
) -> Result<Option<Arc<Value>>, ApiError> {
    if let Some(hit) = state.derived(snapshot.id, "creep90") {
        return Ok((!hit.is_null()).then_some(hit));
    }
    let value = compute_creep(state, snapshot, 90).await?.unwrap_or(Value::Null);
    let stored = state.remember(snapshot.id, "creep90", value);
    Ok((!stored.is_null()).then_some(stored))
}

/// The Permission Creep Index of every user and role (docs/activity.md).
#[utoipa::path(get, path = "/api/creep", tag = "queries", params(CreepQuery, At), responses((status = 200, description = "As `remit creep --format json`"), (status = 404, description = "No activity ingested")))]
pub(crate) async fn creep(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<CreepQuery>,
    Query(at): Query<At>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    let days = q.days.unwrap_or(90).clamp(1, 3650);
    let value = if days == 90 {
        creep_distribution(&state, &snapshot).await?.map(|v| v.as_ref().clone())
    } else {
        compute_creep(&state, &snapshot, days).await?
    };
    let value = value.ok_or_else(|| ApiError::not_found("no activity has been ingested: `remit ingest cloudtrail`"))?;
    Ok(with_snapshot(value, &snapshot))
}

/// Whose policy to right-size.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RightsizeQuery {
    /// The principal's ARN.
    principal: String,
    /// Days of activity (default 90).
    days: Option<u32>,
}

/// A least-privilege policy from the principal's observed activity, verified by replay.
#[utoipa::path(get, path = "/api/rightsize", tag = "queries", params(RightsizeQuery, At), responses((status = 200, description = "The policy, its replay and what it removes")))]
pub(crate) async fn rightsize(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<RightsizeQuery>,
    Query(at): Query<At>,
) -> Answer {
    caller.must(&state, Action::Read, at.resource()).await?;
    let snapshot = at.resolve(&state).await?;
    // Without activity there is nothing to right-size from: an empty observation would
    // propose removing every permission (as `remit rightsize`, refuse; and use only the
    // window's activity).
    let days = q.days.unwrap_or(90).clamp(1, 3650);
    let window = creep_window(&state, days)
        .await?
        .ok_or_else(|| ApiError::not_found("no activity has been ingested: `remit ingest cloudtrail`"))?;
    let usage: Vec<UsageRow> = state
        .store
        .usage(Some(&q.principal))
        .await?
        .into_iter()
        .filter(|r| r.counts.last_seen >= window.start)
        .collect();
    let loaded = state.history.load(&snapshot).await?;
    let answer = blocking(move || -> Result<Value, ApiError> {
        let r = remit_aws_activity::rightsize::rightsize(&loaded.analysis, &q.principal, &usage, &[])?;
        let (kept, observed) = r.replay_counts();
        Ok(json!({
            "principal": r.principal, "window": {"start": time(window.start), "end": time(window.end), "days": days},
            "policy": r.policy, "replay_holds": r.replay_holds(), "replay": {"kept": kept, "observed": observed},
            "actions_before": r.actions_before, "actions_after": r.actions_after, "pairs_before": r.pairs_before, "pairs_after": r.pairs_after,
            "removed_actions": r.removed_actions.iter().take(500).collect::<Vec<_>>(),
            "replaces": {"managed": r.replaces.managed, "inline": r.replaces.inline, "groups": r.replaces.groups},
            "aws_cli": remit_aws_activity::rightsize::as_cli(&r), "terraform": remit_aws_activity::rightsize::as_terraform(&r),
        }))
    })
    .await??;
    Ok(with_snapshot(answer, &snapshot))
}
