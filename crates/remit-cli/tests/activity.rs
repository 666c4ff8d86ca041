//! Activity as a user runs it: generated CloudTrail logs ingested (from files and from S3 in
//! moto), then usage, unused permissions, the creep index and a right-sized policy.

// The moto harness of the collector's tests, shared rather than copied.
#[allow(dead_code)]
#[path = "../../remit-aws-collect/tests/support/mod.rs"]
mod support;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;

fn remit(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_remit")).args(args).envs(envs.iter().copied()).output().expect("remit runs")
}

fn ok_json(out: &Output) -> Value {
    assert!(out.status.success(), "status {:?}\nstderr: {}", out.status, String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// A small generated environment and a few thousand events of its CloudTrail logs.
fn generated(root: &Path) -> (PathBuf, PathBuf, Value) {
    let env = root.join("env");
    let trail = root.join("trail");
    let s = |p: &Path| p.display().to_string();
    let out = remit(&["generate", "aws-org", "--size", "small", "--seed", "2", "--out", &s(&env)], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = remit(
        &[
            "generate",
            "cloudtrail",
            "--env",
            &s(&env),
            "--out",
            &s(&trail),
            "--events",
            "6000",
            "--days",
            "10",
            "--seed",
            "2",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let truth: Value =
        serde_json::from_slice(&std::fs::read(trail.join("activity-truth.json")).expect("truth")).expect("json");
    (env, trail, truth)
}

/// The busiest principal of the truth.
fn busiest(truth: &Value) -> String {
    let principals = truth["principals"].as_array().expect("principals");
    let calls = |p: &Value| {
        p["calls"].as_array().map_or(0, |c| c.iter().map(|c| c["allowed"].as_u64().unwrap_or(0)).sum::<u64>())
    };
    let p = principals
        .iter()
        .filter(|p| p["arn"].as_str().is_some_and(|a| a.contains(":role/") || a.contains(":user/")))
        .max_by_key(|p| calls(p))
        .expect("a principal");
    p["arn"].as_str().expect("arn").to_owned()
}

#[test]
fn ingest_then_usage_unused_creep_and_rightsize() {
    let root = tempfile::tempdir().expect("tempdir");
    let (env, trail, truth) = generated(root.path());
    let data = root.path().join("data");
    let logs = trail.join("AWSLogs");
    let (env, trail, data) = (env.display().to_string(), logs.display().to_string(), data.display().to_string());

    let first = ok_json(&remit(&["--data-dir", &data, "ingest", "cloudtrail", &trail, "--format", "json"], &[]));
    assert_eq!(first["records"], truth["records"]);
    assert_eq!(first["unmapped"], 0);
    assert_eq!(first["issues"], 0);
    // Again: every file is already in the store.
    let again = ok_json(&remit(&["--data-dir", &data, "ingest", "cloudtrail", &trail, "--format", "json"], &[]));
    assert_eq!((again["files"].as_u64(), again["records"].as_u64()), (Some(0), Some(0)));
    assert_eq!(again["alreadyIngested"], first["files"]);
    assert_eq!(again["store"]["records"], truth["records"]);

    let principal = busiest(&truth);
    let usage = ok_json(&remit(&["--data-dir", &data, "usage", &principal, "--format", "json"], &[]));
    assert!(usage["events"].as_u64().expect("events") > 0);
    assert!(!usage["actions"].as_array().expect("actions").is_empty());

    let unused = ok_json(&remit(&["--data-dir", &data, "unused", &principal, "--env", &env, "--format", "json"], &[]));
    let granted = unused["granted"].as_u64().expect("granted");
    assert!(granted > 0 && unused["unused"].as_u64().expect("unused") < granted);
    assert!(unused["pci"].as_u64().expect("pci") <= 100);

    let creep = ok_json(&remit(&["--data-dir", &data, "creep", "--env", &env, "--format", "json"], &[]));
    assert!(creep["organization"]["principals"].as_u64().expect("principals") > 10);
    // The generator leaves some principals idle: they are listed as inactive.
    let idle = truth["inactive"].as_array().expect("inactive");
    let listed: Vec<&str> =
        creep["inactive"].as_array().expect("inactive").iter().filter_map(|p| p["principal"].as_str()).collect();
    assert!(idle.iter().filter_map(Value::as_str).all(|p| listed.contains(&p)), "{idle:?} {listed:?}");

    let r = ok_json(&remit(&["--data-dir", &data, "rightsize", &principal, "--env", &env, "--format", "json"], &[]));
    assert_eq!(r["replay"]["holds"], true, "{}", r["replay"]);
    assert_eq!(r["replay"]["observed"], r["replay"]["stillAllowed"]);
    let tf = remit(&["--data-dir", &data, "rightsize", &principal, "--env", &env, "--format", "terraform"], &[]);
    assert!(String::from_utf8_lossy(&tf.stdout).contains("jsonencode("));
    let cli = remit(&["--data-dir", &data, "rightsize", &principal, "--env", &env, "--format", "cli"], &[]);
    assert!(String::from_utf8_lossy(&cli.stdout).contains("--policy-name remit-rightsized"));
}

#[test]
fn damaged_files_are_reported_and_the_rest_is_stored() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("logs");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let record = r#"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"eventTime":"2026-02-27T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","recipientAccountId":"111122223333"}"#;
    std::fs::write(dir.join("good.json"), format!(r#"{{"Records":[{record},{record}]}}"#)).expect("write");
    std::fs::write(dir.join("bad.json"), format!(r#"{{"Records":[{record},{{"eventTime":"#)).expect("write");
    let data = root.path().join("data").display().to_string();
    let out = remit(&["--data-dir", &data, "ingest", "cloudtrail", &dir.display().to_string()], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.json") && stderr.contains("byte ") && stderr.contains("ends early"), "{stderr}");
    let usage = ok_json(&remit(
        &["--data-dir", &data, "usage", "arn:aws:iam::111122223333:user/alice", "--format", "json"],
        &[],
    ));
    assert_eq!(usage["actions"][0]["action"], "s3:ListAllMyBuckets");
    assert_eq!(usage["actions"][0]["allowed"], 3);
    // A path that does not exist is an error, not a silent empty ingest.
    let missing = remit(&["--data-dir", &data, "ingest", "cloudtrail", "/nonexistent/logs"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/logs"));
}

#[test]
fn s3_ingest_in_moto_equals_file_ingest() {
    let Some(moto) = support::start_moto() else { return };
    let root = tempfile::tempdir().expect("tempdir");
    let (_, trail, truth) = generated(root.path());
    // Upload with boto3 from moto's own environment (moto depends on it).
    let server = std::env::var("REMIT_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let python = Path::new(&server).parent().map_or_else(|| PathBuf::from("python3"), |bin| bin.join("python"));
    let upload = Command::new(python)
        .args(["-c", "import boto3,os,sys\ns3=boto3.client('s3',endpoint_url=sys.argv[1],region_name='us-east-1',aws_access_key_id='testing',aws_secret_access_key='testing')\ns3.create_bucket(Bucket='org-trail')\nroot=sys.argv[2]\nfor d,_,fs in os.walk(root):\n  for f in fs:\n    if f.endswith('.json.gz'):\n      p=os.path.join(d,f); s3.upload_file(p,'org-trail',os.path.relpath(p,root))\n", &moto.endpoint, &trail.display().to_string()])
        .output()
        .expect("python runs");
    assert!(upload.status.success(), "{}", String::from_utf8_lossy(&upload.stderr));
    let aws = [
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let s3_data = root.path().join("s3-data").display().to_string();
    let from_s3 = ok_json(&remit(
        &["--data-dir", &s3_data, "ingest", "cloudtrail", "s3://org-trail/AWSLogs/", "--format", "json"],
        &aws,
    ));
    assert_eq!(from_s3["records"], truth["records"]);
    let again = ok_json(&remit(
        &["--data-dir", &s3_data, "ingest", "cloudtrail", "s3://org-trail/AWSLogs/", "--format", "json"],
        &aws,
    ));
    assert_eq!(again["records"], 0);
    let file_data = root.path().join("file-data").display().to_string();
    ok_json(&remit(
        &[
            "--data-dir",
            &file_data,
            "ingest",
            "cloudtrail",
            &trail.join("AWSLogs").display().to_string(),
            "--format",
            "json",
        ],
        &[],
    ));
    let principal = busiest(&truth);
    let a = ok_json(&remit(&["--data-dir", &s3_data, "usage", &principal, "--format", "json"], &[]));
    let b = ok_json(&remit(&["--data-dir", &file_data, "usage", &principal, "--format", "json"], &[]));
    assert_eq!(a, b);
    // A bucket that does not exist is an error naming it.
    let missing = remit(&["--data-dir", &s3_data, "ingest", "cloudtrail", "s3://no-such-trail-bucket/"], &aws);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-trail-bucket"));
}
