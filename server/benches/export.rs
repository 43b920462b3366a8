//! Export of a big ledger's postings as CSV over HTTP, on SQLite and on
//! PostgreSQL.
//!
//! For each database, on a fresh store: `synthetic::build` bulk-writes a
//! consistent ledger of N postings (1,000,000 under `cargo bench`); a real
//! `ledgerdeck-server serve` process (so its memory is its own) answers
//! `GET /v1/exports/transactions` with `Accept: text/csv`, which the bench
//! streams to a temporary file. It prints the time, the rows and bytes, and
//! the server's resident memory idle and at its peak (`VmHWM`), with the goal
//! `peak RSS < 100 MB` met or missed. Then it reads the file back with the
//! `csv` crate and checks it row by row against what `GET /v1/transactions`
//! answers, page after page (every row in the full run; the first 20,000 in
//! the short one, which is all of them at its size).
//!
//! `cargo bench -p ledgerdeck-server --bench export`. Without `--bench`
//! (`cargo test --benches`) it runs as a test: 2,000 postings, the same checks,
//! the goal not judged.
//!
//! `LEDGERDECK_BENCH_EXPORT_POSTINGS`: N. `LEDGERDECK_BENCH_DATABASES`:
//! `sqlite` or `postgres` for only one. `LEDGERDECK_BENCH_POSTGRES_URL`: the
//! PostgreSQL admin URL.

#[path = "../tests/common/process.rs"]
mod process;
mod scratch;
mod synthetic;

use ledgerdeck_client::Role;
use ledgerdeck_server::access::create_token;
use ledgerdeck_server::queries::export::neutralise;
use process::{ServerProcess, rss_of};
use scratch::{BenchResult, Database, Scratch};
use serde_json::Value;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The goal: the server's peak resident memory while exporting.
const GOAL_PEAK_KB: u64 = 100 * 1024;

fn postings() -> u64 {
    let default = if scratch::full_run() { 1_000_000 } else { 2_000 };
    std::env::var("LEDGERDECK_BENCH_EXPORT_POSTINGS")
        .ok()
        .map_or(default, |v| v.replace('_', "").parse().expect("LEDGERDECK_BENCH_EXPORT_POSTINGS"))
}

/// `RssAnon` of `pid` in kB: the heap and stacks, without file pages (on
/// SQLite the pool maps the database file, and pages other reads touched
/// count in `VmRSS`/`VmHWM`; an export reads unmapped, so they stay few).
fn anon_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("RssAnon:")?.trim().strip_suffix("kB")?.trim().parse().ok())
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

/// A JSON value as the CSV cell it becomes.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    neutralise(&text).into_owned()
}

/// The CSV rows of one transaction of `/v1/transactions`, in `header` order.
fn rows_of(transaction: &Value, header: &[String]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for posting in transaction["postings"].as_array().into_iter().flatten() {
        let row = header
            .iter()
            .map(|h| match h.as_str() {
                "posting_seq" => cell(&posting["seq"]),
                "account_id" | "currency" | "amount" => cell(&posting[h.as_str()]),
                other => cell(&transaction[other]),
            })
            .collect();
        rows.push(row);
    }
    rows
}

