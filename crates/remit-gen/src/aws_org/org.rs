//! The organization: its tree of OUs and accounts, and the SCPs and RCPs attached in it.
//!
//! The guardrails are the ones landing zones commonly set up (region lock, protect the
//! security tooling and the baseline roles, deny the root user, quarantine the suspended OU,
//! an identity perimeter on production data). None denies IAM or STS actions to a
//! non-root principal outside the quarantined OU, so that the ground truth's escalation claims
//! hold under them; the ground truth lists which apply to each account.

use std::io;

use serde_json::{Value, json};

use crate::aws_org::{
    out::{Out, iso},
    rng::Rng,
    world::{OU_PROD, OU_SANDBOX, OU_SUSPENDED, OU_WORKLOADS, World},
};

/// The resource services the identity perimeter covers, by ARN service.
pub(super) const PERIMETER_SERVICES: [&str; 4] = ["s3", "sqs", "kms", "secretsmanager"];

/// Where a policy is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Root,
    /// Index into the layout's OUs.
    Ou(usize),
    /// Index into [`World::accounts`].
    Account(usize),
}

/// An SCP or RCP.
#[derive(Debug, Clone)]
pub(super) struct OrgPolicy {
    pub(super) id: String,
    pub(super) name: &'static str,
    pub(super) description: &'static str,
    pub(super) rcp: bool,
    pub(super) aws_managed: bool,
    pub(super) content: Value,
    pub(super) targets: Vec<Target>,
    /// Denies every action to everyone in its scope.
    pub(super) deny_all: bool,
    /// Denies S3, SQS, KMS and Secrets Manager to principals outside the organization (other
    /// than AWS services) on the resources in its scope.
    pub(super) identity_perimeter: bool,
}

impl OrgPolicy {
    pub(super) fn arn(&self, world: &World) -> String {
        let kind = if self.rcp { "resource_control_policy" } else { "service_control_policy" };
        if self.aws_managed {
            format!("arn:aws:organizations::aws:policy/{kind}/{}", self.id)
        } else {
            format!("arn:aws:organizations::{}:policy/{}/{kind}/{}", world.management, world.org_id, self.id)
        }
    }
}

const EXEMPT_ROLE: &str = "arn:aws:iam::*:role/OrganizationAccountAccessRole";

