//! The cockpit against a real server over HTTP: keys are answered while the
//! server hangs, and the status goes from live to reconnecting and stale
//! when the server goes away, then live again when it comes back.

mod fixtures;

use chrono::{TimeDelta, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent};
use fixtures::live::client;
use futures::channel::mpsc as events;
use ledgerdeck_client::Role;
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::fetch::ApiFetcher;
use ledgerdeck_tui::runtime::{self, Fetcher};
use ledgerdeck_tui::views::ViewId;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A real server on a SQLite file, stoppable and restartable on one port.
struct Server {
    store: Store,
    state: AppState,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(store: Store, addr: SocketAddr) -> Server {
        let listener = TcpListener::bind(addr).await.expect("bind");
        let ledger = Ledger::new(store.clone(), LedgerConfig::default());
        let state = AppState::new(ledger, ApiConfig { heartbeat: Duration::from_millis(200), ..ApiConfig::default() });
        let task = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
        Server { store, state, task }
    }

    /// Drains and stops (which closes the store's pool).
    async fn stop(self) {
        self.state.shutdown.cancel();
        self.task.await.unwrap().unwrap();
        drop(self.store);
    }
}

async fn open_store(dir: &tempfile::TempDir) -> Store {
    Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap()
}

fn key(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::from(KeyCode::Char(c))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_answered_while_the_server_hangs() {
    // A server that accepts connections and never answers.
    let hung = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = hung.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = hung.accept().await {
            sockets.push(socket);
        }
    });
    let mut app = fixtures::app("terminal", false, false);
    let (mut terminal, _) = fixtures::recording_terminal(80, 24);
    let (request_tx, request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (data_tx, data_rx) = mpsc::channel(runtime::DATA_QUEUE);
    let fetch = tokio::spawn(ApiFetcher::new(client(addr, "ldk_x_y")).run(request_rx, data_tx));
    let (key_tx, key_rx) = events::unbounded();
    let typing = tokio::spawn(async move {
        for c in ['2', 'j', '4', '/', 'x', '\n', '1', 'q'] {
            tokio::time::sleep(Duration::from_millis(40)).await;
            let event = if c == '\n' { Ok(Event::Key(KeyEvent::from(KeyCode::Esc))) } else { key(c) };
            key_tx.unbounded_send(event).unwrap();
        }
        key_tx
    });
    let started = Instant::now();
    let run = runtime::drive(&mut app, &mut terminal, key_rx, data_rx, &request_tx);
    tokio::time::timeout(Duration::from_secs(3), run).await.expect("keys answered while every request hangs").unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(app.view, ViewId::Overview, "the last view key was honoured");
    drop(typing.await.unwrap());
    drop(request_tx);
    fetch.abort();
    held.abort();
}

/// Feeds the app from the fetcher until its status bar says `want`.
async fn until_status(app: &mut App, data: &mut mpsc::Receiver<DataMsg>, want: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let label = app.conn_label().0;
        if label.contains(want) {
            return label;
        }
        assert!(
            Instant::now() < deadline,
            "status never said {want:?}; last {label:?} ({:?} at {:?})",
            app.last_update,
            app.now
        );
        match tokio::time::timeout(Duration::from_millis(100), data.recv()).await {
            Ok(Some(msg)) => {
                app.on_data(msg);
            }
            Ok(None) => panic!("the fetcher stopped"),
            Err(_) => {}
        }
        app.on_tick(Utc::now());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goes_stale_when_the_server_goes_away_and_live_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
    let token = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let probe = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let server = Server::start(store, addr).await;

    let mut app = fixtures::app("terminal", false, false);
    // Fresh from this server, not from the fixtures' fixed clock.
    app.last_update = None;
    app.on_tick(Utc::now());
    app.stale_after = TimeDelta::milliseconds(600);
    let (request_tx, request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (data_tx, mut data) = mpsc::channel(runtime::DATA_QUEUE);
    let fetch = tokio::spawn(ApiFetcher::new(client(addr, &token)).run(request_rx, data_tx));
    request_tx.send(Request::LoadGates).await.unwrap();

    until_status(&mut app, &mut data, "live", Duration::from_secs(5)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.last_update.is_none() {
        assert!(Instant::now() < deadline, "no data arrived from the server");
        if let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(100), data.recv()).await {
            app.on_data(msg);
        }
        app.on_tick(Utc::now());
    }
    server.stop().await;
    until_status(&mut app, &mut data, "reconnecting", Duration::from_secs(5)).await;
    let stale = until_status(&mut app, &mut data, "stale since", Duration::from_secs(5)).await;
    assert!(stale.contains("retry in"), "{stale}");

    let server = Server::start(open_store(&dir).await, addr).await;
    until_status(&mut app, &mut data, "live", Duration::from_secs(5)).await;
    // Back live, a read goes through again.
    request_tx.send(Request::LoadGates).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout(Duration::from_millis(200), data.recv()).await {
            Ok(Some(DataMsg::Gates(gates))) => {
                assert_eq!(gates.len(), ledgerdeck_client::gates::GATES.len());
                break;
            }
            Ok(Some(msg)) => {
                app.on_data(msg);
            }
            _ => assert!(Instant::now() < deadline, "no gates after the server came back"),
        }
    }
    drop(request_tx);
    fetch.abort();
    server.stop().await;
}
