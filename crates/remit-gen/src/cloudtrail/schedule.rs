//! When each actor acts: its stream of items (API calls, session starts, sign-ins) in time
//! order, drawn lazily so that memory does not grow with the number of records.
//!
//! An actor's activity comes in *units*: a person's working sessions (from its calendar, see
//! [`day_units`]) or a machine's scheduled runs (every `period` seconds, with a little jitter).
//! The actor's budget of calls is shared among its units as it goes (each unit takes about the
//! remaining budget over the remaining units, so the total is exact however the draws fall),
//! and a unit's calls among its bursts the same way. A role's credentials come in sessions:
//! a person's role gets a new session for each working session (renewed when it expires), a
//! machine's role when the last one is about to expire; each session begins with the STS call
//! that started it. Everything that decides how many records there are, and where they go,
//! is drawn from the actor's schedule stream; the rest (keys, addresses, ids) from its render
//! stream, so counting runs and the writing run agree.

use std::collections::VecDeque;

use super::{
    clock::DAY,
    plan::{Caller, Plan, Profile, Style, Tool, Who, day_units, draw, local_days, own_caller},
    render,
    rng::{Rng, fnv},
};

/// One thing an actor does, written as one or more records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Item {
    /// An API call: of the actor's `denied` list or its `calls` (then `failed` or not).
    Call { denied: bool, call: u32, failed: bool },
    /// The STS call that started the current session (and, for a chain, the one before it).
    Start,
    /// A console sign-in (`ConsoleLogin`).
    ConsoleLogin,
    /// An Identity Center portal sign-in (`CredentialChallenge`, `CredentialVerification`).
    SignIn,
    /// A KMS key's automatic rotation.
    Rotation(usize),
}

/// How a session began: what [`Item::Start`] writes.
pub(super) struct Start {
    pub(super) caller: Caller,
    /// Where the STS call was made.
    pub(super) region: u32,
    pub(super) source_identity: Option<String>,
    /// The Identity Center user, or the web identity's subject.
    pub(super) federated: Option<String>,
    pub(super) duration: i64,
    /// When another role's session makes the call: that session (it starts at the same time).
    pub(super) chain: Option<Box<Session>>,
}

/// The credentials in use and how the client shows.
pub(super) struct Session {
    pub(super) created: i64,
    pub(super) expires: i64,
    /// The role session name (empty for users and root).
    pub(super) name: String,
    pub(super) key: String,
    /// `userIdentity` as JSON text.
    pub(super) identity: String,
    /// `userIdentity` in the copy of a cross-account call the resource's owner receives.
    pub(super) owner_identity: String,
    /// The caller as denial messages name it.
    pub(super) arn: String,
    pub(super) ip: String,
    pub(super) private_ip: String,
    pub(super) tool: Tool,
    pub(super) console: bool,
    /// An AWS service acting with a service-linked role: `invokedBy`, source and user agent.
    pub(super) service: Option<String>,
    pub(super) tls13: bool,
    pub(super) start: Option<Start>,
}

/// The working session or run being played.
#[derive(Default)]
struct Unit {
    start: i64,
    end: i64,
    left: u64,
    bursts_left: u64,
    burst_left: u64,
    slot_len: f64,
    slot_idx: u64,
    gap: f64,
    t: i64,
    first: bool,
    focus: Vec<u32>,
    job: usize,
    job_pos: usize,
    /// A role's first call in the unit starts a new session.
    fresh: bool,
    sign_in: bool,
    console: bool,
    caller: usize,
    federated: usize,
    tool: Option<Tool>,
    ip: String,
}

/// An actor's stream.
pub(super) struct ActorStream {
    pub(super) idx: usize,
    human: bool,
    sched: Rng,
    pub(super) render: Rng,
    budget: u64,
    units_left: u64,
    day: i64,
    last_day: i64,
    days: Vec<(i64, i64)>,
    day_pos: usize,
    fire: u64,
    period: i64,
    phase: i64,
    unit: Unit,
    pub(super) session: Option<Session>,
    queue: VecDeque<(i64, Item)>,
    pub(super) current: Option<(i64, Item)>,
    last: i64,
    sign_in_day: i64,
}

