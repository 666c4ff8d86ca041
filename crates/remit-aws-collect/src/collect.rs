//! The collection itself: who we are, the organization, each account, IAM Identity Center.
//!
//! Clients are always held in a variable named after their service's IAM prefix (`iam`, `s3`,
//! `sso` ...): the test of `collector-policy.json` finds the calls by that name.

use std::{
    collections::{BTreeSet, HashMap, VecDeque},
    error::Error,
    fmt,
    sync::Mutex,
    time::{Duration, Instant, SystemTime},
};

use aws_config::{
    BehaviorVersion, Region, SdkConfig, retry::RetryConfig, sts::AssumeRoleProvider, timeout::TimeoutConfig,
};
use aws_sdk_sts::{
    config::{Credentials, ProvideCredentials, SharedCredentialsProvider},
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    primitives::DateTime,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use crate::{
    CallError, CollectConfig, CollectError, CollectSummary, OrganizationStatus, Progress, RetryMode,
    actions::Calls,
    json::{Obj, timestamp},
    out::{BundleWriter, file_name},
    shapes,
};

/// The session name of every role the collector assumes, so that CloudTrail shows its calls.
const SESSION_NAME: &str = "remit-collector";

/// The bundle's `aws lambda list-functions` file in a region's `lambda/` directory, beside the
/// functions' policy files (a name no function can have: function names have no `.`).
const LAMBDA_LIST: &str = "functions.list.json";

pub(crate) async fn run(config: &CollectConfig, progress: &dyn Progress) -> Result<CollectSummary, CollectError> {
    validate(config)?;
    let started = DateTime::from(SystemTime::now());
    let writer = BundleWriter::create(&config.out_dir, config.overwrite)?;
    let base = base_config(config).await;
    let home_region = base.region().map(|r| r.as_ref().to_owned()).unwrap_or_else(|| "us-east-1".to_owned());
    let base = base.to_builder().region(Region::new(home_region.clone())).build();
    let mut regions: Vec<String> = Vec::new();
    for region in if config.regions.is_empty() { std::slice::from_ref(&home_region) } else { &config.regions[..] } {
        if !regions.contains(region) {
            regions.push(region.clone());
        }
    }
    let mut secrets = Vec::new();
    if let Some(credentials) = &config.credentials {
        secrets.push(credentials.secret_access_key.clone());
        secrets.extend(credentials.session_token.clone());
    }
    let mut run = Run {
        config,
        progress,
        writer,
        calls: Calls::default(),
        errors: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
        skipped: Mutex::new(Vec::new()),
        collected: Mutex::new(BTreeSet::new()),
        home_region,
        regions,
        partition: String::from("aws"),
        secrets,
    };
    match run.collect(base, started).await {
        Ok((bundle, mut summary)) => {
            summary.out_dir = run.writer.finish(&bundle)?;
            summary.files = summary.files.saturating_add(1);
            Ok(summary)
        }
        Err(err) => {
            run.writer.abandon();
            Err(err)
        }
    }
}

fn validate(config: &CollectConfig) -> Result<(), CollectError> {
    let bad = |message: String| Err(CollectError::Config(message));
    if config.max_attempts == 0 {
        return bad("max_attempts must be at least 1".into());
    }
    if config.concurrency == 0 {
        return bad("concurrency must be at least 1".into());
    }
    for account in &config.accounts {
        if !is_account_id(account) {
            return bad(format!("{account:?} is not an AWS account id (12 digits)"));
        }
    }
    for region in config.regions.iter().chain(config.region.iter()) {
        if region.is_empty() || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return bad(format!("{region:?} is not an AWS region name"));
        }
    }
    if let Some(role) = &config.member_role_name
        && (role.is_empty() || role.contains(':') || role.starts_with('/') || role.chars().any(char::is_whitespace))
    {
        return bad(format!("{role:?} is not an IAM role name"));
    }
    Ok(())
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

async fn base_config(config: &CollectConfig) -> SdkConfig {
    let retry = match config.retry_mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    }
    .with_max_attempts(config.max_attempts);
    load_sdk_config(SdkSource {
        retry,
        profile: config.profile.as_deref(),
        region: config.region.as_deref(),
        endpoint_url: config.endpoint_url.as_deref(),
        credentials: config.credentials.as_ref(),
    })
    .await
}

/// Where an SDK configuration comes from: the caller's profile, region, endpoint (an emulator in
/// tests) and static credentials, with the retry policy. The collector and the trail reader
/// share it, so both talk to AWS the same way.
pub(crate) struct SdkSource<'a> {
    pub(crate) retry: RetryConfig,
    pub(crate) profile: Option<&'a str>,
    pub(crate) region: Option<&'a str>,
    pub(crate) endpoint_url: Option<&'a str>,
    pub(crate) credentials: Option<&'a crate::StaticCredentials>,
}

/// Loads the SDK configuration, with bounded connect and attempt timeouts.
pub(crate) async fn load_sdk_config(source: SdkSource<'_>) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(120))
        .build();
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).retry_config(source.retry).timeout_config(timeouts);
    if let Some(profile) = source.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = source.region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    if let Some(url) = source.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(credentials) = source.credentials {
        loader = loader.credentials_provider(Credentials::new(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
            credentials.session_token.clone(),
            None,
            "remit-static",
        ));
    }
    loader.load().await
}

fn in_region(sdk: &SdkConfig, region: &str) -> SdkConfig {
    sdk.to_builder().region(Region::new(region.to_owned())).build()
}

/// Where a call was made, for the error record.
#[derive(Clone, Copy)]
struct Scope<'s> {
    account: Option<&'s str>,
    region: Option<&'s str>,
}

impl Scope<'_> {
    const GLOBAL: Scope<'static> = Scope { account: None, region: None };
}

