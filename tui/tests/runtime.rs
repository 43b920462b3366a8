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
