//! The command palette and its generated forms, driven by keys: what is
//! offered, what is refused inline, and what is sent with which key.

mod fixtures;

use fixtures::press;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ledgerdeck_client::{CommandResult, CommandStatus, Role, WalletBalance};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::palette::form::Stage;
use rust_decimal::Decimal;
use serde_json::json;

fn key(app: &mut App, code: KeyCode) -> Vec<Request> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn screen(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 120, 40))
}

fn names(app: &App) -> Vec<String> {
    app.palette.matches(app.session.role, app.session.read_only).iter().map(|s| s.name.clone()).collect()
}

fn form_key(app: &App) -> String {
    app.palette.form.as_ref().expect("a form is open").key.clone()
}

fn result(replayed: bool) -> CommandResult {
    CommandResult {
        status: CommandStatus::Posted,
        command: "transfer".into(),
        reference: Some("ref-77".into()),
        subject_id: None,
        transaction_ids: vec!["01947a3c-0000-7000-8000-000000000077".into()],
        balances: vec![WalletBalance {
            wallet_id: "w-1".into(),
            currency: "USD".into(),
            available: Decimal::new(98000, 2),
            reserved: Decimal::ZERO,
        }],
        replayed,
    }
}

/// Opens transfer and fills a valid form; returns the app at the confirmation.
fn filled_transfer() -> App {
    let mut app = fixtures::app_as("terminal", false, Role::Operator);
    press(&mut app, ":tra\n");
    press(&mut app, "w-1\tw-2\t20.00\tinv-9\n");
    app
}

#[test]
fn colon_loads_the_registry_once_and_typing_narrows_it() {
    let mut app = fixtures::app("terminal", false, false);
    assert_eq!(press(&mut app, ":"), vec![Request::LoadCommands]);
    assert!(screen(&mut app).contains("loading commands"));
    app.on_data(DataMsg::Commands(fixtures::commands()));
    press(&mut app, "tra");
    let listed = names(&app);
    assert_eq!(listed.first().map(String::as_str), Some("transfer"), "{listed:?}");
    assert!(screen(&mut app).contains("transfer"));
    assert!(!listed.contains(&"create_wallet".to_string()), "{listed:?}");
    assert!(!listed.contains(&"fund_bank_account".to_string()), "admin commands are not the operator's");
    press(&mut app, "\x1b");
    assert!(!app.palette.is_open());
    assert!(press(&mut app, ":").is_empty(), "the registry is loaded once");
}

#[test]
fn enter_opens_the_generated_form_with_a_key() {
    let mut app = fixtures::app_as("terminal", false, Role::Operator);
    press(&mut app, ":tra\n");
    let form = app.palette.form.clone().expect("form");
    assert_eq!(form.spec.name, "transfer");
    let text = screen(&mut app);
    assert!(text.contains("from_wallet_id*") && text.contains("amount*"), "{text}");
    assert!(text.contains(&format!("key {}", form.short_key())), "{text}");
}

#[test]
fn an_empty_required_field_is_refused_inline_and_nothing_is_sent() {
    let mut app = fixtures::app_as("terminal", false, Role::Operator);
    press(&mut app, ":tra\n");
    let sent = press(&mut app, "w-1\t\t20.00\n");
    assert!(sent.is_empty(), "{sent:?}");
    let form = app.palette.form.as_ref().unwrap();
    assert_eq!(form.stage, Stage::Editing);
    assert_eq!(form.errors.get("to_wallet_id").map(String::as_str), Some("required"));
    let text = screen(&mut app);
    assert!(text.contains("✖ required"), "{text}");
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(press(&mut app, "y").is_empty(), "no confirmation was asked");
}

#[test]
fn an_amount_beyond_the_currency_scale_is_refused_inline() {
    let mut app = fixtures::app_as("terminal", false, Role::Admin);
    press(&mut app, ":fund\n");
    assert_eq!(app.palette.form.as_ref().unwrap().spec.name, "fund_bank_account");
    let sent = press(&mut app, "USD\t1.234\n");
    assert!(sent.is_empty());
    let text = screen(&mut app);
    assert!(text.contains("✖ at most 2 decimals for USD"), "{text}");
    // Fixed, it goes through to the confirmation.
    key(&mut app, KeyCode::Backspace);
    press(&mut app, "\n");
    assert_eq!(app.palette.form.as_ref().unwrap().stage, Stage::Confirm);
}

