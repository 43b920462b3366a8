//! Key sequences driven through the app: the requests made and the screens shown.

mod fixtures;

use fixtures::press;

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{CommandResult, CommandStatus, OutboxMessageQuery};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{ConnState, DataMsg, Request};
use ledgerdeck_tui::views::ViewId;

fn key(app: &mut App, code: KeyCode) -> Vec<Request> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn screen(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 80, 24))
}

fn footer(app: &mut App) -> String {
    screen(app).lines().last().unwrap_or_default().to_string()
}

#[test]
fn number_keys_and_tab_switch_views() {
    let mut app = fixtures::app("terminal", false, false);
    assert_eq!(app.view, ViewId::Overview);
    press(&mut app, "2");
    assert_eq!(app.view, ViewId::Gates);
    assert!(screen(&mut app).contains("Reconciliation gates"));
    press(&mut app, "3");
    assert_eq!(app.view, ViewId::Payouts);
    press(&mut app, "4");
    assert_eq!(app.view, ViewId::Outbox);
    for (key, view) in [
        ("5", ViewId::Wallets),
        ("6", ViewId::Ledger),
        ("7", ViewId::Controls),
        ("8", ViewId::Audit),
        ("9", ViewId::Approvals),
        ("0", ViewId::Access),
    ] {
        press(&mut app, key);
        assert_eq!(app.view, view);
    }
    press(&mut app, "\t");
    assert_eq!(app.view, ViewId::Overview);
    press(&mut app, "\t");
    assert_eq!(app.view, ViewId::Gates);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.view, ViewId::Overview);
    let wide = fixtures::buffer_text(&fixtures::draw(&mut app, 160, 48));
    assert!(wide.contains("3 Payouts") && wide.contains("8 Audit"), "{wide}");
    let narrow = screen(&mut app);
    assert!(narrow.contains("1 Overview │ 2 │ 3 │ 4 │"), "80 columns: numbers only but the current view's");
}

#[test]
fn switching_to_a_view_refreshes_it_unless_fresh() {
    let mut app = fixtures::app("terminal", false, false);
    assert!(press(&mut app, "2").is_empty(), "just loaded at start");
    app.on_tick(fixtures::now() + TimeDelta::seconds(5));
    let requests = press(&mut app, "4");
    assert_eq!(requests[0], Request::LoadOutboxStats);
    assert!(requests.contains(&Request::LoadOutboxMessages { filter: OutboxMessageQuery::default() }));
}

#[test]
fn enter_on_a_gate_loads_its_findings_and_esc_backs_out() {
    let mut app = fixtures::app("terminal", false, false);
    let requests = press(&mut app, "2jj k\n");
    assert_eq!(requests, vec![Request::LoadFindings { gate: "wallet_drift".into(), status: Some("OPEN".into()) }]);
    assert!(screen(&mut app).contains("Open findings: wallet_drift"));
    app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: fixtures::findings() });
    assert!(screen(&mut app).contains("statement_balance_mismatch"));
    press(&mut app, "j");
    assert_eq!(app.views.gates.finding, 1);
    press(&mut app, "\x1b");
    assert!(!app.views.gates.findings_focused);
    press(&mut app, "j");
    assert_eq!(app.views.gates.selected_gate(), Some("holds_drift"), "j moves the gate list again");
}

#[test]
fn findings_for_another_gate_are_not_shown() {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "2\n");
    app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: fixtures::findings() });
    assert!(app.views.gates.findings.is_none());
}

#[test]
fn r_runs_the_gates_with_a_request_id() {
    let mut app = fixtures::app("terminal", false, false);
    let requests = press(&mut app, "2r");
    let [Request::Command { id: request_id, command, body, .. }] = requests.as_slice() else { panic!("{requests:?}") };
    assert_eq!((command.as_str(), body), ("run_gates", &serde_json::json!({})), "every gate");
    assert!(footer(&mut app).contains("r run gates now"));
    let follow = app.on_data(DataMsg::CommandDone {
        request_id: *request_id,
        result: CommandResult {
            status: CommandStatus::Completed,
            command: "run_gates".into(),
            reference: None,
            subject_id: None,
            transaction_ids: vec![],
            balances: vec![],
            replayed: false,
        },
    });
    assert!(follow.contains(&Request::LoadGates));
    assert!(screen(&mut app).contains("gates ran"));
}

#[test]
fn read_only_hides_and_ignores_writing_keys() {
    let mut app = fixtures::app("terminal", true, false);
    assert!(press(&mut app, "2r").is_empty());
    assert!(app.notice.is_none());
    assert!(!footer(&mut app).contains("run gates"));
    press(&mut app, "?");
    let help = screen(&mut app);
    assert!(help.contains("findings") && !help.contains("run gates"), "{help}");
    assert!(help.contains("read-only"));
    press(&mut app, "\x1b4");
    assert!(press(&mut app, "R").is_empty());
    assert!(app.views.outbox.confirm.is_none());
    assert!(!footer(&mut app).contains("retry"));
}

#[test]
fn typing_a_filter_narrows_the_list_and_enter_asks_the_server() {
    let mut app = fixtures::app("terminal", false, false);
    assert!(press(&mut app, "4/dea").is_empty());
    assert_eq!(app.views.outbox.shown().len(), 0, "the list narrows as the filter is typed");
    press(&mut app, "d");
    assert_eq!(app.views.outbox.shown().len(), 1);
    assert!(screen(&mut app).contains("filter: dead"));
    // q is text while typing, not quit.
    press(&mut app, "q");
    assert!(!app.should_quit());
    key(&mut app, KeyCode::Backspace);
    let requests = press(&mut app, "\n");
    let filter = OutboxMessageQuery { delivery_status: Some("dead".into()), ..Default::default() };
    assert_eq!(requests, vec![Request::LoadOutboxMessages { filter }]);
    assert_eq!(app.views.outbox.filter, "dead");
    // Esc while typing restores the applied filter.
    press(&mut app, "/ type:payin.posted\x1b");
    assert_eq!(app.views.outbox.filter, "dead");
    assert_eq!(app.views.outbox.shown().len(), 1);
}