/// The organization's SCPs and RCPs.
pub(super) fn policies(world: &World) -> Vec<OrgPolicy> {
    let mut rng = Rng::new(world.seed, "organization-policies", 0);
    let everywhere: Vec<Target> = std::iter::once(Target::Root)
        .chain((0..world.org.as_ref().map_or(0, |org| org.ous.len())).map(Target::Ou))
        .chain((0..world.accounts.len()).map(Target::Account))
        .collect();
    let mut custom =
        |name: &'static str, description: &'static str, rcp: bool, content: Value, targets: Vec<Target>| OrgPolicy {
            id: format!("p-{}", rng.lower_alnum(8)),
            name,
            description,
            rcp,
            aws_managed: false,
            content,
            targets,
            deny_all: false,
            identity_perimeter: false,
        };
    let mut out = vec![
        OrgPolicy {
            id: "p-FullAWSAccess".into(),
            name: "FullAWSAccess",
            description: "Allows access to every operation",
            rcp: false,
            aws_managed: true,
            content: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            targets: everywhere.clone(),
            deny_all: false,
            identity_perimeter: false,
        },
        OrgPolicy {
            id: "p-RCPFullAWSAccess".into(),
            name: "RCPFullAWSAccess",
            description: "Allows access to every operation",
            rcp: true,
            aws_managed: true,
            content: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
            targets: everywhere,
            deny_all: false,
            identity_perimeter: false,
        },
    ];
    out.push(custom(
        "DenyLeaveOrganization",
        "Accounts cannot leave the organization",
        false,
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}),
        vec![Target::Root],
    ));
    out.push(custom(
        "ProtectSecurityTooling",
        "CloudTrail, Config, GuardDuty and Security Hub stay on",
        false,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "ProtectSecurityServices",
            "Effect": "Deny",
            "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "config:DeleteConfigRule", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel", "config:StopConfigurationRecorder", "guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount", "guardduty:UpdateDetector", "securityhub:DisableSecurityHub", "access-analyzer:DeleteAnalyzer"],
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": EXEMPT_ROLE}},
        }]}),
        vec![Target::Root],
    ));
    out.push(custom(
        "ProtectBaselineRoles",
        "The organization's roles in every account cannot be changed from inside it",
        false,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "ProtectBaselineRoles",
            "Effect": "Deny",
            "Action": ["iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole"],
            "Resource": [EXEMPT_ROLE, "arn:aws:iam::*:role/security-audit", "arn:aws:iam::*:role/deployer"],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": EXEMPT_ROLE}},
        }]}),
        vec![Target::Root],
    ));
    out.push(custom(
        "RegionLock",
        "Only the approved regions, global services excepted",
        false,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyOutsideApprovedRegions",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "account:*", "support:*", "cloudfront:*", "route53:*", "route53domains:*", "waf:*", "wafv2:*", "budgets:*", "ce:*", "cur:*", "health:*", "trustedadvisor:*", "globalaccelerator:*", "s3:GetAccountPublicAccessBlock", "s3:ListAllMyBuckets"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
                "ArnNotLike": {"aws:PrincipalArn": EXEMPT_ROLE},
            },
        }]}),
        vec![Target::Ou(OU_WORKLOADS), Target::Ou(OU_SANDBOX)],
    ));
    out.push(custom(
        "DenyRootUser",
        "The root user of member accounts can do nothing",
        false,
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyRootUser", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}]}),
        vec![Target::Ou(OU_WORKLOADS)],
    ));
    out.push(custom(
        "RequireIMDSv2",
        "Instances must require IMDSv2",
        false,
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "RequireImdsV2", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*", "Condition": {"StringNotEquals": {"ec2:MetadataHttpTokens": "required"}}},
            {"Sid": "MaxHopLimit", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*", "Condition": {"NumericGreaterThan": {"ec2:MetadataHttpPutResponseHopLimit": "2"}}},
        ]}),
        vec![Target::Ou(OU_WORKLOADS)],
    ));
    out.push(custom(
        "SandboxGuardrails",
        "Small instances, no IAM users, no access keys",
        false,
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "SmallInstancesOnly", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*", "Condition": {"ForAnyValue:StringNotLike": {"ec2:InstanceType": ["t3.*", "t4g.*"]}}},
            {"Sid": "NoLongTermCredentials", "Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"], "Resource": "*"},
        ]}),
        vec![Target::Ou(OU_SANDBOX)],
    ));
    out.push(custom(
        "DenyPublicAccessChanges",
        "Block Public Access stays on in production",
        false,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["s3:PutAccountPublicAccessBlock", "s3:DeleteAccountPublicAccessBlock"], "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": EXEMPT_ROLE}}}]}),
        vec![Target::Ou(OU_PROD)],
    ));
    let mut quarantine = custom(
        "Quarantine",
        "Accounts waiting to be closed",
        false,
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyEverything", "Effect": "Deny", "Action": "*", "Resource": "*"}]}),
        vec![Target::Ou(OU_SUSPENDED)],
    );
    quarantine.deny_all = true;
    out.push(quarantine);
    out.push(custom(
        "EnforceSecureTransport",
        "Data services only over TLS",
        true,
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "EnforceSecureTransport", "Effect": "Deny", "Principal": "*", "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}]}),
        vec![Target::Root],
    ));
    let mut perimeter = custom(
        "EnforceOrgIdentities",
        "Production data only for the organization's principals and AWS services",
        true,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "EnforceOrgIdentities",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*"],
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": world.org_id, "aws:ResourceTag/dp:exclude:identity": "true"},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        }]}),
        vec![Target::Ou(OU_PROD)],
    );
    perimeter.identity_perimeter = true;
    out.push(perimeter);
    out
}

/// The policies that apply to an account: attached to the root, to an OU above it, or to it.
pub(super) fn applying<'p>(world: &World, policies: &'p [OrgPolicy], account: usize) -> Vec<&'p OrgPolicy> {
    let mut chain = vec![Target::Root, Target::Account(account)];
    let mut ou = world.accounts[account].ou;
    while let Some(idx) = ou {
        chain.push(Target::Ou(idx));
        ou = world.org.as_ref().and_then(|org| org.ous.get(idx)).and_then(|o| o.parent);
    }
    policies.iter().filter(|p| p.targets.iter().any(|t| chain.contains(t))).collect()
}

