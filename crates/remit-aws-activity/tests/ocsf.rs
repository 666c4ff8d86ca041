//! Amazon Security Lake's CloudTrail (OCSF in Parquet) counts exactly as the same events in
//! CloudTrail's JSON: same usage, principals, identities, unmapped events and coverage, same
//! denials, and damage reported with the file, the row and the row group.
//!
//! The Parquet files are written by pyarrow (`tests/ocsf_parquet.py`), a writer independent of
//! Remit, run with the Python that `REMIT_PYTHON` names (`scripts/test.sh` installs pyarrow into
//! the tests' virtual environment and sets it). Without it the tests are skipped, except under
//! `CI`, where they fail.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::Command,
};

use remit_aws_activity::{Batch, Ingester, Input, Issue, Rollups, Totals};

/// The pyarrow release `scripts/test.sh` installs.
const PYARROW_VERSION: &str = "26.0.1";

fn python() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("REMIT_PYTHON") else {
        let install = format!(
            "install it with `python3 -m venv DIR && DIR/bin/pip install pyarrow=={PYARROW_VERSION}` and set \
             REMIT_PYTHON=DIR/bin/python (scripts/test.sh does this)"
        );
        assert!(std::env::var_os("CI").is_none(), "REMIT_PYTHON is not set: {install}");
        eprintln!("skipped: REMIT_PYTHON is not set (the Parquet fixtures are written with pyarrow); {install}");
        return None;
    };
    let path = PathBuf::from(path);
    assert!(path.is_file(), "REMIT_PYTHON={} does not exist", path.display());
    Some(path)
}

