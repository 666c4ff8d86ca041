//! The store on both engines: activity batches, migrations, blobs, snapshots with time travel,
//! concurrent writers and readers, the audit trail and accounts.

mod support;

use std::collections::BTreeMap;

use remit_activity::{CallerKind, Counts, Outcome as Event, Rollups};
use remit_store::{AuditEvent, Backend, LedgerEntry, NewSnapshot, NewVersion, SnapshotRow, StoreError};
use serde_json::json;
use support::Fixture;

on_both!(
    batches_add_up_and_persist_across_opens,
    a_failed_batch_leaves_nothing_behind,
    large_batches_span_statements,
    migrations_are_idempotent_and_a_newer_schema_is_refused,
    blobs_are_stored_once_and_checked_on_read,
    snapshots_store_only_what_changed_and_travel_in_time,
    an_older_snapshot_is_refused_and_leaves_nothing,
    a_failed_snapshot_leaves_nothing,
    writers_of_one_environment_are_serialised,
    readers_never_see_half_a_snapshot,
    version_counts_follow_snapshots,
);

fn rollups(events: &[(&str, &str, i64, Event)]) -> Rollups {
    let mut r = Rollups::new();
    for &(p, a, t, o) in events {
        r.record_event(p, CallerKind::Role, "111122223333", "111122223333", "us-east-1", t, o);
        r.record_usage(p, a, "*", t, o);
    }
    r
}

fn entry(digest: &str) -> LedgerEntry {
    LedgerEntry {
        digest: digest.into(),
        location: format!("/logs/{digest}.json.gz"),
        records: 2,
        complete: true,
        issues: 0,
    }
}

fn ingest_event() -> AuditEvent {
    cli("activity.ingest", "logs")
}

fn cli(action: &str, target: &str) -> AuditEvent {
    AuditEvent::new("cli:test", action, target, "cli")
}

async fn batches_add_up_and_persist_across_opens(mut f: Fixture) {
    f.store
        .commit_activity(
            &rollups(&[("r", "s3:GetObject", 20, Event::Allowed), ("r", "s3:GetObject", 10, Event::Denied)]),
            &[entry("a")],
            &ingest_event(),
        )
        .await
        .expect("commit");
    f.reopen().await;
    f.store
        .commit_activity(
            &rollups(&[("r", "s3:GetObject", 5, Event::Failed), ("r", "s3:GetObject", 30, Event::Allowed)]),
            &[entry("b")],
            &ingest_event(),
        )
        .await
        .expect("commit");
    let usage = f.store.usage(Some("r")).await.expect("usage");
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].counts, Counts { first_seen: 5, last_seen: 30, allowed: 2, denied: 1, failed: 1 });
    let principals = f.store.principals(None).await.expect("principals");
    assert_eq!(principals[0].counts.events(), 4);
    assert_eq!(f.store.ingested_digests().await.expect("ledger").len(), 2);
    assert_eq!(f.store.ingested_locations().await.expect("ledger").len(), 2);
    assert_eq!(f.store.ledger_totals().await.expect("totals"), (2, 4));
    assert_eq!(
        f.store.covered_accounts().await.expect("coverage").into_iter().collect::<Vec<_>>(),
        vec!["111122223333".to_owned()]
    );
    assert_eq!(f.store.coverage().await.expect("coverage").len(), 1);
    assert!(f.store.unmapped().await.expect("unmapped").is_empty());
    assert!(f.store.identities(None).await.expect("identities").is_empty());
}

/// Makes every insert into `table` fail, from behind the store's back.
async fn refuse_inserts(f: &Fixture, table: &str) {
    match f.backend {
        Backend::Sqlite => {
            f.sql(&format!("CREATE TRIGGER refuse BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'refused'); END"))
                .await
        }
        Backend::Postgres => {
            f.sql(&format!(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
                 CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse();"
            ))
            .await
        }
    }
}

async fn a_failed_batch_leaves_nothing_behind(f: Fixture) {
    f.store
        .commit_activity(&rollups(&[("r", "a:B", 1, Event::Allowed)]), &[entry("a")], &ingest_event())
        .await
        .expect("commit");
    // The next batch fails inside its transaction, after its ledger rows are written.
    refuse_inserts(&f, "activity_coverage").await;
    let failed =
        f.store.commit_activity(&rollups(&[("r", "a:B", 2, Event::Allowed)]), &[entry("b")], &ingest_event()).await;
    assert!(failed.is_err());
    assert_eq!(f.store.ingested_digests().await.expect("ledger").len(), 1);
    assert_eq!(f.store.usage(None).await.expect("usage")[0].counts.allowed, 1);
}

