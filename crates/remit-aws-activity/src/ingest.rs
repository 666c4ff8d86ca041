//! Many log files into rollups, on every core, committed in batches.
//!
//! Idempotence: each file is named by the SHA-256 of its bytes. A file whose digest is already
//! in the ledger (or met earlier in the same run) is skipped, so ingesting the same logs again,
//! or a copy of them under another name, counts nothing twice. Each batch hands its rollups and
//! the ledger entries of the files they came from to one commit, which the store makes one
//! transaction: a crash loses at most the batch in flight, and never counts a file without
//! recording it (or the reverse).
//!
//! Memory stays flat however many events are read: files are read a few at a time (their
//! bytes dropped once read), and rollups grow with distinct (principal, action, resource)
//! keys, not with events.

use std::collections::HashSet;

use bytes::Bytes;
use rayon::prelude::*;
use remit_activity::Rollups;
use sha2::{Digest, Sha256};

use crate::read::{FileStats, Issue, read_file};

/// One file's bytes and where they came from.
#[derive(Debug, Clone)]
pub struct Input {
    /// A path, or `s3://bucket/key`.
    pub location: String,
    /// The file as stored (CloudTrail JSON, gzip or not, or OCSF Parquet).
    pub bytes: Vec<u8>,
}

/// A file queued: its bytes, or a path read when the queue is (on every core).
#[derive(Debug)]
enum Queued {
    Bytes(Input),
    Path(std::path::PathBuf),
}

impl Queued {
    fn into_input(self) -> Result<Input, Issue> {
        match self {
            Queued::Bytes(input) => Ok(input),
            Queued::Path(path) => {
                let location = path.display().to_string();
                match std::fs::read(&path) {
                    Ok(bytes) => Ok(Input { location, bytes }),
                    Err(err) => {
                        Err(Issue { location, offset: None, record: None, message: format!("cannot be read: {err}") })
                    }
                }
            }
        }
    }
}

/// The ledger entry of one file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    /// Lowercase hex SHA-256 of the file's bytes.
    pub digest: String,
    /// Where it was read from.
    pub location: String,
    /// Records read.
    pub records: u64,
    /// Whether it was read to its end.
    pub complete: bool,
    /// Problems reported.
    pub issues: u64,
}

/// What one commit holds: rollups and the files they came from.
#[derive(Debug, Default)]
pub struct Batch {
    /// The usage of the batch's files.
    pub rollups: Rollups,
    /// The files.
    pub sources: Vec<SourceEntry>,
}

/// Totals of a whole ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Files read.
    pub files: u64,
    /// Files skipped because the ledger already holds them.
    pub already_ingested: u64,
    /// Files skipped because the same bytes came earlier in this run.
    pub repeated: u64,
    /// Bytes of the files read (as stored).
    pub bytes: u64,
    /// What the records gave.
    pub stats: FileStats,
    /// Problems reported (also those not kept).
    pub issues: u64,
    /// Files that could not be read at all.
    pub unreadable: u64,
}

/// The account of a CloudTrail log file's name, `<account>_CloudTrail_<region>_…`
/// (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html>).
pub fn account_of_log_name(location: &str) -> Option<&str> {
    let name = location.rsplit('/').next()?;
    let (account, rest) = name.split_once('_')?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && rest.starts_with("CloudTrail_"))
        .then_some(account)
}

/// Problems kept in full (the rest are counted).
const ISSUES_KEPT: usize = 1_000;

/// Reads files into batches of rollups.
pub struct Ingester<C> {
    known: HashSet<String>,
    run: HashSet<String>,
    covered: HashSet<String>,
    pending: Vec<Queued>,
    pending_bytes: usize,
    batch: Batch,
    batch_records: u64,
    batch_records_limit: u64,
    commit: C,
    totals: Totals,
    issues: Vec<Issue>,
}

/// Files read together on every core.
const CHUNK_FILES: usize = 256;
/// Bytes (as stored) read together.
const CHUNK_BYTES: usize = 128 << 20;

