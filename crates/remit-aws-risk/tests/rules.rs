//! The rules beside escalation: exposure, credentials, over-permission (and what guardrails
//! take away from it), toxic combinations; on the generator's planted problems and on small
//! exports written here.

use std::path::Path;

use remit_aws_analysis::AwsAnalysis;
use remit_aws_risk::{ScanOptions, ToxicRules, scan};
use remit_findings::{Finding, Severity, Timestamp};
use remit_gen::aws_org::{Options, Size, generate_with};
use serde_json::{Value, json};

fn now() -> Timestamp {
    Timestamp::parse("2026-03-01T09:00:00Z").expect("a timestamp")
}

fn scan_path(path: &Path, toxic: ToxicRules) -> Vec<Finding> {
    let env = remit_aws_import::load(path).expect("the environment loads");
    let analysis = AwsAnalysis::new(remit_aws_risk::admin::with_probes(env));
    let mut options = ScanOptions::new(now());
    options.toxic = toxic;
    scan(&analysis, &options)
}

/// The findings of `rule` naming `arn` (as principal or resource).
fn of<'f>(findings: &'f [Finding], rule: &str, arn: &str) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| f.rule == rule && (f.principals.iter().any(|p| p == arn) || f.resources.iter().any(|r| r == arn)))
        .collect()
}

