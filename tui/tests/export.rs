//! The export key driven through the app: the prompt opens with the view's
//! kind and filter, the format toggle changes the extension, Enter asks for
//! the export with the view's query, progress and the end show in the
//! export panel, Esc cancels; views without an export say so.

mod fixtures;

use fixtures::press;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ledgerdeck_client::{ExportFormat, ExportKind, ExportQuery};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::runtime;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

const DIR: &str = "/home/ada/Downloads";

/// The fixtures' app with every list loaded and exports going to [`DIR`].
fn app() -> App {
    app_with(false)
}

fn app_with(read_only: bool) -> App {
    let mut app = fixtures::app("terminal", read_only, false);
    fixtures::feed_views(&mut app);
    app.on_data(DataMsg::Holds { query: fixtures::payouts::queue_query(), page: fixtures::payouts::queue() });
    app.export.dir = PathBuf::from(DIR);
    app
}

fn wide(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 160, 48))
}

fn notice(app: &App) -> String {
    app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default()
}

/// What the open prompt exports, and the path it holds.
fn prompt(app: &App) -> (ExportKind, ExportQuery, String) {
    let p = app.export.prompt.as_ref().expect("the prompt is open");
    (p.what.kind, p.what.query.clone(), p.path.value().to_string())
}

fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// Payouts: `e` opens the prompt with the holds of the status shown and
/// the `/` filter, the path prefilled with the kind and the time, and the
/// prompt says what is exported.
#[test]
fn payouts_export_their_holds_with_the_status_and_filter() {
    let mut app = app();
    press(&mut app, "3/merchant:m-acme provider:sandbox\n");
    assert!(press(&mut app, "e").is_empty(), "opening the prompt asks for nothing");
    let (kind, query, at) = prompt(&app);
    assert_eq!(kind, ExportKind::Holds);
    let expected = ExportQuery {
        status: Some("manual_review".into()),
        merchant_id: Some("m-acme".into()),
        provider: Some("sandbox".into()),
        ..ExportQuery::default()
    };
    assert_eq!(query, expected);
    assert_eq!(at, path("ledgerdeck-holds-20260131-093000.csv"));
    let screen = wide(&mut app);
    assert!(screen.contains("holds · status manual_review · merchant m-acme · provider sandbox"), "{screen}");
    assert!(screen.contains("ledgerdeck-holds-20260131-093000.csv"), "{screen}");
    assert!(screen.contains("Enter export"), "the footer shows the prompt's keys: {screen}");
}

/// Reference text in the Payouts filter matches loaded rows only; the
/// prompt says the export does not carry it.
#[test]
fn payouts_reference_text_is_said_not_to_be_exported() {
    let mut app = app();
    press(&mut app, "3/payout-77 USD\n");
    press(&mut app, "e");
    let (_, query, _) = prompt(&app);
    assert_eq!(query.currency.as_deref(), Some("USD"));
    assert_eq!(query.reference, None);
    let screen = wide(&mut app);
    assert!(screen.contains("\"payout-77\" filters loaded rows only: not applied to the export"), "{screen}");
}

/// Every other view exports what it lists, with its filter.
#[test]
fn each_view_exports_its_own_kind_and_filter() {
    let mut app = app();
    press(&mut app, "e");
    assert_eq!(prompt(&app).0, ExportKind::Accounts);
    assert_eq!(prompt(&app).1, ExportQuery { system: Some(true), ..ExportQuery::default() });
    press(&mut app, "\x1b");

    press(&mut app, "2je");
    let (kind, query, at) = prompt(&app);
    let gate = app.views.gates.selected_gate().unwrap().to_string();
    assert_eq!(kind, ExportKind::Findings);
    assert_eq!(query, ExportQuery { gate: Some(gate), status: Some("OPEN".into()), ..ExportQuery::default() });
    assert_eq!(at, path("ledgerdeck-findings-20260131-093000.csv"));
    press(&mut app, "\x1b");
    press(&mut app, "ve");
    assert_eq!(prompt(&app).1.status, None, "resolved findings shown: every status exported");
    press(&mut app, "\x1b");

    press(&mut app, "6/wallet:w1 kind:payin from:2026-01-01\n");
    press(&mut app, "e");
    let expected = ExportQuery {
        wallet_id: Some("w1".into()),
        kind: Some("payin".into()),
        from: Some("2026-01-01T00:00:00Z".into()),
        ..ExportQuery::default()
    };
    assert_eq!(prompt(&app).0, ExportKind::Transactions);
    assert_eq!(prompt(&app).1, expected);
    press(&mut app, "\x1b");

    press(&mut app, "8/actor:ops-alice outcome:refused to:2026-01-31\n");
    press(&mut app, "e");
    let expected = ExportQuery {
        actor: Some("ops-alice".into()),
        outcome: Some("refused".into()),
        to: Some("2026-01-31T00:00:00Z".into()),
        ..ExportQuery::default()
    };
    assert_eq!(prompt(&app).0, ExportKind::Audit);
    assert_eq!(prompt(&app).1, expected);
    press(&mut app, "\x1b");
}

