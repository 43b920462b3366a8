//! Crash test under load: concurrent clients send money-moving commands, each
//! with its own idempotency key, to the real `ledgerdeck-server` process while
//! it is killed with SIGKILL and restarted (20 times unless told otherwise).
//! A request without a definite answer (connection cut, 409
//! `IDEMPOTENCY_IN_PROGRESS`, 503) is retried with the same key and body until
//! it gets one, as a real client does; that answer is its outcome.
//!
//! It protects exactly-once over crashes: at the end every command the clients
//! saw acknowledged is in the ledger exactly once — resubmitting its key
//! replays the first answer (same transactions, same subject), the ledger holds
//! exactly the acknowledged transactions and no others, the balances are what
//! the acknowledgements add up to, every hold ended at most once, no key is
//! left in progress, the invariants hold and all four gates are green.
//!
//! Knobs: `LEDGERDECK_CRASH_KILLS` (default 20), `LEDGERDECK_CRASH_WORKERS`
//! (default 4), `LEDGERDECK_CRASH_SEED` (default: from the clock; printed). The
//! seed fixes the kill schedule, the command mix and the amounts; where each
//! kill lands still depends on timing.

#[macro_use]
mod common;

#[path = "crash_load/load.rs"]
mod load;

use common::*;
use futures::StreamExt;
use ledgerdeck_client::{CommandResult, GateStatus, GateView, Role};
use load::{Answer, Api, Outcome, Rng, Stats, WorkerReport};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ledgerdeck-server");
const WALLETS: usize = 6;
/// Each wallet's opening pay-in, in cents.
const FUNDING: i64 = 20_000;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

/// The server process, restarted on the same port and database.
struct Server {
    child: Option<Child>,
    url: String,
    port: u16,
    log: PathBuf,
    http: reqwest::Client,
    starts: usize,
}

