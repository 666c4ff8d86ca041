//! Remit's store: what Remit remembers between runs, in one relational schema with versioned
//! migrations.
//!
//! Why a database and not files: activity is ingested incrementally, batch after batch, and a
//! batch's rollups must land together with the ledger of the files they came from, or not at
//! all (a crash must neither lose stored counts nor count a file twice). SQLite gives that
//! transaction with no setup, in one file of the data directory; the same queries run on
//! PostgreSQL for teams (the store's later stage), which is why the SQL here is the portable
//! subset (no `INSERT OR REPLACE`, no `min()`/`max()` of two values).
//!
//! Today the store holds activity: usage rollups, per-principal activity, who was behind role
//! sessions, unmapped events, the period logs cover, and the ledger of ingested files.

use std::{collections::HashSet, path::Path, str::FromStr, sync::Arc, time::Duration};

use remit_activity::{
    CallerKind, Counts, CoverageRow, IdentityKind, IdentityRow, PrincipalRow, Rollups, UnmappedRow, UsageRow,
};
use sqlx::{
    AssertSqlSafe, QueryBuilder, Row, Sqlite, SqlitePool, Transaction,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous},
};

/// A store error, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("the store at {path}: {action}: {source}")]
    Database {
        /// The database file.
        path: String,
        /// What was being done.
        action: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The database was written by a newer Remit.
    #[error("the store at {path} has schema version {found}, newer than this Remit's {supported}: upgrade Remit")]
    TooNew {
        /// The database file.
        path: String,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The migrations, in order: version, SQL. Never edit a released one; add another.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "
CREATE TABLE activity_usage (
    principal TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    allowed BIGINT NOT NULL,
    denied BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (principal, action, resource)
);
CREATE TABLE activity_principal (
    principal TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    account TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    allowed BIGINT NOT NULL,
    denied BIGINT NOT NULL,
    failed BIGINT NOT NULL
);
CREATE TABLE activity_identity (
    principal TEXT NOT NULL,
    kind TEXT NOT NULL,
    identity TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    allowed BIGINT NOT NULL,
    denied BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (principal, kind, identity)
);
CREATE TABLE activity_unmapped (
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    allowed BIGINT NOT NULL,
    denied BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (source, name)
);
CREATE TABLE activity_coverage (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    allowed BIGINT NOT NULL,
    denied BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (account, region)
);
CREATE TABLE activity_source (
    digest TEXT NOT NULL PRIMARY KEY,
    location TEXT NOT NULL,
    records BIGINT NOT NULL,
    complete BIGINT NOT NULL,
    issues BIGINT NOT NULL,
    ingested_at BIGINT NOT NULL
);
CREATE INDEX activity_source_location ON activity_source (location);
",
)];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// One ingested file, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// SHA-256 of the file's bytes, lowercase hex.
    pub digest: String,
    /// Where it was read from.
    pub location: String,
    /// Records read.
    pub records: u64,
    /// Whether it was read to its end.
    pub complete: bool,
    /// Problems reported.
    pub issues: u64,
}

/// The store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: Arc<str>,
}

