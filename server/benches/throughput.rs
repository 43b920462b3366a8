//! Commands per second against the database's own limit, on SQLite and on
//! PostgreSQL, in one run.
//!
//! For each database, on a fresh store:
//! - **raw limit**: single-row insert transactions per second through the
//!   same driver and with the server's durability settings (SQLite: WAL,
//!   `synchronous = FULL`, `BEGIN IMMEDIATE`; PostgreSQL: its defaults,
//!   `synchronous_commit = on`), one connection per worker, at concurrency 1
//!   and 32;
//! - **commands** through HTTP against an in-process server (`transfer`,
//!   `reserve_payout`, `settle_hold`, each with a fresh idempotency key) at
//!   concurrency 1, 8, 32 and 64, with p50/p99 latency;
//! - **replays**: the transfers' keys sent again with the same bodies, at
//!   concurrency 1 and 32 (every answer must say `replayed`);
//! - the ratio commands / raw limit at equal concurrency.
//!
//! Afterwards it checks the ledger: every invariant holds and there are
//! exactly as many transfer transactions as acknowledged transfers.
//!
//! `cargo bench -p ledgerdeck-server --bench throughput`. Without `--bench`
//! (`cargo test --benches`) it runs as a test: 8 wallets, concurrency 1 and
//! 8, 150 ms per measurement, and the same checks.
//!
//! `LEDGERDECK_BENCH_SECONDS`: seconds per measurement (default 5).
//! `LEDGERDECK_BENCH_DATABASES`: `sqlite` or `postgres` for only one.
//! `LEDGERDECK_BENCH_POSTGRES_URL`: the PostgreSQL admin URL.

mod load;
mod scratch;

use ledgerdeck_client::Role;
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::gates::GateConfig;
use ledgerdeck_server::store::SQLITE_PRAGMAS;
use ledgerdeck_server::{Ledger, LedgerConfig, invariants};
use load::{Figures, next};
use scratch::{BenchResult, Database, Scratch};
use serde_json::{Value, json};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What one run measures.
struct Plan {
    /// How long each measurement runs.
    d: Duration,
    /// Funded wallets the commands move money between.
    wallets: usize,
    /// Concurrencies of the raw insert limit (each also a command concurrency).
    raw: &'static [usize],
    /// Concurrencies of the commands.
    commands: &'static [usize],
    /// Concurrencies of the replays.
    replays: &'static [usize],
}

