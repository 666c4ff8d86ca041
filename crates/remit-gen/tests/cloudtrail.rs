//! Generated CloudTrail activity: reproducible byte for byte, shaped as CloudTrail delivers it,
//! and exactly what its truth says.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    io::Read,
    path::Path,
    sync::OnceLock,
};

use flate2::read::{DeflateDecoder, GzDecoder};
use remit_gen::cloudtrail::{ActivitySpec, Actor, ActorKind, Call, Written, write_cloudtrail};
use serde_json::Value;
use tempfile::TempDir;

/// A new directory under the system's temporary directory, removed when dropped.
fn tempdir(tag: &str) -> TempDir {
    tempfile::Builder::new().prefix(&format!("remit-ct-{tag}-")).tempdir().expect("create a temporary directory")
}

const A: &str = "111122223333";
const B: &str = "444455556666";
/// 2026-03-02T00:00:00Z, a Monday.
const END: i64 = 1_772_409_600;

fn call(source: &str, name: &str, resource: Option<&str>, region: &str, read_only: bool, label: &str) -> Call {
    let denied_code = match source {
        "ec2.amazonaws.com" => "Client.UnauthorizedOperation",
        "lambda.amazonaws.com" | "kms.amazonaws.com" | "dynamodb.amazonaws.com" | "secretsmanager.amazonaws.com" => {
            "AccessDeniedException"
        }
        "sns.amazonaws.com" => "AuthorizationError",
        _ => "AccessDenied",
    };
    Call {
        event_source: source.to_owned(),
        event_name: name.to_owned(),
        resource: resource.map(str::to_owned),
        resource_account: None,
        region: region.to_owned(),
        read_only,
        data_event: false,
        denied_code: denied_code.to_owned(),
        label: label.to_owned(),
    }
}

fn data(mut c: Call) -> Call {
    c.data_event = true;
    c
}

fn cross(mut c: Call, owner: &str) -> Call {
    c.resource_account = Some(owner.to_owned());
    c
}

fn actor(arn: &str, kind: ActorKind, human: bool, weight: f64, calls: Vec<Call>, denied: Vec<Call>) -> Actor {
    let account = arn.split(':').nth(4).unwrap_or_default().to_owned();
    Actor { arn: arn.to_owned(), account, kind, human, weight, calls, denied, unique_id: None }
}

