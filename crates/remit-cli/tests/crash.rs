//! Crash safety through the `remit` binary: `remit snapshot` and `remit ingest cloudtrail` are
//! killed (SIGKILL) at several points of a measured run — at fractions of its time, and the
//! moment it is seen holding SQLite's write lock (read from /proc/locks, so the kill is known
//! to land while it writes) — and the store must then open, hold exactly what it held before
//! (or, for a kill after the commit, exactly what a whole run gives), keep an intact audit
//! trail, and give the uninterrupted run's result when the command is run again.

mod common;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{copy_dir, count, db, generate, ok, ok_json, remit, s, sql, text};
use serde_json::Value;

/// When to kill.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// After this fraction of the measured run.
    At(f64),
    /// When the process is seen holding the write lock for the `n`-th time (1-based: episodes
    /// of holding it, counted from `after` of the measured run).
    Writing { episode: usize, after: f64 },
    /// When the process holds the write lock for the `episode`-th time, or has held it for
    /// 30 ms without a break (the snapshot's own transaction is the last and longest).
    Long { episode: usize, after: f64 },
}

/// What happened to one killed run.
#[derive(Debug)]
struct Killed {
    kill: Kill,
    after: Duration,
    /// The process held the write lock when it was killed.
    mid_write: bool,
    /// It exited by itself before the kill came.
    finished: bool,
}

/// Runs `args` against `data` and kills it as `kill` says.
fn run_and_kill(args: &[String], data: &Path, full: Duration, kill: Kill) -> Killed {
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("remit runs");
    let pid = child.id();
    let started = Instant::now();
    let (mut episodes, mut holding, mut since) = (0usize, false, Instant::now());
    loop {
        if child.try_wait().expect("wait").is_some() {
            return Killed { kill, after: started.elapsed(), mid_write: false, finished: true };
        }
        let elapsed = started.elapsed();
        let now_holding = common::holds_write_lock(pid, data).unwrap_or(false);
        if now_holding && !holding {
            since = Instant::now();
        }
        let fire = match kill {
            Kill::At(fraction) => elapsed >= full.mul_f64(fraction),
            Kill::Writing { episode, after } | Kill::Long { episode, after } => {
                if now_holding && !holding && elapsed >= full.mul_f64(after) {
                    episodes += 1;
                }
                let long = matches!(kill, Kill::Long { .. }) && since.elapsed() >= Duration::from_millis(30);
                now_holding && elapsed >= full.mul_f64(after) && (episodes >= episode || long)
            }
        };
        holding = now_holding;
        if fire {
            // Read the lock once more right before the signal: what the kill interrupts.
            let mid_write = common::holds_write_lock(pid, data).unwrap_or(false);
            child.kill().expect("SIGKILL");
            let status = child.wait().expect("wait");
            let finished = status.success();
            return Killed { kill, after: elapsed, mid_write, finished };
        }
        let too_long = elapsed > full * 4 + Duration::from_secs(60);
        if too_long {
            child.kill().ok();
        }
        assert!(!too_long, "{args:?} ran far longer than measured");
        std::thread::sleep(Duration::from_micros(500));
    }
}

fn no_proc_locks() -> bool {
    if std::fs::read_to_string("/proc/locks").is_err() {
        eprintln!("SKIPPED: /proc/locks cannot be read (not Linux): the kills could not be placed while writing");
        return true;
    }
    false
}

/// The snapshot list without commit times (a rerun commits later).
fn snapshots(data: &Path) -> Value {
    let mut v = ok_json(&remit(&["--data-dir", &s(data), "snapshots", "--format", "json"]));
    for item in v["snapshots"].as_array_mut().expect("snapshots") {
        item.as_object_mut().expect("object").remove("created_at");
    }
    v
}

