//! The session log: every command the cockpit sends is recorded when it is
//! sent and when it is answered — posted, replayed, refused with its code,
//! no answer — with its key parameters and idempotency key and never a
//! secret; the day files rotate by UTC day and old ones are removed; `L`
//! opens the overlay and Esc closes it; the runtime appends the records.

mod fixtures;

use chrono::NaiveDate;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use fixtures::press;
use futures::channel::mpsc as events;
use ledgerdeck_client::{CommandResult, CommandSpec, CommandStatus, FieldKind, FieldSpec, Role};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::runtime;
use ledgerdeck_tui::session_log::files::SessionFiles;
use ledgerdeck_tui::session_log::{Event as Logged, Outcome, Record};
use std::time::Duration;
use tokio::sync::mpsc;

/// An operator's cockpit with every view's data loaded.
fn loaded() -> App {
    let mut app = fixtures::app_as("terminal", false, Role::Admin);
    fixtures::feed_views(&mut app);
    app
}

/// Sends a transfer through the palette; returns its request id and key.
fn transfer(app: &mut App) -> (u64, String) {
    let requests = press(app, ":tra\nw-1\tw-2\t20.00\n\ny");
    let Some(Request::Command { id, key, .. }) = requests.iter().find(|r| r.writes()) else {
        panic!("no command in {requests:?}")
    };
    (*id, key.clone())
}

fn done(id: u64, replayed: bool) -> DataMsg {
    let result = CommandResult {
        status: CommandStatus::Posted,
        command: "transfer".into(),
        reference: Some("ref-1".into()),
        subject_id: None,
        transaction_ids: vec!["txn-1".into()],
        balances: vec![],
        replayed,
    };
    DataMsg::CommandDone { request_id: id, result }
}

fn refused(id: u64, code: &str) -> DataMsg {
    DataMsg::CommandFailed {
        request_id: id,
        code: Some(code.into()),
        detail: "the hold is not open".into(),
        unknown: false,
        fields: vec![],
    }
}

fn no_answer(id: u64) -> DataMsg {
    DataMsg::CommandFailed { request_id: id, code: None, detail: "timed out".into(), unknown: true, fields: vec![] }
}