async fn large_batches_span_statements(f: Fixture) {
    let mut r = Rollups::new();
    for i in 0..1_234 {
        r.record_usage(&format!("p{}", i % 7), &format!("s:A{i}"), "*", i, Event::Allowed);
    }
    f.store.commit_activity(&r, &[entry("a")], &ingest_event()).await.expect("commit");
    f.store.commit_activity(&r, &[entry("b")], &ingest_event()).await.expect("commit");
    let usage = f.store.usage(None).await.expect("usage");
    assert_eq!(usage.len(), 1_234);
    assert!(usage.iter().all(|u| u.counts.allowed == 2));
    assert_eq!(usage, {
        let mut doubled = r.usage();
        for u in &mut doubled {
            u.counts.allowed = 2;
        }
        doubled
    });
}

async fn migrations_are_idempotent_and_a_newer_schema_is_refused(mut f: Fixture) {
    assert_eq!(f.store.schema_versions().await.expect("versions"), vec![1, 2, 3]);
    f.reopen().await;
    let second = f.second().await;
    assert_eq!(second.schema_versions().await.expect("versions"), vec![1, 2, 3]);
    assert_eq!(f.count("SELECT COUNT(*) FROM remit_schema").await, 3);
    f.sql("INSERT INTO remit_schema (version, applied_at) VALUES (99, 0)").await;
    let err = Store::connect(&f.url).await.expect_err("too new");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

use remit_store::Store;

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn blob(text: &str) -> (String, Vec<u8>) {
    (sha256(text.as_bytes()), text.as_bytes().to_vec())
}

async fn blobs_are_stored_once_and_checked_on_read(f: Fixture) {
    let big = "x".repeat(100_000);
    let a = blob("alpha\n");
    let b = blob(&big);
    let binary = {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        (sha256(&bytes), bytes)
    };
    assert_eq!(f.store.put_blobs(&[a.clone(), b.clone(), a.clone(), binary.clone()]).await.expect("put"), 3);
    assert_eq!(f.store.put_blobs(&[a.clone(), b.clone()]).await.expect("put again"), 0);
    assert_eq!(f.count("SELECT COUNT(*) FROM history_blob").await, 3);
    // Compressed: 100 kB of one letter is a few bytes.
    assert!(
        f.count(&format!("SELECT CAST(LENGTH(data) AS BIGINT) FROM history_blob WHERE hash = '{}'", b.0)).await < 1_000
    );
    assert_eq!(f.store.blob(&a.0).await.expect("read"), Some(a.1.clone()));
    assert_eq!(f.store.blob(&binary.0).await.expect("read"), Some(binary.1.clone()));
    assert_eq!(f.store.blob(&sha256(b"absent")).await.expect("read"), None);
    let all = f.store.blobs(&[a.0.clone(), b.0.clone(), sha256(b"absent")]).await.expect("read");
    assert_eq!(all.len(), 2);
    assert_eq!(all[&b.0], b.1);

    let wrong = (sha256(b"other"), b"bytes".to_vec());
    assert!(matches!(f.store.put_blobs(&[wrong]).await, Err(StoreError::Invalid { .. })));

    // Bytes swapped behind the store's back (another blob's): the hash no longer matches.
    f.sql(&format!(
        "UPDATE history_blob SET data = (SELECT data FROM history_blob WHERE hash = '{}'), size = 6 WHERE hash = '{}'",
        a.0, binary.0
    ))
    .await;
    let err = f.store.blob(&binary.0).await.expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&binary.0), "{err}");
    // Bytes that are not zstd at all.
    f.sql(&format!("UPDATE history_blob SET size = 3 WHERE hash = '{}'", b.0)).await;
    assert!(matches!(f.store.blob(&b.0).await, Err(StoreError::Corrupt { .. })));
}

fn version(kind: &str, key: &str, hash: &str) -> NewVersion {
    NewVersion { kind: kind.into(), key: key.into(), hash: hash.into(), meta: json!({"name": key, "severity": "low"}) }
}

fn snapshot(env: &str, taken_at: i64, versions: Vec<NewVersion>) -> NewSnapshot {
    NewSnapshot {
        env: env.into(),
        cloud: "aws".into(),
        source: "test".into(),
        taken_at,
        summary: json!({"versions": versions.len()}),
        versions,
    }
}

