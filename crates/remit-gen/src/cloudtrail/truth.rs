//! `activity-truth.json`: what the generator did, counted as it wrote it.
//!
//! The truth is kept per actor and call (bounded by the spec, not by the records), and says
//! which calls each principal made with which outcome, when first and last, who started each
//! role's sessions, and how many records of each other kind were written, so that a reader of
//! the logs can be checked call by call and record by record. Labels are the caller's own
//! (never written into records): the truth is how the caller recognizes its calls.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{
    plan::{Plan, Who},
    schedule::Start,
};

/// Counts of one call.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stat {
    allowed: u64,
    denied: u64,
    failed: u64,
    first: i64,
    last: i64,
}

impl Default for Stat {
    fn default() -> Stat {
        Stat { allowed: 0, denied: 0, failed: 0, first: i64::MAX, last: i64::MIN }
    }
}

impl Stat {
    fn add(&mut self, denied: bool, failed: bool, t: i64) {
        if denied {
            self.denied += 1;
        } else if failed {
            self.failed += 1;
        } else {
            self.allowed += 1;
        }
        self.first = self.first.min(t);
        self.last = self.last.max(t);
    }

    fn merge(&mut self, other: &Stat) {
        self.allowed += other.allowed;
        self.denied += other.denied;
        self.failed += other.failed;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }

    fn total(&self) -> u64 {
        self.allowed + self.denied + self.failed
    }
}

/// Records by kind. `records` = `api_calls` + `cross_account_copies` + (`session_starts` −
/// `session_starts_by_actors`) + `console_sign_ins` + `service_events`.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    /// Calls of actors, each counted once (a cross-account call's two copies are one call).
    pub(super) api_calls: u64,
    /// Second copies of cross-account calls, delivered to the resource's owner.
    pub(super) cross_account_copies: u64,
    /// STS calls that started a role's session.
    pub(super) session_starts: u64,
    /// Of those, the ones an actor made (also in `api_calls`, as its `sts:AssumeRole`).
    pub(super) session_starts_by_actors: u64,
    pub(super) console_sign_ins: u64,
    /// `AwsServiceEvent` records: Identity Center sign-ins and KMS key rotations.
    pub(super) service_events: u64,
}

#[derive(Default)]
struct Sessions {
    count: u64,
    callers: BTreeSet<String>,
    federated: BTreeSet<String>,
    source_identities: BTreeSet<String>,
}

/// A principal's entry: its first actor, its calls by (label, resource), its console sign-ins.
type Principal = (usize, BTreeMap<(String, Option<String>), Stat>, u64);

/// The truth being accumulated.
pub(super) struct Truth {
    pub(super) counts: Counts,
    calls: Vec<Vec<Stat>>,
    denied: Vec<Vec<Stat>>,
    assumes: Vec<BTreeMap<String, Stat>>,
    console: Vec<u64>,
    sessions: Vec<Sessions>,
}

impl Truth {
    pub(super) fn new(plan: &Plan<'_>) -> Truth {
        Truth {
            counts: Counts::default(),
            calls: plan.actors.iter().map(|a| vec![Stat::default(); a.calls.len()]).collect(),
            denied: plan.actors.iter().map(|a| vec![Stat::default(); a.denied.len()]).collect(),
            assumes: plan.actors.iter().map(|_| BTreeMap::new()).collect(),
            console: vec![0; plan.actors.len()],
            sessions: plan.actors.iter().map(|_| Sessions::default()).collect(),
        }
    }

    pub(super) fn call(&mut self, actor: usize, denied: bool, call: usize, failed: bool, t: i64) {
        self.counts.api_calls += 1;
        let list = if denied { self.denied.get_mut(actor) } else { self.calls.get_mut(actor) };
        if let Some(stat) = list.and_then(|l| l.get_mut(call)) {
            stat.add(denied, failed, t);
        }
    }

    /// An actor's `sts:AssumeRole` that started a session of `role`.
    pub(super) fn assume(&mut self, actor: usize, role: &str, t: i64) {
        self.counts.api_calls += 1;
        self.counts.session_starts_by_actors += 1;
        if let Some(map) = self.assumes.get_mut(actor) {
            map.entry(role.to_owned()).or_default().add(false, false, t);
        }
    }

    pub(super) fn console_sign_in(&mut self, actor: usize) {
        self.counts.console_sign_ins += 1;
        if let Some(n) = self.console.get_mut(actor) {
            *n += 1;
        }
    }

    /// A session of role `actor` started by `caller` (an ARN, an AWS service, `external:<account>`).
    pub(super) fn session(&mut self, actor: usize, caller: Option<String>, start: &Start) {
        let Some(sessions) = self.sessions.get_mut(actor) else { return };
        sessions.count += 1;
        if let Some(caller) = caller {
            sessions.callers.insert(caller);
        }
        if let Some(federated) = &start.federated {
            sessions.federated.insert(federated.clone());
        }
        if let Some(source) = &start.source_identity {
            sessions.source_identities.insert(source.clone());
        }
    }

