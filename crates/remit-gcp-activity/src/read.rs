//! Files of Cloud Audit Logs into rollups, on every core.
//!
//! Why: the entry point the CLI and the store call; it counts each entry's permission checks as
//! usage, entries without checks as unmapped (by service and method, never dropped), and
//! gathers each file's problems with where they are.

use std::path::{Path, PathBuf};

use remit_activity::{
    Rollups,
    input::{self, Input, Issue, LogRead, walk},
};

use crate::audit::{Entry, entry};

/// Keys under which exports wrap their entries: `entries` (the `entries.list` response).
const WRAPPERS: &[&str] = &["entries"];

/// What reading gave, besides the rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStats {
    /// Entries read (also the malformed ones).
    pub records: u64,
    /// Audit entries with at least one permission check (counted in the usage rollups).
    pub usage: u64,
    /// Permission checks counted.
    pub checks: u64,
    /// Audit entries without `authorizationInfo` (counted by service and method as unmapped).
    pub unmapped: u64,
    /// Last entries of long-running operations whose first entry holds the checks.
    pub operation_ends: u64,
    /// Log entries that are not audit log entries (no `AuditLog` payload).
    pub other_entries: u64,
    /// Entries skipped as malformed (each an [`Issue`]).
    pub malformed: u64,
    /// Every file was read to its end.
    pub complete: bool,
}

impl FileStats {
    /// Adds another file's counts (`complete` only when both are).
    pub fn add(&mut self, other: &FileStats) {
        self.records += other.records;
        self.usage += other.usage;
        self.checks += other.checks;
        self.unmapped += other.unmapped;
        self.operation_ends += other.operation_ends;
        self.other_entries += other.other_entries;
        self.malformed += other.malformed;
        self.complete &= other.complete;
    }
}

/// What one or many files gave.
#[derive(Debug, Clone)]
pub struct Read {
    /// Usage, principals' activity, who was behind service accounts, unmapped calls, coverage.
    pub rollups: Rollups,
    /// Counts.
    pub stats: FileStats,
    /// Problems, in file order.
    pub issues: Vec<Issue>,
}

impl Default for Read {
    fn default() -> Read {
        Read {
            rollups: Rollups::new(),
            stats: FileStats { complete: true, ..FileStats::default() },
            issues: Vec::new(),
        }
    }
}

impl Read {
    /// Adds another read.
    pub fn merge(&mut self, other: Read) {
        self.rollups.merge(&other.rollups);
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

/// Reads one file of audit log entries (a JSON array, `{"entries":[…]}`, or one entry per
/// line), gzip or not.
pub fn read_file(location: &str, bytes: &[u8]) -> Read {
    let mut read = Read::default();
    let mut issues = Vec::new();
    let walked = walk(location, bytes, WRAPPERS, |position, value| {
        read.stats.records += 1;
        let audit = match value.and_then(|v| entry(&v)) {
            Ok(Entry::Audit(audit)) => audit,
            Ok(Entry::Other) => {
                read.stats.other_entries += 1;
                return;
            }
            Err(message) => {
                read.stats.malformed += 1;
                issues.push(position.issue(location, message));
                return;
            }
        };
        let Some((principal, kind)) = &audit.principal else {
            read.stats.malformed += 1;
            issues.push(position.issue(
                location,
                format!(
                    "{} {}: authenticationInfo names no principal (principalEmail or principalSubject)",
                    audit.service, audit.method
                ),
            ));
            return;
        };
        let time = audit.time;
        let rollups = &mut read.rollups;
        rollups.record_event(principal, *kind, &audit.account, &audit.parent, &audit.stream, time, audit.outcome);
        if let Some((identity_kind, identity)) = &audit.behind {
            rollups.record_identity(principal, *identity_kind, identity, time, audit.outcome);
        }
        if audit.checks.is_empty() {
            if audit.operation_end {
                read.stats.operation_ends += 1;
            } else {
                read.stats.unmapped += 1;
                rollups.record_unmapped(&audit.service, &audit.method, time, audit.outcome);
            }
            return;
        }
        read.stats.usage += 1;
        for check in &audit.checks {
            read.stats.checks += 1;
            rollups.record_usage(principal, &check.permission, &check.resource, time, check.outcome);
        }
    });
    read.stats.complete = walked.complete;
    read.issues = walked.issues;
    read.issues.extend(issues);
    read
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
