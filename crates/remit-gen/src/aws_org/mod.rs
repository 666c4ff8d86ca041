//! Whole AWS environments, written as environment bundles (`docs/environment-bundle.md`) with
//! a `ground-truth.json` beside them (`docs/generator.md`).
//!
//! Remit's importers, analyses and benchmarks need organizations the size of real ones, with
//! what real ones hold: thousands of roles with conditions and wildcards, vendors' roles, CI
//! federation, Identity Center, guardrails, and the mistakes that findings are about. Real
//! exports cannot be shared, so this module makes them, and because it makes them it also
//! knows the answers: which principals are administrators, who can assume which role, which
//! paths escalate. Those answers come from what each policy was written to grant, never from
//! reading the documents back, so that they can check the analyses that do read them.
//!
//! The output is the bytes the AWS CLI would print (see `out.rs`), so the bundle exercises the
//! importer exactly as a collected one does. Generation is a pure function of the seed and the
//! size: every account draws from its own stream, and nothing reads the clock (the world's
//! "now" is fixed).
//!
//! Large outputs are streamed: an account's plan is compact (documents as JSON text) and its
//! `authorization-details.json` is written entity by entity, so memory stays in the tens of
//! megabytes for the largest account.

mod managed;
mod model;
pub(crate) mod names;
mod org;
mod out;
mod plan;
mod policies;
mod resources;
pub(crate) mod rng;
mod sso;
mod truth;
mod workloads;
mod world;
mod write;

use std::{fmt, io, path::Path, str::FromStr};

use serde_json::json;

use crate::aws_org::{model::ResourceKind, out::Out};

/// The moment the generated environments are collected: 2026-03-01T09:00:00Z. Fixed, so
/// that the same seed gives the same bytes on any day.
const NOW: i64 = 1_772_355_600;

/// How big an environment to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Size {
    /// One account: about 35 users and 60 roles.
    Small,
    /// One account: about 300 users and 1,000 roles.
    Medium,
    /// One account: about 3,000 users, 10,000 roles and 5,000 customer-managed policies.
    Large,
    /// An organization of 100 accounts in OUs, with SCPs, RCPs and IAM Identity Center.
    Org,
}

impl Size {
    /// Every size, smallest first.
    pub const ALL: [Size; 4] = [Size::Small, Size::Medium, Size::Large, Size::Org];

    /// The size's name: `small`, `medium`, `large` or `org`.
    pub fn as_str(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
            Size::Org => "org",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Size {
    type Err = String;

    fn from_str(text: &str) -> Result<Size, String> {
        Size::ALL
            .into_iter()
            .find(|size| size.as_str() == text)
            .ok_or_else(|| format!("unknown size `{text}` (expected small, medium, large or org)"))
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The seed: the same seed and options give the same bytes.
    pub seed: u64,
    /// The size.
    pub size: Size,
    /// For [`Size::Org`], keep only this many of its 100 accounts (at least 11: the seven
    /// foundational accounts and a production, development, sandbox and suspended one). The
    /// accounts kept are generated exactly as in the full organization. Ignored otherwise.
    pub org_accounts: Option<usize>,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The seed.
    pub seed: u64,
    /// The size.
    pub size: Size,
    /// Accounts in the environment (those of the organization that are not collected, such
    /// as closed accounts, included).
    pub accounts: usize,
    /// Accounts whose IAM and resources are in the bundle.
    pub collected_accounts: usize,
    /// IAM users.
    pub users: usize,
    /// IAM groups.
    pub groups: usize,
    /// IAM roles.
    pub roles: usize,
    /// Customer-managed policies.
    pub policies: usize,
    /// Resources in the bundle (buckets, keys, queues, topics, functions, secrets).
    pub resources: usize,
    /// Workloads in the bundle (Lambda functions, EC2 instances, CodeBuild projects,
    /// CloudFormation stacks), each with the role it runs as.
    pub workloads: usize,
    /// Principals that are administrator-equivalent by construction.
    pub admin_equivalent: usize,
    /// Principals with an escalation path to an administrator.
    pub escalations: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Generates an environment of `size` from `seed` into the directory `out` (created if
/// needed; files already there are overwritten, others left alone).
pub fn generate(seed: u64, size: Size, out: &Path) -> io::Result<Summary> {
    generate_with(&Options { seed, size, org_accounts: None }, out)
}

/// Generates an environment as `options` say into the directory `out`.
pub fn generate_with(options: &Options, out_dir: &Path) -> io::Result<Summary> {
    let size = options.size;
    let world = world::build(options.seed, size, options.org_accounts, NOW);
    let sso = sso::build(&world);
    let org_policies = if world.org.is_some() { org::policies(&world) } else { Vec::new() };
    std::fs::create_dir_all(out_dir)?;
    let mut out = Out::new(out_dir);

    let collected: Vec<&str> = world.accounts.iter().filter(|a| a.collected).map(|a| a.id.as_str()).collect();
    let organization = match &world.org {
        Some(_) => json!({"status": "collected", "id": world.org_id}),
        None => json!({"status": "not-collected", "id": world.org_id}),
    };
    out.json(
        "bundle.json",
        &json!({
            "format": "remit-aws-bundle",
            "version": 1,
            "collectedAt": out::iso_z(NOW),
            "collector": concat!("remit-gen ", env!("CARGO_PKG_VERSION")),
            "generator": {"seed": options.seed, "size": size.as_str(), "orgAccounts": options.org_accounts},
            "organization": organization,
            "identityCenter": {"status": if world.org.is_some() { "collected" } else { "not-collected" }},
            "accounts": collected,
        }),
    )?;
    org::write(&mut out, &world, &org_policies)?;

    let mut summary = Summary {
        seed: options.seed,
        size,
        accounts: world.accounts.len(),
        collected_accounts: collected.len(),
        users: 0,
        groups: 0,
        roles: 0,
        policies: 0,
        resources: 0,
        workloads: 0,
        admin_equivalent: 0,
        escalations: 0,
        files: 0,
        bytes: 0,
    };
    let mut truth = truth::Truth::new();
    for (idx, account) in world.accounts.iter().enumerate() {
        if !account.collected {
            continue;
        }
        let built = plan::build(&world, idx, &sso);
        write::account(&mut out, &built.plan)?;
        workloads::write(&mut out, &built.plan, account.region)?;
        let plan = &built.plan;
        summary.workloads += plan.workloads.len();
        summary.users += plan.users.len();
        summary.groups += plan.groups.len();
        summary.roles += plan.roles.len();
        summary.policies += plan.policies.len();
        summary.resources +=
            plan.resources.iter().filter(|r| r.kind != ResourceKind::Function || r.policy.is_some()).count();
        let guardrails = org::applying(&world, &org_policies, idx);
        truth.add_account(&world, idx, &sso, plan, &built.planted, &guardrails);
    }
    if world.org.is_some() {
        sso::write(&mut out, &world, &sso)?;
    }
    let (admins, escalations) = truth.finish(&world, size.as_str(), &org_policies, &mut out)?;
    summary.admin_equivalent = admins;
    summary.escalations = escalations;
    summary.files = out.files;
    summary.bytes = out.bytes;
    Ok(summary)
}
