//! Google Cloud risk findings, each decided by the exact engine.
//!
//! A role's name says little (a custom role may hold `setIamPolicy`; a deny policy may take it
//! away; a condition may restrict it to one bucket): every rule here asks the engine whether
//! Google Cloud would allow the permissions it needs, on the resource it needs them on, so a
//! finding holds exactly when IAM would allow it, and is conditional when IAM's answer depends
//! on the request. Rules, severities and remediations are documented in `docs/gcp.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use remit_findings::{Evidence, Finding, FindingId, Kind, PathStep, Reach, Severity};
use remit_model::{Condition, PrincipalKind, Verdict};

use crate::{
    analysis::GcpAnalysis,
    eval::{Decision, Engine, Grant, project_of_email},
    member::{Member, SubjectFacts},
};

/// Rule ids.
pub mod rules {
    /// Can change the allow policy of the organization, a folder or a project.
    pub const ADMIN_EQUIVALENT: &str = "gcp-admin-equivalent";
    /// Can act as a more privileged service account.
    pub const PRIVILEGE_ESCALATION: &str = "gcp-privilege-escalation";
    /// Can add permissions to a custom role it holds.
    pub const CUSTOM_ROLE_UPDATE: &str = "gcp-custom-role-update";
    /// Can change organization policies (lifting guardrails such as key-creation bans).
    pub const ORG_POLICY_SET: &str = "gcp-org-policy-set";
    /// Can create HMAC keys for the project's service accounts (their Cloud Storage access).
    pub const HMAC_KEY_CREATE: &str = "gcp-hmac-key-create";
    /// Can create API keys.
    pub const API_KEY_CREATE: &str = "gcp-api-key-create";
    /// Can federate an external identity provider into a workload identity pool.
    pub const WORKLOAD_PROVIDER_CREATE: &str = "gcp-workload-identity-provider-create";
    /// A binding to `allUsers` or `allAuthenticatedUsers`.
    pub const PUBLIC_ACCESS: &str = "gcp-public-access";
    /// A binding to a member outside the organization.
    pub const EXTERNAL_ACCESS: &str = "gcp-external-access";
    /// A user-managed service account key.
    pub const USER_MANAGED_KEY: &str = "gcp-user-managed-key";
    /// A user-managed key older than [`super::KEY_AGE_DAYS`].
    pub const OLD_KEY: &str = "gcp-old-service-account-key";
}

/// A user-managed key older than this many days should be rotated.
/// https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys#rotate-keys
pub const KEY_AGE_DAYS: i64 = 90;

/// Every finding over an analysed organization.
pub fn findings(analysis: &GcpAnalysis) -> Vec<Finding> {
    let ctx = Ctx::new(analysis);
    let mut out = admin_findings(&ctx);
    out.extend(escalation_findings(&ctx));
    out.extend(self_findings(&ctx));
    out.extend(public_findings(&ctx));
    out.extend(external_findings(&ctx));
    out.extend(key_findings(&ctx));
    out
}

/// Facts computed once per principal.
struct Ctx<'a> {
    analysis: &'a GcpAnalysis,
    engine: &'a Engine,
    principals: Vec<(String, PrincipalKind, Member, SubjectFacts)>,
    containers: Vec<String>,
    org: String,
}

impl<'a> Ctx<'a> {
    fn new(analysis: &'a GcpAnalysis) -> Self {
        let engine = analysis.engine();
        let principals = analysis
            .principals()
            .iter()
            .map(|p| {
                let m = Member::parse(&p.id);
                let facts = engine.facts(&m);
                (p.id.clone(), p.kind, m, facts)
            })
            .collect();
        let mut containers: Vec<String> = engine.nodes().filter(|n| n.is_container()).map(|n| n.id.clone()).collect();
        containers.sort();
        Ctx { analysis, engine, principals, containers, org: engine.env().organization.name.clone() }
    }

    fn account(&self, node: &str) -> Option<String> {
        self.engine.ancestry(node).iter().find_map(|n| n.project.clone()).or_else(|| Some(self.org.clone()))
    }
}

fn reach_of(verdict: &Verdict) -> Option<Reach> {
    match verdict {
        Verdict::Allowed => Some(Reach::allowed()),
        Verdict::Conditional(c) => Some(Reach::conditional(c.iter().map(describe_condition).collect())),
        Verdict::Denied => None,
    }
}

fn describe_condition(c: &Condition) -> String {
    match c.on_deny {
        true => format!("unless denied: {} ({})", c.expression, c.source),
        false => format!("{} ({})", c.expression, c.source),
    }
}