/// Two accounts with every kind of actor. Labels are `lbl-…`: they must never show in records.
fn actors() -> Vec<Actor> {
    let bucket = "arn:aws:s3:::acme-data-prod";
    let table = format!("arn:aws:dynamodb:us-east-1:{A}:table/orders");
    let function = format!("arn:aws:lambda:us-east-1:{A}:function:orders-api");
    let queue = format!("arn:aws:sqs:us-east-1:{A}:orders-events");
    let topic = format!("arn:aws:sns:us-east-1:{A}:alerts");
    let key_b = format!("arn:aws:kms:us-east-1:{B}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let key_a = format!("arn:aws:kms:us-east-1:{A}:key/0987dcba-09fe-87dc-65ba-ab0987654321");
    let secret = format!("arn:aws:secretsmanager:us-east-1:{A}:secret:prod/db-password-AbCdEf");
    let instance = format!("arn:aws:ec2:us-east-1:{A}:instance/i-0123456789abcdef0");
    let param = format!("arn:aws:ssm:us-east-1:{A}:parameter/app/config");
    let role_admin = format!("arn:aws:iam::{A}:role/admin");
    vec![
        actor(
            &format!("arn:aws:iam::{A}:user/people/alice"),
            ActorKind::User,
            true,
            1.0,
            vec![
                call("s3.amazonaws.com", "ListBuckets", None, "us-east-1", true, "lbl-s3-list-buckets"),
                data(call(
                    "s3.amazonaws.com",
                    "GetObject",
                    Some(&format!("{bucket}/reports/*")),
                    "us-east-1",
                    true,
                    "lbl-s3-get",
                )),
                call("ec2.amazonaws.com", "DescribeInstances", None, "us-east-1", true, "lbl-ec2-describe"),
                call("ec2.amazonaws.com", "StopInstances", Some(&instance), "us-east-1", false, "lbl-ec2-stop"),
                call("iam.amazonaws.com", "ListRoles", None, "us-east-1", true, "lbl-iam-list-roles"),
                call("iam.amazonaws.com", "GetRole", Some(&role_admin), "us-east-1", true, "lbl-iam-get-role"),
                call(
                    "lambda.amazonaws.com",
                    "UpdateFunctionCode20150331v2",
                    Some(&function),
                    "us-east-1",
                    false,
                    "lbl-lambda-update",
                ),
                call("ssm.amazonaws.com", "GetParameter", Some(&param), "us-east-1", true, "lbl-ssm-get"),
            ],
            vec![call("iam.amazonaws.com", "CreateUser", None, "us-east-1", false, "lbl-iam-create-user")],
        ),
        actor(
            &format!("arn:aws:iam::{A}:user/ci-deployer"),
            ActorKind::User,
            false,
            1.5,
            vec![
                data(call(
                    "s3.amazonaws.com",
                    "PutObject",
                    Some(&format!("{bucket}/artifacts/*")),
                    "us-east-1",
                    false,
                    "lbl-ci-put",
                )),
                call("cloudformation.amazonaws.com", "DescribeStacks", None, "us-east-1", true, "lbl-cfn-describe"),
                call(
                    "lambda.amazonaws.com",
                    "GetFunction20150331v2",
                    Some(&function),
                    "us-east-1",
                    true,
                    "lbl-ci-get-fn",
                ),
            ],
            vec![call("iam.amazonaws.com", "PassRole", Some(&role_admin), "us-east-1", false, "lbl-ci-passrole")],
        ),
        actor(
            &role_admin,
            ActorKind::Role,
            true,
            0.8,
            vec![
                call(
                    "iam.amazonaws.com",
                    "AttachRolePolicy",
                    Some(&role_admin),
                    "us-east-1",
                    false,
                    "lbl-admin-attach",
                ),
                call("organizations.amazonaws.com", "ListAccounts", None, "us-east-1", true, "lbl-org-list"),
                call(
                    "secretsmanager.amazonaws.com",
                    "GetSecretValue",
                    Some(&secret),
                    "us-east-1",
                    true,
                    "lbl-admin-secret",
                ),
            ],
            vec![],
        ),
        actor(
            &format!("arn:aws:iam::{A}:role/service/orders-processor-lambda-role"),
            ActorKind::Role,
            false,
            2.0,
            vec![
                data(call("dynamodb.amazonaws.com", "GetItem", Some(&table), "us-east-1", true, "lbl-ddb-get")),
                data(call("dynamodb.amazonaws.com", "PutItem", Some(&table), "us-east-1", false, "lbl-ddb-put")),
                data(call("sqs.amazonaws.com", "SendMessage", Some(&queue), "us-east-1", false, "lbl-sqs-send")),
                cross(call("kms.amazonaws.com", "Decrypt", Some(&key_b), "us-east-1", true, "lbl-kms-decrypt-b"), B),
                call("kms.amazonaws.com", "GenerateDataKey", Some(&key_a), "us-east-1", true, "lbl-kms-gdk"),
                call("sns.amazonaws.com", "Publish", Some(&topic), "us-east-1", false, "lbl-sns-publish"),
            ],
            vec![call(
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                Some(&secret),
                "us-east-1",
                true,
                "lbl-proc-secret",
            )],
        ),
        actor(
            &format!("arn:aws:iam::{A}:role/jenkins-ec2"),
            ActorKind::Role,
            false,
            1.0,
            vec![
                call("ec2.amazonaws.com", "DescribeInstances", None, "eu-west-1", true, "lbl-jenkins-describe"),
                call("ecr.amazonaws.com", "GetAuthorizationToken", None, "eu-west-1", true, "lbl-jenkins-ecr"),
                call("sts.amazonaws.com", "GetCallerIdentity", None, "eu-west-1", true, "lbl-jenkins-whoami"),
            ],
            vec![call("ec2.amazonaws.com", "RunInstances", None, "eu-west-1", false, "lbl-jenkins-run")],
        ),
        actor(
            &format!("arn:aws:iam::{A}:role/data-pipeline"),
            ActorKind::Role,
            false,
            0.7,
            vec![
                data(call("s3.amazonaws.com", "GetObject", Some(bucket), "us-east-1", true, "lbl-pipe-get")),
                call(
                    "glue.amazonaws.com",
                    "StartJobRun",
                    Some(&format!("arn:aws:glue:us-east-1:{A}:job/nightly-etl")),
                    "us-east-1",
                    false,
                    "lbl-pipe-glue",
                ),
            ],
            vec![],
        ),
        actor(
            &format!("arn:aws:iam::{A}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
            ActorKind::ServiceLinkedRole { service: "autoscaling.amazonaws.com".to_owned() },
            false,
            0.3,
            vec![call("ec2.amazonaws.com", "DescribeInstanceStatus", None, "us-east-1", true, "lbl-slr-describe")],
            vec![],
        ),
        actor(
            &format!(
                "arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef"
            ),
            ActorKind::IdentityCenterRole {
                users: vec!["carol@example.com".to_owned(), "dmitri@example.com".to_owned()],
            },
            true,
            1.0,
            vec![
                call("cloudtrail.amazonaws.com", "LookupEvents", None, "us-east-1", true, "lbl-sso-lookup"),
                call("iam.amazonaws.com", "ListUsers", None, "us-east-1", true, "lbl-sso-list-users"),
                data(call(
                    "s3.amazonaws.com",
                    "GetObject",
                    Some(&format!("{bucket}/exports/q1.csv")),
                    "us-east-1",
                    true,
                    "lbl-sso-get",
                )),
            ],
            vec![call("iam.amazonaws.com", "DeleteRole", Some(&role_admin), "us-east-1", false, "lbl-sso-delete-role")],
        ),
        actor(
            &format!("arn:aws:iam::{A}:role/github-deploy"),
            ActorKind::WebIdentityRole {
                provider: "token.actions.githubusercontent.com".to_owned(),
                subjects: vec![
                    "repo:acme/api:ref:refs/heads/main".to_owned(),
                    "repo:acme/api:environment:prod".to_owned(),
                ],
            },
            false,
            0.6,
            vec![
                data(call(
                    "s3.amazonaws.com",
                    "PutObject",
                    Some(&format!("{bucket}/deploy/*")),
                    "us-east-1",
                    false,
                    "lbl-gh-put",
                )),
                call(
                    "lambda.amazonaws.com",
                    "UpdateFunctionCode20150331v2",
                    Some(&function),
                    "us-east-1",
                    false,
                    "lbl-gh-update",
                ),
            ],
            vec![],
        ),
        actor(
            &format!("arn:aws:iam::{A}:root"),
            ActorKind::Root,
            true,
            0.05,
            vec![call("iam.amazonaws.com", "GetAccountSummary", None, "us-east-1", true, "lbl-root-summary")],
            vec![],
        ),
        actor(
            &format!("arn:aws:iam::{A}:user/former-employee"),
            ActorKind::User,
            true,
            0.0,
            vec![call("s3.amazonaws.com", "ListBuckets", None, "us-east-1", true, "lbl-former-list")],
            vec![],
        ),
        actor(
            &format!("arn:aws:iam::{B}:user/bob"),
            ActorKind::User,
            true,
            1.0,
            vec![
                call("ec2.amazonaws.com", "DescribeInstances", None, "eu-west-1", true, "lbl-bob-describe"),
                cross(
                    data(call(
                        "s3.amazonaws.com",
                        "GetObject",
                        Some(&format!("{bucket}/shared/*")),
                        "us-east-1",
                        true,
                        "lbl-bob-get-a",
                    )),
                    A,
                ),
            ],
            vec![],
        ),
        actor(
            &format!("arn:aws:iam::{B}:role/ops"),
            ActorKind::Role,
            true,
            0.5,
            vec![call("ec2.amazonaws.com", "DescribeSecurityGroups", None, "eu-west-1", true, "lbl-ops-sg")],
            vec![],
        ),
    ]
}

fn spec(seed: u64, target: u64, days: u32) -> ActivitySpec {
    ActivitySpec {
        seed,
        end: END,
        days,
        organization_id: Some("o-a1b2c3d4e5".to_owned()),
        target_events: target,
        actors: actors(),
        identity_store_arn: Some(format!("arn:aws:identitystore::{A}:identitystore/d-9067abcdef")),
    }
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("read the output") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
                out.insert(rel, fs::read(&path).expect("read a file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A generated file's text: its gzip header, inflated body and length checked. (The checksum
/// is checked by `GzDecoder` in `files_are_gzip`: unoptimized, it is too slow for every file.)
fn gunzip(bytes: &[u8]) -> String {
    assert!(bytes.len() > 18 && bytes[..4] == [0x1f, 0x8b, 8, 0], "a gzip member without optional fields");
    let body = &bytes[10..bytes.len() - 8];
    let mut text = String::new();
    DeflateDecoder::new(body).read_to_string(&mut text).expect("a deflate stream");
    let size = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().expect("four bytes"));
    assert_eq!(size as usize, text.len(), "the gzip trailer's length");
    text
}

/// One generation, read back: every file's bytes and every record with the file it is in.
struct Output {
    written: Written,
    files: BTreeMap<String, Vec<u8>>,
    /// (file, record).
    records: Vec<(String, Value)>,
    truth: Value,
}

/// The files written for `spec`, by relative path.
fn generate_bytes(spec: &ActivitySpec) -> (Written, BTreeMap<String, Vec<u8>>) {
    let dir = tempdir("gen");
    let written = write_cloudtrail(spec, dir.path()).expect("generate");
    (written, files(dir.path()))
}

fn generate(spec: &ActivitySpec) -> Output {
    let (written, files) = generate_bytes(spec);
    let mut records = Vec::new();
    for (path, bytes) in &files {
        if !path.ends_with(".json.gz") {
            continue;
        }
        let value: Value = serde_json::from_str(&gunzip(bytes)).expect("a file is JSON");
        let list = value.get("Records").and_then(Value::as_array).expect("a file is {\"Records\":[...]}");
        assert_eq!(value.as_object().map(|o| o.len()), Some(1), "{path}: only `Records`");
        assert!(!list.is_empty(), "{path}: no empty files");
        records.extend(list.iter().map(|r| (path.clone(), r.clone())));
    }
    let truth = serde_json::from_slice(files.get("activity-truth.json").expect("the truth is written")).expect("JSON");
    Output { written, files, records, truth }
}

/// The standard spec's output, generated once for the tests that only read it.
fn standard() -> &'static Output {
    static OUTPUT: OnceLock<Output> = OnceLock::new();
    OUTPUT.get_or_init(|| generate(&spec(11, 8_000, 14)))
}

fn text<'a>(record: &'a Value, key: &str) -> &'a str {
    record.get(key).and_then(Value::as_str).unwrap_or("")
}

fn time(record: &Value) -> i64 {
    let t = text(record, "eventTime");
    let (date, clock) = t.trim_end_matches('Z').split_once('T').expect("eventTime is ISO 8601");
    let d: Vec<i64> = date.split('-').map(|p| p.parse().expect("a number")).collect();
    let c: Vec<i64> = clock.split(':').map(|p| p.parse().expect("a number")).collect();
    // Days from civil (Howard Hinnant).
    let (y, m, day) = (d[0] - i64::from(d[1] <= 2), d[1], d[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400 + c[0] * 3600 + c[1] * 60 + c[2]
}

/// The principal a record's call counts for: the user, root or role (`None` for services,
/// federated users, and other accounts' callers as a resource owner sees them).
fn principal(record: &Value) -> Option<String> {
    let identity = record.get("userIdentity")?;
    match identity.get("type")?.as_str()? {
        "IAMUser" | "Root" => identity.get("arn")?.as_str().map(str::to_owned),
        "AssumedRole" => identity.pointer("/sessionContext/sessionIssuer/arn")?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// CloudTrail's field order.
const ORDER: [&str; 29] = [
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "apiVersion",
    "managementEvent",
    "recipientAccountId",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "serviceEventDetails",
    "eventCategory",
    "addendum",
    "tlsDetails",
    "sessionCredentialFromConsole",
];

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let spec = spec(3, 3_000, 7);
    let first = generate_bytes(&spec);
    let second = generate_bytes(&spec);
    let hash = |files: &BTreeMap<String, Vec<u8>>| -> Vec<(String, u64)> {
        files
            .iter()
            .map(|(p, b)| {
                (
                    p.clone(),
                    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| (h ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3)),
                )
            })
            .collect()
    };
    assert_eq!(hash(&first.1), hash(&second.1));
    assert_eq!(first.0, second.0);
    let other = generate_bytes(&ActivitySpec { seed: 4, ..spec });
    assert_ne!(hash(&first.1), hash(&other.1));
}

#[test]
fn files_are_shaped_as_cloudtrail_delivers_them() {
    let out = standard();
    let start = END - 14 * 86_400;
    let mut event_ids = BTreeSet::new();
    let mut unsorted_files = 0;
    let mut late = 0;
    let mut by_file: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for (path, record) in &out.records {
        by_file.entry(path.as_str()).or_default().push(record);
    }
    for (path, records) in &by_file {
        // AWSLogs/<org>/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<stamp>_<16>.json.gz
        let parts: Vec<&str> = path.split('/').collect();
        assert_eq!(parts.len(), 9, "{path}");
        assert_eq!((parts[0], parts[1], parts[3]), ("AWSLogs", "o-a1b2c3d4e5", "CloudTrail"), "{path}");
        let (account, region) = (parts[2], parts[4]);
        let name: Vec<&str> = parts[8].trim_end_matches(".json.gz").split('_').collect();
        assert_eq!(name.len(), 5, "{path}");
        assert_eq!((name[0], name[1], name[2]), (account, "CloudTrail", region), "{path}");
        let stamp = name[3];
        assert_eq!(stamp.len(), 14, "{path}");
        assert_eq!(
            &stamp[..8],
            format!("{}{}{}", parts[5], parts[6], parts[7]),
            "{path}: the folder is the file's day"
        );
        assert!(name[4].len() == 16 && name[4].chars().all(|c| c.is_ascii_alphanumeric()), "{path}");
        let times: Vec<i64> = records.iter().map(|r| time(r)).collect();
        if times.windows(2).any(|w| w[0] > w[1]) {
            unsorted_files += 1;
        }
        let newest = times.iter().map(|t| t.div_euclid(300)).max().unwrap_or(0);
        late += times.iter().filter(|t| t.div_euclid(300) < newest).count();
        assert!(
            times.iter().all(|t| newest - t.div_euclid(300) <= 1),
            "{path}: a file holds five minutes and late records of the five before"
        );
        for record in records {
            assert_eq!(text(record, "recipientAccountId"), account, "{path}");
            let region_of_record = text(record, "awsRegion");
            assert_eq!(region_of_record, region, "{path}");
        }
    }
    assert!(unsorted_files > 0, "records are not sorted within files");
    let share = late as f64 / out.records.len() as f64;
    assert!((0.002..0.03).contains(&share), "about 1% of records are delivered late: {share}");

    for (path, record) in &out.records {
        let object = record.as_object().expect("a record is an object");
        for key in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "requestParameters",
            "responseElements",
            "eventID",
            "readOnly",
            "eventType",
            "managementEvent",
            "recipientAccountId",
            "eventCategory",
        ] {
            assert!(object.contains_key(key), "{path}: `{key}` missing in {record}");
        }
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| ORDER.iter().position(|o| o == k).unwrap_or_else(|| panic!("unknown field `{k}`")))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "fields in CloudTrail's order: {keys:?}");
        let event_type = text(record, "eventType");
        assert!(matches!(event_type, "AwsApiCall" | "AwsConsoleSignIn" | "AwsServiceEvent"), "{event_type}");
        if event_type == "AwsApiCall" {
            assert!(object.contains_key("requestID"), "{record}");
        }
        let t = time(record);
        assert!((start..END).contains(&t), "{t} is outside the period");
        assert!(event_ids.insert(text(record, "eventID").to_owned()), "event ids are unique");
        assert!(["1.08", "1.09", "1.10"].contains(&text(record, "eventVersion")));
        let data = text(record, "eventCategory") == "Data";
        assert_eq!(record["managementEvent"].as_bool(), Some(!data));
        if data {
            assert!(
                record["resources"].as_array().is_some_and(|r| !r.is_empty()),
                "data events name their resources: {record}"
            );
        }
        let identity = &record["userIdentity"];
        if identity["type"] == "AssumedRole" {
            let arn = identity["arn"].as_str().unwrap_or("");
            assert!(arn.starts_with("arn:aws:sts::") && arn.contains(":assumed-role/"), "{arn}");
            let name = arn.split('/').nth(1).unwrap_or("");
            assert_eq!(identity["sessionContext"]["sessionIssuer"]["userName"], name, "no path in the session ARN");
            assert!(identity["accessKeyId"].as_str().is_some_and(|k| k.starts_with("ASIA")));
        }
    }

    // Labels are the caller's own: never written.
    for (path, bytes) in &out.files {
        if path.ends_with(".json.gz") {
            assert!(!gunzip(bytes).contains("lbl-"), "{path} holds a label");
        }
    }
}