/// The (key, hash) pairs of a kind at a snapshot.
async fn state(store: &Store, s: &SnapshotRow, kind: &str) -> Vec<(String, String)> {
    store.versions(s, kind).await.expect("versions").into_iter().map(|v| (v.key, v.hash)).collect()
}

async fn snapshots_store_only_what_changed_and_travel_in_time(f: Fixture) {
    let first: Vec<NewVersion> = (0..100).map(|i| version("principal", &format!("p{i:03}"), "h1")).collect();
    let s1 = f
        .store
        .commit_snapshot(&snapshot("prod", 1_000, first.clone()), &cli("snapshot.commit", "prod"))
        .await
        .expect("s1");
    assert_eq!(s1.previous, None);
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version").await, 100);

    // p000 changes, p001 goes, p100 comes; a finding appears; p002's metadata changes.
    let mut second = first.clone();
    second[0].hash = "h2".into();
    second.remove(1);
    second[1].meta = json!({"name": "p002", "severity": "high"});
    second.push(version("principal", "p100", "h1"));
    second.push(version("finding", "f1", "hf"));
    let s2 = f
        .store
        .commit_snapshot(&snapshot("prod", 2_000, second.clone()), &cli("snapshot.commit", "prod"))
        .await
        .expect("s2");
    assert_eq!(s2.previous, Some(s1.id));
    assert!(s2.id > s1.id);
    // 100 + p000 + p002 + p100 + f1: the 97 unchanged rows were not copied.
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version").await, 104);
    assert_eq!(f.count(&format!("SELECT COUNT(*) FROM history_version WHERE valid_to = {}", s1.id)).await, 3);
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version WHERE valid_to IS NULL").await, 101);
    // Untouched rows still say they came with the first snapshot.
    assert_eq!(
        f.count(&format!("SELECT COUNT(*) FROM history_version WHERE valid_from = {} AND valid_to IS NULL", s1.id))
            .await,
        97
    );

    // A third snapshot identical to the second writes no version at all.
    let s3 = f
        .store
        .commit_snapshot(&snapshot("prod", 3_000, second.clone()), &cli("snapshot.commit", "prod"))
        .await
        .expect("s3");
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version").await, 104);
    // Another environment is a lineage of its own.
    let other = f
        .store
        .commit_snapshot(
            &snapshot("dev", 1_500, vec![version("principal", "p000", "hd")]),
            &cli("snapshot.commit", "dev"),
        )
        .await
        .expect("dev");
    assert_eq!(other.previous, None);

    // Time travel: each snapshot reads as it was committed.
    let expect = |vs: &[NewVersion], kind: &str| {
        let mut out: Vec<(String, String)> =
            vs.iter().filter(|v| v.kind == kind).map(|v| (v.key.clone(), v.hash.clone())).collect();
        out.sort();
        out
    };
    assert_eq!(state(&f.store, &s1, "principal").await, expect(&first, "principal"));
    assert_eq!(state(&f.store, &s2, "principal").await, expect(&second, "principal"));
    assert_eq!(state(&f.store, &s3, "principal").await, expect(&second, "principal"));
    assert_eq!(state(&f.store, &s1, "finding").await, vec![]);
    assert_eq!(state(&f.store, &s3, "finding").await, vec![("f1".to_owned(), "hf".to_owned())]);
    assert_eq!(state(&f.store, &other, "principal").await, vec![("p000".to_owned(), "hd".to_owned())]);

    let p002 = |s| f.store.version(s, "principal", "p002");
    assert_eq!(p002(&s1).await.expect("v").map(|v| v.meta["severity"].clone()), Some(json!("low")));
    let v = p002(&s3).await.expect("v").expect("present");
    assert_eq!((v.meta["severity"].clone(), v.valid_from, v.valid_to), (json!("high"), s2.id, None));
    assert_eq!(f.store.version(&s2, "principal", "p001").await.expect("v"), None);
    assert_eq!(f.store.version(&s1, "principal", "p001").await.expect("v").map(|v| v.valid_to), Some(Some(s1.id)));
    let history = f.store.version_history("prod", "principal").await.expect("history");
    assert_eq!(history.iter().filter(|v| v.key == "p000").count(), 2);

    // Which snapshot holds at a time.
    let at = |env: Option<&'static str>, t: i64| {
        let store = f.store.clone();
        async move { store.snapshot_at(env, t).await.expect("at").map(|s| s.id) }
    };
    assert_eq!(at(Some("prod"), 999).await, None);
    assert_eq!(at(Some("prod"), 1_000).await, Some(s1.id));
    assert_eq!(at(Some("prod"), 2_999).await, Some(s2.id));
    assert_eq!(at(Some("prod"), i64::MAX).await, Some(s3.id));
    assert_eq!(at(None, 1_600).await, Some(other.id));
    assert_eq!(f.store.latest_snapshot(Some("dev")).await.expect("latest").map(|s| s.id), Some(other.id));
    assert_eq!(f.store.latest_snapshot(None).await.expect("latest").map(|s| s.id), Some(s3.id));
    assert_eq!(f.store.snapshot(s2.id).await.expect("by id"), Some(s2.clone()));
    assert_eq!(f.store.snapshot(9_999).await.expect("by id"), None);
    let ids: Vec<i64> = f.store.snapshots(Some("prod")).await.expect("list").iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![s3.id, s2.id, s1.id]);
    assert_eq!(f.store.snapshots(None).await.expect("list").len(), 4);
    assert_eq!(f.store.envs().await.expect("envs"), vec!["dev".to_owned(), "prod".to_owned()]);
    // An equal time is not out of order; the newer id wins ties.
    let s4 =
        f.store.commit_snapshot(&snapshot("prod", 3_000, second), &cli("snapshot.commit", "prod")).await.expect("s4");
    assert_eq!(at(Some("prod"), 3_000).await, Some(s4.id));
    // Every commit left its audit record.
    let records = f.store.audit_records(0, 100).await.expect("audit");
    assert_eq!(records.len(), 5);
    assert!(records.iter().all(|r| r.action == "snapshot.commit"));
    assert!(f.store.audit_verify(None).await.expect("verify").is_ok());
}