fn grant_evidence(principal: &str, permission: &str, resource: &str, decision: &Decision) -> Vec<Evidence> {
    decision
        .grants
        .iter()
        .take(3)
        .map(|g: &Grant| Evidence {
            principal: Some(principal.to_owned()),
            action: Some(permission.to_owned()),
            resource: Some(resource.to_owned()),
            layer: "allow".to_owned(),
            source: g.source.clone(),
            statement: Some(format!("{} on {} to {}", g.role, g.node, g.member)),
            effect: Some("Allow".to_owned()),
            conditions: g.conditions.iter().map(describe_condition).collect(),
            detail: g.groups.last().map(|grp| format!("through group:{grp}")),
        })
        .collect()
}

/// The `setIamPolicy` permission of a container.
/// https://cloud.google.com/iam/docs/granting-changing-revoking-access
fn set_iam_policy(node: &str) -> &'static str {
    if node.starts_with("organizations/") {
        "resourcemanager.organizations.setIamPolicy"
    } else if node.starts_with("folders/") {
        "resourcemanager.folders.setIamPolicy"
    } else {
        "resourcemanager.projects.setIamPolicy"
    }
}

/// Who can rewrite the allow policy of a container: they can grant themselves any role there
/// (`roles/owner` includes `resourcemanager.projects.setIamPolicy`). Rhino Security Labs'
/// SetOrgIAMPolicy / SetFolderIAMPolicy / SetProjectIAMPolicy
/// (https://github.com/RhinoSecurityLabs/GCP-IAM-Privilege-Escalation).
fn admin_findings(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let set_policy = [set_iam_policy("organizations/"), set_iam_policy("folders/"), set_iam_policy("projects/")];
    for (id, _, _, facts) in &ctx.principals {
        let mut held: Vec<(String, Decision)> = Vec::new();
        // Only nodes under one binding a role that may set a policy to the principal can be
        // held: the others are denied without a decision.
        let binding = ctx.engine.nodes_binding(facts, &set_policy);
        if binding.is_empty() {
            continue;
        }
        for node in &ctx.containers {
            if ctx.engine.node(node).is_some()
                && !ctx.engine.ancestry(node).iter().any(|n| binding.contains(n.id.as_str()))
            {
                continue;
            }
            let d = ctx.engine.decide(facts, set_iam_policy(node), node);
            if !matches!(d.verdict, Verdict::Denied) {
                held.push((node.clone(), d));
            }
        }
        // Report the topmost nodes only: a folder's power covers its projects.
        let nodes: HashSet<&str> = held.iter().map(|(n, _)| n.as_str()).collect();
        for (node, decision) in &held {
            let covered = ctx.engine.ancestry(node).iter().skip(1).any(|a| nodes.contains(a.id.as_str()));
            let Some(reach) = reach_of(&decision.verdict) else { continue };
            if covered {
                continue;
            }
            let permission = set_iam_policy(node);
            out.push(Finding {
                id: FindingId::new(rules::ADMIN_EQUIVALENT, &[id], &[node]),
                kind: Kind::AdminEquivalent,
                rule: rules::ADMIN_EQUIVALENT.to_owned(),
                title: format!("{id} can change the allow policy of {node}"),
                severity: Severity::Critical,
                severity_rationale: "Changing a container's allow policy grants any role on it and everything under it, to anyone."
                    .to_owned(),
                cloud: "gcp".to_owned(),
                account: ctx.account(node),
                principals: vec![id.clone()],
                resources: vec![node.clone()],
                categories: Vec::new(),
                reach,
                evidence: grant_evidence(id, permission, node, decision),
                path: Vec::new(),
                remediation: "Grant setIamPolicy (roles/owner, roles/resourcemanager.*Admin) only to break-glass administrators; use narrower roles for daily work."
                    .to_owned(),
                first_seen: None,
                suppressed: None,
            });
        }
    }
    out
}

/// One way to act as a service account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// The step acts fully as the target.
    Full,
    /// `implicitDelegation`: only further token-minting steps may follow.
    Delegate,
}

/// Techniques that act as a service account through a permission on the account itself.
/// Rhino Security Labs' list (https://github.com/RhinoSecurityLabs/GCP-IAM-Privilege-Escalation),
/// https://cloud.google.com/iam/docs/service-account-impersonation
const ON_ACCOUNT: &[(&str, &str, Edge)] = &[
    ("iam.serviceAccounts.getAccessToken", "create an OAuth access token for the service account", Edge::Full),
    (
        "iam.serviceAccounts.signBlob",
        "sign a JWT assertion with the account's key, exchangeable for a token",
        Edge::Full,
    ),
    ("iam.serviceAccounts.signJwt", "sign a JWT as the account, exchangeable for a token", Edge::Full),
    ("iam.serviceAccountKeys.create", "create a key for the service account", Edge::Full),
    ("iam.serviceAccounts.setIamPolicy", "grant itself a role on the service account (e.g. Token Creator)", Edge::Full),
    (
        "iam.serviceAccounts.implicitDelegation",
        "use the account as a delegate to mint tokens for the accounts it can impersonate",
        Edge::Delegate,
    ),
];

