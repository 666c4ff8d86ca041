//! Least-privilege policies from observed activity, verified by the engine.
//!
//! The policy allows every request the principal was observed making successfully in the
//! window, and as little else as possible:
//! - actions exactly as observed (never widened to a service wildcard), grouped per service
//!   into statements of actions that share their resources;
//! - resources as observed: S3 objects by the prefix the rollups keep (`bucket/logs/*`), a
//!   bucket's prefixes collapsed to `bucket/*` beyond [`MAX_PREFIXES`]; IAM names resolved to
//!   the environment's ARNs (with their paths); where the log did not say which resource, the
//!   patterns the principal is granted the action on today, so that nothing that worked stops
//!   working; actions that take no resource on `*`;
//! - the conditions of the original grants kept: where every statement that allowed an action on
//!   a resource carried a `Condition` (a source network, MFA, a tag …), the new statement carries
//!   it too (each distinct block its own statement, as they were alternatives);
//! - optionally, actions of a *growth template* (patterns such as `s3:Get*`) kept where the
//!   principal holds them today.
//!
//! Then the engine checks it: the environment is rebuilt with the principal's identity policies
//! (its own and its groups') replaced by the new one — boundaries, SCPs, RCPs and resource
//! policies unchanged — and every observed request is decided again (*replay*): each must be
//! allowed as it was before. What the new policy removes is the difference between the
//! principal's effective permissions before and after.

use std::collections::{BTreeMap, BTreeSet};

use remit_activity::UsageRow;
use remit_aws_analysis::{AwsAnalysis, QueryError, WhatCanFilter};
use remit_aws_catalog::Catalog;
use remit_aws_import::{AwsEnvironment, InlinePolicy};
use remit_aws_policy::{Policy, PolicyKind};
use remit_model::Access;
use serde_json::{Value, json};

use crate::usage::touches;

/// S3 prefixes of one bucket kept apart before they are collapsed to `bucket/*`.
pub const MAX_PREFIXES: usize = 8;

/// The name of the policy `rightsize` writes.
pub const POLICY_NAME: &str = "remit-rightsized";

/// One observed request, replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// The action.
    pub action: String,
    /// The resource as recorded.
    pub resource: String,
    /// The concrete resource the engine decided on.
    pub decided_on: String,
    /// Requests recorded.
    pub requests: u64,
    /// `allowed`, `conditional` or `denied` under the original policies.
    pub before: &'static str,
    /// The same under the new policy.
    pub after: &'static str,
}

/// A right-sized policy and its verification.
#[derive(Debug, Clone)]
pub struct Rightsized {
    /// The principal.
    pub principal: String,
    /// The new policy document.
    pub policy: Value,
    /// Every distinct observed request, replayed before and after.
    pub replay: Vec<Replayed>,
    /// (action, resource) pairs granted before.
    pub pairs_before: usize,
    /// (action, resource) pairs granted after.
    pub pairs_after: usize,
    /// Actions granted before and not after, with their service.
    pub removed_actions: Vec<String>,
    /// Actions granted before.
    pub actions_before: usize,
    /// Actions granted after.
    pub actions_after: usize,
    /// The policies it replaces: managed policy ARNs, inline policy names, groups left.
    pub replaces: Replaces,
}

/// What applying the new policy removes from the principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replaces {
    /// Managed policies attached to it.
    pub managed: Vec<String>,
    /// Its inline policies.
    pub inline: Vec<String>,
    /// Groups it leaves (a user's).
    pub groups: Vec<String>,
    /// Whether it is a role (else a user).
    pub role: bool,
    /// Its name.
    pub name: String,
}

impl Rightsized {
    /// Whether every request observed as allowed is still allowed (or conditional where it was).
    pub fn replay_holds(&self) -> bool {
        self.replay.iter().all(|r| r.before == "denied" || r.after == r.before || r.after == "allowed")
    }

    /// Observed requests allowed before and still allowed after.
    pub fn replay_counts(&self) -> (usize, usize) {
        let observed = self.replay.iter().filter(|r| r.before != "denied").count();
        let kept = self.replay.iter().filter(|r| r.before != "denied" && r.after != "denied").count();
        (kept, observed)
    }
}

