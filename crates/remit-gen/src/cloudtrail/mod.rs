//! Seeded AWS CloudTrail activity, written as a trail delivers it to S3.
//!
//! Remit answers "do they use it" from CloudTrail: which principals called which actions on
//! which resources, and when last. Real trails cannot be shared and are never labelled, so this
//! module makes them, with a truth of what was called (`activity-truth.json`), for the importers
//! and usage analyses to be tested and benchmarked against.
//!
//! It is *pure*: it knows nothing of IAM, of the catalog or of policies. The caller says who the
//! actors are ([`Actor`]: a user, a role of some kind, a root user) and which calls each makes
//! successfully and which it is denied ([`Call`], with an opaque label the truth reports it by);
//! the generator decides only *when* and *how it shows*: a person works on weekdays in the
//! working hours of its time zone, in working sessions of bursts; a machine runs around the
//! clock on a schedule; a role's credentials come in sessions, each started by the STS call
//! that made it (`AssumeRole` by a user, another role or an AWS service; `AssumeRoleWithSAML`
//! for Identity Center; `AssumeRoleWithWebIdentity` for OIDC federation), with stable session
//! names and a temporary key per session; about 2% of calls are denied and 1% fail otherwise.
//!
//! Records are what CloudTrail writes: fields in its order and of its shapes per identity type
//! and per service (see `services.rs`), files of `{"Records":[...]}` gzip-compressed, one per
//! account, region and five minutes, unsorted inside, 1% of records late by one file, under an
//! account trail's or an organization trail's key layout. A call on another account's resource
//! is written in both accounts, the copies sharing a `sharedEventID`.
//!
//! Generation streams: actors are played in time order from a heap of per-actor streams, and
//! each five minutes' files are written as soon as no record can join them, so memory does not
//! grow with the number of records. Before writing, the schedule is played without writing
//! (counting only) to scale the actors' rates so the total lands on `target_events`.
//!
//! Deterministic: the same spec gives the same bytes (ChaCha8 streams per actor, never the
//! clock or the thread RNG, no hash-map order in the output).

mod clock;
mod deliver;
mod json;
mod plan;
mod render;
mod rng;
mod schedule;
mod services;
mod truth;

use std::{
    cmp::Reverse,
    collections::BinaryHeap,
    fs::File,
    io::{self, BufWriter, Write},
    path::Path,
};

use crate::cloudtrail::{
    deliver::Delivery,
    plan::Plan,
    render::Sink,
    schedule::{ActorStream, ServiceStream},
    truth::Truth,
};

/// What activity to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivitySpec {
    /// The seed: the same spec gives the same bytes.
    pub seed: u64,
    /// Unix seconds: the end of the generated period (exclusive). Events fall in
    /// `[end - days*86400, end)`.
    pub end: i64,
    /// The length of the period in days (at least 1).
    pub days: u32,
    /// `Some("o-abc123...")` writes an organization trail's key layout:
    /// `AWSLogs/<org-id>/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<16 random [A-Za-z0-9]>.json.gz`.
    /// `None` writes an account trail's: `AWSLogs/<account>/CloudTrail/<region>/...` the same.
    pub organization_id: Option<String>,
    /// Approximate total number of records to write: the generator scales each actor's rate
    /// so that the total lands within ±10%.
    pub target_events: u64,
    /// The actors.
    pub actors: Vec<Actor>,
    /// IAM Identity Center's identity store (`arn:aws:identitystore::<account>:identitystore/d-…`):
    /// named by `onBehalfOf` in some Identity Center sessions' records, and its account receives
    /// the portal sign-ins (`CredentialChallenge`, `CredentialVerification`). `None`: one is
    /// drawn in the account of the first Identity Center role (if there is one).
    pub identity_store_arn: Option<String>,
}

