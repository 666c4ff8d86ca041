//! The actors as the generator plays them: everything about an actor that does not change from
//! one record to the next, drawn once from the seed and its ARN.
//!
//! An actor's profile is a pure function of the seed and the actor (not of its place in the
//! spec), so adding an actor does not change how the others behave. What the spec does not say
//! is drawn plausibly: a person's time zone (most of an account's people share its office's),
//! working hours and favourite tool; which workload runs a machine role (EC2 instances, a Lambda
//! function, ECS tasks, or a script using an SDK) and so who starts its sessions; which users
//! assume a person's role. Callers are only ever actors of the spec or AWS services, except a
//! person's role no actor can assume, which is assumed from an account outside the trail.

use std::{collections::HashMap, io};

use super::{
    ActivitySpec, Actor, ActorKind, Call,
    clock::{DAY, weekday},
    rng::{Rng, fnv},
    services::{Prepared, parse_arn, prepare},
};

/// How a client shows in `userAgent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tool {
    Cli,
    Boto3,
    Go,
    Terraform,
    Java,
    Node,
    /// The AWS Management Console.
    Console,
}

/// An EC2 instance a role runs on: its session name and addresses.
pub(super) struct Instance {
    pub(super) id: String,
    pub(super) private_ip: String,
    pub(super) public_ip: String,
}

/// What runs a role and so who starts its sessions.
pub(super) enum Style {
    /// People: users assume it.
    Human,
    /// EC2 instances (instance profile): `ec2.amazonaws.com` assumes it, session name the instance.
    Ec2(Vec<Instance>),
    /// A Lambda function: `lambda.amazonaws.com` assumes it, session name the function.
    Lambda(String),
    /// ECS tasks: `ecs-tasks.amazonaws.com` assumes it, session name the task id.
    Ecs,
    /// A script or a pipeline with an SDK: a user or another role assumes it.
    Sdk,
}

/// Who makes an `AssumeRole` call.
#[derive(Clone)]
pub(super) enum Caller {
    /// An actor of the spec (a user, or a role whose session chains into this one).
    Actor(usize),
    /// A principal of an account outside the trail, and the session name it gives.
    External { account: String, principal: String, name: String },
    /// An AWS service.
    Service(&'static str),
    /// A SAML or web identity (Identity Center, OIDC): named in the session's start.
    Federated,
}

/// What kind of principal the actor is, with what its kind needs.
pub(super) enum Who {
    User,
    Root,
    Role { style: Style, callers: Vec<Caller>, source_identity: bool },
    ServiceLinked { service: String, session: String },
    IdentityCenter { users: Vec<String>, duration: i64, provider: String, name_qualifier: String },
    WebIdentity { provider_arn: String, subjects: Vec<String>, github: bool },
}

/// A call of an actor, prepared.
pub(super) struct CallInfo<'s> {
    pub(super) call: &'s Call,
    pub(super) prep: Prepared,
    pub(super) region: u32,
    /// The account its copy goes to when it is another account's resource.
    pub(super) owner: u32,
    pub(super) cross: bool,
}

