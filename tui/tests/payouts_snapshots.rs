//! The Payouts screens at 80×24 and 160×48 in both themes, from fixed data:
//! the text as drawn, then the styles used and how many cells carry each.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::payouts as fx;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;

const THEMES: [&str; 2] = ["terminal", "ledger-paper"];
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn press(app: &mut App, keys: &str) -> Vec<Request> {
    keys.chars()
        .flat_map(|c| {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
        })
        .collect()
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

fn queue(theme: &str) -> App {
    let mut app = fixtures::app(theme, false, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    app
}

fn detail(theme: &str) -> App {
    let mut app = queue(theme);
    press(&mut app, "\n");
    app.on_data(DataMsg::Hold(fx::detail(0)));
    app.on_data(DataMsg::Wallet(fx::wallet()));
    app
}

/// A settle form with a fixed key, so the snapshot is stable.
fn form(theme: &str) -> App {
    let mut app = detail(theme);
    press(&mut app, "s");
    app.payouts.form.as_mut().unwrap().key = "0194abcd-0000-7000-8000-000000000001".into();
    press(&mut app, "provider portal shows paid\tPSK-991");
    app
}

fn sent(theme: &str) -> (App, u64) {
    let mut app = form(theme);
    let requests = press(&mut app, "\ny");
    let [Request::HoldCommand { request_id, .. }] = requests.as_slice() else { panic!("{requests:?}") };
    (app, *request_id)
}

#[test]
fn payouts_queue() {
    snapshot("payouts_queue", queue);
}

#[test]
fn hold_detail() {
    snapshot("hold_detail", detail);
}

#[test]
fn settle_form() {
    snapshot("settle_form", form);
}

#[test]
fn settle_confirmation() {
    snapshot("settle_confirm", |theme| {
        let mut app = form(theme);
        press(&mut app, "\n");
        app
    });
}

#[test]
fn result_card() {
    snapshot("result_card", |theme| {
        let (mut app, request_id) = sent(theme);
        app.on_data(DataMsg::CommandDone { request_id, result: fx::settled(true) });
        app
    });
}

#[test]
fn red_card() {
    snapshot("red_card", |theme| {
        let (mut app, request_id) = sent(theme);
        app.on_data(DataMsg::CommandFailed {
            request_id,
            code: Some("HOLD_NOT_OPEN".into()),
            detail: "hold hold_01947c00 is released, not open".into(),
            transport: false,
            fields: Vec::new(),
        });
        app
    });
}
