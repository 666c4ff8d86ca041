//! Decisions per second: Remit's compiled engine, Remit end to end (decode, compile, decide
//! one JSON case), and the independent evaluator `@cloud-copilot/iam-simulate` on the very
//! same cases, in the same run.
//!
//! The workload is a realistic principal: three identity policies with 24 statements in all
//! (wildcards, `NotAction`, conditions on tags, IPs, dates, MFA, set operators, variables), a
//! permissions boundary, two SCP levels, and a bucket policy; requests vary the action, the
//! resource and the context so that decisions mix allows, implicit and explicit denies.
//! `REMIT_BENCH_CASES` sets how many distinct requests (default 2000).
//! The iam-simulate run needs `REMIT_ORACLE_DIR` (see `scripts/install-oracle.sh`); without
//! it only Remit is measured. Ratios are printed at the end.

use std::{
    hint::black_box,
    io::Write,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use remit_aws_decide::Case;
use remit_aws_policy::{Decision, PolicySet};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";

fn identity_policies() -> Value {
    json!([
      {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadTeamData", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::data-${aws:PrincipalTag/team}-*", "arn:aws:s3:::data-${aws:PrincipalTag/team}-*/*"]},
        {"Sid": "WriteOwnPrefix", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
         "Resource": "arn:aws:s3:::data-*/home/${aws:username}/*",
         "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
        {"Sid": "Describe", "Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "logs:Describe*"], "Resource": "*"},
        {"Sid": "RunInApprovedRegions", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:StartInstances", "ec2:StopInstances"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "TagOwnInstances", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "arn:aws:ec2:*:*:instance/*",
         "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["owner", "env", "cost-center"]}}},
        {"Sid": "Tables", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
         "Resource": "arn:aws:dynamodb:*:111122223333:table/app-*",
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["${aws:userid}*", "shared-*"]}}},
        {"Sid": "DenyOutsideOffice", "Effect": "Deny", "NotAction": ["sts:*", "iam:Get*", "iam:List*"], "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24", "2001:db8::/32"]}, "Bool": {"aws:ViaAWSService": "false"}}},
        {"Sid": "DenyDeleteBuckets", "Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy"], "Resource": "*"}
      ]},
      {"Version": "2012-10-17", "Statement": [
        {"Sid": "Queues", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
         "Resource": "arn:aws:sqs:*:111122223333:orders-*"},
        {"Sid": "Topics", "Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:*:111122223333:alerts-*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}, "DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}},
        {"Sid": "Decrypt", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "arn:aws:kms:*:111122223333:key/*",
         "Condition": {"StringLike": {"kms:ViaService": ["s3.*.amazonaws.com", "sqs.*.amazonaws.com"]}}},
        {"Sid": "PassAppRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app-*",
         "Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]}}},
        {"Sid": "Lambdas", "Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction", "lambda:UpdateFunctionCode"],
         "Resource": "arn:aws:lambda:*:111122223333:function:app-*"},
        {"Sid": "Secrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:*:111122223333:secret:app/*",
         "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
        {"Sid": "OwnCredentials", "Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ChangePassword"],
         "Resource": "arn:aws:iam::111122223333:user/${aws:username}"},
        {"Sid": "MfaForIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}, "NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}}
      ]},
      {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadOnlyIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:*:111122223333:log-group:/app/*:*"},
        {"Sid": "Ecr", "Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "Resource": "arn:aws:ecr:*:111122223333:repository/app/*"},
        {"Sid": "AssumeDeploy", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/deploy-*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}},
        {"Sid": "Athena", "Effect": "Allow", "Action": ["athena:StartQueryExecution", "athena:GetQueryResults"], "Resource": "*",
         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:athena:*:111122223333:workgroup/analytics*"}}},
        {"Sid": "TagSessions", "Effect": "Allow", "Action": "sts:TagSession", "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "project"]}, "Null": {"aws:RequestTag/team": "false"}}},
        {"Sid": "DenyProdWrites", "Effect": "Deny", "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem"], "Resource": "arn:aws:dynamodb:*:*:table/app-prod-*",
         "Condition": {"StringNotEquals": {"aws:PrincipalTag/role": "operator"}}},
        {"Sid": "Cloudformation", "Effect": "Allow", "Action": "cloudformation:*", "Resource": "arn:aws:cloudformation:*:111122223333:stack/app-*/*"}
      ]}
    ])
}

fn boundary() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:CreateUser", "iam:CreateRole", "iam:AttachRolePolicy", "organizations:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": ["iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"], "Resource": "*"}
    ]})
}