/// An actor as the generator plays it.
pub(super) struct Profile<'s> {
    pub(super) actor: &'s Actor,
    pub(super) idx: usize,
    /// Active: a positive weight and something to call.
    pub(super) active: bool,
    pub(super) partition: String,
    /// The user's or role's name (`root` for the root user).
    pub(super) name: String,
    pub(super) account: u32,
    pub(super) unique_id: String,
    pub(super) who: Who,
    /// Hours east of UTC.
    pub(super) tz: i64,
    /// Working hours, in seconds of the local day.
    pub(super) day_start: i64,
    pub(super) day_end: i64,
    /// Chance that a person's working session is in the console.
    pub(super) console: f64,
    pub(super) mfa: bool,
    /// Long-term access keys (users, and a root user with keys).
    pub(super) keys: Vec<String>,
    pub(super) tool: Tool,
    /// The actor's versions of its tools (operating system, SDK release ...).
    pub(super) variant: u64,
    /// Runs in a Lambda function (the SDK's user agent says so).
    pub(super) lambda_env: bool,
    pub(super) office_ip: String,
    pub(super) home_ip: String,
    pub(super) machine_ip: String,
    pub(super) private_ip: String,
    /// Reaches services through VPC endpoints.
    pub(super) vpce: bool,
    pub(super) calls: Vec<CallInfo<'s>>,
    pub(super) denied: Vec<CallInfo<'s>>,
    /// Cumulative weights over `calls` (a few calls are most of an actor's activity).
    pub(super) call_cdf: Vec<u64>,
    /// A machine's jobs: the calls of one run, in order; every call is in one job.
    pub(super) jobs: Vec<Vec<u32>>,
    pub(super) job_cdf: Vec<u64>,
    /// A machine's preferred schedule, in seconds.
    pub(super) period: i64,
    /// A person's working sessions in the period (counted once, walked later).
    pub(super) units: u64,
}

/// An IAM Identity Center identity store.
pub(super) struct Store {
    pub(super) arn: String,
    pub(super) account: u32,
}

/// A KMS key named by the calls, with its automatic rotations in the period.
pub(super) struct Key {
    pub(super) arn: String,
    pub(super) account: u32,
    pub(super) region: u32,
}

/// Everything the run needs that does not change.
pub(super) struct Plan<'s> {
    pub(super) seed: u64,
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) organization_id: Option<&'s str>,
    pub(super) accounts: Vec<String>,
    pub(super) regions: Vec<String>,
    pub(super) actors: Vec<Profile<'s>>,
    pub(super) store: Option<Store>,
    pub(super) keys: Vec<Key>,
    /// (time, key) of every key rotation, in time order.
    pub(super) rotations: Vec<(i64, usize)>,
    pub(super) us_east_1: u32,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Interns account ids and regions in the order they first appear.
#[derive(Default)]
struct Interner {
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(id) = self.index.get(text) {
            return *id;
        }
        let id = self.list.len() as u32;
        self.list.push(text.to_owned());
        self.index.insert(text.to_owned(), id);
        id
    }
}

/// Common office time zones (hours east of UTC) with weights.
const ZONES: [(i64, u32); 13] =
    [(-8, 4), (-7, 1), (-6, 2), (-5, 4), (-3, 1), (0, 3), (1, 4), (2, 2), (3, 1), (5, 1), (8, 2), (9, 2), (10, 1)];

const FIRST_NAMES: [&str; 24] = [
    "alice", "bob", "carol", "dmitri", "emma", "farid", "grace", "hiro", "ines", "jonas", "kavya", "liam", "maria",
    "noah", "olga", "priya", "quentin", "rosa", "sven", "tomas", "uma", "victor", "wei", "yara",
];

fn zone(rng: &mut Rng) -> i64 {
    let weights: Vec<u32> = ZONES.iter().map(|(_, w)| *w).collect();
    ZONES.get(rng.weighted(&weights)).map_or(0, |(z, _)| *z)
}

fn ip_v4(rng: &mut Rng, first: &[u8]) -> String {
    let a = first.get(rng.index(first.len())).copied().unwrap_or(54);
    format!("{a}.{}.{}.{}", rng.below(256), rng.below(256), 1 + rng.below(254))
}

/// A documentation address (RFC 5737) for people's offices and homes.
fn ip_doc(rng: &mut Rng) -> String {
    let nets = ["192.0.2", "198.51.100", "203.0.113"];
    let net = nets.get(rng.index(nets.len())).copied().unwrap_or("192.0.2");
    format!("{net}.{}", 1 + rng.below(254))
}

