//! The manual-review queue with 100,000 holds, against a real server over
//! HTTP with the real fetcher: time to first screen (from pressing `3` to the
//! first page drawn), the frame time of scrolling through 10,000 rows
//! (key handling and drawing; pages are fetched in the background as the
//! selection nears the end of what is loaded), and the resident memory of
//! the real `ledgerdeck` binary after opening the queue and after scrolling.
//!
//! Run with `cargo bench -p ledgerdeck --bench queue` (release; needs tmux
//! for the memory figure). Without `--bench` (as `cargo test --all-targets`
//! runs it) it seeds 3,000 holds, scrolls 500 rows and skips the memory
//! figure, so that it cannot rot.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent};
use ledgerdeck_client::{ApiClient, ClientConfig, Role};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::fetch::ApiFetcher;
use ledgerdeck_tui::runtime::{self, Fetcher};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Whether `cargo bench` runs it (else it is a test with a short budget).
fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Holds seeded and rows scrolled: the bench's, or a test's.
fn sizes() -> (i64, usize) {
    if full() { (100_000, 10_000) } else { (3_000, 500) }
}

/// One wallet, one reserve transaction and `holds` holds in manual review,
/// written in one statement (the queue reads holds and currencies only).
async fn seed(store: &Store, holds: i64) {
    let now = ledgerdeck_server::store::now_micros();
    let mut tx = store.begin_write().await.unwrap();
    for sql in [
        "INSERT INTO wallets (id, merchant_id, currency, label, created_at) \
         VALUES ('01900000-0000-7000-8000-000000000001', 'm-bench', 'USD', NULL, 0)",
        "INSERT INTO ledger_transactions (id, kind, reference, description, hold_id, booked_at, effective_at) \
         VALUES ('01900000-0000-7000-8000-000000000002', 'payout_reserve', NULL, 'bench', NULL, 0, 0)",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO holds (id, wallet_id, merchant_id, currency, amount, provider, reference, status, \
           reserve_txn_id, created_at, updated_at) \
         SELECT printf('01910000-0000-7000-8000-%012d', i), '01900000-0000-7000-8000-000000000001', \
           'm-' || (i % 97), 'USD', 100 + (i * 7919) % 5000000, CASE i % 3 WHEN 0 THEN 'sandbox' ELSE 'paystack' END, \
           'payout-' || i, 'manual_review', '01900000-0000-7000-8000-000000000002', $2 - i * 1000000, $2 - i * 1000 \
         FROM n",
    )
    .bind(holds)
    .bind(now)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn key(c: char) -> KeyEvent {
    KeyEvent::from(KeyCode::Char(c))
}

/// Delivers what the fetcher sent until `done` holds, re-sending follow-ups.
async fn pump(
    app: &mut App,
    data: &mut mpsc::Receiver<DataMsg>,
    requests: &mpsc::Sender<Request>,
    done: impl Fn(&App) -> bool,
) {
    while !done(app) {
        let msg = tokio::time::timeout(Duration::from_secs(20), data.recv()).await.expect("data").expect("open");
        for r in app.on_data(msg) {
            requests.send(r).await.unwrap();
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let (holds, scroll_rows) = sizes();
    let started = Instant::now();
    seed(&store, holds).await;
    println!("seeded {holds} manual-review holds in {:.2} s", started.elapsed().as_secs_f64());
    let token = ledgerdeck_server::access::create_token(&store, "bench", Role::Operator, "bench").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Ledger::new(store, LedgerConfig::default()), ApiConfig::default());
    tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    let url = format!("http://{addr}");
    let client = ApiClient::new(ClientConfig::new(&url).with_token(&token)).unwrap();

    // Time to first screen, ten times.
    let mut first = Vec::new();
    for _ in 0..if full() { 10 } else { 2 } {
        let mut app = fixtures::app("terminal", false, false);
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        let (request_tx, request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
        let (data_tx, mut data) = mpsc::channel(runtime::DATA_QUEUE);
        let fetch = tokio::spawn(ApiFetcher::new(client.clone()).run(request_rx, data_tx));
        let t = Instant::now();
        for r in app.on_key(key('3')) {
            request_tx.send(r).await.unwrap();
        }
        pump(&mut app, &mut data, &request_tx, |a| a.views.payouts.loaded && !a.views.payouts.shown().is_empty()).await;
        terminal.draw(|f| app.render(f)).unwrap();
        first.push(t.elapsed());
        fetch.abort();
    }
    println!("time to first screen (press 3 → first page drawn, 160×48): median {:.1} ms", ms(median(first)));

    // Scrolling: one frame = a key handled and the screen drawn; pages come
    // from the server in the background as the selection nears their end.
    let mut app = fixtures::app("terminal", false, false);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let (request_tx, request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (data_tx, mut data) = mpsc::channel(runtime::DATA_QUEUE);
    let fetch = tokio::spawn(ApiFetcher::new(client.clone()).run(request_rx, data_tx));
    for r in app.on_key(key('3')) {
        request_tx.send(r).await.unwrap();
    }
    pump(&mut app, &mut data, &request_tx, |a| a.views.payouts.loaded && !a.views.payouts.shown().is_empty()).await;
    let mut frames = Vec::with_capacity(scroll_rows);
    let scroll_started = Instant::now();
    for _ in 0..scroll_rows {
        while let Ok(msg) = data.try_recv() {
            for r in app.on_data(msg) {
                request_tx.send(r).await.unwrap();
            }
        }
        let t = Instant::now();
        let out = app.on_key(key('j'));
        terminal.draw(|f| app.render(f)).unwrap();
        frames.push(t.elapsed());
        for r in out {
            request_tx.send(r).await.unwrap();
        }
        // Wait for a page only when the selection has reached the end of
        // what is loaded (as a user holding `j` would see it).
        if app.views.payouts.selected + 1 >= app.views.payouts.shown().len() {
            let before = app.views.payouts.shown().len();
            pump(&mut app, &mut data, &request_tx, |a| a.views.payouts.shown().len() != before).await;
        }
    }
    let total = scroll_started.elapsed();
    println!(
        "scrolling {scroll_rows} rows: frame median {:.3} ms, p99 {:.3} ms, max {:.3} ms; {:.2} s in all (with page fetches)",
        ms(median(frames.clone())),
        ms(percentile(frames.clone(), 0.99)),
        ms(*frames.iter().max().unwrap()),
        total.as_secs_f64()
    );
    println!("rows held in memory after scrolling: {}", app.views.payouts.shown().len());
    fetch.abort();
    assert!(app.views.payouts.selected >= scroll_rows.min(holds as usize) - 1, "the selection went down every row");

    if full() {
        memory(&url, &token).await;
    } else {
        println!("resident memory: measured under cargo bench only");
    }
    state.shutdown.cancel();
}

/// The real binary's resident memory, in tmux: after the queue's first
/// screen and after scrolling with `j` held down.
async fn memory(url: &str, token: &str) {
    if !Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success()) {
        println!("\n*** SKIPPED: resident memory: tmux is not installed ***\n");
        return;
    }
    let name = format!("ledgerdeck-bench-{}", std::process::id());
    let binary = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("ledgerdeck");
    if !binary.exists() {
        println!("\n*** SKIPPED: resident memory: build the binary first (cargo build --release -p ledgerdeck) ***\n");
        return;
    }
    let command =
        format!("LEDGERDECK_CONFIG=/nonexistent LEDGERDECK_TOKEN={token} {} --server {url}", binary.display());
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output().unwrap();
    tmux(&["new-session", "-d", "-s", &name, "-x", "160", "-y", "48", &command]);
    std::thread::sleep(Duration::from_millis(800));
    let pid =
        String::from_utf8_lossy(&tmux(&["list-panes", "-t", &name, "-F", "#{pane_pid}"]).stdout).trim().to_string();
    let baseline = rss_kib(&pid);
    tmux(&["send-keys", "-t", &name, "3"]);
    std::thread::sleep(Duration::from_millis(1500));
    let opened = rss_kib(&pid);
    for _ in 0..50 {
        let many = "j".repeat(200);
        tmux(&["send-keys", "-t", &name, "-l", &many]);
        std::thread::sleep(Duration::from_millis(150));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let scrolled = rss_kib(&pid);
    let screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &name]).stdout).into_owned();
    tmux(&["kill-session", "-t", &name]);
    let mib = |k: Option<u64>| k.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "ledgerdeck resident memory: at start {}, queue open {}, after 10,000 × j {}",
        mib(baseline),
        mib(opened),
        mib(scrolled)
    );
    let last_row = screen.lines().find(|l| l.contains('›')).unwrap_or("").trim().to_string();
    println!("selected row after scrolling: {last_row}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
