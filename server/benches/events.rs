//! Live-event delivery under load, on SQLite and on PostgreSQL.
//!
//! For each database, on a fresh store: a real `ledgerdeck-server serve`
//! process (so its memory is its own), 200 subscribers on `GET /v1/events`
//! (each on its own viewer token: a token may hold only
//! `--streams-per-token` streams), and transfers between 64 funded wallets
//! posted open-loop at 500 a second for 10 s (each sent at its due time,
//! whether or not earlier ones were answered). Every subscriber notes when
//! each `command.posted` event reached it; afterwards the change log maps
//! each event to its transfer. It prints:
//! - delivery latency p50/p99/max, from the transfer's answer to each
//!   subscriber's sight of its event (an event seen before its answer
//!   counts 0), and from the change row's write time to the sight;
//! - the server's resident memory: idle, with the subscribers connected,
//!   and its peak (`VmHWM`);
//! - whether every subscriber got every transfer's event, in seq order,
//!   with no `reset`; and whether the goal `p99 < 250 ms` is met.
//!
//! `cargo bench -p ledgerdeck-server --bench events`. Without `--bench`
//! (`cargo test --benches`) it runs as a test: 20 subscribers, 100
//! transfers a second for 1 s, and only the checks (every event reached
//! every subscriber); the goal is not judged.
//!
//! `LEDGERDECK_EVENTS_SUBSCRIBERS`, `LEDGERDECK_EVENTS_RATE` (transfers a
//! second), `LEDGERDECK_BENCH_SECONDS`: the sizes.
//! `LEDGERDECK_BENCH_DATABASES`: `sqlite` or `postgres` for only one.
//! `LEDGERDECK_BENCH_POSTGRES_URL`: the PostgreSQL admin URL.

#[path = "../tests/common/process.rs"]
mod process;
mod scratch;
mod subscriber;

use ledgerdeck_client::Role;
use ledgerdeck_server::access::create_token;
use process::{ServerProcess, rss_of};
use scratch::{BenchResult, Database, Scratch};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use subscriber::{Seen, Subscriber};

/// The goal: 99 % of deliveries within this.
const GOAL_P99: Duration = Duration::from_millis(250);
/// Funded wallets the transfers move money between.
const WALLETS: usize = 64;
/// How long the subscribers may take to catch up after the last answer.
const CATCH_UP: Duration = Duration::from_secs(30);

/// How big a run is.
#[derive(Debug, Clone, Copy)]
struct Plan {
    subscribers: usize,
    /// Transfers posted a second.
    rate: u64,
    load: Duration,
    /// Whether the goal is judged (not in the short test run).
    judged: bool,
}

impl Plan {
    fn full() -> Plan {
        let env = |name: &str, default: u64| std::env::var(name).ok().map_or(default, |v| v.parse().expect(name));
        Plan {
            subscribers: env("LEDGERDECK_EVENTS_SUBSCRIBERS", 200) as usize,
            rate: env("LEDGERDECK_EVENTS_RATE", 500).max(1),
            load: Duration::from_secs(env("LEDGERDECK_BENCH_SECONDS", 10).max(1)),
            judged: true,
        }
    }

    fn test() -> Plan {
        Plan { subscribers: 20, rate: 100, load: Duration::from_secs(1), judged: false }
    }
}

/// One transfer as its sender saw it.
struct Posted {
    answered: Instant,
    /// The ledger transaction it wrote.
    transaction: String,
}

