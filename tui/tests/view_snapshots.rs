//! The Wallets, Ledger, Controls and Audit views, the command palette and a
//! generated form with inline errors, at 80×24 and 160×48 in both themes
//! (the conventions of `snapshots.rs`: text as drawn, then the styles used).

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ledgerdeck_client::Role;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::DataMsg;
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;

const THEMES: [&str; 2] = ["terminal", "ledger-paper"];
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
}

fn styles(buffer: &Buffer) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for cell in buffer.content() {
        let key = format!("fg={:?} bg={:?} mod={:?}", cell.fg, cell.bg, cell.modifier);
        *counts.entry(key).or_default() += 1;
    }
    counts.iter().map(|(k, n)| format!("{n:>5} {k}\n")).collect()
}

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for theme in THEMES {
        for (w, h) in SIZES {
            let mut app = make(theme);
            let buffer = fixtures::draw(&mut app, w, h);
            let text = format!("{}--- styles ---\n{}", fixtures::buffer_text(&buffer), styles(&buffer));
            insta::assert_snapshot!(format!("{name}_{w}x{h}_{theme}"), text);
        }
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