/// Cumulative Zipf-like weights over `n` items in a drawn order of popularity.
fn zipf_cdf(rng: &mut Rng, n: usize, exponent: f64) -> Vec<u64> {
    let mut ranks: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut ranks);
    let mut total = 0u64;
    ranks
        .iter()
        .map(|rank| {
            total += (1_000_000.0 / ((*rank + 1) as f64).powf(exponent)).max(1.0) as u64;
            total
        })
        .collect()
}

/// Draws an index from cumulative weights.
pub(super) fn draw(rng: &mut Rng, cdf: &[u64]) -> usize {
    let total = cdf.last().copied().unwrap_or(0);
    let x = rng.below(total);
    cdf.partition_point(|c| *c <= x).min(cdf.len().saturating_sub(1))
}

/// The parts of a principal's IAM ARN: partition, account, kind (`user`, `role`, `root`) and
/// name (without path).
fn principal_parts(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let partition = parts.next()?;
    if parts.next()? != "iam" || !parts.next()?.is_empty() {
        return None;
    }
    let account = parts.next()?;
    let resource = parts.next()?;
    if resource == "root" {
        return Some((partition, account, "root", "root"));
    }
    let (kind, rest) = resource.split_once('/')?;
    let name = rest.rsplit('/').next()?;
    if name.is_empty() || !matches!(kind, "user" | "role") {
        return None;
    }
    Some((partition, account, kind, name))
}

fn validate(spec: &ActivitySpec) -> io::Result<()> {
    if spec.days == 0 {
        return Err(invalid("days must be at least 1".to_owned()));
    }
    let mut seen = std::collections::HashSet::new();
    for actor in &spec.actors {
        // An actor's streams are drawn from its ARN: two actors of one ARN would act alike.
        if !seen.insert(actor.arn.as_str()) {
            return Err(invalid(format!("actor `{}` is given twice", actor.arn)));
        }
        let Some((_, account, kind, _)) = principal_parts(&actor.arn) else {
            return Err(invalid(format!(
                "actor `{}` is not the ARN of an IAM user, an IAM role or a root user",
                actor.arn
            )));
        };
        if account != actor.account {
            return Err(invalid(format!("actor `{}` is in account {account}, not `{}`", actor.arn, actor.account)));
        }
        let expected = match actor.kind {
            ActorKind::User => "user",
            ActorKind::Root => "root",
            _ => "role",
        };
        if kind != expected {
            return Err(invalid(format!("actor `{}` is a {kind}, but its kind needs a {expected}", actor.arn)));
        }
        if !actor.weight.is_finite() || actor.weight < 0.0 {
            return Err(invalid(format!("actor `{}` has weight {}: it must be 0 or more", actor.arn, actor.weight)));
        }
        for call in actor.calls.iter().chain(&actor.denied) {
            if call.region.is_empty() || call.event_source.is_empty() || call.event_name.is_empty() {
                return Err(invalid(format!(
                    "actor `{}` has a call without an event source, event name or region",
                    actor.arn
                )));
            }
        }
    }
    Ok(())
}

