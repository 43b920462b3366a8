//! The operator's fixes and filters by key: rebuilding a drifted wallet's
//! statements and re-running its gate from the finding; running one gate, a
//! routine run, resolved findings and the run history; every list's filter
//! as the API takes it; the statement paged.

mod fixtures;

use fixtures::press;
use ledgerdeck_client::providers::ProviderEventQuery;
use ledgerdeck_client::{AuditQuery, CommandStatus, GateRunQuery, HoldQuery, Role, TransactionQuery, WalletQuery};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use serde_json::json;

fn the_command(requests: &[Request]) -> (u64, String, serde_json::Value) {
    let commands: Vec<&Request> = requests.iter().filter(|r| r.writes()).collect();
    let [Request::Command { id, command, body, .. }] = commands.as_slice() else { panic!("{requests:?}") };
    (*id, command.clone(), body.clone())
}

/// The wallet_drift findings open, as `role`.
fn findings_as(role: Role) -> App {
    let mut app = fixtures::app_as("terminal", false, role);
    press(&mut app, "2j\n");
    app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: fixtures::findings() });
    app
}

#[test]
fn a_drifted_statement_is_rebuilt_and_its_gate_re_run_from_the_finding() {
    let mut app = findings_as(Role::Admin);
    assert!(press(&mut app, "f").is_empty(), "a confirmation first");
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 120, 36));
    assert!(
        screen.contains("Rebuild the statement lines of wallet w_01947a") && screen.contains("in full"),
        "{screen}"
    );
    let (rebuild, command, body) = the_command(&press(&mut app, "y"));
    assert_eq!((command.as_str(), body), ("rebuild_statements", json!({"wallet_id": "w_01947a"})));
    let follow = app.on_data(fixtures::command_done(rebuild, "rebuild_statements", CommandStatus::Completed));
    let (rerun, command, body) = the_command(&follow);
    assert_eq!((command.as_str(), body), ("run_gates", json!({"gate": "wallet_drift", "mode": "full"})));
    let follow = app.on_data(fixtures::command_done(rerun, "run_gates", CommandStatus::Completed));
    assert!(follow.contains(&Request::LoadGates), "the gate shows its new state: {follow:?}");
    assert!(follow.contains(&Request::LoadFindings { gate: "wallet_drift".into(), status: Some("OPEN".into()) }));
    assert!(app.views.gates.fix.is_none());
}

#[test]
fn the_fix_is_an_admins_and_n_cancels_it() {
    let mut app = findings_as(Role::Operator);
    assert!(press(&mut app, "f").is_empty());
    assert!(app.views.gates.fix.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("needs the admin role"));
    let mut admin = findings_as(Role::Admin);
    press(&mut admin, "f");
    assert!(press(&mut admin, "n").is_empty(), "nothing sent");
    assert!(admin.views.gates.fix.is_none());
    let footer =
        |app: &mut App| fixtures::buffer_text(&fixtures::draw(app, 160, 48)).lines().last().unwrap().to_string();
    assert!(footer(&mut admin).contains("f fix"), "{}", footer(&mut admin));
    let mut viewer = findings_as(Role::Viewer);
    assert!(!footer(&mut viewer).contains("fix"), "a writing key: not offered to a viewer");
    assert!(press(&mut viewer, "fy").is_empty());
    assert!(viewer.notice.is_none(), "the key never reached the view");
}

#[test]
fn a_fix_under_way_is_not_sent_twice_and_still_re_runs_its_gate() {
    let mut app = findings_as(Role::Admin);
    let (rebuild, _, _) = the_command(&press(&mut app, "fy"));
    assert!(press(&mut app, "fy").iter().all(|r| !r.writes()), "one fix at a time");
    assert!(app.notice.as_ref().unwrap().text.contains("under way"));
    let follow = app.on_data(fixtures::command_done(rebuild, "rebuild_statements", CommandStatus::Completed));
    assert_eq!(the_command(&follow).1, "run_gates", "the first fix's answer still leads to the re-run");
}