/// A machine's period for `budget` calls over `length` seconds: its preferred one, lengthened
/// until each run has a call, shortened while runs would hold hundreds.
fn machine_period(preferred: i64, budget: u64, length: i64) -> i64 {
    const STEPS: [i64; 10] = [60, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];
    let runs = |p: i64| (length / p.max(1)).max(1) as u64;
    let mut period = preferred;
    while runs(period) > budget {
        match STEPS.iter().find(|s| **s > period) {
            Some(next) => period = *next,
            None => {
                period = (length + budget as i64 - 1) / (budget as i64).max(1);
                break;
            }
        }
    }
    while budget / runs(period) > 300 {
        match STEPS.iter().rev().find(|s| **s < period) {
            Some(prev) => period = *prev,
            None => break,
        }
    }
    period.max(1)
}

impl ActorStream {
    pub(super) fn new(plan: &Plan<'_>, idx: usize, budget: u64) -> ActorStream {
        let profile = plan.actors.get(idx);
        let arn = profile.map_or("", |p| p.actor.arn.as_str());
        let human = profile.is_some_and(|p| p.actor.human);
        let mut sched = Rng::new(plan.seed, "schedule", fnv(arn));
        let length = plan.end - plan.start;
        let (mut units_left, mut period, mut phase, mut day, mut last_day) = (0, 1, 0, 0, -1);
        if let Some(profile) = profile.filter(|p| p.active && budget > 0) {
            if human {
                units_left = profile.units;
                (day, last_day) = local_days(profile, plan.start, plan.end);
            } else {
                period = machine_period(profile.period, budget, length);
                phase = sched.range(0, period - 1);
                units_left = ((length - phase) + period - 1).div_euclid(period).max(0) as u64;
            }
        }
        ActorStream {
            idx,
            human,
            sched,
            render: Rng::new(plan.seed, "render", fnv(arn)),
            budget: if units_left == 0 { 0 } else { budget },
            units_left,
            day,
            last_day,
            days: Vec::new(),
            day_pos: 0,
            fire: 0,
            period,
            phase,
            unit: Unit::default(),
            session: None,
            queue: VecDeque::new(),
            current: None,
            last: plan.start,
            sign_in_day: i64::MIN,
        }
    }

