//! The loop keeps answering keys while the server hangs, draws only when
//! something changed, and ends cleanly.

mod fixtures;

use crossterm::event::{Event, KeyCode, KeyEvent};
use futures::channel::mpsc as events;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::runtime;
use ledgerdeck_tui::views::ViewId;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

fn terminal() -> Terminal<CrosstermBackend<fixtures::Recorder>> {
    fixtures::recording_terminal(80, 24).0
}

fn key(c: char) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::from(KeyCode::Char(c))))
}

#[tokio::test]
async fn keys_are_answered_while_the_server_hangs() {
    let mut app = fixtures::app("terminal", false, false);
    let mut terminal = terminal();
    let (key_tx, key_rx) = events::unbounded();
    // The server hangs: the requests are taken and never answered.
    let (request_tx, mut request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (_data_tx, data_rx) = mpsc::channel::<DataMsg>(runtime::DATA_QUEUE);
    let hung = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(r) = request_rx.recv().await {
            seen.push(r);
        }
        seen
    });
    let started = Instant::now();
    let typing = tokio::spawn(async move {
        for c in ['2', 'r', '4', 'j'] {
            tokio::time::sleep(Duration::from_millis(30)).await;
            key_tx.unbounded_send(key(c)).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        key_tx.unbounded_send(key('q')).unwrap();
        key_tx
    });
    let run = runtime::drive(&mut app, &mut terminal, key_rx, data_rx, &request_tx);
    tokio::time::timeout(Duration::from_secs(2), run).await.expect("the loop answers keys").unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    drop(typing.await.unwrap());
    drop(request_tx);
    let seen = hung.await.unwrap();
    assert_eq!(app.view, ViewId::Outbox);
    assert_eq!(app.views.outbox.selected, 1);
    assert!(seen.iter().any(|r| matches!(r, Request::Command { command, .. } if command == "run_gates")), "{seen:?}");
    assert!(seen.contains(&Request::LoadOverview), "start-up requests went out: {seen:?}");
}

#[tokio::test]
async fn a_full_request_queue_never_blocks_a_key_and_a_command_is_told_it_was_not_sent() {
    let mut app = fixtures::app("terminal", false, false);
    let mut terminal = terminal();
    let (key_tx, key_rx) = events::unbounded();
    // Nobody reads the requests at all.
    let (request_tx, _request_rx) = mpsc::channel(1);
    let (_data_tx, data_rx) = mpsc::channel::<DataMsg>(8);
    for c in ['2', 'r', 'r', 'q'] {
        key_tx.unbounded_send(key(c)).unwrap();
    }
    let run = runtime::drive(&mut app, &mut terminal, key_rx, data_rx, &request_tx);
    tokio::time::timeout(Duration::from_secs(2), run).await.expect("never blocked").unwrap();
    let notice = app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
    assert!(notice.contains("NOT_SENT"), "{notice}");
}

/// A bulk whose items find the request queue full does not jam: each item
/// that could not be handed over is answered not sent, the next one is
/// tried in its place, and the batch finishes with nothing in flight.
#[tokio::test]
async fn a_bulk_meeting_a_full_request_queue_finishes_with_every_item_not_sent() {
    use fixtures::payouts as fx;
    use ledgerdeck_tui::bulk::Outcome;
    let mut app = fixtures::app("terminal", false, false).with_bulk_concurrency(1);
    fixtures::press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    // Holds 0, 1 and 3: no amount above the typed-confirmation threshold, so y sends.
    fixtures::press(&mut app, " j jj r");
    fixtures::press(&mut app, "failed at the provider\n");
    // The queue is full before the operator confirms, and nobody reads it.
    let (request_tx, _request_rx) = mpsc::channel(1);
    request_tx.try_send(Request::LoadOverview).unwrap();
    let (key_tx, key_rx) = events::unbounded();
    let (_data_tx, data_rx) = mpsc::channel::<DataMsg>(8);
    key_tx.unbounded_send(key('y')).unwrap();
    let mut terminal = terminal();
    // The loop runs until it is stopped; a moment is enough for the key.
    let run = runtime::drive(&mut app, &mut terminal, key_rx, data_rx, &request_tx);
    assert!(tokio::time::timeout(Duration::from_millis(300), run).await.is_err(), "the loop ran on");
    let batch = &app.views.payouts.bulk.as_ref().expect("the bulk card").batch;
    assert_eq!(batch.items.len(), 3);
    assert!(batch.items.iter().all(|i| i.outcome == Outcome::NotSent), "{:?}", batch.items);
    assert!(batch.finished() && batch.counts().in_flight == 0);
}

#[tokio::test]
async fn data_arriving_while_running_is_drawn_and_the_loop_ends_on_q() {
    let mut app = fixtures::app("terminal", false, false);
    let (mut terminal, recorder) = fixtures::recording_terminal(80, 24);
    let (key_tx, key_rx) = events::unbounded();
    let (request_tx, _request_rx) = mpsc::channel(runtime::REQUEST_QUEUE);
    let (data_tx, data_rx) = mpsc::channel(runtime::DATA_QUEUE);
    let feeder = tokio::spawn(async move {
        let mut stats = fixtures::outbox_stats();
        stats.dead = 42;
        data_tx.send(DataMsg::OutboxStats(stats)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        key_tx.unbounded_send(key('q')).unwrap();
        (data_tx, key_tx)
    });
    runtime::drive(&mut app, &mut terminal, key_rx, data_rx, &request_tx).await.unwrap();
    drop(feeder.await.unwrap());
    let written = recorder.text();
    assert!(written.contains("42"), "the new figure reached the terminal");
    assert!(written.contains("\x1b[?2026h") && written.contains("\x1b[?2026l"), "synchronized updates");
}

#[test]
fn drawing_when_nothing_changed_writes_nothing() {
    let mut app = fixtures::app("terminal", false, false);
    let (mut terminal, recorder) = fixtures::recording_terminal(80, 24);
    assert!(runtime::draw(&mut terminal, &mut app).unwrap());
    let before = recorder.len();
    assert!(!runtime::draw(&mut terminal, &mut app).unwrap());
    assert_eq!(recorder.len(), before);
}
