//! Administrator-equivalent principals, by what they can do, not by their policies' names.
//!
//! "Everything" is relative to the account: SCPs deny some actions to every principal
//! (leaving the organization, turning off security tooling), so no principal can do every
//! action in the catalog. The analysis therefore adds to each account a *ceiling probe*, a
//! role with an inline policy allowing everything and nothing else (no boundary, trusted by
//! no one), and compares each principal's effective permissions on `*` with the probe's:
//! a principal that can do everything the probe can is a full administrator; one that can do
//! every IAM write the probe can can grant itself anything. Both are decided by the engine, so
//! a principal whose `AdministratorAccess` an SCP, a boundary or a condition cuts down is not
//! reported as one (or is reported as conditional, with the conditions).

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use rayon::prelude::*;
use remit_aws_analysis::{AwsAnalysis, WhatCanFilter};
use remit_aws_catalog::Catalog;
use remit_aws_import::{AwsEnvironment, InlinePolicy, Role};
use remit_aws_policy::{Policy, PolicyKind};
use remit_findings::{Evidence, Finding, FindingId, Kind, Reach, Severity};
use remit_model::{Access, PrincipalKind};

use crate::{evidence, rules};

/// The IAM writes an IAM administrator holds on every user, group, role and policy of its
/// account (documented in docs/findings.md): creating identities and policies, and giving
/// any identity any policy, keys, a password or a new trust.
const IAM_ADMINISTRATION: &[&str] = &[
    "iam:CreateUser",
    "iam:CreateRole",
    "iam:CreateGroup",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
];

/// The path of the ceiling probes' roles.
const PROBE_PATH: &str = "/remit-ceiling-probe/";
/// Their name.
const PROBE_NAME: &str = "remit-ceiling-probe";

/// `env` with a ceiling probe in each account whose IAM was collected (see the module docs).
/// Scans analyse this; findings never name a probe.
pub fn with_probes(mut env: AwsEnvironment) -> AwsEnvironment {
    let allow_all = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        PolicyKind::Identity,
    )
    .ok();
    let trust_none = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*"}]}"#,
        PolicyKind::Trust,
    )
    .ok();
    for account in env.accounts.iter_mut().filter(|a| a.iam_collected) {
        let arn = format!("arn:{}:iam::{}:role{PROBE_PATH}{PROBE_NAME}", account.partition, account.id);
        if account.roles.iter().any(|r| r.arn == arn) {
            continue;
        }
        account.roles.push(Role {
            arn,
            name: PROBE_NAME.to_owned(),
            id: "AROAREMITCEILINGPROBE".to_owned(),
            path: PROBE_PATH.to_owned(),
            trust_policy: trust_none.clone(),
            inline_policies: vec![InlinePolicy { name: "allow-everything".to_owned(), document: allow_all.clone() }],
            ..Role::default()
        });
    }
    env
}

/// True for the ARN of a ceiling probe.
pub fn is_probe(arn: &str) -> bool {
    arn.contains(":role/remit-ceiling-probe/")
}

/// True for a service-linked role (its path is `/aws-service-role/`).
pub(crate) fn is_service_linked(arn: &str) -> bool {
    arn.contains(":role/aws-service-role/")
}

/// Why a principal is an administrator.
#[derive(Debug, Clone)]
pub(crate) struct Admin {
    /// Every action the guardrails leave open, or only every IAM write.
    pub(crate) full: bool,
    /// Whether it holds outright.
    pub(crate) reach: Reach,
    /// Actions compared (the probe's), and how many the principal holds.
    pub(crate) compared: usize,
}

/// The administrators of an environment, by ARN.
#[derive(Debug, Default)]
pub(crate) struct Admins {
    by_arn: HashMap<String, Admin>,
    /// Principals no one controls, never a step of a path nor its start: the ceiling probes
    /// (not real) and service-linked roles (only their AWS service can use them, and AWS
    /// denies changing their trust or policies).
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
    uncontrolled: HashSet<String>,
}

