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
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet",
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

/// What a principal's own policies grant on `*` (read alone, as a tool reading one policy at
/// a time does) but a guardrail, its boundary, a deny or a condition takes away entirely:
/// risk categories it holds none of, and services it does not hold whole. Each is reported
/// suppressed, by `remit`, saying what takes it away: the team sees why a policy that looks
/// dangerous is not, and the grant to remove before the guardrail changes. A category keeps
/// the id its open finding would have.
fn neutralized(
    analysis: &AwsAnalysis,
    arn: &str,
    account: Option<&str>,
    membership: &[u8],
    held_runs: &[(u32, u32)],
    held: &[(Vec<u32>, Vec<u32>, Vec<String>)],
    services: &[(&str, Vec<u32>)],
) -> Vec<Finding> {
    let catalog = Catalog::aws();
    let covered = |id: u32| covers(held_runs, id);
    let mut out = Vec::new();
    let Ok(by_policies) = analysis.policies_allow_on_any(arn) else { return out };
    if by_policies.is_empty() {
        return out;
    }
    let name = |id: u32| catalog.action_info(remit_aws_catalog::ActionId(id)).map(|a| a.name().to_owned());
    for (bit, (c, h)) in CATEGORIES.iter().zip(held).enumerate() {
        // Held effectively, at least in part: the open finding says what remains.
        if !h.1.is_empty() {
            continue;
        }
        let taken: Vec<u32> = by_policies
            .iter()
            .map(|id| id.0)
            .filter(|id| membership[*id as usize] & (1 << bit) != 0 && !covered(*id))
            .collect();
        let Some(first) = taken.first().and_then(|id| name(*id)) else { continue };
        let names: Vec<String> = taken.iter().take(12).filter_map(|id| name(*id)).collect();
        let more = taken.len().saturating_sub(names.len());
        let listed = match more {
            0 => names.join(", "),
            n => format!("{} and {n} more", names.join(", ")),
        };
        let (reason, mut evidence) = taken_away(analysis, arn, &first);
        evidence.insert(0, Evidence::fact("identity policies", format!("allow on `*`: {listed}")));
        out.push(Finding {
            id: FindingId::new(rules::RISK_CATEGORY, &[arn], &[c.name]),
            kind: Kind::OverPermission,
            rule: rules::RISK_CATEGORY.to_owned(),
            title: format!(
                "{} is granted {} {} action{} on every resource by its policies, all taken away",
                short(arn),
                taken.len(),
                c.name,
                if taken.len() == 1 { "" } else { "s" }
            ),
            severity: c.severity,
            severity_rationale: c.rationale.to_owned(),
            cloud: "aws".to_owned(),
            account: account.map(str::to_owned),
            principals: vec![arn.to_owned()],
            resources: vec!["*".to_owned()],
            categories: vec![c.name.to_owned()],
            reach: Reach::allowed(),
            evidence,
            path: Vec::new(),
            remediation: "None needed while the guardrail stands; remove the grant from the policy so that it does not return when the guardrail changes.".to_owned(),
            first_seen: None,
            suppressed: Some(remit_findings::Suppressed { reason, by: "remit".to_owned(), expires: None }),
        });
    }
    // Services the policies grant whole on `*`, not held whole.
    let taken_services: Vec<(&str, u32)> = services
        .iter()
        .filter(|(_, ids)| {
            !ids.is_empty() && ids.iter().all(|id| by_policies.contains(remit_aws_catalog::ActionId(*id)))
        })
        .filter_map(|(service, ids)| ids.iter().find(|id| !covered(**id)).map(|id| (*service, *id)))
        .collect();
    if let Some(first) = taken_services.first().and_then(|(_, id)| name(*id)) {
        let list: Vec<&str> = taken_services.iter().map(|(s, _)| *s).collect();
        let (reason, mut evidence) = taken_away(analysis, arn, &first);
        evidence.insert(
            0,
            Evidence::fact("identity policies", format!("allow every action on `*` of: {}", list.join(", "))),
        );
        out.push(Finding {
            id: FindingId::new(rules::SERVICE_WILDCARD, &[arn], &["taken away"]),
            kind: Kind::OverPermission,
            rule: rules::SERVICE_WILDCARD.to_owned(),
            title: format!(
                "{} is granted every action of {} service{} on every resource by its policies, taken away",
                short(arn),
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            ),
            severity: Severity::Low,
            severity_rationale: "service:* on `*` in a policy, which a guardrail cuts down".to_owned(),
            cloud: "aws".to_owned(),
            account: account.map(str::to_owned),
            principals: vec![arn.to_owned()],
            resources: vec!["*".to_owned()],
            categories: Vec::new(),
            reach: Reach::allowed(),
            evidence,
            path: Vec::new(),
            remediation: "None needed while the guardrail stands; replace the wildcards in the policy with the actions the principal uses.".to_owned(),
            first_seen: None,
            suppressed: Some(remit_findings::Suppressed { reason, by: "remit".to_owned(), expires: None }),
        });
    }
    out
}

