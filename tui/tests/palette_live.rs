//! The palette against a real server: `create_wallet` typed into its
//! generated form, sent by the app's `Request::Command` through
//! [`ApiFetcher`], and the wallet read back with the client.

mod fixtures;

use fixtures::press;

use ledgerdeck_client::{ApiClient, ClientConfig, CommandStatus, Role, WalletQuery};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::fetch::ApiFetcher;
use ledgerdeck_tui::runtime::{self, Fetcher};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Feeds `data` into the app until `done` says so (or the time runs out).
async fn until(app: &mut App, data: &mut mpsc::Receiver<DataMsg>, done: impl Fn(&DataMsg) -> bool) -> DataMsg {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), data.recv()).await.expect("in time").expect("open");
        app.on_data(msg.clone());
        if done(&msg) {
            return msg;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_wallet_through_the_palette() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let token = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Ledger::new(store.clone(), LedgerConfig::default()), ApiConfig::default());
    let server = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    let client = ApiClient::new(ClientConfig::new(format!("http://{addr}")).with_token(&token)).unwrap();

    let (request_tx, request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (data_tx, mut data_rx) = mpsc::channel(runtime::DATA_QUEUE);
    let fetch = tokio::spawn(ApiFetcher::new(client.clone()).run(request_rx, data_tx));

    let mut app = fixtures::app("terminal", false, false);
    let load = press(&mut app, ":");
    assert_eq!(load, vec![Request::LoadCommands]);
    request_tx.send(Request::LoadCommands).await.unwrap();
    until(&mut app, &mut data_rx, |m| matches!(m, DataMsg::Commands(_))).await;

    press(&mut app, "create_w\n");
    assert_eq!(app.palette.form.as_ref().unwrap().spec.name, "create_wallet");
    let key = app.palette.form.as_ref().unwrap().key.clone();
    press(&mut app, "m-palette\tGBP\n");
    let sent = press(&mut app, "y");
    let [execute @ Request::Command { id: request_id, key: idempotency_key, .. }] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!(idempotency_key, &key);
    let request_id = *request_id;
    request_tx.send(execute.clone()).await.unwrap();
    let answer = until(&mut app, &mut data_rx, |m| {
        matches!(m, DataMsg::CommandDone { request_id: r, .. } | DataMsg::CommandFailed { request_id: r, .. } if *r == request_id)
    })
    .await;
    let DataMsg::CommandDone { result, .. } = answer else { panic!("{answer:?}") };
    assert_eq!(result.status, CommandStatus::Created);
    let wallet_id = result.subject_id.expect("the new wallet's id");

    let wallet = client.wallet(&wallet_id).await.unwrap();
    assert_eq!((wallet.merchant_id.as_str(), wallet.currency.as_str()), ("m-palette", "GBP"));
    let query = WalletQuery { merchant_id: Some("m-palette".into()), ..WalletQuery::default() };
    assert_eq!(client.wallets(&query).await.unwrap().items.len(), 1);

    drop(request_tx);
    fetch.abort();
    state.shutdown.cancel();
    server.await.unwrap().unwrap();
}