#[test]
fn enter_opens_a_message_and_esc_backs_out() {
    let mut app = fixtures::app("terminal", false, false);
    let requests = press(&mut app, "4j\n");
    assert_eq!(requests, vec![Request::LoadOutboxMessage("msg_01947a01".into())]);
    app.on_data(DataMsg::OutboxMessage(fixtures::message_detail()));
    let shown = screen(&mut app);
    assert!(shown.contains("timeout after 10s") && shown.contains("ep_ops_slack"), "{shown}");
    press(&mut app, "\x1b");
    assert!(app.views.outbox.open.is_none());
    assert!(screen(&mut app).contains("Messages, newest first"));
}

#[test]
fn retry_asks_first_and_keeps_its_key_until_a_definite_answer() {
    let mut app = fixtures::app("terminal", false, false);
    assert!(press(&mut app, "4jR").is_empty(), "nothing is sent before confirming");
    assert!(screen(&mut app).contains("Retry message msg_01947a01"));
    let sent = press(&mut app, "y");
    let [Request::Command { id: request_id, command, body, key: idempotency_key }] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!((command.as_str(), &body["message_id"]), ("retry_outbox_message", &serde_json::json!("msg_01947a01")));
    let first_key = idempotency_key.clone();
    // No answer: the outcome is unknown, so the same key goes again.
    app.on_data(DataMsg::CommandFailed {
        request_id: *request_id,
        code: None,
        detail: "timed out".into(),
        unknown: true,
        fields: Vec::new(),
    });
    assert!(screen(&mut app).contains("no answer"));
    let again = press(&mut app, "Ry");
    let [Request::Command { id: request_id, key: idempotency_key, .. }] = again.as_slice() else { panic!("{again:?}") };
    assert_eq!(*idempotency_key, first_key);
    // A definite answer: the next retry is a new request with a new key.
    app.on_data(DataMsg::CommandFailed {
        request_id: *request_id,
        code: Some("NOT_FOUND".into()),
        detail: "no such message".into(),
        unknown: false,
        fields: Vec::new(),
    });
    assert!(screen(&mut app).contains("NOT_FOUND"));
    let third = press(&mut app, "Ry");
    let [Request::Command { key: idempotency_key, .. }] = third.as_slice() else { panic!("{third:?}") };
    assert_ne!(*idempotency_key, first_key);
    // n cancels without sending.
    assert!(press(&mut app, "Rn").is_empty());
    assert!(app.views.outbox.confirm.is_none());
}

#[test]
fn help_opens_on_question_mark_and_any_key_closes_it() {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "?");
    assert!(screen(&mut app).contains("Everywhere"));
    press(&mut app, "x");
    assert!(!app.help);
    press(&mut app, "q");
    assert!(app.should_quit());
}

#[test]
fn ctrl_c_quits_even_while_typing() {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "4/");
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.should_quit());
}

#[test]
fn t_switches_the_theme() {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "t");
    assert_eq!(app.theme.name, "ledger-paper");
    press(&mut app, "t");
    assert_eq!(app.theme.name, "terminal");
}

#[test]
fn dirty_is_set_only_by_visible_change() {
    let mut app = fixtures::app("terminal", false, false);
    screen(&mut app);
    assert!(!app.dirty);
    app.on_data(DataMsg::Gates(fixtures::gates()));
    assert!(!app.dirty, "the same gates again change nothing");
    app.on_tick(fixtures::now() + TimeDelta::milliseconds(250));
    assert!(!app.dirty, "a quiet tick changes nothing");
    press(&mut app, "Z");
    assert!(!app.dirty, "an unbound key changes nothing");
    press(&mut app, "2");
    assert!(app.dirty);
}

#[test]
fn the_status_bar_goes_reconnecting_then_stale_then_live() {
    let mut app = fixtures::app("terminal", false, false);
    let t0 = fixtures::now();
    app.on_data(DataMsg::Connection(ConnState::Reconnecting { retry_in_secs: 4 }));
    assert!(screen(&mut app).contains("reconnecting in 4 s"));
    app.on_tick(t0 + TimeDelta::seconds(1));
    assert!(app.dirty, "the countdown moved");
    assert!(screen(&mut app).contains("reconnecting in 3 s"));
    app.on_tick(t0 + TimeDelta::seconds(31));
    assert!(screen(&mut app).contains("stale since 09:30:00"));
    let follow = app.on_data(DataMsg::Connection(ConnState::Live));
    assert!(follow.contains(&Request::LoadOverview), "catching up after the outage: {follow:?}");
    assert!(screen(&mut app).contains("● live"));
    let since = t0 + TimeDelta::seconds(40);
    app.on_data(DataMsg::Connection(ConnState::Stale { since }));
    assert!(screen(&mut app).contains("stale since 09:30:40"));
}

#[test]
fn live_outbox_stats_update_both_views() {
    let mut app = fixtures::app("terminal", false, false);
    let mut stats = fixtures::outbox_stats();
    stats.dead = 7;
    app.on_data(DataMsg::Live(LiveEvent::from_parts("outbox.stats", serde_json::to_value(stats).unwrap())));
    assert_eq!(app.views.overview.overview.as_ref().unwrap().outbox.dead, 7);
    assert!(screen(&mut app).contains("dead     7"));
}