/// Posted, replayed, refused and no-answer commands each leave a send and an
/// answer record with the right outcome, code, key and key parameters.
#[test]
fn every_answer_is_recorded_with_its_outcome_key_and_parameters() {
    type Case = (fn(u64) -> DataMsg, Outcome, Option<&'static str>);
    let cases: [Case; 4] = [
        (|id| done(id, false), Outcome::Posted, None),
        (|id| done(id, true), Outcome::Replayed, None),
        (|id| refused(id, "HOLD_NOT_OPEN"), Outcome::Refused, Some("HOLD_NOT_OPEN")),
        (no_answer, Outcome::NoAnswer, None),
    ];
    for (answer, outcome, code) in cases {
        let mut app = loaded();
        let (id, key) = transfer(&mut app);
        let sent = app.take_session_records();
        let [record] = sent.as_slice() else { panic!("one send record, got {sent:?}") };
        assert_eq!((record.event, record.request, record.outcome), (Logged::Sent, id, None));
        assert_eq!((record.command.as_str(), record.idempotency_key.as_str()), ("transfer", key.as_str()));
        let params = serde_json::to_value(&record.params).unwrap();
        assert_eq!(params, serde_json::json!({"from_wallet_id": "w-1", "to_wallet_id": "w-2", "amount": "20.00"}));
        assert_eq!(record.profile, app.session.profile);

        app.on_data(answer(id));
        let answered = app.take_session_records();
        let [record] = answered.as_slice() else { panic!("one answer record, got {answered:?}") };
        assert_eq!((record.event, record.outcome, record.code.as_deref()), (Logged::Answered, Some(outcome), code));
        assert_eq!((record.request, record.idempotency_key.as_str()), (id, key.as_str()));
        assert_eq!(record.server_request_id, None, "the server sends no request id yet");
        match outcome {
            Outcome::Posted | Outcome::Replayed => assert_eq!(record.transaction_ids, vec!["txn-1".to_string()]),
            Outcome::Refused => assert_eq!(record.detail.as_deref(), Some("the hold is not open")),
            Outcome::NoAnswer => assert_eq!(record.detail.as_deref(), Some("timed out")),
        }
        let row = app.session_log.newest_first().next().expect("one row");
        assert_eq!(row.outcome, Some(outcome), "the overlay's row shows the answer");
    }
}

/// A view's command (retrying an outbox message) goes through the same
/// path: sent and answered, recorded once each.
#[test]
fn a_views_command_is_recorded_like_the_palettes() {
    let mut app = loaded();
    let requests = press(&mut app, "4Ry");
    let Some(Request::Command { id, command, .. }) = requests.iter().find(|r| r.writes()) else {
        panic!("no command in {requests:?}")
    };
    assert_eq!(command, "retry_outbox_message");
    app.on_data(fixtures::command_done(*id, command, CommandStatus::Completed));
    let records = app.take_session_records();
    let events: Vec<_> = records.iter().map(|r| (r.event, r.command.as_str(), r.outcome)).collect();
    assert_eq!(
        events,
        vec![
            (Logged::Sent, "retry_outbox_message", None),
            (Logged::Answered, "retry_outbox_message", Some(Outcome::Posted))
        ]
    );
    assert!(records[0].params.contains_key("message_id"), "{:?}", records[0].params);
    assert!(app.take_session_records().is_empty(), "each record is handed on once");
}

/// An endpoint's secret is never recorded: not the field typed into the
/// form, and not the result's reference (which carries a generated secret).
#[test]
fn secrets_are_never_recorded() {
    let mut app = loaded();
    let field = |name: &str, kind, required| FieldSpec {
        name: name.into(),
        kind,
        required,
        help: String::new(),
        choices: vec![],
    };
    let mut specs = fixtures::commands();
    specs.push(CommandSpec {
        name: "create_webhook_endpoint".into(),
        title: "Create webhook endpoint".into(),
        fields: vec![field("url", FieldKind::Url, true), field("secret", FieldKind::Text, false)],
        role: Role::Admin,
        moves_money: false,
    });
    app.on_data(DataMsg::Commands(specs));
    let requests = press(&mut app, ":create_webhook\nhttps://hooks.example/in\twhsec_TOPSECRET\n\ny");
    let Some(Request::Command { id, body, .. }) = requests.iter().find(|r| r.writes()) else {
        panic!("no command in {requests:?}")
    };
    assert_eq!(body["secret"], "whsec_TOPSECRET", "the secret was typed and sent");
    let mut result = match fixtures::command_done(*id, "create_webhook_endpoint", CommandStatus::Created) {
        DataMsg::CommandDone { result, .. } => result,
        _ => unreachable!(),
    };
    result.reference = Some("whsec_GENERATED".into());
    result.subject_id = Some("ep-1".into());
    app.on_data(DataMsg::CommandDone { request_id: *id, result });
    let records = app.take_session_records();
    assert_eq!(records.len(), 2);
    for record in &records {
        let line = serde_json::to_string(record).unwrap();
        assert!(!line.contains("TOPSECRET") && !line.contains("GENERATED"), "a secret was recorded: {line}");
        assert!(!record.params.contains_key("url"), "only key parameters are kept");
    }
    assert_eq!(records[1].subject_id.as_deref(), Some("ep-1"));
    for name in ["secret", "webhook_secret", "token", "api_token_id", "password", "signing_key"] {
        assert!(!ledgerdeck_tui::session_log::is_key_param(name), "{name} would be recorded");
    }
}

fn record_at(at: &str, request: u64) -> Record {
    let mut app = loaded();
    let (id, _) = transfer(&mut app);
    let mut record = app.take_session_records().remove(0);
    assert_eq!(record.request, id);
    record.at = at.into();
    record.request = request;
    record
}

fn lines(path: &std::path::Path) -> Vec<Record> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Records go to the file of their own UTC day, appended in order; a
/// second batch appends to the same file.
#[test]
fn records_rotate_by_utc_day_and_append() {
    let dir = tempfile::tempdir().unwrap();
    let files = SessionFiles::new(dir.path().join("sessions"), 30);
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let batch = [record_at("2026-12-02T23:59:59.900Z", 1), record_at("2026-12-03T00:00:00.100+00:00", 2)];
    files.append(&batch, today).unwrap();
    files.append(&[record_at("2026-12-03T01:00:00+02:00", 3)], today).unwrap();
    let dec2 = lines(&files.path_for(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()));
    let dec3 = lines(&files.path_for(today));
    assert_eq!(dec2.iter().map(|r| r.request).collect::<Vec<_>>(), vec![1, 3], "01:00+02:00 is 2 December UTC");
    assert_eq!(dec3.iter().map(|r| r.request).collect::<Vec<_>>(), vec![2]);
    assert!(files.path_for(today).ends_with("sessions/2026-12-03.jsonl"));
}

/// A day file that cannot be written stops the append; it says how many
/// records are on disk, the rest go back to the app and are written, once
/// each, when the file can be written again.
#[test]
fn records_that_could_not_be_written_are_kept_for_the_next_try() {
    let dir = tempfile::tempdir().unwrap();
    let files = SessionFiles::new(dir.path(), 30);
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let blocked = files.path_for(today);
    std::fs::create_dir_all(&blocked).unwrap();
    let mut app = loaded();
    let (first, _) = transfer(&mut app);
    app.on_data(done(first, false));
    let mut records = app.take_session_records();
    assert_eq!(records.len(), 2, "the send and its answer");
    records[0].at = "2026-12-02T23:59:00Z".into();
    for r in &mut records[1..] {
        r.at = "2026-12-03T00:01:00Z".into();
    }
    let err = files.append(&records, today).unwrap_err();
    assert_eq!(err.written, 1, "2 December's record went; 3 December's file is blocked");
    press(&mut app, "\n");
    let (second, _) = transfer(&mut app);
    assert_eq!(app.put_back_session_records(records.split_off(err.written)), 0);
    std::fs::remove_dir(&blocked).unwrap();
    let mut again = app.take_session_records();
    again[1].at = "2026-12-03T00:02:00Z".into();
    assert_eq!(again[0].request, first, "the unwritten answer goes first");
    assert_eq!(again[1].request, second);
    files.append(&again, today).unwrap();
    let dec2 = lines(&files.path_for(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()));
    assert_eq!(dec2.len(), 1);
    assert_eq!(lines(&blocked).iter().map(|r| r.request).collect::<Vec<_>>(), vec![first, second]);
}

/// A `keep_days` too large for the calendar removes nothing and does not fail.
#[test]
fn a_huge_keep_days_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("2020-01-01.jsonl"), "{}\n").unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    assert!(SessionFiles::new(dir.path(), u32::MAX).purge(today).unwrap().is_empty());
    assert!(dir.path().join("2020-01-01.jsonl").exists());
}

