//! End to end: the real `ledgerdeck` binary in tmux against a real server
//! with five holds in manual review and `[bulk] concurrency = 2` in its
//! `config.toml`. The operator marks all five and starts a bulk release;
//! before the confirmation another client settles one of them; the table
//! then shows four released and one refused `HOLD_NOT_OPEN`, resubmitting
//! changes nothing, and the ledger holds exactly four releases and one
//! settle. Without tmux it says so loudly (and fails under CI).

mod tmux;

use ledgerdeck_client::{ApiClient, ClientConfig, HoldQuery, Role, TransactionQuery};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use serde_json::json;
use std::time::Duration;
use tmux::{Tmux, skipped};
use tokio::net::TcpListener;

/// Runs tmux's blocking waits off the async runtime's worker.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_marked_holds_released_while_another_operator_settles_one() {
    if skipped("bulk release cockpit test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let alice = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let bob = ledgerdeck_server::access::create_token(&store, "ops-bob", Role::Operator, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Ledger::new(store, LedgerConfig::default()), ApiConfig::default());
    let server = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    let api = ApiClient::new(ClientConfig::new(format!("http://{addr}")).with_token(&bob)).unwrap();
    let run = async |command: &str, body: serde_json::Value| {
        let key = ledgerdeck_client::http::new_idempotency_key();
        api.execute(command, &body, Some(&key)).await.unwrap_or_else(|e| panic!("{command}: {e}"))
    };
    let wallet = run("create_wallet", json!({"merchant_id": "m-bulk", "currency": "USD"})).await.subject_id.unwrap();
    run("post_payin", json!({"wallet_id": wallet, "amount": "1000.00", "provider": "sandbox"})).await;
    let mut holds = Vec::new();
    for i in 1..=5 {
        let body = json!({"wallet_id": wallet, "amount": format!("{i}0.00"), "provider": "sandbox",
                          "reference": format!("payout-bulk-{i}")});
        let hold = run("reserve_payout", body).await.subject_id.unwrap();
        run("mark_manual_review", json!({"hold_id": hold, "reason": "provider outage"})).await;
        holds.push(hold);
    }
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[bulk]\nconcurrency = 2\n").unwrap();
    let state_dir = dir.path().join("state");
    let command = format!(
        "LEDGERDECK_CONFIG={} LEDGERDECK_STATE_DIR={} LEDGERDECK_TOKEN={alice} {} --server http://{addr}",
        config.display(),
        state_dir.display(),
        env!("CARGO_BIN_EXE_ledgerdeck"),
    );
    let tmux = Tmux::start(&format!("ledgerdeck-bulk-{}", std::process::id()), &command);
    blocking(|| {
        tmux.wait_for("● live");
        tmux.keys(&["3"]);
        tmux.wait_within(&["payout-bulk-1", "payout-bulk-5"], Duration::from_secs(15));
        tmux.keys(&["a"]);
        tmux.wait_within(&["5 holds marked", "5 marked (s/r act on them)"], Duration::from_secs(15));
        tmux.keys(&["r"]);
        tmux.wait_for("Release 5 marked holds");
        tmux.text("provider portal shows all failed");
        tmux.keys(&["Enter"]);
        let confirm = tmux.wait_for("Press y to send all 5");
        assert!(confirm.contains("Release 5 holds, total 150.00 USD (5)"), "{confirm}");
        assert!(confirm.contains("at most 2 at a time"), "the config's bound: {confirm}");
    });

    // Another operator settles the third just before the confirmation.
    run("settle_hold", json!({"hold_id": holds[2], "reason": "provider paid this one"})).await;
    blocking(|| {
        tmux.wait_for("payout-bulk-3 30.00 USD is settled now");
        tmux.keys(&["y"]);
        let table = tmux.wait_for("released 4 of 5 · 1 refused");
        assert!(table.contains("✖ HOLD_NOT_OPEN"), "{table}");
        assert_eq!(table.matches("✓ posted").count(), 4, "{table}");
        let refused = table.lines().find(|l| l.contains("HOLD_NOT_OPEN")).unwrap();
        assert!(refused.contains("payout-bulk-3"), "{refused}");
        tmux.keys(&["R"]);
        let again = tmux.wait_for("nothing to resubmit");
        assert!(again.contains("released 4 of 5 · 1 refused"), "{again}");
        tmux.keys(&["Escape"]);
        tmux.wait_gone("Release 5 marked holds");
    });

    // The ledger: exactly four releases and one settle, each hold ended once.
    let query = TransactionQuery { wallet_id: Some(wallet.clone()), limit: Some(500), ..TransactionQuery::default() };
    let items = api.transactions(&query).await.unwrap().items;
    let kinds = |kind: &str| items.iter().filter(|t| t.kind == kind).count();
    assert_eq!((kinds("payout_release"), kinds("payout_settle")), (4, 1));
    for (i, hold) in holds.iter().enumerate() {
        let status = api.hold(hold).await.unwrap().hold.status;
        assert_eq!(status, if i == 2 { "settled" } else { "released" }, "{hold}");
        let endings = items.iter().filter(|t| t.hold_id.as_deref() == Some(hold) && t.kind != "payout_reserve");
        assert_eq!(endings.count(), 1, "{hold} ended exactly once");
    }
    let queue = api.holds(&HoldQuery { status: Some("manual_review".into()), ..HoldQuery::default() }).await.unwrap();
    assert!(queue.items.is_empty());
    blocking(|| tmux.quits(Duration::from_secs(5)));
    drop(tmux);

    // The session log holds each item's send and answer, under its own key.
    let mut answered = Vec::new();
    for file in std::fs::read_dir(state_dir.join("sessions")).unwrap() {
        for line in std::fs::read_to_string(file.unwrap().path()).unwrap().lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            if record["command"] == "release_hold" && record["event"] == "answered" {
                answered.push(record);
            }
        }
    }
    let outcome = |o: &str| answered.iter().filter(|r| r["outcome"] == o).count();
    assert_eq!((answered.len(), outcome("posted"), outcome("refused")), (5, 4, 1), "{answered:?}");
    let mut keys: Vec<&str> = answered.iter().map(|r| r["idempotency_key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 5, "one key per item: {answered:?}");
    state.shutdown.cancel();
    server.await.unwrap().unwrap();
}
