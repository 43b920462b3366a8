//! The screens of finding and following things, at 80×24 and 160×48 in both
//! themes: the find box with its hits, the Merchant view, the copy chooser,
//! and the title path after following a link.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::press;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::DataMsg;

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn find_box_with_hits() {
    snapshot("find_box", |theme| {
        let mut app = fixtures::app(theme, false, false);
        app.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
        press(&mut app, "PSK-4411\n");
        app.on_data(DataMsg::Search(fixtures::search_hits("PSK-4411")));
        app
    });
}

#[test]
fn merchant_view() {
    snapshot("merchant", |theme| {
        let mut app = fixtures::app(theme, false, false);
        fixtures::feed_views(&mut app);
        press(&mut app, "5g");
        press(&mut app, "j\n");
        app.on_data(DataMsg::Merchant(fixtures::merchant()));
        app
    });
}

#[test]
fn copy_chooser() {
    snapshot("copy_chooser", |theme| {
        let mut app = fixtures::app(theme, false, false);
        press(&mut app, "3");
        app.on_data(DataMsg::Holds { query: fixtures::payouts::queue_query(), page: fixtures::payouts::queue() });
        press(&mut app, "y");
        app
    });
}

#[test]
fn statement_at_a_findings_broken_line() {
    snapshot("statement_from_finding", |theme| {
        let mut app = fixtures::app(theme, false, false);
        fixtures::feed_views(&mut app);
        press(&mut app, "2j\n");
        let mut findings = fixtures::findings();
        findings.items[0].subject = "w1:available".into();
        findings.items[0].posting_seq = Some(13);
        app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: findings });
        press(&mut app, "\n");
        app.on_data(DataMsg::Statement { wallet_id: "w1".into(), page: fixtures::statement() });
        app
    });
}
