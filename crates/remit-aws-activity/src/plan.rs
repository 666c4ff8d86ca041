//! Realistic activity for an environment: who calls what, planned from what the engine says
//! each principal may do, for the seeded CloudTrail generator (`remit_gen::cloudtrail`).
//!
//! Why here: the generator is pure (it knows neither IAM nor the catalogue); deciding which
//! calls a principal can make successfully needs the engine, and naming a call the way
//! CloudTrail does needs the inverse of the event → action mapping, both of which live here.
//! Every successful call is one the engine allows outright (never a conditional one), every
//! denied call one it refuses, so replaying the generated logs against the environment agrees
//! with them; real principals use a fraction of what they hold, and so do these.

use rayon::prelude::*;
use remit_aws_analysis::{AwsAnalysis, WhatCanFilter};
use remit_aws_catalog::{AccessLevel, Catalog};
use remit_aws_import::AwsEnvironment;
use remit_gen::cloudtrail::{ActivitySpec, Actor, ActorKind, Call};
use remit_model::{Access, PrincipalKind};

use crate::usage::glob;

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The seed.
    pub seed: u64,
    /// End of the period, unix seconds.
    pub end: i64,
    /// Days of activity.
    pub days: u32,
    /// About how many records.
    pub target_events: u64,
}

/// A small deterministic generator (SplitMix64): the plan depends only on the seed and the
/// environment.
struct Mix(u64);

impl Mix {
    fn new(seed: u64, salt: &str) -> Mix {
        let mut h = seed ^ 0x9e37_79b9_7f4a_7c15;
        for b in salt.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Mix(h)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// The host a service's events come from (CloudWatch and SES log under other names:
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/logging_cw_api_calls.html>).
fn event_source(prefix: &str) -> String {
    match prefix {
        "cloudwatch" => "monitoring.amazonaws.com".to_owned(),
        "ses" => "email.amazonaws.com".to_owned(),
        _ => format!("{prefix}.amazonaws.com"),
    }
}

/// How CloudTrail names a call of `action` (the inverse of `actions.rs`'s exceptions, with
/// Lambda's API versions).
fn event_name(action: &str, mix: &mut Mix) -> String {
    let (prefix, name) = action.split_once(':').unwrap_or(("", action));
    match action {
        "s3:ListBucket" => if mix.chance(0.5) { "ListObjectsV2" } else { "ListObjects" }.to_owned(),
        "s3:ListAllMyBuckets" => "ListBuckets".to_owned(),
        "lambda:InvokeFunction" => "Invoke".to_owned(),
        "s3:GetObject" if mix.chance(0.2) => "HeadObject".to_owned(),
        _ if prefix == "lambda" && mix.chance(0.7) => {
            format!("{name}20150331{}", if mix.chance(0.5) { "v2" } else { "" })
        }
        _ => name.to_owned(),
    }
}

/// The error code a service answers a denial with.
fn denied_code(prefix: &str) -> &'static str {
    match prefix {
        "ec2" => "Client.UnauthorizedOperation",
        "sns" => "AuthorizationError",
        "s3" | "iam" | "sts" | "sqs" | "cloudformation" | "rds" | "elasticloadbalancing" | "autoscaling" => {
            "AccessDenied"
        }
        _ => "AccessDeniedException",
    }
}

fn is_data_event(action: &str) -> bool {
    let (prefix, name) = action.split_once(':').unwrap_or(("", action));
    match prefix {
        "s3" => name.contains("Object"),
        "lambda" => name == "InvokeFunction",
        "dynamodb" => {
            matches!(
                name,
                "GetItem"
                    | "PutItem"
                    | "UpdateItem"
                    | "DeleteItem"
                    | "Query"
                    | "Scan"
                    | "BatchGetItem"
                    | "BatchWriteItem"
            )
        }
        _ => false,
    }
}