impl fmt::Display for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.account, self.region) {
            (Some(account), Some(region)) => write!(f, "{account} {region} "),
            (Some(account), None) => write!(f, "{account} "),
            (None, Some(region)) => write!(f, "{region} "),
            (None, None) => Ok(()),
        }
    }
}

/// What a service error says (its code and message; its HTTP status when AWS sent no code
/// that the SDK could read), or the error chain for other failures (network, credentials,
/// timeouts).
fn describe<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
{
    if let SdkError::ServiceError(service) = err {
        return match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            (None, _) => format!("HTTP {} with no error code AWS's SDK could read", service.raw().status().as_u16()),
        };
    }
    DisplayErrorContext(err).to_string()
}

fn has_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, codes: &[&str]) -> bool {
    err.code().is_some_and(|code| codes.contains(&code))
}

const ACCESS_DENIED: &[&str] = &["AccessDenied", "AccessDeniedException"];

/// One account of the organization, from `list-accounts-for-parent`.
struct OrgAccount {
    id: String,
    active: bool,
    state: String,
}

struct Organization {
    status: OrganizationStatus,
    /// The accounts, when the whole tree could be listed.
    accounts: Option<Vec<OrgAccount>>,
}

struct Run<'a> {
    config: &'a CollectConfig,
    progress: &'a dyn Progress,
    writer: BundleWriter,
    calls: Calls,
    errors: Mutex<Vec<CallError>>,
    notes: Mutex<Vec<String>>,
    skipped: Mutex<Vec<(String, String)>>,
    collected: Mutex<BTreeSet<String>>,
    home_region: String,
    regions: Vec<String>,
    partition: String,
    /// Strings never to print (the static credentials' secrets).
    secrets: Vec<String>,
}

macro_rules! client {
    ($name:ident, $krate:ident, $prefix:literal) => {
        fn $name(&self, sdk: &SdkConfig) -> $krate::Client {
            $krate::Client::from_conf(
                $krate::config::Builder::from(sdk).interceptor(self.calls.recorder($prefix)).build(),
            )
        }
    };
}

