//! End to end: the real `ledgerdeck` binary in tmux against a real server
//! with a hold in manual review. Types what an operator would (Payouts,
//! settle, a reason, confirm), reads the screen with `capture-pane`, checks
//! the ledger afterwards, and quits. Without tmux it says so loudly (and
//! fails under CI, where tmux is part of the machine).

use ledgerdeck_client::{ApiClient, ClientConfig, HoldQuery, Role, TransactionQuery};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// A tmux session that is killed when dropped.
struct Tmux {
    name: String,
}

impl Tmux {
    fn start(name: &str, command: &str) -> Tmux {
        let _ = Command::new("tmux").args(["kill-session", "-t", name]).status();
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", name, "-x", "100", "-y", "30", command])
            .status()
            .expect("tmux starts");
        assert!(status.success(), "tmux new-session failed");
        Tmux { name: name.into() }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    fn text(&self, text: &str) {
        assert!(Command::new("tmux").args(["send-keys", "-t", &self.name, "-l", text]).status().unwrap().success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows all of `want`; returns the screen.
    async fn wait_for_all(&self, want: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if want.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            assert!(Instant::now() < deadline, "the screen never showed {want:?}:\n{screen}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_for(&self, want: &str) -> String {
        self.wait_for_all(&[want]).await
    }

    fn alive(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.name]).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.name]).status();
    }
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_settles_a_manual_review_hold_with_the_real_binary() {
    if !tmux_available() {
        assert!(std::env::var_os("CI").is_none(), "tmux is required under CI");
        eprintln!("\n*** SKIPPED: end-to-end cockpit test: tmux is not installed ***\n");
        return;
    }
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

    let config = dir.path().join("config.toml");
    let command = format!(
        "LEDGERDECK_CONFIG={} LEDGERDECK_TOKEN={token} {} --server http://{addr}",
        config.display(),
        env!("CARGO_BIN_EXE_ledgerdeck")
    );
    let tmux = Tmux::start(&format!("ledgerdeck-e2e-{}", std::process::id()), &command);
    tmux.wait_for("● live").await;
    tmux.keys(&["3"]);
    tmux.wait_for_all(&["Payouts: manual_review", "m-e2e", "125.50"]).await;
    tmux.keys(&["s"]);
    tmux.wait_for("Settle hold").await;
    tmux.text("provider portal shows it paid");
    tmux.keys(&["Tab"]);
    tmux.text("PSK-4411");
    tmux.keys(&["Enter"]);
    let confirm = tmux.wait_for("Press y to confirm").await;
    assert!(confirm.contains("Settle: move 125.50 USD"), "{confirm}");
    tmux.keys(&["y"]);
    let card = tmux.wait_for("✓ posted").await;
    assert!(card.contains("settle_hold") && card.contains("available 374.50 USD"), "{card}");
    tmux.keys(&["Escape"]);
    tmux.wait_for_all(&["Payouts: manual_review", "no holds match"]).await;

    // The ledger agrees: settled once, with the reason and evidence given.
    let detail = api.hold(&hold).await.unwrap();
    assert_eq!(detail.hold.status, "settled");
    assert_eq!(detail.hold.provider_reference.as_deref(), Some("PSK-4411"));
    let endings = api.transactions(&TransactionQuery::default()).await.unwrap();
    let settles = endings.items.iter().filter(|t| t.kind == "payout_settle").count();
    assert_eq!(settles, 1, "{:?}", endings.items.iter().map(|t| &t.kind).collect::<Vec<_>>());
    let queue = api.holds(&HoldQuery { status: Some("manual_review".into()), ..HoldQuery::default() }).await.unwrap();
    assert!(queue.items.is_empty());

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tmux.alive() {
        assert!(Instant::now() < deadline, "the cockpit did not quit on q");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    state.shutdown.cancel();
    server.await.unwrap().unwrap();
}
