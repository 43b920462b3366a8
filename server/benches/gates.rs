//! Benchmark of the reconciliation gates over synthetic ledgers of growing
//! size, on SQLite and on PostgreSQL. For each size and database it builds a
//! fresh ledger, checks it with `invariants::check_all`, then times a first
//! full run of all four gates (it also writes every checkpoint), a second
//! full run (the steady state), and a routine run with nothing changed.
//! Every run must find all four gates green.
//!
//! `cargo bench -p ledgerdeck-server --bench gates`. Without `--bench`
//! (`cargo test --benches`) it runs as a test on one ledger of 2,000
//! postings, with the same checks.
//!
//! `LEDGERDECK_BENCH_DATABASES`: `sqlite` or `postgres` for only one.
//! `LEDGERDECK_BENCH_KEEP_SQLITE=<path>`: build the SQLite ledger there and keep it.
//! `LEDGERDECK_BENCH_SIZES`: comma-separated posting counts (default
//! `10000,100000,1000000`). `LEDGERDECK_BENCH_POSTGRES_URL`: the PostgreSQL
//! admin URL (default `postgres://postgres@127.0.0.1:5432/postgres`); each run
//! gets its own database, dropped afterwards.

mod scratch;
mod synthetic;

use ledgerdeck_server::gates::{Gate, GateConfig, Gates, Mode};
use ledgerdeck_server::{Store, invariants};
use scratch::{BenchResult, Database, Scratch};
use std::time::{Duration, Instant};

const DEFAULT_SIZES: [u64; 3] = [10_000, 100_000, 1_000_000];
/// The ledger of the short test run.
const TEST_SIZES: [u64; 1] = [2_000];

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
        Ok(list) if scratch::full_run() => list
            .split(',')
            .map(|s| s.trim().replace('_', "").parse().unwrap_or_else(|_| panic!("bad size {s:?}")))
            .collect(),
        _ if scratch::full_run() => DEFAULT_SIZES.to_vec(),
        _ => TEST_SIZES.to_vec(),
    }
}

#[tokio::main]
async fn main() {
    let admin_url = scratch::postgres_admin_url();
    let postgres_up = scratch::postgres_reachable(&admin_url).await;
    let mut failures = Vec::new();
    let mut n = 0;
    for postings in sizes() {
        for database in scratch::databases() {
            let scratch = match database {
                Database::Sqlite => {
                    Scratch::sqlite(std::env::var("LEDGERDECK_BENCH_KEEP_SQLITE").ok().as_deref()).await
                }
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
