//! Capturing an environment as a snapshot: its files as blobs, then what the engine derives from
//! it (principals with their effective permissions, resources, findings) as versions.
//!
//! Why the files are split: an account's `authorization-details.json` holds every user, group,
//! role and policy of the account, and is megabytes on a large account. Stored whole, one
//! changed role would store the whole export again. A JSON object's arrays are therefore stored
//! entry by entry, with a small manifest naming the entries in order; unchanged entries are the
//! same blobs in every snapshot. The file read back is the same JSON (not byte for byte: the
//! importer reads values, not spacing).

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use rayon::prelude::*;
use remit_aws_analysis::{AwsAnalysis, WhatCanFilter};
use remit_findings::{Finding, Timestamp};
use remit_store::{AuditEvent, NewSnapshot, NewVersion, SnapshotRow, Store, sha256_hex};
use serde_json::{Value, json};

use crate::HistoryError;

/// A file of the collection (key: its path in the bundle, `/`-separated).
pub const FILE: &str = "file";
/// A principal (key: its ARN; hash: the blob of its effective permissions).
pub const PRINCIPAL: &str = "principal";
/// A resource (key: its ARN).
pub const RESOURCE: &str = "resource";
/// A finding (key: its id; hash: the blob of its JSON, without first-seen or suppression).
pub const FINDING: &str = "finding";

/// How `--taken-at` and snapshot times are written: RFC 3339 in UTC.
pub const TAKEN_AT_FORMAT: &str = "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ";

/// Files at least this large whose JSON is an object are stored entry by entry.
const SPLIT_AT: usize = 16 * 1024;

/// The top-level entries of a bundle that the importer reads (anything else in the directory,
/// such as logs or a data directory, is not part of the collection).
const BUNDLE_ENTRIES: &[&str] =
    &["bundle.json", "organization", "accounts", "identity-center", "azure", "gcp", "people"];

/// What a capture stored.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The new snapshot.
    pub snapshot: SnapshotRow,
    /// Blobs written (the rest were already stored).
    pub new_blobs: usize,
    /// Blobs the snapshot refers to.
    pub blobs: usize,
    /// Import issues (principals and resources they touch are marked incomplete).
    pub issues: usize,
    /// Versions that changed since the previous snapshot of the environment, by kind.
    pub changed: BTreeMap<String, usize>,
}

/// The manifest of a file stored entry by entry.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Manifest {
    /// `remit-split-json`.
    pub(crate) format: String,
    /// The object's members in order: a name and either one blob (a value) or a list (an
    /// array's entries).
    pub(crate) members: Vec<(String, Member)>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Member {
    Value(String),
    Array(Vec<String>),
}

pub(crate) const MANIFEST_FORMAT: &str = "remit-split-json";

/// Blobs to store, by hash.
#[derive(Default)]
struct Blobs(BTreeMap<String, Vec<u8>>);

impl Blobs {
    fn add(&mut self, bytes: Vec<u8>) -> String {
        let hash = sha256_hex(&bytes);
        self.0.entry(hash.clone()).or_insert(bytes);
        hash
    }
}

pub(crate) async fn capture(
    store: &Store,
    path: &Path,
    env: &str,
    taken_at: Option<i64>,
    audit: &AuditEvent,
) -> Result<Captured, HistoryError> {
    let owned = path.to_path_buf();
    let (blobs, versions, summary, issues, taken_at) =
        tokio::task::spawn_blocking(move || prepare(&owned, taken_at)).await.map_err(|e| HistoryError::Import {
            path: path.display().to_string(),
            message: format!("the analysis stopped: {e}"),
        })??;
    let previous = store.latest_snapshot(Some(env)).await?;
    // Refused before anything is written (the store refuses it again in the snapshot's
    // transaction, in case another capture committed meanwhile).
    if let Some(latest) = &previous
        && taken_at < latest.taken_at
    {
        return Err(remit_store::StoreError::OutOfOrder {
            database: store.path().to_owned(),
            env: env.to_owned(),
            taken_at,
            latest: latest.taken_at,
        }
        .into());
    }
    let before: BTreeMap<(String, String), String> = match &previous {
        Some(p) => {
            let mut m = BTreeMap::new();
            for kind in [FILE, PRINCIPAL, RESOURCE, FINDING] {
                for v in store.versions(p, kind).await? {
                    m.insert((v.kind, v.key), v.hash);
                }
            }
            m
        }
        None => BTreeMap::new(),
    };
    let mut changed: BTreeMap<String, usize> = BTreeMap::new();
    for v in &versions {
        if before.get(&(v.kind.clone(), v.key.clone())) != Some(&v.hash) {
            *changed.entry(v.kind.clone()).or_default() += 1;
        }
    }
    let total = blobs.0.len();
    let blob_list: Vec<(String, Vec<u8>)> = blobs.0.into_iter().collect();
    // Blobs first, in their own transactions: a blob no snapshot names is harmless, and the
    // snapshot itself then commits in one transaction (all of it, or nothing).
    let mut new_blobs = 0;
    for chunk in blob_list.chunks(512) {
        new_blobs += store.put_blobs(chunk).await?;
    }
    let new = NewSnapshot {
        env: env.to_owned(),
        cloud: summary_clouds(&summary),
        source: path.display().to_string(),
        taken_at,
        summary,
        versions,
    };
    let snapshot = store.commit_snapshot(&new, audit).await?;
    Ok(Captured { snapshot, new_blobs, blobs: total, issues, changed })
}

