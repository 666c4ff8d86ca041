//! What a principal holds against what it used: unused permissions and the Permission Creep
//! Index.
//!
//! Granted comes from the engine (effective permissions: every layer, not policy text), used
//! from the rollups; an action counts as used when some request of it got past authorization
//! (allowed, or failed for another reason) inside the window. A grant on `*` of an action that
//! names resources reaches every resource of the environment of that action's service (at least
//! one), so that a wildcard weighs what it can touch.

use std::collections::BTreeMap;

use remit_activity::{
    UsageRow,
    creep::{Reach, Score, score},
    window::Window,
};
use remit_aws_analysis::{AwsAnalysis, QueryError, WhatCanFilter};
use remit_aws_catalog::{AccessLevel, Catalog};

/// One granted action and its use.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionUse {
    /// The action.
    pub action: String,
    /// Its service prefix.
    pub service: String,
    /// Its highest access level.
    pub access_level: &'static str,
    /// The resource patterns it is granted on.
    pub granted_on: Vec<String>,
    /// The last authorized request inside the window (unix seconds), if any.
    pub last_used: Option<i64>,
    /// The last authorized request ever recorded, if any (may be before the window).
    pub last_used_ever: Option<i64>,
    /// Authorized requests inside the window.
    pub requests: u64,
    /// Denied requests inside the window.
    pub denied: u64,
    /// Granted patterns no request inside the window touched.
    pub unused_on: Vec<String>,
}

/// A principal's permissions against its use.
#[derive(Debug, Clone, PartialEq)]
pub struct Unused {
    /// The principal.
    pub principal: String,
    /// The window.
    pub window: Window,
    /// Every granted action, sorted by service and name.
    pub actions: Vec<ActionUse>,
    /// Actions it tried and was denied (not granted), with how often.
    pub denied_only: Vec<(String, u64)>,
    /// Its Permission Creep Index.
    pub creep: Score,
}

impl Unused {
    /// The report as JSON (`remit unused --format json` and the API's `/api/unused`), with the
    /// time the logs start (`logs_from`): before it, "unused" only means "not seen".
    pub fn to_json(&self, logs_from: i64) -> serde_json::Value {
        use remit_activity::window::format_time;
        let days = (self.window.end - self.window.start) / 86_400;
        serde_json::json!({
            "principal": self.principal,
            "window": {"start": format_time(self.window.start), "end": format_time(self.window.end), "days": days},
            "logsFrom": format_time(logs_from),
            "pci": self.creep.pci,
            "granted": self.actions.len(),
            "unused": self.unused().count(),
            "actions": self.actions.iter().map(|a| serde_json::json!({
                "action": a.action, "service": a.service, "accessLevel": a.access_level,
                "used": a.last_used.is_some(),
                "lastUsed": a.last_used.map(format_time), "lastUsedEver": a.last_used_ever.map(format_time),
                "requests": a.requests, "denied": a.denied, "grantedOn": a.granted_on, "unusedOn": a.unused_on,
            })).collect::<Vec<_>>(),
            "deniedNotGranted": self.denied_only.iter().map(|(a, n)| serde_json::json!({"action": a, "denied": n})).collect::<Vec<_>>(),
        })
    }

    /// The granted actions not used inside the window.
    pub fn unused(&self) -> impl Iterator<Item = &ActionUse> {
        self.actions.iter().filter(|a| a.last_used.is_none())
    }
}

/// The risk weight of an action for the creep index (`docs/activity.md`).
pub fn risk_weight(level: AccessLevel) -> f64 {
    match level {
        AccessLevel::PermissionsManagement => 1.0,
        AccessLevel::Write => 0.5,
        AccessLevel::Read => 0.25,
        AccessLevel::List | AccessLevel::Tagging => 0.1,
    }
}

fn level_name(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::List => "List",
        AccessLevel::Read => "Read",
        AccessLevel::Write => "Write",
        AccessLevel::PermissionsManagement => "Permissions management",
        AccessLevel::Tagging => "Tagging",
    }
}