/// Wallets export a statement, once one is open (as of the time shown,
/// if one is); the list alone says how.
#[test]
fn wallets_export_the_open_statement() {
    let mut app = app();
    press(&mut app, "5e");
    assert!(!app.export.is_open());
    assert!(notice(&app).contains("open a wallet's statement (Enter) to export it"), "{}", notice(&app));
    press(&mut app, "\n");
    let wallet = app.views.wallets.open.clone().expect("a statement is open");
    press(&mut app, "e");
    let (kind, query, at) = prompt(&app);
    assert_eq!(kind, ExportKind::Statement);
    assert_eq!(query, ExportQuery { wallet_id: Some(wallet), ..ExportQuery::default() });
    assert_eq!(at, path("ledgerdeck-statement-20260131-093000.csv"));
    // With balances shown as of a time, the statement is taken as of it.
    press(&mut app, "\x1b");
    press(&mut app, "a2026-01-30\ne");
    let (_, query, _) = prompt(&app);
    assert_eq!(query.as_of.as_deref(), Some("2026-01-30T23:59:59.999999Z"));
}

/// The Outbox has no export kind: the key says so and opens nothing.
#[test]
fn the_outbox_says_it_has_no_export() {
    let mut app = app();
    assert!(press(&mut app, "4e").iter().all(|r| !matches!(r, Request::Export { .. })));
    assert!(!app.export.is_open());
    assert_eq!(notice(&app), "Outbox: outbox messages have no export");
    assert!(wide(&mut app).contains("Outbox: outbox messages have no export"));
}

/// Tab switches csv ↔ jsonl and the extension follows; a name the
/// operator typed with another extension is kept.
#[test]
fn the_format_toggle_changes_the_extension() {
    let mut app = app();
    press(&mut app, "3e\t");
    assert_eq!(app.export.prompt.as_ref().unwrap().format, ExportFormat::Jsonl);
    assert_eq!(prompt(&app).2, path("ledgerdeck-holds-20260131-093000.jsonl"));
    press(&mut app, "\t");
    assert_eq!(app.export.prompt.as_ref().unwrap().format, ExportFormat::Csv);
    assert_eq!(prompt(&app).2, path("ledgerdeck-holds-20260131-093000.csv"));
    for _ in 0..4 {
        app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    }
    press(&mut app, ".txt\t");
    assert_eq!(prompt(&app).2, path("ledgerdeck-holds-20260131-093000.txt"));
}

/// Enter asks for the export: its kind, the view's query, the format and
/// the path typed; the prompt closes and the panel counts rows.
#[test]
fn enter_asks_for_the_export_with_the_views_query() {
    let mut app = app();
    press(&mut app, "3/currency:USD\n");
    press(&mut app, "e\t");
    let sent = press(&mut app, "\n");
    let [Request::Export { id, kind, query, format, path: to }] = sent.as_slice() else { panic!("{sent:?}") };
    assert_eq!(*kind, ExportKind::Holds);
    assert_eq!(
        **query,
        ExportQuery { status: Some("manual_review".into()), currency: Some("USD".into()), ..ExportQuery::default() }
    );
    assert_eq!(*format, ExportFormat::Jsonl);
    assert_eq!(*to, PathBuf::from(path("ledgerdeck-holds-20260131-093000.jsonl")));
    assert!(!app.export.is_open());
    assert_eq!(app.export.job.as_ref().map(|j| j.id), Some(*id));
    let screen = wide(&mut app);
    assert!(screen.contains("exporting holds… 0 rows (0 B)"), "{screen}");
    assert!(screen.contains("to /home/ada/Downloads/ledgerdeck-holds-20260131-093000.jsonl"), "{screen}");
}