/// The statements of the identity policies that apply to `principal` (its own, and its
/// groups' for a user), in canonical JSON.
fn identity_statements(env: &AwsEnvironment, principal: &str) -> Vec<Value> {
    let mut documents: Vec<Value> = Vec::new();
    for account in &env.accounts {
        let managed = |arn: &String| {
            account
                .managed_policies
                .iter()
                .find(|m| &m.arn == arn)
                .and_then(|m| m.document.as_ref())
                .map(Policy::to_json)
        };
        let mut take = |inline: &[InlinePolicy], attached: &[String]| {
            documents.extend(inline.iter().filter_map(|p| p.document.as_ref().map(Policy::to_json)));
            documents.extend(attached.iter().filter_map(managed));
        };
        if let Some(role) = account.roles.iter().find(|r| r.arn == principal) {
            take(&role.inline_policies, &role.attached_policies);
        }
        if let Some(user) = account.users.iter().find(|u| u.arn == principal) {
            take(&user.inline_policies, &user.attached_policies);
            for group in account.groups.iter().filter(|g| user.groups.iter().any(|n| n == &g.name || n == &g.arn)) {
                take(&group.inline_policies, &group.attached_policies);
            }
        }
    }
    documents
        .into_iter()
        .flat_map(|d| d["Statement"].as_array().cloned().unwrap_or_default())
        .filter(|st| st["Effect"] == "Allow")
        .collect()
}

