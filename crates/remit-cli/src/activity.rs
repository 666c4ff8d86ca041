//! `remit ingest cloudtrail`, `remit usage`, `remit unused`, `remit rightsize` and
//! `remit creep`: logs into the store, and usage against permissions.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::Context as _;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use remit_activity::{
    UsageRow,
    creep::{Bucket, distribution},
    window::{Window, format_date, format_time, parse_time},
};
use remit_aws_activity::{Batch, Ingester, Input, Issue, Totals, account_of_log_name, rightsize, usage};
use remit_store::{LedgerEntry, Store};
use serde_json::{Value, json};

use crate::{EXIT_OK, EXIT_SOME_FAILED, queries::Format};

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// The store: `--database` when given, else the one in the data directory.
pub(crate) fn open_store(rt: &tokio::runtime::Runtime, data_dir: &Path) -> anyhow::Result<Store> {
    if let Some(url) = crate::service::database() {
        return rt.block_on(Store::connect(url)).context("cannot open the database given by --database");
    }
    rt.block_on(Store::open(data_dir)).with_context(|| format!("cannot open Remit's store in {}", data_dir.display()))
}

pub(crate) fn data_dir_or_error(data_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    crate::scan::data_dir(data_dir).context("no data directory: give --data-dir, or set XDG_DATA_HOME or HOME")
}