impl Admins {
    /// True for an administrator, or a principal no one controls (see `uncontrolled`):
    /// escalation paths neither start nor pass there.
    pub(crate) fn contains(&self, arn: &str) -> bool {
        self.by_arn.contains_key(arn) || self.uncontrolled.contains(arn)
    }

    pub(crate) fn arns(&self) -> impl Iterator<Item = &str> {
        self.by_arn.keys().map(String::as_str)
    }

    pub(crate) fn get(&self, arn: &str) -> Option<&Admin> {
        self.by_arn.get(arn)
    }
}

/// What a principal may do on `*`: per action id, the number of the part that grants it
/// (0: none), and the parts' accesses (an array, not a map: every candidate is compared with
/// its account's ceiling over the whole catalog).
struct OnAny {
    part_of: Vec<u32>,
    parts: Vec<Access>,
}

impl OnAny {
    fn access(&self, id: usize) -> Option<(usize, &Access)> {
        match self.part_of.get(id).copied().unwrap_or(0) {
            0 => None,
            n => Some((n as usize - 1, &self.parts[n as usize - 1])),
        }
    }

    /// The actions it holds.
    fn held(&self) -> impl Iterator<Item = usize> + '_ {
        self.part_of.iter().enumerate().filter(|(_, p)| **p != 0).map(|(id, _)| id)
    }
}

fn on_any(analysis: &AwsAnalysis, principal: &str) -> OnAny {
    let mut out = OnAny { part_of: vec![0; Catalog::aws().action_count()], parts: Vec::new() };
    let Ok(grants) = analysis.effective_permissions(principal, &WhatCanFilter::default()) else { return out };
    for grant in grants.iter().filter(|g| g.resources.iter().any(|r| &**r == "*")) {
        for part in grant.parts() {
            out.parts.push(part.access.clone());
            let number = out.parts.len() as u32;
            let allowed = matches!(part.access, Access::Allowed);
            for id in part.actions() {
                let Some(slot) = out.part_of.get_mut(id.index()) else { continue };
                // An outright grant wins over a conditional one.
                let keep = *slot != 0 && matches!(out.parts[*slot as usize - 1], Access::Allowed);
                if *slot == 0 || (allowed && !keep) {
                    *slot = number;
                }
            }
        }
    }
    out
}