/// Runs `tests/ocsf_parquet.py` with `args`.
fn pyarrow(python: &Path, args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ocsf_parquet.py");
    let out = Command::new(python).arg(&script).args(args).output().expect("run python");
    assert!(out.status.success(), "{} {args:?} failed:\n{}", script.display(), String::from_utf8_lossy(&out.stderr));
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn ingest(paths: &[&Path]) -> (Rollups, Totals, Vec<Issue>) {
    let mut rollups = Rollups::new();
    let mut ingester = Ingester::new(HashSet::new(), HashSet::new(), |batch: Batch| {
        rollups.merge(&batch.rollups);
        Ok::<(), ()>(())
    });
    for path in paths {
        let bytes = std::fs::read(path).expect("read");
        ingester.add(Input { location: path.display().to_string(), bytes }).expect("add");
    }
    let (totals, issues) = ingester.finish().expect("finish");
    (rollups, totals, issues)
}

fn ingest_bytes(location: &str, bytes: Vec<u8>) -> (Rollups, Totals, Vec<Issue>) {
    let mut rollups = Rollups::new();
    let mut ingester = Ingester::new(HashSet::new(), HashSet::new(), |batch: Batch| {
        rollups.merge(&batch.rollups);
        Ok::<(), ()>(())
    });
    ingester.add(Input { location: location.to_owned(), bytes }).expect("add");
    let (totals, issues) = ingester.finish().expect("finish");
    (rollups, totals, issues)
}

fn assert_same_rollups(json: &Rollups, ocsf: &Rollups, what: &str) {
    assert_eq!(json.usage(), ocsf.usage(), "{what}: usage");
    assert_eq!(json.principals(), ocsf.principals(), "{what}: principals");
    assert_eq!(json.identities(), ocsf.identities(), "{what}: identities");
    assert_eq!(json.unmapped(), ocsf.unmapped(), "{what}: unmapped");
    assert_eq!(json.coverage(), ocsf.coverage(), "{what}: coverage");
    assert_eq!(json.events(), ocsf.events(), "{what}: events");
}

const ACCOUNT: &str = "111122223333";

/// Realistic CloudTrail records, one of each kind the mapping has to carry. The sixth (index
/// 5) has no time.
fn records() -> Vec<String> {
    let user = |name: &str| {
        format!(
            r#"{{"type":"IAMUser","principalId":"AIDAEXAMPLE{name}","arn":"arn:aws:iam::{ACCOUNT}:user/{name}","accountId":"{ACCOUNT}","accessKeyId":"AKIAEXAMPLE","userName":"{name}"}}"#
        )
    };
    let common = |time: &str, source: &str, name: &str| {
        let time = if time.is_empty() { String::new() } else { format!(r#""eventTime":"{time}","#) };
        format!(
            r#""eventVersion":"1.09",{time}"eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15","requestID":"r-{name}","eventID":"e-{name}","eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{ACCOUNT}","eventCategory":"Management""#
        )
    };
    vec![
        // 0. An IAM user's call.
        format!(
            r#"{{"userIdentity":{},{},"readOnly":true,"requestParameters":null}}"#,
            user("alice"),
            common("2026-02-20T10:00:00Z", "iam.amazonaws.com", "ListRoles")
        ),
        // 1. A role session (with its issuer and a source identity), with an API version in the
        // event name.
        format!(
            r#"{{"userIdentity":{{"type":"AssumedRole","principalId":"AROAEXAMPLE:gh-run-17","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/gh-run-17","accountId":"{ACCOUNT}","accessKeyId":"ASIAEXAMPLE",
                "sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::{ACCOUNT}:role/ci/deploy","accountId":"{ACCOUNT}","userName":"deploy"}},
                "attributes":{{"creationDate":"2026-02-20T11:00:00Z","mfaAuthenticated":"false"}},"sourceIdentity":"alice@example.com"}}}},
              {},"requestParameters":{{"functionName":"app","publish":true}}}}"#,
            common("2026-02-20T11:05:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2")
        ),
        // 2. A service's call, on a resource the record lists.
        format!(
            r#"{{"userIdentity":{{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}},{},"sharedEventID":"5e1b5b0b-0000-4000-8000-000000000001",
              "requestParameters":{{"encryptionContext":{{"aws:lambda:FunctionArn":"arn:aws:lambda:us-east-1:{ACCOUNT}:function:app"}},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}},
              "resources":[{{"accountId":"{ACCOUNT}","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}]}}"#,
            common("2026-02-21T08:00:00Z", "kms.amazonaws.com", "Decrypt")
        ),
        // 3. A denial.
        format!(
            r#"{{"userIdentity":{},{},"errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: iam:CreateUser","requestParameters":{{"userName":"eve"}}}}"#,
            user("bob"),
            common("2026-02-21T09:00:00Z", "iam.amazonaws.com", "CreateUser")
        ),
        // 4. An S3 data event, with its resources.
        format!(
            r#"{{"userIdentity":{{"type":"AssumedRole","principalId":"AROAETL:etl-1","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/etl/etl-1","accountId":"{ACCOUNT}",
                "sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAETL","arn":"arn:aws:iam::{ACCOUNT}:role/data/etl","accountId":"{ACCOUNT}","userName":"etl"}}}}}},
              {},"readOnly":true,"requestParameters":{{"bucketName":"corp-data","Host":"corp-data.s3.us-east-1.amazonaws.com","key":"logs/2026/02/a.gz"}},
              "resources":[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::corp-data/logs/2026/02/a.gz"}},{{"accountId":"{ACCOUNT}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::corp-data"}}]}}"#,
            common("2026-02-22T07:30:00Z", "s3.amazonaws.com", "GetObject").replace("Management", "Data")
        ),
        // 5. Malformed: no time.
        format!(
            r#"{{"userIdentity":{},{},"requestParameters":{{"userName":"alice"}}}}"#,
            user("alice"),
            common("", "iam.amazonaws.com", "GetUser")
        ),
        // 6. An Identity Center user's permission-set session.
        format!(
            r#"{{"userIdentity":{{"type":"AssumedRole","principalId":"AROASSO:jane@example.com","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com","accountId":"{ACCOUNT}",
                "sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROASSO","arn":"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef","accountId":"{ACCOUNT}","userName":"AWSReservedSSO_Admin_0123456789abcdef"}}}},
                "onBehalfOf":{{"userId":"94482488-3041-7026-18f3-be45837cd0e4","identityStoreArn":"arn:aws:identitystore::{ACCOUNT}:identitystore/d-9067000000"}}}},
              {},"requestParameters":null}}"#,
            common("2026-02-22T09:00:00Z", "s3.amazonaws.com", "ListBuckets")
        ),
        // 7. A web-identity assumption (activity, not a permission used).
        format!(
            r#"{{"userIdentity":{{"type":"WebIdentityUser","principalId":"token.actions.githubusercontent.com:sts.amazonaws.com:repo:org/app:ref:refs/heads/main","userName":"repo:org/app:ref:refs/heads/main","identityProvider":"token.actions.githubusercontent.com"}},
              {},"requestParameters":{{"roleArn":"arn:aws:iam::{ACCOUNT}:role/gha-deploy","roleSessionName":"gh"}}}}"#,
            common("2026-02-22T10:00:00Z", "sts.amazonaws.com", "AssumeRoleWithWebIdentity")
        ),
        // 8. The root user's console sign-in.
        format!(
            r#"{{"userIdentity":{{"type":"Root","principalId":"{ACCOUNT}","arn":"arn:aws:iam::{ACCOUNT}:root","accountId":"{ACCOUNT}"}},{},"requestParameters":null}}"#,
            common("2026-02-23T06:00:00Z", "signin.amazonaws.com", "ConsoleLogin")
                .replace("AwsApiCall", "AwsConsoleSignIn")
        ),
        // 9. A failure other than a denial.
        format!(
            r#"{{"userIdentity":{},{},"errorCode":"ResourceNotFoundException","requestParameters":{{"tableName":"orders","key":{{"id":{{"S":"1"}}}}}}}}"#,
            user("alice"),
            common("2026-02-23T07:00:00Z", "dynamodb.amazonaws.com", "GetItem")
        ),
        // 10. Another account's role, in this account's log.
        format!(
            r#"{{"userIdentity":{{"type":"AssumedRole","principalId":"AROAOTHER:s","arn":"arn:aws:sts::444455556666:assumed-role/reader/s","accountId":"444455556666",
                "sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::444455556666:role/reader","accountId":"444455556666"}}}}}},
              {},"sharedEventID":"5e1b5b0b-0000-4000-8000-000000000002","requestParameters":{{"bucketName":"corp-data"}}}}"#,
            common("2026-02-23T08:00:00Z", "s3.amazonaws.com", "GetBucketPolicy")
        ),
        // 11. An event the catalogue cannot place.
        format!(
            r#"{{"userIdentity":{},{}}}"#,
            user("alice"),
            common("2026-02-24T08:00:00Z", "madeup.amazonaws.com", "DoThing")
        ),
    ]
}

