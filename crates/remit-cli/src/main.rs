//! The `remit` command: argv in, the engines wired together, an exit code out.
//!
//! Only this crate knows argv; everything it runs is a library call, so the HTTP API and the
//! console (later) reach the same answers through the same functions.

use std::{
    fs::{self, File},
    io::{self, BufReader, BufWriter, IsTerminal, Write},
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod activity;
mod cloud_logs;
mod cloud_usage;
mod demo;
mod estate;
mod queries;
mod scan;
mod service;

use crate::queries::Format;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit statuses, published in `--help`.
const EXIT_OK: u8 = 0;
const EXIT_SOME_FAILED: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "remit",
    version,
    about = "Who can do what, on which cloud resource, why, and do they use it",
    after_help = "Exit status: 0 success; 1 some inputs were rejected (each reported); 2 error; 3 `remit scan --fail-on` found open findings at or above the level."
)]
struct Cli {
    /// Where Remit keeps its data (the store, first-seen times); default $XDG_DATA_HOME/remit,
    /// else ~/.local/share/remit.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// The database: `postgres://user@host/db` for a team's shared store (default: SQLite in
    /// the data directory). Also read from REMIT_DATABASE_URL.
    #[arg(long, global = true, env = "REMIT_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every principal that can perform ACTION on RESOURCE, and how (groups, role chains,
    /// resource policies, other accounts, anyone).
    #[command(after_help = "\
Examples:
  remit who-can s3:GetObject arn:aws:s3:::finance-reports/q3.csv --env ./my-org
  remit who-can iam:PassRole arn:aws:iam::111122223333:role/admin --env authorization-details.json --format json

A principal is `allowed`, or `conditional` when the grant depends on request context that is
not known in advance (source IP, MFA, time ...): the conditions are listed.")]
    WhoCan {
        /// The action, `service:Action`.
        action: String,
        /// The resource's ARN (`*` for actions that take no resource).
        resource: String,
        #[command(flatten)]
        input: Input,
    },
    /// The people behind every cloud identity: each person (from the HR feed, Okta and Entra
    /// ID) with their identities in AWS, Azure and Google Cloud, how each is known to be theirs,
    /// and the non-human identities they own; or one person's access everywhere.
    #[command(after_help = "\
Each identity is tied to a person by the identity provider's subject, an Okta app assignment, the
employee id, or an email / user principal name (high confidence), an alias (medium) or a name
(low); machines are tied to an owner (Entra owners, owner tags). Rules: docs/people.md.

Examples:
  remit people --env ./estate
  remit people alice@corp.com --env ./estate
  remit what-can person:alice@corp.com --env ./estate --format json")]
    People {
        /// One person (an email, an alias, an employee id or a name).
        query: Option<String>,
        #[command(flatten)]
        input: Input,
    },
    /// Everything PRINCIPAL can do: its effective permissions per service and access level,
    /// expandable to actions and resources.
    #[command(after_help = "\
Examples:
  remit what-can arn:aws:iam::111122223333:role/deploy --env ./my-org
  remit what-can arn:aws:iam::111122223333:user/alice --service s3 --expand --env ./my-org
  remit what-can arn:aws:iam::111122223333:user/alice --access-level \"Permissions management\" --env ./my-org --format json
  remit what-can alice@corp.onmicrosoft.com --env ./estate          # an Entra user: role assignments, deny assignments, PIM
  remit what-can serviceAccount:deployer@prod.iam.gserviceaccount.com --env ./estate
  remit what-can person:alice@corp.com --env ./estate                # one person, every cloud

Azure and Google Cloud answer in entitlements: the actions (or patterns, with what NotActions
subtracts) each grant gives on a scope and everything under it, eligible (PIM) grants marked.")]
    WhatCan {
        /// The principal: an AWS ARN; an Entra object id, user principal name or app id; a
        /// Google Cloud member (user:..., serviceAccount:...); or person:EMAIL for every cloud.
        principal: String,
        /// Only this service prefix (`s3`, `iam` ...).
        #[arg(long)]
        service: Option<String>,
        /// Only this resource (an ARN).
        #[arg(long)]
        resource: Option<String>,
        /// Only this access level: List, Read, Write, "Permissions management", Tagging.
        #[arg(long)]
        access_level: Option<String>,
        /// List every action with its resources, not only the summary.
        #[arg(long)]
        expand: bool,
        #[command(flatten)]
        input: Input,
    },
    /// Why PRINCIPAL can or cannot perform ACTION on RESOURCE: every statement of every layer.
    #[command(after_help = "\
Examples:
  remit explain arn:aws:iam::111122223333:user/alice s3:GetObject arn:aws:s3:::data/x --env ./my-org")]
    Explain {
        /// The principal's ARN (a user or a role).
        principal: String,
        /// The action, `service:Action`.
        action: String,
        /// The resource's ARN.
        resource: String,
        #[command(flatten)]
        input: Input,
    },
    /// Who can assume ROLE, directly or through a chain of roles; or, with --from, which roles
    /// PRINCIPAL can become.
    #[command(after_help = "\
Examples:
  remit can-become arn:aws:iam::111122223333:role/admin --env ./my-org
  remit can-become --from arn:aws:iam::111122223333:user/bob --env ./my-org")]
    CanBecome {
        /// The role's ARN.
        #[arg(required_unless_present = "from", conflicts_with = "from")]
        role: Option<String>,
        /// List the roles this principal can become instead.
        #[arg(long)]
        from: Option<String>,
        #[command(flatten)]
        input: Input,
    },
    /// Resources (and role trust policies) that let principals outside the environment, or
    /// anyone, in, with the granting statement.
    Exposure {
        #[command(flatten)]
        input: Input,
    },
    /// Find the risks in an environment, ranked: administrators, privilege-escalation paths,
    /// external and public access, over-permission, inactive identities, credential hygiene,
    /// toxic combinations.
    #[command(after_help = "\
Every finding has a stable id (rmt-...), a severity with its rationale, the principals and
resources, the evidence (the statements of every layer, the facts read) and the fix. Rules,
severities and escalation techniques: docs/findings.md; output formats: docs/report-formats.md.

Examples:
  remit scan ./my-org
  remit scan authorization-details.json --format json > findings.json
  remit scan ./my-org --format html --out report.html
  remit scan ./my-org --format ocsf --out findings.ocsf.jsonl
  remit scan ./my-org --fail-on high --suppressions remit-suppressions.toml --rules sod.toml

A suppressions file holds [[suppress]] tables: id = \"rmt-...\", reason = \"...\", optional
by = \"...\" and expires = \"2027-03-31\". A rules file holds [[rule]] tables: id, title,
optional severity and rationale, and two or more [[rule.requires]] with action and resource.

Exit status: 0 done; 2 error; 3 open findings at or above --fail-on.")]
    Scan(scan::ScanArgs),
    /// Read activity logs into Remit's store (usage rollups per principal, action and resource).
    Ingest {
        #[command(subcommand)]
        command: IngestCommand,
    },
    /// What PRINCIPAL did, per action and resource: first and last seen, successful and denied
    /// requests, and who was behind a role's sessions.
    #[command(after_help = "\
Examples:
  remit usage arn:aws:iam::111122223333:role/deploy
  remit usage arn:aws:iam::111122223333:user/alice --format json

A role's sessions count toward the role (its IAM ARN, with its path).")]
    Usage {
        /// The principal's IAM ARN.
        principal: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What PRINCIPAL is granted (decided by the engine, every layer) and did not use in the
    /// window, per service and action, with its Permission Creep Index.
    #[command(after_help = "\
The window ends at --as-of, by default the last event ingested (so that logs exported some
time ago are judged on their own period). Formula of the index: docs/activity.md.

Examples:
  remit unused arn:aws:iam::111122223333:role/deploy --env ./my-org
  remit unused arn:aws:iam::111122223333:user/alice --env ./my-org --days 30 --format json")]
    Unused {
        /// The principal's IAM ARN.
        principal: String,
        /// The window, in days.
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// The end of the window (2026-03-01 or 2026-03-01T09:00:00Z).
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        input: Input,
    },
    /// A least-privilege policy for PRINCIPAL from its observed activity, verified by replaying
    /// every observed request against it; as JSON, `aws iam` commands or Terraform.
    #[command(after_help = "\
Examples:
  remit rightsize arn:aws:iam::111122223333:role/deploy --env ./my-org
  remit rightsize arn:aws:iam::111122223333:role/deploy --env ./my-org --format terraform > deploy.tf
  remit rightsize arn:aws:iam::111122223333:role/deploy --env ./my-org --grow 's3:Get*' --format cli
  remit rightsize --all --env ./my-org    # every principal with activity: how much would go

Exit status: 0 every observed request is still allowed; 1 some are not (listed with --format json).")]
    Rightsize {
        /// The principal's IAM ARN.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        principal: Option<String>,
        /// Right-size every user and role with activity in the window, and sum what it removes.
        #[arg(long)]
        all: bool,
        /// The window of activity to keep, in days.
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// The end of the window (default: the last event ingested).
        #[arg(long)]
        as_of: Option<String>,
        /// Also keep these actions (patterns such as `s3:Get*`) where the principal holds them.
        #[arg(long = "grow")]
        growth: Vec<String>,
        /// The environment (bundle or authorization-details file); without it, a snapshot of
        /// the store (the newest, or the one --at, --snapshot and --name select).
        #[arg(long)]
        env: Option<PathBuf>,
        #[command(flatten)]
        at: service::AtArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = activity::RightsizeFormat::Table)]
        format: activity::RightsizeFormat,
    },
    /// The Permission Creep Index of every user and role of the environment: its distribution,
    /// per account, and the principals with the most unused risky access.
    #[command(after_help = "\