/// Whether a file name is a log file ingest reads (CloudTrail's digests are not).
fn is_log_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let text = path.to_string_lossy();
    if text.contains("CloudTrail-Digest") {
        return false;
    }
    // `.parquet`: Security Lake's OCSF (`….gz.parquet`, `….zstd.parquet`), told apart by its bytes.
    [".json.gz", ".json", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".parquet"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Every log file under `paths` (files as given, directories walked), sorted, with its size.
fn log_files(paths: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, u64)>> {
    files_under(paths, is_log_file)
}

/// Every file under `paths` that `wanted` accepts (files as given, whatever their name;
/// directories walked), sorted, with its size.
pub(crate) fn files_under(paths: &[PathBuf], wanted: impl Fn(&Path) -> bool) -> anyhow::Result<Vec<(PathBuf, u64)>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        if meta.is_file() {
            out.push((path.clone(), meta.len()));
            continue;
        }
        let mut stack = vec![path.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list `{}`", dir.display()))? {
                let entry = entry.with_context(|| format!("cannot list `{}`", dir.display()))?;
                let p = entry.path();
                let kind = entry.file_type().with_context(|| format!("cannot read `{}`", p.display()))?;
                if kind.is_dir() {
                    stack.push(p);
                } else if wanted(&p) {
                    let size = entry.metadata().map_or(0, |m| m.len());
                    out.push((p, size));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `remit ingest cloudtrail PATH...`.
pub(crate) fn ingest(paths: &[String], data_dir: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let data_dir = data_dir_or_error(data_dir)?;
    let rt = runtime()?;
    let store = open_store(&rt, &data_dir)?;
    let known = rt.block_on(store.ingested_digests())?;
    let covered = rt.block_on(store.covered_accounts())?;
    let started = Instant::now();
    let (local, remote): (Vec<&String>, Vec<&String>) = paths.iter().partition(|p| !p.starts_with("s3://"));
    let files = log_files(&local.iter().map(PathBuf::from).collect::<Vec<_>>())?;
    let target = paths.join(" ");
    let commit = |batch: Batch| -> anyhow::Result<()> {
        let ledger: Vec<LedgerEntry> = batch
            .sources
            .into_iter()
            .map(|s| LedgerEntry {
                digest: s.digest,
                location: s.location,
                records: s.records,
                complete: s.complete,
                issues: s.issues,
            })
            .collect();
        // On a thread of its own: the S3 reader calls this from inside its own runtime, where
        // another runtime cannot be entered.
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    // Each batch commits with its audit record: the files it adds, and how much.
                    let event = crate::service::cli_event(
                        "activity.ingest",
                        &target,
                        json!({
                            "files": ledger.len(),
                            "first": ledger.first().map(|l| l.location.as_str()),
                            "last": ledger.last().map(|l| l.location.as_str()),
                            "records": ledger.iter().map(|l| l.records).sum::<u64>(),
                            "issues": ledger.iter().map(|l| l.issues).sum::<u64>(),
                        }),
                    );
                    rt.block_on(store.commit_activity(&batch.rollups, &ledger, &event))
                })
                .join()
                .map_err(|_| anyhow::anyhow!("the store's writer stopped unexpectedly"))
        })??;
        Ok(())
    };
    let mut ingester = Ingester::new(known, covered, commit);
    ingester.cover(files.iter().filter_map(|(f, _)| account_of_log_name(&f.to_string_lossy()).map(str::to_owned)));
    let bar = if format == Format::Table {
        indicatif::ProgressBar::new(files.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {msg} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    for (file, size) in &files {
        ingester.add_path(file.clone(), *size)?;
        bar.inc(1);
        bar.set_message(format!("{} records", ingester.totals().stats.records));
    }
    if !remote.is_empty() {
        s3::ingest(&remote, &rt, &store, &mut ingester, &bar)?;
    }
    let (totals, issues) = ingester.finish()?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let (ledger_files, ledger_records) = rt.block_on(store.ledger_totals())?;
    let unmapped = rt.block_on(store.unmapped())?;
    rt.block_on(store.close());
    print_ingest(&totals, &issues, elapsed, (ledger_files, ledger_records), &unmapped, store.path(), format)?;
    Ok(if totals.issues > 0 { EXIT_SOME_FAILED } else { EXIT_OK })
}

mod s3 {
    //! `s3://bucket/prefix`: objects read through the SDK, skipped when the ledger already
    //! holds them whole.
    use super::*;
    use remit_aws_collect::{NoProgress, S3Location, TrailReadOptions, read_trail_objects};

    pub(super) fn ingest<C: FnMut(Batch) -> anyhow::Result<()>>(
        urls: &[&String],
        rt: &tokio::runtime::Runtime,
        store: &Store,
        ingester: &mut Ingester<C>,
        bar: &indicatif::ProgressBar,
    ) -> anyhow::Result<()> {
        let done = rt.block_on(store.ingested_locations())?;
        let mut opts = TrailReadOptions::default();
        opts.endpoint_url = std::env::var("AWS_ENDPOINT_URL").ok().filter(|v| !v.is_empty());
        opts.force_path_style = opts.endpoint_url.is_some();
        for url in urls {
            let loc: S3Location = url.parse().with_context(|| format!("`{url}` is not an s3://bucket/prefix"))?;
            // List first, so that every account whose logs come is known before any is read
            // (cross-account copies are counted once, whatever order the objects come in).
            let mut accounts = Vec::new();
            read_trail_objects(
                &loc,
                &opts,
                &NoProgress,
                |key, _| {
                    if let Some(a) = account_of_log_name(key) {
                        accounts.push(a.to_owned());
                    }
                    true
                },
                |_| Ok::<(), anyhow::Error>(()),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            ingester.cover(accounts);
            let bucket = loc.bucket.clone();
            let mut known = 0u64;
            read_trail_objects(
                &loc,
                &opts,
                &NoProgress,
                |key, _| {
                    let skip = done.contains(&format!("s3://{bucket}/{key}"));
                    known += u64::from(skip);
                    skip
                },
                |object| {
                    bar.inc(1);
                    ingester.add(Input { location: format!("s3://{}/{}", loc.bucket, object.key), bytes: object.body })
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            ingester.skipped_known(known);
        }
        Ok(())
    }
}

fn print_ingest(
    totals: &Totals,
    issues: &[Issue],
    elapsed: f64,
    ledger: (u64, u64),
    unmapped: &[remit_activity::UnmappedRow],
    db: &str,
    format: Format,
) -> anyhow::Result<()> {
    let s = &totals.stats;
    let rate = if elapsed > 0.0 { s.records as f64 / elapsed } else { 0.0 };
    if format == Format::Json {
        let doc = json!({
            "files": totals.files,
            "alreadyIngested": totals.already_ingested,
            "repeated": totals.repeated,
            "bytes": totals.bytes,
            "records": s.records,
            "usage": s.usage,
            "notAuthorized": s.not_authorized,
            "unmapped": s.unmapped,
            "duplicates": s.duplicates,
            "malformed": s.malformed,
            "issues": totals.issues,
            "seconds": elapsed,
            "recordsPerSecond": rate,
            "store": {"path": db, "files": ledger.0, "records": ledger.1},
            "problems": issues.iter().map(|i| json!({"location": i.location, "record": i.record, "offset": i.offset, "message": i.message})).collect::<Vec<_>>(),
            "unmappedEvents": unmapped.iter().take(50).map(|u| json!({"source": u.source.as_ref(), "name": u.name.as_ref(), "events": u.counts.events()})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    println!(
        "ingested {} file(s) ({} already in the store, {} repeated) — {} records in {:.2} s ({:.0} records/s)",
        totals.files, totals.already_ingested, totals.repeated, s.records, elapsed, rate
    );
    println!(
        "  {} used a permission, {} not authorized by IAM (sign-ins, service events), {} unmapped, {} cross-account copies counted once, {} malformed",
        s.usage, s.not_authorized, s.unmapped, s.duplicates, s.malformed
    );
    println!("  the store ({db}) now holds {} file(s), {} records", ledger.0, ledger.1);
    if !unmapped.is_empty() {
        let top: Vec<String> =
            unmapped.iter().take(5).map(|u| format!("{}:{} ({})", u.source, u.name, u.counts.events())).collect();
        println!("  events whose action is not in the catalogue (counted, not dropped): {}", top.join(", "));
    }
    for issue in issues.iter().take(20) {
        eprintln!("remit: {issue}");
    }
    if totals.issues > 20 {
        eprintln!("remit: … and {} more problem(s); --format json lists the first 1,000", totals.issues - 20);
    }
    Ok(())
}

/// The store, and the window of days up to `--as-of` (by default the last event ingested), that
/// the commands comparing usage with permissions start from.
pub(crate) struct Windowed {
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) store: Store,
    pub(crate) window: Window,
}

pub(crate) fn windowed(data_dir: Option<&Path>, days: u32, as_of: Option<&str>) -> anyhow::Result<Windowed> {
    let data_dir = data_dir_or_error(data_dir)?;
    let rt = runtime()?;
    let store = open_store(&rt, &data_dir)?;
    let end = window_end(&rt, &store, as_of)?;
    Ok(Windowed { rt, store, window: Window::last_days(end, days) })
}

/// The users and roles of the environment, by ARN.
fn users_and_roles(analysis: &remit_aws_analysis::AwsAnalysis) -> Vec<String> {
    analysis
        .principals()
        .filter(|p| matches!(p.kind, remit_model::PrincipalKind::User | remit_model::PrincipalKind::Role))
        .map(|p| p.id.to_string())
        .collect()
}

/// The end of the analysis window: `--as-of`, else the last event ingested.
fn window_end(rt: &tokio::runtime::Runtime, store: &Store, as_of: Option<&str>) -> anyhow::Result<i64> {
    if let Some(text) = as_of {
        return parse_time(text)
            .with_context(|| format!("--as-of `{text}`: expected 2026-03-01 or 2026-03-01T09:00:00Z"));
    }
    let coverage = rt.block_on(store.coverage())?;
    coverage
        .iter()
        .map(|c| c.counts.last_seen + 1)
        .max()
        .context("no activity in the store yet: run `remit ingest cloudtrail PATH` first")
}

fn usage_row_json(r: &UsageRow) -> Value {
    json!({
        "action": r.action.as_ref(),
        "resource": r.resource.as_ref(),
        "firstSeen": format_time(r.counts.first_seen),
        "lastSeen": format_time(r.counts.last_seen),
        "allowed": r.counts.allowed,
        "denied": r.counts.denied,
        "failed": r.counts.failed,
    })
}

/// The user or role with the most events in the store at `data_dir`, if any.
pub(crate) fn busiest_principal(data_dir: &Path) -> anyhow::Result<Option<String>> {
    let rt = runtime()?;
    let store = open_store(&rt, data_dir)?;
    let principals = rt.block_on(store.principals(None))?;
    Ok(principals
        .into_iter()
        .filter(|p| matches!(p.kind, remit_activity::CallerKind::User | remit_activity::CallerKind::Role))
        .max_by_key(|p| p.counts.events())
        .map(|p| p.principal.to_string()))
}

/// `remit usage PRINCIPAL`.
pub(crate) fn usage_of(principal: &str, data_dir: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let data_dir = data_dir_or_error(data_dir)?;
    let rt = runtime()?;
    let store = open_store(&rt, &data_dir)?;
    let rows = rt.block_on(store.usage(Some(principal)))?;
    let activity = rt.block_on(store.principals(Some(principal)))?;
    let identities = rt.block_on(store.identities(Some(principal)))?;
    if activity.is_empty() {
        anyhow::bail!("no activity recorded for `{principal}` (is it the user's or role's IAM ARN, with its path?)");
    }
    let a = &activity[0];
    if format == Format::Json {
        let doc = json!({
            "principal": principal,
            "kind": a.kind.as_str(),
            "account": a.account.as_ref(),
            "firstSeen": format_time(a.counts.first_seen),
            "lastSeen": format_time(a.counts.last_seen),
            "events": a.counts.events(),
            "actions": rows.iter().map(usage_row_json).collect::<Vec<_>>(),
            "sessions": identities.iter().map(|i| json!({"kind": i.kind.as_str(), "identity": i.identity.as_ref(), "events": i.counts.events(), "lastSeen": format_time(i.counts.last_seen)})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(EXIT_OK);
    }
    println!(
        "{principal} ({}): {} events from {} to {}",
        a.kind.as_str(),
        a.counts.events(),
        format_time(a.counts.first_seen),
        format_time(a.counts.last_seen)
    );
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["action", "resource", "first seen", "last seen", "allowed", "denied", "failed"]);
    for r in &rows {
        table.add_row([
            r.action.to_string(),
            r.resource.to_string(),
            format_date(r.counts.first_seen),
            format_date(r.counts.last_seen),
            r.counts.allowed.to_string(),
            r.counts.denied.to_string(),
            r.counts.failed.to_string(),
        ]);
    }
    println!("{table}");
    if !identities.is_empty() {
        let who: Vec<String> = identities
            .iter()
            .take(10)
            .map(|i| format!("{} {} ({})", i.kind.as_str(), i.identity, i.counts.events()))
            .collect();
        println!("sessions on behalf of: {}", who.join(", "));
    }
    Ok(EXIT_OK)
}

/// `remit unused PRINCIPAL`.
pub(crate) fn unused(
    principal: &str,
    env: &Path,
    days: u32,
    as_of: Option<&str>,
    data_dir: Option<&Path>,
    format: Format,
) -> anyhow::Result<u8> {
    let Windowed { rt, store, window } = windowed(data_dir, days, as_of)?;
    let end = window.end;
    let rows = rt.block_on(store.usage(Some(principal)))?;
    let analysis = crate::queries::load(env)?;
    let report = usage::unused(&analysis, principal, &rows, window)?;
    let coverage_start = rt.block_on(store.coverage())?.iter().map(|c| c.counts.first_seen).min().unwrap_or(end);
    if format == Format::Json {
        let doc = report.to_json(coverage_start);
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(EXIT_OK);
    }
    let unused: Vec<_> = report.unused().collect();
    println!(
        "{principal}: {} of {} granted actions unused in the {days} days to {} — Permission Creep Index {} ({})",
        unused.len(),
        report.actions.len(),
        format_date(end),
        report.creep.pci,
        Bucket::of(report.creep.pci).as_str()
    );
    if coverage_start > window.start {
        println!(
            "note: the logs start {}, after the window's start: usage before that is not known",
            format_date(coverage_start)
        );
    }
    let mut per_service: std::collections::BTreeMap<&str, (usize, usize, Option<i64>)> = Default::default();
    for a in &report.actions {
        let e = per_service.entry(&a.service).or_default();
        e.0 += 1;
        if a.last_used.is_none() {
            e.1 += 1;
        }
        e.2 = e.2.max(a.last_used_ever);
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["service", "granted", "unused", "last used", "unused actions"]);
    for (service, (granted, idle, last)) in &per_service {
        let names: Vec<&str> = report
            .unused()
            .filter(|a| a.service == *service)
            .map(|a| a.action.split(':').nth(1).unwrap_or(""))
            .take(6)
            .collect();
        let more = if *idle > names.len() { format!(" … +{}", idle - names.len()) } else { String::new() };
        table.add_row([
            service.to_string(),
            granted.to_string(),
            idle.to_string(),
            last.map_or_else(|| "never".into(), format_date),
            format!("{}{more}", names.join(", ")),
        ]);
    }
    println!("{table}");
    Ok(EXIT_OK)
}

/// How `remit rightsize` prints the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RightsizeFormat {
    /// The policy and its verification, for people.
    Table,
    /// The policy document and the verification as JSON.
    Json,
    /// `aws iam` commands that apply it.
    Cli,
    /// Terraform HCL.
    Terraform,
}

/// `remit rightsize PRINCIPAL`.
pub(crate) fn rightsize_cmd(
    principal: &str,
    env: &Path,
    days: u32,
    as_of: Option<&str>,
    growth: &[String],
    data_dir: Option<&Path>,
    format: RightsizeFormat,
) -> anyhow::Result<u8> {
    let Windowed { rt, store, window } = windowed(data_dir, days, as_of)?;
    let rows: Vec<UsageRow> =
        rt.block_on(store.usage(Some(principal)))?.into_iter().filter(|r| r.counts.last_seen >= window.start).collect();
    let analysis = crate::queries::load(env)?;
    let r = rightsize::rightsize(&analysis, principal, &rows, growth)?;
    let (kept, observed) = r.replay_counts();
    let person = crate::estate::person_behind(env, &analysis, principal);
    match format {
        RightsizeFormat::Json => {
            let doc = json!({
                "principal": principal,
                "person": person,
                "window": {"start": format_time(window.start), "end": format_time(window.end), "days": days},
                "policy": r.policy,
                "replay": {"observed": observed, "stillAllowed": kept, "holds": r.replay_holds(),
                    "requests": r.replay.iter().map(|x| json!({"action": x.action, "resource": x.resource, "decidedOn": x.decided_on, "requests": x.requests, "before": x.before, "after": x.after})).collect::<Vec<_>>()},
                "removes": {"actionsBefore": r.actions_before, "actionsAfter": r.actions_after, "pairsBefore": r.pairs_before, "pairsAfter": r.pairs_after, "actions": r.removed_actions},
                "replaces": {"managed": r.replaces.managed, "inline": r.replaces.inline, "groups": r.replaces.groups},
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        RightsizeFormat::Cli => print!("{}", rightsize::as_cli(&r)),
        RightsizeFormat::Terraform => print!("{}", rightsize::as_terraform(&r)),
        RightsizeFormat::Table => {
            if let Some(person) = &person {
                println!("{principal}: {person}");
            }
            println!("{}", serde_json::to_string_pretty(&r.policy)?);
            println!(
                "replay: {kept} of {observed} observed requests still allowed{}",
                if r.replay_holds() { "" } else { " — NOT all: see --format json" }
            );
            println!(
                "removes {} of {} actions ({} → {} action-resource grants)",
                r.actions_before - r.actions_after.min(r.actions_before),
                r.actions_before,
                r.pairs_before,
                r.pairs_after
            );
        }
    }
    Ok(if r.replay_holds() { EXIT_OK } else { EXIT_SOME_FAILED })
}

/// `remit rightsize --all`: every principal with activity right-sized at once, and the sum of
/// what the right-sized policies remove.
pub(crate) fn rightsize_everyone(
    env: &Path,
    days: u32,
    as_of: Option<&str>,
    growth: &[String],
    data_dir: Option<&Path>,
    format: RightsizeFormat,
) -> anyhow::Result<u8> {
    let Windowed { rt, store, window } = windowed(data_dir, days, as_of)?;
    let end = window.end;
    let analysis = crate::queries::load(env)?;
    let known: std::collections::HashSet<String> = users_and_roles(&analysis).into_iter().collect();
    let mut usage: std::collections::BTreeMap<String, Vec<UsageRow>> = Default::default();
    for row in rt.block_on(store.usage(None))? {
        if row.counts.last_seen >= window.start && row.counts.authorized() > 0 && known.contains(&*row.principal) {
            usage.entry(row.principal.to_string()).or_default().push(row);
        }
    }
    let started = Instant::now();
    let results = rightsize::rightsize_all(&analysis, &usage, growth);
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for r in results {
        match r {
            Ok(r) => ok.push(r),
            Err(e) => failed.push(e.to_string()),
        }
    }
    let holds = ok.iter().filter(|r| r.replay_holds()).count();
    let (observed, kept) = ok.iter().fold((0, 0), |(o, k), r| {
        let (kk, oo) = r.replay_counts();
        (o + oo, k + kk)
    });
    let sum = |f: fn(&rightsize::Rightsized) -> usize| ok.iter().map(f).sum::<usize>();
    let (actions_before, actions_after) = (sum(|r| r.actions_before), sum(|r| r.actions_after));
    let (pairs_before, pairs_after) = (sum(|r| r.pairs_before), sum(|r| r.pairs_after));
    let share = |before: usize, after: usize| {
        if before == 0 { 0.0 } else { 100.0 * (before - after.min(before)) as f64 / before as f64 }
    };
    if format == RightsizeFormat::Json {
        let doc = json!({
            "window": {"start": format_time(window.start), "end": format_time(window.end), "days": days},
            "principals": ok.len(),
            "replayHolds": holds,
            "observedRequests": observed,
            "stillAllowed": kept,
            "actions": {"before": actions_before, "after": actions_after, "removedPercent": share(actions_before, actions_after)},
            "grants": {"before": pairs_before, "after": pairs_after, "removedPercent": share(pairs_before, pairs_after)},
            "seconds": started.elapsed().as_secs_f64(),
            "errors": failed,
            "byPrincipal": ok.iter().map(|r| json!({"principal": r.principal, "actionsBefore": r.actions_before, "actionsAfter": r.actions_after, "grantsBefore": r.pairs_before, "grantsAfter": r.pairs_after, "replayHolds": r.replay_holds()})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!(
            "right-sized {} principals with activity in the {days} days to {}: replay holds for {holds} ({kept} of {observed} observed requests still allowed)",
            ok.len(),
            format_date(end)
        );
        println!(
            "actions granted: {actions_before} → {actions_after} ({:.1}% removed); action-resource grants: {pairs_before} → {pairs_after} ({:.1}% removed)",
            share(actions_before, actions_after),
            share(pairs_before, pairs_after)
        );
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
        table.set_header(["principal", "actions before", "after", "grants before", "after", "replay"]);
        let mut biggest: Vec<&rightsize::Rightsized> = ok.iter().collect();
        biggest.sort_by_key(|r| std::cmp::Reverse(r.pairs_before.saturating_sub(r.pairs_after)));
        for r in biggest.iter().take(15) {
            table.add_row([
                r.principal.clone(),
                r.actions_before.to_string(),
                r.actions_after.to_string(),
                r.pairs_before.to_string(),
                r.pairs_after.to_string(),
                if r.replay_holds() { "holds".into() } else { "FAILS".into() },
            ]);
        }
        println!("{table}");
        for e in &failed {
            eprintln!("remit: {e}");
        }
    }
    Ok(if holds == ok.len() && failed.is_empty() { EXIT_OK } else { EXIT_SOME_FAILED })
}

/// `remit creep`: the Permission Creep Index of every principal of the environment.
pub(crate) fn creep(
    env: &Path,
    days: u32,
    as_of: Option<&str>,
    data_dir: Option<&Path>,
    format: Format,
) -> anyhow::Result<u8> {
    let Windowed { rt, store, window } = windowed(data_dir, days, as_of)?;
    let end = window.end;
    let all = rt.block_on(store.usage(None))?;
    let analysis = crate::queries::load(env)?;
    let mut by_principal: std::collections::HashMap<&str, Vec<UsageRow>> = Default::default();
    for row in &all {
        by_principal.entry(&row.principal).or_default().push(row.clone());
    }
    let principals = users_and_roles(&analysis);
    // Inactive: no event of any kind in the window (the logs' own last sighting is kept).
    let last_seen: std::collections::HashMap<String, i64> = rt
        .block_on(store.principals(None))?
        .into_iter()
        .map(|p| (p.principal.to_string(), p.counts.last_seen))
        .collect();
    let inactive: Vec<(&String, Option<i64>)> = principals
        .iter()
        .map(|p| (p, last_seen.get(p).copied()))
        .filter(|(_, last)| last.is_none_or(|t| t < window.start))
        .collect();
    let empty = Vec::new();
    let scores: Vec<(String, String, u8, usize, usize)> = {
        use rayon::prelude::*;
        principals
            .par_iter()
            .filter_map(|p| {
                let rows = by_principal.get(p.as_str()).unwrap_or(&empty);
                let report = usage::unused(&analysis, p, rows, window).ok()?;
                let account = p.split(':').nth(4).unwrap_or("").to_owned();
                Some((p.clone(), account, report.creep.pci, report.actions.len(), report.unused().count()))
            })
            .collect()
    };
    let mut scores = scores;
    scores.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let org = distribution(scores.iter().map(|s| s.2));
    let mut accounts: std::collections::BTreeMap<&str, Vec<u8>> = Default::default();
    for s in &scores {
        accounts.entry(&s.1).or_default().push(s.2);
    }
    if format == Format::Json {
        let dist = |d: &remit_activity::creep::Distribution| json!({"principals": d.principals, "low": d.buckets[0], "medium": d.buckets[1], "high": d.buckets[2], "mean": d.mean, "median": d.median, "p90": d.p90, "max": d.max, "deciles": d.deciles});
        let doc = json!({
            "window": {"start": format_time(window.start), "end": format_time(window.end), "days": days},
            "organization": dist(&org),
            "accounts": accounts.iter().map(|(a, s)| json!({"account": a, "distribution": dist(&distribution(s.iter().copied()))})).collect::<Vec<_>>(),
            "principals": scores.iter().map(|s| json!({"principal": s.0, "pci": s.2, "bucket": Bucket::of(s.2).as_str(), "granted": s.3, "unused": s.4})).collect::<Vec<_>>(),
            "inactive": inactive.iter().map(|(p, last)| json!({"principal": p, "lastSeen": last.map(format_time)})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(EXIT_OK);
    }
    println!(
        "Permission Creep Index over the {days} days to {}: {} principals — mean {:.1}, median {}, p90 {}, max {}; {} low, {} medium, {} high",
        format_date(end),
        org.principals,
        org.mean,
        org.median,
        org.p90,
        org.max,
        org.buckets[0],
        org.buckets[1],
        org.buckets[2]
    );
    if !inactive.is_empty() {
        let names: Vec<&str> = inactive.iter().take(8).map(|(p, _)| p.as_str()).collect();
        println!(
            "{} of {} principals made no request in the window (inactive): {}{}",
            inactive.len(),
            principals.len(),
            names.join(", "),
            if inactive.len() > names.len() { ", …" } else { "" }
        );
    }
    let widest = org.deciles.iter().copied().max().unwrap_or(1).max(1);
    for (i, n) in org.deciles.iter().enumerate() {
        let bar = "█".repeat((n * 50).div_ceil(widest));
        println!("  {:>3}–{:<3} {bar} {n}", i * 10, if i == 9 { 100 } else { i * 10 + 9 });
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["principal", "PCI", "bucket", "granted actions", "unused"]);
    for s in scores.iter().take(20) {
        table.add_row([
            s.0.clone(),
            s.2.to_string(),
            Bucket::of(s.2).as_str().to_owned(),
            s.3.to_string(),
            s.4.to_string(),
        ]);
    }
    println!("{table}");
    if accounts.len() > 1 {
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED);
        t.set_header(["account", "principals", "mean", "median", "high"]);
        for (a, s) in &accounts {
            let d = distribution(s.iter().copied());
            t.add_row([
                a.to_string(),
                d.principals.to_string(),
                format!("{:.1}", d.mean),
                d.median.to_string(),
                d.buckets[2].to_string(),
            ]);
        }
        println!("{t}");
    }
    Ok(EXIT_OK)
}

/// `remit generate cloudtrail`.
pub(crate) fn generate_cloudtrail(
    env: &Path,
    out: &Path,
    events: u64,
    days: u32,
    end: Option<&str>,
    seed: u64,
    force: bool,
) -> anyhow::Result<u8> {
    let end = match end {
        Some(text) => {
            parse_time(text).with_context(|| format!("--end `{text}`: expected 2026-03-01 or 2026-03-01T09:00:00Z"))?
        }
        None => GENERATED_END,
    };
    if days == 0 {
        anyhow::bail!("--days must be at least 1");
    }
    if !force && out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        anyhow::bail!("`{}` is not empty (--force to write into it)", out.display());
    }
    let analysis = crate::queries::load(env)?;
    let started = Instant::now();
    let spec = remit_aws_activity::plan::plan(
        &analysis,
        &remit_aws_activity::plan::PlanOptions { seed, end, days, target_events: events },
    );
    let written = remit_gen::cloudtrail::write_cloudtrail(&spec, out)
        .with_context(|| format!("cannot write the logs into `{}`", out.display()))?;
    println!(
        "wrote {} records in {} files ({:.1} MiB) for {} actors over {days} days to {} into {} in {:.1} s",
        written.records,
        written.files,
        written.bytes as f64 / (1024.0 * 1024.0),
        spec.actors.len(),
        format_time(end),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(EXIT_OK)
}

/// When generated environments are collected (`remit_gen::aws_org`): 2026-03-01T09:00:00Z.
const GENERATED_END: i64 = 1_772_355_600;