fn audit_intact(data: &Path) -> i64 {
    let out = remit(&["--data-dir", &s(data), "audit", "verify", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {}", text(&out))).expect("JSON");
    assert_eq!(out.status.code(), Some(0), "the audit trail is intact after a kill: {v}");
    v["records"].as_i64().expect("records")
}

/// What the history tables hold: snapshots (without commit times), version rows, blob count.
fn history_state(data: &Path) -> (Value, String, i64) {
    let versions = sql(
        &db(data),
        "SELECT env, kind, vkey, hash, valid_from, COALESCE(valid_to, -1) FROM history_version ORDER BY env, kind, vkey, valid_from",
    );
    (snapshots(data), versions, count(&db(data), "SELECT COUNT(*) FROM history_blob"))
}

#[test]
fn a_killed_snapshot_leaves_the_store_as_it_was() {
    need_sql!();
    if no_proc_locks() {
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    let (small, medium) = (root.path().join("small"), root.path().join("medium"));
    generate("small", 5, &small);
    generate("medium", 5, &medium);
    // The store before: a snapshot of another environment, and a user.
    let before = root.path().join("before");
    ok(&remit(&["--data-dir", &s(&before), "snapshot", &s(&small), "--name", "small"]));
    ok(&common::remit_with(
        &["--data-dir", &s(&before), "user", "add", "ops", "--role", "admin"],
        &[("REMIT_PASSWORD", "a long enough passphrase")],
        None,
    ));
    let state_before = history_state(&before);
    let audit_before = audit_intact(&before);
    let args = |data: &Path| -> Vec<String> {
        ["--data-dir", &s(data), "snapshot", &s(&medium), "--name", "medium", "--format", "json"]
            .iter()
            .map(|a| (*a).to_owned())
            .collect()
    };

    // The uninterrupted run, timed: the reference.
    let reference = root.path().join("reference");
    copy_dir(&before, &reference);
    let started = Instant::now();
    let whole = ok_json(&Command::new(env!("CARGO_BIN_EXE_remit")).args(args(&reference)).output().expect("runs"));
    let full = started.elapsed();
    let state_reference = history_state(&reference);
    assert_ne!(state_reference, state_before);
    let blobs_total = whole["blobs"].as_u64().expect("blobs") as usize;
    // Blobs go in chunks of 512, each its own transaction; then the snapshot's transaction.
    let commit_episode = blobs_total.div_ceil(512) + 1;
    eprintln!("uninterrupted snapshot of medium: {:.1} s, {blobs_total} blobs", full.as_secs_f64());

    let kills = [
        Kill::At(0.10),
        Kill::At(0.40),
        Kill::At(0.70),
        Kill::At(0.95),
        Kill::Writing { episode: 1, after: 0.3 },
        Kill::Writing { episode: commit_episode / 2, after: 0.3 },
        Kill::Long { episode: commit_episode, after: 0.3 },
        Kill::Long { episode: commit_episode, after: 0.3 },
    ];
    let mut report = Vec::new();
    for (i, kill) in kills.iter().enumerate() {
        let data = root.path().join(format!("killed-{i}"));
        copy_dir(&before, &data);
        let killed = run_and_kill(&args(&data), &data, full, *kill);
        // The store opens and holds what it held, or (killed after its commit) the whole snapshot.
        let state = history_state(&data);
        let (list, versions, blobs) = &state;
        let committed = if (list, versions) == (&state_before.0, &state_before.1) {
            false
        } else {
            assert_eq!((list, versions), (&state_reference.0, &state_reference.1), "kill {kill:?}: half a snapshot");
            true
        };
        // Blobs are written before the snapshot, in their own transactions: some may remain,
        // named by no snapshot, never more than a whole run writes.
        assert!(*blobs >= state_before.2 && *blobs <= state_reference.2, "kill {kill:?}: {blobs} blobs");
        let records = audit_intact(&data);
        assert_eq!(
            records,
            audit_before + i64::from(committed),
            "kill {kill:?}: the audit record goes with the snapshot"
        );
        // A write lock seen, and nothing committed: the kill interrupted a transaction.
        let interrupted_commit = killed.mid_write && !committed && *blobs == state_reference.2;
        // Run again: the same result as the uninterrupted run (not needed when the kill came
        // before any write: the store is then byte for byte the one the reference started from).
        let wrote = killed.mid_write || committed || *blobs != state_before.2;
        if wrote && !committed {
            ok(&Command::new(env!("CARGO_BIN_EXE_remit")).args(args(&data)).output().expect("runs"));
        }
        if wrote {
            assert_eq!(
                history_state(&data),
                state_reference,
                "kill {kill:?}: the rerun differs from an uninterrupted run"
            );
            assert_eq!(audit_intact(&data), audit_before + 1);
        }
        report.push(format!(
            "{:?} after {:.2} s: {}{}{}",
            killed.kill,
            killed.after.as_secs_f64(),
            if killed.finished {
                "had finished"
            } else if killed.mid_write {
                "MID-WRITE"
            } else {
                "not writing"
            },
            if committed { ", snapshot committed" } else { ", store unchanged" },
            if interrupted_commit {
                ", every blob stored: the snapshot's own transaction was interrupted"
            } else if killed.mid_write && !committed {
                ", blob transaction interrupted"
            } else {
                ""
            }
        ));
        if killed.mid_write {
            assert!(!killed.finished);
        }
    }
    let landed = report.iter().filter(|r| r.contains("MID-WRITE")).count();
    eprintln!("snapshot kills ({landed} of {} mid-write):\n  {}", report.len(), report.join("\n  "));
    assert!(landed >= 1, "no kill landed while the snapshot was written:\n{}", report.join("\n"));
}

/// Everything ingest writes, in a canonical order (the ledger without its wall-clock time).
fn activity_state(data: &Path) -> String {
    sql(
        &db(data),
        "SELECT 'source', digest, location, records, complete, issues FROM activity_source ORDER BY digest; \
         SELECT 'usage', * FROM activity_usage ORDER BY principal, action, resource; \
         SELECT 'principal', * FROM activity_principal ORDER BY principal; \
         SELECT 'identity', * FROM activity_identity ORDER BY principal, kind, identity; \
         SELECT 'unmapped', * FROM activity_unmapped ORDER BY source, name; \
         SELECT 'coverage', * FROM activity_coverage ORDER BY account, region",
    )
}

/// The ledger agrees with the rollups: every record of every file in it is counted once, by
/// account and region and by principal (the generated logs have no cross-account copies).
fn ledger_agrees(data: &Path) -> (i64, i64) {
    let out = sql(
        &db(data),
        "SELECT COUNT(*), COALESCE(SUM(records), 0) FROM activity_source; \
         SELECT COALESCE(SUM(allowed + denied + failed), 0) FROM activity_coverage; \
         SELECT COALESCE(SUM(allowed + denied + failed), 0) FROM activity_principal",
    );
    let lines: Vec<&str> = out.lines().collect();
    let (files, records) = lines[0].split_once('|').expect("files|records");
    let (files, records): (i64, i64) = (files.parse().expect("files"), records.parse().expect("records"));
    assert_eq!(lines[1].parse::<i64>().expect("coverage"), records, "ledger and coverage disagree");
    assert_eq!(lines[2].parse::<i64>().expect("principals"), records, "ledger and principals disagree");
    (files, records)
}

fn day_directories(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            // .../YYYY/MM/DD holds files.
            if std::fs::read_dir(&e).expect("dir").any(|f| f.expect("entry").path().is_file()) {
                out.push(e);
            } else {
                day_directories(&e, out);
            }
        }
    }
}

#[test]
fn a_killed_ingest_leaves_the_store_as_it_was() {
    need_sql!();
    if no_proc_locks() {
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    let (env, trail) = (root.path().join("env"), root.path().join("trail"));
    generate("small", 6, &env);
    ok(&remit(&[
        "generate",
        "cloudtrail",
        "--env",
        &s(&env),
        "--out",
        &s(&trail),
        "--events",
        "40000",
        "--days",
        "12",
        "--seed",
        "6",
    ]));
    let logs = trail.join("AWSLogs");
    let mut days = Vec::new();
    day_directories(&logs, &mut days);
    assert!(days.len() >= 4, "{days:?}");
    // The store before: the first two days ingested.
    let before = root.path().join("before");
    let mut first = vec!["--data-dir".to_owned(), s(&before), "ingest".to_owned(), "cloudtrail".to_owned()];
    first.extend(days[..2].iter().map(|d| s(d)));
    ok(&Command::new(env!("CARGO_BIN_EXE_remit")).args(&first).output().expect("runs"));
    let state_before = activity_state(&before);
    let ledger_before = ledger_agrees(&before);
    assert!(ledger_before.0 > 0);
    let audit_before = audit_intact(&before);
    let args = |data: &Path| -> Vec<String> {
        ["--data-dir", &s(data), "ingest", "cloudtrail", &s(&logs), "--format", "json"]
            .iter()
            .map(|a| (*a).to_owned())
            .collect()
    };

    let reference = root.path().join("reference");
    copy_dir(&before, &reference);
    let started = Instant::now();
    let whole = ok_json(&Command::new(env!("CARGO_BIN_EXE_remit")).args(args(&reference)).output().expect("runs"));
    let full = started.elapsed();
    let state_reference = activity_state(&reference);
    let ledger_reference = ledger_agrees(&reference);
    assert_eq!(whole["alreadyIngested"].as_i64(), Some(ledger_before.0));
    assert_eq!(audit_intact(&reference), audit_before + 1, "the ingest is in the audit trail");
    // The same logs into a fresh store, in one run: the same rollups.
    let fresh = root.path().join("fresh");
    ok(&Command::new(env!("CARGO_BIN_EXE_remit")).args(args(&fresh)).output().expect("runs"));
    assert_eq!(activity_state(&fresh), state_reference, "two runs and one run store the same");
    eprintln!(
        "uninterrupted ingest: {:.1} s, {} files, {} records",
        full.as_secs_f64(),
        whole["files"],
        whole["records"]
    );

    let kills = [
        Kill::At(0.10),
        Kill::At(0.40),
        Kill::At(0.70),
        Kill::At(0.95),
        Kill::Writing { episode: 1, after: 0.2 },
        Kill::Writing { episode: 1, after: 0.5 },
    ];
    let mut report = Vec::new();
    for (i, kill) in kills.iter().enumerate() {
        let data = root.path().join(format!("killed-{i}"));
        copy_dir(&before, &data);
        let killed = run_and_kill(&args(&data), &data, full, *kill);
        let state = activity_state(&data);
        // Whole batches or nothing: the ledger and the rollups agree, and the state is the one
        // before or the one after every batch (these logs make one batch).
        let ledger = ledger_agrees(&data);
        let committed = if state == state_before {
            assert_eq!(ledger, ledger_before);
            false
        } else {
            assert_eq!(state, state_reference, "kill {kill:?}: a partial batch");
            assert_eq!(ledger, ledger_reference);
            true
        };
        let records = audit_intact(&data);
        assert!(records == audit_before || (committed && records == audit_before + 1), "kill {kill:?}: {records}");
        // Again: the result of an uninterrupted run, no file counted twice.
        let again = ok_json(&Command::new(env!("CARGO_BIN_EXE_remit")).args(args(&data)).output().expect("runs"));
        assert_eq!(activity_state(&data), state_reference, "kill {kill:?}: the rerun differs");
        if !committed {
            assert_eq!(again["files"], whole["files"]);
        }
        let usage = |d: &Path, p: &str| ok_json(&remit(&["--data-dir", &s(d), "usage", p, "--format", "json"]));
        let principal = sql(&db(&reference), "SELECT principal FROM activity_principal ORDER BY allowed DESC LIMIT 1");
        assert_eq!(usage(&data, &principal), usage(&reference, &principal));
        audit_intact(&data);
        report.push(format!(
            "{:?} after {:.2} s: {}{}",
            killed.kill,
            killed.after.as_secs_f64(),
            if killed.finished {
                "had finished"
            } else if killed.mid_write {
                "MID-WRITE"
            } else {
                "not writing"
            },
            if committed { ", batch committed" } else { ", store unchanged" }
        ));
    }
    let landed = report.iter().filter(|r| r.contains("MID-WRITE")).count();
    eprintln!("ingest kills ({landed} of {} mid-write):\n  {}", report.len(), report.join("\n  "));
    assert!(landed >= 1, "no kill landed while the ingest wrote:\n{}", report.join("\n"));
}