#[test]
fn files_are_gzip() {
    let out = standard();
    for (path, bytes) in out.files.iter().filter(|(p, _)| p.ends_with(".json.gz")).take(40) {
        let mut text = String::new();
        GzDecoder::new(bytes.as_slice()).read_to_string(&mut text).expect("gzip with a valid checksum");
        assert_eq!(text, gunzip(bytes), "{path}");
    }
}

#[test]
fn the_truth_counts_every_record() {
    let out = standard();
    let truth = &out.truth;
    let n = out.records.len() as u64;
    assert_eq!(out.written.records, n);
    assert_eq!(truth["records"], n);
    assert_eq!(truth["files"], out.written.files);
    assert_eq!(out.written.files as usize, out.files.len() - 1);
    let counts = &truth["counts"];
    let get = |k: &str| counts[k].as_u64().expect("a count");
    assert_eq!(
        get("apiCalls") + get("crossAccountCopies") + get("sessionStarts") - get("sessionStartsByActors")
            + get("consoleSignIns")
            + get("serviceEvents"),
        n
    );
    let logins = out.records.iter().filter(|(_, r)| text(r, "eventName") == "ConsoleLogin").count() as u64;
    assert_eq!(logins, get("consoleSignIns"));
    let service = out.records.iter().filter(|(_, r)| text(r, "eventType") == "AwsServiceEvent").count() as u64;
    assert_eq!(service, get("serviceEvents"));
    // Cross-account calls: two copies sharing a sharedEventID and a requestID, not an eventID.
    let mut shared: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for (_, record) in &out.records {
        if let Some(id) = record.get("sharedEventID").and_then(Value::as_str) {
            shared.entry(id).or_default().push(record);
        }
    }
    let pairs: Vec<&Vec<&Value>> = shared.values().filter(|v| v.len() == 2).collect();
    assert_eq!(pairs.len() as u64, get("crossAccountCopies"));
    assert!(shared.values().all(|v| v.len() <= 2));
    for pair in pairs {
        assert_eq!(pair[0]["requestID"], pair[1]["requestID"]);
        assert_ne!(pair[0]["eventID"], pair[1]["eventID"]);
        assert_ne!(pair[0]["recipientAccountId"], pair[1]["recipientAccountId"]);
        let owner = pair.iter().find(|r| r["userIdentity"]["type"] == "AWSAccount").expect("the owner's copy");
        let caller = pair.iter().find(|r| r["userIdentity"]["type"] != "AWSAccount").expect("the caller's copy");
        assert_eq!(owner["userIdentity"]["accountId"], caller["recipientAccountId"]);
    }

    // Every principal's calls, outcome by outcome, and its first and last.
    #[derive(Default, Debug, PartialEq)]
    struct Seen {
        calls: u64,
        denied: u64,
        first: i64,
        last: i64,
    }
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for (_, record) in &out.records {
        if text(record, "eventType") != "AwsApiCall" {
            continue;
        }
        let Some(arn) = principal(record) else { continue };
        let entry = seen.entry(arn).or_insert(Seen { first: i64::MAX, last: i64::MIN, ..Seen::default() });
        entry.calls += 1;
        if matches!(
            text(record, "errorCode"),
            "AccessDenied" | "AccessDeniedException" | "Client.UnauthorizedOperation" | "AuthorizationError"
        ) {
            entry.denied += 1;
        }
        entry.first = entry.first.min(time(record));
        entry.last = entry.last.max(time(record));
    }
    let mut expected: BTreeMap<String, Seen> = BTreeMap::new();
    let mut api_calls = 0;
    for p in truth["principals"].as_array().expect("principals") {
        let calls = p["calls"].as_array().expect("calls");
        if calls.is_empty() {
            continue;
        }
        let sum = |k: &str| calls.iter().map(|c| c[k].as_u64().unwrap_or(0)).sum::<u64>();
        let total = sum("allowed") + sum("denied") + sum("failed");
        api_calls += total;
        expected.insert(
            p["arn"].as_str().unwrap_or("").to_owned(),
            Seen {
                calls: total,
                denied: sum("denied"),
                first: calls.iter().filter_map(|c| c["first"].as_i64()).min().unwrap_or(0),
                last: calls.iter().filter_map(|c| c["last"].as_i64()).max().unwrap_or(0),
            },
        );
    }
    assert_eq!(api_calls, get("apiCalls"));
    assert_eq!(seen, expected);
    // Every kind of actor acted.
    for kind in ["user", "role", "service-linked-role", "identity-center-role", "web-identity-role", "root"] {
        assert!(
            truth["principals"].as_array().is_some_and(|ps| ps
                .iter()
                .any(|p| p["kind"] == kind && !p["calls"].as_array().is_some_and(Vec::is_empty))),
            "{kind}"
        );
    }
}