fn highest(levels: &[AccessLevel]) -> AccessLevel {
    let rank = |l: &AccessLevel| match l {
        AccessLevel::PermissionsManagement => 4,
        AccessLevel::Write => 3,
        AccessLevel::Read => 2,
        AccessLevel::Tagging => 1,
        AccessLevel::List => 0,
    };
    levels.iter().copied().max_by_key(rank).unwrap_or(AccessLevel::Read)
}

/// IAM's wildcard match (`*` any run, `?` one character), for resource patterns against
/// patterns: a used pattern covers a granted one when it matches it read as text.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a request recorded on `used` touched something the grant `granted` names.
pub(crate) fn touches(granted: &str, used: &str) -> bool {
    used == "*" || granted == "*" || glob(granted, used) || glob(used, granted)
}

/// The principal's granted actions against `usage` (its rows) inside `window`.
pub fn unused(
    analysis: &AwsAnalysis,
    principal: &str,
    usage: &[UsageRow],
    window: Window,
) -> Result<Unused, QueryError> {
    let catalog = Catalog::aws();
    let permissions = analysis.what_can(principal, &WhatCanFilter::default())?;
    let mut by_action: BTreeMap<&str, Vec<&UsageRow>> = BTreeMap::new();
    for row in usage {
        by_action.entry(&row.action).or_default().push(row);
    }
    let resources_of_service = |service: &str| {
        analysis
            .environment()
            .accounts
            .iter()
            .flat_map(|a| &a.resources)
            .filter(|r| r.service == service)
            .count()
            .max(1) as u64
    };
    let mut actions = Vec::new();
    let mut reach = Vec::new();
    for permission in &permissions {
        let rows = by_action.remove(permission.action.as_str()).unwrap_or_default();
        let in_window: Vec<&&UsageRow> =
            rows.iter().filter(|r| r.counts.authorized() > 0 && r.counts.last_seen >= window.start).collect();
        let granted_on: Vec<String> = permission.resources.iter().map(|(r, _)| r.clone()).collect();
        let unused_on: Vec<String> =
            granted_on.iter().filter(|g| !in_window.iter().any(|r| touches(g, &r.resource))).cloned().collect();
        let level = highest(&permission.access_levels);
        let wildcard_only = catalog
            .action(&permission.action)
            .and_then(|id| catalog.action_info(id))
            .is_some_and(|a| a.is_wildcard_only());
        let weigh = |patterns: &[String]| -> u64 {
            patterns
                .iter()
                .map(|p| if p == "*" && !wildcard_only { resources_of_service(&permission.service) } else { 1 })
                .sum()
        };
        reach.push(Reach { weight: risk_weight(level), resources: weigh(&granted_on), unused: weigh(&unused_on) });
        actions.push(ActionUse {
            action: permission.action.clone(),
            service: permission.service.clone(),
            access_level: level_name(level),
            last_used: in_window.iter().map(|r| r.counts.last_seen).max(),
            last_used_ever: rows.iter().filter(|r| r.counts.authorized() > 0).map(|r| r.counts.last_seen).max(),
            requests: in_window.iter().map(|r| r.counts.authorized()).sum(),
            denied: rows.iter().filter(|r| r.counts.last_seen >= window.start).map(|r| r.counts.denied).sum(),
            granted_on,
            unused_on,
        });
    }
    let denied_only = by_action
        .into_iter()
        .map(|(action, rows)| (action.to_owned(), rows.iter().map(|r| r.counts.denied).sum::<u64>()))
        .filter(|(_, n)| *n > 0)
        .collect();
    Ok(Unused { principal: principal.to_owned(), window, actions, denied_only, creep: score(reach) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*"));
        assert!(glob("arn:aws:secretsmanager:r:1:secret:db-??????", "arn:aws:secretsmanager:r:1:secret:db-AbCdEf"));
        assert!(!glob("arn:aws:s3:::b", "arn:aws:s3:::b/x"));
        assert!(glob("*", "anything"));
        assert!(touches("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*"));
        assert!(!touches("arn:aws:s3:::a/*", "arn:aws:s3:::b/*"));
    }
}