/// Workloads that run as a service account chosen by their creator (with
/// `iam.serviceAccounts.actAs` on it), and the permissions creating each needs in the
/// account's project. Rhino's scanner (`PrivEscScanner/check_for_privesc.py`) and HackTricks
/// (gcp-privesc-to-other-principals).
const DEPLOYMENTS: &[(&str, &[&str])] = &[
    (
        "compute-instance",
        &[
            "compute.disks.create",
            "compute.instances.create",
            "compute.instances.setMetadata",
            "compute.instances.setServiceAccount",
            "compute.subnetworks.use",
            "compute.subnetworks.useExternalIp",
        ],
    ),
    ("cloud-function", &["cloudfunctions.functions.create", "cloudfunctions.functions.sourceCodeSet"]),
    ("cloud-function-update", &["cloudfunctions.functions.update", "cloudfunctions.functions.sourceCodeSet"]),
    ("cloud-run", &["run.services.create"]),
    ("cloud-scheduler", &["cloudscheduler.jobs.create", "cloudscheduler.locations.list"]),
    ("dataflow", &["dataflow.jobs.create"]),
    ("cloud-build", &["cloudbuild.builds.create"]),
];

#[derive(Debug, Clone)]
struct Hop {
    to: String,
    kind: Edge,
    technique: String,
    description: String,
    permissions: Vec<String>,
    conditions: Vec<String>,
}

fn decide_all(
    engine: &Engine,
    facts: &SubjectFacts,
    permissions: &[&str],
    resource: &str,
) -> Option<(Vec<String>, Vec<String>)> {
    let mut conditions = Vec::new();
    let mut used = Vec::new();
    for p in permissions {
        let d = engine.decide(facts, p, resource);
        match &d.verdict {
            Verdict::Denied => return None,
            Verdict::Conditional(c) => conditions.extend(c.iter().map(describe_condition)),
            Verdict::Allowed => {}
        }
        used.push(format!("{p} on {resource}"));
    }
    Some((used, conditions))
}

/// The service accounts `facts`' principal can act as in one step.
fn hops(ctx: &Ctx<'_>, facts: &SubjectFacts, delegate_only: bool) -> Vec<Hop> {
    let engine = ctx.engine;
    let mut out = Vec::new();
    // Most principals hold none of these permissions anywhere: skip deciding them on every
    // service account.
    let held: HashSet<&str> = engine
        .all_grants(facts)
        .iter()
        .filter_map(|g| engine.role_permissions(&g.role))
        .flat_map(|(permissions, _)| permissions)
        .collect();
    let relevant = ON_ACCOUNT.iter().map(|(p, _, _)| *p).chain(SERVICE_AGENTS.iter().map(|(p, ..)| *p)).chain([
        "iam.serviceAccounts.actAs",
        "compute.instances.setMetadata",
        "compute.projects.setCommonInstanceMetadata",
    ]);
    if !relevant.into_iter().any(|p| held.contains(p)) {
        return out;
    }
    for sa in engine.env().service_accounts.iter().filter(|s| !s.disabled) {
        let target = format!("serviceAccount:{}", sa.email);
        if facts.member.as_ref().map(Member::canonical).as_deref() == Some(target.as_str()) {
            continue;
        }
        let Some(node) = engine.resolve(&sa.email).map(str::to_owned) else { continue };
        for (permission, description, kind) in ON_ACCOUNT {
            let token_step = matches!(
                *permission,
                "iam.serviceAccounts.getAccessToken"
                    | "iam.serviceAccounts.signBlob"
                    | "iam.serviceAccounts.signJwt"
                    | "iam.serviceAccounts.implicitDelegation"
            );
            if delegate_only && !token_step {
                continue;
            }
            if let Some((permissions, conditions)) = decide_all(engine, facts, &[permission], &node) {
                out.push(Hop {
                    to: target.clone(),
                    kind: *kind,
                    technique: (*permission).to_owned(),
                    description: (*description).to_owned(),
                    permissions,
                    conditions,
                });
            }
        }
        if delegate_only {
            continue;
        }
        // actAs plus a workload created in the account's project (cross-project attachment is
        // off by default: iam.disableCrossProjectServiceAccountUsage).
        // https://cloud.google.com/iam/docs/attach-service-accounts
        let Some((act_as, act_conditions)) = decide_all(engine, facts, &["iam.serviceAccounts.actAs"], &node) else {
            continue;
        };
        let project = format!("projects/{}", sa.project_id);
        let Some(project) = engine.resolve(&project).map(str::to_owned) else { continue };
        for (workload, needs) in DEPLOYMENTS {
            if let Some((mut permissions, mut conditions)) = decide_all(engine, facts, needs, &project) {
                permissions.extend(act_as.iter().cloned());
                conditions.extend(act_conditions.iter().cloned());
                out.push(Hop {
                    to: target.clone(),
                    kind: Edge::Full,
                    technique: format!("actAs+{workload}"),
                    description: format!("create a {workload} that runs as the service account and read its token"),
                    permissions,
                    conditions,
                });
                break;
            }
        }
    }
    if !delegate_only {
        out.extend(metadata_hops(ctx, facts));
        out.extend(service_agent_hops(ctx, facts));
    }
    out
}