async fn an_older_snapshot_is_refused_and_leaves_nothing(f: Fixture) {
    f.store
        .commit_snapshot(
            &snapshot("prod", 2_000, vec![version("principal", "a", "h")]),
            &cli("snapshot.commit", "prod"),
        )
        .await
        .expect("s1");
    let err = f
        .store
        .commit_snapshot(
            &snapshot("prod", 1_999, vec![version("principal", "b", "h")]),
            &cli("snapshot.commit", "prod"),
        )
        .await
        .expect_err("older");
    assert!(matches!(err, StoreError::OutOfOrder { taken_at: 1_999, latest: 2_000, .. }), "{err}");
    assert_eq!(f.count("SELECT COUNT(*) FROM history_snapshot").await, 1);
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version").await, 1);
    assert_eq!(f.count("SELECT COUNT(*) FROM audit_log").await, 1);
    // Two versions under one key are refused too.
    let twice = snapshot("prod", 3_000, vec![version("principal", "a", "h"), version("principal", "a", "i")]);
    assert!(matches!(
        f.store.commit_snapshot(&twice, &cli("snapshot.commit", "prod")).await,
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(f.count("SELECT COUNT(*) FROM history_snapshot").await, 1);
}

async fn a_failed_snapshot_leaves_nothing(f: Fixture) {
    let s1 = f
        .store
        .commit_snapshot(&snapshot("prod", 1, vec![version("principal", "a", "h1")]), &cli("snapshot.commit", "prod"))
        .await
        .expect("s1");
    // Fails at the very end, after the snapshot, its closed and new versions are written.
    refuse_inserts(&f, "audit_log").await;
    let changed = snapshot("prod", 2, vec![version("principal", "b", "h2")]);
    assert!(f.store.commit_snapshot(&changed, &cli("snapshot.commit", "prod")).await.is_err());
    assert_eq!(f.store.latest_snapshot(Some("prod")).await.expect("latest").map(|s| s.id), Some(s1.id));
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version WHERE valid_to IS NULL").await, 1);
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version").await, 1);
    assert_eq!(state(&f.store, &s1, "principal").await, vec![("a".to_owned(), "h1".to_owned())]);
}

/// Snapshot `n` of a test: keys k0..k19 where key i's hash depends on n for every third key,
/// and key `k{20+n}` appears only in it; so each snapshot's exact state is known.
fn numbered(n: i64) -> Vec<NewVersion> {
    let mut out: Vec<NewVersion> = (0..20)
        .map(|i| {
            version("principal", &format!("k{i:02}"), &if i % 3 == 0 { format!("h{n}") } else { "same".to_owned() })
        })
        .collect();
    out.push(version("principal", &format!("only{n:03}"), "x"));
    out
}

async fn writers_of_one_environment_are_serialised(f: Fixture) {
    // Two instances (two pools, as two server processes would have), two writers each.
    let other = f.second().await;
    let mut tasks = Vec::new();
    for (w, store) in [f.store.clone(), other.clone(), f.store.clone(), other].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for j in 0..5 {
                let n = i64::try_from(w * 100 + j).expect("small");
                let row = store
                    .commit_snapshot(&snapshot("prod", 1_000, numbered(n)), &cli("snapshot.commit", &n.to_string()))
                    .await
                    .expect("commit");
                ids.push((row.id, n));
            }
            ids
        }));
    }
    let mut committed: BTreeMap<i64, i64> = BTreeMap::new();
    for t in tasks {
        committed.extend(t.await.expect("task"));
    }
    assert_eq!(committed.len(), 20);
    // Each snapshot reads exactly as its writer wrote it, and links to the one before it.
    let mut previous = None;
    for (&id, &n) in &committed {
        let s = f.store.snapshot(id).await.expect("read").expect("present");
        assert_eq!(s.previous, previous, "snapshot {id}");
        let mut want: Vec<(String, String)> = numbered(n).into_iter().map(|v| (v.key, v.hash)).collect();
        want.sort();
        assert_eq!(state(&f.store, &s, "principal").await, want, "snapshot {id}");
        previous = Some(id);
    }
    assert_eq!(f.count("SELECT COUNT(*) FROM history_version WHERE valid_to IS NULL").await, 21);
    let v = f.store.audit_verify(None).await.expect("verify");
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(v.records, 20);
}

