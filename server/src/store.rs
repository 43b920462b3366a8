//! The database: one pool over SQLite or PostgreSQL (sqlx's `Any` driver),
//! migrations, and write transactions that lock correctly on each.

pub mod signal;

use signal::ChangeSignal;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Which database a [`Store`] talks to; the few SQL differences branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file in WAL mode.
    Sqlite,
    /// A PostgreSQL server, possibly shared by several instances.
    Postgres,
}

/// A write transaction on either database.
pub type WriteTx = Transaction<'static, Any>;

/// The database handle of the wallet core.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: std::sync::Arc<str>,
    changes: ChangeSignal,
}

/// The `mmap_size` of [`SQLITE_PRAGMAS`], for a connection that lowered it
/// for a while (an export) to put it back.
pub const SQLITE_MMAP_BYTES: &str = "1073741824";

/// The settings of every SQLite connection. WAL: readers never block the
/// writer. synchronous=FULL: a committed posting survives power loss.
/// busy_timeout: writers queue for the lock instead of failing. mmap_size:
/// reads map the file instead of copying pages through a small cache (the
/// gates scan indexes of millions of rows); writes are unaffected.
pub const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA mmap_size = 1073741824;";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Store {
    /// Connects to `url` (`sqlite:<path>` or `postgres://…`), creating a SQLite
    /// file if needed, and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                format!("unsupported database URL {url:?}: use sqlite:<path> or postgres://…").into(),
            ));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        let notify_pool = (backend == Backend::Postgres).then(|| pool.clone());
        let store = Store { pool, backend, url: url.into(), changes: ChangeSignal::new(notify_pool) };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(|e| sqlx::Error::Migrate(Box::new(e)))
    }

    /// Whether the database answers and every embedded migration is applied.
    pub async fn migrations_current(&self) -> Result<bool, sqlx::Error> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        Ok(applied >= migrator.iter().count() as i64)
    }

    /// The connection pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the store was opened with (for a PostgreSQL `LISTEN`
    /// connection of its own).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The signal to give after committing change rows.
    pub fn changes(&self) -> &ChangeSignal {
        &self.changes
    }

    /// Begins a transaction that will write. On SQLite it takes the write
    /// lock up front (`BEGIN IMMEDIATE`), so a read-then-write transaction can
    /// never fail to upgrade; on PostgreSQL row locks are taken as it goes, in
    /// the sorted order the ledger uses.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Bind placeholders `$first, $first+1, …` for `n` values, comma-separated,
/// for statements whose number of values varies (`IN (…)`, multi-row
/// `VALUES`).
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Now, in microseconds since the Unix epoch (the unit every stored time uses).
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An export puts back exactly the pool's `mmap_size`, so the two must agree.
    #[test]
    fn the_restored_mmap_size_is_the_pools() {
        assert!(SQLITE_PRAGMAS.contains(&format!("PRAGMA mmap_size = {SQLITE_MMAP_BYTES};")));
    }
}