impl Run<'_> {
    client!(sts_client, aws_sdk_sts, "sts");
    client!(organizations_client, aws_sdk_organizations, "organizations");
    client!(iam_client, aws_sdk_iam, "iam");
    client!(kms_client, aws_sdk_kms, "kms");
    client!(sqs_client, aws_sdk_sqs, "sqs");
    client!(sns_client, aws_sdk_sns, "sns");
    client!(lambda_client, aws_sdk_lambda, "lambda");
    client!(secretsmanager_client, aws_sdk_secretsmanager, "secretsmanager");
    client!(sso_client, aws_sdk_ssoadmin, "sso");
    client!(identitystore_client, aws_sdk_identitystore, "identitystore");

    fn s3_client(&self, sdk: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
        let sdk = in_region(sdk, region);
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(self.config.s3_force_path_style)
                .interceptor(self.calls.recorder("s3"))
                .build(),
        )
    }

    fn redact(&self, mut message: String) -> String {
        for secret in &self.secrets {
            if !secret.is_empty() {
                message = message.replace(secret.as_str(), "** redacted **");
            }
        }
        message
    }

    fn record(&self, scope: Scope<'_>, call: &str, resource: Option<&str>, message: String) {
        let message = self.redact(message);
        let about = resource.map(|r| format!(" {r}")).unwrap_or_default();
        self.progress.warn(&format!("{scope}{call}{about}: {message}"));
        if let Ok(mut errors) = self.errors.lock() {
            errors.push(CallError {
                account: scope.account.map(str::to_owned),
                region: scope.region.map(str::to_owned),
                call: call.to_owned(),
                resource: resource.map(str::to_owned),
                message,
            });
        }
    }

    fn fail<E>(&self, scope: Scope<'_>, call: &str, resource: Option<&str>, err: &SdkError<E, HttpResponse>)
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        self.record(scope, call, resource, describe(err));
    }

    /// A listing's items, or `None` once its failure is recorded: the rest of the account is
    /// still collected, and the bundle says what is missing.
    fn listed<T, E>(&self, scope: Scope<'_>, call: &str, listing: Result<T, SdkError<E, HttpResponse>>) -> Option<T>
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        listing.map_err(|err| self.fail(scope, call, None, &err)).ok()
    }

    /// One read about a listed resource: its answer; `None` when the resource went away
    /// between listing and reading (an error code of `gone`: nothing to record), or once
    /// the failure is recorded.
    fn read<T, E>(
        &self,
        scope: Scope<'_>,
        call: &str,
        resource: &str,
        gone: &[&str],
        answer: Result<T, SdkError<E, HttpResponse>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + Error + 'static,
    {
        match answer {
            Ok(out) => Some(out),
            Err(err) if has_code(&err, gone) => None,
            Err(err) => {
                self.fail(scope, call, Some(resource), &err);
                None
            }
        }
    }

    fn note(&self, note: String) {
        if let Ok(mut notes) = self.notes.lock() {
            notes.push(note);
        }
    }

    fn skip(&self, account: &str, reason: String) {
        if let Ok(mut skipped) = self.skipped.lock() {
            skipped.push((account.to_owned(), reason));
        }
    }

    fn write(&self, rel: &[&str], value: &Value) -> Result<(), CollectError> {
        self.writer.json(rel, value)
    }

    /// Collects everything, returning `bundle.json` and the summary (its `out_dir` still the
    /// configured one: the caller finishes the bundle).
    async fn collect(&mut self, base: SdkConfig, started: DateTime) -> Result<(Value, CollectSummary), CollectError> {
        self.progress.add_work(2);
        self.progress.status("sts get-caller-identity");
        let sts = self.sts_client(&base);
        let identity = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| CollectError::Identity(self.redact(describe(&err))))?;
        let caller_account = identity.account.clone().unwrap_or_default();
        let caller_arn = identity.arn.clone().unwrap_or_default();
        if !is_account_id(&caller_account) {
            return Err(CollectError::Identity(format!("AWS answered with no account id ({caller_account:?})")));
        }
        if let Some(partition) = caller_arn.split(':').nth(1).filter(|p| !p.is_empty()) {
            self.partition = partition.to_owned();
        }
        self.progress.work_done(1);

        let organization = self.organization(&base).await?;
        self.progress.work_done(1);

        // The accounts to collect.
        let mut targets: Vec<String> = Vec::new();
        match &organization.accounts {
            Some(accounts) => {
                for account in accounts {
                    if !self.config.accounts.is_empty() && !self.config.accounts.contains(&account.id) {
                        continue;
                    }
                    if account.active {
                        targets.push(account.id.clone());
                    } else {
                        self.skip(&account.id, format!("the account is {}", account.state));
                    }
                }
                for wanted in &self.config.accounts {
                    if !accounts.iter().any(|a| &a.id == wanted) {
                        self.skip(wanted, "the account is not in the organization".into());
                    }
                }
            }
            None if self.config.accounts.is_empty() => targets.push(caller_account.clone()),
            None => targets.extend(self.config.accounts.iter().cloned()),
        }
        if self.config.member_role_name.is_none() && targets.iter().any(|a| a != &caller_account) {
            self.note(
                "no member role was given: only the caller's account is collected, the others are skipped".into(),
            );
        }

        if self.config.identity_center {
            self.progress.add_work(1);
        }
        self.progress.add_work(targets.len() as u64 * (2 + self.regions.len() as u64));
        let this = &self;
        let results: Vec<Result<(), CollectError>> = stream::iter(targets.iter())
            .map(|account| this.account(&base, account, &caller_account))
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await;
        for result in results {
            result?;
        }

        let identity_center = if self.config.identity_center {
            let status = self.identity_center(&base, &targets).await?;
            self.progress.work_done(1);
            status
        } else {
            "not-requested"
        };

        self.note(
            "not collected: the account-level S3 public access block and S3 access points (s3control), \
             ECR, Glacier, OpenSearch and API Gateway policies, Lambda policies of aliases and versions"
                .into(),
        );

        let errors = self.errors.lock().map(|e| e.clone()).unwrap_or_default();
        let notes = self.notes.lock().map(|n| n.clone()).unwrap_or_default();
        let skipped = self.skipped.lock().map(|s| s.clone()).unwrap_or_default();
        let collected: Vec<String> = self.collected.lock().map(|c| c.iter().cloned().collect()).unwrap_or_default();
        let calls = self.calls.snapshot();
        let organization_json = match &organization.status {
            OrganizationStatus::Collected { id } => json!({"status": "collected", "id": id}),
            OrganizationStatus::NotInOrganization => json!({"status": "not-in-organization"}),
            OrganizationStatus::NotAccessible { message } => json!({"status": "not-accessible", "message": message}),
        };
        let bundle = Obj::new()
            .s("format", "remit-aws-bundle")
            .i("version", 1)
            .s("collectedAt", timestamp(&started).as_str())
            .s("collector", concat!("remit-aws-collect ", env!("CARGO_PKG_VERSION")))
            .v("caller", json!({"Account": caller_account, "Arn": caller_arn}))
            .s("homeRegion", self.home_region.as_str())
            .v("regions", json!(self.regions))
            .v("organization", organization_json)
            .v("identityCenter", json!({"status": identity_center}))
            .v("accounts", json!(collected))
            .v(
                "skippedAccounts",
                Value::Array(skipped.iter().map(|(id, reason)| json!({"account": id, "reason": reason})).collect()),
            )
            .v("notes", json!(notes))
            .v(
                "errors",
                Value::Array(
                    errors
                        .iter()
                        .map(|e| {
                            Obj::new()
                                .v("account", json!(e.account))
                                .v("region", json!(e.region))
                                .s("call", e.call.as_str())
                                .os("resource", &e.resource)
                                .s("message", e.message.as_str())
                                .build()
                        })
                        .collect(),
                ),
            )
            .v("calls", json!(calls))
            .build();
        let summary = CollectSummary {
            out_dir: self.config.out_dir.clone(),
            caller_account,
            caller_arn,
            organization: organization.status,
            accounts: collected,
            skipped_accounts: skipped,
            files: self.writer.files(),
            errors,
            notes,
            calls,
        };
        Ok((bundle, summary))
    }
}