Examples:
  remit creep --env ./my-org
  remit creep --env ./my-org --days 30 --format json")]
    Creep {
        /// The window, in days.
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// The end of the window (default: the last event ingested).
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        input: Input,
    },
    /// Collect a cloud environment into a bundle that every query reads.
    Collect {
        #[command(subcommand)]
        command: CollectCommand,
    },
    /// Amazon Web Services.
    Aws {
        #[command(subcommand)]
        command: AwsCommand,
    },
    /// Analyse a generated demo organization: exposure, who can read a public bucket, the
    /// most-assumable role, a week of its CloudTrail activity (creep index, right-sized
    /// policies); then the commands to keep asking.
    #[command(after_help = "\
The demo organization (12 accounts in OUs, with SCPs, RCPs, IAM Identity Center, users, groups,
roles, managed and inline policies, buckets, keys, queues, topics, functions and secrets) is
generated from the seed into OUT (default: a directory in the system's temporary directory)
unless it is already there, then analysed exactly as a collected organization would be.

It is then captured into the demo's own store (OUT/data) as two snapshots a month apart,
with users admin, analyst (security-analyst) and auditor, and the console is served.

Examples:
  remit demo
  remit demo --out ./demo-org --seed 7 --listen 127.0.0.1:9000
  REMIT_DEMO_PASSWORD='correct horse battery' remit demo
  remit demo --no-serve")]
    Demo {
        /// Where to write (or find) the demo bundle.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The seed of the generated organization.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where the console listens.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Analyse and print, do not serve.
        #[arg(long)]
        no_serve: bool,
        /// The demo users' password (also REMIT_DEMO_PASSWORD; default: a random one, printed).
        #[arg(long, env = "REMIT_DEMO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Capture an environment (a bundle or an authorization-details file) as a snapshot in the
    /// store: every query can then ask about it with --at or --snapshot, and `remit diff`
    /// compares snapshots.
    #[command(after_help = "\
Only what changed since the environment's previous snapshot is stored: files are kept as
content-addressed blobs (an account's export entry by entry), principals, their effective
permissions and findings as versions; unchanged ones are shared, not copied. The snapshot
commits in one transaction: an interrupted capture leaves the store as it was.

Examples:
  remit snapshot ./my-org
  remit snapshot ./my-org --name prod --taken-at 2026-03-01
  remit who-can s3:GetObject arn:aws:s3:::payroll/x --at 2026-03-01
  remit --database postgres://remit@db/remit snapshot ./my-org")]
    Snapshot {
        /// The bundle directory or authorization-details file.
        path: PathBuf,
        /// The environment's name in the store (default: the directory's name).
        #[arg(long)]
        name: Option<String>,
        /// When it was collected (default: the bundle's collectedAt, else now).
        #[arg(long)]
        taken_at: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the snapshots in the store, newest first.
    Snapshots {
        /// Only this environment.
        #[arg(long)]
        name: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What changed between two snapshots: principals, effective permissions and findings
    /// added and removed.
    #[command(after_help = "\
Examples:
  remit diff            # the newest snapshot against the one before it
  remit diff 3 7
  remit diff 3 7 --format json")]
    Diff {
        /// The older snapshot (default: the one before TO).
        from: Option<i64>,
        /// The newer snapshot (default: the newest).
        to: Option<i64>,
        /// The environment (default: the one most recently captured).
        #[arg(long)]
        name: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Serve the HTTP API (OpenAPI at /api/openapi.json) and the web console.
    #[command(after_help = "\
Sign-in: local accounts (`remit user add`), OIDC single sign-on (--oidc-issuer ...), and API
tokens (`remit token create`, or the console). Every route is authorized by Cedar policies
for the caller's role; refusals and every change are recorded in the audit trail. Stateless:
several instances can serve one PostgreSQL database (--database).

Examples:
  remit user add alice --role admin          # password from REMIT_PASSWORD or standard input
  remit serve
  remit serve --listen 0.0.0.0:8443 --database postgres://remit@db/remit
  REMIT_OIDC_CLIENT_SECRET=... remit serve --oidc-issuer https://idp.example.com --oidc-client-id remit --oidc-redirect-url https://remit.example.com/auth/oidc/callback")]
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Do not mark cookies Secure (only behind a TLS-terminating proxy on another host).
        #[arg(long)]
        insecure_cookies: bool,
        #[command(flatten)]
        oidc: service::OidcArgs,
    },
    /// Remit's own users (who may sign in to the console and the API).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens: scoped, expiring, stored hashed.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Remit's audit trail: every change made through Remit, hash-chained.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Generate synthetic environments to test and benchmark with.
    Generate {
        #[command(subcommand)]
        command: GenerateCommand,
    },
}

#[derive(Subcommand)]
enum IngestCommand {
    /// Read CloudTrail logs: files (.json.gz as CloudTrail delivers them, .json, JSON Lines),
    /// directories (walked; digest files skipped) and s3://bucket/prefix.
    #[command(after_help = "\
Files are recognised by the SHA-256 of their bytes: ingesting the same logs again counts
nothing twice. Each batch of files is committed with its ledger in one transaction. A
truncated gzip or a malformed record is reported with the file and offset; the rest is read.
S3 is read with the default AWS credentials (read-only: s3:ListBucket and s3:GetObject on the
trail's prefix, see crates/remit-aws-collect/trail-reader-policy.json).

Examples:
  remit ingest cloudtrail ./AWSLogs
  remit ingest cloudtrail s3://org-trail-bucket/AWSLogs/o-abc123/
  remit ingest cloudtrail 111122223333_CloudTrail_us-east-1_20260227T1005Z_AbC.json.gz --format json

Exit status: 0 all read; 1 some files or records had problems (reported; the rest is stored); 2 error.")]
    Cloudtrail {
        /// Files, directories or s3://bucket/prefix.
        #[arg(required = true)]
        paths: Vec<String>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Read Azure's Activity Log (`az monitor activity-log list`, diagnostic-setting exports
    /// as JSON Lines or Event Hub records, Log Analytics rows) and Entra sign-in logs.
    #[command(after_help = "\
Each call counts toward the caller's Entra object id, with the RBAC action it needed and the
resource; sign-ins count as activity of the identity (docs/activity.md, Azure). Files are
recognised by their SHA-256: ingesting them again counts nothing twice.

Examples:
  remit ingest azure ./activity-log-export/
  remit ingest azure signins.json activity.json --format json

Exit status: 0 all read; 1 some files or records had problems (reported; the rest is stored); 2 error.")]
    Azure {
        /// Files or directories (.json, .jsonl, .json.gz ...).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Read Google Cloud audit logs (`gcloud logging read --format=json`, Cloud Storage sink
    /// JSON Lines, BigQuery rows).
    #[command(after_help = "\
Each permission check (`authorizationInfo`) counts toward the caller's member (`user:` or
`serviceAccount:`), granted or denied (docs/activity.md, Google Cloud). Files are recognised by
their SHA-256: ingesting them again counts nothing twice.

Examples:
  remit ingest gcp ./audit-logs/
  remit ingest gcp activity.json --format json

Exit status: 0 all read; 1 some files or records had problems (reported; the rest is stored); 2 error.")]
    Gcp {
        /// Files or directories (.json, .jsonl, .json.gz ...).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Generate realistic CloudTrail logs for an environment: every successful call one the
    /// engine allows, denied attempts, sessions, daily patterns, errors, as CloudTrail delivers
    /// them (gzip files in the trail's key layout), with activity-truth.json of what was written.
    #[command(after_help = "\
Each user and role uses a sample of what it holds (some nothing at all); people work weekdays
in their time zone, machines around the clock. The same environment, seed and options always
give the same bytes. The truth file is documented in docs/generator.md.

Examples:
  remit generate aws-org --size small --out ./gen-small
  remit generate cloudtrail --env ./gen-small --out ./gen-small-trail --events 200000
  remit ingest cloudtrail ./gen-small-trail")]
    Cloudtrail {
        /// The environment whose principals act.
        #[arg(long)]
        env: PathBuf,
        /// Where to write the log files (a new or empty directory).
        #[arg(long)]
        out: PathBuf,
        /// About how many records.
        #[arg(long, default_value_t = 100_000)]
        events: u64,
        /// Days of activity.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// The end of the period (default 2026-03-01T09:00:00Z, when generated environments are collected).
        #[arg(long)]
        end: Option<String>,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write into OUT even when it is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Generate Azure, Google Cloud and the people behind them into a bundle (beside an AWS
    /// bundle already there, whose Identity Center users become the first people), with ground
    /// truths of what each holds by construction.
    #[command(after_help = "\
Sizes:
  demo   a tenant of ~60 users and 3 subscriptions, an organization of a few projects, ~40 people,
         with a week of Azure Activity Log, Entra sign-ins and Cloud Audit Logs
  large  20,000 users, 5,000 service principals, 200 subscriptions and 100,000 role assignments;
         500 projects, ~20,000 members and 100,000 grants; no activity

The same seed and size always give the same bytes (docs/generator.md).

Examples:
  remit generate aws-org --size org --out ./estate
  remit generate estate --out ./estate --force
  remit what-can person:<someone>@example.com --env ./estate")]
    Estate {
        /// The bundle directory (new, or holding an AWS bundle with --force).
        #[arg(long)]
        out: PathBuf,
        /// demo or large.
        #[arg(long, default_value = "demo")]
        size: String,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write into OUT even when it is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Generate a realistic AWS environment bundle from a seed, with a ground truth of what it
    /// holds by construction (administrators, who can assume which role, escalation paths).
    #[command(after_help = "\
Sizes:
  small   one account: ~35 users, ~60 roles, ~30 customer-managed policies
  medium  one account: ~300 users, ~1,000 roles, ~500 policies
  large   one account: ~3,000 users, ~10,000 roles, ~5,000 policies
  org     100 accounts in OUs, with SCPs, RCPs and IAM Identity Center

The same seed and size always give the same bytes. The bundle is laid out as
docs/environment-bundle.md describes; ground-truth.json is documented in docs/generator.md.

Examples:
  remit generate aws-org --size small --seed 1 --out ./gen-small
  remit generate aws-org --size org --seed 7 --out ./gen-org --format json
  remit exposure --env ./gen-small")]
    AwsOrg {
        /// How big an environment.
        #[arg(long, value_enum, default_value_t = GenerateSize::Small)]
        size: GenerateSize,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write the bundle (a new or empty directory).
        #[arg(long)]
        out: PathBuf,
        /// Write into OUT even when it is not empty (files of the same name are replaced).
        #[arg(long)]
        force: bool,
        /// Keep only this many of the org size's accounts (for tests).
        #[arg(long, hide = true)]
        org_accounts: Option<usize>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

/// The sizes of `remit generate aws-org`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum GenerateSize {
    Small,
    Medium,
    Large,
    Org,
}

/// How to print what `remit generate` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SummaryFormat {
    /// One line for people.
    Text,
    /// A JSON object for programs.
    Json,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a local user; the password comes from REMIT_PASSWORD or standard input.
    #[command(
        after_help = "Examples:\n  REMIT_PASSWORD='a long passphrase' remit user add alice --role admin\n  echo 'a long passphrase' | remit user add bob --role auditor"
    )]
    Add {
        /// The user name.
        name: String,
        /// admin, security-analyst, auditor, approver or requester.
        #[arg(long)]
        role: String,
        /// The name shown in the console.
        #[arg(long)]
        display: Option<String>,
        /// The user's email.
        #[arg(long)]
        email: Option<String>,
    },
    /// List users.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Change a user's role.
    SetRole {
        /// The user name.
        name: String,
        /// The new role.
        role: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; printed once (only its hash is stored).
    #[command(
        after_help = "Examples:\n  remit token create --user ci --name nightly-export --scope read --scope export --days 30\n  curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/findings"
    )]
    Create {
        /// The user it acts as.
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long)]
        name: String,
        /// Remit actions it may perform (read, read_audit, export, suppress, ...), never more
        /// than the user's role allows.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Days until it expires.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain: every modified, deleted or reordered record is reported.
    #[command(
        after_help = "Exit status: 0 intact; 1 problems found (listed).\n\nKeep the head hash it prints somewhere else (a ticket, a SIEM): with --expect-head, removing\nthe newest records is detected too."
    )]
    Verify {
        /// The head hash recorded earlier: the trail must still contain it.
        #[arg(long)]
        expect_head: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the whole trail to standard output.
    Export {
        /// jsonl (one JSON object per line) or cef (syslog / SIEM).
        #[arg(long, value_enum, default_value_t = service::AuditFormat::Jsonl)]
        format: service::AuditFormat,
    },
}

#[derive(Subcommand)]
enum CollectCommand {
    /// Collect a live AWS organization (or one account) into an environment bundle, read-only.
    #[command(after_help = "\
Remit reads with the current credentials (or --profile) and, with --role, assumes that role
in each member account. It only reads: the exact IAM policy it needs is printed by
`remit collect aws --print-policy`; attach it to the caller and to the member role.

Examples:
  remit collect aws --profile audit --role RemitCollector --out ./my-org
  remit collect aws --regions eu-west-1,us-east-1 --out ./one-account
  remit who-can s3:GetObject arn:aws:s3:::payroll/2026.csv --env ./my-org

The bundle is written to OUT.partial and renamed to OUT when complete; calls that fail are
listed in OUT/bundle.json and the collection goes on (exit status 1 when there were any).")]
    Aws {
        /// Where to write the bundle (a new directory).
        #[arg(long, required_unless_present = "print_policy")]
        out: Option<PathBuf>,
        /// The AWS profile to read with.
        #[arg(long)]
        profile: Option<String>,
        /// The role to assume in each member account (its name, e.g. RemitCollector).
        #[arg(long)]
        role: Option<String>,
        /// The home region (default: the profile's).
        #[arg(long)]
        region: Option<String>,
        /// The regions to collect regional resources from, comma-separated (default: the home region).
        #[arg(long, value_delimiter = ',')]
        regions: Vec<String>,
        /// Only these accounts, comma-separated (default: every account of the organization).
        #[arg(long, value_delimiter = ',')]
        accounts: Vec<String>,
        /// Replace OUT if it is an earlier bundle.
        #[arg(long)]
        overwrite: bool,
        /// Send every request to this endpoint (for tests against an emulator).
        #[arg(long, hide = true)]
        endpoint_url: Option<String>,
        /// Print the read-only IAM policy the collector needs, and exit.
        #[arg(long)]
        print_policy: bool,
    },
    /// Collect a live Entra tenant and its Azure estate (Resource Manager and Microsoft Graph),
    /// read-only, into OUT/azure/<tenant-id>/.
    #[command(after_help = "\
Remit signs in as an app registration with a client secret (OAuth2 client credentials), or uses
access tokens you give it. It only reads: the custom Azure role it needs is printed by
`remit collect azure --print-role` (assign it at the tenant root management group), and the
Microsoft Graph application permissions with it (Directory.Read.All, RoleManagement.Read.Directory,
Application.Read.All). Setup: docs/collect-azure-gcp.md.

Examples:
  REMIT_AZURE_CLIENT_SECRET=... remit collect azure --tenant 72f988bf-... --client-id 1b7a... --out ./estate
  REMIT_AZURE_ARM_TOKEN=$(az account get-access-token --query accessToken -o tsv) \\
  REMIT_AZURE_GRAPH_TOKEN=$(az account get-access-token --resource-type ms-graph --query accessToken -o tsv) \\
    remit collect azure --tenant 72f988bf-... --out ./estate
  remit who-can Microsoft.Storage/storageAccounts/listKeys/action /subscriptions/... --env ./estate

The collection is written to a temporary directory and moved into place only when complete.")]
    Azure {
        /// The bundle directory to write into (its azure/<tenant-id>/ is replaced).
        #[arg(long, required_unless_present = "print_role")]
        out: Option<PathBuf>,
        /// The Entra tenant id.
        #[arg(long, required_unless_present = "print_role")]
        tenant: Option<String>,
        /// The app registration's client id (with REMIT_AZURE_CLIENT_SECRET).
        #[arg(long)]
        client_id: Option<String>,
        /// The client secret (from the environment only: never on the command line).
        #[arg(long = "client-secret-from-env", env = "REMIT_AZURE_CLIENT_SECRET", hide_env_values = true, hide = true)]
        client_secret: Option<String>,
        /// An access token for Azure Resource Manager, instead of a client secret.
        #[arg(long = "arm-token-from-env", env = "REMIT_AZURE_ARM_TOKEN", hide_env_values = true, hide = true)]
        arm_token: Option<String>,
        /// An access token for Microsoft Graph, instead of a client secret.
        #[arg(long = "graph-token-from-env", env = "REMIT_AZURE_GRAPH_TOKEN", hide_env_values = true, hide = true)]
        graph_token: Option<String>,
        /// Only these subscriptions, comma-separated (default: every one the app can read).
        #[arg(long, value_delimiter = ',')]
        subscriptions: Vec<String>,
        /// Print the read-only custom role and the Graph permissions the collector needs, and exit.
        #[arg(long)]
        print_role: bool,
    },
    /// Collect a live Google Cloud organization (Cloud Asset Inventory, Resource Manager, IAM,
    /// Cloud Identity), read-only, into OUT/gcp/<organization-id>/.
    #[command(after_help = "\
Remit reads with a service account key (--key-file) or an access token you give it
(REMIT_GCP_ACCESS_TOKEN, e.g. from `gcloud auth print-access-token`, with --quota-project). It
only reads: the custom role it needs is printed by `remit collect gcp --print-role` (grant it on
the organization). Setup: docs/collect-azure-gcp.md.

Examples:
  remit collect gcp --organization 123456789012 --key-file remit-reader.json --out ./estate
  REMIT_GCP_ACCESS_TOKEN=$(gcloud auth print-access-token) remit collect gcp --organization 123456789012 --quota-project my-proj --out ./estate

The collection is written to a temporary directory and moved into place only when complete.")]
    Gcp {
        /// The bundle directory to write into (its gcp/<organization-id>/ is replaced).
        #[arg(long, required_unless_present = "print_role")]
        out: Option<PathBuf>,
        /// The organization's numeric id.
        #[arg(long, required_unless_present = "print_role")]
        organization: Option<String>,
        /// A service account's JSON key file.
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// An access token, instead of a key file (from the environment only).
        #[arg(long = "access-token-from-env", env = "REMIT_GCP_ACCESS_TOKEN", hide_env_values = true, hide = true)]
        access_token: Option<String>,
        /// The project billed for the API calls when the token is a user's own.
        #[arg(long)]
        quota_project: Option<String>,
        /// Skip Cloud Identity group memberships (needs the Workspace Groups Reader role).
        #[arg(long)]
        no_groups: bool,
        /// Print the read-only custom role the collector needs, and exit.
        #[arg(long)]
        print_role: bool,
    },
}

#[derive(Subcommand)]
enum AwsCommand {
    /// Decide AWS requests exactly as AWS would: JSON Lines of cases in, one decision per line out.
    #[command(after_help = "\
Each input line is a case: a request (principal, action, resource, context) and the policies
that apply (identity, permissions boundary, session, SCPs per level, resource policy, RCPs per
level). Each output line is {\"id\":...,\"decision\":\"Allowed\"|\"ImplicitlyDenied\"|\"ExplicitlyDenied\"},
or {\"id\":...,\"error\":\"<JSON path>: <problem>\"} for a line that is not a valid case.
The format is documented in docs/aws-decide.md.

Examples:
  remit aws decide examples/aws-decide.jsonl
  remit aws decide --explain examples/aws-decide.jsonl
  remit aws decide examples/aws-decide-malformed.jsonl   # an error naming the JSON path, exit 1
  echo '{\"id\":\"1\",\"request\":{\"principal\":\"arn:aws:iam::111122223333:user/alice\",\"action\":\"s3:GetObject\",\"resource\":\"arn:aws:s3:::b/k\"},\"identityPolicies\":[{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}}]}' | remit aws decide

Exit status: 0 every line decided; 1 some lines were not valid cases; 2 the input could not be read.")]
    Decide {
        /// Also list the statements that matched and the layer that decided.
        #[arg(long)]
        explain: bool,
        /// Print each answer as indented JSON (for reading, not for piping).
        #[arg(long)]
        pretty: bool,
        /// The JSON Lines file of cases; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Load an environment and list every import issue: the file, the JSON path and the problem.
    #[command(after_help = "\
Import is strict but forgiving: an unknown field is ignored; a malformed policy or entry is an
issue naming its file and JSON path, the principal or resource it belongs to is marked
incomplete (never silently allowed or denied), and the rest imports.

Examples:
  remit aws check --env ./bundle
  remit aws check --env authorization-details.json --format json

Exit status: 0 no issue; 1 some issues (the environment still loads); 2 it cannot be loaded.")]
    Check {
        #[command(flatten)]
        input: Input,
    },
}

/// What every query reads, and how it answers.
#[derive(Debug, clap::Args)]
struct Input {
    /// The environment: a bundle directory (docs/environment-bundle.md) or one
    /// `aws iam get-account-authorization-details` file. Without it, the newest snapshot in
    /// the store (or the one --at, --snapshot and --name select).
    #[arg(long)]
    env: Option<PathBuf>,
    #[command(flatten)]
    at: service::AtArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn main() -> ExitCode {
    // `remit ... | head`: printing into a closed pipe makes `println!` panic; that is the reader
    // having read enough, not an error (exit 0, nothing printed). Every other panic keeps the
    // default report.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(EXIT_OK));
        }
        default_hook(info);
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`remit ... | head`) is not an error.
            if err.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
                return ExitCode::from(EXIT_OK);
            }
            eprintln!("remit: error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let data_dir = cli.data_dir.as_deref();
    service::set_database(cli.database.clone());
    let env_of = |input: &Input| input.at.resolve(input.env.as_deref(), data_dir);
    match cli.command {
        Command::Snapshot { path, name, taken_at, format } => {
            service::snapshot(&path, name.as_deref(), taken_at.as_deref(), data_dir, format)
        }
        Command::Snapshots { name, format } => service::snapshots(name.as_deref(), data_dir, format),
        Command::Diff { from, to, name, format } => service::diff(from, to, name.as_deref(), data_dir, format),
        Command::Serve { listen, insecure_cookies, oidc } => {
            service::serve(listen, insecure_cookies, &oidc, data_dir, |addr| {
                eprintln!("remit: serving the API and console on http://{addr}/ (Ctrl-C stops)")
            })
        }
        Command::User { command: UserCommand::Add { name, role, display, email } } => {
            service::user_add(&name, &role, display.as_deref(), email.as_deref(), data_dir)
        }
        Command::User { command: UserCommand::List { format } } => service::user_list(data_dir, format),
        Command::User { command: UserCommand::SetRole { name, role } } => {
            service::user_set_role(&name, &role, data_dir)
        }
        Command::Token { command: TokenCommand::Create { user, name, scopes, days } } => {
            service::token_create(&user, &name, &scopes, days, data_dir)
        }
        Command::Audit { command: AuditCommand::Verify { expect_head, format } } => {
            service::audit_verify(expect_head.as_deref(), data_dir, format)
        }
        Command::Audit { command: AuditCommand::Export { format } } => service::audit_export(format, data_dir),
        Command::Ingest { command: IngestCommand::Cloudtrail { paths, format } } => {
            activity::ingest(&paths, data_dir, format)
        }
        Command::Ingest { command: IngestCommand::Azure { paths, format } } => {
            cloud_logs::ingest(cloud_logs::LogCloud::Azure, &paths, data_dir, format)
        }
        Command::Ingest { command: IngestCommand::Gcp { paths, format } } => {
            cloud_logs::ingest(cloud_logs::LogCloud::Gcp, &paths, data_dir, format)
        }
        Command::Usage { principal, format } => activity::usage_of(&principal, data_dir, format),
        Command::Unused { principal, days, as_of, input } if estate::handles_principal(&principal) => {
            cloud_usage::unused(&principal, &env_of(&input)?, days, as_of.as_deref(), data_dir, input.format)
        }
        Command::Unused { principal, days, as_of, input } => {
            activity::unused(&principal, &env_of(&input)?, days, as_of.as_deref(), data_dir, input.format)
        }
        Command::Rightsize { principal: Some(principal), all: false, days, as_of, env, at, format, .. }
            if estate::handles_principal(&principal) =>
        {
            let env = at.resolve(env.as_deref(), data_dir)?;
            cloud_usage::rightsize(&principal, &env, days, as_of.as_deref(), data_dir, format)
        }
        Command::Rightsize { principal, all, days, as_of, growth, env, at, format } => match principal {
            Some(principal) if !all => {
                let env = at.resolve(env.as_deref(), data_dir)?;
                activity::rightsize_cmd(&principal, &env, days, as_of.as_deref(), &growth, data_dir, format)
            }
            _ => {
                let env = at.resolve(env.as_deref(), data_dir)?;
                activity::rightsize_everyone(&env, days, as_of.as_deref(), &growth, data_dir, format)
            }
        },
        Command::Creep { days, as_of, input } => {
            activity::creep(&env_of(&input)?, days, as_of.as_deref(), data_dir, input.format)
        }
        Command::WhoCan { action, resource, input } if estate::handles(&action, &resource) => {
            estate::who_can(&env_of(&input)?, &action, &resource, input.format)
        }
        Command::WhoCan { action, resource, input } => {
            queries::who_can(&env_of(&input)?, &action, &resource, input.format)
        }
        Command::Explain { principal, action, resource, input } if estate::handles(&action, &resource) => {
            estate::explain(&env_of(&input)?, &principal, &action, &resource, input.format)
        }
        Command::Explain { principal, action, resource, input } => {
            queries::explain(&env_of(&input)?, &principal, &action, &resource, input.format)
        }
        Command::People { query, input } => estate::people(&env_of(&input)?, query.as_deref(), input.format),
        Command::CanBecome { role, from, input } => {
            queries::can_become(&env_of(&input)?, role.as_deref(), from.as_deref(), input.format)
        }
        Command::Exposure { input } => queries::exposure(&env_of(&input)?, input.format),
        Command::Scan(args) => {
            let env = args.at.resolve(args.path.as_deref(), data_dir)?;
            scan::run(args, &env, data_dir)
        }
        Command::WhatCan { principal, input, .. } if estate::handles_principal(&principal) => {
            estate::what_can(&env_of(&input)?, &principal, input.format)
        }
        Command::WhatCan { principal, service, resource, access_level, expand, input } => queries::what_can(
            &env_of(&input)?,
            queries::WhatCanArgs { principal: &principal, service, resource, access_level, expand },
            input.format,
        ),
        Command::Aws { command: AwsCommand::Decide { explain, pretty, file } } => decide(file, explain, pretty),
        Command::Demo { out, seed, listen, no_serve, password } => {
            demo::run(out, seed, demo::DemoServe { listen, no_serve, password })
        }
        Command::Generate { command: GenerateCommand::AwsOrg { size, seed, out, force, org_accounts, format } } => {
            generate_aws_org(size, seed, &out, force, org_accounts, format)
        }
        Command::Generate { command: GenerateCommand::Estate { out, size, seed, force } } => {
            generate_estate(&out, &size, seed, force)
        }
        Command::Generate { command: GenerateCommand::Cloudtrail { env, out, events, days, end, seed, force } } => {
            activity::generate_cloudtrail(&env, &out, events, days, end.as_deref(), seed, force)
        }
        Command::Aws { command: AwsCommand::Check { input } } => queries::check(&env_of(&input)?, input.format),
        Command::Collect {
            command:
                CollectCommand::Azure {
                    out,
                    tenant,
                    client_id,
                    client_secret,
                    arm_token,
                    graph_token,
                    subscriptions,
                    print_role,
                },
        } => {
            if print_role {
                let mut out = io::stdout().lock();
                writeln!(out, "{}", remit_azure_collect::COLLECTOR_ROLE)?;
                writeln!(out, "{}", remit_azure_collect::GRAPH_PERMISSIONS)?;
                return Ok(EXIT_OK);
            }
            let (Some(out), Some(tenant)) = (out, tenant) else {
                anyhow::bail!("--out DIR and --tenant ID are required")
            };
            let credentials = match (client_id, client_secret, arm_token, graph_token) {
                (Some(client_id), Some(secret), _, _) => remit_azure_collect::Credentials::ClientSecret {
                    client_id,
                    secret: remit_azure_collect::Secret::new(secret),
                },
                (_, _, Some(arm), Some(graph)) => remit_azure_collect::Credentials::AccessTokens {
                    arm: remit_azure_collect::Secret::new(arm),
                    graph: remit_azure_collect::Secret::new(graph),
                },
                _ => anyhow::bail!(
                    "no credentials: give --client-id with REMIT_AZURE_CLIENT_SECRET, or REMIT_AZURE_ARM_TOKEN and REMIT_AZURE_GRAPH_TOKEN"
                ),
            };
            let mut config = remit_azure_collect::Config::new(tenant, credentials);
            if !subscriptions.is_empty() {
                config.subscriptions = Some(subscriptions);
            }
            let summary = remit_azure_collect::collect_blocking(&config, &out, |m| eprintln!("remit: {m}"))?;
            println!(
                "collected tenant {} into {}: {} management group(s), {} subscription(s), {} role assignment(s), {} deny assignment(s), {} eligible, {} user(s), {} group(s), {} service principal(s)",
                config.tenant_id,
                summary.bundle.display(),
                summary.management_groups,
                summary.subscriptions,
                summary.role_assignments,
                summary.deny_assignments,
                summary.eligibility_instances,
                summary.users,
                summary.groups,
                summary.service_principals
            );
            for skipped in &summary.skipped {
                eprintln!("remit: not collected: {skipped}");
            }
            Ok(EXIT_OK)
        }
        Command::Collect {
            command:
                CollectCommand::Gcp { out, organization, key_file, access_token, quota_project, no_groups, print_role },
        } => {
            if print_role {
                writeln!(io::stdout().lock(), "{}", remit_gcp_collect::COLLECTOR_ROLE)?;
                return Ok(EXIT_OK);
            }
            let (Some(out), Some(organization)) = (out, organization) else {
                anyhow::bail!("--out DIR and --organization ID are required")
            };
            let credentials = match (key_file, access_token) {
                (Some(path), _) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read the key file `{}`", path.display()))?;
                    remit_gcp_collect::Credentials::ServiceAccountKey(
                        remit_gcp_collect::ServiceAccountKey::from_json(&text)
                            .with_context(|| format!("`{}` is not a service account key", path.display()))?,
                    )
                }
                (None, Some(token)) => {
                    remit_gcp_collect::Credentials::AccessToken(remit_gcp_collect::Secret::new(token))
                }
                (None, None) => anyhow::bail!("no credentials: give --key-file, or REMIT_GCP_ACCESS_TOKEN"),
            };
            let mut config = remit_gcp_collect::Config::new(organization, credentials);
            config.quota_project = quota_project;
            config.include_groups = !no_groups;
            let summary = remit_gcp_collect::collect_blocking(&config, &out, |m| eprintln!("remit: {m}"))?;
            println!(
                "collected organization {} into {}: {} folder(s), {} project(s), {} IAM polic(ies), {} role(s), {} deny polic(ies), {} service account(s), {} group(s)",
                config.organization_id,
                summary.bundle.display(),
                summary.folders,
                summary.projects,
                summary.iam_policies,
                summary.roles,
                summary.deny_policies,
                summary.service_accounts,
                summary.groups
            );
            for skipped in &summary.skipped {
                eprintln!("remit: not collected: {skipped}");
            }
            Ok(EXIT_OK)
        }
        Command::Collect {
            command:
                CollectCommand::Aws { out, profile, role, region, regions, accounts, overwrite, endpoint_url, print_policy },
        } => {
            if print_policy {
                writeln!(io::stdout().lock(), "{}", remit_aws_collect::COLLECTOR_POLICY)?;
                return Ok(EXIT_OK);
            }
            let Some(out) = out else { anyhow::bail!("--out DIR is required") };
            let mut config = remit_aws_collect::CollectConfig::new(out);
            config.profile = profile;
            config.member_role_name = role;
            config.region = region;
            config.regions = regions;
            config.accounts = accounts;
            config.overwrite = overwrite;
            config.endpoint_url = endpoint_url;
            let progress = remit_aws_collect::progress::terminal();
            let result = remit_aws_collect::collect_blocking(&config, &progress);
            drop(progress);
            let summary = result?;
            println!(
                "collected {} account(s) into {} ({} files; caller {})",
                summary.accounts.len(),
                summary.out_dir.display(),
                summary.files,
                summary.caller_arn
            );
            for (account, reason) in &summary.skipped_accounts {
                eprintln!("remit: skipped account {account}: {reason}");
            }
            for note in &summary.notes {
                eprintln!("remit: note: {note}");
            }
            if !summary.errors.is_empty() {
                eprintln!("remit: {} call(s) failed; see bundle.json (`errors`)", summary.errors.len());
                return Ok(EXIT_SOME_FAILED);
            }
            Ok(EXIT_OK)
        }
    }
}

fn decide(file: Option<PathBuf>, explain: bool, pretty: bool) -> anyhow::Result<u8> {
    let mut input: Box<dyn io::BufRead> = match &file {
        Some(path) if path.as_os_str() != "-" => {
            let f = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
            Box::new(BufReader::new(f))
        }
        _ => {
            if io::stdin().is_terminal() {
                eprintln!("remit: reading cases from standard input (one JSON object per line; Ctrl-D to end)");
            }
            Box::new(io::stdin().lock())
        }
    };
    let stdout = io::stdout();
    let mut output = BufWriter::new(stdout.lock());
    let summary = if pretty {
        let mut buffer = Vec::new();
        let summary =
            remit_aws_decide::decide_stream(&mut input, &mut buffer, explain).with_context(|| describe(&file))?;
        for line in buffer.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let value: serde_json::Value = serde_json::from_slice(line)?;
            serde_json::to_writer_pretty(&mut output, &value)?;
            output.write_all(b"\n")?;
        }
        output.flush()?;
        summary
    } else {
        remit_aws_decide::decide_stream(&mut input, &mut output, explain).with_context(|| describe(&file))?
    };
    if summary.errors > 0 {
        eprintln!(
            "remit: {} case(s) decided, {} line(s) rejected (see their \"error\")",
            summary.decided, summary.errors
        );
        return Ok(EXIT_SOME_FAILED);
    }
    Ok(EXIT_OK)
}

fn generate_estate(out: &Path, size: &str, seed: u64, force: bool) -> anyhow::Result<u8> {
    use remit_gen::estate::{EstateSpec, write_estate};
    let spec = match size {
        "demo" => EstateSpec::demo(seed),
        "large" => EstateSpec::large(seed),
        other => anyhow::bail!("--size `{other}`: expected demo or large"),
    };
    if out.exists()
        && !force
        && fs::read_dir(out).with_context(|| format!("cannot read `{}`", out.display()))?.next().is_some()
    {
        anyhow::bail!("`{}` is not empty (use --force to write into it, beside an AWS bundle)", out.display());
    }
    let started = std::time::Instant::now();
    let truth =
        write_estate(&spec, out).with_context(|| format!("cannot write the estate into `{}`", out.display()))?;
    println!(
        "Generated into {} in {:.1} s:\n  people: {} persons\n  azure: tenant {}, {} users, {} groups, {} service principals, {} subscriptions, {} role assignments ({} eligible)\n  gcp: organization {}, {} folders, {} projects, {} members, {} bindings, {} service accounts",
        out.display(),
        started.elapsed().as_secs_f64(),
        truth.people.persons,
        truth.azure.tenant_id,
        truth.azure.users,
        truth.azure.groups,
        truth.azure.service_principals,
        truth.azure.subscriptions,
        truth.azure.role_assignments,
        truth.azure.eligible,
        truth.gcp.organization_id,
        truth.gcp.folders,
        truth.gcp.projects,
        truth.gcp.members,
        truth.gcp.bindings,
        truth.gcp.service_accounts,
    );
    if let (Some(a), Some(g)) = (&truth.azure_activity, &truth.gcp_activity) {
        println!(
            "  activity: {} Azure records and {} sign-ins, {} Google Cloud audit records",
            a.records, a.sign_ins, g.records
        );
    }
    Ok(EXIT_OK)
}

fn generate_aws_org(
    size: GenerateSize,
    seed: u64,
    out: &Path,
    force: bool,
    org_accounts: Option<usize>,
    format: SummaryFormat,
) -> anyhow::Result<u8> {
    use remit_gen::aws_org::{Options, Size};
    if out.exists() {
        let mut entries = fs::read_dir(out).with_context(|| format!("cannot read `{}`", out.display()))?;
        if !force && entries.next().is_some() {
            anyhow::bail!("`{}` is not empty (use --force to write into it anyway)", out.display());
        }
    }
    let size = match size {
        GenerateSize::Small => Size::Small,
        GenerateSize::Medium => Size::Medium,
        GenerateSize::Large => Size::Large,
        GenerateSize::Org => Size::Org,
    };
    let summary = remit_gen::aws_org::generate_with(&Options { seed, size, org_accounts }, out)
        .with_context(|| format!("cannot write the bundle into `{}`", out.display()))?;
    let stdout = io::stdout();
    let mut stdout = stdout.lock();
    match format {
        SummaryFormat::Json => {
            let value = serde_json::json!({
                "seed": summary.seed,
                "size": summary.size.as_str(),
                "out": out.display().to_string(),
                "accounts": summary.accounts,
                "collectedAccounts": summary.collected_accounts,
                "users": summary.users,
                "groups": summary.groups,
                "roles": summary.roles,
                "policies": summary.policies,
                "resources": summary.resources,
                "adminEquivalent": summary.admin_equivalent,
                "escalations": summary.escalations,
                "files": summary.files,
                "bytes": summary.bytes,
            });
            writeln!(stdout, "{value}")?;
        }
        SummaryFormat::Text => writeln!(
            stdout,
            "generated {} (seed {}) into {}: {} account(s), {} users, {} groups, {} roles, {} policies, {} resources; \
             {} administrator-equivalent, {} with an escalation path; {} files, {:.1} MB",
            summary.size,
            summary.seed,
            out.display(),
            summary.accounts,
            summary.users,
            summary.groups,
            summary.roles,
            summary.policies,
            summary.resources,
            summary.admin_equivalent,
            summary.escalations,
            summary.files,
            summary.bytes as f64 / 1e6
        )?,
    }
    Ok(EXIT_OK)
}

fn describe(file: &Option<PathBuf>) -> String {
    match file {
        Some(path) if path.as_os_str() != "-" => format!("cannot read `{}`", path.display()),
        _ => "cannot read standard input".to_owned(),
    }
}
