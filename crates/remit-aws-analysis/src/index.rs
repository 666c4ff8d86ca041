//! The AWS environment compiled for queries: every user and role with its identity policies,
//! permissions boundary and SCP path compiled once, the request-context keys AWS would set for
//! it, and where each of its policies comes from (for `via`).

use std::sync::Arc;

use rayon::prelude::*;

use remit_aws_import::{Account, AwsEnvironment, OrgNodeKind, OrgPolicyType, Resource};
use remit_aws_policy::{
    Caller, Context, ContextValue, Effect, Glob, Policy, PolicyId, PolicyLibrary, PrincipalPolicies, Version,
};
use remit_model::{Cloud, Principal, PrincipalKind};

use crate::FastMap;

/// Where one identity policy of a principal comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicySource {
    /// The group it is inherited from, for users.
    pub(crate) group: Option<Arc<str>>,
    /// `inline NAME` or the managed policy's ARN.
    pub(crate) label: Arc<str>,
    /// The label, and the group for a group's policy: `LABEL (group GROUP)`. One copy per
    /// text in the environment (see `entries`): equal names have equal addresses.
    pub(crate) display: Arc<str>,
}

impl PolicySource {
    fn new(group: Option<&String>, label: Arc<str>) -> PolicySource {
        let display = match group {
            Some(g) => format!("{label} (group {g})").into(),
            None => Arc::clone(&label),
        };
        PolicySource { group: group.map(|g| g.as_str().into()), label, display }
    }
}

/// A user or role, ready to be asked about.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) principal: Arc<Principal>,
    /// The principal's ARN, shared by the paths that go through it.
    pub(crate) arn: Arc<str>,
    pub(crate) caller: Arc<Caller>,
    pub(crate) policies: PrincipalPolicies,
    /// Parallel to the identity policies compiled in `policies`.
    pub(crate) sources: Vec<PolicySource>,
    /// The permissions boundary's ARN.
    pub(crate) boundary: Option<String>,
    /// How answers name the permissions boundary (`boundary ARN`), made once.
    pub(crate) boundary_source: Option<Arc<str>>,
    /// The permissions boundary as written.
    pub(crate) boundary_document: Option<Arc<Policy>>,
    /// The identity policies as written (what-can reads their actions and resources).
    pub(crate) documents: Vec<Arc<Policy>>,
    /// The request-context keys AWS sets for this principal, prepared once: as an analysis
    /// context (other keys unknown, except the known absences of [`KNOWN_KEYS`]) and as a
    /// complete one (other keys absent).
    pub(crate) partial_context: Arc<Context>,
    pub(crate) complete_context: Arc<Context>,
    /// The resources its identity policies may allow `sts:AssumeRole` on (an index: the
    /// engine decides).
    pub(crate) assume_patterns: Vec<Glob>,
}

/// Request-context keys whose absence the analysis knows (it sets them when they apply).
pub(crate) const KNOWN_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principaltag/",
    "aws:principaltype",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
];

/// The request-context keys (lower-case) whose values differ from one principal to another:
/// those of its prepared context (see `entries`: its ARN, account, organization, tags, type,
/// user name and id). Who-can decides a statement reading none of them once for every
/// candidate (`remit_aws_policy::SharedOutcomes`).
pub(crate) fn principal_key(key: &str) -> bool {
    key.starts_with("aws:principal") || key == "aws:username" || key == "aws:userid"
}

/// SCP and RCP levels per account, from the organization root down to the account.
#[derive(Debug, Default)]
pub(crate) struct Guardrails {
    pub(crate) scps: FastMap<String, Vec<Vec<Policy>>>,
    pub(crate) rcps: FastMap<String, Vec<Vec<Policy>>>,
    /// `o-.../r-.../ou-.../` per account.
    pub(crate) org_paths: FastMap<String, String>,
    pub(crate) org_id: Option<String>,
    /// Accounts of the organization.
    pub(crate) members: Vec<String>,
    /// Accounts whose guardrails could not be fully read.
    pub(crate) incomplete: Vec<String>,
}