/// Decides who is an administrator (see the module docs).
pub(crate) fn administrators(analysis: &AwsAnalysis) -> Admins {
    let catalog = Catalog::aws();
    // The IAM writes that create identities and give them permissions, on every user,
    // group, role and policy: enough to grant oneself (or a new identity) anything.
    let iam_writes: Vec<u32> = IAM_ADMINISTRATION.iter().filter_map(|a| catalog.action(a)).map(|id| id.0).collect();
    // The ceiling of each account.
    // (`sts:GetCallerIdentity` needs no permission and no guardrail can deny it: it is no
    // measure of power, and an account whose guardrails deny everything else has no
    // administrator.)
    let free = catalog.action("sts:GetCallerIdentity").map(|id| id.0);
    let probes: Vec<(String, Arc<OnAny>)> = analysis
        .principals()
        .filter(|p| is_probe(&p.id))
        .map(|p| {
            let mut ceiling = on_any(analysis, &p.id);
            if let Some(slot) = free.and_then(|free| ceiling.part_of.get_mut(free as usize)) {
                *slot = 0;
            }
            (p.scope.clone().unwrap_or_default(), Arc::new(ceiling))
        })
        .collect();
    let ceilings: HashMap<String, Arc<OnAny>> = probes.into_iter().collect();
    let probe_arns: HashMap<String, String> = analysis
        .principals()
        .filter(|p| is_probe(&p.id))
        .map(|p| (p.scope.clone().unwrap_or_default(), p.id.clone()))
        .collect();
    // Per account, each IAM write with a resource of its type there.
    let iam_questions: HashMap<String, Vec<(String, String)>> = analysis
        .environment()
        .accounts
        .iter()
        .map(|a| {
            let questions = iam_writes
                .iter()
                .filter_map(|id| catalog.action_info(remit_aws_catalog::ActionId(*id)))
                .map(|info| {
                    let resource = info
                        .resource_types()
                        .find(|r| r.required())
                        .map(|r| instantiate_format(r.resource_type().arn_format(), &a.partition, &a.id))
                        .unwrap_or_else(|| "*".to_owned());
                    (info.name().to_owned(), resource)
                })
                .collect();
            (a.id.clone(), questions)
        })
        .collect();
    // An administrator can do every IAM write: only those whose policies may allow one are
    // candidates.
    let mut candidates: Vec<Arc<remit_model::Principal>> = analysis
        .identity_may_allow("iam:AttachRolePolicy")
        .into_iter()
        .filter(|p| !is_probe(&p.id))
        .filter(|p| matches!(p.kind, PrincipalKind::User | PrincipalKind::Role))
        .collect();
    candidates.sort_by(|a, b| a.id.cmp(&b.id));
    let found: Vec<(String, Admin)> = candidates
        .par_iter()
        .filter_map(|p| {
            let ceiling = ceilings.get(p.scope.as_deref().unwrap_or_default())?;
            let mine = on_any(analysis, &p.id);
            // Every action the ceiling holds, held too; conditions beyond the ceiling's noted
            // once per part.
            let held: Vec<usize> = ceiling.held().collect();
            let full = (|| -> Option<Reach> {
                let mut conditions: Vec<String> = Vec::new();
                let mut noted = vec![false; mine.parts.len()];
                for &id in &held {
                    let (part, access) = mine.access(id)?;
                    if let Access::Conditional(cs) = access {
                        if std::mem::replace(&mut noted[part], true) {
                            continue;
                        }
                        let probe_has = ceiling.access(id).map(|(_, a)| a.conditions()).unwrap_or(&[]);
                        for c in cs.iter().filter(|c| !probe_has.iter().any(|p| p.expression == c.expression)) {
                            let text = evidence::condition_text(c);
                            if !conditions.contains(&text) && conditions.len() < 8 {
                                conditions.push(text);
                            }
                        }
                    }
                }
                Some(Reach::conditional(conditions))
            })();
            if held.is_empty() {
                return None;
            }
            if let Some(reach) = full {
                return Some((p.id.clone(), Admin { full: true, reach, compared: held.len() }));
            }
            // Every IAM write on every IAM resource: each IAM write decided on a resource of
            // its type in the account, as the probe is.
            let account = p.scope.as_deref().unwrap_or_default();
            let probe = probe_arns.get(account)?;
            let mut conditions: Vec<String> = Vec::new();
            let mut compared = 0;
            for (action, resource) in iam_questions.get(account)? {
                let Ok(Some(theirs)) = analysis.can_directly(probe, action, resource, &[]) else { continue };
                compared += 1;
                let mine = analysis.can_directly(&p.id, action, resource, &[]).ok()??;
                for c in mine.access.conditions() {
                    if theirs.access.conditions().iter().any(|t| t.expression == c.expression) {
                        continue;
                    }
                    let text = evidence::condition_text(c);
                    if !conditions.contains(&text) && conditions.len() < 8 {
                        conditions.push(text);
                    }
                }
            }
            (compared > 0)
                .then(|| (p.id.clone(), Admin { full: false, reach: Reach::conditional(conditions), compared }))
        })
        .collect();
    let uncontrolled =
        analysis.principals().filter(|p| is_probe(&p.id) || is_service_linked(&p.id)).map(|p| p.id.clone()).collect();
    let mut by_arn: HashMap<String, Admin> = found.into_iter().collect();
    by_arn.retain(|arn, _| !is_service_linked(arn));
    Admins { by_arn, uncontrolled }
}

