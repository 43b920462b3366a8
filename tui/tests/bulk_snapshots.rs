//! The bulk screens at 80×24 and 160×48 in both themes, from fixed data:
//! the marked queue, the bulk release's confirmation (count and total), and
//! the per-item result table with a posted, a replayed, a refused and a
//! no-answer row. Idempotency keys are random, so their shown tails are
//! replaced by a fixed text before the comparison.

mod fixtures;

use fixtures::payouts as fx;
use fixtures::press;
use ledgerdeck_client::{CommandResult, CommandStatus};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};

/// `…` followed by 8 hex digits (a key's shown tail) becomes `…KEYTAIL#`.
fn fixed_keys(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let tail = chars.get(i + 1..i + 9);
        if chars[i] == '…' && tail.is_some_and(|t| t.iter().all(|c| c.is_ascii_hexdigit())) {
            out.push_str("…KEYTAIL#");
            i += 9;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, fixed_keys(&text));
    }
}

/// The queue with three of its four holds marked.
fn marked(theme: &str) -> App {
    let mut app = fixtures::app(theme, false, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    press(&mut app, " j jj ");
    app
}

fn confirm(theme: &str) -> App {
    let mut app = marked(theme);
    press(&mut app, "r");
    press(&mut app, "provider portal shows failed\n");
    app
}

#[test]
fn marked_queue() {
    snapshot("bulk_marked_queue", marked);
}

#[test]
fn bulk_confirmation() {
    snapshot("bulk_confirm", confirm);
}

/// Every hold marked, one of them above 10,000: the count is typed.
#[test]
fn bulk_confirmation_typed() {
    snapshot("bulk_confirm_typed", |theme| {
        let mut app = fixtures::app(theme, false, false);
        press(&mut app, "3");
        app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
        press(&mut app, " j j j r");
        press(&mut app, "provider portal shows failed\n4");
        app
    });
}

#[test]
fn bulk_result_table() {
    snapshot("bulk_result", |theme| {
        let mut app = fixtures::app(theme, false, false).with_bulk_concurrency(4);
        press(&mut app, "3");
        app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
        press(&mut app, " j j j ");
        press(&mut app, "r");
        press(&mut app, "provider portal shows failed\n");
        // A hold of 25,000.00 is among them: the count is typed to confirm.
        let sent = press(&mut app, "4\n");
        let ids: Vec<u64> = sent
            .iter()
            .filter_map(|r| match r {
                Request::Command { id, .. } => Some(*id),
                _ => None,
            })
            .collect();
        let done = |request_id: u64, replayed: bool| DataMsg::CommandDone {
            request_id,
            result: CommandResult {
                status: CommandStatus::Posted,
                command: "release_hold".into(),
                reference: None,
                subject_id: None,
                transaction_ids: vec![format!("txn_rel_01947e{request_id:02}")],
                balances: vec![],
                replayed,
            },
        };
        app.on_data(done(ids[0], false));
        app.on_data(done(ids[1], true));
        app.on_data(DataMsg::CommandFailed {
            request_id: ids[2],
            code: Some("HOLD_NOT_OPEN".into()),
            detail: "hold hold_01947c02 is settled".into(),
            unknown: false,
            fields: vec![],
        });
        app.on_data(DataMsg::CommandFailed {
            request_id: ids[3],
            code: None,
            detail: "connection reset by peer".into(),
            unknown: true,
            fields: vec![],
        });
        app
    });
}
