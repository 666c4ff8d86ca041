//! Snapshots as temporal rows: an environment's versions are stored once and carry the range of
//! snapshots they hold for, so a snapshot that changes little costs little.
//!
//! Why ranges of snapshot ids and not a copy per snapshot: the same principals, grants and
//! findings come back collection after collection. A version row is written when something
//! appears or changes (`valid_from` = the snapshot that brought it) and closed when it changes
//! or goes (`valid_to` = the last snapshot it was true at); a row nothing touched is never
//! rewritten. Reading "as of" a snapshot is then one range condition, and the rows a commit
//! writes are exactly the diff from the previous snapshot.
//!
//! Why commits of one environment are serialised: a commit reads the environment's open rows
//! and closes some; two commits interleaving would each close against a state the other is
//! changing. SQLite's write transactions are one at a time already; on PostgreSQL an advisory
//! lock per environment (held to commit) queues them, across processes too. Snapshot ids come
//! from the database after the lock, so within an environment they increase with `taken_at`.

use std::collections::HashMap;

use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{AuditEvent, ROWS_PER_STATEMENT, Store, StoreError, json_column, now};

/// A snapshot to commit: what was collected of one environment at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSnapshot {
    /// The environment (a name: an organization, an account, a tenant).
    pub env: String,
    /// Its cloud (`aws`).
    pub cloud: String,
    /// Where it came from (a bundle's path, `collect`).
    pub source: String,
    /// When the data was collected, in seconds since the epoch (UTC).
    pub taken_at: i64,
    /// Anything the caller wants shown with it (counts).
    pub summary: serde_json::Value,
    /// Every version true at this snapshot: one per `(kind, key)`.
    pub versions: Vec<NewVersion>,
}

/// One thing as it is at a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    /// What sort of thing (`principal`, `finding`).
    pub kind: String,
    /// Which one, within its kind.
    pub key: String,
    /// Its content's blob (or any digest of it): a change of hash is a change of version.
    pub hash: String,
    /// What lists and filters need without reading the blob.
    pub meta: serde_json::Value,
}

/// A committed snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRow {
    /// Its id: increasing in commit order.
    pub id: i64,
    /// The environment.
    pub env: String,
    /// Its cloud.
    pub cloud: String,
    /// Where it came from.
    pub source: String,
    /// When the data was collected (seconds, UTC).
    pub taken_at: i64,
    /// When it was committed (seconds, UTC).
    pub created_at: i64,
    /// The environment's snapshot before it.
    pub previous: Option<i64>,
    /// The caller's summary.
    pub summary: serde_json::Value,
}

/// A version and the snapshots it holds for.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    /// What sort of thing.
    pub kind: String,
    /// Which one.
    pub key: String,
    /// Its content's hash.
    pub hash: String,
    /// Its metadata.
    pub meta: serde_json::Value,
    /// The snapshot that brought it.
    pub valid_from: i64,
    /// The last snapshot it was true at; `None` while it still is.
    pub valid_to: Option<i64>,
}

const SNAPSHOT_COLUMNS: &str = "id, env, cloud, source, taken_at, created_at, previous, summary";

fn snapshot_row(r: &AnyRow) -> Result<SnapshotRow, sqlx::Error> {
    Ok(SnapshotRow {
        id: r.try_get(0)?,
        env: r.try_get(1)?,
        cloud: r.try_get(2)?,
        source: r.try_get(3)?,
        taken_at: r.try_get(4)?,
        created_at: r.try_get(5)?,
        previous: r.try_get(6)?,
        summary: json_column(r, 7)?,
    })
}

fn version_row(r: &AnyRow) -> Result<VersionRow, sqlx::Error> {
    Ok(VersionRow {
        kind: r.try_get(0)?,
        key: r.try_get(1)?,
        hash: r.try_get(2)?,
        meta: json_column(r, 3)?,
        valid_from: r.try_get(4)?,
        valid_to: r.try_get(5)?,
    })
}

