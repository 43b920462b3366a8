//! The Wallets, Ledger, Controls and Audit views, the command palette and a
//! generated form with inline errors, at 80×24 and 160×48 in both themes
//! (the conventions of `snapshots.rs`: text as drawn, then the styles used).

mod fixtures;

use fixtures::press;

use ledgerdeck_client::Role;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::DataMsg;

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

fn with_views(theme: &str) -> App {
    let mut app = fixtures::app_as(theme, false, Role::Operator);
    fixtures::feed_views(&mut app);
    app
}

#[test]
fn wallets() {
    snapshot("wallets", |theme| {
        let mut app = with_views(theme);
        press(&mut app, "5j");
        app
    });
}

#[test]
fn wallet_statement() {
    snapshot("wallet_statement", |theme| {
        let mut app = with_views(theme);
        press(&mut app, "5\n");
        app.on_data(DataMsg::Statement { wallet_id: "w1".into(), page: fixtures::statement() });
        app
    });
}

#[test]
fn ledger() {
    snapshot("ledger", |theme| {
        let mut app = with_views(theme);
        press(&mut app, "6j");
        app
    });
}

#[test]
fn ledger_detail() {
    snapshot("ledger_detail", |theme| {
        let mut app = with_views(theme);
        press(&mut app, "6jj\n");
        app
    });
}

#[test]
fn controls() {
    snapshot("controls", |theme| {
        let mut app = with_views(theme);
        press(&mut app, "7j");
        app
    });
}

#[test]
fn audit() {
    snapshot("audit", |theme| {
        let mut app = with_views(theme);
        press(&mut app, "8j");
        app
    });
}

#[test]
fn palette() {
    snapshot("palette", |theme| {
        let mut app = with_views(theme);
        press(&mut app, ":tra");
        app
    });
}

#[test]
fn form_with_inline_errors() {
    snapshot("form_errors", |theme| {
        let mut app = fixtures::app_as(theme, false, Role::Admin);
        press(&mut app, ":fund\nUSD\t1.234\n");
        // The key is random: fix it for the snapshot.
        app.palette.form.as_mut().unwrap().key = "01947a3c-0000-7000-8000-00000000beef".into();
        app
    });
}