type Prepared = (Blobs, Vec<NewVersion>, Value, usize, i64);

/// The clouds a snapshot holds (`aws`, `aws,azure,gcp` ...), from its summary.
fn summary_clouds(summary: &Value) -> String {
    let clouds: Vec<&str> = summary
        .get("principals_by_cloud")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter(|(_, n)| n.as_u64().unwrap_or(0) > 0).map(|(c, _)| c.as_str()).collect())
        .unwrap_or_default();
    if clouds.is_empty() { "aws".to_owned() } else { clouds.join(",") }
}

/// Reads, analyses and encodes everything a snapshot stores (blocking: seconds on a large
/// organization, on every core), and says when the snapshot is taken: `taken_at`, else the
/// bundle's `collectedAt`, else now.
///
/// Ages in findings (an access key's, an identity's inactivity) are counted to that time, not
/// to the clock: a snapshot of March tells March's ages, and capturing the same collection
/// twice stores the same findings.
fn prepare(path: &Path, taken_at: Option<i64>) -> Result<Prepared, HistoryError> {
    let mut blobs = Blobs::default();
    let mut versions = Vec::new();
    for (key, file) in collection_files(path)? {
        let bytes =
            fs::read(&file).map_err(|source| HistoryError::Read { path: file.display().to_string(), source })?;
        let size = bytes.len();
        let (hash, split) = store_file(&mut blobs, bytes);
        versions.push(NewVersion { kind: FILE.to_owned(), key, hash, meta: json!({"size": size, "split": split}) });
    }

    let has_aws = remit_estate::has_aws(path);
    let environment = match has_aws {
        true => remit_aws_import::load(path)
            .map_err(|e| HistoryError::Import { path: path.display().to_string(), message: e.to_string() })?,
        false => remit_aws_import::AwsEnvironment::default(),
    };
    let issues = environment.issues.len();
    let collected_at = environment
        .bundle
        .as_ref()
        .and_then(|b| b.collected_at.as_deref())
        .and_then(|t| Timestamp::parse(t).ok())
        .map(Timestamp::unix);
    // One version per ARN: a resource may be read from several files (a bucket's policy, its
    // access points' policies).
    let resources: BTreeMap<String, (String, String)> = environment
        .accounts
        .iter()
        .flat_map(|a| a.resources.iter().map(move |r| (r.arn.clone(), (r.service.clone(), a.id.clone()))))
        .collect();
    let accounts = environment.accounts.len();
    let analysis = AwsAnalysis::new(remit_aws_risk::admin::with_probes(environment));
    // Azure, Google Cloud and the people beside AWS: one snapshot of the whole estate.
    let estate = remit_estate::Estate::load_beside(path, Some(&analysis), remit_estate::Parts::ALL)
        .map_err(|e| HistoryError::Import { path: path.display().to_string(), message: e.to_string() })?;
    let issues = issues + estate.issues.len();

    let taken_at = taken_at.or(collected_at).unwrap_or_else(|| Timestamp::now().unix());
    let mut findings = match has_aws {
        true => remit_aws_risk::scan(&analysis, &remit_aws_risk::ScanOptions::new(Timestamp::from_unix(taken_at))),
        false => Vec::new(),
    };
    findings.extend(estate.findings());
    estate.name_people(&mut findings);
    let mut by_severity: BTreeMap<&str, u64> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.is_open()) {
        *by_severity.entry(f.severity.as_str()).or_default() += 1;
    }
    for finding in &findings {
        let (hash, meta) = finding_blob(&mut blobs, finding);
        versions.push(NewVersion { kind: FINDING.to_owned(), key: finding.id.to_string(), hash, meta });
    }

    let principals: Vec<&remit_model::Principal> =
        analysis.principals().filter(|p| !remit_aws_risk::admin::is_probe(&p.id)).collect();
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    for p in &principals {
        *by_kind.entry(p.kind.as_str()).or_default() += 1;
    }
    let grants: Vec<(String, Vec<u8>, Value)> = principals
        .par_iter()
        .map(|p| {
            let lines = grant_text(&analysis, &p.id);
            let meta = json!({
                "kind": p.kind.as_str(), "name": p.name, "account": p.scope, "cloud": "aws",
                "incomplete": p.incomplete, "actions": lines.lines().count(),
            });
            (p.id.clone(), lines.into_bytes(), meta)
        })
        .collect();
    for (arn, text, meta) in grants {
        let hash = blobs.add(text);
        versions.push(NewVersion { kind: PRINCIPAL.to_owned(), key: arn, hash, meta });
    }
    // Azure and Google Cloud principals, with their entitlements as lines.
    let mut by_cloud: BTreeMap<&str, u64> = BTreeMap::new();
    by_cloud.insert("aws", principals.len() as u64);
    let others = estate_principals(&estate);
    for (principal, lines) in &others {
        *by_kind.entry(principal.kind.as_str()).or_default() += 1;
        *by_cloud.entry(principal.cloud.as_str()).or_default() += 1;
        let meta = json!({
            "kind": principal.kind.as_str(), "name": principal.name, "account": principal.scope,
            "cloud": principal.cloud.as_str(), "incomplete": principal.incomplete, "actions": lines.lines().count(),
        });
        let hash = blobs.add(lines.clone().into_bytes());
        versions.push(NewVersion { kind: PRINCIPAL.to_owned(), key: principal.id.clone(), hash, meta });
    }
    let mut other_resources = 0;
    for resource in estate
        .azure
        .iter()
        .flat_map(|t| t.analysis.resources())
        .chain(estate.gcp.iter().flat_map(|o| o.analysis.resources()))
    {
        if resources.contains_key(&resource.id) {
            continue;
        }
        other_resources += 1;
        let scope = resource.scope.clone().unwrap_or_default();
        versions.push(NewVersion {
            kind: RESOURCE.to_owned(),
            key: resource.id.clone(),
            hash: sha256_hex(format!("{}\t{}\t{scope}", resource.id, resource.resource_type).as_bytes()),
            meta: json!({"service": resource.resource_type, "account": scope, "cloud": resource.cloud.as_str()}),
        });
    }
    for (arn, (service, account)) in &resources {
        versions.push(NewVersion {
            kind: RESOURCE.to_owned(),
            key: arn.clone(),
            hash: sha256_hex(format!("{arn}\t{service}\t{account}").as_bytes()),
            meta: json!({"service": service, "account": account}),
        });
    }
    let summary = json!({
        "layout": if path.is_dir() { "bundle" } else { "file" },
        "accounts": accounts,
        "principals": principals.len() + others.len(),
        "principals_by_kind": by_kind,
        "principals_by_cloud": by_cloud,
        "resources": resources.len() + other_resources,
        "azure_tenants": estate.azure.len(),
        "gcp_organizations": estate.gcp.len(),
        "persons": estate.people.as_ref().filter(|_| estate.people_collected).map_or(0, |p| p.persons().len()),
        "findings": findings.iter().filter(|f| f.is_open()).count(),
        "findings_by_severity": by_severity,
        "import_issues": issues,
    });
    Ok((blobs, versions, summary, issues, taken_at))
}

