//! Environments over time: every collection becomes a snapshot, and every question can be asked
//! of any of them.
//!
//! Why snapshots of the raw collection and not only of answers: the question an auditor asks
//! about last quarter ("who could read this bucket on 1 March?") is rarely one Remit answered on
//! 1 March. Keeping what was collected lets today's engine answer any question of any date,
//! exactly. Keeping it cheaply is the store's temporal versions: a snapshot records only what
//! changed since the previous one (a file, a principal's effective permissions, a finding), and
//! content lives once, in blobs addressed by their SHA-256, however many snapshots share it.
//! Large exports (an account's authorization details) are split into their entries, so that one
//! changed role stores one role, not the account's whole export again.
//!
//! Derived data is captured with the snapshot: each principal's effective permissions (one
//! `action\tresource\taccess` line each, for diffs) and the findings (for the dashboard's trend
//! and first-seen times, which are the time of the first snapshot that had the finding).

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex},
};

use remit_aws_analysis::AwsAnalysis;
use remit_findings::Finding;
use remit_store::{AuditEvent, SnapshotRow, Store, StoreError, VersionRow};

pub mod answers;
mod capture;
mod diff;
mod load;

pub use crate::{
    capture::{Captured, TAKEN_AT_FORMAT},
    diff::{Diff, GrantChange, Listed},
};

/// A history error, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file of the environment could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The environment could not be imported.
    #[error("cannot import the environment {path}: {message}")]
    Import {
        /// The bundle or file.
        path: String,
        /// Why.
        message: String,
    },
    /// No snapshot answers the selection.
    #[error("{0}")]
    NoSnapshot(String),
    /// A blob a snapshot names is missing or damaged.
    #[error("snapshot {snapshot}: {message}")]
    Damaged {
        /// The snapshot.
        snapshot: i64,
        /// What is wrong.
        message: String,
    },
    /// A temporary directory could not be written.
    #[error("cannot write the snapshot's files to a temporary directory: {0}")]
    Temporary(#[source] std::io::Error),
}

/// A snapshot read back into an analysis, with its findings.
pub struct Loaded {
    /// The snapshot.
    pub snapshot: SnapshotRow,
    /// The analysis of its AWS part (empty when it has none).
    pub analysis: AwsAnalysis,
    /// Its Azure, Google Cloud and people parts (the estate's own `aws` is `None`: AWS is
    /// `analysis`).
    pub estate: remit_estate::Estate,
    /// Its findings as captured, with first-seen times from history, without users'
    /// suppressions (they change without a new snapshot: [`History::findings`] applies them).
    pub findings: Vec<Finding>,
}

/// Snapshots in a store, and the analyses of the ones recently asked about.
///
/// Loading a snapshot takes seconds on a large organization; the few most recently used stay
/// in memory. The cache is only a cache: snapshots never change once committed, so every
/// process (two servers on one database) computes the same answers.
#[derive(Clone)]
pub struct History {
    store: Store,
    cache: Arc<Mutex<Vec<Arc<Loaded>>>>,
    /// Snapshots' findings as captured (suppressions are applied at each read).
    findings: Arc<Mutex<Vec<CapturedFindings>>>,
    /// Snapshots' versions by kind, read once per process (they never change).
    versions: Arc<Mutex<Vec<CapturedVersions>>>,
}

/// A snapshot's id, a kind, and the versions valid at the snapshot.
type CapturedVersions = (i64, &'static str, Arc<Vec<VersionRow>>);

/// A snapshot's id and its findings as captured.
type CapturedFindings = (i64, Arc<Vec<Finding>>);

/// Snapshots kept loaded.
const CACHED: usize = 3;

/// Which snapshot a question is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The environment's name (default: the only one, or the most recently captured).
    pub env: Option<String>,
    /// The newest snapshot taken at or before this time (Unix seconds).
    pub at: Option<i64>,
    /// This snapshot.
    pub snapshot: Option<i64>,
}