/// A person's working sessions on local day `day`, as UTC `(start, end)` within `[start, end)`.
///
/// Weekdays (one in fourteen off) hold one to four sessions within the person's working hours,
/// now and then an evening one; a weekend day rarely holds one. Nothing falls between 22:00
/// and 07:00 local time. Each day draws from a stream of its own, so the calendar can be
/// counted ahead ([`Profile::units`]) and walked later with the same result.
pub(super) fn day_units(plan_seed: u64, profile: &Profile<'_>, span: (i64, i64), day: i64, out: &mut Vec<(i64, i64)>) {
    let mut rng =
        Rng::new(plan_seed, "day", (profile.idx as u64) << 32 ^ (day as u64 & 0xffff_ffff) ^ fnv(&profile.actor.arn));
    let midnight = day * DAY - profile.tz * 3600;
    let mut push = |start: i64, end: i64| {
        let (start, end) = (midnight + start, midnight + end);
        if start < span.0 || start >= span.1 {
            return;
        }
        let end = end.min(span.1);
        if end - start >= 60 {
            out.push((start, end));
        }
    };
    if weekday(day) < 5 {
        if !rng.chance(1.0 / 14.0) {
            let from = profile.day_start + rng.range(-1800, 1800);
            let to = profile.day_end + rng.range(-1800, 1800);
            let k = [1, 2, 3, 4].get(rng.weighted(&[3, 4, 2, 1])).copied().unwrap_or(2);
            let slot = (to - from) / k;
            for i in 0..k {
                let start = from + i * slot + rng.range(0, slot * 3 / 10);
                let length = ((slot as f64) * rng.uniform(0.3, 0.65)) as i64;
                push(start, start + length.max(300));
            }
        }
        if rng.chance(0.04) {
            let start = 20 * 3600 + rng.range(0, 3600);
            push(start, start + rng.range(600, 2400));
        }
    } else if rng.chance(0.03) {
        let start = 10 * 3600 + rng.range(0, 5 * 3600);
        push(start, start + rng.range(900, 3600));
    }
}

/// The local days (in the actor's zone) the period touches.
pub(super) fn local_days(profile: &Profile<'_>, start: i64, end: i64) -> (i64, i64) {
    let offset = profile.tz * 3600;
    ((start + offset).div_euclid(DAY), (end - 1 + offset).div_euclid(DAY))
}

pub(super) fn build(spec: &ActivitySpec) -> io::Result<Plan<'_>> {
    validate(spec)?;
    let seed = spec.seed;
    let start = spec.end - i64::from(spec.days) * DAY;
    let end = spec.end;
    let mut accounts = Interner::default();
    let mut regions = Interner::default();
    let us_east_1 = regions.id("us-east-1");

    let mut actors = Vec::with_capacity(spec.actors.len());
    for (idx, actor) in spec.actors.iter().enumerate() {
        actors.push(profile(seed, idx, actor, &mut accounts, &mut regions));
    }
    assign_callers(seed, &mut actors);

    // Human calendars are counted now, so that each working session gets its share.
    for idx in 0..actors.len() {
        let Some(profile) = actors.get(idx) else { continue };
        if !(profile.active && profile.actor.human) {
            continue;
        }
        let (first, last) = local_days(profile, start, end);
        let mut units = Vec::new();
        let mut total = 0u64;
        for day in first..=last {
            units.clear();
            day_units(seed, profile, (start, end), day, &mut units);
            total += units.len() as u64;
        }
        if let Some(profile) = actors.get_mut(idx) {
            profile.units = total;
        }
    }

    // The identity store Identity Center's roles act for.
    let first_idc = spec.actors.iter().find(|a| matches!(a.kind, ActorKind::IdentityCenterRole { .. }));
    let store = match (&spec.identity_store_arn, first_idc) {
        (Some(arn), _) => {
            let account = arn.split(':').nth(4).filter(|a| !a.is_empty()).unwrap_or("000000000000");
            Some(Store { arn: arn.clone(), account: accounts.id(account) })
        }
        (None, Some(actor)) => {
            let mut rng = Rng::new(seed, "identity-store", 0);
            let arn = format!("arn:aws:identitystore::{}:identitystore/d-{}", actor.account, rng.hex(10));
            Some(Store { arn, account: accounts.id(&actor.account) })
        }
        (None, None) => None,
    };

    // KMS keys rotate on their own: AWS service events in the key's account.
    let mut key_arns: Vec<&str> = spec
        .actors
        .iter()
        .filter(|a| a.weight > 0.0)
        .flat_map(|a| a.calls.iter().chain(&a.denied))
        .filter_map(|c| c.resource.as_deref())
        .filter(|r| parse_arn(r).is_some_and(|a| a.service == "kms" && a.resource.starts_with("key/")))
        .collect();
    key_arns.sort_unstable();
    key_arns.dedup();
    let mut keys = Vec::new();
    let mut rotations = Vec::new();
    for arn in key_arns {
        let Some(parts) = parse_arn(arn) else { continue };
        let key = keys.len();
        keys.push(Key { arn: arn.to_owned(), account: accounts.id(parts.account), region: regions.id(parts.region) });
        let mut rng = Rng::new(seed, "rotation", fnv(arn));
        let period = [90, 180, 365].get(rng.index(3)).copied().unwrap_or(365) * DAY;
        let mut t = start + rng.range(0, period - 1);
        while t < end {
            rotations.push((t, key));
            t += period;
        }
    }
    rotations.sort_unstable();

    Ok(Plan {
        seed,
        start,
        end,
        organization_id: spec.organization_id.as_deref(),
        accounts: accounts.list,
        regions: regions.list,
        actors,
        store,
        keys,
        rotations,
        us_east_1,
    })
}

