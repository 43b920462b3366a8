//! Test harness: every suite runs each test on a fresh SQLite file and on a
//! fresh PostgreSQL database.
//!
//! PostgreSQL is found at `LEDGERDECK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); if it does not answer, the
//! harness tries to start the local cluster once. Where it still cannot be
//! reached, a PostgreSQL test fails under CI (`CI` set) and elsewhere prints a
//! loud SKIPPED line instead of passing silently.
#![allow(dead_code)]

pub mod process;
pub mod sse;

use ledgerdeck_client::{CommandResult, Role};
use ledgerdeck_server::{Caller, Ledger, LedgerConfig, LedgerError, Store};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use std::sync::OnceLock;
use tokio::sync::Mutex;

/// Runs each named `async fn(Ledger)` as two tests, `sqlite` and `postgres`.
#[allow(unused_macros)]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = crate::common::TestDb::sqlite().await;
                super::$name(db.ledger.clone()).await;
                db.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(db) = crate::common::TestDb::postgres(stringify!($name)).await else { return };
                super::$name(db.ledger.clone()).await;
                db.finish().await;
            }
        }
    )*};
}

/// A throw-away database with a ledger on it.
pub struct TestDb {
    pub ledger: Ledger,
    /// The database URL, for processes started by a test.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn postgres_admin_url() -> String {
    std::env::var("LEDGERDECK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Whether PostgreSQL answers, trying once per process to start it.
async fn postgres_available(url: &str) -> bool {
    static CHECKED: OnceLock<Mutex<Option<bool>>> = OnceLock::new();
    let mut state = CHECKED.get_or_init(|| Mutex::new(None)).lock().await;
    if let Some(up) = *state {
        return up;
    }
    let mut up = PgConnection::connect(url).await.is_ok();
    if !up {
        start_local_cluster();
        for _ in 0..20 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if PgConnection::connect(url).await.is_ok() {
                up = true;
                break;
            }
        }
    }
    *state = Some(up);
    up
}

fn start_local_cluster() {
    let Ok(versions) = std::fs::read_dir("/etc/postgresql") else { return };
    for version in versions.flatten() {
        let _ = std::process::Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version.file_name().to_string_lossy(), "main", "start"])
            .status();
    }
}

impl TestDb {
    /// A ledger on a fresh SQLite file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite:{}", dir.path().join("ledger.db").display());
        let store = Store::open(&url).await.expect("open sqlite store");
        TestDb { ledger: Ledger::new(store, test_config()), url, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A ledger on a fresh PostgreSQL database, or `None` (loudly) where
    /// PostgreSQL cannot be reached outside CI.
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let admin_url = postgres_admin_url();
        if !postgres_available(&admin_url).await {
            if std::env::var_os("CI").is_some() {
                panic!("PostgreSQL is required under CI but does not answer at {admin_url}");
            }
            eprintln!("\n*** SKIPPED: PostgreSQL test `{test}`: no PostgreSQL at {admin_url} ***\n");
            return None;
        }
        let name = format!("ledgerdeck_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create test database");
        admin.close().await.ok();
        let (base, _) = admin_url.rsplit_once('/').expect("URL with a database name");
        let url = format!("{base}/{name}");
        let store = Store::open(&url).await.expect("open postgres store");
        Some(TestDb { ledger: Ledger::new(store, test_config()), url, cleanup: Cleanup::Postgres { admin_url, name } })
    }

    /// Closes the ledger and removes its database.
    pub async fn finish(self) {
        self.ledger.store().close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let _ = admin
                        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .await;
                }
            }
        }
    }
}

fn test_config() -> LedgerConfig {
    LedgerConfig {
        in_flight_wait: std::time::Duration::from_secs(20),
        gates: ledgerdeck_server::gates::GateConfig { scheduled: false, ..Default::default() },
        ..LedgerConfig::default()
    }
}

pub fn operator() -> Caller {
    Caller::new("ops-alice", Role::Operator)
}

pub fn admin() -> Caller {
    Caller::new("root-admin", Role::Admin)
}

pub fn viewer() -> Caller {
    Caller::new("viewer-vic", Role::Viewer)
}

/// A fresh idempotency key.
pub fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Runs a command as `caller` with a fresh key.
pub async fn run(ledger: &Ledger, caller: &Caller, command: &str, body: Value) -> Result<CommandResult, LedgerError> {
    ledger.execute(caller, command, body, Some(&key())).await
}

/// Creates a wallet in `currency` and returns its id.
pub async fn wallet(ledger: &Ledger, currency: &str) -> String {
    let result = run(ledger, &operator(), "create_wallet", json!({"merchant_id": "m-1", "currency": currency}))
        .await
        .expect("create wallet");
    result.subject_id.expect("wallet id")
}

/// Pays `amount` into a wallet.
pub async fn pay_in(ledger: &Ledger, wallet_id: &str, amount: &str) -> CommandResult {
    run(ledger, &operator(), "post_payin", json!({"wallet_id": wallet_id, "amount": amount, "provider": "sandbox"}))
        .await
        .expect("pay-in")
}

/// Reserves a payout and returns the hold id.
pub async fn reserve(ledger: &Ledger, wallet_id: &str, amount: &str) -> String {
    run(ledger, &operator(), "reserve_payout", json!({"wallet_id": wallet_id, "amount": amount, "provider": "sandbox"}))
        .await
        .expect("reserve payout")
        .subject_id
        .expect("hold id")
}