/// Progress messages update the count shown; the end says rows and path
/// until the next key, which still does what it does.
#[test]
fn progress_and_the_end_are_shown() {
    let mut app = app();
    let sent = press(&mut app, "3e\n");
    let [Request::Export { id, path: to, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    app.dirty = false;
    app.on_data(DataMsg::ExportProgress { id: *id, rows: 12_400, bytes: 1_250_000 });
    assert!(app.dirty, "progress redraws");
    assert!(wide(&mut app).contains("exporting holds… 12,400 rows (1.2 MB)"));
    // Another export's message changes nothing.
    app.on_data(DataMsg::ExportProgress { id: id + 7, rows: 1, bytes: 1 });
    assert_eq!(app.export.job.as_ref().unwrap().rows, 12_400);
    app.on_data(DataMsg::ExportDone { id: *id, rows: 12_405, bytes: 1_250_900, path: to.clone() });
    assert!(app.export.job.is_none());
    let screen = wide(&mut app);
    assert!(screen.contains("exported 12,405 holds rows (1.2 MB)"), "{screen}");
    assert!(screen.contains(&format!("to {}", to.display())), "{screen}");
    // Identical progress after the end changes nothing.
    app.dirty = false;
    app.on_data(DataMsg::ExportProgress { id: *id, rows: 12_405, bytes: 1_250_900 });
    assert!(!app.dirty);
    press(&mut app, "6");
    assert!(app.export.outcome.is_none(), "seen");
    assert_eq!(app.view, ledgerdeck_tui::views::ViewId::Ledger, "the key still switched views");
    assert!(!wide(&mut app).contains("exported 12,405"));
}

/// At 80 columns a long path keeps its end, which tells files apart.
#[test]
fn a_long_path_keeps_its_end() {
    let mut app = app();
    let sent = press(
        &mut app, "3e
",
    );
    let [Request::Export { id, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    let to = PathBuf::from(format!("/srv/exports/{}ledgerdeck-holds-20260131-093000.csv", "nested/".repeat(12)));
    app.on_data(DataMsg::ExportDone { id: *id, rows: 3, bytes: 300, path: to });
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 80, 24));
    assert!(
        screen.contains("│…d/nested/nested/nested/nested/nested/ledgerdeck-holds-20260131-093000.csv│"),
        "{screen}"
    );
}

/// A failure says the problem's code and detail, and the key works again.
#[test]
fn a_failure_says_its_code_and_detail() {
    let mut app = app();
    let sent = press(&mut app, "3e\n");
    let [Request::Export { id, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    let detail = "the export would hold more than 1000000 rows".to_string();
    app.on_data(DataMsg::ExportFailed { id: *id, detail, code: Some("EXPORT_TOO_LARGE".into()) });
    let screen = wide(&mut app);
    assert!(screen.contains("export of holds failed: EXPORT_TOO_LARGE"), "{screen}");
    assert!(screen.contains("the export would hold more than 1000000 rows"), "{screen}");
    press(&mut app, "e");
    assert!(app.export.is_open());
}

/// Esc closes the prompt and nothing is sent.
#[test]
fn esc_cancels() {
    let mut app = app();
    press(&mut app, "3e");
    let sent = press(&mut app, "xyz\x1b");
    assert!(sent.is_empty());
    assert!(!app.export.is_open() && app.export.job.is_none());
    assert!(!wide(&mut app).contains("Export"));
}

/// While the prompt is open every key is the prompt's: `q` is typed, not quit.
#[test]
fn the_prompt_takes_the_keys() {
    let mut app = app();
    press(&mut app, "3e");
    press(&mut app, "q2");
    assert!(!app.should_quit());
    assert!(prompt(&app).2.ends_with(".csvq2"));
}

/// An empty path is refused inline and nothing is sent.
#[test]
fn an_empty_path_is_refused_inline() {
    let mut app = app();
    press(&mut app, "3e");
    app.export.prompt.as_mut().unwrap().path = tui_input::Input::default();
    assert!(press(&mut app, "\n").is_empty());
    assert!(wide(&mut app).contains("name the file to write"));
}

/// One export runs at a time: the key says which one runs.
#[test]
fn a_second_export_waits_for_the_first() {
    let mut app = app();
    press(&mut app, "3e\n");
    press(&mut app, "6e");
    assert!(!app.export.is_open());
    assert_eq!(notice(&app), "an export is running: exporting holds… 0 rows (0 B)");
}

/// An export is a read: a read-only profile (or a viewer) may export.
#[test]
fn read_only_profiles_may_export() {
    let mut app = app_with(true);
    let sent = press(&mut app, "3e\n");
    assert!(matches!(sent.as_slice(), [Request::Export { kind: ExportKind::Holds, .. }]), "{sent:?}");
}

/// Help lists the key among the global ones.
#[test]
fn help_lists_the_export_key() {
    let mut app = app();
    press(&mut app, "?");
    let screen = wide(&mut app);
    assert!(screen.contains("export to a file"), "{screen}");
}

/// An export that finds the request queue full is told at once it was not sent.
#[tokio::test]
async fn an_export_meeting_a_full_queue_is_not_sent() {
    let mut app = app();
    let mut terminal = fixtures::recording_terminal(80, 24).0;
    let (key_tx, key_rx) = futures::channel::mpsc::unbounded();
    // Nobody reads the requests: the start-up reads fill the queue.
    let (request_tx, _request_rx) = mpsc::channel(1);
    let (_data_tx, data_rx) = mpsc::channel::<DataMsg>(8);
    for c in ['3', 'e', '\n'] {
        let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
        key_tx.unbounded_send(Ok(Event::Key(KeyEvent::from(code)))).unwrap();
    }
    // Ctrl-C quits without counting as having seen the outcome.
    let quit = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    key_tx.unbounded_send(Ok(Event::Key(quit))).unwrap();
    let run = runtime::drive(&mut app, &mut terminal, key_rx, data_rx, &request_tx);
    tokio::time::timeout(Duration::from_secs(2), run).await.expect("never blocked").unwrap();
    assert!(app.export.job.is_none());
    let outcome = app.export.outcome.clone().expect("told at once");
    assert_eq!(outcome.headline, "export of holds failed: NOT_SENT");
}