/// A concrete resource a granted pattern names: the environment's resources it matches, or
/// (for S3 objects) a key under it.
fn concrete_resources(env_resources: &[&str], pattern: &str, mix: &mut Mix) -> Vec<String> {
    if !pattern.contains(['*', '?']) {
        return vec![pattern.to_owned()];
    }
    let matching: Vec<&&str> = env_resources.iter().filter(|r| glob(pattern, r)).collect();
    let mut out: Vec<String> = Vec::new();
    for _ in 0..matching.len().min(2) {
        let r = matching[mix.below(matching.len())];
        if !out.iter().any(|o| o == *r) {
            out.push((*r).to_owned());
        }
    }
    // An object under a bucket the pattern names exactly (a wildcard in the bucket's name names
    // no bucket one could write a request to).
    let bucket_named = pattern
        .strip_prefix("arn:aws:s3:::")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(bucket, _)| !bucket.contains(['*', '?']));
    if out.is_empty() && bucket_named && pattern.ends_with('*') {
        let folders = ["reports", "exports", "logs", "data"];
        out.push(format!(
            "{}{}/2026/part-{:04}.json",
            pattern.trim_end_matches('*'),
            folders[mix.below(4)],
            mix.below(10_000)
        ));
    }
    out
}

fn region_of(resource: Option<&str>, home: &str) -> String {
    resource.and_then(|r| r.split(':').nth(3)).filter(|r| !r.is_empty()).map_or_else(|| home.to_owned(), str::to_owned)
}

/// The kind and human-ness of a principal, from its ARN and trust policy.
fn kind_of(env: &AwsEnvironment, arn: &str, mix: &mut Mix) -> Option<(ActorKind, bool, Option<String>)> {
    for account in &env.accounts {
        if let Some(user) = account.users.iter().find(|u| u.arn == arn) {
            let machine = ["svc", "ci", "bot", "deploy", "app", "terraform"].iter().any(|w| user.name.contains(w));
            return Some((ActorKind::User, !machine, Some(user.id.clone())));
        }
        if let Some(role) = account.roles.iter().find(|r| r.arn == arn) {
            let trust = role.trust_policy.as_ref().map(|p| p.to_json().to_string()).unwrap_or_default();
            let id = Some(role.id.clone());
            if role.path.starts_with("/aws-service-role/") {
                let service = role.path.trim_start_matches("/aws-service-role/").trim_end_matches('/').to_owned();
                return Some((ActorKind::ServiceLinkedRole { service }, false, id));
            }
            if role.name.starts_with("AWSReservedSSO_") {
                let names = ["ana.silva", "li.wei", "omar.haddad", "jane.doe", "raj.patel", "eva.novak"];
                let users =
                    (0..1 + mix.below(3)).map(|_| format!("{}@example.com", names[mix.below(names.len())])).collect();
                return Some((ActorKind::IdentityCenterRole { users }, true, id));
            }
            if let Some(at) = trust.find("oidc-provider/") {
                let provider: String =
                    trust[at + "oidc-provider/".len()..].chars().take_while(|c| *c != '"' && *c != '/').collect();
                let subjects = vec![format!("repo:example-org/app-{}:ref:refs/heads/main", mix.below(20))];
                return Some((ActorKind::WebIdentityRole { provider, subjects }, false, id));
            }
            let human = trust.contains(":user/") || trust.contains(":root") && !trust.contains("amazonaws.com");
            return Some((ActorKind::Role, human, id));
        }
    }
    None
}

