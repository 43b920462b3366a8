//! The one command path: every writing action of the cockpit is one
//! `Request::Command` whose idempotency key survives a transport failure and
//! rotates after a definite answer; and a command that cannot even be
//! queued is answered "not sent" without freezing its form.

mod fixtures;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use fixtures::payouts as fx;
use fixtures::press;
use futures::channel::mpsc as events;
use ledgerdeck_client::{CommandStatus, Role};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::palette::form::Stage;
use ledgerdeck_tui::runtime;
use std::time::Duration;
use tokio::sync::mpsc;

/// An admin's cockpit with every view's data: the queue, the outbox, the
/// ledger, the flags and the registry.
fn loaded() -> App {
    let mut app = fixtures::app_as("terminal", false, Role::Admin);
    fixtures::feed_views(&mut app);
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    app
}

/// The one command among `requests` (reads may go with it): its id and key.
fn the_command(requests: &[Request], name: &str) -> (u64, String) {
    let commands: Vec<&Request> = requests.iter().filter(|r| r.writes()).collect();
    let [Request::Command { id, command, key, .. }] = commands.as_slice() else {
        panic!("{name}: expected one command, got {requests:?}")
    };
    assert_eq!(command, name);
    (*id, key.clone())
}

fn no_answer(request_id: u64) -> DataMsg {
    DataMsg::CommandFailed { request_id, code: None, detail: "timed out".into(), unknown: true, fields: vec![] }
}

/// A writing action: the keys that send it the first time, again after no
/// answer, again after it ran, and again after a refusal.
struct Write {
    command: &'static str,
    first: &'static str,
    after_no_answer: &'static str,
    after_answer: &'static str,
    after_refusal: &'static str,
}

const WRITES: [Write; 7] = [
    Write {
        command: "settle_hold",
        first: "3s paid per portal\ny",
        after_no_answer: "\n",
        after_answer: "\x1bs paid again\ny",
        after_refusal: "\x1bs paid again\ny",
    },
    Write {
        command: "release_hold",
        first: "3r provider failed\ny",
        after_no_answer: "\n",
        after_answer: "\x1br provider failed\ny",
        after_refusal: "\x1br provider failed\ny",
    },
    Write {
        command: "retry_outbox_message",
        first: "4Ry",
        after_no_answer: "Ry",
        after_answer: "Ry",
        after_refusal: "Ry",
    },
    Write { command: "run_gates", first: "2r", after_no_answer: "r", after_answer: "r", after_refusal: "r" },
    Write {
        command: "reverse_transaction",
        first: "6xduplicate\ny",
        after_no_answer: "\ny",
        after_answer: "\nxduplicate\ny",
        after_refusal: "\n\ny",
    },
    Write {
        command: "set_feature_flag",
        first: "7f\ny",
        after_no_answer: "\ny",
        after_answer: "\nf\ny",
        after_refusal: "\n\ny",
    },
    Write {
        command: "transfer",
        first: ":tra\nw-1\tw-2\t20.00\n\ny",
        after_no_answer: "\ny",
        after_answer: "\n:tra\nw-1\tw-2\t20.00\n\ny",
        after_refusal: "\n\ny",
    },
];

#[test]
fn every_writing_action_is_one_command_whose_key_outlives_a_transport_failure_and_rotates_on_an_answer() {
    for write in WRITES {
        let mut app = loaded();
        let (first_id, first_key) = the_command(&press(&mut app, write.first), write.command);
        app.on_data(no_answer(first_id));
        let (again_id, again_key) = the_command(&press(&mut app, write.after_no_answer), write.command);
        assert_eq!(again_key, first_key, "{}: the outcome is unknown, so the same key goes again", write.command);
        assert_ne!(again_id, first_id, "{}: each send is its own request", write.command);
        app.on_data(fixtures::command_done(again_id, write.command, CommandStatus::Posted));
        let (_, next_key) = the_command(&press(&mut app, write.after_answer), write.command);
        assert_ne!(next_key, first_key, "{}: after a definite answer the next write is a new request", write.command);
    }
}

#[test]
fn a_refusal_rotates_the_key_of_every_writing_action() {
    for write in WRITES {
        let mut app = loaded();
        let (id, first_key) = the_command(&press(&mut app, write.first), write.command);
        app.on_data(DataMsg::CommandFailed {
            request_id: id,
            code: Some("FORBIDDEN".into()),
            detail: "no".into(),
            unknown: false,
            fields: vec![],
        });
        // A refusal leaves each one where its operator can try again.
        let again = press(&mut app, write.after_refusal);
        let (_, key) = the_command(&again, write.command);
        assert_ne!(key, first_key, "{}: a refusal is a definite answer", write.command);
    }
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, modifiers)))
}

#[tokio::test]
async fn a_palette_command_that_cannot_be_queued_is_answered_not_sent_and_its_form_takes_keys_again() {
    let mut app = fixtures::app_as("terminal", false, Role::Operator);
    let (mut terminal, recorder) = fixtures::recording_terminal(80, 24);
    let (key_tx, key_rx) = events::unbounded();
    // Nobody reads the requests: the start-up reads fill the queue.
    let (request_tx, _request_rx) = mpsc::channel(1);
    let (_data_tx, data_rx) = mpsc::channel::<DataMsg>(8);
    let plain = |c: char| key(KeyCode::Char(c), KeyModifiers::NONE);
    for c in ":tra\nw-1\tw-2\t20.00\n".chars() {
        let event = match c {
            '\t' => key(KeyCode::Tab, KeyModifiers::NONE),
            '\n' => key(KeyCode::Enter, KeyModifiers::NONE),
            c => plain(c),
        };
        key_tx.unbounded_send(event).unwrap();
    }
    // Confirm: the command goes to a full queue.
    key_tx.unbounded_send(plain('y')).unwrap();
    let typing = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Enter goes back to editing; then a digit is typed into the focused field.
        key_tx.unbounded_send(key(KeyCode::Enter, KeyModifiers::NONE)).unwrap();
        key_tx.unbounded_send(plain('5')).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        key_tx.unbounded_send(key(KeyCode::Char('c'), KeyModifiers::CONTROL)).unwrap();
        key_tx
    });
    let run = runtime::drive(&mut app, &mut terminal, key_rx, data_rx, &request_tx);
    tokio::time::timeout(Duration::from_secs(3), run).await.expect("never blocked").unwrap();
    drop(typing.await.unwrap());
    assert!(recorder.text().contains("refused NOT_SENT"), "the form said nothing was sent");
    let form = app.palette.form.as_ref().expect("the form is still open");
    assert_eq!(form.stage, Stage::Editing, "the form takes keys again");
    assert_eq!(form.value("amount"), Some("20.005"), "what was typed reached the field");
}