impl Run<'_> {
    /// The organization: `describe-organization`, the tree from each root, SCPs and RCPs.
    async fn organization(&self, base: &SdkConfig) -> Result<Organization, CollectError> {
        let scope = Scope::GLOBAL;
        self.progress.status("organizations describe-organization");
        let organizations = self.organizations_client(base);
        let described = match organizations.describe_organization().send().await {
            Ok(out) => out,
            Err(err) if has_code(&err, &["AWSOrganizationsNotInUseException"]) => {
                self.note("the caller's account is not in an organization: it is collected alone".into());
                return Ok(Organization { status: OrganizationStatus::NotInOrganization, accounts: None });
            }
            Err(err) => {
                let message = self.redact(describe(&err));
                if !has_code(&err, ACCESS_DENIED) {
                    self.fail(scope, "organizations:DescribeOrganization", None, &err);
                }
                self.note(format!(
                    "the organization could not be read ({message}): only the caller's account is collected"
                ));
                return Ok(Organization { status: OrganizationStatus::NotAccessible { message }, accounts: None });
            }
        };
        self.write(
            &["organization", "describe-organization.json"],
            &shapes::organizations::describe_organization(described.organization.as_ref()),
        )?;
        let id = described.organization.as_ref().and_then(|o| o.id.clone()).unwrap_or_default();

        self.progress.status("organizations list-roots");
        let roots = match organizations
            .list_roots()
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map(|pages| pages.into_iter().flat_map(|p| p.roots.unwrap_or_default()).collect::<Vec<_>>())
        {
            Ok(roots) => roots,
            Err(err) => {
                let message = self.redact(describe(&err));
                if !has_code(&err, ACCESS_DENIED) {
                    self.fail(scope, "organizations:ListRoots", None, &err);
                }
                self.note(format!(
                    "the organization's tree could not be listed ({message}; only its management account or a \
                     delegated administrator may): only the caller's account is collected"
                ));
                return Ok(Organization { status: OrganizationStatus::NotAccessible { message }, accounts: None });
            }
        };
        self.write(&["organization", "roots.json"], &shapes::list_of("Roots", &roots, shapes::organizations::root))?;

        let mut accounts = Vec::new();
        let mut parents: VecDeque<String> = roots.iter().filter_map(|r| r.id.clone()).collect();
        let mut seen = BTreeSet::new();
        while let Some(parent) = parents.pop_front() {
            if !seen.insert(parent.clone()) {
                continue;
            }
            self.progress.status(&format!("organizations {parent}"));
            let parent_file = file_name(&parent);
            match organizations
                .list_organizational_units_for_parent()
                .parent_id(&parent)
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map(|pages| {
                    pages.into_iter().flat_map(|p| p.organizational_units.unwrap_or_default()).collect::<Vec<_>>()
                }) {
                Ok(units) => {
                    self.write(
                        &["organization", "children", &format!("{parent_file}.ous.json")],
                        &shapes::list_of("OrganizationalUnits", &units, shapes::organizations::organizational_unit),
                    )?;
                    parents.extend(units.iter().filter_map(|u| u.id.clone()));
                }
                Err(err) => self.fail(scope, "organizations:ListOrganizationalUnitsForParent", Some(&parent), &err),
            }
            match organizations
                .list_accounts_for_parent()
                .parent_id(&parent)
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map(|pages| pages.into_iter().flat_map(|p| p.accounts.unwrap_or_default()).collect::<Vec<_>>())
            {
                Ok(found) => {
                    self.write(
                        &["organization", "children", &format!("{parent_file}.accounts.json")],
                        &shapes::list_of("Accounts", &found, shapes::organizations::account),
                    )?;
                    for account in &found {
                        let Some(id) = account.id.clone().filter(|id| is_account_id(id)) else { continue };
                        // `State` replaces `Status` (deprecated); either says whether the account
                        // can be entered.
                        let (active, state) = match (&account.state, &account.status) {
                            (Some(state), _) => (state.as_str() == "ACTIVE", state.as_str().to_owned()),
                            (None, Some(status)) => (status.as_str() == "ACTIVE", status.as_str().to_owned()),
                            (None, None) => (true, "ACTIVE".to_owned()),
                        };
                        accounts.push(OrgAccount { id, active, state });
                    }
                }
                Err(err) => self.fail(scope, "organizations:ListAccountsForParent", Some(&parent), &err),
            }
        }

        use aws_sdk_organizations::types::PolicyType;
        for (filter, file) in [
            (PolicyType::ServiceControlPolicy, "service-control-policies.json"),
            (PolicyType::ResourceControlPolicy, "resource-control-policies.json"),
        ] {
            self.progress.status(&format!("organizations list-policies {}", filter.as_str()));
            let policies = match organizations
                .list_policies()
                .filter(filter.clone())
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map(|pages| pages.into_iter().flat_map(|p| p.policies.unwrap_or_default()).collect::<Vec<_>>())
            {
                Ok(policies) => policies,
                Err(err) => {
                    self.fail(scope, "organizations:ListPolicies", Some(filter.as_str()), &err);
                    continue;
                }
            };
            self.write(
                &["organization", "policies", file],
                &shapes::list_of("Policies", &policies, shapes::organizations::policy_summary),
            )?;
            for policy in &policies {
                let Some(policy_id) = policy.id.as_deref() else { continue };
                let policy_file = file_name(policy_id);
                match organizations.describe_policy().policy_id(policy_id).send().await {
                    Ok(out) => self.write(
                        &["organization", "policies", &format!("{policy_file}.json")],
                        &shapes::organizations::describe_policy(out.policy.as_ref()),
                    )?,
                    Err(err) => self.fail(scope, "organizations:DescribePolicy", Some(policy_id), &err),
                }
                match organizations
                    .list_targets_for_policy()
                    .policy_id(policy_id)
                    .into_paginator()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map(|pages| pages.into_iter().flat_map(|p| p.targets.unwrap_or_default()).collect::<Vec<_>>())
                {
                    Ok(targets) => self.write(
                        &["organization", "policies", &format!("{policy_file}.targets.json")],
                        &shapes::list_of("Targets", &targets, shapes::organizations::target),
                    )?,
                    Err(err) => self.fail(scope, "organizations:ListTargetsForPolicy", Some(policy_id), &err),
                }
            }
        }
        Ok(Organization { status: OrganizationStatus::Collected { id }, accounts: Some(accounts) })
    }

    /// The credentials for `account`: the caller's own in its account, the member role's in any
    /// other (assumed once here, so that a role that cannot be assumed is one error, not one per
    /// call); none when the account cannot be entered.
    async fn account_config(&self, base: &SdkConfig, account: &str, caller_account: &str) -> Option<SdkConfig> {
        if account == caller_account {
            return Some(base.clone());
        }
        let Some(role) = &self.config.member_role_name else {
            self.skip(account, "no member role was given".into());
            return None;
        };
        let role_arn = format!("arn:{}:iam::{account}:role/{role}", self.partition);
        self.progress.status(&format!("{account} sts assume-role {role}"));
        let provider =
            AssumeRoleProvider::builder(role_arn.clone()).session_name(SESSION_NAME).configure(base).build().await;
        self.calls.add("sts:AssumeRole");
        if let Err(err) = provider.provide_credentials().await {
            let message = DisplayErrorContext(&err).to_string();
            self.record(Scope { account: Some(account), region: None }, "sts:AssumeRole", Some(&role_arn), message);
            self.skip(account, format!("{role_arn} could not be assumed"));
            return None;
        }
        Some(base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build())
    }

    /// Everything of one account.
    async fn account(&self, base: &SdkConfig, account: &str, caller_account: &str) -> Result<(), CollectError> {
        let units = 2 + self.regions.len() as u64;
        let Some(sdk) = self.account_config(base, account, caller_account).await else {
            self.progress.work_done(units);
            return Ok(());
        };
        let scope = Scope { account: Some(account), region: None };
        let dir = file_name(account);

        self.progress.status(&format!("{account} iam get-account-authorization-details"));
        let iam = self.iam_client(&sdk);
        match iam
            .get_account_authorization_details()
            .max_items(1000)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
        {
            Ok(pages) => self.write(
                &["accounts", &dir, "authorization-details.json"],
                &shapes::iam::authorization_details(&pages),
            )?,
            Err(err) => self.fail(scope, "iam:GetAccountAuthorizationDetails", None, &err),
        }
        self.progress.status(&format!("{account} iam credential report"));
        self.credential_report(&iam, scope, &dir).await?;
        self.progress.work_done(1);

        self.progress.status(&format!("{account} s3"));
        self.buckets(&sdk, scope, &dir).await?;
        self.progress.work_done(1);

        for region in &self.regions {
            let regional = in_region(&sdk, region);
            let scope = Scope { account: Some(account), region: Some(region) };
            self.progress.status(&format!("{account} {region} kms"));
            self.keys(&regional, scope, &dir).await?;
            self.progress.status(&format!("{account} {region} sqs"));
            self.queues(&regional, scope, &dir).await?;
            self.progress.status(&format!("{account} {region} sns"));
            self.topics(&regional, scope, &dir).await?;
            self.progress.status(&format!("{account} {region} lambda"));
            self.functions(&regional, scope, &dir).await?;
            self.progress.status(&format!("{account} {region} secretsmanager"));
            self.secrets(&regional, scope, &dir).await?;
            self.progress.work_done(1);
        }
        if let Ok(mut collected) = self.collected.lock() {
            collected.insert(account.to_owned());
        }
        Ok(())
    }

    /// `generate-credential-report` until it is complete (backing off), then
    /// `get-credential-report`, whose `Content` the SDK has already base64-decoded.
    async fn credential_report(
        &self,
        iam: &aws_sdk_iam::Client,
        scope: Scope<'_>,
        dir: &str,
    ) -> Result<(), CollectError> {
        use aws_sdk_iam::types::ReportStateType;
        let start = Instant::now();
        let mut pause = Duration::from_millis(250);
        loop {
            match iam.generate_credential_report().send().await {
                Ok(out) if out.state == Some(ReportStateType::Complete) => break,
                Ok(_) => {}
                Err(err) => {
                    self.fail(scope, "iam:GenerateCredentialReport", None, &err);
                    return Ok(());
                }
            }
            if start.elapsed() >= self.config.credential_report_wait {
                self.record(
                    scope,
                    "iam:GenerateCredentialReport",
                    None,
                    format!("the report was not ready after {} s", self.config.credential_report_wait.as_secs()),
                );
                return Ok(());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(4));
        }
        match iam.get_credential_report().send().await {
            Ok(out) => {
                if let Some(content) = out.content {
                    self.writer.bytes(&["accounts", dir, "credential-report.csv"], content.as_ref())?;
                }
            }
            Err(err) => self.fail(scope, "iam:GetCredentialReport", None, &err),
        }
        Ok(())
    }

    /// Every bucket of the account (S3 lists them all from any region), each read through a
    /// client of its own region (S3 redirects requests sent to another).
    async fn buckets(&self, sdk: &SdkConfig, scope: Scope<'_>, dir: &str) -> Result<(), CollectError> {
        let s3 = self.s3_client(sdk, &self.home_region);
        let listing =
            s3.list_buckets().max_buckets(1000).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
        let Some(buckets) = self.listed(scope, "s3:ListAllMyBuckets", listing) else { return Ok(()) };
        let mut clients: HashMap<String, aws_sdk_s3::Client> = HashMap::new();
        for bucket in &buckets {
            let Some(name) = bucket.name.as_deref() else { continue };
            let region = match bucket.bucket_region.as_deref().filter(|r| !r.is_empty()) {
                Some(region) => region.to_owned(),
                None => match s3.get_bucket_location().bucket(name).send().await {
                    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
                    Ok(out) => match out.location_constraint.as_ref().map(|c| c.as_str()) {
                        None | Some("") => "us-east-1".to_owned(),
                        Some("EU") => "eu-west-1".to_owned(),
                        Some(region) => region.to_owned(),
                    },
                    Err(err) => {
                        self.fail(scope, "s3:GetBucketLocation", Some(name), &err);
                        continue;
                    }
                },
            };
            let client = clients.entry(region.clone()).or_insert_with(|| self.s3_client(sdk, &region)).clone();
            self.bucket(&client, scope, dir, name).await?;
        }
        Ok(())
    }

    async fn bucket(
        &self,
        s3: &aws_sdk_s3::Client,
        scope: Scope<'_>,
        dir: &str,
        name: &str,
    ) -> Result<(), CollectError> {
        let bucket_dir = file_name(name);
        let path = |file: &'static str| ["accounts", dir, "s3", bucket_dir.as_str(), file];
        // (An absent policy or Block Public Access configuration is an answer, not a failure.)
        let answer = s3.get_bucket_policy().bucket(name).send().await;
        if let Some(out) = self.read(scope, "s3:GetBucketPolicy", name, &["NoSuchBucketPolicy"], answer) {
            self.write(&path("policy.json"), &shapes::s3::bucket_policy(out.policy.as_deref()))?;
        }
        let answer = s3.get_public_access_block().bucket(name).send().await;
        let absent = &["NoSuchPublicAccessBlockConfiguration"];
        if let Some(out) = self.read(scope, "s3:GetBucketPublicAccessBlock", name, absent, answer) {
            let settings = shapes::s3::public_access_block(out.public_access_block_configuration.as_ref());
            self.write(&path("public-access-block.json"), &settings)?;
        }
        let answer = s3.get_bucket_acl().bucket(name).send().await;
        if let Some(out) = self.read(scope, "s3:GetBucketAcl", name, &[], answer) {
            self.write(&path("acl.json"), &shapes::s3::bucket_acl(&out))?;
        }
        Ok(())
    }

    async fn keys(&self, sdk: &SdkConfig, scope: Scope<'_>, dir: &str) -> Result<(), CollectError> {
        const GONE: &[&str] = &["NotFoundException"];
        let region = scope.region.unwrap_or_default();
        let kms = self.kms_client(sdk);
        let listing = kms.list_keys().limit(1000).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
        let Some(keys) = self.listed(scope, "kms:ListKeys", listing) else { return Ok(()) };
        for key in &keys {
            let Some(key_id) = key.key_id.as_deref() else { continue };
            let key_dir = file_name(key_id);
            let path = |file: &'static str| ["accounts", dir, region, "kms", key_dir.as_str(), file];
            match kms.describe_key().key_id(key_id).send().await {
                Ok(out) => self.write(&path("describe.json"), &shapes::kms::describe_key(out.key_metadata.as_ref()))?,
                // A key deleted since the listing: nothing else to read about it.
                Err(err) if has_code(&err, GONE) => continue,
                // Unreadable: its policy and grants may still be.
                Err(err) => self.fail(scope, "kms:DescribeKey", Some(key_id), &err),
            }
            let answer = kms.get_key_policy().key_id(key_id).policy_name("default").send().await;
            if let Some(out) = self.read(scope, "kms:GetKeyPolicy", key_id, GONE, answer) {
                let policy = shapes::kms::key_policy(out.policy.as_deref(), out.policy_name.as_deref());
                self.write(&path("policy.json"), &policy)?;
            }
            let answer = kms
                .list_grants()
                .key_id(key_id)
                .limit(100)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await;
            if let Some(grants) = self.read(scope, "kms:ListGrants", key_id, GONE, answer) {
                self.write(&path("grants.json"), &shapes::list_of("Grants", &grants, shapes::kms::grant))?;
            }
        }
        Ok(())
    }

    async fn queues(&self, sdk: &SdkConfig, scope: Scope<'_>, dir: &str) -> Result<(), CollectError> {
        use aws_sdk_sqs::types::QueueAttributeName;
        let region = scope.region.unwrap_or_default();
        let sqs = self.sqs_client(sdk);
        // Without `MaxResults` SQS returns at most 1,000 queues and no token.
        let listing =
            sqs.list_queues().max_results(1000).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
        let Some(urls) = self.listed(scope, "sqs:ListQueues", listing) else { return Ok(()) };
        for url in &urls {
            let name = url.rsplit('/').next().unwrap_or(url);
            let answer = sqs
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::Policy)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await;
            let gone = &["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"];
            let Some(out) = self.read(scope, "sqs:GetQueueAttributes", url, gone, answer) else { continue };
            let attributes = out.attributes.unwrap_or_default();
            let pairs = [QueueAttributeName::Policy, QueueAttributeName::QueueArn]
                .into_iter()
                .filter_map(|key| attributes.get(&key).map(|value| (key.as_str().to_owned(), value.clone())))
                .collect();
            self.write(
                &["accounts", dir, region, "sqs", &format!("{}.json", file_name(name))],
                &shapes::attributes(pairs),
            )?;
        }
        Ok(())
    }

    async fn topics(&self, sdk: &SdkConfig, scope: Scope<'_>, dir: &str) -> Result<(), CollectError> {
        let region = scope.region.unwrap_or_default();
        let sns = self.sns_client(sdk);
        let listing = sns.list_topics().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
        let Some(topics) = self.listed(scope, "sns:ListTopics", listing) else { return Ok(()) };
        for topic in &topics {
            let Some(arn) = topic.topic_arn.as_deref() else { continue };
            let name = arn.rsplit(':').next().unwrap_or(arn);
            let answer = sns.get_topic_attributes().topic_arn(arn).send().await;
            let Some(out) = self.read(scope, "sns:GetTopicAttributes", arn, &["NotFound"], answer) else { continue };
            let mut pairs: Vec<(String, String)> = out.attributes.unwrap_or_default().into_iter().collect();
            pairs.sort();
            self.write(
                &["accounts", dir, region, "sns", &format!("{}.json", file_name(name))],
                &shapes::attributes(pairs),
            )?;
        }
        Ok(())
    }

    async fn functions(&self, sdk: &SdkConfig, scope: Scope<'_>, dir: &str) -> Result<(), CollectError> {
        let region = scope.region.unwrap_or_default();
        let lambda = self.lambda_client(sdk);
        let listing =
            lambda.list_functions().max_items(50).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
        let Some(functions) = self.listed(scope, "lambda:ListFunctions", listing) else { return Ok(()) };
        // The configurations listed carry environment variables: the inventory leaves them out.
        self.write(&["accounts", dir, region, "lambda", LAMBDA_LIST], &shapes::lambda_functions(&functions))?;
        let names: Vec<String> = functions.into_iter().filter_map(|f| f.function_name).collect();
        for name in &names {
            let answer = lambda.get_policy().function_name(name).send().await;
            let Some(out) = self.read(scope, "lambda:GetPolicy", name, &["ResourceNotFoundException"], answer) else {
                continue;
            };
            self.write(
                &["accounts", dir, region, "lambda", &format!("{}.json", file_name(name))],
                &shapes::lambda_policy(out.policy.as_deref(), out.revision_id.as_deref()),
            )?;
        }
        Ok(())
    }

    async fn secrets(&self, sdk: &SdkConfig, scope: Scope<'_>, dir: &str) -> Result<(), CollectError> {
        let region = scope.region.unwrap_or_default();
        let secretsmanager = self.secretsmanager_client(sdk);
        let listing = secretsmanager
            .list_secrets()
            .max_results(100)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map(|pages| pages.into_iter().flat_map(|p| p.secret_list.unwrap_or_default()).collect::<Vec<_>>());
        let Some(secrets) = self.listed(scope, "secretsmanager:ListSecrets", listing) else { return Ok(()) };
        for secret in &secrets {
            let (Some(arn), Some(name)) = (secret.arn.as_deref(), secret.name.as_deref()) else { continue };
            let answer = secretsmanager.get_resource_policy().secret_id(arn).send().await;
            let gone = &["ResourceNotFoundException"];
            let Some(out) = self.read(scope, "secretsmanager:GetResourcePolicy", name, gone, answer) else { continue };
            self.write(
                &["accounts", dir, region, "secretsmanager", &format!("{}.json", file_name(name))],
                &shapes::secret_policy(out.arn.as_deref(), out.name.as_deref(), out.resource_policy.as_deref()),
            )?;
        }
        Ok(())
    }

    /// IAM Identity Center: the first of the home region and the collected regions that has an
    /// instance. Returns the status recorded in `bundle.json`.
    async fn identity_center(&self, base: &SdkConfig, accounts: &[String]) -> Result<&'static str, CollectError> {
        let mut candidates = vec![self.home_region.clone()];
        candidates.extend(self.regions.iter().filter(|r| **r != self.home_region).cloned());
        for region in &candidates {
            let scope = Scope { account: None, region: Some(region) };
            self.progress.status(&format!("{region} sso-admin list-instances"));
            let sdk = in_region(base, region);
            let sso = self.sso_client(&sdk);
            match sso.list_instances().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await {
                Ok(instances) if instances.is_empty() => continue,
                Ok(instances) => {
                    self.identity_center_in(&sdk, scope, &instances, accounts).await?;
                    return Ok("collected");
                }
                Err(err) if has_code(&err, ACCESS_DENIED) => {
                    self.note(format!("IAM Identity Center could not be read ({})", self.redact(describe(&err))));
                    return Ok("not-accessible");
                }
                Err(err) => {
                    self.fail(scope, "sso:ListInstances", None, &err);
                    return Ok("error");
                }
            }
        }
        self.note(format!("no IAM Identity Center instance in {}", candidates.join(", ")));
        Ok("not-found")
    }

    async fn identity_center_in(
        &self,
        sdk: &SdkConfig,
        scope: Scope<'_>,
        instances: &[aws_sdk_ssoadmin::types::InstanceMetadata],
        accounts: &[String],
    ) -> Result<(), CollectError> {
        let sso = self.sso_client(sdk);
        self.write(
            &["identity-center", "instances.json"],
            &shapes::list_of("Instances", instances, shapes::sso::instance),
        )?;
        for instance in instances {
            let Some(instance_arn) = instance.instance_arn.as_deref() else { continue };
            self.progress.status(&format!("sso-admin permission sets of {instance_arn}"));
            let sets = match sso
                .list_permission_sets()
                .instance_arn(instance_arn)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
            {
                Ok(sets) => sets,
                Err(err) => {
                    self.fail(scope, "sso:ListPermissionSets", Some(instance_arn), &err);
                    continue;
                }
            };
            for set_arn in &sets {
                self.permission_set(&sso, scope, instance_arn, set_arn, accounts).await?;
            }
        }
        let stores: Vec<&str> = instances.iter().filter_map(|i| i.identity_store_id.as_deref()).collect();
        if let Some(store) = stores.first() {
            if stores.len() > 1 {
                self.note(format!(
                    "{} IAM Identity Center instances: only the identity store {store} is collected",
                    stores.len()
                ));
            }
            self.identity_store(sdk, scope, store).await?;
        }
        Ok(())
    }

    async fn permission_set(
        &self,
        sso: &aws_sdk_ssoadmin::Client,
        scope: Scope<'_>,
        instance_arn: &str,
        set_arn: &str,
        accounts: &[String],
    ) -> Result<(), CollectError> {
        // arn:aws:sso:::permissionSet/ssoins-.../ps-...
        let set_id = file_name(set_arn.rsplit('/').next().unwrap_or(set_arn));
        let path = |file: &str| -> Vec<String> {
            ["identity-center", "permission-sets", set_id.as_str()]
                .iter()
                .map(|s| (*s).to_owned())
                .chain(file.split('/').map(str::to_owned))
                .collect()
        };
        let write = |file: &str, value: &Value| {
            let rel = path(file);
            let rel: Vec<&str> = rel.iter().map(String::as_str).collect();
            self.write(&rel, value)
        };
        self.progress.status(&format!("sso-admin {set_arn}"));
        match sso.describe_permission_set().instance_arn(instance_arn).permission_set_arn(set_arn).send().await {
            Ok(out) => write("describe.json", &shapes::sso::describe_permission_set(out.permission_set.as_ref()))?,
            Err(err) => self.fail(scope, "sso:DescribePermissionSet", Some(set_arn), &err),
        }
        match sso
            .get_inline_policy_for_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(set_arn)
            .send()
            .await
        {
            Ok(out) => write("inline-policy.json", &shapes::sso::inline_policy(out.inline_policy.as_deref()))?,
            Err(err) => self.fail(scope, "sso:GetInlinePolicyForPermissionSet", Some(set_arn), &err),
        }
        match sso
            .list_managed_policies_in_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(set_arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
        {
            Ok(policies) => write(
                "managed-policies.json",
                &shapes::list_of("AttachedManagedPolicies", &policies, shapes::sso::managed_policy),
            )?,
            Err(err) => self.fail(scope, "sso:ListManagedPoliciesInPermissionSet", Some(set_arn), &err),
        }
        match sso
            .list_customer_managed_policy_references_in_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(set_arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
        {
            Ok(references) => write(
                "customer-managed-policies.json",
                &shapes::list_of(
                    "CustomerManagedPolicyReferences",
                    &references,
                    shapes::sso::customer_managed_reference,
                ),
            )?,
            Err(err) => self.fail(scope, "sso:ListCustomerManagedPolicyReferencesInPermissionSet", Some(set_arn), &err),
        }
        match sso
            .get_permissions_boundary_for_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(set_arn)
            .send()
            .await
        {
            Ok(out) => write(
                "permissions-boundary.json",
                &shapes::sso::permissions_boundary(out.permissions_boundary.as_ref()),
            )?,
            Err(err) if has_code(&err, &["ResourceNotFoundException"]) => {}
            Err(err) => self.fail(scope, "sso:GetPermissionsBoundaryForPermissionSet", Some(set_arn), &err),
        }
        for account in accounts {
            match sso
                .list_account_assignments()
                .instance_arn(instance_arn)
                .account_id(account)
                .permission_set_arn(set_arn)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
            {
                Ok(assignments) => write(
                    &format!("assignments/{}.json", file_name(account)),
                    &shapes::list_of("AccountAssignments", &assignments, shapes::sso::account_assignment),
                )?,
                Err(err) => self.fail(scope, "sso:ListAccountAssignments", Some(&format!("{set_arn} {account}")), &err),
            }
        }
        Ok(())
    }

    async fn identity_store(&self, sdk: &SdkConfig, scope: Scope<'_>, store: &str) -> Result<(), CollectError> {
        let identitystore = self.identitystore_client(sdk);
        self.progress.status(&format!("identitystore {store}"));
        match identitystore
            .list_users()
            .identity_store_id(store)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
        {
            Ok(users) => self.write(
                &["identity-center", "identity-store", "users.json"],
                &shapes::list_of("Users", &users, shapes::identitystore::user),
            )?,
            Err(err) => self.fail(scope, "identitystore:ListUsers", Some(store), &err),
        }
        let groups = match identitystore
            .list_groups()
            .identity_store_id(store)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
        {
            Ok(groups) => groups,
            Err(err) => {
                self.fail(scope, "identitystore:ListGroups", Some(store), &err);
                return Ok(());
            }
        };
        self.write(
            &["identity-center", "identity-store", "groups.json"],
            &shapes::list_of("Groups", &groups, shapes::identitystore::group),
        )?;
        for group in &groups {
            let group_id = group.group_id.as_str();
            match identitystore
                .list_group_memberships()
                .identity_store_id(store)
                .group_id(group_id)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
            {
                Ok(memberships) => self.write(
                    &["identity-center", "identity-store", "memberships", &format!("{}.json", file_name(group_id))],
                    &shapes::list_of("GroupMemberships", &memberships, shapes::identitystore::membership),
                )?,
                Err(err) => self.fail(scope, "identitystore:ListGroupMemberships", Some(group_id), &err),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::StaticCredentials;

    #[tokio::test(flavor = "current_thread")]
    async fn the_sdk_retries_as_configured() {
        let mut config = CollectConfig::new(PathBuf::from("unused"));
        config.region = Some("eu-west-3".into());
        config.credentials = Some(StaticCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: None,
        });
        config.max_attempts = 7;
        let sdk = base_config(&config).await;
        let retry = sdk.retry_config().cloned().unwrap_or_else(RetryConfig::disabled);
        assert_eq!(retry.max_attempts(), 7);
        assert_eq!(retry.mode(), aws_config::retry::RetryMode::Adaptive);
        assert_eq!(sdk.region().map(|r| r.as_ref().to_owned()).as_deref(), Some("eu-west-3"));
        config.retry_mode = RetryMode::Standard;
        let sdk = base_config(&config).await;
        assert_eq!(sdk.retry_config().map(|r| r.mode()), Some(aws_config::retry::RetryMode::Standard));
    }

    #[test]
    fn configs_are_checked() {
        let base = CollectConfig::new(PathBuf::from("out"));
        let mut bad = base.clone();
        bad.accounts = vec!["12345".into()];
        assert!(validate(&bad).is_err());
        let mut bad = base.clone();
        bad.regions = vec!["us-east-1/../x".into()];
        assert!(validate(&bad).is_err());
        let mut bad = base.clone();
        bad.member_role_name = Some("arn:aws:iam::1:role/x".into());
        assert!(validate(&bad).is_err());
        let mut bad = base.clone();
        bad.concurrency = 0;
        assert!(validate(&bad).is_err());
        let mut good = base;
        good.accounts = vec!["111122223333".into()];
        good.member_role_name = Some("audit/RemitCollector".into());
        assert!(validate(&good).is_ok());
    }
}
