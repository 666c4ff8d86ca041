//! Reading a snapshot back: its files written to a temporary directory from their blobs and
//! imported by the same importer as a live bundle, so that a question about last March is
//! answered by exactly the engine that answers about today.

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
};

use remit_aws_analysis::AwsAnalysis;
use remit_findings::{Finding, Suppressed, Timestamp};
use remit_store::{SnapshotRow, Store};

use crate::{
    HistoryError, Loaded,
    capture::{FILE, FINDING, MANIFEST_FORMAT, Manifest, Member},
};

/// A snapshot's files written back to a temporary directory: the directory (removed when
/// dropped) and what to import (the directory, or its one file).
pub(crate) async fn materialize(
    store: &Store,
    snapshot: &SnapshotRow,
) -> Result<(tempfile::TempDir, PathBuf), HistoryError> {
    let files = store.versions(snapshot, FILE).await?;
    let mut contents: Vec<(String, Vec<u8>)> = Vec::with_capacity(files.len());
    for file in &files {
        let split = file.meta.get("split").and_then(serde_json::Value::as_bool).unwrap_or(false);
        let bytes = if split {
            assemble(store, snapshot.id, &file.hash).await?
        } else {
            blob(store, snapshot.id, &file.hash).await?
        };
        contents.push((file.key.clone(), bytes));
    }
    let layout_file = snapshot.summary.get("layout").and_then(serde_json::Value::as_str) == Some("file");
    let id = snapshot.id;
    tokio::task::spawn_blocking(move || -> Result<(tempfile::TempDir, PathBuf), HistoryError> {
        let dir = tempfile::Builder::new().prefix("remit-snapshot-").tempdir().map_err(HistoryError::Temporary)?;
        for (key, bytes) in &contents {
            // Keys are relative paths captured by Remit; anything else is refused rather than
            // written outside the directory.
            if key.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
                return Err(HistoryError::Damaged { snapshot: id, message: format!("unsafe file name `{key}`") });
            }
            let path = dir.path().join(key);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(HistoryError::Temporary)?;
            }
            fs::write(&path, bytes).map_err(HistoryError::Temporary)?;
        }
        let target = match (layout_file, contents.first()) {
            (true, Some((key, _))) => dir.path().join(key),
            _ => dir.path().to_path_buf(),
        };
        Ok((dir, target))
    })
    .await
    .map_err(|e| HistoryError::Damaged { snapshot: id, message: format!("writing stopped: {e}") })?
}

pub(crate) async fn load(store: &Store, snapshot: &SnapshotRow) -> Result<Loaded, HistoryError> {
    let (dir, target) = materialize(store, snapshot).await?;
    let findings = findings(store, snapshot).await?;
    let id = snapshot.id;
    let (analysis, estate) =
        tokio::task::spawn_blocking(move || -> Result<(AwsAnalysis, remit_estate::Estate), HistoryError> {
            let import_error = |message: String| HistoryError::Import { path: format!("snapshot {id}"), message };
            let target = Path::new(&target);
            let environment = match remit_estate::has_aws(target) {
                true => remit_aws_import::load(target).map_err(|e| import_error(e.to_string()))?,
                false => remit_aws_import::AwsEnvironment::default(),
            };
            let analysis = AwsAnalysis::new(environment);
            let estate = remit_estate::Estate::load_beside(target, Some(&analysis), remit_estate::Parts::ALL)
                .map_err(|e| import_error(e.to_string()))?;
            drop(dir);
            Ok((analysis, estate))
        })
        .await
        .map_err(|e| HistoryError::Damaged { snapshot: id, message: format!("loading stopped: {e}") })??;
    Ok(Loaded { snapshot: snapshot.clone(), analysis, estate, findings })
}

