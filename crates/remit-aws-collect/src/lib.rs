//! Live collection of an AWS organization into an environment bundle (`docs/environment-bundle.md`).
//!
//! [`collect`] reads, with the AWS SDK for Rust, everything Remit's queries need, and writes
//! each file in exactly the JSON the AWS CLI prints for the command the bundle layout names:
//!
//! 1. `sts get-caller-identity`: who the credentials are.
//! 2. The organization (`describe-organization`, the tree of OUs and accounts from each root,
//!    SCPs and RCPs with their contents and targets). When the caller is not in an organization,
//!    or may not read it, that is recorded and the caller's account alone is collected.
//! 3. For each account, with the caller's credentials in its own account and by assuming
//!    `arn:aws:iam::<account>:role/<member_role_name>` (session `remit-collector`) elsewhere:
//!    IAM's authorization details and credential report, S3 bucket policies, public access blocks
//!    and ACLs, and per region KMS key policies, grants and metadata, SQS queue, SNS topic,
//!    Lambda function and Secrets Manager secret policies, and the Lambda functions with the
//!    role each runs as (`list-functions`, without their environment variables).
//! 4. IAM Identity Center, when reachable: instances, permission sets and their policies,
//!    account assignments, and the identity store's users, groups and memberships.
//!
//! Every list is read to its last page. Throttling and transient errors are retried by the SDK
//! (adaptive or standard retry with exponential backoff, [`CollectConfig::max_attempts`]).
//! An error that means "there is none" (`NoSuchBucketPolicy`, a function without a policy ...)
//! means no file; any other error is recorded in `bundle.json` (`errors`) and collection goes
//! on. The bundle is written into `<out>.partial/` and renamed to `<out>` only when complete.
//!
//! **Not collected** (the layout marks them optional; a missing file means "not collected"):
//! the account-level S3 public access block and S3 access points (both need the `s3control`
//! SDK crate, about as large as the S3 one; left out to keep the build affordable), ECR,
//! Glacier, OpenSearch and API Gateway policies, Lambda policies on aliases and versions, and
//! the workloads other than Lambda functions (EC2 instances, CodeBuild projects, CloudFormation
//! stacks, Glue development endpoints, SageMaker notebook instances, App Runner services, ECS
//! tasks: each service's SDK crate would add minutes to the build for one or two calls; the
//! AWS CLI writes their files).
//!
//! **Security.** The collector only reads: [`COLLECTOR_POLICY`] (`collector-policy.json`) is
//! the exact IAM policy its credentials need, checked by a test against every SDK call in this
//! crate. Attach it to the caller and to a role named `RemitCollector` (or the name given as
//! [`CollectConfig::member_role_name`], adjusting the `sts:AssumeRole` resource) in each member
//! account, trusted by the caller's account. Credentials are never printed: progress messages
//! name accounts, regions and resources only, [`StaticCredentials`] hides its secret from
//! `Debug`, and no secret reaches the bundle: the collector reads Secrets Manager's resource
//! policies, never secret values, and leaves out of `functions.list.json` the environment
//! variables `lambda:ListFunctions` returns with each function.
//!
//! **Use from the CLI** (`remit collect aws --profile P --role NAME --out DIR`):
//!
//! ```text
//! let mut config = CollectConfig::new(out_dir);
//! config.profile = profile;                 // --profile
//! config.member_role_name = role;           // --role
//! config.region = region;                   // --region (home region)
//! config.regions = regions;                 // --regions a,b (empty: the home region)
//! config.accounts = accounts;               // --accounts (empty: the whole organization)
//! let progress = remit_aws_collect::progress::terminal();
//! let summary = remit_aws_collect::collect_blocking(&config, &progress)?;  // no runtime needed
//! drop(progress);                           // clears the bar
//! ```
//!
//! [`collect`] is the same inside an existing Tokio runtime. [`CollectError`] means no bundle
//! (exit 2); a summary with `errors` means a bundle with calls missing, listed in `bundle.json`.
//!
//! **CloudTrail logs in S3** (`remit ingest cloudtrail s3://bucket/prefix`):
//! [`read_trail_objects`] lists the log files under an [`S3Location`] and hands each one's bytes
//! to the caller in key order, a few downloads at a time, skipping those the caller already has.
//! It needs its own, smaller policy, [`TRAIL_READER_POLICY`] (`trail-reader-policy.json`).
//!
//! ```text
//! let location: S3Location = arg.parse()?;  // s3://bucket/prefix
//! let progress = remit_aws_collect::progress::terminal();
//! let summary = read_trail_objects(&location, &options, &progress,
//!     |key, etag| store.has(key, etag),       // true: not downloaded again
//!     |object| store.ingest(object))?;        // an Err stops the read and comes back
//! ```
//!
//! **Architecture invariant:** this is the only crate that talks to AWS. It knows nothing of
//! argv; the CLI builds a [`CollectConfig`] and draws [`Progress`] with [`progress::terminal`].

mod actions;
mod collect;
mod json;
mod out;
pub mod progress;
mod shapes;
mod trail_objects;

use std::{collections::BTreeMap, fmt, path::PathBuf, time::Duration};

pub use crate::{
    actions::{COLLECTOR_POLICY, TRAIL_READER_POLICY},
    progress::{NoProgress, Progress},
    trail_objects::{
        S3Location, S3LocationError, TRAIL_LOG_SUFFIXES, TrailObject, TrailReadError, TrailReadOptions,
        TrailReadSummary, TrailS3Error, is_trail_log_key, read_trail_objects,
    },
};

