//! The wallet statement with its balances as of a time (and the prompt),
//! and the session log overlay, at 80×24 and 160×48 in both themes (the
//! conventions of `snapshots.rs`: text as drawn, then the styles used).

mod fixtures;

use fixtures::{dec, press};
use ledgerdeck_client::{BalanceFigures, CommandResult, CommandStatus, Role, WalletBalanceAsOf};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::command::{Answer, Outgoing};
use ledgerdeck_tui::data::DataMsg;
use serde_json::json;

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

fn statement(theme: &str) -> App {
    let mut app = fixtures::app_as(theme, false, Role::Operator);
    fixtures::feed_views(&mut app);
    press(&mut app, "5\n");
    app.on_data(DataMsg::Statement { wallet_id: "w1".into(), page: fixtures::statement() });
    app
}

#[test]
fn wallet_as_of() {
    snapshot("wallet_as_of", |theme| {
        let mut app = statement(theme);
        press(&mut app, "a2026-01-30\n");
        let f = |a: &str, r: &str, t: &str| BalanceFigures { available: dec(a), reserved: dec(r), total: dec(t) };
        app.on_data(DataMsg::BalanceAsOf(WalletBalanceAsOf {
            wallet_id: "w1".into(),
            currency: "USD".into(),
            as_of: "2026-01-30T23:59:59.999999Z".into(),
            effective: f("12775.50", "0.00", "12775.50"),
            booked: f("12750.00", "0.00", "12750.00"),
        }));
        app
    });
}

#[test]
fn wallet_as_of_prompt() {
    snapshot("wallet_as_of_prompt", |theme| {
        let mut app = statement(theme);
        press(&mut app, "a2026-01-3");
        app
    });
}

/// Five commands: posted, replayed, refused, no answer, and one still in flight.
fn with_log(theme: &str) -> App {
    let mut app = fixtures::app_as(theme, false, Role::Operator);
    fixtures::feed_views(&mut app);
    let at = fixtures::now();
    let who = ("staging", "ada");
    let out =
        |command: &str, body: serde_json::Value, key: &str| Outgoing { command: command.into(), body, key: key.into() };
    let done = |command: &str, replayed: bool| {
        Answer::Done(CommandResult {
            status: CommandStatus::Posted,
            command: command.into(),
            reference: None,
            subject_id: Some("hold_01947c00".into()),
            transaction_ids: vec!["01947a3c-0000-7000-8000-000000000031".into()],
            balances: vec![],
            replayed,
        })
    };
    let log = &mut app.session_log;
    let hold = |n: u32| json!({"hold_id": format!("hold_01947c0{n}"), "reason": "failed at provider"});
    log.sent(at, 1, who, &out("release_hold", hold(1), "0194a000-0000-7000-8000-000000000001"));
    log.answered(at, 1, &done("release_hold", false));
    log.sent(at, 2, who, &out("release_hold", hold(1), "0194a000-0000-7000-8000-000000000001"));
    log.answered(at, 2, &done("release_hold", true));
    log.sent(at, 3, who, &out("settle_hold", hold(2), "0194a000-0000-7000-8000-000000000003"));
    let refused = Answer::Refused {
        code: Some("HOLD_NOT_OPEN".into()),
        detail: "the hold was already settled\x1b[31m by another operator".into(),
        fields: vec![],
    };
    log.answered(at, 3, &refused);
    let transfer = json!({"from_wallet_id": "w1", "to_wallet_id": "w2", "amount": "20.00", "reference": "inv-77"});
    log.sent(at, 4, who, &out("transfer", transfer, "0194a000-0000-7000-8000-000000000004"));
    log.answered(at, 4, &Answer::NoAnswer { detail: "timed out after 10 s".into() });
    log.sent(at, 5, who, &out("run_gates", json!({}), "0194a000-0000-7000-8000-000000000005"));
    app
}

#[test]
fn session_log() {
    snapshot("session_log", |theme| {
        let mut app = with_log(theme);
        press(&mut app, "Ljj");
        app
    });
}

#[test]
fn session_log_empty() {
    snapshot("session_log_empty", |theme| {
        let mut app = fixtures::app_as(theme, false, Role::Operator);
        fixtures::feed_views(&mut app);
        press(&mut app, "L");
        app
    });
}
