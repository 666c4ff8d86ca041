//! `remit ingest azure` and `remit ingest gcp`: Azure's Activity Log and Entra sign-ins, and
//! Google Cloud's audit logs, into the same usage store as CloudTrail.
//!
//! The store is cloud-neutral (principal, action, resource, outcome), so unused permissions,
//! the creep index and right-sizing read every cloud's usage alike. As for CloudTrail, a file is
//! known by the SHA-256 of its bytes (ingesting it again counts nothing twice), and each batch of
//! files commits with its ledger entries and its audit record in one transaction.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rayon::prelude::*;
use remit_activity::Rollups;
use remit_store::LedgerEntry;
use serde_json::json;

use crate::queries::Format;
use crate::{EXIT_OK, EXIT_SOME_FAILED};

/// Which cloud's logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogCloud {
    /// Azure Activity Log and Entra sign-in logs.
    Azure,
    /// Google Cloud audit logs.
    Gcp,
}

impl LogCloud {
    fn name(self) -> &'static str {
        match self {
            LogCloud::Azure => "azure",
            LogCloud::Gcp => "gcp",
        }
    }
}

/// One file read: what it adds, and how the reading went.
struct FileRead {
    path: PathBuf,
    digest: String,
    rollups: Rollups,
    records: u64,
    complete: bool,
    issues: Vec<String>,
}

/// Every file under `paths` that may hold logs: files as given, directories walked for JSON,
/// JSON Lines and their gzip forms.
fn files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let wanted = |p: &Path| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        [".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".log"].iter().any(|e| name.ends_with(e))
    };
    Ok(crate::activity::files_under(paths, wanted)?.into_iter().map(|(path, _)| path).collect())
}

/// Reads one file with its cloud's reader.
fn read_one(cloud: LogCloud, path: &Path) -> anyhow::Result<FileRead> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let digest = remit_store::sha256_hex(&bytes);
    let location = path.display().to_string();
    let (rollups, records, complete, issues) = match cloud {
        LogCloud::Azure => {
            let read = remit_azure_activity::read_file(&location, &bytes);
            (read.rollups, read.stats.records, read.stats.complete, read.issues.iter().map(|i| i.to_string()).collect())
        }
        LogCloud::Gcp => {
            let read = remit_gcp_activity::read_file(&location, &bytes);
            (read.rollups, read.stats.records, read.stats.complete, read.issues.iter().map(|i| i.to_string()).collect())
        }
    };
    Ok(FileRead { path: path.to_path_buf(), digest, rollups, records, complete, issues })
}

/// `remit ingest azure|gcp PATH...`.
pub(crate) fn ingest(
    cloud: LogCloud,
    paths: &[PathBuf],
    data_dir: Option<&Path>,
    format: Format,
) -> anyhow::Result<u8> {
    let data_dir = crate::activity::data_dir_or_error(data_dir)?;
    let rt = crate::activity::runtime()?;
    let store = crate::activity::open_store(&rt, &data_dir)?;
    let known = rt.block_on(store.ingested_digests())?;
    let started = std::time::Instant::now();
    let files = files(paths)?;
    let bar = match format {
        Format::Table => indicatif::ProgressBar::new(files.len() as u64),
        Format::Json => indicatif::ProgressBar::hidden(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut read_files, mut skipped, mut records, mut issue_count) = (0u64, 0u64, 0u64, 0u64);
    let mut shown_issues: Vec<String> = Vec::new();
    // Batches of files read on every core, each committed in one transaction.
    for chunk in files.chunks(64) {
        let reads: Vec<anyhow::Result<FileRead>> = chunk.par_iter().map(|p| read_one(cloud, p)).collect();
        let mut rollups = Rollups::new();
        let mut ledger = Vec::new();
        for read in reads {
            let read = read?;
            bar.inc(1);
            if known.contains(&read.digest) || ledger.iter().any(|l: &LedgerEntry| l.digest == read.digest) {
                skipped += 1;
                continue;
            }
            read_files += 1;
            records += read.records;
            issue_count += read.issues.len() as u64;
            for issue in read.issues.iter().take(5usize.saturating_sub(shown_issues.len())) {
                shown_issues.push(format!("{}: {issue}", read.path.display()));
            }
            rollups.merge(&read.rollups);
            ledger.push(LedgerEntry {
                digest: read.digest,
                location: read.path.display().to_string(),
                records: read.records,
                complete: read.complete,
                issues: read.issues.len() as u64,
            });
        }
        if ledger.is_empty() {
            continue;
        }
        let event = crate::service::cli_event(
            "activity.ingest",
            &format!("{} logs", cloud.name()),
            json!({
                "cloud": cloud.name(),
                "files": ledger.len(),
                "first": ledger.first().map(|l| l.location.as_str()),
                "last": ledger.last().map(|l| l.location.as_str()),
                "records": ledger.iter().map(|l| l.records).sum::<u64>(),
                "issues": ledger.iter().map(|l| l.issues).sum::<u64>(),
            }),
        );
        rt.block_on(store.commit_activity(&rollups, &ledger, &event))?;
    }
    bar.finish_and_clear();
    rt.block_on(store.close());
    let elapsed = started.elapsed().as_secs_f64();
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "cloud": cloud.name(),
                "files": read_files,
                "skipped": skipped,
                "records": records,
                "issues": issue_count,
                "firstIssues": shown_issues,
                "seconds": elapsed,
            }))?
        ),
        Format::Table => {
            println!(
                "{} logs: {read_files} file(s) read ({skipped} already ingested), {records} records, {issue_count} issue(s), {elapsed:.2} s",
                cloud.name()
            );
            for issue in &shown_issues {
                eprintln!("remit: {issue}");
            }
        }
    }
    Ok(if issue_count > 0 { EXIT_SOME_FAILED } else { EXIT_OK })
}
