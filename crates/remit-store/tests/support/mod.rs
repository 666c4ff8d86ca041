//! Runs each store test on both engines: SQLite in a temporary directory, and PostgreSQL in a
//! throw-away cluster ([`pg`]).

// Test support: a setup that cannot go on fails the test, loudly; each test binary uses a
// part of it.
#![allow(clippy::panic, dead_code)]

pub(crate) mod pg;

use std::future::Future;

use remit_store::{Backend, Store};
use sqlx::AnyPool;

/// A fresh, empty store, and a connection of its own to the same database (for what an
/// attacker or a crash would do behind the store's back).
pub(crate) struct Fixture {
    pub(crate) store: Store,
    pub(crate) raw: AnyPool,
    pub(crate) backend: Backend,
    /// The database's URL: another `Store::connect` on it is a second instance.
    pub(crate) url: String,
    _dir: tempfile::TempDir,
    /// Dropped last: stops the server.
    _pg: Option<pg::PgCluster>,
}

impl Fixture {
    /// Another store on the same database (another process, as far as the database knows).
    pub(crate) async fn second(&self) -> Store {
        Store::connect(&self.url).await.expect("a second store")
    }

    /// Closes the store and opens it again.
    pub(crate) async fn reopen(&mut self) {
        self.store.close().await;
        self.store = self.second().await;
    }

    /// Runs raw SQL (one statement or several).
    pub(crate) async fn sql(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.raw)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The first column of the first row of a query, as an integer.
    pub(crate) async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row as _;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.raw)
            .await
            .and_then(|r| r.try_get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// Runs `test` on a fresh store of `backend`; on PostgreSQL, skips (saying why) when the
/// server's binaries are missing and `REMIT_REQUIRE_POSTGRES` is not set.
pub(crate) fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: Future<Output = ()>,
{
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match pg::PgCluster::start() {
            Some(cluster) => Some(cluster),
            None => return,
        },
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, url) = match &pg {
            None => {
                let store = Store::open(dir.path()).await.expect("open");
                (store, format!("sqlite://{}", dir.path().join("remit.db").display()))
            }
            Some(cluster) => {
                let url = cluster.url("postgres");
                (Store::connect(&url).await.expect("connect"), url)
            }
        };
        assert_eq!(store.backend(), backend);
        let raw = AnyPool::connect(&url).await.expect("a raw connection");
        test(Fixture { store, raw, backend, url, _dir: dir, _pg: pg }).await;
    });
}

/// Declares each named `async fn(Fixture)` as a test on SQLite (`sqlite::name`) and on
/// PostgreSQL (`postgres::name`).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { $crate::support::run(remit_store::Backend::Sqlite, super::$name) })*
        }
        mod postgres {
            $(#[test] fn $name() { $crate::support::run(remit_store::Backend::Postgres, super::$name) })*
        }
    };
}