/// A principal whose activity is generated.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// IAM user ARN (`arn:aws:iam::<account>:user/path/name`), role ARN
    /// (`arn:aws:iam::<account>:role/path/name`), or `arn:aws:iam::<account>:root`.
    pub arn: String,
    /// The actor's account id (the one in its ARN).
    pub account: String,
    /// What kind of principal it is, and what its kind needs.
    pub kind: ActorKind,
    /// A person: active on weekdays in working hours of its time zone (drawn from the seed),
    /// idle at night and weekends, in working sessions of bursts. A machine (`false`): around
    /// the clock, in periodic (cron-like) runs.
    pub human: bool,
    /// Relative activity (1.0 typical): the actors' shares of the records are in proportion.
    /// 0: an inactive identity, with no records at all.
    pub weight: f64,
    /// Calls it makes that succeed (about 1% of them meet another error: throttling, a missing
    /// resource, a validation error).
    pub calls: Vec<Call>,
    /// Calls it tries that are denied (about 2% of its calls when not empty; all of them when
    /// `calls` is empty).
    pub denied: Vec<Call>,
    /// The IAM unique id (`AIDA…` for a user, `AROA…` for a role), when known (from the
    /// environment the actors come from), so that records name the principal as the
    /// environment does; `None` draws one. Ignored for the root user.
    pub unique_id: Option<String>,
}

/// What kind of principal an actor is.
#[derive(Debug, Clone, PartialEq)]
pub enum ActorKind {
    /// An IAM user: `IAMUser` with its `AKIA…` long-term key, or (a person's console working
    /// sessions) temporary console credentials after a `ConsoleLogin`.
    User,
    /// A role assumed with `AssumeRole`: by a user of the spec (a person's role: the session is
    /// named after the user), by an AWS service (EC2 instances, Lambda functions, ECS tasks, as
    /// the role's name suggests or as drawn), or by another role (a chain).
    Role,
    /// A service-linked role (`/aws-service-role/`): the service acts with it (`invokedBy`, the
    /// service's host name as source address and user agent); no STS record.
    ServiceLinkedRole {
        /// The service principal, `autoscaling.amazonaws.com`.
        service: String,
    },
    /// An `AWSReservedSSO_*` role: sessions named after one of `users` (a name or an e-mail
    /// address), started by `AssumeRoleWithSAML`; some records carry `onBehalfOf`.
    IdentityCenterRole {
        /// The Identity Center users who use it.
        users: Vec<String>,
    },
    /// A role assumed with `AssumeRoleWithWebIdentity` (records of type `WebIdentityUser` in the
    /// role's account start its sessions).
    WebIdentityRole {
        /// The OIDC provider: its host (`token.actions.githubusercontent.com`) or its IAM ARN.
        provider: String,
        /// The `sub` values of the tokens (`repo:org/repo:ref:refs/heads/main`).
        subjects: Vec<String>,
    },
    /// The account's root user (`Root`): mostly console work.
    Root,
}

/// An API call an actor makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `eventSource`, e.g. `s3.amazonaws.com`.
    pub event_source: String,
    /// `eventName`, e.g. `ListObjects` or `UpdateFunctionCode20150331v2`.
    pub event_name: String,
    /// The resource ARN the call touches (`None` for calls on no resource, e.g. `ListBuckets`,
    /// `DescribeInstances`). An S3 object ARN ending in `*` (or a bucket's, for an object
    /// call) has its keys drawn under that prefix.
    pub resource: Option<String>,
    /// The account that owns the resource when it is not the actor's: a cross-account call,
    /// which CloudTrail writes in both accounts, the copies sharing a `sharedEventID` (the
    /// owner's copy has `recipientAccountId` = owner and names the caller as `AWSAccount`).
    pub resource_account: Option<String>,
    /// The region the call goes to (`us-east-1` for IAM and other global services).
    pub region: String,
    /// `readOnly`.
    pub read_only: bool,
    /// A data event (S3 object-level, Lambda `Invoke`, DynamoDB item operations):
    /// `eventCategory` `Data`, `managementEvent` false, and a `resources` array.
    pub data_event: bool,
    /// The `errorCode` the service uses for a denial: `AccessDenied` (S3, IAM, STS ...),
    /// `AccessDeniedException` (JSON-protocol services: Lambda, KMS, DynamoDB, Secrets
    /// Manager ...), `Client.UnauthorizedOperation` (EC2), `AuthorizationError` (SNS).
    pub denied_code: String,
    /// An opaque label the caller recognizes this call by in the truth (e.g. the IAM action
    /// `s3:ListBucket`); never written into the records.
    pub label: String,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Log files.
    pub files: u64,
    /// Records in them.
    pub records: u64,
    /// Bytes of the log files (compressed).
    pub bytes: u64,
}