/// Streams the export to `path`; returns (rows, bytes).
async fn download(http: &reqwest::Client, url: &str, token: &str, path: &std::path::Path) -> BenchResult<(u64, u64)> {
    let mut response = http.get(url).bearer_auth(token).header("Accept", "text/csv").send().await?;
    if !response.status().is_success() {
        return Err(format!("export answered {}: {}", response.status(), response.text().await?).into());
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut counter = ledgerdeck_client::RecordCounter::new(ledgerdeck_client::ExportFormat::Csv);
    while let Some(chunk) = response.chunk().await? {
        counter.feed(&chunk);
        file.write_all(&chunk)?;
    }
    file.flush()?;
    let done = counter.progress();
    Ok((done.rows, done.bytes))
}

/// Reads the file back and compares it with the list route, page by page.
async fn compare(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &std::path::Path,
    limit: u64,
) -> BenchResult<u64> {
    let mut reader = csv::Reader::from_path(path)?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut records = reader.records();
    let mut cursor: Option<String> = None;
    let mut compared = 0u64;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/v1/transactions?limit=500&cursor={c}"),
            None => format!("{base}/v1/transactions?limit=500"),
        };
        let page: Value = http.get(&url).bearer_auth(token).send().await?.json().await?;
        for transaction in page["items"].as_array().ok_or("a page without items")? {
            for expected in rows_of(transaction, &header) {
                let got: Vec<String> =
                    records.next().ok_or("the file ends early")??.iter().map(str::to_string).collect();
                if got != expected {
                    return Err(format!("row {compared}: file {got:?} but the list {expected:?}").into());
                }
                compared += 1;
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) if compared < limit => cursor = Some(next.to_string()),
            Some(_) => return Ok(compared),
            None => break,
        }
    }
    if records.next().is_some() {
        return Err("the file has more rows than the list".into());
    }
    Ok(compared)
}

async fn run(database: Database, scratch: &Scratch, postings: u64) -> BenchResult<()> {
    let started = Instant::now();
    let summary = synthetic::build(&scratch.store, postings).await?;
    println!(
        "{database:?}  built {} postings in {} transactions over {} wallets in {:.1} s",
        summary.postings,
        summary.transactions,
        summary.wallets,
        started.elapsed().as_secs_f64()
    );
    let token = create_token(&scratch.store, "bench-viewer", Role::Viewer, "bench").await?;
    let server =
        ServerProcess::serve(&scratch.url, &["--no-gate-scheduler", "--no-webhooks", "--export-max-rows", "10000000"])
            .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = server.rss();
    let idle_anon = anon_kb(server.pid()).unwrap_or(0);
    let peak_now = Arc::new(AtomicU64::new(idle.now_kb));
    let peak_anon = Arc::new(AtomicU64::new(idle_anon));
    let sampler = {
        let (peak_now, peak_anon, pid) = (peak_now.clone(), peak_anon.clone(), server.pid());
        tokio::spawn(async move {
            while let Some(rss) = rss_of(pid) {
                peak_now.fetch_max(rss.now_kb, Ordering::Relaxed);
                peak_anon.fetch_max(anon_kb(pid).unwrap_or(0), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("transactions.csv");
    let http = reqwest::Client::new();
    let started = Instant::now();
    let (rows, bytes) = download(&http, &server.url("/v1/exports/transactions"), &token, &path).await?;
    let took = started.elapsed();
    sampler.abort();
    let after = server.rss();
    let peak = after.peak_kb.max(peak_now.load(Ordering::Relaxed));
    println!(
        "{database:?}  exported {rows} rows ({:.1} MB) in {:.2} s ({:.0} rows/s)",
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64()
    );
    println!(
        "{database:?}  server RSS: idle {}, peak {} (+{}), after {}",
        mb(idle.now_kb),
        mb(peak),
        mb(peak.saturating_sub(idle.now_kb)),
        mb(after.now_kb)
    );
    let anon = peak_anon.load(Ordering::Relaxed);
    println!("{database:?}  server anonymous RSS (heap): idle {}, peak sampled {}", mb(idle_anon), mb(anon));
    if rows != summary.postings {
        return Err(format!("{rows} rows exported, {} postings written", summary.postings).into());
    }
    let limit = if scratch::full_run() { u64::MAX } else { 20_000 };
    let started = Instant::now();
    let compared = compare(&http, &server.url(""), &token, &path, limit).await?;
    println!(
        "{database:?}  the file equals GET /v1/transactions on all {compared} rows compared (in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let verdict = match (scratch::full_run(), peak < GOAL_PEAK_KB) {
        (false, _) => "not judged in a short test run",
        (true, true) => "met",
        (true, false) => "missed",
    };
    println!("{database:?}  goal export peak RSS < 100 MB: {verdict} (peak {})", mb(peak));
    drop(server);
    Ok(())
}

#[tokio::main]
async fn main() {
    let postings = postings();
    scratch::on_each_database("export", async |database, scratch| run(database, scratch, postings).await).await;
}