#[test]
fn a_valid_form_confirms_then_sends_the_body_and_key() {
    let mut app = filled_transfer();
    let k = form_key(&app);
    let text = screen(&mut app);
    assert!(
        text.contains("Run Transfer between wallets with: from_wallet_id=w-1, to_wallet_id=w-2, amount=20.00"),
        "{text}"
    );
    let sent = press(&mut app, "y");
    let [Request::Command { command, body, key: idempotency_key, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    assert_eq!(command, "transfer");
    assert_eq!(body, &json!({"from_wallet_id": "w-1", "to_wallet_id": "w-2", "amount": "20.00", "reference": "inv-9"}));
    assert_eq!(idempotency_key, &k);
    assert!(screen(&mut app).contains("sending…"));
}

#[test]
fn no_at_the_confirmation_goes_back_to_the_form() {
    let mut app = filled_transfer();
    assert!(press(&mut app, "n").is_empty());
    assert_eq!(app.palette.form.as_ref().unwrap().stage, Stage::Editing);
}

#[test]
fn a_transport_failure_keeps_the_key_and_a_resubmit_replays() {
    let mut app = filled_transfer();
    let k = form_key(&app);
    let [Request::Command { id: request_id, .. }] = press(&mut app, "y")[..] else { panic!() };
    app.on_data(DataMsg::CommandFailed {
        request_id,
        code: None,
        detail: "connection reset".into(),
        unknown: true,
        fields: vec![],
    });
    assert_eq!(form_key(&app), k, "outcome unknown: the key is kept");
    assert!(screen(&mut app).contains("outcome is unknown"));
    let again = press(&mut app, "\ny");
    let [Request::Command { id: second, key: idempotency_key, .. }] = again.as_slice() else { panic!("{again:?}") };
    assert_eq!(idempotency_key, &k, "the resubmit carries the same key");
    assert_ne!(*second, request_id);
    app.on_data(DataMsg::CommandDone { request_id: *second, result: result(true) });
    let text = screen(&mut app);
    assert!(text.contains("✓ posted") && text.contains("replayed"), "{text}");
    assert!(text.contains("ref-77") && text.contains("01947a3c-0000-7000-8000-000000000077"), "{text}");
    assert!(text.contains("available 980.00"), "{text}");
    assert_ne!(form_key(&app), k, "a definite answer rotates the key");
    press(&mut app, "\n");
    assert!(!app.palette.is_open());
}

#[test]
fn a_refusal_rotates_the_key_and_maps_field_errors_inline() {
    let mut app = filled_transfer();
    let k = form_key(&app);
    let [Request::Command { id: request_id, .. }] = press(&mut app, "y")[..] else { panic!() };
    app.on_data(DataMsg::CommandFailed {
        request_id,
        code: Some("VALIDATION_FAILED".into()),
        detail: "the command's parameters are not valid".into(),
        unknown: false,
        fields: vec![("to_wallet_id".into(), "no such wallet\x1b[31m".into())],
    });
    assert_ne!(form_key(&app), k);
    let text = screen(&mut app);
    assert!(text.contains("✖ refused VALIDATION_FAILED"), "{text}");
    assert!(text.contains("✖ no such wallet"), "{text}");
    assert!(!text.contains('\x1b'));
    press(&mut app, "\n");
    assert_eq!(app.palette.form.as_ref().unwrap().stage, Stage::Editing);
}

#[test]
fn choices_cycle_with_the_arrows() {
    let mut app = fixtures::app_as("terminal", false, Role::Admin);
    press(&mut app, ":set_feat\n");
    let value = |app: &App, name: &str| app.palette.form.as_ref().unwrap().value(name).unwrap().to_string();
    assert_eq!(value(&app, "name"), "core_wallet_enabled");
    key(&mut app, KeyCode::Right);
    assert_eq!(value(&app, "name"), "payouts_enabled");
    key(&mut app, KeyCode::Right);
    assert_eq!(value(&app, "name"), "core_wallet_enabled");
    press(&mut app, "\t\t\t");
    key(&mut app, KeyCode::Left);
    assert_eq!(value(&app, "enabled"), "false");
    press(&mut app, "x");
    assert_eq!(value(&app, "enabled"), "false", "typing does not change a choice");
}

#[test]
fn a_read_only_profile_offers_no_commands() {
    let mut app = fixtures::app_as("terminal", true, Role::Admin);
    press(&mut app, ":");
    assert!(app.palette.is_open());
    assert!(names(&app).is_empty());
    assert!(screen(&mut app).contains("read-only profile: no commands"));
    assert!(press(&mut app, "tra\n").is_empty());
    assert!(app.palette.form.is_none());
}

#[test]
fn the_viewer_role_sees_no_writes() {
    let mut app = fixtures::app_as("terminal", false, Role::Viewer);
    press(&mut app, ":");
    assert!(names(&app).is_empty());
    assert!(screen(&mut app).contains("viewer role: no commands"));
    assert!(press(&mut app, "\n").is_empty());
    let admin = fixtures::app_as("terminal", false, Role::Admin);
    assert!(names(&admin).contains(&"set_feature_flag".to_string()));
}

#[test]
fn the_cursor_sits_after_the_text_typed_at_any_width() {
    use ratatui::backend::Backend;
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = fixtures::app_as("terminal", false, Role::Operator);
        press(&mut app, ":tra\nw-1");
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        terminal.draw(|frame| app.render(frame)).unwrap();
        let text = fixtures::buffer_text(terminal.backend().buffer());
        let (y, line) = text.lines().enumerate().find(|(_, l)| l.contains("from_wallet_id*")).unwrap();
        let x = line[..line.find("w-1").unwrap()].chars().count() + 3;
        let cursor = terminal.backend_mut().get_cursor_position().unwrap();
        assert_eq!((cursor.x as usize, cursor.y as usize), (x, y), "{w}×{h}");
    }
}