#[test]
fn every_finding_shows_its_runbook_hint() {
    let mut app = findings_as(Role::Operator);
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 160, 48));
    assert!(screen.contains("▸ The statement read model drifted"), "{screen}");
}

#[test]
fn gates_run_one_or_routine_and_show_resolved_findings_and_history() {
    let mut app = fixtures::app("terminal", false, false);
    let (_, command, body) = the_command(&press(&mut app, "2jR"));
    assert_eq!((command.as_str(), body), ("run_gates", json!({"gate": "wallet_drift"})));
    let (_, _, body) = the_command(&press(&mut app, "u"));
    assert_eq!(body, json!({"mode": "routine"}));
    press(&mut app, "\n");
    assert_eq!(press(&mut app, "v"), vec![Request::LoadFindings { gate: "wallet_drift".into(), status: None }]);
    assert_eq!(press(&mut app, "\x1bh"), vec![Request::LoadGateRuns(GateRunQuery::default())]);
}

#[test]
fn every_list_filters_as_the_api_allows() {
    let mut app = fixtures::app("terminal", false, false);
    fixtures::feed_views(&mut app);
    let wallets =
        WalletQuery { merchant_id: Some("m-acme".into()), currency: Some("USD".into()), ..Default::default() };
    assert_eq!(press(&mut app, "5/m-acme USD\n"), vec![Request::LoadWallets(wallets)]);
    let ledger = TransactionQuery {
        wallet_id: Some("w1".into()),
        kind: Some("payin".into()),
        from: Some("2026-01-31T00:00:00Z".into()),
        to: Some("2026-02-01T12:00:00Z".into()),
        ..Default::default()
    };
    assert_eq!(
        press(&mut app, "6/wallet:w1 payin from:2026-01-31 to:2026-02-01T12:00:00Z\n"),
        vec![Request::LoadTransactions(ledger)]
    );
    let audit = AuditQuery {
        actor: Some("ops-bob".into()),
        action: Some("settle_hold".into()),
        outcome: Some("refused".into()),
        from: Some("2026-01-30T00:00:00Z".into()),
        ..Default::default()
    };
    assert_eq!(
        press(&mut app, "8/ops-bob action:settle_hold outcome:refused from:2026-01-30\n"),
        vec![Request::LoadAudit(audit)]
    );
    let events = ProviderEventQuery { provider: Some("sandbox".into()), ..Default::default() };
    assert_eq!(press(&mut app, "7/sandbox\n"), vec![Request::LoadProviderEvents(events)]);
    let holds =
        HoldQuery { wallet_id: Some("w1".into()), older_than_seconds: Some(7200), ..fixtures::payouts::queue_query() };
    assert_eq!(press(&mut app, "3/wallet:w1 age:2h\n"), vec![Request::LoadHolds(holds)]);
}

#[test]
fn the_statement_pages_with_n() {
    let mut app = fixtures::app("terminal", false, false);
    fixtures::feed_views(&mut app);
    press(&mut app, "5\n");
    let mut first = fixtures::statement();
    first.next_cursor = Some("c-st-2".into());
    app.on_data(DataMsg::Statement { wallet_id: "w1".into(), page: first });
    assert_eq!(
        press(&mut app, "n"),
        vec![Request::LoadStatementPage { wallet_id: "w1".into(), cursor: "c-st-2".into() }]
    );
    let mut more = fixtures::statement();
    more.items.truncate(1);
    more.items[0].posting_seq = 3;
    app.on_data(DataMsg::StatementMore { wallet_id: "w1".into(), page: more });
    assert_eq!(app.views.wallets.statement.as_ref().unwrap().items.len(), 4, "older lines follow");
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 160, 48));
    assert!(screen.contains("Statement w1 · m-acme USD") && screen.contains("12,500.00"), "{screen}");
}
