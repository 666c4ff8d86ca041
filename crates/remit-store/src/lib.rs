//! Remit's store: what Remit remembers between runs, in one relational schema with versioned
//! migrations, on SQLite (embedded, no setup) or PostgreSQL (for teams and for several server
//! instances at once).
//!
//! Why a database and not files: activity is ingested incrementally, batch after batch, and a
//! batch's rollups must land together with the ledger of the files they came from, or not at
//! all (a crash must neither lose stored counts nor count a file twice). Snapshots, accounts and
//! the audit trail have the same need: a change and its audit record commit together or not at
//! all, and readers see whole snapshots only.
//!
//! Why one code path for both databases: the queries go through sqlx's `Any` driver, so each
//! is written once, in the portable subset of SQL both engines accept (`$N` placeholders, no
//! `INSERT OR REPLACE`, no `min()`/`max()` of two values, `CAST` where PostgreSQL would widen a
//! sum to `NUMERIC`). What does differ is named in one place each: the migrations' type
//! spellings ([`Backend::substitute`]), how a writing transaction begins (`BEGIN IMMEDIATE` on
//! SQLite takes the database's write lock up front, so two writers queue instead of failing),
//! and PostgreSQL's advisory locks (serialising an environment's snapshots and the audit chain
//! across processes). An enum over the two native pools would have written every query twice;
//! `Any` costs a value conversion per row, small next to the query.
//!
//! Nothing here interprets what it stores: snapshots hold opaque versions and blobs, the audit
//! trail holds events the caller describes, accounts hold hashes the caller computed.

mod accounts;
mod audit;
mod blobs;
mod history;

use std::{collections::HashSet, path::Path, str::FromStr, sync::Arc, time::Duration};

use remit_activity::{
    CallerKind, Counts, CoverageRow, IdentityKind, IdentityRow, PrincipalRow, Rollups, UnmappedRow, UsageRow,
};
use sqlx::{
    AnyConnection, AnyPool, AssertSqlSafe, ConnectOptions as _, Row,
    any::{AnyConnectOptions, AnyPoolOptions, AnyRow},
    sqlite::SqliteConnectOptions,
};

pub use crate::{
    accounts::{SessionRow, SuppressionRow, TokenRow, UserRow},
    audit::{
        AuditEvent, AuditHead, AuditProblem, AuditProblemKind, AuditRecord, AuditVerification, GENESIS, Outcome,
        audit_cef, audit_jsonl, verify_records,
    },
    history::{NewSnapshot, NewVersion, SnapshotRow, VersionRow},
};