fn texts(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether an `Allow` statement's Action and Resource elements name `action` on `resource`
/// (IAM's matching: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>,
/// action names ignore case; resources are matched as patterns, so a statement on `bucket/*`
/// names the observed `bucket/logs/*`).
fn statement_names(statement: &Value, action: &str, resource: &str) -> bool {
    let action_matches = |patterns: Vec<&str>| {
        patterns.iter().any(|p| super::usage::glob(&p.to_ascii_lowercase(), &action.to_ascii_lowercase()))
    };
    let acts = match (statement.get("Action"), statement.get("NotAction")) {
        (Some(a), _) => action_matches(texts(a)),
        (None, Some(n)) => !action_matches(texts(n)),
        _ => false,
    };
    let covers = |patterns: Vec<&str>| {
        patterns.iter().any(|p| super::usage::glob(p, resource) || touches(p, resource) && *p == "*")
    };
    let on = match (statement.get("Resource"), statement.get("NotResource")) {
        (Some(r), _) => covers(texts(r)),
        (None, Some(n)) => !covers(texts(n)),
        _ => false,
    };
    acts && on
}

/// The conditions to keep on `action` and `resource`: none when some statement that allows it
/// carries none; else each distinct condition block of the statements that allow it (their
/// grants are alternatives, so each becomes its own statement).
fn kept_conditions(statements: &[Value], action: &str, resource: &str) -> Vec<Option<Value>> {
    let allowing: Vec<&Value> = statements.iter().filter(|st| statement_names(st, action, resource)).collect();
    if allowing.is_empty() || allowing.iter().any(|st| st.get("Condition").is_none()) {
        return vec![None];
    }
    let mut blocks: Vec<Option<Value>> = Vec::new();
    for st in allowing {
        let block = st.get("Condition").cloned();
        if !blocks.contains(&block) {
            blocks.push(block);
        }
    }
    blocks
}

/// A concrete resource a pattern names, for the engine to decide on.
fn concrete(pattern: &str) -> String {
    if pattern == "*" {
        return pattern.to_owned();
    }
    pattern.replace('*', "remit-replay").replace('?', "x")
}

/// Generates and verifies the least-privilege policy of `principal` from its `usage` rows
/// (those with authorized requests count), keeping the actions of `growth` patterns it holds.
pub fn rightsize(
    analysis: &AwsAnalysis,
    principal: &str,
    usage: &[UsageRow],
    growth: &[String],
) -> Result<Rightsized, QueryError> {
    let draft = draft(analysis, principal, usage, growth)?;
    let (modified, mut replaced) = with_policies(analysis.environment(), std::slice::from_ref(&draft));
    let after = AwsAnalysis::new(modified);
    verify(analysis, &after, draft, replaced.pop().unwrap_or_default())
}

/// [`rightsize`] for many principals at once: each principal's policy is drafted on every
/// core, the environment rebuilt once with every one of them in place (a principal's own
/// decisions read only its own identity policies, so replacing the others' changes none of
/// them), and each verified on that one environment.
pub fn rightsize_all(
    analysis: &AwsAnalysis,
    usage: &BTreeMap<String, Vec<UsageRow>>,
    growth: &[String],
) -> Vec<Result<Rightsized, QueryError>> {
    use rayon::prelude::*;
    let drafts: Vec<Result<Draft, QueryError>> =
        usage.par_iter().map(|(principal, rows)| draft(analysis, principal, rows, growth)).collect();
    let ok: Vec<Draft> = drafts.iter().filter_map(|d| d.as_ref().ok().cloned()).collect();
    let (modified, replaced) = with_policies(analysis.environment(), &ok);
    let after = AwsAnalysis::new(modified);
    let mut verified: Vec<Result<Rightsized, QueryError>> =
        ok.into_par_iter().zip(replaced).map(|(draft, replaces)| verify(analysis, &after, draft, replaces)).collect();
    verified.extend(drafts.into_iter().filter_map(Result::err).map(Err));
    verified
}

/// A policy written, not yet verified.
#[derive(Debug, Clone)]
struct Draft {
    principal: String,
    policy: Value,
    parsed: Policy,
    observed: Vec<(String, String, u64)>,
    before: Vec<remit_aws_analysis::Permission>,
}

fn draft(analysis: &AwsAnalysis, principal: &str, usage: &[UsageRow], growth: &[String]) -> Result<Draft, QueryError> {
    let catalog = Catalog::aws();
    let before = analysis.what_can(principal, &WhatCanFilter::default())?;
    let granted: BTreeMap<&str, Vec<&str>> =
        before.iter().map(|p| (p.action.as_str(), p.resources.iter().map(|(r, _)| r.as_str()).collect())).collect();
    let env = analysis.environment();
    let account = principal.split(':').nth(4).unwrap_or("");
    // Resource patterns per action, as observed (resolved).
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut observed: Vec<(String, String, u64)> = Vec::new();
    for row in usage.iter().filter(|r| r.counts.authorized() > 0) {
        let wildcard_only =
            catalog.action(&row.action).and_then(|id| catalog.action_info(id)).is_some_and(|a| a.is_wildcard_only());
        let resolved = resolve_iam_name(env, &row.resource);
        observed.push((row.action.to_string(), resolved.clone(), row.counts.authorized()));
        let entry = wanted.entry(row.action.to_string()).or_default();
        if wildcard_only {
            entry.insert("*".to_owned());
        } else if resolved == "*" {
            // Not known which: what it is granted the action on today.
            match granted.get(&*row.action) {
                Some(patterns) => entry.extend(patterns.iter().map(|p| (*p).to_owned())),
                None => {
                    entry.insert("*".to_owned());
                }
            }
        } else {
            entry.insert(resolved);
        }
    }
    // Growth: actions matching a template pattern that it holds today, on what it holds them.
    for pattern in growth {
        let set = catalog.expand(pattern);
        for action in catalog.actions_in(&set) {
            if let Some(patterns) = granted.get(action.name()) {
                wanted.entry(action.name().to_owned()).or_default().extend(patterns.iter().map(|p| (*p).to_owned()));
            }
        }
    }
    for resources in wanted.values_mut() {
        collapse_s3_prefixes(resources);
    }
    // Group per service: actions sharing their resources (and the conditions the original
    // grants carried) form one statement.
    let original = identity_statements(env, principal);
    let mut statements: BTreeMap<(String, String, Vec<String>), Vec<String>> = BTreeMap::new();
    for (action, resources) in &wanted {
        let service = action.split(':').next().unwrap_or("").to_owned();
        let needs: Vec<(&String, Vec<Option<Value>>)> =
            resources.iter().map(|r| (r, kept_conditions(&original, action, r))).collect();
        // A pattern another covers adds nothing, unless the covering one is granted only under
        // conditions this one was not (the covering grant would turn an allowed request into a
        // conditional one: the replay would say so).
        let covered = |(r, blocks): &(&String, Vec<Option<Value>>)| {
            needs.iter().any(|(o, other)| {
                o != r && o.contains('*') && super::usage::glob(o, r) && (other.as_slice() == [None] || other == blocks)
            })
        };
        let mut by_condition: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for need in needs.iter().filter(|n| !covered(n)) {
            for block in &need.1 {
                let key = block.as_ref().map(Value::to_string).unwrap_or_default();
                by_condition.entry(key).or_default().push(need.0.clone());
            }
        }
        for (condition, resources) in by_condition {
            statements.entry((service.clone(), condition, resources)).or_default().push(action.clone());
        }
    }
    let mut counters: BTreeMap<String, usize> = BTreeMap::new();
    let statements: Vec<Value> = statements
        .into_iter()
        .map(|((service, condition, resources), actions)| {
            let n = counters.entry(service.clone()).or_insert(0);
            *n += 1;
            let sid: String = service
                .split(['-', '.'])
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
                })
                .collect();
            let mut statement = json!({
                "Sid": format!("{sid}{n}"),
                "Effect": "Allow",
                "Action": if actions.len() == 1 { json!(actions[0]) } else { json!(actions) },
                "Resource": if resources.len() == 1 { json!(resources[0]) } else { json!(resources) },
            });
            if let Ok(block) = serde_json::from_str::<Value>(&condition) {
                statement["Condition"] = block;
            }
            statement
        })
        .collect();
    let policy = json!({ "Version": "2012-10-17", "Statement": statements });
    let parsed = Policy::parse(&policy.to_string(), PolicyKind::Identity)
        .map_err(|e| QueryError::UnknownPrincipal(format!("{principal}: the generated policy is invalid: {e}")))?;
    let _ = account;
    Ok(Draft { principal: principal.to_owned(), policy, parsed, observed, before })
}