/// Writes `organization/`.
pub(super) fn write(out: &mut Out, world: &World, policies: &[OrgPolicy]) -> io::Result<()> {
    let Some(layout) = &world.org else { return Ok(()) };
    let mgmt = &world.management;
    let org = &world.org_id;
    let mgmt_email = world.accounts.iter().find(|a| a.id == *mgmt).map(|a| a.email.clone()).unwrap_or_default();
    out.json(
        "organization/describe-organization.json",
        &json!({"Organization": {
            "Id": org,
            "Arn": format!("arn:aws:organizations::{mgmt}:organization/{org}"),
            "FeatureSet": "ALL",
            "MasterAccountArn": format!("arn:aws:organizations::{mgmt}:account/{org}/{mgmt}"),
            "MasterAccountId": mgmt,
            "MasterAccountEmail": mgmt_email,
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
        }}),
    )?;
    let root = &layout.root_id;
    out.json(
        "organization/roots.json",
        &json!({"Roots": [{
            "Id": root,
            "Arn": format!("arn:aws:organizations::{mgmt}:root/{org}/{root}"),
            "Name": "Root",
            "PolicyTypes": [
                {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"},
            ],
        }]}),
    )?;
    let ou_arn = |idx: usize| format!("arn:aws:organizations::{mgmt}:ou/{org}/{}", layout.ous[idx].id);
    let account_json = |idx: usize| {
        let a = &world.accounts[idx];
        let status = if a.suspended { "SUSPENDED" } else { "ACTIVE" };
        json!({
            "Id": a.id,
            "Arn": format!("arn:aws:organizations::{mgmt}:account/{org}/{}", a.id),
            "Email": a.email,
            "Name": a.name,
            "Status": status,
            "State": status,
            "JoinedMethod": if a.created_by_org { "CREATED" } else { "INVITED" },
            "JoinedTimestamp": iso(a.joined),
        })
    };
    let mut parents: Vec<(String, Option<usize>)> = vec![(root.clone(), None)];
    parents.extend(layout.ous.iter().enumerate().map(|(idx, ou)| (ou.id.clone(), Some(idx))));
    for (parent_id, parent) in &parents {
        let ous: Vec<Value> = layout
            .ous
            .iter()
            .enumerate()
            .filter(|(_, ou)| ou.parent == *parent)
            .map(|(idx, ou)| json!({"Id": ou.id, "Arn": ou_arn(idx), "Name": ou.name}))
            .collect();
        out.json(&format!("organization/children/{parent_id}.ous.json"), &json!({"OrganizationalUnits": ous}))?;
        let accounts: Vec<Value> =
            (0..world.accounts.len()).filter(|idx| world.accounts[*idx].ou == *parent).map(account_json).collect();
        out.json(&format!("organization/children/{parent_id}.accounts.json"), &json!({"Accounts": accounts}))?;
    }

    for rcp in [false, true] {
        let (file, kind) = if rcp {
            ("resource-control-policies.json", "RESOURCE_CONTROL_POLICY")
        } else {
            ("service-control-policies.json", "SERVICE_CONTROL_POLICY")
        };
        let listed: Vec<&OrgPolicy> = policies.iter().filter(|p| p.rcp == rcp).collect();
        let summary = |p: &OrgPolicy| json!({"Id": p.id, "Arn": p.arn(world), "Name": p.name, "Description": p.description, "Type": kind, "AwsManaged": p.aws_managed});
        out.json(
            &format!("organization/policies/{file}"),
            &json!({"Policies": listed.iter().map(|p| summary(p)).collect::<Vec<_>>()}),
        )?;
        for policy in listed {
            let content = serde_json::to_string_pretty(&policy.content).unwrap_or_default();
            out.json(
                &format!("organization/policies/{}.json", policy.id),
                &json!({"Policy": {"PolicySummary": summary(policy), "Content": content}}),
            )?;
            let targets: Vec<Value> = policy
                .targets
                .iter()
                .map(|target| match *target {
                    Target::Root => json!({"TargetId": root, "Arn": format!("arn:aws:organizations::{mgmt}:root/{org}/{root}"), "Name": "Root", "Type": "ROOT"}),
                    Target::Ou(idx) => json!({"TargetId": layout.ous[idx].id, "Arn": ou_arn(idx), "Name": layout.ous[idx].name, "Type": "ORGANIZATIONAL_UNIT"}),
                    Target::Account(idx) => {
                        let a = &world.accounts[idx];
                        json!({"TargetId": a.id, "Arn": format!("arn:aws:organizations::{mgmt}:account/{org}/{}", a.id), "Name": a.name, "Type": "ACCOUNT"})
                    }
                })
                .collect();
            out.json(&format!("organization/policies/{}.targets.json", policy.id), &json!({"Targets": targets}))?;
        }
    }
    Ok(())
}