/// What to collect, from where, and where to write it.
#[derive(Debug, Clone)]
pub struct CollectConfig {
    /// The named profile of the shared config files; none: the default credential chain.
    pub profile: Option<String>,
    /// The home region, for the global services and as the default region; none: the
    /// profile's or the environment's, else `us-east-1`.
    pub region: Option<String>,
    /// An endpoint that replaces AWS's for every service (moto or LocalStack in tests).
    pub endpoint_url: Option<String>,
    /// Credentials to use instead of the profile's (tests).
    pub credentials: Option<StaticCredentials>,
    /// The role to assume in each account other than the caller's; none: only the caller's
    /// account is collected (the others are listed as skipped).
    pub member_role_name: Option<String>,
    /// Collect only these account ids; empty: every active account of the organization.
    pub accounts: Vec<String>,
    /// The regions of the regional services (KMS, SQS, SNS, Lambda, Secrets Manager);
    /// empty: the home region only.
    pub regions: Vec<String>,
    /// The bundle directory to create.
    pub out_dir: PathBuf,
    /// Replace `out_dir` when it exists (only once the new bundle is complete).
    pub overwrite: bool,
    /// Collect IAM Identity Center.
    pub identity_center: bool,
    /// How the SDK retries throttled and failed calls.
    pub retry_mode: RetryMode,
    /// Attempts per call, the first included (at least 1).
    pub max_attempts: u32,
    /// Accounts collected at the same time (at least 1).
    pub concurrency: usize,
    /// Address S3 buckets by path (`endpoint/bucket`) rather than by host name; needed for
    /// endpoints on loopback addresses such as moto's.
    pub s3_force_path_style: bool,
    /// How long to wait for IAM to generate a credential report before recording an error.
    pub credential_report_wait: Duration,
}

impl CollectConfig {
    /// The defaults: the default credential chain and region, the caller's account only, the
    /// home region only, adaptive retry with 10 attempts, 4 accounts at a time.
    pub fn new(out_dir: PathBuf) -> CollectConfig {
        CollectConfig {
            profile: None,
            region: None,
            endpoint_url: None,
            credentials: None,
            member_role_name: None,
            accounts: Vec::new(),
            regions: Vec::new(),
            out_dir,
            overwrite: false,
            identity_center: true,
            retry_mode: RetryMode::Adaptive,
            max_attempts: 10,
            concurrency: 4,
            s3_force_path_style: false,
            credential_report_wait: Duration::from_secs(60),
        }
    }
}

/// How the SDK retries: both back off exponentially with jitter on throttling and transient
/// errors; adaptive also slows the client down when AWS throttles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// The SDK's standard retry.
    Standard,
    /// Standard retry plus client-side rate limiting.
    Adaptive,
}

/// An access key, for tests against an emulator. `Debug` does not show the secret.
#[derive(Clone)]
pub struct StaticCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

/// What a collection did.
#[derive(Debug, Clone)]
pub struct CollectSummary {
    /// The finished bundle.
    pub out_dir: PathBuf,
    /// The caller's account.
    pub caller_account: String,
    /// The caller's ARN.
    pub caller_arn: String,
    /// Whether the organization was collected.
    pub organization: OrganizationStatus,
    /// The accounts collected.
    pub accounts: Vec<String>,
    /// Accounts not collected, with the reason.
    pub skipped_accounts: Vec<(String, String)>,
    /// Files written.
    pub files: usize,
    /// Calls that failed (collection went on without them).
    pub errors: Vec<CallError>,
    /// What was left out and why.
    pub notes: Vec<String>,
    /// The IAM actions exercised and how many requests each took (pages included).
    pub calls: BTreeMap<String, u64>,
}

/// Whether the organization could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationStatus {
    /// The organization's tree and policies were collected.
    Collected {
        /// The organization's id.
        id: String,
    },
    /// The caller's account is not in an organization.
    NotInOrganization,
    /// The organization could not be read (a member account, or no permission).
    NotAccessible {
        /// What AWS said.
        message: String,
    },
}

/// A call that failed, as recorded in `bundle.json`'s `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The account it was made in (none: the organization or Identity Center).
    pub account: Option<String>,
    /// The region (none: a global service).
    pub region: Option<String>,
    /// The IAM action of the call, e.g. `s3:GetBucketPolicy`.
    pub call: String,
    /// The resource it was about, when there is one.
    pub resource: Option<String>,
    /// What went wrong.
    pub message: String,
}

/// Why a collection could not produce a bundle at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
    /// The output directory exists and overwriting was not asked for.
    #[error("{} already exists (choose another output or overwrite it)", .0.display())]
    OutputExists(PathBuf),
    /// The credentials do not work (`sts get-caller-identity` failed).
    #[error("cannot identify the caller (sts get-caller-identity): {0}")]
    Identity(String),
    /// Writing the bundle failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl CollectError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> CollectError {
        CollectError::Io { path: path.to_path_buf(), source }
    }
}

/// Collects what `config` says into `config.out_dir`. Must run inside a Tokio runtime (the
/// SDK's); [`collect_blocking`] makes one.
pub async fn collect(config: &CollectConfig, progress: &dyn Progress) -> Result<CollectSummary, CollectError> {
    collect::run(config, progress).await
}

/// [`collect`] on a new single-threaded Tokio runtime, for callers that have none.
pub fn collect_blocking(config: &CollectConfig, progress: &dyn Progress) -> Result<CollectSummary, CollectError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| CollectError::Io { path: PathBuf::from("<tokio runtime>"), source })?;
    runtime.block_on(collect(config, progress))
}
