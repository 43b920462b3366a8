//! Throw-away stores for the benchmarks: a SQLite file in a temporary
//! directory, or a PostgreSQL database of its own, dropped afterwards; and
//! whether this run is the real benchmark or its short test.
#![allow(dead_code)]

use ledgerdeck_server::Store;
use sqlx::{Connection, Executor, PgConnection};
use std::error::Error;
use std::time::Duration;

/// What a benchmark step returns.
pub type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The database a benchmark runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres,
}

/// A throw-away store and what removes it.
pub struct Scratch {
    pub store: Store,
    /// The URL the store was opened with (for a second pool on the same database).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Removed when dropped.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl Scratch {
    /// A fresh SQLite file, or the kept one at `keep` (for profiling the
    /// queries afterwards with the sqlite3 shell).
    pub async fn sqlite(keep: Option<&str>) -> BenchResult<Scratch> {
        let dir = tempfile::tempdir()?;
        let url = match keep {
            Some(path) => format!("sqlite:{path}"),
            None => format!("sqlite:{}", dir.path().join("ledger.db").display()),
        };
        let store = Store::open(&url).await?;
        Ok(Scratch { store, url, cleanup: Cleanup::Sqlite { _dir: dir } })
    }

    /// A fresh PostgreSQL database named after this process and `n`.
    pub async fn postgres(admin_url: &str, n: usize) -> BenchResult<Scratch> {
        let name = format!("ledgerdeck_bench_{}_{n}", std::process::id());
        let mut admin = PgConnection::connect(admin_url).await?;
        admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await?;
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
        admin.close().await?;
        let (base, _) = admin_url.rsplit_once('/').ok_or("admin URL without a database name")?;
        let url = format!("{base}/{name}");
        let cleanup = Cleanup::Postgres { admin_url: admin_url.to_string(), name: name.clone() };
        match Store::open(&url).await {
            Ok(store) => Ok(Scratch { store, url, cleanup }),
            Err(e) => {
                drop_database(admin_url, &name).await;
                Err(e.into())
            }
        }
    }

    /// Closes the store and drops its database.
    pub async fn remove(self) {
        self.store.close().await;
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            drop_database(admin_url, name).await;
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    match PgConnection::connect(admin_url).await {
        Ok(mut admin) => {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = admin.execute(sqlx::AssertSqlSafe(sql)).await {
                eprintln!("could not drop database {name}: {e}");
            }
        }
        Err(e) => eprintln!("could not drop database {name}: {e}"),
    }
}

/// The PostgreSQL admin URL: `LEDGERDECK_BENCH_POSTGRES_URL`, else the local server.
pub fn postgres_admin_url() -> String {
    std::env::var("LEDGERDECK_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Whether PostgreSQL answers at `admin_url` within 5 s.
pub async fn postgres_reachable(admin_url: &str) -> bool {
    let attempt = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(admin_url)).await;
    matches!(attempt, Ok(Ok(_)))
}

/// Whether `cargo bench` started this binary (it passes `--bench`). Without
/// it (`cargo test --benches`, `cargo test --all-targets`) a bench runs as a
/// test: the smallest sizes and durations that still exercise its code and
/// its assertions, in a few seconds, so that it cannot rot.
pub fn full_run() -> bool {
    std::env::args().skip(1).any(|a| a == "--bench")
}

/// `LEDGERDECK_BENCH_DATABASES=sqlite` (or `postgres`) runs only that one.
pub fn databases() -> Vec<Database> {
    match std::env::var("LEDGERDECK_BENCH_DATABASES").as_deref() {
        Ok("sqlite") => vec![Database::Sqlite],
        Ok("postgres") => vec![Database::Postgres],
        _ => vec![Database::Sqlite, Database::Postgres],
    }
}

/// Runs `run` on a fresh scratch store of each database in [`databases`]
/// (PostgreSQL skipped, loudly, when it does not answer), removes each
/// store afterwards, and fails the benchmark `name` if any run failed.
pub async fn on_each_database(name: &str, run: impl AsyncFn(Database, &Scratch) -> BenchResult<()>) {
    let admin_url = postgres_admin_url();
    let mut failures = Vec::new();
    for (n, database) in databases().into_iter().enumerate() {
        let scratch = match database {
            Database::Sqlite => Scratch::sqlite(None).await,
            Database::Postgres if !postgres_reachable(&admin_url).await => {
                println!("\n*** SKIPPED: PostgreSQL not reachable at {admin_url} ***\n");
                continue;
            }
            Database::Postgres => Scratch::postgres(&admin_url, n).await,
        };
        let scratch = scratch.unwrap_or_else(|e| panic!("{database:?}: cannot open a scratch store: {e}"));
        let outcome = run(database, &scratch).await;
        scratch.remove().await;
        if let Err(e) = outcome {
            println!("{database:?}: FAILED: {e}");
            failures.push(format!("{database:?}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{name} benchmark failed: {failures:#?}");
}
