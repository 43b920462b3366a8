//! A bulk release against a real server through a proxy that loses some
//! answers: for two items the server runs the command and the proxy drops
//! its answer (the connection closes), for one the proxy drops the request
//! before the server sees it. The table shows those three without an
//! answer; resubmitting sends exactly those, under their same keys: the two
//! the server ran come back `replayed`, the third runs now; the ledger then
//! holds exactly one release per hold.

mod fixtures;

use fixtures::live::{Rig, client, run};
use ledgerdeck_client::{Role, TransactionQuery};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::bulk::Outcome;
use ledgerdeck_tui::data::Request;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One HTTP/1.1 message (head and `Content-Length` body) from `stream`,
/// with `buf` holding what was read past it.
async fn read_message(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()))
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(buf.drain(..end + 4 + length).collect());
            }
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// What the proxy does to the n-th `release_hold` request (1-based).
#[derive(Clone, Copy)]
enum Fate {
    Pass,
    /// Forwarded and answered by the server; the answer is dropped.
    LoseAnswer,
    /// Dropped before the server sees it.
    LoseRequest,
}

/// A proxy to `server` that forwards request by request, applying `fate`
/// to each `release_hold` in the order they arrive; the event stream is
/// passed through as is.
async fn fault_proxy(server: SocketAddr, fate: fn(usize) -> Fate) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let releases = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let releases = releases.clone();
            tokio::spawn(async move {
                let Ok(mut upstream) = TcpStream::connect(server).await else { return };
                let (mut ibuf, mut obuf) = (Vec::new(), Vec::new());
                loop {
                    let Some(request) = read_message(&mut inbound, &mut ibuf).await else { return };
                    if request.starts_with(b"GET /v1/events") {
                        let _ = upstream.write_all(&request).await;
                        let _ = upstream.write_all(&ibuf).await;
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut upstream).await;
                        return;
                    }
                    let fate = if request.starts_with(b"POST /v1/commands/release_hold") {
                        fate(releases.fetch_add(1, Ordering::SeqCst) + 1)
                    } else {
                        Fate::Pass
                    };
                    if let Fate::LoseRequest = fate {
                        return; // Both sockets close: the server never saw it.
                    }
                    if upstream.write_all(&request).await.is_err() {
                        return;
                    }
                    let Some(answer) = read_message(&mut upstream, &mut obuf).await else { return };
                    if let Fate::LoseAnswer = fate {
                        return; // The server answered; the client never hears it.
                    }
                    if inbound.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn finished(app: &App) -> bool {
    app.views.payouts.bulk.as_ref().is_some_and(|b| b.batch.finished())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_release_that_lost_answers_resubmits_to_replays_and_runs_the_rest_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let token = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Ledger::new(store, LedgerConfig::default()), ApiConfig::default());
    tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
    let api = client(addr, &token);
    let wallet = run(&api, "create_wallet", json!({"merchant_id": "m-1", "currency": "USD"})).await;
    let wallet = wallet.subject_id.unwrap();
    run(&api, "post_payin", json!({"wallet_id": wallet, "amount": "5000.00", "provider": "sandbox"})).await;
    let mut holds = Vec::new();
    for i in 0..6 {
        let body = json!({"wallet_id": wallet, "amount": format!("{}.25", 10 + i), "provider": "sandbox",
                          "reference": format!("po-{i}")});
        let hold = run(&api, "reserve_payout", body).await.subject_id.unwrap();
        run(&api, "mark_manual_review", json!({"hold_id": hold, "reason": "provider silent"})).await;
        holds.push(hold);
    }

    // Releases 2 and 5 run but their answers are lost; release 4 never arrives.
    let proxy = fault_proxy(addr, |n| match n {
        2 | 5 => Fate::LoseAnswer,
        4 => Fate::LoseRequest,
        _ => Fate::Pass,
    })
    .await;
    let app = fixtures::app("terminal", false, false).with_bulk_concurrency(3);
    let mut rig = Rig::new(app, client(proxy, &token));
    rig.keys("3").await;
    rig.send(vec![Request::LoadHolds(rig.app.views.payouts.base_query())]).await;
    rig.until("the queue loaded", |a| a.views.payouts.shown().len() == 6).await;
    rig.keys("a").await;
    rig.until("all six marked", |a| a.notice.as_ref().is_some_and(|n| n.text.contains("6 holds marked"))).await;
    rig.keys("r").await;
    rig.keys("provider portal shows failed\n").await;
    let first = rig.keys("y").await;
    assert_eq!(first.iter().filter(|r| matches!(r, Request::Command { .. })).count(), 3, "the bound");
    rig.until("every item answered or lost", finished).await;

    let batch = &rig.app.views.payouts.bulk.as_ref().unwrap().batch;
    let counts = batch.counts();
    // At least the three the proxy lost have no answer (a send on a pooled
    // connection the proxy had just closed may add one that never arrived).
    assert_eq!(counts.done + counts.no_answer, 6, "{:?}", batch.items);
    assert!(counts.no_answer >= 3 && counts.refused == 0, "{:?}", batch.items);
    let lost: Vec<(String, String)> = batch
        .items
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::NoAnswer(_)))
        .map(|i| (i.target.clone(), i.key.clone()))
        .collect();
    for (target, key) in &lost {
        assert_eq!(batch.kept_key(target), Some(key.as_str()), "the key is kept for {target}");
    }
    let releases = |items: &[ledgerdeck_client::TransactionView], hold: &str| {
        items.iter().filter(|t| t.kind == "payout_release" && t.hold_id.as_deref() == Some(hold)).count()
    };
    let query = TransactionQuery { wallet_id: Some(wallet.clone()), limit: Some(500), ..TransactionQuery::default() };
    let before = api.transactions(&query).await.unwrap().items;
    let ran: usize = holds.iter().map(|h| releases(&before, h)).sum();
    assert_eq!(ran - counts.done, 2, "two lost answers ran on the server");
    assert!(ran < 6, "the lost request did not");

    // Resubmit: only the three without an answer, under their same keys.
    let again = rig.keys("R").await;
    let resent: Vec<(String, String)> = again
        .iter()
        .filter_map(|r| match r {
            Request::Command { body, key, .. } => Some((body["hold_id"].as_str().unwrap().to_string(), key.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(resent, lost, "only the unanswered items, with their keys");
    rig.until("the resubmits answered", finished).await;
    let batch = &rig.app.views.payouts.bulk.as_ref().unwrap().batch;
    let counts = batch.counts();
    assert_eq!((counts.done, counts.replayed, counts.no_answer), (6, 2, 0), "{:?}", batch.items);

    // Exactly once: one release per hold, every hold released.
    let after = api.transactions(&query).await.unwrap().items;
    for hold in &holds {
        assert_eq!(releases(&after, hold), 1, "hold {hold} released exactly once");
        assert_eq!(api.hold(hold).await.unwrap().hold.status, "released");
    }
    assert_eq!(after.iter().filter(|t| t.kind == "payout_release").count(), 6);
    state.shutdown.cancel();
}