async fn readers_never_see_half_a_snapshot(f: Fixture) {
    const KEYS: usize = 300;
    let whole = |n: i64| -> Vec<NewVersion> {
        (0..KEYS).map(|i| version("grants", &format!("p{i:04}"), &format!("h{n}"))).collect()
    };
    f.store.commit_snapshot(&snapshot("prod", 0, whole(0)), &cli("snapshot.commit", "0")).await.expect("first");
    let reader = f.second().await;
    let writer = {
        let store = f.store.clone();
        tokio::spawn(async move {
            for n in 1..=15 {
                store
                    .commit_snapshot(&snapshot("prod", n, whole(n)), &cli("snapshot.commit", &n.to_string()))
                    .await
                    .expect("commit");
            }
        })
    };
    let mut reads = 0;
    loop {
        let done = writer.is_finished();
        let s = reader.latest_snapshot(Some("prod")).await.expect("latest").expect("present");
        let versions = reader.versions(&s, "grants").await.expect("versions");
        assert_eq!(versions.len(), KEYS, "snapshot {}", s.id);
        let want = format!("h{}", s.taken_at);
        assert!(versions.iter().all(|v| v.hash == want), "snapshot {} mixes versions", s.id);
        reads += 1;
        if done {
            break;
        }
        tokio::task::yield_now().await;
    }
    writer.await.expect("writer");
    assert!(reads > 1);
}

async fn version_counts_follow_snapshots(f: Fixture) {
    let finding = |key: &str, severity: &str| NewVersion {
        kind: "finding".into(),
        key: key.into(),
        hash: format!("{key}-{severity}"),
        meta: json!({"severity": severity}),
    };
    let s1 = f
        .store
        .commit_snapshot(&snapshot("prod", 1, vec![finding("a", "high"), finding("b", "low")]), &cli("c", "1"))
        .await
        .expect("s1");
    let s2 = f
        .store
        .commit_snapshot(
            &snapshot("prod", 2, vec![finding("a", "high"), finding("b", "high"), finding("c", "low")]),
            &cli("c", "2"),
        )
        .await
        .expect("s2");
    let s3 = f.store.commit_snapshot(&snapshot("prod", 3, vec![]), &cli("c", "3")).await.expect("s3");
    let counts = f.store.version_counts("prod", "finding", "severity").await.expect("counts");
    assert_eq!(
        counts,
        vec![
            (s1.id, "high".to_owned(), 1),
            (s1.id, "low".to_owned(), 1),
            (s2.id, "high".to_owned(), 2),
            (s2.id, "low".to_owned(), 1),
        ]
    );
    assert!(counts.iter().all(|c| c.0 != s3.id));
}
