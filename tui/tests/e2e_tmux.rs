//! End to end: the real `ledgerdeck` binary in tmux against a real server
//! with a hold in manual review. Types what an operator would (Payouts,
//! settle, a reason, confirm), reads the screen with `capture-pane`, checks
//! the ledger afterwards, and quits; once with the default keys, once with
//! settle remapped in `config.toml`. Without tmux it says so loudly (and
//! fails under CI, where tmux is part of the machine).

mod tmux;

use ledgerdeck_client::{ApiClient, ClientConfig, HoldQuery, Role, TransactionQuery};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use serde_json::json;
use std::time::{Duration, Instant};
use tmux::{Tmux, tmux_available};
use tokio::net::TcpListener;

/// A real server on a SQLite file with one USD hold of 125.50 in manual
/// review, and an operator's token.
struct World {
    dir: tempfile::TempDir,
    addr: std::net::SocketAddr,
    token: String,
    api: ApiClient,
    hold: String,
    state: AppState,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let token = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ledger = Ledger::new(store, LedgerConfig::default());
    let state = AppState::new(ledger, ApiConfig::default());
    let server = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));

    let api = ApiClient::new(ClientConfig::new(format!("http://{addr}")).with_token(&token)).unwrap();
    let run = async |command: &str, body: serde_json::Value| {
        let key = ledgerdeck_client::http::new_idempotency_key();
        api.execute(command, &body, Some(&key)).await.unwrap_or_else(|e| panic!("{command}: {e}"))
    };
    let wallet = run("create_wallet", json!({"merchant_id": "m-e2e", "currency": "USD"})).await.subject_id.unwrap();
    run("post_payin", json!({"wallet_id": wallet, "amount": "500.00", "provider": "sandbox"})).await;
    let hold = run("reserve_payout", json!({"wallet_id": wallet, "amount": "125.50", "provider": "sandbox"}))
        .await
        .subject_id
        .unwrap();
    run("mark_manual_review", json!({"hold_id": hold, "reason": "provider silent"})).await;
    World { dir, addr, token, api, hold, state, server }
}

impl World {
    /// The cockpit's command line against this server, with this config file.
    fn cockpit(&self, config: &std::path::Path) -> String {
        format!(
            "LEDGERDECK_CONFIG={} LEDGERDECK_TOKEN={} {} --server http://{}",
            config.display(),
            self.token,
            env!("CARGO_BIN_EXE_ledgerdeck"),
            self.addr
        )
    }

    async fn stop(self) {
        self.state.shutdown.cancel();
        self.server.await.unwrap().unwrap();
    }
}

fn skipped(what: &str) -> bool {
    if tmux_available() {
        return false;
    }
    assert!(std::env::var_os("CI").is_none(), "tmux is required under CI");
    eprintln!("\n*** SKIPPED: {what}: tmux is not installed ***\n");
    true
}

/// Waits until the cockpit in `tmux` has quit on `q`.
async fn quits(tmux: &Tmux) {
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tmux.alive() {
        assert!(Instant::now() < deadline, "the cockpit did not quit on q");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_settles_a_manual_review_hold_with_the_real_binary() {
    if skipped("end-to-end cockpit test") {
        return;
    }
    let w = world().await;
    let (api, hold) = (&w.api, &w.hold);
    let tmux =
        Tmux::start(&format!("ledgerdeck-e2e-{}", std::process::id()), &w.cockpit(&w.dir.path().join("config.toml")));
    tokio::task::block_in_place(|| tmux.wait_for("● live"));
    tmux.keys(&["3"]);
    tokio::task::block_in_place(|| {
        tmux.wait_within(&["Payouts: manual_review", "m-e2e", "125.50"], Duration::from_secs(15))
    });
    tmux.keys(&["s"]);
    tokio::task::block_in_place(|| tmux.wait_for("Settle hold"));
    tmux.text("provider portal shows it paid");
    tmux.keys(&["Tab"]);
    tmux.text("PSK-4411");
    tmux.keys(&["Enter"]);
    let confirm = tokio::task::block_in_place(|| tmux.wait_for("Press y to confirm"));
    assert!(confirm.contains("Settle: move 125.50 USD"), "{confirm}");
    tmux.keys(&["y"]);
    let card = tokio::task::block_in_place(|| tmux.wait_for("✓ posted"));
    assert!(card.contains("settle_hold") && card.contains("available 374.50 USD"), "{card}");
    tmux.keys(&["Escape"]);
    tokio::task::block_in_place(|| {
        tmux.wait_within(&["Payouts: manual_review", "no holds match"], Duration::from_secs(15))
    });

    // The ledger agrees: settled once, with the reason and evidence given.
    let detail = api.hold(hold).await.unwrap();
    assert_eq!(detail.hold.status, "settled");
    assert_eq!(detail.hold.provider_reference.as_deref(), Some("PSK-4411"));
    let endings = api.transactions(&TransactionQuery::default()).await.unwrap();
    let settles = endings.items.iter().filter(|t| t.kind == "payout_settle").count();
    assert_eq!(settles, 1, "{:?}", endings.items.iter().map(|t| &t.kind).collect::<Vec<_>>());
    let queue = api.holds(&HoldQuery { status: Some("manual_review".into()), ..HoldQuery::default() }).await.unwrap();
    assert!(queue.items.is_empty());

    quits(&tmux).await;
    drop(tmux);
    w.stop().await;
}

/// Settle moved to `S` (and the status filter off `S` to `F`) in the
/// config file: help and the footer show the key in force, the old key does
/// nothing, and the new one settles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remapped_key_shows_in_help_and_settles() {
    if skipped("remapped-key cockpit test") {
        return;
    }
    let w = world().await;
    let config = w.dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\nsettle = \"S\"\ncycle_status = \"F\"\n").unwrap();
    let tmux = Tmux::start(&format!("ledgerdeck-e2e-keys-{}", std::process::id()), &w.cockpit(&config));
    tokio::task::block_in_place(|| tmux.wait_for("● live"));
    tmux.keys(&["3"]);
    let queue = tokio::task::block_in_place(|| tmux.wait_within(&["m-e2e", "125.50"], Duration::from_secs(15)));
    assert!(queue.contains("F status") && queue.contains("S settle"), "the footer shows the keys in force:\n{queue}");
    tmux.keys(&["?"]);
    let help = tokio::task::block_in_place(|| tmux.wait_for("any key closes this help"));
    assert!(help.contains("S       settle") && help.contains("F       status"), "{help}");
    tmux.keys(&["Escape"]);
    tokio::task::block_in_place(|| tmux.wait_for("S settle"));
    tmux.keys(&["s"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!tmux.screen().contains("Settle hold"), "s is no longer settle");
    tmux.keys(&["S"]);
    tokio::task::block_in_place(|| tmux.wait_for("Settle hold"));
    tmux.text("provider portal shows it paid");
    tmux.keys(&["Enter"]);
    tokio::task::block_in_place(|| tmux.wait_for("Press y to confirm"));
    tmux.keys(&["y"]);
    let card = tokio::task::block_in_place(|| tmux.wait_for("✓ posted"));
    assert!(card.contains("settle_hold"), "{card}");
    assert_eq!(w.api.hold(&w.hold).await.unwrap().hold.status, "settled");
    tmux.keys(&["Escape"]);
    quits(&tmux).await;
    drop(tmux);
    w.stop().await;
}