#[test]
fn security_lake_parquet_counts_exactly_as_cloudtrail_json() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let records = records();
    let array = format!("[{}]", records.join(","));
    let source = dir.path().join("records.json");
    std::fs::write(&source, &array).expect("write");
    let trail = dir.path().join(format!("{ACCOUNT}_CloudTrail_us-east-1_20260224T0800Z_x.json"));
    std::fs::write(&trail, format!(r#"{{"Records":{array}}}"#)).expect("write");
    let (json, json_totals, json_issues) = ingest(&[&trail]);
    assert_eq!(json_issues.len(), 1, "{json_issues:?}");
    assert_eq!(json_issues[0].record, Some(5));
    // Sanity of the expectation itself: every kind of event is there.
    let usage = json.usage();
    let denied: u64 = usage.iter().map(|r| r.counts.denied).sum();
    let failed: u64 = usage.iter().map(|r| r.counts.failed).sum();
    assert_eq!((denied, failed), (1, 1));
    assert!(usage.iter().any(|r| &*r.principal == "arn:aws:iam::111122223333:user/bob"
        && &*r.action == "iam:CreateUser"
        && &*r.resource == "arn:aws:iam::111122223333:user/eve"
        && r.counts.denied == 1));
    assert!(usage.iter().any(|r| &*r.principal == "arn:aws:iam::111122223333:role/data/etl"
        && &*r.action == "s3:GetObject"
        && &*r.resource == "arn:aws:s3:::corp-data/logs/*"));
    assert!(usage.iter().any(|r| &*r.principal == "lambda.amazonaws.com" && &*r.action == "kms:Decrypt"));
    assert!(usage.iter().any(|r| &*r.principal == "arn:aws:iam::111122223333:role/ci/deploy"
        && &*r.action == "lambda:UpdateFunctionCode"
        && &*r.resource == "arn:aws:lambda:us-east-1:111122223333:function:app"));
    assert_eq!(json.identities().len(), 3, "{:?}", json.identities());
    assert_eq!(json.unmapped().len(), 1);

    for version in ["1.1.0", "1.0.0-rc.2", "1.0.0-rc.2-flat"] {
        // Three rows per row group: the malformed row is the third of the second group.
        // Security Lake names its objects `….gz.parquet` and the like: the name does not matter.
        let parquet = dir.path().join(format!("security-lake-{version}.zstd.parquet"));
        pyarrow(&python, &["cloudtrail", version, path_str(&source), path_str(&parquet), "3"]);
        let (ocsf, totals, issues) = ingest(&[&parquet]);
        assert_same_rollups(&json, &ocsf, version);
        assert_eq!(totals.stats, json_totals.stats, "{version}");
        assert_eq!(issues.len(), 1, "{version}: {issues:?}");
        let issue = &issues[0];
        assert_eq!((issue.location.as_str(), issue.record), (path_str(&parquet), Some(5)), "{issue:?}");
        assert!(issue.message.starts_with("row group 1: time is missing"), "{issue:?}");
        let text = issue.to_string();
        assert!(text.contains("record #5") && text.contains(".parquet"), "{text}");
    }

    // The other codecs Parquet writers use by default read the same; Brotli is not built in
    // (no AWS writer of these logs uses it): each row group says so.
    for codec in ["snappy", "gzip", "none", "brotli"] {
        let parquet = dir.path().join(format!("{codec}.parquet"));
        pyarrow(&python, &["cloudtrail", "1.1.0", path_str(&source), path_str(&parquet), "6", codec]);
        let (ocsf, _, issues) = ingest(&[&parquet]);
        if codec == "brotli" {
            assert_eq!((ocsf.events(), issues.len()), (0, 2), "{issues:?}");
            assert!(issues.iter().all(|i| i.message.contains("brotli")), "{issues:?}");
        } else {
            assert_same_rollups(&json, &ocsf, codec);
            assert_eq!(issues.len(), 1, "{codec}: {issues:?}");
        }
    }
}

#[test]
fn damage_is_reported_by_file_and_row_group_and_the_rest_is_read() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let records = records();
    let source = dir.path().join("records.json");
    std::fs::write(&source, format!("[{}]", records.join(","))).expect("write");
    let whole = dir.path().join("whole.parquet");
    pyarrow(&python, &["cloudtrail", "1.1.0", path_str(&source), path_str(&whole), "3"]);

    // A row group whose pages are zeros: the other three are read.
    let zeroed = dir.path().join("zeroed.parquet");
    pyarrow(&python, &["zero", path_str(&whole), path_str(&zeroed), "2"]);
    let (rollups, totals, issues) = ingest(&[&zeroed]);
    assert!(!totals.stats.complete);
    assert!(
        issues.iter().any(|i| i.location == path_str(&zeroed)
            && i.record == Some(6)
            && i.message.starts_with("row group 2: cannot be read")),
        "{issues:?}"
    );
    // Rows 0-5 and 9-11, less the malformed row 5.
    assert_eq!(rollups.events(), 8, "{issues:?}");

    // Bytes flipped anywhere in the row groups (the footer intact): never a panic or an abort,
    // every file read or reported. (The Parquet reader itself panics on about one in 300 of
    // these; each such file is one issue.)
    let bytes = std::fs::read(&whole).expect("read");
    let footer = u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().expect("4 bytes")) as usize;
    let data = 4..bytes.len() - 8 - footer;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut reported = 0;
    for _ in 0..1000 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + next() % 4 {
            let at = data.start + (next() as usize) % data.len();
            damaged[at] ^= (1 + next() % 255) as u8;
        }
        let (_, _, issues) = ingest_bytes("flipped.parquet", damaged);
        reported += usize::from(issues.len() > 1);
    }
    assert!(reported > 0);

    // A file cut short: one issue, nothing read.
    let bytes = std::fs::read(&whole).expect("read");
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let (rollups, totals, issues) = ingest(&[&cut]);
    assert_eq!((rollups.events(), totals.stats.complete, issues.len()), (0, false, 1), "{issues:?}");
    assert!(issues[0].message.contains("not a whole Parquet file"), "{issues:?}");

    // Parquet that is not OCSF, or whose columns have other types: one issue each.
    let other = dir.path().join("other.json");
    std::fs::write(
        &other,
        r#"[{"time": 1771581600000, "api": {"operation": 5, "service": {"name": "iam.amazonaws.com"}}}]"#,
    )
    .expect("write");
    let typed = dir.path().join("typed.parquet");
    pyarrow(&python, &["ocsf", path_str(&other), path_str(&typed)]);
    let (rollups, _, issues) = ingest(&[&typed]);
    assert_eq!((rollups.events(), issues.len()), (0, 1), "{issues:?}");
    assert!(
        issues[0].message.contains("no api.operation column") && issues[0].message.contains("api.operation (INT64)"),
        "{issues:?}"
    );

    // Rows of another product (the same OCSF classes hold EKS audit logs): one issue per file.
    let eks = dir.path().join("eks.json");
    let row = r#"{"time": 1771581600000, "metadata": {"product": {"name": "Amazon EKS"}}, "actor": {"user": {"name": "system:node"}}, "api": {"operation": "get", "service": {"name": "kubernetes"}}}"#;
    std::fs::write(&eks, format!("[{row},{row}]")).expect("write");
    let eks_parquet = dir.path().join("eks.parquet");
    pyarrow(&python, &["ocsf", path_str(&eks), path_str(&eks_parquet)]);
    let (rollups, _, issues) = ingest(&[&eks_parquet]);
    assert_eq!((rollups.events(), issues.len()), (0, 1), "{issues:?}");
    assert!(issues[0].message.starts_with("2 rows are not CloudTrail events"), "{issues:?}");
}

