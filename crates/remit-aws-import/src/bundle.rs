//! The bundle directory (`docs/environment-bundle.md`) and the single-file form.

use std::{
    collections::BTreeMap,
    fs,
    io::ErrorKind,
    path::{Path, PathBuf},
};

use rayon::prelude::*;

use crate::{
    authz, credential_report, dir,
    env::{
        Account, AwsEnvironment, BundleInfo, CredentialReportRow, ImportIssue, OrgNodeKind, PublicAccessBlock, Resource,
    },
    identity_center,
    json::{self, FileRead, Obj, Sink},
    org, resources, workloads,
};

/// Why an environment cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// A directory that is not an environment bundle.
    #[error(
        "{}: not an environment bundle (expected `bundle.json`, `accounts/`, `organization/` or `identity-center/`{})",
        path.display(), detail
    )]
    NotABundle {
        /// The path given.
        path: PathBuf,
        /// What was found instead, when it helps.
        detail: String,
    },
    /// A file that is not an `aws iam get-account-authorization-details` export.
    #[error("{}: {message}{}", path.display(), if location.is_empty() { String::new() } else { format!(" (at {location})") })]
    NotAuthorizationDetails {
        /// The path given.
        path: PathBuf,
        /// Where in the file (`line L column C` for bad JSON), when known.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The path exists but cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Reads an environment: a bundle directory, or one `aws iam get-account-authorization-details`
/// file (one account, its id taken from the ARNs).
///
/// Fails only when nothing can be read; everything else becomes an [`ImportIssue`] and the
/// rest imports.
pub fn load(path: &Path) -> Result<AwsEnvironment, LoadError> {
    let meta = fs::metadata(path).map_err(|source| match source.kind() {
        ErrorKind::NotFound => LoadError::NotFound { path: path.to_path_buf() },
        _ => LoadError::Read { path: path.to_path_buf(), source },
    })?;
    if meta.is_dir() { load_bundle(path) } else { load_file(path) }
}

/// Reads one authorization-details export from bytes: the account (its id from the ARNs) and
/// the issues, with `file` as their file. Never fails: a file that is not an export is one
/// issue and an empty account marked `iam_incomplete`.
pub fn parse_authorization_details(bytes: &[u8], file: &Path) -> (Account, Vec<ImportIssue>) {
    let mut issues = Vec::new();
    let mut sink = Sink::new(file.to_path_buf(), &mut issues);
    let account = match authz::read(bytes, None, &mut sink) {
        Ok(account) => account,
        Err(err) => {
            sink.push(err.location(), err.message());
            unreadable_account(String::new())
        }
    };
    (account, issues)
}

fn unreadable_account(id: String) -> Account {
    Account { id, iam_collected: true, iam_incomplete: true, partition: "aws".into(), ..Account::default() }
}

fn load_file(path: &Path) -> Result<AwsEnvironment, LoadError> {
    let bytes = fs::read(path).map_err(|source| LoadError::Read { path: path.to_path_buf(), source })?;
    let file = path.file_name().map(PathBuf::from).unwrap_or_else(|| path.to_path_buf());
    let mut issues = Vec::new();
    let mut sink = Sink::new(file, &mut issues);
    let account = authz::read(&bytes, None, &mut sink).map_err(|err| LoadError::NotAuthorizationDetails {
        path: path.to_path_buf(),
        location: err.location().to_owned(),
        message: err.message(),
    })?;
    Ok(AwsEnvironment { accounts: vec![account], issues, ..AwsEnvironment::default() })
}

fn load_bundle(path: &Path) -> Result<AwsEnvironment, LoadError> {
    let has = |name: &str| path.join(name).exists();
    if !["bundle.json", "accounts", "organization", "identity-center"].iter().any(|name| has(name)) {
        let detail = if has("authorization-details.json") {
            "; an `authorization-details.json` alone is read when given as the path".to_owned()
        } else {
            String::new()
        };
        return Err(LoadError::NotABundle { path: path.to_path_buf(), detail });
    }
    let mut env = AwsEnvironment::default();
    fs::read_dir(path).map_err(|source| LoadError::Read { path: path.to_path_buf(), source })?;

    // bundle.json: {"format": "remit-aws-bundle", "version": 1, "collectedAt", "collector"}
    let mut sink = Sink::new(PathBuf::from("bundle.json"), &mut env.issues);
    if let FileRead::Json(value) = json::read_json(&path.join("bundle.json"), &mut sink)
        && let Some(root) = Obj::new(&value, "", &mut sink)
    {
        if let Some(format) = root.str("format", &mut sink)
            && format != "remit-aws-bundle"
        {
            return Err(LoadError::NotABundle {
                path: path.to_path_buf(),
                detail: format!("; `bundle.json` says its format is `{format}`"),
            });
        }
        let version = root.u64("version", &mut sink).unwrap_or(1);
        if version != 1 {
            sink.push("version", format!("version {version} of the bundle format: read as version 1"));
        }
        env.bundle = Some(BundleInfo {
            version,
            collected_at: root.date("collectedAt", &mut sink),
            collector: root.string("collector", &mut sink),
        });
    }

    if path.join("organization").is_dir() {
        env.organization = Some(org::read(path, &mut env.issues));
    }

    // accounts/<account-id>/
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    let accounts_rel = PathBuf::from("accounts");
    let entries =
        dir::list(&path.join(&accounts_rel), &mut Sink::new(accounts_rel.clone(), &mut env.issues)).unwrap_or_default();
    // Accounts are read on every core (an organization holds hundreds), their issues kept
    // apart and joined in the order of the directory.
    let read: Vec<Option<(Account, Vec<ImportIssue>)>> = entries
        .par_iter()
        .map(|entry| {
            (entry.is_dir && remit_aws_policy::is_account_id(&entry.name)).then(|| {
                let mut issues = Vec::new();
                let account = read_account(path, &accounts_rel.join(&entry.name), &entry.name, &mut issues);
                (account, issues)
            })
        })
        .collect();
    for (entry, read) in entries.into_iter().zip(read) {
        if !entry.is_dir {
            continue;
        }
        let Some((account, issues)) = read else {
            let mut sink = Sink::new(accounts_rel.join(&entry.name), &mut env.issues);
            sink.push("", "not a 12-digit account id (ignored)");
            continue;
        };
        env.issues.extend(issues);
        accounts.insert(entry.name, account);
    }

    // Accounts known from the organization: their names, and those the bundle has nothing else on.
    if let Some(org) = &env.organization {
        let in_tree = !org.nodes.is_empty();
        for node in org.nodes.iter().filter(|node| node.kind == OrgNodeKind::Account) {
            let account = accounts.entry(node.id.clone()).or_insert_with(|| Account {
                id: node.id.clone(),
                partition: node.arn.as_deref().and_then(json::arn_partition).unwrap_or("aws").to_owned(),
                ..Account::default()
            });
            account.name = Some(node.name.clone());
        }
        if in_tree {
            for (id, _) in accounts.iter().filter(|(_, account)| account.name.is_none()) {
                let mut sink = Sink::new(accounts_rel.join(id), &mut env.issues);
                sink.push("", "not in the organization tree: the SCPs and RCPs that apply to it are unknown");
            }
        }
    }
    env.accounts = accounts.into_values().collect();

    if path.join("identity-center").is_dir() {
        env.identity_center = Some(identity_center::read(path, &mut env.issues));
    }
    Ok(env)
}

fn read_account(bundle: &Path, rel: &Path, id: &str, issues: &mut Vec<ImportIssue>) -> Account {
    // The authorization details (one large file, its first pass on one core) are read while
    // the other core reads the credential report, the resources and the workloads (thousands
    // of small files). The resources are read for the `aws` partition meanwhile, and again in
    // the partition the export names if it is another (GovCloud, China): their ARNs carry it.
    // Workloads take their partition from their region, or from their outputs' ARNs.
    let (mut authz_issues, mut report_issues, mut resource_issues, mut workload_issues) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut account, (report, (resources, (workloads, collected)))) = rayon::join(
        || read_authorization_details(bundle, rel, id, &mut authz_issues),
        || {
            let report = read_credential_report(bundle, rel, &mut report_issues);
            let read = rayon::join(
                || read_resources(bundle, rel, id, "aws", &mut resource_issues),
                || workloads::read(bundle, rel, id, &mut workload_issues),
            );
            (report, read)
        },
    );
    let (resources, block) = match account.partition.as_str() {
        "aws" => resources,
        partition => {
            resource_issues.clear();
            read_resources(bundle, rel, id, partition, &mut resource_issues)
        }
    };
    issues.extend(authz_issues);
    issues.extend(report_issues);
    issues.extend(resource_issues);
    issues.extend(workload_issues);
    if let Some(report) = report {
        account.credential_report_collected = true;
        account.credential_report = report;
    }
    account.resources = resources;
    account.s3_public_access_block = block;
    account.workloads = workloads;
    account.workloads_collected = collected;
    workloads::resolve_instance_roles(
        &mut account.workloads,
        &account.roles,
        &rel.join("authorization-details.json"),
        issues,
    );
    account
}

