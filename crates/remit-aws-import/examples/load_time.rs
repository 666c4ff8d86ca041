//! Times `load` on a synthetic `get-account-authorization-details` export of about 15 MB (or of
//! the size given in MB as the first argument), written in the CLI's shape to a temporary file.
//!
//! `cargo run --release -p remit-aws-import --example load_time [MB]`

use std::{error::Error, time::Instant};

use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

fn statement(idx: usize) -> Value {
    json!({
        "Sid": format!("S{idx}"),
        "Effect": if idx.is_multiple_of(7) { "Deny" } else { "Allow" },
        "Action": ["s3:GetObject", "s3:PutObject", "dynamodb:Query", format!("ec2:Describe{idx}*")],
        "Resource": [format!("arn:aws:s3:::bucket-{idx}/*"), format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t{idx}")],
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("team-{}", idx % 13)}}
    })
}

fn document(seed: usize, statements: usize) -> Value {
    json!({"Version": "2012-10-17", "Statement": (0..statements).map(|idx| statement(seed * 31 + idx)).collect::<Vec<_>>()})
}

fn export(scale: usize) -> Value {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com", "AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]});
    let users: Vec<Value> = (0..scale).map(|idx| json!({
        "Path": "/", "UserName": format!("user-{idx}"), "UserId": format!("AIDA{idx:016}"),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:user/user-{idx}"), "CreateDate": "2022-08-07 12:55:43+00:00",
        "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": document(idx, 3)}],
        "GroupList": [format!("group-{}", idx % 50)],
        "AttachedManagedPolicies": [{"PolicyName": format!("policy-{}", idx % 200), "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/policy-{}", idx % 200)}],
        "Tags": [{"Key": "team", "Value": format!("team-{}", idx % 13)}]
    })).collect();
    let groups: Vec<Value> = (0..50)
        .map(|idx| {
            json!({
                "Path": "/", "GroupName": format!("group-{idx}"), "GroupId": format!("AGPA{idx:016}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:group/group-{idx}"), "CreateDate": "2022-08-07 12:55:43+00:00",
                "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": document(idx, 2)}],
                "AttachedManagedPolicies": []
            })
        })
        .collect();
    let roles: Vec<Value> = (0..scale * 2).map(|idx| json!({
        "Path": "/service-role/", "RoleName": format!("role-{idx}"), "RoleId": format!("AROA{idx:016}"),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:role/service-role/role-{idx}"), "CreateDate": "2022-08-07 12:55:43+00:00",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": document(idx, 4)}],
        "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "Tags": [], "RoleLastUsed": {"LastUsedDate": "2024-03-01 10:00:00+00:00", "Region": "eu-west-1"}
    })).collect();
    let policies: Vec<Value> = (0..200)
        .map(|idx| {
            json!({
                "PolicyName": format!("policy-{idx}"), "PolicyId": format!("ANPA{idx:016}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/policy-{idx}"), "Path": "/", "DefaultVersionId": "v3",
                "AttachmentCount": 3, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
                "CreateDate": "2022-08-07 12:55:43+00:00", "UpdateDate": "2022-08-07 12:55:43+00:00",
                "PolicyVersionList": (1..=3).rev().map(|version| json!({
                    "Document": document(idx + version, 8), "VersionId": format!("v{version}"),
                    "IsDefaultVersion": version == 3, "CreateDate": "2022-08-07 12:55:43+00:00"
                })).collect::<Vec<_>>()
            })
        })
        .collect();
    json!({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies, "IsTruncated": false})
}

fn main() -> Result<(), Box<dyn Error>> {
    let target_mb: f64 = std::env::args().nth(1).map(|arg| arg.parse()).transpose()?.unwrap_or(15.0);
    // Grow the export until it reaches the target size.
    let mut scale = 500;
    let mut text = serde_json::to_string_pretty(&export(scale))?;
    for _ in 0..4 {
        let ratio = target_mb * 1e6 / text.len() as f64;
        if (0.98..1.02).contains(&ratio) {
            break;
        }
        scale = ((scale as f64) * ratio).ceil() as usize;
        text = serde_json::to_string_pretty(&export(scale))?;
    }
    let path = std::env::temp_dir().join(format!("remit-load-time-{}.json", std::process::id()));
    std::fs::write(&path, &text)?;

    let mut best = f64::MAX;
    let mut summary = String::new();
    for _ in 0..5 {
        let start = Instant::now();
        let env = remit_aws_import::load(&path)?;
        let elapsed = start.elapsed().as_secs_f64();
        best = best.min(elapsed);
        let account = &env.accounts[0];
        summary = format!(
            "{} users, {} groups, {} roles, {} managed policies, {} issues",
            account.users.len(),
            account.groups.len(),
            account.roles.len(),
            account.managed_policies.len(),
            env.issues.len()
        );
    }
    std::fs::remove_file(&path)?;
    println!("{:.1} MB: {summary}; best of 5 loads: {:.0} ms", text.len() as f64 / 1e6, best * 1000.0);
    Ok(())
}