/// Services that run what a principal submits as a Google-managed account of the project,
/// without `actAs`: the legacy Cloud Build service account (Rhino #1) and the Google APIs
/// service agent that Deployment Manager uses (Rhino #2), both historically holding broad
/// roles. https://cloud.google.com/build/docs/cloud-build-service-account,
/// https://cloud.google.com/iam/docs/service-agents
const SERVICE_AGENTS: &[(&str, &str, &str, &str)] = &[
    (
        "cloudbuild.builds.create",
        "cloudbuild.gserviceaccount.com",
        "cloud-build-legacy-account",
        "submit a build, which runs as the legacy Cloud Build service account",
    ),
    (
        "deploymentmanager.deployments.create",
        "cloudservices.gserviceaccount.com",
        "deployment-manager",
        "create a deployment, which runs as the Google APIs service agent",
    ),
];

/// Steps to the project's service agents (see [`SERVICE_AGENTS`]) that hold grants in the
/// organization (and so appear as principals).
fn service_agent_hops(ctx: &Ctx<'_>, facts: &SubjectFacts) -> Vec<Hop> {
    let engine = ctx.engine;
    let mut out = Vec::new();
    for project in &engine.env().projects {
        let Some(node) = engine.resolve(&format!("projects/{}", project.project_id)).map(str::to_owned) else {
            continue;
        };
        for (permission, domain, technique, description) in SERVICE_AGENTS {
            let target = format!("serviceAccount:{}@{domain}", project.project_number);
            let is_self = facts.member.as_ref().map(Member::canonical).as_deref() == Some(target.as_str());
            if is_self || !ctx.principals.iter().any(|(id, ..)| *id == target) {
                continue;
            }
            if let Some((permissions, conditions)) = decide_all(engine, facts, &[permission], &node) {
                out.push(Hop {
                    to: target,
                    kind: Edge::Full,
                    technique: (*technique).to_owned(),
                    description: (*description).to_owned(),
                    permissions,
                    conditions,
                });
            }
        }
    }
    out
}

/// `compute.instances.setMetadata` / `compute.projects.setCommonInstanceMetadata`: add an SSH
/// key, log in, read the attached service account's token from the metadata server
/// (HackTricks, gcp-compute-privesc). Targets: the service accounts attached to the project's
/// instances when the resource export lists them.
fn metadata_hops(ctx: &Ctx<'_>, facts: &SubjectFacts) -> Vec<Hop> {
    let engine = ctx.engine;
    let mut out = Vec::new();
    for r in engine.env().resources.iter().filter(|r| r.asset_type == "compute.googleapis.com/Instance") {
        let Some(node) = engine.resolve(&r.name).map(str::to_owned) else { continue };
        let Some(project) = engine.ancestry(&node).iter().find(|n| n.id.starts_with("projects/")).map(|n| n.id.clone())
        else {
            continue;
        };
        let via = decide_all(engine, facts, &["compute.instances.setMetadata"], &node)
            .or_else(|| decide_all(engine, facts, &["compute.projects.setCommonInstanceMetadata"], &project));
        let Some((permissions, conditions)) = via else { continue };
        for sa in &r.attached_service_accounts {
            out.push(Hop {
                to: format!("serviceAccount:{}", sa.to_ascii_lowercase()),
                kind: Edge::Full,
                technique: "compute-metadata-ssh".to_owned(),
                description: format!("add an SSH key to {} and read its service account's token", r.name),
                permissions: permissions.clone(),
                conditions: conditions.clone(),
            });
        }
    }
    out
}

/// `(role, node)` pairs granted outright, not through members naming everyone.
fn power(engine: &Engine, facts: &SubjectFacts) -> BTreeSet<(String, String)> {
    engine
        .all_grants(facts)
        .into_iter()
        .filter(|g| g.conditions.is_empty() && !Member::parse(&g.member).is_broad())
        .filter(|g| engine.role_permissions(&g.role).is_some_and(|(_, active)| active))
        .map(|g| (g.role, g.node))
        .collect()
}

