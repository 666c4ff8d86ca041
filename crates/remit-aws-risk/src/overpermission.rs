//! Over-permission: risky action categories each principal holds on every resource, and
//! every action of a sensitive service on every resource.
//!
//! The categories are those security teams triage by (and Cloudsplaining reports per policy):
//! privilege escalation, data exfiltration, resource exposure, credentials exposure and
//! infrastructure modification. Here they are read from each principal's *effective*
//! permissions, so a category an SCP, a boundary or a deny takes away is not reported, and one
//! a condition narrows is reported as conditional. Only unrestricted grants (`Resource: *`)
//! count: a grant on named resources is a scoping decision someone made. Administrators are
//! left out (their admin-equivalent finding says more).

use rayon::prelude::*;
use remit_aws_analysis::{AccessLevel, AwsAnalysis, WhatCanFilter};
use remit_aws_catalog::Catalog;
use remit_findings::{Evidence, Finding, FindingId, Kind, Reach, Severity};
use remit_model::{Access, PrincipalKind};

use crate::{admin::Admins, escalation::short, evidence, rules};

/// A risk category: its name, the actions it is made of (or an access level), its severity and
/// why.
struct Category {
    name: &'static str,
    actions: &'static [&'static str],
    level: Option<AccessLevel>,
    severity: Severity,
    rationale: &'static str,
    remediation: &'static str,
}

const CATEGORIES: &[Category] = &[
    Category {
        name: "privilege-escalation",
        actions: &[
            "iam:AddUserToGroup",
            "iam:AttachGroupPolicy",
            "iam:AttachRolePolicy",
            "iam:AttachUserPolicy",
            "iam:CreateAccessKey",
            "iam:CreateLoginProfile",
            "iam:CreatePolicyVersion",
            "iam:DeleteRolePermissionsBoundary",
            "iam:DeleteUserPermissionsBoundary",
            "iam:PassRole",
            "iam:PutGroupPolicy",
            "iam:PutRolePolicy",
            "iam:PutUserPolicy",
            "iam:SetDefaultPolicyVersion",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateLoginProfile",
            "lambda:UpdateFunctionCode",
            "ssm:SendCommand",
            "ssm:StartSession",
            "ec2-instance-connect:SendSSHPublicKey",
            "glue:UpdateDevEndpoint",
            "codebuild:StartBuild",
            "cloudformation:UpdateStack",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            "sso:CreateAccountAssignment",
            "sso:PutInlinePolicyToPermissionSet",
            "sso:AttachManagedPolicyToPermissionSet",
        ],
        level: None,
        severity: Severity::Medium,
        rationale: "actions that change who can do what, on every resource: one step of an escalation path (the privilege-escalation findings say where they lead)",
        remediation: "Scope these actions to the resources the principal administers (never its own identity or roles stronger than it), or remove them.",
    },
    Category {
        name: "data-exfiltration",
        actions: &[
            "s3:GetObject",
            "s3:GetObjectVersion",
            "ssm:GetParameter",
            "ssm:GetParameters",
            "ssm:GetParametersByPath",
            "secretsmanager:GetSecretValue",
            "kms:Decrypt",
            "dynamodb:Scan",
            "dynamodb:GetItem",
            "rds:DownloadDBLogFilePortion",
            "ec2:CreateSnapshot",
            "ebs:GetSnapshotBlock",
        ],
        level: None,
        severity: Severity::Medium,
        rationale: "reads every object, secret or parameter the account holds, whatever it is",
        remediation: "Scope the read actions to the buckets, prefixes, secrets and parameters the principal's work needs.",
    },
    Category {
        name: "resource-exposure",
        actions: &[],
        level: Some(AccessLevel::PermissionsManagement),
        severity: Severity::Medium,
        rationale: "can rewrite resource policies and grants on every resource: it can open any of them to anyone",
        remediation: "Scope permissions-management actions (Put*Policy, CreateGrant, ...) to the resources the principal owns.",
    },
    Category {
        name: "credentials-exposure",
        actions: &[
            "iam:CreateAccessKey",
            "iam:UpdateAccessKey",
            "iam:CreateServiceSpecificCredential",
            "iam:ResetServiceSpecificCredential",
            "iam:CreateLoginProfile",
            "iam:UpdateLoginProfile",
            "sts:GetFederationToken",
            "ecr:GetAuthorizationToken",
            "ec2:GetPasswordData",
            "redshift:GetClusterCredentials",
            "rds-db:Connect",
            "sso:GetRoleCredentials",
            "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
            "lightsail:GetInstanceAccessDetails",
            "lightsail:GetRelationalDatabaseMasterUserPassword",
            "codeartifact:GetAuthorizationToken",
        ],
        level: None,
        severity: Severity::Medium,
        rationale: "mints or reveals credentials for other identities or systems",
        remediation: "Remove credential-minting actions, or scope them to the principal's own identity (${aws:username}).",
    },
    Category {
        name: "infrastructure-modification",
        actions: &[],
        level: Some(AccessLevel::Write),
        severity: Severity::Low,
        rationale: "changes any resource of the account (write actions on `*`)",
        remediation: "Scope write actions to the resources (or tags, with aws:ResourceTag conditions) the principal's work concerns.",
    },
];