fn profile<'s>(
    seed: u64,
    idx: usize,
    actor: &'s Actor,
    accounts: &mut Interner,
    regions: &mut Interner,
) -> Profile<'s> {
    let mut rng = Rng::new(seed, "actor", fnv(&actor.arn));
    let (partition, _, _, name) = principal_parts(&actor.arn).unwrap_or(("aws", "", "", "unknown"));
    let account = accounts.id(&actor.account);
    let unique_id = match (&actor.unique_id, &actor.kind) {
        (Some(id), _) => id.clone(),
        (None, ActorKind::Root) => actor.account.clone(),
        (None, ActorKind::User) => rng.unique_id("AIDA"),
        (None, _) => rng.unique_id("AROA"),
    };
    // Most of an account's people work from its office's zone.
    let mut office = Rng::new(seed, "office", fnv(&actor.account));
    let office_zone = zone(&mut office);
    let office_ip = ip_doc(&mut office);
    let tz = if rng.chance(0.75) { office_zone } else { zone(&mut rng) };
    let day_start = rng.range(7 * 3600 + 1800, 10 * 3600);
    let day_end = day_start + rng.range(8 * 3600, 9 * 3600 + 1800);
    let lower = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));

    let who = match &actor.kind {
        ActorKind::User => Who::User,
        ActorKind::Root => Who::Root,
        ActorKind::Role => {
            let style = if actor.human {
                Style::Human
            } else if has(&["lambda", "function"]) {
                Style::Lambda(function_name(name))
            } else if has(&["ec2", "instance", "node", "jenkins", "bastion", "runner", "worker"]) {
                Style::Ec2(instances(&mut rng))
            } else if has(&["ecs", "task", "fargate"]) {
                Style::Ecs
            } else if has(&["deploy", "terraform", "automation", "pipeline", "orchestrat", "script"]) {
                Style::Sdk
            } else {
                match rng.weighted(&[35, 35, 10, 20]) {
                    0 => Style::Ec2(instances(&mut rng)),
                    1 => Style::Lambda(function_name(name)),
                    2 => Style::Ecs,
                    _ => Style::Sdk,
                }
            };
            Who::Role { style, callers: Vec::new(), source_identity: actor.human && rng.chance(0.2) }
        }
        ActorKind::ServiceLinkedRole { service } => {
            let prefix = service.strip_suffix(".amazonaws.com").unwrap_or(service);
            let session = match name.strip_prefix("AWSServiceRoleFor") {
                Some(rest) if !rest.is_empty() => rest.split('_').next().unwrap_or(rest).to_owned(),
                _ => prefix.to_owned(),
            };
            Who::ServiceLinked { service: service.clone(), session }
        }
        ActorKind::IdentityCenterRole { users } => {
            let users = if users.is_empty() {
                let first = FIRST_NAMES.get(rng.index(FIRST_NAMES.len())).copied().unwrap_or("alice");
                vec![format!("{first}@example.com")]
            } else {
                users.clone()
            };
            let mut provider_rng = Rng::new(seed, "saml-provider", fnv(&actor.account));
            let provider = format!(
                "arn:{partition}:iam::{}:saml-provider/AWSSSO_{}_DO_NOT_DELETE",
                actor.account,
                provider_rng.hex(16)
            );
            let mut name_qualifier = String::new();
            provider_rng.push_base64(&mut name_qualifier, 27);
            name_qualifier.push('=');
            let duration = [3600, 14_400, 28_800, 43_200].get(rng.weighted(&[3, 2, 3, 2])).copied().unwrap_or(3600);
            Who::IdentityCenter { users, duration, provider, name_qualifier }
        }
        ActorKind::WebIdentityRole { provider, subjects } => {
            let provider_arn = if provider.starts_with("arn:") {
                provider.clone()
            } else {
                format!("arn:{partition}:iam::{}:oidc-provider/{provider}", actor.account)
            };
            let github = provider.contains("githubusercontent");
            let subjects = if subjects.is_empty() {
                vec![if github {
                    "repo:example-org/app:ref:refs/heads/main".to_owned()
                } else {
                    "system:serviceaccount:default:app".to_owned()
                }]
            } else {
                subjects.clone()
            };
            Who::WebIdentity { provider_arn, subjects, github }
        }
    };

    // Tools: a person has a favourite; a workload one client.
    let (tool, lambda_env) = match &who {
        Who::Role { style: Style::Lambda(_), .. } => (if rng.chance(0.6) { Tool::Boto3 } else { Tool::Node }, true),
        Who::Role { style: Style::Ec2(_), .. } => {
            ([Tool::Cli, Tool::Boto3, Tool::Java].get(rng.index(3)).copied().unwrap_or(Tool::Cli), false)
        }
        Who::Role { style: Style::Ecs, .. } => {
            ([Tool::Go, Tool::Java, Tool::Boto3].get(rng.index(3)).copied().unwrap_or(Tool::Go), false)
        }
        Who::WebIdentity { github: true, .. } => (if rng.chance(0.6) { Tool::Cli } else { Tool::Terraform }, false),
        _ if actor.human => (
            [Tool::Cli, Tool::Boto3, Tool::Terraform, Tool::Go, Tool::Java]
                .get(rng.weighted(&[55, 20, 15, 5, 5]))
                .copied()
                .unwrap_or(Tool::Cli),
            false,
        ),
        _ => (
            [Tool::Boto3, Tool::Go, Tool::Terraform, Tool::Cli, Tool::Java]
                .get(rng.weighted(&[35, 25, 15, 15, 10]))
                .copied()
                .unwrap_or(Tool::Boto3),
            false,
        ),
    };
    let keys = match &actor.kind {
        ActorKind::User => {
            let n = if rng.chance(0.15) { 2 } else { 1 };
            (0..n).map(|_| rng.key_id("AKIA")).collect()
        }
        ActorKind::Root => vec![rng.key_id("AKIA")],
        _ => Vec::new(),
    };
    let console = match &actor.kind {
        ActorKind::Root => 0.9,
        ActorKind::User => [0.1, 0.3, 0.6].get(rng.index(3)).copied().unwrap_or(0.3),
        ActorKind::IdentityCenterRole { .. } => 0.5,
        _ => 0.25,
    };
    let github_ips: &[u8] = &[4, 13, 20, 40, 52];
    let aws_ips: &[u8] = &[3, 18, 34, 35, 44, 52, 54];
    let machine_ip = if matches!(who, Who::WebIdentity { github: true, .. }) {
        ip_v4(&mut rng, github_ips)
    } else {
        ip_v4(&mut rng, aws_ips)
    };
    let private_ip = format!("10.{}.{}.{}", rng.below(256), rng.below(256), 4 + rng.below(250));
    let vpce = !actor.human
        && matches!(&who, Who::Role { style: Style::Ec2(_) | Style::Ecs | Style::Lambda(_), .. })
        && rng.chance(0.3);

    let prep = |call: &'s Call, accounts: &mut Interner, regions: &mut Interner| {
        let owner_id = call.resource_account.as_deref().unwrap_or(&actor.account);
        let owner = accounts.id(owner_id);
        CallInfo {
            call,
            prep: prepare(call, owner_id),
            region: regions.id(&call.region),
            owner,
            cross: owner != account,
        }
    };
    let calls: Vec<CallInfo<'s>> = actor.calls.iter().map(|c| prep(c, accounts, regions)).collect();
    let denied: Vec<CallInfo<'s>> = actor.denied.iter().map(|c| prep(c, accounts, regions)).collect();
    let call_cdf = zipf_cdf(&mut rng, calls.len(), 0.9);

    // A machine's runs: every call in one job, a few jobs doing most of the work.
    let mut order: Vec<u32> = (0..calls.len() as u32).collect();
    rng.shuffle(&mut order);
    let mut jobs = Vec::new();
    let mut rest = order.as_slice();
    while !rest.is_empty() {
        let take = (rng.range(1, 5) as usize).min(rest.len());
        let (job, tail) = rest.split_at(take);
        jobs.push(job.to_vec());
        rest = tail;
    }
    let job_cdf = zipf_cdf(&mut rng, jobs.len(), 1.2);
    let period = [300, 600, 900, 1800, 3600, 3600, 21_600, 86_400].get(rng.index(8)).copied().unwrap_or(3600);

    Profile {
        active: actor.weight > 0.0 && !(calls.is_empty() && denied.is_empty()),
        actor,
        idx,
        partition: partition.to_owned(),
        name: name.to_owned(),
        account,
        unique_id,
        who,
        tz,
        day_start,
        day_end,
        console,
        mfa: rng.chance(0.8),
        keys,
        tool,
        variant: rng.u64(),
        lambda_env,
        office_ip,
        home_ip: ip_doc(&mut rng),
        machine_ip,
        private_ip,
        vpce,
        calls,
        denied,
        call_cdf,
        jobs,
        job_cdf,
        period,
        units: 0,
    }
}