impl History {
    /// History in `store`.
    pub fn new(store: Store) -> History {
        History {
            store,
            cache: Arc::new(Mutex::new(Vec::new())),
            findings: Arc::new(Mutex::new(Vec::new())),
            versions: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Captures the environment at `path` (a bundle or one authorization-details file) as a
    /// new snapshot of `env`: taken at `taken_at`, else the bundle's `collectedAt`, else now.
    pub async fn capture(
        &self,
        path: &Path,
        env: &str,
        taken_at: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<Captured, HistoryError> {
        capture::capture(&self.store, path, env, taken_at, audit).await
    }

    /// The snapshot a selection names.
    pub async fn resolve(&self, selection: &Selection) -> Result<SnapshotRow, HistoryError> {
        if let Some(id) = selection.snapshot {
            let row = self
                .store
                .snapshot(id)
                .await?
                .ok_or_else(|| HistoryError::NoSnapshot(format!("there is no snapshot {id}")))?;
            if let Some(env) = &selection.env
                && env != &row.env
            {
                return Err(HistoryError::NoSnapshot(format!("snapshot {id} is of `{}`, not `{env}`", row.env)));
            }
            return Ok(row);
        }
        let env = match &selection.env {
            Some(env) => Some(env.clone()),
            None => self.default_env().await?,
        };
        let Some(env) = env else {
            return Err(HistoryError::NoSnapshot(
                "the store holds no snapshot yet: capture one with `remit snapshot PATH`".to_owned(),
            ));
        };
        let found = match selection.at {
            Some(at) => self.store.snapshot_at(Some(&env), at).await?,
            None => self.store.latest_snapshot(Some(&env)).await?,
        };
        found.ok_or_else(|| match selection.at {
            Some(at) => HistoryError::NoSnapshot(format!(
                "`{env}` has no snapshot taken at or before {}",
                remit_findings::Timestamp::from_unix(at)
            )),
            None => HistoryError::NoSnapshot(format!("there is no snapshot of `{env}`")),
        })
    }

    /// The environment questions are about when none is named: the one most recently captured.
    pub async fn default_env(&self) -> Result<Option<String>, HistoryError> {
        Ok(self.store.latest_snapshot(None).await?.map(|s| s.env))
    }

    /// The snapshot read back into an analysis (from the cache when recently loaded).
    pub async fn load(&self, snapshot: &SnapshotRow) -> Result<Arc<Loaded>, HistoryError> {
        if let Some(hit) = self.cached(snapshot.id) {
            return Ok(hit);
        }
        let loaded = Arc::new(load::load(&self.store, snapshot).await?);
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.retain(|l| l.snapshot.id != snapshot.id);
        cache.insert(0, loaded.clone());
        cache.truncate(CACHED);
        Ok(loaded)
    }

    fn cached(&self, id: i64) -> Option<Arc<Loaded>> {
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let at = cache.iter().position(|l| l.snapshot.id == id)?;
        let hit = cache.remove(at);
        cache.insert(0, hit.clone());
        Some(hit)
    }

    /// The snapshot's files written back to a temporary directory (removed when the returned
    /// guard drops), and the path to import: for tools that read an environment from disk.
    pub async fn materialize(
        &self,
        snapshot: &SnapshotRow,
    ) -> Result<(tempfile::TempDir, std::path::PathBuf), HistoryError> {
        load::materialize(&self.store, snapshot).await
    }

    /// What changed from snapshot `a` to snapshot `b`: principals, effective permissions and
    /// findings added and removed.
    pub async fn diff(&self, a: &SnapshotRow, b: &SnapshotRow) -> Result<Diff, HistoryError> {
        diff::diff(&self.store, a, b).await
    }

    /// The findings of a snapshot, from its captured versions (no analysis needed), with
    /// first-seen times from history and the store's suppressions as they are now.
    pub async fn findings(&self, snapshot: &SnapshotRow) -> Result<Vec<Finding>, HistoryError> {
        let mut findings = self.captured_findings(snapshot).await?.as_ref().clone();
        load::suppress(&self.store, &snapshot.env, &mut findings).await?;
        Ok(findings)
    }

    /// The findings of a snapshot as captured (shared, not copied) and the users' suppressions
    /// in force now, by finding id: for reads of every finding (lists), which overlay the
    /// suppression where the finding has none of its own.
    pub async fn findings_shared(
        &self,
        snapshot: &SnapshotRow,
    ) -> Result<(Arc<Vec<Finding>>, HashMap<String, remit_findings::Suppressed>), HistoryError> {
        let captured = self.captured_findings(snapshot).await?;
        Ok((captured, load::suppressions(&self.store, &snapshot.env).await?))
    }

    /// One finding of a snapshot, as [`History::findings`] gives it.
    pub async fn finding(&self, snapshot: &SnapshotRow, id: &str) -> Result<Option<Finding>, HistoryError> {
        let captured = self.captured_findings(snapshot).await?;
        let Some(found) = captured.iter().find(|f| f.id.to_string() == id) else { return Ok(None) };
        let mut one = [found.clone()];
        load::suppress(&self.store, &snapshot.env, &mut one).await?;
        let [found] = one;
        Ok(Some(found))
    }

    /// The versions of one kind valid at a snapshot ([`kinds`]), read once per process: a
    /// snapshot's versions never change, and lists, search and the dashboard read them at every
    /// request.
    pub async fn versions(
        &self,
        snapshot: &SnapshotRow,
        kind: &'static str,
    ) -> Result<Arc<Vec<VersionRow>>, HistoryError> {
        {
            let cache = self.versions.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, _, hit)) = cache.iter().find(|(id, k, _)| *id == snapshot.id && *k == kind) {
                return Ok(hit.clone());
            }
        }
        let read = Arc::new(self.store.versions(snapshot, kind).await?);
        let mut cache = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(id, k, _)| !(*id == snapshot.id && *k == kind));
        cache.insert(0, (snapshot.id, kind, read.clone()));
        cache.truncate(16);
        Ok(read)
    }