/// Why `action` on `*`, which `arn`'s policies allow, is not allowed: the engine's reason and
/// the statements that take it away (denies, the boundary), with the explanation as evidence.
fn taken_away(analysis: &AwsAnalysis, arn: &str, action: &str) -> (String, Vec<Evidence>) {
    let Ok(explained) = analysis.explain(arn, action, "*") else {
        return (format!("neutralized: {action} on `*` is not allowed"), Vec::new());
    };
    let mut denies: Vec<String> = explained
        .statements
        .iter()
        .filter(|s| s.effect == "Deny" || s.layer == "permissionsBoundary")
        .map(|s| format!("{} {} {}", s.layer, s.source, s.statement))
        .collect();
    if let Ok(Some(boundary)) = analysis.boundary_of(arn)
        && explained.reason.contains("boundary")
    {
        denies.push(format!("boundary {boundary}"));
    }
    let reason = match denies.is_empty() {
        true => format!("neutralized: {action} on `*`: {}", explained.reason),
        false => format!("neutralized: {action} on `*`: {} ({})", explained.reason, denies.join("; ")),
    };
    (reason, crate::evidence::statements(analysis, arn, action, "*", &[]))
}

/// True when one of `runs` (sorted, merged) holds `id`.
fn covers(runs: &[(u32, u32)], id: u32) -> bool {
    let at = runs.partition_point(|&(first, _)| first <= id);
    at > 0 && id < runs[at - 1].0 + runs[at - 1].1
}

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
    // Every other service, by its actions' ids: (prefix, ids), the ids sorted.
    // Every service, by its actions' ids (what neutralized wildcards are checked against), and
    // those not among the sensitive ones (reported together).
    let every_service: Vec<(&str, Vec<u32>)> = catalog
        .services()
        .map(|svc| (svc.prefix(), catalog.service_actions(svc.prefix()).iter().map(|id| id.0).collect()))
        .collect();
    let others: Vec<&(&str, Vec<u32>)> = every_service
        .iter()
        .filter(|(prefix, ids)| !ids.is_empty() && !SENSITIVE.iter().any(|(s, _)| s == prefix))
        .collect();
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
            out.extend(neutralized(analysis, arn, account.as_deref(), &membership, &all_runs, &held, &every_service));
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
            let covered = covers;
            // Every service held whole, in one finding whose severity is that of the most
            // sensitive (a principal holding `PowerUserAccess` holds hundreds).
            let mut held_services: Vec<&str> = Vec::new();
            let mut severity = Severity::Info;
            let mut any_allowed = false;
            for (i, set) in &services {
                let (service, sensitivity) = SENSITIVE[*i];
                if set.is_empty() || !set.iter().all(|id| covered(&all_runs, id.0)) {
                    continue;
                }
                let allowed = set.iter().all(|id| covered(&allowed_runs, id.0));
                any_allowed |= allowed;
                severity = severity.max(if allowed { sensitivity } else { lower(sensitivity) });
                held_services.push(service);
            }
            for (prefix, ids) in &others {
                // Merged runs are maximal: a service whose ids are consecutive is held whole
                // when one run holds its first and last.
                let whole = |runs: &[(u32, u32)]| match ids.last() {
                    Some(&last) if last - ids[0] + 1 == ids.len() as u32 => {
                        let at = runs.partition_point(|&(first, _)| first <= ids[0]);
                        at > 0 && last < runs[at - 1].0 + runs[at - 1].1
                    }
                    _ => ids.iter().all(|id| covered(runs, *id)),
                };
                if whole(&all_runs) {
                    let allowed = whole(&allowed_runs);
                    any_allowed |= allowed;
                    severity = severity.max(if allowed { Severity::Low } else { Severity::Info });
                    held_services.push(prefix);
                }
            }
            if !held_services.is_empty() {
                let n = held_services.len();
                let sensitive: Vec<&str> =
                    held_services.iter().copied().filter(|s| SENSITIVE.iter().any(|(x, _)| x == s)).collect();
                let title = match sensitive.is_empty() {
                    true => format!("{} holds every action of {n} service{} on every resource", short(arn), if n == 1 { "" } else { "s" }),
                    false => format!(
                        "{} holds every action of {n} service{} on every resource, {}",
                        short(arn),
                        if n == 1 { "" } else { "s" },
                        sensitive.join(", ")
                    ),
                };
                out.push(Finding {
                    id: FindingId::new(rules::SERVICE_WILDCARD, &[arn.as_str()], &[] as &[&str]),
                    kind: Kind::OverPermission,
                    rule: rules::SERVICE_WILDCARD.to_owned(),
                    title,
                    severity,
                    severity_rationale: match sensitive.is_empty() {
                        true => "service:* on `*` gives every present and future action of the service".to_owned(),
                        false => format!("every present and future action of sensitive services ({}) on every resource", sensitive.join(", ")),
                    },
                    cloud: "aws".to_owned(),
                    account: account.clone(),
                    principals: vec![arn.clone()],
                    resources: vec!["*".to_owned()],
                    categories: Vec::new(),
                    reach: if any_allowed {
                        Reach::allowed()
                    } else {
                        Reach::conditional(vec!["every such service only under conditions".to_owned()])
                    },
                    evidence: vec![Evidence::fact("effective permissions", format!("every action on `*` of: {}", held_services.join(", ")))],
                    path: Vec::new(),
                    remediation: "Replace service-wide wildcards with the actions the principal uses (remit what-can --service SERVICE lists them).".to_owned(),
                    first_seen: None,
                    suppressed: None,
                });
            }
            out
        })
        .collect()
}