/// At start, day files older than `keep_days` (today counted) are removed,
/// and nothing else in the directory.
#[test]
fn old_days_are_removed_and_other_files_kept() {
    let dir = tempfile::tempdir().unwrap();
    let files = SessionFiles::new(dir.path(), 3);
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    for day in ["2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01"] {
        std::fs::write(dir.path().join(format!("{day}.jsonl")), "{}\n").unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    std::fs::write(dir.path().join("2026-01-01.txt"), "not a day file").unwrap();
    let removed = files.purge(today).unwrap();
    let names = |paths: Vec<std::path::PathBuf>| {
        let mut names: Vec<String> =
            paths.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(names(removed), vec!["2026-02-25.jsonl", "2026-02-26.jsonl"]);
    let left = names(std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect());
    assert_eq!(left, vec!["2026-01-01.txt", "2026-02-27.jsonl", "2026-02-28.jsonl", "2026-03-01.jsonl", "notes.txt"]);
    assert!(SessionFiles::new(dir.path().join("missing"), 3).purge(today).unwrap().is_empty());
}

/// `L` opens the overlay from any view, newest first; j/k move; Esc (or
/// `L` again) closes it; keys meanwhile reach no view.
#[test]
fn the_overlay_opens_on_l_and_closes_on_esc() {
    let mut app = loaded();
    let (first, _) = transfer(&mut app);
    app.on_data(done(first, false));
    press(&mut app, "\n");
    let (second, _) = transfer(&mut app);
    app.on_data(no_answer(second));
    press(&mut app, "\x1b\x1b\x1b");
    assert!(!app.palette.is_open());
    press(&mut app, "3");
    assert!(press(&mut app, "L").is_empty());
    assert!(app.session_log.open);
    assert_eq!(app.context().name, "session_log");
    let newest: Vec<u64> = app.session_log.newest_first().map(|r| r.request).collect();
    assert_eq!(newest, vec![second, first]);
    press(&mut app, "j");
    assert_eq!(app.session_log.selected, 1);
    press(&mut app, "jk");
    assert_eq!(app.session_log.selected, 0);
    assert!(press(&mut app, "s4").is_empty(), "keys go to the overlay, not the view");
    assert_eq!(app.view, ledgerdeck_tui::views::ViewId::Payouts);
    press(&mut app, "\x1b");
    assert!(!app.session_log.open);
    press(&mut app, "LL");
    assert!(!app.session_log.open, "L closes it too");
    let hints = app.keymap().describe();
    assert!(hints.contains("session_log"), "the key is in the keymap: {hints}");
}

fn key(code: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Through the real loop: the send is in the day's file before any answer,
/// and the answer follows it.
#[tokio::test]
async fn the_runtime_appends_the_send_then_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let files = SessionFiles::new(dir.path(), 30);
    let mut app = loaded();
    let (mut terminal, _recorder) = fixtures::recording_terminal(80, 24);
    let (key_tx, key_rx) = events::unbounded();
    let (request_tx, mut request_rx) = mpsc::channel(256);
    let (data_tx, data_rx) = mpsc::channel::<DataMsg>(8);
    let day_files = |dir: std::path::PathBuf| {
        move || -> Vec<Record> {
            let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
            let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            paths.sort();
            paths.iter().flat_map(|p| lines(p)).collect()
        }
    };
    let read_now = day_files(dir.path().to_path_buf());
    let script = tokio::spawn(async move {
        for c in ":tra\nw-1\tw-2\t20.00\n\ny".chars() {
            let code = match c {
                '\t' => KeyCode::Tab,
                '\n' => KeyCode::Enter,
                c => KeyCode::Char(c),
            };
            key_tx.unbounded_send(key(code)).unwrap();
        }
        let id = loop {
            match request_rx.recv().await.expect("requests") {
                Request::Command { id, .. } => break id,
                _ => continue,
            }
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let before = read_now();
        data_tx.send(refused(id, "HOLD_NOT_OPEN")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        key_tx.unbounded_send(Ok(Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)))).unwrap();
        (before, key_tx, data_tx)
    });
    let run = runtime::drive_with(&mut app, &mut terminal, key_rx, data_rx, &request_tx, Some(&files));
    tokio::time::timeout(Duration::from_secs(5), run).await.expect("the loop ends").unwrap();
    let (before, _keys, _data) = script.await.unwrap();
    assert_eq!(before.len(), 1, "the send is written before the answer comes: {before:?}");
    let written = day_files(dir.path().to_path_buf())();
    let events: Vec<_> = written.iter().map(|r| (r.event, r.outcome, r.code.clone())).collect();
    assert_eq!(
        events,
        vec![(Logged::Sent, None, None), (Logged::Answered, Some(Outcome::Refused), Some("HOLD_NOT_OPEN".into()))]
    );
}