impl Server {
    async fn start(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("server log");
        let port = self.port.to_string();
        let child = Command::new(BIN)
            .args(["serve", "--database", &self.url, "--listen", &format!("127.0.0.1:{port}")])
            .args(["--no-gate-scheduler", "--no-webhooks", "--idempotency-lease-secs", "1"])
            .args(["--in-flight-wait-ms", "10"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the server");
        self.child = Some(child);
        self.starts += 1;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().expect("server status") {
                panic!("server start #{} exited with {status}; log tail:\n{}", self.starts, self.log_tail());
            }
            let ready = self.http.get(format!("http://127.0.0.1:{port}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server start #{} not ready in 60 s; log:\n{}",
                self.starts,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, then reap.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL the server");
            child.wait().expect("reap the server");
        }
    }

    fn log_tail(&self) -> String {
        let mut file = std::fs::File::open(&self.log).expect("server log");
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        file.seek(SeekFrom::Start(len.saturating_sub(4000))).ok();
        let mut tail = String::new();
        file.read_to_string(&mut tail).ok();
        tail
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free port below the ephemeral range, kept for the whole test: no
/// outgoing connection (not even a client's connect to itself while the
/// server is down) can take it between restarts.
fn free_port() -> u16 {
    static TAKEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let low: u64 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768);
    let mut taken = TAKEN.lock().unwrap();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let mut rng = Rng::new(nanos as u64 ^ u64::from(std::process::id()));
    for _ in 0..500 {
        let port = (10_000 + rng.below(low.saturating_sub(10_000).max(1))) as u16;
        if !taken.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            taken.push(port);
            return port;
        }
    }
    panic!("no free port between 10000 and {low}");
}

/// What the acknowledged commands add up to.
#[derive(Default)]
struct Expected {
    /// Wallet id → (available, reserved) in cents.
    balances: HashMap<String, (i64, i64)>,
    /// Hold id → (wallet, cents, status).
    holds: BTreeMap<String, (String, i64, &'static str)>,
    /// Ledger transaction kind → count.
    kinds: BTreeMap<String, i64>,
}

fn expected_state(wallets: &[String], reports: &[WorkerReport]) -> Expected {
    let mut e = Expected::default();
    for w in wallets {
        e.balances.insert(w.clone(), (FUNDING, 0));
    }
    e.kinds.insert("payin".into(), wallets.len() as i64);
    for report in reports {
        for done in &report.done {
            let Outcome::Acked(result) = &done.outcome else { continue };
            let body = &done.op.body;
            let text = |field: &str| body[field].as_str().expect(field).to_string();
            let kind = match done.op.command {
                "transfer" => {
                    e.balances.get_mut(&text("from_wallet_id")).unwrap().0 -= done.op.cents;
                    e.balances.get_mut(&text("to_wallet_id")).unwrap().0 += done.op.cents;
                    Some("transfer")
                }
                "reserve_payout" => {
                    let w = text("wallet_id");
                    let b = e.balances.get_mut(&w).unwrap();
                    b.0 -= done.op.cents;
                    b.1 += done.op.cents;
                    e.holds.insert(result.subject_id.clone().expect("hold id"), (w, done.op.cents, "reserved"));
                    Some("payout_reserve")
                }
                "mark_manual_review" => {
                    e.holds.get_mut(&text("hold_id")).expect("reviewed hold was reserved").2 = "manual_review";
                    None
                }
                "settle_hold" | "release_hold" => {
                    let settle = done.op.command == "settle_hold";
                    let hold = e.holds.get_mut(&text("hold_id")).expect("ended hold was reserved");
                    hold.2 = if settle { "settled" } else { "released" };
                    let b = e.balances.get_mut(&hold.0).unwrap();
                    b.1 -= hold.1;
                    if !settle {
                        b.0 += hold.1;
                    }
                    Some(if settle { "payout_settle" } else { "payout_release" })
                }
                other => panic!("unexpected command {other}"),
            };
            if let Some(kind) = kind {
                *e.kinds.entry(kind.into()).or_default() += 1;
            }
        }
    }
    e
}

async fn crash_under_load(db: TestDb) {
    let started = Instant::now();
    let kills = env_u64("LEDGERDECK_CRASH_KILLS", 20) as usize;
    let workers = env_u64("LEDGERDECK_CRASH_WORKERS", 4).max(1) as usize;
    let seed = env_u64("LEDGERDECK_CRASH_SEED", {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        nanos as u64 ^ u64::from(std::process::id())
    });
    let backend = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
    eprintln!("crash_load[{backend}]: LEDGERDECK_CRASH_SEED={seed} kills={kills} workers={workers}");

    let ledger = db.ledger.clone();
    let mut wallets = Vec::new();
    for _ in 0..WALLETS {
        let w = wallet(&ledger, "USD").await;
        pay_in(&ledger, &w, &load::decimal(FUNDING)).await;
        wallets.push(w);
    }
    let token = ledgerdeck_server::access::create_token(ledger.store(), "crash-ops", Role::Operator, "test")
        .await
        .expect("operator token");

    let dir = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let port = free_port();
    let mut server = Server {
        child: None,
        url: db.url.clone(),
        port,
        log: dir.path().join("server.log"),
        http: http.clone(),
        starts: 0,
    };
    server.start().await;

    let load_started = Instant::now();
    let api = Arc::new(Api { http, base: format!("http://127.0.0.1:{port}"), token });
    let stop = Arc::new(AtomicBool::new(false));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let wallets = Arc::new(wallets);
    let mut rng = Rng::new(seed);
    let tasks: Vec<_> = (0..workers)
        .map(|i| {
            let worker = load::Worker::new(i, rng.next(), api.clone(), wallets.clone(), in_flight.clone());
            tokio::spawn(worker.run(stop.clone()))
        })
        .collect();

    let mut kills_in_flight = 0;
    let mut down = Duration::ZERO;
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(100 + rng.below(301))).await;
        if in_flight.load(Ordering::SeqCst) > 0 {
            kills_in_flight += 1;
        }
        let killed = Instant::now();
        server.kill();
        server.start().await;
        down += killed.elapsed();
    }
    stop.store(true, Ordering::SeqCst);
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.unwrap_or_else(|e| panic!("load worker failed (seed {seed}): {e}")));
    }
    let load_done = load_started.elapsed();
    let mut stats = Stats::default();
    for r in &reports {
        stats.add(&r.stats);
    }
    let ctx = format!("seed {seed}, {backend}");
    assert!(stats.server_errors.is_empty(), "{ctx}: server errors during the run: {:#?}", stats.server_errors);
    assert!(stats.unexpected.is_empty(), "{ctx}: unexpected answers: {:#?}", stats.unexpected);
    assert!(
        stats.cut_off > 0 && kills_in_flight > 0,
        "{ctx}: no kill landed on a request in flight ({kills_in_flight} kills with requests in flight, \
         {} requests cut off); the test proved nothing",
        stats.cut_off
    );