    /// A snapshot's findings as captured, read once per process (snapshots never change).
    async fn captured_findings(&self, snapshot: &SnapshotRow) -> Result<Arc<Vec<Finding>>, HistoryError> {
        {
            let cache = self.findings.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, hit)) = cache.iter().find(|(id, _)| *id == snapshot.id) {
                return Ok(hit.clone());
            }
        }
        let read = Arc::new(load::findings(&self.store, snapshot).await?);
        let mut cache = self.findings.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(id, _)| *id != snapshot.id);
        cache.insert(0, (snapshot.id, read.clone()));
        cache.truncate(8);
        Ok(read)
    }

    /// A principal's effective permissions at a snapshot, as captured: `(action, resource,
    /// access)`.
    pub async fn grants(
        &self,
        snapshot: &SnapshotRow,
        principal: &str,
    ) -> Result<Vec<(String, String, String)>, HistoryError> {
        let Some(version) = self.store.version(snapshot, capture::PRINCIPAL, principal).await? else {
            return Ok(Vec::new());
        };
        let lines = load::blob_text(&self.store, snapshot.id, &version.hash).await?;
        Ok(diff::grant_lines(&lines)
            .map(|l| {
                let mut parts = l.splitn(3, '\t');
                let action = parts.next().unwrap_or_default().to_owned();
                let resource = parts.next().unwrap_or_default().to_owned();
                let access = parts.next().unwrap_or_default().to_owned();
                (action, resource, access)
            })
            .collect())
    }
}

/// The kinds of versions a snapshot records, for readers of the store.
pub mod kinds {
    pub use crate::capture::{FILE, FINDING, PRINCIPAL, RESOURCE};
}

/// Counts in a snapshot's summary.
pub type Counts = HashMap<String, u64>;