/// One principal's actor: a sample of what it can do, checked by the engine.
fn actor(analysis: &AwsAnalysis, arn: &str, account: &str, env_resources: &[&str], seed: u64) -> Option<Actor> {
    let catalog = Catalog::aws();
    let mut mix = Mix::new(seed, arn);
    let (kind, human, unique_id) = kind_of(analysis.environment(), arn, &mut mix)?;
    let permissions = analysis.what_can(arn, &WhatCanFilter::default()).ok()?;
    // Real principals use a fraction of what they hold; some use nothing in a month.
    let weight = if mix.chance(0.12) { 0.0 } else { 0.2 + (mix.below(280) as f64) / 100.0 };
    let wanted = 3 + mix.below(25);
    let mut order: Vec<usize> = (0..permissions.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, mix.below(i + 1));
    }
    // Prefer services the environment holds resources of, and reads over writes.
    let services_with_resources: std::collections::HashSet<&str> =
        env_resources.iter().filter_map(|r| r.split(':').nth(2)).collect();
    order.sort_by_key(|&i| {
        let p = &permissions[i];
        let has = services_with_resources.contains(p.service.as_str());
        let read = p.access_levels.iter().any(|l| matches!(l, AccessLevel::Read | AccessLevel::List));
        (!has, !read)
    });
    let mut calls = Vec::new();
    let mut checks = 0;
    for &i in &order {
        if calls.len() >= wanted || checks > 200 {
            break;
        }
        let p = &permissions[i];
        let wildcard_only =
            catalog.action(&p.action).and_then(|id| catalog.action_info(id)).is_some_and(|a| a.is_wildcard_only());
        let candidates: Vec<Option<String>> = if wildcard_only {
            vec![None]
        } else {
            p.resources
                .iter()
                .filter(|(r, a)| r != "*" && *a == Access::Allowed)
                .take(3)
                .flat_map(|(r, _)| concrete_resources(env_resources, r, &mut mix))
                .map(Some)
                .collect()
        };
        for resource in candidates.into_iter().take(2) {
            checks += 1;
            let decided = analysis.can_directly(arn, &p.action, resource.as_deref().unwrap_or("*"), &[]);
            if !matches!(decided, Ok(Some(ref h)) if h.access == Access::Allowed) {
                continue;
            }
            let resource_account = resource
                .as_deref()
                .and_then(|r| r.split(':').nth(4))
                .filter(|a| !a.is_empty() && *a != account)
                .map(str::to_owned);
            calls.push(Call {
                event_source: event_source(&p.service),
                event_name: event_name(&p.action, &mut mix),
                region: region_of(resource.as_deref(), "us-east-1"),
                resource,
                resource_account,
                read_only: p.access_levels.iter().all(|l| matches!(l, AccessLevel::Read | AccessLevel::List)),
                data_event: is_data_event(&p.action),
                denied_code: denied_code(&p.service).to_owned(),
                label: p.action.clone(),
            });
        }
    }
    // A few attempts at what it does not hold, in the services it uses.
    let mut denied = Vec::new();
    let services: Vec<String> = calls.iter().map(|c| c.label.split(':').next().unwrap_or("").to_owned()).collect();
    for service in services.iter().take(3) {
        let held: Vec<&str> = permissions.iter().filter(|p| &p.service == service).map(|p| p.action.as_str()).collect();
        let others: Vec<_> = catalog
            .actions_in(&catalog.service_actions(service))
            .filter(|a| !held.contains(&a.name()) && a.is_wildcard_only())
            .collect();
        if others.is_empty() {
            continue;
        }
        let action = others[mix.below(others.len())];
        if !matches!(analysis.can_directly(arn, action.name(), "*", &[]), Ok(None)) {
            continue;
        }
        denied.push(Call {
            event_source: event_source(service),
            event_name: event_name(action.name(), &mut mix),
            resource: None,
            resource_account: None,
            region: "us-east-1".to_owned(),
            read_only: false,
            data_event: false,
            denied_code: denied_code(service).to_owned(),
            label: action.name().to_owned(),
        });
    }
    if calls.is_empty() && denied.is_empty() {
        return None;
    }
    Some(Actor { arn: arn.to_owned(), account: account.to_owned(), kind, human, weight, calls, denied, unique_id })
}

/// The activity of every user and role of the environment.
pub fn plan(analysis: &AwsAnalysis, options: &PlanOptions) -> ActivitySpec {
    let env = analysis.environment();
    let resources: Vec<&str> = env.accounts.iter().flat_map(|a| a.resources.iter().map(|r| r.arn.as_str())).collect();
    let principals: Vec<(String, String)> = analysis
        .principals()
        .filter(|p| matches!(p.kind, PrincipalKind::User | PrincipalKind::Role))
        .map(|p| (p.id.to_string(), p.scope.as_deref().unwrap_or_default().to_owned()))
        .collect();
    let mut actors: Vec<Actor> = principals
        .par_iter()
        .filter_map(|(arn, account)| actor(analysis, arn, account, &resources, options.seed))
        .collect();
    actors.sort_by(|a, b| a.arn.cmp(&b.arn));
    ActivitySpec {
        seed: options.seed,
        end: options.end,
        days: options.days,
        organization_id: env.organization.as_ref().map(|o| o.id.clone()),
        target_events: options.target_events,
        actors,
        identity_store_arn: None,
    }
}
