//! The Payouts loop against a real server over HTTP with the real fetcher:
//! settle through the app's own requests, lose a race to another operator,
//! and survive a lost response by resubmitting with the same key.

mod fixtures;

use fixtures::live::{Rig, client, run};
use ledgerdeck_client::{ApiClient, HoldQuery, Role, TransactionQuery};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::fetch::ApiFetcher;
use ledgerdeck_tui::runtime::{self, Fetcher};
use ledgerdeck_tui::views::payouts::card::ResultCard;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

struct World {
    _dir: tempfile::TempDir,
    addr: SocketAddr,
    state: AppState,
    alice: String,
    bob: String,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let alice = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let bob = ledgerdeck_server::access::create_token(&store, "ops-bob", Role::Operator, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ledger = Ledger::new(store, LedgerConfig::default());
    let state = AppState::new(ledger, ApiConfig { heartbeat: Duration::from_millis(200), ..ApiConfig::default() });
    tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    World { _dir: dir, addr, state, alice, bob }
}

/// A USD wallet with money and `n` holds in manual review; returns their ids.
async fn reviewed_holds(client: &ApiClient, amounts: &[&str]) -> (String, Vec<String>) {
    let wallet = run(client, "create_wallet", json!({"merchant_id": "m-1", "currency": "USD"})).await;
    let wallet = wallet.subject_id.unwrap();
    run(client, "post_payin", json!({"wallet_id": wallet, "amount": "5000.00", "provider": "sandbox"})).await;
    let mut holds = Vec::new();
    for amount in amounts {
        let body = json!({"wallet_id": wallet, "amount": amount, "provider": "sandbox", "reference": "po-1"});
        let hold = run(client, "reserve_payout", body).await.subject_id.unwrap();
        run(client, "mark_manual_review", json!({"hold_id": hold, "reason": "provider silent"})).await;
        holds.push(hold);
    }
    (wallet, holds)
}

/// How many settle or release transactions a hold has.
async fn endings(client: &ApiClient, wallet: &str, hold: &str) -> usize {
    let query = TransactionQuery { wallet_id: Some(wallet.into()), limit: Some(500), ..TransactionQuery::default() };
    let page = client.transactions(&query).await.unwrap();
    page.items
        .iter()
        .filter(|t| t.hold_id.as_deref() == Some(hold) && (t.kind.contains("settle") || t.kind.contains("release")))
        .count()
}

/// Opens the Payouts queue and waits for its `holds` rows.
async fn open_queue(rig: &mut Rig, holds: usize) {
    rig.press("3");
    rig.send(vec![Request::LoadHolds(rig.app.views.payouts.base_query())]).await;
    rig.until("the queue loaded", |a| a.views.payouts.shown().len() == holds).await;
}

fn query_all() -> HoldQuery {
    HoldQuery { status: Some("manual_review".into()), ..HoldQuery::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settle_once_then_lose_a_race_to_another_operator() {
    let w = world().await;
    let alice = client(w.addr, &w.alice);
    let bob = client(w.addr, &w.bob);
    let (wallet, holds) = reviewed_holds(&alice, &["1250.00", "30.00"]).await;
    let mut rig = Rig::new(fixtures::app("terminal", false, false), alice.clone());
    rig.until("live", |a| a.conn_label().0.contains("live")).await;
    open_queue(&mut rig, 2).await;

    // Open the oldest hold, settle it.
    rig.keys("\n").await;
    rig.until("the hold and its wallet", |a| a.views.payouts.detail.is_some() && a.views.payouts.wallet.is_some())
        .await;
    assert!(rig.screen().contains("provider silent"), "its history shows");
    rig.keys("s").await;
    rig.keys("provider portal shows paid\n").await;
    let sent = rig.keys("y").await;
    assert!(matches!(sent.as_slice(), [Request::Command { command, .. }] if command == "settle_hold"), "{sent:?}");
    rig.until("the result card", |a| a.views.payouts.card.is_some()).await;
    let Some(ResultCard::Done { result, .. }) = rig.app.views.payouts.card.clone() else { panic!("{}", rig.screen()) };
    assert!(!result.transaction_ids.is_empty());
    let s = rig.screen();
    assert!(s.contains(&result.transaction_ids[0]) && s.contains("✓ posted"), "{s}");
    assert_eq!(rig.app.views.payouts.shown().len(), 1, "the settled hold left the queue");
    assert_eq!(alice.hold(&holds[0]).await.unwrap().hold.status, "settled");
    assert_eq!(endings(&alice, &wallet, &holds[0]).await, 1, "settled exactly once");

    // A form on the other hold; another operator releases it first.
    rig.keys("\x1b\x1b").await;
    rig.keys("r").await;
    rig.keys("provider says failed\n").await;
    run(&bob, "release_hold", json!({"hold_id": holds[1], "reason": "bank returned it"})).await;
    rig.until("the form hears of it", |a| a.views.payouts.form.as_ref().is_some_and(|f| f.notice.is_some())).await;
    assert!(rig.screen().contains("another operator just released this hold"));
    rig.keys("y").await;
    rig.until("the red card", |a| a.views.payouts.card.is_some()).await;
    let Some(ResultCard::Rejected { code, .. }) = rig.app.views.payouts.card.clone() else {
        panic!("{:?}", rig.app.views.payouts.card)
    };
    assert_eq!(code, "HOLD_NOT_OPEN");
    assert!(rig.screen().contains("✖ HOLD_NOT_OPEN"));
    assert_eq!(endings(&alice, &wallet, &holds[1]).await, 1, "released once, by the other operator");
    let left = alice.holds(&query_all()).await.unwrap();
    assert!(left.items.is_empty(), "{left:?}");
    w.state.shutdown.cancel();
}

/// Forwards the first POST it sees to `server`, waits for the server's
/// answer, and drops it (closing the client's socket); any other request
/// is proxied as is.
async fn lossy_proxy(server: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        while let Ok((mut inbound, _)) = listener.accept().await {
            let dropped = dropped.clone();
            tokio::spawn(async move {
                let mut outbound = TcpStream::connect(server).await.unwrap();
                let mut buf = vec![0u8; 64 * 1024];
                let n = inbound.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                let is_post = buf[..n].starts_with(b"POST");
                if is_post && !dropped.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    // Read the whole request, forward it, wait for the answer, and lose it.
                    let mut request = buf[..n].to_vec();
                    loop {
                        let text = String::from_utf8_lossy(&request).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                                })
                                .and_then(|v| v.parse::<usize>().ok())
                                .unwrap_or(0);
                            if request.len() >= end + 4 + length {
                                break;
                            }
                        }
                        let n = inbound.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        request.extend_from_slice(&buf[..n]);
                    }
                    outbound.write_all(&request).await.unwrap();
                    let _ = outbound.read(&mut buf).await;
                    return; // Both sockets close: the client never hears the answer.
                }
                outbound.write_all(&buf[..n]).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_then_resubmit_posts_once_and_shows_replayed() {
    let w = world().await;
    let alice = client(w.addr, &w.alice);
    let (wallet, holds) = reviewed_holds(&alice, &["75.25"]).await;
    let mut rig = Rig::new(fixtures::app("terminal", false, false), alice.clone());
    open_queue(&mut rig, 1).await;
    rig.press("s");
    rig.press("provider portal shows paid\n");
    let sent = rig.press("y");
    let [Request::Command { key: first, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    let first = first.clone();

    // This send goes through a proxy that loses the answer.
    let proxy = lossy_proxy(w.addr).await;
    let (lossy_tx, lossy_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (lossy_data_tx, mut lossy_data) = mpsc::channel(runtime::DATA_QUEUE);
    tokio::spawn(ApiFetcher::new(client(proxy, &w.alice)).run(lossy_rx, lossy_data_tx));
    lossy_tx.send(sent[0].clone()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no answer at all from the lossy fetcher");
        match tokio::time::timeout(Duration::from_millis(100), lossy_data.recv()).await {
            Ok(Some(msg @ DataMsg::CommandFailed { .. })) => {
                let DataMsg::CommandFailed { unknown, .. } = &msg else { unreachable!() };
                assert!(*unknown, "{msg:?}");
                rig.app.on_data(msg);
                break;
            }
            Ok(Some(other)) => assert!(!matches!(other, DataMsg::CommandDone { .. }), "{other:?}"),
            _ => {}
        }
    }
    let form = rig.app.views.payouts.form.as_ref().expect("the form stays open");
    assert!(matches!(form.stage, ledgerdeck_tui::views::payouts::form::Stage::NoAnswer(_)), "{:?}", form.stage);
    assert_eq!(form.key, first, "the key is kept");
    let s = rig.screen();
    assert!(s.contains("No answer from the server") && s.contains("resubmits with the same key"), "{s}");
    assert_eq!(endings(&alice, &wallet, &holds[0]).await, 1, "the lost send did reach the ledger");

    // Resubmit to the real server: the same key, a replay.
    let again = rig.keys("\n").await;
    let [Request::Command { key: idempotency_key, .. }] = again.as_slice() else { panic!("{again:?}") };
    assert_eq!(*idempotency_key, first);
    rig.until("the result card", |a| a.views.payouts.card.is_some()).await;
    let Some(ResultCard::Done { result, .. }) = rig.app.views.payouts.card.clone() else {
        panic!("{:?}", rig.app.views.payouts.card)
    };
    assert!(result.replayed);
    assert!(rig.screen().contains("replayed"));
    assert_eq!(endings(&alice, &wallet, &holds[0]).await, 1, "exactly one settle transaction");
    assert_eq!(alice.hold(&holds[0]).await.unwrap().hold.status, "settled");
    w.state.shutdown.cancel();
}