/// A store error, with the database it concerns and what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("the store at {database}: {action}: {source}")]
    Database {
        /// The database file, or its URL without the password.
        database: String,
        /// What was being done.
        action: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The database was written by a newer Remit.
    #[error("the store at {database} has schema version {found}, newer than this Remit's {supported}: upgrade Remit")]
    TooNew {
        /// The database file, or its URL without the password.
        database: String,
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
    /// A database URL this build cannot use.
    #[error("unsupported database {database}: give a postgres:// (or sqlite://) URL")]
    Unsupported {
        /// The URL without its password.
        database: String,
    },
    /// A snapshot older than the environment's latest: history is appended in time order.
    #[error(
        "the store at {database}: environment {env} already has a snapshot taken at {}, after this one's {}: snapshots are added in time order",
        remit_activity::window::format_time(*latest),
        remit_activity::window::format_time(*taken_at)
    )]
    OutOfOrder {
        /// The database.
        database: String,
        /// The environment.
        env: String,
        /// The refused snapshot's time.
        taken_at: i64,
        /// The environment's latest snapshot's time.
        latest: i64,
    },
    /// Stored data is not what was written (a blob whose bytes no longer hash to its name).
    #[error("the store at {database}: {what} is corrupt: {why}")]
    Corrupt {
        /// The database.
        database: String,
        /// What.
        what: String,
        /// How it was found out.
        why: String,
    },
    /// What a change names does not exist.
    #[error("the store at {database}: no {what}")]
    NotFound {
        /// The database.
        database: String,
        /// What was looked for (`user "alice"`).
        what: String,
    },
    /// What a change creates exists already.
    #[error("the store at {database}: {what} exists already")]
    Conflict {
        /// The database.
        database: String,
        /// What (`user "alice"`).
        what: String,
    },
    /// The caller's input breaks a rule of the store (two versions with one key, a blob
    /// whose bytes do not hash to its name).
    #[error("the store at {database}: {what}")]
    Invalid {
        /// The database.
        database: String,
        /// What is wrong.
        what: String,
    },
}

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// A migration's SQL with the per-engine spellings filled in: `{blob}` (binary data),
    /// `{id}` (an increasing integer primary key) and `{key}` (text compared and sorted byte by
    /// byte: PostgreSQL otherwise sorts by the server's locale, SQLite always by bytes).
    pub fn substitute(self, sql: &str) -> String {
        let (blob, id, key) = match self {
            Backend::Sqlite => ("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
            Backend::Postgres => ("BYTEA", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "TEXT COLLATE \"C\""),
        };
        sql.replace("{blob}", blob).replace("{id}", id).replace("{key}", key)
    }

    /// The engine's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The migrations, in order: version, SQL (with [`Backend::substitute`]'s placeholders).
/// Never edit a released one; add another.
const MIGRATIONS: &[(i64, &str)] = &[
    (
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
    ),
    (
        2,
        "
CREATE TABLE history_blob (
    hash TEXT NOT NULL PRIMARY KEY,
    size BIGINT NOT NULL,
    data {blob} NOT NULL
);
CREATE TABLE history_snapshot (
    id {id},
    env {key} NOT NULL,
    cloud TEXT NOT NULL,
    source TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    previous BIGINT,
    summary TEXT NOT NULL
);
CREATE INDEX history_snapshot_env ON history_snapshot (env, taken_at, id);
CREATE INDEX history_snapshot_taken ON history_snapshot (taken_at, id);
CREATE TABLE history_version (
    env {key} NOT NULL,
    kind {key} NOT NULL,
    vkey {key} NOT NULL,
    hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (env, kind, vkey, valid_from)
);
CREATE INDEX history_version_open ON history_version (env, valid_to);
CREATE TABLE audit_log (
    seq BIGINT NOT NULL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    source TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE account_user (
    name {key} NOT NULL PRIMARY KEY,
    display TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL,
    password_hash TEXT,
    oidc_subject TEXT,
    disabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_user_subject ON account_user (oidc_subject);
CREATE TABLE account_token (
    id {key} NOT NULL PRIMARY KEY,
    user_name TEXT NOT NULL,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used BIGINT,
    revoked BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_token_hash ON account_token (hash);
CREATE INDEX account_token_user ON account_token (user_name);
CREATE TABLE account_session (
    id_hash TEXT NOT NULL PRIMARY KEY,
    user_name TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX account_session_expires ON account_session (expires_at);
CREATE TABLE account_login_failure (
    fkey TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX account_login_failure_key ON account_login_failure (fkey, failed_at);
CREATE TABLE suppression (
    env {key} NOT NULL,
    finding {key} NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (env, finding)
);
CREATE TABLE cedar_policy (
    name {key} NOT NULL PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
",
    ),
    (
        3,
        "
CREATE TABLE account_oidc_pending (
    state_hash {key} NOT NULL PRIMARY KEY,
    body TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
",
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 3;

/// Advisory lock keys on PostgreSQL (one 64-bit space per database): the migration, the audit
/// chain's head; environments hash into the rest (see `history::env_lock`).
const LOCK_MIGRATE: i64 = 0x5245_4d49_5400_0001;
const LOCK_AUDIT: i64 = 0x5245_4d49_5400_0002;

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

/// The store: a connection pool, cheap to clone and shared between tasks.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The file, or the URL without its password: what errors name.
    name: Arc<str>,
}

/// Rows per multi-row statement (SQLite allows 32,766 parameters, PostgreSQL 65,535; at most
/// 8 per row here).
const ROWS_PER_STATEMENT: usize = 500;

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A URL with its password (in the authority or as a `password=` parameter) replaced by `***`,
/// fit for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_owned() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..scheme_end + 3].to_owned();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.find('?') {
        Some(q) => {
            out.push_str(&tail[..=q]);
            let query = &tail[q + 1..];
            let (query, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_owned(),
                })
                .collect();
            out.push_str(&params.join("&"));
            out.push_str(fragment);
        }
        None => out.push_str(tail),
    }
    out
}

impl Store {
    /// Opens (creating it and its directory if needed) the embedded store in `data_dir`
    /// (`remit.db`), and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::Directory { path: data_dir.display().to_string(), source })?;
        let file = data_dir.join("remit.db");
        let name = file.display().to_string();
        let url = SqliteConnectOptions::new().filename(&file).create_if_missing(true).to_url_lossy();
        Store::connect_sqlite(url.as_str(), name).await
    }

    /// Connects to a database by URL: `postgres://user:password@host:port/database` (TLS with
    /// `?sslmode=require`), or `sqlite://path` — and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let name = redact_url(url);
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            sqlx::any::install_default_drivers();
            let db = |action| {
                let database = name.clone();
                move |source| StoreError::Database { database, action, source }
            };
            let options = AnyConnectOptions::from_str(url).map_err(db("read the URL"))?;
            let pool = AnyPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(db("connect"))?;
            let store = Store { pool, backend: Backend::Postgres, name: Arc::from(name) };
            store.migrate().await?;
            Ok(store)
        } else if lower.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Database {
                database: name.clone(),
                action: "read the URL",
                source,
            })?;
            let url = options.create_if_missing(true).to_url_lossy();
            Store::connect_sqlite(url.as_str(), name).await
        } else {
            Err(StoreError::Unsupported { database: name })
        }
    }

    /// The store a command line names: the database URL when one is given (`--database`),
    /// otherwise the embedded store in the data directory.
    pub async fn open_database(database: Option<&str>, data_dir: &Path) -> Result<Store, StoreError> {
        match database {
            Some(url) => Store::connect(url).await,
            None => Store::open(data_dir).await,
        }
    }

    async fn connect_sqlite(url: &str, name: String) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let db = |action| {
            let database = name.clone();
            move |source| StoreError::Database { database, action, source }
        };
        let options = AnyConnectOptions::from_str(url).map_err(db("read the URL"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(60))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL: readers never see half a transaction and never block the writer.
                    // A writer waits up to 30 s for another's lock instead of failing.
                    sqlx::raw_sql(
                        "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                    )
                    .execute(conn)
                    .await
                    .map(|_| ())
                })
            })
            .connect_with(options)
            .await
            .map_err(db("open"))?;
        let store = Store { pool, backend: Backend::Sqlite, name: Arc::from(name) };
        store.migrate().await?;
        Ok(store)
    }

    fn err(&self, action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError + use<> {
        let database = self.name.to_string();
        move |source| StoreError::Database { database, action, source }
    }

    fn not_found(&self, what: String) -> StoreError {
        StoreError::NotFound { database: self.name.to_string(), what }
    }

    fn invalid(&self, what: String) -> StoreError {
        StoreError::Invalid { database: self.name.to_string(), what }
    }

    /// A driver error, or [`StoreError::Conflict`] when it is a unique key's violation.
    fn conflict(&self, action: &'static str, what: String) -> impl FnOnce(sqlx::Error) -> StoreError + use<> {
        let database = self.name.to_string();
        move |source| {
            if source.as_database_error().is_some_and(|e| e.is_unique_violation()) {
                StoreError::Conflict { database, what }
            } else {
                StoreError::Database { database, action, source }
            }
        }
    }

    /// The database: the file, or the URL without its password.
    pub fn path(&self) -> &str {
        &self.name
    }

    /// The engine it runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once, so
    /// writers queue (up to the busy timeout) rather than fail when a read turns into a write.
    async fn write(&self, action: &'static str) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        self.pool.begin_with(begin).await.map_err(self.err(action))
    }

    /// Takes a lock held to the end of the transaction, across every process on the database
    /// (PostgreSQL). SQLite needs none: its write transactions are already one at a time.
    async fn lock(&self, conn: &mut AnyConnection, key: i64) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(conn).await?;
        }
        Ok(())
    }

    /// Placeholders `(…), (…)` for `rows` rows of `width` parameters each, numbered from 1:
    /// `?` on SQLite (positional, no name to look up per parameter), `$N` on PostgreSQL.
    fn values(&self, rows: usize, width: usize) -> String {
        let mut out = String::with_capacity(rows * width * 5);
        for row in 0..rows {
            if row > 0 {
                out.push_str(", ");
            }
            out.push('(');
            for col in 0..width {
                if col > 0 {
                    out.push_str(", ");
                }
                match self.backend {
                    Backend::Sqlite => out.push('?'),
                    Backend::Postgres => {
                        out.push('$');
                        out.push_str(&(row * width + col + 1).to_string());
                    }
                }
            }
            out.push(')');
        }
        out
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.write("begin the migration").await?;
        // Two processes starting at once on one PostgreSQL: one migrates, the other waits and
        // then finds nothing to do.
        self.lock(&mut tx, LOCK_MIGRATE).await.map_err(self.err("lock the schema"))?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS remit_schema (version BIGINT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(self.err("create the schema table"))?;
        let current: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM remit_schema")
            .fetch_one(&mut *tx)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(self.err("read the schema version"))?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                database: self.name.to_string(),
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            sqlx::raw_sql(AssertSqlSafe(self.backend.substitute(sql)))
                .execute(&mut *tx)
                .await
                .map_err(self.err("migrate"))?;
            sqlx::query("INSERT INTO remit_schema (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(now())
                .execute(&mut *tx)
                .await
                .map_err(self.err("record the migration"))?;
        }
        tx.commit().await.map_err(self.err("commit the migration"))
    }

    /// The schema versions applied, oldest first.
    pub async fn schema_versions(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT version FROM remit_schema ORDER BY version")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the schema version"))?;
        rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>().map_err(self.err("read the schema version"))
    }

    /// Digests of every file already ingested.
    pub async fn ingested_digests(&self) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT digest FROM activity_source")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the ledger"))?;
        rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>().map_err(self.err("read the ledger"))
    }

    /// Locations of every file ingested completely.
    pub async fn ingested_locations(&self) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT location FROM activity_source WHERE complete = 1")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the ledger"))?;
        rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>().map_err(self.err("read the ledger"))
    }

    /// Accounts whose logs were ingested.
    pub async fn covered_accounts(&self) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT account FROM activity_coverage")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the coverage"))?;
        rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>().map_err(self.err("read the coverage"))
    }

    /// Adds a batch: its rollups, the ledger entries of its files and its audit record, in one
    /// transaction.
    pub async fn commit_activity(
        &self,
        rollups: &Rollups,
        sources: &[LedgerEntry],
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.write("begin a batch").await?;
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
        self.upsert(&mut tx, "activity_usage", &["principal", "action", "resource"], 3, rows)
            .await
            .map_err(self.err("add usage"))?;
        let principals = rollups.principals();
        let rows = principals.iter().map(|r| ([&*r.principal, r.kind.as_str(), &*r.account], r.counts));
        self.upsert(&mut tx, "activity_principal", &["principal", "kind", "account"], 1, rows)
            .await
            .map_err(self.err("add principals' activity"))?;
        let identities = rollups.identities();
        let rows = identities.iter().map(|r| ([&*r.principal, r.kind.as_str(), &*r.identity], r.counts));
        self.upsert(&mut tx, "activity_identity", &["principal", "kind", "identity"], 3, rows)
            .await
            .map_err(self.err("add session identities"))?;
        let unmapped = rollups.unmapped();
        let rows = unmapped.iter().map(|r| ([&*r.source, &*r.name], r.counts));
        self.upsert(&mut tx, "activity_unmapped", &["source", "name"], 2, rows)
            .await
            .map_err(self.err("add unmapped events"))?;
        let coverage = rollups.coverage();
        let rows = coverage.iter().map(|r| ([&*r.account, &*r.region], r.counts));
        self.upsert(&mut tx, "activity_coverage", &["account", "region"], 2, rows)
            .await
            .map_err(self.err("add coverage"))?;
        // The batch's record in the audit trail commits with it: no activity without its record.
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(self.err("commit a batch"))
    }

    /// The usage rows of one principal, or of every principal (`None`), sorted.
    pub async fn usage(&self, principal: Option<&str>) -> Result<Vec<UsageRow>, StoreError> {
        let sql =
            "SELECT principal, action, resource, first_seen, last_seen, allowed, denied, failed FROM activity_usage";
        let rows = match principal {
            Some(p) => {
                sqlx::query(AssertSqlSafe(format!("{sql} WHERE principal = $1"))).bind(p).fetch_all(&self.pool).await
            }
            None => sqlx::query(sql).fetch_all(&self.pool).await,
        }
        .map_err(self.err("read usage"))?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(UsageRow {
                    principal: Arc::from(r.try_get::<&str, _>(0)?),
                    action: Arc::from(r.try_get::<&str, _>(1)?),
                    resource: Arc::from(r.try_get::<&str, _>(2)?),
                    counts: counts(r, 3)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(self.err("read usage"))?;
        // Sorted here, byte by byte: PostgreSQL's ORDER BY follows the server's locale.
        out.sort_unstable_by(|a, b| {
            (&a.principal, &a.action, &a.resource).cmp(&(&b.principal, &b.action, &b.resource))
        });
        Ok(out)
    }

    /// The activity of one principal, or of every principal (`None`), sorted.
    pub async fn principals(&self, principal: Option<&str>) -> Result<Vec<PrincipalRow>, StoreError> {
        let sql =
            "SELECT principal, kind, account, first_seen, last_seen, allowed, denied, failed FROM activity_principal";
        let rows = match principal {
            Some(p) => {
                sqlx::query(AssertSqlSafe(format!("{sql} WHERE principal = $1"))).bind(p).fetch_all(&self.pool).await
            }
            None => sqlx::query(sql).fetch_all(&self.pool).await,
        }
        .map_err(self.err("read principals' activity"))?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(PrincipalRow {
                    principal: Arc::from(r.try_get::<&str, _>(0)?),
                    kind: CallerKind::parse(r.try_get::<&str, _>(1)?).unwrap_or(CallerKind::Unknown),
                    account: Arc::from(r.try_get::<&str, _>(2)?),
                    counts: counts(r, 3)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(self.err("read principals' activity"))?;
        out.sort_unstable_by(|a, b| a.principal.cmp(&b.principal));
        Ok(out)
    }

    /// Who was behind one role's sessions (or every role's), sorted.
    pub async fn identities(&self, principal: Option<&str>) -> Result<Vec<IdentityRow>, StoreError> {
        let sql =
            "SELECT principal, kind, identity, first_seen, last_seen, allowed, denied, failed FROM activity_identity";
        let rows = match principal {
            Some(p) => {
                sqlx::query(AssertSqlSafe(format!("{sql} WHERE principal = $1"))).bind(p).fetch_all(&self.pool).await
            }
            None => sqlx::query(sql).fetch_all(&self.pool).await,
        }
        .map_err(self.err("read session identities"))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let row = (|| {
                let Some(kind) = IdentityKind::parse(r.try_get::<&str, _>(1)?) else { return Ok(None) };
                Ok::<_, sqlx::Error>(Some(IdentityRow {
                    principal: Arc::from(r.try_get::<&str, _>(0)?),
                    kind,
                    identity: Arc::from(r.try_get::<&str, _>(2)?),
                    counts: counts(r, 3)?,
                }))
            })()
            .map_err(self.err("read session identities"))?;
            out.extend(row);
        }
        out.sort_unstable_by(|a, b| {
            (&a.principal, a.kind.as_str(), &a.identity).cmp(&(&b.principal, b.kind.as_str(), &b.identity))
        });
        Ok(out)
    }

    /// Events whose action is not known, by count.
    pub async fn unmapped(&self) -> Result<Vec<UnmappedRow>, StoreError> {
        let rows =
            sqlx::query("SELECT source, name, first_seen, last_seen, allowed, denied, failed FROM activity_unmapped")
                .fetch_all(&self.pool)
                .await
                .map_err(self.err("read unmapped events"))?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(UnmappedRow {
                    source: Arc::from(r.try_get::<&str, _>(0)?),
                    name: Arc::from(r.try_get::<&str, _>(1)?),
                    counts: counts(r, 2)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(self.err("read unmapped events"))?;
        out.sort_unstable_by(|a, b| {
            let total = |c: &Counts| c.allowed + c.denied + c.failed;
            total(&b.counts).cmp(&total(&a.counts)).then_with(|| (&a.source, &a.name).cmp(&(&b.source, &b.name)))
        });
        Ok(out)
    }

    /// The periods the ingested logs cover, per account and region.
    pub async fn coverage(&self) -> Result<Vec<CoverageRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT account, region, first_seen, last_seen, allowed, denied, failed FROM activity_coverage",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read the coverage"))?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(CoverageRow {
                    account: Arc::from(r.try_get::<&str, _>(0)?),
                    region: Arc::from(r.try_get::<&str, _>(1)?),
                    counts: counts(r, 2)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(self.err("read the coverage"))?;
        out.sort_unstable_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
        Ok(out)
    }

    /// How many files the ledger holds, and their records.
    pub async fn ledger_totals(&self) -> Result<(u64, u64), StoreError> {
        let row = sqlx::query("SELECT COUNT(*), CAST(COALESCE(SUM(records), 0) AS BIGINT) FROM activity_source")
            .fetch_one(&self.pool)
            .await
            .map_err(self.err("read the ledger"))?;
        let (files, records): (i64, i64) =
            (|| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))().map_err(self.err("read the ledger"))?;
        Ok((to_u64(files), to_u64(records)))
    }

    /// Closes the connections (waiting for writes to reach the file).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Adds rows to a table of counts: `columns` are its text columns, the first `key` of them
    /// its primary key; an existing row keeps its earliest first and latest last time and adds
    /// counts.
    async fn upsert<'r, const N: usize>(
        &self,
        conn: &mut AnyConnection,
        table: &str,
        columns: &[&str; N],
        key: usize,
        rows: impl Iterator<Item = ([&'r str; N], Counts)>,
    ) -> Result<(), sqlx::Error> {
        let rows: Vec<([&str; N], Counts)> = rows.collect();
        let conflict = columns[..key].join(", ");
        let names = columns.join(", ");
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO {table} ({names}, first_seen, last_seen, allowed, denied, failed) VALUES {}
                 ON CONFLICT ({conflict}) DO UPDATE SET
                  first_seen = CASE WHEN excluded.first_seen < {table}.first_seen THEN excluded.first_seen ELSE {table}.first_seen END,
                  last_seen = CASE WHEN excluded.last_seen > {table}.last_seen THEN excluded.last_seen ELSE {table}.last_seen END,
                  allowed = {table}.allowed + excluded.allowed,
                  denied = {table}.denied + excluded.denied,
                  failed = {table}.failed + excluded.failed",
                self.values(chunk.len(), N + 5)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (texts, c) in chunk {
                for text in texts {
                    query = query.bind(*text);
                }
                query = query
                    .bind(c.first_seen)
                    .bind(c.last_seen)
                    .bind(to_i64(c.allowed))
                    .bind(to_i64(c.denied))
                    .bind(to_i64(c.failed));
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }
}

fn counts(row: &AnyRow, at: usize) -> Result<Counts, sqlx::Error> {
    Ok(Counts {
        first_seen: row.try_get(at)?,
        last_seen: row.try_get(at + 1)?,
        allowed: to_u64(row.try_get(at + 2)?),
        denied: to_u64(row.try_get(at + 3)?),
        failed: to_u64(row.try_get(at + 4)?),
    })
}

/// A JSON text column, parsed.
fn json_column(row: &AnyRow, at: usize) -> Result<serde_json::Value, sqlx::Error> {
    let text: &str = row.try_get(at)?;
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Seconds since the Unix epoch, now.
fn now() -> i64 {
    now_ms() / 1000
}

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
}

/// Lowercase hex SHA-256: the content address of blobs (`put_blobs` checks it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
#[path = "../tests/support/pg.rs"]
mod pg_support;

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot's transaction dropped half-way (a killed task, a lost connection) leaves
    /// the store as it was, and the next commit goes through.
    async fn a_dropped_snapshot_transaction_changes_nothing(store: Store) {
        let version = |key: &str, hash: &str| NewVersion {
            kind: "principal".into(),
            key: key.into(),
            hash: hash.into(),
            meta: serde_json::json!({}),
        };
        let snapshot = |taken_at, versions| NewSnapshot {
            env: "prod".into(),
            cloud: "aws".into(),
            source: "test".into(),
            taken_at,
            summary: serde_json::json!({}),
            versions,
        };
        let event = AuditEvent::new("cli", "snapshot.commit", "prod", "cli");
        let s1 =
            store.commit_snapshot(&snapshot(1, vec![version("a", "1"), version("b", "1")]), &event).await.expect("s1");
        {
            let mut tx = store.write("begin").await.expect("begin");
            let s2 = store
                .commit_snapshot_in(&mut tx, &snapshot(2, vec![version("a", "2"), version("c", "1")]), &event)
                .await
                .expect("written, not committed");
            assert!(s2.id > s1.id);
        }
        assert_eq!(store.latest_snapshot(None).await.expect("latest"), Some(s1.clone()));
        let keys: Vec<(String, String)> =
            store.versions(&s1, "principal").await.expect("versions").into_iter().map(|v| (v.key, v.hash)).collect();
        assert_eq!(keys, vec![("a".into(), "1".into()), ("b".into(), "1".into())]);
        assert_eq!(store.audit_records(0, 10).await.expect("audit").len(), 1);
        let s3 = store.commit_snapshot(&snapshot(3, vec![version("a", "3")]), &event).await.expect("s3");
        assert_eq!(s3.previous, Some(s1.id));
        assert!(store.audit_verify(None).await.expect("verify").is_ok());
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
    }

    #[test]
    fn a_dropped_transaction_changes_nothing_on_sqlite() {
        let dir = tempfile::tempdir().expect("tempdir");
        rt().block_on(async {
            a_dropped_snapshot_transaction_changes_nothing(Store::open(dir.path()).await.expect("open")).await;
        });
    }

    #[test]
    fn a_dropped_transaction_changes_nothing_on_postgres() {
        let Some(cluster) = pg_support::PgCluster::start() else { return };
        rt().block_on(async {
            let store = Store::connect(&cluster.url("postgres")).await.expect("connect");
            a_dropped_snapshot_transaction_changes_nothing(store).await;
        });
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://remit:s3cret@db:5432/remit"), "postgres://remit:***@db:5432/remit");
        assert_eq!(
            redact_url("postgres://remit@db/remit?password=x&sslmode=require"),
            "postgres://remit@db/remit?password=***&sslmode=require"
        );
        assert_eq!(redact_url("postgres://u:p@h"), "postgres://u:***@h");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact_url("sqlite:///a/b.db"), "sqlite:///a/b.db");
    }

    #[test]
    fn placeholders_per_backend() {
        assert_eq!(Backend::Postgres.substitute("{blob} {key}"), "BYTEA TEXT COLLATE \"C\"");
        assert_eq!(Backend::Sqlite.substitute("{blob} {key}"), "BLOB TEXT");
        assert_eq!(hex::encode([0, 15, 255]), "000fff");
    }
}