    // (1) Every acknowledged key replays its first answer.
    let acked: Vec<&load::Done> =
        reports.iter().flat_map(|r| &r.done).filter(|d| matches!(d.outcome, Outcome::Acked(_))).collect();
    let replays: Vec<(usize, Answer)> = futures::stream::iter(acked.iter().enumerate())
        .map(|(i, done)| {
            let api = api.clone();
            async move { (i, api.send(&done.op).await) }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for (i, answer) in &replays {
        let done = acked[*i];
        let Outcome::Acked(first) = &done.outcome else { unreachable!() };
        match answer {
            Answer::Acked(again) => {
                assert!(again.replayed, "{ctx}: {} key {} executed again: {again:?}", done.op.command, done.op.key);
                assert_eq!(
                    again.transaction_ids, first.transaction_ids,
                    "{ctx}: {} key {}",
                    done.op.command, done.op.key
                );
                assert_eq!(again.subject_id, first.subject_id, "{ctx}: {} key {}", done.op.command, done.op.key);
            }
            other => panic!("{ctx}: resubmitting acknowledged {} key {} got {other:?}", done.op.command, done.op.key),
        }
    }

    // (2) The ledger holds exactly the acknowledged transactions, once each.
    let pool = ledger.store().pool();
    let mut acked_ids = HashSet::new();
    for done in &acked {
        let Outcome::Acked(result) = &done.outcome else { unreachable!() };
        for id in &result.transaction_ids {
            assert!(acked_ids.insert(id.clone()), "{ctx}: transaction {id} acknowledged twice");
        }
    }
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT id, kind FROM ledger_transactions").fetch_all(pool).await.expect("transactions");
    let stored_ids: HashSet<String> =
        stored.iter().filter(|(_, kind)| kind != "payin").map(|(id, _)| id.clone()).collect();
    let lost: Vec<_> = acked_ids.difference(&stored_ids).collect();
    let extra: Vec<_> = stored_ids.difference(&acked_ids).collect();
    assert!(lost.is_empty(), "{ctx}: acknowledged transactions missing from the ledger: {lost:?}");
    assert!(extra.is_empty(), "{ctx}: transactions no client saw acknowledged: {extra:?}");

    // (3) No double posting: kinds, holds and balances are what the acknowledgements say.
    let expected = expected_state(&wallets, &reports);
    let mut kinds: BTreeMap<String, i64> = BTreeMap::new();
    for (_, kind) in &stored {
        *kinds.entry(kind.clone()).or_default() += 1;
    }
    assert_eq!(kinds, expected.kinds, "{ctx}: ledger transactions by kind");
    let holds: BTreeMap<String, String> =
        sqlx::query_as("SELECT id, status FROM holds").fetch_all(pool).await.expect("holds").into_iter().collect();
    let want: BTreeMap<String, String> = expected.holds.iter().map(|(id, h)| (id.clone(), h.2.to_string())).collect();
    assert_eq!(holds, want, "{ctx}: hold statuses");
    for (id, (_, _, status)) in &expected.holds {
        let endings = hold_endings(&ledger, id).await;
        let ended = i64::from(matches!(*status, "settled" | "released"));
        assert_eq!(endings, ended, "{ctx}: hold {id} ({status}) ended {endings} times");
    }
    for w in wallets.iter() {
        assert_eq!(balances(&ledger, w).await, expected.balances[w], "{ctx}: wallet {w} (available, reserved)");
    }
    let keys: Vec<(String, i64)> = sqlx::query_as(
        "SELECT state, CAST(COUNT(*) AS BIGINT) FROM idempotency_keys WHERE caller = 'crash-ops' GROUP BY state",
    )
    .fetch_all(pool)
    .await
    .expect("keys");
    let keys: BTreeMap<String, i64> = keys.into_iter().collect();
    let want_keys = BTreeMap::from([("completed".to_string(), acked.len() as i64)]);
    assert_eq!(keys, want_keys, "{ctx}: idempotency keys by state (none left in progress)");
    // One outbox event per acknowledged command, carrying its result; none for the others.
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM outbox_messages").fetch_all(pool).await.expect("outbox");
    let mut events: Vec<(String, Option<String>, Vec<String>)> = payloads
        .iter()
        .map(|p| serde_json::from_str::<Value>(p).expect("outbox payload"))
        .filter(|p| p["actor"] == "crash-ops")
        .map(|p| serde_json::from_value::<CommandResult>(p["data"].clone()).expect("event data"))
        .map(|r| (r.command, r.subject_id, r.transaction_ids))
        .collect();
    let mut want_events: Vec<(String, Option<String>, Vec<String>)> = acked
        .iter()
        .map(|d| match &d.outcome {
            Outcome::Acked(r) => (r.command.clone(), r.subject_id.clone(), r.transaction_ids.clone()),
            Outcome::Refused => unreachable!(),
        })
        .collect();
    events.sort();
    want_events.sort();
    assert_eq!(events, want_events, "{ctx}: outbox events of the load");

    // (4) Invariants and all four gates green.
    assert_sound(&ledger).await;
    let gates_op = load::Op { key: key(), command: "run_gates", body: json!({}), cents: 0 };
    let run = api.send(&gates_op).await;
    assert!(matches!(run, Answer::Acked(_)), "{ctx}: run_gates answered {run:?}");
    let views: Vec<GateView> = api
        .http
        .get(format!("{}/v1/gates", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("GET /v1/gates")
        .json()
        .await
        .expect("gate views");
    assert_eq!(views.len(), ledgerdeck_client::gates::GATES.len(), "{ctx}: {views:#?}");
    for view in &views {
        assert_eq!(view.status, GateStatus::Green, "{ctx}: gate {} after the run {run:?}: {view:#?}", view.gate);
    }

    server.kill();
    eprintln!(
        "crash_load[{backend}]: seed {seed}: {kills} kills ({kills_in_flight} with requests in flight), {} server starts; \
         {} commands acked, {} refused; {} requests cut off by a kill, {} unknown outcomes resolved by retry \
         ({} had executed, answer lost), {} retries in all ({} answered in progress); {} replays checked; load {:.1}s (server down {:.1}s), test {:.1}s",
        server.starts,
        acked.len(),
        stats.refused,
        stats.cut_off,
        stats.resolved_after_unknown,
        stats.lost_answers,
        stats.retries,
        stats.in_progress,
        replays.len(),
        load_done.as_secs_f64(),
        down.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    drop(server);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_under_load_sqlite() {
    crash_under_load(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_under_load_postgres() {
    let Some(db) = TestDb::postgres("server_killed_under_load").await else { return };
    crash_under_load(db).await;
}
