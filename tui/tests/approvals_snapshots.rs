//! Snapshots of the Approvals view: the queue and one proposal's detail,
//! at 80×24 and 160×48 in both themes.

mod fixtures;

use fixtures::approvals as fx;
use fixtures::press;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::views::approvals::ApprovalsState;

fn queue(theme: &str) -> App {
    let mut app = fixtures::app(theme, false, false);
    let Request::LoadApprovals(query) = ApprovalsState::list_request() else { unreachable!() };
    app.on_data(DataMsg::Approvals { query, page: fx::queue() });
    press(&mut app, "9");
    app
}

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn approvals_queue() {
    snapshot("approvals_queue", queue);
}

#[test]
fn approvals_detail() {
    snapshot("approvals_detail", |theme| {
        let mut app = queue(theme);
        press(&mut app, "\n");
        app
    });
}