impl<C, E> Ingester<C>
where
    C: FnMut(Batch) -> Result<(), E>,
{
    /// An ingester that skips the files whose digests are `known`, treats the accounts in
    /// `covered` as having their own logs ingested, and hands each batch to `commit`.
    pub fn new(known: HashSet<String>, covered: HashSet<String>, commit: C) -> Ingester<C> {
        Ingester {
            known,
            run: HashSet::new(),
            covered,
            pending: Vec::new(),
            pending_bytes: 0,
            batch: Batch::default(),
            batch_records: 0,
            batch_records_limit: 2_000_000,
            commit,
            totals: Totals::default(),
            issues: Vec::new(),
        }
    }

    /// Commits after about this many records (default 2 million).
    pub fn with_batch_records(mut self, records: u64) -> Self {
        self.batch_records_limit = records.max(1);
        self
    }

    /// Adds accounts whose own logs are being ingested (from the files' names, before they are
    /// read, so that the order files come in does not matter).
    pub fn cover(&mut self, accounts: impl IntoIterator<Item = String>) {
        self.covered.extend(accounts);
    }

    /// The totals so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Counts files the caller skipped without reading because the ledger holds them (S3
    /// objects already ingested whole are not downloaded).
    pub fn skipped_known(&mut self, files: u64) {
        self.totals.already_ingested += files;
    }

    /// Queues one file; reads the queue when it is full.
    pub fn add(&mut self, input: Input) -> Result<(), E> {
        self.pending_bytes += input.bytes.len();
        self.pending.push(Queued::Bytes(input));
        self.read_if_full()
    }

    /// Queues a file by its path: it is read from disk with the others of its chunk, on every
    /// core (a file that cannot be read is a problem reported with its path).
    pub fn add_path(&mut self, path: std::path::PathBuf, size: u64) -> Result<(), E> {
        self.pending_bytes += usize::try_from(size).unwrap_or(usize::MAX);
        self.pending.push(Queued::Path(path));
        self.read_if_full()
    }

    fn read_if_full(&mut self) -> Result<(), E> {
        if self.pending.len() >= CHUNK_FILES || self.pending_bytes >= CHUNK_BYTES {
            self.read_pending()?;
        }
        Ok(())
    }

    /// Reads the queued files: digests on every core, then (in order) the files already known
    /// are set aside, then the others are read on every core, each core into rollups of its
    /// own, merged at the end (a few merges per chunk rather than one per file).
    fn read_pending(&mut self) -> Result<(), E> {
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let loaded: Vec<Result<(String, Input), Issue>> = pending
            .into_par_iter()
            .map(|queued| queued.into_input().map(|input| (hex(&Sha256::digest(&input.bytes)), input)))
            .collect();
        let mut fresh = Vec::with_capacity(loaded.len());
        for loaded in loaded {
            let (digest, input) = match loaded {
                Ok(found) => found,
                Err(issue) => {
                    self.totals.issues += 1;
                    self.totals.unreadable += 1;
                    if self.issues.len() < ISSUES_KEPT {
                        self.issues.push(issue);
                    }
                    continue;
                }
            };
            if self.run.contains(&digest) {
                self.totals.repeated += 1;
                continue;
            }
            if self.known.contains(&digest) {
                self.totals.already_ingested += 1;
                continue;
            }
            self.run.insert(digest.clone());
            if let Some(account) = account_of_log_name(&input.location)
                && !self.covered.contains(account)
            {
                self.covered.insert(account.to_owned());
            }
            fresh.push((digest, input));
        }
        let covered = &self.covered;
        struct Part {
            rollups: Rollups,
            files: Vec<(SourceEntry, FileStats, Vec<Issue>, u64)>,
            buffer: Vec<u8>,
        }
        let parts: Vec<Part> = fresh
            .into_par_iter()
            .fold(
                || Part { rollups: Rollups::new(), files: Vec::new(), buffer: Vec::new() },
                |mut part, (digest, input)| {
                    // Handed over without a copy (Parquet reads from `Bytes`).
                    let bytes = Bytes::from(input.bytes);
                    let (stats, issues) =
                        read_file(&input.location, &bytes, &mut part.rollups, covered, &mut part.buffer);
                    let entry = SourceEntry {
                        digest,
                        location: input.location,
                        records: stats.records,
                        complete: stats.complete,
                        issues: issues.len() as u64,
                    };
                    part.files.push((entry, stats, issues, bytes.len() as u64));
                    part
                },
            )
            .collect();
        for part in parts {
            for (entry, stats, issues, bytes) in part.files {
                self.totals.files += 1;
                self.totals.bytes += bytes;
                if self.totals.files == 1 {
                    self.totals.stats.complete = true;
                }
                self.totals.stats.add(&stats);
                self.totals.issues += issues.len() as u64;
                let room = ISSUES_KEPT.saturating_sub(self.issues.len());
                self.issues.extend(issues.into_iter().take(room));
                self.batch_records += stats.records;
                self.batch.sources.push(entry);
            }
            if self.batch.rollups.is_empty() {
                self.batch.rollups = part.rollups;
            } else {
                self.batch.rollups.merge(&part.rollups);
            }
        }
        if self.batch_records >= self.batch_records_limit {
            self.commit_batch()?;
        }
        Ok(())
    }

    fn commit_batch(&mut self) -> Result<(), E> {
        if self.batch.sources.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.batch_records = 0;
        (self.commit)(batch)
    }

    /// Reads what is queued, commits the last batch, and returns the totals and the problems
    /// (the first thousand; `Totals::issues` counts them all).
    pub fn finish(mut self) -> Result<(Totals, Vec<Issue>), E> {
        if !self.pending.is_empty() {
            self.read_pending()?;
        }
        self.commit_batch()?;
        Ok((self.totals, self.issues))
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_from_cloudtrail_file_names() {
        assert_eq!(
            account_of_log_name(
                "AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/02/27/111122223333_CloudTrail_us-east-1_20260227T1005Z_AbCdEf0123456789.json.gz"
            ),
            Some("111122223333")
        );
        assert_eq!(account_of_log_name("logs/trail.json"), None);
        assert_eq!(account_of_log_name("12345_CloudTrail_x.json.gz"), None);
    }
}