/// How many calls each actor gets at `scale`: its share of `target` by weight.
fn budgets(plan: &Plan<'_>, target: u64, scale: f64) -> Vec<u64> {
    let total: f64 = plan.actors.iter().filter(|p| p.active).map(|p| p.actor.weight).sum();
    plan.actors
        .iter()
        .map(|p| {
            if !p.active || total <= 0.0 { 0 } else { (target as f64 * scale * p.actor.weight / total).round() as u64 }
        })
        .collect()
}

/// Plays the activity in time order into `sink`.
fn run(plan: &Plan<'_>, budgets: &[u64], sink: &mut Sink) -> io::Result<()> {
    let mut actors: Vec<ActorStream> =
        (0..plan.actors.len()).map(|idx| ActorStream::new(plan, idx, budgets.get(idx).copied().unwrap_or(0))).collect();
    let mut service = ServiceStream::new(plan);
    let service_idx = actors.len();
    let mut heap = BinaryHeap::with_capacity(actors.len() + 1);
    for (idx, stream) in actors.iter_mut().enumerate() {
        if let Some(t) = stream.advance(plan) {
            heap.push(Reverse((t, idx)));
        }
    }
    if let Some(t) = service.advance(plan) {
        heap.push(Reverse((t, service_idx)));
    }
    while let Some(Reverse((t, idx))) = heap.pop() {
        if let Some(delivery) = &mut sink.delivery {
            delivery.flush_before(t.div_euclid(300))?;
        }
        let next = match actors.get_mut(idx) {
            Some(stream) => {
                render::emit(plan, stream, sink)?;
                stream.advance(plan)
            }
            None => {
                render::emit_service(plan, &mut service, sink);
                service.advance(plan)
            }
        };
        if let Some(next) = next {
            heap.push(Reverse((next.max(t), idx)));
        }
    }
    if let Some(delivery) = &mut sink.delivery {
        delivery.finish()?;
    }
    Ok(())
}

/// The budgets whose records land closest to the target: the schedule is played (counting
/// only) and the rates scaled until the count is within 2%, at most five times.
fn calibrate(plan: &Plan<'_>, target: u64) -> io::Result<Vec<u64>> {
    let mut scale = 1.0;
    let mut best: Option<(u64, Vec<u64>)> = None;
    for _ in 0..5 {
        let budgets = budgets(plan, target, scale);
        let mut sink = Sink { writing: false, records: 0, truth: Truth::new(plan), delivery: None };
        run(plan, &budgets, &mut sink)?;
        let counted = sink.records;
        let miss = counted.abs_diff(target);
        let done = counted == 0 || miss.saturating_mul(50) <= target;
        if best.as_ref().is_none_or(|(m, _)| miss < *m) {
            best = Some((miss, budgets));
        }
        if done {
            break;
        }
        scale = (scale * target as f64 / counted as f64).clamp(1e-6, 1e6);
    }
    Ok(best.map(|(_, b)| b).unwrap_or_default())
}

/// Writes the log files of `spec`'s activity under `out` (created if needed) and
/// `activity-truth.json` beside them (`out/activity-truth.json`; see `docs/generator.md`).
///
/// Streams: memory does not grow with `target_events` (a million records and more are fine).
/// Errors: an invalid spec (an actor whose ARN is not a principal's, or does not match its
/// kind or account; a negative weight; no days) is `InvalidInput`; others are I/O errors.
pub fn write_cloudtrail(spec: &ActivitySpec, out: &Path) -> io::Result<Written> {
    let plan = plan::build(spec)?;
    let budgets = calibrate(&plan, spec.target_events)?;
    std::fs::create_dir_all(out)?;
    let delivery = Delivery::new(out, plan.organization_id, plan.seed, &plan.accounts, &plan.regions);
    let mut sink = Sink { writing: true, records: 0, truth: Truth::new(&plan), delivery: Some(delivery) };
    run(&plan, &budgets, &mut sink)?;
    let (files, bytes, records) = sink.delivery.as_ref().map_or((0, 0, 0), |d| (d.files, d.bytes, d.records));
    let truth = sink.truth.to_json(&plan, records, files);
    let mut file = BufWriter::new(File::create(out.join("activity-truth.json"))?);
    serde_json::to_writer_pretty(&mut file, &truth)?;
    file.write_all(b"\n")?;
    file.flush()?;
    Ok(Written { files, records, bytes })
}
