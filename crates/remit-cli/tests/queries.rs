//! The query commands on one `get-account-authorization-details` export, as a user runs them:
//! JSON shapes, tables, exit statuses, and import issues named by file and JSON path.

use std::{
    path::PathBuf,
    process::{Command, Output},
};

use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";

fn remit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_remit")).args(args).output().expect("remit runs")
}

/// A temporary file holding `value`, removed on drop.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write(name: &str, value: &Value) -> TempFile {
    let path = std::env::temp_dir().join(format!("remit-cli-{}-{name}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(value).expect("json")).expect("write");
    TempFile(path)
}

fn export(alice_policy: Value) -> Value {
    json!({
        "UserDetailList": [
            {"Path": "/", "UserName": "alice", "UserId": "AIDAALICE", "Arn": format!("arn:aws:iam::{ACCOUNT}:user/alice"),
             "CreateDate": "2026-01-01T00:00:00+00:00", "GroupList": ["devs"], "AttachedManagedPolicies": [], "Tags": [],
             "UserPolicyList": [{"PolicyName": "become-deployer", "PolicyDocument": alice_policy}]},
            {"Path": "/", "UserName": "bob", "UserId": "AIDABOB", "Arn": format!("arn:aws:iam::{ACCOUNT}:user/bob"),
             "CreateDate": "2026-01-01T00:00:00+00:00", "GroupList": [], "AttachedManagedPolicies": [], "Tags": []}
        ],
        "GroupDetailList": [
            {"Path": "/", "GroupName": "devs", "GroupId": "AGPADEVS", "Arn": format!("arn:aws:iam::{ACCOUNT}:group/devs"),
             "CreateDate": "2026-01-01T00:00:00+00:00",
             "GroupPolicyList": [{"PolicyName": "read-logs", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::logs/*",
                  "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}}],
             "AttachedManagedPolicies": []}
        ],
        "RoleDetailList": [
            {"Path": "/", "RoleName": "deployer", "RoleId": "AROADEPLOYER", "Arn": format!("arn:aws:iam::{ACCOUNT}:role/deployer"),
             "CreateDate": "2026-01-01T00:00:00+00:00",
             "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Principal": {"AWS": [format!("arn:aws:iam::{ACCOUNT}:root"), "arn:aws:iam::444455556666:root"]},
                  "Action": "sts:AssumeRole"}]},
             "InstanceProfileList": [], "RolePolicyList": [
                 {"PolicyName": "deploy", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                     {"Effect": "Allow", "Action": ["s3:PutObject", "lambda:UpdateFunctionCode"], "Resource": "*"}]}}],
             "AttachedManagedPolicies": [], "Tags": [], "RoleLastUsed": {}}
        ],
        "Policies": []
    })
}

fn alice_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/deployer")}]})
}

fn stdout_json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn who_can_lists_principals_with_their_path_and_conditions() {
    let file = write("who-can", &export(alice_policy()));
    let env = file.0.to_str().expect("utf-8 path");
    let out = stdout_json(&remit(&[
        "who-can",
        "s3:PutObject",
        "arn:aws:s3:::artifacts/app.zip",
        "--env",
        env,
        "--format",
        "json",
    ]));
    let principals = out["principals"].as_array().expect("principals[]");
    let find = |arn: &str| principals.iter().find(|p| p["arn"] == arn).unwrap_or_else(|| panic!("{arn} in {out:#}"));
    let deployer = find(&format!("arn:aws:iam::{ACCOUNT}:role/deployer"));
    assert_eq!(deployer["decision"], "allowed");
    assert_eq!(deployer["via"][0]["type"], "policies");
    let alice = find(&format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    assert_eq!(alice["decision"], "allowed");
    let assume = json!({"type": "assume", "role": format!("arn:aws:iam::{ACCOUNT}:role/deployer")});
    assert!(alice["via"].as_array().is_some_and(|v| v.contains(&assume)), "{alice:#}");
    // The partner account may assume deployer, if its own policies let its principals.
    let partner = find("arn:aws:iam::444455556666:root");
    assert_eq!(partner["decision"], "conditional");
    assert!(partner["conditions"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(!principals.iter().any(|p| p["arn"] == format!("arn:aws:iam::{ACCOUNT}:user/bob")));

    // A condition on unknown context: conditional, with the condition shown.
    let out =
        stdout_json(&remit(&["who-can", "s3:GetObject", "arn:aws:s3:::logs/a", "--env", env, "--format", "json"]));
    let alice = &out["principals"][0];
    assert_eq!(alice["arn"], format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    assert_eq!(alice["decision"], "conditional");
    assert!(alice["conditions"][0]["condition"].as_str().is_some_and(|c| c.contains("aws:MultiFactorAuthPresent")));
    assert_eq!(alice["via"][0], json!({"type": "group", "group": "devs"}));

    // The table names the same principals.
    let out = remit(&["who-can", "s3:GetObject", "arn:aws:s3:::logs/a", "--env", env]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("user/alice"));
}

#[test]
fn explain_what_can_can_become_and_exposure() {
    let file = write("explain", &export(alice_policy()));
    let env = file.0.to_str().expect("utf-8 path");
    let alice = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    let deployer = format!("arn:aws:iam::{ACCOUNT}:role/deployer");

    let out = stdout_json(&remit(&[
        "explain",
        &deployer,
        "s3:PutObject",
        "arn:aws:s3:::a/b",
        "--env",
        env,
        "--format",
        "json",
    ]));
    assert_eq!(out["decision"], "allowed");
    assert!(
        out["statements"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["layer"] == "identity" && s["effect"] == "Allow"))
    );
    let out =
        stdout_json(&remit(&["explain", &alice, "s3:PutObject", "arn:aws:s3:::a/b", "--env", env, "--format", "json"]));
    assert_eq!(out["decision"], "implicitlyDenied");

    let out = remit(&["what-can", &deployer, "--env", env, "--service", "lambda", "--format", "json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("lambda:UpdateFunctionCode"), "{text}");
    assert!(!text.contains("lambda:InvokeFunction"), "{text}");

    let out = stdout_json(&remit(&["can-become", &deployer, "--env", env, "--format", "json"]));
    let who: Vec<&str> =
        out["principals"].as_array().expect("principals").iter().filter_map(|p| p["arn"].as_str()).collect();
    assert!(who.contains(&alice.as_str()) && who.contains(&"arn:aws:iam::444455556666:root"), "{who:?}");
    assert!(!who.iter().any(|w| w.ends_with("user/bob")), "{who:?}");
    let out = stdout_json(&remit(&["can-become", "--from", &alice, "--env", env, "--format", "json"]));
    assert_eq!(out["principals"][0]["arn"], deployer);

    let out = stdout_json(&remit(&["exposure", "--env", env, "--format", "json"]));
    let exposures = out["exposures"].as_array().expect("exposures");
    assert!(exposures.iter().any(|e| e["resource"] == deployer && e["outsider"] == "arn:aws:iam::444455556666:root"));

    // Unknown principals are errors that say so.
    let out = remit(&["explain", "arn:aws:iam::111122223333:user/nobody", "s3:GetObject", "*", "--env", env]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("user/nobody"));
}

#[test]
fn a_malformed_policy_is_named_and_its_principal_marked_incomplete() {
    // Alice's inline policy has a condition block that is not an object.
    let bad = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": "yes"}]});
    let file = write("malformed", &export(bad));
    let env = file.0.to_str().expect("utf-8 path");
    let out = remit(&["aws", "check", "--env", env, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "issues exit 1: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let issue = &report["issues"][0];
    assert!(issue["file"].as_str().is_some_and(|f| f.ends_with("-malformed.json")), "{issue}");
    assert!(issue["path"].as_str().is_some_and(|p| p.starts_with("UserDetailList[0].UserPolicyList[0]")), "{issue}");
    assert!(issue["path"].as_str().is_some_and(|p| p.contains("Condition")), "{issue}");

    // The queries still answer, say so on stderr, and flag alice as incomplete; bob is intact.
    let out = remit(&["who-can", "s3:GetObject", "arn:aws:s3:::logs/a", "--env", env, "--format", "json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("import issue"));
    let answer = stdout_json(&out);
    let alice = answer["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .find(|p| p["arn"].as_str().is_some_and(|a| a.ends_with("user/alice")))
        .cloned();
    assert_eq!(alice.expect("alice keeps her group's grant")["incomplete"], true);

    // A file that is not an export: an error, exit 2.
    let junk = write("junk", &json!({"hello": "world"}));
    let out = remit(&["aws", "check", "--env", junk.0.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_demo_analyses_a_generated_organization() {
    let dir = std::env::temp_dir().join(format!("remit-cli-demo-{}", std::process::id()));
    let out = remit(&["demo", "--out", dir.to_str().expect("utf-8"), "--seed", "3", "--no-serve"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // One person across the three clouds: the person the demo prints, asked again.
    let person = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("remit what-can person:"))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned);
    let across = person.as_ref().map(|p| {
        let answer =
            remit(&["what-can", &format!("person:{p}"), "--env", dir.to_str().expect("utf-8"), "--format", "json"]);
        serde_json::from_slice::<Value>(&answer.stdout).unwrap_or(Value::Null)
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Generated a demo organization (seed 3): 12 accounts"), "{text}");
    assert!(text.contains("remit exposure"), "{text}");
    assert!(text.contains("principal(s) can perform s3:GetObject"), "{text}");
    assert!(text.contains("Keep asking:"), "{text}");
    // The history: two snapshots a month apart, and the demo users (the password chosen once).
    assert!(text.contains("snapshot 1 taken") && text.contains("snapshot 2 taken"), "{text}");
    assert!(text.contains("remit --data-dir") && text.contains(" diff"), "{text}");
    // Azure, Google Cloud and people beside AWS: their logs ingested, one person in every cloud.
    assert!(text.contains("azure logs:") && text.contains("gcp logs:"), "{text}");
    assert!(text.contains("== One person across clouds"), "{text}");
    let across = across.expect("the demo names a person");
    let clouds: std::collections::BTreeSet<&str> =
        across["identities"].as_array().expect("identities").iter().filter_map(|i| i["cloud"].as_str()).collect();
    assert_eq!(clouds.into_iter().collect::<Vec<_>>(), ["aws", "azure", "gcp"], "{across}");
    for identity in across["identities"].as_array().expect("identities") {
        assert!(identity["access"].get("error").is_none(), "{identity}");
        assert_eq!(identity["link"]["confidence"], "high", "{identity}");
    }
}