#[test]
fn every_session_starts_with_the_sts_call_that_made_it() {
    let out = standard();
    // Temporary keys handed out by STS: key → (assumed-role ARN, time, account).
    let mut issued: BTreeMap<&str, (&str, i64, &str)> = BTreeMap::new();
    for (_, record) in &out.records {
        if text(record, "eventSource") == "sts.amazonaws.com"
            && text(record, "eventName").starts_with("AssumeRole")
            && let Some(key) = record.pointer("/responseElements/credentials/accessKeyId").and_then(Value::as_str)
        {
            let arn = record.pointer("/responseElements/assumedRoleUser/arn").and_then(Value::as_str).unwrap_or("");
            issued.insert(key, (arn, time(record), text(record, "recipientAccountId")));
        }
    }
    let mut checked = 0;
    for (_, record) in &out.records {
        let identity = &record["userIdentity"];
        if identity["type"] != "AssumedRole" || identity.get("invokedBy").is_some() {
            continue;
        }
        let key = identity["accessKeyId"].as_str().unwrap_or("");
        let (arn, at, account) = issued.get(key).unwrap_or_else(|| panic!("no STS call issued {key}"));
        assert_eq!(*arn, identity["arn"].as_str().unwrap_or(""));
        assert!(*at <= time(record));
        assert_eq!(*account, identity["accountId"].as_str().unwrap_or(""), "started in the role's account");
        checked += 1;
    }
    assert!(checked > 1000, "{checked}");
    // Who started them is in the truth.
    let sessions = out.truth["sessions"].as_array().expect("sessions");
    let idc = sessions
        .iter()
        .find(|s| s["role"].as_str().is_some_and(|r| r.contains("AWSReservedSSO_")))
        .expect("identity center");
    assert!(idc["identityCenterUsers"].as_array().is_some_and(|u| !u.is_empty()));
    let web = sessions
        .iter()
        .find(|s| s["role"].as_str().is_some_and(|r| r.ends_with("github-deploy")))
        .expect("web identity");
    assert!(web["webIdentitySubjects"].as_array().is_some_and(|u| !u.is_empty()));
    let admin =
        sessions.iter().find(|s| s["role"].as_str().is_some_and(|r| r.ends_with(":role/admin"))).expect("admin");
    assert_eq!(admin["callers"], serde_json::json!([format!("arn:aws:iam::{A}:user/people/alice")]));
}