/// Rows per multi-row statement (SQLite allows 32,766 parameters; 8 per row).
const ROWS_PER_STATEMENT: usize = 500;

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// Opens (creating it and its directory if needed) the embedded store in `data_dir`,
    /// and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::Directory { path: data_dir.display().to_string(), source })?;
        let file = data_dir.join("remit.db");
        let path: Arc<str> = Arc::from(file.display().to_string());
        let db = |action: &'static str| {
            let path = path.to_string();
            move |source| StoreError::Database { path, action, source }
        };
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(db("configure"))?
            .filename(&file)
            .create_if_missing(true)
            // WAL: readers never see half a batch and never block the writer.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(db("open"))?;
        let store = Store { pool, path };
        store.migrate().await?;
        Ok(store)
    }

    fn err(&self, action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError + use<> {
        let path = self.path.to_string();
        move |source| StoreError::Database { path, action, source }
    }

    /// The database file.
    pub fn path(&self) -> &str {
        &self.path
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(self.err("begin the migration"))?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS remit_schema (version BIGINT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(self.err("create the schema table"))?;
        let current: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM remit_schema")
            .fetch_one(&mut *tx)
            .await
            .map_err(self.err("read the schema version"))?
            .get(0);
        if current > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: self.path.to_string(), found: current, supported: SCHEMA_VERSION });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(self.err("migrate"))?;
            sqlx::query("INSERT INTO remit_schema (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(now())
                .execute(&mut *tx)
                .await
                .map_err(self.err("record the migration"))?;
        }
        tx.commit().await.map_err(self.err("commit the migration"))
    }

    /// Digests of every file already ingested.
    pub async fn ingested_digests(&self) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT digest FROM activity_source")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the ledger"))?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// Locations of every file ingested completely.
    pub async fn ingested_locations(&self) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT location FROM activity_source WHERE complete = 1")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the ledger"))?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// Accounts whose logs were ingested.
    pub async fn covered_accounts(&self) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT account FROM activity_coverage")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the coverage"))?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// Adds a batch: its rollups and the ledger entries of its files, in one transaction.
    pub async fn commit_activity(&self, rollups: &Rollups, sources: &[LedgerEntry]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(self.err("begin a batch"))?;
        let at = now();
        for entry in sources {
            sqlx::query(
                "INSERT INTO activity_source (digest, location, records, complete, issues, ingested_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (digest) DO NOTHING",
            )
            .bind(&entry.digest)
            .bind(&entry.location)
            .bind(to_i64(entry.records))
            .bind(i64::from(entry.complete))
            .bind(to_i64(entry.issues))
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(self.err("record an ingested file"))?;
        }
        let usage = rollups.usage();
        let rows = usage.iter().map(|r| ([&*r.principal, &*r.action, &*r.resource], r.counts));
        upsert(&mut tx, "activity_usage", &["principal", "action", "resource"], 3, rows)
            .await
            .map_err(self.err("add usage"))?;
        let principals = rollups.principals();
        let rows = principals.iter().map(|r| ([&*r.principal, r.kind.as_str(), &*r.account], r.counts));
        upsert(&mut tx, "activity_principal", &["principal", "kind", "account"], 1, rows)
            .await
            .map_err(self.err("add principals' activity"))?;
        let identities = rollups.identities();
        let rows = identities.iter().map(|r| ([&*r.principal, r.kind.as_str(), &*r.identity], r.counts));
        upsert(&mut tx, "activity_identity", &["principal", "kind", "identity"], 3, rows)
            .await
            .map_err(self.err("add session identities"))?;
        let unmapped = rollups.unmapped();
        let rows = unmapped.iter().map(|r| ([&*r.source, &*r.name], r.counts));
        upsert(&mut tx, "activity_unmapped", &["source", "name"], 2, rows)
            .await
            .map_err(self.err("add unmapped events"))?;
        let coverage = rollups.coverage();
        let rows = coverage.iter().map(|r| ([&*r.account, &*r.region], r.counts));
        upsert(&mut tx, "activity_coverage", &["account", "region"], 2, rows)
            .await
            .map_err(self.err("add coverage"))?;
        tx.commit().await.map_err(self.err("commit a batch"))
    }

    /// The usage rows of one principal, or of every principal (`None`), sorted.
    pub async fn usage(&self, principal: Option<&str>) -> Result<Vec<UsageRow>, StoreError> {
        let sql =
            "SELECT principal, action, resource, first_seen, last_seen, allowed, denied, failed FROM activity_usage";
        let rows = match principal {
            Some(p) => {
                sqlx::query(AssertSqlSafe(format!("{sql} WHERE principal = $1 ORDER BY principal, action, resource")))
                    .bind(p)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query(AssertSqlSafe(format!("{sql} ORDER BY principal, action, resource")))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(self.err("read usage"))?;
        Ok(rows
            .iter()
            .map(|r| UsageRow {
                principal: Arc::from(r.get::<&str, _>(0)),
                action: Arc::from(r.get::<&str, _>(1)),
                resource: Arc::from(r.get::<&str, _>(2)),
                counts: counts(r, 3),
            })
            .collect())
    }

    /// The activity of one principal, or of every principal (`None`), sorted.
    pub async fn principals(&self, principal: Option<&str>) -> Result<Vec<PrincipalRow>, StoreError> {
        let sql =
            "SELECT principal, kind, account, first_seen, last_seen, allowed, denied, failed FROM activity_principal";
        let rows = match principal {
            Some(p) => {
                sqlx::query(AssertSqlSafe(format!("{sql} WHERE principal = $1"))).bind(p).fetch_all(&self.pool).await
            }
            None => sqlx::query(AssertSqlSafe(format!("{sql} ORDER BY principal"))).fetch_all(&self.pool).await,
        }
        .map_err(self.err("read principals' activity"))?;
        Ok(rows
            .iter()
            .map(|r| PrincipalRow {
                principal: Arc::from(r.get::<&str, _>(0)),
                kind: CallerKind::parse(r.get::<&str, _>(1)).unwrap_or(CallerKind::Unknown),
                account: Arc::from(r.get::<&str, _>(2)),
                counts: counts(r, 3),
            })
            .collect())
    }

    /// Who was behind one role's sessions (or every role's), sorted.
    pub async fn identities(&self, principal: Option<&str>) -> Result<Vec<IdentityRow>, StoreError> {
        let sql =
            "SELECT principal, kind, identity, first_seen, last_seen, allowed, denied, failed FROM activity_identity";
        let rows = match principal {
            Some(p) => {
                sqlx::query(AssertSqlSafe(format!("{sql} WHERE principal = $1 ORDER BY kind, identity")))
                    .bind(p)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query(AssertSqlSafe(format!("{sql} ORDER BY principal, kind, identity")))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(self.err("read session identities"))?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(IdentityRow {
                    principal: Arc::from(r.get::<&str, _>(0)),
                    kind: IdentityKind::parse(r.get::<&str, _>(1))?,
                    identity: Arc::from(r.get::<&str, _>(2)),
                    counts: counts(r, 3),
                })
            })
            .collect())
    }

    /// Events whose action is not known, by count.
    pub async fn unmapped(&self) -> Result<Vec<UnmappedRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT source, name, first_seen, last_seen, allowed, denied, failed FROM activity_unmapped
             ORDER BY allowed + denied + failed DESC, source, name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read unmapped events"))?;
        Ok(rows
            .iter()
            .map(|r| UnmappedRow {
                source: Arc::from(r.get::<&str, _>(0)),
                name: Arc::from(r.get::<&str, _>(1)),
                counts: counts(r, 2),
            })
            .collect())
    }

    /// The periods the ingested logs cover, per account and region.
    pub async fn coverage(&self) -> Result<Vec<CoverageRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT account, region, first_seen, last_seen, allowed, denied, failed FROM activity_coverage ORDER BY account, region",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read the coverage"))?;
        Ok(rows
            .iter()
            .map(|r| CoverageRow {
                account: Arc::from(r.get::<&str, _>(0)),
                region: Arc::from(r.get::<&str, _>(1)),
                counts: counts(r, 2),
            })
            .collect())
    }

    /// How many files the ledger holds, and their records.
    pub async fn ledger_totals(&self) -> Result<(u64, u64), StoreError> {
        let row = sqlx::query("SELECT COUNT(*), COALESCE(SUM(records), 0) FROM activity_source")
            .fetch_one(&self.pool)
            .await
            .map_err(self.err("read the ledger"))?;
        Ok((to_u64(row.get(0)), to_u64(row.get(1))))
    }

    /// Closes the connections (waiting for writes to reach the file).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn counts(row: &SqliteRow, at: usize) -> Counts {
    Counts {
        first_seen: row.get(at),
        last_seen: row.get(at + 1),
        allowed: to_u64(row.get(at + 2)),
        denied: to_u64(row.get(at + 3)),
        failed: to_u64(row.get(at + 4)),
    }
}

