//! Doors from outside: resources and role trusts that let anyone or other organizations in,
//! third-party trusts without an external id, and web-identity trusts any token can satisfy.
//!
//! What a policy grants an outsider is decided by the engine with every other layer in force
//! (`AwsAnalysis::exposure`: RCPs, explicit denies, Block Public Access, ACLs); this module
//! ranks and explains it. Accounts of the organization that were not collected are not
//! outsiders.

use std::collections::HashSet;

use remit_aws_analysis::{AccessLevel, AwsAnalysis, Exposure};
use remit_aws_catalog::Catalog;
use remit_aws_policy::{Effect, PrincipalType, Principals};
use remit_findings::{Evidence, Finding, FindingId, Kind, Reach, Severity};

use crate::{escalation::short, evidence, rules};

/// Whether some of `actions` (as a statement writes them) change things: a wildcard, or an
/// action of the Write or Permissions management levels.
fn writes(actions: &[String]) -> bool {
    let catalog = Catalog::aws();
    actions.iter().any(|a| {
        a.contains('*')
            || catalog.action(a).and_then(|id| catalog.action_info(id)).is_some_and(|info| {
                info.access_levels()
                    .iter()
                    .any(|l| matches!(l, AccessLevel::Write | AccessLevel::PermissionsManagement))
            })
    })
}

pub(crate) fn findings(analysis: &AwsAnalysis) -> Vec<Finding> {
    let env = analysis.environment();
    let org_accounts: HashSet<&str> = env
        .organization
        .iter()
        .flat_map(|o| o.nodes.iter())
        .filter(|n| n.kind == remit_aws_import::OrgNodeKind::Account)
        .map(|n| n.id.as_str())
        .collect();
    let roles: HashSet<&str> = env.accounts.iter().flat_map(|a| a.roles.iter().map(|r| r.arn.as_str())).collect();
    let mut out = Vec::new();
    for e in analysis.exposure() {
        let is_role = roles.contains(e.resource.as_str());
        if crate::admin::is_probe(&e.resource) {
            continue;
        }
        let outsider_account = e.outsider.split(':').nth(4).unwrap_or_default();
        if e.outsider == "*" {
            out.push(public(&e, is_role));
        } else if e.outsider.starts_with("arn:")
            && !org_accounts.contains(outsider_account)
            && account_of(&e.resource).as_deref() != Some(outsider_account)
            && !e.outsider.contains(":oidc-provider/")
            && !e.outsider.contains(":saml-provider/")
        {
            // (Identity providers are the web-identity rule's; the account's own are not
            // outsiders.)
            out.push(external(analysis, &e, is_role));
        }
    }
    out.extend(web_identity(analysis));
    out
}

fn account_of(arn: &str) -> Option<String> {
    arn.split(':').nth(4).filter(|a| !a.is_empty()).map(str::to_owned)
}

fn statement_evidence(e: &Exposure, is_role: bool) -> Evidence {
    Evidence {
        principal: Some(e.outsider.clone()),
        action: Some(e.actions.join(", ")),
        resource: Some(e.resource.clone()),
        layer: if is_role { "trust".to_owned() } else { "resource".to_owned() },
        source: if is_role { format!("trust policy of {}", e.resource) } else { format!("policy of {}", e.resource) },
        statement: Some(e.statement.clone()),
        effect: Some("Allow".to_owned()),
        conditions: e.access.conditions().iter().map(evidence::condition_text).collect(),
        detail: None,
    }
}

