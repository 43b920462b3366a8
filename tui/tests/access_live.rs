//! The Access view against a real server with the real fetcher: an admin
//! makes a token from the cockpit, the token works and is listed without
//! its secret, and revoking it from the cockpit ends it.

mod fixtures;

use fixtures::live::{Rig, client};
use ledgerdeck_client::{ErrorCode, Role};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_a_token_sees_it_once_and_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let admin = ledgerdeck_server::access::create_token(&store, "root-admin", Role::Admin, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Ledger::new(store, LedgerConfig::default()), ApiConfig::default());
    tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state, None, None));

    // The session starts as an operator; /v1/me says admin, and the list comes.
    let mut rig = Rig::new(fixtures::app("terminal", false, false), client(addr, &admin));
    let start = rig.app.start();
    rig.send(start).await;
    rig.until("the tokens listed", |a| a.views.access.tokens.as_ref().is_some_and(|t| t.len() == 1)).await;
    rig.press("0");

    rig.keys("cops-dan\to\t12h\ny").await;
    rig.until("the new token shown", |a| a.views.access.created.is_some()).await;
    let token = rig.app.views.access.created.as_ref().unwrap().token.clone();
    assert!(rig.screen().contains(&token), "shown in full once");
    let me = client(addr, &token).me().await.unwrap();
    assert_eq!((me.name.as_str(), me.role), ("ops-dan", Role::Operator));
    assert!(me.expires_at.is_some(), "12h expiry: {me:?}");

    rig.keys("\x1b").await;
    rig.until("ops-dan listed", |a| a.views.access.tokens.as_ref().is_some_and(|t| t.len() == 2)).await;
    let text = rig.screen();
    assert!(text.contains("ops-dan") && !text.contains(&token), "listed, never its secret:\n{text}");

    let at = rig.app.views.access.tokens.as_ref().unwrap().iter().position(|t| t.name == "ops-dan").unwrap();
    rig.press(&"j".repeat(at));
    rig.keys("xy").await;
    let revoked = |a: &ledgerdeck_tui::app::App| {
        a.views.access.tokens.iter().flatten().any(|t| t.name == "ops-dan" && t.revoked_at.is_some())
    };
    rig.until("ops-dan revoked", revoked).await;
    let refused = client(addr, &token).me().await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::Unauthenticated), "{refused}");
}
