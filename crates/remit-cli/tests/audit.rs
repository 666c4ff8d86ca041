//! The audit trail through the `remit` binary: every change made from the command line is
//! recorded with its actor, `audit verify` holds on an untouched trail and finds a modified,
//! deleted, reordered and (against a kept head) truncated record when the SQLite file is
//! edited behind Remit's back; the exports; API tokens stored hashed; weak passwords and
//! duplicate users refused.

mod common;

use std::path::Path;

use common::{copy_dir, count, db, generate, ok, ok_json, remit, remit_with, s, sql, text};
use serde_json::Value;

const PASSWORD: &str = "a long enough passphrase";

fn as_user<'a>(user: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut envs = vec![("USER", user), ("LOGNAME", user), ("REMIT_PASSWORD", PASSWORD)];
    envs.extend_from_slice(extra);
    envs
}

fn verify(data: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args =
        vec!["--data-dir".to_owned(), s(data), "audit".into(), "verify".into(), "--format".into(), "json".into()];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = remit(&args);
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {}", text(&out))).expect("JSON");
    (out.status.code(), v, text(&out))
}

fn problems(v: &Value) -> Vec<(i64, String)> {
    v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| (p["seq"].as_i64().expect("seq"), p["kind"].as_str().expect("kind").to_owned()))
        .collect()
}

fn export(data: &Path, format: &str) -> Vec<String> {
    let out = remit(&["--data-dir", &s(data), "audit", "export", "--format", format]);
    ok(&out);
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

/// Splits a CEF line at its unescaped pipes.
fn cef_fields(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut chars) = (Vec::new(), String::new(), line.chars());
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                cur.extend(chars.next());
            }
            '|' if fields.len() < 7 => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// A CEF extension's `key=value` pairs, values unescaped.
fn cef_extension(ext: &str) -> Vec<(String, String)> {
    // Keys are `word=` after a space; values run to the next unescaped ` key=`.
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut rest = ext;
    while !rest.is_empty() {
        let eq = rest.find('=').expect("key=");
        let key = rest[..eq].to_owned();
        rest = &rest[eq + 1..];
        // The value ends before ` <word>=` where that `=` is unescaped.
        let bytes = rest.as_bytes();
        let (mut end, mut i) = (rest.len(), 0);
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'=' => {
                    let space = rest[..i].rfind(' ').expect("a space before the next key");
                    end = space;
                    break;
                }
                _ => i += 1,
            }
        }
        let raw = &rest[..end];
        let mut value = String::new();
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some(other) => value.push(other),
                    None => {}
                }
            } else {
                value.push(c);
            }
        }
        pairs.push((key, value));
        rest = rest.get(end + 1..).unwrap_or("");
    }
    pairs
}

