//! A report with one finding of each shape the formats treat apart (paths of one and several
//! steps, a step on the principal's own permissions, conditions, suppressions by a user and by
//! the analysis, resources, categories, no account), for the output formats' tests; and the
//! check that the sample finding the JSON format's documentation shows is one Remit writes.

use crate::{Evidence, Finding, FindingId, Kind, PathStep, Reach, Report, Severity, Suppressed, Tool};

pub(crate) const ACCOUNT: &str = "111122223333";

pub(crate) fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}")
}

pub(crate) fn statement(principal: &str, action: &str, resource: &str, source: &str, sid: &str) -> Evidence {
    Evidence {
        principal: Some(principal.to_owned()),
        action: Some(action.to_owned()),
        resource: Some(resource.to_owned()),
        layer: "identity".to_owned(),
        source: source.to_owned(),
        statement: Some(format!("#1 (Sid {sid})")),
        effect: Some("Allow".to_owned()),
        conditions: Vec::new(),
        detail: None,
    }
}

pub(crate) fn step(from: &str, to: &str, technique: &str, description: &str, permissions: &[&str]) -> PathStep {
    PathStep {
        from: from.to_owned(),
        to: to.to_owned(),
        technique: technique.to_owned(),
        description: description.to_owned(),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        reach: Reach::allowed(),
        evidence: Vec::new(),
    }
}

/// A finding of `rule` about `principals`, with the fields every finding has.
pub(crate) fn finding(kind: Kind, rule: &str, severity: Severity, title: &str, principals: &[&str]) -> Finding {
    let principals: Vec<String> = principals.iter().map(|p| (*p).to_owned()).collect();
    Finding {
        id: FindingId::new(rule, &principals, &[] as &[&str]),
        kind,
        rule: rule.to_owned(),
        title: title.to_owned(),
        severity,
        severity_rationale: format!("{} findings of {rule} are {}.", kind.as_str(), severity.as_str()),
        cloud: "aws".to_owned(),
        account: Some(ACCOUNT.to_owned()),
        principals,
        resources: Vec::new(),
        categories: Vec::new(),
        reach: Reach::allowed(),
        evidence: Vec::new(),
        path: Vec::new(),
        remediation: "Remove the statement that grants it, or scope it to the resources needed.".to_owned(),
        first_seen: None,
        suppressed: None,
    }
}