/// Every Azure and Google Cloud principal with its entitlements as sorted
/// `action\tresource\taccess` lines (an action with what it subtracts as `action -except,...`;
/// a data-plane action prefixed `data:`; an eligible grant's access `eligible-allowed`).
fn estate_principals(estate: &remit_estate::Estate) -> Vec<(std::sync::Arc<remit_model::Principal>, String)> {
    let azure = estate.azure.iter().flat_map(|t| {
        t.analysis.principals().iter().map(move |p| (p.clone(), t.analysis.what_can(&p.id).unwrap_or_default()))
    });
    let gcp = estate.gcp.iter().flat_map(|o| {
        o.analysis.principals().iter().map(move |p| (p.clone(), o.analysis.what_can(&p.id).unwrap_or_default()))
    });
    azure
        .chain(gcp)
        .map(|(p, entitlements)| {
            let mut lines: Vec<String> = entitlements
                .iter()
                .map(|e| {
                    let plane = if e.data_plane { "data:" } else { "" };
                    let except = match e.except.is_empty() {
                        true => String::new(),
                        false => format!(" -{}", e.except.iter().map(|x| &**x).collect::<Vec<_>>().join(",")),
                    };
                    let eligible = if e.eligible() { "eligible-" } else { "" };
                    format!("{plane}{}{except}\t{}\t{eligible}{}\n", e.action, e.resource, e.access.as_str())
                })
                .collect();
            lines.sort_unstable();
            lines.dedup();
            (p, lines.concat())
        })
        .collect()
}

