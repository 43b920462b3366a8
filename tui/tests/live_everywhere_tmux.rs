//! End to end across instances: the real `ledgerdeck` binary in tmux,
//! connected to instance A, shows a hold in its manual-review queue; the
//! hold is settled through instance B by the typed API client (not through
//! the cockpit); within 2 s, with no key pressed, the hold leaves the queue
//! on screen.
//!
//! A and B are two in-process servers on one fresh PostgreSQL database, each
//! with its own store (pools, change signal, tailer and hub), so A learns of
//! B's commit only as another process would: PostgreSQL `NOTIFY`, or the
//! tailer's poll. (The server's own `live_everywhere` suite does the same
//! with real `ledgerdeck-server` processes.) Without tmux or PostgreSQL it
//! says so loudly; under CI, where both are part of the machine, it fails.

mod tmux;

use ledgerdeck_client::{ApiClient, ClientConfig, Role};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::gates::GateConfig;
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};
use std::time::{Duration, Instant};
use tmux::{Tmux, skipped};
use tokio::net::TcpListener;

/// How soon the cockpit on A must show a change made through B.
const WITHIN: Duration = Duration::from_secs(2);

/// A fresh PostgreSQL database, dropped by [`Database::drop_now`]; `None`
/// (loudly) where PostgreSQL does not answer outside CI.
struct Database {
    admin_url: String,
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Option<Database> {
        let admin_url = std::env::var("LEDGERDECK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let Ok(mut admin) = PgConnection::connect(&admin_url).await else {
            assert!(std::env::var_os("CI").is_none(), "PostgreSQL is required under CI at {admin_url}");
            eprintln!("\n*** SKIPPED: cross-instance cockpit test: no PostgreSQL at {admin_url} ***\n");
            return None;
        };
        let name = format!("ledgerdeck_tui_{}", uuid::Uuid::now_v7().simple());
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
        admin.close().await.ok();
        let (base, _) = admin_url.rsplit_once('/').expect("URL with a database name");
        let url = format!("{base}/{name}");
        Some(Database { admin_url, name, url })
    }

    async fn drop_now(self) {
        if let Ok(mut admin) = PgConnection::connect(&self.admin_url).await {
            let _ =
                admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))).await;
        }
    }
}

/// One serving instance over its own store on `url`.
struct Instance {
    addr: std::net::SocketAddr,
    state: AppState,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Instance {
    async fn start(url: &str) -> Instance {
        let store = Store::open(url).await.expect("open the store");
        let config =
            LedgerConfig { gates: GateConfig { scheduled: false, ..GateConfig::default() }, ..Default::default() };
        let state = AppState::new(Ledger::new(store, config), ApiConfig::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
        Instance { addr, state, task }
    }

    async fn stop(self) {
        self.state.shutdown.cancel();
        self.task.await.unwrap().unwrap();
    }
}

fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Behaviour: the cockpit's manual-review queue follows changes committed
/// through another instance, live: a hold settled through B leaves the
/// queue of a cockpit on A within 2 s without a key pressed. Fails if A's
/// stream misses B's commits (the cockpit's own refresh comes only every
/// 15 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_settled_through_b_leaves_the_queue_of_a_cockpit_on_a() {
    if skipped("cross-instance cockpit test") {
        return;
    }
    let Some(db) = Database::create().await else { return };
    let a = Instance::start(&db.url).await;
    let b = Instance::start(&db.url).await;
    let store = a.state.ledger.store().clone();
    let token = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let on_b = ApiClient::new(ClientConfig::new(format!("http://{}", b.addr)).with_token(&token)).unwrap();
    let run = async |command: &str, body: serde_json::Value| {
        let key = ledgerdeck_client::http::new_idempotency_key();
        on_b.execute(command, &body, Some(&key)).await.unwrap_or_else(|e| panic!("{command}: {e}"))
    };
    let wallet = run("create_wallet", json!({"merchant_id": "m-across", "currency": "USD"})).await.subject_id.unwrap();
    run("post_payin", json!({"wallet_id": wallet, "amount": "500.00", "provider": "sandbox"})).await;
    let reserve = json!({"wallet_id": wallet, "amount": "125.50", "provider": "sandbox", "reference": "po-across-1"});
    let hold = run("reserve_payout", reserve).await.subject_id.unwrap();
    run("mark_manual_review", json!({"hold_id": hold, "reason": "provider silent"})).await;

    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "LEDGERDECK_CONFIG={} LEDGERDECK_STATE_DIR={} LEDGERDECK_TOKEN={token} {} --server http://{}",
        dir.path().join("config.toml").display(),
        dir.path().join("state").display(),
        env!("CARGO_BIN_EXE_ledgerdeck"),
        a.addr
    );
    let tmux = Tmux::start(&format!("ledgerdeck-across-{}", std::process::id()), &command);
    blocking(|| {
        tmux.wait_for("● live");
        tmux.keys(&["3"]);
        tmux.wait_within(&["Payouts: manual_review", "m-across", "125.50"], Duration::from_secs(15));
    });

    run("settle_hold", json!({"hold_id": hold, "reason": "provider portal shows it paid"})).await;
    let settled = Instant::now();
    let screen = blocking(|| {
        loop {
            let screen = tmux.screen();
            if !screen.contains("125.50") && screen.contains("no holds match") {
                return screen;
            }
            assert!(settled.elapsed() < WITHIN, "the hold settled through B is still queued on A:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    eprintln!("the hold left the queue on A {:?} after B answered", settled.elapsed());
    assert!(screen.contains("● live"), "and the cockpit stayed live:\n{screen}");

    blocking(|| tmux.quits(Duration::from_secs(5)));
    drop(tmux);
    a.stop().await;
    b.stop().await;
    db.drop_now().await;
}