/// An ARN of the catalog's format (`arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`)
/// in `account`, its other variables named `remit-probe`.
fn instantiate_format(format: &str, partition: &str, account: &str) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else { break };
        let name = &rest[start + 2..start + end];
        out.push_str(match name {
            "Partition" => partition,
            "Account" => account,
            _ => "remit-probe",
        });
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// One finding per administrator.
pub(crate) fn findings(analysis: &AwsAnalysis, admins: &Admins) -> Vec<Finding> {
    let env = analysis.environment();
    let mut keys_of: HashMap<&str, bool> = HashMap::new();
    let mut console_without_mfa: HashSet<&str> = HashSet::new();
    for account in &env.accounts {
        for row in &account.credential_report {
            let get = |f: &str| row.fields.iter().find(|(k, _)| k == f).map(|(_, v)| v.as_str());
            let keys = get("access_key_1_active") == Some("true") || get("access_key_2_active") == Some("true");
            keys_of.insert(&row.arn, keys);
            if get("password_enabled") == Some("true") && get("mfa_active") == Some("false") {
                console_without_mfa.insert(&row.arn);
            }
        }
    }
    let mut arns: Vec<&str> = admins.arns().collect();
    arns.sort_unstable();
    arns.par_iter()
        .filter_map(|arn| {
            let admin = admins.get(arn)?;
            let principal = analysis.principal(arn)?;
            let (rule, what) = match admin.full {
                true => (rules::ADMIN_FULL, "every action its account's guardrails allow"),
                false => (rules::ADMIN_IAM, "every IAM write on every IAM resource (it can grant itself anything)"),
            };
            let mut evidence = vec![Evidence::fact(
                "effective permissions",
                format!("allowed {what}: {} of {} actions compared with the account's ceiling", admin.compared, admin.compared),
            )];
            evidence.extend(evidence::statements(analysis, arn, "iam:AttachRolePolicy", "*", &[]));
            // Outsiders who can become it.
            let mut outsiders: Vec<String> = Vec::new();
            if principal.kind == PrincipalKind::Role
                && let Ok((_, outside)) = analysis.assumers_directly(arn)
            {
                outsiders = outside
                    .iter()
                    .filter(|h| matches!(h.principal.kind, PrincipalKind::Anyone | PrincipalKind::ExternalAccount))
                    .map(|h| h.principal.id.clone())
                    .collect();
            }
            let has_keys = keys_of.get(arn).copied().unwrap_or(false);
            let no_mfa = console_without_mfa.contains(arn);
            let (severity, rationale) = if !outsiders.is_empty() {
                (Severity::Critical, format!("an administrator that principals outside the environment can become ({})", outsiders.join(", ")))
            } else if has_keys || no_mfa {
                let why = match (has_keys, no_mfa) {
                    (true, true) => "active access keys and a console password without MFA",
                    (true, false) => "active long-term access keys",
                    _ => "a console password without MFA",
                };
                (Severity::Critical, format!("an administrator user with {why}: one leaked secret gives full control"))
            } else {
                (Severity::High, "full control of an account: every administrator should be a deliberate, reviewed choice".to_owned())
            };
            if !outsiders.is_empty() {
                evidence.push(Evidence::fact(format!("trust policy of {arn}"), format!("admits {}", outsiders.join(", "))));
            }
            Some(Finding {
                id: FindingId::new(rule, &[*arn], &[] as &[&str]),
                kind: Kind::AdminEquivalent,
                rule: rule.to_owned(),
                title: format!(
                    "{} is {}",
                    crate::escalation::short(arn),
                    if admin.full { "a full administrator" } else { "an IAM administrator" }
                ),
                severity,
                severity_rationale: rationale,
                cloud: "aws".to_owned(),
                account: principal.scope.clone(),
                principals: vec![arn.to_string()],
                resources: Vec::new(),
                categories: Vec::new(),
                reach: admin.reach.clone(),
                evidence,
                path: Vec::new(),
                remediation: "Confirm this principal needs administrator access. If it does, keep it to a role assumed just in time with MFA, without long-term keys; if not, replace its policies with the permissions it uses (remit what-can shows them).".to_owned(),
                first_seen: None,
                suppressed: None,
            })
        })
        .collect()
}
