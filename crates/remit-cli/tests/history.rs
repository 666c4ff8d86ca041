//! History through the `remit` binary: snapshots of a generated environment and of a changed
//! copy, what `snapshots` and `diff` say about them (against what was changed), time travel
//! with `--at` and `--snapshot`, out-of-order captures refused, blobs shared between
//! snapshots, and readers polling while a snapshot is written never seeing half of it.

mod common;

use std::{
    collections::BTreeSet,
    path::Path,
    time::{Duration, Instant},
};

use common::{count, db, generate, ok, ok_json, remit, s, sql, text};
use serde_json::Value;

/// The account directory of a one-account bundle.
fn account_dir(bundle: &Path) -> std::path::PathBuf {
    let accounts = bundle.join("accounts");
    let mut dirs: Vec<_> = std::fs::read_dir(&accounts).expect("accounts").map(|e| e.expect("entry").path()).collect();
    dirs.sort();
    assert_eq!(dirs.len(), 1, "a one-account bundle");
    dirs.remove(0)
}

fn is_empty(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_array).is_none_or(Vec::is_empty)
}

/// Changes a copy of the bundle: removes one user, attaches IAMFullAccess to another.
/// Returns (the removed user's ARN, the changed user's ARN).
fn change(bundle: &Path) -> (String, String) {
    let file = account_dir(bundle).join("authorization-details.json");
    let mut details: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    let iam_full = details["Policies"]
        .as_array()
        .expect("Policies")
        .iter()
        .find(|p| p["PolicyName"] == "IAMFullAccess")
        .and_then(|p| p["Arn"].as_str())
        .expect("the bundle holds IAMFullAccess")
        .to_owned();
    let users = details["UserDetailList"].as_array_mut().expect("users");
    let plain = |u: &Value| {
        is_empty(u, "AttachedManagedPolicies")
            && is_empty(u, "UserPolicyList")
            && u.get("PermissionsBoundary").is_none()
    };
    // The removed user: one with nothing of its own (its groups give it what it has).
    let victim = users.iter().position(plain).expect("a user with no policy of its own");
    let removed = users.remove(victim);
    // The changed user: a service user with an inline policy, no boundary and nothing attached.
    let target = users
        .iter_mut()
        .find(|u| {
            !is_empty(u, "UserPolicyList")
                && is_empty(u, "AttachedManagedPolicies")
                && is_empty(u, "GroupList")
                && u.get("PermissionsBoundary").is_none()
        })
        .expect("a user with only an inline policy");
    let attached =
        target.as_object_mut().expect("user").entry("AttachedManagedPolicies").or_insert(Value::Array(vec![]));
    attached
        .as_array_mut()
        .expect("array")
        .push(serde_json::json!({"PolicyName": "IAMFullAccess", "PolicyArn": iam_full}));
    let changed = target["Arn"].as_str().expect("arn").to_owned();
    std::fs::write(&file, serde_json::to_vec_pretty(&details).expect("encode")).expect("write");
    (removed["Arn"].as_str().expect("arn").to_owned(), changed)
}

/// A principal's effective permissions as `remit what-can --expand` lists them, in the
/// snapshot's line format `action\tresource\tdecision`.
fn what_can_lines(env: &Path, principal: &str) -> BTreeSet<String> {
    let v = ok_json(&remit(&["what-can", principal, "--env", &s(env), "--expand", "--format", "json"]));
    let mut lines = BTreeSet::new();
    for a in v["actions"].as_array().expect("actions") {
        for r in a["resources"].as_array().expect("resources") {
            lines.insert(format!(
                "{}\t{}\t{}",
                a["action"].as_str().expect("action"),
                r["resource"].as_str().expect("resource"),
                r["decision"].as_str().expect("decision")
            ));
        }
    }
    lines
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array().expect("array").iter().map(|x| x.as_str().expect("string").to_owned()).collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_array().expect("array").iter().map(|x| x["key"].as_str().expect("key").to_owned()).collect()
}