/// Replays a draft's observed requests before (`analysis`) and after (`after_analysis`, the
/// environment with the draft in place), and compares the effective permissions.
fn verify(
    analysis: &AwsAnalysis,
    after_analysis: &AwsAnalysis,
    draft: Draft,
    replaces: Replaces,
) -> Result<Rightsized, QueryError> {
    let Draft { principal, policy, observed, before, .. } = draft;
    let principal = principal.as_str();
    let after = if statements_empty(&policy) {
        Vec::new()
    } else {
        after_analysis.what_can(principal, &WhatCanFilter::default())?
    };
    let mut replay = Vec::new();
    for (action, resource, requests) in observed {
        let decided_on = concrete(&resource);
        let access = |a: &AwsAnalysis| -> Result<&'static str, QueryError> {
            Ok(match a.can_directly(principal, &action, &decided_on, &[])? {
                Some(holder) => match holder.access {
                    Access::Allowed => "allowed",
                    Access::Conditional(_) => "conditional",
                },
                None => "denied",
            })
        };
        let (b, a) = (access(analysis)?, access(after_analysis)?);
        replay.push(Replayed { action, resource, decided_on, requests, before: b, after: a });
    }
    let pairs = |perms: &[remit_aws_analysis::Permission]| perms.iter().map(|p| p.resources.len()).sum::<usize>();
    let after_actions: BTreeSet<&str> = after.iter().map(|p| p.action.as_str()).collect();
    let removed_actions =
        before.iter().map(|p| p.action.clone()).filter(|a| !after_actions.contains(a.as_str())).collect();
    Ok(Rightsized {
        principal: principal.to_owned(),
        policy,
        replay,
        pairs_before: pairs(&before),
        pairs_after: pairs(&after),
        removed_actions,
        actions_before: before.len(),
        actions_after: after.len(),
        replaces,
    })
}

fn statements_empty(policy: &Value) -> bool {
    policy["Statement"].as_array().is_none_or(Vec::is_empty)
}

/// `arn:aws:iam::<acct>:role/<name>` (as a request names a role, without its path) → the
/// environment's ARN of that role (names are unique in an account, whatever the path).
fn resolve_iam_name(env: &AwsEnvironment, resource: &str) -> String {
    let Some(rest) = resource.strip_prefix("arn:aws:iam::") else {
        return resource.to_owned();
    };
    let Some((account, what)) = rest.split_once(':') else {
        return resource.to_owned();
    };
    let Some(acct) = env.accounts.iter().find(|a| a.id == account) else {
        return resource.to_owned();
    };
    let found = if let Some(name) = what.strip_prefix("role/") {
        acct.roles.iter().find(|r| r.name == name).map(|r| r.arn.clone())
    } else if let Some(name) = what.strip_prefix("user/") {
        acct.users.iter().find(|u| u.name == name).map(|u| u.arn.clone())
    } else if let Some(name) = what.strip_prefix("group/") {
        acct.groups.iter().find(|g| g.name == name).map(|g| g.arn.clone())
    } else {
        None
    };
    found.unwrap_or_else(|| resource.to_owned())
}

/// More than [`MAX_PREFIXES`] prefixes of one bucket become `bucket/*`.
fn collapse_s3_prefixes(resources: &mut BTreeSet<String>) {
    let mut per_bucket: BTreeMap<String, usize> = BTreeMap::new();
    for r in resources.iter() {
        if let Some((bucket, _)) = r.strip_prefix("arn:aws:s3:::").and_then(|rest| rest.split_once('/')) {
            *per_bucket.entry(bucket.to_owned()).or_default() += 1;
        }
    }
    for (bucket, n) in per_bucket {
        if n > MAX_PREFIXES {
            let whole = format!("arn:aws:s3:::{bucket}/*");
            resources.retain(|r| !(r.starts_with(&format!("arn:aws:s3:::{bucket}/"))));
            resources.insert(whole);
        }
    }
}