fn public(e: &Exposure, is_role: bool) -> Finding {
    let reach = evidence::reach(&e.access);
    let write = is_role || writes(&e.actions);
    let (rule, title, severity, rationale) = match (is_role, write, reach.is_allowed()) {
        (true, _, true) => (
            rules::TRUST_ANYONE,
            format!("anyone with an AWS account can assume {}", short(&e.resource)),
            Severity::Critical,
            "every AWS account in the world can become this role",
        ),
        (true, _, false) => (
            rules::TRUST_ANYONE,
            format!("any AWS principal meeting its conditions can assume {}", short(&e.resource)),
            Severity::High,
            "the role trusts every AWS principal; only the listed conditions keep strangers out",
        ),
        (false, true, true) => (
            rules::RESOURCE_PUBLIC,
            format!("anyone can change {}", short(&e.resource)),
            Severity::Critical,
            "anyone on the internet can write to or reconfigure this resource",
        ),
        (false, false, true) => (
            rules::RESOURCE_PUBLIC,
            format!("anyone can read {}", short(&e.resource)),
            Severity::High,
            "anyone on the internet can read this resource's data",
        ),
        (false, _, false) => (
            rules::RESOURCE_PUBLIC,
            format!("anyone meeting its conditions can use {}", short(&e.resource)),
            Severity::Medium,
            "open to everyone under conditions (listed) that narrow, but do not name, who may call",
        ),
    };
    Finding {
        id: FindingId::new(rule, &["*"], &[e.resource.as_str()]),
        kind: Kind::PublicAccess,
        rule: rule.to_owned(),
        title,
        severity,
        severity_rationale: rationale.to_owned(),
        cloud: "aws".to_owned(),
        account: account_of(&e.resource),
        principals: vec!["*".to_owned()],
        resources: vec![e.resource.clone()],
        categories: vec!["resource-exposure".to_owned()],
        reach,
        evidence: vec![statement_evidence(e, is_role)],
        path: Vec::new(),
        remediation: match is_role {
            true => "Name the accounts or principals the role is for in its trust policy instead of `*` (and require sts:ExternalId for third parties, aws:PrincipalOrgID for your organization).".to_owned(),
            false => "Remove the statement granting `*`, or restrict it with aws:PrincipalOrgID / aws:SourceVpce / aws:SourceAccount; for S3, turn on Block Public Access at the account.".to_owned(),
        },
        first_seen: None,
        suppressed: None,
    }
}

fn external(analysis: &AwsAnalysis, e: &Exposure, is_role: bool) -> Finding {
    let reach = evidence::reach(&e.access);
    let mut evidence = vec![statement_evidence(e, is_role)];
    let external_id = is_role && trust_requires_external_id(analysis, &e.resource, &e.statement);
    let write = is_role || writes(&e.actions);
    let (rule, severity, rationale) = if is_role && !external_id {
        evidence.push(Evidence::fact(format!("trust policy of {}", e.resource), "no sts:ExternalId condition"));
        (
            rules::TRUST_NO_EXTERNAL_ID,
            if reach.is_allowed() { Severity::High } else { Severity::Medium },
            "a third party that holds this role's ARN can be tricked into using it for someone else (confused deputy): sts:ExternalId is missing",
        )
    } else if is_role {
        (
            rules::TRUST_EXTERNAL,
            Severity::Low,
            "an account outside the organization can assume this role, with an external id",
        )
    } else if write {
        (rules::RESOURCE_EXTERNAL, Severity::High, "an account outside the organization can change this resource")
    } else {
        (rules::RESOURCE_EXTERNAL, Severity::Medium, "an account outside the organization can read this resource")
    };
    let verb = if is_role {
        "assume"
    } else if write {
        "change"
    } else {
        "read"
    };
    Finding {
        id: FindingId::new(rule, &[e.outsider.as_str()], &[e.resource.as_str()]),
        kind: Kind::ExternalAccess,
        rule: rule.to_owned(),
        title: format!("{} (outside the organization) can {verb} {}", e.outsider, short(&e.resource)),
        severity,
        severity_rationale: rationale.to_owned(),
        cloud: "aws".to_owned(),
        account: account_of(&e.resource),
        principals: vec![e.outsider.clone()],
        resources: vec![e.resource.clone()],
        categories: vec!["resource-exposure".to_owned()],
        reach,
        evidence,
        path: Vec::new(),
        remediation: match is_role {
            true => "Confirm the account is a known partner; require sts:ExternalId (the value the vendor gives you) and name the vendor's role rather than its whole account.".to_owned(),
            false => "Confirm the account should have this access; name its specific roles and the actions they need, or remove the statement.".to_owned(),
        },
        first_seen: None,
        suppressed: None,
    }
}

/// True when the role's trust statement requires `sts:ExternalId`.
fn trust_requires_external_id(analysis: &AwsAnalysis, role: &str, statement: &str) -> bool {
    let env = analysis.environment();
    let Some(r) = env.accounts.iter().flat_map(|a| a.roles.iter()).find(|r| r.arn == role) else { return false };
    let Some(trust) = &r.trust_policy else { return false };
    let index: Option<usize> =
        statement.trim_start_matches('#').split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok());
    trust
        .statements
        .iter()
        .enumerate()
        .filter(|(i, _)| index.is_none_or(|n| n == *i))
        .any(|(_, st)| st.conditions.iter().any(|c| c.key.eq_ignore_ascii_case("sts:ExternalId")))
}