#[test]
fn people_keep_office_hours_and_machines_do_not() {
    let out = standard();
    let mut zones: BTreeMap<&str, (bool, i64)> = BTreeMap::new();
    for p in out.truth["principals"].as_array().expect("principals") {
        zones.insert(
            p["arn"].as_str().unwrap_or(""),
            (p["human"].as_bool().unwrap_or(false), p["utcOffsetHours"].as_i64().unwrap_or(0)),
        );
    }
    let (mut human, mut weekend, mut machine_night) = (0, 0, 0);
    for (_, record) in &out.records {
        let Some(arn) = principal(record) else { continue };
        let Some((is_human, offset)) = zones.get(arn.as_str()) else { continue };
        let local = time(record) + offset * 3600;
        let hour = local.rem_euclid(86_400) / 3600;
        if *is_human {
            human += 1;
            assert!((7..22).contains(&hour), "{arn} at {hour}:00 local: {record}");
            if (local.div_euclid(86_400) + 3).rem_euclid(7) >= 5 {
                weekend += 1;
            }
        } else if !(7..22).contains(&hour) {
            machine_night += 1;
        }
    }
    assert!(human > 1000);
    assert!((weekend as f64) < 0.05 * human as f64, "{weekend} of {human} on weekends");
    assert!(machine_night > 500, "machines work at night: {machine_night}");
}