/// Runs of ids sorted and merged (overlapping or touching runs joined).
fn merged(mut runs: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    runs.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(runs.len());
    for (first, count) in runs {
        match out.last_mut() {
            Some((f, c)) if first <= *f + *c => *c = (*c).max(first + count - *f),
            _ => out.push((first, count)),
        }
    }
    out
}

/// Services whose every action on every resource is a risk of its own.
const SENSITIVE: &[(&str, Severity)] = &[
    ("iam", Severity::High),
    ("organizations", Severity::High),
    ("kms", Severity::High),
    ("sts", Severity::Medium),
    ("secretsmanager", Severity::Medium),
    ("ssm", Severity::Medium),
    ("s3", Severity::Medium),
    ("lambda", Severity::Medium),
    ("ec2", Severity::Medium),
    ("cloudtrail", Severity::Medium),
    ("guardduty", Severity::Medium),
];

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        _ => Severity::Info,
    }
}

pub(crate) fn findings(analysis: &AwsAnalysis, admins: &Admins) -> Vec<Finding> {
    let catalog = Catalog::aws();
    let size = catalog.action_count();
    // Per action id, the categories it belongs to (a bit each).
    let mut membership = vec![0u8; size];
    for (bit, c) in CATEGORIES.iter().enumerate() {
        for a in c.actions {
            if let Some(id) = catalog.action(a) {
                membership[id.0 as usize] |= 1 << bit;
            }
        }
        if let Some(level) = c.level {
            for id in catalog.actions_with_level(level).iter() {
                membership[id.0 as usize] |= 1 << bit;
            }
        }
    }
    let services: Vec<(usize, remit_aws_catalog::ActionSet)> =
        SENSITIVE.iter().enumerate().map(|(i, (s, _))| (i, catalog.service_actions(s))).collect();
    let principals: Vec<String> = analysis
        .principals()
        .filter(|p| matches!(p.kind, PrincipalKind::User | PrincipalKind::Role))
        .filter(|p| !admins.contains(&p.id) && !crate::admin::is_probe(&p.id))
        .filter(|p| !p.id.contains(":role/aws-service-role/"))
        .map(|p| p.id.clone())
        .collect();
    // Per category, how many of its actions come before each id (counts over runs in O(1)).
    let mut prefix: Vec<[u32; 5]> = vec![[0; 5]; size + 1];
    for id in 0..size {
        let mut next = prefix[id];
        for (bit, n) in next.iter_mut().enumerate() {
            *n += u32::from(membership[id] & (1 << bit) != 0);
        }
        prefix[id + 1] = next;
    }
    let in_runs = |runs: &[(u32, u32)], bit: usize| -> u32 {
        runs.iter().map(|&(first, count)| prefix[(first + count) as usize][bit] - prefix[first as usize][bit]).sum()
    };
    principals
        .par_iter()
        .flat_map_iter(|arn| {
            let mut out = Vec::new();
            let Ok(grants) = analysis.effective_permissions(arn, &WhatCanFilter::default()) else { return out };
            // The actions held on `*`: outright, and at all (with the conditions of the rest),
            // as merged runs of ids.
            let mut allowed_runs: Vec<(u32, u32)> = Vec::new();
            let mut all_runs: Vec<(u32, u32)> = Vec::new();
            let mut conditions: Vec<String> = Vec::new();
            for grant in grants.iter().filter(|g| g.resources.iter().any(|r| &**r == "*")) {
                for part in grant.parts() {
                    all_runs.extend_from_slice(part.runs());
                    match part.access {
                        Access::Allowed => allowed_runs.extend_from_slice(part.runs()),
                        Access::Conditional(cs) => {
                            for c in cs {
                                let text = evidence::condition_text(c);
                                if !conditions.contains(&text) && conditions.len() < 6 {
                                    conditions.push(text);
                                }
                            }
                        }
                    }
                }
            }
            let allowed_runs = merged(allowed_runs);
            let all_runs = merged(all_runs);
            let mut held: Vec<(Vec<u32>, Vec<u32>, Vec<String>)> = vec![Default::default(); CATEGORIES.len()];
            for (bit, h) in held.iter_mut().enumerate() {
                let total = in_runs(&all_runs, bit);
                if total == 0 {
                    continue;
                }
                // The first few actions by name, for the evidence; the count for the title.
                'runs: for &(first, count) in &all_runs {
                    if prefix[(first + count) as usize][bit] == prefix[first as usize][bit] {
                        continue;
                    }
                    for id in first..first + count {
                        if membership[id as usize] & (1 << bit) != 0 {
                            h.0.push(id);
                            if h.0.len() >= 12 {
                                break 'runs;
                            }
                        }
                    }
                }
                h.1 = vec![total, in_runs(&allowed_runs, bit)];
                h.2 = conditions.clone();
            }
            let account = arn.split(':').nth(4).map(str::to_owned);
            for (c, (shown_ids, counts, conditions)) in CATEGORIES.iter().zip(held) {
                let [total, allowed] = counts[..] else { continue };
                let only_conditional = allowed == 0;
                let names: Vec<String> = shown_ids
                    .iter()
                    .filter_map(|id| catalog.action_info(remit_aws_catalog::ActionId(*id)))
                    .map(|a| a.name().to_owned())
                    .collect();
                let more = (total as usize).saturating_sub(names.len());
                let detail = match more {
                    0 => format!("on `*`: {}", names.join(", ")),
                    n => format!("on `*`: {} and {n} more", names.join(", ")),
                };
                let total = total as usize;
                let rule = rules::RISK_CATEGORY;
                out.push(Finding {
                    id: FindingId::new(rule, &[arn.as_str()], &[c.name]),
                    kind: Kind::OverPermission,
                    rule: rule.to_owned(),
                    title: format!("{} holds {total} {} action{} on every resource", short(arn), c.name, if total == 1 { "" } else { "s" }),
                    severity: if only_conditional { lower(c.severity) } else { c.severity },
                    severity_rationale: c.rationale.to_owned(),
                    cloud: "aws".to_owned(),
                    account: account.clone(),
                    principals: vec![arn.clone()],
                    resources: vec!["*".to_owned()],
                    categories: vec![c.name.to_owned()],
                    reach: if only_conditional { Reach::conditional(conditions) } else { Reach::allowed() },
                    evidence: vec![Evidence::fact("effective permissions", detail)],
                    path: Vec::new(),
                    remediation: c.remediation.to_owned(),
                    first_seen: None,
                    suppressed: None,
                });
            }
            let covered = |runs: &[(u32, u32)], id: u32| {
                let at = runs.partition_point(|&(first, _)| first <= id);
                at > 0 && id < runs[at - 1].0 + runs[at - 1].1
            };
            for (i, set) in &services {
                let (service, severity) = SENSITIVE[*i];
                if set.is_empty() || !set.iter().all(|id| covered(&all_runs, id.0)) {
                    continue;
                }
                let conditional = !set.iter().all(|id| covered(&allowed_runs, id.0));
                out.push(Finding {
                    id: FindingId::new(rules::SERVICE_WILDCARD, &[arn.as_str()], &[service]),
                    kind: Kind::OverPermission,
                    rule: rules::SERVICE_WILDCARD.to_owned(),
                    title: format!("{} holds every {service} action on every resource", short(arn)),
                    severity: if conditional { lower(severity) } else { severity },
                    severity_rationale: format!("{service}:* on `*` gives every present and future {service} action, however sensitive"),
                    cloud: "aws".to_owned(),
                    account: account.clone(),
                    principals: vec![arn.clone()],
                    resources: vec!["*".to_owned()],
                    categories: Vec::new(),
                    reach: if conditional {
                        Reach::conditional(vec!["some actions only under conditions".to_owned()])
                    } else {
                        Reach::allowed()
                    },
                    evidence: vec![Evidence::fact("effective permissions", format!("all {} {service} actions on `*`", set.len()))],
                    path: Vec::new(),
                    remediation: format!("Replace {service}:* with the {service} actions the principal uses (remit what-can --service {service} lists them)."),
                    first_seen: None,
                    suppressed: None,
                });
            }
            out
        })
        .collect()
}