/// `orders-processor-lambda-role` → `orders-processor`.
fn function_name(role: &str) -> String {
    let mut name = role.to_owned();
    for suffix in ["-lambda-role", "-function-role", "-role", "Role", "-lambda", "_role"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.to_owned();
            break;
        }
    }
    if name.is_empty() { format!("{role}-fn") } else { name }
}

fn instances(rng: &mut Rng) -> Vec<Instance> {
    let n = rng.range(1, 3);
    (0..n)
        .map(|_| Instance {
            id: format!("i-0{}", rng.hex(16)),
            private_ip: format!("10.{}.{}.{}", rng.below(256), rng.below(256), 4 + rng.below(250)),
            public_ip: ip_v4(rng, &[3, 18, 34, 35, 44, 52, 54]),
        })
        .collect()
}

/// Chooses who assumes each role whose sessions a principal starts: for a person's role,
/// people of its account (else of another account, else someone outside the trail); for a
/// script's role, users or other roles of its account (a chain).
fn assign_callers(seed: u64, actors: &mut [Profile<'_>]) {
    let mut chosen = Vec::new();
    for (idx, profile) in actors.iter().enumerate() {
        let Who::Role { style, .. } = &profile.who else { continue };
        let human_style = matches!(style, Style::Human);
        if !human_style && !matches!(style, Style::Sdk) {
            continue;
        }
        let usable = |other: &Profile<'_>| other.active && other.idx != idx;
        let users_here: Vec<usize> = actors
            .iter()
            .filter(|o| usable(o) && o.account == profile.account && matches!(o.who, Who::User))
            .map(|o| o.idx)
            .collect();
        let mut tier: Vec<usize> = if human_style {
            let people: Vec<usize> =
                users_here.iter().copied().filter(|i| actors.get(*i).is_some_and(|o| o.actor.human)).collect();
            if people.is_empty() { users_here.clone() } else { people }
        } else {
            // A script's role: machines' users, or workloads' roles (a chain). Never people,
            // who keep office hours while scripts do not.
            let machines_here = users_here.iter().copied().filter(|i| actors.get(*i).is_some_and(|o| !o.actor.human));
            let roles_here = actors.iter().filter(|o| {
                usable(o)
                    && o.account == profile.account
                    && matches!(&o.who, Who::Role { style: Style::Ec2(_) | Style::Lambda(_) | Style::Ecs, .. })
            });
            machines_here.chain(roles_here.map(|o| o.idx)).collect()
        };
        if tier.is_empty() && human_style {
            tier = actors
                .iter()
                .filter(|o| usable(o) && matches!(o.who, Who::User) && o.actor.human)
                .map(|o| o.idx)
                .collect();
        }
        let mut rng = Rng::new(seed, "callers", fnv(&profile.actor.arn));
        rng.shuffle(&mut tier);
        // A person's role keeps its people's hours: a second caller only from the same zone.
        if let Some(first) = tier.first().and_then(|i| actors.get(*i)) {
            let zone = first.tz;
            tier.retain(|i| actors.get(*i).is_some_and(|o| o.tz == zone || !human_style));
        }
        let callers = if tier.is_empty() {
            if human_style {
                let first = FIRST_NAMES.get(rng.index(FIRST_NAMES.len())).copied().unwrap_or("alice");
                vec![Caller::External {
                    account: rng.chars(b"123456789", 1) + &rng.digits(11),
                    principal: rng.unique_id("AIDA"),
                    name: first.to_owned(),
                }]
            } else {
                // No one to run the script: it runs on an instance of its own.
                chosen.push((idx, Vec::new(), None, Some(Style::Ec2(instances(&mut rng)))));
                continue;
            }
        } else {
            let n = tier.len().min(if rng.chance(0.4) { 2 } else { 1 });
            tier.truncate(n);
            tier.into_iter().map(Caller::Actor).collect()
        };
        // A person's role works when the people who assume it do.
        let hours = match callers.first() {
            Some(Caller::Actor(i)) if human_style => actors.get(*i).map(|c| (c.tz, c.day_start, c.day_end)),
            _ => None,
        };
        chosen.push((idx, callers, hours, None));
    }
    for (idx, list, hours, restyle) in chosen {
        if let Some(profile) = actors.get_mut(idx) {
            if let Some((tz, day_start, day_end)) = hours {
                (profile.tz, profile.day_start, profile.day_end) = (tz, day_start, day_end);
            }
            if let Who::Role { callers, style, .. } = &mut profile.who {
                *callers = list;
                if let Some(restyle) = restyle {
                    *style = restyle;
                }
            }
        }
    }
}

/// Who starts the session of a role that itself assumes another (a chain's first link): its
/// service, or a user of its account, or someone outside the trail.
pub(super) fn own_caller(actors: &[Profile<'_>], profile: &Profile<'_>) -> Caller {
    match &profile.who {
        Who::Role { style: Style::Ec2(_), .. } => Caller::Service("ec2.amazonaws.com"),
        Who::Role { style: Style::Lambda(_), .. } => Caller::Service("lambda.amazonaws.com"),
        Who::Role { style: Style::Ecs, .. } => Caller::Service("ecs-tasks.amazonaws.com"),
        Who::Role { callers, .. } => callers
            .iter()
            .find(|c| matches!(c, Caller::Actor(i) if actors.get(*i).is_some_and(|a| matches!(a.who, Who::User) && a.account == profile.account)))
            .cloned()
            .unwrap_or(Caller::Service("lambda.amazonaws.com")),
        _ => Caller::Service("lambda.amazonaws.com"),
    }
}
