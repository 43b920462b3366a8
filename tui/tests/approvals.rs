//! The Approvals view driven by keys with fixture data: the queue oldest
//! first with the count in the status bar; the detail states what will
//! move where and the exact parameters; `a` / `x` open the approve / reject
//! command's form (reason, confirmation, its key made when it opens);
//! read-only profiles and viewers see the queue without the decisions; a
//! live `approval.changed` refetches the queue; a held call's result card
//! says it waits for a second operator.

mod fixtures;

use fixtures::approvals as fx;
use fixtures::press;
use ledgerdeck_client::events::{ApprovalChange, LiveEvent};
use ledgerdeck_client::{CommandResult, CommandStatus, Role};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::views::ViewId;
use ledgerdeck_tui::views::approvals::ApprovalsState;

fn screen(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 160, 40))
}

fn approvals_app(read_only: bool, role: Role) -> App {
    let mut app = fixtures::app_as("terminal", read_only, role);
    let mut specs = fixtures::commands();
    specs.extend(fx::decision_specs());
    app.on_data(DataMsg::Commands(specs));
    app.on_data(DataMsg::Approvals { query: queue_query(), page: fx::queue() });
    press(&mut app, "9");
    app
}

fn queue_query() -> ledgerdeck_client::ProposalQuery {
    let Request::LoadApprovals(query) = ApprovalsState::list_request() else { unreachable!() };
    query
}

/// The queue is read at start, shown oldest first, counted in the status bar.
#[test]
fn the_queue_is_shown_oldest_first_and_counted_in_the_status_bar() {
    let fresh = fixtures::app("terminal", false, false);
    let mut started = fresh;
    assert!(started.start().contains(&ApprovalsState::list_request()), "read at start, for the count");
    let mut app = approvals_app(false, Role::Operator);
    assert_eq!(app.view, ViewId::Approvals);
    let s = screen(&mut app);
    assert!(s.contains("approvals 2"), "{s}");
    let settle = s.lines().position(|l| l.contains("settle_hold")).expect("settle row");
    let flag = s.lines().position(|l| l.contains("set_feature_flag")).expect("flag row");
    assert!(settle < flag, "oldest first:\n{s}");
    assert!(s.contains("250,000.00 NGN") && s.contains("ops-alice"), "{s}");
    app.on_data(DataMsg::Approvals {
        query: queue_query(),
        page: ledgerdeck_client::Page { items: vec![], next_cursor: None },
    });
    let s = screen(&mut app);
    assert!(!s.contains("approvals 2") && s.contains("nothing waits for a second operator"), "{s}");
}

/// Enter opens what will move where, and the exact parameters; Esc goes back.
#[test]
fn the_detail_states_what_moves_where() {
    let mut app = approvals_app(false, Role::Operator);
    press(&mut app, "\n");
    let s = screen(&mut app);
    assert!(s.contains("250000.00 NGN reserved in wallet w_ng_1 goes to flutterwave payout clearing"), "{s}");
    assert!(s.contains("hold_01947c02") && s.contains("FW-88") && s.contains("provider portal shows paid"), "{s}");
    assert!(s.contains("expires") && s.contains("proposed by"), "{s}");
    assert_eq!(app.context().name, "proposal");
    press(&mut app, "\x1b");
    assert_eq!(app.context().name, "approvals");
}

/// `a` opens approve_proposal's form on the selected proposal: a reason,
/// then a confirmation, then one command with the key made when it opened.
#[test]
fn approve_goes_through_the_commands_form() {
    let mut app = approvals_app(false, Role::Operator);
    press(&mut app, "j");
    assert!(press(&mut app, "a").is_empty(), "the form sends nothing");
    let form = app.palette.form.as_ref().expect("the approve form");
    assert_eq!(form.spec.name, "approve_proposal");
    assert_eq!(form.value("proposal_id"), Some("prop_01947c10-bbbb-7000-8000-000000000002"));
    let key = form.key.clone();
    press(&mut app, "flag change agreed on the bridge call\n");
    let sent = press(&mut app, "y");
    let [Request::Command { id, command, body, key: sent_key }] = sent.as_slice() else { panic!("{sent:?}") };
    assert_eq!(command, "approve_proposal");
    assert_eq!(body["proposal_id"], "prop_01947c10-bbbb-7000-8000-000000000002");
    assert_eq!(body["reason"], "flag change agreed on the bridge call");
    assert_eq!(sent_key, &key);
    app.on_data(fixtures::command_done(*id, "set_feature_flag", CommandStatus::Updated));
    press(&mut app, "\n");
    assert!(!app.palette.is_open());
    press(&mut app, "x");
    assert_eq!(app.palette.form.as_ref().map(|f| f.spec.name.as_str()), Some("reject_proposal"));
}

/// A viewer and a read-only profile see the queue, without the decisions.
#[test]
fn viewers_and_read_only_profiles_see_the_queue_without_decisions() {
    for (read_only, role) in [(true, Role::Operator), (false, Role::Viewer)] {
        let mut app = approvals_app(read_only, role);
        assert!(screen(&mut app).contains("settle_hold"));
        press(&mut app, "a");
        press(&mut app, "x");
        assert!(app.palette.form.is_none(), "no decision form (read_only {read_only}, {role:?})");
        let footer = screen(&mut app);
        assert!(!footer.contains("a approve") && !footer.contains("x reject"), "{footer}");
    }
}

/// A live `approval.changed` anywhere refetches the queue.
#[test]
fn a_live_change_refetches_the_queue() {
    let mut app = approvals_app(false, Role::Operator);
    press(&mut app, "1");
    let change = ApprovalChange { proposal_id: "prop_x".into(), status: "pending".into(), command: "transfer".into() };
    let asked = app.on_data(DataMsg::Live(LiveEvent::ApprovalChanged(change)));
    assert!(asked.contains(&ApprovalsState::list_request()), "{asked:?}");
}

/// A call held for a second operator says so on its result card.
#[test]
fn a_held_call_says_it_waits_for_a_second_operator() {
    let mut app = approvals_app(false, Role::Operator);
    press(&mut app, ":tra\nw-1\tw-2\t2000000.00\n\n");
    let sent = press(&mut app, "y");
    let Some(Request::Command { id, .. }) = sent.iter().find(|r| r.writes()) else { panic!("{sent:?}") };
    let result = CommandResult {
        status: CommandStatus::PendingApproval,
        command: "transfer".into(),
        reference: None,
        subject_id: Some("prop_01947c10-cccc-7000-8000-000000000003".into()),
        transaction_ids: vec![],
        balances: vec![],
        replayed: false,
    };
    app.on_data(DataMsg::CommandDone { request_id: *id, result });
    let s = screen(&mut app);
    assert!(s.contains("waiting for a second operator (proposal prop_01947c10-cccc-7000-8000-000000000003)"), "{s}");
    assert!(!s.contains("✓ pendingapproval"), "{s}");
}
