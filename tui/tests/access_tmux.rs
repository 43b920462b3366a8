//! End to end: the real `ledgerdeck` binary in tmux against a real server,
//! as an admin on the Access view. It makes a token (shown once; `y` copies
//! it over OSC 52), finds it listed without its secret, and revokes it;
//! the server then refuses the token. Without tmux it says so loudly (and
//! fails under CI).

mod tmux;

use ledgerdeck_client::{ApiClient, ClientConfig, ErrorCode, Role};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use std::time::Duration;
use tmux::{Tmux, skipped};
use tokio::net::TcpListener;

/// Runs tmux's blocking waits off the async runtime's worker.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// The token drawn on the screen (`ldk_<12 hex>_<48 hex>`).
fn token_on(screen: &str) -> String {
    let at = screen.find("ldk_").unwrap_or_else(|| panic!("no token on the screen:\n{screen}"));
    screen[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_copies_and_revokes_a_token_from_the_cockpit() {
    if skipped("access view cockpit test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let admin = ledgerdeck_server::access::create_token(&store, "root-admin", Role::Admin, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Ledger::new(store, LedgerConfig::default()), ApiConfig::default());
    let server = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    let as_token = |token: &str| ApiClient::new(ClientConfig::new(format!("http://{addr}")).with_token(token)).unwrap();

    let command = format!(
        "LEDGERDECK_STATE_DIR={} LEDGERDECK_TOKEN={admin} {} --server http://{addr}",
        dir.path().join("state").display(),
        env!("CARGO_BIN_EXE_ledgerdeck"),
    );
    let cockpit = Tmux::start(&format!("ledgerdeck-access-{}", std::process::id()), &command);
    let token = blocking(|| {
        cockpit.wait_for("● live");
        cockpit.keys(&["0"]);
        cockpit.wait_within(&["root-admin", "admin", "live"], Duration::from_secs(15));
        cockpit.keys(&["c"]);
        cockpit.wait_for("New token");
        cockpit.text("ops-dan");
        cockpit.keys(&["Tab", "o", "Tab"]);
        cockpit.text("12h");
        cockpit.keys(&["Enter"]);
        cockpit.wait_for("Create operator token for ops-dan, until");
        cockpit.keys(&["y"]);
        let card = cockpit.wait_for("Shown this once");
        let token = token_on(&card);
        cockpit.keys(&["y"]);
        cockpit.wait_for("Copy");
        cockpit.keys(&["Enter"]);
        cockpit.wait_for("copied token");
        assert_eq!(cockpit.buffer().as_deref(), Some(token.as_str()), "OSC 52 put the token on the clipboard");
        cockpit.keys(&["Escape"]);
        cockpit.wait_gone("Shown this once");
        let list = cockpit.wait_for("ops-dan");
        assert!(!list.contains(&token), "listed without its secret:\n{list}");
        token
    });
    let me = as_token(&token).me().await.unwrap();
    assert_eq!((me.name.as_str(), me.role), ("ops-dan", Role::Operator));

    blocking(|| {
        // The list is newest first: ops-dan is selected.
        cockpit.keys(&["x"]);
        cockpit.wait_for("Revoke ops-dan's operator token");
        cockpit.keys(&["y"]);
        cockpit.wait_for("revoked ops-dan's token");
    });
    let refused = as_token(&token).me().await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::Unauthenticated), "{refused}");

    blocking(|| cockpit.quits(Duration::from_secs(5)));
    drop(cockpit);
    state.shutdown.cancel();
    server.await.unwrap().unwrap();
}
