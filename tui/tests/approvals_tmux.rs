//! End to end with two cockpits: the real `ledgerdeck` binary twice in
//! tmux against a real server whose policy holds settles from 1,000.00 USD
//! for a second operator. Operator A settles a 2,500.00 USD hold: the card
//! says it waits for a second operator. Operator B's Approvals view shows
//! the proposal live; B approves it; A's queue loses the hold, and the
//! ledger holds exactly one settle. Without tmux it says so loudly (and
//! fails under CI).

mod tmux;

use ledgerdeck_client::{ApiClient, ClientConfig, Role, TransactionQuery};
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
async fn a_second_operator_approves_a_large_settle_live() {
    if skipped("four-eyes cockpit test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let token = |name: &'static str, role| {
        let store = store.clone();
        async move { ledgerdeck_server::access::create_token(&store, name, role, "test").await.unwrap() }
    };
    let (alice, bob, admin) = (
        token("ops-alice", Role::Operator).await,
        token("ops-bob", Role::Operator).await,
        token("root", Role::Admin).await,
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Ledger::new(store, LedgerConfig::default()), ApiConfig::default());
    let server = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    let api = ApiClient::new(ClientConfig::new(format!("http://{addr}")).with_token(&admin)).unwrap();
    let run = async |command: &str, body: serde_json::Value| {
        let key = ledgerdeck_client::http::new_idempotency_key();
        api.execute(command, &body, Some(&key)).await.unwrap_or_else(|e| panic!("{command}: {e}"))
    };
    run("set_approval_policy", json!({"command": "settle_hold", "threshold": "1000.00", "currency": "USD"})).await;
    let wallet = run("create_wallet", json!({"merchant_id": "m-4eyes", "currency": "USD"})).await.subject_id.unwrap();
    run("post_payin", json!({"wallet_id": wallet, "amount": "5000.00", "provider": "sandbox"})).await;
    let body = json!({"wallet_id": wallet, "amount": "2500.00", "provider": "sandbox", "reference": "payout-4eyes"});
    let hold = run("reserve_payout", body).await.subject_id.unwrap();
    run("mark_manual_review", json!({"hold_id": hold, "reason": "provider silent"})).await;

    let cockpit = |who: &str, token: &str| {
        let state_dir = dir.path().join(format!("state-{who}"));
        let command = format!(
            "LEDGERDECK_STATE_DIR={} LEDGERDECK_TOKEN={token} {} --server http://{addr}",
            state_dir.display(),
            env!("CARGO_BIN_EXE_ledgerdeck"),
        );
        Tmux::start(&format!("ledgerdeck-4eyes-{who}-{}", std::process::id()), &command)
    };
    let a = cockpit("a", &alice);
    let b = cockpit("b", &bob);
    blocking(|| {
        b.wait_for("● live");
        b.keys(&["9"]);
        b.wait_for("nothing waits for a second operator");
        a.wait_for("● live");
        a.keys(&["3"]);
        a.wait_for("payout-4eyes");
        a.keys(&["s"]);
        a.wait_for("Settle hold");
        a.text("provider portal shows paid");
        a.keys(&["Enter"]);
        a.wait_for("Press y to confirm");
        a.keys(&["y"]);
        let card = a.wait_for("waiting for a second operator (proposal prop_");
        assert!(!card.contains("✓ posted"), "{card}");

        // B sees it arrive, live, and approves it.
        let queue =
            b.wait_within(&["settle_hold", "2,500.00 USD", "ops-alice", "approvals 1"], Duration::from_secs(15));
        assert!(queue.contains("Settle payout"), "{queue}");
        b.keys(&["Enter"]);
        b.wait_for("parameters, exactly as they will run");
        b.keys(&["a"]);
        b.wait_for("Approve proposal");
        b.text("matches the provider portal");
        b.keys(&["Enter"]);
        b.wait_for("Run Approve proposal");
        b.keys(&["y"]);
        b.wait_for("✓ posted");

        // A's queue loses the hold.
        a.keys(&["Escape"]);
        a.wait_gone("waiting for a second operator");
        a.wait_gone("payout-4eyes");
    });
    let query = TransactionQuery { wallet_id: Some(wallet.clone()), limit: Some(100), ..TransactionQuery::default() };
    let settles =
        api.transactions(&query).await.unwrap().items.into_iter().filter(|t| t.kind == "payout_settle").count();
    assert_eq!(settles, 1, "executed once");
    assert_eq!(api.hold(&hold).await.unwrap().hold.status, "settled");
    blocking(|| {
        a.quits(Duration::from_secs(5));
        b.keys(&["Escape"]);
        b.quits(Duration::from_secs(5));
    });
    drop((a, b));
    state.shutdown.cancel();
    server.await.unwrap().unwrap();
}