#[test]
fn planted_problems_are_found_with_their_severity() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    generate_with(&Options { seed: 1, size: Size::Small, org_accounts: None }, dir.path()).expect("generated");
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("ground-truth.json")).expect("ground truth"))
            .expect("JSON");
    let findings = scan_path(dir.path(), ToxicRules::default());
    let expected: &[(&str, &str, Option<Severity>)] = &[
        ("role-trusts-anyone", "aws-trust-anyone", Some(Severity::Critical)),
        ("external-account-admin-without-external-id", "aws-trust-third-party-without-external-id", None),
        ("oidc-without-subject", "aws-trust-oidc-without-subject", Some(Severity::Critical)),
        ("oidc-any-repository", "aws-trust-oidc-without-subject", Some(Severity::Medium)),
        ("unknown-external-account", "aws-trust-third-party-without-external-id", None),
        ("root-access-key", "aws-root-access-key", Some(Severity::Critical)),
        ("admin-without-mfa", "aws-console-without-mfa", Some(Severity::High)),
        ("admin-user-with-old-key", "aws-old-access-key", Some(Severity::High)),
        ("iam-full-access", "aws-admin-iam", None),
        ("not-resource-admin", "aws-admin-full", None),
        ("boundary-that-bounds-nothing", "aws-admin-full", None),
        ("public-resource", "aws-resource-public", None),
    ];
    let planted = truth["planted"].as_array().expect("planted problems");
    let mut checked = 0;
    for p in planted {
        let (what, arn) = (p["what"].as_str().unwrap_or_default(), p["arn"].as_str().unwrap_or_default());
        for (kind, rule, severity) in expected.iter().filter(|(k, ..)| *k == what) {
            let found = of(&findings, rule, arn);
            assert!(!found.is_empty(), "{kind} on {arn}: no {rule} finding");
            if let Some(severity) = severity {
                assert!(
                    found.iter().any(|f| f.severity == *severity),
                    "{kind} on {arn}: {rule} is not {severity:?}: {found:#?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} planted problems checked");
    // Identity providers of the account are not outsiders of the external-access rules.
    assert!(
        findings.iter().all(|f| f.rule == "aws-trust-oidc-without-subject"
            || !f.principals.iter().any(|p| p.contains(":oidc-provider/")))
    );
}

const ACCOUNT: &str = "111122223333";

fn user(name: &str, boundary: Option<&str>, statements: Value) -> Value {
    let mut u = json!({
        "Path": "/", "UserName": name, "UserId": format!("AIDA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"), "CreateDate": "2025-01-01T00:00:00+00:00",
        "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        "GroupList": [], "AttachedManagedPolicies": [], "Tags": []
    });
    if let Some(b) = boundary {
        u["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b});
    }
    u
}

fn export(dir: &Path, users: Vec<Value>, boundary: Value) -> std::path::PathBuf {
    let b_arn = format!("arn:aws:iam::{ACCOUNT}:policy/data-plane-only");
    let doc = json!({
        "UserDetailList": users, "GroupDetailList": [], "RoleDetailList": [],
        "Policies": [{
            "PolicyName": "data-plane-only", "PolicyId": "ANPABOUNDARY", "Arn": b_arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 1, "IsAttachable": true,
            "CreateDate": "2025-01-01T00:00:00+00:00", "UpdateDate": "2025-01-01T00:00:00+00:00",
            "PolicyVersionList": [{"Document": boundary, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": "2025-01-01T00:00:00+00:00"}]
        }]
    });
    let path = dir.join("authorization-details.json");
    std::fs::write(&path, serde_json::to_vec(&doc).expect("JSON")).expect("written");
    path
}

#[test]
fn categories_a_boundary_takes_away_are_suppressed_with_the_reason() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let grants = json!([{"Effect": "Allow", "Action": ["iam:PassRole", "secretsmanager:GetSecretValue", "s3:GetObject", "lambda:*"], "Resource": "*"}]);
    let b_arn = format!("arn:aws:iam::{ACCOUNT}:policy/data-plane-only");
    let path = export(
        dir.path(),
        vec![user("bounded", Some(&b_arn), grants.clone()), user("free", None, grants)],
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
    );
    let findings = scan_path(&path, ToxicRules::default());
    let category = |who: &str, c: &str| {
        findings
            .iter()
            .find(|f| f.rule == "aws-risky-actions" && f.principals[0].ends_with(who) && f.categories == [c])
            .unwrap_or_else(|| unreachable!("no {c} finding for {who}: {findings:#?}"))
    };
    // Free: open, both categories.
    assert!(category("user/free", "privilege-escalation").is_open());
    assert!(category("user/free", "data-exfiltration").is_open());
    // Bounded: privilege escalation taken away entirely, suppressed, saying by what.
    let taken = category("user/bounded", "privilege-escalation");
    let why = taken.suppressed.as_ref().map(|s| s.reason.clone()).unwrap_or_default();
    assert!(why.contains("boundary") && why.contains(&b_arn), "{why}");
    assert_eq!(taken.suppressed.as_ref().map(|s| s.by.as_str()), Some("remit"));
    // ... while the data-exfiltration it keeps (s3:GetObject) stays open.
    assert!(category("user/bounded", "data-exfiltration").is_open());
    // The lambda:* the boundary takes away: a suppressed service wildcard, the free user's open.
    let wildcard = |who: &str| {
        findings
            .iter()
            .filter(|f| f.rule == "aws-service-wildcard" && f.principals[0].ends_with(who))
            .collect::<Vec<_>>()
    };
    assert!(
        wildcard("user/free").iter().any(
            |f| f.is_open() && f.evidence.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("lambda")))
        )
    );
    let bounded = wildcard("user/bounded");
    assert_eq!(bounded.len(), 1, "{bounded:#?}");
    assert!(!bounded[0].is_open());
    assert!(bounded[0].suppressed.as_ref().is_some_and(|s| s.reason.contains(&b_arn)));
    // The same id as the open finding it would have been: a suppression survives the change.
    assert_eq!(
        taken.id,
        remit_findings::FindingId::new(
            "aws-risky-actions",
            &[format!("arn:aws:iam::{ACCOUNT}:user/bounded")],
            &["privilege-escalation"]
        )
    );
}

#[test]
fn toxic_combinations_need_every_requirement() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = export(
        dir.path(),
        vec![
            user(
                "both",
                None,
                json!([{"Effect": "Allow", "Action": ["s3:PutObject", "codepipeline:PutApprovalResult"], "Resource": "*"}]),
            ),
            user("one", None, json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}])),
        ],
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    );
    let rules = ToxicRules::parse(
        r#"
[[rule]]
id = "deploy-and-approve"
title = "can both write to the deploy bucket and approve releases"
severity = "critical"
[[rule.requires]]
action = "s3:PutObject"
resource = "arn:aws:s3:::deploy-artifacts/app.zip"
[[rule.requires]]
action = "codepipeline:PutApprovalResult"
resource = "arn:aws:codepipeline:us-east-1:111122223333:release/Approve/Manual"
"#,
        Path::new("sod.toml"),
    )
    .expect("valid rules");
    let findings = scan_path(&path, rules);
    let toxic: Vec<&Finding> = findings.iter().filter(|f| f.rule == "aws-toxic:deploy-and-approve").collect();
    assert_eq!(toxic.len(), 1, "{toxic:#?}");
    assert_eq!(toxic[0].principals, [format!("arn:aws:iam::{ACCOUNT}:user/both")]);
    assert_eq!(toxic[0].severity, Severity::Critical);
    assert_eq!(toxic[0].evidence.len(), 2);
    // A bad rules file names its line.
    let bad = ToxicRules::parse("[[rule]]\nid = \"x\"\ntitle = \"t\"\nrequires = []\n", Path::new("sod.toml"));
    assert!(bad.is_err_and(|e| e.to_string().starts_with("sod.toml:1: rule `x` needs at least two")));
}