#[test]
fn every_cli_change_is_recorded_and_tampering_is_found() {
    need_sql!();
    let root = tempfile::tempdir().expect("tempdir");
    let (env, data) = (root.path().join("env"), root.path().join("data"));
    generate("small", 7, &env);
    let d = s(&data);

    // Changes from the command line, as OS user `tester`.
    ok(&remit_with(&["--data-dir", &d, "snapshot", &s(&env), "--name", "prod"], &as_user("tester", &[]), None));
    ok(&remit_with(
        &["--data-dir", &d, "user", "add", "alice", "--role", "security-analyst"],
        &as_user("tester", &[]),
        None,
    ));
    ok(&remit_with(&["--data-dir", &d, "user", "set-role", "alice", "auditor"], &as_user("tester", &[]), None));
    let token = remit_with(
        &["--data-dir", &d, "token", "create", "--user", "alice", "--name", "nightly", "--scope", "read"],
        &as_user("tester", &[]),
        None,
    );
    ok(&token);
    let logs = root.path().join("logs");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let record = r#"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"eventTime":"2026-02-27T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","recipientAccountId":"111122223333"}"#;
    std::fs::write(logs.join("trail.json"), format!(r#"{{"Records":[{record},{record},{record}]}}"#)).expect("write");
    ok(&remit_with(&["--data-dir", &d, "ingest", "cloudtrail", &s(&logs)], &as_user("tester", &[]), None));
    // Ingesting the same file again changes nothing and records nothing.
    ok(&remit_with(&["--data-dir", &d, "ingest", "cloudtrail", &s(&logs)], &as_user("tester", &[]), None));
    // An actor with the characters CEF escapes.
    ok(&remit_with(
        &["--data-dir", &d, "user", "set-role", "alice", "security-analyst"],
        &as_user("ops|team=a\\b", &[]),
        None,
    ));

    // JSON Lines: every change, in order, chained.
    let lines = export(&data, "jsonl");
    let records: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let actions: Vec<&str> = records.iter().map(|r| r["action"].as_str().expect("action")).collect();
    assert_eq!(
        actions,
        ["snapshot.capture", "user.create", "user.role", "token.create", "activity.ingest", "user.role"],
        "{lines:#?}"
    );
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"].as_i64(), Some(i as i64 + 1));
        assert_eq!(r["source"], "cli");
        assert_eq!(r["outcome"], "success");
        let expected_prev =
            if i == 0 { "0".repeat(64) } else { records[i - 1]["hash"].as_str().expect("hash").to_owned() };
        assert_eq!(r["prev_hash"].as_str(), Some(expected_prev.as_str()), "record {} links to its predecessor", i + 1);
        assert_eq!(r["hash"].as_str().map(str::len), Some(64));
        let actor = if i == 5 { "cli:ops|team=a\\b" } else { "cli:tester" };
        assert_eq!(r["actor"], actor);
    }
    assert_eq!(records[0]["target"], "prod");
    assert_eq!(records[1]["target"], "alice");
    assert_eq!(records[2]["detail"], serde_json::json!({"from": "security-analyst", "to": "auditor"}));
    assert_eq!(records[4]["detail"]["files"], 1);
    assert_eq!(records[4]["detail"]["records"], 3);
    // No secret in the trail.
    let token_text = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert!(lines.iter().all(|l| !l.contains(&token_text) && !l.contains(PASSWORD)));

    // CEF: a header of seven fields, the extension escaped.
    let cef = export(&data, "cef");
    assert_eq!(cef.len(), records.len());
    for (line, r) in cef.iter().zip(&records) {
        assert!(line.starts_with("CEF:0|Remit|Remit|"), "{line}");
        let fields = cef_fields(line);
        assert_eq!(fields.len(), 8, "{line}");
        assert_eq!(fields[4], r["action"].as_str().expect("action"));
        let ext = cef_extension(&fields[7]);
        let get = |k: &str| ext.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("suser").as_deref(), r["actor"].as_str(), "{line}");
        assert_eq!(get("cs1").as_deref(), r["hash"].as_str());
        assert_eq!(get("externalId"), Some(r["seq"].to_string()));
        assert_eq!(
            get("msg").map(|m| serde_json::from_str::<Value>(&m).expect("msg is the detail")),
            Some(r["detail"].clone())
        );
    }
    assert!(cef[5].contains("suser=cli:ops|team\\=a\\\\b "), "`=` and `\\` escaped in the extension: {}", cef[5]);

    // Intact: exit 0, the head printed.
    let head = format!("{}:{}", records.len(), records.last().expect("a record")["hash"].as_str().expect("hash"));
    let out = remit(&["--data-dir", &d, "audit", "verify"]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&head), "{}", text(&out));
    let (code, v, _) = verify(&data, &["--expect-head", &head]);
    assert_eq!((code, v["intact"].as_bool()), (Some(0), Some(true)), "{v}");

    // Tampering, each case on a fresh copy of the store (the database and its WAL).
    let pristine = root.path().join("pristine");
    copy_dir(&data, &pristine);
    let tamper = |name: &str, statements: &str| {
        let dir = root.path().join(name);
        copy_dir(&pristine, &dir);
        sql(&db(&dir), statements);
        dir
    };
    // A field of one record changed.
    let dir = tamper("modified", "UPDATE audit_log SET target = 'mallory' WHERE seq = 3");
    let (code, v, out) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(problems(&v), [(3, "modified".to_owned())], "{v}");
    let table = remit(&["--data-dir", &s(&dir), "audit", "verify"]);
    assert_eq!(table.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&table.stdout).contains("NOT intact"), "{}", text(&table));
    // The outcome changed (a refusal made to look like a success, and back).
    let dir = tamper("outcome", "UPDATE audit_log SET outcome = 'denied' WHERE seq = 2");
    let (code, v, out) = verify(&dir, &[]);
    assert_eq!((code, problems(&v)), (Some(1), vec![(2, "modified".to_owned())]), "{out}");
    // A record deleted.
    let dir = tamper("deleted", "DELETE FROM audit_log WHERE seq = 3");
    let (code, v, out) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(problems(&v).contains(&(3, "deleted".to_owned())), "{v}");
    assert!(problems(&v).iter().all(|(seq, _)| *seq == 3 || *seq == 4), "{v}");
    // Two records swapped.
    let dir = tamper(
        "reordered",
        "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 4; \
         UPDATE audit_log SET seq = 4 WHERE seq = -2",
    );
    let (code, v, out) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{out}");
    let found = problems(&v);
    assert!(found.iter().any(|(_, kind)| kind == "reordered"), "{v}");
    assert!(found.iter().all(|(seq, _)| [2, 3, 4].contains(seq)), "{v}");
    // The newest record deleted: the chain is still whole, only the kept head shows it.
    let dir = tamper("truncated", "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)");
    let (code, v, out) = verify(&dir, &[]);
    assert_eq!((code, v["intact"].as_bool()), (Some(0), Some(true)), "undetectable without a kept head: {out}");
    let (code, v, out) = verify(&dir, &["--expect-head", &head]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(problems(&v), [(records.len() as i64, "truncated".to_owned())], "{v}");
    // ... and rewritten: the newest record replaced by another with a valid hash would need
    // the hash function's input; a replaced hash alone is a modification.
    let dir = tamper(
        "rehashed",
        "UPDATE audit_log SET hash = substr(hash, 2) || '0' WHERE seq = (SELECT MAX(seq) FROM audit_log)",
    );
    let (code, _, out) = verify(&dir, &[]);
    assert_eq!(code, Some(1), "{out}");
    // A malformed kept head is an error, not a verdict.
    let bad = remit(&["--data-dir", &d, "audit", "verify", "--expect-head", "nonsense"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    // The untouched store still verifies.
    assert_eq!(verify(&pristine, &[]).0, Some(0));
}

#[test]
fn tokens_are_stored_hashed_and_weak_or_duplicate_users_refused() {
    need_sql!();
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let d = s(&data);

    // A weak password: refused, nothing stored.
    let weak =
        remit_with(&["--data-dir", &d, "user", "add", "bob", "--role", "admin"], &[("REMIT_PASSWORD", "short")], None);
    assert_eq!(weak.status.code(), Some(2), "{}", text(&weak));
    // From standard input too.
    let weak = remit_with(&["--data-dir", &d, "user", "add", "bob", "--role", "admin"], &[], Some("password\n"));
    assert_eq!(weak.status.code(), Some(2), "{}", text(&weak));
    let users = ok_json(&remit(&["--data-dir", &d, "user", "list", "--format", "json"]));
    assert_eq!(users["users"].as_array().map(Vec::len), Some(0), "{users}");

    ok(&remit_with(
        &["--data-dir", &d, "user", "add", "bob", "--role", "admin"],
        &[],
        Some("a long enough passphrase\n"),
    ));
    let duplicate = remit_with(
        &["--data-dir", &d, "user", "add", "bob", "--role", "auditor"],
        &[("REMIT_PASSWORD", PASSWORD)],
        None,
    );
    assert_eq!(duplicate.status.code(), Some(2), "{}", text(&duplicate));
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists"), "{}", text(&duplicate));
    let users = ok_json(&remit(&["--data-dir", &d, "user", "list", "--format", "json"]));
    assert_eq!(users["users"][0]["role"], "admin", "the duplicate did not change the user");
    assert_eq!(count(&db(&data), "SELECT COUNT(*) FROM account_user"), 1);
    // The password is stored as an argon2id hash.
    let hash = sql(&db(&data), "SELECT password_hash FROM account_user WHERE name = 'bob'");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let bad_role = remit_with(&["--data-dir", &d, "user", "set-role", "bob", "superuser"], &[], None);
    assert_eq!(bad_role.status.code(), Some(2), "{}", text(&bad_role));
    let nobody = remit_with(
        &["--data-dir", &d, "token", "create", "--user", "nobody", "--name", "x", "--scope", "read"],
        &[],
        None,
    );
    assert_eq!(nobody.status.code(), Some(2), "{}", text(&nobody));

    // A token: printed once, on standard output; the database holds only its SHA-256.
    let out = remit(&[
        "--data-dir",
        &d,
        "token",
        "create",
        "--user",
        "bob",
        "--name",
        "ci",
        "--scope",
        "read",
        "--days",
        "7",
    ]);
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(token.starts_with("rmt_") && token.len() > 30, "{token}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(token), "the token is not repeated on stderr");
    let rows = sql(&db(&data), "SELECT id, hash, user_name, scopes, expires_at - created_at FROM account_token");
    let fields: Vec<&str> = rows.split('|').collect();
    assert_eq!(fields.len(), 5, "{rows}");
    assert_eq!(fields[1], remit_auth::secret::sha256_hex(token), "the stored hash is the token's SHA-256");
    assert_eq!((fields[2], fields[4]), ("bob", "604800"));
    assert!(fields[3].contains("read"));
    // The secret itself is nowhere in the store's files.
    for file in ["remit.db", "remit.db-wal"] {
        if let Ok(bytes) = std::fs::read(data.join(file)) {
            let secret = token.split('_').next_back().expect("secret part");
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{file} holds the token");
        }
    }
    // Only scopes that are Remit actions.
    let bad_scope =
        remit(&["--data-dir", &d, "token", "create", "--user", "bob", "--name", "x", "--scope", "everything"]);
    assert_eq!(bad_scope.status.code(), Some(2), "{}", text(&bad_scope));
    assert_eq!(count(&db(&data), "SELECT COUNT(*) FROM account_token"), 1);
    // Refusals changed nothing and recorded nothing; the three changes are in the trail.
    let trail = export(&data, "jsonl");
    let actions: Vec<String> = trail
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["action"].as_str().expect("action").to_owned())
        .collect();
    assert_eq!(actions, ["user.create", "token.create"]);
    assert!(trail.iter().all(|l| !l.contains(token)));
}