/// An account's `authorization-details.json` (an account without one has no IAM data).
fn read_authorization_details(bundle: &Path, rel: &Path, id: &str, issues: &mut Vec<ImportIssue>) -> Account {
    let authz_rel = rel.join("authorization-details.json");
    match fs::read(bundle.join(&authz_rel)) {
        Ok(bytes) => {
            let mut sink = Sink::new(authz_rel, issues);
            match authz::read(&bytes, Some(id), &mut sink) {
                Ok(account) => account,
                Err(err) => {
                    sink.push(err.location(), err.message());
                    unreadable_account(id.to_owned())
                }
            }
        }
        Err(err) if err.kind() == ErrorKind::NotFound => {
            Account { id: id.to_owned(), partition: "aws".into(), ..Account::default() }
        }
        Err(err) => {
            Sink::new(authz_rel, issues).push("", format!("cannot read the file: {err}"));
            unreadable_account(id.to_owned())
        }
    }
}

/// An account's `credential-report.csv`, when collected.
fn read_credential_report(
    bundle: &Path,
    rel: &Path,
    issues: &mut Vec<ImportIssue>,
) -> Option<Vec<CredentialReportRow>> {
    let report_rel = rel.join("credential-report.csv");
    match fs::read(bundle.join(&report_rel)) {
        Ok(bytes) => Some(credential_report::parse(&bytes, &mut Sink::new(report_rel, issues))),
        Err(err) if err.kind() == ErrorKind::NotFound => None,
        Err(err) => {
            Sink::new(report_rel, issues).push("", format!("cannot read the file: {err}"));
            None
        }
    }
}

/// An account's resources (their policies and controls), with ARNs in `partition`, and the
/// account's S3 Block Public Access settings.
fn read_resources(
    bundle: &Path,
    rel: &Path,
    id: &str,
    partition: &str,
    issues: &mut Vec<ImportIssue>,
) -> (Vec<Resource>, Option<PublicAccessBlock>) {
    let mut reader = resources::Reader {
        bundle,
        account_dir: rel.to_path_buf(),
        account_id: id,
        partition,
        issues,
        resources: Vec::new(),
        account_public_access_block: None,
    };
    reader.read_all();
    (reader.resources, reader.account_public_access_block)
}