impl Plan {
    /// The benchmark, with `LEDGERDECK_BENCH_SECONDS` per measurement.
    fn full() -> Plan {
        let seconds = std::env::var("LEDGERDECK_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
        Plan {
            d: Duration::from_secs(seconds),
            wallets: 64,
            raw: &[1, 32],
            commands: &[1, 8, 32, 64],
            replays: &[1, 32],
        }
    }

    /// The short test run.
    fn test() -> Plan {
        Plan { d: Duration::from_millis(150), wallets: 8, raw: &[1, 8], commands: &[1, 8], replays: &[1, 8] }
    }
}

/// A running server over a scratch store, and how to call it.
#[derive(Clone)]
struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Api {
    /// Posts a command; the result, or why it failed.
    async fn command(&self, name: &str, body: &Value, key: &str) -> Result<Value, String> {
        let response = self
            .http
            .post(format!("{}/v1/commands/{name}", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| format!("{name}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{name}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{name}: {e}: {text}"))
    }
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A sent command, kept to be replayed.
type Sent = (&'static str, Value, String);

/// Single-row insert transactions on a pool of `concurrency` connections with
/// the server's durability settings.
async fn raw_limit(database: Database, url: &str, concurrency: usize, duration: Duration) -> BenchResult<Figures> {
    let options = AnyPoolOptions::new().max_connections(concurrency as u32).min_connections(concurrency as u32);
    let pool: AnyPool = match database {
        Database::Sqlite => {
            options
                .after_connect(|conn, _| Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(|_| ()) }))
                .connect(url)
                .await?
        }
        Database::Postgres => options.connect(url).await?,
    };
    pool.execute("CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, payload TEXT NOT NULL)").await?;
    let begin = match database {
        Database::Sqlite => "BEGIN IMMEDIATE",
        Database::Postgres => "BEGIN",
    };
    let worker_pool = pool.clone();
    let figures = load::run(concurrency, duration, move |_, _| {
        let pool = worker_pool.clone();
        async move {
            let mut tx = pool.begin_with(begin).await.map_err(|e| e.to_string())?;
            sqlx::query("INSERT INTO bench_raw (id, payload) VALUES ($1, $2)")
                .bind(key())
                .bind("a single-row insert of about the size of a posting's row")
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
            Ok(true)
        }
    })
    .await;
    pool.close().await;
    Ok(figures)
}

/// Starts the API over `scratch` and makes `n` funded USD wallets.
async fn start(scratch: &Scratch, n: usize) -> BenchResult<(Api, AppState, Vec<String>)> {
    let config = LedgerConfig { gates: GateConfig { scheduled: false, ..GateConfig::default() }, ..Default::default() };
    let state = AppState::new(Ledger::new(scratch.store.clone(), config), ApiConfig::default());
    let token = ledgerdeck_server::access::create_token(&scratch.store, "bench", Role::Admin, "bench").await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).tcp_nodelay(true).build()?;
    let api = Api { base, http, token };
    let mut wallets = Vec::new();
    for i in 0..n {
        let body = json!({"merchant_id": format!("m-{i}"), "currency": "USD"});
        let made = api.command("create_wallet", &body, &key()).await?;
        let wallet = made["subject_id"].as_str().ok_or("wallet id")?.to_string();
        let body = json!({"wallet_id": wallet, "amount": "10000000.00", "provider": "sandbox"});
        api.command("post_payin", &body, &key()).await?;
        wallets.push(wallet);
    }
    Ok((api, state, wallets))
}

/// Transfers of 0.01 between random wallets; keeps what was sent.
async fn transfers(
    api: &Api,
    wallets: &Arc<Vec<String>>,
    c: usize,
    d: Duration,
    sent: &Arc<Mutex<Vec<Sent>>>,
) -> Figures {
    let (api, wallets, sent) = (api.clone(), wallets.clone(), sent.clone());
    load::run(c, d, move |w, i| {
        let (api, wallets, sent) = (api.clone(), wallets.clone(), sent.clone());
        async move {
            let mut seed = (w as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i + 1);
            let from = next(&mut seed) as usize % wallets.len();
            let to = (from + 1 + next(&mut seed) as usize % (wallets.len() - 1)) % wallets.len();
            let body = json!({"from_wallet_id": wallets[from], "to_wallet_id": wallets[to], "amount": "0.01"});
            let key = key();
            api.command("transfer", &body, &key).await?;
            sent.lock().unwrap().push(("transfer", body, key));
            Ok(true)
        }
    })
    .await
}

/// Payout reservations of 0.01 from random wallets; keeps the hold ids.
async fn reserves(
    api: &Api,
    wallets: &Arc<Vec<String>>,
    c: usize,
    d: Duration,
    holds: &Arc<Mutex<Vec<String>>>,
) -> Figures {
    let (api, wallets, holds) = (api.clone(), wallets.clone(), holds.clone());
    load::run(c, d, move |w, i| {
        let (api, wallets, holds) = (api.clone(), wallets.clone(), holds.clone());
        async move {
            let mut seed = (w as u64 + 7).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i + 1);
            let wallet = &wallets[next(&mut seed) as usize % wallets.len()];
            let body = json!({"wallet_id": wallet, "amount": "0.01", "provider": "sandbox"});
            let result = api.command("reserve_payout", &body, &key()).await?;
            let hold = result["subject_id"].as_str().ok_or("reserve without a hold id")?.to_string();
            holds.lock().unwrap().push(hold);
            Ok(true)
        }
    })
    .await
}

/// Settles holds from `holds` until the time is up or none are left.
async fn settles(api: &Api, c: usize, d: Duration, holds: &Arc<Mutex<Vec<String>>>) -> Figures {
    let (api, holds) = (api.clone(), holds.clone());
    load::run(c, d, move |_, _| {
        let (api, holds) = (api.clone(), holds.clone());
        async move {
            let Some(hold) = holds.lock().unwrap().pop() else { return Ok(false) };
            let body = json!({"hold_id": hold, "reason": "paid, confirmed with the provider"});
            api.command("settle_hold", &body, &key()).await?;
            Ok(true)
        }
    })
    .await
}

