//! The export key against a real server through the real fetcher: the file
//! holds every row the list route has, in CSV and JSON lines, taken with a
//! viewer's token; a refused export, one cut off mid-stream and one aimed
//! at an existing file leave no file (and no temporary one) behind.

mod fixtures;

use fixtures::press;

use ledgerdeck_client::{ApiClient, ClientConfig, ExportFormat, ExportKind, ExportQuery, HoldQuery, Role};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::fetch::ApiFetcher;
use ledgerdeck_tui::runtime::{self, Fetcher};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A served ledger: its address, an operator's and a viewer's token.
struct World {
    _dir: tempfile::TempDir,
    url: String,
    state: AppState,
    operator: String,
    viewer: String,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let operator = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let viewer = ledgerdeck_server::access::create_token(&store, "audit-vic", Role::Viewer, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(Ledger::new(store, LedgerConfig::default()), ApiConfig::default());
    tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    World { _dir: dir, url, state, operator, viewer }
}

fn client(url: &str, token: &str) -> ApiClient {
    ApiClient::new(ClientConfig::new(url).with_token(token)).unwrap()
}

async fn run(client: &ApiClient, command: &str, body: serde_json::Value) -> String {
    fixtures::live::run(client, command, body).await.subject_id.unwrap_or_default()
}

/// A wallet with `reserved` holds, of which the first `reviewed` are in manual review.
async fn holds(client: &ApiClient, reserved: usize, reviewed: usize) {
    let wallet = run(client, "create_wallet", json!({"merchant_id": "m-acme", "currency": "USD"})).await;
    run(client, "post_payin", json!({"wallet_id": wallet, "amount": "9000.00", "provider": "sandbox"})).await;
    for i in 0..reserved {
        let body =
            json!({"wallet_id": wallet, "amount": "10.00", "provider": "sandbox", "reference": format!("po-{i}")});
        let hold = run(client, "reserve_payout", body).await;
        if i < reviewed {
            run(client, "mark_manual_review", json!({"hold_id": hold, "reason": "provider silent"})).await;
        }
    }
}

/// The fetcher over `client`, and the app's ends of its channels.
fn fetcher(client: ApiClient) -> (mpsc::Sender<Request>, mpsc::Receiver<DataMsg>) {
    let (request_tx, request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (data_tx, data_rx) = mpsc::channel(runtime::DATA_QUEUE);
    tokio::spawn(ApiFetcher::new(client).run(request_rx, data_tx));
    (request_tx, data_rx)
}

/// Feeds the export's messages to the app until it ends; returns the end.
async fn finish(app: &mut App, data: &mut mpsc::Receiver<DataMsg>, id: u64) -> DataMsg {
    finish_counting(app, data, id).await.0
}

/// As [`finish`], with the most rows a progress message reported.
async fn finish_counting(app: &mut App, data: &mut mpsc::Receiver<DataMsg>, id: u64) -> (DataMsg, u64) {
    let mut most = 0;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), data.recv()).await.expect("in time").expect("open");
        if let DataMsg::ExportProgress { id: i, rows, .. } = &msg
            && *i == id
        {
            most = most.max(*rows);
        }
        let end = matches!(&msg, DataMsg::ExportDone { id: i, .. } | DataMsg::ExportFailed { id: i, .. } if *i == id);
        app.on_data(msg.clone());
        if end {
            return (msg, most);
        }
    }
}

/// The names in `dir`, temporary files included.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn exported(sent: &[Request]) -> (u64, PathBuf) {
    match sent {
        [Request::Export { id, path, .. }] => (*id, path.clone()),
        other => panic!("{other:?}"),
    }
}

