//! End to end: the real `ledgerdeck` binary in tmux against a real server
//! with a hold in manual review. Types what an operator would, reads the
//! screen with `capture-pane` (and the paste buffer for a copy), checks the
//! ledger afterwards, and quits: settling from the queue, with the default
//! keys and with settle remapped in `config.toml`; finding the hold by its
//! provider reference, copying its reference and settling it; and following
//! a drift finding to the broken statement line and back; a refused token's
//! warning written to `--log-file`, not the terminal. Without tmux it
//! says so loudly (and fails under CI, where tmux is part of the machine).

mod tmux;

use ledgerdeck_client::providers::ProviderEventBody;
use ledgerdeck_client::{ApiClient, ClientConfig, HoldQuery, Role, TransactionQuery};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store, provider_events};
use serde_json::json;
use std::time::Duration;
use tmux::{Tmux, skipped};
use tokio::net::TcpListener;

/// A real server on a SQLite file with one USD hold of 125.50 in manual
/// review (reference `payout-e2e-0001`; the provider has reported it
/// pending as `PSK-4411`), and an operator's token.
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
    let reserve =
        json!({"wallet_id": wallet, "amount": "125.50", "provider": "sandbox", "reference": "payout-e2e-0001"});
    let hold = run("reserve_payout", reserve).await.subject_id.unwrap();
    run("mark_manual_review", json!({"hold_id": hold, "reason": "provider silent"})).await;
    let pending = ProviderEventBody {
        reference: "evt-e2e-1".into(),
        hold_id: hold.clone(),
        status: "pending".into(),
        provider_reference: Some("PSK-4411".into()),
    };
    provider_events::apply(state.ledger.store(), "sandbox", &pending, "{}").await.unwrap();
    World { dir, addr, token, api, hold, state, server }
}

impl World {
    /// The cockpit against this server in a tmux session named after
    /// `name`, with this world's `config.toml` (absent unless written).
    fn start_cockpit(&self, name: &str) -> Tmux {
        let command = format!(
            "LEDGERDECK_CONFIG={} LEDGERDECK_STATE_DIR={} LEDGERDECK_TOKEN={} {} --server http://{}",
            self.dir.path().join("config.toml").display(),
            self.dir.path().join("state").display(),
            self.token,
            env!("CARGO_BIN_EXE_ledgerdeck"),
            self.addr
        );
        Tmux::start(&format!("{name}-{}", std::process::id()), &command)
    }

    /// Ends the tmux session, then the server.
    async fn stop(self, tmux: Tmux) {
        drop(tmux);
        self.state.shutdown.cancel();
        self.server.await.unwrap().unwrap();
    }
}