/// Escalation paths to service accounts with grants the start lacks (shortest first, one
/// finding per start and target).
fn escalation_findings(ctx: &Ctx<'_>) -> Vec<Finding> {
    let engine = ctx.engine;
    let facts_of: HashMap<&str, &SubjectFacts> = ctx.principals.iter().map(|(id, _, _, f)| (id.as_str(), f)).collect();
    let mut power_cache: HashMap<String, BTreeSet<(String, String)>> = HashMap::new();
    let mut power_of = |id: &str| -> BTreeSet<(String, String)> {
        if let Some(p) = power_cache.get(id) {
            return p.clone();
        }
        let p = facts_of.get(id).map(|f| power(engine, f)).unwrap_or_default();
        power_cache.insert(id.to_owned(), p.clone());
        p
    };
    let admin_findings = admin_findings(ctx);
    let admins: HashSet<String> =
        admin_findings.iter().filter(|f| f.reach.is_allowed()).flat_map(|f| f.principals.clone()).collect();
    // An administrator of the organization can already grant itself anything: no path from it
    // is an escalation.
    let org_admins: HashSet<String> = admin_findings
        .iter()
        .filter(|f| f.reach.is_allowed() && f.resources.contains(&ctx.org))
        .flat_map(|f| f.principals.clone())
        .collect();
    let mut hop_cache: HashMap<(String, bool), Vec<Hop>> = HashMap::new();
    let mut out = Vec::new();
    for (start, _, _, start_facts) in &ctx.principals {
        if org_admins.contains(start) {
            continue;
        }
        let start_power = power_of(start);
        // Breadth first over (principal, acts fully?).
        let mut seen: HashSet<(String, bool)> = HashSet::from([(start.clone(), true)]);
        let mut queue: VecDeque<(String, bool, Vec<Hop>)> = VecDeque::from([(start.clone(), true, Vec::new())]);
        let mut reached: BTreeMap<String, Vec<Hop>> = BTreeMap::new();
        while let Some((current, full, path)) = queue.pop_front() {
            if path.len() >= 6 {
                continue;
            }
            let key = (current.clone(), !full);
            let hops = match hop_cache.get(&key) {
                Some(h) => h.clone(),
                None => {
                    let facts =
                        if &current == start { Some(start_facts) } else { facts_of.get(current.as_str()).copied() };
                    let h = facts.map(|f| hops(ctx, f, !full)).unwrap_or_default();
                    hop_cache.insert(key, h.clone());
                    h
                }
            };
            for hop in hops {
                let next_full = hop.kind == Edge::Full;
                if !seen.insert((hop.to.clone(), next_full)) {
                    continue;
                }
                let mut next_path = path.clone();
                next_path.push(hop.clone());
                if next_full && !reached.contains_key(&hop.to) && &hop.to != start {
                    reached.insert(hop.to.clone(), next_path.clone());
                }
                queue.push_back((hop.to.clone(), next_full, next_path));
            }
        }
        for (target, path) in reached {
            // What the target holds beyond the start and every account passed on the way
            // (reaching an account as powerful as one already reached is no new risk).
            let mut had = start_power.clone();
            for hop in &path[..path.len().saturating_sub(1)] {
                had.extend(power_of(&hop.to));
            }
            let gained: Vec<(String, String)> = power_of(&target).difference(&had).cloned().collect();
            if gained.is_empty() {
                continue;
            }
            let conditions: Vec<String> = path.iter().flat_map(|h| h.conditions.clone()).collect();
            let admin = admins.contains(&target);
            let mut from = start.clone();
            let steps: Vec<PathStep> = path
                .iter()
                .map(|h| {
                    let step = PathStep {
                        from: from.clone(),
                        to: h.to.clone(),
                        technique: h.technique.clone(),
                        description: h.description.clone(),
                        permissions: h.permissions.clone(),
                        reach: Reach::conditional(h.conditions.clone()),
                        evidence: Vec::new(),
                    };
                    from = h.to.clone();
                    step
                })
                .collect();
            let shown: Vec<String> = gained.iter().take(5).map(|(r, n)| format!("{r} on {n}")).collect();
            out.push(Finding {
                id: FindingId::new(rules::PRIVILEGE_ESCALATION, &[start, &target], &[] as &[&str]),
                kind: Kind::PrivilegeEscalation,
                rule: rules::PRIVILEGE_ESCALATION.to_owned(),
                title: format!("{start} can act as {target} ({} step{})", steps.len(), if steps.len() == 1 { "" } else { "s" }),
                severity: if admin { Severity::Critical } else { Severity::High },
                severity_rationale: match admin {
                    true => "The service account reached can change an allow policy: full control follows.".to_owned(),
                    false => format!("The service account reached holds grants the principal lacks: {}.", shown.join(", ")),
                },
                cloud: "gcp".to_owned(),
                account: project_of_email(target.trim_start_matches("serviceAccount:")),
                principals: vec![start.clone(), target.clone()],
                resources: Vec::new(),
                categories: vec!["privilege-escalation".to_owned()],
                reach: Reach::conditional(conditions),
                evidence: vec![Evidence::fact("grants gained", shown.join(", "))],
                path: steps,
                remediation: "Remove the impersonation or deployment permissions on the service account (Token Creator, Service Account User, key admin) or narrow them with conditions; prefer per-workload service accounts without broad roles."
                    .to_owned(),
                first_seen: None,
                suppressed: None,
            });
        }
    }
    out
}

