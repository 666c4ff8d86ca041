//! What changed between two snapshots of an environment.
//!
//! Why it is cheap: versions already say what changed. Principals and findings are compared by
//! key and content address; only principals whose effective permissions changed have their two
//! permission blobs read and compared line by line.

use std::collections::{BTreeMap, BTreeSet};

use remit_store::{SnapshotRow, Store, VersionRow};
use serde::Serialize;

use crate::{
    HistoryError,
    capture::{FINDING, PRINCIPAL},
    load::blob_text,
};

/// An entity added or removed, with what the snapshot said of it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Listed {
    /// Its key (an ARN, a finding id).
    pub key: String,
    /// What the snapshot recorded about it (kind, account, severity, title ...).
    pub meta: serde_json::Value,
}

/// A principal's effective permissions that changed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GrantChange {
    /// The principal.
    pub principal: String,
    /// `action\tresource\taccess` lines it gained.
    pub added: Vec<String>,
    /// Lines it lost.
    pub removed: Vec<String>,
}

/// Two snapshots compared.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diff {
    /// The older snapshot's id.
    pub from: i64,
    /// The newer.
    pub to: i64,
    /// Principals added.
    pub principals_added: Vec<Listed>,
    /// Principals removed.
    pub principals_removed: Vec<Listed>,
    /// Principals whose effective permissions changed (including added and removed ones).
    pub grants: Vec<GrantChange>,
    /// Findings added.
    pub findings_added: Vec<Listed>,
    /// Findings removed.
    pub findings_removed: Vec<Listed>,
}

impl Diff {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.principals_added.is_empty()
            && self.principals_removed.is_empty()
            && self.grants.is_empty()
            && self.findings_added.is_empty()
            && self.findings_removed.is_empty()
    }
}

pub(crate) fn grant_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.is_empty())
}

fn by_key(rows: Vec<VersionRow>) -> BTreeMap<String, VersionRow> {
    rows.into_iter().map(|v| (v.key.clone(), v)).collect()
}

pub(crate) async fn diff(store: &Store, a: &SnapshotRow, b: &SnapshotRow) -> Result<Diff, HistoryError> {
    let (pa, pb) = (by_key(store.versions(a, PRINCIPAL).await?), by_key(store.versions(b, PRINCIPAL).await?));
    let (fa, fb) = (by_key(store.versions(a, FINDING).await?), by_key(store.versions(b, FINDING).await?));
    let listed = |v: &VersionRow| Listed { key: v.key.clone(), meta: v.meta.clone() };
    let principals_added: Vec<Listed> = pb.values().filter(|v| !pa.contains_key(&v.key)).map(listed).collect();
    let principals_removed: Vec<Listed> = pa.values().filter(|v| !pb.contains_key(&v.key)).map(listed).collect();
    let findings_added: Vec<Listed> = fb.values().filter(|v| !fa.contains_key(&v.key)).map(listed).collect();
    let findings_removed: Vec<Listed> = fa.values().filter(|v| !fb.contains_key(&v.key)).map(listed).collect();

    let keys: BTreeSet<&String> = pa.keys().chain(pb.keys()).collect();
    let mut grants = Vec::new();
    for key in keys {
        let (old, new) = (pa.get(key), pb.get(key));
        if old.map(|v| &v.hash) == new.map(|v| &v.hash) {
            continue;
        }
        let old_text = match old {
            Some(v) => blob_text(store, a.id, &v.hash).await?,
            None => String::new(),
        };
        let new_text = match new {
            Some(v) => blob_text(store, b.id, &v.hash).await?,
            None => String::new(),
        };
        let old_set: BTreeSet<&str> = grant_lines(&old_text).collect();
        let new_set: BTreeSet<&str> = grant_lines(&new_text).collect();
        let added: Vec<String> = new_set.difference(&old_set).map(|s| (*s).to_owned()).collect();
        let removed: Vec<String> = old_set.difference(&new_set).map(|s| (*s).to_owned()).collect();
        if !added.is_empty() || !removed.is_empty() {
            grants.push(GrantChange { principal: key.clone(), added, removed });
        }
    }
    Ok(Diff { from: a.id, to: b.id, principals_added, principals_removed, grants, findings_added, findings_removed })
}