    /// Moves to the next item; returns its time, or `None` when the actor is done.
    pub(super) fn advance(&mut self, plan: &Plan<'_>) -> Option<i64> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                self.current = Some(item);
                return Some(item.0);
            }
            self.current = None;
            if !self.fill(plan) {
                return None;
            }
        }
    }

    fn push(&mut self, t: i64, item: Item) {
        let t = t.max(self.last);
        self.last = t;
        self.queue.push_back((t, item));
    }

    /// Shares the remaining budget: about the mean of what is left, the last unit taking the rest.
    fn take(&mut self, spread: f64) -> u64 {
        if self.units_left == 0 {
            return 0;
        }
        let n = if self.units_left == 1 {
            self.budget
        } else {
            let mean = self.budget as f64 / self.units_left as f64;
            let factor = 1.0 + spread * (2.0 * self.sched.unit() - 1.0);
            (mean * factor + self.sched.unit()).floor() as u64
        }
        .min(self.budget);
        self.units_left -= 1;
        self.budget -= n;
        n
    }

    /// Queues the next call (and what precedes it); false when the actor is done.
    fn fill(&mut self, plan: &Plan<'_>) -> bool {
        let Some(profile) = plan.actors.get(self.idx) else { return false };
        while self.unit.left == 0 {
            if !self.next_unit(plan, profile) {
                return false;
            }
        }
        let t = self.next_time();
        let item = self.choose(profile);
        self.ensure_session(plan, profile, t);
        self.push(t, item);
        true
    }

    fn next_unit(&mut self, plan: &Plan<'_>, profile: &Profile<'_>) -> bool {
        loop {
            let (start, end) = if self.human {
                if let Some(unit) = self.days.get(self.day_pos).copied() {
                    self.day_pos += 1;
                    unit
                } else if self.day <= self.last_day {
                    self.days.clear();
                    day_units(plan.seed, profile, (plan.start, plan.end), self.day, &mut self.days);
                    self.day += 1;
                    self.day_pos = 0;
                    continue;
                } else {
                    return false;
                }
            } else {
                if self.units_left == 0 {
                    return false;
                }
                let t = plan.start + self.phase + self.fire as i64 * self.period;
                self.fire += 1;
                let start = (t + self.sched.range(0, (self.period / 10).min(90))).min(plan.end - 1);
                (start, (start + (self.period / 2).clamp(1, 300)).min(plan.end))
            };
            let n = self.take(if self.human { 0.8 } else { 0.3 });
            if n == 0 {
                continue;
            }
            self.begin_unit(plan, profile, start, end, n);
            return true;
        }
    }

    fn begin_unit(&mut self, plan: &Plan<'_>, profile: &Profile<'_>, start: i64, end: i64, n: u64) {
        let length = (end - start).max(1);
        let bursts = if self.human {
            let mean = self.sched.uniform(2.0, 8.0);
            ((n as f64 / mean).ceil() as u64).clamp(1, (length as u64 / 20).max(1))
        } else {
            1 + n / 100
        };
        let mut unit = Unit {
            start,
            end,
            left: n,
            bursts_left: bursts,
            slot_len: length as f64 / bursts as f64,
            t: start,
            ..Unit::default()
        };
        if self.human {
            // A task's few calls are most of a working session.
            let k = self.sched.range(1, 4) as usize;
            unit.focus = (0..k).map(|_| draw(&mut self.sched, &profile.call_cdf) as u32).collect();
            unit.console = self.sched.chance(profile.console);
            let local_hour = (start + profile.tz * 3600).rem_euclid(DAY) / 3600;
            unit.ip = if local_hour < 18 && self.render.chance(0.7) {
                profile.office_ip.clone()
            } else if self.render.chance(0.15) {
                format!(
                    "2001:db8:{:x}:{:x}::{:x}",
                    self.render.below(65_536),
                    self.render.below(65_536),
                    1 + self.render.below(4095)
                )
            } else {
                profile.home_ip.clone()
            };
            unit.tool = Some(if self.render.chance(0.7) {
                profile.tool
            } else {
                [Tool::Cli, Tool::Boto3, Tool::Terraform].get(self.render.index(3)).copied().unwrap_or(Tool::Cli)
            });
        } else {
            unit.job = draw(&mut self.sched, &profile.job_cdf);
        }
        match &profile.who {
            Who::User | Who::Root => {
                if self.human {
                    // Each working session: the console (signed in) or the long-term key.
                    if unit.console {
                        self.push(start, Item::ConsoleLogin);
                    }
                    self.session = Some(self.user_session(profile, start, unit.console, &unit));
                } else if self.session.is_none() {
                    self.session = Some(self.user_session(profile, start, false, &unit));
                }
            }
            Who::Role { callers, style, .. } => {
                unit.fresh = matches!(style, Style::Human) || self.human;
                unit.caller = self.sched.index(callers.len());
            }
            Who::IdentityCenter { users, .. } => {
                unit.fresh = true;
                unit.federated = self.sched.index(users.len());
                let day = (start + profile.tz * 3600).div_euclid(DAY);
                unit.sign_in = plan.store.is_some() && day != self.sign_in_day;
                self.sign_in_day = day;
            }
            Who::WebIdentity { subjects, github, .. } => {
                unit.fresh = *github || self.human;
                unit.federated = self.sched.index(subjects.len());
            }
            Who::ServiceLinked { .. } => {}
        }
        self.unit = unit;
    }

    /// The time of the unit's next call.
    fn next_time(&mut self) -> i64 {
        let unit = &mut self.unit;
        while unit.burst_left == 0 {
            if unit.bursts_left == 0 {
                unit.bursts_left = 1;
            }
            let size = if unit.bursts_left == 1 {
                unit.left
            } else {
                let mean = unit.left as f64 / unit.bursts_left as f64;
                (mean * self.sched.uniform(0.4, 1.6) + self.sched.unit()).floor() as u64
            }
            .min(unit.left);
            let slot_start = unit.start as f64 + unit.slot_idx as f64 * unit.slot_len;
            unit.slot_idx += 1;
            unit.bursts_left -= 1;
            if size == 0 {
                continue;
            }
            let begin = (slot_start + self.sched.unit() * unit.slot_len * 0.4) as i64;
            unit.t = unit.t.max(begin);
            unit.gap = (unit.slot_len * 0.5 / size as f64).min(if self.human { 6.0 } else { 2.0 });
            unit.burst_left = size;
            unit.first = true;
        }
        if !unit.first {
            unit.t += (self.sched.unit() * unit.gap).round() as i64;
        }
        unit.first = false;
        unit.t = unit.t.min(unit.end - 1).max(self.last);
        unit.burst_left -= 1;
        unit.left -= 1;
        unit.t
    }

    fn choose(&mut self, profile: &Profile<'_>) -> Item {
        if !profile.denied.is_empty() && (profile.calls.is_empty() || self.sched.chance(0.02)) {
            return Item::Call { denied: true, call: self.sched.index(profile.denied.len()) as u32, failed: false };
        }
        let call = if self.human {
            if !self.unit.focus.is_empty() && self.sched.chance(0.75) {
                let pick = self.sched.index(self.unit.focus.len());
                self.unit.focus.get(pick).copied().unwrap_or(0)
            } else {
                draw(&mut self.sched, &profile.call_cdf) as u32
            }
        } else if self.sched.chance(0.1) {
            draw(&mut self.sched, &profile.call_cdf) as u32
        } else {
            let job = profile.jobs.get(self.unit.job).map_or(&[][..], |j| j.as_slice());
            let call = job.get(self.unit.job_pos % job.len().max(1)).copied().unwrap_or(0);
            self.unit.job_pos += 1;
            call
        };
        Item::Call { denied: false, call, failed: self.sched.chance(0.01) }
    }

    /// Opens a role's session when its first call needs one, queueing what starts it.
    fn ensure_session(&mut self, plan: &Plan<'_>, profile: &Profile<'_>, t: i64) {
        let expired = self.session.as_ref().is_none_or(|s| t >= s.expires - if self.unit.fresh { 0 } else { 300 });
        let needed = match &profile.who {
            Who::User | Who::Root => false,
            Who::Role { .. } | Who::IdentityCenter { .. } | Who::WebIdentity { .. } | Who::ServiceLinked { .. } => {
                self.unit.fresh || expired
            }
        };
        if !needed {
            return;
        }
        self.unit.fresh = false;
        let at = (t - self.sched.range(0, 2)).max(self.unit.start).max(self.last);
        if self.unit.sign_in {
            self.unit.sign_in = false;
            self.push(at, Item::SignIn);
        }
        let session = self.role_session(plan, profile, at);
        let starts = session.start.is_some();
        self.session = Some(session);
        if starts {
            self.push(at, Item::Start);
        }
    }

    /// A user's (or root's) credentials for a working session or a machine.
    fn user_session(&mut self, profile: &Profile<'_>, at: i64, console: bool, unit: &Unit) -> Session {
        let rng = &mut self.render;
        let key = if console {
            rng.key_id("ASIA")
        } else {
            profile.keys.get(rng.index(profile.keys.len())).cloned().unwrap_or_else(|| rng.key_id("AKIA"))
        };
        let identity = render::principal_identity(profile, &key, console.then_some((at, profile.mfa)));
        let owner_identity = render::account_identity(&profile.unique_id, &profile.actor.account);
        let ip = if self.human { unit.ip.clone() } else { profile.machine_ip.clone() };
        Session {
            created: at,
            expires: i64::MAX,
            name: String::new(),
            key,
            identity,
            owner_identity,
            arn: profile.actor.arn.clone(),
            ip,
            private_ip: profile.private_ip.clone(),
            tool: if console { Tool::Console } else { unit.tool.unwrap_or(profile.tool) },
            console,
            service: None,
            tls13: rng.chance(0.85),
            start: None,
        }
    }

    /// A role's new session, with how it began.
    fn role_session(&mut self, plan: &Plan<'_>, profile: &Profile<'_>, at: i64) -> Session {
        let region = self.start_region(plan, profile);
        let unit_tool = self.unit.tool;
        let unit_ip = self.unit.ip.clone();
        let console = self.unit.console;
        let rng = &mut self.render;
        let mut source_identity = None;
        let mut federated = None;
        let mut web = None;
        let mut on_behalf = None;
        let mut ec2 = false;
        let mut service = None;
        let mut mfa = false;
        let mut duration = 3600;
        let mut ip = profile.machine_ip.clone();
        let mut private_ip = profile.private_ip.clone();
        let mut tool = unit_tool.unwrap_or(profile.tool);
        let mut chain = None;
        let (name, caller) = match &profile.who {
            Who::Role { style, callers, source_identity: wants_source } => {
                let caller = callers.get(self.unit.caller).cloned().unwrap_or(Caller::Service("lambda.amazonaws.com"));
                match style {
                    Style::Human => {
                        ip = unit_ip;
                        let caller_name = match &caller {
                            Caller::Actor(i) => plan.actors.get(*i).map(|c| {
                                mfa = c.mfa && rng.chance(0.8);
                                c.name.clone()
                            }),
                            Caller::External { name, .. } => Some(name.clone()),
                            _ => None,
                        }
                        .unwrap_or_else(|| profile.name.clone());
                        if *wants_source {
                            source_identity = Some(caller_name.clone());
                        }
                        (caller_name, Some(caller))
                    }
                    Style::Ec2(instances) => {
                        ec2 = true;
                        let instance = instances.get(rng.index(instances.len()));
                        if let Some(instance) = instance {
                            ip = instance.public_ip.clone();
                            private_ip = instance.private_ip.clone();
                        }
                        (
                            instance.map_or_else(|| format!("i-0{}", rng.hex(16)), |i| i.id.clone()),
                            Some(Caller::Service("ec2.amazonaws.com")),
                        )
                    }
                    Style::Lambda(function) => {
                        ip = format!(
                            "{}.{}.{}.{}",
                            [3, 18, 34, 52, 54].get(rng.index(5)).copied().unwrap_or(3),
                            rng.below(256),
                            rng.below(256),
                            1 + rng.below(254)
                        );
                        (function.clone(), Some(Caller::Service("lambda.amazonaws.com")))
                    }
                    Style::Ecs => (rng.hex(32), Some(Caller::Service("ecs-tasks.amazonaws.com"))),
                    Style::Sdk => {
                        // The caller's process assumes the role and goes on with its client and
                        // address (its SDK names the session).
                        if let Caller::Actor(i) = &caller
                            && let Some(by) = plan.actors.get(*i)
                        {
                            tool = by.tool;
                            ip = by.machine_ip.clone();
                            if matches!(by.who, Who::Role { .. }) {
                                let link = chain_session(plan, by, at, rng);
                                ip = link.ip.clone();
                                chain = Some(Box::new(link));
                            }
                        }
                        (sdk_session_name(tool, at, rng), Some(caller))
                    }
                }
            }
            Who::IdentityCenter { users, duration: d, .. } => {
                ip = unit_ip;
                duration = *d;
                let user = users.get(self.unit.federated).cloned().unwrap_or_default();
                if let Some(store) = &plan.store
                    && rng.chance(0.15)
                {
                    on_behalf = Some((render::identity_store_user_id(plan.seed, &user), store.arn.clone()));
                }
                federated = Some(user.clone());
                (user, Some(Caller::Federated))
            }
            Who::WebIdentity { provider_arn, subjects, github } => {
                let subject = subjects.get(self.unit.federated).cloned().unwrap_or_default();
                federated = Some(subject);
                web = Some(provider_arn.clone());
                if *github {
                    ip = format!(
                        "{}.{}.{}.{}",
                        [4, 13, 20, 40, 52].get(rng.index(5)).copied().unwrap_or(20),
                        rng.below(256),
                        rng.below(256),
                        1 + rng.below(254)
                    );
                    ("GitHubActions".to_owned(), Some(Caller::Federated))
                } else {
                    (sdk_session_name(tool, at, rng), Some(Caller::Federated))
                }
            }
            Who::ServiceLinked { service: svc, session } => {
                service = Some(svc.clone());
                tool = Tool::Cli;
                // The service acts with the role: no STS call of the trail starts its sessions.
                (session.clone(), None)
            }
            Who::User | Who::Root => (String::new(), None),
        };
        let rng = &mut self.render;
        let key = rng.key_id("ASIA");
        let identity = render::role_identity(&render::RoleIdentity {
            profile,
            session: &name,
            key: &key,
            created: at,
            mfa,
            web: web.as_deref(),
            source_identity: source_identity.as_deref(),
            ec2,
            invoked_by: service.as_deref(),
            on_behalf: on_behalf.as_ref().map(|(u, s)| (u.as_str(), s.as_str())),
        });
        let sts_arn = render::session_arn(profile, &name);
        let owner_identity = render::account_identity(&format!("{}:{name}", profile.unique_id), &profile.actor.account);
        let start = caller.map(|caller| Start { caller, region, source_identity, federated, duration, chain });
        Session {
            created: at,
            expires: at + duration,
            name,
            key,
            identity,
            owner_identity,
            arn: sts_arn,
            ip,
            private_ip,
            tool: if console { Tool::Console } else { tool },
            console,
            service,
            tls13: rng.chance(0.85),
            start,
        }
    }

    /// The region the STS call went to: the global endpoint (us-east-1) or the region of the
    /// actor's main work.
    fn start_region(&mut self, plan: &Plan<'_>, profile: &Profile<'_>) -> u32 {
        if self.sched.chance(0.4) {
            return plan.us_east_1;
        }
        profile.calls.first().or(profile.denied.first()).map_or(plan.us_east_1, |c| c.region)
    }
}