/// Payouts' `e` then Enter (Tab first for JSON lines) writes every hold of
/// the queue, as the list route has them, into the file asked for; a
/// viewer's token is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payouts_queue_is_exported_with_every_row() {
    let world = world().await;
    let operator = client(&world.url, &world.operator);
    holds(&operator, 9, 6).await;
    let out = tempfile::tempdir().unwrap();
    let (requests, mut data) = fetcher(client(&world.url, &world.viewer));
    let mut app = fixtures::app("terminal", true, false);
    app.export.dir = out.path().join("exports");

    let listed = operator
        .holds(&HoldQuery { status: Some("manual_review".into()), limit: Some(500), ..HoldQuery::default() })
        .await
        .unwrap();
    let listed: BTreeSet<String> = listed.items.iter().map(|h| h.id.clone()).collect();
    assert_eq!(listed.len(), 6);

    for toggles in ["", "\t"] {
        let sent = press(&mut app, &format!("3e{toggles}\n"));
        let (id, path) = exported(&sent);
        requests.send(sent[0].clone()).await.unwrap();
        let DataMsg::ExportDone { rows, bytes, path: written, .. } = finish(&mut app, &mut data, id).await else {
            panic!("the export failed: {:?}", app.export.outcome)
        };
        assert_eq!(written, path);
        assert_eq!(rows, 6);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(bytes, text.len() as u64);
        let ids: BTreeSet<String> = if toggles.is_empty() {
            assert!(path.extension().is_some_and(|e| e == "csv"));
            let mut lines = text.lines();
            let header: Vec<&str> = lines.next().unwrap().split(',').collect();
            let at = header.iter().position(|h| *h == "id").expect("an id column");
            lines.map(|l| l.split(',').nth(at).unwrap().to_string()).collect()
        } else {
            assert!(path.extension().is_some_and(|e| e == "jsonl"));
            text.lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().into())
                .collect()
        };
        assert_eq!(ids, listed);
        let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 160, 48));
        assert!(screen.contains("exported 6 holds rows"), "{screen}");
    }
    assert_eq!(names(&out.path().join("exports")).len(), 2, "the two files and nothing else");
    world.state.shutdown.cancel();
}

/// A refused export (a filter its kind does not take) says the server's
/// code and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_export_leaves_no_file() {
    let world = world().await;
    let out = tempfile::tempdir().unwrap();
    let (requests, mut data) = fetcher(client(&world.url, &world.viewer));
    let mut app = fixtures::app("terminal", true, false);
    let path = out.path().join("holds.csv");
    let query = ExportQuery { gate: Some("ledger_balanced".into()), ..ExportQuery::default() };
    let export =
        Request::Export { id: 41, kind: ExportKind::Holds, query: Box::new(query), format: ExportFormat::Csv, path };
    requests.send(export).await.unwrap();
    let DataMsg::ExportFailed { code, .. } = finish(&mut app, &mut data, 41).await else { panic!("not refused") };
    assert_eq!(code.as_deref(), Some("VALIDATION_FAILED"));
    assert!(names(out.path()).is_empty(), "{:?}", names(out.path()));
    world.state.shutdown.cancel();
}

/// An export whose answer is cut off after some rows fails without a code
/// and leaves neither the file nor its temporary part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_cut_off_mid_stream_leaves_no_file() {
    // A server that starts a CSV answer, sends two rows, and hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ntransfer-encoding: chunked\r\n\r\n";
            let body = "id,amount\nh1,1.00\nh2,2.00\n";
            let _ = socket.write_all(format!("{head}{:x}\r\n{body}\r\n", body.len()).as_bytes()).await;
            let _ = socket.flush().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(socket);
        }
    });
    let out = tempfile::tempdir().unwrap();
    let (requests, mut data) = fetcher(client(&url, "ldk_x_y"));
    let mut app = fixtures::app("terminal", false, false);
    let path = out.path().join("holds.csv");
    let export = Request::Export {
        id: 7,
        kind: ExportKind::Holds,
        query: Box::default(),
        format: ExportFormat::Csv,
        path: path.clone(),
    };
    requests.send(export).await.unwrap();
    let (end, rows) = finish_counting(&mut app, &mut data, 7).await;
    let DataMsg::ExportFailed { code, .. } = end else { panic!("not failed: {end:?}") };
    assert_eq!(rows, 2, "two rows had been written when the answer stopped");
    assert_eq!(code, None, "no answer: no problem code");
    assert!(!path.exists());
    assert!(names(out.path()).is_empty(), "{:?}", names(out.path()));
}

/// An export aimed at an existing file is refused before anything is
/// asked, and the file is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_file_is_not_replaced() {
    let world = world().await;
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("mine.csv");
    std::fs::write(&path, "keep me").unwrap();
    let (requests, mut data) = fetcher(client(&world.url, &world.viewer));
    let mut app = fixtures::app("terminal", false, false);
    let export =
        Request::Export { id: 3, kind: ExportKind::Accounts, query: Box::default(), format: ExportFormat::Csv, path };
    requests.send(export).await.unwrap();
    let DataMsg::ExportFailed { code, .. } = finish(&mut app, &mut data, 3).await else { panic!("not refused") };
    assert_eq!(code.as_deref(), Some("FILE_EXISTS"));
    assert_eq!(std::fs::read_to_string(out.path().join("mine.csv")).unwrap(), "keep me");
    assert_eq!(names(out.path()), ["mine.csv"]);
    world.state.shutdown.cancel();
}