impl Guardrails {
    pub(crate) fn new(env: &AwsEnvironment) -> Guardrails {
        let mut out = Guardrails::default();
        let Some(org) = &env.organization else {
            return out;
        };
        out.org_id = Some(org.id.clone());
        let nodes: FastMap<&str, &remit_aws_import::OrgNode> = org.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let policies: FastMap<&str, &remit_aws_import::OrgPolicy> =
            org.policies.iter().map(|p| (p.id.as_str(), p)).collect();
        for node in org.nodes.iter().filter(|n| n.kind == OrgNodeKind::Account) {
            out.members.push(node.id.clone());
            // The path from the root down to the account.
            let mut chain: Vec<&remit_aws_import::OrgNode> = vec![node];
            let mut cursor = node.parent.as_deref();
            while let Some(parent) = cursor.and_then(|id| nodes.get(id)) {
                chain.push(parent);
                cursor = parent.parent.as_deref();
                if chain.len() > 12 {
                    break;
                }
            }
            chain.reverse();
            let mut path = format!("{}/", org.id);
            for n in chain.iter().filter(|n| n.kind != OrgNodeKind::Account) {
                path.push_str(&n.id);
                path.push('/');
            }
            out.org_paths.insert(node.id.clone(), path);
            // "SCPs don't affect users or roles in the management account."
            // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
            let is_management = node.id == org.management_account;
            let mut scps = Vec::new();
            let mut rcps = Vec::new();
            let mut incomplete = false;
            for n in &chain {
                let mut scp_level = Vec::new();
                let mut rcp_level = Vec::new();
                for id in &n.attached_policies {
                    match policies.get(id.as_str()) {
                        Some(p) => match (&p.document, p.policy_type) {
                            (Some(doc), OrgPolicyType::ServiceControl) => scp_level.push(doc.clone()),
                            (Some(doc), OrgPolicyType::ResourceControl) => rcp_level.push(doc.clone()),
                            (None, _) => incomplete = true,
                        },
                        None => incomplete = true,
                    }
                }
                scps.push(scp_level);
                rcps.push(rcp_level);
            }
            if !is_management {
                out.scps.insert(node.id.clone(), scps);
                // "RCPs don't affect resources in the management account."
                // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
                out.rcps.insert(node.id.clone(), rcps);
            }
            if incomplete {
                out.incomplete.push(node.id.clone());
            }
        }
        out
    }

    pub(crate) fn in_org(&self, account: &str) -> bool {
        self.members.iter().any(|m| m == account)
    }
}

/// The policies of one account in the analysis's [`PolicyLibrary`].
struct AccountPolicies<'a> {
    /// Managed policies with a document, by ARN.
    managed: FastMap<&'a str, PolicyId>,
    /// The SCP levels that apply to its principals.
    scps: Vec<Vec<PolicyId>>,
    /// Inline policies with a document, parallel to each user's, group's and role's list.
    users: Vec<Vec<Option<PolicyId>>>,
    groups: Vec<Vec<Option<PolicyId>>>,
    roles: Vec<Vec<Option<PolicyId>>>,
}

/// Compiles every distinct policy document of the environment once (one compiled copy of a
/// managed policy for all the principals it is attached to, one of an inline policy pasted
/// into many roles).
fn library<'a>(env: &'a AwsEnvironment, guardrails: &Guardrails) -> (PolicyLibrary, Vec<AccountPolicies<'a>>) {
    let mut library = PolicyLibrary::new();
    let mut accounts = Vec::with_capacity(env.accounts.len());
    for account in &env.accounts {
        let managed = account
            .managed_policies
            .iter()
            .filter_map(|p| p.document.as_ref().map(|doc| (p.arn.as_str(), library.add(doc))))
            .collect();
        let scps = guardrails
            .scps
            .get(&account.id)
            .into_iter()
            .flatten()
            .map(|level| level.iter().map(|doc| library.add(doc)).collect())
            .collect();
        let mut inline = |list: &[remit_aws_import::InlinePolicy]| -> Vec<Option<PolicyId>> {
            list.iter().map(|p| p.document.as_ref().map(|doc| library.add(doc))).collect()
        };
        let users = account.users.iter().map(|u| inline(&u.inline_policies)).collect();
        let groups = account.groups.iter().map(|g| inline(&g.inline_policies)).collect();
        let roles = account.roles.iter().map(|r| inline(&r.inline_policies)).collect();
        accounts.push(AccountPolicies { managed, scps, users, groups, roles });
    }
    (library, accounts)
}