fn scps() -> Value {
    json!([
      [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
      [{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "RegionGuard", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*", "cloudfront:*"], "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1", "us-east-1"]}}},
        {"Sid": "ProtectAudit", "Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], "Resource": "*"}
      ]}]
    ])
}

fn bucket_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::data-analytics-raw", "arn:aws:s3:::data-analytics-raw/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data-analytics-raw/shared/*"}
    ]})
}

const ACTIONS: &[(&str, &str)] = &[
    ("s3:GetObject", "arn:aws:s3:::data-analytics-raw/2026/11/part-{n}.parquet"),
    ("s3:GetObject", "arn:aws:s3:::data-finance-raw/report-{n}.csv"),
    ("s3:PutObject", "arn:aws:s3:::data-analytics-raw/home/alice/file-{n}"),
    ("s3:DeleteBucket", "arn:aws:s3:::data-analytics-raw"),
    ("s3:ListBucket", "arn:aws:s3:::data-analytics-raw"),
    ("ec2:DescribeInstances", "*"),
    ("ec2:RunInstances", "arn:aws:ec2:eu-west-1:111122223333:instance/i-{n}"),
    ("ec2:CreateTags", "arn:aws:ec2:eu-west-1:111122223333:instance/i-{n}"),
    ("dynamodb:Query", "arn:aws:dynamodb:eu-west-1:111122223333:table/app-orders"),
    ("dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:111122223333:table/app-prod-orders"),
    ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:orders-{n}"),
    ("sns:Publish", "arn:aws:sns:eu-west-1:111122223333:alerts-ops"),
    ("kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("iam:PassRole", "arn:aws:iam::111122223333:role/app-worker"),
    ("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/alice"),
    ("iam:GetRole", "arn:aws:iam::111122223333:role/app-{n}"),
    ("iam:CreateRole", "arn:aws:iam::111122223333:role/new-{n}"),
    ("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:111122223333:function:app-api"),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-AbCdEf"),
    ("logs:PutLogEvents", "arn:aws:logs:eu-west-1:111122223333:log-group:/app/api:log-stream:{n}"),
    ("cloudtrail:StopLogging", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org"),
    ("athena:StartQueryExecution", "arn:aws:athena:eu-west-1:111122223333:workgroup/analytics"),
    ("cloudformation:CreateStack", "arn:aws:cloudformation:eu-west-1:111122223333:stack/app-web/{n}"),
    ("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111122223333:repository/app/web"),
];

/// The cases, as JSON lines in the `aws decide` format.
fn workload(count: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let identity = identity_policies();
    let (boundary, scps, bucket) = (boundary(), scps(), bucket_policy());
    (0..count)
        .map(|n| {
            let (action, resource) = ACTIONS.choose(&mut rng).copied().unwrap_or(ACTIONS[0]);
            let resource = resource.replace("{n}", &rng.random_range(0..1000).to_string());
            let ip = if rng.random_bool(0.8) { "192.0.2.44" } else { "198.51.100.7" };
            let region = *["eu-west-1", "eu-central-1", "ap-south-1"].choose(&mut rng).unwrap_or(&"eu-west-1");
            let mfa = rng.random_bool(0.7);
            let mut context = json!({
                "aws:username": "alice", "aws:userid": "AIDAEXAMPLE", "aws:PrincipalTag/team": "analytics",
                "aws:PrincipalTag/role": if rng.random_bool(0.3) { "operator" } else { "developer" },
                "aws:SourceIp": ip, "aws:RequestedRegion": region, "aws:MultiFactorAuthPresent": mfa,
                "aws:SecureTransport": rng.random_bool(0.9), "aws:ViaAWSService": false,
                "aws:CurrentTime": "2026-11-23T10:00:00Z", "aws:PrincipalOrgID": "o-abc123",
            });
            if mfa {
                context["aws:MultiFactorAuthAge"] = json!(rng.random_range(0..7200));
            }
            let bucket_policy = if resource.starts_with("arn:aws:s3:::data-analytics-raw") { bucket.clone() } else { Value::Null };
            json!({
                "id": format!("b{n}"),
                "request": {"principal": format!("arn:aws:iam::{ACCOUNT}:user/alice"), "action": action, "resource": resource, "context": context},
                "identityPolicies": identity, "permissionsBoundary": boundary, "scps": scps, "resourcePolicy": bucket_policy,
            })
            .to_string()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let count = std::env::var("REMIT_BENCH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let lines = workload(count);
    // The cases share one principal's policies (two variants: with and without the bucket
    // policy): compile each distinct policy set once, as an analysis over a principal does.
    let mut sets: Vec<(String, PolicySet)> = Vec::new();
    let mut decoded: Vec<(usize, Case)> = Vec::new();
    for line in &lines {
        let mut value: Value = serde_json::from_str(line).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.remove("id");
            fields.remove("request");
        }
        let key = value.to_string();
        let Ok(case) = Case::parse(line) else { continue };
        let idx = match sets.iter().position(|(k, _)| *k == key) {
            Some(idx) => idx,
            None => {
                sets.push((key, PolicySet::new(&case.policies)));
                sets.len() - 1
            }
        };
        decoded.push((idx, case));
    }
    assert_eq!(decoded.len(), lines.len(), "the workload must decode");
    let cases: Vec<(&PolicySet, &Case)> = decoded.iter().map(|(idx, case)| (&sets[*idx].1, case)).collect();
    let mut mix = [0usize; 3];
    for (set, case) in &cases {
        mix[set.decide(&case.request) as usize] += 1;
    }
    println!("{} distinct policy sets, compiled once each", sets.len());
    println!(
        "workload: {} requests, 24 identity statements + boundary + 2 SCP levels; Allowed {} / ImplicitlyDenied {} / ExplicitlyDenied {}",
        cases.len(),
        mix[0],
        mix[1],
        mix[2]
    );

    let mut group = c.benchmark_group("aws-decide");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("remit-compiled", |b| {
        b.iter(|| {
            let mut allowed = 0usize;
            for (set, case) in &cases {
                allowed += usize::from(set.decide(black_box(&case.request)) == Decision::Allowed);
            }
            allowed
        })
    });
    group.sample_size(10);
    group.bench_function("remit-end-to-end", |b| {
        b.iter(|| lines.iter().map(|l| remit_aws_decide::decide_line(black_box(l), false).len()).sum::<usize>())
    });
    group.finish();

    // The same cases, timed once each way, for the ratio table.
    let remit_compiled = time_per_decision(
        || {
            for (set, case) in &cases {
                black_box(set.decide(&case.request));
            }
        },
        cases.len(),
    );
    let remit_e2e = time_per_decision(
        || {
            for l in &lines {
                black_box(remit_aws_decide::decide_line(l, false));
            }
        },
        lines.len(),
    );
    println!("\nremit compiled:    {:>12.0} decisions/s", 1.0 / remit_compiled.as_secs_f64());
    println!(
        "remit end-to-end:  {:>12.0} decisions/s (decode + compile + decide each JSON case)",
        1.0 / remit_e2e.as_secs_f64()
    );
    match oracle_per_decision(&lines) {
        Some(oracle) => {
            println!(
                "iam-simulate:      {:>12.0} decisions/s (one node process, same cases)",
                1.0 / oracle.as_secs_f64()
            );
            println!("ratio compiled/iam-simulate:   {:.0}x", oracle.as_secs_f64() / remit_compiled.as_secs_f64());
            println!("ratio end-to-end/iam-simulate: {:.0}x", oracle.as_secs_f64() / remit_e2e.as_secs_f64());
        }
        None => println!("iam-simulate: not measured (set REMIT_ORACLE_DIR, see scripts/install-oracle.sh)"),
    }
}

/// Mean time per decision over enough repetitions to run for about a second.
fn time_per_decision(mut run: impl FnMut(), n: usize) -> Duration {
    let start = Instant::now();
    let mut reps = 0u32;
    while start.elapsed() < Duration::from_secs(1) || reps < 3 {
        run();
        reps += 1;
    }
    start.elapsed() / (reps * n as u32)
}

/// Runs the oracle over the cases in one node process; the wall time includes node's start-up,
/// measured separately and subtracted.
fn oracle_per_decision(lines: &[String]) -> Option<Duration> {
    let dir = std::env::var("REMIT_ORACLE_DIR").ok()?;
    let script = std::path::Path::new(&dir).join("oracle.mjs");
    if !script.exists() {
        return None;
    }
    let run = |input: &[String]| -> Option<(Duration, usize)> {
        let start = Instant::now();
        let mut child = Command::new("node").arg(&script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().ok()?;
        let mut stdin = child.stdin.take()?;
        let body = input.join("\n");
        let writer = std::thread::spawn(move || stdin.write_all(body.as_bytes()));
        let out = child.wait_with_output().ok()?;
        writer.join().ok()?.ok()?;
        let answered =
            out.stdout.split(|b| *b == b'\n').filter(|l| l.windows(10).any(|w| w == b"\"decision\"")).count();
        Some((start.elapsed(), answered))
    };
    let (startup, _) = run(&lines[..1])?;
    let (total, answered) = run(lines)?;
    if answered < lines.len() * 9 / 10 {
        println!("iam-simulate answered only {answered} of {} cases", lines.len());
    }
    Some(total.saturating_sub(startup) / lines.len() as u32)
}

criterion_group!(benches, bench);
criterion_main!(benches);
