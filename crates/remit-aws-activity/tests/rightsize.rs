//! Usage against permissions on a small account written out in full: the records a role made,
//! its unused permissions, and a right-sized policy the engine checks by replay.

use std::collections::HashSet;

use remit_activity::window::{Window, parse_time};
use remit_aws_activity::{Ingester, Input, Rollups, rightsize, usage};
use remit_aws_analysis::AwsAnalysis;

const ACCOUNT: &str = "111122223333";
const ROLE: &str = "arn:aws:iam::111122223333:role/app/worker";

fn analysis() -> AwsAnalysis {
    analysis_with(None)
}

fn analysis_with(statements: Option<serde_json::Value>) -> AwsAnalysis {
    let mut details = serde_json::json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "RoleDetailList": [{
            "Path": "/app/", "RoleName": "worker", "RoleId": "AROAWORKER000000000", "Arn": ROLE,
            "CreateDate": "2025-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "broad", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]},
                {"Effect": "Allow", "Action": ["iam:*", "kms:Decrypt", "ec2:Describe*"], "Resource": "*"},
                {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
            ]}}],
            "AttachedManagedPolicies": [], "InstanceProfileList": [], "Tags": []
        }]
    });
    if let Some(statements) = statements {
        details["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"]["Statement"] = statements;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("authorization-details.json");
    std::fs::write(&file, details.to_string()).expect("write");
    AwsAnalysis::new(remit_aws_import::load(&file).expect("load"))
}

fn record(time: &str, source: &str, name: &str, params: serde_json::Value, error: Option<&str>) -> serde_json::Value {
    let mut r = serde_json::json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROAWORKER000000000:i-0abc", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/worker/i-0abc"),
            "accountId": ACCOUNT, "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAWORKER000000000", "arn": ROLE, "accountId": ACCOUNT, "userName": "worker"},
                "attributes": {"creationDate": time, "mfaAuthenticated": "false"}}},
        "eventTime": time, "eventSource": source, "eventName": name, "awsRegion": "eu-west-1",
        "sourceIPAddress": "10.0.0.1", "userAgent": "Boto3/1.35.0", "requestParameters": params, "responseElements": null,
        "requestID": "r", "eventID": "e", "readOnly": true, "eventType": "AwsApiCall", "managementEvent": true,
        "recipientAccountId": ACCOUNT, "eventCategory": "Management"
    });
    if let Some(code) = error {
        r["errorCode"] = serde_json::json!(code);
    }
    r
}

fn rollups(records: Vec<serde_json::Value>) -> Rollups {
    let body = serde_json::json!({ "Records": records }).to_string().into_bytes();
    let mut out = Rollups::new();
    let mut ingester = Ingester::new(HashSet::new(), HashSet::new(), |batch: remit_aws_activity::Batch| {
        out.merge(&batch.rollups);
        Ok::<(), ()>(())
    });
    ingester.add(Input { location: "test.json".into(), bytes: body }).expect("add");
    let (totals, issues) = ingester.finish().expect("finish");
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(totals.stats.records, 6);
    out
}

fn observed() -> Rollups {
    rollups(vec![
        record(
            "2026-02-20T10:00:00Z",
            "s3.amazonaws.com",
            "GetObject",
            serde_json::json!({"bucketName": "data", "key": "reports/2026/q1.csv"}),
            None,
        ),
        record(
            "2026-02-21T10:00:00Z",
            "s3.amazonaws.com",
            "ListObjectsV2",
            serde_json::json!({"bucketName": "data"}),
            None,
        ),
        record("2026-02-22T10:00:00Z", "ec2.amazonaws.com", "DescribeInstances", serde_json::json!(null), None),
        record(
            "2026-02-23T10:00:00Z",
            "s3.amazonaws.com",
            "PutObject",
            serde_json::json!({"bucketName": "data", "key": "reports/out.csv"}),
            Some("SlowDown"),
        ),
        record(
            "2026-02-25T10:00:00Z",
            "dynamodb.amazonaws.com",
            "GetItem",
            serde_json::json!({"tableName": "orders"}),
            None,
        ),
        record(
            "2026-02-24T10:00:00Z",
            "sqs.amazonaws.com",
            "SendMessage",
            serde_json::json!({"queueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"}),
            Some("AccessDenied"),
        ),
    ])
}