pub(crate) fn report() -> Report {
    let alice = arn("user", "alice");
    let bob = arn("user", "bob");
    let ci = arn("role", "ci-deploy");
    let pipeline = arn("role", "data-pipeline");
    let admin = arn("role", "OrganizationAdmin");
    let lambda_admin = arn("role", "lambda-admin");
    let vendor = arn("role", "vendor-audit");
    let mut findings = Vec::new();

    let mut f = finding(
        Kind::AdminEquivalent,
        "aws-admin-equivalent",
        Severity::Critical,
        "alice can do everything in 111122223333",
        &[&alice],
    );
    f.evidence.push(statement(&alice, "*", "*", "arn:aws:iam::aws:policy/AdministratorAccess", "Admin"));
    f.first_seen = Some("2026-11-02T08:00:00Z".to_owned());
    findings.push(f);

    let mut f = finding(
        Kind::PrivilegeEscalation,
        "aws-privilege-escalation",
        Severity::Critical,
        "ci-deploy can become OrganizationAdmin",
        &[&ci],
    );
    f.path = vec![
        step(
            &ci,
            &lambda_admin,
            "lambda-passrole-create-function",
            "Creates a Lambda function that runs as the role it passes.",
            &["iam:PassRole on lambda-admin", "lambda:CreateFunction on *", "lambda:InvokeFunction on *"],
        ),
        step(
            &lambda_admin,
            &admin,
            "sts-assume-role",
            "Assumes the role its trust policy lets it assume.",
            &["sts:AssumeRole on OrganizationAdmin"],
        ),
    ];
    f.path[0].evidence.push(statement(
        &ci,
        "iam:PassRole",
        &lambda_admin,
        "inline policy deploy of role ci-deploy",
        "Pass",
    ));
    f.evidence.push(statement(
        &ci,
        "lambda:CreateFunction",
        "*",
        "inline policy deploy of role ci-deploy",
        "Functions",
    ));
    f.resources = vec![admin.clone()];
    findings.push(f);

    let mut f = finding(
        Kind::PrivilegeEscalation,
        "aws-privilege-escalation",
        Severity::Critical,
        "data-pipeline can become OrganizationAdmin through ci-deploy",
        &[&pipeline],
    );
    let mut assume = step(
        &pipeline,
        &ci,
        "sts-assume-role",
        "Assumes the role its trust policy lets it assume.",
        &["sts:AssumeRole on ci-deploy"],
    );
    assume.reach = Reach::conditional(vec!["aws:SourceIp IpAddress 10.0.0.0/8".to_owned()]);
    f.reach = assume.reach.clone();
    f.path = vec![
        assume,
        step(
            &ci,
            &lambda_admin,
            "lambda-passrole-create-function",
            "Creates a Lambda function that runs as the role it passes.",
            &["iam:PassRole on lambda-admin"],
        ),
        step(
            &lambda_admin,
            &admin,
            "sts-assume-role",
            "Assumes the role its trust policy lets it assume.",
            &["sts:AssumeRole on OrganizationAdmin"],
        ),
    ];
    findings.push(f);

    let mut f = finding(
        Kind::PrivilegeEscalation,
        "aws-privilege-escalation",
        Severity::High,
        "bob can give himself administrator access",
        &[&bob],
    );
    f.path = vec![step(
        &bob,
        &bob,
        "iam-create-policy-version",
        "Writes a new default version of a policy attached to itself.",
        &["iam:CreatePolicyVersion on arn:aws:iam::111122223333:policy/bob-tools"],
    )];
    findings.push(f);

    let mut f = finding(
        Kind::PrivilegeEscalation,
        "aws-privilege-escalation",
        Severity::High,
        "vendor-audit could become OrganizationAdmin (denied by an SCP)",
        &[&vendor],
    );
    f.path = vec![step(
        &vendor,
        &admin,
        "sts-assume-role",
        "Assumes the role its trust policy lets it assume.",
        &["sts:AssumeRole on OrganizationAdmin"],
    )];
    f.suppressed = Some(Suppressed {
        reason: "the SCP DenyAssumeAdmin denies sts:AssumeRole on OrganizationAdmin".to_owned(),
        by: "remit".to_owned(),
        expires: None,
    });
    findings.push(f);

    let mut f = finding(
        Kind::ExternalAccess,
        "aws-external-trust",
        Severity::High,
        "vendor-audit can be assumed by account 999988887777",
        &[&vendor],
    );
    let mut trust = Evidence::fact(
        "trust policy of role vendor-audit",
        "names arn:aws:iam::999988887777:root without sts:ExternalId",
    );
    trust.layer = "trust".to_owned();
    f.evidence.push(trust);
    f.remediation = "Require sts:ExternalId in the trust policy, or remove the account.".to_owned();
    findings.push(f);

    let mut f = finding(
        Kind::PublicAccess,
        "aws-public-resource",
        Severity::Critical,
        "Anyone can read the bucket public-data",
        &["*"],
    );
    f.resources = vec!["arn:aws:s3:::public-data".to_owned()];
    f.id = FindingId::new(&f.rule, &f.principals, &f.resources);
    let mut policy =
        statement("*", "s3:GetObject", "arn:aws:s3:::public-data/*", "bucket policy of public-data", "PublicRead");
    policy.layer = "resource".to_owned();
    f.evidence.push(policy);
    findings.push(f);

    let mut f = finding(
        Kind::OverPermission,
        "aws-risky-actions",
        Severity::Medium,
        "data-pipeline can read every secret",
        &[&pipeline],
    );
    f.categories = vec!["credentials-exposure".to_owned(), "data-exfiltration".to_owned()];
    f.evidence.push(statement(
        &pipeline,
        "secretsmanager:GetSecretValue",
        "*",
        "inline policy etl of role data-pipeline",
        "Secrets",
    ));
    findings.push(f);

    let mut f = finding(
        Kind::ToxicCombination,
        "aws-sod-iam-and-cloudtrail",
        Severity::Medium,
        "bob can change IAM and stop CloudTrail",
        &[&bob],
    );
    f.evidence.push(statement(
        &bob,
        "cloudtrail:StopLogging",
        "*",
        "arn:aws:iam::111122223333:policy/bob-tools",
        "Trail",
    ));
    findings.push(f);

    let mut f = finding(
        Kind::InactiveIdentity,
        "aws-inactive-user",
        Severity::Low,
        "carol has not signed in for 212 days",
        &[&arn("user", "carol")],
    );
    f.evidence.push(Evidence::fact("credential report", "password_last_used 2026-05-08T10:12:00+00:00"));
    findings.push(f);

    let mut f = finding(
        Kind::CredentialHygiene,
        "aws-old-access-key",
        Severity::Low,
        "alice's access key is 412 days old",
        &[&alice],
    );
    f.suppressed = Some(Suppressed {
        reason: "rotated by the break-glass runbook".to_owned(),
        by: "secops@example.com".to_owned(),
        expires: Some("2027-01-31T00:00:00Z".to_owned()),
    });
    findings.push(f);

    let mut f = finding(
        Kind::CredentialHygiene,
        "aws-root-no-mfa",
        Severity::Info,
        "The account root user has a password",
        &["arn:aws:iam::111122223333:root"],
    );
    f.account = None;
    findings.push(f);

    let tool = Tool { name: "remit".to_owned(), version: "0.3.0".to_owned() };
    Report::new(tool, "2026-12-06T11:17:14Z".to_owned(), "bundles/acme-prod".to_owned(), 42, findings)
}

/// The sample finding of `docs/report-formats.md` is a finding as Remit writes it.
#[test]
fn documented_sample_finding_is_as_written() {
    let doc = include_str!("../../../docs/report-formats.md");
    let json = doc.split("```json\n").nth(1).and_then(|s| s.split("\n```").next()).unwrap_or_default();
    let f: Finding = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::to_string_pretty(&f).ok().as_deref(), Some(json));
    assert_eq!(f.id, FindingId::new(&f.rule, &f.principals, &f.resources));
}
