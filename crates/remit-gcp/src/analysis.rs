//! The queries (who can, what can, explain) in the cloud-neutral vocabulary of `remit-model`.
//!
//! The CLI, the server and the cross-cloud correlation speak only `remit-model`: this module
//! turns the engine's grants and deny hits into principals, holders, entitlements and
//! explanations, and gives the lead the facts needed to tie a Google identity to a person
//! (emails, service accounts and their keys, workforce identities, group memberships).

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
};

use remit_model::{
    Access, Cloud, Condition, Entitlement, Explanation, Holder, Principal, PrincipalKind, Resource, Step, Verdict,
};

use crate::{
    eval::{Decision, Engine, Grant},
    import::{GcpEnvironment, Group, ServiceAccount, ServiceAccountKey},
    member::{Member, PoolSet},
};

/// A query that names something the environment does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// No such principal.
    #[error("no principal `{0}` in the Google Cloud organization")]
    UnknownPrincipal(String),
    /// No such resource.
    #[error("no resource `{0}` in the Google Cloud organization")]
    UnknownResource(String),
}

/// An analysed organization.
#[derive(Debug)]
pub struct GcpAnalysis {
    engine: Engine,
    principals: Vec<Arc<Principal>>,
    members: Vec<Member>,
    /// Member string → its place in `principals` (and `members`).
    by_id: HashMap<String, usize>,
}

impl GcpAnalysis {
    /// Analyses `env`; time conditions (`request.time`) stay conditional.
    pub fn new(env: GcpEnvironment) -> Self {
        Self::build(env, None)
    }

    /// Analyses `env` as of `time` (seconds since the Unix epoch, e.g. the snapshot's time):
    /// `request.time` conditions are decided against it, and key ages measured from it.
    pub fn at(env: GcpEnvironment, time: i64) -> Self {
        Self::build(env, Some(time))
    }

    fn build(env: GcpEnvironment, time: Option<i64>) -> Self {
        let engine = Engine::new(env, time);
        let (members, principals) = collect_principals(&engine);
        let mut by_id = HashMap::with_capacity(principals.len());
        for (i, p) in principals.iter().enumerate() {
            by_id.entry(p.id.clone()).or_insert(i);
        }
        GcpAnalysis { engine, principals, members, by_id }
    }

    /// The evaluation time, when given.
    pub fn time(&self) -> Option<i64> {
        self.engine.time()
    }

    /// The decision engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The environment analysed.
    pub fn environment(&self) -> &GcpEnvironment {
        self.engine.env()
    }

    /// Every principal: users, groups, service accounts, domains, `allUsers` and
    /// `allAuthenticatedUsers` (kind Anyone), workforce and workload identities; each with its
    /// member string as id.
    pub fn principals(&self) -> &[Arc<Principal>] {
        &self.principals
    }