/// The environment with each draft's principal's identity policies replaced by its policy, and
/// what each replaced (in the drafts' order).
fn with_policies(env: &AwsEnvironment, drafts: &[Draft]) -> (AwsEnvironment, Vec<Replaces>) {
    let mut env = env.clone();
    let replaced = drafts.iter().map(|d| replace_policies(&mut env, &d.principal, d.parsed.clone())).collect();
    (env, replaced)
}

/// Replaces `principal`'s identity policies (its own, and its groups' for a user) by `policy`.
fn replace_policies(env: &mut AwsEnvironment, principal: &str, policy: Policy) -> Replaces {
    let mut replaces = Replaces::default();
    let inline = InlinePolicy { name: POLICY_NAME.to_owned(), document: Some(policy) };
    for account in &mut env.accounts {
        if let Some(role) = account.roles.iter_mut().find(|r| r.arn == principal) {
            replaces.role = true;
            replaces.name = role.name.clone();
            replaces.managed = std::mem::take(&mut role.attached_policies);
            replaces.inline = role.inline_policies.iter().map(|p| p.name.clone()).collect();
            role.inline_policies = vec![inline.clone()];
        }
        if let Some(user) = account.users.iter_mut().find(|u| u.arn == principal) {
            replaces.name = user.name.clone();
            replaces.managed = std::mem::take(&mut user.attached_policies);
            replaces.inline = user.inline_policies.iter().map(|p| p.name.clone()).collect();
            replaces.groups = std::mem::take(&mut user.groups);
            user.inline_policies = vec![inline.clone()];
        }
    }
    replaces
}

/// The policy as `aws iam` commands: create it, attach it, detach and delete what it replaces.
pub fn as_cli(r: &Rightsized) -> String {
    let document = serde_json::to_string(&r.policy).unwrap_or_default().replace('\'', "'\\''");
    let name = &r.replaces.name;
    let mut out = String::new();
    out.push_str(&format!(
        "# Least-privilege policy for {}, generated by Remit from observed activity.\n",
        r.principal
    ));
    out.push_str("# Review, then run in order. Every observed request was replayed against it.\n");
    let (entity, flag) = if r.replaces.role { ("role", "--role-name") } else { ("user", "--user-name") };
    out.push_str(&format!(
        "aws iam put-{entity}-policy {flag} {name} --policy-name {POLICY_NAME} --policy-document '{document}'\n"
    ));
    for arn in &r.replaces.managed {
        out.push_str(&format!("aws iam detach-{entity}-policy {flag} {name} --policy-arn {arn}\n"));
    }
    for inline in r.replaces.inline.iter().filter(|n| n.as_str() != POLICY_NAME) {
        out.push_str(&format!("aws iam delete-{entity}-policy {flag} {name} --policy-name {inline}\n"));
    }
    for group in &r.replaces.groups {
        let group_name = group.rsplit('/').next().unwrap_or(group);
        out.push_str(&format!("aws iam remove-user-from-group --user-name {name} --group-name {group_name}\n"));
    }
    out
}

/// The policy as Terraform HCL (`aws_iam_role_policy` / `aws_iam_user_policy` with
/// `jsonencode`), with the detachments as comments to apply in the module that owns them.
pub fn as_terraform(r: &Rightsized) -> String {
    let entity = if r.replaces.role { "role" } else { "user" };
    let ident: String =
        r.replaces.name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    let pretty = serde_json::to_string_pretty(&r.policy).unwrap_or_default();
    let body: String = pretty.lines().map(|l| format!("    {l}\n")).collect();
    let mut out = format!(
        "# Least-privilege policy for {}, generated by Remit from observed activity.\n\
         resource \"aws_iam_{entity}_policy\" \"{ident}_rightsized\" {{\n  name   = \"{POLICY_NAME}\"\n  {entity}   = \"{}\"\n  policy = jsonencode(\n{body}  )\n}}\n",
        r.principal, r.replaces.name
    );
    for arn in &r.replaces.managed {
        out.push_str(&format!("# then remove the attachment of {arn}\n"));
    }
    for inline in &r.replaces.inline {
        out.push_str(&format!("# then remove the inline policy {inline}\n"));
    }
    for group in &r.replaces.groups {
        out.push_str(&format!("# then remove the membership in {group}\n"));
    }
    out
}