    /// The document, deterministic and sorted.
    pub(super) fn to_json(&self, plan: &Plan<'_>, records: u64, files: u64) -> Value {
        // Principals by ARN (an ARN given twice is one principal); calls by (label, resource).
        let mut principals: BTreeMap<&str, Principal> = BTreeMap::new();
        let mut inactive = BTreeSet::new();
        for (idx, profile) in plan.actors.iter().enumerate() {
            if profile.actor.weight <= 0.0 {
                inactive.insert(profile.actor.arn.as_str());
                continue;
            }
            let entry = principals.entry(profile.actor.arn.as_str()).or_insert((idx, BTreeMap::new(), 0));
            entry.2 += self.console.get(idx).copied().unwrap_or(0);
            let lists = [(&profile.calls, self.calls.get(idx)), (&profile.denied, self.denied.get(idx))];
            for (infos, stats) in lists {
                let Some(stats) = stats else { continue };
                for (info, stat) in infos.iter().zip(stats) {
                    if stat.total() == 0 {
                        continue;
                    }
                    let key = (info.call.label.clone(), info.call.resource.clone());
                    entry.1.entry(key).or_default().merge(stat);
                }
            }
            if let Some(assumes) = self.assumes.get(idx) {
                for (role, stat) in assumes {
                    entry.1.entry(("sts:AssumeRole".to_owned(), Some(role.clone()))).or_default().merge(stat);
                }
            }
        }
        let principals: Vec<Value> = principals
            .into_iter()
            .map(|(arn, (idx, calls, console))| {
                let profile = plan.actors.get(idx);
                let calls: Vec<Value> = calls
                    .into_iter()
                    .map(|((label, resource), s)| {
                        json!({"label": label, "resource": resource, "allowed": s.allowed, "denied": s.denied,
                               "failed": s.failed, "first": s.first, "last": s.last})
                    })
                    .collect();
                json!({
                    "arn": arn,
                    "account": profile.map(|p| p.actor.account.as_str()),
                    "kind": profile.map(|p| kind_name(&p.who)),
                    "human": profile.is_some_and(|p| p.actor.human),
                    "utcOffsetHours": profile.map_or(0, |p| p.tz),
                    "consoleSignIns": console,
                    "calls": calls,
                })
            })
            .collect();
        let mut sessions: BTreeMap<&str, Sessions> = BTreeMap::new();
        for (idx, profile) in plan.actors.iter().enumerate() {
            let Some(s) = self.sessions.get(idx) else { continue };
            if s.count == 0 {
                continue;
            }
            let entry = sessions.entry(profile.actor.arn.as_str()).or_default();
            entry.count += s.count;
            entry.callers.extend(s.callers.iter().cloned());
            entry.federated.extend(s.federated.iter().cloned());
            entry.source_identities.extend(s.source_identities.iter().cloned());
        }
        let sessions: Vec<Value> = sessions
            .into_iter()
            .map(|(role, s)| {
                let kind = plan.actors.iter().find(|p| p.actor.arn == role).map(|p| &p.who);
                let (users, subjects) = match kind {
                    Some(Who::IdentityCenter { .. }) => (s.federated, BTreeSet::new()),
                    Some(Who::WebIdentity { .. }) => (BTreeSet::new(), s.federated),
                    _ => (BTreeSet::new(), BTreeSet::new()),
                };
                json!({
                    "role": role,
                    "sessions": s.count,
                    "callers": s.callers,
                    "identityCenterUsers": users,
                    "webIdentitySubjects": subjects,
                    "sourceIdentities": s.source_identities,
                })
            })
            .collect();
        let c = &self.counts;
        json!({
            "format": "remit-gen-activity-truth",
            "version": 1,
            "seed": plan.seed,
            "start": plan.start,
            "end": plan.end,
            "organizationId": plan.organization_id,
            "records": records,
            "files": files,
            "counts": {
                "apiCalls": c.api_calls,
                "crossAccountCopies": c.cross_account_copies,
                "sessionStarts": c.session_starts,
                "sessionStartsByActors": c.session_starts_by_actors,
                "consoleSignIns": c.console_sign_ins,
                "serviceEvents": c.service_events,
            },
            "principals": principals,
            "sessions": sessions,
            "inactive": inactive,
        })
    }
}

fn kind_name(who: &Who) -> &'static str {
    match who {
        Who::User => "user",
        Who::Root => "root",
        Who::Role { .. } => "role",
        Who::ServiceLinked { .. } => "service-linked-role",
        Who::IdentityCenter { .. } => "identity-center-role",
        Who::WebIdentity { .. } => "web-identity-role",
    }
}