/// Sends earlier commands again with their keys; every answer must be a replay.
async fn replays(api: &Api, c: usize, d: Duration, sent: &Arc<Vec<Sent>>) -> Figures {
    let (api, sent) = (api.clone(), sent.clone());
    load::run(c, d, move |w, i| {
        let (api, sent) = (api.clone(), sent.clone());
        async move {
            let (name, body, key) = &sent[(w * 7919 + i as usize * 31) % sent.len()];
            let result = api.command(name, body, key).await?;
            if result["replayed"] != json!(true) {
                return Err(format!("{name} {key} was not replayed: {result}"));
            }
            Ok(true)
        }
    })
    .await
}

/// Moves every reserved hold to manual review in one statement (setup for
/// the settle phase, not measured).
async fn to_manual_review(scratch: &Scratch) -> BenchResult<()> {
    sqlx::query("UPDATE holds SET status = 'manual_review' WHERE status = 'reserved'")
        .execute(scratch.store.pool())
        .await?;
    Ok(())
}

/// Every measurement on one database.
async fn run(database: Database, scratch: &Scratch, plan: &Plan) -> BenchResult<()> {
    let d = plan.d;
    let mut raw = BTreeMap::new();
    for &c in plan.raw {
        let figures = raw_limit(database, &scratch.url, c, d).await?;
        println!("{database:?}  raw insert txns   c={c:<3} {}", figures.row());
        raw.insert(c, figures.per_second());
    }
    let (api, state, wallets) = start(scratch, plan.wallets).await?;
    let wallets = Arc::new(wallets);
    let sent = Arc::new(Mutex::new(Vec::new()));
    let holds = Arc::new(Mutex::new(Vec::new()));
    let mut commands: BTreeMap<(&str, usize), f64> = BTreeMap::new();
    let mut acknowledged_transfers = 0;
    for &c in plan.commands {
        let figures = transfers(&api, &wallets, c, d, &sent).await;
        println!("{database:?}  transfer          c={c:<3} {}", figures.row());
        acknowledged_transfers += figures.ok;
        commands.insert(("transfer", c), figures.per_second());
    }
    for &c in plan.commands {
        let figures = reserves(&api, &wallets, c, d, &holds).await;
        println!("{database:?}  reserve_payout    c={c:<3} {}", figures.row());
        commands.insert(("reserve_payout", c), figures.per_second());
    }
    for &c in plan.commands {
        // Enough holds in review for this phase: reserve more, untimed
        // (settling is about as fast as reserving, and the fill runs longer).
        reserves(&api, &wallets, 32, d + d / 2, &holds).await;
        to_manual_review(scratch).await?;
        let figures = settles(&api, c, d, &holds).await;
        let drained = if holds.lock().unwrap().is_empty() { "  (ran out of holds)" } else { "" };
        println!("{database:?}  settle_hold       c={c:<3} {}{drained}", figures.row());
        commands.insert(("settle_hold", c), figures.per_second());
        holds.lock().unwrap().clear();
    }
    let sent: Arc<Vec<Sent>> = Arc::new(std::mem::take(&mut *sent.lock().unwrap()));
    for &c in plan.replays {
        let figures = replays(&api, c, d, &sent).await;
        println!("{database:?}  replay (transfer) c={c:<3} {}", figures.row());
    }
    for &c in plan.raw {
        let ratios: Vec<String> = ["transfer", "reserve_payout", "settle_hold"]
            .iter()
            .map(|name| format!("{name} {:.0} %", 100.0 * commands[&(*name, c)] / raw[&c]))
            .collect();
        println!("{database:?}  commands / raw limit at c={c}: {}", ratios.join(", "));
    }

    let violations = invariants::check_all(scratch.store.pool()).await?;
    if !violations.is_empty() {
        return Err(format!("{} invariant violations, first: {:?}", violations.len(), violations[0]).into());
    }
    let posted: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transactions WHERE kind = 'transfer'")
            .fetch_one(scratch.store.pool())
            .await?;
    if posted != acknowledged_transfers as i64 {
        return Err(format!("{acknowledged_transfers} transfers acknowledged but {posted} posted").into());
    }
    println!("{database:?}  ledger sound; {posted} transfers posted, each once");
    state.shutdown.cancel();
    Ok(())
}

#[tokio::main]
async fn main() {
    let plan = if scratch::full_run() { Plan::full() } else { Plan::test() };
    scratch::on_each_database("throughput", async |database, scratch| run(database, scratch, &plan).await).await;
}