/// The findings of a snapshot with first-seen times from history, as captured (without the
/// store's suppressions, which change without a new snapshot: see [`suppress`]).
pub(crate) async fn findings(store: &Store, snapshot: &SnapshotRow) -> Result<Vec<Finding>, HistoryError> {
    let versions = store.versions(snapshot, FINDING).await?;
    let hashes: Vec<String> = versions.iter().map(|v| v.hash.clone()).collect();
    let mut blobs = HashMap::new();
    for chunk in hashes.chunks(500) {
        blobs.extend(store.blobs(chunk).await?);
    }
    let taken: HashMap<i64, i64> =
        store.snapshots(Some(&snapshot.env)).await?.into_iter().map(|s| (s.id, s.taken_at)).collect();
    let mut out = Vec::with_capacity(versions.len());
    for v in &versions {
        let bytes = blobs.get(&v.hash).ok_or_else(|| HistoryError::Damaged {
            snapshot: snapshot.id,
            message: format!("the blob {} of finding {} is missing", v.hash, v.key),
        })?;
        let mut finding: Finding = serde_json::from_slice(bytes)
            .map_err(|e| HistoryError::Damaged { snapshot: snapshot.id, message: format!("finding {}: {e}", v.key) })?;
        finding.first_seen = taken.get(&v.valid_from).map(|t| Timestamp::from_unix(*t).to_string());
        out.push(finding);
    }
    Ok(out)
}

/// The store's suppressions in force now for an environment, by finding id.
pub(crate) async fn suppressions(store: &Store, env: &str) -> Result<HashMap<String, Suppressed>, HistoryError> {
    let now = Timestamp::now().unix();
    Ok(store
        .suppressions(env)
        .await?
        .into_iter()
        .filter(|s| s.expires_at.is_none_or(|e| e > now))
        .map(|s| {
            let suppressed = Suppressed {
                reason: s.reason,
                by: s.by,
                expires: s.expires_at.map(|e| Timestamp::from_unix(e).to_string()),
            };
            (s.finding, suppressed)
        })
        .collect())
}

/// Marks the findings the store's suppressions (not expired) name, for the snapshot's
/// environment; a finding the analysis itself found neutralized keeps that reason.
pub(crate) async fn suppress(store: &Store, env: &str, findings: &mut [Finding]) -> Result<(), HistoryError> {
    let suppressions = suppressions(store, env).await?;
    for finding in findings.iter_mut() {
        if finding.suppressed.is_none()
            && let Some(s) = suppressions.get(&finding.id.to_string())
        {
            finding.suppressed = Some(s.clone());
        }
    }
    Ok(())
}

pub(crate) async fn blob(store: &Store, snapshot: i64, hash: &str) -> Result<Vec<u8>, HistoryError> {
    store
        .blob(hash)
        .await?
        .ok_or_else(|| HistoryError::Damaged { snapshot, message: format!("the blob {hash} is missing") })
}

pub(crate) async fn blob_text(store: &Store, snapshot: i64, hash: &str) -> Result<String, HistoryError> {
    String::from_utf8(blob(store, snapshot, hash).await?)
        .map_err(|_| HistoryError::Damaged { snapshot, message: format!("the blob {hash} is not text") })
}

/// A split file put back together from its manifest.
async fn assemble(store: &Store, snapshot: i64, hash: &str) -> Result<Vec<u8>, HistoryError> {
    let manifest: Manifest = serde_json::from_slice(&blob(store, snapshot, hash).await?)
        .map_err(|e| HistoryError::Damaged { snapshot, message: format!("manifest {hash}: {e}") })?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(HistoryError::Damaged { snapshot, message: format!("manifest {hash}: unknown format") });
    }
    let mut wanted: Vec<String> = Vec::new();
    for (_, member) in &manifest.members {
        match member {
            Member::Value(h) => wanted.push(h.clone()),
            Member::Array(hs) => wanted.extend(hs.iter().cloned()),
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let mut parts = HashMap::new();
    for chunk in wanted.chunks(500) {
        parts.extend(store.blobs(chunk).await?);
    }
    let get = |h: &String| {
        parts.get(h).ok_or_else(|| HistoryError::Damaged { snapshot, message: format!("the blob {h} is missing") })
    };
    let mut out = Vec::new();
    out.push(b'{');
    for (i, (name, member)) in manifest.members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend(serde_json::to_vec(name).unwrap_or_default());
        out.push(b':');
        match member {
            Member::Value(h) => out.extend(get(h)?),
            Member::Array(hs) => {
                out.push(b'[');
                for (j, h) in hs.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    out.extend(get(h)?);
                }
                out.push(b']');
            }
        }
    }
    out.push(b'}');
    Ok(out)
}