/// Reserves a payout of `amount` from `wallet_id` with this `reference`; returns the hold id.
pub async fn reserve_with(ledger: &Ledger, wallet_id: &str, amount: &str, reference: &str) -> String {
    let body = json!({"wallet_id": wallet_id, "amount": amount, "provider": "sandbox", "reference": reference});
    run(ledger, &operator(), "reserve_payout", body).await.expect("reserve payout").subject_id.expect("hold id")
}

/// Sends a hold to manual review, where an operator may settle or release it.
pub async fn to_review(ledger: &Ledger, hold_id: &str) {
    run(ledger, &operator(), "mark_manual_review", json!({"hold_id": hold_id, "reason": "provider silent"}))
        .await
        .expect("mark manual review");
}

/// Reserves a payout and sends it to manual review; returns the hold id.
pub async fn reviewed_hold(ledger: &Ledger, wallet_id: &str, amount: &str) -> String {
    let hold = reserve(ledger, wallet_id, amount).await;
    to_review(ledger, &hold).await;
    hold
}

/// How many ledger transactions ended a hold (settle or release): exactly
/// one for a hold that ended, never more.
pub async fn hold_endings(ledger: &Ledger, hold_id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transactions WHERE hold_id = $1 AND kind <> 'payout_reserve'",
    )
    .bind(hold_id)
    .fetch_one(ledger.store().pool())
    .await
    .expect("count hold endings")
}

/// A wallet's (available, reserved) balance in minor units.
pub async fn balances(ledger: &Ledger, wallet_id: &str) -> (i64, i64) {
    let row: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT balance FROM accounts WHERE id = $1), (SELECT balance FROM accounts WHERE id = $2)",
    )
    .bind(format!("{wallet_id}:available"))
    .bind(format!("{wallet_id}:reserved"))
    .fetch_one(ledger.store().pool())
    .await
    .expect("balances");
    row
}

/// Counts of every table and the sum of stored balances: equal before and
/// after a refused command means it wrote nothing.
pub async fn footprint(ledger: &Ledger) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "wallets",
        "accounts",
        "ledger_transactions",
        "postings",
        "statement_lines",
        "holds",
        "hold_history",
        "outbox_messages",
        "idempotency_keys",
        "provider_events",
        "webhook_endpoints",
        "webhook_deliveries",
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}")))
            .fetch_one(ledger.store().pool())
            .await
            .expect("count");
        out.push(n);
    }
    let total: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(ABS(balance)), 0) AS BIGINT) FROM accounts")
        .fetch_one(ledger.store().pool())
        .await
        .expect("sum");
    out.push(total);
    out
}

/// Asserts every ledger invariant holds.
pub async fn assert_sound(ledger: &Ledger) {
    let violations = ledgerdeck_server::invariants::check_all(ledger.store().pool()).await.expect("invariants");
    assert!(violations.is_empty(), "ledger invariants broken: {violations:#?}");
}

/// A real server on a random local port over a test ledger, with one token
/// per role.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub viewer: String,
    pub operator: String,
    pub admin: String,
    pub state: ledgerdeck_server::api::AppState,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    /// Starts the API over `ledger` with default limits.
    pub async fn start(ledger: Ledger) -> TestServer {
        Self::start_with(ledger, ledgerdeck_server::api::ApiConfig::default()).await
    }

    /// Starts the API over `ledger` with the given limits.
    pub async fn start_with(ledger: Ledger, config: ledgerdeck_server::api::ApiConfig) -> TestServer {
        Self::start_with_sso(ledger, config, None).await
    }

    /// Starts the API over `ledger` with the given limits and single sign-on.
    pub async fn start_with_sso(
        ledger: Ledger,
        config: ledgerdeck_server::api::ApiConfig,
        sso: Option<ledgerdeck_server::sso::Sso>,
    ) -> TestServer {
        use ledgerdeck_server::access::create_token;
        let store = ledger.store().clone();
        let viewer = create_token(&store, "viewer-vic", Role::Viewer, "test").await.unwrap();
        let operator = create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
        let admin = create_token(&store, "root-admin", Role::Admin, "test").await.unwrap();
        let mut state = ledgerdeck_server::api::AppState::new(ledger, config);
        if let Some(sso) = sso {
            state = state.with_sso(sso);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let handle = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
        // No pooled connections: a server that answers early (413 before
        // reading a body) closes its side, and a request sent on that
        // connection at the same moment would fail as an incomplete message.
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        TestServer { base, http, viewer, operator, admin, state, handle }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// POSTs a command as the bearer of `token` with an optional key.
    pub async fn command(&self, token: &str, name: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
        let mut request = self.http.post(self.url(&format!("/v1/commands/{name}"))).bearer_auth(token).json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("send command")
    }

    /// GETs `path` as the bearer of `token`.
    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).bearer_auth(token).send().await.expect("send get")
    }

    /// Drains and stops the server; returns once it has.
    pub async fn stop(self) {
        self.state.shutdown.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(10), self.handle)
            .await
            .expect("server stops within 10 s")
            .expect("server task")
            .expect("server ran");
    }
}

/// Reads a problem document, checking its content type, status and code.
pub async fn expect_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(content_type.starts_with("application/problem+json"), "{code}: content type {content_type:?}");
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    body
}
