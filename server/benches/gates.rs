//! Benchmark of the reconciliation gates over synthetic ledgers of growing
//! size, on SQLite and on PostgreSQL. For each size and database it builds a
//! fresh ledger, checks it with `invariants::check_all`, then times a first
//! full run of all four gates (it also writes every checkpoint), a second
//! full run (the steady state), and a routine run with nothing changed.
//! Every run must find all four gates green.
//!
//! `cargo bench -p ledgerdeck-server --bench gates`.
//!
//! `LEDGERDECK_BENCH_DATABASES`: `sqlite` or `postgres` for only one.
//! `LEDGERDECK_BENCH_KEEP_SQLITE=<path>`: build the SQLite ledger there and keep it.
//! `LEDGERDECK_BENCH_SIZES`: comma-separated posting counts (default
//! `10000,100000,1000000`). `LEDGERDECK_BENCH_POSTGRES_URL`: the PostgreSQL
//! admin URL (default `postgres://postgres@127.0.0.1:5432/postgres`); each run
//! gets its own database, dropped afterwards.

mod synthetic;

use ledgerdeck_server::gates::{Gate, GateConfig, Gates, Mode};
use ledgerdeck_server::{Store, invariants};
use sqlx::{Connection, Executor, PgConnection};
use std::error::Error;
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const DEFAULT_SIZES: [u64; 3] = [10_000, 100_000, 1_000_000];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Database {
    Sqlite,
    Postgres,
}

/// A throw-away store and what removes it.
struct Scratch {
    store: Store,
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
    async fn sqlite() -> BenchResult<Scratch> {
        let dir = tempfile::tempdir()?;
        if let Ok(keep) = std::env::var("LEDGERDECK_BENCH_KEEP_SQLITE") {
            // For profiling the queries afterwards with the sqlite3 shell.
            let store = Store::open(&format!("sqlite:{keep}")).await?;
            return Ok(Scratch { store, cleanup: Cleanup::Sqlite { _dir: dir } });
        }
        let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await?;
        Ok(Scratch { store, cleanup: Cleanup::Sqlite { _dir: dir } })
    }

    async fn postgres(admin_url: &str, n: usize) -> BenchResult<Scratch> {
        let name = format!("ledgerdeck_bench_{}_{n}", std::process::id());
        let mut admin = PgConnection::connect(admin_url).await?;
        admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await?;
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
        admin.close().await?;
        let (base, _) = admin_url.rsplit_once('/').ok_or("admin URL without a database name")?;
        let cleanup = Cleanup::Postgres { admin_url: admin_url.to_string(), name: name.clone() };
        match Store::open(&format!("{base}/{name}")).await {
            Ok(store) => Ok(Scratch { store, cleanup }),
            Err(e) => {
                drop_database(admin_url, &name).await;
                Err(e.into())
            }
        }
    }

    async fn remove(self) {
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

/// Builds a ledger of `postings` on `store`, checks it and reports timings.
async fn run(database: Database, store: &Store, postings: u64) -> BenchResult<()> {
    let started = Instant::now();
    let summary = synthetic::build(store, postings).await?;
    let built = started.elapsed();
    println!(
        "{database:?} {postings} postings: built in {} ({} transactions, {} wallets, {} holds of which {} open, \
         {} statement lines)",
        secs(built),
        summary.transactions,
        summary.wallets,
        summary.holds,
        summary.open_holds,
        summary.statement_lines
    );
    let started = Instant::now();
    let violations = invariants::check_all(store.pool()).await?;
    println!("{database:?} {postings} postings: check_all in {}", secs(started.elapsed()));
    if !violations.is_empty() {
        return Err(format!("{} violations, first: {:?}", violations.len(), violations[0]).into());
    }
    let gates = Gates::new(store.clone(), GateConfig::default());
    for (label, mode) in [("full (first)", Mode::Full), ("full", Mode::Full), ("routine, nothing new", Mode::Routine)] {
        let started = Instant::now();
        let summary = gates.run(&Gate::ALL, mode, "bench", Duration::from_secs(1)).await?;
        let took = started.elapsed();
        let per_gate: Vec<String> =
            summary.gates.iter().map(|g| format!("{} {:.3} s", g.gate, g.duration_micros as f64 / 1e6)).collect();
        println!("{database:?} {postings} postings: gates {label} in {} [{}]", secs(took), per_gate.join(", "));
        if let Some(red) = summary.gates.iter().find(|g| g.status != ledgerdeck_client::GateStatus::Green) {
            return Err(format!("gate {} is {:?} on a sound ledger: {red:?}", red.gate, red.status).into());
        }
    }
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn sizes() -> Vec<u64> {
    match std::env::var("LEDGERDECK_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().replace('_', "").parse().unwrap_or_else(|_| panic!("bad size {s:?}")))
            .collect(),
        Err(_) => DEFAULT_SIZES.to_vec(),
    }
}

/// `LEDGERDECK_BENCH_DATABASES=sqlite` (or `postgres`) runs only that one.
fn databases() -> Vec<Database> {
    match std::env::var("LEDGERDECK_BENCH_DATABASES").as_deref() {
        Ok("sqlite") => vec![Database::Sqlite],
        Ok("postgres") => vec![Database::Postgres],
        _ => vec![Database::Sqlite, Database::Postgres],
    }
}

async fn postgres_reachable(admin_url: &str) -> bool {
    let attempt = tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(admin_url)).await;
    matches!(attempt, Ok(Ok(_)))
}

#[tokio::main]
async fn main() {
    let admin_url = std::env::var("LEDGERDECK_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let postgres_up = postgres_reachable(&admin_url).await;
    let mut failures = Vec::new();
    let mut n = 0;
    for postings in sizes() {
        for database in databases() {
            let scratch = match database {
                Database::Sqlite => Scratch::sqlite().await,
                Database::Postgres if !postgres_up => {
                    println!("\n*** SKIPPED: PostgreSQL not reachable at {admin_url} ({postings} postings) ***\n");
                    continue;
                }
                Database::Postgres => {
                    n += 1;
                    Scratch::postgres(&admin_url, n).await
                }
            };
            let scratch = scratch.unwrap_or_else(|e| panic!("{database:?}: cannot open a scratch store: {e}"));
            let outcome = run(database, &scratch.store, postings).await;
            scratch.remove().await;
            if let Err(e) = outcome {
                println!("{database:?} {postings} postings: FAILED: {e}");
                failures.push(format!("{database:?} {postings}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "synthetic ledgers failed: {failures:#?}");
}