/// Web-identity (OIDC) trusts that do not pin the token's subject: any identity the provider
/// issues a token to can assume the role (with GitHub Actions, any repository on GitHub).
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub
fn web_identity(analysis: &AwsAnalysis) -> Vec<Finding> {
    let env = analysis.environment();
    let mut out = Vec::new();
    for account in &env.accounts {
        for role in &account.roles {
            let Some(trust) = &role.trust_policy else { continue };
            for (idx, st) in trust.statements.iter().enumerate() {
                if st.effect != Effect::Allow {
                    continue;
                }
                let Some(p) = &st.principal else { continue };
                let Principals::Typed(entries) = &p.values else { continue };
                let providers: Vec<&String> = entries
                    .iter()
                    .filter(|(k, _)| *k == PrincipalType::Federated)
                    .flat_map(|(_, v)| v.iter())
                    .filter(|v| v.contains(":oidc-provider/") || !v.starts_with("arn:"))
                    .collect();
                let web = st.action.values.iter().any(|a| {
                    let a = a.to_ascii_lowercase();
                    a == "sts:assumerolewithwebidentity" || a == "sts:*" || a == "*"
                });
                if providers.is_empty() || !web {
                    continue;
                }
                for provider in providers {
                    let host = provider.rsplit_once(":oidc-provider/").map_or(provider.as_str(), |(_, h)| h);
                    let sub_key = format!("{host}:sub");
                    let subject_conditions: Vec<&remit_aws_policy::ConditionEntry> =
                        st.conditions.iter().filter(|c| c.key.eq_ignore_ascii_case(&sub_key)).collect();
                    let github = host.contains("token.actions.githubusercontent.com");
                    let open_values =
                        subject_conditions.iter().all(|c| c.values.iter().all(|v| v == "*" || v.starts_with("repo:*")));
                    // GitHub subjects are `repo:OWNER/REPO:...`: a wildcard for the repository
                    // admits every repository (and branch) of the owner.
                    // https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
                    let any_repository = github
                        && !subject_conditions.is_empty()
                        && subject_conditions.iter().any(|c| {
                            c.values.iter().any(|v| {
                                v.strip_prefix("repo:")
                                    .and_then(|rest| rest.split_once('/'))
                                    .is_some_and(|(_, repo)| repo.starts_with('*'))
                            })
                        });
                    if !subject_conditions.is_empty() && !open_values && !any_repository {
                        continue;
                    }
                    let (severity, rationale) = match (github, open_values || subject_conditions.is_empty()) {
                        (true, true) => (
                            Severity::Critical,
                            "any GitHub Actions workflow, in any repository of any owner, can get a token this trust accepts",
                        ),
                        (true, false) => (
                            Severity::Medium,
                            "any workflow of any repository of the owner, on any branch or pull request, can get a token this trust accepts",
                        ),
                        (false, _) => {
                            (Severity::High, "any identity the provider issues a token to can assume the role")
                        }
                    };
                    let detail = match (subject_conditions.is_empty(), open_values) {
                        (true, _) => format!("no condition on {sub_key}"),
                        (false, true) => format!("{sub_key} allows any value"),
                        (false, false) => format!("{sub_key} allows any repository of the owner"),
                    };
                    let statement = match &st.sid {
                        Some(sid) => format!("#{idx} (Sid {sid})"),
                        None => format!("#{idx}"),
                    };
                    out.push(Finding {
                        id: FindingId::new(rules::TRUST_OIDC_UNRESTRICTED, &[provider.as_str()], &[role.arn.as_str()]),
                        kind: Kind::ExternalAccess,
                        rule: rules::TRUST_OIDC_UNRESTRICTED.to_owned(),
                        title: format!("any {host} identity can assume {}", short(&role.arn)),
                        severity,
                        severity_rationale: rationale.to_owned(),
                        cloud: "aws".to_owned(),
                        account: Some(account.id.clone()),
                        principals: vec![provider.clone()],
                        resources: vec![role.arn.clone()],
                        categories: vec!["resource-exposure".to_owned()],
                        reach: Reach::allowed(),
                        evidence: vec![Evidence {
                            principal: Some(provider.clone()),
                            action: Some("sts:AssumeRoleWithWebIdentity".to_owned()),
                            resource: Some(role.arn.clone()),
                            layer: "trust".to_owned(),
                            source: format!("trust policy of {}", role.arn),
                            statement: Some(statement),
                            effect: Some("Allow".to_owned()),
                            conditions: st.conditions.iter().map(|c| format!("{} {} {:?}", c.operator, c.key, c.values)).collect(),
                            detail: Some(detail),
                        }],
                        path: Vec::new(),
                        remediation: format!("Add a StringEquals (or StringLike) condition on {sub_key} naming exactly the subjects allowed (for GitHub: repo:OWNER/REPO:ref:refs/heads/main or :environment:NAME), and on {host}:aud."),
                        first_seen: None,
                        suppressed: None,
                    });
                }
            }
        }
    }
    out
}