/// A rule checked on each container: (rule, permissions (any), verb, kind, severity,
/// rationale, remediation).
type ContainerCheck = (&'static str, &'static [&'static str], &'static str, Kind, Severity, &'static str, &'static str);

/// Single-step techniques on the principal's own power: updating a custom role it holds,
/// changing organization policies, HMAC and API keys, workload identity providers.
fn self_findings(ctx: &Ctx<'_>) -> Vec<Finding> {
    let engine = ctx.engine;
    let mut out = Vec::new();
    for (id, kind, member, facts) in &ctx.principals {
        if member.is_broad() && *kind != PrincipalKind::Anyone {
            continue;
        }
        // iam.roles.update on the parent of a custom role bound to the principal (Rhino #3).
        let mut custom: BTreeSet<String> = BTreeSet::new();
        for g in engine.all_grants(facts) {
            let active = engine.role_permissions(&g.role).is_some_and(|(_, active)| active);
            if active && (g.role.starts_with("projects/") || g.role.starts_with("organizations/")) {
                custom.insert(g.role);
            }
        }
        for role in custom {
            let Some((parent, _)) = role.split_once("/roles/") else { continue };
            let Some(node) = engine.resolve(parent).map(str::to_owned) else { continue };
            let d = engine.decide(facts, "iam.roles.update", &node);
            let Some(reach) = reach_of(&d.verdict) else { continue };
            out.push(simple(
                ctx,
                rules::CUSTOM_ROLE_UPDATE,
                Kind::PrivilegeEscalation,
                Severity::High,
                id,
                &role,
                format!("{id} can add any permission to {role}, which it holds"),
                "A principal that can edit a role bound to it can give itself any permission the role's level allows.",
                "Do not let holders of a custom role update it; manage custom roles from a separate administrator.",
                reach,
                grant_evidence(id, "iam.roles.update", &node, &d),
            ));
        }
        // Techniques checked on each container.
        let checks: &[ContainerCheck] = &[
            (
                rules::ORG_POLICY_SET,
                &["orgpolicy.policy.set"],
                "can change organization policies on",
                Kind::PrivilegeEscalation,
                Severity::High,
                "Organization policies are guardrails (no key creation, allowed member domains): lifting them opens other paths (Rhino #14).",
                "Grant roles/orgpolicy.policyAdmin only at the organization, to its administrators.",
            ),
            (
                rules::WORKLOAD_PROVIDER_CREATE,
                &[
                    "iam.workloadIdentityPoolProviders.create",
                    "iam.googleapis.com/workloadIdentityPoolProviders.create",
                ],
                "can federate an external identity provider in",
                Kind::PrivilegeEscalation,
                Severity::High,
                "A provider it controls lets outside identities act as the pool's principals and the service accounts they may impersonate (HackTricks).",
                "Restrict workload identity pool administration to platform administrators.",
            ),
            (
                rules::API_KEY_CREATE,
                &["serviceusage.apiKeys.create"],
                "can create API keys in",
                Kind::OverPermission,
                Severity::Low,
                "API keys are long-lived bearer credentials for the project's enabled APIs (Rhino #16).",
                "Grant serviceusage.apiKeys.create only to those who manage API keys.",
            ),
        ];
        for (rule, permissions, verb, kind, severity, rationale, remediation) in checks {
            let mut held: Vec<(String, Decision, &str)> = Vec::new();
            for node in &ctx.containers {
                for p in *permissions {
                    let d = engine.decide(facts, p, node);
                    if !matches!(d.verdict, Verdict::Denied) {
                        held.push((node.clone(), d, p));
                        break;
                    }
                }
            }
            let nodes: HashSet<&str> = held.iter().map(|(n, _, _)| n.as_str()).collect();
            for (node, d, p) in &held {
                if engine.ancestry(node).iter().skip(1).any(|a| nodes.contains(a.id.as_str())) {
                    continue;
                }
                let Some(reach) = reach_of(&d.verdict) else { continue };
                out.push(simple(
                    ctx,
                    rule,
                    *kind,
                    *severity,
                    id,
                    node,
                    format!("{id} {verb} {node}"),
                    rationale,
                    remediation,
                    reach,
                    grant_evidence(id, p, node, d),
                ));
            }
        }
        // storage.hmacKeys.create: HMAC keys for any service account of the project, with its
        // Cloud Storage access (Rhino #15).
        for node in ctx.containers.iter().filter(|n| n.starts_with("projects/")) {
            let d = engine.decide(facts, "storage.hmacKeys.create", node);
            let Some(reach) = reach_of(&d.verdict) else { continue };
            let project = node.trim_start_matches("projects/");
            let accounts: Vec<String> = engine
                .env()
                .service_accounts
                .iter()
                .filter(|s| s.project_id == project && !s.disabled)
                .map(|s| format!("serviceAccount:{}", s.email))
                .filter(|s| s != id)
                .collect();
            if accounts.is_empty() {
                continue;
            }
            let mut f = simple(
                ctx,
                rules::HMAC_KEY_CREATE,
                Kind::PrivilegeEscalation,
                Severity::Medium,
                id,
                node,
                format!("{id} can create HMAC keys for the service accounts of {node}"),
                "An HMAC key carries its service account's Cloud Storage access (XML API) only.",
                "Grant storage.hmacKeys.create (roles/storage.hmacKeyAdmin) only to storage administrators.",
                reach,
                grant_evidence(id, "storage.hmacKeys.create", node, &d),
            );
            f.evidence.push(Evidence::fact("service-accounts", accounts.join(", ")));
            out.push(f);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn simple(
    ctx: &Ctx<'_>,
    rule: &str,
    kind: Kind,
    severity: Severity,
    principal: &str,
    resource: &str,
    title: String,
    rationale: &str,
    remediation: &str,
    reach: Reach,
    evidence: Vec<Evidence>,
) -> Finding {
    Finding {
        id: FindingId::new(rule, &[principal], &[resource]),
        kind,
        rule: rule.to_owned(),
        title,
        severity,
        severity_rationale: rationale.to_owned(),
        cloud: "gcp".to_owned(),
        account: ctx.engine.resolve(resource).and_then(|n| ctx.account(n)),
        principals: vec![principal.to_owned()],
        resources: vec![resource.to_owned()],
        categories: Vec::new(),
        reach,
        evidence,
        path: Vec::new(),
        remediation: remediation.to_owned(),
        first_seen: None,
        suppressed: None,
    }
}

fn binding_evidence(node: &str, source: &str, role: &str, member: &str, condition: Option<&str>) -> Evidence {
    Evidence {
        principal: Some(member.to_owned()),
        action: None,
        resource: Some(node.to_owned()),
        layer: "allow".to_owned(),
        source: source.to_owned(),
        statement: Some(format!("{role} to {member}")),
        effect: Some("Allow".to_owned()),
        conditions: condition.map(|c| vec![c.to_owned()]).unwrap_or_default(),
        detail: None,
    }
}

/// Bindings to `allUsers` (anyone on the internet) or `allAuthenticatedUsers` (anyone with a
/// Google account). https://cloud.google.com/iam/docs/principal-identifiers#allow-public
fn public_findings(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut nodes: Vec<_> = ctx.engine.nodes().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    for node in nodes {
        for (binding, members) in &node.bindings {
            for (written, member) in binding.members.iter().zip(members) {
                let severity = match member {
                    Member::AllUsers => Severity::Critical,
                    Member::AllAuthenticatedUsers => Severity::High,
                    _ => continue,
                };
                if !ctx.engine.role_permissions(&binding.role).is_some_and(|(_, active)| active) {
                    continue;
                }
                let condition = binding.condition.as_ref().map(|c| c.expression.clone());
                let source = node.policy_source.clone().unwrap_or_default();
                out.push(Finding {
                    id: FindingId::new(rules::PUBLIC_ACCESS, &[written], &[&node.id, &binding.role]),
                    kind: Kind::PublicAccess,
                    rule: rules::PUBLIC_ACCESS.to_owned(),
                    title: format!("{written} holds {} on {}", binding.role, node.id),
                    severity,
                    severity_rationale: match member {
                        Member::AllUsers => "Anyone on the internet, without signing in, holds the role.".to_owned(),
                        _ => "Anyone with any Google account, inside the organization or not, holds the role.".to_owned(),
                    },
                    cloud: "gcp".to_owned(),
                    account: ctx.account(&node.id),
                    principals: vec![written.clone()],
                    resources: vec![node.id.clone()],
                    categories: vec!["resource-exposure".to_owned()],
                    reach: Reach::conditional(condition.iter().cloned().collect()),
                    evidence: vec![binding_evidence(&node.id, &source, &binding.role, written, condition.as_deref())],
                    path: Vec::new(),
                    remediation: "Remove the allUsers / allAuthenticatedUsers member; enforce public access prevention (storage) and the iam.allowedPolicyMemberDomains constraint."
                        .to_owned(),
                    first_seen: None,
                    suppressed: None,
                });
            }
        }
    }
    out
}

/// Google-managed service agents' domains: not external, though outside the organization's.
/// https://cloud.google.com/iam/docs/service-agents
fn google_managed(email: &str) -> bool {
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    domain.ends_with(".gserviceaccount.com") && !domain.ends_with(".iam.gserviceaccount.com")
        || domain.starts_with("gcp-sa-")
        || domain.ends_with("developer.gserviceaccount.com")
}

/// Members from outside the organization: users, groups and domains of other domains, service
/// accounts of projects not in the organization.
/// https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains
fn external_findings(ctx: &Ctx<'_>) -> Vec<Finding> {
    let env = ctx.engine.env();
    let domain = env.organization.display_name.to_ascii_lowercase();
    let projects: HashSet<&str> = env.projects.iter().map(|p| p.project_id.as_str()).collect();
    let mut by_member: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    let mut nodes: Vec<_> = ctx.engine.nodes().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    for node in nodes {
        for (binding, members) in &node.bindings {
            for member in members {
                let external = match member {
                    Member::User(e) | Member::Group(e) => e.rsplit_once('@').is_some_and(|(_, d)| d != domain),
                    Member::Domain(d) => *d != domain,
                    Member::ServiceAccount(e) => match project_of_email(e) {
                        Some(p) => !projects.contains(p.as_str()),
                        None => !google_managed(e) && e.rsplit_once('@').is_some_and(|(_, d)| d != domain),
                    },
                    _ => false,
                };
                if external {
                    by_member.entry(member.canonical()).or_default().push((
                        node.id.clone(),
                        binding.role.clone(),
                        node.policy_source.clone().unwrap_or_default(),
                    ));
                }
            }
        }
    }
    by_member
        .into_iter()
        .map(|(member, grants)| {
            let resources: Vec<String> = grants.iter().map(|(n, _, _)| n.clone()).collect::<BTreeSet<_>>().into_iter().collect();
            Finding {
                id: FindingId::new(rules::EXTERNAL_ACCESS, &[&member], &resources),
                kind: Kind::ExternalAccess,
                rule: rules::EXTERNAL_ACCESS.to_owned(),
                title: format!("{member}, outside {domain}, holds roles on {} resource(s)", resources.len()),
                severity: Severity::Medium,
                severity_rationale: "An identity the organization does not manage (offboarding, MFA, password policy) holds access."
                    .to_owned(),
                cloud: "gcp".to_owned(),
                account: None,
                principals: vec![member.clone()],
                resources,
                categories: vec!["resource-exposure".to_owned()],
                reach: Reach::allowed(),
                evidence: grants.iter().map(|(n, r, s)| binding_evidence(n, s, r, &member, None)).collect(),
                path: Vec::new(),
                remediation: "Confirm the external principal still needs access; restrict member domains with iam.allowedPolicyMemberDomains."
                    .to_owned(),
                first_seen: None,
                suppressed: None,
            }
        })
        .collect()
}

/// User-managed keys are long-lived credentials the customer must protect and rotate.
/// https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys
fn key_findings(ctx: &Ctx<'_>) -> Vec<Finding> {
    let now = ctx.analysis.time();
    let mut out = Vec::new();
    for key in ctx.engine.env().service_account_keys.iter().filter(|k| k.key_type == "USER_MANAGED" && !k.disabled) {
        let principal = format!("serviceAccount:{}", key.service_account);
        let age = match (now, key.valid_after_time.as_deref().and_then(|t| remit_findings::Timestamp::parse(t).ok())) {
            (Some(now), Some(created)) => Some(created.days_until(remit_findings::Timestamp::from_unix(now))),
            _ => None,
        };
        let old = age.is_some_and(|a| a > KEY_AGE_DAYS);
        let (rule, severity, title) = match old {
            true => (
                rules::OLD_KEY,
                Severity::Medium,
                format!("{principal} has a user-managed key {} days old", age.unwrap_or_default()),
            ),
            false => (rules::USER_MANAGED_KEY, Severity::Low, format!("{principal} has a user-managed key")),
        };
        out.push(Finding {
            id: FindingId::new(rule, &[&principal], &[&key.name]),
            kind: Kind::CredentialHygiene,
            rule: rule.to_owned(),
            title,
            severity,
            severity_rationale: match old {
                true => format!("A key older than {KEY_AGE_DAYS} days has had long to leak and should be rotated."),
                false => "A downloadable key is a long-lived credential; workload identity or impersonation avoid it."
                    .to_owned(),
            },
            cloud: "gcp".to_owned(),
            account: project_of_email(&key.service_account),
            principals: vec![principal.clone()],
            resources: vec![key.name.clone()],
            categories: vec!["credentials-exposure".to_owned()],
            reach: Reach::allowed(),
            evidence: vec![Evidence::fact(
                format!("service-account-keys/{}.json", key.service_account),
                format!("key {} valid after {}", key.name, key.valid_after_time.clone().unwrap_or_default()),
            )],
            path: Vec::new(),
            remediation: "Replace the key with workload identity federation or impersonation; otherwise rotate it and enforce iam.disableServiceAccountKeyCreation."
                .to_owned(),
            first_seen: None,
            suppressed: None,
        });
    }
    out
}