/// The session name SDKs give an assumed role's session.
fn sdk_session_name(tool: Tool, at: i64, rng: &mut Rng) -> String {
    match tool {
        Tool::Go | Tool::Terraform => format!("aws-go-sdk-{}{}", at, rng.digits(9)),
        Tool::Java => format!("aws-sdk-java-{}{}", at, rng.digits(3)),
        Tool::Node => format!("aws-sdk-js-{}{}", at, rng.digits(3)),
        _ => format!("botocore-session-{at}"),
    }
}

/// The session of a role that assumes another: started by its own service or user at the same
/// moment.
fn chain_session(plan: &Plan<'_>, link: &Profile<'_>, at: i64, rng: &mut Rng) -> Session {
    let (name, ip) = match &link.who {
        Who::Role { style: Style::Ec2(instances), .. } => {
            let instance = instances.get(rng.index(instances.len()));
            (
                instance.map_or_else(|| format!("i-0{}", rng.hex(16)), |i| i.id.clone()),
                instance.map_or_else(|| link.machine_ip.clone(), |i| i.public_ip.clone()),
            )
        }
        Who::Role { style: Style::Lambda(function), .. } => (function.clone(), link.machine_ip.clone()),
        Who::Role { style: Style::Ecs, .. } => (rng.hex(32), link.machine_ip.clone()),
        _ => (sdk_session_name(link.tool, at, rng), link.machine_ip.clone()),
    };
    let key = rng.key_id("ASIA");
    let ec2 = matches!(&link.who, Who::Role { style: Style::Ec2(_), .. });
    let identity = render::role_identity(&render::RoleIdentity {
        profile: link,
        session: &name,
        key: &key,
        created: at,
        mfa: false,
        web: None,
        source_identity: None,
        ec2,
        invoked_by: None,
        on_behalf: None,
    });
    Session {
        created: at,
        expires: at + 3600,
        arn: render::session_arn(link, &name),
        owner_identity: render::account_identity(&format!("{}:{name}", link.unique_id), &link.actor.account),
        name,
        key,
        identity,
        ip,
        private_ip: link.private_ip.clone(),
        tool: link.tool,
        console: false,
        service: None,
        tls13: rng.chance(0.85),
        start: Some(Start {
            caller: own_caller(&plan.actors, link),
            region: link.calls.first().map_or(plan.us_east_1, |c| c.region),
            source_identity: None,
            federated: None,
            duration: 3600,
            chain: None,
        }),
    }
}

/// The stream of AWS service events (KMS key rotations).
pub(super) struct ServiceStream {
    next: usize,
    pub(super) render: Rng,
    pub(super) current: Option<(i64, Item)>,
}

impl ServiceStream {
    pub(super) fn new(plan: &Plan<'_>) -> ServiceStream {
        ServiceStream { next: 0, render: Rng::new(plan.seed, "service-events", 0), current: None }
    }

    pub(super) fn advance(&mut self, plan: &Plan<'_>) -> Option<i64> {
        let next = plan.rotations.get(self.next).copied();
        self.next += 1;
        self.current = next.map(|(t, key)| (t, Item::Rotation(key)));
        next.map(|(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_fit_the_budget() {
        let week = 7 * DAY;
        // A small budget stretches the period so every run has a call.
        let p = machine_period(300, 10, week);
        assert!(week / p <= 10, "{p}");
        // A large one shortens it.
        let p = machine_period(86_400, 1_000_000, week);
        assert!(p <= 300, "{p}");
        assert_eq!(machine_period(3600, 168, week), 3600);
    }
}