#[test]
fn the_rightsized_policy_keeps_every_observed_request_and_removes_the_rest() {
    let analysis = analysis();
    let usage = observed().usage();
    let r = rightsize::rightsize(&analysis, ROLE, &usage, &[]).expect("rightsize");
    let policy = r.policy.to_string();
    assert!(policy.contains("arn:aws:s3:::data/reports/*"), "{policy}");
    assert!(policy.contains("s3:ListBucket") && policy.contains("ec2:DescribeInstances"), "{policy}");
    // A request that failed after authorization still needed the permission.
    assert!(policy.contains("s3:PutObject"), "{policy}");
    // A denied request is not granted by the new policy.
    assert!(!policy.contains("sqs:"), "{policy}");
    assert!(!policy.contains("iam:"), "{policy}");
    assert!(r.replay_holds(), "{:?}", r.replay);
    assert_eq!(r.replay_counts(), (5, 5));
    // The grant was conditional on the source network: the new one is too, and replays alike.
    let dynamo = r.policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Action"] == "dynamodb:GetItem")
        .expect("dynamodb");
    assert_eq!(dynamo["Condition"], serde_json::json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}));
    assert_eq!(dynamo["Resource"], "arn:aws:dynamodb:eu-west-1:111122223333:table/orders");
    let replayed = r.replay.iter().find(|x| x.action == "dynamodb:GetItem").expect("replayed");
    assert_eq!((replayed.before, replayed.after), ("conditional", "conditional"));
    assert!(r.removed_actions.iter().any(|a| a == "iam:CreateRole"));
    assert!(r.removed_actions.iter().any(|a| a == "kms:Decrypt"));
    assert!(r.actions_after < r.actions_before && r.actions_after >= 4, "{} -> {}", r.actions_before, r.actions_after);
    assert_eq!(r.replaces.inline, vec!["broad".to_owned()]);
    let cli = rightsize::as_cli(&r);
    assert!(cli.contains("aws iam put-role-policy --role-name worker --policy-name remit-rightsized"), "{cli}");
    assert!(cli.contains("aws iam delete-role-policy --role-name worker --policy-name broad"), "{cli}");
    let tf = rightsize::as_terraform(&r);
    assert!(tf.contains("resource \"aws_iam_role_policy\" \"worker_rightsized\""), "{tf}");
}

#[test]
fn growth_keeps_held_actions_of_the_template() {
    let analysis = analysis();
    let usage = observed().usage();
    let r = rightsize::rightsize(&analysis, ROLE, &usage, &["s3:GetObject*".to_owned(), "sqs:*".to_owned()])
        .expect("rightsize");
    let policy = r.policy.to_string();
    assert!(policy.contains("s3:GetObjectTagging"), "{policy}");
    // Not held today: growth never adds what the principal does not have.
    assert!(!policy.contains("sqs:"), "{policy}");
    assert!(r.replay_holds());
}

#[test]
fn unused_lists_what_was_not_used_and_scores_creep() {
    let analysis = analysis();
    let usage = observed().usage();
    let end = parse_time("2026-03-01T00:00:00Z").expect("time");
    let report = usage::unused(&analysis, ROLE, &usage, Window::last_days(end, 90)).expect("unused");
    let used: Vec<&str> = report.actions.iter().filter(|a| a.last_used.is_some()).map(|a| a.action.as_str()).collect();
    assert_eq!(used, ["dynamodb:GetItem", "ec2:DescribeInstances", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    assert!(report.unused().any(|a| a.action == "iam:PassRole"));
    assert_eq!(report.denied_only, vec![("sqs:SendMessage".to_owned(), 1)]);
    assert!(report.creep.pci > 50, "{:?}", report.creep);
    // A window after the activity: everything unused.
    let later = Window::last_days(end + 200 * 86_400, 30);
    let idle = usage::unused(&analysis, ROLE, &usage, later).expect("unused");
    assert_eq!(idle.unused().count(), idle.actions.len());
    assert!(idle.creep.pci >= report.creep.pci);
}

#[test]
fn a_conditional_wide_grant_does_not_swallow_an_unconditional_narrow_one() {
    // Orders are readable outright; every table only from the office network. One request names
    // the orders table, one does not say which table (so the new policy keeps what it holds).
    let analysis = analysis_with(Some(serde_json::json!([
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"},
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    ])));
    // (Six records: the helper checks it read them all.)
    let observed = rollups(vec![
        record(
            "2026-02-25T10:00:00Z",
            "dynamodb.amazonaws.com",
            "GetItem",
            serde_json::json!({"tableName": "orders"}),
            None,
        ),
        record("2026-02-25T11:00:00Z", "dynamodb.amazonaws.com", "GetItem", serde_json::json!(null), None),
        record(
            "2026-02-25T12:00:00Z",
            "dynamodb.amazonaws.com",
            "GetItem",
            serde_json::json!({"tableName": "orders"}),
            None,
        ),
        record(
            "2026-02-25T13:00:00Z",
            "dynamodb.amazonaws.com",
            "GetItem",
            serde_json::json!({"tableName": "orders"}),
            None,
        ),
        record(
            "2026-02-25T14:00:00Z",
            "dynamodb.amazonaws.com",
            "GetItem",
            serde_json::json!({"tableName": "orders"}),
            None,
        ),
        record(
            "2026-02-25T15:00:00Z",
            "dynamodb.amazonaws.com",
            "GetItem",
            serde_json::json!({"tableName": "orders"}),
            None,
        ),
    ])
    .usage();
    let r = rightsize::rightsize(&analysis, ROLE, &observed, &[]).expect("rightsize");
    assert!(r.replay_holds(), "{:?}\n{}", r.replay, r.policy);
    let orders = r.replay.iter().find(|x| x.resource.ends_with("table/orders")).expect("orders");
    assert_eq!((orders.before, orders.after), ("allowed", "allowed"), "{}", r.policy);
    let statements = r.policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 2, "{}", r.policy);
    assert!(statements.iter().any(
        |s| s["Resource"] == "arn:aws:dynamodb:eu-west-1:111122223333:table/orders" && s.get("Condition").is_none()
    ));
    assert!(statements.iter().any(|s| s["Resource"] == "arn:aws:dynamodb:eu-west-1:111122223333:table/*" && s.get("Condition").is_some()));
}