/// The PostgreSQL advisory lock key of an environment: the first 8 bytes of a SHA-256, away
/// from the store's fixed keys by construction (a collision only makes two environments queue).
fn env_lock(env: &str) -> i64 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("remit environment {env}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

impl Store {
    /// Commits a snapshot of an environment and its audit record, in one transaction.
    ///
    /// Refused with [`StoreError::OutOfOrder`] when the environment already has a snapshot
    /// taken later. Versions absent from `new.versions`, or whose hash or metadata changed, are
    /// closed at the previous snapshot; new and changed ones are added; unchanged ones are not
    /// touched.
    pub async fn commit_snapshot(&self, new: &NewSnapshot, audit: &AuditEvent) -> Result<SnapshotRow, StoreError> {
        let mut tx = self.write("begin a snapshot").await?;
        let row = self.commit_snapshot_in(&mut tx, new, audit).await?;
        tx.commit().await.map_err(self.err("commit a snapshot"))?;
        Ok(row)
    }

    /// The work of [`Store::commit_snapshot`] inside a transaction the caller commits (or drops).
    pub(crate) async fn commit_snapshot_in(
        &self,
        conn: &mut AnyConnection,
        new: &NewSnapshot,
        audit: &AuditEvent,
    ) -> Result<SnapshotRow, StoreError> {
        let mut wanted: HashMap<(&str, &str), &crate::NewVersion> = HashMap::with_capacity(new.versions.len());
        for v in &new.versions {
            if wanted.insert((&v.kind, &v.key), v).is_some() {
                return Err(self.invalid(format!("the snapshot has two versions of {} {:?}", v.kind, v.key)));
            }
        }
        self.lock(conn, env_lock(&new.env)).await.map_err(self.err("lock the environment"))?;
        let latest = sqlx::query(
            "SELECT id, taken_at FROM history_snapshot WHERE env = $1 ORDER BY taken_at DESC, id DESC LIMIT 1",
        )
        .bind(&new.env)
        .fetch_optional(&mut *conn)
        .await
        .and_then(|r| r.map(|r| Ok::<(i64, i64), sqlx::Error>((r.try_get(0)?, r.try_get(1)?))).transpose())
        .map_err(self.err("read the latest snapshot"))?;
        if let Some((_, latest_taken)) = latest
            && new.taken_at < latest_taken
        {
            return Err(StoreError::OutOfOrder {
                database: self.name.to_string(),
                env: new.env.clone(),
                taken_at: new.taken_at,
                latest: latest_taken,
            });
        }
        let previous = latest.map(|(id, _)| id);
        let created_at = now();
        let summary = new.summary.to_string();
        let id: i64 = sqlx::query(
            "INSERT INTO history_snapshot (env, cloud, source, taken_at, created_at, previous, summary)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&new.env)
        .bind(&new.cloud)
        .bind(&new.source)
        .bind(new.taken_at)
        .bind(created_at)
        .bind(previous)
        .bind(&summary)
        .fetch_one(&mut *conn)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(self.err("add the snapshot"))?;

        // What changed since the previous snapshot: the open rows against the new versions.
        let open =
            sqlx::query("SELECT kind, vkey, hash, meta FROM history_version WHERE env = $1 AND valid_to IS NULL")
                .bind(&new.env)
                .fetch_all(&mut *conn)
                .await
                .map_err(self.err("read the open versions"))?;
        let open: Vec<(String, String, String, String)> = open
            .iter()
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_, _>>()
            .map_err(self.err("read the open versions"))?;
        let mut close: Vec<(&str, &str)> = Vec::new();
        for (kind, key, hash, meta) in &open {
            let unchanged = wanted.get(&(kind.as_str(), key.as_str())).is_some_and(|v| {
                v.hash == *hash && serde_json::from_str::<serde_json::Value>(meta).is_ok_and(|m| m == v.meta)
            });
            if unchanged {
                wanted.remove(&(kind.as_str(), key.as_str()));
            } else {
                close.push((kind, key));
            }
        }
        if let Some(previous) = previous {
            for chunk in close.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "UPDATE history_version SET valid_to = {} WHERE env = {} AND valid_to IS NULL AND (kind, vkey) IN (VALUES {})",
                    self.param(1),
                    self.param(2),
                    self.values_from(3, chunk.len(), 2)
                );
                let mut query = sqlx::query(AssertSqlSafe(sql)).bind(previous).bind(&new.env);
                for (kind, key) in chunk {
                    query = query.bind(*kind).bind(*key);
                }
                query.execute(&mut *conn).await.map_err(self.err("close changed versions"))?;
            }
        }
        // In the caller's order, so equal inputs write equal tables.
        let added: Vec<&crate::NewVersion> =
            new.versions.iter().filter(|v| wanted.contains_key(&(v.kind.as_str(), v.key.as_str()))).collect();
        for chunk in added.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO history_version (env, kind, vkey, hash, meta, valid_from) VALUES {}",
                self.values(chunk.len(), 6)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for v in chunk {
                query = query.bind(&new.env).bind(&v.kind).bind(&v.key).bind(&v.hash).bind(v.meta.to_string()).bind(id);
            }
            query.execute(&mut *conn).await.map_err(self.err("add versions"))?;
        }
        self.append_audit(conn, audit).await?;
        Ok(SnapshotRow {
            id,
            env: new.env.clone(),
            cloud: new.cloud.clone(),
            source: new.source.clone(),
            taken_at: new.taken_at,
            created_at,
            previous,
            summary: new.summary.clone(),
        })
    }

    /// Placeholder number `n`.
    fn param(&self, n: usize) -> String {
        match self.backend {
            crate::Backend::Sqlite => format!("?{n}"),
            crate::Backend::Postgres => format!("${n}"),
        }
    }

    /// Like [`Store::values`], numbered from `first` (explicitly numbered on both engines,
    /// for statements that mix them with other parameters).
    fn values_from(&self, first: usize, rows: usize, width: usize) -> String {
        let mut out = String::new();
        for row in 0..rows {
            if row > 0 {
                out.push_str(", ");
            }
            out.push('(');
            for col in 0..width {
                if col > 0 {
                    out.push_str(", ");
                }
                out.push_str(&self.param(first + row * width + col));
            }
            out.push(')');
        }
        out
    }

    async fn snapshot_query(&self, sql: String, binds: &[SnapshotBind<'_>]) -> Result<Vec<SnapshotRow>, StoreError> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            query = match b {
                SnapshotBind::Text(t) => query.bind(*t),
                SnapshotBind::Int(i) => query.bind(*i),
            };
        }
        let rows = query.fetch_all(&self.pool).await.map_err(self.err("read snapshots"))?;
        rows.iter().map(snapshot_row).collect::<Result<_, _>>().map_err(self.err("read snapshots"))
    }

    /// Snapshots of one environment (or of all), newest first.
    pub async fn snapshots(&self, env: Option<&str>) -> Result<Vec<SnapshotRow>, StoreError> {
        match env {
            Some(env) => {
                self.snapshot_query(
                    format!(
                        "SELECT {SNAPSHOT_COLUMNS} FROM history_snapshot WHERE env = $1 ORDER BY taken_at DESC, id DESC"
                    ),
                    &[SnapshotBind::Text(env)],
                )
                .await
            }
            None => {
                self.snapshot_query(
                    format!("SELECT {SNAPSHOT_COLUMNS} FROM history_snapshot ORDER BY taken_at DESC, id DESC"),
                    &[],
                )
                .await
            }
        }
    }

    /// A snapshot by id.
    pub async fn snapshot(&self, id: i64) -> Result<Option<SnapshotRow>, StoreError> {
        let rows = self
            .snapshot_query(
                format!("SELECT {SNAPSHOT_COLUMNS} FROM history_snapshot WHERE id = $1"),
                &[SnapshotBind::Int(id)],
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    /// The snapshot true at a time: the latest taken at or before `at` (of one environment, or
    /// of any), the highest id among equals.
    pub async fn snapshot_at(&self, env: Option<&str>, at: i64) -> Result<Option<SnapshotRow>, StoreError> {
        let rows = match env {
            Some(env) => {
                self.snapshot_query(
                    format!(
                        "SELECT {SNAPSHOT_COLUMNS} FROM history_snapshot WHERE env = $1 AND taken_at <= $2
                         ORDER BY taken_at DESC, id DESC LIMIT 1"
                    ),
                    &[SnapshotBind::Text(env), SnapshotBind::Int(at)],
                )
                .await?
            }
            None => {
                self.snapshot_query(
                    format!(
                        "SELECT {SNAPSHOT_COLUMNS} FROM history_snapshot WHERE taken_at <= $1
                         ORDER BY taken_at DESC, id DESC LIMIT 1"
                    ),
                    &[SnapshotBind::Int(at)],
                )
                .await?
            }
        };
        Ok(rows.into_iter().next())
    }

    /// The newest snapshot (of one environment, or of any).
    pub async fn latest_snapshot(&self, env: Option<&str>) -> Result<Option<SnapshotRow>, StoreError> {
        self.snapshot_at(env, i64::MAX).await
    }

    /// The environments with snapshots, sorted.
    pub async fn envs(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT env FROM history_snapshot")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read environments"))?;
        let mut envs: Vec<String> =
            rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>().map_err(self.err("read environments"))?;
        envs.sort_unstable();
        Ok(envs)
    }

    /// The versions of one kind true at a snapshot, by key.
    pub async fn versions(&self, snapshot: &SnapshotRow, kind: &str) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, vkey, hash, meta, valid_from, valid_to FROM history_version
             WHERE env = $1 AND kind = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to >= $3)",
        )
        .bind(&snapshot.env)
        .bind(kind)
        .bind(snapshot.id)
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read versions"))?;
        let mut out: Vec<VersionRow> =
            rows.iter().map(version_row).collect::<Result<_, _>>().map_err(self.err("read versions"))?;
        out.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// One version true at a snapshot.
    pub async fn version(
        &self,
        snapshot: &SnapshotRow,
        kind: &str,
        key: &str,
    ) -> Result<Option<VersionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT kind, vkey, hash, meta, valid_from, valid_to FROM history_version
             WHERE env = $1 AND kind = $2 AND vkey = $3 AND valid_from <= $4 AND (valid_to IS NULL OR valid_to >= $4)",
        )
        .bind(&snapshot.env)
        .bind(kind)
        .bind(key)
        .bind(snapshot.id)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err("read a version"))?;
        row.as_ref().map(version_row).transpose().map_err(self.err("read a version"))
    }

    /// Every version row of an environment and kind, whatever snapshots it holds for (what a
    /// diff or a history of one thing reads), by key then `valid_from`.
    pub async fn version_history(&self, env: &str, kind: &str) -> Result<Vec<VersionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, vkey, hash, meta, valid_from, valid_to FROM history_version WHERE env = $1 AND kind = $2",
        )
        .bind(env)
        .bind(kind)
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read versions"))?;
        let mut out: Vec<VersionRow> =
            rows.iter().map(version_row).collect::<Result<_, _>>().map_err(self.err("read versions"))?;
        out.sort_unstable_by(|a, b| (&a.key, a.valid_from).cmp(&(&b.key, b.valid_from)));
        Ok(out)
    }

    /// For each snapshot of an environment (oldest first), how many versions of a kind were
    /// true at it per value of one metadata field (a string as is, another value as JSON, a
    /// missing field as ""): findings by severity over time.
    pub async fn version_counts(
        &self,
        env: &str,
        kind: &str,
        meta_field: &str,
    ) -> Result<Vec<(i64, String, i64)>, StoreError> {
        let mut ids: Vec<i64> = self.snapshots(Some(env)).await?.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        let rows = sqlx::query("SELECT meta, valid_from, valid_to FROM history_version WHERE env = $1 AND kind = $2")
            .bind(env)
            .bind(kind)
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read versions"))?;
        let mut counts: HashMap<(i64, String), i64> = HashMap::new();
        for r in &rows {
            let (meta, from, to) = (|| {
                Ok::<_, sqlx::Error>((json_column(r, 0)?, r.try_get::<i64, _>(1)?, r.try_get::<Option<i64>, _>(2)?))
            })()
            .map_err(self.err("read versions"))?;
            let value = match meta.get(meta_field) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            // The snapshots in [from, to]: a range of the sorted ids.
            let start = ids.partition_point(|&id| id < from);
            let end = to.map_or(ids.len(), |to| ids.partition_point(|&id| id <= to));
            for &id in ids.get(start..end).unwrap_or_default() {
                *counts.entry((id, value.clone())).or_default() += 1;
            }
        }
        let mut out: Vec<(i64, String, i64)> = counts.into_iter().map(|((id, v), n)| (id, v, n)).collect();
        out.sort_unstable();
        Ok(out)
    }
}

enum SnapshotBind<'a> {
    Text(&'a str),
    Int(i64),
}
