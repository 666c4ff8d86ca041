//! Files of Azure logs into rollups, on every core.
//!
//! Why: this is the entry point the CLI and the store call; it applies the one rule that needs
//! more than one record — an operation is counted once, by its terminal event — and gathers
//! each file's problems with where they are.
//!
//! Pairing: Azure logs a long-running write as `Started` (and sometimes `Accepted`) then
//! `Succeeded` or `Failed`, the events sharing `operationId` (REST) or `correlationId`
//! (diagnostic export) (<https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema>,
//! `status`, `operationId`). The terminal event is counted; a `Started`/`Accepted` event is
//! counted only when no terminal event of the same operation (id, action, resource) is in the
//! same file, so an operation whose end falls outside the file is still counted as used. Events
//! with no operation id are counted as they come.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
};

use remit_activity::{
    Counts, Rollups,
    input::{self, Input, Issue, LogRead, Position, walk},
};

use crate::{
    activity::{Activity, Phase, activity},
    assignments::Assignments,
    signin::{SignIns, is_signin, signin},
};

/// The coverage "region" of Activity Log events: the log is per subscription, not per region.
pub const ACTIVITY_STREAM: &str = "activity";
/// The coverage "region" of sign-in events (per tenant).
pub const SIGNIN_STREAM: &str = "signin";

/// Keys under which the exports wrap their records: `records` (Event Hub and the storage
/// format before 2018-11-01), `value` (REST and Microsoft Graph responses).
const WRAPPERS: &[&str] = &["records", "value"];

/// What reading gave, besides the rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStats {
    /// Records read (also the malformed ones).
    pub records: u64,
    /// Activity events that used an RBAC action (counted in the usage rollups).
    pub usage: u64,
    /// Activity events without an `authorization.action` (counted as unmapped).
    pub unmapped: u64,
    /// `Started`/`Accepted` events not counted because their operation's terminal event was.
    pub paired: u64,
    /// Successful sign-ins.
    pub signins: u64,
    /// Failed sign-ins (in the sign-in table, not in the principal's activity).
    pub failed_signins: u64,
    /// Records skipped as malformed (each an [`Issue`]).
    pub malformed: u64,
    /// Every file was read to its end.
    pub complete: bool,
}

impl FileStats {
    /// Adds another file's counts (`complete` only when both are).
    pub fn add(&mut self, other: &FileStats) {
        self.records += other.records;
        self.usage += other.usage;
        self.unmapped += other.unmapped;
        self.paired += other.paired;
        self.signins += other.signins;
        self.failed_signins += other.failed_signins;
        self.malformed += other.malformed;
        self.complete &= other.complete;
    }
}

/// What one or many files gave.
#[derive(Debug, Clone)]
pub struct Read {
    /// Usage, principals' activity, unmapped events, coverage.
    pub rollups: Rollups,
    /// Which role assignments granted the calls (from `evidence`).
    pub assignments: Assignments,
    /// Sign-ins per identity.
    pub signins: SignIns,
    /// Counts.
    pub stats: FileStats,
    /// Problems, in file order.
    pub issues: Vec<Issue>,
}

impl Default for Read {
    fn default() -> Read {
        Read {
            rollups: Rollups::new(),
            assignments: Assignments::default(),
            signins: SignIns::default(),
            stats: FileStats { complete: true, ..FileStats::default() },
            issues: Vec::new(),
        }
    }
}

impl Read {
    /// Adds another read.
    pub fn merge(&mut self, other: Read) {
        self.rollups.merge(&other.rollups);
        self.assignments.merge(&other.assignments);
        self.signins.merge(&other.signins);
        self.stats.add(&other.stats);
        self.issues.extend(other.issues);
    }
}

impl LogRead for Read {
    fn merge_read(&mut self, other: Read) {
        self.merge(other);
    }

    fn unreadable(issue: Issue) -> Read {
        Read { stats: FileStats { complete: false, ..FileStats::default() }, issues: vec![issue], ..Read::default() }
    }
}

type OperationKey = (String, String, String);