/// How to post commands to the server.
#[derive(Clone)]
struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Api {
    async fn command(&self, name: &str, body: &Value) -> Result<Value, String> {
        let response = self
            .http
            .post(format!("{}/v1/commands/{name}", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
            .json(body)
            .send()
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| format!("{name}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{name}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))
    }
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The `p`-th percentile of sorted `values` (0 < p ≤ 100).
fn percentile(values: &[Duration], p: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Transfers of 0.01 between random wallets at `plan.rate` a second, each
/// sent at its due time; what was answered, and the first failures.
async fn post_transfers(api: &Api, wallets: &Arc<Vec<String>>, plan: &Plan) -> (Vec<Posted>, Vec<String>, Duration) {
    let total = plan.rate * plan.load.as_secs();
    let gap = Duration::from_secs(1) / plan.rate as u32;
    let started = tokio::time::Instant::now();
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..total {
        tokio::time::sleep_until(started + gap * i as u32).await;
        let (api, wallets) = (api.clone(), wallets.clone());
        sent.spawn(async move {
            let from = (i as usize * 7) % wallets.len();
            let to = (from + 1 + (i as usize * 13) % (wallets.len() - 1)) % wallets.len();
            let body = json!({"from_wallet_id": wallets[from], "to_wallet_id": wallets[to], "amount": "0.01"});
            let result = api.command("transfer", &body).await?;
            let answered = Instant::now();
            let transaction =
                result["transaction_ids"][0].as_str().ok_or("transfer without a transaction")?.to_string();
            Ok::<_, String>(Posted { answered, transaction })
        });
    }
    let mut posted = Vec::new();
    let mut failures = Vec::new();
    while let Some(done) = sent.join_next().await {
        match done.expect("transfer task") {
            Ok(p) => posted.push(p),
            Err(e) => failures.push(e),
        }
    }
    (posted, failures, started.elapsed())
}

/// The `command.posted` rows after `after`: seq → (transaction, written at µs).
async fn logged_posts(scratch: &Scratch, after: i64) -> BenchResult<HashMap<i64, (String, i64)>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT seq, data, created_at FROM change_log WHERE seq > $1 AND kind = 'command.posted' ORDER BY seq",
    )
    .bind(after)
    .fetch_all(scratch.store.pool())
    .await?;
    let mut out = HashMap::new();
    for (seq, data, created_at) in rows {
        let data: Value = serde_json::from_str(&data)?;
        if let Some(transaction) = data["transaction_ids"][0].as_str() {
            out.insert(seq, (transaction.to_string(), created_at));
        }
    }
    Ok(out)
}

/// Every measurement on one database.
async fn run(database: Database, scratch: &Scratch, plan: &Plan) -> BenchResult<()> {
    println!("{database:?}  load average before: {}", load_average());
    let operator = create_token(&scratch.store, "bench-ops", Role::Operator, "bench").await?;
    let mut viewers = Vec::with_capacity(plan.subscribers);
    for i in 0..plan.subscribers {
        viewers.push(create_token(&scratch.store, &format!("viewer-{i}"), Role::Viewer, "bench").await?);
    }
    let server = ServerProcess::serve(&scratch.url, &["--no-gate-scheduler", "--no-webhooks"]).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(1024).tcp_nodelay(true).build()?;
    let api = Api { base: server.url(""), http: http.clone(), token: operator };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = server.rss();

    let mut wallets = Vec::with_capacity(WALLETS);
    for i in 0..WALLETS {
        let made = api.command("create_wallet", &json!({"merchant_id": format!("m-{i}"), "currency": "USD"})).await?;
        let wallet = made["subject_id"].as_str().ok_or("wallet id")?.to_string();
        api.command("post_payin", &json!({"wallet_id": wallet, "amount": "1000000.00", "provider": "p"})).await?;
        wallets.push(wallet);
    }
    let wallets = Arc::new(wallets);
    let start: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM change_log")
        .fetch_one(scratch.store.pool())
        .await?;

    let mut subscribers = Vec::with_capacity(plan.subscribers);
    for token in &viewers {
        subscribers.push(Subscriber::open(&http, &server.url("/v1/events"), token).await?);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let connected = server.rss();

    let peak_now = Arc::new(AtomicU64::new(connected.now_kb));
    let sampler = {
        let (peak_now, pid) = (peak_now.clone(), server.pid());
        tokio::spawn(async move {
            while let Some(rss) = rss_of(pid) {
                peak_now.fetch_max(rss.now_kb, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let (posted, failures, took) = post_transfers(&api, &wallets, plan).await;
    if let Some(first) = failures.first() {
        return Err(format!("{} of the transfers failed, first: {first}", failures.len()).into());
    }
    let logged = logged_posts(scratch, start).await?;
    let by_transaction: HashMap<&str, &Posted> = posted.iter().map(|p| (p.transaction.as_str(), p)).collect();
    let expected: Vec<i64> = {
        let mut seqs: Vec<i64> =
            logged.iter().filter(|(_, (t, _))| by_transaction.contains_key(t.as_str())).map(|(s, _)| *s).collect();
        seqs.sort_unstable();
        seqs
    };
    if expected.len() != posted.len() {
        return Err(format!("{} transfers answered but {} in the change log", posted.len(), expected.len()).into());
    }
    let last = *expected.last().ok_or("no transfer was posted")?;
    let deadline = Instant::now() + CATCH_UP;
    let mut seen: Vec<Seen> = Vec::with_capacity(subscribers.len());
    for subscriber in subscribers {
        seen.push(subscriber.finish(last, deadline).await);
    }
    sampler.abort();
    let after = server.rss();
    let peak = after.peak_kb.max(peak_now.load(Ordering::Relaxed));

    let mut from_answer = Vec::with_capacity(seen.len() * expected.len());
    let mut from_write = Vec::with_capacity(seen.len() * expected.len());
    let mut early = 0u64;
    let mut problems = Vec::new();
    for (n, got) in seen.iter().enumerate() {
        if got.resets > 0 {
            problems.push(format!("subscriber {n} got {} reset(s)", got.resets));
        }
        if got.events.windows(2).any(|w| w[0].seq >= w[1].seq) {
            problems.push(format!("subscriber {n} saw events out of seq order or twice"));
        }
        let mut missed = Vec::new();
        let at: HashMap<i64, &subscriber::Sight> = got.events.iter().map(|e| (e.seq, e)).collect();
        for seq in &expected {
            let Some(sight) = at.get(seq) else {
                missed.push(*seq);
                continue;
            };
            let (transaction, written) = &logged[seq];
            let answered = by_transaction[transaction.as_str()].answered;
            if sight.at < answered {
                early += 1;
            }
            from_answer.push(sight.at.saturating_duration_since(answered));
            from_write.push(Duration::from_micros(sight.wall_micros.saturating_sub(*written).max(0) as u64));
        }
        if !missed.is_empty() {
            let first: Vec<i64> = missed.iter().take(10).copied().collect();
            let count = missed.len();
            problems.push(format!("subscriber {n} missed {count} of {} events (seqs {first:?})", expected.len()));
        }
        if let Some(error) = &got.error {
            problems.push(format!("subscriber {n}: {error}"));
        }
    }
    from_answer.sort_unstable();
    from_write.sort_unstable();

    let rate = posted.len() as f64 / took.as_secs_f64();
    println!(
        "{database:?}  {} subscribers, {} transfers in {:.1} s ({rate:.0}/s posted, asked {}/s)",
        plan.subscribers,
        posted.len(),
        took.as_secs_f64(),
        plan.rate
    );
    println!(
        "{database:?}  delivery answer → seen   p50 {}  p99 {}  max {}  ({} deliveries, {early} seen before the answer)",
        ms(percentile(&from_answer, 50.0)),
        ms(percentile(&from_answer, 99.0)),
        ms(percentile(&from_answer, 100.0)),
        from_answer.len()
    );
    println!(
        "{database:?}  delivery row written → seen   p50 {}  p99 {}  max {}",
        ms(percentile(&from_write, 50.0)),
        ms(percentile(&from_write, 99.0)),
        ms(percentile(&from_write, 100.0))
    );
    println!(
        "{database:?}  server RSS: idle {}, with {} subscribers {}, peak {}, after {}",
        mb(idle.now_kb),
        plan.subscribers,
        mb(connected.now_kb),
        mb(peak),
        mb(after.now_kb)
    );
    println!("{database:?}  load average after: {}", load_average());
    if !problems.is_empty() {
        println!("{database:?}  server log tail:\n{}", server.log_tail());
        return Err(format!("{} delivery problems, first: {}", problems.len(), problems[0]).into());
    }
    println!("{database:?}  every subscriber got all {} events, in order, with no reset", expected.len());
    if plan.judged {
        let p99 = percentile(&from_answer, 99.0);
        let verdict = if p99 < GOAL_P99 { "met" } else { "NOT met" };
        println!("{database:?}  goal: delivery p99 < {} — {verdict} (p99 {})", ms(GOAL_P99), ms(p99));
    } else {
        println!("{database:?}  (short test run: the goal is not judged)");
    }
    drop(server);
    Ok(())
}

#[tokio::main]
async fn main() {
    let plan = if scratch::full_run() { Plan::full() } else { Plan::test() };
    scratch::on_each_database("events", async |database, scratch| run(database, scratch, &plan).await).await;
}