#[test]
fn garbage_with_the_magic_number_is_one_issue() {
    // No pyarrow needed.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = b"PAR1".to_vec();
    bytes.extend((0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    bytes.extend(b"PAR1");
    let garbage = dir.path().join("garbage.parquet");
    std::fs::write(&garbage, &bytes).expect("write");
    // The same garbage under a JSON name is still recognised as Parquet.
    let named = dir.path().join("garbage.json");
    std::fs::write(&named, [&bytes[..], b"\n"].concat()).expect("write");
    let (rollups, totals, issues) = ingest(&[&garbage, &named]);
    assert_eq!((rollups.events(), totals.stats.records, totals.stats.complete), (0, 0, false));
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert!(issues.iter().all(|i| i.record.is_none()), "{issues:?}");
    assert!(issues[0].message.contains("Parquet"), "{issues:?}");
    assert!(issues[1].message.contains("Parquet"), "{issues:?}");
}

#[test]
fn the_ocsf_projects_cloudtrail_samples_read_as_their_raw_records() {
    // The OCSF project's CloudTrail mappings with raw/OCSF sample pairs (../shared/data,
    // Apache-2.0), when present.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ocsf-examples/mappings/markdown/AWS");
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pairs = 0;
    let mut api_activity = 0;
    for version in ["v1.1.0", "v1.5.0"] {
        let Ok(classes) = std::fs::read_dir(root.join(version).join("CloudTrail")) else { continue };
        for class in classes.filter_map(Result::ok).filter(|e| e.path().is_dir()) {
            let Ok(samples) = std::fs::read_dir(class.path().join("samples")) else { continue };
            for ocsf in
                samples.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "ocsf"))
            {
                let raw = ocsf.with_extension("raw");
                let name = format!("{version}-{}", ocsf.file_stem().and_then(|s| s.to_str()).unwrap_or("sample"));
                // Each file holds one object: as a JSON array, for both writers.
                let raw_json = dir.path().join(format!("{name}.raw.json"));
                std::fs::write(&raw_json, format!("[{}]", std::fs::read_to_string(&raw).expect("raw"))).expect("write");
                let ocsf_json = dir.path().join(format!("{name}.ocsf.json"));
                std::fs::write(&ocsf_json, format!("[{}]", std::fs::read_to_string(&ocsf).expect("ocsf")))
                    .expect("write");
                let parquet = dir.path().join(format!("{name}.parquet"));
                pyarrow(&python, &["ocsf", path_str(&ocsf_json), path_str(&parquet)]);
                let (from_json, _, json_issues) = ingest(&[&raw_json]);
                let (from_parquet, _, issues) = ingest(&[&parquet]);
                assert_same_rollups(&from_json, &from_parquet, &name);
                assert_eq!(issues.len(), json_issues.len(), "{name}: {issues:?} / {json_issues:?}");
                // Each sample is counted or reported.
                assert_eq!(from_parquet.events() + issues.len() as u64, 1, "{name}: {issues:?}");
                if class.file_name() == "API Activity" {
                    api_activity += 1;
                    assert!(issues.is_empty(), "{name}: {issues:?}");
                    let usage = from_parquet.usage();
                    assert_eq!(usage.len(), 1, "{name}: {usage:?}");
                    assert_eq!(&*usage[0].principal, "arn:aws:iam::1111111111111:user/Level6");
                    assert_eq!(&*usage[0].action, "directconnect:DescribeDirectConnectGateways");
                }
                pairs += 1;
            }
        }
    }
    assert!(pairs >= 6 && api_activity == 2, "{pairs} sample pairs, {api_activity} of API Activity");
}