/// Runs tmux's blocking waits off the async runtime's worker.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_settles_a_manual_review_hold_with_the_real_binary() {
    if skipped("end-to-end cockpit test") {
        return;
    }
    let w = world().await;
    let (api, hold) = (&w.api, &w.hold);
    // A session log far past the default 30 days, which the start removes.
    let sessions = w.dir.path().join("state").join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    std::fs::write(sessions.join("2000-01-01.jsonl"), "{}\n").unwrap();
    let tmux = w.start_cockpit("ledgerdeck-e2e");
    blocking(|| {
        tmux.wait_for("● live");
        tmux.keys(&["3"]);
        tmux.wait_within(&["Payouts: manual_review", "m-e2e", "125.50"], Duration::from_secs(15));
        let (confirm, card) = tmux.settle("s", "provider portal shows it paid", Some("PSK-4411"));
        assert!(confirm.contains("Settle: move 125.50 USD"), "{confirm}");
        assert!(card.contains("settle_hold") && card.contains("available 374.50 USD"), "{card}");
        tmux.close_card();
        tmux.wait_within(&["Payouts: manual_review", "no holds match"], Duration::from_secs(15));
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

    // The session log shows the settle, and its day file holds the send and the answer.
    blocking(|| {
        tmux.keys(&["L"]);
        tmux.wait_within(&["Session log", "settle_hold", "posted"], Duration::from_secs(5));
        tmux.keys(&["Escape"]);
        tmux.wait_gone("Session log");
        tmux.quits(Duration::from_secs(5))
    });
    let state = w.dir.path().join("state");
    let days: Vec<_> = std::fs::read_dir(&sessions).unwrap().map(|e| e.unwrap().path()).collect();
    let [day] = days.as_slice() else { panic!("one day file, the old one removed: {days:?}") };
    let records: Vec<serde_json::Value> =
        std::fs::read_to_string(day).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let seen: Vec<(&str, &str)> =
        records.iter().map(|r| (r["event"].as_str().unwrap(), r["outcome"].as_str().unwrap_or("-"))).collect();
    assert_eq!(seen, vec![("sent", "-"), ("answered", "posted")], "{records:?}");
    assert_eq!(records[1]["params"]["hold_id"], hold.as_str());
    assert!(state.join("ledgerdeck.log").is_file(), "the cockpit's log file is in the state dir");
    w.stop(tmux).await;
}

/// `--log-file`: a token the server refuses ends the live stream; the
/// client's warning goes to the named file, and nothing of it reaches the
/// terminal the cockpit draws on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_warning_goes_to_the_log_file_not_the_terminal() {
    if skipped("log file cockpit test") {
        return;
    }
    let w = world().await;
    let log = w.dir.path().join("custom").join("cockpit.log");
    let command = format!(
        "LEDGERDECK_CONFIG={} LEDGERDECK_STATE_DIR={} LEDGERDECK_TOKEN=ldk_nobody_0000000000 {} --server http://{} --log-file {}",
        w.dir.path().join("config.toml").display(),
        w.dir.path().join("state").display(),
        env!("CARGO_BIN_EXE_ledgerdeck"),
        w.addr,
        log.display()
    );
    let tmux = Tmux::start(&format!("ledgerdeck-e2e-log-{}", std::process::id()), &command);
    blocking(|| {
        let screen = tmux.wait_for("ledgerdeck login");
        assert!(
            !screen.contains("WARN") && !screen.contains("not reconnecting"),
            "a log line on the screen:\n{screen}"
        );
        tmux.quits(Duration::from_secs(5))
    });
    let text = std::fs::read_to_string(&log).expect("the log file named by --log-file");
    let warning = text.lines().find(|l| l.contains("access ended")).unwrap_or_else(|| panic!("no warning in {text}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(!w.dir.path().join("state").join("ledgerdeck.log").exists(), "the default file is not used");
    w.stop(tmux).await;
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
    let tmux = w.start_cockpit("ledgerdeck-e2e-keys");
    blocking(|| {
        tmux.wait_for("● live");
        tmux.keys(&["3"]);
        let queue = tmux.wait_within(&["m-e2e", "125.50"], Duration::from_secs(15));
        assert!(
            queue.contains("F status") && queue.contains("S settle"),
            "the footer shows the keys in force:\n{queue}"
        );
        tmux.keys(&["?"]);
        let help = tmux.wait_for("any key closes this help");
        assert!(help.contains("S       settle") && help.contains("F       status"), "{help}");
        tmux.keys(&["Escape"]);
        tmux.wait_for("S settle");
        tmux.keys(&["s"]);
        std::thread::sleep(Duration::from_millis(500));
        assert!(!tmux.screen().contains("Settle hold"), "s is no longer settle");
        let (_, card) = tmux.settle("S", "provider portal shows it paid", None);
        assert!(card.contains("settle_hold"), "{card}");
    });
    assert_eq!(w.api.hold(&w.hold).await.unwrap().hold.status, "settled");
    blocking(|| {
        tmux.close_card();
        tmux.quits(Duration::from_secs(5));
    });
    w.stop(tmux).await;
}

/// Ctrl-f on the Overview, the provider's reference typed, Enter: the hold
/// opens (`Overview › hold payout-e2e-0001` in the title); `y` copies its
/// reference through OSC 52 into tmux's paste buffer; `s` settles the open
/// hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_found_by_its_provider_reference_is_copied_and_settled() {
    if skipped("find-and-copy cockpit test") {
        return;
    }
    let w = world().await;
    let tmux = w.start_cockpit("ledgerdeck-e2e-find");
    blocking(|| {
        tmux.wait_for("● live");
        tmux.keys(&["C-f"]);
        tmux.wait_for("find:");
        tmux.text("PSK-4411");
        let hits = tmux.wait_for("by provider_reference");
        assert!(hits.contains("hold 125.50 USD manual_review"), "{hits}");
        tmux.keys(&["Enter"]);
        tmux.wait_within(&["Overview › hold payout-e2e-0001", "Esc back"], Duration::from_secs(15));

        assert_eq!(tmux.buffer(), None, "nothing copied yet");
        tmux.keys(&["y"]);
        let chooser = tmux.wait_for("╭ Copy");
        assert!(chooser.contains("hold id") && chooser.contains("reference"), "{chooser}");
        tmux.keys(&["j", "Enter"]);
        tmux.wait_for("copied reference payout-e2e-0001");
        assert_eq!(tmux.buffer().as_deref(), Some("payout-e2e-0001"), "the reference reached the terminal's clipboard");

        let (confirm, _) = tmux.settle("s", "provider portal shows it paid", Some("PSK-4411"));
        assert!(confirm.contains("Settle: move 125.50 USD"), "{confirm}");
    });
    let detail = w.api.hold(&w.hold).await.unwrap();
    assert_eq!(detail.hold.status, "settled");
    assert_eq!(detail.hold.provider_reference.as_deref(), Some("PSK-4411"));
    blocking(|| {
        tmux.close_card();
        tmux.quits(Duration::from_secs(5));
    });
    w.stop(tmux).await;
}

/// A wallet whose middle statement line is corrupted: from the red
/// wallet_drift gate's finding, Enter opens the wallet's statement at that
/// line (the path in the title), and Esc comes back to the same finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drift_finding_opens_the_broken_statement_line_and_esc_returns_to_it() {
    if skipped("finding drill-down cockpit test") {
        return;
    }
    let w = world().await;
    let run = async |command: &str, body: serde_json::Value| {
        let key = ledgerdeck_client::http::new_idempotency_key();
        w.api.execute(command, &body, Some(&key)).await.unwrap_or_else(|e| panic!("{command}: {e}"))
    };
    let wallet = run("create_wallet", json!({"merchant_id": "m-drift", "currency": "USD"})).await.subject_id.unwrap();
    for amount in ["10.00", "20.00", "30.00"] {
        run("post_payin", json!({"wallet_id": wallet, "amount": amount, "provider": "sandbox"})).await;
    }
    let broken = sqlx::query(
        "UPDATE statement_lines SET balance_after = balance_after + 7 WHERE wallet_id = $1 AND amount = 2000",
    )
    .bind(&wallet)
    .execute(w.state.ledger.store().pool())
    .await
    .unwrap();
    assert_eq!(broken.rows_affected(), 1, "the 20.00 line");
    run("run_gates", json!({"gate": "wallet_drift"})).await;

    let tmux = w.start_cockpit("ledgerdeck-e2e-drift");
    blocking(|| {
        tmux.wait_for("● live");
        tmux.keys(&["2"]);
        tmux.wait_for("wallet_drift");
        tmux.keys(&["j", "Enter"]);
        tmux.wait_within(&["Open findings: wallet_drift", "statement_running_balance"], Duration::from_secs(15));
        tmux.keys(&["Enter"]);
        let statement =
            tmux.wait_within(&["Gates › wallet_drift › wallet", "Esc back", "20.00"], Duration::from_secs(15));
        let selected = statement.lines().find(|l| l.contains('›') && !l.contains("Gates ›")).unwrap_or_default();
        assert!(
            selected.contains("20.00") && !statement.contains("30.00"),
            "at the broken line, newer lines not shown:\n{statement}"
        );

        tmux.keys(&["Escape"]);
        let back =
            tmux.wait_within(&["Open findings: wallet_drift", "statement_running_balance"], Duration::from_secs(15));
        let selected = back.lines().find(|l| l.contains('›') && l.contains("statement_running_balance"));
        assert!(selected.is_some(), "back on the same finding:\n{back}");
        let tabs = back.lines().next().unwrap_or_default();
        assert!(tabs.contains("2 Gates") && !tabs.contains('›'), "the tabs are back, the path gone:\n{back}");
        tmux.quits(Duration::from_secs(5));
    });
    w.stop(tmux).await;
}