/// Adds rows to a table of counts: `columns` are its text columns, the first `key` of them its
/// primary key; an existing row keeps its earliest first and latest last time and adds counts.
async fn upsert<'r, const N: usize>(
    tx: &mut Transaction<'_, Sqlite>,
    table: &str,
    columns: &[&str; N],
    key: usize,
    rows: impl Iterator<Item = ([&'r str; N], Counts)>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<([&str; N], Counts)> = rows.collect();
    let conflict = columns[..key].join(", ");
    let names = columns.join(", ");
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        // The builder writes each backend's own placeholders (`?` here, `$N` on PostgreSQL):
        // binding 4,000 named `$N` parameters costs SQLite a name lookup each.
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO {table} ({names}, first_seen, last_seen, allowed, denied, failed) "
        ));
        query.push_values(chunk, |mut row, (texts, c)| {
            for text in texts {
                row.push_bind(*text);
            }
            row.push_bind(c.first_seen)
                .push_bind(c.last_seen)
                .push_bind(to_i64(c.allowed))
                .push_bind(to_i64(c.denied))
                .push_bind(to_i64(c.failed));
        });
        query.push(format!(
            " ON CONFLICT ({conflict}) DO UPDATE SET
              first_seen = CASE WHEN excluded.first_seen < {table}.first_seen THEN excluded.first_seen ELSE {table}.first_seen END,
              last_seen = CASE WHEN excluded.last_seen > {table}.last_seen THEN excluded.last_seen ELSE {table}.last_seen END,
              allowed = {table}.allowed + excluded.allowed,
              denied = {table}.denied + excluded.denied,
              failed = {table}.failed + excluded.failed"
        ));
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_activity::Outcome;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
    }

    fn rollups(events: &[(&str, &str, i64, Outcome)]) -> Rollups {
        let mut r = Rollups::new();
        for &(p, a, t, o) in events {
            r.record_event(p, CallerKind::Role, "111122223333", "111122223333", "us-east-1", t, o);
            r.record_usage(p, a, "*", t, o);
        }
        r
    }

    fn entry(digest: &str) -> LedgerEntry {
        LedgerEntry {
            digest: digest.into(),
            location: format!("/logs/{digest}.json.gz"),
            records: 2,
            complete: true,
            issues: 0,
        }
    }

    #[test]
    fn batches_add_up_and_persist_across_opens() {
        let dir = tempfile::tempdir().expect("tempdir");
        rt().block_on(async {
            let store = Store::open(dir.path()).await.expect("open");
            store
                .commit_activity(
                    &rollups(&[
                        ("r", "s3:GetObject", 20, Outcome::Allowed),
                        ("r", "s3:GetObject", 10, Outcome::Denied),
                    ]),
                    &[entry("a")],
                )
                .await
                .expect("commit");
            store.close().await;
            let store = Store::open(dir.path()).await.expect("reopen");
            store
                .commit_activity(
                    &rollups(&[("r", "s3:GetObject", 5, Outcome::Failed), ("r", "s3:GetObject", 30, Outcome::Allowed)]),
                    &[entry("b")],
                )
                .await
                .expect("commit");
            let usage = store.usage(Some("r")).await.expect("usage");
            assert_eq!(usage.len(), 1);
            assert_eq!(usage[0].counts, Counts { first_seen: 5, last_seen: 30, allowed: 2, denied: 1, failed: 1 });
            let principals = store.principals(None).await.expect("principals");
            assert_eq!(principals[0].counts.events(), 4);
            assert_eq!(store.ingested_digests().await.expect("ledger").len(), 2);
            assert_eq!(store.ledger_totals().await.expect("totals"), (2, 4));
            assert_eq!(
                store.covered_accounts().await.expect("coverage").into_iter().collect::<Vec<_>>(),
                vec!["111122223333".to_owned()]
            );
        });
    }

    #[test]
    fn a_failed_batch_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        rt().block_on(async {
            let store = Store::open(dir.path()).await.expect("open");
            store.commit_activity(&rollups(&[("r", "a:B", 1, Outcome::Allowed)]), &[entry("a")]).await.expect("commit");
            // Make the next batch fail inside its transaction, after its ledger rows are written.
            sqlx::query(
                "CREATE TRIGGER refuse BEFORE INSERT ON activity_coverage BEGIN SELECT RAISE(ABORT, 'refused'); END",
            )
            .execute(&store.pool)
            .await
            .expect("trigger");
            let failed = store.commit_activity(&rollups(&[("r", "a:B", 2, Outcome::Allowed)]), &[entry("b")]).await;
            assert!(failed.is_err());
            assert_eq!(store.ingested_digests().await.expect("ledger").len(), 1);
            assert_eq!(store.usage(None).await.expect("usage")[0].counts.allowed, 1);
        });
    }

    #[test]
    fn large_batches_span_statements() {
        let dir = tempfile::tempdir().expect("tempdir");
        rt().block_on(async {
            let store = Store::open(dir.path()).await.expect("open");
            let mut r = Rollups::new();
            for i in 0..1_234 {
                r.record_usage(&format!("p{}", i % 7), &format!("s:A{i}"), "*", i, Outcome::Allowed);
            }
            store.commit_activity(&r, &[entry("a")]).await.expect("commit");
            store.commit_activity(&r, &[entry("b")]).await.expect("commit");
            let usage = store.usage(None).await.expect("usage");
            assert_eq!(usage.len(), 1_234);
            assert!(usage.iter().all(|u| u.counts.allowed == 2));
            assert_eq!(usage, {
                let mut doubled = r.usage();
                for u in &mut doubled {
                    u.counts.allowed = 2;
                }
                doubled
            });
        });
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        rt().block_on(async {
            let store = Store::open(dir.path()).await.expect("open");
            sqlx::query("INSERT INTO remit_schema (version, applied_at) VALUES (99, 0)")
                .execute(&store.pool)
                .await
                .expect("insert");
            store.close().await;
            let err = Store::open(dir.path()).await.expect_err("too new");
            assert!(err.to_string().contains("schema version 99"), "{err}");
        });
    }
}