/// Reads one file: Activity Log records and sign-in records, in any of the shapes the crate
/// documents, mixed or not.
pub fn read_file(location: &str, bytes: &[u8]) -> Read {
    let mut read = Read::default();
    let mut issues = Vec::new();
    // Intermediate events held until the file is read, and the operations that ended.
    let mut held: Vec<(OperationKey, Activity, Position)> = Vec::new();
    let mut ended: HashSet<OperationKey> = HashSet::new();
    let walked = walk(location, bytes, WRAPPERS, |position, value| {
        read.stats.records += 1;
        let value = match value {
            Ok(value) => value,
            Err(message) => {
                read.stats.malformed += 1;
                issues.push(position.issue(location, message));
                return;
            }
        };
        if is_signin(&value) {
            match signin(&value) {
                Ok(s) => {
                    read.signins.add(&s);
                    if s.success {
                        read.stats.signins += 1;
                        let kind = match s.kind {
                            crate::SignInKind::User => remit_activity::CallerKind::User,
                            _ => remit_activity::CallerKind::Role,
                        };
                        read.rollups.record_event(
                            &s.principal,
                            kind,
                            &s.tenant,
                            &s.tenant,
                            SIGNIN_STREAM,
                            s.time,
                            remit_activity::Outcome::Allowed,
                        );
                    } else {
                        read.stats.failed_signins += 1;
                    }
                }
                Err(message) => {
                    read.stats.malformed += 1;
                    issues.push(position.issue(location, format!("sign-in record: {message}")));
                }
            }
            return;
        }
        match activity(&value) {
            Ok(event) => {
                let key = event.operation.as_ref().map(|op| {
                    let what = event.action.as_deref().unwrap_or(&event.name).to_ascii_lowercase();
                    (op.clone(), what, event.resource.clone())
                });
                match (event.phase, key) {
                    (Phase::Intermediate, Some(key)) => {
                        if ended.contains(&key) {
                            read.stats.paired += 1;
                        } else {
                            held.push((key, event, position));
                        }
                    }
                    (Phase::Terminal, Some(key)) => {
                        count(&mut read, &mut issues, location, position, &event);
                        ended.insert(key);
                    }
                    (_, None) => count(&mut read, &mut issues, location, position, &event),
                }
            }
            Err(message) => {
                read.stats.malformed += 1;
                issues.push(position.issue(location, message));
            }
        }
    });
    for (key, event, position) in held {
        if ended.contains(&key) {
            read.stats.paired += 1;
        } else {
            count(&mut read, &mut issues, location, position, &event);
        }
    }
    read.stats.complete = walked.complete;
    read.issues = walked.issues;
    read.issues.extend(issues);
    read
}

/// Counts one activity event.
fn count(read: &mut Read, issues: &mut Vec<Issue>, location: &str, position: Position, event: &Activity) {
    let Activity { time, outcome, .. } = *event;
    let Some(action) = &event.action else {
        // No RBAC action: counted by category and operation name, never dropped.
        read.stats.unmapped += 1;
        read.rollups.record_unmapped(&event.source, &event.name, time, outcome);
        if let Some((principal, kind)) = &event.principal {
            read.rollups.record_event(
                principal,
                *kind,
                &event.tenant,
                &event.subscription,
                ACTIVITY_STREAM,
                time,
                outcome,
            );
        }
        return;
    };
    let Some((principal, kind)) = &event.principal else {
        read.stats.malformed += 1;
        issues.push(position.issue(
            location,
            format!(
                "{action} on {}: no caller object id (claims oid, evidence principalId or a GUID caller)",
                event.resource
            ),
        ));
        return;
    };
    read.stats.usage += 1;
    read.rollups.record_event(principal, *kind, &event.tenant, &event.subscription, ACTIVITY_STREAM, time, outcome);
    read.rollups.record_usage(principal, action, &event.resource, time, outcome);
    if let Some(evidence) = &event.evidence {
        read.assignments.add(principal, action, evidence, Counts::one(time, outcome));
    }
}

/// Reads a file from disk; `Err` only when it cannot be read at all.
pub fn read_path(path: &Path) -> Result<Read, Issue> {
    input::read_path(path, read_file)
}

/// Reads many files on every core and merges them in the order given (files that cannot be
/// read are issues, and make the result incomplete).
pub fn read_paths(paths: &[PathBuf]) -> Read {
    input::read_paths(paths, read_file)
}

/// Reads many files' bytes on every core and merges them in the order given.
pub fn read_files(inputs: &[Input]) -> Read {
    input::read_files(inputs, read_file)
}