/// `remit scan`'s JSON report of an environment (nothing recorded).
fn scan_report(env: &Path) -> Value {
    let out = remit(&["scan", &s(env), "--format", "json", "--no-record"]);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Finding ids `remit scan` gives for an environment (its first-seen store kept apart).
fn scan_ids(env: &Path, data: &Path) -> BTreeSet<String> {
    let out = remit(&["--data-dir", &s(data), "scan", &s(env), "--format", "json"]);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["findings"].as_array().expect("findings").iter().map(|f| f["id"].as_str().expect("id").to_owned()).collect()
}

#[test]
fn snapshots_diff_time_travel_and_shared_blobs() {
    need_sql!();
    let root = tempfile::tempdir().expect("tempdir");
    let (original, changed, data) =
        (root.path().join("org"), root.path().join("org-changed"), root.path().join("data"));
    generate("small", 1, &original);
    common::copy_dir(&original, &changed);
    let (removed, grown) = change(&changed);
    let d = s(&data);
    let database = db(&data);

    // First snapshot.
    let first = ok_json(&remit(&[
        "--data-dir",
        &d,
        "snapshot",
        &s(&original),
        "--name",
        "org",
        "--taken-at",
        "2026-03-01",
        "--format",
        "json",
    ]));
    let id1 = first["snapshot"].as_i64().expect("id");
    let blobs_after_first = count(&database, "SELECT COUNT(*) FROM history_blob");
    assert_eq!(first["new_blobs"].as_i64(), Some(blobs_after_first), "{first}");
    // Findings are not counted here: those that tell an age (an access key's, an identity's
    // inactivity) are computed as of each snapshot's time and change with it.
    let versions_after_first = count(&database, "SELECT COUNT(*) FROM history_version WHERE kind <> 'finding'");

    // Second snapshot, of the changed copy, two weeks later.
    let second = ok_json(&remit(&[
        "--data-dir",
        &d,
        "snapshot",
        &s(&changed),
        "--name",
        "org",
        "--taken-at",
        "2026-03-15",
        "--format",
        "json",
    ]));
    let id2 = second["snapshot"].as_i64().expect("id");
    assert!(id2 > id1);
    assert_eq!(second["previous"].as_i64(), Some(id1));
    // Only what changed was stored: the changed file's manifest and its changed entry, the
    // changed principal's permissions, the new findings.
    let blobs_after_second = count(&database, "SELECT COUNT(*) FROM history_blob");
    let new_blobs = blobs_after_second - blobs_after_first;
    assert_eq!(second["new_blobs"].as_i64(), Some(new_blobs));
    assert!(new_blobs > 0 && new_blobs * 20 < blobs_after_first, "{new_blobs} new of {blobs_after_first} blobs");
    assert!(second["blobs"].as_i64().expect("blobs") > 20 * new_blobs, "{second}");
    // Versions: unchanged ones are not copied.
    let versions_after_second = count(&database, "SELECT COUNT(*) FROM history_version WHERE kind <> 'finding'");
    assert!(versions_after_second - versions_after_first < 20, "{versions_after_first} -> {versions_after_second}");
    eprintln!(
        "second snapshot: {new_blobs} new blob(s) of {} referenced; {} new version row(s)",
        second["blobs"],
        versions_after_second - versions_after_first
    );

    // `snapshots` lists both, newest first.
    let list = ok_json(&remit(&["--data-dir", &d, "snapshots", "--format", "json"]));
    let items = list["snapshots"].as_array().expect("snapshots");
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!((items[0]["id"].as_i64(), items[1]["id"].as_i64()), (Some(id2), Some(id1)));
    assert_eq!(items[0]["taken_at"], "2026-03-15T00:00:00Z");
    assert_eq!(items[1]["taken_at"], "2026-03-01T00:00:00Z");
    assert!(items.iter().all(|i| i["env"] == "org"));
    let principals = |i: &Value| i["summary"]["principals"].as_i64().expect("principals");
    assert_eq!(principals(&items[0]), principals(&items[1]) - 1);

    // `diff`: exactly what was changed.
    let diff = ok_json(&remit(&["--data-dir", &d, "diff", "--format", "json"]));
    assert_eq!((diff["from"].as_i64(), diff["to"].as_i64()), (Some(id1), Some(id2)));
    assert!(is_empty(&diff, "principals_added"), "{}", diff["principals_added"]);
    assert_eq!(keys(&diff["principals_removed"]), BTreeSet::from([removed.clone()]));
    let grants: Vec<&Value> = diff["grants"].as_array().expect("grants").iter().collect();
    let changed_principals: BTreeSet<String> =
        grants.iter().map(|g| g["principal"].as_str().expect("principal").to_owned()).collect();
    assert_eq!(changed_principals, BTreeSet::from([removed.clone(), grown.clone()]));
    for g in &grants {
        let principal = g["principal"].as_str().expect("principal");
        let (added, lost) = (strings(&g["added"]), strings(&g["removed"]));
        if principal == removed {
            assert!(added.is_empty());
            assert_eq!(lost, what_can_lines(&original, &removed), "the removed user loses all it had");
            assert!(!lost.is_empty());
        } else {
            let (before, after) = (what_can_lines(&original, &grown), what_can_lines(&changed, &grown));
            assert_eq!(added, after.difference(&before).cloned().collect::<BTreeSet<_>>());
            assert_eq!(lost, before.difference(&after).cloned().collect::<BTreeSet<_>>());
            assert!(added.iter().any(|l| l.starts_with("iam:CreateUser\t")), "IAMFullAccess gives iam:CreateUser");
        }
    }
    // Findings: as `remit scan` of each bundle differs, and only about the changed principals.
    let scans = root.path().join("scan-data");
    let (ids_before, ids_after) = (scan_ids(&original, &scans.join("a")), scan_ids(&changed, &scans.join("b")));
    // Findings are computed as of each snapshot's time (2026-03-01, 2026-03-15), `remit scan`
    // as of today: findings that tell an age (inactivity, key age) may differ between the
    // snapshots for no change of the bundle. Those must be all that differs besides the two
    // changed principals' findings, which must be exactly what the scans say.
    let about_change = |f: &Value| {
        let named = strings(&f["meta"]["principals"]);
        named.contains(&removed) || named.contains(&grown)
    };
    let ages = ["inactive-identity", "credential-hygiene"];
    let split = |list: &Value| -> BTreeSet<String> {
        let mut about = BTreeSet::new();
        for f in list.as_array().expect("array") {
            if about_change(f) {
                about.insert(f["key"].as_str().expect("key").to_owned());
            } else {
                let kind = f["meta"]["kind"].as_str().unwrap_or("");
                assert!(ages.contains(&kind), "a finding about neither change that tells no age: {f}");
            }
        }
        about
    };
    let (added, gone) = (split(&diff["findings_added"]), split(&diff["findings_removed"]));
    let about = |ids: BTreeSet<String>, scan: &Path| -> BTreeSet<String> {
        let report = scan_report(scan);
        ids.into_iter()
            .filter(|id| {
                report["findings"].as_array().expect("findings").iter().any(|f| {
                    f["id"] == id.as_str()
                        && f["principals"]
                            .as_array()
                            .is_some_and(|p| p.iter().any(|p| p == removed.as_str() || p == grown.as_str()))
                })
            })
            .collect()
    };
    let scan_added = about(ids_after.difference(&ids_before).cloned().collect(), &changed);
    let scan_gone = about(ids_before.difference(&ids_after).cloned().collect(), &original);
    assert_eq!(added, scan_added);
    assert_eq!(gone, scan_gone);
    assert!(!added.is_empty(), "attaching IAMFullAccess makes a finding");
    let kinds: Vec<&str> =
        diff["findings_added"].as_array().expect("added").iter().filter_map(|f| f["meta"]["kind"].as_str()).collect();
    assert!(kinds.contains(&"admin-equivalent"), "{kinds:?}");

    // Time travel: between the snapshots the store answers as the first bundle does; without
    // --at, as the second.
    let question = ["who-can", "iam:CreateUser", "arn:aws:iam::000000000000:user/newcomer"];
    let account = account_dir(&original).file_name().expect("name").to_string_lossy().into_owned();
    let resource = question[2].replace("000000000000", &account);
    let ask = |extra: &[&str]| {
        let mut args = vec!["--data-dir", d.as_str(), question[0], question[1], resource.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        ok_json(&remit(&args))
    };
    let from_disk = |env: &Path| ask(&["--env", &s(env)]);
    let (then, now) = (from_disk(&original), from_disk(&changed));
    assert_ne!(then, now, "the change answers differently");
    assert!(now.to_string().contains(&grown) && !then.to_string().contains(&grown));
    assert_eq!(ask(&["--at", "2026-03-10"]), then);
    assert_eq!(ask(&["--at", "2026-03-01T00:00:00Z"]), then, "--at the very second of the first snapshot");
    assert_eq!(ask(&["--snapshot", &id1.to_string()]), then);
    assert_eq!(ask(&["--at", "2026-03-20"]), now);
    assert_eq!(ask(&[]), now);
    assert_eq!(ask(&["--name", "org"]), now);

    // Before any snapshot: a clear error.
    let early = remit(&["--data-dir", &d, "who-can", question[1], &resource, "--at", "2026-02-01"]);
    assert_eq!(early.status.code(), Some(2), "{}", text(&early));
    let message = String::from_utf8_lossy(&early.stderr);
    assert!(message.contains("no snapshot taken at or before 2026-02-01"), "{message}");
    // A snapshot that does not exist, and a malformed time.
    let missing = remit(&["--data-dir", &d, "exposure", "--snapshot", "999"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no snapshot 999"), "{}", text(&missing));
    let malformed = remit(&["--data-dir", &d, "exposure", "--at", "last tuesday"]);
    assert_eq!(malformed.status.code(), Some(2), "{}", text(&malformed));

    // Out of order: refused, nothing stored.
    let tables = |db: &Path| {
        sql(
            db,
            "SELECT COUNT(*) FROM history_snapshot; SELECT COUNT(*) FROM history_version; \
             SELECT COUNT(*) FROM history_blob; SELECT COUNT(*) FROM audit_log",
        )
    };
    let before = tables(&database);
    let late = remit(&["--data-dir", &d, "snapshot", &s(&original), "--name", "org", "--taken-at", "2026-03-10"]);
    assert_eq!(late.status.code(), Some(2), "{}", text(&late));
    let message = String::from_utf8_lossy(&late.stderr);
    assert!(message.contains("already has a snapshot taken at") && message.contains("after this one"), "{message}");
    assert_eq!(tables(&database), before, "a refused snapshot stores nothing");
    assert_eq!(ok_json(&remit(&["--data-dir", &d, "snapshots", "--format", "json"])), list);

    // The same bundle again, as of the same time (findings that tell an age are computed as of
    // the snapshot's time): a new snapshot, but no new blob and no new version row.
    let (blobs, versions) = (
        count(&database, "SELECT COUNT(*) FROM history_blob"),
        count(&database, "SELECT COUNT(*) FROM history_version"),
    );
    let third = ok_json(&remit(&[
        "--data-dir",
        &d,
        "snapshot",
        &s(&changed),
        "--name",
        "org",
        "--taken-at",
        "2026-03-15",
        "--format",
        "json",
    ]));
    assert_eq!(third["new_blobs"], 0, "{third}");
    assert_eq!(count(&database, "SELECT COUNT(*) FROM history_blob"), blobs);
    assert_eq!(count(&database, "SELECT COUNT(*) FROM history_version"), versions);
    assert_eq!(count(&database, "SELECT COUNT(*) FROM history_snapshot"), 3);
    let id3 = third["snapshot"].as_i64().expect("id");
    let unchanged =
        ok_json(&remit(&["--data-dir", &d, "diff", &id2.to_string(), &id3.to_string(), "--format", "json"]));
    assert!(
        ["principals_added", "principals_removed", "grants", "findings_added", "findings_removed"]
            .iter()
            .all(|k| is_empty(&unchanged, k)),
        "{unchanged}"
    );
    assert_eq!(ask(&[]), now);
    assert_eq!(ask(&["--snapshot", &id2.to_string()]), now);
    assert_eq!(ask(&["--at", "2026-03-10"]), then);
}

/// Every snapshot the store lists, with its principal count from the summary and the number
/// of principal versions valid at it under the store's temporal rule — read in one statement.
fn listed(database: &Path) -> Vec<(i64, i64, i64)> {
    let rows = sql(
        database,
        "SELECT s.id, s.summary, (SELECT COUNT(*) FROM history_version v WHERE v.env = s.env AND v.kind = 'principal' \
         AND v.valid_from <= s.id AND (v.valid_to IS NULL OR v.valid_to >= s.id)) FROM history_snapshot s ORDER BY s.id",
    );
    rows.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (id, rest) = l.split_once('|').expect("id|summary|count");
            let (summary, n) = rest.rsplit_once('|').expect("summary|count");
            let summary: Value = serde_json::from_str(summary).expect("summary");
            (id.parse().expect("id"), summary["principals"].as_i64().expect("principals"), n.parse().expect("count"))
        })
        .collect()
}

#[test]
fn readers_never_see_half_a_snapshot() {
    need_sql!();
    let root = tempfile::tempdir().expect("tempdir");
    let (small, medium, data) = (root.path().join("small"), root.path().join("medium"), root.path().join("data"));
    generate("small", 4, &small);
    generate("medium", 4, &medium);
    let d = s(&data);
    let database = db(&data);
    ok(&remit(&["--data-dir", &d, "snapshot", &s(&small), "--name", "small"]));

    let mut writer = std::process::Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(["--data-dir", &d, "snapshot", &s(&medium), "--name", "medium", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("remit runs");
    let started = Instant::now();
    let (mut polls, mut while_writing, mut seen_new) = (0, 0, false);
    let mut checked_by_query = BTreeSet::new();
    loop {
        let done = writer.try_wait().expect("wait").is_some();
        let writing = common::holds_write_lock(writer.id(), &data).unwrap_or(false) && !done;
        // SQL: every snapshot listed is whole at the moment it is listed.
        for (id, principals, valid) in listed(&database) {
            assert_eq!(
                principals, valid,
                "snapshot {id} lists {principals} principals but {valid} versions are valid at it"
            );
            if id > 1 {
                seen_new = true;
            }
        }
        polls += 1;
        while_writing += usize::from(writing);
        if writing {
            // The writer is in a transaction: poll again at once, by SQL only (milliseconds).
            continue;
        }
        // The binary: every snapshot `remit snapshots` lists can be asked about.
        let list = ok_json(&remit(&["--data-dir", &d, "snapshots", "--format", "json"]));
        for item in list["snapshots"].as_array().expect("snapshots") {
            let id = item["id"].as_i64().expect("id");
            if checked_by_query.insert(id) {
                let v =
                    ok_json(&remit(&["--data-dir", &d, "exposure", "--snapshot", &id.to_string(), "--format", "json"]));
                assert!(v.is_object(), "{v}");
            }
        }
        if done {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "the snapshot takes too long");
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = writer.wait_with_output().expect("output");
    ok(&out);
    // Once more after the commit: the new snapshot is listed and whole.
    let after = listed(&database);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.iter().all(|(_, p, v)| p == v), "{after:?}");
    assert!(checked_by_query.len() <= 2);
    eprintln!(
        "{polls} polls while the snapshot was written ({while_writing} of them while it held the write lock); new snapshot seen during polling: {seen_new}"
    );
    assert!(seen_new, "the readers saw the new snapshot once committed");
    assert!(polls >= 3, "the readers polled while the writer ran");
}