#[test]
fn inactive_actors_leave_no_trace() {
    let out = standard();
    let former = format!("arn:aws:iam::{A}:user/former-employee");
    assert_eq!(out.truth["inactive"], serde_json::json!([former]));
    assert!(out.truth["principals"].as_array().is_some_and(|ps| ps.iter().all(|p| p["arn"] != former.as_str())));
    for (path, bytes) in &out.files {
        if path.ends_with(".json.gz") {
            assert!(!gunzip(bytes).contains("former-employee"), "{path}");
        }
    }
}

#[test]
fn the_total_lands_on_the_target() {
    for (target, days) in [(800, 3), (6_000, 7)] {
        let out = generate(&spec(5, target, days));
        let n = out.records.len() as u64;
        assert!(n.abs_diff(target) * 10 <= target, "{n} records for a target of {target}");
    }
    let out = generate(&spec(5, 0, 2));
    assert_eq!(out.records.len(), 0);
    assert_eq!(out.truth["records"], 0);
}

#[test]
fn an_account_trail_has_no_organization_in_its_keys() {
    let out = generate(&ActivitySpec { organization_id: None, ..spec(2, 500, 2) });
    assert!(out.records.len() > 100);
    for path in out.files.keys().filter(|p| p.ends_with(".json.gz")) {
        let parts: Vec<&str> = path.split('/').collect();
        assert_eq!((parts.len(), parts[0], parts[2]), (8, "AWSLogs", "CloudTrail"), "{path}");
        assert!(parts[1] == A || parts[1] == B, "{path}");
    }
}