/// A principal's effective permissions as sorted `action\tresource\taccess` lines.
fn grant_text(analysis: &AwsAnalysis, principal: &str) -> String {
    let Ok(permissions) = analysis.what_can(principal, &WhatCanFilter::default()) else {
        return String::new();
    };
    let mut lines: Vec<String> = permissions
        .iter()
        .flat_map(|p| p.resources.iter().map(move |(r, a)| format!("{}\t{r}\t{}\n", p.action, a.as_str())))
        .collect();
    lines.sort_unstable();
    lines.concat()
}

/// A finding's blob: its JSON without what changes from scan to scan for the same risk
/// (first-seen, which history derives, and a user's suppression, which the store keeps).
fn finding_blob(blobs: &mut Blobs, finding: &Finding) -> (String, Value) {
    let mut stored = finding.clone();
    stored.first_seen = None;
    if stored.suppressed.as_ref().is_some_and(|s| s.by != "remit") {
        stored.suppressed = None;
    }
    let bytes = serde_json::to_vec(&stored).unwrap_or_default();
    let hash = blobs.add(bytes);
    let meta = json!({
        "kind": finding.kind.as_str(),
        "severity": finding.severity.as_str(),
        "title": finding.title,
        "principals": finding.principals,
        "resources": finding.resources.iter().take(20).collect::<Vec<_>>(),
        "neutralized": finding.suppressed.as_ref().is_some_and(|s| s.by == "remit"),
        "conditional": !finding.reach.is_allowed(),
    });
    (hash, meta)
}

/// A file's content as blobs: `(the file's hash, split or not)`.
fn store_file(blobs: &mut Blobs, bytes: Vec<u8>) -> (String, bool) {
    if bytes.len() >= SPLIT_AT
        && let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(&bytes)
        && members.values().any(Value::is_array)
    {
        let mut manifest = Manifest { format: MANIFEST_FORMAT.to_owned(), members: Vec::new() };
        for (name, value) in members {
            let member = match value {
                Value::Array(entries) => Member::Array(
                    entries.into_iter().map(|e| blobs.add(serde_json::to_vec(&e).unwrap_or_default())).collect(),
                ),
                other => Member::Value(blobs.add(serde_json::to_vec(&other).unwrap_or_default())),
            };
            manifest.members.push((name, member));
        }
        let encoded = serde_json::to_vec(&manifest).unwrap_or_default();
        return (blobs.add(encoded), true);
    }
    (blobs.add(bytes), false)
}

/// The files of a collection, with their keys: a bundle's files (only the entries the importer
/// reads), or the one file given.
fn collection_files(path: &Path) -> Result<Vec<(String, PathBuf)>, HistoryError> {
    let meta = fs::metadata(path).map_err(|source| HistoryError::Read { path: path.display().to_string(), source })?;
    if !meta.is_dir() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export.json".into());
        return Ok(vec![(name, path.to_path_buf())]);
    }
    let mut out = Vec::new();
    for entry in BUNDLE_ENTRIES {
        let p = path.join(entry);
        if p.is_file() {
            out.push(((*entry).to_owned(), p));
        } else if p.is_dir() {
            walk(&p, entry, &mut out)?;
        }
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<(), HistoryError> {
    let read = |source| HistoryError::Read { path: dir.display().to_string(), source };
    for entry in fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = format!("{prefix}/{name}");
        let kind = entry.file_type().map_err(read)?;
        if kind.is_dir() {
            walk(&entry.path(), &key, out)?;
        } else if kind.is_file() {
            out.push((key, entry.path()));
        }
    }
    Ok(())
}