/// Builds the entries of every user and role (sharing the compiled policies of one library).
pub(crate) fn entries(env: &AwsEnvironment, guardrails: &Guardrails) -> Vec<Entry> {
    let (mut library, compiled) = library(env, guardrails);
    // A boundary the export does not carry allows nothing (and the principal is incomplete).
    let unreadable_boundary =
        Policy::parse(r#"{"Version":"2012-10-17","Statement":[]}"#, remit_aws_policy::PolicyKind::PermissionsBoundary)
            .ok()
            .map(|p| library.add(&p));
    // Each distinct identity policy's `sts:AssumeRole` resources, read once (a managed policy
    // is held by hundreds of principals).
    let mut assume: FastMap<PolicyId, Vec<Glob>> = FastMap::default();
    let known_absent = remit_aws_policy::KnownAbsent::new(KNOWN_KEYS);
    for ids in &compiled {
        let inline = ids.users.iter().chain(&ids.groups).chain(&ids.roles).flatten().flatten();
        for id in ids.managed.values().chain(inline) {
            if !assume.contains_key(id)
                && let Some(policy) = library.document(*id)
            {
                assume.insert(*id, assume_patterns(policy));
            }
        }
    }
    let mut out = Vec::new();
    for (account, ids) in env.accounts.iter().zip(&compiled) {
        let guardrails_incomplete = guardrails.incomplete.contains(&account.id);
        let base_context = |arn: &str, tags: &[(String, String)]| {
            let mut context = vec![
                ("aws:PrincipalArn".to_owned(), ContextValue::Single(arn.into())),
                ("aws:PrincipalAccount".to_owned(), ContextValue::Single(account.id.as_str().into())),
                ("aws:PrincipalIsAWSService".to_owned(), ContextValue::Single("false".into())),
            ];
            if let Some(org) = &guardrails.org_id {
                context.push(("aws:PrincipalOrgID".to_owned(), ContextValue::Single(org.as_str().into())));
            }
            if let Some(path) = guardrails.org_paths.get(&account.id) {
                context.push(("aws:PrincipalOrgPaths".to_owned(), ContextValue::Multi(vec![path.as_str().into()])));
            }
            for (k, v) in tags {
                context.push((format!("aws:PrincipalTag/{k}"), ContextValue::Single(v.as_str().into())));
            }
            context
        };
        let principal = |kind: PrincipalKind, arn: &str, name: &str, incomplete: bool| Principal {
            cloud: Cloud::Aws,
            kind,
            id: arn.to_owned(),
            name: name.to_owned(),
            scope: Some(account.id.clone()),
            incomplete,
        };
        let boundary_of = |arn: Option<&str>, incomplete: &mut bool| -> Option<PolicyId> {
            let arn = arn?;
            match ids.managed.get(arn) {
                Some(id) => Some(*id),
                None => {
                    // An unreadable boundary must not widen access: it allows nothing.
                    *incomplete = true;
                    unreadable_boundary
                }
            }
        };
        let entry = |principal: Principal,
                     arn: &str,
                     boundary_arn: Option<&String>,
                     policies: Vec<PolicyId>,
                     sources: Vec<PolicySource>,
                     boundary: Option<PolicyId>,
                     context: Vec<(String, ContextValue)>|
         -> Option<Entry> {
            let caller = Caller::parse(arn).ok()?;
            let compiled = library.principal(&policies, boundary, &ids.scps)?;
            let documents: Vec<Arc<Policy>> = policies.iter().filter_map(|id| library.document(*id).cloned()).collect();
            Some(Entry {
                arn: arn.into(),
                principal: Arc::new(principal),
                caller: Arc::new(caller),
                policies: compiled,
                sources,
                boundary: boundary_arn.cloned(),
                boundary_source: boundary_arn.map(|arn| format!("boundary {arn}").into()),
                boundary_document: boundary.and_then(|id| library.document(id).cloned()),
                assume_patterns: policies.iter().filter_map(|id| assume.get(id)).flatten().cloned().collect(),
                documents,
                partial_context: Arc::new(Context::partial_sharing(context.clone(), &known_absent)),
                complete_context: Arc::new(Context::new(context)),
            })
        };
        // Each principal's entry made on every core.
        out.par_extend(account.users.par_iter().zip(&ids.users).filter_map(|(user, inline)| {
            let mut policies = Vec::new();
            let mut sources = Vec::new();
            let mut incomplete = user.incomplete || guardrails_incomplete;
            collect(
                inline,
                &user.inline_policies,
                &user.attached_policies,
                &ids.managed,
                None,
                &mut policies,
                &mut sources,
                &mut incomplete,
            );
            for group_name in &user.groups {
                match account.groups.iter().position(|g| &g.name == group_name) {
                    Some(g) => {
                        let group = &account.groups[g];
                        incomplete |= group.incomplete;
                        collect(
                            &ids.groups[g],
                            &group.inline_policies,
                            &group.attached_policies,
                            &ids.managed,
                            Some(group_name),
                            &mut policies,
                            &mut sources,
                            &mut incomplete,
                        );
                    }
                    None => incomplete = true,
                }
            }
            let boundary = boundary_of(user.permissions_boundary.as_deref(), &mut incomplete);
            let mut context = base_context(&user.arn, &user.tags);
            context.push(("aws:PrincipalType".to_owned(), ContextValue::Single("User".into())));
            context.push(("aws:username".to_owned(), ContextValue::Single(user.name.as_str().into())));
            context.push(("aws:userid".to_owned(), ContextValue::Single(user.id.as_str().into())));
            let principal = principal(PrincipalKind::User, &user.arn, &user.name, incomplete);
            entry(principal, &user.arn, user.permissions_boundary.as_ref(), policies, sources, boundary, context)
        }));
        out.par_extend(account.roles.par_iter().zip(&ids.roles).filter_map(|(role, inline)| {
            let mut policies = Vec::new();
            let mut sources = Vec::new();
            let mut incomplete = role.incomplete || guardrails_incomplete;
            collect(
                inline,
                &role.inline_policies,
                &role.attached_policies,
                &ids.managed,
                None,
                &mut policies,
                &mut sources,
                &mut incomplete,
            );
            let boundary = boundary_of(role.permissions_boundary.as_deref(), &mut incomplete);
            let mut context = base_context(&role.arn, &role.tags);
            context.push(("aws:PrincipalType".to_owned(), ContextValue::Single("AssumedRole".into())));
            let principal = principal(PrincipalKind::Role, &role.arn, &role.name, incomplete);
            entry(principal, &role.arn, role.permissions_boundary.as_ref(), policies, sources, boundary, context)
        }));
    }
    // One copy of each source's name, so that analyses compare them by address.
    let mut names: std::collections::HashSet<Arc<str>> = std::collections::HashSet::new();
    for source in out.iter_mut().flat_map(|e| e.sources.iter_mut()) {
        match names.get(&source.display) {
            Some(same) => source.display = Arc::clone(same),
            None => {
                names.insert(Arc::clone(&source.display));
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments, reason = "accumulates into the caller's three outputs")]
fn collect(
    inline_ids: &[Option<PolicyId>],
    inline: &[remit_aws_import::InlinePolicy],
    attached: &[String],
    managed: &FastMap<&str, PolicyId>,
    group: Option<&String>,
    policies: &mut Vec<PolicyId>,
    sources: &mut Vec<PolicySource>,
    incomplete: &mut bool,
) {
    for (p, id) in inline.iter().zip(inline_ids) {
        match id {
            Some(id) => {
                policies.push(*id);
                sources.push(PolicySource::new(group, format!("inline {}", p.name).into()));
            }
            None => *incomplete = true,
        }
    }
    for arn in attached {
        match managed.get(arn.as_str()) {
            Some(id) => {
                policies.push(*id);
                sources.push(PolicySource::new(group, arn.as_str().into()));
            }
            // A managed policy the export does not carry (an AWS-managed policy exported
            // without `--filter AWSManagedPolicy`): the principal's answers may be incomplete.
            None => *incomplete = true,
        }
    }
}

/// The resources `Allow` statements of an identity policy may grant `sts:AssumeRole` on.
fn assume_patterns(policy: &Policy) -> Vec<Glob> {
    let mut out = Vec::new();
    let variables = policy.version == Version::V2012_10_17;
    for st in policy.statements.iter().filter(|st| st.effect == Effect::Allow) {
        let names_assume = st.action.values.iter().any(|a| Glob::action(a).may_match("sts:AssumeRole"));
        // `NotAction` may leave `sts:AssumeRole` in, unless it names it.
        if names_assume == st.action.negated {
            continue;
        }
        match &st.resource {
            Some(r) if !r.negated => out.extend(r.values.iter().map(|v| Glob::resource(v, variables))),
            _ => out.push(Glob::resource("*", false)),
        }
    }
    out
}

/// Which principals' identity policies may allow (or deny) an action on a resource: an index
/// from each `Action` pattern of an `Allow` (or `Deny`) statement to the principals that hold
/// it, with the resources the statement names, so that a query decides only for principals
/// that could be allowed (the engine still decides each of them), and knows which ones no
/// identity statement at all concerns.
#[derive(Debug, Default)]
pub(crate) struct ActionIndex {
    /// Holders of action patterns without wildcards, by the lower-case action: one lookup.
    exact: FastMap<String, Holders>,
    /// Holders of patterns with wildcards whose service prefix has none (`s3:Get*`), by
    /// service (lower-case): a query reads only its own service's patterns.
    by_service: FastMap<String, Vec<(Glob, Holders)>>,
    /// Holders of patterns with a wildcard in the service prefix (`*`, `s3*`).
    general: Vec<(Glob, Holders)>,
    /// Principals with a `NotAction` statement (any action may be concerned), and the statement.
    always: Holders,
    /// Per distinct statement, the resources it may name: `None` for any (`*`, `NotResource`).
    filters: Vec<Option<Vec<Glob>>>,
}

/// The principals that hold an action pattern, each with the statement (its filter's number)
/// that holds it.
type Holders = Vec<(u32, u32)>;

/// A statement as the action index reads it: its filter (by number), and the numbers of its
/// action patterns (`None` for `NotAction`).
type ReadStatement = (u32, Option<Vec<u32>>);

impl ActionIndex {
    /// The index of the identity statements of `effect`.
    pub(crate) fn new(entries: &[Entry], effect: Effect) -> ActionIndex {
        // Action patterns (lower-case) by number, and the holders of each.
        let mut texts: FastMap<String, u32> = FastMap::default();
        let mut holders: Vec<Vec<(u32, u32)>> = Vec::new();
        let mut always = Vec::new();
        let mut filters: Vec<Option<Vec<Glob>>> = Vec::new();
        // Statements by document (documents are shared among principals) and position, read
        // once: their filter, and their action patterns' numbers (none for `NotAction`).
        let mut interned: FastMap<(*const Policy, usize), ReadStatement> = FastMap::default();
        for (idx, entry) in entries.iter().enumerate() {
            let idx = idx as u32;
            for document in &entry.documents {
                let variables = document.version == Version::V2012_10_17;
                for (at, st) in document.statements.iter().enumerate().filter(|(_, st)| st.effect == effect) {
                    let (filter, actions) = interned.entry((Arc::as_ptr(document), at)).or_insert_with(|| {
                        filters.push(match &st.resource {
                            Some(r) if !r.negated && !r.values.iter().any(|v| v == "*") => {
                                Some(r.values.iter().map(|v| Glob::resource(v, variables)).collect())
                            }
                            _ => None,
                        });
                        let actions = (!st.action.negated).then(|| {
                            let mut number = |text: String| {
                                let next = texts.len() as u32;
                                let number = *texts.entry(text).or_insert(next);
                                if number == next {
                                    holders.push(Vec::new());
                                }
                                number
                            };
                            st.action.values.iter().map(|a| number(a.to_ascii_lowercase())).collect()
                        });
                        ((filters.len() - 1) as u32, actions)
                    });
                    match actions {
                        None => always.push((idx, *filter)),
                        Some(numbers) => {
                            for number in numbers.iter() {
                                holders[*number as usize].push((idx, *filter));
                            }
                        }
                    }
                }
            }
        }
        let mut index = ActionIndex { always, filters, ..ActionIndex::default() };
        for (text, number) in texts {
            let list = std::mem::take(&mut holders[number as usize]);
            let wild = |t: &str| t.contains(['*', '?']);
            match text.split_once(':') {
                _ if !wild(&text) => index.exact.entry(text).or_default().extend(list),
                Some((service, _)) if !wild(service) => {
                    index.by_service.entry(service.to_owned()).or_default().push((Glob::action(&text), list));
                }
                _ => index.general.push((Glob::action(&text), list)),
            }
        }
        index
    }

    /// Marks in `marks` every principal whose identity policies may allow `action` (on
    /// `resource`, when given: an ARN).
    pub(crate) fn mark(&self, action: &str, resource: Option<&str>, marks: &mut [bool]) {
        // Whether each statement may name the resource, decided once per query: thousands of
        // principals hold the same statement.
        const UNKNOWN: u8 = 0;
        const NAMES: u8 = 1;
        const MISSES: u8 = 2;
        let mut named = vec![UNKNOWN; if resource.is_some() { self.filters.len() } else { 0 }];
        let mut mark_all = |list: &Holders| {
            for &(idx, filter) in list {
                if marks[idx as usize] {
                    continue;
                }
                let names = match (resource, &self.filters[filter as usize]) {
                    (Some(resource), Some(globs)) => match named[filter as usize] {
                        UNKNOWN => {
                            let names = globs.iter().any(|g| g.may_match(resource));
                            named[filter as usize] = if names { NAMES } else { MISSES };
                            names
                        }
                        known => known == NAMES,
                    },
                    _ => true,
                };
                marks[idx as usize] |= names;
            }
        };
        mark_all(&self.always);
        // Action names are case-insensitive; the index keeps them in lower case.
        // <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
        let lower = action.to_ascii_lowercase();
        if let Some(list) = self.exact.get(&lower) {
            mark_all(list);
        }
        let service = lower.split_once(':').map_or("", |(service, _)| service);
        let patterns = self.by_service.get(service).into_iter().flatten().chain(&self.general);
        for (glob, list) in patterns {
            if glob.may_match(&lower) {
                mark_all(list);
            }
        }
    }
}

/// Where a resource lives in the environment.
#[derive(Debug, Clone, Copy)]
enum Place {
    Role(usize, usize),
    Resource(usize, usize),
}

/// Resources by ARN, and accounts by id.
#[derive(Debug, Default)]
pub(crate) struct ResourceIndex {
    by_arn: FastMap<String, Place>,
    accounts: FastMap<String, usize>,
}

impl ResourceIndex {
    pub(crate) fn new(env: &AwsEnvironment) -> ResourceIndex {
        let mut out = ResourceIndex::default();
        for (a, account) in env.accounts.iter().enumerate() {
            out.accounts.entry(account.id.clone()).or_insert(a);
            for (r, role) in account.roles.iter().enumerate() {
                out.by_arn.entry(role.arn.clone()).or_insert(Place::Role(a, r));
            }
            for (r, resource) in account.resources.iter().enumerate() {
                out.by_arn.entry(resource.arn.clone()).or_insert(Place::Resource(a, r));
            }
        }
        out
    }

    /// The account that holds a resource, and its resource-based policy (a role's trust policy).
    pub(crate) fn find<'a>(&self, env: &'a AwsEnvironment, arn: &str) -> Option<(&'a Account, Option<&'a Policy>)> {
        self.find_resource(env, arn).map(|(account, policy, _)| (account, policy))
    }

    /// As [`ResourceIndex::find`], with the resource's record when it is not a role.
    pub(crate) fn find_resource<'a>(
        &self,
        env: &'a AwsEnvironment,
        arn: &str,
    ) -> Option<(&'a Account, Option<&'a Policy>, Option<&'a Resource>)> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let service = parts.get(2).copied().unwrap_or("");
        let account_id = parts.get(4).copied().unwrap_or("");
        let resource = parts.get(5).copied().unwrap_or("");
        let place = if service == "s3" && account_id.is_empty() {
            // An object belongs to its bucket: the bucket policy governs it.
            let bucket = resource.split('/').next().unwrap_or(resource);
            self.by_arn.get(&format!("arn:aws:s3:::{bucket}"))
        } else {
            self.by_arn.get(arn)
        };
        match place {
            Some(Place::Role(a, r)) => {
                let account = &env.accounts[*a];
                Some((account, account.roles[*r].trust_policy.as_ref(), None))
            }
            Some(Place::Resource(a, r)) => {
                let account = &env.accounts[*a];
                let resource = &account.resources[*r];
                Some((account, resource.policy.as_ref(), Some(resource)))
            }
            None if !account_id.is_empty() => self.accounts.get(account_id).map(|a| (&env.accounts[*a], None, None)),
            None => None,
        }
    }
}