#[test]
fn roles_are_assumed_through_chains_and_from_other_accounts() {
    const C: &str = "777788889999";
    let orchestrator = format!("arn:aws:iam::{A}:role/orchestrator-lambda");
    let deploy = format!("arn:aws:iam::{A}:role/deploy-automation");
    let break_glass = format!("arn:aws:iam::{C}:role/break-glass");
    let alice = format!("arn:aws:iam::{A}:user/alice");
    let stack = format!("arn:aws:cloudformation:us-east-1:{A}:stack/app/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    let spec = ActivitySpec {
        seed: 9,
        end: END,
        days: 5,
        organization_id: None,
        target_events: 1_500,
        actors: vec![
            actor(
                &orchestrator,
                ActorKind::Role,
                false,
                1.0,
                vec![call("sts.amazonaws.com", "GetCallerIdentity", None, "us-east-1", true, "lbl-o")],
                vec![],
            ),
            actor(
                &deploy,
                ActorKind::Role,
                false,
                1.0,
                vec![call("cloudformation.amazonaws.com", "UpdateStack", Some(&stack), "us-east-1", false, "lbl-d")],
                vec![],
            ),
            actor(
                &alice,
                ActorKind::User,
                true,
                1.0,
                vec![call("s3.amazonaws.com", "ListBuckets", None, "us-east-1", true, "lbl-a")],
                vec![],
            ),
            actor(
                &break_glass,
                ActorKind::Role,
                true,
                1.0,
                vec![call("iam.amazonaws.com", "ListRoles", None, "us-east-1", true, "lbl-b")],
                vec![],
            ),
        ],
        identity_store_arn: None,
    };
    let out = generate(&spec);
    let sessions = out.truth["sessions"].as_array().expect("sessions");
    let of = |role: &str| sessions.iter().find(|s| s["role"] == role).unwrap_or_else(|| panic!("{role} has sessions"));
    // The script's role is assumed by the function's role, whose own session Lambda starts.
    assert_eq!(of(&deploy)["callers"], serde_json::json!([orchestrator]));
    assert!(of(&orchestrator)["callers"].as_array().is_some_and(|c| c.contains(&Value::from("lambda.amazonaws.com"))));
    let principals = out.truth["principals"].as_array().expect("principals");
    let calls_of =
        |arn: &str| principals.iter().find(|p| p["arn"] == arn).map(|p| p["calls"].clone()).unwrap_or_default();
    let assumes = calls_of(&orchestrator)
        .as_array()
        .and_then(|c| c.iter().find(|c| c["label"] == "sts:AssumeRole" && c["resource"] == deploy.as_str()).cloned())
        .expect("the orchestrator's AssumeRole calls are in the truth");
    assert_eq!(assumes["allowed"], of(&deploy)["sessions"]);
    let chained = out
        .records
        .iter()
        .filter(|(_, r)| {
            text(r, "eventName") == "AssumeRole"
                && r["requestParameters"]["roleArn"] == deploy.as_str()
                && r["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] == orchestrator.as_str()
        })
        .count();
    assert_eq!(Value::from(chained), of(&deploy)["sessions"]);
    // The person's role of an account without people is assumed from another account: the
    // call is in both accounts, the role's owner seeing the caller as `AWSAccount`.
    assert_eq!(of(&break_glass)["callers"], serde_json::json!([alice]));
    let copies: Vec<&Value> = out
        .records
        .iter()
        .map(|(_, r)| r)
        .filter(|r| text(r, "eventName") == "AssumeRole" && r["requestParameters"]["roleArn"] == break_glass.as_str())
        .collect();
    let n = of(&break_glass)["sessions"].as_u64().expect("a count");
    assert!(n > 0);
    assert_eq!(copies.len() as u64, 2 * n);
    for copy in copies {
        assert!(copy.get("sharedEventID").is_some());
        match text(copy, "recipientAccountId") {
            C => assert_eq!(
                copy["userIdentity"],
                serde_json::json!({"type": "AWSAccount", "principalId": copy["userIdentity"]["principalId"], "accountId": A})
            ),
            A => assert_eq!(copy["userIdentity"]["arn"], alice.as_str()),
            other => panic!("recipient {other}"),
        }
    }
}

#[test]
fn invalid_specs_are_rejected() {
    let dir = tempdir("invalid");
    let mut bad = spec(1, 100, 1);
    bad.actors[0].kind = ActorKind::Role;
    let mut wrong_account = spec(1, 100, 1);
    wrong_account.actors[0].account = B.to_owned();
    let mut negative = spec(1, 100, 1);
    negative.actors[0].weight = -1.0;
    let mut not_an_arn = spec(1, 100, 1);
    not_an_arn.actors[0].arn = "alice".to_owned();
    let no_days = spec(1, 100, 0);
    let mut twice = spec(1, 100, 1);
    twice.actors.push(twice.actors[0].clone());
    for spec in [bad, wrong_account, negative, not_an_arn, no_days, twice] {
        let err = write_cloudtrail(&spec, dir.path()).expect_err("rejected");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    }
}

/// The two-account actors copied into `n` pairs of accounts (the account ids rewritten).
fn many_actors(n: usize) -> Vec<Actor> {
    let mut all = Vec::new();
    for i in 0..n {
        let a = format!("{:012}", 111_122_223_333u64 + i as u64 * 1_000_003);
        let b = format!("{:012}", 444_455_556_666u64 + i as u64 * 1_000_003);
        for actor in actors() {
            let text =
                |s: &str| s.replace(A, &a).replace(B, &b).replace("acme-data-prod", &format!("acme-data-prod-{i}"));
            let fix = |c: &Call| Call {
                resource: c.resource.as_deref().map(text),
                resource_account: c.resource_account.as_deref().map(text),
                ..c.clone()
            };
            all.push(Actor {
                arn: text(&actor.arn),
                account: text(&actor.account),
                calls: actor.calls.iter().map(fix).collect(),
                denied: actor.denied.iter().map(fix).collect(),
                ..actor.clone()
            });
        }
    }
    all
}

/// A million records in release mode: `cargo test --release -p remit-gen --test cloudtrail -- --ignored --nocapture`
/// (with `TMPDIR` on a tmpfs, it times the generator rather than the file system's creation of
/// 175,000 small files).
#[test]
#[ignore = "a million records: run in release mode"]
fn a_million_records() {
    let dir = tempdir("million");
    let spec = ActivitySpec { actors: many_actors(20), days: 30, target_events: 1_000_000, ..spec(7, 0, 30) };
    let started = std::time::Instant::now();
    let written = write_cloudtrail(&spec, dir.path()).expect("generate");
    let elapsed = started.elapsed();
    eprintln!("{written:?} in {elapsed:?} ({} actors)", spec.actors.len());
    assert!(written.records.abs_diff(1_000_000) <= 100_000, "{written:?}");
}