    /// Every resource: the organization, folders, projects and the resources under them.
    pub fn resources(&self) -> Vec<Resource> {
        let mut out: Vec<Resource> = self
            .engine
            .nodes()
            .filter(|n| !n.asset_type.is_empty() || n.is_container())
            .map(|n| Resource {
                cloud: Cloud::Gcp,
                id: n.id.clone(),
                resource_type: n.asset_type.clone(),
                scope: n.project.clone(),
                region: None,
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// A principal by member string (`user:alice@corp.com`) or bare email.
    pub fn find_principal(&self, query: &str) -> Option<&Arc<Principal>> {
        let query = query.trim();
        let canonical = Member::parse(query).canonical();
        let lower = query.to_ascii_lowercase();
        let by_email = |p: &&Arc<Principal>| {
            p.id.contains('@')
                && (p.id.split_once(':').is_some_and(|(_, e)| e == lower)
                    || p.id.ends_with(&format!("/subject/{lower}")))
        };
        self.by_id
            .get(&canonical)
            .and_then(|&i| self.principals.get(i))
            .or_else(|| self.principals.iter().find(by_email))
    }

    fn member_of(&self, principal: &Principal) -> Member {
        self.by_id
            .get(&principal.id)
            .and_then(|&i| self.members.get(i).cloned())
            .unwrap_or_else(|| Member::parse(&principal.id))
    }

    fn resolve(&self, resource: &str) -> Result<String, QueryError> {
        self.engine.resolve_any(resource).ok_or_else(|| QueryError::UnknownResource(resource.to_owned()))
    }

    /// Who can use `permission` on `resource` (a full resource name, or `projects/p`,
    /// `folders/1`, `organizations/1`), and how. Members that name everyone or a whole domain
    /// (`allUsers`, `allAuthenticatedUsers`, `domain:`) are listed as holders of their own, not
    /// expanded to every user.
    pub fn who_can(&self, permission: &str, resource: &str) -> Result<Vec<Holder>, QueryError> {
        let id = self.resolve(resource)?;
        let mut out = Vec::new();
        for (principal, member) in self.principals.iter().zip(&self.members) {
            let facts = self.engine.facts(member);
            let decision = self.engine.decide(&facts, permission, &id);
            if matches!(decision.verdict, Verdict::Denied) {
                continue;
            }
            // The best grant (fewest conditions first) that does not go through a member naming
            // everyone or a whole domain, unless the principal is that member.
            let Some(grant) =
                decision.grants.iter().find(|g| member.is_broad() || !Member::parse(&g.member).is_broad())
            else {
                continue;
            };
            let conditions: Vec<Condition> = grant
                .conditions
                .iter()
                .cloned()
                .chain(decision.denies.iter().flat_map(|d| d.conditions.clone()))
                .collect();
            let access = if conditions.is_empty() { Access::Allowed } else { Access::Conditional(conditions) };
            out.push(Holder { principal: principal.clone(), access, via: via(grant, &id) });
        }
        Ok(out)
    }

    /// Everything `principal` can do: each permission of each role bound to it (directly,
    /// through groups or sets that include it), on the node where it is bound (and so on
    /// everything under it). Deny rules that deny it outright at or above that node remove it;
    /// those that may deny (conditions, or attached below the node) make it conditional.
    pub fn what_can(&self, principal: &str) -> Result<Vec<Entitlement>, QueryError> {
        let p = self.find_principal(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let member = self.member_of(p);
        let facts = self.engine.facts(&member);
        let mut out = Vec::new();
        for grant in self.engine.all_grants(&facts) {
            let Some((permissions, active)) = self.engine.role_permissions(&grant.role) else { continue };
            if !active {
                continue;
            }
            let mut permissions: Vec<&str> = permissions.collect();
            permissions.sort_unstable();
            let steps = via(&grant, &grant.node);
            let (above_nodes, below_nodes) = self.engine.deny_scope(&grant.node);
            for permission in permissions {
                let above = self.engine.denies_on(&facts, permission, &above_nodes);
                let below = self.engine.denies_on(&facts, permission, &below_nodes);
                if above.iter().any(|d| d.conditions.is_empty()) {
                    continue;
                }
                let mut conditions = grant.conditions.clone();
                conditions.extend(above.iter().flat_map(|d| d.conditions.clone()));
                conditions.extend(below.iter().map(|d| Condition {
                    source: Arc::from(format!("{} rule {}", d.policy, d.rule)),
                    expression: Arc::from(format!(
                        "not under {}{}",
                        d.attachment,
                        d.conditions.first().map(|c| format!(" (when {})", c.expression)).unwrap_or_default()
                    )),
                    on_deny: true,
                }));
                out.push(Entitlement {
                    action: Arc::from(permission),
                    except: Vec::new(),
                    data_plane: false,
                    resource: Arc::from(grant.node.as_str()),
                    access: if conditions.is_empty() { Access::Allowed } else { Access::Conditional(conditions) },
                    via: steps.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Decides `permission` on `resource` for `principal`, with the deny rules and grants that
    /// decide it.
    pub fn explain(&self, principal: &str, permission: &str, resource: &str) -> Result<Explanation, QueryError> {
        let p = self.find_principal(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let id = self.resolve(resource)?;
        let facts = self.engine.facts(&self.member_of(p));
        let decision = self.engine.decide_explained(&facts, permission, &id);
        Ok(explanation(&decision, permission, &id))
    }

    /// The raw decision for a principal (member string or email) on a resource.
    pub fn decide(&self, principal: &str, permission: &str, resource: &str) -> Result<Decision, QueryError> {
        let p = self.find_principal(principal).ok_or_else(|| QueryError::UnknownPrincipal(principal.to_owned()))?;
        let id = self.resolve(resource)?;
        let facts = self.engine.facts(&self.member_of(p));
        Ok(self.engine.decide(&facts, permission, &id))
    }

    /// Emails of the users named anywhere (bindings, group memberships), sorted.
    pub fn user_emails(&self) -> Vec<&str> {
        let mut out: Vec<&str> =
            self.members.iter().filter_map(|m| if let Member::User(e) = m { Some(e.as_str()) } else { None }).collect();
        out.sort_unstable();
        out
    }

    /// Service accounts with their keys.
    pub fn service_accounts(&self) -> Vec<(&ServiceAccount, Vec<&ServiceAccountKey>)> {
        let env = self.engine.env();
        env.service_accounts
            .iter()
            .map(|sa| (sa, env.service_account_keys.iter().filter(|k| k.service_account == sa.email).collect()))
            .collect()
    }

    /// Workforce identities named in bindings: `(pool, subject)`.
    pub fn workforce_principals(&self) -> Vec<(&str, &str)> {
        self.members
            .iter()
            .filter_map(|m| match m {
                Member::Workforce { pool, set: PoolSet::Subject(s) } => Some((pool.as_str(), s.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Groups with their direct members, as collected.
    pub fn groups(&self) -> &[Group] {
        &self.engine.env().groups
    }

    /// Groups a principal belongs to, directly or through nested groups.
    pub fn groups_of(&self, principal: &str) -> Vec<String> {
        let Some(p) = self.find_principal(principal) else { return Vec::new() };
        let mut groups: Vec<String> = self.engine.facts(&self.member_of(p)).groups.into_keys().collect();
        groups.sort();
        groups
    }
}

/// The path of a grant: the groups crossed, then where the binding is.
fn via(grant: &Grant, resource: &str) -> Vec<Step> {
    let mut steps: Vec<Step> =
        grant.groups.iter().map(|g| Step::Group { group: Arc::from(format!("group:{g}")) }).collect();
    let binding = Arc::from(format!("{} on {} ({})", grant.role, grant.node, grant.source));
    if grant.node == resource {
        match ["organizations/", "folders/", "projects/"].iter().any(|p| resource.starts_with(p)) {
            true => steps.push(Step::Direct { sources: vec![binding] }),
            false => steps.push(Step::ResourcePolicy { source: binding }),
        }
    } else {
        steps.push(Step::Inherited { scope: Arc::from(grant.node.as_str()) });
        steps.push(Step::Direct { sources: vec![binding] });
    }
    steps
}

fn explanation(decision: &Decision, permission: &str, resource: &str) -> Explanation {
    let mut reasons = Vec::new();
    for d in &decision.denies {
        reasons.push(match d.conditions.is_empty() {
            true => format!("deny policy {} rule {} at {}: denies {permission}", d.policy, d.rule, d.attachment),
            false => format!(
                "deny policy {} rule {} at {}: may deny {permission} ({})",
                d.policy,
                d.rule,
                d.attachment,
                d.conditions.iter().map(|c| c.expression.to_string()).collect::<Vec<_>>().join("; ")
            ),
        });
    }
    for g in &decision.grants {
        let through = match g.groups.last() {
            Some(group) => format!(" through group:{group}"),
            None => String::new(),
        };
        let when = match g.conditions.is_empty() {
            true => String::new(),
            false => format!(
                " when {}",
                g.conditions.iter().map(|c| c.expression.to_string()).collect::<Vec<_>>().join(" and ")
            ),
        };
        reasons.push(format!("{} on {} grants {permission} to {}{through}{when}", g.role, g.node, g.member));
    }
    reasons.extend(decision.not_applied.iter().cloned());
    if decision.grants.is_empty() && decision.denies.is_empty() {
        reasons.push(format!("no binding on {resource} or its ancestors grants {permission}"));
    }
    let via = match &decision.verdict {
        Verdict::Denied => Vec::new(),
        _ => decision.grants.first().map(|g| via(g, resource)).unwrap_or_default(),
    };
    Explanation { verdict: decision.verdict.clone(), reasons, via }
}

/// Every principal named in the bundle, by canonical member string.
fn collect_principals(engine: &Engine) -> (Vec<Member>, Vec<Arc<Principal>>) {
    let env = engine.env();
    let mut found: BTreeMap<String, Member> = BTreeMap::new();
    let mut add = |m: Member| {
        if !matches!(m, Member::Deleted(_) | Member::Unknown(_)) {
            found.entry(m.canonical()).or_insert(m);
        }
    };
    for node in engine.nodes() {
        for (_, members) in &node.bindings {
            members.iter().cloned().for_each(&mut add);
        }
    }
    for sa in &env.service_accounts {
        add(Member::ServiceAccount(sa.email.clone()));
    }
    for group in &env.groups {
        add(Member::Group(group.email.clone()));
        for m in &group.members {
            add(match m.kind.as_str() {
                "GROUP" => Member::Group(m.id.clone()),
                "SERVICE_ACCOUNT" => Member::ServiceAccount(m.id.clone()),
                _ => Member::User(m.id.clone()),
            });
        }
    }
    let collected_groups: HashSet<&str> = env.groups.iter().map(|g| g.email.as_str()).collect();
    let incomplete: HashSet<String> = env.incomplete_principals.iter().map(|m| Member::parse(m).canonical()).collect();
    let missing_role_members: HashSet<String> = engine
        .nodes()
        .flat_map(|n| &n.bindings)
        .filter(|(b, _)| engine.missing_roles().contains(&b.role))
        .flat_map(|(_, members)| members.iter().map(Member::canonical))
        .collect();
    let mut members = Vec::new();
    let mut principals = Vec::new();
    for (id, member) in found {
        let (kind, name, scope) = describe(&member, env);
        // A group whose members were not collected, a principal an import issue concerns,
        // or bound to a role the bundle lacks: answers about it may be incomplete.
        // So may it be for the members of such a group, directly or through nested groups.
        let flagged = |id: &str| incomplete.contains(id) || missing_role_members.contains(id);
        let through_group =
            || member.email().is_some() && engine.facts(&member).groups.keys().any(|g| flagged(&format!("group:{g}")));
        let incomplete = env.incomplete_everyone
            || flagged(id.as_str())
            || matches!(&member, Member::Group(g) if !collected_groups.contains(g.as_str()))
            || through_group();
        principals.push(Arc::new(Principal { cloud: Cloud::Gcp, kind, id, name, scope, incomplete }));
        members.push(member);
    }
    (members, principals)
}

fn describe(member: &Member, env: &GcpEnvironment) -> (PrincipalKind, String, Option<String>) {
    match member {
        Member::User(e) => (PrincipalKind::User, e.clone(), None),
        Member::Group(e) => (PrincipalKind::Group, e.clone(), None),
        Member::ServiceAccount(e) => {
            let project = env
                .service_accounts
                .iter()
                .find(|s| &s.email == e)
                .map(|s| s.project_id.clone())
                .or_else(|| crate::eval::project_of_email(e));
            (PrincipalKind::ServiceAccount, e.clone(), project)
        }
        Member::AllUsers => (PrincipalKind::Anyone, "allUsers".into(), None),
        Member::AllAuthenticatedUsers => (PrincipalKind::Anyone, "allAuthenticatedUsers".into(), None),
        Member::Domain(d) => (PrincipalKind::Group, d.clone(), None),
        Member::Customer(c) => (PrincipalKind::Group, c.clone(), None),
        Member::Workforce { pool, set: PoolSet::Subject(s) } => (PrincipalKind::User, s.clone(), Some(pool.clone())),
        Member::Workload { pool, set: PoolSet::Subject(s) } => {
            (PrincipalKind::ServiceAccount, s.clone(), Some(pool.clone()))
        }
        Member::Workforce { pool, .. } | Member::Workload { pool, .. } => {
            (PrincipalKind::Group, member.canonical(), Some(pool.clone()))
        }
        Member::ServiceAccountsUnder(node) => (PrincipalKind::Group, member.canonical(), Some(node.clone())),
        Member::ProjectRole(_, project) => (PrincipalKind::Group, member.canonical(), Some(project.clone())),
        Member::Deleted(t) | Member::Unknown(t) => (PrincipalKind::User, t.clone(), None),
    }
}
